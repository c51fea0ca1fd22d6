"""aarch64 for real: models compiled for aarch64, run under qemu-aarch64, equal to onnxruntime.

A foreign-architecture shared library cannot be loaded into this process, so
`backend.prepare(target="aarch64")` builds the model's static test executable
(compiler/test_executable.py) and runs it under qemu's user-mode emulator; the
outputs are compared with onnxruntime on the host (rtol 1e-3, atol 1e-4), fused
and unfused, for the example models, the fusion benchmark graphs and three of
the onnx light models. Also: the C embedding example builds and runs for both
targets, the object carries its weights, vector code follows the target and
not the host, and a missing emulator or cross C library is one clear error.

Without qemu-aarch64 or a way to link an aarch64 executable the tests that
need them skip, with the toolchain's own message as the reason. CI (.ci/run)
installs both and sets OPT_FUSE_REQUIRE_AARCH64=1, which turns that skip into
a failure: there, these tests cannot silently stop running.

Under qemu the naive conv loops run ~30x slower than natively (squeezenet
10-13 s, shufflenet 3 s per run), which is why the light models here are the
three quickest ones and each compiled model runs once.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx_helpers import REPO_ROOT, assert_matches_onnxruntime, assert_outputs_close, random_inputs, run_onnxruntime

from compiler import backend, toolchain
from compiler.driver import compile_model
from compiler.elf import object_sizes
from compiler.errors import RuntimeInputError, ToolchainError
from compiler.targets import host_arch, resolve_target
from compiler.test_executable import ExecutableModel, build_test_executable, main_source

AARCH64 = resolve_target("aarch64")
FOREIGN = "aarch64" if host_arch() != "aarch64" else "x86_64"
"""A target this machine cannot run natively: the one the missing-emulator tests need."""
RTOL, ATOL = 1e-3, 1e-4
LIGHT_MODELS = ["squeezenet", "shufflenet", "bvlc_alexnet"]
"""The quickest light models under qemu; resnet50 takes 150 s per run there, inception_v1 47 s."""
FUSE = pytest.mark.parametrize("fuse", [True, False], ids=["fused", "unfused"])


def _missing_aarch64_toolchain() -> str | None:
    """Why aarch64 executables cannot be built and run here, or None if they can."""
    try:
        toolchain.find_emulator(AARCH64)
        toolchain.find_executable_linker(AARCH64)
    except ToolchainError as error:
        return str(error)
    return None


@pytest.fixture(scope="module")
def aarch64_runs() -> None:
    reason = _missing_aarch64_toolchain()
    if reason is None:
        return
    if os.environ.get("OPT_FUSE_REQUIRE_AARCH64"):
        pytest.fail(f"OPT_FUSE_REQUIRE_AARCH64 is set, but: {reason}")
    pytest.skip(reason)


def _load_by_path(name: str, path: Path):  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def example_models() -> dict[str, onnx.ModelProto]:
    return {name: onnx.load(REPO_ROOT / "examples" / f"{name}.onnx") for name in ("mlp", "cnn")}


def fusion_graphs():  # type: ignore[no-untyped-def]
    graphs = _load_by_path("opt_fuse_fusion_graphs", REPO_ROOT / "benchmarks" / "fusion_graphs.py").GRAPHS
    return {name: build for name, build in graphs.items() if name != "example-cnn"}  # examples/cnn.onnx: tested above


# --------------------------------------------------------------------------- numerics under qemu


@FUSE
@pytest.mark.parametrize("name", ["mlp", "cnn"])
def test_example_model_on_aarch64(aarch64_runs: None, name: str, fuse: bool) -> None:
    model = example_models()[name]
    rep = backend.prepare(model, fuse=fuse, target="aarch64")
    for seed in (0, 1):
        inputs = random_inputs(model, seed=seed)
        assert_outputs_close(model, rep.run(inputs), run_onnxruntime(model, inputs), RTOL, ATOL, f"fuse={fuse}, seed={seed}")


@FUSE
@pytest.mark.parametrize("name", list(fusion_graphs()))
def test_fusion_graph_on_aarch64(aarch64_runs: None, name: str, fuse: bool) -> None:
    model = fusion_graphs()[name]()
    assert_matches_onnxruntime(model, random_inputs(model, seed=0), rtol=RTOL, atol=ATOL, fuse=fuse, target="aarch64")


@FUSE
@pytest.mark.parametrize("name", LIGHT_MODELS)
def test_light_model_on_aarch64(aarch64_runs: None, name: str, fuse: bool) -> None:
    """Random He-initialized weights, the logits compared too (see tests/test_light_models.py).

    The absolute tolerance grows with each output's largest magnitude: ATOL + 1e-6 * max|expected|.
    Float32 rounding of a sum scales with its terms, not its result, and shufflenet's logits
    reach 2.9e6 with these weights: a logit of 371 that is the difference of such terms is off
    by 0.4 (1.08e-3 relative) on aarch64, and by 0.34 in the x86_64 build, whose fused and
    unfused results differ from each other by as much. The probabilities (at most 1) keep ATOL."""
    from test_light_models import LIGHT_DIR, with_random_weights  # imported here: building its suites takes 10 s

    model = with_random_weights(onnx.load(LIGHT_DIR / f"light_{name}.onnx"))
    inputs = random_inputs(model, seed=1)
    expected = run_onnxruntime(model, inputs)
    actual = backend.prepare(model, fuse=fuse, target="aarch64").run(inputs)
    assert len(actual) == len(expected) == 2  # the probabilities and the logits
    for output, got, want in zip(model.graph.output, actual, expected):
        atol = ATOL + 1e-6 * float(np.abs(want).max())
        np.testing.assert_allclose(got, want, rtol=RTOL, atol=atol, err_msg=f"{name} {output.name} fuse={fuse} atol={atol:.3g}")


def test_zig_links_a_static_musl_executable(aarch64_runs: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without Debian's cross libraries (a pip-only install), zig's clang links the test executable
    against musl. The first build compiles musl for aarch64 (about a minute), then zig caches it."""
    if importlib.util.find_spec("ziglang") is None:
        pytest.skip("the ziglang package is not installed")
    monkeypatch.setattr(toolchain, "_gnu_cross_libraries", lambda *args: False)
    toolchain.find_executable_linker.cache_clear()
    try:
        assert "musl" in toolchain.find_executable_linker(AARCH64).description
        model = example_models()["mlp"]
        assert_matches_onnxruntime(model, random_inputs(model, seed=0), rtol=RTOL, atol=ATOL, target="aarch64")
    finally:
        toolchain.find_executable_linker.cache_clear()  # the next test finds the real linker again


# --------------------------------------------------------------------------- the C embedding example


@pytest.mark.parametrize("target", ["x86_64", "aarch64"])
def test_c_embedding_example_builds_and_runs(request: pytest.FixtureRequest, tmp_path: Path, target: str) -> None:
    """examples/c_embedding/build.py: the printed top classes are onnxruntime's, on a given image."""
    if target != host_arch():
        request.getfixturevalue("aarch64_runs")
    cnn = example_models()["cnn"]
    image = random_inputs(cnn, seed=3)[0]
    image.astype("<f4").tofile(tmp_path / "image.f32")
    result = subprocess.run(
        [sys.executable, str(REPO_ROOT / "examples" / "c_embedding" / "build.py"), "--target", target,
         "--build-dir", str(tmp_path / "build"), "--input", str(tmp_path / "image.f32")],
        capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"for {target}:" in result.stdout  # the object size line
    if target != host_arch():
        assert re.search(r"^\$ \S*qemu-aarch64\S* ", result.stdout, re.MULTILINE), result.stdout
    probabilities = run_onnxruntime(cnn, [image])[0].ravel()
    order = np.argsort(-probabilities, kind="stable")
    top1 = re.search(r"^top-1: class (\d+), probability ([\d.]+)$", result.stdout, re.MULTILINE)
    assert top1 is not None, result.stdout
    assert int(top1[1]) == order[0]
    assert float(top1[2]) == pytest.approx(probabilities[order[0]], rel=RTOL, abs=2e-6)
    top3 = re.search(r"^top-3: (.*)$", result.stdout, re.MULTILINE)
    assert [int(c) for c in re.findall(r"(\d+) \(", top3[1])] == list(order[:3])


# --------------------------------------------------------------------------- the object and the code in it


def test_weights_travel_inside_the_object(aarch64_runs: None, tmp_path: Path) -> None:
    """The .weights file is a build input: with it deleted, the object still links and runs, and
    the size report counts the weights in the object's read-only data."""
    cnn = example_models()["cnn"]
    artifacts = compile_model(cnn, tmp_path, target="aarch64", kinds=("o", "h"))
    weights = artifacts.files["weights"].stat().st_size
    assert weights > 10_000  # the conv and fc weights go into the blob
    sizes = object_sizes(artifacts.files["o"])
    assert sizes.machine == "aarch64" and sizes.rodata >= weights and sizes.code > 0
    assert sizes.bss > 0  # the intermediate tensors are static buffers: memory, not file
    assert sizes.file < sizes.code + sizes.rodata + 64 * 1024
    artifacts.files["weights"].unlink()
    build_test_executable(artifacts.files["o"], artifacts.signature, AARCH64, tmp_path / "t.c", tmp_path / "t")
    inputs = random_inputs(cnn, seed=0)
    (actual,) = ExecutableModel(tmp_path / "t", artifacts.signature, AARCH64).run(inputs)
    np.testing.assert_allclose(actual, run_onnxruntime(cnn, inputs)[0], rtol=RTOL, atol=ATOL)


def _assembly(ll: Path, target_name: str) -> str:
    """clang's assembly for `ll`, with the flags the driver uses for `target_name`."""
    target = resolve_target(target_name)
    clang = toolchain.find_clang()
    if clang.is_zig:
        flags = ["-target", f"{target.name}-linux-gnu", "-Wno-override-module", *map(toolchain._zig_cpu_flag, target.clang_cpu_flags)]
    else:
        flags = [f"--target={target.triple}", *target.clang_cpu_flags]
    return subprocess.run([*clang.command, *flags, "-O3", "-S", str(ll), "-o", "-"], capture_output=True, text=True, check=True).stdout


def test_vector_width_follows_the_target_not_the_host(tmp_path: Path) -> None:
    """One host, two targets: 128-bit NEON registers (v.4s) for aarch64, 256-bit AVX (ymm) for x86_64;
    the IR itself names no CPU, so nothing of the host leaks into a cross build."""
    model = fusion_graphs()["elementwise-chain"]()
    code = {}
    for target in ("aarch64", "x86_64"):
        artifacts = compile_model(model, tmp_path / target, target=target, kinds=())
        ll = artifacts.files["ll"].read_text()
        assert "target-cpu" not in ll and "target-features" not in ll
        code[target] = _assembly(artifacts.files["ll"], target)
    assert re.search(r"\bf(add|mul|max)\s+v\d+\.4s", code["aarch64"]), "no 128-bit NEON float arithmetic"
    assert not re.search(r"\bz\d+\.s\b", code["aarch64"]), "SVE registers: the target is generic aarch64"
    assert re.search(r"%ymm\d+", code["x86_64"]) and not re.search(r"%zmm\d+", code["x86_64"])


# --------------------------------------------------------------------------- the test executable itself


def test_test_executable_refuses_a_short_input_file(aarch64_runs: None, tmp_path: Path) -> None:
    artifacts = compile_model(example_models()["cnn"], tmp_path, target="aarch64", kinds=("exe",))
    (tmp_path / "short.bin").write_bytes(b"\0" * 100)
    command = [*toolchain.find_emulator(AARCH64), str(artifacts.files["exe"])]
    result = subprocess.run([*command, str(tmp_path / "short.bin"), str(tmp_path / "y.bin")], capture_output=True, text=True)
    assert result.returncode == 1
    assert "input 'image' needs exactly 768 values of 4 bytes (3072 bytes)" in result.stderr
    usage = subprocess.run(command, capture_output=True, text=True)
    assert usage.returncode == 2 and "IN_image OUT_y" in usage.stderr


def test_main_source_quotes_awkward_tensor_names(tmp_path: Path) -> None:
    """ONNX names are arbitrary strings; the generated C must still compile and name them."""
    from compiler.driver import Signature, TensorSpec, c_header

    signature = Signature("m_run", (TensorSpec('in"put\\?é', (2, 3)),), (TensorSpec("out:0", ()),))
    source = tmp_path / "main.c"
    source.write_text(main_source(signature, c_header(signature, "x86_64")))
    clang = toolchain.find_clang()
    result = subprocess.run([*clang.command, "-fsyntax-only", "-Wall", "-Werror", str(source)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert r'"in\042put\134\077\303\251"' in source.read_text()


def test_test_executable_takes_symbolic_dims(aarch64_runs: None) -> None:
    """A library compiled at the bounds, under qemu: the symbols' values go first on the
    command line, the files hold the tensors at their actual sizes."""
    from test_bound_shapes import mlp

    model = mlp()
    rep = backend.prepare(model, target="aarch64", dim_bounds={"batch": 8})
    for batch in (1, 5, 8):
        x = np.random.default_rng(batch).standard_normal((batch, 16)).astype(np.float32)
        assert_outputs_close(model, rep.run([x]), run_onnxruntime(model, [x]), RTOL, ATOL, context=f"aarch64 batch={batch}")
    with pytest.raises(RuntimeInputError, match="past its bound 8"):
        rep.run([np.zeros((9, 16), np.float32)])
    x = x[:5]
    expected = run_onnxruntime(model, [x])
    out = np.empty_like(expected[0])
    assert rep.run([x], outputs=[out])[0] is out, "results copied into the caller's outputs, as on the host"
    assert_outputs_close(model, [out], expected, RTOL, ATOL, context="aarch64 outputs=")


# --------------------------------------------------------------------------- the tools: --run, clear errors


def run_compile_tool(*args: str, env: dict[str, str] | None = None, prelude: str = "") -> subprocess.CompletedProcess[str]:
    script = f"import sys; {prelude}from tools.compile import main; sys.exit(main(sys.argv[1:]))"
    environment = {**os.environ, "PYTHONPATH": str(REPO_ROOT), **(env or {})}
    return subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True, env=environment, timeout=300)


def assert_one_line_error(result: subprocess.CompletedProcess[str], *fragments: str) -> None:
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr and result.stderr.count("error:") == 1, result.stderr
    for fragment in fragments:
        assert fragment in result.stderr, result.stderr


def test_compile_tool_runs_the_test_executable(aarch64_runs: None, tmp_path: Path) -> None:
    result = run_compile_tool(str(REPO_ROOT / "examples" / "cnn.onnx"), "-o", str(tmp_path), "--target", "aarch64", "--emit", "o", "--run")
    assert result.returncode == 0, result.stderr
    assert re.search(r"^object: [\d,]+ bytes for aarch64: code [\d,]+, read-only data [\d,]+ \(of which weights 10,752", result.stdout, re.MULTILINE)
    assert re.search(r"^ran cnn_test under qemu-aarch64\S* in [\d.]+ s", result.stdout, re.MULTILINE), result.stdout
    assert re.search(r"^  y \[1, 10\]: min [\d.e-]+ max [\d.e-]+ mean 0\.1$", result.stdout, re.MULTILINE), result.stdout  # softmax


def test_missing_qemu_is_one_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With no qemu on PATH, the tool stops before compiling and says what to install; so does the backend."""
    result = run_compile_tool(str(REPO_ROOT / "examples" / "cnn.onnx"), "-o", str(tmp_path), "--target", FOREIGN, "--run", env={"PATH": str(tmp_path)})
    assert_one_line_error(result, f"needs qemu's user-mode emulator, and neither qemu-{FOREIGN} nor qemu-{FOREIGN}-static is on PATH", "apt-get install qemu-user")
    assert not list(tmp_path.iterdir()), "it compiled before finding out it could not run"
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(ToolchainError, match="apt-get install qemu-user"):
        backend.prepare(example_models()["mlp"], target=FOREIGN)


def test_missing_cross_libc_is_one_clear_error(tmp_path: Path) -> None:
    """No GNU cross libraries and no ziglang: `--emit exe` says how to get either, before compiling."""
    prelude = "sys.modules['ziglang'] = None; import compiler.toolchain as t; t._gnu_cross_libraries = lambda *a: False; "
    result = run_compile_tool(str(REPO_ROOT / "examples" / "mlp.onnx"), "-o", str(tmp_path), "--target", FOREIGN, "--emit", "exe", prelude=prelude)
    arch = toolchain.DEBIAN_ARCH[FOREIGN]
    assert_one_line_error(result, f"linking an executable for {FOREIGN} needs a C library", f"apt-get install libc6-dev-{arch}-cross", "pip install ziglang")
    assert not list(tmp_path.iterdir())
