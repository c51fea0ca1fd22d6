"""opt-fuse: run pass pipelines on nn/loop IR or ONNX models, like mlir-opt.

    opt-fuse model.onnx -p 'builtin.module(shape-infer)'
    opt-fuse model.onnx -p 'builtin.module(shape-infer,lower-to-loops,emit-llvm{target=aarch64})' -o model.ll
    opt-fuse test.mlir --split-input-file --verify-diagnostics -p shape-infer
    opt-fuse test.mlir --load-pass-plugin my_pass.py -p 'shape-infer,my-pass' --print-ir-after-change
    opt-fuse model.onnx --check-numerics

User errors print one message and exit 1; `--debug` shows the traceback.
Everything here is also a function of the Python API (compiler/api.py).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.passes import ModulePass

from compiler import api
from compiler.context import make_context
from compiler.diagnostics import Diagnostic, collect_diagnostics
from compiler.errors import OptFuseError
from compiler.fusion_report import FunctionReport, reports_from_module, write_dot
from compiler.ir_text import DEFAULT_ELIDE_LIMIT, decode_ir_text, parse_ir
from compiler.pass_manager import IRPrinting, IRVerifyError, PassInstrumentation, PassManager, Timing, verify_module
from compiler.pass_pipeline import build_passes, parse_pass_pipeline
from dialects.llvmir import TranslationOp
from passes import get_all_passes
from tools import run_guarded

MODEL_SUFFIXES = (".onnx", ".onnxtxt")  # compiler.onnx_importer.ONNX_TEXT_SUFFIX, not imported: onnx loads slowly
SPLIT_MARKER = re.compile(r"^// -----[ \t]*$", re.MULTILINE)
EXPECTED = re.compile(r"expected-(error|warning)\s*(?:@\s*([+-]\d+|above|below))?\s*\{\{(.*?)\}\}")
"""MLIR's annotations: `expected-error@+1 {{text}}`, `expected-warning {{text}}` (same line), `@above`, `@below`."""

__all__ = ["IRVerifyError", "build_arg_parser", "main", "verify_module"]


def build_arg_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="opt-fuse", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("input", nargs="?", default="-", help="a .mlir file, a .onnx model, an .onnxtxt model in ONNX text syntax, or - for IR text on stdin")
    parser.add_argument("-p", "--pass-pipeline", default="", metavar="PIPELINE", help="MLIR pipeline text: 'builtin.module(a,b{opt=1})' or 'a,b'")
    parser.add_argument("-o", "--output", default="-", metavar="FILE", help="output file (default: stdout)")
    parser.add_argument("--list-passes", action="store_true", help="list the registered passes and their options")
    parser.add_argument("--json", action="store_true", help="with --list-passes: every pass with its options, types and defaults, as JSON")
    parser.add_argument(
        "--load-pass-plugin",
        action="append",
        default=[],
        metavar="FILE.py",
        help="register the passes (and dialects) defined in a Python file (repeatable); installed packages add theirs through the 'opt_fuse.plugins' entry points",
    )
    parser.add_argument("--print-ir-before", action="append", default=[], metavar="PASS", help="print the IR before the named passes, to stderr (repeatable, or a comma list)")
    parser.add_argument("--print-ir-after", action="append", default=[], metavar="PASS", help="print the IR after the named passes, to stderr (repeatable, or a comma list)")
    parser.add_argument("--print-ir-before-all", action="store_true", help="print the IR before each pass, to stderr")
    parser.add_argument("--print-ir-after-all", action="store_true", help="print the IR after each pass, to stderr")
    parser.add_argument(
        "--print-ir-after-change",
        action="store_true",
        help="print the IR after a pass only if the pass changed it (alone: after every pass that does; with --print-ir-after: after those passes)",
    )
    parser.add_argument("--print-ir-after-failure", action="store_true", help="print the IR as a failing pass left it, to stderr")
    parser.add_argument("--timing", action="store_true", help="print the time spent parsing, in each pass, verifying and printing (like mlir's -mlir-timing), to stderr")
    parser.add_argument(
        "--fusion-dot",
        metavar="FILE",
        default="",
        help="draw the nn ops and their nn.fused groups as a Graphviz graph (.dot text; .svg needs Graphviz's `dot`), "
        "as the last pass that left nn ops made them",
    )
    parser.add_argument(
        "--check-numerics",
        action="store_true",
        help="compile the module fused (by the pipeline, default: the driver's fusing passes) and unfused, run both on random inputs, "
        "and name the first fused group whose outputs differ beyond the tolerance (exit 1 if one does)",
    )
    parser.add_argument("--numerics-atol", type=float, default=1e-4, metavar="A", help="--check-numerics absolute tolerance (default 1e-4)")
    parser.add_argument("--numerics-rtol", type=float, default=1e-3, metavar="R", help="--check-numerics relative tolerance (default 1e-3)")
    parser.add_argument("--numerics-seed", type=int, default=0, metavar="N", help="--check-numerics random inputs' seed (default 0)")
    parser.add_argument("--split-input-file", action="store_true", help="process each '// -----' chunk on its own")
    parser.add_argument(
        "--verify-diagnostics",
        action="store_true",
        help="an error is the expected outcome: print it and exit 0; expected-error {{...}} and expected-warning {{...}} annotations "
        "(@+N, @-N, @above, @below) are checked: text and line",
    )
    parser.add_argument("--print-large-constants", action="store_true", help=f"print constants of more than {DEFAULT_ELIDE_LIMIT} elements in full")
    parser.add_argument("--print-op-generic", action="store_true", help="print ops in the generic form")
    parser.add_argument("--mlir-print-debuginfo", action="store_true", help="print op locations")
    parser.add_argument("--dim-bound", action="append", default=[], metavar="NAME=MAX", help="upper bound of a symbolic dim of an ONNX model's inputs (repeatable)")
    parser.add_argument("--input-shape", action="append", default=[], metavar="SPEC", help="an ONNX model input's shape, e.g. 'x:[batch<=8,3,224,224]' (repeatable)")
    parser.add_argument("--debug", action="store_true", help="show Python tracebacks")
    return parser


def render(module: ModuleOp, args: argparse.Namespace) -> str:
    """LLVM IR text if the pipeline ended in emit-llvm, else the module as IR text."""
    return api.to_text(module, print_large_constants=args.print_large_constants, generic=args.print_op_generic, debuginfo=args.mlir_print_debuginfo)


@dataclass
class FusionPicture(PassInstrumentation):
    """--fusion-dot: the groups as the last pass that left nn ops made them (before lowering, if the pipeline lowers)."""

    reports: list[FunctionReport] | None = None

    def before_pass(self, pass_: ModulePass, module: ModuleOp) -> None:
        if self.reports is None:
            self.take(module)

    def after_pass(self, pass_: ModulePass, module: ModuleOp) -> None:
        self.take(module)

    def take(self, module: ModuleOp) -> None:
        reports = reports_from_module(module)
        if any(report.groups for report in reports):
            self.reports = reports

    def write(self, module: ModuleOp, path: str) -> None:
        self.take(module)
        if self.reports is None:
            raise OptFuseError("--fusion-dot: the module has no nn ops to draw")
        write_dot(self.reports, path, "--fusion-dot")
        self.reports = None  # the next --split-input-file chunk starts afresh


def write_file(path: str, data: str | bytes) -> None:
    try:
        if isinstance(data, bytes):
            Path(path).write_bytes(data)
        else:
            Path(path).write_text(data)
    except OSError as error:
        raise OptFuseError(f"cannot write '{path}': {error.strerror}") from error


def write_weights(module: ModuleOp) -> None:
    for op in module.ops:
        if isinstance(op, TranslationOp) and op.weights.data and op.weights_file.data:
            write_file(op.weights_file.data, op.weights.data)


@dataclass
class Chunk:
    """One module to process: parsed (or the error parsing it), the text it came from, where that text starts."""

    module: ModuleOp | None
    text: str
    error: OptFuseError | None
    line_offset: int = 0
    """Lines of the file before this chunk, so annotations and locations agree."""
    warnings: list[Diagnostic] = field(default_factory=list[Diagnostic])


def load_inputs(ctx: Context, args: argparse.Namespace, timing: Timing | None) -> list[Chunk]:
    """The modules to process, with the text each came from (for diagnostics) or the error parsing it."""
    with measure(timing, "Parser"):
        return _load_inputs(ctx, args)


def measure(timing: Timing | None, name: str) -> AbstractContextManager[None]:
    """A --timing row for the block, or nothing without --timing."""
    return timing.measure(name) if timing is not None else nullcontext()


def _load_inputs(ctx: Context, args: argparse.Namespace) -> list[Chunk]:
    if args.input.endswith(MODEL_SUFFIXES):
        from compiler.onnx_importer import import_model  # onnx loads only when a model is given
        from compiler.shape_spec import parse_shape_specs

        specs = parse_shape_specs(args.input_shape, args.dim_bound)
        return [Chunk(import_model(Path(args.input), dim_bounds=specs.dim_bounds, input_shapes=specs.input_shapes), "", None)]
    try:
        data = sys.stdin.buffer.read() if args.input == "-" else Path(args.input).read_bytes()
    except OSError as error:
        raise OptFuseError(f"cannot read '{args.input}': {error.strerror}") from error
    name = "<stdin>" if args.input == "-" else args.input
    text = decode_ir_text(data, name)
    chunks = SPLIT_MARKER.split(text) if args.split_input_file else [text]
    inputs: list[Chunk] = []
    for number, chunk in enumerate(chunks):
        line_offset = sum(c.count("\n") for c in chunks[:number])  # each chunk after a marker starts with its newline
        try:
            module = parse_ir(ctx, "\n" * line_offset + chunk, name)
            verify_module(module)
            inputs.append(Chunk(module, chunk, None, line_offset))
        except OptFuseError as error:
            inputs.append(Chunk(None, chunk, error, line_offset))
    return inputs


@dataclass
class Expected:
    severity: str
    text: str
    line: int
    """The line the diagnostic must point at (in the whole file)."""


def expected_diagnostics(chunk: Chunk) -> list[Expected]:
    found: list[Expected] = []
    for number, line in enumerate(chunk.text.split("\n"), start=chunk.line_offset + 1):
        for severity, where, text in EXPECTED.findall(line):
            offset = {"": 0, "above": -1, "below": 1}.get(where)
            found.append(Expected(severity, text, number + (int(where) if offset is None else offset)))
    return found


def check_expected(chunk: Chunk, input_name: str) -> list[str]:
    """--verify-diagnostics: what differs from the chunk's annotations (nothing if all is as expected).

    Each produced diagnostic must match an annotation of its severity whose text
    it contains and, when the diagnostic has a line in this file, whose line it
    names; each annotation must be matched. An error in a chunk without any
    annotation is accepted: the error is the expected outcome."""
    expected = expected_diagnostics(chunk)
    location = re.compile(re.escape(input_name) + r":(\d+):\d+")
    produced: list[tuple[str, str, int | None]] = [("warning", w.message, w.line) for w in chunk.warnings]
    if chunk.error is not None:
        found = location.search(str(chunk.error))
        produced.append(("error", str(chunk.error), int(found.group(1)) if found else None))
    complaints: list[str] = []
    unmatched = list(expected)
    for severity, message, line in produced:
        match = next((e for e in unmatched if e.severity == severity and e.text in message and line in (None, e.line)), None)
        if match is not None:
            unmatched.remove(match)
            continue
        if severity == "error" and not any(e.severity == "error" for e in expected):
            continue
        texts = [e.text for e in expected if e.severity == severity]
        hint = f"\n  (expected one of: {texts})" if texts else ""
        complaints.append(f"unexpected {severity}: {message}{hint}")
    for e in unmatched:
        complaints.append(f"expected {e.severity} '{e.text}' was not produced (at line {e.line})")
    return complaints


def run(args: argparse.Namespace) -> int:
    timing = Timing() if args.timing else None
    with measure(timing if args.load_pass_plugin else None, "Plugins"):
        for plugin in args.load_pass_plugin:  # first: plugins add passes to the registry and dialects to the context
            api.load_pass_plugin(plugin)
    if args.json and not args.list_passes:
        raise OptFuseError("--json goes with --list-passes")
    if args.list_passes:
        print(json.dumps(api.list_passes(), indent=2) if args.json else list_passes())
        return 0
    with measure(timing, "Setup (dialects, pass registry)"):
        ctx = make_context()
        available = get_all_passes()
    printing = IRPrinting(
        render=lambda module: render(module, args),
        before=api.check_pass_names(args.print_ir_before, available, "--print-ir-before"),
        after=api.check_pass_names(args.print_ir_after, available, "--print-ir-after"),
        before_all=args.print_ir_before_all,
        after_all=args.print_ir_after_all,
        after_change=args.print_ir_after_change,
        after_failure=args.print_ir_after_failure,
    )
    if args.check_numerics:
        return check_numerics(ctx, args, timing, printing)
    with measure(timing, "Pipeline parsing"):
        passes = build_passes(parse_pass_pipeline(args.pass_pipeline), available)
    picture = FusionPicture()
    manager = PassManager(passes, ctx, [printing, picture], timing)
    outputs: list[str] = []
    status = 0
    for chunk in load_inputs(ctx, args, timing):
        if chunk.error is None and chunk.module is not None:
            with collect_diagnostics() as chunk.warnings:
                try:
                    manager.run(chunk.module)
                except OptFuseError as pass_error:
                    chunk.error = pass_error
        if args.verify_diagnostics:
            complaints = check_expected(chunk, "<stdin>" if args.input == "-" else args.input)
            for complaint in complaints:
                sys.stderr.write(f"opt-fuse: error: {complaint}\n")
            status = max(status, 1 if complaints else 0)
            outputs.append(str(chunk.error) + "\n" if chunk.error else render(chunk.module, args))  # type: ignore[arg-type]
            continue
        for warning in chunk.warnings:
            sys.stderr.write(f"opt-fuse: warning: {warning.message}\n")
        if chunk.error is not None:
            raise chunk.error
        assert chunk.module is not None
        write_weights(chunk.module)
        with measure(timing, "Output"):
            outputs.append(render(chunk.module, args))
        if args.fusion_dot:
            picture.write(chunk.module, args.fusion_dot)
    write_output(args, "// -----\n".join(outputs))
    if timing is not None:
        sys.stderr.write(timing.report())
    return status


def check_numerics(ctx: Context, args: argparse.Namespace, timing: Timing | None, printing: IRPrinting) -> int:
    """--check-numerics: the report on stdout (or -o); the first divergent group is the error."""
    from compiler.numerics import DEFAULT_PIPELINE
    from compiler.numerics import check_numerics as check

    if args.verify_diagnostics or args.fusion_dot:
        raise OptFuseError("--check-numerics does not go with --verify-diagnostics or --fusion-dot")
    reports: list[str] = []
    first_error: OptFuseError | None = None
    for chunk in load_inputs(ctx, args, timing):
        if chunk.error is not None:
            raise chunk.error
        assert chunk.module is not None
        with collect_diagnostics() as warnings:
            report = check(
                chunk.module,
                args.pass_pipeline or DEFAULT_PIPELINE,
                atol=args.numerics_atol,
                rtol=args.numerics_rtol,
                seed=args.numerics_seed,
                timing=timing,
                instrumentations=[printing],
            )
        for warning in warnings:
            sys.stderr.write(f"opt-fuse: warning: {warning.message}\n")
        reports.append(report.render())
        first_error = first_error or report.error()
    write_output(args, "// -----\n".join(reports))
    if timing is not None:
        sys.stderr.write(timing.report())
    if first_error is not None:
        raise first_error
    return 0


def write_output(args: argparse.Namespace, text: str) -> None:
    if args.output == "-":
        sys.stdout.write(text)
        sys.stdout.flush()  # before any error on stderr, so the two read in order when merged
    else:
        write_file(args.output, text)


def list_passes() -> str:
    """--list-passes: each pass, its summary and its options, from the same data as --json."""
    lines: list[str] = []
    for info in api.list_passes():
        origin = f"  [from {info['origin']}]" if info["origin"] not in ("opt-fuse", "xdsl") else ""
        lines.append(info["name"] + (f"  -- {info['summary']}" if info["summary"] else "") + origin)
        for option in info["options"]:
            default = "" if option["required"] else f" = {_python_repr(option['default'])}"
            lines.append(f"    {option['name']}: {option['type']}{default}")
    return "\n".join(lines)


def _python_repr(value: object) -> str:
    return repr(tuple(value)) if isinstance(value, list) else repr(value)


def main(argv: Sequence[str] | None = None) -> int:
    return run_guarded("opt-fuse", run, build_arg_parser().parse_args(argv))

if __name__ == "__main__":
    sys.exit(main())
