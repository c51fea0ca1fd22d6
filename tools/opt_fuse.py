"""opt-fuse: run pass pipelines on nn/loop IR or ONNX models, like mlir-opt.

    opt-fuse model.onnx -p 'builtin.module(shape-infer)'
    opt-fuse model.onnx -p 'builtin.module(shape-infer,lower-to-loops,emit-llvm{target=aarch64})' -o model.ll
    opt-fuse test.mlir --split-input-file --verify-diagnostics -p shape-infer

User errors print one message and exit 1; `--debug` shows the traceback.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.passes import ModulePass
from xdsl.utils.exceptions import DiagnosticException, VerifyException

from compiler.context import make_context
from compiler.diagnostics import describe_op
from compiler.errors import OptFuseError
from tools import run_guarded
from compiler.ir_text import DEFAULT_ELIDE_LIMIT, parse_ir, print_ir
from compiler.pass_pipeline import build_passes, parse_pass_pipeline
from dialects.llvmir import TranslationOp
from passes import get_all_passes

MODEL_SUFFIXES = (".onnx", ".onnxtxt")  # compiler.onnx_importer.ONNX_TEXT_SUFFIX, not imported: onnx loads slowly
SPLIT_MARKER = re.compile(r"^// -----[ \t]*$", re.M)
EXPECTED_ERROR = re.compile(r"expected-error\s*(?:@[+-]?\d+)?\s*\{\{(.*?)\}\}")


class IRVerifyError(OptFuseError):
    """IR that parses but breaks an op's rules."""


def verify_module(module: ModuleOp, after: str | None = None) -> None:
    """Verify op by op, so the message names the op that is wrong and where it is."""
    for op in module.walk():
        try:
            op.verify(verify_nested_ops=False)
        except (VerifyException, DiagnosticException) as error:
            context = f" after {after}" if after else ""
            raise IRVerifyError(f"{describe_op(op)}: invalid IR{context}: {error}") from error


def build_arg_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="opt-fuse", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("input", nargs="?", default="-", help="a .mlir file, a .onnx model, an .onnxtxt model in ONNX text syntax, or - for IR text on stdin")
    parser.add_argument("-p", "--pass-pipeline", default="", help="MLIR pipeline text: 'builtin.module(a,b{opt=1})' or 'a,b'")
    parser.add_argument("-o", "--output", default="-", help="output file (default: stdout)")
    parser.add_argument("--list-passes", action="store_true", help="list the registered passes and their options")
    parser.add_argument("--print-ir-after-all", action="store_true", help="print the IR after each pass, to stderr")
    parser.add_argument("--timing", action="store_true", help="print the time spent in each pass, to stderr")
    parser.add_argument("--split-input-file", action="store_true", help="process each '// -----' chunk on its own")
    parser.add_argument(
        "--verify-diagnostics",
        action="store_true",
        help="an error is the expected outcome: print it and exit 0; with expected-error {{...}} annotations, check them",
    )
    parser.add_argument("--print-large-constants", action="store_true", help=f"print constants of more than {DEFAULT_ELIDE_LIMIT} elements in full")
    parser.add_argument("--print-op-generic", action="store_true", help="print ops in the generic form")
    parser.add_argument("--mlir-print-debuginfo", action="store_true", help="print op locations")
    parser.add_argument("--debug", action="store_true", help="show Python tracebacks")
    return parser


@dataclass
class PassTimer:
    rows: list[tuple[str, float]] = field(default_factory=list[tuple[str, float]])

    def report(self) -> str:
        total = sum(t for _, t in self.rows) or 1e-12
        lines = ["===" + "-" * 66 + "===", "  opt-fuse pass timing", "===" + "-" * 66 + "===", f"  Total: {total:.4f} s", "   Wall Time (s)   (%)  Name"]
        lines += [f"   {t:13.4f}  {100 * t / total:5.1f}%  {name}" for name, t in self.rows]
        return "\n".join(lines)


def run_pipeline(ctx: Context, module: ModuleOp, passes: Sequence[ModulePass], args: argparse.Namespace, timer: PassTimer) -> None:
    for pass_ in passes:
        start = time.perf_counter()
        pass_.apply(ctx, module)
        timer.rows.append((str(pass_.name), time.perf_counter() - start))
        verify_module(module, after=str(pass_.name))
        if args.print_ir_after_all:
            sys.stderr.write(f"// -----// IR Dump After {pass_.name} //----- //\n{render(module, args)}\n")


def render(module: ModuleOp, args: argparse.Namespace) -> str:
    """LLVM IR text if the pipeline ended in emit-llvm, else the module as IR text."""
    ops = list(module.ops)
    if len(ops) == 1 and isinstance(ops[0], TranslationOp):
        return ops[0].ir.data
    elide = None if args.print_large_constants else DEFAULT_ELIDE_LIMIT
    return print_ir(module, elide_limit=elide, generic=args.print_op_generic, debuginfo=args.mlir_print_debuginfo)


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


def load_inputs(ctx: Context, args: argparse.Namespace) -> list[tuple[ModuleOp | None, str, OptFuseError | None]]:
    """The modules to process, with the text each came from (for diagnostics) or the error parsing it."""
    if args.input.endswith(MODEL_SUFFIXES):
        from compiler.onnx_importer import import_model  # onnx loads only when a model is given

        return [(import_model(Path(args.input)), "", None)]
    try:
        text = sys.stdin.read() if args.input == "-" else Path(args.input).read_text()
    except OSError as error:
        raise OptFuseError(f"cannot read '{args.input}': {error.strerror}") from error
    chunks = SPLIT_MARKER.split(text) if args.split_input_file else [text]
    name = "<stdin>" if args.input == "-" else args.input
    inputs: list[tuple[ModuleOp | None, str, OptFuseError | None]] = []
    for number, chunk in enumerate(chunks):
        line_offset = sum(c.count("\n") for c in chunks[:number])  # each chunk after a marker starts with its newline
        try:
            module = parse_ir(ctx, "\n" * line_offset + chunk, name)
            verify_module(module)
            inputs.append((module, chunk, None))
        except OptFuseError as error:
            inputs.append((None, chunk, error))
    return inputs


def check_expected(error: OptFuseError | None, chunk: str) -> str | None:
    """--verify-diagnostics: None if the outcome is what `chunk` expects, else the complaint."""
    expected = EXPECTED_ERROR.findall(chunk)
    if error is None:
        return f"expected error '{expected[0]}' was not produced" if expected else None
    if expected and not any(e in str(error) for e in expected):
        return f"unexpected error: {error}\n  (expected one of: {expected})"
    return None


def run(args: argparse.Namespace) -> int:
    available = get_all_passes()
    if args.list_passes:
        print(list_passes(available))
        return 0
    passes = build_passes(parse_pass_pipeline(args.pass_pipeline), available)
    ctx = make_context()
    timer = PassTimer()
    outputs: list[str] = []
    status = 0
    for module, chunk, error in load_inputs(ctx, args):
        if error is None and module is not None:
            try:
                run_pipeline(ctx, module, passes, args, timer)
            except OptFuseError as pass_error:
                error = pass_error
        if args.verify_diagnostics:
            complaint = check_expected(error, chunk)
            if complaint:
                sys.stderr.write(f"opt-fuse: error: {complaint}\n")
                status = 1
            outputs.append(str(error) + "\n" if error else render(module, args))  # type: ignore[arg-type]
            continue
        if error is not None:
            raise error
        assert module is not None
        write_weights(module)
        outputs.append(render(module, args))
    text = "// -----\n".join(outputs)
    if args.output == "-":
        sys.stdout.write(text)
    else:
        write_file(args.output, text)
    if args.timing:
        sys.stderr.write(timer.report() + "\n")
    return status


def list_passes(available: dict[str, object]) -> str:
    from compiler.pass_pipeline import describe_pass

    return "\n".join(describe_pass(name, getter) for name, getter in sorted(available.items()))  # type: ignore[arg-type]


def main(argv: Sequence[str] | None = None) -> int:
    return run_guarded("opt-fuse", run, build_arg_parser().parse_args(argv))

if __name__ == "__main__":
    sys.exit(main())
