"""Tests for compiler/toolchain.py: finding clang, and compiling LLVM IR with system clang and with zig.

Compile tests run once per compiler kind ("system" = a clang on PATH, "zig" = the ziglang package)
and skip a kind whose compiler is absent.
"""

from __future__ import annotations

import ctypes
import math
import shutil
import struct
import sys
from pathlib import Path

import pytest

from compiler import toolchain
from compiler.errors import ToolchainError
from compiler.targets import host_arch, resolve_target
from compiler.toolchain import Clang, compile_llvm_ir, describe_toolchain, find_clang

E_MACHINE = {"x86_64": 62, "aarch64": 183}
ET_REL, ET_DYN = 1, 3


@pytest.fixture(autouse=True)
def fresh_cache():
    """find_clang is cached per process; every test sees its own environment."""
    find_clang.cache_clear()
    yield
    find_clang.cache_clear()


def fake_program(directory: Path, name: str, version_line: str, lld: str = "ld.lld") -> Path:
    """A shell script that answers `--version` like a compiler and `-print-prog-name=ld.lld` with `lld`."""
    path = directory / name
    path.write_text(
        "#!/bin/sh\n"
        f'case "$1" in --version) echo "{version_line}";; -print-prog-name=*) echo "{lld}";; *) exit 1;; esac\n'
    )
    path.chmod(0o755)
    return path


def use_only(monkeypatch, tmp_path: Path, *, cc: str | None = None, zig: bool = True) -> None:
    """Make the discovery see an empty PATH (plus whatever is in tmp_path/bin), the given $CC, and
    the ziglang package only if `zig`."""
    bindir = tmp_path / "bin"
    bindir.mkdir(exist_ok=True)
    monkeypatch.setenv("PATH", str(bindir))
    if cc is None:
        monkeypatch.delenv("CC", raising=False)
    else:
        monkeypatch.setenv("CC", cc)
    if not zig:
        monkeypatch.setitem(sys.modules, "ziglang", None)  # makes `import ziglang` / find_spec fail


def system_clang_or_skip(monkeypatch) -> Clang:
    monkeypatch.delenv("CC", raising=False)
    clang = find_clang()
    if clang.origin != "PATH":
        pytest.skip("no clang >= 15 on PATH (apt-get install clang-19 lld-19)")
    return clang


def zig_clang_or_skip(monkeypatch, tmp_path: Path) -> Clang:
    use_only(monkeypatch, tmp_path)
    try:
        return find_clang()
    except ToolchainError:
        pytest.skip("the ziglang package is not installed (pip install ziglang)")


@pytest.fixture(params=["system", "zig"])
def clang(request, monkeypatch, tmp_path) -> Clang:
    """Select system clang or zig's clang for the duration of a test."""
    if request.param == "system":
        return system_clang_or_skip(monkeypatch)
    return zig_clang_or_skip(monkeypatch, tmp_path)


# ---------------------------------------------------------------- discovery


def test_find_clang_on_path(monkeypatch):
    clang = system_clang_or_skip(monkeypatch)
    assert clang.version >= (15, 0, 0)
    assert Path(clang.command[0]).is_absolute() and len(clang.command) == 1
    assert find_clang() is clang  # cached


def test_cc_is_honoured_first(monkeypatch):
    system = system_clang_or_skip(monkeypatch)
    monkeypatch.setenv("CC", system.command[0])
    find_clang.cache_clear()
    assert find_clang() == Clang(system.command, system.version, "$CC")


@pytest.mark.parametrize("cc", ["gcc-like", "missing", "old-clang"])
def test_unusable_cc_falls_through(monkeypatch, tmp_path, cc):
    """$CC is often gcc, set for unrelated builds: a non-clang, missing or too old $CC is skipped."""
    scripts = tmp_path / "scripts"
    scripts.mkdir()
    cc_value = {
        "gcc-like": str(fake_program(scripts, "gcc", "gcc (Debian 12.2.0-14) 12.2.0")),
        "missing": "/nonexistent/cc",
        "old-clang": str(fake_program(scripts, "clang-14", "Ubuntu clang version 14.0.6")),
    }[cc]
    use_only(monkeypatch, tmp_path, cc=cc_value)
    try:
        clang = find_clang()
    except ToolchainError:
        pytest.skip("the ziglang package is not installed")
    assert clang.origin == "ziglang"


def test_old_clang_on_path_is_skipped(monkeypatch, tmp_path):
    use_only(monkeypatch, tmp_path, zig=False)
    fake_program(tmp_path / "bin", "clang", "clang version 14.0.0")
    with pytest.raises(ToolchainError, match=r"clang \(.*/bin/clang\): clang 14.0.0 is older than 15"):
        find_clang()


def test_ziglang_fallback(monkeypatch, tmp_path):
    clang = zig_clang_or_skip(monkeypatch, tmp_path)
    assert clang.origin == "ziglang"
    assert clang.command == (sys.executable, "-m", "ziglang", "cc")
    assert clang.version >= (15, 0, 0)
    assert describe_toolchain().endswith(f"({sys.executable} -m ziglang cc, from ziglang)")


def test_no_clang_found(monkeypatch, tmp_path):
    use_only(monkeypatch, tmp_path, cc="/nonexistent/cc", zig=False)
    with pytest.raises(ToolchainError) as info:
        find_clang()
    message = str(info.value)
    assert "no usable clang found" in message
    assert "$CC=/nonexistent/cc: not found" in message
    assert "clang-22 ... clang-15 on PATH" in message
    assert "ziglang package: not found" in message
    assert "apt-get install clang-19 lld-19" in message
    assert "pip install ziglang" in message


def test_describe_toolchain(monkeypatch):
    clang = system_clang_or_skip(monkeypatch)
    v = ".".join(map(str, clang.version))
    assert describe_toolchain() == f"clang {v} ({clang.command[0]}, from PATH)"


@pytest.mark.parametrize(
    "flag, expected",
    [
        ("-march=x86-64-v3", "-mcpu=x86_64_v3"),
        ("-march=native", "-mcpu=native"),
        ("-mcpu=cortex-a72", "-mcpu=cortex_a72"),
        ("-mcpu=generic", "-mcpu=generic"),
        ("-mavx2", "-mavx2"),
    ],
)
def test_zig_cpu_flag_spelling(flag, expected):
    assert toolchain._zig_cpu_flag(flag) == expected


# ---------------------------------------------------------------- compiling


def write_exp_ll(path: Path, target_name: str) -> Path:
    """`float f(float *noalias a) { return expf(*a); }` as LLVM IR for the target."""
    target = resolve_target(target_name)
    path.write_text(
        f'target datalayout = "{target.datalayout}"\n'
        f'target triple = "{target.triple}"\n\n'
        "declare float @llvm.exp.f32(float)\n\n"
        "define float @f(ptr noalias %a) {\n"
        "  %x = load float, ptr %a, align 4\n"
        "  %y = call float @llvm.exp.f32(float %x)\n"
        "  ret float %y\n"
        "}\n"
    )
    return path


def elf_type_and_machine(path: Path) -> tuple[int, int]:
    """(e_type, e_machine) from a little-endian ELF64 header."""
    header = path.read_bytes()[:20]
    assert header[:4] == b"\x7fELF" and header[4] == 2 and header[5] == 1, "not a little-endian ELF64 file"
    return struct.unpack_from("<HH", header, 16)


@pytest.mark.parametrize("target_name", ["native", host_arch()])
def test_host_shared_library_runs(clang, tmp_path, target_name):
    ll = write_exp_ll(tmp_path / "f.ll", target_name)
    so = tmp_path / "out" / "libf.so"
    compile_llvm_ir(ll, so, resolve_target(target_name), "shared")
    lib = ctypes.CDLL(str(so))
    lib.f.restype = ctypes.c_float
    lib.f.argtypes = [ctypes.POINTER(ctypes.c_float)]
    assert lib.f(ctypes.byref(ctypes.c_float(1.5))) == pytest.approx(math.exp(1.5), rel=1e-6)


@pytest.mark.parametrize("target_name", ["aarch64", "x86_64"])
@pytest.mark.parametrize("kind", ["object", "shared"])
def test_cross_and_host_elf_machine(clang, tmp_path, target_name, kind):
    """aarch64 is the foreign arch on an x86_64 host (and the other way round on an aarch64 host)."""
    ll = write_exp_ll(tmp_path / "f.ll", target_name)
    out = tmp_path / ("f.o" if kind == "object" else "libf.so")
    compile_llvm_ir(ll, out, resolve_target(target_name), kind)
    assert elf_type_and_machine(out) == (ET_REL if kind == "object" else ET_DYN, E_MACHINE[target_name])


def test_broken_ir_reports_stderr_and_repro(clang, tmp_path):
    ll = tmp_path / "broken.ll"
    ll.write_text("define float @f( {\n")
    with pytest.raises(ToolchainError) as info:
        compile_llvm_ir(ll, tmp_path / "broken.o", resolve_target("native"), "object", opt_flags=("-O1",))
    message = str(info.value)
    assert "clang failed" in message and "error:" in message
    repro = message.split("To reproduce: ", 1)[1]
    assert repro.startswith(clang.command[0]) and str(ll) in repro and "-O1" in repro and "-c" in repro


def test_foreign_shared_library_without_lld(monkeypatch, tmp_path):
    """System clang links a foreign-arch library with lld only; without it the error says to install lld."""
    if host_arch() != "x86_64":
        pytest.skip("the foreign target in this test is aarch64")
    use_only(monkeypatch, tmp_path, zig=False)
    fake_program(tmp_path / "bin", "clang", "clang version 19.1.7")  # never finds ld.lld
    ll = write_exp_ll(tmp_path / "f.ll", "aarch64")
    with pytest.raises(ToolchainError, match=r"needs lld.*apt-get install lld-19"):
        compile_llvm_ir(ll, tmp_path / "libf.so", resolve_target("aarch64"), "shared")


def test_lld_found_under_versioned_name(monkeypatch, tmp_path):
    """Where clang does not find `ld.lld` itself but `ld.lld-NN` is on PATH, it is passed with --ld-path."""
    lld = shutil.which("ld.lld-19") or shutil.which("ld.lld")
    if lld is None:
        pytest.skip("no ld.lld on PATH")
    use_only(monkeypatch, tmp_path, zig=False)
    (tmp_path / "bin" / "ld.lld-19").symlink_to(lld)
    fake = Clang((str(fake_program(tmp_path / "bin", "clang", "clang version 19.1.7")),), (19, 1, 7), "PATH")
    assert toolchain._lld_flags(fake) == (f"--ld-path={tmp_path / 'bin' / 'ld.lld-19'}",)


def test_sanitize_copy_pins_each_defined_global_to_its_own_section_at_align_32():
    """ASan skips a global aligned past 32 bytes, and clang raises the alignment of a global
    vector code reads unless it has an explicit section (on an AVX-512 host: to 64, and the
    arena overflow of tests/test_sanitizers.py went unreported)."""
    ir = "\n".join([
        "@m.arena = internal global [768 x i8] zeroinitializer, align 64",
        "@m_const = internal constant [2 x float] [",
        "  float 1.0, float 2.0",
        "], align 64",
        "@m_error = global ptr null, align 8",
        "@m_weights = external hidden constant [64 x i8]",
        "define void @f() {",
        "  ret void",
        "}",
    ])
    lines = toolchain.with_sanitize_address(ir).split("\n")
    assert lines[0] == '@m.arena = internal global [768 x i8] zeroinitializer, section ".bss.optfuse.m.arena", align 32'
    assert lines[3] == '], section ".rodata.optfuse.m_const", align 32'
    assert lines[4] == "@m_error = global ptr null, align 8"  # small alignments are left alone
    assert lines[5] == "@m_weights = external hidden constant [64 x i8]"
    assert lines[6] == "define void @f() sanitize_address {"
