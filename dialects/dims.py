"""Symbolic dims: named sizes with upper bounds, and expressions of them.

Caffe2's BoundShapeInferencer, as DESIGN.md principle 3 states it: a dim is a
constant, a named symbol (`batch`) whose runtime value has an upper bound, or
an expression of symbols (`batch * 128`, `(seq - 3) floordiv 2 + 1`). Shape
functions are written once with Python arithmetic (`+`, `-`, `*`, `//`); on
symbolic dims that arithmetic builds a `DimExpr`, kept in a canonical form (a
polynomial whose atoms are symbols and floor divisions), so two ways of writing
the same size compare equal and a size that reduces to a number is an `int`.

A tensor type with symbolic dims keeps `?` in its shape and the dims in its
encoding, so it prints and parses like MLIR:

    tensor<?x128x256xf32, #nn.dims<[batch, 128, 256]>>
    tensor<?x64xf32, #nn.dims<[batch * seq, 64]>>

The bounds are properties of the function (`nn.dim_bounds = {batch = 8 : i64}`),
given by the user; every tensor's bound follows from them.

Anything that needs a number where there is a symbol (a comparison, `range`)
raises `SymbolicDimError`, so an op that does not support a symbolic dim in
some position says so instead of computing a wrong size.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Union

from xdsl.dialects.builtin import DYNAMIC_INDEX, DictionaryAttr, IntegerAttr, TensorType, i64
from xdsl.ir import Attribute, Data
from xdsl.irdl import irdl_attr_definition
from xdsl.parser import AttrParser
from xdsl.printer import Printer

Dim = Union[int, "DimExpr"]
Dims = tuple[Dim, ...]
DYNAMIC = DYNAMIC_INDEX

_Monomial = tuple["_Atom", ...]
"""A product of atoms, sorted; () is the constant term."""


class SymbolicDimError(ValueError):
    """A computation needed a number where the dim is only known at run time."""


@dataclass(frozen=True)
class _Atom:
    """A symbol (`name`), or `floor(numerator / divisor)` of an expression."""

    name: str
    numerator: DimExpr | None = None
    divisor: int = 1

    def __str__(self) -> str:
        if self.numerator is None:
            return self.name
        return f"({self.numerator}) floordiv {self.divisor}"

    def evaluate(self, values: Mapping[str, int]) -> int:
        if self.numerator is None:
            return values[self.name]
        return evaluate(self.numerator, values) // self.divisor


class DimExpr:
    """A size that depends on symbols: sum of coefficient * product of atoms.

    Build one with `symbol(name)` and arithmetic; results that do not depend on
    a symbol come back as plain ints.
    """

    __slots__ = ("_key", "terms")

    def __init__(self, terms: Mapping[_Monomial, int]):
        self.terms = {m: c for m, c in terms.items() if c}
        self._key = tuple(sorted(self.terms.items(), key=lambda item: _monomial_key(item[0])))

    # -- construction -----------------------------------------------------------

    @staticmethod
    def _normal(terms: Mapping[_Monomial, int]) -> Dim:
        expr = DimExpr(terms)
        if not any(expr.terms.keys() - {()}):
            return expr.terms.get((), 0)
        return expr

    @staticmethod
    def of(value: Dim) -> DimExpr:
        return value if isinstance(value, DimExpr) else DimExpr({(): value})

    # -- arithmetic (the shape functions' vocabulary) --------------------------

    def __add__(self, other: Dim) -> Dim:
        terms = dict(self.terms)
        for monomial, coefficient in DimExpr.of(other).terms.items():
            terms[monomial] = terms.get(monomial, 0) + coefficient
        return DimExpr._normal(terms)

    __radd__ = __add__

    def __neg__(self) -> Dim:
        return DimExpr._normal({m: -c for m, c in self.terms.items()})

    def __sub__(self, other: Dim) -> Dim:
        return self + (-DimExpr.of(other))

    def __rsub__(self, other: Dim) -> Dim:
        return DimExpr.of(other) + (-self)

    def __mul__(self, other: Dim) -> Dim:
        terms: dict[_Monomial, int] = {}
        for m1, c1 in self.terms.items():
            for m2, c2 in DimExpr.of(other).terms.items():
                monomial = tuple(sorted(m1 + m2, key=str))
                terms[monomial] = terms.get(monomial, 0) + c1 * c2
        return DimExpr._normal(terms)

    __rmul__ = __mul__

    def __floordiv__(self, other: Dim) -> Dim:
        """Exact division when every coefficient divides (or the divisor is a common factor), else a floordiv atom."""
        if isinstance(other, DimExpr):
            return self.exact_div(other)
        if other == 1:
            return self
        if other <= 0:
            raise SymbolicDimError(f"cannot divide {self} by {other}")
        if all(c % other == 0 for c in self.terms.values()):
            return DimExpr._normal({m: c // other for m, c in self.terms.items()})
        constant = self.terms.get((), 0)
        whole = (constant // other) * other
        rest = self - whole  # keep the constant remainder inside the atom: (x + r) // d
        return DimExpr._normal({(_Atom("", DimExpr.of(rest), other),): 1}) + whole // other

    def ceildiv(self, other: int) -> Dim:
        return (self + (other - 1)) // other

    def __mod__(self, other: int) -> Dim:
        return self - (self // other) * other

    def exact_div(self, other: DimExpr) -> Dim:
        """self / other when other is one monomial dividing every term (numel / known dims in Reshape)."""
        if len(other.terms) != 1:
            raise SymbolicDimError(f"cannot divide {self} by {other}")
        [(divisor_monomial, divisor_coefficient)] = other.terms.items()
        terms: dict[_Monomial, int] = {}
        for monomial, coefficient in self.terms.items():
            rest = list(monomial)
            for atom in divisor_monomial:
                if atom not in rest:
                    raise SymbolicDimError(f"{self} is not a multiple of {other}")
                rest.remove(atom)
            if coefficient % divisor_coefficient:
                raise SymbolicDimError(f"{self} is not a multiple of {other}")
            terms[tuple(rest)] = coefficient // divisor_coefficient
        return DimExpr._normal(terms)

    # -- comparison: structural equality only ----------------------------------

    def __eq__(self, other: object) -> bool:
        return isinstance(other, DimExpr) and self._key == other._key

    def __ne__(self, other: object) -> bool:
        return not self == other

    def __hash__(self) -> int:
        return hash(self._key)

    def _refuse(self, *_: object) -> bool:
        raise SymbolicDimError(f"the size {self} is only known at run time and cannot be compared here")

    __lt__ = __le__ = __gt__ = __ge__ = _refuse

    def __bool__(self) -> bool:
        raise SymbolicDimError(f"the size {self} is only known at run time")

    def __index__(self) -> int:
        raise SymbolicDimError(f"the size {self} is only known at run time; a number is needed here")

    # -- queries ---------------------------------------------------------------

    def symbols(self) -> set[str]:
        names: set[str] = set()
        for monomial in self.terms:
            for atom in monomial:
                names |= {atom.name} if atom.numerator is None else atom.numerator.symbols()
        return names

    def is_symbol(self) -> bool:
        """A bare symbol such as `batch` (what an input dim must be to bind it)."""
        if len(self.terms) != 1:
            return False
        [(monomial, coefficient)] = self.terms.items()
        return coefficient == 1 and len(monomial) == 1 and monomial[0].numerator is None

    @property
    def symbol_name(self) -> str:
        assert self.is_symbol()
        return next(iter(self.terms))[0].name

    def is_monotone(self) -> bool:
        """Non-decreasing in every symbol (all coefficients of non-constant terms positive), so its bound is its value at the bounds."""
        return all(
            c > 0 and all(a.numerator is None or a.numerator.is_monotone() for a in m)
            for m, c in self.terms.items()
            if m
        )

    def __str__(self) -> str:
        parts: list[str] = []
        for monomial, coefficient in self._key:
            factors = [_atom_text(a, len(monomial) > 1 or abs(coefficient) != 1 or len(self.terms) > 1) for a in monomial]
            if abs(coefficient) != 1 or not factors:
                factors.append(str(abs(coefficient)))
            text = " * ".join(factors)
            if not parts:
                parts.append(text if coefficient > 0 else f"-{text}")
            else:
                parts.append(f"{'+' if coefficient > 0 else '-'} {text}")
        return " ".join(parts)

    __repr__ = __str__


def _atom_text(atom: _Atom, in_product: bool) -> str:
    text = str(atom)
    return f"({text})" if atom.numerator is not None and in_product else text


def _monomial_key(monomial: _Monomial) -> tuple[int, tuple[str, ...]]:
    """Higher-degree terms first, constants last: `batch * seq + batch + 1`."""
    return (-len(monomial), tuple(str(a) for a in monomial))


def symbol(name: str) -> DimExpr:
    return DimExpr({(_Atom(name),): 1})


def is_static(dims: Sequence[Dim]) -> bool:
    return all(isinstance(d, int) for d in dims)


def symbols_of(dims: Sequence[Dim]) -> set[str]:
    return set().union(*(d.symbols() for d in dims if isinstance(d, DimExpr)))


def evaluate(dim: Dim, values: Mapping[str, int]) -> int:
    """The size of `dim` when the symbols have `values`."""
    if isinstance(dim, int):
        return dim
    return sum(c * math.prod(a.evaluate(values) for a in m) for m, c in dim.terms.items())


def upper_bound(dim: Dim, bounds: Mapping[str, int]) -> int:
    """The largest value `dim` takes with every symbol within its bound."""
    if isinstance(dim, int):
        return dim
    missing = sorted(dim.symbols() - bounds.keys())
    if missing:
        raise SymbolicDimError(f"symbol '{missing[0]}' has no upper bound")
    if not dim.is_monotone():
        raise SymbolicDimError(f"the size {dim} can decrease as a symbol grows, so it has no bound at the symbols' bounds")
    return evaluate(dim, bounds)


MAX_TENSOR_BYTES = 2**47
"""The most bytes one tensor, or a model's arena of intermediate buffers, may take: 128 TiB, the
user address space of x86_64 and aarch64 (48-bit virtual addresses). Nothing larger could be
allocated, and below it every size, element position and byte offset the generated code computes
fits its i64 arithmetic with room to spare (no wrap). Symbolic tensors are measured at their bounds."""


SIZE_LIMIT = "limit of 140737488355328 bytes (2**47: 128 TiB, the address space of x86_64 and aarch64)"
"""How messages name MAX_TENSOR_BYTES."""


def describe_bytes(size: int) -> str:
    """`4398046511104 bytes (4 TiB)`."""
    for unit, shift in (("EiB", 60), ("PiB", 50), ("TiB", 40), ("GiB", 30), ("MiB", 20), ("KiB", 10)):
        if size >= 1 << shift:
            return f"{size} bytes ({size / (1 << shift):.3g} {unit})"
    return f"{size} bytes"


def size_past_limit(dims: Sequence[Dim], element_bytes: int, bounds: Mapping[str, int]) -> str | None:
    """Why a tensor of `dims` is too large to compile (past MAX_TENSOR_BYTES), or None if it is not.

    A dim without a bound is not judged here (whoever needs its bound reports it)."""
    count = 1
    for dim in dims:
        try:
            count *= max(upper_bound(dim, bounds), 0)
        except SymbolicDimError:
            return None
    if count * element_bytes <= MAX_TENSOR_BYTES:
        return None
    at_bounds = "" if is_static(dims) else " at the bounds"
    return (
        f"{format_dims(dims)} takes {describe_bytes(count * element_bytes)}{at_bounds}, past the {SIZE_LIMIT}"
    )


def ceildiv(value: Dim, divisor: int) -> Dim:
    return -(-value // divisor) if isinstance(value, int) else value.ceildiv(divisor)


def format_dims(dims: Sequence[Dim]) -> str:
    return "[" + ", ".join(map(str, dims)) + "]"


# --------------------------------------------------------------------------- IR


@irdl_attr_definition
class DimsAttr(Data[tuple[Dim, ...]]):
    """The dims of a tensor with symbolic sizes, as its encoding: `#nn.dims<[batch, 128]>`."""

    name = "nn.dims"

    @classmethod
    def parse_parameter(cls, parser: AttrParser) -> tuple[Dim, ...]:
        with parser.in_angle_brackets():
            return tuple(parser.parse_comma_separated_list(parser.Delimiter.SQUARE, lambda: _parse_sum(parser)))

    def print_parameter(self, printer: Printer) -> None:
        printer.print_string(f"<{format_dims(self.data)}>")


def _parse_sum(parser: AttrParser) -> Dim:
    value = _parse_product(parser)
    while True:
        if parser.parse_optional_punctuation("+"):
            value = value + _parse_product(parser)
        elif parser.parse_optional_punctuation("-"):
            value = value - _parse_product(parser)
        else:
            return value


def _parse_product(parser: AttrParser) -> Dim:
    value = _parse_factor(parser)
    while True:
        if parser.parse_optional_punctuation("*"):
            value = value * _parse_factor(parser)
        elif parser.parse_optional_keyword("floordiv"):
            value = value // parser.parse_integer(allow_negative=False, allow_boolean=False)
        elif parser.parse_optional_keyword("ceildiv"):
            value = ceildiv(value, parser.parse_integer(allow_negative=False, allow_boolean=False))
        else:
            return value


def _parse_factor(parser: AttrParser) -> Dim:
    if parser.parse_optional_punctuation("("):
        value = _parse_sum(parser)
        parser.parse_punctuation(")")
        return value
    if (number := parser.parse_optional_integer(allow_negative=True, allow_boolean=False)) is not None:
        return number
    return symbol(parser.parse_identifier(" (a dim: an integer, a symbol name, or an expression of them)"))


def tensor_type(element_type: Attribute, dims: Sequence[Dim]) -> TensorType:
    """A ranked tensor type: static when every dim is a number, else `?` where symbolic plus the dims as encoding."""
    dims = tuple(dims)
    if is_static(dims):
        return TensorType(element_type, dims)  # type: ignore[arg-type]
    shape = [d if isinstance(d, int) else DYNAMIC for d in dims]
    return TensorType(element_type, shape, DimsAttr(dims))


def dims_of_type(type: TensorType) -> Dims:
    """The dims of a ranked tensor type; symbolic dims come from its `#nn.dims` encoding."""
    shape = tuple(type.get_shape())
    encoding = type.encoding
    if isinstance(encoding, DimsAttr):
        dims = encoding.data
        if len(dims) != len(shape) or any(isinstance(d, int) and d != s for d, s in zip(dims, shape)):
            raise SymbolicDimError(f"{type}: the encoding {format_dims(dims)} does not match the shape")
        return dims
    if DYNAMIC in shape:
        raise SymbolicDimError(f"{type}: a `?` dim needs a name; write its dims as an encoding, e.g. #nn.dims<[batch, ...]>")
    return shape


# --------------------------------------------------------------------------- bounds on functions

DIM_BOUNDS_ATTR = "nn.dim_bounds"


def bounds_attr(bounds: Mapping[str, int]) -> DictionaryAttr:
    return DictionaryAttr({name: IntegerAttr(value, i64) for name, value in sorted(bounds.items())})


def bounds_of(attributes: Mapping[str, Attribute]) -> dict[str, int]:
    attr = attributes.get(DIM_BOUNDS_ATTR)
    if not isinstance(attr, DictionaryAttr):
        return {}
    return {name: value.value.data for name, value in attr.data.items() if isinstance(value, IntegerAttr)}
