"""The element types a tensor may have, under their three names: ONNX, xDSL, numpy.

nn tensors hold float32 data, signed integers (int8 to int64), uint8 (the
quantized form), and booleans. xDSL's integer types are signless, as in MLIR:
`i64` holds an ONNX INT64 and integer ops say whether they are signed (all of
ours are). uint8 alone is `ui8`, so that converting it extends with zeros; it
is only loaded, stored and cast. A boolean is `i1`, stored as one byte (numpy's
bool), 0 or 1.
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np
from xdsl.dialects.builtin import IndexType, IntegerType, Signedness, f16, f32, f64, i1, i8, i16, i32, i64
from xdsl.ir import Attribute

ui8 = IntegerType(8, Signedness.UNSIGNED)


class OnnxType(IntEnum):
    """The codes of onnx.proto's TensorProto.DataType that nn tensors may have.

    Spelled out (the enum is part of the ONNX format, its values never change) so that the
    dialects load without importing onnx, a fifth of every opt-fuse run's start-up;
    tests/test_dtypes.py checks them against onnx.TensorProto.
    """

    FLOAT = 1
    UINT8 = 2
    INT8 = 3
    INT16 = 5
    INT32 = 6
    INT64 = 7
    BOOL = 9
    FLOAT16 = 10
    DOUBLE = 11


_TABLE: list[tuple[int, Attribute, str]] = [
    (OnnxType.FLOAT, f32, "float32"),
    (OnnxType.FLOAT16, f16, "float16"),
    (OnnxType.DOUBLE, f64, "float64"),
    (OnnxType.INT64, i64, "int64"),
    (OnnxType.INT32, i32, "int32"),
    (OnnxType.INT16, i16, "int16"),
    (OnnxType.INT8, i8, "int8"),
    (OnnxType.UINT8, ui8, "uint8"),
    (OnnxType.BOOL, i1, "bool"),
]

TENSOR_ONNX_TYPES = (OnnxType.FLOAT, OnnxType.INT64, OnnxType.INT32, OnnxType.INT8, OnnxType.UINT8, OnnxType.BOOL)
"""The ONNX element types an nn tensor computed at run time may have."""

C_TYPES = {"float32": "float", "int64": "int64_t", "int32": "int32_t", "int8": "int8_t", "uint8": "uint8_t", "bool": "uint8_t"}
"""The C type of an element in a generated header, by numpy dtype name (a bool is one byte, 0 or 1)."""

_BY_ONNX = {code: (type, dtype) for code, type, dtype in _TABLE}
_BY_TYPE = {type: (code, dtype) for code, type, dtype in _TABLE}
_BY_NUMPY = {dtype: type for _, type, dtype in _TABLE}


def onnx_name(code: int) -> str:
    """`FLOAT`, `INT64`, ...: the ONNX name of any element type code, for messages."""
    if code in _BY_ONNX:
        return OnnxType(code).name
    import onnx  # only for the codes nn tensors cannot have

    return onnx.TensorProto.DataType.Name(code) if code in onnx.TensorProto.DataType.values() else str(code)


def element_type_of_onnx(code: int) -> Attribute | None:
    """The xDSL element type of an ONNX tensor type, None if nn tensors cannot have it."""
    return _BY_ONNX[code][0] if code in TENSOR_ONNX_TYPES else None


def element_type_of_numpy(dtype: np.dtype) -> Attribute | None:
    """The xDSL element type of a numpy array's dtype, None if nn tensors cannot have it."""
    type = _BY_NUMPY.get(np.dtype(dtype).name)
    return type if type is not None and _BY_TYPE[type][0] in TENSOR_ONNX_TYPES else None


def numpy_dtype(type: Attribute) -> np.dtype:
    """The numpy dtype of an element type (index is int64)."""
    if isinstance(type, IndexType):
        return np.dtype(np.int64)
    return np.dtype(_BY_TYPE[type][1])


def onnx_type(type: Attribute) -> int:
    return _BY_TYPE[type][0]


def describe(type: Attribute) -> str:
    """The ONNX name of an element type (`INT64`), for messages."""
    return onnx_name(onnx_type(type)) if type in _BY_TYPE else str(type)
