"""ONNX protobuf -> nn dialect.

One table entry per ONNX op (`IMPORTERS`), each a small function from a node
to nn ops. The importer does not infer shapes: results are `tensor<*xf32>`
until the `shape-infer` pass runs. Every op gets the ONNX node name as its
location (`loc("conv1")`), so later diagnostics can point at the node.

Initializers become `nn.constant` (built from numpy bytes: a 100 MB model
imports in milliseconds) only where they are used as data; integer
initializers that configure an op (Reshape's shape, Pad's pads, axes) are read
as Python values. Before anything is built, every node is checked and all the
unsupported ones are reported together.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import NoReturn

import numpy as np
import onnx
import onnx.parser
from onnx import numpy_helper
from xdsl.builder import Builder
from xdsl.dialects import func
from xdsl.dialects.builtin import (
    ModuleOp,
    NameLoc,
    NoneAttr,
    StringAttr,
    TensorType,
    f32,
)
from xdsl.ir import Operation, SSAValue
from xdsl.rewriter import InsertPoint

from compiler.errors import ModelImportError
from dialects import nn

MIN_OPSET, MAX_OPSET = 7, 21
"""Opset 7 dropped the legacy `broadcast`/`axis` attributes of the binary ops; older forms of
Clip, Pad, Softmax and the reductions are read directly."""


def load_model(source: onnx.ModelProto | bytes | str | Path) -> onnx.ModelProto:
    """Read a model, turning protobuf failures into one clear error."""
    if isinstance(source, onnx.ModelProto):
        return source
    try:
        data = source if isinstance(source, bytes) else Path(source).read_bytes()
    except OSError as error:
        raise ModelImportError(f"cannot read ONNX model '{source}': {error.strerror}") from error
    if isinstance(source, str | Path) and str(source).endswith(ONNX_TEXT_SUFFIX):
        return parse_onnx_text(data.decode(errors="replace"), str(source))
    try:
        model = onnx.load_from_string(data)
    except Exception as error:  # protobuf raises DecodeError and others
        raise ModelImportError(f"malformed ONNX model ({len(data)} bytes): {error}") from error
    if not model.HasField("graph"):
        raise ModelImportError("malformed ONNX model: it has no graph")
    return model


ONNX_TEXT_SUFFIX = ".onnxtxt"


def parse_onnx_text(text: str, name: str = "<input>") -> onnx.ModelProto:
    """A model in ONNX's textual syntax (onnx.parser), e.g. for lit tests:

        <ir_version: 8, opset_import: ["" : 17]>
        g (float[2, 3] x) => (float[2, 3] y) { y = Relu(x) }
    """
    try:
        return onnx.parser.parse_model(text)
    except Exception as error:  # onnx.parser.ParseError and friends
        detail = error.args[0] if error.args else error
        if isinstance(detail, bytes):
            detail = detail.decode(errors="replace")
        raise ModelImportError(f"malformed ONNX text in {name}: {str(detail).strip()}") from error


def node_name(node: onnx.NodeProto, index: int) -> str:
    """The node's name, or `<OpType>_<index>` for an unnamed node: how diagnostics refer to it."""
    return node.name or f"{node.op_type}_{index}"


def c_identifier(name: str, fallback: str = "model") -> str:
    """A C identifier made from an ONNX name (entry points and symbols are named after the graph)."""
    cleaned = re.sub(r"\W", "_", name)
    if not cleaned:
        return fallback
    return cleaned if not cleaned[0].isdigit() else f"_{cleaned}"


def import_model(source: onnx.ModelProto | bytes | str | Path, name: str | None = None) -> ModuleOp:
    """Import an ONNX model as a module holding one func.func in the nn dialect."""
    model = load_model(source)
    opset = _default_opset(model)
    graph = model.graph
    _check_supported(graph, opset)
    importer = _GraphImporter(opset, {t.name: t for t in graph.initializer})
    function = importer.import_graph(graph, c_identifier(name or graph.name))
    return ModuleOp([function])


def _default_opset(model: onnx.ModelProto) -> int:
    versions = {o.domain: o.version for o in model.opset_import}
    opset = versions.get("", versions.get("ai.onnx"))
    if opset is None:
        raise ModelImportError("the model imports no version of the default ONNX opset")
    if not MIN_OPSET <= opset <= MAX_OPSET:
        raise ModelImportError(f"opset {opset} is not supported (supported: {MIN_OPSET} to {MAX_OPSET})")
    return opset


def _check_supported(graph: onnx.GraphProto, opset: int) -> None:
    unsupported = [
        f"{node.op_type} (node '{node_name(node, index)}'{', domain ' + node.domain if node.domain not in ('', 'ai.onnx') else ''})"
        for index, node in enumerate(graph.node)
        if node.op_type not in IMPORTERS or node.domain not in ("", "ai.onnx")
    ]
    if unsupported:
        raise ModelImportError(f"{len(unsupported)} unsupported op(s) at opset {opset}: " + ", ".join(unsupported))


_FLOAT = onnx.TensorProto.FLOAT


@dataclass
class _GraphImporter:
    opset: int
    initializers: dict[str, onnx.TensorProto]
    values: dict[str, SSAValue] = field(default_factory=dict[str, SSAValue])
    arrays: dict[str, np.ndarray] = field(default_factory=dict[str, np.ndarray])
    builder: Builder | None = None
    node: onnx.NodeProto | None = None
    node_name: str = ""

    # -- graph --------------------------------------------------------------

    def import_graph(self, graph: onnx.GraphProto, name: str) -> func.FuncOp:
        inputs = [i for i in graph.input if i.name not in self.initializers]
        input_types = [_input_type(i) for i in inputs]
        function = func.FuncOp(name, (input_types, [nn.UNRANKED_F32] * len(graph.output)))
        self.builder = Builder(InsertPoint.at_end(function.body.block))
        for value_info, arg in zip(inputs, function.body.block.args):
            arg.name_hint = c_identifier(value_info.name, "arg")
            self.values[value_info.name] = arg
        for index, node in enumerate(graph.node):
            self.node = node
            self.node_name = node_name(node, index)
            self._import_node(node)
        outputs = [self.value(o.name) for o in graph.output]
        self.builder.insert(func.ReturnOp(*outputs))
        function.function_type = func.FunctionType.from_lists(input_types, [v.type for v in outputs])
        return function

    def _import_node(self, node: onnx.NodeProto) -> None:
        results = IMPORTERS[node.op_type](self, node)
        extra = [n for n in node.output[len(results) :] if n and n not in self.arrays]
        if extra:
            self.fail(f"outputs {extra} are not supported (only the first {len(results)})")
        for output, value in zip(node.output, results):
            if output:
                self.values[output] = value
                if value.name_hint is None:
                    value.name_hint = c_identifier(output, "v")

    # -- helpers used by the op table -------------------------------------

    def fail(self, message: str) -> NoReturn:
        node = self.node
        assert node is not None
        raise ModelImportError(f"{node.op_type} node '{self.node_name}': {message}")

    def emit(self, op: Operation) -> SSAValue:
        assert self.builder is not None and self.node is not None
        op.location = NameLoc(StringAttr(self.node_name), NoneAttr())
        self.builder.insert(op)
        return op.results[0]

    def value(self, name: str) -> SSAValue:
        """The SSA value of a tensor used as data; float initializers become nn.constant here."""
        if name in self.values:
            return self.values[name]
        array = self.constant_array(name)
        if array is None:
            self.fail(f"input '{name}' is not produced by any node, graph input or initializer")
        if array.dtype != np.float32:
            self.fail(f"tensor '{name}' has type {array.dtype}; only float32 tensors are supported as data")
        constant = self.emit(nn.ConstantOp.from_array(array))
        constant.name_hint = c_identifier(name, "const")
        self.values[name] = constant
        return constant

    def constant_array(self, name: str) -> np.ndarray | None:
        if name in self.arrays:
            return self.arrays[name]
        if name in self.initializers:
            self.arrays[name] = numpy_helper.to_array(self.initializers[name])
            return self.arrays[name]
        return None

    def input(self, node: onnx.NodeProto, position: int) -> SSAValue | None:
        """The node's data input at `position`, or None if absent (optional inputs)."""
        if position < len(node.input) and node.input[position]:
            return self.value(node.input[position])
        return None

    def ints_input(self, node: onnx.NodeProto, position: int) -> list[int] | None:
        """An integer tensor input that must be known at compile time (shape, pads, axes)."""
        if position >= len(node.input) or not node.input[position]:
            return None
        array = self.constant_array(node.input[position])
        if array is None:
            self.fail(f"input '{node.input[position]}' must be a constant (initializer or Constant node)")
        return [int(v) for v in array.reshape(-1)]

    def float_input(self, node: onnx.NodeProto, position: int) -> float | None:
        if position >= len(node.input) or not node.input[position]:
            return None
        array = self.constant_array(node.input[position])
        if array is None or array.size != 1:
            self.fail(f"input '{node.input[position]}' must be a constant scalar")
        return float(array.reshape(-1)[0])


def _input_type(value_info: onnx.ValueInfoProto) -> TensorType:
    tensor = value_info.type.tensor_type
    if not value_info.type.HasField("tensor_type"):
        raise ModelImportError(f"graph input '{value_info.name}' is not a tensor")
    if tensor.elem_type != _FLOAT:
        dtype = onnx.TensorProto.DataType.Name(tensor.elem_type)
        raise ModelImportError(f"graph input '{value_info.name}' has type {dtype}; only FLOAT inputs are supported")
    if not tensor.HasField("shape"):
        raise ModelImportError(f"graph input '{value_info.name}' has no shape")
    shape: list[int] = []
    for dim in tensor.shape.dim:
        if not dim.HasField("dim_value"):
            symbol = dim.dim_param or "?"
            raise ModelImportError(
                f"graph input '{value_info.name}' has the symbolic dim '{symbol}'; "
                "only static input shapes are supported so far (give the model a fixed shape)"
            )
        shape.append(dim.dim_value)
    return TensorType(f32, shape)


# ===----------------------------------------------------------------------=== #
# The op table
# ===----------------------------------------------------------------------=== #

Importer = Callable[[_GraphImporter, onnx.NodeProto], list[SSAValue]]
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
def _unary(g: _GraphImporter, node: onnx.NodeProto) -> list[SSAValue]:
    return [g.emit(UNARY[node.op_type](g.value(node.input[0])))]


@onnx_op(*BINARY)
def _binary(g: _GraphImporter, node: onnx.NodeProto) -> list[SSAValue]:
    """Binary ops, and the variadic Max/Min/Sum folded left to right."""
    operands = [g.value(name) for name in node.input]
    if len(operands) != 2 and node.op_type not in ("Max", "Min", "Sum"):
        g.fail(f"expects 2 inputs, got {len(operands)}")
    result = operands[0]
    for operand in operands[1:]:
        result = g.emit(BINARY[node.op_type](result, operand))
    return [result]


@onnx_op("Identity", "Dropout")
def _identity(g: _GraphImporter, node: onnx.NodeProto) -> list[SSAValue]:
    """Identity, and Dropout at inference (its optional mask output is not supported)."""
    return [g.value(node.input[0])]


@onnx_op("Clip")
def _clip(g: _GraphImporter, node: onnx.NodeProto) -> list[SSAValue]:
    if g.opset < 11:
        a = attrs(node)
        low, high = a.get("min"), a.get("max")
    else:
        low, high = g.float_input(node, 1), g.float_input(node, 2)
    return [g.emit(nn.ClipOp(g.value(node.input[0]), low, high))]  # type: ignore[arg-type]


@onnx_op("MatMul")
def _matmul(g: _GraphImporter, node: onnx.NodeProto) -> list[SSAValue]:
    return [g.emit(nn.MatMulOp(g.value(node.input[0]), g.value(node.input[1])))]


@onnx_op("Gemm")
def _gemm(g: _GraphImporter, node: onnx.NodeProto) -> list[SSAValue]:
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


def _window_attrs(g: _GraphImporter, node: onnx.NodeProto, spatial_dims: int) -> dict[str, object]:
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
def _conv(g: _GraphImporter, node: onnx.NodeProto) -> list[SSAValue]:
    a = attrs(node)
    weight = g.constant_array(node.input[1])
    kernel = a.get("kernel_shape") or (weight.shape[2:] if weight is not None else (0, 0))
    window = _window_attrs(g, node, len(kernel))  # type: ignore[arg-type]
    conv = nn.Conv2dOp(
        g.value(node.input[0]), g.value(node.input[1]), g.input(node, 2), groups=int(a.get("group", 1)), **window  # type: ignore[arg-type]
    )
    return [g.emit(conv)]


@onnx_op("MaxPool", "AveragePool")
def _pool(g: _GraphImporter, node: onnx.NodeProto) -> list[SSAValue]:
    a = attrs(node)
    kernel = list(a["kernel_shape"])  # type: ignore[call-overload]
    window = _window_attrs(g, node, len(kernel))
    x, ceil_mode = g.value(node.input[0]), bool(a.get("ceil_mode", 0))
    if node.op_type == "MaxPool":
        return [g.emit(nn.MaxPool2dOp(x, kernel, ceil_mode=ceil_mode, **window))]  # type: ignore[arg-type]
    include_pad = bool(a.get("count_include_pad", 0))
    return [g.emit(nn.AvgPool2dOp(x, kernel, ceil_mode=ceil_mode, count_include_pad=include_pad, **window))]  # type: ignore[arg-type]


@onnx_op("GlobalAveragePool")
def _global_avg_pool(g: _GraphImporter, node: onnx.NodeProto) -> list[SSAValue]:
    return [g.emit(nn.GlobalAvgPoolOp(g.value(node.input[0])))]


@onnx_op("BatchNormalization")
def _batch_norm(g: _GraphImporter, node: onnx.NodeProto) -> list[SSAValue]:
    a = attrs(node)
    if int(a.get("training_mode", 0)):  # type: ignore[call-overload]
        g.fail("training_mode=1 is not supported (inference only)")
    if not int(a.get("spatial", 1)):  # type: ignore[call-overload]
        g.fail("spatial=0 (per-element statistics, opset 7-8) is not supported")
    operands = [g.value(name) for name in node.input[:5]]
    return [g.emit(nn.BatchNormOp(operands, float(a.get("epsilon", 1e-5))))]  # type: ignore[arg-type]


@onnx_op("Pad")
def _pad(g: _GraphImporter, node: onnx.NodeProto) -> list[SSAValue]:
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
def _reshape(g: _GraphImporter, node: onnx.NodeProto) -> list[SSAValue]:
    shape = g.ints_input(node, 1)
    if shape is None:
        g.fail("the shape input is required")
    allowzero = bool(attrs(node).get("allowzero", 0))  # type: ignore[call-overload]
    return [g.emit(nn.ReshapeOp(g.value(node.input[0]), shape, allowzero))]


@onnx_op("Flatten")
def _flatten(g: _GraphImporter, node: onnx.NodeProto) -> list[SSAValue]:
    return [g.emit(nn.FlattenOp(g.value(node.input[0]), int(attrs(node).get("axis", 1))))]  # type: ignore[arg-type]


@onnx_op("Transpose")
def _transpose(g: _GraphImporter, node: onnx.NodeProto) -> list[SSAValue]:
    return [g.emit(nn.TransposeOp(g.value(node.input[0]), list(attrs(node).get("perm", []))))]  # type: ignore[call-overload]


@onnx_op("Concat")
def _concat(g: _GraphImporter, node: onnx.NodeProto) -> list[SSAValue]:
    return [g.emit(nn.ConcatOp([g.value(n) for n in node.input], int(attrs(node)["axis"])))]  # type: ignore[call-overload]


@onnx_op("Softmax")
def _softmax(g: _GraphImporter, node: onnx.NodeProto) -> list[SSAValue]:
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
def _reduce(g: _GraphImporter, node: onnx.NodeProto) -> list[SSAValue]:
    a = attrs(node)
    op_class, axes_input_opset = REDUCTIONS[node.op_type]
    axes = g.ints_input(node, 1) if g.opset >= axes_input_opset else list(a.get("axes", []))  # type: ignore[call-overload]
    x = g.value(node.input[0])
    if not axes and int(a.get("noop_with_empty_axes", 0)):  # type: ignore[call-overload]
        return [x]
    return [g.emit(op_class(x, axes or [], keepdims=bool(a.get("keepdims", 1))))]


@onnx_op("Constant")
def _constant(g: _GraphImporter, node: onnx.NodeProto) -> list[SSAValue]:
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
