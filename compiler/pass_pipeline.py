"""MLIR's textual pass-pipeline syntax, parsed with lark and mapped onto xDSL passes.

xDSL 0.74 parses only a flat `a,b{k=v}` list; `opt-fuse --pass-pipeline` (and
`-p`) also takes MLIR's nested form. The grammar accepted here is MLIR's:

    pipeline  ::= (element (',' element)*)?
    element   ::= pass-name options?                 a pass
                | anchor-name '(' pipeline ')'       a nested pipeline
    options   ::= '{' (key ('=' value (',' value)*)?)* '}'
    value     ::= bare-word | "quoted string" | '{' ... '}'

- Pass, anchor and option names are letters, digits, `-`, `_` and `.`
  (no `.` in option names).
- Options are separated by whitespace. A bare `key` means `key=true`; a value
  list `k=1,2,3` becomes a tuple. Bare words are typed the way xDSL's
  `parse_pipeline` types them (`1` int, `1.5` float, `true`/`false` bool,
  anything else a string); a quoted string is always a string (escapes `\\"`,
  `\\\\`, `\\n`, `\\t` are decoded); a `{...}` value is kept verbatim, braces
  included, as one string (for options that take a nested spec).
- Whitespace is allowed around every token.
- Anchors: `builtin.module` (outermost only) and `func.func` (directly inside
  the module). A flat list with no anchor runs on `builtin.module`. Any other
  anchor is an error naming it.

`parse_pass_pipeline` gives a flat list of `PassSpec`, each remembering its
anchor; `build_passes` turns them into configured xDSL `ModulePass` instances,
wrapping `func.func` passes in `ForEachFunction` so they run on each function
alone, as MLIR's nested pass manager does. Every user mistake raises
`PipelineError`.
"""

from __future__ import annotations

import dataclasses
import difflib
import inspect
import re
import typing
from collections.abc import Callable
from dataclasses import dataclass
from types import NoneType, UnionType
from typing import Any, ClassVar

from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken
from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.dialects.func import FuncOp
from xdsl.passes import ModulePass
from xdsl.utils.arg_spec import ArgSpec
from xdsl.utils.hints import isa, type_repr

from compiler.errors import PipelineError

__all__ = [
    "ForEachFunction",
    "PassSpec",
    "build_passes",
    "parse_pass_pipeline",
    "pass_info",
]

Value = str | int | float | bool

MODULE_ANCHOR = "builtin.module"
FUNC_ANCHOR = "func.func"


@dataclass(frozen=True)
class PassSpec:
    """One pass as written in the pipeline: its name, typed options and anchor."""

    name: str
    options: dict[str, tuple[Value, ...]]
    anchor: str


# --------------------------------------------------------------------------- grammar

_GRAMMAR = r"""
start: pipeline
pipeline: (element ("," element)*)?
?element: NAME options?          -> pass_
        | NAME "(" pipeline ")"  -> nested
options: "{" option* "}"
option: KEY ("=" value ("," value)*)?
?value: VALUE   -> bare
      | STRING  -> quoted
      | braced
braced: "{" _braced_item* "}"
_inner: "{" _braced_item* "}"
_braced_item: BRACE_TEXT | STRING | _inner

NAME: /[A-Za-z0-9_.\-]+/
KEY: /[A-Za-z0-9_\-]+/
VALUE: /[^\s{}(),="']+/
STRING: /"(\\.|[^"\\\n])*"/ | /'(\\.|[^'\\\n])*'/
BRACE_TEXT: /[^{}"']+/
%ignore /\s+/
"""

_PARSER = Lark(_GRAMMAR, parser="lalr", propagate_positions=True)

# How each terminal reads in an "expected ..." message, in the order listed.
_TERMINAL_WORDS = {
    "NAME": "a pass name",
    "EQUAL": "'='",
    "KEY": "an option name",
    "VALUE": "a value",
    "COMMA": "','",
    "RPAR": "')'",
    "RBRACE": "'}'",
    "$END": "end of pipeline",
    "LBRACE": "'{'",
    "LPAR": "'('",
}

_INT = re.compile(r"[-+]?[0-9]+")
_FLOAT = re.compile(r"[-+]?[0-9]+\.[0-9]*([eE][-+]?[0-9]+)?")
_ESCAPES = {"n": "\n", "t": "\t", '"': '"', "'": "'", "\\": "\\"}


# --------------------------------------------------------------------------- errors


def _caret_error(text: str, pos: int, what: str, headline: str) -> PipelineError:
    """Build an error quoting the offending line with a caret under `pos`, so the
    user sees exactly where the pipeline went wrong."""
    pos = max(0, min(pos, len(text)))
    line_start = text.rfind("\n", 0, pos) + 1
    line_end = text.find("\n", pos)
    line = text[line_start : line_end if line_end >= 0 else len(text)]
    column = pos - line_start + 1
    where = f"column {column}"
    if "\n" in text:
        where = f"line {text.count(chr(10), 0, pos) + 1}, {where}"
    shown = line.replace("\t", " ")
    caret = " " * (column - 1) + "^"
    return PipelineError(f"{headline} at {where}: {what}\n  {shown}\n  {caret}")


def _describe_expected(terminals: set[str]) -> str:
    """Turn lark's set of acceptable terminals into 'expected X, Y or Z'.

    Once a pass name is complete, `{` and `(` are technically acceptable too,
    but naming them hides the likely fix (a missing ','), so they are dropped
    whenever a separator is also acceptable; a value may also start with a quote
    or a brace, which "a value" already covers."""
    terms = set(terminals)
    if "COMMA" in terms:
        terms -= {"LPAR", "LBRACE"}
    if "VALUE" in terms:
        terms -= {"STRING", "LBRACE"}
    words = [w for t, w in _TERMINAL_WORDS.items() if t in terms]
    words += sorted(t for t in terms if t not in _TERMINAL_WORDS)
    if not words:
        return "unexpected input"
    if len(words) == 1:
        return f"expected {words[0]}"
    return f"expected {', '.join(words[:-1])} or {words[-1]}"


def _syntax_error(text: str, err: UnexpectedInput) -> PipelineError:
    """Translate a lark error into a PipelineError pointing where the problem starts."""
    if isinstance(err, UnexpectedCharacters):
        char = text[err.pos_in_stream]
        what = (
            "unterminated quoted string"
            if char in "\"'"
            else f"unexpected character {char!r}"
        )
        return _caret_error(text, err.pos_in_stream, what, "malformed pass pipeline")
    assert isinstance(err, UnexpectedToken)
    pos = len(text) if err.token.type == "$END" else err.token.start_pos
    # Point just after the last good token: that is where the separator was due.
    while pos > 0 and text[pos - 1].isspace():
        pos -= 1
    try:
        expected = set(err.interactive_parser.accepts())
    except Exception:  # pragma: no cover - accepts() is best effort in lark
        expected = set(err.expected)
    return _caret_error(text, pos, _describe_expected(expected), "malformed pass pipeline")


# --------------------------------------------------------------------------- parsing


def parse_pass_pipeline(text: str) -> list[PassSpec]:
    """Parse an MLIR-style (nested) or xDSL-style (flat) pass pipeline.

    Returns the passes in run order, each with the anchor it was nested under;
    raises PipelineError with a caret line on malformed text."""
    try:
        tree = _PARSER.parse(text)
    except UnexpectedInput as err:
        raise _syntax_error(text, err) from None
    return _collect(tree.children[0], None, text)


def _collect(pipeline: Tree, anchor: str | None, text: str) -> list[PassSpec]:
    """Flatten a `pipeline` subtree, tracking which anchor each pass sits under."""
    specs: list[PassSpec] = []
    for element in pipeline.children:
        name_tok: Token = element.children[0]
        if element.data == "pass_":
            options = element.children[1] if len(element.children) > 1 else None
            specs.append(
                PassSpec(
                    str(name_tok),
                    _options(options, text),
                    anchor or MODULE_ANCHOR,
                )
            )
        else:
            inner = _check_anchor(name_tok, anchor, text)
            specs.extend(_collect(element.children[1], inner, text))
    return specs


def _check_anchor(tok: Token, outer: str | None, text: str) -> str:
    """Accept only the nestings opt-fuse can run: builtin.module outermost,
    func.func at module level; anything else would silently do the wrong thing."""
    name = str(tok)
    if name == MODULE_ANCHOR and outer is None:
        return name
    if name == FUNC_ANCHOR and outer in (None, MODULE_ANCHOR):
        return name
    if name in (MODULE_ANCHOR, FUNC_ANCHOR):
        what = f"'{name}' cannot be nested inside '{outer}'"
    else:
        what = (
            f"unknown anchor op '{name}' (passes can be nested only under "
            f"'{MODULE_ANCHOR}' or '{FUNC_ANCHOR}')"
        )
    return _raise(_caret_error(text, tok.start_pos, what, "invalid pass pipeline"))


def _raise(err: PipelineError) -> Any:
    """Raise from an expression position (keeps callers one line)."""
    raise err


def _options(node: Tree | None, text: str) -> dict[str, tuple[Value, ...]]:
    """Typed option dict of one pass; repeating an option is an error, as in MLIR."""
    options: dict[str, tuple[Value, ...]] = {}
    seen: set[str] = set()
    for option in node.children if node is not None else ():
        key: Token = option.children[0]
        norm = key.replace("-", "_")
        if norm in seen:
            what = f"option '{key}' is given more than once"
            raise _caret_error(text, key.start_pos, what, "invalid pass pipeline")
        seen.add(norm)
        values = option.children[1:]
        options[str(key)] = (
            tuple(_value(v, text) for v in values) if values else (True,)
        )
    return options


def _value(node: Tree, text: str) -> Value:
    """Type one option value the way xDSL's parse_pipeline does."""
    if node.data == "braced":
        return text[node.meta.start_pos : node.meta.end_pos]
    raw = str(node.children[0])
    if node.data == "quoted":
        return _unquote(raw)
    if raw in ("true", "false"):
        return raw == "true"
    if _INT.fullmatch(raw):
        return int(raw)
    if _FLOAT.fullmatch(raw):
        return float(raw)
    return raw


def _unquote(raw: str) -> str:
    """Strip the quotes and decode the usual backslash escapes."""
    return re.sub(
        r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(0)), raw[1:-1]
    )


# --------------------------------------------------------------------------- building


@dataclass(frozen=True)
class ForEachFunction(ModulePass):
    """Run `inner` on each top-level func.func alone, like MLIR's nested pass
    manager: the function is moved into a temporary module, the pass runs on
    that, and whatever the module then holds goes back where the function was."""

    name: ClassVar[str] = FUNC_ANCHOR
    inner: ModulePass

    def __post_init__(self) -> None:
        """Give each instance the name `func.func(<inner name>)` for logs and timing."""
        object.__setattr__(self, "name", f"{FUNC_ANCHOR}({self.inner.name})")

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        """Apply `inner` once per function, keeping the module's op order."""
        for func in [o for o in op.body.block.ops if isinstance(o, FuncOp)]:
            after = func.next_op
            func.detach()
            scratch = ModuleOp([func])
            self.inner.apply(ctx, scratch)
            for moved in list(scratch.body.block.ops):
                moved.detach()
                if after is None:
                    op.body.block.add_op(moved)
                else:
                    op.body.block.insert_op_before(moved, after)

    def spec(self, *, include_default: bool = False) -> ArgSpec:
        """The spec is the nested form; `inner` is not a pass option."""
        return ArgSpec(self.name, {})

    def __str__(self) -> str:
        """Print back as pipeline text, e.g. `func.func(cse)`."""
        return f"{FUNC_ANCHOR}({self.inner})"


def build_passes(
    specs: list[PassSpec],
    available: dict[str, Callable[[], type[ModulePass]]],
) -> list[ModulePass]:
    """Instantiate and configure the passes named by `specs`.

    Options are checked here so each mistake gets a one-line message, then
    xDSL's own `from_pass_spec` does the typed conversion."""
    passes: list[ModulePass] = []
    for spec in specs:
        pass_ = _build_one(spec, _lookup(spec.name, available))
        passes.append(ForEachFunction(pass_) if spec.anchor == FUNC_ANCHOR else pass_)
    return passes


def _lookup(
    name: str, available: dict[str, Callable[[], type[ModulePass]]]
) -> type[ModulePass]:
    """Find a pass class by name, suggesting near misses when it is unknown."""
    if name in available:
        return available[name]()
    close = difflib.get_close_matches(name, list(available), n=3)
    hint = f" (did you mean {', '.join(repr(c) for c in close)}?)" if close else ""
    raise PipelineError(f"unknown pass '{name}'{hint}; see --list-passes")


def _option_fields(cls: type[ModulePass]) -> dict[str, Any]:
    """The pass's options: its init dataclass fields, mapped to resolved types."""
    hints = typing.get_type_hints(cls)
    return {
        f.name: hints.get(f.name, f.type)
        for f in dataclasses.fields(cls)
        if f.init and f.name != "name"
    }


def _option_list(fields: dict[str, Any]) -> str:
    """Human list of options, spelled with dashes as users write them."""
    if not fields:
        return "none"
    return ", ".join(f"{k.replace('_', '-')} ({type_repr(t)})" for k, t in fields.items())


def _build_one(spec: PassSpec, cls: type[ModulePass]) -> ModulePass:
    """Check one spec's options against `cls`, then let xDSL construct it."""
    fields = _option_fields(cls)
    given = {k.replace("-", "_"): (k, v) for k, v in spec.options.items()}
    for norm, (key, values) in given.items():
        if norm not in fields:
            raise PipelineError(
                f"unknown option '{key}' for pass '{spec.name}'; "
                f"valid options: {_option_list(fields)}"
            )
        _check_type(spec.name, key, values, fields[norm])
    for missing in sorted(cls.required_fields() - given.keys()):
        raise PipelineError(
            f"pass '{spec.name}' requires option '{missing.replace('_', '-')}' "
            f"({type_repr(fields[missing])})"
        )
    try:
        return cls.from_pass_spec(ArgSpec(cls.name, dict(spec.options)))
    except ValueError as err:  # a type combination our check let through
        raise PipelineError(f"bad options for pass '{spec.name}': {err}") from None


def _check_type(pass_name: str, key: str, values: tuple[Value, ...], tp: Any) -> None:
    """Reject a value xDSL's conversion would reject (or would wrongly accept:
    Python's `True` is an int, so `n=true` must not become `n=1`)."""
    if _accepts(values, tp) and (_mentions(tp, bool) or not _has_bool(values)):
        return
    shown = ",".join(_show(v) for v in values)
    hint = ""
    if _mentions(tp, float) and any(type(v) is int for v in values):
        hint = " (write a float with a '.', e.g. 2.0)"
    elif _mentions(tp, str) and not all(isinstance(v, str) for v in values):
        hint = " (quote it to pass a string)"
    raise PipelineError(
        f"option '{key}' of pass '{pass_name}' expects {type_repr(tp)}, "
        f"got {shown}{hint}"
    )


def _accepts(values: tuple[Value, ...], tp: Any) -> bool:
    """Mirror of xdsl.utils.arg_spec._convert_arg_to_type's acceptance test."""
    if len(values) == 1 and isa(values[0], tp):
        return True
    return isa(values, tp)


def _mentions(tp: Any, leaf: type) -> bool:
    """Whether `leaf` appears anywhere in the (possibly nested) annotation `tp`."""
    if tp is leaf:
        return True
    if typing.get_origin(tp) in (typing.Union, UnionType, tuple):
        return any(_mentions(a, leaf) for a in typing.get_args(tp) if a is not NoneType)
    return False


def _has_bool(values: tuple[Value, ...]) -> bool:
    """Whether any value is a bool (true/false or a bare flag)."""
    return any(isinstance(v, bool) for v in values)


def _show(value: Value) -> str:
    """Print a value back the way it would be written in a pipeline."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    return str(value)


def pass_info(name: str, cls: type[ModulePass]) -> dict[str, Any]:
    """One pass as data: what `--list-passes --json` prints and the docs are generated from.

    Each option has its pipeline spelling (dashes), its type as written in
    Python, its default (None with `required` when it has none) and whether
    it is required."""
    doc = inspect.cleandoc(cls.__doc__) if cls.__doc__ else ""
    options: list[dict[str, Any]] = []
    fields = {f.name: f for f in dataclasses.fields(cls) if f.init}
    for field_name, tp in _option_fields(cls).items():
        f = fields[field_name]
        if f.default is not dataclasses.MISSING:
            default: Any = f.default
        elif f.default_factory is not dataclasses.MISSING:
            default = f.default_factory()
        else:
            default = dataclasses.MISSING
        options.append(
            {
                "name": field_name.replace("_", "-"),
                "type": type_repr(tp),
                "default": None if default is dataclasses.MISSING else _json_value(default),
                "required": default is dataclasses.MISSING,
            }
        )
    return {"name": name, "summary": doc.splitlines()[0] if doc else "", "description": doc, "options": options}


def _json_value(value: Any) -> Any:
    """A default as JSON: tuples become lists, anything exotic its repr."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, tuple | list):
        return [_json_value(v) for v in value]
    return repr(value)
