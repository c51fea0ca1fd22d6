"""lower-to-loops: every group of nn ops becomes one loop-nest kernel over buffers.

A group is a list of nn ops whose outputs share one shape. Its kernel loops
over that shape once; at each index it asks the output's producer for the
element (`NNOp.emit_element`), and producers inside the group answer by
asking their own operands in turn, so intermediate values never leave
registers (dialects/semantics.py explains the composition and the hoisting).
Each `nn.fused` op (made by the `fuse` pass) is a group; every other op is a group of its own.

Two schedules depart from "one loop per output dim, the reduction inside":
a reduction whose kept axes follow the reduced one accumulates whole output
rows (`row_accumulated`), and a group computing a padded window (conv, pools)
loops the last output axis in pieces (`column_pieces`): the border columns,
whose windows overhang the padding, and the interior, where the index ranges
known at compile time drop every clamp and bounds test of the window's reads.
Each piece has its own loop over the rows.

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

from collections.abc import Callable, Iterable, Mapping, Sequence
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
from dialects.nn import ConstantOp, FusedOp, FusionKind, NNOp, Shape, _ReduceOp, element_type, linear_index, shape_of
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


def row_accumulated(group: Group) -> _ReduceOp | None:
    """The reduction whose kernel accumulates whole output rows in memory, if the group has one.

    A reduction whose reduced axes are followed by kept ones (input [B, S, D],
    axes [1], output [B, D]) is lowered as

        parallel b:                           # the kept axes before the first reduced one
          for d: acc[b, d] = INIT
          for s: for d:                       # the axes from the first reduced one on, in input order
            acc[b, d] = combine(acc[b, d], x[b, s, d])
          for d: out[b, d] = epilogue(finish(acc[b, d]))

    instead of one loop-carried accumulator per output element (b, d, then s
    innermost). What depends only on (b, s) (a gather's index, its range
    check, a mask) is then hoisted out of the d loop, and the innermost loop
    walks the input contiguously. `acc` is the output buffer when the
    reduction is a group output, else a scratch buffer the caller passes
    (`scratch_values`). Reduced axes after the last kept one (input
    [B, S, D, T], axes [1, 3]) stay a loop-carried reduction inside the d
    loop, whose total is then combined into acc[b, d] (INIT is the identity
    of `combine`). The accumulation is in the sequential order of the s loop,
    so it needs no `reassoc`.

    Chosen when the op folds one element at a time (`FOLDS_ELEMENTS`), its
    result has the group's shape, a kept axis of extent other than 1 follows
    its first reduced axis, and every op of the group that depends on it is
    elementwise or broadcast at the group's shape (so reads it at the index
    being computed: the row of another parallel iteration is never read).
    The first such reduction of the group is chosen; others keep the
    per-element form.
    """
    if not group.ops:
        return None
    shape = shape_of(group.outputs[0])
    members = set(group.ops)
    for op in group.ops:
        if not (isinstance(op, _ReduceOp) and op.FOLDS_ELEMENTS and shape_of(op.output) == shape):
            continue
        dims = shape_of(op.input)
        if dims is None or not dims:
            continue
        axes = op.normalized_axes(len(dims))
        if not any(a > axes[0] and a not in axes and dims[a] != 1 for a in range(len(dims))):
            continue
        if all(user.FUSION_KIND in (FusionKind.ELEMENTWISE, FusionKind.BROADCAST) and shape_of(user.output) == shape for user in _dependents(op, members)):
            return op
    return None


def _dependents(op: NNOp, members: set[NNOp]) -> set[NNOp]:
    """The ops of `members` that read `op`'s result, directly or through others."""
    found: set[NNOp] = set()
    pending = [op]
    while pending:
        for use in pending.pop().output.uses:
            user = use.operation
            if user in members and user not in found:
                found.add(user)  # type: ignore[arg-type]
                pending.append(user)  # type: ignore[arg-type]
    return found


def scratch_values(group: Group) -> list[SSAValue]:
    """Values the group's kernel keeps in a scratch buffer its caller passes (after the outputs).

    The row-accumulated reduction's result, when the group does not store it.
    """
    reduction = row_accumulated(group)
    return [reduction.output] if reduction is not None and reduction.output not in group.outputs else []


def build_kernel(
    group: Group,
    name: str,
    buffer_types: Sequence[Attribute] | None = None,
    symbols: Sequence[str] = (),
    at_bounds: Mapping[str, int] | None = None,
) -> func.FuncOp:
    """One private function: loops over the output shape, computes the group's outputs, stores them.

    Its arguments are the buffers it reads, the buffers it writes (typed as
    the caller's, `buffer_types`), the scratch buffers it needs
    (`scratch_values`, sized at the bounds), then the values of the `symbols`
    its sizes depend on. A buffer of a tensor with symbolic dims is flat: the
    kernel computes the linear position from the dims. With `at_bounds`, the
    symbols are constants at their bounds instead (the fusion cost model's view).
    """
    inputs = group.external_inputs()
    scratch = scratch_values(group)
    if buffer_types is None:
        buffer_types = [buffer_type(v, at_bounds or {}) for v in (*inputs, *group.outputs, *scratch)]
    if at_bounds is not None:
        symbols = ()
    kernel = func.FuncOp(name, ([*buffer_types, *[IndexType()] * len(symbols)], []), visibility="private")
    block = kernel.body.block
    for arg, value in zip(block.args, inputs):
        arg.name_hint = value.name_hint
    outputs = block.args[len(inputs) : len(inputs) + len(group.outputs)]
    for number, arg in enumerate(outputs):
        arg.name_hint = f"out{number}" if len(group.outputs) > 1 else "out"
    for arg in block.args[len(inputs) + len(group.outputs) : len(buffer_types)]:
        arg.name_hint = "scratch"
    for arg, symbol in zip(block.args[len(buffer_types) :], symbols):
        arg.name_hint = symbol
    buffers = dict(zip(inputs, block.args))
    buffers.update(zip(scratch, block.args[len(inputs) + len(group.outputs) : len(buffer_types)]))
    members = set(group.ops)
    accumulated: dict[SSAValue, tuple[SSAValue, list[Ix]]] = {}
    """A row-accumulated reduction's result -> its accumulator buffer and the index its epilogue computes."""

    def position(dims: Shape, index: Sequence[Ix]) -> list[Ix]:
        return list(index) if is_static(dims) else [linear_index(index, dims) if index else kb.index(0)]

    def read(kb: KernelBuilder, value: SSAValue, index: Sequence[Ix]) -> Scalar:
        producer = value.owner
        if value in accumulated:
            assert isinstance(producer, _ReduceOp)
            buffer, expected = accumulated[value]
            assert [i.value for i in index] == [i.value for i in expected], "a row-accumulated reduction read at another index"
            dims = shape_of(producer.input) or ()
            count = prod(dims[a] for a in producer.normalized_axes(len(dims)))
            return producer.finish(kb.load(buffer, position(shape_of(value) or (), index), innermost=True), count)
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
    for value in group.outputs:
        if shape_of(value) != shape:
            raise OptFuseError(f"lower-to-loops: group outputs have different shapes ({shape} and {shape_of(value)})")
    reduction = row_accumulated(group)

    def store_outputs(index: list[Ix]) -> None:
        for value, out in zip(group.outputs, outputs):
            element = kb.read(value, index)
            if reduction is not None and value is reduction.output and isinstance(element.value.owner, loop.LoadOp) and element.value.owner.operands[0] is out:
                continue  # the accumulator is this output, and finish left it as it is
            kb.store(element, out, position(shape, index))

    if reduction is not None:
        accumulator = buffers[reduction.output] if reduction.output in buffers else outputs[group.outputs.index(reduction.output)]
        index = _accumulate_rows(kb, reduction, accumulator, position)
        accumulated[reduction.output] = (accumulator, index)
        store_outputs(index)
    elif (pieces := column_pieces(group, shape)) is not None:
        # each piece loops over the rows itself: a border column's innermost loop is then its
        # rows, which unroll-and-jam blocks as it blocks the interior's columns
        outer = kb.parallel_nest(shape[:-2])
        depth = kb.depth
        for first, end in pieces:
            rows = kb.parallel_nest(shape[-2:-1], parallel=depth == 1)
            column = kb.index(first) if end - first == 1 else kb.open_loop(first, end, parallel=kb.depth == 1)
            store_outputs([*outer, *rows, column])
            kb.close(depth)
    else:
        store_outputs(kb.parallel_nest(shape))
    _erase_unused(block)  # index math built and then simplified away (a reshape's divisions, once undone)
    return kernel


def column_pieces(group: Group, shape: Shape) -> list[tuple[int, int]] | None:
    """The output's last axis cut into border and interior pieces, each looped on its own, or None.

    In the interior of a padded window (`interior_columns` of the group's ops
    that compute at the output's index), every bounds test of the window's
    reads is decided at compile time (the index ranges of `KernelBuilder`), so
    its loop reads contiguous input with no clamp or select: a loop clang
    vectorizes. The border columns keep their tests.
    """
    if not shape or not isinstance(last := shape[-1], int):
        return None
    first, end = 0, last
    found = False
    for op in group.ops:
        if shape_of(op.output) != shape or (interior := op.interior_columns()) is None:
            continue
        found = True
        first, end = max(first, interior[0]), min(end, interior[1])
    if not found or first >= end or (first, end) == (0, last):
        return None
    return [piece for piece in ((0, first), (first, end), (end, last)) if piece[1] > piece[0]]


def _erase_unused(block: Block) -> None:
    """Erase loads and arith ops whose results nobody uses, and the loop.for left with an empty body.

    What is left of an epilogue loop with nothing to do (a sum stored in place).
    """
    for op in reversed(list(block.ops)):
        for region in op.regions:
            for inner in region.blocks:
                _erase_unused(inner)
        empty_loop = isinstance(op, loop.ForOp) and not op.results and all(isinstance(o, loop.YieldOp) for o in op.body.block.ops)
        unused = (op.dialect_name() == "arith" or isinstance(op, loop.LoadOp)) and not any(r.uses for r in op.results)
        if empty_loop or unused:
            op.detach()
            op.erase()


def _accumulate_rows(
    kb: KernelBuilder, reduction: _ReduceOp, accumulator: SSAValue, position: Callable[[Shape, Sequence[Ix]], list[Ix]]
) -> list[Ix]:
    """The loops of `row_accumulated`, up to the epilogue's: returns the output index inside them."""
    dims = shape_of(reduction.input)
    shape = shape_of(reduction.output)
    assert dims is not None and shape is not None
    axes = reduction.normalized_axes(len(dims))
    first = axes[0]
    inner_kept = [a for a in range(first, len(dims)) if a not in axes]
    type = element_type(reduction.input)

    def output_index(at: dict[int, Ix]) -> list[Ix]:
        if reduction.keepdims is not None:
            return [kb.index(0) if a in axes else at[a] for a in range(len(dims))]
        return [at[a] for a in range(len(dims)) if a not in axes]

    outer = dict(zip(range(first), kb.parallel_nest(dims[:first])))
    depth = kb.depth
    kept = kb.parallel_nest([dims[a] for a in inner_kept], parallel=False)
    kb.store(kb.const(reduction.INIT, type), accumulator, position(shape, output_index(outer | dict(zip(inner_kept, kept)))))
    kb.close(depth)
    inner = list(range(first, inner_kept[-1] + 1))
    trailing = list(range(inner_kept[-1] + 1, len(dims)))  # reduced axes after the last kept one: in registers
    at = outer | dict(zip(inner, kb.parallel_nest([dims[a] for a in inner], parallel=False)))
    where = position(shape, output_index(at))

    def element(k: list[Ix]) -> Scalar:
        return kb.read(reduction.input, [(at | dict(zip(trailing, k)))[a] for a in range(len(dims))])

    partial = kb.reduce([dims[a] for a in trailing], reduction.INIT, reduction.combine, element, type) if trailing else element([])
    total = reduction.combine(kb.load(accumulator, where, innermost=True), partial)
    kb.place(loop.StoreOp(total.value, accumulator, [i.ssa() for i in where]), innermost=True)
    kb.close(depth)
    kept = kb.parallel_nest([dims[a] for a in inner_kept], parallel=False)
    return output_index(outer | dict(zip(inner_kept, kept)))


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
        arguments += [self._buffer(v) for v in scratch_values(group)]
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
