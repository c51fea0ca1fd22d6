"""The ONNX op table: one small function per ONNX op, from a node to nn ops.

`@onnx_op("Name", ...)` registers a function; `GraphImporter` (onnx_importer.py)
calls it with the node, after every input has been resolved. An importer reads
attributes with `attrs(node)`, data inputs with `g.value(name)`, compile-time
inputs (shapes, pads, axes) with `g.ints_input` / `g.float_input`, an input's
shape where the nn ops it emits depend on it (Split, Gather, Resize, the
normalizations) with `g.static_shape(name)`, and returns the SSA values of the
node's outputs in order.

An ONNX op that existing nn ops express exactly is decomposed here (Mean,
LayerNormalization, InstanceNormalization, ReduceL1/L2/SumSquare/LogSum, Split
into slices, Resize and Upsample into gathers, DepthToSpace/SpaceToDepth into
reshape-transpose-reshape); the fusion pass joins the pieces again.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np
import onnx
from onnx import numpy_helper
from xdsl.dialects.builtin import i32, i64
from xdsl.ir import SSAValue

from dialects import nn
from dialects.dims import Dim, DimExpr, ceildiv, format_dims
from dialects.dtypes import TENSOR_ONNX_TYPES, element_type_of_numpy, element_type_of_onnx, onnx_name
from dialects.nn import Shape

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
    "Abs": nn.AbsOp,
    "Reciprocal": nn.ReciprocalOp,
    "Floor": nn.FloorOp,
    "Ceil": nn.CeilOp,
    "Sign": nn.SignOp,
    "Softplus": nn.SoftplusOp,
    "Softsign": nn.SoftsignOp,
    "Mish": nn.MishOp,
    "HardSwish": nn.HardSwishOp,
}
PARAMETRIC: dict[str, tuple[type[nn.ParametricUnaryOp], dict[str, float]]] = {
    # op -> (nn op, its float attributes with their ONNX defaults)
    "LeakyRelu": (nn.LeakyReluOp, {"alpha": 0.01}),
    "ThresholdedRelu": (nn.ThresholdedReluOp, {"alpha": 1.0}),
    "Elu": (nn.EluOp, {"alpha": 1.0}),
    "Celu": (nn.CeluOp, {"alpha": 1.0}),
    "Selu": (nn.SeluOp, {"alpha": 1.67326319217681884765625, "gamma": 1.05070102214813232421875}),
    "HardSigmoid": (nn.HardSigmoidOp, {"alpha": 0.2, "beta": 0.5}),
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
    "PRelu": nn.PReluOp,
}


@onnx_op(*UNARY)
def _unary(g: GraphImporter, node: onnx.NodeProto) -> list[SSAValue]:
    return [g.emit(UNARY[node.op_type](g.value(node.input[0])))]


@onnx_op(*PARAMETRIC)
def _parametric_unary(g: GraphImporter, node: onnx.NodeProto) -> list[SSAValue]:
    op_class, defaults = PARAMETRIC[node.op_type]
    a = attrs(node)
    parameters = {name: float(a.get(name, default)) for name, default in defaults.items()}  # type: ignore[arg-type]
    return [g.emit(op_class(g.value(node.input[0]), **parameters))]


@onnx_op("Gelu")
def _gelu(g: GraphImporter, node: onnx.NodeProto) -> list[SSAValue]:
    approximate = _as_str(attrs(node).get("approximate"), "none")
    if approximate not in ("none", "tanh"):
        g.fail(f"approximate '{approximate}' is not supported (none or tanh)")
    return [g.emit(nn.GeluOp(g.value(node.input[0]), tanh=approximate == "tanh"))]


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


@onnx_op("Mean")
def _mean(g: GraphImporter, node: onnx.NodeProto) -> list[SSAValue]:
    """The sum of the inputs (broadcast together) divided by their count."""
    operands = [g.value(name) for name in node.input]
    total = operands[0]
    for operand in operands[1:]:
        total = g.emit(nn.AddOp(total, operand))
    return [g.emit(nn.DivOp(total, _scalar(g, len(operands))))] if len(operands) > 1 else [total]


def _scalar(g: GraphImporter, value: float) -> SSAValue:
    """A float32 scalar constant: a splat, folded into the code that reads it."""
    return g.emit(nn.ConstantOp.from_array(np.float32(value)))


def _required(g: GraphImporter, node: onnx.NodeProto, name: str) -> object:
    value = attrs(node).get(name)
    if value is None:
        g.fail(f"the attribute '{name}' is required")
    return value


@onnx_op("Cast", "CastLike")
def _cast(g: GraphImporter, node: onnx.NodeProto) -> list[SSAValue]:
    """A cast between float32, int64, int32, int8, uint8 and bool (casts of constants, e.g. in
    shape computations, are evaluated at import); a cast to the same type is the identity."""
    if node.op_type == "Cast":
        to = int(_required(g, node, "to"))  # type: ignore[call-overload]
    else:
        target = g.constant_array(node.input[1])
        to = onnx.helper.np_dtype_to_tensor_dtype(target.dtype) if target is not None else onnx.TensorProto.FLOAT
    element = element_type_of_onnx(to)
    if element is None:
        supported = ", ".join(onnx_name(code) for code in TENSOR_ONNX_TYPES)
        g.fail(f"a cast to {onnx_name(to)} is not supported (tensors computed at run time may be {supported})")
    x = g.value(node.input[0])
    return [x if nn.element_type(x) == element else g.emit(nn.CastOp(x, element))]


@onnx_op("Identity", "Dropout")
def _identity(g: GraphImporter, node: onnx.NodeProto) -> list[SSAValue]:
    """Identity, and Dropout at inference (its optional mask output is not supported)."""
    if node.op_type == "Dropout" and len(node.input) > 2 and node.input[2]:
        training = g.constant_array(node.input[2])
        if training is None or bool(training.reshape(-1)[0]):
            g.fail("training_mode must be a constant false (inference only)")
    return [g.value(node.input[0])]


FLOAT32_MAX = float(np.finfo(np.float32).max)


@onnx_op("Clip")
def _clip(g: GraphImporter, node: onnx.NodeProto) -> list[SSAValue]:
    """An absent bound is ONNX's default, numeric_limits lowest() or max(): the largest finite float32,
    so Clip(x, 0) still maps inf to 3.4028235e+38 (as onnxruntime does; nn.clip without a bound would not)."""
    if g.opset < 11:
        a = attrs(node)
        low, high = a.get("min"), a.get("max")
    else:
        low, high = g.float_input(node, 1), g.float_input(node, 2)
    low = -FLOAT32_MAX if low is None else low
    high = FLOAT32_MAX if high is None else high
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
    kernel = a.get("kernel_shape") or g.static_shape(node.input[1])[2:]
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


@onnx_op("GlobalAveragePool", "GlobalMaxPool")
def _global_pool(g: GraphImporter, node: onnx.NodeProto) -> list[SSAValue]:
    op_class = nn.GlobalAvgPoolOp if node.op_type == "GlobalAveragePool" else nn.GlobalMaxPoolOp
    return [g.emit(op_class(g.value(node.input[0])))]


@onnx_op("LRN")
def _lrn(g: GraphImporter, node: onnx.NodeProto) -> list[SSAValue]:
    a = attrs(node)
    size = int(_required(g, node, "size"))  # type: ignore[call-overload]
    alpha, beta, bias = (float(a.get(k, default)) for k, default in (("alpha", 1e-4), ("beta", 0.75), ("bias", 1.0)))  # type: ignore[arg-type]
    return [g.emit(nn.LRNOp(g.value(node.input[0]), size, alpha, beta, bias))]


@onnx_op("BatchNormalization")
def _batch_norm(g: GraphImporter, node: onnx.NodeProto) -> list[SSAValue]:
    a = attrs(node)
    if int(a.get("training_mode", 0)):  # type: ignore[call-overload]
        g.fail("training_mode=1 is not supported (inference only)")
    if not int(a.get("spatial", 1)):  # type: ignore[call-overload]
        g.fail("spatial=0 (per-element statistics, opset 7-8) is not supported")
    operands = [g.value(name) for name in node.input[:5]]
    return [g.emit(nn.BatchNormOp(operands, float(a.get("epsilon", 1e-5))))]  # type: ignore[arg-type]


def _normalize(g: GraphImporter, x: SSAValue, axes: list[int], epsilon: float) -> SSAValue:
    """(x - mean) / sqrt(variance + epsilon) over `axes`, as reductions and elementwise ops that fuse again."""
    mean = g.emit(nn.ReduceMeanOp(x, axes, keepdims=True))
    centered = g.emit(nn.SubOp(x, mean))
    variance = g.emit(nn.ReduceMeanOp(g.emit(nn.MulOp(centered, centered)), axes, keepdims=True))
    deviation = g.emit(nn.SqrtOp(g.emit(nn.AddOp(variance, _scalar(g, epsilon)))))
    return g.emit(nn.DivOp(centered, deviation))


@onnx_op("LayerNormalization")
def _layer_norm(g: GraphImporter, node: onnx.NodeProto) -> list[SSAValue]:
    """Normalizes over `axis` and every axis after it, then scales (and shifts) elementwise."""
    a = attrs(node)
    if used := [name for name in node.output[1:] if name in g.used]:
        g.fail(f"only the output Y is supported, not the Mean and InvStdDev outputs (used: {used})")
    rank = len(g.static_shape(node.input[0]))
    axis = int(a.get("axis", -1))  # type: ignore[call-overload]
    if not -rank <= axis < rank:
        g.fail(f"axis {axis} is out of range for rank {rank}")
    normalized = _normalize(g, g.value(node.input[0]), list(range(axis % rank, rank)), float(a.get("epsilon", 1e-5)))  # type: ignore[arg-type]
    y = g.emit(nn.MulOp(normalized, g.value(node.input[1])))
    bias = g.input(node, 2)
    return [g.emit(nn.AddOp(y, bias)) if bias is not None else y]


@onnx_op("InstanceNormalization")
def _instance_norm(g: GraphImporter, node: onnx.NodeProto) -> list[SSAValue]:
    """Normalizes each channel of each sample over the spatial axes, then scale[c] * y + bias[c]."""
    rank = len(g.static_shape(node.input[0]))
    if rank < 3:
        g.fail(f"the input must be [N, C, D1, ...] (rank >= 3), got rank {rank}")
    epsilon = float(attrs(node).get("epsilon", 1e-5))  # type: ignore[arg-type]
    normalized = _normalize(g, g.value(node.input[0]), list(range(2, rank)), epsilon)
    scale, bias = (g.emit(nn.ReshapeOp(g.value(name), [-1] + [1] * (rank - 2))) for name in node.input[1:3])
    return [g.emit(nn.AddOp(g.emit(nn.MulOp(normalized, scale)), bias))]


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
    shape = g.dims_input(node, 1)
    if shape is None:
        g.fail("the shape input is required")
    allowzero = bool(attrs(node).get("allowzero", 0))  # type: ignore[call-overload]
    target = _reshape_target(g, shape, g.static_shape(node.input[0]), allowzero)
    return [g.emit(nn.ReshapeOp(g.value(node.input[0]), target, allowzero))]


def _reshape_target(g: GraphImporter, shape: list[Dim], in_shape: Shape, allowzero: bool) -> list[int]:
    """A target computed from symbolic dims ([batch, seq, 4, 64]) in nn.reshape's own terms:
    a symbolic entry becomes 0 where it copies the input dim at its position, else the one -1."""
    target: list[int] = []
    for position, dim in enumerate(shape):
        if isinstance(dim, int):
            target.append(dim)
        elif not allowzero and position < len(in_shape) and in_shape[position] == dim:
            target.append(0)
        elif -1 not in target and -1 not in shape:
            target.append(-1)
        else:
            g.fail(f"the target shape {format_dims(shape)} has more symbolic entries than nn.reshape can express (one -1, and 0 for dims copied in place)")
    return target


@onnx_op("Flatten")
def _flatten(g: GraphImporter, node: onnx.NodeProto) -> list[SSAValue]:
    return [g.emit(nn.FlattenOp(g.value(node.input[0]), int(attrs(node).get("axis", 1))))]  # type: ignore[arg-type]


@onnx_op("Transpose")
def _transpose(g: GraphImporter, node: onnx.NodeProto) -> list[SSAValue]:
    return [g.emit(nn.TransposeOp(g.value(node.input[0]), list(attrs(node).get("perm", []))))]  # type: ignore[call-overload]


@onnx_op("Squeeze", "Unsqueeze")
def _squeeze(g: GraphImporter, node: onnx.NodeProto) -> list[SSAValue]:
    """axes: an attribute before opset 13, an input from 13 (optional for Squeeze: all size-1 axes)."""
    axes = g.ints_input(node, 1) if g.opset >= 13 else attrs(node).get("axes")
    x = g.value(node.input[0])
    if node.op_type == "Squeeze":
        return [g.emit(nn.SqueezeOp(x, list(axes or [])))]  # type: ignore[call-overload]
    if axes is None:
        g.fail("the axes are required")
    return [g.emit(nn.UnsqueezeOp(x, list(axes)))]  # type: ignore[call-overload]


@onnx_op("Slice")
def _slice(g: GraphImporter, node: onnx.NodeProto) -> list[SSAValue]:
    """starts, ends, axes: attributes before opset 10, inputs (with steps) from 10."""
    if g.opset < 10:
        a = attrs(node)
        starts, ends, axes, steps = a.get("starts"), a.get("ends"), a.get("axes"), None
    else:
        starts, ends, axes, steps = (g.ints_input(node, position) for position in range(1, 5))
    if starts is None or ends is None:
        g.fail("starts and ends are required")
    axes = list(axes) if axes is not None else list(range(len(starts)))  # type: ignore[arg-type, call-overload]
    steps = list(steps) if steps is not None else [1] * len(starts)  # type: ignore[arg-type]
    if not len(starts) == len(ends) == len(axes) == len(steps):  # type: ignore[arg-type]
        g.fail(f"starts, ends, axes and steps differ in length ({len(starts)}, {len(ends)}, {len(axes)}, {len(steps)})")  # type: ignore[arg-type]
    if 0 in steps:
        g.fail(f"steps {steps} must not be 0")
    return [g.emit(nn.SliceOp(g.value(node.input[0]), list(starts), list(ends), axes, steps))]  # type: ignore[call-overload]


def _axis(g: GraphImporter, axis: int, shape: nn.Shape) -> int:
    if not -len(shape) <= axis < len(shape):
        g.fail(f"axis {axis} is out of range for rank {len(shape)}")
    return axis % len(shape)


@onnx_op("Split")
def _split(g: GraphImporter, node: onnx.NodeProto) -> list[SSAValue]:
    """One nn.slice per output. Without sizes the parts are equal, except (from opset 18,
    `num_outputs`) a smaller last one."""
    a = attrs(node)
    shape = g.static_shape(node.input[0])
    axis = _axis(g, int(a.get("axis", 0)), shape)  # type: ignore[call-overload]
    sizes = (g.ints_input(node, 1) if g.opset >= 13 else a.get("split")) or None  # empty: not given
    parts = int(a.get("num_outputs", len(node.output)))  # type: ignore[call-overload]
    if "num_outputs" in a and (sizes is not None or parts != len(node.output)):
        g.fail(f"num_outputs={parts} needs {parts} outputs and no split sizes")
    dim = shape[axis]
    if sizes is None:
        if g.opset < 18 and dim % parts:
            g.fail(f"axis {axis} of size {dim} does not split into {parts} equal parts")
        chunk = -(-dim // parts)
        sizes = [max(0, min(chunk, dim - part * chunk)) for part in range(parts)]
    sizes = list(sizes)  # type: ignore[call-overload]
    if len(sizes) != len(node.output) or sum(sizes) != dim or min(sizes) < 0:
        g.fail(f"split sizes {sizes} do not divide axis {axis} of size {dim} into {len(node.output)} outputs")
    x, starts = g.value(node.input[0]), np.cumsum([0, *sizes[:-1]])
    return [g.emit(nn.SliceOp(x, [int(start)], [int(start) + size], [axis], [1])) for start, size in zip(starts, sizes)]


def _gather(g: GraphImporter, x: SSAValue, indices: np.ndarray, axis: int) -> SSAValue:
    """A gather of indices known at compile time, already in range."""
    return g.emit(nn.GatherOp(x, g.emit(nn.ConstantOp.from_array(indices.astype(np.int64))), axis))


@onnx_op("Gather")
def _gather_node(g: GraphImporter, node: onnx.NodeProto) -> list[SSAValue]:
    """Gather of any rank; negative indices count from the end of the axis. Indices known at
    compile time are checked here; int32/int64 indices computed at run time are checked by
    the kernel, whose run then fails naming this node (an index is still never read out of bounds)."""
    shape = g.static_shape(node.input[0])
    axis = _axis(g, int(attrs(node).get("axis", 0)), shape)  # type: ignore[call-overload]
    size = shape[axis]
    indices = g.constant_array(node.input[1])
    if indices is None:
        at_run_time = g.value(node.input[1])
        if nn.element_type(at_run_time) not in (i32, i64):
            g.fail(f"the indices '{node.input[1]}' must be int32 or int64, not {nn.element_type(at_run_time)}")
        return [g.emit(nn.GatherOp(g.value(node.input[0]), at_run_time, axis))]
    if indices.dtype.kind not in "iu":
        g.fail(f"the indices '{node.input[1]}' must be an integer tensor")
    if (outside := indices[(indices < -size) | (indices >= size)]).size:
        g.fail(f"index {int(outside.reshape(-1)[0])} is out of range for axis {axis} of size {size}")
    return [_gather(g, g.value(node.input[0]), np.where(indices < 0, indices + size, indices), axis)]


@onnx_op("Expand", "Tile")
def _expand(g: GraphImporter, node: onnx.NodeProto) -> list[SSAValue]:
    """The target shape (Expand) or the repeats (Tile) must be known at compile time; they may
    hold symbolic dims (computed from a Shape)."""
    values = g.dims_input(node, 1)
    if values is None:
        g.fail("the second input is required")
    x = g.value(node.input[0])
    return [g.emit(nn.ExpandOp(x, values) if node.op_type == "Expand" else nn.TileOp(x, values))]


COORDINATE_MODES = ("half_pixel", "half_pixel_symmetric", "pytorch_half_pixel", "tf_half_pixel_for_nn", "align_corners", "asymmetric")
NEAREST_MODES = ("round_prefer_floor", "round_prefer_ceil", "floor", "ceil")


def _floats_input(g: GraphImporter, node: onnx.NodeProto, position: int) -> list[float] | None:
    """A float tensor input known at compile time (Resize's scales); None when absent or empty."""
    if position >= len(node.input) or not node.input[position]:
        return None
    array = g.constant_array(node.input[position])
    if array is None:
        g.fail(f"input '{node.input[position]}' must be a constant (initializer or Constant node)")
    return [float(v) for v in array.reshape(-1)] or None


def _source_coordinates(out_size: int, in_size: int, scale: np.float32, mode: str) -> np.ndarray:
    """The input coordinate of each output position, computed in float32 (float64 where it does) as onnxruntime does."""
    f = np.float32
    x = np.arange(out_size, dtype=f)
    if mode == "asymmetric":
        return x / scale
    if mode == "tf_half_pixel_for_nn":
        return (x + f(0.5)) / scale
    if mode == "align_corners" or (mode == "pytorch_half_pixel" and out_size == 1):
        return x * f(in_size - 1) / f(out_size - 1) if out_size > 1 else np.zeros(out_size, f)
    if mode == "half_pixel_symmetric":
        offset = f(in_size) / f(2) * (f(1) - f(out_size) / (scale * f(in_size)))
        return (offset + (x.astype(np.float64) + 0.5) / scale - 0.5).astype(f)
    return (x + f(0.5)) / scale - f(0.5)


def _nearest_indices(x: np.ndarray, mode: str, downsampling: bool) -> np.ndarray:
    """Rounds coordinates to input positions; "simple" is the rule of Resize-10 and Upsample."""
    wide = x.astype(np.float64)
    if mode == "simple":
        return np.ceil(wide) if downsampling else np.trunc(wide)
    if mode in ("floor", "ceil"):
        return np.floor(wide) if mode == "floor" else np.ceil(wide)
    rounded = np.sign(wide) * np.floor(np.abs(wide) + 0.5)  # C's round: halfway goes away from zero
    if mode == "round_prefer_ceil":
        return rounded
    return np.where(x == np.trunc(x) + np.float32(0.5), np.floor(wide), rounded)


def _resize_settings(g: GraphImporter, node: onnx.NodeProto, rank: int) -> tuple[list[float] | None, list[int] | None, list[int], str, str, str]:
    """(scales, sizes, the axes they are for, coordinate mode, nearest mode, aspect ratio policy), per opset."""
    a = attrs(node)
    if node.op_type == "Upsample" or g.opset < 11:
        scales = list(a.get("scales", [])) if g.opset < 9 else _floats_input(g, node, 1)  # type: ignore[call-overload]
        if node.op_type == "Upsample" and scales and min(scales) < 1:
            g.fail(f"scales {scales} must be >= 1")
        return scales or None, None, list(range(rank)), "asymmetric", "simple", "stretch"
    coordinates = _as_str(a.get("coordinate_transformation_mode"), "half_pixel")
    nearest = _as_str(a.get("nearest_mode"), "round_prefer_floor")
    policy = _as_str(a.get("keep_aspect_ratio_policy"), "stretch")
    if coordinates not in COORDINATE_MODES:
        g.fail(f"coordinate_transformation_mode '{coordinates}' is not supported (supported: {', '.join(COORDINATE_MODES)})")
    if nearest not in NEAREST_MODES:
        g.fail(f"nearest_mode '{nearest}' is not supported (supported: {', '.join(NEAREST_MODES)})")
    if policy not in ("stretch", "not_larger", "not_smaller"):
        g.fail(f"keep_aspect_ratio_policy '{policy}' is not supported")
    for name in ("antialias", "exclude_outside"):
        if int(a.get(name, 0)):  # type: ignore[call-overload]
            g.fail(f"{name}=1 is not supported")
    axes = [_axis(g, int(axis), (0,) * rank) for axis in a.get("axes", range(rank))]  # type: ignore[union-attr]
    return _floats_input(g, node, 2), g.ints_input(node, 3) or None, axes, coordinates, nearest, policy


def _interpolate(g: GraphImporter, x: SSAValue, coordinates: np.ndarray, in_size: int, axis: int, rank: int) -> SSAValue:
    """Linear interpolation along one axis: x[low] * (1 - d) + x[high] * d, both weights from onnxruntime's formulas."""
    f = np.float32
    clamped = np.clip(coordinates, f(0), f(in_size - 1))
    low = np.minimum(clamped.astype(np.int64), in_size - 1)
    high = np.minimum(low + 1, in_size - 1)
    to_low, to_high = np.abs(clamped - low.astype(f)), np.abs(clamped - high.astype(f))
    to_low[low == high] = to_high[low == high] = f(0.5)
    along = (-1,) + (1,) * (rank - 1 - axis)  # the weights broadcast along `axis`
    terms = [
        g.emit(nn.MulOp(_gather(g, x, indices, axis), g.emit(nn.ConstantOp.from_array(weight.reshape(along)))))
        for indices, weight in ((low, to_high), (high, to_low))
    ]
    return g.emit(nn.AddOp(*terms))


@onnx_op("Resize", "Upsample")
def _resize(g: GraphImporter, node: onnx.NodeProto) -> list[SSAValue]:
    """Nearest and linear resizing, one resized axis at a time: nearest is an nn.gather whose indices
    are computed here, linear two gathers weighted and added. Coordinates are computed in float32
    as onnxruntime computes them: the output size, each position's source coordinate, then the
    nearest mode's rounding (clamped into the input) or the two neighbours and their weights."""
    mode = _as_str(attrs(node).get("mode"), "nearest")
    if mode not in ("nearest", "linear"):
        g.fail(f"mode '{mode}' is not supported (only 'nearest' and 'linear')")
    in_shape = g.static_shape(node.input[0])
    scales, sizes, axes, coordinates, nearest, policy = _resize_settings(g, node, len(in_shape))
    if (scales is None) == (sizes is None) or len(scales or sizes or []) != len(axes):
        g.fail(f"needs either scales or sizes, one per resized axis ({len(axes)})")
    f = np.float32
    if sizes is not None:
        factors = {axis: f(size) / f(in_shape[axis]) if in_shape[axis] else f(1) for axis, size in zip(axes, sizes)}
        if policy != "stretch":
            common = (min if policy == "not_larger" else max)(factors.values())
            factors = {axis: common for axis in axes}
            sizes = [int(np.sign(v) * np.floor(abs(v) + 0.5)) for v in (float(common * f(in_shape[axis])) for axis in axes)]
    else:
        factors = {axis: f(scale) for axis, scale in zip(axes, scales)}  # type: ignore[arg-type]
        sizes = [int(factors[axis] * f(in_shape[axis])) for axis in axes]
    if min(factors.values()) <= 0:
        g.fail(f"scales {[float(v) for v in factors.values()]} must be positive")
    result = g.value(node.input[0])
    for axis, size in zip(axes, sizes):
        scale, in_size = factors[axis], in_shape[axis]
        if scale == 1:
            continue  # onnxruntime maps position i to i, whatever the coordinate mode
        positions = _source_coordinates(size, in_size, scale, coordinates)
        if mode == "linear":
            result = _interpolate(g, result, positions, in_size, axis, len(in_shape))
            continue
        indices = np.clip(_nearest_indices(positions, nearest, scale < 1), 0, in_size - 1).astype(np.int64)
        if size != in_size or (indices != np.arange(size)).any():
            result = _gather(g, result, indices, axis)
    return [result]


@onnx_op("DepthToSpace", "SpaceToDepth")
def _depth_to_space(g: GraphImporter, node: onnx.NodeProto) -> list[SSAValue]:
    """The reshape, transpose, reshape by which the ONNX spec defines them (modes DCR and CRD)."""
    block = int(_required(g, node, "blocksize"))  # type: ignore[call-overload]
    shape = g.static_shape(node.input[0])
    if len(shape) != 4 or block < 1:
        g.fail(f"needs a 4-D NCHW input and a positive blocksize, got {list(shape)} and {block}")
    n, c, h, w = shape
    if node.op_type == "DepthToSpace":
        if c % (block * block):
            g.fail(f"{c} channels do not divide by blocksize^2 = {block * block}")
        if _as_str(attrs(node).get("mode"), "DCR") == "CRD":
            split, perm = [n, c // block**2, block, block, h, w], [0, 1, 4, 2, 5, 3]
        else:
            split, perm = [n, block, block, c // block**2, h, w], [0, 3, 4, 1, 5, 2]
        result = [n, c // block**2, h * block, w * block]
    else:
        if h % block or w % block:
            g.fail(f"spatial size {h}x{w} does not divide by blocksize {block}")
        split, perm, result = [n, c, h // block, block, w // block, block], [0, 3, 5, 1, 2, 4], [n, c * block**2, h // block, w // block]
    blocks = g.emit(nn.TransposeOp(g.emit(nn.ReshapeOp(g.value(node.input[0]), split)), perm))
    return [g.emit(nn.ReshapeOp(blocks, result))]


@onnx_op("Concat")
def _concat(g: GraphImporter, node: onnx.NodeProto) -> list[SSAValue]:
    return [g.emit(nn.ConcatOp([g.value(n) for n in node.input], int(attrs(node)["axis"])))]  # type: ignore[call-overload]


@onnx_op("Softmax", "LogSoftmax")
def _softmax(g: GraphImporter, node: onnx.NodeProto) -> list[SSAValue]:
    legacy = g.opset < 13
    axis = int(attrs(node).get("axis", 1 if legacy else -1))  # type: ignore[call-overload]
    op_class = nn.SoftmaxOp if node.op_type == "Softmax" else nn.LogSoftmaxOp
    return [g.emit(op_class(g.value(node.input[0]), axis, to_last_axis=legacy))]


Elementwise = Callable[[SSAValue], nn.NNOp]


def _square(x: SSAValue) -> nn.NNOp:
    return nn.MulOp(x, x)


REDUCTIONS: dict[str, tuple[Callable[..., nn.NNOp], Elementwise | None, Elementwise | None, int]] = {
    # op -> (nn reduction, elementwise op before it, elementwise op after it, first opset where axes is an input);
    # with noop_with_empty_axes and no axes only the elementwise ops remain (as in onnxruntime)
    "ReduceSum": (nn.ReduceSumOp, None, None, 13),
    "ReduceMean": (nn.ReduceMeanOp, None, None, 18),
    "ReduceMax": (nn.ReduceMaxOp, None, None, 18),
    "ReduceMin": (nn.ReduceMinOp, None, None, 18),
    "ReduceProd": (nn.ReduceProdOp, None, None, 18),
    "ReduceLogSumExp": (nn.ReduceLogSumExpOp, None, None, 18),
    "ReduceL1": (nn.ReduceSumOp, nn.AbsOp, None, 18),
    "ReduceL2": (nn.ReduceSumOp, _square, nn.SqrtOp, 18),
    "ReduceSumSquare": (nn.ReduceSumOp, _square, None, 18),
    "ReduceLogSum": (nn.ReduceSumOp, None, nn.LogOp, 18),
}


@onnx_op(*REDUCTIONS)
def _reduce(g: GraphImporter, node: onnx.NodeProto) -> list[SSAValue]:
    a = attrs(node)
    op_class, before, after, axes_input_opset = REDUCTIONS[node.op_type]
    axes = g.ints_input(node, 1) if g.opset >= axes_input_opset else list(a.get("axes", []))  # type: ignore[call-overload]
    y = g.value(node.input[0])
    if before is not None:
        y = g.emit(before(y))
    if axes or not int(a.get("noop_with_empty_axes", 0)):  # type: ignore[call-overload]
        y = g.emit(op_class(y, axes or [], keepdims=bool(a.get("keepdims", 1))))
    return [g.emit(after(y)) if after is not None else y]


COMPARISONS: dict[str, type[nn.BinaryOp]] = {
    "Less": nn.LessOp,
    "LessOrEqual": nn.LessOrEqualOp,
    "Greater": nn.GreaterOp,
    "GreaterOrEqual": nn.GreaterOrEqualOp,
    "Equal": nn.EqualOp,
    "And": nn.AndOp,
    "Or": nn.OrOp,
    "Xor": nn.XorOp,
}


@onnx_op(*COMPARISONS)
def _comparison(g: GraphImporter, node: onnx.NodeProto) -> list[SSAValue]:
    return [g.emit(COMPARISONS[node.op_type](g.value(node.input[0]), g.value(node.input[1])))]


@onnx_op("Not")
def _not(g: GraphImporter, node: onnx.NodeProto) -> list[SSAValue]:
    return [g.emit(nn.NotOp(g.value(node.input[0])))]


@onnx_op("Where")
def _where(g: GraphImporter, node: onnx.NodeProto) -> list[SSAValue]:
    return [g.emit(nn.WhereOp(*(g.value(name) for name in node.input[:3])))]


@onnx_op("Range")
def _range(g: GraphImporter, node: onnx.NodeProto) -> list[SSAValue]:
    """start, limit and delta must be known at compile time; limit may be symbolic (a dim from
    Shape), and then so is the count: ceil((limit - start) / delta) elements."""
    arrays = [g.constant_array(name) for name in node.input[:3]]
    if any(a is None or a.size != 1 for a in arrays):
        g.fail("start, limit and delta must be scalars known at compile time (constants, or computed from shapes)")
    start, limit, delta = (_plain(a.reshape(-1)[0]) for a in arrays)  # type: ignore[union-attr]
    declared = next((a.dtype for a in arrays if a.dtype != object), np.dtype(np.int64))  # type: ignore[union-attr]
    if isinstance(start, DimExpr) or isinstance(delta, DimExpr) or delta == 0:
        g.fail(f"start ({start}) and delta ({delta}) must be numbers and delta non-zero; only limit may be symbolic")
    element = element_type_of_numpy(declared)
    if element is None:
        g.fail(f"Range of {declared} is not supported")
    if isinstance(limit, DimExpr):
        if int(delta) != delta or int(start) != start:
            g.fail(f"with a symbolic limit ({limit}), start and delta must be integers")
        count: Dim = ceildiv(limit - int(start), int(delta)) if delta > 0 else ceildiv(int(start) - limit, -int(delta))
    else:
        count = max(int(np.ceil((float(limit) - float(start)) / float(delta))), 0)
    return [g.emit(nn.RangeOp(start, delta, count, element))]  # type: ignore[arg-type]


def _plain(value: object) -> object:
    """A numpy scalar as a Python number; a symbolic dim as it is."""
    return value.item() if isinstance(value, np.generic) else value






def _constant_int_scalar(g: GraphImporter, node: onnx.NodeProto, position: int, what: str) -> int:
    """An input that must be a compile-time constant holding one integer (CumSum's axis, TopK's K, OneHot's depth)."""
    name = node.input[position] if position < len(node.input) else ""
    array = g.constant_array(name) if name else None
    if array is None or array.size != 1 or array.dtype.kind not in "iuf":
        g.fail(f"the {what} '{name}' must be a constant scalar (initializer or Constant node)")
    value = array.reshape(-1)[0]
    if array.dtype.kind == "f" and not float(value).is_integer():
        g.fail(f"the {what} '{name}' must be an integer, not {value}")
    return int(value)


@onnx_op("CumSum")
def _cumsum(g: GraphImporter, node: onnx.NodeProto) -> list[SSAValue]:
    a = attrs(node)
    axis = _constant_int_scalar(g, node, 1, "axis")
    exclusive, reverse = (bool(a.get(name, 0)) for name in ("exclusive", "reverse"))
    return [g.emit(nn.CumSumOp(g.value(node.input[0]), axis, exclusive=exclusive, reverse=reverse))]


@onnx_op("TopK")
def _topk(g: GraphImporter, node: onnx.NodeProto) -> list[SSAValue]:
    """One nn.topk per used output (values, indices). K must be a constant; from opset 10 it is an
    input, before that an attribute. Results are always sorted (sorted=0 leaves the order to us).
    With only the indices used, the values op is still emitted, as the node's first result; dce drops it."""
    a = attrs(node)
    k = int(_required(g, node, "k")) if g.opset < 10 else _constant_int_scalar(g, node, 1, "K")  # type: ignore[call-overload]
    axis, smallest = int(a.get("axis", -1)), not int(a.get("largest", 1))  # type: ignore[call-overload]
    if k < 0:
        g.fail(f"K {k} must not be negative")
    x = g.value(node.input[0])
    wants_indices = len(node.output) > 1 and node.output[1] in g.used
    results = [g.emit(nn.TopKOp(x, k, axis, smallest=smallest))]
    if wants_indices:
        results.append(g.emit(nn.TopKOp(x, k, axis, smallest=smallest, indices=True)))
    return results


@onnx_op("OneHot")
def _one_hot(g: GraphImporter, node: onnx.NodeProto) -> list[SSAValue]:
    """depth must be a constant; values ([off, on]) may be computed at run time."""
    depth = _constant_int_scalar(g, node, 1, "depth")
    if depth < 1:
        g.fail(f"depth {depth} must be at least 1")
    axis = int(attrs(node).get("axis", -1))  # type: ignore[call-overload]
    return [g.emit(nn.OneHotOp(g.value(node.input[0]), g.value(node.input[2]), depth, axis))]




def _quantization_operands(g: GraphImporter, node: onnx.NodeProto, zero_point_dtype: np.dtype) -> list[SSAValue]:
    """x, scale and zero point of (De)QuantizeLinear; an absent zero point is a 0 of `zero_point_dtype`."""
    if int(attrs(node).get("block_size", 0)):  # type: ignore[call-overload]
        g.fail("blocked quantization (block_size > 0) is not supported, only per-tensor and per-axis")
    zero_point = g.input(node, 2)
    if zero_point is None:
        zero_point = g.emit(nn.ConstantOp.from_array(np.zeros((), zero_point_dtype)))
    return [g.value(node.input[0]), g.value(node.input[1]), zero_point]


def _quantized_type_name(g: GraphImporter, name: str) -> str | None:
    """The ONNX element type name of a tensor, if it is not one QuantizeLinear/DequantizeLinear support."""
    array = g.constant_array(name)
    if array is not None:
        kind = array.dtype.name
        return None if kind in ("int8", "uint8", "int32") else kind
    return None


@onnx_op("DequantizeLinear")
def _dequantize_linear(g: GraphImporter, node: onnx.NodeProto) -> list[SSAValue]:
    """(x - zero_point) * scale, per tensor or per axis (`axis`, opset 13); int8, uint8 or int32 x."""
    from dialects.dtypes import numpy_dtype

    for name in [node.input[0], *node.input[2:3]]:
        if name and (kind := _quantized_type_name(g, name)) is not None:
            g.fail(f"dequantizing {kind} is not supported (int8, uint8 and int32 are)")
    x = g.value(node.input[0])
    axis = int(attrs(node).get("axis", 1))  # type: ignore[call-overload]
    return [g.emit(nn.DequantizeLinearOp(*_quantization_operands(g, node, numpy_dtype(nn.element_type(x))), axis))]


@onnx_op("QuantizeLinear")
def _quantize_linear(g: GraphImporter, node: onnx.NodeProto) -> list[SSAValue]:
    """saturate(round_half_even(x / scale) + zero_point) into int8 or uint8 (the zero point's type,
    else `output_dtype` (opset 21), else uint8). Float8 and int4 outputs are refused."""
    a = attrs(node)
    output_dtype = int(a.get("output_dtype", 0))  # type: ignore[call-overload]
    zero_point_name = node.input[2] if len(node.input) > 2 and node.input[2] else None
    kinds = {onnx.TensorProto.INT8: np.dtype(np.int8), onnx.TensorProto.UINT8: np.dtype(np.uint8)}
    if output_dtype and output_dtype not in kinds:
        g.fail(f"quantizing to {onnx.TensorProto.DataType.Name(output_dtype)} is not supported (int8 and uint8 are; float8 and int4 are not)")
    if zero_point_name is not None:
        array = g.constant_array(zero_point_name)
        kind = array.dtype.name if array is not None else str(nn.element_type(g.value(zero_point_name)))
        if kind not in ("int8", "uint8", "i8", "ui8"):
            g.fail(f"quantizing to {kind} (the zero point's type) is not supported (int8 and uint8 are; float8 and int4 are not)")
    axis = int(a.get("axis", 1))  # type: ignore[call-overload]
    operands = _quantization_operands(g, node, kinds.get(output_dtype, np.dtype(np.uint8)))
    return [g.emit(nn.QuantizeLinearOp(*operands, axis))]


@onnx_op("LpNormalization")
def _lp_normalization(g: GraphImporter, node: onnx.NodeProto) -> list[SSAValue]:
    """x / norm_p(x) along `axis` (p 1 or 2); a zero row stays zero, as in onnxruntime."""
    a = attrs(node)
    p = int(a.get("p", 2))  # type: ignore[call-overload]
    if p not in (1, 2):
        g.fail(f"p={p} is not supported (1 or 2)")
    axis = _axis(g, int(a.get("axis", -1)), g.static_shape(node.input[0]))  # type: ignore[call-overload]
    return [g.emit(nn.LpNormalizationOp(g.value(node.input[0]), axis, p))]


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
