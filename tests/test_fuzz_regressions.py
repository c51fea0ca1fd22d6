"""Every model the fuzz tests (test_model_fuzz.py, test_fusion_fuzz.py) once found failing, shrunk
by hypothesis and saved by differential.py as tests/fuzz_regressions/<hash>.onnx with its inputs
(<hash>.npz), run again fused and unfused against onnxruntime. Each file's docstring-like
`doc_string` says what the bug was."""

from __future__ import annotations

from pathlib import Path

import pytest
from differential import REGRESSIONS, check_against_onnxruntime, load_regression
from onnx_helpers import describe_model

RTOL, ATOL = 1e-4, 1e-5
SAVED = sorted(REGRESSIONS.glob("*.onnx"))


@pytest.mark.parametrize("path", SAVED, ids=[p.stem for p in SAVED])
def test_saved_fuzz_failure_stays_fixed(path: Path) -> None:
    model, inputs = load_regression(path)
    assert model.doc_string, f"{path.name}: say what the bug was in the model's doc_string"
    check_against_onnxruntime(model, inputs, RTOL, ATOL, f"{model.doc_string}\n{describe_model(model)}")
