"""Build the C embedding example (classify.c + the example CNN) for x86_64 and aarch64, and run it.

    python examples/c_embedding/build.py                      # both targets, into examples/c_embedding/build/
    python examples/c_embedding/build.py --target aarch64 --input image.f32 --build-dir /tmp/c_embedding

For each target, three steps, each printed as the command it runs so you can
repeat it by hand or copy it into your own build:

1. `opt-fuse-compile examples/cnn.onnx --target T --emit o,h`: the model as an
   object file with its weights inside, and its C header;
2. compile classify.c and link it with cnn.o: with the host's clang for the
   host, and for a foreign architecture statically (Debian's cross C library
   with clang and lld, or zig's musl), so it needs no Arm sysroot to run;
3. run it: natively, or under qemu-aarch64 (qemu's user-mode emulator).

A missing qemu or cross C library stops the script before it compiles
anything, with the package to install.
"""

from __future__ import annotations

import argparse
import os
import shlex
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(ROOT))

from compiler.errors import OptFuseError
from compiler.targets import TARGETS, resolve_target
from compiler.toolchain import find_emulator, find_executable_linker, link_executable

MODEL = ROOT / "examples" / "cnn.onnx"


def show(command: list[str]) -> None:
    print("$ " + shlex.join(command), flush=True)


def build_and_run(target_name: str, build_dir: Path, image: Path | None) -> None:
    target = resolve_target(target_name)
    emulator = find_emulator(target)  # both checks first: fail before compiling anything
    find_executable_linker(target)
    out = build_dir / target.name
    print(f"== {target.name}")
    compile_cmd = [sys.executable, "-m", "tools.compile", str(MODEL), "-o", str(out), "--target", target.name, "--emit", "o,h"]
    show(compile_cmd)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    result = subprocess.run(compile_cmd, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise OptFuseError(result.stderr.strip())
    print(result.stdout, end="")
    executable = out / "classify"
    show(link_executable([HERE / "classify.c", out / "cnn.o"], executable, target, opt_flags=("-O2", f"-I{out}")))
    run_cmd = [*emulator, str(executable), *([str(image)] if image else [])]
    show(run_cmd)
    result = subprocess.run(run_cmd, capture_output=True, text=True)
    print(result.stdout, end="")
    if result.returncode != 0:
        raise OptFuseError(f"classify failed on {target.name} (exit code {result.returncode}): {result.stderr.strip()}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--target", action="append", choices=sorted(TARGETS), help="repeatable (default: x86_64 and aarch64)")
    parser.add_argument("--build-dir", type=Path, default=HERE / "build", help="default: examples/c_embedding/build")
    parser.add_argument("--input", type=Path, help="a raw float32 1x3x16x16 image (default: a built-in test pattern)")
    args = parser.parse_args(argv)
    try:
        for target in args.target or ["x86_64", "aarch64"]:
            build_and_run(target, args.build_dir, args.input)
    except OptFuseError as error:
        print(f"build.py: error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
