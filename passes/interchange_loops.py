"""interchange-loops: of two nested output loops, put outside the one whose data stays in cache.

    opt-fuse kernel.mlir -p 'lower-to-loops,unroll-and-jam,interchange-loops'
    opt-fuse kernel.mlir -p 'lower-to-loops,unroll-and-jam,interchange-loops{cache-bytes=262144}'

lower-to-loops nests a kernel's output loops in the order of the output's dims,
and unroll-and-jam keeps it: a matmul C[i, j] loops over row blocks outside,
column blocks inside, and the k reduction innermost. Each iteration of the
column loop reads a panel of B, k x 32 floats (128 KiB at k = 1024), and a
different one each time: for every block of rows, all of B (4 MiB) streams
through the caches again, while the block of A rows (16 KiB), the same for
every column block, would have stayed in L1. Swapped, the column loop outside,
one panel of B stays in L2 while all of A streams past it:

    loop.parallel %i = %c0 to %c1024 step %c4 {      loop.parallel %j = %c0 to %c1024 step %c32 {
      %i1 = arith.addi %i, %c1 ...                     loop.for %i = %c0 to %c1024 step %c4 {
      loop.for %j = %c0 to %c1024 step %c32 {    ->      %i1 = arith.addi %i, %c1 ...
        (k reduction: a rows, b panel)                   (k reduction: a rows, b panel)
      }                                                }
    }                                                }

What is swapped: a loop O whose body is one output loop I (and index math,
moved into I's body), where the loads in I's body that change with I but not
with O (B's panel) read more bytes per iteration of I than the loads that change
with O but not with I (A's rows), and all of I's iterations read more than
`cache-bytes` of them: then they are streamed again for each iteration of O.
Bytes read per iteration count every load inside I by its element size times
its vector width times the trip counts of the loops inside I it depends on;
a loop with an unknown trip count leaves the pair alone.

Why it is safe: both loops are output loops whose iterations are independent
(unroll-and-jam's `can_jam`: each iteration stores its own elements, nothing
stored is loaded), so any order computes the same values, each element's
reduction in its own order; the results are bit for bit those of the original
order. The new outer loop keeps O's kind, so a `loop.parallel` stays the loop
the thread pool shares out (now over column blocks).

Convs are left as they are: lower-to-loops already puts the output channels
(whose weights are the large, reused data) outside the rows, and a bias load in
the channel loop's body makes it more than one loop.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import builtin, func
from xdsl.dialects.builtin import MemRefType
from xdsl.ir import Block, BlockArgument, Operation, SSAValue
from xdsl.passes import ModulePass
from xdsl.traits import is_side_effect_free

from dialects import loop
from dialects.dtypes import numpy_dtype
from passes.unroll_and_jam import OutputLoop, can_jam, kernels_and_calls


def _single_inner_loop(outer: OutputLoop) -> OutputLoop | None:
    """The one output loop in `outer`'s body, when everything else there is index math it uses."""
    ops = list(outer.body.block.ops)[:-1]
    loops = [op for op in ops if op.regions]
    if len(loops) != 1 or not isinstance(inner := loops[0], OutputLoop) or inner.carried_args:
        return None
    if ops[-1] is not inner or not all(is_side_effect_free(op) for op in ops[:-1]):
        return None
    if any(bound.owner is outer.body.block or _defined_in(bound, outer) for bound in (inner.lower_bound, inner.upper_bound, inner.step)):
        return None
    return inner


def _defined_in(value: SSAValue, op: Operation) -> bool:
    owner = value.owner.parent_op() if isinstance(value, BlockArgument) else value.owner
    return owner is not None and op.is_ancestor(owner)


def _loop_indices(value: SSAValue, memo: dict[SSAValue, frozenset[SSAValue]]) -> frozenset[SSAValue]:
    """The loop indices `value` is computed from."""
    if value not in memo:
        if isinstance(value, BlockArgument):
            memo[value] = frozenset([value])
        else:
            memo[value] = frozenset().union(*(_loop_indices(v, memo) for v in value.owner.operands))
    return memo[value]


def _elements_spanned(load: Operation) -> int:
    """Elements a load's span covers: one, a vector's lanes, or a strided vector's lanes times
    its stride (the elements between its lanes are brought into cache with them)."""
    if isinstance(load, loop.VectorLoadOp):
        return load.result.type.get_shape()[0]
    if isinstance(load, loop.StridedVectorLoadOp):
        return load.result.type.get_shape()[0] * load.lane_stride
    return 1


def _bytes_by_dependence(inner: OutputLoop, outer: OutputLoop) -> tuple[int, int] | None:
    """Bytes one iteration of `inner` loads that change with `inner` only, and with `outer` only."""
    memo: dict[SSAValue, frozenset[SSAValue]] = {}
    with_inner = with_outer = 0
    for load in inner.walk():
        if not isinstance(load, loop.LOADS):
            continue
        depends = frozenset().union(*(_loop_indices(i, memo) for i in load.indices))
        buffer_type = load.buffer.type
        assert isinstance(buffer_type, MemRefType)
        size = numpy_dtype(buffer_type.element_type).itemsize * _elements_spanned(load)
        parent = load.parent_op()
        while parent is not inner and parent is not None:
            if isinstance(parent, loop.ForOp | loop.ParallelOp) and parent.induction_var in depends:
                trips = parent.trip_count()
                if trips is None:
                    return None
                size *= trips
            parent = parent.parent_op()
        if inner.induction_var in depends and outer.induction_var not in depends:
            with_inner += size
        elif outer.induction_var in depends and inner.induction_var not in depends:
            with_outer += size
    return with_inner, with_outer


def interchange(outer: OutputLoop, inner: OutputLoop) -> OutputLoop:
    """Swap `outer` and its only loop `inner` (checked by the pass); the new outer loop."""
    new_outer = type(outer)(inner.lower_bound, inner.upper_bound, inner.step)
    new_inner = type(inner)(outer.lower_bound, outer.upper_bound, outer.step)
    new_outer.induction_var.name_hint = inner.induction_var.name_hint
    new_inner.induction_var.name_hint = outer.induction_var.name_hint
    outer_end, inner_end = new_outer.body.block.last_op, new_inner.body.block.last_op
    assert outer_end is not None and inner_end is not None
    new_outer.body.block.insert_op_before(new_inner, outer_end)
    for op in [*list(outer.body.block.ops)[:-1], *list(inner.body.block.ops)[:-1]]:
        if op is inner:
            continue
        op.detach()
        new_inner.body.block.insert_op_before(op, inner_end)
    outer.induction_var.replace_all_uses_with(new_inner.induction_var)
    inner.induction_var.replace_all_uses_with(new_outer.induction_var)
    parent = outer.parent_block()
    assert parent is not None
    parent.insert_op_before(new_outer, outer)
    outer.detach()
    outer.erase()
    return new_outer


@dataclass(frozen=True)
class InterchangeLoopsPass(ModulePass):
    """Swap two nested output loops when the inner one's changing data would not stay in cache."""

    name = "interchange-loops"

    cache_bytes: int = 1 << 20
    """What the data the inner loop reads over all its iterations must exceed to be worth keeping
    in cache by a swap (one core's L2 on the machines we measure: 1 MiB)."""

    def apply(self, ctx: Context, op: builtin.ModuleOp) -> None:
        for function, callers in kernels_and_calls(op):
            self._interchange_in(function.body.block, function, callers)

    def _interchange_in(self, block: Block, function: func.FuncOp, calls: Sequence[func.CallOp]) -> None:
        """Swap the pairs worth it, outermost first."""
        for op in list(block.ops):
            if isinstance(op, OutputLoop) and (inner := self._worth_swapping(op, function, calls)) is not None:
                op = interchange(op, inner)
            for region in op.regions:
                for nested in region.blocks:
                    self._interchange_in(nested, function, calls)

    def _worth_swapping(self, outer: OutputLoop, function: func.FuncOp, calls: Sequence[func.CallOp]) -> OutputLoop | None:
        inner = _single_inner_loop(outer)
        if inner is None or outer.carried_args:
            return None
        trips = inner.trip_count()
        if trips is None or trips < 2 or (outer.trip_count() or 0) < 2:
            return None
        read = _bytes_by_dependence(inner, outer)
        if read is None or read[0] <= read[1] or read[0] * trips <= self.cache_bytes:
            return None
        if not (can_jam(outer, 2, function, calls, innermost=False) and can_jam(inner, 2, function, calls, innermost=False)):
            return None
        return inner

