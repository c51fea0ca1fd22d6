"""Differential fuzzing of whole models (NNSmith-style): random valid ONNX graphs over every op
opt-fuse imports (model_fuzz_graphs.py), each run in onnxruntime and in opt-fuse fused and
unfused, and one in AARCH64_EVERY also compiled for aarch64 and run under qemu; all must agree
(differential.py). Hypothesis shrinks a failure to a minimal model, which is saved under
tests/fuzz_regressions/ and run by tests/test_fuzz_regressions.py from then on.

CI runs EXAMPLES graphs with fixed seeds, in SHARDS tests so that xdist spreads them over its
workers. A soak run (thousands of graphs; a new set with another OPT_FUSE_FUZZ_SEED):

    OPT_FUSE_FUZZ_EXAMPLES=4000 OPT_FUSE_FUZZ_SEED=1 python -m pytest -n 2 tests/test_model_fuzz.py
"""

from __future__ import annotations

import os
from collections import Counter

import numpy as np
import pytest
from differential import check_against_onnxruntime, model_name
from hypothesis import HealthCheck, Phase, given, seed, settings
from model_fuzz_graphs import MODEL_OPS, NOT_DRAWN, model_graphs
from onnx_helpers import run_onnxruntime
from test_aarch64 import _missing_aarch64_toolchain

from compiler.onnx_ops import supported_ops

EXAMPLES = int(os.environ.get("OPT_FUSE_FUZZ_EXAMPLES", "240"))
BASE_SEED = int(os.environ.get("OPT_FUSE_FUZZ_SEED", "0"))
SHARDS = 4
AARCH64_EVERY = 12
RTOL, ATOL = 1e-4, 1e-5
SLOW_DRAWS = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example]


def _aarch64_available() -> bool:
    reason = _missing_aarch64_toolchain()
    if reason is not None and os.environ.get("OPT_FUSE_REQUIRE_AARCH64"):
        pytest.fail(f"OPT_FUSE_REQUIRE_AARCH64 is set, but: {reason}")
    return reason is None


@pytest.mark.parametrize("shard", range(SHARDS))
def test_whole_models_match_onnxruntime(shard: int) -> None:
    aarch64 = _aarch64_available()

    @seed(BASE_SEED * SHARDS + shard)
    @settings(max_examples=-(-EXAMPLES // SHARDS), deadline=None, database=None, suppress_health_check=SLOW_DRAWS)
    @given(graph=model_graphs())
    def check(graph) -> None:  # noqa: ANN001
        model = graph.model()  # runs the ONNX checker: an invalid model is a generator bug
        inputs = graph.inputs(model)
        description = graph.describe(model)
        for name, value in zip(graph.outputs, run_onnxruntime(model, inputs)):
            assert np.all(np.isfinite(value)), f"generator bug: onnxruntime gives non-finite {name!r}\n{description}"
        sample = aarch64 and int(model_name(model), 16) % AARCH64_EVERY == 0
        check_against_onnxruntime(model, inputs, RTOL, ATOL, description, aarch64=sample)

    check()


def test_model_generator_covers_every_op() -> None:
    """The generator draws every op the importer registers (but NOT_DRAWN), and 800 derandomized
    draws (nothing compiles: cheap) build valid models, finite in onnxruntime, using all of them."""
    assert set(MODEL_OPS) | set(NOT_DRAWN) == set(supported_ops()), "MODEL_OPS is out of date with the importer"
    ops: Counter = Counter()

    @settings(max_examples=800, derandomize=True, database=None, phases=[Phase.generate],
              suppress_health_check=SLOW_DRAWS)
    @given(graph=model_graphs())
    def draw(graph) -> None:  # noqa: ANN001
        model = graph.model()
        for name, value in zip(graph.outputs, run_onnxruntime(model, graph.inputs(model))):
            assert np.all(np.isfinite(value)), f"non-finite {name!r}\n{graph.describe(model)}"
        ops.update(graph.ops.keys())

    draw()
    assert not (missing := sorted(set(MODEL_OPS) - set(ops))), f"ops never drawn: {missing}; drawn {dict(ops)}"
