"""Code generation targets: what the emitted LLVM IR and clang need to know.

A target is chosen by name (`x86_64`, `aarch64`, `native`), never guessed from
the host for cross targets. `native` is the host's architecture, and also
allows clang to tune for the host CPU (`-march=native`/`-mcpu=native`).
"""

from __future__ import annotations

import platform
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path

from compiler.errors import OptFuseError


@dataclass(frozen=True)
class Target:
    name: str
    """The architecture name: `x86_64` or `aarch64`."""
    triple: str
    datalayout: str
    vector_bits: int
    """Width of the vector registers codegen may assume for this target."""
    vector_registers: int
    """How many of them there are."""
    clang_cpu_flags: tuple[str, ...]
    """Flags that select the CPU features, passed to clang."""

    @property
    def kernel_lanes(self) -> int:
        """f32 lanes of unroll-and-jam's vectors: two registers' worth (32 with AVX-512, 16 with
        AVX2, 8 with NEON), so a vector op is two independent instructions."""
        return 2 * self.vector_bits // 32


X86_64 = Target(
    name="x86_64",
    triple="x86_64-unknown-linux-gnu",
    datalayout="e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128",
    vector_bits=256,
    vector_registers=16,
    clang_cpu_flags=("-march=x86-64-v3",),
)

AARCH64 = Target(
    name="aarch64",
    triple="aarch64-unknown-linux-gnu",
    datalayout="e-m:e-i8:8:32-i16:16:32-i64:64-i128:128-n32:64-S128",
    vector_bits=128,
    vector_registers=32,
    clang_cpu_flags=("-mcpu=generic",),
)

TARGETS = {t.name: t for t in (X86_64, AARCH64)}
TARGET_NAMES = ("native", *TARGETS)


def host_arch() -> str:
    machine = platform.machine().lower()
    return {"amd64": "x86_64", "arm64": "aarch64"}.get(machine, machine)


def resolve_target(name: str) -> Target:
    """Map a user-given target name to a Target; `native` is the host, tuned for its CPU."""
    if name == "native":
        arch = host_arch()
        if arch not in TARGETS:
            raise OptFuseError(f"the host architecture '{arch}' is not a supported target (supported: {', '.join(TARGETS)})")
        base = TARGETS[arch]
        cpu_flag = "-march=native" if arch == "x86_64" else "-mcpu=native"
        native = replace(base, clang_cpu_flags=(cpu_flag,))
        return replace(native, vector_bits=512, vector_registers=32) if arch == "x86_64" and _host_has_avx512() else native
    if name not in TARGETS:
        raise OptFuseError(f"unknown target '{name}' (expected one of: {', '.join(TARGET_NAMES)})")
    return TARGETS[name]


@cache
def _host_has_avx512() -> bool:
    """The host CPU has AVX-512 (Linux's /proc/cpuinfo says avx512f; elsewhere: assume not)."""
    try:
        return any(line.startswith("flags") and "avx512f" in line.split() for line in Path("/proc/cpuinfo").read_text().splitlines())
    except OSError:
        return False


def is_host_runnable(target: Target) -> bool:
    """Whether code for `target` runs on this machine without an emulator."""
    return target.name == host_arch()
