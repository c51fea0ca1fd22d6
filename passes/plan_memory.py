"""plan-memory: every intermediate buffer of an entry function gets an offset in one arena.

    opt-fuse model.mlir -p 'lower-to-loops,plan-memory'

After lower-to-loops each intermediate tensor is its own `loop.alloc`, which
emit-llvm makes a static global: the model's memory is the sum of all its
intermediates, although most of them live only from their producer's kernel to
their last consumer's. This pass puts them all into one byte arena and lets
buffers that are never live at the same time share bytes:

    func.func @model(%x: memref<64xf32>, %result: memref<64xf32>) attributes {loop.entry} {
      %a = loop.alloc : memref<64xf32>
      func.call @k0(%x, %a)
      %b = loop.alloc : memref<64xf32>
      func.call @k1(%a, %b)
      %c = loop.alloc : memref<64xf32>
      func.call @k2(%b, %c)
      func.call @k3(%c, %result)
      func.return
    }

becomes (%c reuses %a's bytes: %a is dead once k1 has run)

    func.func @model(...) attributes {loop.arena_bytes = 512 : i64, loop.entry, loop.unplanned_bytes = 768 : i64} {
      %arena = loop.alloc : memref<512xi8>
      %a = loop.view %arena[0] : memref<512xi8> to memref<64xf32>
      func.call @k0(%x, %a)
      %b = loop.view %arena[256] : memref<512xi8> to memref<64xf32>
      ...
      %c = loop.view %arena[0] : memref<512xi8> to memref<64xf32>

Which functions: the entry functions (attribute `loop.entry`, set by
lower-to-loops); kernels allocate nothing. Every `loop.alloc` in an entry
function is planned; function arguments (the caller's inputs and outputs) and
`memref.get_global` constants are not allocs and stay as they are. A function
that already carries `loop.arena_bytes` was planned before and is left alone,
so running the pass twice changes nothing.

Liveness: the entry block is a straight line of kernel calls, so a buffer is
live from the first op of the entry block that uses it to the last one,
inclusive (a use nested in a region counts at the op of the entry block that
holds it). Uses are followed through ops that only derive a new memref from
it (side-effect free ops with memref results, such as `loop.view` or a
`memref.subview`): a use of the derived value is a use of the buffer, while the
deriving op itself touches no memory and does not extend the range. A buffer
nobody uses is live only where its `loop.alloc` stands. (A pointer that leaves
as an integer, `memref.extract_aligned_pointer_as_index`, is not followed;
nothing we lower makes one.)

Placement is TFLite's greedy-by-size arena planner: buffers are placed largest
first (ties: earliest first use, then program order), each at the lowest
`ARENA_ALIGN`-aligned offset where it overlaps no already-placed buffer whose
live range intersects its own. Large buffers placed first leave gaps the small
ones fill; on CNNs this is close to the peak of simultaneously live bytes.
The alignment is a cache line, the alignment emit-llvm gives every buffer and
the arena itself, so each view is as aligned as its own global was.

What emit-llvm may assume (compiler/llvm_ir.py relies on it for `noalias`):
two buffers live at the same time get disjoint byte ranges. Both operands of
one call are live at that call, so two kernel arguments never overlap, unless
they are the same buffer.

Report: attributes on each planned entry function, `loop.arena_bytes` (the
arena's size) and `loop.unplanned_bytes` (what the replaced buffers took as
separate `ARENA_ALIGN`-aligned globals: each size rounded up to the alignment,
summed). `memory_plans(module)` reads them back; the compile driver reports
them on its artifacts.

An arena past 2**47 bytes (128 TiB, `MAX_TENSOR_BYTES`) is refused: nothing could allocate it.

Option `reuse=false` gives every buffer its own bytes (one arena, no sharing):
when a model's results change with planning, this tells whether reuse (a
liveness bug) or the arena itself is the cause.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import builtin, func
from xdsl.dialects.builtin import IntegerAttr, IntegerType, MemRefType
from xdsl.ir import Block, Operation, SSAValue
from xdsl.passes import ModulePass
from xdsl.traits import is_side_effect_free

from compiler.diagnostics import describe_op
from compiler.errors import OptFuseError
from dialects import loop
from dialects.dims import MAX_TENSOR_BYTES, SIZE_LIMIT, describe_bytes

ARENA_ALIGN = 64
"""Byte alignment of every offset in the arena (emit-llvm aligns the arena itself to 64 too)."""

ENTRY_ATTR = "loop.entry"
ARENA_BYTES_ATTR = "loop.arena_bytes"
UNPLANNED_BYTES_ATTR = "loop.unplanned_bytes"


def align_up(size: int, alignment: int = ARENA_ALIGN) -> int:
    return -(-size // alignment) * alignment


# --------------------------------------------------------------------------- the planner


@dataclass(frozen=True)
class LiveBuffer:
    """A buffer to place: its size in bytes and the positions of its first and last use (inclusive)."""

    size: int
    first: int
    last: int

    def overlaps_in_time(self, other: LiveBuffer) -> bool:
        return self.first <= other.last and other.first <= self.last


def placement_order(buffers: Sequence[LiveBuffer]) -> list[int]:
    """Indices in the order the greedy planner places them: largest first, then earliest first use."""
    return sorted(range(len(buffers)), key=lambda i: (-buffers[i].size, buffers[i].first, i))


def greedy_by_size(buffers: Sequence[LiveBuffer], alignment: int = ARENA_ALIGN) -> list[int]:
    """Byte offsets, one per buffer, such that buffers live at the same time do not overlap.

    Each buffer, in `placement_order`, goes to the lowest multiple of `alignment` that
    leaves it clear of every placed buffer whose live range meets its own. Scanning
    those in order of offset is enough: a candidate that fits below one buffer's start
    fits below all the later ones, and the candidate only ever moves past an end.
    """
    offsets = [0] * len(buffers)
    placed: list[int] = []
    for index in placement_order(buffers):
        buffer = buffers[index]
        busy = sorted(
            (offsets[other], offsets[other] + buffers[other].size)
            for other in placed
            if buffers[other].overlaps_in_time(buffer)
        )
        offset = 0
        for start, end in busy:
            if offset + buffer.size <= start:
                break
            offset = max(offset, align_up(end, alignment))
        offsets[index] = offset
        placed.append(index)
    return offsets


def arena_bytes(buffers: Sequence[LiveBuffer], offsets: Sequence[int]) -> int:
    return max((offset + b.size for b, offset in zip(buffers, offsets)), default=0)


# --------------------------------------------------------------------------- the pass


@dataclass(frozen=True)
class MemoryPlan:
    """What plan-memory did to one entry function, as its attributes say."""

    function: str
    arena_bytes: int
    unplanned_bytes: int


def memory_plans(module: builtin.ModuleOp) -> list[MemoryPlan]:
    """The plans recorded on the module's entry functions (empty before plan-memory ran)."""
    plans = []
    for op in module.ops:
        if isinstance(op, func.FuncOp):
            arena, unplanned = op.attributes.get(ARENA_BYTES_ATTR), op.attributes.get(UNPLANNED_BYTES_ATTR)
            if isinstance(arena, IntegerAttr) and isinstance(unplanned, IntegerAttr):
                plans.append(MemoryPlan(op.sym_name.data, arena.value.data, unplanned.value.data))
    return plans


def _use_positions(buffer: SSAValue, block: Block, position: dict[Operation, int]) -> list[int]:
    """Positions in `block` of the ops that use `buffer`, directly or through derived memrefs."""
    positions: list[int] = []
    pending, seen = [buffer], {buffer}
    while pending:
        value = pending.pop()
        for use in value.uses:
            user = use.operation
            derived = [r for r in user.results if isinstance(r.type, MemRefType)]
            if not (derived and is_side_effect_free(user)):  # a pure memref-to-memref op is only an address
                holder = block.find_ancestor_op_in_block(user)
                assert holder is not None, "a use outside the function that defines the buffer"
                positions.append(position[holder])
            for result in derived:  # a call returning a memref may return this one: follow it too
                if result not in seen:
                    seen.add(result)
                    pending.append(result)
    return positions


def plan_function(function: func.FuncOp, reuse: bool = True) -> MemoryPlan:
    """Replace the function's loop.allocs by views of one arena, placed by `greedy_by_size`."""
    block = function.body.block
    position = {op: number for number, op in enumerate(block.ops)}
    allocs = [op for op in function.walk() if isinstance(op, loop.AllocOp)]
    buffers: list[LiveBuffer] = []
    for alloc in allocs:
        size = loop.static_buffer_bytes(alloc.buffer.type)
        if size is None:
            raise OptFuseError(
                f"plan-memory: {describe_op(alloc)}: {alloc.buffer.type} has no static size in bytes (a dynamic "
                "shape, a layout or an unsized element type); allocate symbolic tensors at their bound"
            )
        holder = block.find_ancestor_op_in_block(alloc)
        assert holder is not None
        uses = _use_positions(alloc.buffer, block, position) or [position[holder]]
        buffers.append(LiveBuffer(size, min(uses), max(uses)))
    if not reuse:  # everything live everywhere: nothing shares
        buffers_to_place = [LiveBuffer(b.size, 0, len(position)) for b in buffers]
    else:
        buffers_to_place = buffers
    offsets = greedy_by_size(buffers_to_place)
    total = arena_bytes(buffers, offsets)
    if total > MAX_TENSOR_BYTES:
        raise OptFuseError(
            f"plan-memory: @{function.sym_name.data}: its intermediate buffers need an arena of {describe_bytes(total)}, past the {SIZE_LIMIT}"
        )
    unplanned = sum(align_up(b.size) for b in buffers)
    if allocs:
        arena = loop.AllocOp(MemRefType(IntegerType(8), [total]))
        arena.buffer.name_hint = "arena"
        if block.first_op is None:
            block.add_op(arena)
        else:
            block.insert_op_before(arena, block.first_op)
        for alloc, offset in zip(allocs, offsets):
            view = loop.ViewOp(arena.buffer, offset, alloc.buffer.type)
            view.result.name_hint = alloc.buffer.name_hint
            alloc_block = alloc.parent_block()
            assert alloc_block is not None
            alloc_block.insert_op_before(view, alloc)
            alloc.buffer.replace_all_uses_with(view.result)
            alloc.detach()
            alloc.erase()
    function.attributes[ARENA_BYTES_ATTR] = IntegerAttr(total, 64)
    function.attributes[UNPLANNED_BYTES_ATTR] = IntegerAttr(unplanned, 64)
    return MemoryPlan(function.sym_name.data, total, unplanned)


@dataclass(frozen=True)
class PlanMemoryPass(ModulePass):
    """Place every intermediate buffer of each entry function in one arena, reusing dead buffers' bytes.

    `reuse=false` keeps every buffer in bytes of its own (a debugging aid: see the module docstring).
    """

    name = "plan-memory"

    reuse: bool = True

    def apply(self, ctx: Context, op: builtin.ModuleOp) -> None:
        for function in op.ops:
            if (
                isinstance(function, func.FuncOp)
                and ENTRY_ATTR in function.attributes
                and ARENA_BYTES_ATTR not in function.attributes
                and not function.is_declaration
            ):
                plan_function(function, self.reuse)
