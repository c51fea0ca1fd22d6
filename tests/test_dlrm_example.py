"""The DLRM-style example (examples/make_dlrm.py): compiled once under two bounds, run at three sizes.

Checks that the committed examples/dlrm.onnx is what make_dlrm builds, that opt-fuse, fused and
unfused, matches onnxruntime at (batch, seq) = (1, 1), (5, 7) and (16, 20) (empty and full bags
included), that a size past a bound is refused naming the symbol, and that a run's memory does
not depend on the sizes: every intermediate lives in the arena planned once at the bounds, the
generated code allocates nothing, and a run's only allocations are its outputs.
"""

from __future__ import annotations

import importlib.util
import sys
import tracemalloc

import numpy as np
import onnx
import pytest
from onnx_helpers import REPO_ROOT, run_onnxruntime

from compiler import backend
from compiler.errors import RuntimeInputError

SIZES = [(1, 1), (5, 7), (16, 20)]


def _load_make_dlrm():
    spec = importlib.util.spec_from_file_location("opt_fuse_make_dlrm", REPO_ROOT / "examples" / "make_dlrm.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


make_dlrm = _load_make_dlrm()


@pytest.fixture(scope="module")
def model() -> onnx.ModelProto:
    return onnx.load(str(make_dlrm.PATH))


def test_committed_model_is_what_the_script_builds(model):
    assert make_dlrm.make_dlrm().SerializeToString() == model.SerializeToString()


@pytest.mark.parametrize("fuse", [True, False], ids=["fused", "unfused"])
def test_three_sizes_match_onnxruntime_with_one_compile(model, fuse):
    rep = backend.prepare(model, fuse=fuse, dim_bounds=make_dlrm.BOUNDS)
    for batch, seq in SIZES:
        feed = make_dlrm.example_inputs(batch, seq)
        [got] = rep.run(list(feed.values()))
        [want] = run_onnxruntime(model, feed)
        assert got.shape == want.shape == (batch, 1)
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6, err_msg=f"batch={batch}, seq={seq}")
    with pytest.raises(RuntimeInputError, match="batch = 17 .*past its bound 16"):
        rep.run(list(make_dlrm.example_inputs(17, 3).values()))
    with pytest.raises(RuntimeInputError, match="seq = 21 .*past its bound 20"):
        rep.run(list(make_dlrm.example_inputs(2, 21).values()))


def test_memory_of_a_run_does_not_depend_on_the_sizes(model):
    rep = backend.prepare(model, dim_bounds=make_dlrm.BOUNDS)
    assert rep.artifacts.arena_bytes, "the intermediates are planned into one arena"
    llvm_ir = rep.artifacts.files["ll"].read_text()
    assert not any(f"@{name}(" in llvm_ir for name in ("malloc", "calloc", "realloc")), "the generated code allocates"
    for batch, seq in SIZES:
        inputs = list(make_dlrm.example_inputs(batch, seq).values())
        rep.run(inputs)  # warm: first-call costs (ctypes, caches) are not the run's
        tracemalloc.start()
        [output] = rep.run(inputs)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert peak <= output.nbytes + 4096, f"batch={batch}, seq={seq}: a run allocated {peak} bytes for a {output.nbytes}-byte output"
