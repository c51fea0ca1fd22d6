"""ONNX protobuf -> nn dialect.

The op table (`IMPORTERS`, compiler/onnx_ops.py) has one small function per
ONNX op, from a node to nn ops; this module walks the graph. The importer does
not infer shapes in the IR: results are `tensor<*xf32>` until the `shape-infer`
pass runs. Every op gets the ONNX node name as its location (`loc("conv1")`),
so later diagnostics can point at the node.

Initializers become `nn.constant` (built from numpy bytes: a 100 MB model
imports in milliseconds) only where they are used as data; integer
initializers that configure an op (Reshape's shape, Pad's pads, axes) are read
as Python values.

A node whose inputs are all compile-time constants is evaluated at import with
onnx's reference implementation, and so are Shape and Size (every shape is
known at import); their outputs are constants like initializers. That folds the
shape-computing subgraphs of modern exports (Shape -> Gather -> Concat ->
Reshape) and the weights old models generate (ConstantOfShape), and it is why
ops such as Range or NonZero work on constants but not on run-time data.

Input dims named by `dim_param` ("batch") become symbolic dims (dialects/dims.py)
with the bounds the user gives (`dim_bounds`). Shape of such a tensor is a
vector of symbolic dims (a numpy object array), and the integer ops of shape
subgraphs (`SYMBOLIC_SHAPE_OPS`) are evaluated on it in Python, so a
Reshape's target can still be read at compile time: `[batch, 128, 4, 64]`.

Before anything is built, every node is checked and all the unsupported ones
are reported together.
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from math import prod
from pathlib import Path
from typing import Any, NoReturn

import numpy as np
import onnx
import onnx.parser
import onnx.version_converter
from onnx import numpy_helper
from onnx.reference import ReferenceEvaluator
from xdsl.builder import Builder
from xdsl.dialects import func
from xdsl.dialects.builtin import (
    ModuleOp,
    NameLoc,
    NoneAttr,
    StringAttr,
    TensorType,
    UnrankedTensorType,
)
from xdsl.ir import Operation, SSAValue
from xdsl.rewriter import InsertPoint, Rewriter

from compiler.errors import ModelImportError
from compiler.onnx_ops import IMPORTERS, Importer, attrs, supported_ops
from dialects import nn
from dialects.dims import (
    DIM_BOUNDS_ATTR,
    MAX_TENSOR_BYTES,
    SIZE_LIMIT,
    Dim,
    DimExpr,
    SymbolicDimError,
    bounds_attr,
    dims_of_type,
    format_dims,
    is_static,
    symbol,
    symbols_of,
    tensor_type,
)
from dialects.dtypes import TENSOR_ONNX_TYPES, element_type_of_numpy, element_type_of_onnx, onnx_name
from dialects.nn import Shape

MIN_OPSET, MAX_OPSET = 7, 21
"""Opset 7 dropped the legacy `broadcast`/`axis` attributes of the binary ops; older forms of
Clip, Pad, Softmax and the reductions are read directly. Older models are upgraded to opset 7
with onnx.version_converter. Newer models (up to the installed onnx's opset) are accepted
when every op they use reads as it did at MAX_OPSET (`changed_since_max_opset`)."""

NEWEST_OPSET = onnx.defs.onnx_opset_version()

SHAPE_OPS = ("Shape", "Size")
"""Ops whose result depends only on their input's (static) shape: always known at import."""

SYMBOLIC_SHAPE_OPS: dict[str, Callable[..., np.ndarray]] = {
    "Identity": lambda a, x: x,
    "Cast": lambda a, x: x,
    "Add": lambda a, x, y: x + y,
    "Sub": lambda a, x, y: x - y,
    "Mul": lambda a, x, y: x * y,
    "Div": lambda a, x, y: x // y,
    "Neg": lambda a, x: -x,
    "Gather": lambda a, x, i: np.take(x, i.astype(np.int64), axis=a.get("axis", 0)),
    "Unsqueeze": lambda a, x, axes=None: np.reshape(x, nn.unsqueezed(x.shape, _axes(a, axes))),
    "Squeeze": lambda a, x, axes=None: np.reshape(x, nn.squeezed(x.shape, _axes(a, axes))),
    "Concat": lambda a, *xs: np.concatenate(xs, axis=a.get("axis", 0)),
    "Slice": lambda a, x, starts, ends, axes=None, steps=None: _slice(x, starts, ends, axes, steps),
    "Reshape": lambda a, x, shape: np.reshape(x, [int(v) for v in shape]),
    "ReduceProd": lambda a, x, axes=None: np.array(prod(x.reshape(-1)), dtype=object).reshape([1] * x.ndim if a.get("keepdims", 1) else []),
}
"""Integer ops on shape vectors that hold symbolic dims, evaluated elementwise in Python
(`a` is the node's attributes). Anything else on such a vector is refused."""

SYMBOLIC_SIZE_OPS = ("Range",)
"""Ops of constant inputs whose result has a symbolic size when an input holds a symbolic dim:
imported as nn ops (the values computed at run time) instead of being evaluated."""

IMPORTED_EVEN_IF_CONSTANT = ("DequantizeLinear", "QuantizeLinear", "OneHot")
"""Ops imported as nn ops even when their inputs are constants (fold-constants then evaluates them
with the nn ops' own semantics): onnx's reference evaluator has no DequantizeLinear or
QuantizeLinear before opset 19, and fails on a OneHot whose depth is a 1-element tensor."""

NOT_FOLDABLE = ("RandomNormal", "RandomUniform", "RandomNormalLike", "RandomUniformLike", "Bernoulli", "Multinomial")
"""Nondeterministic ops: evaluating them at compile time would freeze one draw."""


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
    if not data:
        raise ModelImportError("malformed ONNX model: it is empty (0 bytes)")
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


def import_model(
    source: onnx.ModelProto | bytes | str | Path,
    name: str | None = None,
    dim_bounds: Mapping[str, int] | None = None,
    input_shapes: Mapping[str, Sequence[Dim]] | None = None,
) -> ModuleOp:
    """Import an ONNX model as a module holding one func.func in the nn dialect.

    `input_shapes` replaces the declared shapes of the named inputs; `dim_bounds`
    gives the upper bound of each symbolic dim, recorded on the function as
    `nn.dim_bounds`.
    """
    model = _upgrade_old_opset(load_model(source))
    opset = _default_opset(model)
    graph = model.graph
    nodes = graph_order(graph)
    _check_supported(graph, opset, nodes)
    importer = GraphImporter(opset, {t.name: t for t in graph.initializer})
    function = importer.import_graph(graph, c_identifier(name or graph.name), input_shapes or {}, nodes)
    _attach_bounds(function, dict(dim_bounds or {}))
    return ModuleOp([function])


def _attach_bounds(function: func.FuncOp, bounds: dict[str, int]) -> None:
    symbols = symbols_of([d for t in function.function_type.inputs.data if isinstance(t, TensorType) for d in dims_of_type(t)])
    unknown = sorted(bounds.keys() - symbols)
    if unknown:
        known = ", ".join(sorted(symbols)) or "none: every input shape is static"
        raise ModelImportError(f"a bound is given for '{unknown[0]}', which is not a symbolic dim of the model's inputs (its symbolic dims: {known})")
    for symbol_, bound in sorted(bounds.items()):
        if bound > MAX_TENSOR_BYTES:  # no dim of a tensor within the limit can be that large (and an i64 may not hold it)
            raise ModelImportError(
                f"the bound of '{symbol_}', {bound}, is past {MAX_TENSOR_BYTES}, the most elements a tensor may have "
                f"(the {SIZE_LIMIT} on a tensor's size)"
            )
    if bounds:
        function.attributes[DIM_BOUNDS_ATTR] = bounds_attr(bounds)


def _declared_opset(model: onnx.ModelProto) -> int:
    versions = {o.domain: o.version for o in model.opset_import}
    opset = versions.get("", versions.get("ai.onnx"))
    if opset is None:
        raise ModelImportError("the model imports no version of the default ONNX opset")
    return opset


def _default_opset(model: onnx.ModelProto) -> int:
    opset = _declared_opset(model)
    if not MIN_OPSET <= opset <= NEWEST_OPSET:
        raise ModelImportError(f"opset {opset} is not supported (supported: {MIN_OPSET} to {NEWEST_OPSET})")
    return opset


def _upgrade_old_opset(model: onnx.ModelProto) -> onnx.ModelProto:
    """Models older than MIN_OPSET are converted by onnx's version converter, if it can."""
    opset = _declared_opset(model)
    if not 1 <= opset < MIN_OPSET:
        return model
    try:
        return onnx.version_converter.convert_version(model, MIN_OPSET)
    except Exception as error:  # the converter raises RuntimeError/ValueError/ConvertError
        raise ModelImportError(f"opset {opset} is not supported, and upgrading it to opset {MIN_OPSET} failed: {_first_line(error)}") from error


def _axes(a: dict[str, Any], axes: np.ndarray | None) -> list[int]:
    """The axes of (Un)Squeeze: the attribute before opset 13, the input from then on."""
    return list(a.get("axes", [])) if axes is None else [int(v) for v in axes]


def _slice(x: np.ndarray, starts: np.ndarray, ends: np.ndarray, axes: np.ndarray | None, steps: np.ndarray | None) -> np.ndarray:
    index = [slice(None)] * x.ndim
    axes_list = [int(v) for v in axes] if axes is not None else list(range(len(starts)))
    steps_list = [int(v) for v in steps] if steps is not None else [1] * len(starts)
    for start, end, axis, step in zip(starts, ends, axes_list, steps_list):
        index[axis] = slice(int(start), int(end), step)
    return x[tuple(index)]


def _one_node_graph(node: onnx.NodeProto) -> onnx.GraphProto:
    """A graph around one node: the reference evaluator honours the opset only for graphs."""
    names = [onnx.helper.make_empty_tensor_value_info(name) for name in node.input if name]
    outputs = [onnx.helper.make_empty_tensor_value_info(name) for name in node.output if name]
    return onnx.helper.make_graph([node], "fold", names, outputs)


def _first_line(error: Exception) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def is_foldable(node: onnx.NodeProto) -> bool:
    """Whether the importer may evaluate the node at compile time when all its inputs are constants."""
    return (
        node.domain in ("", "ai.onnx")
        and node.op_type not in NOT_FOLDABLE
        and node.op_type not in IMPORTED_EVEN_IF_CONSTANT
        and not any(a.type in (onnx.AttributeProto.GRAPH, onnx.AttributeProto.GRAPHS) for a in node.attribute)
    )


@cache
def compile_time_only_ops() -> frozenset[str]:
    """Default-domain ops that work only inside constant (e.g. shape-computing) subgraphs."""
    schemas = {s.name for s in onnx.defs.get_all_schemas() if s.domain == ""}
    return frozenset(op for op in schemas - set(IMPORTERS) if op not in NOT_FOLDABLE and op not in ("If", "Loop", "Scan"))


def graph_order(graph: onnx.GraphProto) -> list[tuple[int, onnx.NodeProto]]:
    """The nodes, with their index in the graph, in an order where each comes after the producers of its inputs.

    ONNX asks for nodes in that order already, and then it is the graph's order; otherwise
    (as onnxruntime does) they are sorted, the earliest node first among those ready. An input
    that nothing defines and a cycle are reported naming the nodes, and so is a value two
    nodes produce or a graph output nothing produces."""
    defined = {i.name for i in graph.input} | {t.name for t in graph.initializer}
    producer: dict[str, int] = {}
    for index, node in enumerate(graph.node):
        for name in node.output:
            if name and name in producer:
                other = producer[name]
                raise ModelImportError(
                    f"{node.op_type} node '{node_name(node, index)}': output '{name}' is also the output of "
                    f"{graph.node[other].op_type} node '{node_name(graph.node[other], other)}' (ONNX values are assigned once)"
                )
            if name:
                producer[name] = index
    readers: dict[int, list[int]] = {index: [] for index in range(len(graph.node))}
    waiting = [0] * len(graph.node)
    for index, node in enumerate(graph.node):
        for name in dict.fromkeys(n for n in node.input if n):
            if name in producer:
                readers[producer[name]].append(index)
                waiting[index] += 1
            elif name not in defined:
                raise ModelImportError(
                    f"{node.op_type} node '{node_name(node, index)}': input '{name}' is not produced by any node, graph input or initializer"
                )
    for output in graph.output:
        if output.name not in defined and output.name not in producer:
            raise ModelImportError(f"graph output '{output.name}' is not produced by any node, graph input or initializer")
    ready = [index for index in range(len(graph.node)) if waiting[index] == 0]
    heapq.heapify(ready)
    order: list[int] = []
    while ready:
        index = heapq.heappop(ready)
        order.append(index)
        for reader in readers[index]:
            waiting[reader] -= 1
            if waiting[reader] == 0:
                heapq.heappush(ready, reader)
    if len(order) < len(graph.node):
        raise ModelImportError(f"the graph has a cycle: {_describe_cycle(graph, producer, set(order))}")
    return [(index, graph.node[index]) for index in order]


def _describe_cycle(graph: onnx.GraphProto, producer: Mapping[str, int], done: set[int]) -> str:
    """`Relu node 'a' reads 'y' of Relu node 'b', which reads 'x' of 'a'`: one cycle among the nodes not sorted.

    Every node left over reads the output of another node left over, so walking back from one
    of them through such producers must come round to a node it has met."""
    def describe(index: int) -> str:
        return f"{graph.node[index].op_type} node '{node_name(graph.node[index], index)}'"

    def blocking(index: int) -> tuple[str, int]:
        return next((n, producer[n]) for n in graph.node[index].input if n in producer and producer[n] not in done)

    path = [min(set(range(len(graph.node))) - done)]
    while (step := blocking(path[-1])[1]) not in path:
        path.append(step)
    cycle = path[path.index(step) :]
    if len(cycle) == 1:
        return f"{describe(step)} reads its own output '{blocking(step)[0]}'"
    parts = [describe(cycle[0])]
    for position, index in enumerate(cycle):
        value, source = blocking(index)
        parts.append(f"reads '{value}' of " + (f"'{node_name(graph.node[source], source)}'" if position == len(cycle) - 1 else describe(source)))
    return " ".join(parts[:1] + [", which ".join(parts[1:])])


def _check_supported(graph: onnx.GraphProto, opset: int, nodes: Sequence[tuple[int, onnx.NodeProto]] | None = None) -> None:
    """Reports every node the importer cannot handle, all at once (`nodes`: in `graph_order`)."""
    constants = {t.name for t in graph.initializer}
    unsupported = []
    for index, node in nodes if nodes is not None else enumerate(graph.node):
        inputs_constant = all(name in constants for name in node.input if name)
        if node.domain not in ("", "ai.onnx"):
            reason = f"domain {node.domain}"
        elif node.op_type in SHAPE_OPS or (inputs_constant and is_foldable(node)):
            constants.update(node.output)
            continue
        elif node.op_type not in IMPORTERS:
            reason = "supported only on compile-time constants" if node.op_type in compile_time_only_ops() else ""
        elif changed := changed_since_max_opset(node.op_type, opset):
            reason = changed
        else:
            continue
        unsupported.append(f"{node.op_type} (node '{node_name(node, index)}'{', ' + reason if reason else ''})")
    if unsupported:
        raise ModelImportError(f"{len(unsupported)} unsupported op(s) at opset {opset}: " + ", ".join(unsupported))


def changed_since_max_opset(op_type: str, opset: int) -> str:
    """Why an op version newer than MAX_OPSET cannot be read like the MAX_OPSET one ('' if it can).

    Most versions after opset 21 only add element types; their attributes, inputs
    and outputs are the same, and so is what the importer reads."""
    if opset <= MAX_OPSET:
        return ""
    new = onnx.defs.get_schema(op_type, opset)
    try:
        old = onnx.defs.get_schema(op_type, MAX_OPSET)
    except onnx.defs.SchemaError:
        return f"new in opset {new.since_version}"
    if new.since_version == old.since_version or _signature(new) == _signature(old):
        return ""
    return f"version {new.since_version} changed its attributes or inputs after opset {MAX_OPSET}"


def _signature(schema: onnx.defs.OpSchema) -> tuple[object, ...]:
    attributes = sorted((a.name, a.type, a.default_value.SerializeToString()) for a in schema.attributes.values())
    inputs = [(i.name, i.option) for i in schema.inputs]
    outputs = [(o.name, o.option) for o in schema.outputs]
    return attributes, inputs, outputs




@dataclass
class GraphImporter:
    opset: int
    initializers: dict[str, onnx.TensorProto]
    values: dict[str, SSAValue] = field(default_factory=dict[str, SSAValue])
    arrays: dict[str, np.ndarray] = field(default_factory=dict[str, np.ndarray])
    shapes: dict[SSAValue, Shape] = field(default_factory=dict[SSAValue, Shape])
    _shape_errors: dict[SSAValue, str] = field(default_factory=dict[SSAValue, str])
    used: set[str] = field(default_factory=set[str])
    """Tensor names some node or the graph output reads: an unsupported optional output is fine if unused."""
    builder: Builder | None = None
    node: onnx.NodeProto | None = None
    node_name: str = ""

    # -- graph --------------------------------------------------------------

    def import_graph(
        self,
        graph: onnx.GraphProto,
        name: str,
        input_shapes: Mapping[str, Sequence[Dim]],
        nodes: Sequence[tuple[int, onnx.NodeProto]] | None = None,
    ) -> func.FuncOp:
        """`nodes` are the graph's nodes with their indices, in `graph_order` (default: as the graph lists them)."""
        inputs = [i for i in graph.input if i.name not in self.initializers]
        unknown = sorted(input_shapes.keys() - {i.name for i in inputs})
        if unknown:
            raise ModelImportError(f"a shape is given for '{unknown[0]}', which is not an input of the model (inputs: {', '.join(i.name for i in inputs)})")
        input_types = [_input_type(i, input_shapes.get(i.name)) for i in inputs]
        function = func.FuncOp(name, (input_types, [nn.UNRANKED_F32] * len(graph.output)))
        self.used = {name for node in graph.node for name in node.input} | {o.name for o in graph.output}
        self.builder = Builder(InsertPoint.at_end(function.body.block))
        for value_info, arg, type in zip(inputs, function.body.block.args, input_types):
            arg.name_hint = c_identifier(value_info.name, "arg")
            self.values[value_info.name] = arg
            self.shapes[arg] = dims_of_type(type)
        for index, node in nodes if nodes is not None else enumerate(graph.node):
            self.node = node
            self.node_name = node_name(node, index)
            self._import_node(node)
        outputs = [self.value(o.name) for o in graph.output]
        self.builder.insert(func.ReturnOp(*outputs))
        function.function_type = func.FunctionType.from_lists(input_types, [v.type for v in outputs])
        return function

    def _import_node(self, node: onnx.NodeProto) -> None:
        if node.op_type in SHAPE_OPS or (self._all_inputs_constant(node) and not self._makes_symbolic_tensor(node)):
            self._fold(node)
            return
        try:
            results = IMPORTERS[node.op_type](self, node)
        except SymbolicDimError as error:
            self.fail(str(error))
        extra = [n for n in node.output[len(results) :] if n in self.used]
        if extra:
            self.fail(f"outputs {extra} are used but not supported (only the first {len(results)})")
        for output, value in zip(node.output, results):
            if output:
                self.values[output] = value
                if value.name_hint is None:
                    value.name_hint = c_identifier(output, "v")

    # -- compile-time evaluation --------------------------------------------

    def _makes_symbolic_tensor(self, node: onnx.NodeProto) -> bool:
        """A generator whose size depends on a symbolic dim (Range(0, seq)): a tensor computed at run time."""
        return node.op_type in SYMBOLIC_SIZE_OPS and any(self.constant_array(name).dtype == object for name in node.input if name)  # type: ignore[union-attr]

    def _all_inputs_constant(self, node: onnx.NodeProto) -> bool:
        return is_foldable(node) and all(self.constant_array(name) is not None for name in node.input if name)

    def _fold(self, node: onnx.NodeProto) -> None:
        """Evaluates the node now: its outputs become constants, as if they were initializers.

        This is what makes shape-computing subgraphs (Shape -> Gather -> Concat ->
        Reshape) and generated weights (ConstantOfShape) disappear before the IR is built."""
        if node.op_type in SHAPE_OPS:
            outputs = [self._shape_op(node)]
        elif any(self.constant_array(name).dtype == object for name in node.input if name):  # type: ignore[union-attr]
            outputs = [self._fold_symbolic(node)]
        else:
            inputs = {name: self.constant_array(name) for name in node.input if name}
            try:
                outputs = ReferenceEvaluator(_one_node_graph(node), opsets={"": self.opset}).run(None, inputs)
            except Exception as error:
                self.fail(f"cannot evaluate it at compile time: {_first_line(error)}")
        for name, array in zip(node.output, outputs):
            if name:
                self.arrays[name] = np.asarray(array)

    def _shape_op(self, node: onnx.NodeProto) -> np.ndarray:
        shape = self.static_shape(node.input[0])
        if node.op_type == "Size":
            return _dims_array([prod(shape)]).reshape(())
        a = {attr.name: attr.i for attr in node.attribute}
        start, end = a.get("start", 0), a.get("end", len(shape))
        return _dims_array(shape[start:end])

    def _fold_symbolic(self, node: onnx.NodeProto) -> np.ndarray:
        """Evaluates an integer op of a shape subgraph whose inputs hold symbolic dims."""
        evaluate = SYMBOLIC_SHAPE_OPS.get(node.op_type)
        if evaluate is None:
            self.fail(f"its input depends on symbolic dims ({', '.join(node.input)}), and {node.op_type} cannot be evaluated on symbolic sizes at compile time")
        arrays = [self.constant_array(name) if name else None for name in node.input]
        try:
            result = np.asarray(evaluate(attrs(node), *arrays))
        except (SymbolicDimError, ValueError, TypeError, IndexError) as error:
            self.fail(f"cannot evaluate it on symbolic sizes: {_first_line(error)}")
        return _dims_array(result.reshape(-1).tolist()).reshape(result.shape)

    def static_shape(self, name: str) -> Shape:
        """The shape of a tensor at import time, with symbolic dims where the inputs have them."""
        array = self.constant_array(name)
        if array is not None:
            return tuple(array.shape)
        value = self.value(name)
        shape = self.shapes.get(value)
        if shape is None:
            self.fail(f"the shape of '{name}' is not known at import time: {self._shape_errors.get(value, 'its producer has no shape function')}")
        return shape

    def _record_shape(self, op: Operation) -> None:
        """Runs the op's shape function on the spot, so later nodes can ask for shapes (Shape, Split)."""
        if not isinstance(op, nn.NNOp):
            return
        operand_shapes = [self.shapes.get(v) for v in op.operands]
        if any(s is None for s in operand_shapes):
            return
        try:
            self.shapes[op.results[0]] = op.infer_shape(operand_shapes)  # type: ignore[arg-type]
        except (nn.ShapeInferenceError, SymbolicDimError) as error:
            self._shape_errors[op.results[0]] = str(error)

    # -- helpers used by the op table -------------------------------------

    def fail(self, message: str) -> NoReturn:
        node = self.node
        assert node is not None
        raise ModelImportError(f"{node.op_type} node '{self.node_name}': {message}")

    def emit(self, op: Operation) -> SSAValue:
        assert self.builder is not None and self.node is not None
        op.location = NameLoc(StringAttr(self.node_name), NoneAttr())
        self._set_element_type(op)
        self.builder.insert(op)
        self._record_shape(op)
        return op.results[0]

    def _set_element_type(self, op: Operation) -> None:
        """An op is built with a float32 result; its element type comes from its operands (an
        int64 Add adds int64s, a Less gives bools), and an operand it cannot take is reported."""
        if not isinstance(op, nn.NNOp) or not isinstance(op.output.type, UnrankedTensorType):
            return
        try:
            element = op.infer_element_type()
        except nn.ShapeInferenceError as error:
            self.fail(str(error))
        if element != op.output.type.get_element_type():
            Rewriter.replace_value_with_new_type(op.output, UnrankedTensorType(element))

    def value(self, name: str) -> SSAValue:
        """The SSA value of a tensor used as data; float initializers become nn.constant here."""
        if name in self.values:
            return self.values[name]
        array = self.constant_array(name)
        if array is None:
            self.fail(f"input '{name}' is not produced by any node, graph input or initializer")
        if element_type_of_numpy(array.dtype) is None:
            supported = ", ".join(onnx_name(code) for code in TENSOR_ONNX_TYPES)
            self.fail(f"tensor '{name}' has type {array.dtype}; tensors used as data may be {supported}")
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
        dims = self.dims_input(node, position)
        if dims is not None and not is_static(dims):
            self.fail(f"input '{node.input[position]}' is {format_dims(dims)}: it depends on symbolic dims, which this input does not support")
        return dims  # type: ignore[return-value]

    def dims_input(self, node: onnx.NodeProto, position: int) -> list[Dim] | None:
        """An integer tensor input known at compile time, possibly holding symbolic dims (a Reshape's shape)."""
        if position >= len(node.input) or not node.input[position]:
            return None
        array = self.constant_array(node.input[position])
        if array is None:
            self.fail(f"input '{node.input[position]}' must be a constant (initializer or Constant node)")
        return [v if isinstance(v, DimExpr) else int(v) for v in array.reshape(-1)]

    def float_input(self, node: onnx.NodeProto, position: int) -> float | None:
        if position >= len(node.input) or not node.input[position]:
            return None
        array = self.constant_array(node.input[position])
        if array is None or array.size != 1:
            self.fail(f"input '{node.input[position]}' must be a constant scalar")
        return float(array.reshape(-1)[0])


def _dims_array(dims: Sequence[Dim]) -> np.ndarray:
    """A shape vector: int64 when every dim is a number, else an object array holding the symbolic ones."""
    if is_static(dims):
        return np.array(dims, dtype=np.int64)
    array = np.empty(len(dims), dtype=object)
    array[:] = list(dims)
    return array


def _input_type(value_info: onnx.ValueInfoProto, given: Sequence[Dim] | None) -> TensorType:
    """A graph input's type: `dim_param` dims become symbols of that name, unnamed unknown dims
    symbols named after the input and axis (`x_d0`); a `given` shape replaces the declared one."""
    tensor = value_info.type.tensor_type
    if not value_info.type.HasField("tensor_type"):
        raise ModelImportError(f"graph input '{value_info.name}' is not a tensor")
    element = element_type_of_onnx(tensor.elem_type)
    if element is None:
        supported = ", ".join(onnx_name(code) for code in TENSOR_ONNX_TYPES)
        raise ModelImportError(f"graph input '{value_info.name}' has type {onnx_name(tensor.elem_type)}; supported: {supported}")
    if given is not None:
        declared = [d.dim_value if d.HasField("dim_value") else None for d in tensor.shape.dim]
        if tensor.HasField("shape") and len(declared) != len(given):
            raise ModelImportError(f"the shape given for '{value_info.name}', {format_dims(given)}, has rank {len(given)}, but the input has rank {len(declared)}")
        for axis, (old, new) in enumerate(zip(declared, given)):
            if old is not None and isinstance(new, int) and old != new:
                raise ModelImportError(f"the shape given for '{value_info.name}' sets dim {axis} to {new}, but the model declares {old}")
        return tensor_type(element, given)
    if not tensor.HasField("shape"):
        raise ModelImportError(f"graph input '{value_info.name}' has no shape; give one, e.g. --input-shape '{value_info.name}:[batch<=8,...]'")
    dims: list[Dim] = []
    for axis, dim in enumerate(tensor.shape.dim):
        if dim.HasField("dim_value"):
            dims.append(dim.dim_value)
        else:
            dims.append(symbol(symbol_name(dim.dim_param or f"{value_info.name}_d{axis}")))
    return tensor_type(element, dims)


def symbol_name(text: str) -> str:
    """A symbolic dim's name as the IR spells it (an identifier; not a keyword of dim expressions)."""
    name = c_identifier(text, "dim")
    return f"{name}_" if name in ("floordiv", "ceildiv") else name
