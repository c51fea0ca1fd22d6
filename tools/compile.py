"""opt-fuse-compile: ONNX model -> LLVM IR, object, shared library and C header.

    opt-fuse-compile model.onnx -o build/ --target aarch64
    opt-fuse-compile model.onnx --emit so,h --name resnet
    opt-fuse-compile model.onnx --target aarch64 --run   # + a test executable, run under qemu-aarch64
    opt-fuse-compile model.onnx --sanitize --run         # the test executable under ASan + UBSan
    opt-fuse-compile model.onnx --run --num-threads 2    # its parallel loops on 2 threads

Prints each file it wrote with its size, and what the object's bytes are (code,
read-only data with the embedded weights, static buffers). `--emit exe` adds a
test executable that reads inputs from files and writes outputs
(compiler/test_executable.py); `--run` builds it and runs it once on seeded
random inputs, under qemu-user for a foreign target, on `--num-threads`
threads (default 1; the model's own thread pool). `--sanitize` builds the
object and test executable with AddressSanitizer and UBSan (host target only;
no .so unless asked for, which is then an error). User errors print one
message and exit 1; `--debug` shows the traceback.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from compiler.driver import ARTIFACT_KINDS, DEFAULT_KINDS, Artifacts, compile_model
from compiler.elf import object_sizes
from compiler.runtime import check_num_threads
from compiler.shape_spec import parse_shape_specs
from compiler.targets import TARGET_NAMES, resolve_target
from compiler.test_executable import ExecutableModel
from compiler.toolchain import describe_toolchain, find_emulator
from tools import run_guarded


def build_arg_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="opt-fuse-compile", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model", help="the .onnx model (or .onnxtxt in ONNX text syntax)")
    parser.add_argument("-o", "--output-dir", default=".", help="where to write the files (default: .)")
    parser.add_argument("--target", default="native", choices=TARGET_NAMES, help="architecture to compile for (default: native)")
    parser.add_argument("--name", default=None, help="symbol prefix: the entry point is <name>_run (default: the graph name)")
    parser.add_argument("--emit", default=None, help=f"comma list of {', '.join(ARTIFACT_KINDS)} (default: {','.join(DEFAULT_KINDS)})")
    parser.add_argument("--run", action="store_true", help="build the test executable and run it on seeded random inputs (under qemu-user for a foreign target)")
    parser.add_argument("--num-threads", type=int, default=1, metavar="N", help="with --run: the threads the model's parallel loops run on (default 1)")
    parser.add_argument("--sanitize", action="store_true", help="build the .o and the test executable with AddressSanitizer + UBSan (host only)")
    parser.add_argument("--no-fuse", action="store_true", help="one kernel per op")
    parser.add_argument("--dim-bound", action="append", default=[], metavar="NAME=MAX", help="upper bound of a symbolic dim (repeatable)")
    parser.add_argument("--input-shape", action="append", default=[], metavar="SPEC", help="an input's shape, e.g. 'x:[batch<=8,3,224,224]' (repeatable)")
    parser.add_argument("--debug", action="store_true", help="show Python tracebacks")
    return parser


def run(args: argparse.Namespace) -> int:
    specs = parse_shape_specs(args.input_shape, args.dim_bound)
    default_kinds = [k for k in DEFAULT_KINDS if k != "so"] if args.sanitize else DEFAULT_KINDS  # a sanitized .so cannot be loaded
    kinds = [k.strip() for k in (args.emit or ",".join(default_kinds)).split(",") if k.strip()]
    if args.run or args.sanitize:
        kinds.append("exe")
    if args.run:
        check_num_threads(args.num_threads)
        find_emulator(resolve_target(args.target))  # fail now, not after compiling
    start = time.perf_counter()
    artifacts = compile_model(
        args.model, args.output_dir, name=args.name, target=args.target, fuse=not args.no_fuse, kinds=kinds,
        dim_bounds=specs.dim_bounds, input_shapes=specs.input_shapes, sanitize=args.sanitize,
    )
    elapsed = time.perf_counter() - start
    print(f"compiled {args.model} for {artifacts.target} in {elapsed:.2f} s with {describe_toolchain()}")
    print(f"entry point: int {artifacts.signature.entry}(...), declared in the .h file")
    for kind, path in artifacts.files.items():
        note = "  (built into the .o by .incbin; not needed at run time)" if kind == "weights" else ""
        print(f"  {kind:8} {path}  ({path.stat().st_size} bytes){note}")
    if "o" in artifacts.files:
        weights = artifacts.files["weights"].stat().st_size
        print(f"object: {object_sizes(artifacts.files['o']).describe(weights)}")
    if args.run:
        run_once(artifacts, args.num_threads)
    return 0


def run_once(artifacts: Artifacts, num_threads: int = 1) -> None:
    """Run the test executable on seeded standard-normal inputs and print each output's summary:
    a smoke test of a cross build from the command line (tests compare against onnxruntime)."""
    target = resolve_target(artifacts.target)
    model = ExecutableModel(artifacts.files["exe"], artifacts.signature, target, num_threads)
    rng = np.random.default_rng(0)
    inputs = [rng.standard_normal(spec.shape).astype(spec.dtype) for spec in artifacts.signature.inputs]
    start = time.perf_counter()
    outputs = model.run(inputs)
    elapsed = time.perf_counter() - start
    how = f"under {Path(model.command[0]).name}" if len(model.command) > 1 else "natively"
    threads = f"{num_threads} thread{'s' if num_threads != 1 else ''}"
    print(f"ran {artifacts.files['exe'].name} {how} in {elapsed:.2f} s ({threads}) on seeded random inputs (numpy seed 0):")
    for spec, output in zip(artifacts.signature.outputs, outputs):
        print(f"  {spec.name} {list(output.shape)}: min {output.min():.6g} max {output.max():.6g} mean {output.mean():.6g}")


def main(argv: Sequence[str] | None = None) -> int:
    return run_guarded("opt-fuse-compile", run, build_arg_parser().parse_args(argv))

if __name__ == "__main__":
    sys.exit(main())
