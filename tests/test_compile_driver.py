"""The compile driver: artifacts for each target, the header, and run_node.

The aarch64 object and shared library are checked by their ELF headers
(and by `file` when it is installed); tests/test_aarch64.py runs aarch64 code under qemu.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import helper

from compiler import backend
from compiler.driver import compile_model

ROOT = Path(__file__).resolve().parent.parent
CNN = ROOT / "examples" / "cnn.onnx"
ELF_MACHINE = {"x86_64": 62, "aarch64": 183}


def elf_machine(path: Path) -> int:
    header = path.read_bytes()[:20]
    assert header[:4] == b"\x7fELF", f"{path} is not an ELF file"
    return int.from_bytes(header[18:20], "little")


@pytest.mark.parametrize("target", ["x86_64", "aarch64"])
def test_cnn_artifacts_for_each_target(tmp_path: Path, target: str) -> None:
    artifacts = compile_model(CNN, tmp_path, target=target)
    assert set(artifacts.files) == {"ll", "weights", "o", "so", "h"}
    for kind in ("o", "so"):
        assert elf_machine(artifacts.files[kind]) == ELF_MACHINE[target]
    if shutil.which("file"):
        described = subprocess.run(["file", str(artifacts.files["o"])], capture_output=True, text=True).stdout
        assert ("ARM aarch64" if target == "aarch64" else "x86-64") in described
    ll = artifacts.files["ll"].read_text()
    assert f'target triple = "{target}-unknown-linux-gnu"' in ll
    assert "define i32 @cnn_run(ptr noalias" in ll
    inline = [int(n) for n in re.findall(r"constant \[(\d+) x float\] \[", ll)]
    assert ".incbin" in ll and max(inline, default=0) <= 64, "weights must travel in the blob, not as IR literals"
    header = artifacts.files["h"].read_text()
    assert "int cnn_run(const float *image, float *y);" in header
    assert "#define CNN_INPUT_IMAGE_SIZE 768" in header


@pytest.mark.parametrize(("target", "lanes"), [("x86_64", 16), ("aarch64", 8)])
def test_kernel_vectors_are_two_registers_of_the_target(tmp_path: Path, target: str, lanes: int) -> None:
    """x86_64 is AVX2 (256-bit registers), aarch64 NEON (128-bit): the conv's channel lanes are
    two registers' worth of floats (wider vectors spill: NEON has 32 registers of 4 floats);
    streaming loops (the gemm's reduction along its transposed weight rows) take four."""
    ll = compile_model(CNN, tmp_path, target=target, kinds=("ll",)).files["ll"].read_text()
    functions = {f.split("(")[0].split("@")[1]: f for f in ll.split("\ndefine ")[1:]}
    widths = {name: {int(n) for n in re.findall(r"<(\d+) x float>", text)} for name, text in functions.items()}
    conv_widths = set().union(*(w for name, w in widths.items() if "conv2d" in name))
    assert max(conv_widths) == lanes, f"vector widths in the {target} kernels: {widths}"
    assert max(set().union(*widths.values())) <= 2 * lanes, f"vector widths in the {target} kernels: {widths}"


def test_native_kernel_vectors_follow_the_host() -> None:
    from compiler.targets import resolve_target

    native = resolve_target("native")
    avx512 = "avx512f" in Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else False
    expected = 512 if native.name == "x86_64" and avx512 else {"x86_64": 256, "aarch64": 128}[native.name]
    assert native.vector_bits == expected and native.kernel_lanes == 2 * expected // 32


def test_header_compiles_with_a_c_program(tmp_path: Path) -> None:
    """The header and shared library link into a C program that calls the entry point."""
    from compiler.targets import resolve_target
    from compiler.toolchain import find_clang

    artifacts = compile_model(CNN, tmp_path, target="native")
    program = tmp_path / "main.c"
    program.write_text(
        '#include "cnn.h"\n#include <stdio.h>\n'
        "int main(void) { static float in[CNN_INPUT_IMAGE_SIZE], out[CNN_OUTPUT_Y_SIZE];\n"
        "  int status = cnn_run(in, out); float sum = 0; for (int i = 0; i < CNN_OUTPUT_Y_SIZE; i++) sum += out[i];\n"
        '  printf("%d %.4f\\n", status, sum); return status; }\n'
    )
    clang = find_clang()
    target_flags = ["-target", "x86_64-linux-gnu"] if clang.origin == "ziglang" else [f"--target={resolve_target('native').triple}"]
    exe = tmp_path / "main"
    subprocess.run([*clang.command, *target_flags, str(program), str(artifacts.files["o"]), "-lm", "-o", str(exe), f"-I{tmp_path}"], check=True)
    output = subprocess.run([str(exe)], capture_output=True, text=True, check=True).stdout.split()
    assert output[0] == "0" and abs(float(output[1]) - 1.0) < 1e-4  # softmax outputs sum to 1


def test_run_node_follows_the_backend_convention() -> None:
    node = helper.make_node("Relu", ["x"], ["y"])
    x = np.array([[-1.0, 2.0], [3.0, -4.0]], np.float32)
    (y,) = backend.run_node(node, [x])
    np.testing.assert_array_equal(y, np.maximum(x, 0))


def test_run_model_and_prepare_accept_a_path_and_bytes() -> None:
    x = np.random.default_rng(1).standard_normal((1, 3, 16, 16)).astype(np.float32)
    by_path = backend.prepare(str(CNN)).run([x])[0]
    by_bytes = backend.run_model(onnx.load(str(CNN)), [x])[0]
    np.testing.assert_array_equal(by_path, by_bytes)


def test_prepare_leaves_no_temporary_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import gc
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # a private temp dir: other processes cannot race us
    rep = backend.prepare(str(CNN))
    assert list(tmp_path.glob("opt-fuse-*"))
    del rep
    gc.collect()
    assert not list(tmp_path.glob("opt-fuse-*"))
