"""The vocabulary nn ops use to state their scalar semantics, and the builder behind it.

Every nn op says, once, how to compute ONE element of its result at an index
(`NNOp.emit_element(kb, index)`), in terms of elements of its operands
(`kb.read(operand, index)`). Lowering a group of ops is then composition: when
an op reads an operand produced inside the same group, the producer's own
`emit_element` is called at that index, so the value is computed in registers
and never stored. No code exists per pair of ops; fusing any chain is just
this recursion.

`KernelBuilder` emits the scalar code into a loop nest. Its one trick is
hoisting at construction: each emitted op is placed at the outermost loop
level where all its operands are available. An op's level is the deepest
level among its operands, and it is inserted just before the next-inner loop
of that level. So `softmax`'s row maximum, whose index does not involve the
innermost loop, is computed once per row although the op wrote it per element,
and a Conv's bias load leaves the reduction loops. Reductions (`kb.reduce`)
are `loop.for` nests with the accumulator as a loop-carried value.

    x = kb.read(op.input, index)            # load, or the producer's expression
    one = kb.const(1.0)
    y = one / (one + (-x).exp())            # arith/math ops, hoisted as far as they go
"""

from __future__ import annotations

import itertools
import math as pymath
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
from xdsl.dialects import arith, math
from xdsl.dialects.builtin import (
    AnyFloat,
    FloatAttr,
    IndexType,
    IntegerAttr,
    IntegerType,
    Signedness,
    f32,
    i1,
    i64,
)
from xdsl.dialects.utils.fast_math import FastMathFlag
from xdsl.ir import Attribute, Block, Operation, SSAValue

from dialects import loop
from dialects.dims import Dim, DimExpr, SymbolicDimError
from dialects.dtypes import element_type_of_numpy, numpy_dtype


class ElementReader(Protocol):
    """How a kernel gets the element of a tensor value at an index."""

    def __call__(self, kb: KernelBuilder, value: SSAValue, index: Sequence[Ix]) -> Scalar: ...


@dataclass(eq=False)
class _Level:
    """A place where ops can be inserted: a block, before `anchor` (or at its end)."""

    block: Block
    anchor: Operation | None
    resume: Operation | None = None
    """The anchor the enclosing level had before this level's loop was opened (`KernelBuilder.close`)."""

    def insert(self, op: Operation) -> None:
        if self.anchor is None:
            self.block.add_op(op)
        else:
            self.block.insert_op_before(op, self.anchor)


@dataclass(eq=False)
class KernelBuilder:
    """Emits the scalar code of one kernel, hoisting each op to its outermost valid level."""

    reader: ElementReader
    levels: list[_Level]
    level_of: dict[SSAValue, int] = field(default_factory=dict[SSAValue, int])
    _constants: dict[tuple[float | int | bool, Attribute], SSAValue] = field(default_factory=dict)
    _reads: dict[tuple[SSAValue, tuple[int | SSAValue, ...]], Scalar] = field(default_factory=dict)
    symbols: dict[str, SSAValue] = field(default_factory=dict[str, SSAValue])
    """The runtime values (`index` arguments of the kernel) of the symbolic dims it uses."""
    _sizes: dict[DimExpr, Ix] = field(default_factory=dict)
    ranges: dict[SSAValue, tuple[int, int]] = field(default_factory=dict[SSAValue, tuple[int, int]])
    """The smallest and largest value of index values known at compile time (loop indices over
    constant bounds and index math on them): a bounds test they decide, or a clamp they make
    useless, emits nothing (a conv's interior, looped apart from its padded border)."""
    sums: dict[SSAValue, Affine] = field(default_factory=dict)
    """Index values built by + - * from others: the sum of terms (value -> coefficient, None ->
    the constant) they compute, for `Ix.__floordiv__` and `__mod__` to see through a linearization."""

    @staticmethod
    def at(reader: ElementReader, block: Block, anchor: Operation | None) -> KernelBuilder:
        """A builder whose outermost level inserts into `block` before `anchor`."""
        return KernelBuilder(reader, [_Level(block, anchor)])

    # -- placement ---------------------------------------------------------

    def level(self, value: SSAValue) -> int:
        return self.level_of.get(value, 0)

    def place(self, op: Operation, innermost: bool = False) -> Operation:
        """Insert `op` at the outermost level where all its operands exist (with `innermost`, at the innermost level)."""
        level = len(self.levels) - 1 if innermost else max((self.level(v) for v in op.operands), default=0)
        self.levels[level].insert(op)
        for result in op.results:
            self.level_of[result] = level
        return op

    def emit(self, op: Operation) -> SSAValue:
        """`place` an op with one result and return the result."""
        return self.place(op).results[0]

    # -- constants and loads -------------------------------------------------

    def const(self, value: float | bool, type: Attribute = f32) -> Scalar:
        """A constant of `type`; for an integer type, +-inf stand for its largest and smallest values
        (a maximum's start), and other values are truncated and saturated at them."""
        key = (value, type)
        if key not in self._constants:
            if isinstance(type, IndexType | IntegerType):
                attr: Attribute = IntegerAttr(integer_value(value, type), type)
            else:
                assert isinstance(type, AnyFloat)
                attr = FloatAttr(float(value), type)
            self._constants[key] = self.emit(arith.ConstantOp(attr, type))
        return Scalar(self, self._constants[key])

    def constant_value(self, value: SSAValue) -> float | bool | None:
        """The Python value of `value` if `const` made it, else None."""
        return next((key[0] for key, known in self._constants.items() if known is value), None)

    def index(self, value: int | SSAValue | Ix | DimExpr) -> Ix:
        if isinstance(value, Ix):
            return value
        if isinstance(value, DimExpr):
            return self.size(value)
        return Ix(self, value)

    def size(self, dim: Dim) -> Ix:
        """A dim as an index: a symbolic one is computed from the symbols' values, once per kernel."""
        if isinstance(dim, int):
            return self.index(dim)
        if dim not in self._sizes:
            total = self.index(0)
            for monomial, coefficient in dim.terms.items():
                term = self.index(coefficient)
                for atom in monomial:
                    if atom.numerator is not None:
                        term = term * (self.size(atom.numerator) // atom.divisor)
                    elif atom.name in self.symbols:
                        term = term * self.index(self.symbols[atom.name])
                    else:
                        raise SymbolicDimError(f"the kernel has no value for the symbol '{atom.name}'")
                total = total + term
            self._sizes[dim] = total
        return self._sizes[dim]

    def read(self, value: SSAValue, index: Sequence[Ix]) -> Scalar:
        """The element of tensor `value` at `index`; computed once per distinct index."""
        key = (value, tuple(i.value for i in index))
        if key not in self._reads:
            self._reads[key] = self.reader(self, value, index)
        return self._reads[key]

    def load(self, buffer: SSAValue, index: Sequence[Ix], innermost: bool = False) -> Scalar:
        """The element of `buffer` at `index`; hoisted like any op unless `innermost` (a buffer the kernel also writes)."""
        return Scalar(self, self.place(loop.LoadOp(buffer, [i.ssa() for i in index]), innermost).results[0])

    def store(self, value: Scalar, buffer: SSAValue, index: Sequence[Ix]) -> None:
        self.place(loop.StoreOp(value.value, buffer, [i.ssa() for i in index]))

    def check(self, cond: Cond, message: str) -> None:
        """Fail the run with `message` where `cond` is false (a `loop.check`, hoisted like any op).

        A condition known at compile time to be true emits nothing; one known to
        be false still emits the check: it then fails every run.
        """
        if cond.value is True:
            return
        self.place(loop.CheckOp(cond.ssa(), message))

    # -- loops -----------------------------------------------------------------

    @property
    def depth(self) -> int:
        """How many levels are open: the kernel's body, then one per loop opened and not closed."""
        return len(self.levels)

    def parallel_nest(self, extents: Sequence[Dim], parallel: bool = True) -> list[Ix]:
        """Open one loop per extent (size-1 dims get the constant index 0) and descend into it.

        The outermost loop is a loop.parallel: its iterations write disjoint
        elements (with `parallel` False, every loop is a loop.for). Later
        insertions at the new innermost level go to its end.
        """
        index: list[Ix] = []
        first = parallel
        for extent in extents:
            if extent == 1:
                index.append(self.index(0))
                continue
            index.append(self.open_loop(0, extent, parallel=first))
            first = False
        return index

    def open_loop(self, lower: int, upper: Dim, parallel: bool = False) -> Ix:
        """Open one loop over [lower, upper) (a loop.parallel if `parallel`), descend into it, return its index."""
        bounds = (self.const(lower, IndexType()).value, self.size(upper).ssa(), self.const(1, IndexType()).value)
        nest = loop.ParallelOp(*bounds) if parallel else loop.ForOp(*bounds)
        self._open(nest)
        if isinstance(upper, int):
            self.ranges[nest.induction_var] = (lower, upper - 1)
        return self.index(nest.induction_var)

    def _open(self, nest: loop.ForOp | loop.ParallelOp) -> None:
        """Insert `nest` at the innermost level and make its body the new innermost level."""
        outer = self.levels[-1]
        outer.insert(nest)
        resume, outer.anchor = outer.anchor, nest
        self.levels.append(_Level(nest.body.block, nest.body.block.last_op, resume))
        for arg in nest.body.block.args:
            self.level_of[arg] = len(self.levels) - 1

    def close(self, depth: int) -> None:
        """Leave the loops opened past `depth` levels, so that what comes next runs after them.

        Ops placed later at an enclosing level go after the closed loops (still
        before the loops opened earlier at that level, if any were).
        Values defined inside the closed loops must not be used any more; their
        indices (the closed loops' induction variables) never come back, so no
        cached read can return one.
        """
        while len(self.levels) > depth:
            closed = self.levels.pop()
            self.levels[-1].anchor = closed.resume

    def reduce(
        self,
        extents: Sequence[Dim],
        init: float,
        combine: Callable[[Scalar, Scalar], Scalar],
        body: Callable[[list[Ix]], Scalar],
        type: Attribute = f32,
    ) -> Scalar:
        """combine(...combine(init, body(k0)) ..., body(kn)) over the index space `extents`.

        Builds a loop.for nest carrying the accumulator, then places the whole
        nest at the outermost level where everything it reads is available.
        """
        accumulator = self.const(init, type)
        extents = [e for e in extents]
        if not extents:
            return combine(accumulator, body([]))
        depth = len(self.levels)
        loops: list[loop.ForOp] = []
        for extent in extents:
            bounds = (self.const(0, IndexType()).value, self.size(extent).ssa(), self.const(1, IndexType()).value)
            nest = loop.ForOp(*bounds, inits=[accumulator.value])
            if isinstance(extent, int):
                self.ranges[nest.induction_var] = (0, extent - 1)
            if loops:
                self.levels[-1].insert(nest)
                self.levels[-1].anchor = nest
            loops.append(nest)
            self.levels.append(_Level(nest.body.block, None))
            for arg in nest.body.block.args:
                self.level_of[arg] = len(self.levels) - 1
            accumulator = Scalar(self, nest.carried_args[0])
        result = combine(accumulator, body([self.index(n.induction_var) for n in loops]))
        _allow_reassociation(result.value, accumulator.value)
        for nest in reversed(loops):
            nest.body.block.add_op(loop.YieldOp(result.value))
            result = Scalar(self, nest.res[0])
        del self.levels[depth:]
        outer = loops[0]
        level = max((self.level(v) for v in loop.values_used_inside(outer)), default=0)
        self.levels[level].insert(outer)
        self.level_of[outer.res[0]] = level
        return Scalar(self, outer.res[0])


def is_float(type: Attribute) -> bool:
    return isinstance(type, AnyFloat)


def integer_limits(type: IntegerType | IndexType) -> tuple[int, int]:
    """The smallest and largest value of an integer type (i1 is a bool: 0 and 1)."""
    if isinstance(type, IndexType):
        return -(1 << 63), (1 << 63) - 1
    bits = type.width.data
    if bits == 1 or type.signedness.data == Signedness.UNSIGNED:
        return 0, (1 << bits) - 1
    return -(1 << (bits - 1)), (1 << (bits - 1)) - 1


def integer_value(value: float | bool, type: IntegerType | IndexType) -> int:
    """`value` as an attribute of `type` holds it: truncated, and saturated at the type's limits (infinities too)."""
    low, high = integer_limits(type)
    if pymath.isinf(value):
        return high if value > 0 else low
    return min(max(int(value), low), high)


def _allow_reassociation(combined: SSAValue, accumulator: SSAValue) -> None:
    """Mark the float op that folds a value into the accumulator `reassoc`.

    A reduction's order is unspecified (ONNX, numpy's pairwise sums,
    onnxruntime's vector lanes); saying so lets clang vectorize it. A product
    folded in (a dot product's `acc + x * w`) is also marked `contract`, with
    the fold, so that clang fuses the two into one FMA, rounded once, as
    onnxruntime's kernels do.
    """
    op = combined.owner
    if isinstance(op, arith.FloatingPointLikeBinaryOperation) and accumulator in op.operands:
        flags = [FastMathFlag.REASSOC]
        product = next((v.owner for v in op.operands if v is not accumulator), None)
        if isinstance(op, arith.AddfOp) and isinstance(product, arith.MulfOp) and product.result.has_one_use():
            product.fastmath = arith.FastMathFlagsAttr([FastMathFlag.ALLOW_CONTRACT])
            flags.append(FastMathFlag.ALLOW_CONTRACT)
        op.fastmath = arith.FastMathFlagsAttr(flags)


Affine = dict[SSAValue | None, int]
"""A sum of index terms: value -> coefficient, None -> the constant."""


@dataclass(frozen=True, eq=False)
class Ix:
    """An index: a Python int when known at compile time, else an SSA `index` value.

    Arithmetic on two constants folds in Python, and x+0, x*1 disappear, so
    the index math of composed ops stays as small as what a person would write.
    """

    kb: KernelBuilder
    value: int | SSAValue

    def ssa(self) -> SSAValue:
        if isinstance(self.value, int):
            return self.kb.const(self.value, IndexType()).value
        return self.value

    def range(self) -> tuple[int, int] | None:
        """(smallest, largest) value, when known at compile time."""
        if isinstance(self.value, int):
            return (self.value, self.value)
        return self.kb.ranges.get(self.value)

    def _binary(
        self,
        other: Ix | Dim,
        fold: Callable[[int, int], int],
        op: type[arith.SignlessIntegerBinaryOperation],
        monotonic: bool = True,
    ) -> Ix:
        """`fold` applied at compile time or `op` emitted; a `monotonic` fold (in each operand,
        either way) bounds the result by its values at the operands' range ends."""
        other = self.kb.index(other)
        if isinstance(self.value, int) and isinstance(other.value, int):
            return self.kb.index(fold(self.value, other.value))
        a, b = self.range(), other.range()
        if monotonic and a is not None and b is not None:
            ends = [fold(x, y) for x in a for y in b]
            if min(ends) == max(ends):
                return self.kb.index(ends[0])
            result = self.kb.emit(op(self.ssa(), other.ssa()))
            self.kb.ranges[result] = (min(ends), max(ends))
            return self.kb.index(result)
        return self.kb.index(self.kb.emit(op(self.ssa(), other.ssa())))

    def affine(self) -> Affine:
        """The sum of terms this index computes (itself, times one, if not a sum)."""
        if isinstance(self.value, int):
            return {None: self.value}
        return self.kb.sums.get(self.value, {self.value: 1})

    def _summed(self, result: Ix, terms: Affine) -> Ix:
        if isinstance(result.value, SSAValue):
            self.kb.sums[result.value] = {t: c for t, c in terms.items() if c != 0}
        return result

    def __add__(self, other: Ix | Dim) -> Ix:
        if other == 0 or (isinstance(other, Ix) and other.value == 0):
            return self
        if self.value == 0:
            return self.kb.index(other)
        other = self.kb.index(other)
        terms = dict(self.affine())
        for t, c in other.affine().items():
            terms[t] = terms.get(t, 0) + c
        return self._summed(self._binary(other, lambda a, b: a + b, arith.AddiOp), terms)

    __radd__ = __add__

    def __sub__(self, other: Ix | Dim) -> Ix:
        if other == 0 or (isinstance(other, Ix) and other.value == 0):
            return self
        other = self.kb.index(other)
        terms = dict(self.affine())
        for t, c in other.affine().items():
            terms[t] = terms.get(t, 0) - c
        return self._summed(self._binary(other, lambda a, b: a - b, arith.SubiOp), terms)

    def __mul__(self, other: Ix | Dim) -> Ix:
        if other == 1 or (isinstance(other, Ix) and other.value == 1):
            return self
        if other == 0 or self.value == 0:
            return self.kb.index(0)
        if self.value == 1:
            return self.kb.index(other)
        other = self.kb.index(other)
        product = self._binary(other, lambda a, b: a * b, arith.MuliOp)
        for constant, factor in ((other.value, self), (self.value, other)):
            if isinstance(constant, int):
                return self._summed(product, {t: c * constant for t, c in factor.affine().items()})
        return product

    __rmul__ = __mul__

    def __floordiv__(self, other: int) -> Ix:
        """Floor division; both sides are non-negative wherever nn ops use it."""
        if other == 1:
            return self
        if isinstance(other, int) and (split := self._split(other)) is not None:
            high, _, part = split
            return high if part == 1 else high // part
        known = self.range()
        return self._binary(other, lambda a, b: a // b, arith.DivUIOp, monotonic=known is not None and known[0] >= 0 and other > 0)

    def __mod__(self, other: int) -> Ix:
        if other == 1:
            return self.kb.index(0)
        if not isinstance(other, int):  # a symbolic size
            return self._binary(other, lambda a, b: a % b, arith.RemUIOp, monotonic=False)
        known = self.range()
        if known is not None and 0 <= known[0] and known[1] < other:
            return self
        if (split := self._split(other)) is not None:
            high, low, part = split
            return low if part == 1 else (high % part) * (other // part) + low
        result = self._binary(other, lambda a, b: a % b, arith.RemUIOp, monotonic=False)
        if known is not None and known[0] >= 0 and isinstance(result.value, SSAValue):
            self.kb.ranges[result.value] = (0, min(known[1], other - 1))
        return result

    def _split(self, divisor: int) -> tuple[Ix, Ix, int] | None:
        """self = g*high + low with 0 <= low < g and g dividing `divisor`, as (high, low, divisor // g),
        for the largest such g > 1 read off the terms: then self // divisor = high // (divisor // g)
        and self % divisor = (high % (divisor // g))*g + low. This undoes a linearization (a
        reshape's flat index, taken apart again by division) at compile time, with no division
        left where the parts are loop indices."""
        terms = self.affine()
        if len(terms) < 2 or divisor <= 1:
            return None
        for g in sorted({abs(c) for c in terms.values() if c and divisor % c == 0}, reverse=True):
            if g == 1:
                break
            low_terms = {t: c for t, c in terms.items() if c % g}
            if None in terms and terms[None] % g == 0:
                low_terms.pop(None, None)
            bounds = self._bounds(low_terms)
            if bounds is None or bounds[0] < 0 or bounds[1] >= g:
                continue
            high = self._build({t: c // g for t, c in terms.items() if t not in low_terms})
            return high, self._build(low_terms), divisor // g
        return None

    def _bounds(self, terms: Affine) -> tuple[int, int] | None:
        low = high = 0
        for t, c in terms.items():
            known = (1, 1) if t is None else self.kb.ranges.get(t)
            if known is None:
                return None
            ends = (c * known[0], c * known[1])
            low, high = low + min(ends), high + max(ends)
        return low, high

    def _build(self, terms: Affine) -> Ix:
        total = self.kb.index(terms.get(None, 0))
        for t, c in terms.items():
            if t is not None:
                total = total + self.kb.index(t) * c
        return total

    def _compare(self, other: Ix | Dim, predicate: str, fold: Callable[[int, int], bool]) -> Cond:
        other = self.kb.index(other)
        a, b = self.range(), other.range()
        if a is not None and b is not None:
            outcomes = {fold(x, y) for x in a for y in b}  # the extreme pairs decide < and >=
            if len(outcomes) == 1:
                return Cond(self.kb, outcomes.pop())
        return Cond(self.kb, self.kb.emit(arith.CmpiOp(self.ssa(), other.ssa(), predicate)))

    def __lt__(self, other: Ix | Dim) -> Cond:  # type: ignore[override]
        return self._compare(other, "slt", lambda a, b: a < b)

    def __ge__(self, other: Ix | Dim) -> Cond:  # type: ignore[override]
        return self._compare(other, "sge", lambda a, b: a >= b)

    def clamp(self, low: int, high: Dim) -> Ix:
        """min(max(self, low), high): an index that is always safe to load from."""
        if isinstance(self.value, int) and isinstance(high, int):
            return self.kb.index(min(max(self.value, low), high))
        known = self.range()
        if known is not None and isinstance(high, int) and low <= known[0] and known[1] <= high:
            return self
        low_ix, high_ix = self.kb.index(low), self.kb.index(high)
        raised = self.kb.emit(arith.MaxSIOp(self.ssa(), low_ix.ssa()))
        return self.kb.index(self.kb.emit(arith.MinSIOp(raised, high_ix.ssa())))

    def __neg__(self) -> Ix:
        return self.kb.index(0) - self

    def to_scalar(self, type: Attribute = f32) -> Scalar:
        """The index as an element of `type` (a count known only at run time, e.g. a mean's divisor)."""
        if isinstance(self.value, int):
            return self.kb.const(self.value, type)
        return Scalar(self.kb, self.kb.emit(arith.IndexCastOp(self.ssa(), i64))).cast(type)

    def abs(self) -> Ix:
        if isinstance(self.value, int):
            return self.kb.index(abs(self.value))
        return self.kb.index(self.kb.emit(arith.MaxSIOp(self.ssa(), (-self).ssa())))

    def reflect(self, size: int) -> Ix:
        """Mirror an index that is at most size-1 outside [0, size) back into it (edge not repeated)."""
        last = size - 1
        return self.kb.index(last) - (self.kb.index(last) - self.abs()).abs()

    def in_range(self, low: int, high: int) -> Cond:
        """low <= self < high."""
        return (self >= low) & (self < high)


@dataclass(frozen=True, eq=False)
class Cond:
    """A boolean: a Python bool when known at compile time, else an SSA i1."""

    kb: KernelBuilder
    value: bool | SSAValue

    def ssa(self) -> SSAValue:
        if isinstance(self.value, bool):
            return self.kb.const(self.value, i1).value
        return self.value

    def __and__(self, other: Cond) -> Cond:
        if isinstance(self.value, bool):
            return other if self.value else self
        if isinstance(other.value, bool):
            return self if other.value else other
        return Cond(self.kb, self.kb.emit(arith.AndIOp(self.value, other.value)))

    def __or__(self, other: Cond) -> Cond:
        if isinstance(self.value, bool):
            return self if self.value else other
        if isinstance(other.value, bool):
            return other if other.value else self
        return Cond(self.kb, self.kb.emit(arith.OrIOp(self.value, other.value)))

    def __xor__(self, other: Cond) -> Cond:
        if isinstance(self.value, bool) and isinstance(other.value, bool):
            return Cond(self.kb, self.value != other.value)
        return Cond(self.kb, self.kb.emit(arith.XOrIOp(self.ssa(), other.ssa())))

    def __invert__(self) -> Cond:
        if isinstance(self.value, bool):
            return Cond(self.kb, not self.value)
        return Cond(self.kb, self.kb.emit(arith.XOrIOp(self.value, self.kb.const(True, i1).value)))

    def to_scalar(self) -> Scalar:
        """The condition as a boolean (i1) element."""
        return Scalar(self.kb, self.ssa())

    def select(self, if_true: Scalar, if_false: Scalar) -> Scalar:
        if isinstance(self.value, bool):
            return if_true if self.value else if_false
        return Scalar(self.kb, self.kb.emit(arith.SelectOp(self.value, if_true.value, if_false.value)))

    def select_index(self, if_true: Ix, if_false: Ix) -> Ix:
        if isinstance(self.value, bool):
            return if_true if self.value else if_false
        return self.kb.index(self.kb.emit(arith.SelectOp(self.value, if_true.ssa(), if_false.ssa())))


@dataclass(frozen=True, eq=False)
class Scalar:
    """One element value with arithmetic that emits arith/math ops for its type.

    Floats use the float ops; signed integers (i8 to i64) the signless integer
    ops with signed division, comparison, min and max; booleans (i1) the
    logical ones. An unsigned element (ui8) is only loaded, stored and `cast`.
    """

    kb: KernelBuilder
    value: SSAValue

    @property
    def type(self) -> Attribute:
        return self.value.type

    @property
    def is_float(self) -> bool:
        return is_float(self.value.type)

    def _lift(self, other: Scalar | float) -> Scalar:
        return other if isinstance(other, Scalar) else self.kb.const(other, self.value.type)

    def _binary(self, other: Scalar | float, float_op: Callable[[SSAValue, SSAValue], Operation], int_op: Callable[[SSAValue, SSAValue], Operation] | None = None) -> Scalar:
        op = float_op if self.is_float else int_op
        if op is None:
            raise TypeError(f"{float_op.__name__} has no form for {self.value.type}")
        return Scalar(self.kb, self.kb.emit(op(self.value, self._lift(other).value)))

    def _unary(self, op: Callable[[SSAValue], Operation]) -> Scalar:
        if not self.is_float:
            raise TypeError(f"{op.__name__} has no form for {self.value.type}")
        return Scalar(self.kb, self.kb.emit(op(self.value)))

    def __add__(self, other: Scalar | float) -> Scalar:
        return self._binary(other, arith.AddfOp, arith.AddiOp)

    def __radd__(self, other: float) -> Scalar:
        return self._lift(other) + self

    def __sub__(self, other: Scalar | float) -> Scalar:
        return self._binary(other, arith.SubfOp, arith.SubiOp)

    def __rsub__(self, other: float) -> Scalar:
        return self._lift(other) - self

    def __mul__(self, other: Scalar | float) -> Scalar:
        return self._binary(other, arith.MulfOp, arith.MuliOp)

    def __rmul__(self, other: float) -> Scalar:
        return self._lift(other) * self

    def __truediv__(self, other: Scalar | float) -> Scalar:
        """Float division; integer division truncates toward zero (C's, and onnxruntime's)."""
        return self._binary(other, arith.DivfOp, arith.DivSIOp)

    def __rtruediv__(self, other: float) -> Scalar:
        return self._lift(other) / self

    def __neg__(self) -> Scalar:
        if not self.is_float:
            return self._lift(0) - self
        return self._unary(arith.NegfOp)

    def __pow__(self, other: Scalar | float) -> Scalar:
        return self._binary(other, math.PowFOp)

    def max(self, other: Scalar | float) -> Scalar:
        """NaN-propagating maximum, as numpy and onnxruntime compute Max and Relu."""
        return self._binary(other, arith.MaximumfOp, arith.MaxSIOp)

    def min(self, other: Scalar | float) -> Scalar:
        return self._binary(other, arith.MinimumfOp, arith.MinSIOp)

    def exp(self) -> Scalar:
        return self._unary(math.ExpOp)

    def log(self) -> Scalar:
        return self._unary(math.LogOp)

    def sqrt(self) -> Scalar:
        return self._unary(math.SqrtOp)

    def tanh(self) -> Scalar:
        return self._unary(math.TanhOp)

    def erf(self) -> Scalar:
        return self._unary(math.ErfOp)

    def log1p(self) -> Scalar:
        """log(1 + x), exact for tiny x (softplus's tail)."""
        return self._unary(math.Log1pOp)

    def abs(self) -> Scalar:
        if not self.is_float:
            return self.max(-self)
        return self._unary(math.AbsFOp)

    def floor(self) -> Scalar:
        return self if not self.is_float else self._unary(math.FloorOp)

    def ceil(self) -> Scalar:
        return self if not self.is_float else self._unary(math.CeilOp)

    def _compare(self, other: Scalar | float, predicate: str) -> Cond:
        """An ordered comparison (false when either side is NaN); signed for integers."""
        rhs = self._lift(other).value
        if self.is_float:
            return Cond(self.kb, self.kb.emit(arith.CmpfOp(self.value, rhs, "o" + predicate)))
        signed = predicate if predicate in ("eq", "ne") else "s" + predicate
        return Cond(self.kb, self.kb.emit(arith.CmpiOp(self.value, rhs, signed)))

    def __lt__(self, other: Scalar | float) -> Cond:
        return self._compare(other, "lt")

    def __le__(self, other: Scalar | float) -> Cond:
        return self._compare(other, "le")

    def __gt__(self, other: Scalar | float) -> Cond:
        return self._compare(other, "gt")

    def __ge__(self, other: Scalar | float) -> Cond:
        return self._compare(other, "ge")

    def equals(self, other: Scalar | float) -> Cond:
        return self._compare(other, "eq")

    def as_cond(self) -> Cond:
        """A boolean (i1) element as a condition."""
        assert self.value.type == i1, f"{self.value.type} is not a boolean"
        known = self.kb.constant_value(self.value)
        return Cond(self.kb, bool(known) if known is not None else self.value)

    def cast(self, type: Attribute) -> Scalar:
        """This element converted to `type` as ONNX Cast converts: float to integer truncates
        toward zero, to bool is `!= 0` (NaN is true), integers sign-extend or truncate, and
        bools and unsigned integers extend with zeros."""
        source = self.value.type
        if source == type:
            return self
        if type == i1:
            zero = self.kb.const(0.0, source)
            if self.is_float:
                return Scalar(self.kb, self.kb.emit(arith.CmpfOp(self.value, zero.value, "une")))
            return Scalar(self.kb, self.kb.emit(arith.CmpiOp(self.value, zero.value, "ne")))
        unsigned = source == i1 or (isinstance(source, IntegerType) and source.signedness.data == Signedness.UNSIGNED)
        if self.is_float and is_float(type):
            wider = _width(type) > _width(source)
            return Scalar(self.kb, self.kb.emit((arith.ExtFOp if wider else arith.TruncFOp)(self.value, type)))
        if self.is_float:
            to_unsigned = isinstance(type, IntegerType) and type.signedness.data == Signedness.UNSIGNED
            return Scalar(self.kb, self.kb.emit((arith.FPToUIOp if to_unsigned else arith.FPToSIOp)(self.value, type)))
        if is_float(type):
            return Scalar(self.kb, self.kb.emit((arith.UIToFPOp if unsigned else arith.SIToFPOp)(self.value, type)))
        assert isinstance(type, IntegerType)
        if _width(type) > _width(source):
            return Scalar(self.kb, self.kb.emit((arith.ExtUIOp if unsigned else arith.ExtSIOp)(self.value, type)))
        if _width(type) < _width(source):
            return Scalar(self.kb, self.kb.emit(arith.TruncIOp(self.value, type)))
        return Scalar(self.kb, self.kb.emit(arith.BitcastOp(self.value, type)))

    def to_index(self) -> Ix:
        """An element holding an integer (a gather index), as an index; a constant folds to a Python int."""
        if (known := self.kb.constant_value(self.value)) is not None:
            return self.kb.index(int(known))
        integer = self.cast(i64) if self.value.type != i64 else self
        return self.kb.index(self.kb.emit(arith.IndexCastOp(integer.value, IndexType())))

    def round_even(self) -> Scalar:
        """The nearest integer, ties to even (QuantizeLinear's rounding); integers are already whole."""
        return self if not self.is_float else self._unary(math.RoundEvenOp)


def _width(type: Attribute) -> int:
    if isinstance(type, IntegerType):
        return type.width.data
    assert isinstance(type, AnyFloat)
    return type.bitwidth


# --------------------------------------------------------------------------- numpy evaluation


INDEX = IndexType()


class NumpyEvaluator(KernelBuilder):
    """Runs scalar semantics on numpy arrays over every output index at once.

    This is how constants are folded at compile time with the very
    `emit_element` definitions that generate the loops, so folding can never
    disagree with the generated code, and a new op folds for free. Each
    arith/math op is evaluated the moment it is built and never
    inserted anywhere; an index is an integer array broadcastable to the
    output shape; a reduction loops in Python over its index space.
    """

    def __init__(self, reader: ElementReader):
        super().__init__(reader, [])
        self.arrays: dict[SSAValue, np.ndarray] = {}

    def bind(self, array: np.ndarray, type: Attribute = INDEX) -> SSAValue:
        """An SSA value of `type` standing for `array` (a buffer, an index array, loaded elements)."""
        holder = arith.ConstantOp(FloatAttr(0.0, type) if isinstance(type, AnyFloat) else IntegerAttr(0, type), type)
        self.arrays[holder.result] = array
        return holder.result

    def load(self, buffer: SSAValue, index: Sequence[Ix]) -> Scalar:
        array = self.arrays[buffer]
        elements = array[tuple(self.arrays[i.ssa()] for i in index)]
        type = element_type_of_numpy(array.dtype)
        assert type is not None, f"no element type for {array.dtype}"
        return Scalar(self, self.bind(np.asarray(elements, array.dtype), type))

    def check(self, cond: Cond, message: str) -> None:
        """At compile time a failing check is an error: ValueError(message) (fold-constants reports it)."""
        holds = cond.value if isinstance(cond.value, bool) else self.arrays[cond.value]
        if not np.all(holds):
            raise ValueError(message)

    def place(self, op: Operation) -> Operation:
        with np.errstate(all="ignore"):
            self.arrays[op.results[0]] = _evaluate(op, [self.arrays[v] for v in op.operands])
        return op

    def parallel_nest(self, extents: Sequence[Dim]) -> list[Ix]:
        rank = len(extents)
        return [
            self.index(self.bind(np.arange(e).reshape([e if a == d else 1 for a in range(rank)])))
            for d, e in enumerate(extents)
        ]

    def reduce(
        self,
        extents: Sequence[int],
        init: float,
        combine: Callable[[Scalar, Scalar], Scalar],
        body: Callable[[list[Ix]], Scalar],
        type: Attribute = f32,
    ) -> Scalar:
        accumulator = self.const(init, type)
        for position in itertools.product(*(range(e) for e in extents)):
            accumulator = combine(accumulator, body([self.index(p) for p in position]))
        return accumulator


_CMPI = {"eq": np.equal, "ne": np.not_equal, "slt": np.less, "sle": np.less_equal, "sgt": np.greater, "sge": np.greater_equal}
_CMPF = {"oeq": np.equal, "olt": np.less, "ole": np.less_equal, "ogt": np.greater, "oge": np.greater_equal, "une": np.not_equal}  # numpy's are ordered, != is not


def _divide_toward_zero(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """C's integer division (the generated code's `sdiv`); a zero divisor gives 0 here."""
    quotient = np.abs(a) // np.where(b == 0, 1, np.abs(b))
    return np.where((a < 0) != (b < 0), -quotient, quotient)


def _same(a: np.ndarray) -> np.ndarray:
    return a  # conversions: the result type's astype in _evaluate does the work


_NUMPY_OPS: dict[type[Operation], Callable[..., np.ndarray]] = {
    arith.AddfOp: np.add, arith.SubfOp: np.subtract, arith.MulfOp: np.multiply, arith.DivfOp: np.divide,
    arith.NegfOp: np.negative, arith.MaximumfOp: np.maximum, arith.MinimumfOp: np.minimum,
    arith.AddiOp: np.add, arith.SubiOp: np.subtract, arith.MuliOp: np.multiply, arith.DivSIOp: _divide_toward_zero,
    arith.DivUIOp: np.floor_divide, arith.RemUIOp: np.remainder, arith.MaxSIOp: np.maximum, arith.MinSIOp: np.minimum,
    arith.AndIOp: np.logical_and, arith.OrIOp: np.logical_or, arith.XOrIOp: np.logical_xor, arith.SelectOp: np.where,
    math.ExpOp: np.exp, math.LogOp: np.log, math.SqrtOp: np.sqrt, math.TanhOp: np.tanh, math.PowFOp: np.power,
    math.ErfOp: np.vectorize(pymath.erf, otypes=[np.float32]),
    math.Log1pOp: np.log1p, math.AbsFOp: np.abs, math.FloorOp: np.floor, math.CeilOp: np.ceil,
    arith.FPToSIOp: np.trunc, arith.FPToUIOp: np.trunc, arith.IndexCastOp: _same, arith.SIToFPOp: _same, arith.UIToFPOp: _same,
    arith.ExtSIOp: _same, arith.ExtUIOp: _same, arith.TruncIOp: _same, arith.ExtFOp: _same, arith.TruncFOp: _same,
    arith.BitcastOp: _same, math.RoundEvenOp: np.rint,
}  # fmt: skip


def _evaluate(op: Operation, args: list[np.ndarray]) -> np.ndarray:
    result_type = op.results[0].type
    if isinstance(op, arith.ConstantOp):
        value = op.value
        assert isinstance(value, IntegerAttr | FloatAttr)
        result = np.asarray(value.value.data)
    elif isinstance(op, arith.CmpiOp):
        result = _CMPI[arith.CMPI_COMPARISON_OPERATIONS[op.predicate.value.data]](*args)
    elif isinstance(op, arith.CmpfOp):
        result = _CMPF[arith.CMPF_COMPARISON_OPERATIONS[op.predicate.value.data]](*args)
    elif type(op) in _NUMPY_OPS:
        result = np.asarray(_NUMPY_OPS[type(op)](*args))
    else:
        raise NotImplementedError(f"no numpy evaluation for {op.name}")
    if isinstance(result_type, IntegerType | IndexType) and result.dtype.kind == "f":
        return _float_to_integer(result, result_type)
    return result.astype(numpy_dtype(result_type))


def _float_to_integer(result: np.ndarray, type: IntegerType | IndexType) -> np.ndarray:
    """Float values (already truncated) into an integer type, the out-of-range ones at its limits."""
    low, high = integer_limits(type)
    finite = np.nan_to_num(result, nan=0.0, posinf=high, neginf=low)
    return np.clip(finite, low, high).astype(numpy_dtype(type))


def evaluate(op: Operation, shape: Sequence[int], inputs: dict[SSAValue, np.ndarray]) -> np.ndarray:
    """The value of `op` (an nn op whose operands are all in `inputs`) as an array of `shape`, of its element type."""
    buffers: dict[SSAValue, SSAValue] = {}

    def read(kb: KernelBuilder, value: SSAValue, index: Sequence[Ix]) -> Scalar:
        return kb.load(buffers[value], index)

    evaluator = NumpyEvaluator(read)
    buffers.update({value: evaluator.bind(array) for value, array in inputs.items()})
    element = op.emit_element(evaluator, evaluator.parallel_nest(shape))  # type: ignore[attr-defined]
    dtype = numpy_dtype(op.results[0].type.get_element_type())
    return np.ascontiguousarray(np.broadcast_to(evaluator.arrays[element.value], tuple(shape)), dtype=dtype)
