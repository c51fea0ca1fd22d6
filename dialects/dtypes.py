"""The element types a tensor may have, under their three names: ONNX, xDSL, numpy.

nn tensors hold float32 data, signed integers (int8 to int64), uint8 (the
quantized form), and booleans. xDSL's integer types are signless, as in MLIR:
`i64` holds an ONNX INT64 and integer ops say whether they are signed (all of
ours are). uint8 alone is `ui8`, so that converting it extends with zeros; it
is only loaded, stored and cast. A boolean is `i1`, stored as one byte (numpy's
bool), 0 or 1.
"""

from __future__ import annotations

import numpy as np
import onnx
from xdsl.dialects.builtin import IndexType, IntegerType, Signedness, f16, f32, f64, i1, i8, i16, i32, i64
from xdsl.ir import Attribute

ui8 = IntegerType(8, Signedness.UNSIGNED)

_TABLE: list[tuple[int, Attribute, str]] = [
    (onnx.TensorProto.FLOAT, f32, "float32"),
    (onnx.TensorProto.FLOAT16, f16, "float16"),
    (onnx.TensorProto.DOUBLE, f64, "float64"),
    (onnx.TensorProto.INT64, i64, "int64"),
    (onnx.TensorProto.INT32, i32, "int32"),
    (onnx.TensorProto.INT16, i16, "int16"),
    (onnx.TensorProto.INT8, i8, "int8"),
    (onnx.TensorProto.UINT8, ui8, "uint8"),
    (onnx.TensorProto.BOOL, i1, "bool"),
]

TENSOR_ONNX_TYPES = (onnx.TensorProto.FLOAT, onnx.TensorProto.INT64, onnx.TensorProto.INT32, onnx.TensorProto.INT8, onnx.TensorProto.UINT8, onnx.TensorProto.BOOL)
"""The ONNX element types an nn tensor computed at run time may have."""

C_TYPES = {"float32": "float", "int64": "int64_t", "int32": "int32_t", "int8": "int8_t", "uint8": "uint8_t", "bool": "uint8_t"}
"""The C type of an element in a generated header, by numpy dtype name (a bool is one byte, 0 or 1)."""

_BY_ONNX = {code: (type, dtype) for code, type, dtype in _TABLE}
_BY_TYPE = {type: (code, dtype) for code, type, dtype in _TABLE}
_BY_NUMPY = {dtype: type for _, type, dtype in _TABLE}


def onnx_name(code: int) -> str:
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
