"""The command-line spelling of input shapes and dim bounds, parsed with a lark grammar.

    --input-shape 'x:[batch<=8,3,224,224]'   the shape of input x, bounding batch at 8
    --input-shape 'ids:[batch,seq]'          symbols bounded elsewhere
    --dim-bound batch=8                       the bound of a symbolic dim

A dim is an integer or a symbol name, optionally with its bound (`<=N`). An
input's name is everything before the last `:[`, so TensorFlow names such as
`input:0` work: `input:0:[batch<=4,10]`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache

from lark import Lark, Token, Transformer, UnexpectedInput

from compiler.errors import OptFuseError
from dialects.dims import Dim, format_dims, symbol

_GRAMMAR = r"""
input_shape: INPUT ":[" [dim ("," dim)*] "]"
dim_bound: SYMBOL "=" INT
?dim: INT               -> constant
    | SYMBOL ("<=" INT)? -> symbolic
INPUT: /[^\s\[]+?(?=:\[)/
SYMBOL: /[A-Za-z_][A-Za-z0-9_]*/
INT: /[0-9]+/
%ignore /[ \t]+/
"""


class ShapeSpecError(OptFuseError):
    """A malformed --input-shape or --dim-bound value, or bounds that disagree."""


@dataclass
class ShapeSpecs:
    """What the flags say: input shapes by name, and the bounds of symbolic dims."""

    input_shapes: dict[str, tuple[Dim, ...]] = field(default_factory=dict[str, tuple[Dim, ...]])
    dim_bounds: dict[str, int] = field(default_factory=dict[str, int])

    def bound(self, name: str, value: int, flag: str) -> None:
        if value < 1:
            raise ShapeSpecError(f"{flag}: the bound of '{name}' must be at least 1, got {value}")
        if self.dim_bounds.get(name, value) != value:
            raise ShapeSpecError(f"{flag}: '{name}' is bounded twice, by {self.dim_bounds[name]} and by {value}")
        self.dim_bounds[name] = value


class _ToPython(Transformer[Token, object]):
    def constant(self, children: list[Token]) -> int:
        return int(children[0])

    def symbolic(self, children: list[Token | None]) -> tuple[str, int | None]:
        name, bound = children[0], children[1] if len(children) > 1 else None
        return str(name), int(bound) if bound is not None else None


@cache
def _parser(start: str) -> Lark:
    return Lark(_GRAMMAR, start=start, parser="lalr")


def _parse(text: str, start: str, flag: str, example: str) -> list[object]:
    try:
        tree = _parser(start).parse(text)
    except UnexpectedInput as error:
        column = getattr(error, "column", 0)
        raise ShapeSpecError(f"{flag} '{text}': unexpected input at column {column}; expected e.g. {example}") from None
    return _ToPython().transform(tree).children  # type: ignore[return-value]


def parse_shape_specs(input_shapes: Iterable[str] = (), dim_bounds: Iterable[str] = ()) -> ShapeSpecs:
    """Parse every --input-shape and --dim-bound value into one ShapeSpecs."""
    specs = ShapeSpecs()
    for text in dim_bounds:
        name, value = _parse(text, "dim_bound", "--dim-bound", "batch=8")
        specs.bound(str(name), int(value), "--dim-bound")  # type: ignore[call-overload]
    for text in input_shapes:
        name, *dims = _parse(text, "input_shape", "--input-shape", "'x:[batch<=8,3,224,224]'")
        shape: list[Dim] = []
        for dim in dims:
            if isinstance(dim, tuple):
                symbol_name, bound = dim
                if bound is not None:
                    specs.bound(symbol_name, bound, "--input-shape")
                shape.append(symbol(symbol_name))
            elif dim is not None:
                shape.append(int(dim))  # type: ignore[call-overload]
        input_name = str(name)
        if input_name in specs.input_shapes:
            raise ShapeSpecError(f"--input-shape: the shape of '{input_name}' is given twice ({format_dims(specs.input_shapes[input_name])} and {format_dims(shape)})")
        specs.input_shapes[input_name] = tuple(shape)
    return specs
