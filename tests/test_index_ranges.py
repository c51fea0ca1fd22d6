"""KernelBuilder's index ranges: bounds tests they decide and clamps they make useless emit nothing.

The ranges are what lets lower-to-loops loop a padded window's interior apart
from its border with no bounds test inside; a wrong range would drop a test
that is needed, so each case also checks the test is kept when the range
does not decide it.
"""

from __future__ import annotations

import pytest
from xdsl.dialects import arith
from xdsl.ir import Block

from dialects.semantics import Cond, Ix, KernelBuilder


def _builder() -> tuple[KernelBuilder, Block]:
    block = Block()
    return KernelBuilder.at(lambda kb, value, index: kb.load(value, index), block, None), block


def _emitted(block: Block, kind: type) -> int:
    return sum(isinstance(op, kind) for op in block.walk())


def test_loop_index_has_its_bounds_as_range() -> None:
    kb, _ = _builder()
    i = kb.open_loop(3, 10)
    assert i.range() == (3, 9)


@pytest.mark.parametrize(
    ("first", "end", "offset", "decided"),
    [
        (1, 5, -1, True),  # i - 1 in [0, 3]: inside [0, 6)
        (0, 5, -1, False),  # i - 1 reaches -1
        (1, 7, 0, False),  # i reaches 6
        (2, 4, 2, True),  # i + 2 in [4, 5]
    ],
)
def test_in_range_folds_only_when_the_range_decides(first: int, end: int, offset: int, decided: bool) -> None:
    kb, block = _builder()
    position = kb.open_loop(first, end) + offset
    inside = position.in_range(0, 6)
    assert isinstance(inside.value, bool) == decided
    if decided:
        assert inside.value is True
        assert _emitted(block, arith.CmpiOp) == 0


def test_a_range_entirely_outside_folds_to_false() -> None:
    kb, _ = _builder()
    position = kb.open_loop(0, 3) - 5
    assert (position >= 0).value is False


def test_clamp_disappears_inside_and_stays_when_it_may_bite() -> None:
    kb, block = _builder()
    i = kb.open_loop(1, 5)
    shifted = i - 1  # [0, 3]
    assert shifted.clamp(0, 5).value is shifted.value
    assert _emitted(block, arith.MinSIOp) == _emitted(block, arith.MaxSIOp) == 0
    clamped = (i + 2).clamp(0, 5)  # reaches 6
    assert _emitted(block, arith.MinSIOp) == 1
    assert clamped.range() is None


def test_scaled_and_divided_ranges() -> None:
    kb, _ = _builder()
    i = kb.open_loop(0, 8)
    doubled = i * 2 + 1  # [1, 15]
    assert doubled.range() == (1, 15)
    assert (doubled // 4).range() == (0, 3)
    assert isinstance((doubled < 16).value, bool)


def test_a_single_value_range_becomes_a_constant() -> None:
    """m // 64 with m < 64 (a conv's group of a one-group conv) is the constant 0."""
    kb, block = _builder()
    m = kb.open_loop(0, 64)
    group = m // 64
    assert isinstance(group, Ix) and group.value == 0
    assert _emitted(block, arith.DivUIOp) == 0


def test_remainder_of_a_non_negative_index_is_below_the_divisor() -> None:
    kb, _ = _builder()
    i = kb.open_loop(0, 8)
    assert (i % 3).range() == (0, 2)
    assert ((i % 3) < 3).value is True
    assert (kb.open_loop(0, 2) % 3).range() == (0, 1)


def test_remainder_of_an_index_that_may_be_negative_has_no_range() -> None:
    kb, _ = _builder()
    shifted = kb.open_loop(0, 8) - 4
    assert (shifted % 3).range() is None
    assert isinstance(((shifted % 3) < 3), Cond)


def _divisions(block: Block) -> int:
    return sum(isinstance(op, arith.DivUIOp | arith.RemUIOp) for op in block.walk())


def test_a_linearized_index_taken_apart_needs_no_division() -> None:
    """A reshape's flat index ((c*4 + h)*5 + w), divided and reduced again, is c, h and w."""
    kb, block = _builder()
    c, h, w = kb.open_loop(0, 3), kb.open_loop(0, 4), kb.open_loop(0, 5)
    flat = (c * 4 + h) * 5 + w
    assert (flat // 20).value is c.value
    assert ((flat // 5) % 4).value is h.value
    assert (flat % 5).value is w.value
    assert (flat // 60).value == 0  # past every c: the range decides it
    assert _divisions(block) == 0


def test_a_split_that_regroups_divides_only_the_high_part() -> None:
    """Channel groups: flat = c*20 + r with r < 20; flat // 60 is c // 3 (no r), flat % 60 is
    (c % 3)*20 + r. Checked against Python on every value."""
    kb, block = _builder()
    c, r = kb.open_loop(0, 9), kb.open_loop(0, 20)
    flat = c * 20 + r
    quotient, remainder = flat // 60, flat % 60
    for op in block.walk():
        if isinstance(op, arith.DivUIOp | arith.RemUIOp):
            assert op.lhs is c.value  # only the channel index is divided
    assert _divisions(block) == 2
    terms_q, terms_r = quotient.affine(), remainder.affine()
    for cv in range(9):
        for rv in range(20):
            values = {c.value: cv, r.value: rv}

            def evaluate(terms: dict, values: dict = values) -> int:
                total = terms.get(None, 0)
                for t, k in terms.items():
                    if t is not None:
                        total += k * (values[t] if t in values else _evaluate_division(t, values))
                return total

            assert evaluate(terms_q) == (cv * 20 + rv) // 60
            assert evaluate(terms_r) == (cv * 20 + rv) % 60


def _evaluate_division(value, values: dict) -> int:
    op = value.owner
    divisor = op.rhs.owner.value.value.data
    numerator = values[op.lhs]
    return numerator // divisor if isinstance(op, arith.DivUIOp) else numerator % divisor


@pytest.mark.parametrize("low_end", [21, 25])
def test_no_split_when_the_low_part_may_reach_the_divisor(low_end: int) -> None:
    """c*20 + r with r up to 20 or more: (c*20 + r) // 20 is not c, and a division stays."""
    kb, block = _builder()
    c, r = kb.open_loop(0, 9), kb.open_loop(0, low_end)
    quotient = (c * 20 + r) // 20
    assert quotient.value is not c.value
    assert _divisions(block) == 1
