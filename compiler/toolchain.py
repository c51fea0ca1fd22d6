"""Finding a clang and turning our LLVM IR text into object files and shared libraries.

We print LLVM IR and let a real clang do the optimisation and code generation
(DESIGN.md, principle 5). The clang is, in order of preference:

1. `$CC`, if it is a clang >= 15: the user's explicit choice wins. If `$CC` is
   not a clang (it is often `gcc`, set for other builds) or does not exist, we
   fall through to the next candidates; the "no clang" error lists it as tried.
2. `clang`, then `clang-22` ... `clang-15` on PATH (Debian/Ubuntu name the
   versioned packages' binaries that way).
3. The clang inside the `ziglang` PyPI package (`python -m ziglang cc`), so a
   plain `pip install` can compile, even for a foreign architecture: zig ships
   the libc stubs and a linker for every target.

Older clangs are skipped: our IR uses opaque pointers (`ptr`), the default
only from LLVM 15 on.

The two kinds of clang differ in a few flags, all kept in this file:

- zig wants `-target <arch>-linux-gnu` (not `--target=<llvm triple>`), and warns
  that it overrides the module's triple: `-Wno-override-module` silences that.
- zig parses `-march=`/`-mcpu=` values as `cpu+feature-feature` with its own CPU
  names (`x86_64_v3`, `cortex_a72`), so `-march=x86-64-v3` is an error there; we
  pass `-mcpu=` with the dashes turned into underscores.
- A shared library for a foreign architecture: system clang has no sysroot for
  it, so we link with lld and `-nostdlib` (libm symbols stay undefined and are
  resolved when the library is loaded); zig links against its own stubs.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from compiler.errors import ToolchainError
from compiler.targets import Target, is_host_runnable

MIN_CLANG_MAJOR = 15
MAX_CLANG_MAJOR = 22

INSTALL_HINT = (
    "install a clang >= 15, e.g. `apt-get install clang-19 lld-19`, or `pip install ziglang`; "
    "or point $CC at a clang"
)


@dataclass(frozen=True)
class Clang:
    command: tuple[str, ...]
    """The argv prefix that runs this clang's driver."""
    version: tuple[int, int, int]
    origin: str
    """Where it was found: `$CC`, `PATH` or `ziglang`."""

    @property
    def is_zig(self) -> bool:
        return self.origin == "ziglang"


def _clang_version(command: Sequence[str]) -> tuple[int, int, int] | None:
    """The version of the clang that `command` runs, or None if it is not a working clang."""
    try:
        result = subprocess.run([*command, "--version"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return None
    match = re.search(r"clang version (\d+)\.(\d+)\.(\d+)", result.stdout)
    if result.returncode != 0 or match is None:
        return None
    return (int(match[1]), int(match[2]), int(match[3]))


def _candidates() -> list[tuple[str, tuple[str, ...] | None, str]]:
    """(description, command or None if absent, origin) for each place a clang may be, best first."""
    found: list[tuple[str, tuple[str, ...] | None, str]] = []
    cc = os.environ.get("CC", "").strip()
    if cc:
        argv = shlex.split(cc)
        exe = shutil.which(argv[0])
        found.append((f"$CC={cc}", (exe, *argv[1:]) if exe else None, "$CC"))
    for name in ["clang", *(f"clang-{v}" for v in range(MAX_CLANG_MAJOR, MIN_CLANG_MAJOR - 1, -1))]:
        exe = shutil.which(name)
        found.append((name, (exe,) if exe else None, "PATH"))
    has_zig = importlib.util.find_spec("ziglang") is not None
    found.append(("ziglang package", (sys.executable, "-m", "ziglang", "cc") if has_zig else None, "ziglang"))
    return found


@functools.cache
def find_clang() -> Clang:
    """The clang to use (see the module docstring for the order). Cached: probing runs several
    subprocesses; call `find_clang.cache_clear()` after changing $CC or PATH."""
    tried = []
    for description, command, origin in _candidates():
        if command is None:
            if origin != "PATH":  # listing each absent clang-NN would drown the message
                tried.append(f"{description}: not found")
            continue
        version = _clang_version(command)
        if version is None:
            tried.append(f"{description} ({shlex.join(command)}): not a working clang")
        elif version[0] < MIN_CLANG_MAJOR:
            tried.append(f"{description} ({shlex.join(command)}): clang {'.'.join(map(str, version))} is older than 15")
        else:
            return Clang(command, version, origin)
    raise ToolchainError(
        "no usable clang found. Looked at $CC (if set), then "
        f"clang, clang-{MAX_CLANG_MAJOR} ... clang-{MIN_CLANG_MAJOR} on PATH, then the ziglang package:\n  "
        + "\n  ".join(tried)
        + f"\nTo fix: {INSTALL_HINT}."
    )


def describe_toolchain() -> str:
    """One line naming the clang in use, for logs and `--version`-style output."""
    clang = find_clang()
    return f"clang {'.'.join(map(str, clang.version))} ({shlex.join(clang.command)}, from {clang.origin})"


def _zig_cpu_flag(flag: str) -> str:
    """Translate a clang `-march=`/`-mcpu=` flag to zig's `-mcpu=` spelling (underscores in CPU names)."""
    for prefix in ("-march=", "-mcpu="):
        if flag.startswith(prefix):
            return "-mcpu=" + flag.removeprefix(prefix).replace("-", "_")
    return flag


@functools.cache
def _lld_flags(clang: Clang) -> tuple[str, ...]:
    """Flags making system clang link with lld. Debian installs `ld.lld` beside clang in
    /usr/lib/llvm-NN/bin (found by `-fuse-ld=lld`) and `ld.lld-NN` on PATH; we accept either."""
    prog = subprocess.run([*clang.command, "-print-prog-name=ld.lld"], capture_output=True, text=True).stdout.strip()
    if os.path.isabs(prog) and os.access(prog, os.X_OK):
        return ("-fuse-ld=lld",)
    for name in (f"ld.lld-{clang.version[0]}", "ld.lld"):
        if path := shutil.which(name):
            return (f"--ld-path={path}",)
    raise ToolchainError(
        f"linking a shared library for a foreign architecture needs lld, and clang {clang.version[0]} "
        f"({shlex.join(clang.command)}) cannot find ld.lld; install it (`apt-get install lld-{clang.version[0]}`), "
        "or `pip install ziglang` and set CC to nothing so its clang is used"
    )


def compile_llvm_ir(
    ll_path: Path,
    output: Path,
    target: Target,
    kind: Literal["object", "shared"],
    *,
    opt_flags: Sequence[str] = ("-O3",),
    extra_flags: Sequence[str] = (),
) -> None:
    """Compile an LLVM IR text file into an object file or a shared library for `target`.

    Raises ToolchainError with clang's stderr and the command line to reproduce the failure.
    """
    if kind not in ("object", "shared"):
        raise ValueError(f"kind must be 'object' or 'shared', not {kind!r}")
    clang = find_clang()
    if clang.is_zig:
        # zig ships libc stubs for every target: linking (with libm) works for foreign arches too.
        cmd = [*clang.command, "-target", f"{target.name}-linux-gnu", "-Wno-override-module"]
        cmd += [_zig_cpu_flag(f) for f in target.clang_cpu_flags]
        link = ["-shared", "-lm"]
    else:
        cmd = [*clang.command, f"--target={target.triple}", *target.clang_cpu_flags]
        if is_host_runnable(target):
            link = ["-shared", "-lm"]
        else:  # no sysroot for the foreign arch: lld, no libc; libm symbols are bound at load time
            link = [*_lld_flags(clang), "-nostdlib", "-shared"]
    cmd += ["-fPIC", *opt_flags, *extra_flags]
    cmd += ["-c", str(ll_path), "-o", str(output)] if kind == "object" else [str(ll_path), "-o", str(output), *link]
    Path(output).parent.mkdir(parents=True, exist_ok=True)
    try:
        result = subprocess.run(cmd, capture_output=True, text=True)
    except OSError as e:
        raise ToolchainError(f"could not run clang: {e}\ncommand: {shlex.join(cmd)}") from e
    if result.returncode != 0:
        raise ToolchainError(
            f"clang failed (exit code {result.returncode}) compiling {ll_path}:\n{result.stderr.strip()}\n"
            f"To reproduce: {shlex.join(cmd)}"
        )
