"""The differential check shared by the fuzz tests and their saved regressions: a model runs in
onnxruntime and in opt-fuse with and without the `fuse` pass (and, for a sample, compiled for
aarch64 and run under qemu); all must agree.

A failing fuzz example is saved once hypothesis has shrunk it: on the final replay of the
minimal example, `check_against_onnxruntime` writes the model and its input arrays to
tests/fuzz_regressions/<hash>.onnx and .npz, where tests/test_fuzz_regressions.py runs it on
every later test run. Commit the pair with the fix.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import onnx
from hypothesis.control import current_build_context
from onnx_helpers import assert_outputs_close, run_onnxruntime, run_opt_fuse

REGRESSIONS = Path(__file__).resolve().parent / "fuzz_regressions"


def model_name(model: onnx.ModelProto) -> str:
    return hashlib.sha1(model.SerializeToString()).hexdigest()[:12]


def save_regression(model: onnx.ModelProto, inputs: Sequence[np.ndarray], directory: Path = REGRESSIONS) -> Path:
    """The model as <hash>.onnx and its inputs as <hash>.npz (arrays in graph-input order)."""
    directory.mkdir(exist_ok=True)
    path = directory / f"{model_name(model)}.onnx"
    path.write_bytes(model.SerializeToString())
    np.savez(path.with_suffix(".npz"), *inputs)
    return path


def load_regression(path: Path) -> tuple[onnx.ModelProto, list[np.ndarray]]:
    with np.load(path.with_suffix(".npz")) as arrays:
        inputs = [arrays[f"arr_{i}"] for i in range(len(arrays.files))]
    return onnx.load(path), inputs


def _in_final_replay() -> bool:
    """True while hypothesis replays the shrunk example it will report (False outside hypothesis)."""
    try:
        return current_build_context().is_final
    except Exception:  # not inside a hypothesis test
        return False


def check_against_onnxruntime(
    model: onnx.ModelProto,
    inputs: Sequence[np.ndarray],
    rtol: float,
    atol: float,
    description: str = "",
    aarch64: bool = False,
) -> list[np.ndarray]:
    """Assert that opt-fuse fused, unfused (and for aarch64=True, fused on aarch64 under qemu)
    equals onnxruntime, and fused equals unfused. Returns onnxruntime's outputs.

    A failure inside hypothesis' final replay is saved as a regression and the message says where."""
    expected = run_onnxruntime(model, inputs)
    runs = {"fuse=True": {"fuse": True}, "fuse=False": {"fuse": False}}
    if aarch64:
        runs["aarch64, fuse=True"] = {"fuse": True, "target": "aarch64"}
    results = {}
    try:
        for name, options in runs.items():
            results[name] = run_opt_fuse(model, inputs, **options)
            assert_outputs_close(model, results[name], expected, rtol, atol, context=name)
        assert_outputs_close(model, results["fuse=True"], results["fuse=False"], rtol, atol,
                             context="here: fuse=True against fuse=False, not onnxruntime")
    except Exception as error:
        error.add_note(f"failing model:\n{description}")
        if _in_final_replay() and not os.environ.get("OPT_FUSE_FUZZ_NO_SAVE"):
            path = save_regression(model, inputs)
            error.add_note(f"saved as the regression test {path.relative_to(REGRESSIONS.parent.parent)} "
                           f"(tests/test_fuzz_regressions.py runs it; commit it with the fix)")
        raise
    return expected
