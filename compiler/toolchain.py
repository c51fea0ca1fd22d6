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

Executables (the test executable, the C embedding example) are linked by
`link_executable`: for the host with the clang above, for a foreign
architecture statically, so that qemu-user runs them without an Arm sysroot
(`find_executable_linker` says how), and `find_emulator` finds that qemu.

Every module emit-llvm prints declares `<entry>_parallel_for`, the entry to the thread pool
(`thread_pool.c` beside this file, see it for the design). `compile_llvm_ir` finds that
declaration (`thread_pool_prefix`) and builds the pool with the same clang, the same target and
flags, `-DOPTFUSE_PREFIX=<entry>`: linked into a shared library, and merged into an object file
with a relocatable link (`-r`), so `<entry>.o` stays self-contained and links like before (a
libc with pthreads: glibc >= 2.34 and musl have them in libc itself).

`sanitize=True` (on `compile_llvm_ir` and `link_executable`) builds with
AddressSanitizer and UndefinedBehaviorSanitizer, for the host only: see
`SANITIZE_FLAGS` and `check_sanitizers` for what that checks and what it cannot.
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
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from compiler.errors import ToolchainError
from compiler.targets import Target, host_arch, is_host_runnable

THREAD_POOL_SOURCE = Path(__file__).with_name("thread_pool.c")
"""The thread pool compiled into every model (see its header comment)."""

_POOL_DECLARATION = re.compile(r"^declare void @([A-Za-z_][A-Za-z0-9_]*)_parallel_for\(", re.MULTILINE)


def thread_pool_prefix(ir: str) -> str | None:
    """The symbol prefix of the thread pool an LLVM IR module calls (`cnn` for `@cnn_parallel_for`), or None."""
    match = _POOL_DECLARATION.search(ir)
    return match[1] if match else None


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
    sanitize: bool = False,
) -> None:
    """Compile an LLVM IR text file into an object file or a shared library for `target`.

    `sanitize`: instrument the code with AddressSanitizer (an object for `link_executable(...,
    sanitize=True)`; call `check_sanitizers` first). clang's ASan pass only instruments
    functions carrying the `sanitize_address` attribute, which its C frontend adds and our IR
    does not have, so the IR compiled is a copy with the attribute on every definition,
    written beside `output` as `<output stem>.sanitize.ll` (so the command shown on failure reproduces).

    When the IR declares `@<entry>_parallel_for`, the thread pool (`THREAD_POOL_SOURCE`) is
    compiled with the same flags and linked into the library, or merged into the object.

    Raises ToolchainError with clang's stderr and the command line to reproduce the failure.
    """
    if kind not in ("object", "shared"):
        raise ValueError(f"kind must be 'object' or 'shared', not {kind!r}")
    pool = thread_pool_prefix(Path(ll_path).read_text())
    pool_flags = [f"-DOPTFUSE_PREFIX={pool}"] if pool else []
    if sanitize:
        instrumented = Path(output).with_name(Path(output).stem + ".sanitize.ll")
        instrumented.write_text(with_sanitize_address(Path(ll_path).read_text()))
        ll_path, extra_flags = instrumented, (*SANITIZE_FLAGS, *extra_flags)
    clang = find_clang()
    if clang.is_zig:
        # zig ships libc stubs for every target: linking (with libm) works for foreign arches too.
        cmd = [*clang.command, "-target", f"{target.name}-linux-gnu", "-Wno-override-module"]
        cmd += [_zig_cpu_flag(f) for f in target.clang_cpu_flags]
        link = ["-shared", "-lm", "-lpthread"]
        relocatable = [*clang.command, "-target", f"{target.name}-linux-gnu", "-r"]
    else:
        cmd = [*clang.command, f"--target={target.triple}", *target.clang_cpu_flags]
        if is_host_runnable(target):
            link = ["-shared", "-lm", "-lpthread"]
            relocatable = [*clang.command, f"--target={target.triple}", "-r"]
        else:  # no sysroot for the foreign arch: lld, no libc; libm and pthread symbols are bound at load time
            link = [*_lld_flags(clang), "-nostdlib", "-shared"]
            relocatable = [*clang.command, f"--target={target.triple}", *_lld_flags(clang), "-r"]
    cmd += ["-fPIC", *opt_flags, *extra_flags]
    if kind == "shared":
        sources = [str(ll_path), *([str(THREAD_POOL_SOURCE), *pool_flags] if pool else [])]
        _run_tool([*cmd, *sources, "-o", str(output), *link], output, "clang", f"clang failed compiling {ll_path}")
        return
    if not pool:
        _run_tool([*cmd, "-c", str(ll_path), "-o", str(output)], output, "clang", f"clang failed compiling {ll_path}")
        return
    # The model's code and its pool in two objects, merged into one: `output` needs nothing else.
    output = Path(output)
    kernels, pool_object = output.with_name(output.stem + ".kernels.o"), output.with_name(output.stem + ".pool.o")
    _run_tool([*cmd, "-c", str(ll_path), "-o", str(kernels)], kernels, "clang", f"clang failed compiling {ll_path}")
    _run_tool(
        [*cmd, *pool_flags, "-c", str(THREAD_POOL_SOURCE), "-o", str(pool_object)], pool_object, "clang",
        f"clang failed compiling the thread pool {THREAD_POOL_SOURCE}",
    )
    _run_tool([*relocatable, str(kernels), str(pool_object), "-o", str(output)], output, "the linker", f"merging {kernels} and {pool_object} failed")
    kernels.unlink()
    pool_object.unlink()


# --------------------------------------------------------------------------- executables and emulation

DEBIAN_ARCH = {"aarch64": "arm64", "x86_64": "amd64"}
"""Debian's name for each target architecture, for the cross packages in install hints."""


@dataclass(frozen=True)
class ExecutableLinker:
    """How to build a C program plus model objects into an executable that runs on `target`
    (natively, or under qemu-user for a foreign target, so it must not need an Arm sysroot at run time)."""

    command: tuple[str, ...]
    """The argv prefix: the compiler driver with its target and link flags; sources and `-o` follow."""
    description: str
    """What it is, for logs: e.g. `clang 19.1.7 with Debian's aarch64 cross libc, static`."""


def _gnu_cross_libraries(clang: Clang, target: Target) -> bool:
    """Whether `clang` finds a GNU C library and libgcc for `target` (Debian's `libc6-dev-<arch>-cross`
    and `libgcc-NN-dev-<arch>-cross`): clang prints a bare file name when it finds no such file."""
    probes = (["-print-file-name=libc.a"], ["-print-libgcc-file-name"], ["-print-file-name=crtbeginT.o"])
    for probe in probes:
        result = subprocess.run([*clang.command, f"--target={target.triple}", *probe], capture_output=True, text=True)
        path = result.stdout.strip()
        if result.returncode != 0 or not os.path.isabs(path) or not os.path.exists(path):
            return False
    return True


@functools.cache
def find_executable_linker(target: Target) -> ExecutableLinker:
    """The way to link an executable for `target`, best first:

    - the host's own architecture: the clang in use, linking against the host's C library;
    - a foreign one, statically (qemu-user then needs no sysroot):
      1. system clang + lld with Debian's GNU cross libraries: prebuilt, so linking takes a second;
      2. the ziglang package's clang with `-target <arch>-linux-musl -static`: needs nothing
         installed, but zig compiles musl for the target on first use (1-2 minutes, then cached).

    Raises ToolchainError naming both remedies when neither is available.
    """
    clang = find_clang()
    name = target.name
    version = ".".join(map(str, clang.version))
    if is_host_runnable(target):
        if clang.is_zig:
            return ExecutableLinker((*clang.command, "-target", f"{name}-linux-gnu"), f"zig's clang {version}")
        return ExecutableLinker((*clang.command, f"--target={target.triple}"), f"clang {version}")
    tried = []
    if not clang.is_zig:
        if _gnu_cross_libraries(clang, target):
            command = (*clang.command, f"--target={target.triple}", *_lld_flags(clang), "-static")
            return ExecutableLinker(command, f"clang {version} with the GNU {name} cross libraries, static")
        tried.append(f"clang {version} ({shlex.join(clang.command)}) finds no {name} libc.a/libgcc.a")
    if importlib.util.find_spec("ziglang") is not None:
        command = (sys.executable, "-m", "ziglang", "cc", "-target", f"{name}-linux-musl", "-static")
        return ExecutableLinker(command, f"zig's clang, {name} musl, static")
    tried.append("the ziglang package is not installed")
    arch = DEBIAN_ARCH.get(name, name)
    raise ToolchainError(
        f"linking an executable for {name} needs a C library for {name} ({'; '.join(tried)}). To fix: "
        f"`apt-get install libc6-dev-{arch}-cross libgcc-12-dev-{arch}-cross` (Debian 12's cross libraries, used with "
        f"the system clang and lld; gcc-{name}-linux-gnu pulls them in elsewhere), or `pip install ziglang` "
        "(its clang links a static musl executable)"
    )


def link_executable(
    sources: Sequence[Path], output: Path, target: Target, *, opt_flags: Sequence[str] = ("-O2",), sanitize: bool = False
) -> list[str]:
    """Compile and link C sources and object files into an executable for `target` (see
    `find_executable_linker`); returns the command line it ran, so callers can show it.
    `sanitize` compiles the C sources with `SANITIZE_FLAGS` and links the sanitizer runtimes.

    Raises ToolchainError with the compiler's stderr and the command to reproduce a failure.
    """
    linker = find_executable_linker(target)
    cmd = [*linker.command, *opt_flags, *(SANITIZE_FLAGS if sanitize else ()), *map(str, sources), "-lm", "-lpthread", "-o", str(output)]
    _run_tool(cmd, output, "the linker", f"linking {output} for {target.name} failed ({linker.description})")
    return cmd


# --------------------------------------------------------------------------- sanitizers

SANITIZE_FLAGS = ("-fsanitize=address,undefined", "-fno-omit-frame-pointer", "-fno-sanitize-recover=all")
"""The sanitizer build, on the object compile and on the link: the first report aborts the run
(non-zero exit, the report on stderr). What each sanitizer can see:

- AddressSanitizer is an LLVM IR pass, so it instruments our generated kernels (given the
  `sanitize_address` attribute, see `with_sanitize_address`) after clang's -O3, i.e. the code
  that ships. Every global defined in the IR gets redzones: an access past the intermediate
  arena or a constant, or past the test executable's input/output buffers, is reported. Not
  seen: an overrun from one view of the arena into a neighbouring view (both are inside the
  one arena global, so the memory is addressable), and an overrun past the weights blob
  (placed by `.incbin` module asm, which ASan cannot give a redzone).
- UndefinedBehaviorSanitizer's checks are inserted by clang's C frontend, not at the IR level:
  it checks the generated C `main` of the test executable, not the model's kernels.
"""

_SANITIZE_PROBE = "static int cells[4];\nint main(int argc, char **argv) { int *p = cells; (void)argv; return p[argc + 3]; }\n"
"""Reads one int past a global, through a pointer (so UBSan's array-bounds check cannot see it): ASan must report it."""


def with_sanitize_address(ir: str) -> str:
    """`ir` with the `sanitize_address` attribute on every function definition (without it
    clang's ASan pass leaves a function's loads and stores unchecked, which would make the
    sanitizer build pass vacuously) and its globals aligned to at most 32 bytes (see below)."""
    lines = ir.split("\n")
    count = 0
    section: str | None = None
    for index, line in enumerate(lines):
        if line.startswith("@"):  # a global; its `, align N` may end a later line (a long initializer)
            section = None
            if (header := re.match(r"@([\w.]+) = (?!external )[\w ]*?\b(global|constant) ", line)) is not None:
                kind = ".rodata" if header[2] == "constant" else ".bss" if " zeroinitializer" in line else ".data"
                section = f"{kind}.optfuse.{header[1]}"
        # ASan gives no redzone to a global aligned beyond its 32-byte minimum redzone, and our
        # arena and constants are `align 64`: at 32 they get one (our loads assume only align 4).
        # An explicit section keeps clang from raising it again (it aligns globals that vector
        # code reads to the vector's size: 64 with AVX-512).
        if line and not line[0].isspace() and (m := re.search(r", align (\d+)$", line)) and int(m[1]) > 32:
            lines[index] = line[: m.start()] + (f', section "{section}"' if section else "") + ", align 32"
        if line.startswith("define ") and line.endswith(" {"):
            lines[index] = line[: -len(" {")] + " sanitize_address {"
            count += 1
    if count != sum(line.startswith("define ") for line in lines):
        raise ToolchainError("cannot add sanitize_address to every function definition: a `define` line does not end with ` {`")
    return "\n".join(lines)


@functools.cache
def check_sanitizers(target: Target) -> None:
    """Raise ToolchainError unless `SANITIZE_FLAGS` builds work for `target` here.

    They need a native run (ASan cannot link statically, so not under qemu-user) and the
    clang's sanitizer runtimes. The probe builds and runs a program reading past a global and
    requires ASan's report: zig's clang accepts `-fsanitize=address` but silently builds
    without it (it ships no ASan runtime), and a missing `libclang-rt-NN-dev` fails the link.
    """
    if not is_host_runnable(target):
        raise ToolchainError(
            f"sanitizer builds run natively only; {target.name} code would run under qemu-user, which needs a "
            "static executable, and AddressSanitizer cannot link statically"
        )
    clang = find_clang()
    with tempfile.TemporaryDirectory(prefix="opt-fuse-sanitize-probe-") as tmp:
        source, exe = Path(tmp, "probe.c"), Path(tmp, "probe")
        source.write_text(_SANITIZE_PROBE)
        try:
            cmd = link_executable([source], exe, target, opt_flags=("-O0",), sanitize=True)
            result = subprocess.run([str(exe)], capture_output=True, text=True, timeout=60)
            problem = None if "AddressSanitizer" in result.stderr else (
                f"a program built with `{shlex.join(cmd)}` reads past a global and no AddressSanitizer report came "
                f"(exit code {result.returncode})"
            )
        except ToolchainError as error:
            problem = str(error)
    if problem is not None:
        fix = (
            "zig's clang has no AddressSanitizer runtime: install a system clang (`apt-get install clang-19 "
            "libclang-rt-19-dev`), then it is found before zig"
            if clang.is_zig
            else f"`apt-get install libclang-rt-{clang.version[0]}-dev` (the sanitizer runtimes of clang {clang.version[0]})"
        )
        raise ToolchainError(f"AddressSanitizer builds do not work with {describe_toolchain()}: {problem}\nTo fix: {fix}")


def find_emulator(target: Target) -> tuple[str, ...]:
    """The argv prefix that runs an executable for `target` here: empty for the host's own
    architecture, else qemu's user-mode emulator `qemu-<arch>` (or Debian's `qemu-<arch>-static`).

    Raises ToolchainError with the package to install when it is missing, so a caller can
    check this before spending minutes compiling something it cannot run.
    """
    if is_host_runnable(target):
        return ()
    names = (f"qemu-{target.name}", f"qemu-{target.name}-static")
    for name in names:
        if path := shutil.which(name):
            return (path,)
    raise ToolchainError(
        f"running {target.name} code on this {host_arch()} machine needs qemu's user-mode emulator, and neither "
        f"{' nor '.join(names)} is on PATH. To fix: `apt-get install qemu-user` (Debian/Ubuntu; or qemu-user-static)"
    )


def _run_tool(cmd: list[str], output: str | Path, tool: str, failure: str) -> None:
    """Run a build command writing `output`; a failure is a ToolchainError with the command to reproduce it."""
    Path(output).parent.mkdir(parents=True, exist_ok=True)
    try:
        result = subprocess.run(cmd, capture_output=True, text=True)
    except OSError as e:
        raise ToolchainError(f"could not run {tool}: {e}\ncommand: {shlex.join(cmd)}") from e
    if result.returncode != 0:
        raise ToolchainError(f"{failure} (exit code {result.returncode}):\n{result.stderr.strip()}\nTo reproduce: {shlex.join(cmd)}")
