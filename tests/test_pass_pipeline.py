"""Tests for compiler.pass_pipeline: MLIR pipeline syntax, option typing, errors,
and running func.func-nested passes on each function separately."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from xdsl.context import Context
from xdsl.dialects.arith import Arith
from xdsl.dialects.builtin import Builtin, ModuleOp
from xdsl.dialects.func import Func, FuncOp
from xdsl.parser import Parser
from xdsl.passes import ModulePass
from xdsl.transforms import get_all_passes

from compiler.errors import OptFuseError, PipelineError
from compiler.pass_pipeline import (
    ForEachFunction,
    PassSpec,
    build_passes,
    parse_pass_pipeline,
)


@dataclass(frozen=True)
class Knobs(ModulePass):
    """A do-nothing pass with one option of every type xDSL supports."""

    name = "knobs"
    count: int = 1
    scale: float = 1.0
    fast: bool = False
    label: str = "x"
    sizes: tuple[int, ...] = ()
    limit: int | None = None

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        pass


@dataclass(frozen=True)
class NeedsSize(ModulePass):
    """A pass with a required option."""

    name = "needs-size"
    tile_size: int

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        pass


@dataclass(frozen=True)
class RecordFuncs(ModulePass):
    """Records the function names of every module it is applied to."""

    name = "record-funcs"
    seen: list = None  # type: ignore[assignment]

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        self.seen.append([f.sym_name.data for f in op.ops if isinstance(f, FuncOp)])


def available() -> dict:
    """xDSL's passes plus the test passes, as opt-fuse's registry would hold them."""
    passes = dict(get_all_passes())
    passes["knobs"] = lambda: Knobs
    passes["needs-size"] = lambda: NeedsSize
    return passes


def build(text: str) -> list[ModulePass]:
    """Parse and build in one step, as the CLI does."""
    return build_passes(parse_pass_pipeline(text), available())


def error_of(fn, *args) -> str:
    """The PipelineError message raised by fn(*args)."""
    with pytest.raises(PipelineError) as info:
        fn(*args)
    return str(info.value)


def caret_column(message: str) -> int:
    """1-based column the caret line points at (after the 2-space indent)."""
    return message.splitlines()[2].index("^") - 1


# ---------------------------------------------------------------- parsing: forms


def test_flat_form_runs_on_module():
    """xDSL's flat form has no anchor, so every pass runs on the module."""
    assert parse_pass_pipeline("cse,dce") == [
        PassSpec("cse", {}, "builtin.module"),
        PassSpec("dce", {}, "builtin.module"),
    ]


def test_brief_example_nested():
    """The full MLIR-style example from the design parses pass by pass."""
    text = (
        "builtin.module(shape-infer,fuse{max-group-size=4 disable=reduction,injective},"
        'func.func(cse,canonicalize),emit-llvm{target=aarch64 weights-file="/tmp/a b.bin"})'
    )
    assert parse_pass_pipeline(text) == [
        PassSpec("shape-infer", {}, "builtin.module"),
        PassSpec(
            "fuse",
            {"max-group-size": (4,), "disable": ("reduction", "injective")},
            "builtin.module",
        ),
        PassSpec("cse", {}, "func.func"),
        PassSpec("canonicalize", {}, "func.func"),
        PassSpec(
            "emit-llvm",
            {"target": ("aarch64",), "weights-file": ("/tmp/a b.bin",)},
            "builtin.module",
        ),
    ]


def test_func_func_at_top_level_nests_under_module():
    """Without builtin.module, func.func(...) still means 'each function'."""
    assert parse_pass_pipeline("func.func(cse),dce") == [
        PassSpec("cse", {}, "func.func"),
        PassSpec("dce", {}, "builtin.module"),
    ]


@pytest.mark.parametrize("text", ["", "   ", "builtin.module()", " builtin.module( ) "])
def test_empty_pipelines(text):
    """An empty pipeline is valid and runs nothing, as in mlir-opt."""
    assert parse_pass_pipeline(text) == []


def test_empty_func_func():
    """An empty nested pipeline contributes no passes."""
    assert parse_pass_pipeline("builtin.module(func.func(),cse)") == [
        PassSpec("cse", {}, "builtin.module")
    ]


def test_whitespace_around_tokens():
    """Whitespace (including newlines) between tokens does not change the result."""
    spaced = " builtin.module ( fuse { n = 1 , 2   k = x } ,\n func.func ( cse ) ) "
    assert parse_pass_pipeline(spaced) == parse_pass_pipeline(
        "builtin.module(fuse{n=1,2 k=x},func.func(cse))"
    )


def test_pass_names_with_dots_digits_underscores():
    """Pass names may use letters, digits, '-', '_' and '.'."""
    names = [s.name for s in parse_pass_pipeline("a.b-c_d,2d-tile,x9")]
    assert names == ["a.b-c_d", "2d-tile", "x9"]


# ---------------------------------------------------------------- parsing: options


def test_option_value_types():
    """Values are typed like xDSL's parse_pipeline: int, float, bool, str."""
    (spec,) = parse_pass_pipeline(
        "p{i=3 n=-2 f=1.5 e=2.5e-3 t=true b=false s=abc path=/tmp/x.bin mixed=1,2.0,x}"
    )
    assert spec.options == {
        "i": (3,),
        "n": (-2,),
        "f": (1.5,),
        "e": (2.5e-3,),
        "t": (True,),
        "b": (False,),
        "s": ("abc",),
        "path": ("/tmp/x.bin",),
        "mixed": (1, 2.0, "x"),
    }
    assert type(spec.options["f"][0]) is float and type(spec.options["t"][0]) is bool


def test_quoted_strings_stay_strings():
    """Quotes keep spaces, commas and numbers as one string; escapes decode."""
    (spec,) = parse_pass_pipeline(r"""p{a="x y, z" n="12" e="say \"hi\"" q='s q'}""")
    assert spec.options == {
        "a": ("x y, z",),
        "n": ("12",),
        "e": ('say "hi"',),
        "q": ("s q",),
    }


def test_bare_flag_means_true():
    """A bare key is MLIR's shorthand for key=true."""
    (spec,) = parse_pass_pipeline("p{fast verbose=false other}")
    assert spec.options == {"fast": (True,), "verbose": (False,), "other": (True,)}


def test_nested_brace_value_kept_verbatim():
    """A {...} value (a nested spec for the pass to parse) is one raw string."""
    (spec,) = parse_pass_pipeline('p{inner={a=1 b={c} s="}"} k=2}')
    assert spec.options == {"inner": ('{a=1 b={c} s="}"}',), "k": (2,)}


def test_empty_options():
    """`p{}` is a pass with no options."""
    assert parse_pass_pipeline("p{}") == [PassSpec("p", {}, "builtin.module")]


# ---------------------------------------------------------------- parsing: errors


def test_missing_comma_points_after_pass():
    """The caret marks where the separator was due, as in the documented example."""
    message = error_of(parse_pass_pipeline, "builtin.module(a b)")
    assert message == (
        "malformed pass pipeline at column 17: expected ',' or ')'\n"
        "  builtin.module(a b)\n"
        "                  ^"
    )
    assert caret_column(message) == 17


@pytest.mark.parametrize(
    "text, column, expected",
    [
        ("a,", 3, "expected a pass name"),
        ("builtin.module(", 16, "expected a pass name or ')'"),
        ("a)", 2, "expected end of pipeline"),
        ("a b", 2, "expected ',' or end of pipeline"),
        ("a{x=}", 5, "expected a value"),
        ("a{x=1,}", 7, "expected a value"),
        ("a{=1}", 3, "expected an option name or '}'"),
        ("a{x", 4, "expected '=', an option name or '}'"),
        ('a{s="abc}', 5, "unterminated quoted string"),
        ("a{x=1", 6, "expected an option name, ',' or '}'"),
    ],
)
def test_syntax_errors(text, column, expected):
    """Each malformed pipeline names what was expected and where."""
    message = error_of(parse_pass_pipeline, text)
    assert message.startswith(f"malformed pass pipeline at column {column}: {expected}")
    assert message.splitlines()[1] == f"  {text}"
    assert caret_column(message) == column


def test_unknown_anchor_is_named():
    """An anchor other than builtin.module/func.func is an error naming it."""
    message = error_of(parse_pass_pipeline, "builtin.module(gpu.module(cse))")
    assert "unknown anchor op 'gpu.module'" in message
    assert "builtin.module" in message and "func.func" in message
    assert caret_column(message) == 16


@pytest.mark.parametrize(
    "text, column",
    [
        ("builtin.module(builtin.module(cse))", 16),
        ("func.func(func.func(cse))", 11),
        ("func.func(builtin.module(cse))", 11),
    ],
)
def test_bad_nesting_of_known_anchors(text, column):
    """Known anchors nested where opt-fuse cannot run them are errors, not no-ops."""
    message = error_of(parse_pass_pipeline, text)
    assert "cannot be nested inside" in message
    assert caret_column(message) == column


def test_duplicate_option_is_error():
    """Repeating an option (even spelled with '_' vs '-') is ambiguous."""
    message = error_of(parse_pass_pipeline, "p{max-size=1 max_size=2}")
    assert "option 'max_size' is given more than once" in message
    assert caret_column(message) == 14


def test_error_on_second_line():
    """In a multi-line pipeline the message gives the line and shows that line."""
    message = error_of(parse_pass_pipeline, "builtin.module(\n  cse dce)")
    assert message.startswith("malformed pass pipeline at line 2, column 6:")
    assert message.splitlines()[1] == "    cse dce)"
    assert caret_column(message) == 6


def test_pipeline_error_is_user_error():
    """PipelineError is an OptFuseError, so the tools print it without a traceback."""
    with pytest.raises(OptFuseError):
        parse_pass_pipeline("(")


# ---------------------------------------------------------------- building


def test_build_xdsl_passes_and_anchors():
    """Module passes are used as is; func.func passes are wrapped per function."""
    passes = build("builtin.module(canonicalize,func.func(cse,dce))")
    assert [type(p).__name__ for p in passes] == [
        "CanonicalizePass",
        "ForEachFunction",
        "ForEachFunction",
    ]
    assert [p.name for p in passes] == ["canonicalize", "func.func(cse)", "func.func(dce)"]
    assert str(passes[1]) == "func.func(cse)"


def test_build_typed_options():
    """xDSL's conversion fills every option type, with '-' mapped to '_'."""
    (knobs,) = build(
        'knobs{count=3 scale=0.5 fast label="a b" sizes=4,8,16 limit=7}'
    )
    assert knobs == Knobs(
        count=3, scale=0.5, fast=True, label="a b", sizes=(4, 8, 16), limit=7
    )
    (needs,) = build("needs-size{tile-size=32}")
    assert needs == NeedsSize(tile_size=32)


def test_build_defaults_and_single_tuple():
    """Omitted options keep defaults; a single value fills a tuple option."""
    (knobs,) = build("knobs{sizes=5}")
    assert knobs == Knobs(sizes=(5,))


def test_unknown_pass_suggests_close_matches():
    """A typo gets close matches and a pointer to --list-passes, on one line."""
    message = error_of(build, "builtin.module(canonicalise)")
    assert message.startswith("unknown pass 'canonicalise'")
    assert "'canonicalize'" in message and "see --list-passes" in message
    assert "\n" not in message


def test_unknown_pass_without_matches():
    """With nothing close, the message still says where to look."""
    message = error_of(build, "zzzzqqq")
    assert message == "unknown pass 'zzzzqqq'; see --list-passes"


def test_unknown_option_lists_valid_ones():
    """The message lists the pass's real options, with their types."""
    message = error_of(build, "knobs{cuont=3}")
    assert message.startswith("unknown option 'cuont' for pass 'knobs'; valid options:")
    for option in ("count (int)", "scale (float)", "fast (bool)", "sizes (tuple[int, ...])"):
        assert option in message
    assert "none" in error_of(build, "cse{x=1}")


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("knobs{count=abc}", "option 'count' of pass 'knobs' expects int, got \"abc\""),
        ("knobs{count=1.5}", "expects int, got 1.5"),
        ("knobs{count=true}", "expects int, got true"),
        ("knobs{limit}", "option 'limit' of pass 'knobs' expects int|None, got true"),
        ("knobs{fast=1}", "option 'fast' of pass 'knobs' expects bool, got 1"),
        ("knobs{scale=2}", "expects float, got 2 (write a float with a '.', e.g. 2.0)"),
        ("knobs{label=3}", "expects str, got 3 (quote it to pass a string)"),
        ("knobs{sizes=1,x}", "expects tuple[int, ...], got 1,\"x\""),
        ("knobs{count=1,2}", "expects int, got 1,2"),
    ],
)
def test_wrong_type(text, fragment):
    """A wrongly typed value names the option, the expected type and the value."""
    message = error_of(build, text)
    assert fragment in message
    assert "\n" not in message


def test_missing_required_option():
    """A required option that is not given is named, with its type."""
    message = error_of(build, "needs-size")
    assert message == "pass 'needs-size' requires option 'tile-size' (int)"


def test_nested_pass_options_are_checked_too():
    """Options of a pass under func.func go through the same checks."""
    assert "expects int" in error_of(build, "func.func(knobs{count=x})")
    (wrapped,) = build("func.func(knobs{count=2})")
    assert wrapped == ForEachFunction(Knobs(count=2))


# ---------------------------------------------------------------- ForEachFunction

TWO_FUNCS = """
func.func @f(%a: i32) -> i32 {
  %x = arith.addi %a, %a : i32
  %y = arith.addi %a, %a : i32
  %dead = arith.muli %a, %a : i32
  %z = arith.muli %x, %y : i32
  func.return %z : i32
}
func.func @g(%b: i32) -> i32 {
  %x = arith.subi %b, %b : i32
  %y = arith.subi %b, %b : i32
  %z = arith.addi %x, %y : i32
  func.return %z : i32
}
"""


def parse_two_funcs() -> tuple[Context, ModuleOp]:
    """A fresh context and the two-function module used below."""
    ctx = Context()
    for dialect in (Builtin, Func, Arith):
        ctx.load_dialect(dialect)
    return ctx, Parser(ctx, TWO_FUNCS).parse_module()


def func_names(module: ModuleOp) -> list[str]:
    """Top-level function names in order."""
    return [op.sym_name.data for op in module.ops if isinstance(op, FuncOp)]


@pytest.mark.parametrize("pass_name", ["cse", "dce", "canonicalize"])
def test_for_each_function_matches_whole_module(pass_name):
    """Per-function application of a function-local pass gives the same IR as
    applying it to the module, with the functions kept in their order."""
    (nested,) = build(f"func.func({pass_name})")
    ctx, per_func = parse_two_funcs()
    nested.apply(ctx, per_func)
    per_func.verify()
    _, whole = parse_two_funcs()
    get_all_passes()[pass_name]()().apply(ctx, whole)
    assert str(per_func) == str(whole)
    assert func_names(per_func) == ["f", "g"]


def test_for_each_function_cse_result():
    """CSE under func.func merges the duplicates inside each function."""
    ctx, module = parse_two_funcs()
    ForEachFunction(get_all_passes()["cse"]()()).apply(ctx, module)
    text = str(module)
    assert text.count("arith.addi %a, %a") == 1
    assert text.count("arith.subi %b, %b") == 1


def test_for_each_function_sees_one_function_at_a_time():
    """The inner pass gets a module holding exactly one function per call."""
    seen: list = []
    ctx, module = parse_two_funcs()
    ForEachFunction(RecordFuncs(seen=seen)).apply(ctx, module)
    assert seen == [["f"], ["g"]]
    assert func_names(module) == ["f", "g"]
