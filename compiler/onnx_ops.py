"""The ONNX op table: one small function per ONNX op, from a node to nn ops.

`@onnx_op("Name", ...)` registers a function; `GraphImporter` (onnx_importer.py)
calls it with the node, after every input has been resolved. An importer reads
attributes with `attrs(node)`, data inputs with `g.value(name)`, compile-time
inputs (shapes, pads, axes) with `g.ints_input` / `g.float_input`, and returns
the SSA values of the node's outputs in order.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np
import onnx
from onnx import numpy_helper
from xdsl.ir import SSAValue

from dialects import nn

if TYPE_CHECKING:
    from compiler.onnx_importer import GraphImporter

# ===----------------------------------------------------------------------=== #
# The op table
# ===----------------------------------------------------------------------=== #

Importer = Callable[["GraphImporter", onnx.NodeProto], list[SSAValue]]
IMPORTERS: dict[str, Importer] = {}


def onnx_op(*op_types: str) -> Callable[[Importer], Importer]:
    def register(function: Importer) -> Importer:
        for op_type in op_types:
            IMPORTERS[op_type] = function
        return function

    return register


def attrs(node: onnx.NodeProto) -> dict[str, object]:
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def _as_str(value: object, default: str) -> str:
    if value is None:
        return default
    return value.decode() if isinstance(value, bytes) else str(value)


UNARY: dict[str, type[nn.UnaryOp]] = {
    "Neg": nn.NegOp,
    "Relu": nn.ReluOp,
    "Sigmoid": nn.SigmoidOp,
    "Tanh": nn.TanhOp,
    "Exp": nn.ExpOp,
    "Log": nn.LogOp,
    "Sqrt": nn.SqrtOp,
    "Erf": nn.ErfOp,
}
BINARY: dict[str, type[nn.BinaryOp]] = {
    "Add": nn.AddOp,
    "Sub": nn.SubOp,
    "Mul": nn.MulOp,
    "Div": nn.DivOp,
    "Pow": nn.PowOp,
    "Max": nn.MaxOp,
    "Min": nn.MinOp,
    "Sum": nn.AddOp,
}


@onnx_op(*UNARY)
def _unary(g: GraphImporter, node: onnx.NodeProto) -> list[SSAValue]:
    return [g.emit(UNARY[node.op_type](g.value(node.input[0])))]


@onnx_op(*BINARY)
def _binary(g: GraphImporter, node: onnx.NodeProto) -> list[SSAValue]:
    """Binary ops, and the variadic Max/Min/Sum folded left to right."""
    operands = [g.value(name) for name in node.input]
    if len(operands) != 2 and node.op_type not in ("Max", "Min", "Sum"):
        g.fail(f"expects 2 inputs, got {len(operands)}")
    result = operands[0]
    for operand in operands[1:]:
        result = g.emit(BINARY[node.op_type](result, operand))
    return [result]


@onnx_op("Identity", "Dropout")
def _identity(g: GraphImporter, node: onnx.NodeProto) -> list[SSAValue]:
    """Identity, and Dropout at inference (its optional mask output is not supported)."""
    return [g.value(node.input[0])]


@onnx_op("Clip")
def _clip(g: GraphImporter, node: onnx.NodeProto) -> list[SSAValue]:
    if g.opset < 11:
        a = attrs(node)
        low, high = a.get("min"), a.get("max")
    else:
        low, high = g.float_input(node, 1), g.float_input(node, 2)
    return [g.emit(nn.ClipOp(g.value(node.input[0]), low, high))]  # type: ignore[arg-type]


@onnx_op("MatMul")
def _matmul(g: GraphImporter, node: onnx.NodeProto) -> list[SSAValue]:
    return [g.emit(nn.MatMulOp(g.value(node.input[0]), g.value(node.input[1])))]


@onnx_op("Gemm")
def _gemm(g: GraphImporter, node: onnx.NodeProto) -> list[SSAValue]:
    a = attrs(node)
    gemm = nn.GemmOp(
        g.value(node.input[0]),
        g.value(node.input[1]),
        g.input(node, 2),
        alpha=float(a.get("alpha", 1.0)),  # type: ignore[arg-type]
        beta=float(a.get("beta", 1.0)),  # type: ignore[arg-type]
        trans_a=bool(a.get("transA", 0)),
        trans_b=bool(a.get("transB", 0)),
    )
    return [g.emit(gemm)]


def _window_attrs(g: GraphImporter, node: onnx.NodeProto, spatial_dims: int) -> dict[str, object]:
    a = attrs(node)
    if spatial_dims != 2:
        g.fail(f"{spatial_dims}-D windows are not supported (only 2-D, NCHW)")
    return {
        "strides": list(a.get("strides", [1, 1])),  # type: ignore[call-overload]
        "pads": list(a.get("pads", [0, 0, 0, 0])),  # type: ignore[call-overload]
        "dilations": list(a.get("dilations", [1, 1])),  # type: ignore[call-overload]
        "auto_pad": _as_str(a.get("auto_pad"), "NOTSET"),
    }


@onnx_op("Conv")
def _conv(g: GraphImporter, node: onnx.NodeProto) -> list[SSAValue]:
    a = attrs(node)
    weight = g.constant_array(node.input[1])
    kernel = a.get("kernel_shape") or (weight.shape[2:] if weight is not None else (0, 0))
    window = _window_attrs(g, node, len(kernel))  # type: ignore[arg-type]
    conv = nn.Conv2dOp(
        g.value(node.input[0]), g.value(node.input[1]), g.input(node, 2), groups=int(a.get("group", 1)), **window  # type: ignore[arg-type]
    )
    return [g.emit(conv)]


@onnx_op("MaxPool", "AveragePool")
def _pool(g: GraphImporter, node: onnx.NodeProto) -> list[SSAValue]:
    a = attrs(node)
    kernel = list(a["kernel_shape"])  # type: ignore[call-overload]
    window = _window_attrs(g, node, len(kernel))
    x, ceil_mode = g.value(node.input[0]), bool(a.get("ceil_mode", 0))
    if node.op_type == "MaxPool":
        return [g.emit(nn.MaxPool2dOp(x, kernel, ceil_mode=ceil_mode, **window))]  # type: ignore[arg-type]
    include_pad = bool(a.get("count_include_pad", 0))
    return [g.emit(nn.AvgPool2dOp(x, kernel, ceil_mode=ceil_mode, count_include_pad=include_pad, **window))]  # type: ignore[arg-type]


@onnx_op("GlobalAveragePool")
def _global_avg_pool(g: GraphImporter, node: onnx.NodeProto) -> list[SSAValue]:
    return [g.emit(nn.GlobalAvgPoolOp(g.value(node.input[0])))]


@onnx_op("BatchNormalization")
def _batch_norm(g: GraphImporter, node: onnx.NodeProto) -> list[SSAValue]:
    a = attrs(node)
    if int(a.get("training_mode", 0)):  # type: ignore[call-overload]
        g.fail("training_mode=1 is not supported (inference only)")
    if not int(a.get("spatial", 1)):  # type: ignore[call-overload]
        g.fail("spatial=0 (per-element statistics, opset 7-8) is not supported")
    operands = [g.value(name) for name in node.input[:5]]
    return [g.emit(nn.BatchNormOp(operands, float(a.get("epsilon", 1e-5))))]  # type: ignore[arg-type]


@onnx_op("Pad")
def _pad(g: GraphImporter, node: onnx.NodeProto) -> list[SSAValue]:
    a = attrs(node)
    mode = _as_str(a.get("mode"), "constant")
    if g.opset < 11:
        pads, value = list(a["pads"]), float(a.get("value", 0.0))  # type: ignore[call-overload, arg-type]
    else:
        pads, value = g.ints_input(node, 1) or [], g.float_input(node, 2) or 0.0
        if (axes := g.ints_input(node, 3)) is not None:
            g.fail(f"the axes input ({axes}) is not supported; give pads for every axis")
    return [g.emit(nn.PadOp(g.value(node.input[0]), pads, mode, value))]


@onnx_op("Reshape")
def _reshape(g: GraphImporter, node: onnx.NodeProto) -> list[SSAValue]:
    shape = g.ints_input(node, 1)
    if shape is None:
        g.fail("the shape input is required")
    allowzero = bool(attrs(node).get("allowzero", 0))  # type: ignore[call-overload]
    return [g.emit(nn.ReshapeOp(g.value(node.input[0]), shape, allowzero))]


@onnx_op("Flatten")
def _flatten(g: GraphImporter, node: onnx.NodeProto) -> list[SSAValue]:
    return [g.emit(nn.FlattenOp(g.value(node.input[0]), int(attrs(node).get("axis", 1))))]  # type: ignore[arg-type]


@onnx_op("Transpose")
def _transpose(g: GraphImporter, node: onnx.NodeProto) -> list[SSAValue]:
    return [g.emit(nn.TransposeOp(g.value(node.input[0]), list(attrs(node).get("perm", []))))]  # type: ignore[call-overload]


@onnx_op("Concat")
def _concat(g: GraphImporter, node: onnx.NodeProto) -> list[SSAValue]:
    return [g.emit(nn.ConcatOp([g.value(n) for n in node.input], int(attrs(node)["axis"])))]  # type: ignore[call-overload]


@onnx_op("Softmax")
def _softmax(g: GraphImporter, node: onnx.NodeProto) -> list[SSAValue]:
    legacy = g.opset < 13
    axis = int(attrs(node).get("axis", 1 if legacy else -1))  # type: ignore[call-overload]
    return [g.emit(nn.SoftmaxOp(g.value(node.input[0]), axis, to_last_axis=legacy))]


REDUCTIONS: dict[str, tuple[type[nn.ReduceSumOp | nn.ReduceMeanOp | nn.ReduceMaxOp], int]] = {
    # op -> (nn op, first opset where axes is an input)
    "ReduceSum": (nn.ReduceSumOp, 13),
    "ReduceMean": (nn.ReduceMeanOp, 18),
    "ReduceMax": (nn.ReduceMaxOp, 18),
}


@onnx_op(*REDUCTIONS)
def _reduce(g: GraphImporter, node: onnx.NodeProto) -> list[SSAValue]:
    a = attrs(node)
    op_class, axes_input_opset = REDUCTIONS[node.op_type]
    axes = g.ints_input(node, 1) if g.opset >= axes_input_opset else list(a.get("axes", []))  # type: ignore[call-overload]
    x = g.value(node.input[0])
    if not axes and int(a.get("noop_with_empty_axes", 0)):  # type: ignore[call-overload]
        return [x]
    return [g.emit(op_class(x, axes or [], keepdims=bool(a.get("keepdims", 1))))]


@onnx_op("Constant")
def _constant(g: GraphImporter, node: onnx.NodeProto) -> list[SSAValue]:
    """A Constant node is an initializer by another name: it configures ops, or is data where used as such."""
    a = attrs(node)
    if "value" in a:
        array = numpy_helper.to_array(a["value"])  # type: ignore[arg-type]
    elif "value_float" in a or "value_floats" in a:
        array = np.array(a.get("value_float", a.get("value_floats")), dtype=np.float32)
    elif "value_int" in a or "value_ints" in a:
        array = np.array(a.get("value_int", a.get("value_ints")), dtype=np.int64)
    else:
        g.fail(f"attribute {sorted(a)} is not supported (use value, value_float(s) or value_int(s))")
    g.arrays[node.output[0]] = array
    return []  # read like an initializer: an nn.constant appears only where it is used as data


def supported_ops() -> Sequence[str]:
    return sorted(IMPORTERS)
