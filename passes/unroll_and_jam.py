"""unroll-and-jam: compute neighbouring outputs per iteration, their reductions jammed into one nest.

    opt-fuse model.mlir -p 'lower-to-loops,unroll-and-jam{factor=16 outer-factor=4}'

lower-to-loops computes each output element with its own reduction nest
(`loop.for` carrying the accumulator), innermost, under the output loops: one
scalar add chain per element, bound by the FP-add latency, with tiny trip counts
(a conv's kw). This pass takes an innermost output loop (a `loop.for` without
loop-carried values, or a `loop.parallel`) whose body holds reduction nests,
steps it by `factor`, and computes the lanes i, i+1, ..., i+factor-1 in one
iteration: each reduction nest becomes ONE nest carrying `factor` times the
accumulators, each lane's body computed in the same reduction iteration, and
the lanes' epilogues and stores follow it:

    loop.for %ow = %c0 to %c56 step %c1 {            loop.for %ow = %c0 to %c56 step %c8 {
      %s = loop.for %k = ... iter_args(%a = %z) {      %ow1 = arith.addi %ow, %c1 ...
        %x = loop.load %in[%k, %ow]            ->      %s:8 = loop.for %k = ... iter_args(%a0 = %z, ..., %a7 = %z) {
        %w = loop.load %wt[%k]                           %w = loop.load %wt[%k]       (once: it is the same for every lane)
        ...                                              %x0 = loop.load %in[%k, %ow]  ...  %x7 = loop.load %in[%k, %ow7]
      }                                                  ...
      loop.store %s, %out[%ow]                         }
    }                                                  loop.store %s#0, %out[%ow] ... loop.store %s#7, %out[%ow7]
                                                     }

The lanes are independent chains that the CPU overlaps. An op whose operands
are the same in every lane (a weight that does not depend on the output loop's
index, or index math of the reduction) is emitted once.

With `vectors` (the default), the `factor` lanes are the elements of vectors,
so the vector registers are chosen here, not left to clang's SLP vectorizer
(which packed the lanes only in part: a 1x1 conv ran mostly scalar FMAs):

    loop.for %ow = %c0 to %c56 step %c8 {
      %s = loop.for %k = ... iter_args(%a = %zero8) -> (vector<8xf32>) {
        %x = loop.vector_load %in[%k, %ow] : memref<64x56xf32>, vector<8xf32>
        %w = loop.load %wt[%k] : memref<64xf32>
        %wv = vector.broadcast %w : f32 to vector<8xf32>
        %p = arith.mulf %x, %wv fastmath<contract> : vector<8xf32>
        %n = arith.addf %a, %p fastmath<contract> : vector<8xf32>
        loop.yield %n : vector<8xf32>
      }
      loop.vector_store %s, %out[%ow] : memref<56xf32>, vector<8xf32>
    }

A load or store whose lanes are side by side (its last index is the output
index plus lane-invariant terms, the others lane-invariant, the loop stepping
by one) is one vector load or store at lane 0's index; a load whose last index
is twice the output index plus such terms (a stride-2 pool's window column) is
one `loop.strided_vector_load ... stride 2` (two vector loads and a shuffle in
LLVM IR); a value the same in every lane is broadcast where a vector needs it; an op on float or integer
values whose verifier accepts vectors (arith's and math's elementwise ops) is
one op on vectors; so is a float compare, a select and a float <-> integer
conversion, as the loop dialect's `loop.vector_cmpf`, `loop.vector_select` and
`loop.vector_cast` (xDSL's `arith` versions take scalars only); accumulators are
vectors. Everything else (index math, a strided load or store) is copied lane
by lane, on elements taken out with `vector.extract` and put back with
`vector.insert`. The numbers are the same as the scalar jam's: each
element is the same scalar computation in the same order. When the output
loop's trip count is not a constant multiple of `factor` (or not a constant),
the original loop stays as a remainder loop starting where the stepped one
ends; a constant remainder of r > 1 iterations is itself jammed by r (with
`vectors`, by powers of two: 26 lanes as 16, 8 and 2).

Then, with `outer-factor`, a loop around each jammed loop is stepped the same
way (a conv's output channel, a matmul's row), through the loops in its body:
the one whose lanes share the most of the jammed loop's vector loads (the
nearest, of equals; a matmul's rows share b's rows, a conv's channels its
input rows, while its output rows would share only scalar weights). Every
loop nested in it (the jammed loop, its remainder, a padded conv's border
columns) becomes one loop computing every outer lane, and each
reduction carries `factor` x `outer-factor` accumulators. A load the same for
every outer lane (the input row of a conv, shared by its output channels) is
emitted once: this is register blocking. Ops are copied outer lane by outer
lane, each lane's run of inner lanes kept together, the order the SLP
vectorizer packs.

A loop whose lanes sum alike (no load in its reductions differs from lane to
lane: a conv whose weight is one value, as onnx's light models ship them,
inlined by lower-to-loops) is jammed all the same, and every lane's op being the
same, each is emitted once: the work of one output for all the lanes, the one sum
stored to each. But it makes no accumulators. So when the outer lanes are such a
loop's, the loops inside it whose lanes do differ (a conv's rows) are jammed by
`outer-factor` as well (`_lanes_sum_alike`); and such a conv's channels are taken
as the vector lanes with nothing to pack (below), computed once for `factor` channels.
Without them, resnet50 with its shipped weights ran 3.4x onnxruntime's time (its
reductions one chain of adds per column; a stride-2 1x1 conv, left to clang,
43 ms); with them, 0.5x.

Which loops, and why it is safe (checked on the IR, whatever ops the kernel came from):
- the loop carries no values and has a constant positive step; a constant trip
  count below the factor (resnet's 7-wide maps under factor 8) makes the factor
  the trip count, and a trip count of 1 leaves the loop alone;
- every loop nested in a reduction nest is a `loop.for` with loop-carried
  values (a reduction), and every other nested loop carries none; none of their
  bounds and steps depends on the output loop's index (so the lanes' nests have
  the same iteration space and can be jammed); reductions hold no stores;
- every store's index depends on the output loop's index: each iteration
  writes elements of its own (as every output nest of lower-to-loops), so the
  lanes' stores may be reordered;
- no buffer stored in the loop is also loaded in it, nor passed by any caller of
  the kernel as another argument it loads (the jammed order moves later lanes'
  loads before earlier lanes' stores);
- nothing else with side effects (or regions) is in the body.

And one rule for speed, on the innermost loop: every load in its reductions
that differs from lane to lane reads the lanes' elements side by side (its last
index is the output index plus lane-invariant terms) or, with `vectors`, every
other one (`_MOST_LANE_STRIDE`: stride-2 pools, 0.38-0.99x the time of the code
clang made of them; shufflenet's depthwise stride-2 convs and pools, 0.91x the
whole model's time; such a loop takes no outer lanes, `_sharing_loop`). Other strided lanes (the rows of a transposed Gemm
weight, a stride-4 conv's input) would be gathered one by one; such a loop is
not jammed this way (a transposed Gemm is then left to clang's loop vectorizer,
which vectorizes each reduction along its own contiguous index: 3.3x faster
than jammed).

First, though, a strided loop's lanes become an enclosing loop's, when its
lanes read side by side once constant arguments are packed (measured on a
stride-2 stem conv over 3 channels: its columns as strided vector loads took
1.15x the channels' time): a stride-2 conv's output channels read the
weight [M, C, kh, kw] along M, so the weight is stored as [C, kh, kw, M] (a new
`memref.global`, transposed with numpy at compile time, passed by every call
of the kernel; the kernel's loads permute their indices). That loop is jammed
by `factor` (the vector lanes: 16 channels' weights in one vector, the input
element shared by all of them), then the strided loops inside it by
`outer-factor` (each weight vector shared by that many output columns; a
7-wide row as 4 + 3 columns, not 4 and three single ones).
Packing needs the argument to be the same constant global at every call, read
by loads only, with the lane in one dim of every load; a loop whose lanes sum
alike needs no packing (its lanes read nothing that differs); otherwise the strided
loop is left alone. With `vectors`, a conv whose columns do read side by side
takes the channels as its lanes too, when they fill a vector (at least `factor`
channels): a padded conv's border columns are then vectors as well, and a short
row (14 columns) leaves no lane idle. Except when its reduction is short and its
image large (a 1x1 conv over few input channels, `_collapse_short_reductions`):
its output vectors' lane-by-lane stores would cost as much as the reduction, so
its rows and columns become one loop whose lanes are the columns. The channels
are the outermost lanes (the conv's input is streamed once per `factor`
channels). Once jammed, the packed weight is blocked by the vector width,
[M / factor, C, kh, kw, factor] (a second global, `_b<factor>`), when every
vector load of it provably reads within one block: each group of channels then
reads its weights in one contiguous stretch (a 512-channel conv: 2.7x faster).

A grouped conv's channel m reads its group's input channels, from
m // (M / groups). Lanes of one vector share that input element when they lie
in one group: when the divisor is a multiple of the lane count and the loop
starts at a multiple of it, stepping by one, the quotient is the same in every
lane (computed once, from lane 0's index; alexnet's groups of 128 channels).
When the divisor is not such a multiple but is at least the lane count (a
group of 68 channels, shufflenet's), the loop is first split at it: a loop
over the quotient around a `loop.for` over the remainder, n = q * 68 + r, the
divisions replaced by q and r; the channels of each group are then lanes
(32 + 32 + 4). The threads then share out the groups, not channel blocks.

A loop that fails any of these is left untouched. Reassociation is not needed:
each lane keeps its own accumulator and its own order of summation, so the
results are those of the unjammed loops summed in order. The jammed nest's
accumulating ops lose their `reassoc` flag on purpose (they keep `contract`,
an FMA): with it, clang's loop vectorizer vectorizes the reduction loop
(gathers along a strided k); without it, the SLP vectorizer packs the lanes
into vector registers (on conv-bn-clip and matmul-bias-gelu, ~10x faster than
with the flag).

Loops that stream through memory, with `vectors` and `stream-factor` lanes (several
registers' worth, so that each iteration computes independent vectors whose long
dependent chains overlap; clang's loop vectorizer keeps one vector in flight):
- an innermost loop with no reductions whose accesses that differ from lane to
  lane all read or write side by side and whose ops can all be ops on vectors
  (`elementwise_loop`: an elementwise kernel's) is jammed like an output loop.
  When it and the loop around it walk the last two dims of every buffer they
  access, the two become one loop first (`collapse_rows`: 56 rows of 56 columns
  are 3136 elements, 49 vectors of 64, where a row would be 32 + 16 + 8 lanes).
  The sigmoid-tanh chain of benchmarks/fusion.py: 2.9x faster.
- a reduction along consecutive elements whose every carried value is folded in
  by a `reassoc` add, mul, maximumf or minimumf (`vector_reduction`: a softmax's
  max and sum, a ReduceMean) carries a vector of partial results, one chain per
  lane, and `vector.reduction` folds them with the initial value after the loop
  (the order of its terms is free, as `reassoc` says). A running max was one
  chain of a compare and a select per element (softmax: 2.8x faster).

Runs on kernels (functions without `loop.entry`), so it is independent of
`plan-memory`, which plans the entry function's buffers; the default pipeline
runs it after lower-to-loops and approximate-math (whose polynomials are then
computed on vectors). `factor=1 stream-factor=1` leaves everything as it is.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np
from xdsl.context import Context
from xdsl.dialects import arith, builtin, func, memref, vector
from xdsl.dialects.builtin import (
    BytesAttr,
    DenseIntOrFPElementsAttr,
    FunctionType,
    IndexType,
    AnyFloat,
    IntegerAttr,
    IntegerType,
    MemRefType,
    StringAttr,
    TensorType,
    UnitAttr,
    VectorType,
    i1,
)
from xdsl.ir import Attribute, Block, Operation, SSAValue, Use
from xdsl.passes import ModulePass
from xdsl.rewriter import InsertPoint, Rewriter
from xdsl.traits import is_side_effect_free
from xdsl.transforms.dead_code_elimination import region_dce

from dialects import loop
from dialects.dtypes import numpy_dtype
from passes.plan_memory import ENTRY_ATTR

OutputLoop = loop.ForOp | loop.ParallelOp


def _is_reduction(op: Operation) -> bool:
    return isinstance(op, loop.ForOp) and len(op.inits) > 0


def _lane_variant(output: OutputLoop, width: int) -> set[SSAValue]:
    """Values in the output loop's body that may differ from lane to lane, with `width` lanes (conservatively).

    The output loop's index is; so is every result of an op with a variant operand, every
    loop-carried value (an accumulator), and every result of a loop using a variant value.
    The index of a nested loop is not (its bounds are checked to be invariant), nor a
    quotient the same in every lane (`_same_quotient`).
    """
    variant: set[SSAValue] = {output.induction_var}

    def visit(block: Block) -> None:
        for op in block.ops:
            for region in op.regions:
                for inner in region.blocks:
                    variant.update(inner.args[1:])
                    visit(inner)
            if any(v in variant for v in loop.values_used_inside(op)) and not _same_quotient(op, output, width):
                variant.update(op.results)

    visit(output.body.block)
    return variant


_QUOTIENTS = (arith.DivUIOp, arith.DivSIOp, arith.FloorDivSIOp)
_REMAINDERS = (arith.RemUIOp, arith.RemSIOp)


def _same_quotient(op: Operation, output: OutputLoop, width: int) -> bool:
    """`op` divides `output`'s index by a constant multiple of `width`, and `output` starts at a
    multiple of `width` (not negative) and steps by one: every `width` consecutive lanes then lie
    within one multiple of the divisor, and share the quotient. A grouped conv's group,
    m // (M / groups), is one for the 32 channels of each group of 128.
    """
    if not isinstance(op, _QUOTIENTS) or op.operands[0] is not output.induction_var:
        return False
    divisor, lower = loop.constant_index(op.operands[1]), loop.constant_index(output.lower_bound)
    return (
        divisor is not None and divisor > 0 and divisor % width == 0
        and lower is not None and lower >= 0 and lower % width == 0
        and loop.constant_index(output.step) == 1
    )  # fmt: skip


def _divisions(output: OutputLoop) -> list[Operation]:
    """The quotients and remainders of `output`'s index itself by a constant."""
    return [
        use.operation
        for use in output.induction_var.uses
        if isinstance(use.operation, _QUOTIENTS + _REMAINDERS) and use.index == 0 and loop.constant_index(use.operation.operands[1]) is not None
    ]


def _misaligned_divisor(output: OutputLoop, width: int) -> int | None:
    """The one constant `output`'s index is divided by, when `_same_quotient` cannot share it between
    `width` lanes (it is not a multiple of `width`) but a loop of its size fills them: the loop runs
    from 0 by one to a multiple of it."""
    divisors = {loop.constant_index(op.operands[1]) for op in _divisions(output)}
    if len(divisors) != 1:
        return None
    divisor = divisors.pop()
    upper = loop.constant_index(output.upper_bound)
    if divisor is None or divisor < width or divisor % width == 0 or upper is None or upper % divisor or upper == divisor:
        return None
    return divisor if loop.constant_index(output.lower_bound) == 0 and loop.constant_index(output.step) == 1 else None


def _split_at_divisor(output: OutputLoop, divisor: int) -> None:
    """Replace `output` (0 to n by one, n a multiple of `divisor`) by a loop over the quotient
    around a `loop.for` over the remainder; divisions of the index by `divisor` become those indices.

    A grouped conv whose groups have 68 channels (shufflenet's) then has a loop over each group's
    channels, which takes vector lanes (32 + 32 + 4) sharing their group's input.
    """
    upper = loop.constant_index(output.upper_bound)
    assert upper is not None
    zero, one, size = (_index_constant(v, output) for v in (0, 1, divisor))
    outer = type(output)(zero, _index_constant(upper // divisor, output), one)
    inner = loop.ForOp(zero, size, one)
    overflow = arith.IntegerOverflowAttr([arith.IntegerOverflowFlag.NSW, arith.IntegerOverflowFlag.NUW])
    base = arith.MuliOp(outer.induction_var, size, overflow=overflow)
    index = arith.AddiOp(base.result, inner.induction_var, overflow=overflow)
    index.result.name_hint = output.induction_var.name_hint
    outer.body.block.insert_ops_before([base, inner], outer.body.block.last_op)  # type: ignore[arg-type]
    inner_end = inner.body.block.last_op
    assert inner_end is not None
    inner.body.block.insert_op_before(index, inner_end)
    for division in _divisions(output):
        division.results[0].replace_all_uses_with(outer.induction_var if isinstance(division, _QUOTIENTS) else inner.induction_var)
        division.detach()
        division.erase()
    output.induction_var.replace_all_uses_with(index.result)
    for op in list(output.body.block.ops)[:-1]:
        op.detach()
        inner.body.block.insert_op_before(op, inner_end)
    parent = output.parent_block()
    assert parent is not None
    parent.insert_op_before(outer, output)
    output.detach()
    output.erase()


def _only_loads_and_pure(op: Operation) -> bool:
    """`op` and everything in it only loads or computes (nested loops being reductions)."""
    for nested in op.walk():
        if nested is op and _is_reduction(op):
            continue
        if isinstance(nested, (*loop.LOADS, loop.YieldOp)) or _is_reduction(nested):
            continue
        if nested.regions or not is_side_effect_free(nested):
            return False
    return True


def _buffers(op: Operation, kinds: tuple[type[Operation], ...]) -> set[SSAValue]:
    return {nested.buffer for nested in op.walk() if isinstance(nested, kinds)}  # type: ignore[attr-defined]


def kernels_and_calls(module: builtin.ModuleOp) -> list[tuple[func.FuncOp, list[func.CallOp]]]:
    """Each kernel of `module` (a defined function without `loop.entry`) with the calls of it."""
    calls = calls_by_callee(module)
    return [
        (function, calls.get(function.sym_name.data, []))
        for function in list(module.ops)
        if isinstance(function, func.FuncOp) and not function.is_declaration and ENTRY_ATTR not in function.attributes
    ]


def calls_by_callee(module: builtin.ModuleOp) -> dict[str, list[func.CallOp]]:
    calls: dict[str, list[func.CallOp]] = {}
    for call in module.walk():
        if isinstance(call, func.CallOp):
            calls.setdefault(call.callee.root_reference.data, []).append(call)
    return calls


def _callers_keep_apart(function: func.FuncOp, stored: set[SSAValue], loaded: set[SSAValue], calls: Sequence[func.CallOp]) -> bool:
    """None of `calls` (the calls of `function`) passes one buffer both as a stored and as a loaded argument."""
    args = list(function.body.block.args)
    stored_at = [args.index(v) for v in stored if v in args]
    loaded_at = [args.index(v) for v in loaded if v in args]
    if not stored_at:
        return True
    for call in calls:
        operands = list(call.arguments)
        for s in stored_at:
            if any(operands[s] is operands[other] for other in (*loaded_at, *(t for t in stored_at if t != s))):
                return False
    return True


def _invariant_bounds(nested: Operation, variant: set[SSAValue]) -> bool:
    assert isinstance(nested, OutputLoop)
    return not any(b in variant for b in (nested.lower_bound, nested.upper_bound, nested.step))


def _jammable_block(block: Block, variant: set[SSAValue]) -> bool:
    """The ops of one block of an output loop can be jammed (module docstring), nested output loops included."""
    for op in list(block.ops)[:-1]:
        if _is_reduction(op):
            if not _only_loads_and_pure(op):
                return False
            for nested in op.walk():
                if isinstance(nested, OutputLoop) and (not _is_reduction(nested) or not _invariant_bounds(nested, variant)):
                    return False
        elif isinstance(op, OutputLoop):
            if op.carried_args or not _invariant_bounds(op, variant) or not _jammable_block(op.body.block, variant):
                return False
        elif op.regions:
            return False
        elif isinstance(op, loop.STORES):
            if not any(i in variant for i in op.indices):
                return False  # every lane would store to the same element
        elif not (isinstance(op, loop.LOADS) or is_side_effect_free(op)):
            return False
    return True


def can_jam(
    output: Operation,
    factor: int,
    function: func.FuncOp,
    calls: Sequence[func.CallOp],
    innermost: bool = True,
    contiguous: bool = True,
    most_stride: int = 1,
) -> bool:
    """Whether `output` is an output loop this pass may unroll and jam (module docstring).

    With `innermost`, only a loop whose body holds reductions and no other loop; with
    `contiguous`, whose reductions' lanes read side by side, or at most `most_stride` apart.
    """
    if not isinstance(output, OutputLoop) or output.carried_args:
        return False
    step = loop.constant_index(output.step)
    if step is None or step <= 0:
        return False
    trips = output.trip_count()
    if trips is not None and trips < 2:
        return False
    body = list(output.body.block.ops)[:-1]
    if innermost and not _holds_reductions(output):
        return False
    if innermost and any(isinstance(op, OutputLoop) and not _is_reduction(op) for op in body):
        return False
    variant = _lane_variant(output, factor)
    if not _jammable_block(output.body.block, variant):
        return False
    if innermost and contiguous and not _lanes_read_contiguously(output, variant, most_stride):
        return False
    stored = _buffers(output, loop.STORES)
    loaded = _buffers(output, loop.LOADS)
    if stored & loaded:
        return False
    return _callers_keep_apart(function, stored, loaded, calls)


_MOST_LANE_STRIDE = 2
"""The widest stride between the elements that neighbouring lanes load that is still read as
a vector (`loop.strided_vector_load`: `stride` vector loads and shuffles per vector). A stride-2
pool's or depthwise conv's columns take two loads and one shuffle per vector; a wider stride
costs more shuffles than the lanes' scalar loads save."""


def _lane_stride(index: SSAValue, iv: SSAValue, variant: set[SSAValue]) -> int | None:
    """How far apart neighbouring lanes' values of `index` are, when it is the output loop's
    index times constants plus values the same in every lane (1: consecutive), as far as
    adds, subtractions and multiplications by constants show; None otherwise."""
    if index is iv:
        return 1
    owner = index.owner
    if isinstance(owner, arith.AddiOp | arith.SubiOp):
        lhs, rhs = owner.lhs, owner.rhs
        if rhs not in variant:
            return _lane_stride(lhs, iv, variant)
        if lhs not in variant and isinstance(owner, arith.AddiOp):
            return _lane_stride(rhs, iv, variant)
    if isinstance(owner, arith.MuliOp):
        for scale, other in ((owner.rhs, owner.lhs), (owner.lhs, owner.rhs)):
            constant = loop.constant_index(scale)
            if constant is not None and (stride := _lane_stride(other, iv, variant)) is not None:
                return constant * stride
    return None


def _steps_by_one(index: SSAValue, iv: SSAValue, variant: set[SSAValue]) -> bool:
    """`index` is the output loop's index plus values the same in every lane (so the lanes'
    indices are consecutive)."""
    return _lane_stride(index, iv, variant) == 1


def _lanes_read_contiguously(output: OutputLoop, variant: set[SSAValue], most_stride: int = 1) -> bool:
    """Every load in the body's reductions that differs from lane to lane reads the lanes'
    elements side by side (its last index steps by one with the lane), or at most
    `most_stride` apart (then a `loop.strided_vector_load`).

    What makes the jam pay: the SLP vectorizer loads such lanes as one vector. A
    load with strided lanes (a strided conv's input, a transposed weight's rows)
    would be gathered element by element; the loop is better left to the loop
    vectorizer, which vectorizes each reduction along its own contiguous index.
    """
    loads = [
        nested
        for op in output.body.block.ops
        if _is_reduction(op)
        for nested in op.walk()
        if isinstance(nested, loop.LoadOp) and nested.results[0] in variant
    ]
    iv = output.induction_var
    return all(
        load.indices and (1 <= (_lane_stride(load.indices[-1], iv, variant) or 0) <= most_stride or _row_and_column(load, iv)) for load in loads
    )


def _channel_loop(
    inner: OutputLoop, function: func.FuncOp, calls: Sequence[func.CallOp], module: builtin.ModuleOp, factor: int
) -> tuple[OutputLoop, dict[int, int]] | None:
    """The nearest loop around `inner` whose lanes read side by side once some constant
    arguments are packed, with those packings (argument number -> the dim to move last)."""
    parent = inner.parent_op()
    while isinstance(parent, OutputLoop):
        if parent.trip_count() != 1 and can_jam(parent, factor, function, calls, innermost=False):
            packing = _packing_for(parent, factor, function, calls, module)
            if packing is not None:
                return parent, packing
        parent = parent.parent_op()
    return None


def _packing_for(
    output: OutputLoop, factor: int, function: func.FuncOp, calls: Sequence[func.CallOp], module: builtin.ModuleOp
) -> dict[int, int] | None:
    """For every lane-variant load in the reductions inside `output` (`factor` lanes): it reads side
    by side, or it reads a constant argument with the lane in one dim (then: that argument -> that dim)."""
    variant = _lane_variant(output, factor)
    args = list(function.body.block.args)
    packing: dict[int, int] = {}
    for nested in output.walk():
        if not isinstance(nested, loop.LoadOp) or nested.results[0] not in variant or not _inside_reduction(nested, output):
            continue
        indices = list(nested.indices)
        if indices and _steps_by_one(indices[-1], output.induction_var, variant):
            continue
        lane_dims = [d for d, i in enumerate(indices) if i in variant]
        if len(lane_dims) != 1 or not _steps_by_one(indices[lane_dims[0]], output.induction_var, variant):
            return None
        if nested.buffer not in args or _constant_global(function, args.index(nested.buffer), calls, module) is None:
            return None
        if packing.setdefault(args.index(nested.buffer), lane_dims[0]) != lane_dims[0]:
            return None
    return packing if packing or _lanes_sum_alike(output, variant) else None


def _inside_reduction(op: Operation, output: Operation) -> bool:
    parent = op.parent_op()
    while parent is not None and parent is not output:
        if _is_reduction(parent):
            return True
        parent = parent.parent_op()
    return False


def _constant_global(
    function: func.FuncOp, argument: int, calls: Sequence[func.CallOp], module: builtin.ModuleOp, loads: tuple[type[Operation], ...] = (loop.LoadOp,)
) -> memref.GlobalOp | None:
    """The constant global every call passes as `argument`, when the kernel only reads it with `loads`."""
    arg = function.body.block.args[argument]
    if not calls or not isinstance(arg.type, MemRefType) or not arg.type.has_static_shape():
        return None
    if any(not isinstance(use.operation, loads) or use.index != 0 for use in arg.uses):
        return None
    symbols = set()
    for call in calls:
        owner = call.arguments[argument].owner
        if not isinstance(owner, memref.GetGlobalOp):
            return None
        symbols.add(owner.name_.root_reference.data)
    if len(symbols) != 1:
        return None
    symbol = symbols.pop()
    found = next((g for g in module.ops if isinstance(g, memref.GlobalOp) and g.sym_name.data == symbol), None)
    if found is None or found.constant is None or not isinstance(found.initial_value, DenseIntOrFPElementsAttr):
        return None
    count = int(np.prod(arg.type.get_shape()))
    if len(found.initial_value.data.data) != count * numpy_dtype(arg.type.element_type).itemsize:
        return None  # a splat: nothing to pack
    return found


def _pack_constant(function: func.FuncOp, argument: int, dim: int, calls: Sequence[func.CallOp], module: builtin.ModuleOp) -> None:
    """Store the constant passed as `argument` with `dim` moved last, and read it so: the loads
    permute their indices the same way."""
    shape = list(function.body.block.args[argument].type.get_shape())  # type: ignore[attr-defined]
    perm = [d for d in range(len(shape)) if d != dim] + [dim]

    def read(load: Operation, packed: SSAValue) -> None:
        indices = list(load.indices)  # type: ignore[attr-defined]
        load.operands = [packed, *(indices[d] for d in perm)]

    suffix = "_packed" + ("" if perm == [1, 2, 3, 0] else "_" + "".join(map(str, perm)))
    _replace_constant(function, argument, suffix, lambda data: data.transpose(perm), read, calls, module)


def _block_lanes(function: func.FuncOp, argument: int, block: int, calls: Sequence[func.CallOp], module: builtin.ModuleOp) -> None:
    """Store a constant [..., M] read by reductions as [ceil(M / block), ..., block] (`block` a
    power of two), when every vector load of it reads within one block: each group of `block`
    lanes then reads its part from one contiguous stretch (a 512-channel 3x3 conv's 32 channels
    read their packed weights, 590 KB, in order, instead of 128 bytes every 2 KB across 9 MB: 2.7x
    faster, from the TLB and the prefetchers; a matmul's constant [K, N] is read as [N / block,
    K, block]). An M that is not a multiple of `block` (a 1000-class head) is padded with zeros
    that no load reads: the last block is partly empty.

    A vector load of `w` lanes at index m reads within one block when w divides `block` and m
    is a multiple of w: m is the index of a loop stepping by a multiple of w from one.
    """
    arg = function.body.block.args[argument]
    assert isinstance(arg.type, MemRefType)
    shape = list(arg.type.get_shape())
    if len(shape) < 2 or shape[-1] <= block or _constant_global(function, argument, calls, module, loop.LOADS) is None:
        return
    for use in arg.uses:
        if isinstance(use.operation, loop.StridedVectorLoadOp):
            return
        if isinstance(use.operation, loop.VectorLoadOp):
            width = use.operation.result.type.get_shape()[0]
            if block % width or not _multiple_of(use.operation.indices[-1], width):
                return
    rank, blocks = len(shape), -(-shape[-1] // block)

    def blocked(data: np.ndarray) -> np.ndarray:
        padded = np.pad(data, [(0, 0)] * (rank - 1) + [(0, blocks * block - shape[-1])])
        split = padded.reshape(*shape[:-1], blocks, block)
        return split.transpose(rank - 1, *range(rank - 1), rank)

    def read(load: Operation, packed: SSAValue) -> None:
        *rest, lane = load.indices  # type: ignore[attr-defined]
        # block is a power of two: a shift and a mask (arith's divisions are not side-effect free in xDSL)
        shift, mask = _index_constant(block.bit_length() - 1, load), _index_constant(block - 1, load)
        outer, inner = arith.ShRUIOp(lane, shift), arith.AndIOp(lane, mask)
        load.parent_block().insert_ops_before([outer, inner], load)  # type: ignore[union-attr]
        load.operands = [packed, outer.result, *rest, inner.result]

    _replace_constant(function, argument, f"_b{block}", blocked, read, calls, module)


def _multiple_of(index: SSAValue, width: int) -> bool:
    """`index` is the index of a loop starting at a constant multiple of `width` and stepping by one."""
    owner = index.owner
    if not isinstance(owner, Block) or not isinstance(loop_op := owner.parent_op(), OutputLoop) or index is not loop_op.induction_var:
        return False
    lower, step = loop.constant_index(loop_op.lower_bound), loop.constant_index(loop_op.step)
    return lower is not None and step is not None and lower % width == 0 and step % width == 0


def _replace_constant(
    function: func.FuncOp,
    argument: int,
    suffix: str,
    transform: Callable[[np.ndarray], np.ndarray],
    read: Callable[[Operation, SSAValue], None],
    calls: Sequence[func.CallOp],
    module: builtin.ModuleOp,
) -> None:
    """Pass `transform` of the constant passed as `argument` instead, and `read` each load of it so.

    A new global (named with `suffix`) holds the transformed data (numpy, at compile
    time: weights are constants); every call passes it. The old global goes when
    nothing else refers to it; a kernel sharing it finds the new one already there.
    """
    old = _constant_global(function, argument, calls, module, loop.LOADS)
    assert old is not None and isinstance(old.initial_value, DenseIntOrFPElementsAttr)
    block = function.body.block
    arg = block.args[argument]
    assert isinstance(arg.type, MemRefType)
    element = arg.type.element_type
    data = np.frombuffer(old.initial_value.data.data, dtype=numpy_dtype(element)).reshape(arg.type.get_shape())
    data = np.ascontiguousarray(transform(data))
    packed_type = MemRefType(element, data.shape)
    symbol = old.sym_name.data + suffix
    if not any(isinstance(g, memref.GlobalOp) and g.sym_name.data == symbol for g in module.ops):
        value = DenseIntOrFPElementsAttr(TensorType(element, data.shape), BytesAttr(data.tobytes()))
        module.body.block.insert_op_after(memref.GlobalOp.get(StringAttr(symbol), packed_type, value, constant=UnitAttr(), alignment=64), old)
    for call in calls:
        previous = call.arguments[argument].owner
        get = memref.GetGlobalOp(symbol, packed_type)
        call.parent_block().insert_op_before(get, call)
        operands = list(call.operands)
        operands[argument] = get.memref
        call.operands = operands
        if isinstance(previous, memref.GetGlobalOp) and not previous.memref.uses:
            previous.detach()
            previous.erase()
    packed = block.insert_arg(packed_type, argument)
    packed.name_hint = arg.name_hint
    for use in list(arg.uses):
        read(use.operation, packed)
    block.erase_arg(arg)
    function.function_type = FunctionType.from_lists([a.type for a in block.args], list(function.function_type.outputs.data))
    still_used = any(isinstance(o, memref.GetGlobalOp) and o.name_.root_reference.data == old.sym_name.data for o in module.walk())
    if not still_used:
        old.detach()
        old.erase()


def _index_constant(value: int, anywhere: Operation) -> SSAValue:
    """An index constant at the start of the function holding `anywhere`."""
    return _index_constants([value], anywhere)[0]


_ENTRY_CONSTANTS: dict[int, dict[int, SSAValue]] = {}
"""The index constants found or made at the start of each function's entry block (by id), while
the pass runs: a 64-lane jam asks for 63 of them, and scanning the block each time was most of
the pass's time on a model of a thousand kernels. Cleared by `UnrollAndJamPass.apply`."""


def _index_constants(values: Sequence[int], anywhere: Operation) -> list[SSAValue]:
    """Index constants at the start of the function holding `anywhere` (those already there reused)."""
    function = anywhere.parent_op()
    while function is not None and not isinstance(function, func.FuncOp):
        function = function.parent_op()
    assert function is not None
    entry = function.body.block
    if id(entry) not in _ENTRY_CONSTANTS:
        found: dict[int, SSAValue] = {}
        for op in entry.ops:
            if not isinstance(op, arith.ConstantOp):
                break
            if isinstance(op.value, IntegerAttr) and isinstance(op.result.type, IndexType):
                found.setdefault(op.value.value.data, op.result)
        _ENTRY_CONSTANTS[id(entry)] = found
    existing = _ENTRY_CONSTANTS[id(entry)]
    for value in values:
        known = existing.get(value)
        if known is None or known.owner.parent_block() is not entry:  # type: ignore[union-attr]  (erased as dead since)
            constant = arith.ConstantOp(IntegerAttr(value, IndexType()), IndexType())
            entry.insert_op_before(constant, entry.first_op)  # type: ignore[arg-type]
            existing[value] = constant.result
    return [existing[value] for value in values]


def _jam_block(source: Block, target: Block, maps: list[dict[SSAValue, SSAValue]]) -> None:
    """Append to `target` the ops of `source` (not its terminator) once per lane, reductions jammed.

    `maps[l]` maps values of the source to lane l's values and is extended with each op's results.
    An op that only computes or loads, and reads the same values in every lane, is emitted once.
    A run of independent ops of one kind (a previous jam's lanes: eight loads, eight mulf) is
    copied lane by lane, so that each lane's copy of the run stays contiguous, as the SLP
    vectorizer wants it.
    """
    run: list[Operation] = []

    def flush() -> None:
        for m in maps:
            for op in run:
                target.add_op(op.clone(value_mapper=m))
        run.clear()

    for op in list(source.ops):
        if isinstance(op, loop.YieldOp):
            continue
        used = loop.values_used_inside(op)
        produced = {r for earlier in run for r in earlier.results}
        if run and (op.name != run[0].name or produced & set(used)):
            flush()  # before looking at the lanes' operands: they may come from the run
        per_lane = [tuple(m.get(v, v) for v in used) for m in maps]
        if all(lane == per_lane[0] for lane in per_lane) and _only_loads_and_pure(op):
            flush()
            mapper = dict(maps[0])
            clone = op.clone(value_mapper=mapper)
            target.add_op(clone)
            for m in maps:
                m.update(zip(op.results, clone.results))
        elif _is_reduction(op):
            assert isinstance(op, loop.ForOp)
            flush()
            _jam_reduction(op, target, maps)
        elif isinstance(op, OutputLoop):
            flush()
            _jam_loop(op, target, maps)
        else:
            run.append(op)
    flush()


def _jam_loop(op: OutputLoop, target: Block, maps: list[dict[SSAValue, SSAValue]]) -> None:
    """One loop (its bounds are the same in every lane) whose body computes every lane."""
    bounds = [maps[0].get(v, v) for v in (op.lower_bound, op.upper_bound, op.step)]
    jammed = type(op)(*bounds)
    jammed.induction_var.name_hint = op.induction_var.name_hint
    terminator = jammed.body.block.last_op
    assert terminator is not None
    terminator.detach()
    inner_maps = [dict(m) | {op.induction_var: jammed.induction_var} for m in maps]
    _jam_block(op.body.block, jammed.body.block, inner_maps)
    jammed.body.block.add_op(terminator)
    target.add_op(jammed)


def _jam_reduction(op: loop.ForOp, target: Block, maps: list[dict[SSAValue, SSAValue]]) -> None:
    """One loop.for carrying every lane's accumulators, each lane's body computed in each iteration."""
    carried = len(op.inits)
    bounds = [maps[0].get(v, v) for v in (op.lower_bound, op.upper_bound, op.step)]
    inits = [m.get(v, v) for m in maps for v in op.inits]
    jammed = loop.ForOp(*bounds, inits=inits)
    jammed.body.block.args[0].name_hint = op.induction_var.name_hint
    inner_maps = []
    for lane, m in enumerate(maps):
        inner = dict(m)
        inner[op.induction_var] = jammed.induction_var
        for j, arg in enumerate(op.carried_args):
            new_arg = jammed.carried_args[lane * carried + j]
            new_arg.name_hint = arg.name_hint
            inner[arg] = new_arg
        inner_maps.append(inner)
    _jam_block(op.body.block, jammed.body.block, inner_maps)
    _sum_in_order(jammed)
    terminator = op.body.block.last_op
    assert isinstance(terminator, loop.YieldOp)
    jammed.body.block.add_op(loop.YieldOp(*(m.get(v, v) for m in inner_maps for v in terminator.values)))
    target.add_op(jammed)
    for lane, m in enumerate(maps):
        for j, result in enumerate(op.res):
            m[result] = jammed.res[lane * carried + j]
            jammed.res[lane * carried + j].name_hint = result.name_hint


def _sum_in_order(jammed: loop.ForOp) -> None:
    """The lanes are the parallelism now: folding into a lane's accumulator loses its
    `reassoc`, so clang's loop vectorizer does not vectorize the reduction loop itself
    (gathers along k). Each lane then sums in exactly the original order."""
    accumulators = set(jammed.carried_args)
    for nested in jammed.body.block.ops:
        fastmath = getattr(nested, "fastmath", None)
        if fastmath is not None and accumulators & set(nested.operands):
            nested.fastmath = arith.FastMathFlagsAttr([f for f in fastmath.data if f != arith.FastMathFlag.REASSOC])


def _vector_element(type_: Attribute) -> bool:
    """A type whose lanes live in one vector register: floats and integers (not i1, not index)."""
    return isinstance(type_, AnyFloat) or (isinstance(type_, IntegerType) and type_.width.data > 1)


_ACCEPTS_VECTORS: dict[tuple[str, tuple[Attribute, ...]], bool] = {}


def _accepts_vectors(op: Operation, operand_types: Sequence[Attribute], result_types: Sequence[Attribute]) -> bool:
    """Whether the op's own verifier accepts these (vector) types: arith's and math's elementwise
    ops do, `arith.cmpf` (i1 results) and `arith.sitofp` do not in xDSL. Asked once per kind."""
    key = (op.name, (*operand_types, *result_types))
    if key not in _ACCEPTS_VECTORS:
        trial = type(op).create(
            operands=Block(arg_types=operand_types).args,
            result_types=result_types,
            properties=dict(op.properties),
            attributes=dict(op.attributes),
        )
        try:
            trial.verify()
            _ACCEPTS_VECTORS[key] = True
        except Exception:  # noqa: BLE001 - any refusal of the verifier means: not on vectors
            _ACCEPTS_VECTORS[key] = False
        trial.drop_all_references()
    return _ACCEPTS_VECTORS[key]


@dataclass
class _Lanes:
    """Where the values of a loop jammed into vectors live, while its body is copied into `target`.

    A value of the source body is uniform (the same in every lane: one scalar, in every
    map), a vector (lane l in element l: `vectors`), or per lane (lane l's scalar in
    `maps[l]`). Conversions are emitted where a use needs the other form, and kept.
    """

    target: Block
    maps: list[dict[SSAValue, SSAValue]]
    vectors: dict[SSAValue, SSAValue]
    stride: Callable[[Operation], int | None]
    """How far apart in memory a source load or store addresses the lanes' elements (1: side by
    side, lane l's at lane 0's + l; `_lane_strides`), or None."""
    same_quotient: Callable[[Operation], bool]
    """Whether an op computing from the lane index gives every lane the same value (`_same_quotient`)."""
    packed: dict[SSAValue, SSAValue] = field(default_factory=dict)
    """Vectors built from uniform or per-lane values (broadcasts, inserts), kept for later uses."""

    def inside(self, block: Block) -> _Lanes:
        """The same lanes for a nested block: values converted in there stay in there."""
        return _Lanes(block, [dict(m) for m in self.maps], dict(self.vectors), self.stride, self.same_quotient, dict(self.packed))

    def emit(self, op: Operation) -> Operation:
        self.target.add_op(op)
        return op

    def uniform(self, value: SSAValue) -> bool:
        first = self.maps[0].get(value, value)
        return value not in self.vectors and all(m.get(value, value) is first for m in self.maps[1:])

    def vector(self, value: SSAValue) -> SSAValue:
        if value in self.vectors:
            return self.vectors[value]
        if value not in self.packed:
            lanes = [m.get(value, value) for m in self.maps]
            built = self.emit(vector.BroadcastOp(lanes[0], VectorType(value.type, [len(lanes)]))).results[0]
            if not self.uniform(value):
                for lane, scalar in enumerate(lanes[1:], 1):
                    built = self.emit(vector.InsertOp(scalar, built, [lane])).results[0]
            self.packed[value] = built
        return self.packed[value]

    def scalar(self, value: SSAValue, lane: int) -> SSAValue:
        m = self.maps[lane]
        if value not in m and value in self.vectors:
            m[value] = self.emit(vector.ExtractOp(self.vectors[value], [lane], value.type)).results[0]
        return m.get(value, value)


def _vector_jam_block(source: Block, lanes: _Lanes) -> None:
    """Append to `lanes.target` the ops of `source` computing every lane, as vectors where they can be.

    Uniform ops are emitted once; loads and stores of side-by-side elements become
    vector loads and stores; an elementwise op on vector-able types is one op on
    vectors; reductions carry vector accumulators; anything else (index math, a
    strided store, a compare) is copied lane by lane, or only for lane 0 when lane 0's copy
    is all that is used (`_lane_zero_only`).
    """
    lane_zero_only = _lane_zero_only(source, lanes)
    for op in list(source.ops):
        if isinstance(op, loop.YieldOp):
            continue
        if (all(lanes.uniform(v) for v in loop.values_used_inside(op)) or lanes.same_quotient(op)) and _only_loads_and_pure(op):
            clone = lanes.emit(op.clone(value_mapper=dict(lanes.maps[0])))
            for m in lanes.maps:
                m.update(zip(op.results, clone.results))
        elif _is_reduction(op):
            assert isinstance(op, loop.ForOp)
            _vector_jam_reduction(op, lanes)
        elif isinstance(op, OutputLoop):
            _vector_jam_loop(op, lanes)
        elif isinstance(op, loop.LoadOp) and _vector_element(op.result.type) and (stride := lanes.stride(op)) is not None:
            indices = [lanes.scalar(i, 0) for i in op.indices]
            width = len(lanes.maps)
            load = loop.VectorLoadOp(op.buffer, indices, width) if stride == 1 else loop.StridedVectorLoadOp(op.buffer, indices, width, stride)
            lanes.vectors[op.result] = lanes.emit(load).results[0]
        elif isinstance(op, loop.StoreOp) and _vector_element(op.value.type) and lanes.stride(op) == 1:
            value = lanes.vector(op.value)
            lanes.emit(loop.VectorStoreOp(value, op.buffer, [lanes.scalar(i, 0) for i in op.indices]))
        elif not _vector_op(op, lanes):
            for lane, m in enumerate(lanes.maps[:1] if op in lane_zero_only else lanes.maps):
                mapper = {v: lanes.scalar(v, lane) for v in op.operands}
                clone = lanes.emit(op.clone(value_mapper=mapper))
                m.update(zip(op.results, clone.results))


def _lane_zero_only(source: Block, lanes: _Lanes) -> set[Operation]:
    """Pure ops of `source` (no vector-able results: index math) whose results only index the
    vector loads and stores that `_vector_jam_block` makes (at lane 0's index), directly or
    through other such ops: a collapsed loop's row and column, for 64 lanes, would otherwise
    be computed 64 times, and 63 of those removed as dead again."""
    only: set[Operation] = set()

    def addresses_a_vector(use: Use) -> bool:
        user = use.operation
        if user in only:
            return True
        if user.parent_block() is not source:
            return False
        if isinstance(user, loop.LoadOp):
            return use.index > 0 and _vector_element(user.result.type) and lanes.stride(user) is not None
        if isinstance(user, loop.StoreOp):
            return use.index > 1 and _vector_element(user.value.type) and lanes.stride(user) == 1
        return False

    for op in reversed(list(source.ops)):
        if op.regions or not op.results or not is_side_effect_free(op) or any(_vector_element(r.type) for r in op.results):
            continue
        uses = [use for result in op.results for use in result.uses]
        if uses and all(addresses_a_vector(use) for use in uses):
            only.add(op)
    return only


def _vector_cast(op: Operation) -> str | None:
    """The `loop.vector_cast` conversion computing `op` on lanes (named as `arith`'s ops), or None."""
    dialect, _, conversion = op.name.partition(".")
    return conversion if dialect == "arith" and conversion in loop.VECTOR_CASTS else None


def _lanewise(op: Operation, uniform: Callable[[SSAValue], bool]) -> bool:
    """A float compare, a select of per-lane conditions or a float <-> integer conversion:
    the loop dialect's vector ops compute it (xDSL's verifiers take it on scalars only)."""
    if isinstance(op, arith.CmpfOp):
        return _vector_element(op.lhs.type)
    if isinstance(op, arith.SelectOp):
        return _vector_element(op.result.type) and not uniform(op.cond)
    return _vector_cast(op) is not None and _vector_element(op.operands[0].type) and _vector_element(op.results[0].type)


def _on_vectors(op: Operation, width: int, uniform: Callable[[SSAValue], bool]) -> bool:
    """Whether `_vector_op` computes `op` as one op on vectors of `width` lanes.

    Besides `_lanewise`: an op on float or integer values that its own verifier accepts on
    vectors; its i1 operands must be `uniform` (one i1 for the whole vector).
    """
    if op.regions or not op.results or not is_side_effect_free(op) or isinstance(op, loop.LOADS):
        return False
    if _lanewise(op, uniform):
        return True
    if not all(_vector_element(r.type) for r in op.results):
        return False
    if not all(_vector_element(o.type) or (o.type == i1 and uniform(o)) for o in op.operands):
        return False
    vector_types = [VectorType(r.type, [width]) for r in op.results]
    operand_types = [o.type if o.type == i1 else VectorType(o.type, [width]) for o in op.operands]
    return _accepts_vectors(op, operand_types, vector_types)


def _vector_op(op: Operation, lanes: _Lanes) -> bool:
    """Emit `op` once on vectors when `_on_vectors`; False when it cannot be."""
    width = len(lanes.maps)
    if not _on_vectors(op, width, lanes.uniform):
        return False
    if _lanewise(op, lanes.uniform):
        if isinstance(op, arith.CmpfOp):
            predicate = arith.CMPF_COMPARISON_OPERATIONS[op.predicate.value.data]
            emitted: Operation = loop.VectorCmpfOp(predicate, lanes.vector(op.lhs), lanes.vector(op.rhs))
        elif isinstance(op, arith.SelectOp):
            emitted = loop.VectorSelectOp(lanes.vector(op.cond), lanes.vector(op.lhs), lanes.vector(op.rhs))
        else:
            conversion = _vector_cast(op)
            assert conversion is not None
            emitted = loop.VectorCastOp(conversion, lanes.vector(op.operands[0]), VectorType(op.results[0].type, [width]))
        lanes.emit(emitted)
        emitted.results[0].name_hint = op.results[0].name_hint
        lanes.vectors[op.results[0]] = emitted.results[0]
        return True
    vector_types = [VectorType(r.type, [width]) for r in op.results]
    operands = [lanes.scalar(o, 0) if o.type == i1 else lanes.vector(o) for o in op.operands]
    emitted = lanes.emit(
        type(op).create(operands=operands, result_types=vector_types, properties=dict(op.properties), attributes=dict(op.attributes))
    )
    for result, value in zip(op.results, emitted.results):
        value.name_hint = result.name_hint
        lanes.vectors[result] = value
    return True


def _vector_jam_loop(op: OutputLoop, lanes: _Lanes) -> None:
    """One nested loop (its bounds are the same in every lane) whose body computes every lane."""
    jammed = type(op)(*(lanes.scalar(v, 0) for v in (op.lower_bound, op.upper_bound, op.step)))
    jammed.induction_var.name_hint = op.induction_var.name_hint
    terminator = jammed.body.block.last_op
    assert terminator is not None
    terminator.detach()
    inner = lanes.inside(jammed.body.block)
    for m in inner.maps:
        m[op.induction_var] = jammed.induction_var
    _vector_jam_block(op.body.block, inner)
    jammed.body.block.add_op(terminator)
    lanes.emit(jammed)


def _vector_jam_reduction(op: loop.ForOp, lanes: _Lanes) -> None:
    """One loop.for carrying each accumulator as one vector (per lane, if its type cannot be)."""
    width = len(lanes.maps)
    as_vector = [_vector_element(arg.type) for arg in op.carried_args]
    inits: list[SSAValue] = []
    for init, whole in zip(op.inits, as_vector):
        inits += [lanes.vector(init)] if whole else [lanes.scalar(init, lane) for lane in range(width)]
    jammed = loop.ForOp(*(lanes.scalar(v, 0) for v in (op.lower_bound, op.upper_bound, op.step)), inits=inits)
    jammed.induction_var.name_hint = op.induction_var.name_hint
    inner = lanes.inside(jammed.body.block)
    for m in inner.maps:
        m[op.induction_var] = jammed.induction_var
    _bind_lanes(op.carried_args, as_vector, iter(jammed.carried_args), inner)
    _vector_jam_block(op.body.block, inner)
    terminator = op.body.block.last_op
    assert isinstance(terminator, loop.YieldOp)
    yielded: list[SSAValue] = []
    for value, whole in zip(terminator.values, as_vector):
        yielded += [inner.vector(value)] if whole else [inner.scalar(value, lane) for lane in range(width)]
    inner.emit(loop.YieldOp(*yielded))
    _sum_in_order(jammed)
    lanes.emit(jammed)
    _bind_lanes(op.res, as_vector, iter(jammed.res), lanes)


def _bind_lanes(sources: Sequence[SSAValue], as_vector: Sequence[bool], jammed: Iterator[SSAValue], lanes: _Lanes) -> None:
    """Map each source value to the next jammed value (a vector), or to the next `width` (per lane)."""
    for source, whole in zip(sources, as_vector):
        if whole:
            lanes.vectors[source] = next(jammed)
            lanes.vectors[source].name_hint = source.name_hint
        else:
            for m in lanes.maps:
                m[source] = next(jammed)
                m[source].name_hint = source.name_hint


def _lane_strides(output: OutputLoop, variant: set[SSAValue]) -> Callable[[Operation], int | None]:
    """For `_Lanes.stride`, when `output` steps by one: 1 for a load or store whose last index is
    `output`'s index plus lane-invariant terms and the others lane-invariant, or whose last two are
    a row and a column of the index (`_row_and_column`, after `collapse_rows`); s for a last index
    that is s times it plus such terms, 2 <= s <= `_MOST_LANE_STRIDE`; else None."""
    unit_step = loop.constant_index(output.step) == 1

    def stride(access: Operation) -> int | None:
        indices = list(access.indices)  # type: ignore[attr-defined]
        if not unit_step or not indices:
            return None
        if _row_and_column(access, output.induction_var):
            return None if any(i in variant for i in indices[:-2]) else 1
        if any(i in variant for i in indices[:-1]):
            return None
        found = _lane_stride(indices[-1], output.induction_var, variant)
        return found if found is not None and 1 <= found <= _MOST_LANE_STRIDE else None

    return stride


def _row_and_column(access: Operation, iv: SSAValue) -> bool:
    """The access's last two indices are r = iv // n and iv - r * n, n its buffer's last dim:
    the element at iv of the buffer's rows laid end to end, so consecutive iv are consecutive
    elements in memory (the buffers are contiguous, row-major)."""
    indices = list(access.indices)  # type: ignore[attr-defined]
    buffer_type = access.buffer.type  # type: ignore[attr-defined]
    if len(indices) < 2 or not isinstance(buffer_type, MemRefType):
        return False
    row, column = indices[-2], indices[-1].owner
    start = column.rhs.owner if isinstance(column, arith.SubiOp) and column.lhs is iv else None
    width = buffer_type.get_shape()[-1]
    return (
        isinstance(row.owner, arith.DivUIOp) and row.owner.lhs is iv and loop.constant_index(row.owner.rhs) == width
        and isinstance(start, arith.MuliOp) and start.lhs is row and loop.constant_index(start.rhs) == width
    )  # fmt: skip


def _step(output: OutputLoop) -> int:
    step = loop.constant_index(output.step)
    assert step is not None
    return step


def _whole_steps_end(output: OutputLoop, factor: int) -> tuple[SSAValue, bool]:
    """Where `output`'s iterations, taken `factor` at a time, end (the last whole group's end),
    and whether iterations remain after it (always, for bounds that are not constants)."""
    step = _step(output)
    lower, upper = output.lower_bound, output.upper_bound
    first, trips = loop.constant_index(lower), output.trip_count()
    if first is not None and loop.constant_index(upper) is not None:
        assert trips is not None
        return _index_constant(first + trips // factor * factor * step, output), trips % factor != 0
    chunk = _index_constant(step * factor, output)
    span = arith.SubiOp(upper, lower)
    count = arith.DivSIOp(span, chunk)
    covered = arith.MuliOp(count, chunk)
    end = arith.AddiOp(lower, covered)
    block = output.parent_block()
    assert block is not None
    block.insert_ops_before([span, count, covered, end], output)
    return end.result, True


def _lane_indices(output: OutputLoop, stepped: OutputLoop, factor: int) -> list[dict[SSAValue, SSAValue]]:
    """Lane l's value of `output`'s index in `stepped`'s body (stepped's index + l * step), as the
    first map of each lane's values."""
    step = _step(output)
    iv = stepped.induction_var
    iv.name_hint = output.induction_var.name_hint
    # A lane's index is below the loop's upper bound, so iv + lane*step cannot overflow;
    # saying so (and no unsigned wrap from a non-negative start) lets LLVM see the lanes'
    # addresses as consecutive, so contiguous lanes load and store as vectors, not gathers.
    flags = [arith.IntegerOverflowFlag.NSW]
    lower = loop.constant_index(output.lower_bound)
    if lower is not None and lower >= 0:
        flags.append(arith.IntegerOverflowFlag.NUW)
    overflow = arith.IntegerOverflowAttr(flags)
    maps: list[dict[SSAValue, SSAValue]] = [{output.induction_var: iv}]
    for offset in _index_constants([lane * step for lane in range(1, factor)], output):
        lane_iv = arith.AddiOp(iv, offset, overflow=overflow)
        stepped.body.block.add_op(lane_iv)
        maps.append({output.induction_var: lane_iv.result})
    return maps


def unroll_and_jam(output: OutputLoop, factor: int, vectors: bool = False) -> OutputLoop:
    """Rewrite `output` (checked by `can_jam`) into a loop stepping by `factor` lanes, plus a remainder loop.

    With `vectors`, the lanes are computed as the elements of vectors where they can be.

    Returns the stepped loop.
    """
    main_upper, remainder = _whole_steps_end(output, factor)
    stepped = type(output)(output.lower_bound, main_upper, _index_constant(_step(output) * factor, output))
    body = stepped.body.block
    terminator = body.last_op
    assert terminator is not None
    terminator.detach()
    maps = _lane_indices(output, stepped, factor)
    if vectors:
        variant = _lane_variant(output, factor)
        same_quotient = lambda op: _same_quotient(op, output, factor)  # noqa: E731
        _vector_jam_block(output.body.block, _Lanes(body, maps, {}, _lane_strides(output, variant), same_quotient))
        region_dce(stepped.body)  # the lanes' indices that only vector loads and stores replaced
    else:
        _jam_block(output.body.block, body, maps)
    body.add_op(terminator)
    parent = output.parent_block()
    assert parent is not None
    parent.insert_op_before(stepped, output)
    if remainder:
        output.operands = (main_upper, *output.operands[1:])
    else:
        output.detach()
        output.erase()
    return stepped


@dataclass(frozen=True)
class UnrollAndJamPass(ModulePass):
    """Unroll each innermost output loop holding reductions by `factor` and jam the lanes' reduction nests.

    Each iteration computes `factor` outputs with independent accumulators in one reduction
    nest (see the module docstring for the loops it applies to); a remainder loop covers the rest.
    Elementwise loops and reductions along consecutive elements take `stream_factor` lanes.
    """

    name = "unroll-and-jam"

    factor: int = 32
    """Lanes of the innermost output loop (contiguous outputs: the vector lanes)."""

    outer_factor: int = 6
    """Lanes of the nearest enclosing output loop too (register blocking: each of the
    innermost lanes' loads is shared by `outer_factor` accumulators); 1: none."""

    outer_factor_flat: int = 8
    """`outer_factor` for a loop whose reductions are single loops (a matmul, a 1x1 conv: no
    small loop that clang unrolls inside, whose loads would take registers too). With
    32 lanes on AVX-512: 16 accumulators, where a 3x3 conv has room for 12 (its kw taps
    unrolled need 6 weight vectors and 8 broadcasts; at 16 accumulators it spills, 1.1x
    slower, while the 1024^3 matmul runs 1.1x faster). outer-factor=1 turns both off.
    The compile driver picks both for the target's registers (compiler/driver.py)."""

    vectors: bool = True
    """Compute the `factor` lanes as the elements of vectors (vector loads, stores and
    arithmetic in the IR); false: as scalar copies, for clang's SLP vectorizer to pack."""

    stream_factor: int = 64
    """Lanes of the loops that stream through memory, with `vectors`: an innermost loop without
    reductions that reads and writes side by side (an elementwise kernel's, `elementwise_loop`)
    and a reduction along consecutive elements (a softmax's max and sum, `vector_reduction`).
    Several registers' worth (64 = four of AVX-512's), so that each iteration computes
    independent vectors whose long dependent chains (a sigmoid's exp, a running max) overlap.
    1: such loops are left to clang's loop vectorizer."""

    def apply(self, ctx: Context, op: builtin.ModuleOp) -> None:
        _ENTRY_CONSTANTS.clear()
        try:
            self._apply(op)
        finally:
            _ENTRY_CONSTANTS.clear()

    def _apply(self, op: builtin.ModuleOp) -> None:
        for function, callers in kernels_and_calls(op):
            for output in [l for l in function.walk() if isinstance(l, OutputLoop)]:
                if self.factor >= 2 and (divisor := _misaligned_divisor(output, self.factor)) is not None:
                    _split_at_divisor(output, divisor)
            columns = self._collapse_short_reductions(function) if self.vectors and self.factor >= 2 else []
            channels = self._jam_channels(function, callers, op, columns)
            most_stride = _MOST_LANE_STRIDE if self.vectors else 1
            jammed = self._jam_all(function, callers, self.factor, lambda candidate: candidate, vectors=self.vectors, outside=channels, most_stride=most_stride)
            outer = self._jam_all(
                function, callers, self.outer_factor, lambda inner: _sharing_loop(inner, self.outer_factor, function, callers), jammed, factor_of=self._outer_factor
            )
            for alike in [o for o in outer if _lanes_sum_alike(o, _lane_variant(o, self.outer_factor))]:
                inners = [l for l in alike.walk() if l is not alike and _holds_reductions(l)]
                choose = lambda inner, alike=alike: _sharing_loop(inner, self.outer_factor, function, callers, within=alike)  # noqa: E731
                self._jam_all(function, callers, self.outer_factor, choose, inners, factor_of=self._outer_factor)
            if self.vectors and self.stream_factor >= 2:
                for inner in [l for l in function.walk() if elementwise_loop(l, self.stream_factor, function, callers)]:
                    _jam_with_remainder(collapse_rows(inner), self.stream_factor, vectors=True)
                for reduction in [l for l in function.walk() if isinstance(l, loop.ForOp)]:
                    if (width := reduction_lanes(reduction, self.stream_factor)) is not None:
                        vector_reduction(reduction, width)
                region_dce(function.body)  # the lanes' index constants that vector loads and stores replaced
            if self.vectors and self.factor & (self.factor - 1) == 0:
                for argument, arg in enumerate(function.body.block.args):
                    reads = [use.operation for use in arg.uses]
                    if any(isinstance(r, loop.VectorLoadOp) for r in reads) and all(_inside_reduction(r, function) for r in reads):
                        _block_lanes(function, argument, self.factor, callers, op)

    def _collapse_short_reductions(self, function: func.FuncOp) -> list[OutputLoop]:
        """Output loops over whole images whose reductions are short (a 1x1 conv's input
        channels), collapsed into one loop (`collapse_rows`) whose lanes are then the columns,
        not the channels; the collapsed loops.

        With the channels as lanes, each output vector is stored a lane at a time (the channels
        of a column are a plane apart in NCHW), which costs about what a reduction of two
        registers' worth of steps does (squeezenet's 1x1 convs over 16 channels ran at a third
        of the FMA peak). Over the columns, a vector of outputs is one store, and a collapsed
        image is a long row that fills the vectors. The channels keep the lanes where the
        reduction is long enough to pay for their stores, or the image too small to fill
        vectors with columns. Measured on 1x1 convs (AVX-512, 32 lanes), the columns ran
        0.70-0.94x the channels' time from 16 to 128 input channels on 27x27 to 56x56
        images, the channels 0.88-0.95x the columns' from 256 input channels (56x56) and on
        images up to 14x14: columns when the reduction has at most 4 x `factor` steps and
        the image at least 16 x `factor` elements.
        """
        collapsed = []
        for inner in [l for l in function.walk() if _holds_reductions(l)]:
            if inner.parent is None:  # itself a loop of one iteration, inlined into the one around it
                continue
            steps = _reduction_steps(inner)
            if steps is None or not 2 <= steps <= 4 * self.factor:
                continue
            for single in [l for l in inner.walk() if isinstance(l, loop.ForOp) and l.trip_count() == 1]:
                inline_single_iteration(single)  # a 1x1 conv's input [c, h + kh, w + kw] is then [c, h, w]
            rows = _rows_around(inner)
            if rows is not None and (rows.trip_count() or 0) * (inner.trip_count() or 0) >= 16 * self.factor:
                collapsed.append(collapse_rows(inner))
        return collapsed

    def _jam_channels(
        self, function: func.FuncOp, calls: Sequence[func.CallOp], module: builtin.ModuleOp, columns: Sequence[OutputLoop] = ()
    ) -> list[OutputLoop]:
        """The lanes become an enclosing loop's (a conv's output channels), whose constant operands
        are packed so that those lanes read side by side; the loops inside are then jammed by
        `outer_factor` around them (module docstring). The channel loops jammed.

        For loops whose own lanes read strided; with `vectors`, also for loops whose lanes read
        side by side, when the channels fill a vector: the channels then share each input
        element, a padded conv's border columns are vectors too, and no lane is idle at the end
        of a short row (a 14-wide row is 16 lanes, 12 of them used).
        """
        if self.factor < 2:
            return []
        chosen: list[tuple[OutputLoop, dict[int, int]]] = []
        for inner in function.walk():
            if not isinstance(inner, OutputLoop) or not can_jam(inner, self.factor, function, calls, contiguous=False):
                continue
            strided = not can_jam(inner, self.factor, function, calls)
            if not strided and (not self.vectors or any(inner is c for c in columns)):
                continue
            found = _channel_loop(inner, function, calls, module, self.factor)
            if found is None or (not strided and (found[0].trip_count() or 0) < self.factor):
                continue
            if all(found[0] is not c[0] and not c[0].is_ancestor(found[0]) for c in chosen):
                chosen.append(found)
        stepped_all: list[OutputLoop] = []
        for channels, packing in chosen:
            for argument, dim in packing.items():
                _pack_constant(function, argument, dim, calls, module)
            stepped = _jam_with_remainder(channels, self.factor, self.vectors)
            stepped_all += stepped
            if self.outer_factor < 2:
                continue
            for loop_op in stepped:
                for inner in [l for l in loop_op.walk() if l is not loop_op and isinstance(l, OutputLoop) and can_jam(l, self.outer_factor, function, calls, contiguous=False)]:
                    _jam_with_remainder(inner, self._outer_factor(inner))
        return stepped_all

    @staticmethod
    def _jam_all(
        function: func.FuncOp,
        calls: Sequence[func.CallOp],
        factor: int,
        choose: Callable[[Operation], Operation | None],
        innermost: list[OutputLoop] | None = None,
        vectors: bool = False,
        outside: Sequence[OutputLoop] = (),
        factor_of: Callable[[Operation], int] | None = None,
        most_stride: int = 1,
    ) -> list[OutputLoop]:
        """Jam by `factor` (or by `factor_of` the loop) every innermost jammable loop not in a loop
        of `outside` (or `choose` of each loop in `innermost`); lanes may read `most_stride` apart."""
        if factor < 2:
            return innermost or []
        if innermost is None:
            candidates: list[Operation] = [
                l for l in function.walk()
                if isinstance(l, OutputLoop) and not any(o.is_ancestor(l) for o in outside) and can_jam(l, factor, function, calls, most_stride=most_stride)
            ]  # fmt: skip
        else:
            chosen = [choose(l) for l in innermost]
            unique = list(dict.fromkeys(c for c in chosen if c is not None))
            outermost = [c for c in unique if not any(other is not c and other.is_ancestor(c) for other in unique)]
            candidates = [c for c in outermost if can_jam(c, factor, function, calls, innermost=False)]
        stepped = []
        for candidate in candidates:
            assert isinstance(candidate, OutputLoop)
            stepped += _jam_with_remainder(candidate, factor if factor_of is None else factor_of(candidate), vectors)
        return stepped

    def _outer_factor(self, output: Operation) -> int:
        """`outer_factor_flat` when every reduction nest in `output` has one loop of more than one
        iteration, else `outer_factor`."""
        nests = [op for op in output.walk() if _is_reduction(op) and not _is_reduction(op.parent_op())]
        for nest in nests:
            if sum(_is_reduction(l) and l.trip_count() != 1 for l in nest.walk()) > 1:
                return self.outer_factor
        return self.outer_factor_flat if self.outer_factor > 1 else self.outer_factor


def elementwise_loop(output: Operation, factor: int, function: func.FuncOp, calls: Sequence[func.CallOp]) -> bool:
    """An innermost loop stepping by one, with no reductions, that `can_jam`, whose every access
    that differs from lane to lane loads or stores side by side and whose every op that does
    can be one op on vectors (`_on_vectors`): jammed, it is vector loads, math and stores only.

    Anything else (a gather, an op computed lane by lane) is left to clang's loop vectorizer.
    """
    if not isinstance(output, OutputLoop) or loop.constant_index(output.step) != 1:
        return False
    body = list(output.body.block.ops)[:-1]
    if any(op.regions or isinstance(op, (loop.VectorLoadOp, loop.StridedVectorLoadOp, loop.VectorStoreOp)) for op in body):
        return False
    if not can_jam(output, factor, function, calls, innermost=False, contiguous=False):
        return False
    return any(isinstance(op, loop.StoreOp) for op in body) and _all_on_vectors(output, factor)


def _all_on_vectors(output: OutputLoop, width: int) -> bool:
    """Every op of `output`'s body (no nested regions) that differs from lane to lane, with `width`
    lanes, becomes a vector op: a store of side-by-side elements of a vector-able type (every
    store differs), a load of such elements or of every other one (`_lane_strides`), or an op
    `_on_vectors`."""
    variant = _lane_variant(output, width)
    stride = _lane_strides(output, variant)
    for op in list(output.body.block.ops)[:-1]:
        if isinstance(op, loop.StoreOp):
            if not (_vector_element(op.value.type) and stride(op) == 1):
                return False
        elif isinstance(op, loop.LoadOp):
            if op.result in variant and not (_vector_element(op.result.type) and stride(op) is not None):
                return False
        elif any(r in variant for r in op.results) and not _on_vectors(op, width, lambda v: v not in variant):
            return False
    return True


_COMBINING: dict[type[Operation], tuple[vector.CombiningKindFlag, float]] = {
    arith.AddfOp: (vector.CombiningKindFlag.ADD, -0.0),
    arith.MulfOp: (vector.CombiningKindFlag.MUL, 1.0),
    arith.MaximumfOp: (vector.CombiningKindFlag.MAXIMUMF, -np.inf),
    arith.MinimumfOp: (vector.CombiningKindFlag.MINIMUMF, np.inf),
}
"""The ops a `reassoc` reduction may combine lanes with: `vector.reduction`'s kind and the op's identity
(x + -0.0 is x for every x, -0.0 included; maximumf(-inf, x) is x, NaN included)."""


def _accumulations(reduction: loop.ForOp) -> list[Operation] | None:
    """For each value `reduction` carries, the op folding the next term into it: used once, by a
    `reassoc` op of `_COMBINING` whose result is yielded in its place (and used nowhere else), its
    other operand computed without any carried value. None when some carried value is not so."""
    terminator = reduction.body.block.last_op
    assert isinstance(terminator, loop.YieldOp)
    carried = set(reduction.carried_args)
    folds: list[Operation] = []
    for arg, yielded in zip(reduction.carried_args, terminator.values):
        fold = yielded.owner
        fastmath = getattr(fold, "fastmath", None)
        if (
            type(fold) not in _COMBINING or fastmath is None or arith.FastMathFlag.REASSOC not in fastmath.data
            or not _vector_element(arg.type) or len(list(arg.uses)) != 1 or len(list(yielded.uses)) != 1
            or arg not in fold.operands or fold.parent_block() is not reduction.body.block
        ):  # fmt: skip
            return None
        term = fold.operands[1] if fold.operands[0] is arg else fold.operands[0]
        if _depends_on(term, carried, reduction.body.block):
            return None
        folds.append(fold)
    return folds


def _depends_on(value: SSAValue, sources: set[SSAValue], block: Block) -> bool:
    """Whether `value`, computed in `block`, is computed from any of `sources` (block arguments)."""
    if value in sources:
        return True
    owner = value.owner
    return isinstance(owner, Operation) and owner.parent_block() is block and any(_depends_on(v, sources, block) for v in owner.operands)


def reduction_lanes(reduction: Operation, factor: int) -> int | None:
    """The lanes to compute `reduction` with (`vector_reduction`), or None to leave it alone.

    An innermost `loop.for` stepping by one, carrying float values each folded in by a
    `reassoc` op (`_accumulations`: the order of a reduction's terms is free), whose loads that
    differ from iteration to iteration read consecutive elements and whose other ops can be ops
    on vectors. `factor` lanes, or, for a shorter loop, the largest power of two it fills, not
    below a quarter of `factor` (one register); a shorter loop is left to clang.
    """
    if not isinstance(reduction, loop.ForOp) or not reduction.carried_args or loop.constant_index(reduction.step) != 1:
        return None
    body = list(reduction.body.block.ops)[:-1]
    if any(op.regions or isinstance(op, (*loop.STORES, loop.VectorLoadOp, loop.StridedVectorLoadOp)) or any(isinstance(r.type, VectorType) for r in op.results) for op in body):
        return None
    if _accumulations(reduction) is None:
        return None
    trips = reduction.trip_count()
    if trips is not None and trips < 2:
        return None
    width = factor if trips is None or trips >= factor else 1 << (trips.bit_length() - 1)
    if width < max(2, factor // 4):
        return None
    return width if _all_on_vectors(reduction, width) else None


def vector_reduction(reduction: loop.ForOp, width: int) -> None:
    """Compute `reduction` (checked by `reduction_lanes`) `width` iterations at a time, each carried
    value as a vector of `width` partial results, then combine the lanes:

        %s = loop.for %k = %c0 to %c128 step %c1 iter_args(%a = %init) -> (f32) {
          %x = loop.load %in[%r, %k] : memref<12x128xf32>
          %n = arith.maximumf %a, %x fastmath<reassoc> : f32
          loop.yield %n : f32
        }
    becomes
        %v = loop.for %k = %c0 to %c128 step %c64 iter_args(%a = %neg_inf) -> (vector<64xf32>) {
          %x = loop.vector_load %in[%r, %k] : memref<12x128xf32>, vector<64xf32>
          %n = arith.maximumf %a, %x fastmath<reassoc> : vector<64xf32>
          loop.yield %n : vector<64xf32>
        }
        %s = vector.reduction <maximumf>, %v, %init : vector<64xf32> into f32

    The vector starts at the op's identity in every lane; `vector.reduction` folds the lanes and
    the original initial value. Iterations past the last multiple of `width` stay a scalar loop,
    which starts from that result. The lanes are independent chains, where the scalar loop was
    one (a running max: several cycles per element).
    """
    folds = _accumulations(reduction)
    assert folds is not None
    block = reduction.parent_block()
    assert block is not None
    main_upper, remainder = _whole_steps_end(reduction, width)
    identities: list[SSAValue] = []
    for fold, arg in zip(folds, reduction.carried_args):
        constant = arith.ConstantOp(builtin.FloatAttr(_COMBINING[type(fold)][1], arg.type))  # type: ignore[arg-type]
        splat = vector.BroadcastOp(constant, VectorType(arg.type, [width]))
        block.insert_ops_before([constant, splat], reduction)
        identities.append(splat.results[0])
    stepped = loop.ForOp(reduction.lower_bound, main_upper, _index_constant(width, reduction), inits=identities)
    maps = _lane_indices(reduction, stepped, width)
    variant = _lane_variant(reduction, width)
    same_quotient = lambda op: _same_quotient(op, reduction, width)  # noqa: E731
    lanes = _Lanes(stepped.body.block, maps, dict(zip(reduction.carried_args, stepped.carried_args)), _lane_strides(reduction, variant), same_quotient)
    _vector_jam_block(reduction.body.block, lanes)
    lanes.emit(loop.YieldOp(*(lanes.vector(fold.results[0]) for fold in folds)))
    region_dce(stepped.body)
    block.insert_op_before(stepped, reduction)
    combined: list[SSAValue] = []
    for fold, partial, init in zip(folds, stepped.res, reduction.inits):
        kind = vector.CombiningKindAttr(_COMBINING[type(fold)][0])
        total = vector.ReductionOp.create(
            operands=[partial, init], result_types=[init.type], properties={"kind": kind, "fastmath": fold.fastmath}  # type: ignore[attr-defined]
        )
        total.results[0].name_hint = fold.results[0].name_hint
        block.insert_op_before(total, reduction)
        combined.append(total.results[0])
    if not remainder:
        for result, value in zip(reduction.res, combined):
            result.replace_all_uses_with(value)
        reduction.detach()
        reduction.erase()
    else:
        reduction.operands = (main_upper, reduction.upper_bound, reduction.step, *combined)


def inline_single_iteration(single: OutputLoop) -> None:
    """The body of a loop of one iteration in its place (a 1x1 conv's kh and kw loops, a conv's
    one block of channels): its index the lower bound (`x + 0` folded away), a loop.for's
    carried values the initial ones."""
    terminator = single.body.block.last_op
    assert isinstance(terminator, loop.YieldOp)
    yielded = list(terminator.operands)
    users = [use.operation for use in single.induction_var.uses]
    inits = single.inits if isinstance(single, loop.ForOp) else ()
    Rewriter.inline_block(single.body.block, InsertPoint.before(single), [single.lower_bound, *inits])
    Rewriter.erase_op(terminator)
    for result, value in zip(single.results, yielded):
        result.replace_all_uses_with(value)
    Rewriter.erase_op(single)
    for add in [user for user in users if isinstance(user, arith.AddiOp)]:
        for zero, other in ((add.lhs, add.rhs), (add.rhs, add.lhs)):
            if loop.constant_index(zero) == 0:
                Rewriter.replace_op(add, [], [other])
                break


def _rows_around(inner: OutputLoop) -> OutputLoop | None:
    """The loop around `inner` when the two can be one (`collapse_rows`): both from 0 by one to
    constants, the outer one holding only `inner`, every use of their indices an access whose
    last two indices are exactly the outer's and the inner's, the inner running over its last dim."""
    outer = inner.parent_op()
    if not isinstance(outer, OutputLoop) or outer.carried_args or list(outer.body.block.ops)[:-1] != [inner]:
        return None
    rows, columns = outer.trip_count(), inner.trip_count()
    loops = (outer, inner)
    if rows is None or columns is None or any(loop.constant_index(l.lower_bound) != 0 or loop.constant_index(l.step) != 1 for l in loops):
        return None
    for iv in (outer.induction_var, inner.induction_var):
        for use in iv.uses:
            access = use.operation
            if not isinstance(access, loop.LoadOp | loop.StoreOp) or (isinstance(access, loop.StoreOp) and access.value is iv):
                return None
            indices = list(access.indices)
            buffer_type = access.buffer.type
            assert isinstance(buffer_type, MemRefType)
            if indices[-2:] != [outer.induction_var, inner.induction_var] or indices.count(iv) != 1 or buffer_type.get_shape()[-1] != columns:
                return None
    return outer


def _reduction_steps(output: OutputLoop) -> int | None:
    """The most steps of any reduction nest in `output`'s body (the product of its loops' trip
    counts), or None when one is not a constant."""
    most = 0
    for nest in [op for op in output.body.block.ops if _is_reduction(op)]:
        steps = 1
        for nested in nest.walk():
            if isinstance(nested, loop.ForOp):
                trips = nested.trip_count()
                if trips is None:
                    return None
                steps *= trips
        most = max(most, steps)
    return most


def collapse_rows(inner: OutputLoop) -> OutputLoop:
    """One loop over `inner` and the loop around it, when every access in them indexes the
    last two dims by the outer and the inner index (a whole image: 56 rows of 56 columns as
    3136 elements), so that jamming it fills its vectors with no short remainder per row.
    Returns the loop to jam: the new one, or `inner` when the pair does not qualify.

    Both loops run from 0 by one to constants, the outer one holding only `inner`; each access
    becomes [..., i // n, i - (i // n) * n] (n the columns, each buffer's last dim), which
    `_row_and_column` reads as consecutive, and which LLVM folds back to one offset.
    """
    outer = _rows_around(inner)
    if outer is None:
        return inner
    rows, columns = outer.trip_count(), inner.trip_count()
    assert rows is not None and columns is not None
    flat = type(outer)(_index_constant(0, outer), _index_constant(rows * columns, outer), _index_constant(1, outer))
    flat.induction_var.name_hint = "i"
    body = flat.body.block
    terminator = body.last_op
    assert terminator is not None
    width = _index_constant(columns, outer)
    overflow = arith.IntegerOverflowAttr([arith.IntegerOverflowFlag.NSW, arith.IntegerOverflowFlag.NUW])
    row = arith.DivUIOp(flat.induction_var, width)
    start = arith.MuliOp(row, width, overflow=overflow)
    column = arith.SubiOp(flat.induction_var, start, overflow=overflow)
    row.result.name_hint, column.result.name_hint = outer.induction_var.name_hint, inner.induction_var.name_hint
    body.insert_ops_before([row, start, column], terminator)
    for op in list(inner.body.block.ops)[:-1]:
        op.detach()
        body.insert_op_before(op, terminator)
    outer.induction_var.replace_all_uses_with(row.result)
    inner.induction_var.replace_all_uses_with(column.result)
    parent = outer.parent_block()
    assert parent is not None
    parent.insert_op_before(flat, outer)
    outer.detach()
    outer.erase()
    return flat


def _jam_with_remainder(output: OutputLoop, factor: int, vectors: bool = False) -> list[OutputLoop]:
    """`unroll_and_jam` by `factor` (by the trip count when it is smaller); the stepped loops.

    A constant remainder of r > 1 iterations (the original loop, now starting where
    the stepped one ends) is jammed by r: one more iteration of independent lanes.
    With `vectors`, every width is a power of two, the remainder split into such
    widths (26 lanes: 16, 8, 2): LLVM splits an odd vector such as <26 x float>
    into pieces it then computes badly.
    """
    trips = output.trip_count()
    if trips is None:
        return [unroll_and_jam(output, factor, vectors)]
    stepped: list[OutputLoop] = []
    left = trips
    while left >= 2:
        width = min(factor, left)
        if vectors:
            width = 1 << (width.bit_length() - 1)
        stepped.append(unroll_and_jam(output, width, vectors))
        left %= width
    return stepped


def _sharing_loop(
    inner: Operation, factor: int, function: func.FuncOp, calls: Sequence[func.CallOp], within: Operation | None = None
) -> Operation | None:
    """The loop around `inner` to jam by `factor` (outer-factor): of the enclosing loops with more than one
    iteration that can be jammed, the one whose lanes share the most of `inner`'s vector loads
    (the nearest, of equals). With `within` (a loop whose lanes sum alike, `_lanes_sum_alike`),
    of the loops inside it whose lanes sum different terms: they are the accumulators that
    `within`'s lanes did not make.

    A conv's output channels share its input rows (each vector load then feeds every channel's
    accumulator, and the input is streamed once per group of channels, not once per channel);
    its output rows share only the weights, which are scalars. A matmul's rows share b's rows.

    None for a loop whose lanes read strided (a stride-2 pool's columns): its outer lanes would
    be rows, which share nothing, and spill (vgg19's first 2x2 max pool took 1.5x the time of
    clang's loop, 1.0x without them; 3x3 pools 0.58-0.91x and 2x2 pools 0.38-0.99x of it).
    """
    loads = [op for op in inner.walk() if isinstance(op, loop.VectorLoadOp | loop.StridedVectorLoadOp)]
    if any(isinstance(op, loop.StridedVectorLoadOp) for op in loads):
        return None
    best, best_shared = None, -1
    parent = inner.parent_op()
    while isinstance(parent, OutputLoop) and parent is not within:
        if parent.trip_count() != 1 and can_jam(parent, 2, function, calls, innermost=False):
            variant = _lane_variant(parent, factor)
            if within is not None and _lanes_sum_alike(parent, variant):
                parent = parent.parent_op()
                continue
            shared = sum(not any(i in variant for i in load.indices) for load in loads)
            if shared > best_shared:
                best, best_shared = parent, shared
        parent = parent.parent_op()
    return best


def _holds_reductions(op: Operation) -> bool:
    return isinstance(op, OutputLoop) and any(_is_reduction(nested) for nested in op.body.block.ops)


def _lanes_sum_alike(output: OutputLoop, variant: set[SSAValue]) -> bool:
    """Whether no load summed in `output`'s reductions differs from lane to lane (`variant`: its
    `_lane_variant`): every lane's reductions add the same terms, so jamming it leaves one
    accumulator, stored to each lane.

    A conv whose weight is one value for every channel (onnx's light models ship such weights;
    opt-fuse inlines them as constants): its channels, the loop that shares the most loads, sum
    alike. Jammed, they cost the work of one channel; but with one accumulator per column the
    reduction is one dependent chain of adds (resnet50's 3x3 convs at 7x7, 512 channels: 3.4x
    the time with random weights). A loop inside whose lanes differ then takes the outer lanes.
    """
    summed = [op for op in output.walk() if isinstance(op, loop.LOADS) and _inside_reduction(op, output)]
    return bool(summed) and not any(index in variant for load in summed for index in load.indices)
