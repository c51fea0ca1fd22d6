"""lower-to-loops: every group of nn ops becomes one loop-nest kernel over buffers.

A group is a list of nn ops whose outputs share one shape. Its kernel loops
over that shape once; at each index it asks the output's producer for the
element (`NNOp.emit_element`), and producers inside the group answer by
asking their own operands in turn, so intermediate values never leave
registers (dialects/semantics.py explains the composition and the hoisting).
Each `nn.fused` op (made by the `fuse` pass) is a group; every other op is a group of its own.

The function itself becomes the entry point that owns the buffers:

    func.func @model(%x: memref<1x8xf32>, %result: memref<1x8xf32>) {
      %w = memref.get_global @model_const0 : memref<8xf32>
      %t = loop.alloc : memref<1x8xf32>
      func.call @model_k0_add(%x, %w, %t) : (...) -> ()
      func.call @model_k1_relu(%t, %result) : (...) -> ()
      func.return
    }

Inputs stay the caller's buffers and outputs are written in place into the
caller's buffers (appended after the inputs); weights become `memref.global`
constants; splat constants are folded into the code that reads them.

With symbolic dims (dialects/dims.py), the entry takes the symbols' values
first (`%batch: index`), and so does every kernel whose sizes use them. A
tensor with symbolic dims is a flat buffer: `memref<?xf32>` when the caller owns
it, `memref<Nxf32>` sized at the bounds when the entry allocates it. Kernels
loop to sizes computed from the symbols and address such buffers by linear
position, so one library serves every size up to the bounds.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from math import prod

from xdsl.context import Context
from xdsl.dialects import builtin, func, memref
from xdsl.dialects.builtin import IndexType, MemRefType, StringAttr, TensorType, UnitAttr
from xdsl.ir import Attribute, Block, Operation, Region, SSAValue
from xdsl.passes import ModulePass

from compiler.diagnostics import describe_op
from compiler.errors import OptFuseError
from dialects import loop
from dialects.dims import (
    DIM_BOUNDS_ATTR,
    DYNAMIC,
    SymbolicDimError,
    bounds_attr,
    bounds_of,
    dims_of_type,
    is_static,
    symbols_of,
    upper_bound,
)
from dialects.nn import ConstantOp, FusedOp, NNOp, Shape, linear_index, shape_of
from dialects.semantics import Ix, KernelBuilder, Scalar
from passes.shape_infer import ShapeInferPass, check_sizes


def buffer_type(value: SSAValue, bounds: Mapping[str, int] | None = None) -> MemRefType:
    """The buffer of a tensor: its shape when static; with symbolic dims, a flat `memref<?xT>`
    when the caller owns it (`bounds` None), else a flat buffer sized at the bounds."""
    assert isinstance(value.type, TensorType), f"{value.type} has no shape"
    dims = dims_of_type(value.type)
    element = value.type.get_element_type()
    if is_static(dims):
        return MemRefType(element, dims)
    if bounds is None:
        return MemRefType(element, [DYNAMIC])
    return MemRefType(element, [upper_bound(prod(dims), bounds)])


def symbols_used(values: Iterable[SSAValue]) -> list[str]:
    return sorted(symbols_of([d for v in values if (dims := shape_of(v)) is not None for d in dims]))


def _inline_splat(value: SSAValue) -> bool:
    return isinstance(value.owner, ConstantOp) and value.owner.is_splat()


@dataclass
class Group:
    """Ops lowered into one kernel, and the values the kernel must store.

    `outputs` are named as the ops inside see them; `results` are the same
    values as the function sees them (an nn.fused op's results), and
    `arguments` maps the body arguments of an nn.fused op to its operands.
    """

    ops: list[NNOp]
    outputs: list[SSAValue]
    results: list[SSAValue]
    arguments: dict[SSAValue, SSAValue] = field(default_factory=dict[SSAValue, SSAValue])

    @staticmethod
    def of_op(op: NNOp) -> Group:
        return Group([op], [op.output], [op.output])

    @staticmethod
    def of_fused(fused: FusedOp) -> Group:
        ops = [op for op in fused.members() if not isinstance(op, ConstantOp)]
        return Group(ops, list(fused.yielded), list(fused.outputs), dict(zip(fused.body.block.args, fused.inputs)))

    def external_inputs(self) -> list[SSAValue]:
        """Values the group reads but does not compute, in first-use order."""
        inside = set(self.ops)
        seen: dict[SSAValue, None] = {}
        for value in (*(v for op in self.ops for v in op.operands), *self.outputs):
            if value.owner not in inside and not _inline_splat(value):
                seen.setdefault(value)
        return list(seen)

    def kernel_name(self, function_name: str, number: int) -> str:
        kinds = [op.name.removeprefix("nn.") for op in self.ops] or ["copy"]
        return f"{function_name}_k{number}_{'_'.join(kinds[:3])}{'_etc' if len(kinds) > 3 else ''}"


def build_kernel(
    group: Group,
    name: str,
    buffer_types: Sequence[Attribute] | None = None,
    symbols: Sequence[str] = (),
    at_bounds: Mapping[str, int] | None = None,
) -> func.FuncOp:
    """One private function: loops over the output shape, computes the group's outputs, stores them.

    Its arguments are the buffers it reads, the buffers it writes (typed as
    the caller's, `buffer_types`), then the values of the `symbols` its sizes
    depend on. A buffer of a tensor with symbolic dims is flat: the kernel
    computes the linear position from the dims. With `at_bounds`, the symbols
    are constants at their bounds instead (the fusion cost model's view).
    """
    inputs = group.external_inputs()
    if buffer_types is None:
        buffer_types = [buffer_type(v, at_bounds or {}) for v in (*inputs, *group.outputs)]
    if at_bounds is not None:
        symbols = ()
    kernel = func.FuncOp(name, ([*buffer_types, *[IndexType()] * len(symbols)], []), visibility="private")
    block = kernel.body.block
    for arg, value in zip(block.args, inputs):
        arg.name_hint = value.name_hint
    for number, arg in enumerate(block.args[len(inputs) : len(buffer_types)]):
        arg.name_hint = f"out{number}" if len(group.outputs) > 1 else "out"
    for arg, symbol in zip(block.args[len(buffer_types) :], symbols):
        arg.name_hint = symbol
    buffers = dict(zip(inputs, block.args))
    members = set(group.ops)

    def position(dims: Shape, index: Sequence[Ix]) -> list[Ix]:
        return list(index) if is_static(dims) else [linear_index(index, dims) if index else kb.index(0)]

    def read(kb: KernelBuilder, value: SSAValue, index: Sequence[Ix]) -> Scalar:
        producer = value.owner
        if producer in members or _inline_splat(value):
            assert isinstance(producer, NNOp)
            return producer.emit_element(kb, list(index))
        return kb.load(buffers[value], position(shape_of(value) or (), index))

    block.add_op(ret := func.ReturnOp())
    kb = KernelBuilder.at(read, block, ret)
    kb.symbols = dict(zip(symbols, block.args[len(buffer_types) :]))
    for symbol, bound in (at_bounds or {}).items():
        kb.symbols[symbol] = kb.const(bound, IndexType()).value
    shape = shape_of(group.outputs[0])
    assert shape is not None
    index = kb.parallel_nest(shape)
    for value, out in zip(group.outputs, block.args[len(inputs) : len(buffer_types)]):
        if shape_of(value) != shape:
            raise OptFuseError(f"lower-to-loops: group outputs have different shapes ({shape} and {shape_of(value)})")
        kb.store(kb.read(value, index), out, position(shape, index))
    return kernel


@dataclass
class _FunctionLowering:
    """Builds the entry function: buffers, globals, one call per group."""

    function: func.FuncOp
    bounds: dict[str, int] = field(default_factory=dict[str, int])
    symbols: dict[str, SSAValue] = field(default_factory=dict[str, SSAValue])
    """The entry's leading `index` arguments: the runtime values of the symbolic dims."""
    entry: Block = field(default_factory=Block)
    buffers: dict[SSAValue, SSAValue] = field(default_factory=dict[SSAValue, SSAValue])
    globals: list[Operation] = field(default_factory=list[Operation])
    kernels: list[func.FuncOp] = field(default_factory=list[func.FuncOp])

    @property
    def name(self) -> str:
        return self.function.sym_name.data

    def lower(self) -> func.FuncOp:
        returned = self.function.get_return_op()
        assert returned is not None
        self.bounds = bounds_of(self.function.attributes)
        for name in symbols_used(self.function.body.block.args):
            self.symbols[name] = self.entry.insert_arg(IndexType(), len(self.entry.args))
            self.symbols[name].name_hint = name
        for arg in self.function.body.block.args:
            self.buffers[arg] = self.entry.insert_arg(buffer_type(arg), len(self.entry.args))
            self.buffers[arg].name_hint = arg.name_hint
        outputs = self._output_buffers(returned.operands)
        for group in self._groups():
            self._call_kernel(group)
        for value, out in outputs:
            if self.buffers.get(value) is not out:  # an input, a constant or a repeated output: copy it
                self._call_kernel(Group([], [value], [value]), [out])
        self.entry.add_op(func.ReturnOp())
        entry = func.FuncOp(self.name, ([a.type for a in self.entry.args], []), Region(self.entry))
        entry.attributes["loop.entry"] = UnitAttr()
        if self.bounds:
            entry.attributes[DIM_BOUNDS_ATTR] = bounds_attr(self.bounds)
        return entry

    def _output_buffers(self, results: Sequence[SSAValue]) -> list[tuple[SSAValue, SSAValue]]:
        """Caller-owned output buffers; a computed result is written straight into its own."""
        pairs: list[tuple[SSAValue, SSAValue]] = []
        for number, value in enumerate(results):
            out = self.entry.insert_arg(buffer_type(value), len(self.entry.args))
            out.name_hint = "result" if len(results) == 1 else f"result{number}"
            computed = isinstance(value.owner, FusedOp) or (isinstance(value.owner, NNOp) and not isinstance(value.owner, ConstantOp))
            if computed and value not in self.buffers:
                self.buffers[value] = out
            pairs.append((value, out))
        return pairs

    def _groups(self) -> list[Group]:
        groups: list[Group] = []
        for op in self.function.body.block.ops:
            if isinstance(op, FusedOp):
                groups.append(Group.of_fused(op))
            elif isinstance(op, NNOp) and not isinstance(op, ConstantOp):
                groups.append(Group.of_op(op))
            elif not isinstance(op, ConstantOp | func.ReturnOp):
                raise OptFuseError(f"lower-to-loops: {describe_op(op)} cannot be lowered (not an nn op)")
        return groups

    def _buffer(self, value: SSAValue) -> SSAValue:
        """The buffer holding `value`: an argument, a global for a constant, or a new loop.alloc."""
        if value not in self.buffers:
            if isinstance(value.owner, ConstantOp):
                self.buffers[value] = self._global(value.owner)
            else:
                alloc = loop.AllocOp(self._bounded_buffer_type(value))
                self.entry.add_op(alloc)
                self.buffers[value] = alloc.buffer
            self.buffers[value].name_hint = value.name_hint
        return self.buffers[value]

    def _global(self, constant: ConstantOp) -> SSAValue:
        symbol = f"{self.name}_const{len(self.globals)}"
        self.globals.append(
            memref.GlobalOp.get(StringAttr(symbol), buffer_type(constant.output), constant.value, constant=UnitAttr(), alignment=64)
        )
        get = memref.GetGlobalOp(symbol, buffer_type(constant.output))
        self.entry.add_op(get)
        return get.memref

    def _bounded_buffer_type(self, value: SSAValue) -> MemRefType:
        try:
            return buffer_type(value, self.bounds)
        except SymbolicDimError as error:
            where = describe_op(value.owner) if isinstance(value.owner, Operation) else f"@{self.name}"
            raise OptFuseError(f"lower-to-loops: {where}: {error}; give it with --dim-bound NAME=N") from error

    def _call_kernel(self, group: Group, outputs: Sequence[SSAValue] | None = None) -> None:
        arguments = [self._buffer(group.arguments.get(v, v)) for v in group.external_inputs()]
        arguments += outputs if outputs is not None else [self._buffer(v) for v in group.results]
        symbols = symbols_used(_values_of(group))
        try:
            kernel = build_kernel(group, group.kernel_name(self.name, len(self.kernels)), [a.type for a in arguments], symbols)
        except SymbolicDimError as error:
            op = group.ops[0] if group.ops else None
            raise OptFuseError(f"lower-to-loops: {describe_op(op) if op else 'a copy'}: {error}") from error
        self.kernels.append(kernel)
        self.entry.add_op(func.CallOp(kernel.sym_name.data, [*arguments, *(self.symbols[s] for s in symbols)], []))


def _values_of(group: Group) -> list[SSAValue]:
    """Every tensor the group's kernel touches, whose dims may name symbols."""
    return [*(v for op in group.ops for v in (*op.operands, *op.results)), *group.outputs]


def needs_shape_inference(module: builtin.ModuleOp) -> bool:
    return any(isinstance(op, NNOp) and shape_of(op.output) is None for op in module.walk())


@dataclass(frozen=True)
class LowerToLoopsPass(ModulePass):
    """Lowers each function of nn ops to an entry function calling one loop-nest kernel per group.

    Runs shape-infer first if any shape is still unknown.
    """

    name = "lower-to-loops"

    def apply(self, ctx: Context, op: builtin.ModuleOp) -> None:
        if needs_shape_inference(op):
            ShapeInferPass().apply(ctx, op)
        for function in [f for f in op.ops if isinstance(f, func.FuncOp) and _works_on_tensors(f)]:
            check_sizes(function, self.name)  # IR whose shapes were written, not inferred, has not been checked yet
            lowering = _FunctionLowering(function)
            entry = lowering.lower()
            block = op.body.block
            for new_op in (*lowering.globals, *lowering.kernels, entry):
                block.insert_op_before(new_op, function)
            function.detach()
            function.erase()


def _works_on_tensors(function: func.FuncOp) -> bool:
    """A function at the nn level: it has a body and tensors in its signature."""
    signature = (*function.function_type.inputs.data, *function.function_type.outputs.data)
    return not function.is_declaration and any(isinstance(t, TensorType) for t in signature)
