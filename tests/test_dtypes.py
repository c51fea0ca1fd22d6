"""dialects/dtypes.py: its ONNX codes are onnx's, and loading the dialects does not import onnx."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import onnx

from dialects.dtypes import OnnxType, element_type_of_onnx, onnx_name, onnx_type

ROOT = Path(__file__).resolve().parent.parent


def test_codes_are_onnx_tensor_proto_codes() -> None:
    for code in OnnxType:
        assert code.value == getattr(onnx.TensorProto, code.name), code.name
        assert onnx_name(code) == onnx.TensorProto.DataType.Name(code.value)


def test_names_of_codes_nn_tensors_cannot_have() -> None:
    assert onnx_name(onnx.TensorProto.COMPLEX64) == "COMPLEX64"
    assert element_type_of_onnx(onnx.TensorProto.COMPLEX64) is None


def test_round_trip_through_xdsl_types() -> None:
    for code in (OnnxType.FLOAT, OnnxType.INT64, OnnxType.UINT8, OnnxType.BOOL):
        element = element_type_of_onnx(code)
        assert element is not None and onnx_type(element) == code


def test_opt_fuse_starts_without_onnx() -> None:
    """Every opt-fuse run on IR text (the lit suite: hundreds) would pay onnx's import otherwise."""
    script = "import sys, tools.opt_fuse; from compiler.context import make_context; make_context(); print('onnx' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
