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
from compiler.onnx_ops import IMPORTERS, Importer, supported_ops  # noqa: F401  (re-exported)
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
    importer = GraphImporter(opset, {t.name: t for t in graph.initializer})
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
class GraphImporter:
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
