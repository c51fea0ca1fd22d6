"""opt-fuse-compile: ONNX model -> LLVM IR, object, shared library and C header.

    opt-fuse-compile model.onnx -o build/ --target aarch64
    opt-fuse-compile model.onnx --emit so,h --name resnet

Prints each file it wrote with its size. User errors print one message and
exit 1; `--debug` shows the traceback.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence

from compiler.driver import ARTIFACT_KINDS, compile_model
from compiler.errors import OptFuseError
from tools import run_guarded
from compiler.targets import TARGET_NAMES
from compiler.toolchain import describe_toolchain


def build_arg_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="opt-fuse-compile", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model", help="the .onnx model (or .onnxtxt in ONNX text syntax)")
    parser.add_argument("-o", "--output-dir", default=".", help="where to write the files (default: .)")
    parser.add_argument("--target", default="native", choices=TARGET_NAMES, help="architecture to compile for (default: native)")
    parser.add_argument("--name", default=None, help="symbol prefix: the entry point is <name>_run (default: the graph name)")
    parser.add_argument("--emit", default=",".join(ARTIFACT_KINDS), help=f"comma list of {', '.join(ARTIFACT_KINDS)} (default: all)")
    parser.add_argument("--no-fuse", action="store_true", help="one kernel per op")
    parser.add_argument("--dim-bound", action="append", default=[], metavar="NAME=MAX", help="upper bound of a symbolic dim")
    parser.add_argument("--debug", action="store_true", help="show Python tracebacks")
    return parser


def run(args: argparse.Namespace) -> int:
    if args.dim_bound:
        raise OptFuseError(f"--dim-bound {' '.join(args.dim_bound)}: symbolic dims with bounds are not supported yet; give the model static input shapes")
    kinds = [k.strip() for k in args.emit.split(",") if k.strip()]
    start = time.perf_counter()
    artifacts = compile_model(args.model, args.output_dir, name=args.name, target=args.target, fuse=not args.no_fuse, kinds=kinds)
    elapsed = time.perf_counter() - start
    print(f"compiled {args.model} for {artifacts.target} in {elapsed:.2f} s with {describe_toolchain()}")
    print(f"entry point: int {artifacts.signature.entry}(...), declared in the .h file")
    for kind, path in artifacts.files.items():
        print(f"  {kind:8} {path}  ({path.stat().st_size} bytes)")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    return run_guarded("opt-fuse-compile", run, build_arg_parser().parse_args(argv))

if __name__ == "__main__":
    sys.exit(main())
