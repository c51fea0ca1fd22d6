"""The example models (examples/make_models.py) end to end against onnxruntime.

Checks that the committed examples/mlp.onnx and examples/cnn.onnx are exactly
what make_mlp()/make_cnn() build (so nobody edits one without the other), that
they are valid ONNX, and that opt-fuse, fused and unfused, matches onnxruntime
on 3 seeded random inputs (rtol 1e-4, atol 1e-5). These models chain the
patterns fusion must get right: Gemm+bias+Relu epilogues, BatchNormalization
folding, Pad folded into a Conv, a grouped Conv with a residual Add, pooling,
Flatten and Softmax.
"""

from __future__ import annotations

import importlib.util

import onnx
import pytest

from onnx_helpers import (
    REPO_ROOT,
    assert_outputs_close,
    random_inputs,
    run_onnxruntime,
)

EXAMPLES = REPO_ROOT / "examples"
SEEDS = (0, 1, 2)


def _load_make_models():
    # loaded by path: a top-level `examples` package may exist elsewhere on sys.path
    spec = importlib.util.spec_from_file_location("opt_fuse_make_models", EXAMPLES / "make_models.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


make_models = _load_make_models()
BUILDERS = {"mlp": make_models.make_mlp, "cnn": make_models.make_cnn}


@pytest.mark.parametrize("name", BUILDERS)
def test_committed_file_equals_builder(name):
    built = BUILDERS[name]()
    committed = onnx.load(EXAMPLES / f"{name}.onnx")
    assert committed == built, f"examples/{name}.onnx is stale: rerun `python examples/make_models.py`"


@pytest.mark.parametrize("name", BUILDERS)
def test_example_is_valid_and_small(name):
    model = BUILDERS[name]()
    onnx.checker.check_model(model, full_check=True)
    assert model.graph.name == name
    assert model.opset_import[0].version == 17 and model.ir_version == 8
    assert (EXAMPLES / f"{name}.onnx").stat().st_size < 200_000


@pytest.mark.parametrize("fuse", [True, False], ids=["fused", "unfused"])
@pytest.mark.parametrize("name", BUILDERS)
def test_example_matches_onnxruntime(name, fuse):
    import compiler.backend as backend

    model = BUILDERS[name]()
    rep = backend.prepare(model, fuse=fuse)  # compiled once, run on every seed
    for seed in SEEDS:
        inputs = random_inputs(model, seed=seed)
        expected = run_onnxruntime(model, inputs)
        actual = rep.run(inputs)
        assert_outputs_close(model, actual, expected, rtol=1e-4, atol=1e-5, context=f"fuse={fuse}, seed={seed}")
