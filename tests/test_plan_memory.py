"""plan-memory's placement and its report.

The planner (`greedy_by_size`) is checked on synthetic live ranges drawn with a
fixed seed: buffers live at the same time never share a byte (the fact emit-llvm's
`noalias` rests on), offsets are 64-byte aligned, the arena is never larger than
the buffers it replaces, never smaller than the bytes live at once, and each buffer
sits at the lowest offset first-fit allows. On a real model the planned IR is
checked independently of the planner's own liveness: the buffers passed to one
call are pairwise disjoint. The lit tests (lit_tests/plan-memory) show the IR.
"""

from __future__ import annotations

import itertools
import random
from pathlib import Path

import pytest
from onnx_helpers import REPO_ROOT  # first: puts the repository on sys.path
from xdsl.dialects import func
from xdsl.dialects.builtin import IntegerType, MemRefType

from compiler.driver import compile_model, run_pipeline
from compiler.onnx_importer import import_model, load_model
from dialects import loop
from passes.plan_memory import (
    ARENA_ALIGN,
    LiveBuffer,
    align_up,
    arena_bytes,
    greedy_by_size,
    memory_plans,
    placement_order,
)


def random_buffers(rng: random.Random) -> list[LiveBuffer]:
    """Up to 40 buffers over up to 30 steps; sizes mix tiny, cache-line multiples and odd large ones."""
    steps = rng.randint(1, 30)
    buffers = []
    for _ in range(rng.randint(1, 40)):
        first = rng.randint(0, steps)
        last = rng.randint(first, min(steps, first + rng.choice([0, 1, 2, 5, steps])))
        size = rng.choice([0, rng.randint(1, 100), 64 * rng.randint(1, 64), rng.randint(1, 50_000)])
        buffers.append(LiveBuffer(size, first, last))
    return buffers


def bytes_overlap(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


CASES = [random_buffers(random.Random(seed)) for seed in range(300)]


@pytest.mark.parametrize("buffers", CASES[:150])
def test_simultaneously_live_buffers_never_overlap(buffers: list[LiveBuffer]) -> None:
    offsets = greedy_by_size(buffers)
    total = arena_bytes(buffers, offsets)
    extents = [(offset, offset + b.size) for b, offset in zip(buffers, offsets)]
    for i, j in itertools.combinations(range(len(buffers)), 2):
        if buffers[i].overlaps_in_time(buffers[j]):
            assert not bytes_overlap(extents[i], extents[j]), (buffers[i], extents[i], buffers[j], extents[j])
    assert all(offset % ARENA_ALIGN == 0 for offset in offsets)
    assert all(end <= total for _, end in extents)
    assert total <= sum(align_up(b.size) for b in buffers)
    steps = {s for b in buffers for s in (b.first, b.last)}
    peak = max(sum(b.size for b in buffers if b.first <= s <= b.last) for s in steps)
    assert total >= peak


@pytest.mark.parametrize("buffers", CASES[150:])
def test_each_buffer_takes_the_lowest_free_offset(buffers: list[LiveBuffer]) -> None:
    """First fit, in placement order: every lower aligned offset collides with an earlier-placed, live buffer."""
    offsets = greedy_by_size(buffers)
    placed: list[int] = []
    for index in placement_order(buffers):
        buffer = buffers[index]
        rivals = [(offsets[o], offsets[o] + buffers[o].size) for o in placed if buffers[o].overlaps_in_time(buffer)]
        for lower in range(0, offsets[index], ARENA_ALIGN):
            candidate = (lower, lower + buffer.size)
            assert any(bytes_overlap(candidate, r) for r in rivals), (index, lower, offsets[index])
        placed.append(index)


def test_largest_first_and_dead_bytes_reused() -> None:
    """A small early buffer goes above the large one, into bytes a later buffer reuses once it is dead."""
    small, big, middle = LiveBuffer(64, 1, 3), LiveBuffer(4096, 3, 5), LiveBuffer(1024, 5, 6)
    assert greedy_by_size([small, big, middle]) == [4096, 0, 4096]
    chain = [LiveBuffer(256, 2 * i, 2 * i + 2) for i in range(4)]
    assert greedy_by_size(chain) == [0, 256, 0, 256]
    assert arena_bytes(chain, greedy_by_size(chain)) == 512


def test_buffers_passed_to_one_call_are_disjoint_in_a_real_model() -> None:
    """Checked on the IR, not with the planner's liveness: what `noalias` on kernel parameters needs."""
    module = import_model(load_model(REPO_ROOT / "examples" / "cnn.onnx"))
    run_pipeline(module, "builtin.module(shape-infer,fold-constants,fold-batchnorm,fuse,lower-to-loops,plan-memory)")
    (entry,) = [f for f in module.ops if isinstance(f, func.FuncOp) and "loop.entry" in f.attributes]
    (plan,) = memory_plans(module)
    assert plan.function == entry.sym_name.data and 0 < plan.arena_bytes < plan.unplanned_bytes
    allocs = [op for op in entry.walk() if isinstance(op, loop.AllocOp)]
    assert [a.buffer.type for a in allocs] == [MemRefType(IntegerType(8), [plan.arena_bytes])]  # only the arena
    views = 0
    for call in (op for op in entry.body.block.ops if isinstance(op, func.CallOp)):
        ranges = {}
        for arg in call.arguments:
            if isinstance(view := arg.owner, loop.ViewOp):
                ranges[arg] = (view.byte_offset, view.byte_offset + loop.static_buffer_bytes(arg.type))
        views += len(ranges)
        for a, b in itertools.combinations(ranges.values(), 2):
            assert not bytes_overlap(a, b), (call, a, b)
    assert views > 0


def test_compile_driver_reports_the_arena(tmp_path: Path) -> None:
    artifacts = compile_model(REPO_ROOT / "examples" / "cnn.onnx", tmp_path, kinds=("ll",))
    assert artifacts.arena_bytes is not None and artifacts.unplanned_bytes is not None
    assert 0 < artifacts.arena_bytes < artifacts.unplanned_bytes
    ir = artifacts.files["ll"].read_text()
    assert f"@cnn.arena = internal global [{artifacts.arena_bytes} x i8] zeroinitializer, align 64" in ir
