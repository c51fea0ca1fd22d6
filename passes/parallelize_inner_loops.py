"""parallelize-inner-loops: a parallel loop of a few iterations hands its threads to the loops inside it.

    opt-fuse kernel.mlir -p 'lower-to-loops,unroll-and-jam,parallelize-inner-loops'
    opt-fuse kernel.mlir -p 'lower-to-loops,unroll-and-jam,parallelize-inner-loops{min-iterations=8}'

lower-to-loops makes a kernel's outermost output loop a `loop.parallel` (a
conv's output channels), the loop emit-llvm runs on the thread pool.
unroll-and-jam then steps it by the vector lanes, and a conv of 32 output
channels (each of densenet's 58 3x3 convs) is left with a loop.parallel of
one iteration: half of densenet's work ran on one thread whatever the thread
count. So a loop.parallel whose constant trip count is below `min-iterations`
becomes sequential (a single iteration is inlined by unroll-and-jam's
`inline_single_iteration`, its index the lower bound), and the output loops
directly in its body become loop.parallel instead (the conv's rows, its padded
border rows, a remainder's rows):

    loop.parallel %m = %c0 to %c32 step %c32 {       loop.parallel %oh = %c1 to %c55 step %c1 {
      loop.for %oh = %c1 to %c55 step %c1 {    ->      (channels 0..31 of row %oh)
        (channels %m..%m+31 of row %oh)              }
      }                                              ...
      ...
    }

Which loops, and why it is safe: a loop.for without loop-carried values, of
at least two iterations, whose iterations may run in any order: each stores
its own elements and reads nothing the loop stores (unroll-and-jam's
`can_jam`, the test by which that pass reorders iterations). A loop that fails
this stays sequential. emit-llvm runs each new loop.parallel on the pool in
turn (one hand-out per loop and per iteration of a sequential loop left around
it); the pool keeps a loop whose work is too small on the calling thread.
Results are bit for bit the same: each element is computed by the same ops.

Measured (AMD EPYC, 2 threads; /tmp A/B scripts, each variant compiled in one
process and timed in round robin): a 3x3 conv of 128 -> 32 channels took
0.53-0.54x its time at 56x56 and 14x14, a 1x1 conv of 256 -> 32 channels at
27x27 0.58x, a stride-2 stem of 24 channels 0.77x. One thread pays for the
loops outlined one by one: 1.00-1.09x (the 14x14 conv's border rows are
loops of their own). Two or three iterations are left alone by default: on two
threads they share out as well as rows do.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import builtin, func
from xdsl.ir import Region
from xdsl.passes import ModulePass
from xdsl.rewriter import Rewriter

from dialects import loop
from passes.unroll_and_jam import OutputLoop, can_jam, inline_single_iteration, kernels_and_calls


def _with_kind(old: OutputLoop, kind: type[OutputLoop]) -> OutputLoop:
    """`old` as a loop of `kind` (loop.for or loop.parallel), with the same bounds and body."""
    new = kind(old.lower_bound, old.upper_bound, old.step, body=Region())
    old.body.move_blocks(new.body)
    Rewriter.replace_op(old, new, [])
    return new


@dataclass(frozen=True)
class ParallelizeInnerLoopsPass(ModulePass):
    """A loop.parallel of fewer than `min_iterations` iterations becomes sequential, and the output
    loops directly inside it whose iterations are independent become loop.parallel."""

    name = "parallelize-inner-loops"

    min_iterations: int = 2
    """A loop.parallel of fewer iterations hands its threads down. The default takes a single
    iteration only, which leaves every thread but one idle; two or three share out as
    evenly as rows do on two threads (squeezenet: 1.05x its time on 2 threads with 4)."""

    def apply(self, ctx: Context, op: builtin.ModuleOp) -> None:
        for function, callers in kernels_and_calls(op):
            for parallel in [l for l in function.walk() if isinstance(l, loop.ParallelOp)]:
                self._hand_down(parallel, function, callers)

    def _hand_down(self, parallel: loop.ParallelOp, function: func.FuncOp, calls: Sequence[func.CallOp]) -> None:
        trips = parallel.trip_count()
        if trips is None or trips >= self.min_iterations or parallel.parent_op() is not function:
            return
        inner = [op for op in parallel.body.block.ops if isinstance(op, loop.ForOp) and can_jam(op, 2, function, calls, innermost=False)]
        if not inner:
            return
        if trips == 1:
            inline_single_iteration(parallel)
        else:
            _with_kind(parallel, loop.ForOp)
        for sequential in inner:
            _with_kind(sequential, loop.ParallelOp)
