"""The generated code is memory safe: models run under AddressSanitizer + UBSan without a report.

Each model is compiled with `compile_model(..., kinds=("exe",), sanitize=True)`: the object
(our LLVM IR, every function given `sanitize_address`, through clang -O3) and the test
executable's generated C `main` are built and linked with toolchain.SANITIZE_FLAGS
(`-fsanitize=address,undefined -fno-sanitize-recover=all`), and the executable runs natively.
A report aborts it with a non-zero exit and the report on stderr, which ExecutableModel raises
with; the outputs must also match onnxruntime (rtol 1e-4, atol 1e-5). Models: the examples
(fused and unfused), the fusion benchmark graphs, and 20 fixed-seed graphs from each fuzzer
(fusion and whole-model; fused).

What this can and cannot catch (toolchain.SANITIZE_FLAGS): ASan puts redzones around every
global, so a kernel reading or writing past the intermediate arena, a constant, or the
executable's input/output buffers is reported. It cannot see an overrun from one view of the
arena into a neighbouring view (one global, all addressable), nor past the `.incbin` weights
blob. UBSan's checks come from clang's C frontend, so they cover the C `main`, not the kernels.
The negative tests corrupt a real generated .ll (a view shifted past the arena's end, an output
pointer shifted by one element) and require ASan's report: proof the mode can fail.

Without a working sanitizer runtime (toolchain.check_sanitizers) the tests skip with its
message; CI (.ci/run) sets OPT_FUSE_REQUIRE_SANITIZERS=1, which turns that skip into a failure.
"""

from __future__ import annotations

import importlib.util
import os
import re
from pathlib import Path

import onnx
import pytest
from fusion_fuzz_graphs import fuzz_graphs
from hypothesis import HealthCheck, Phase, given, settings
from model_fuzz_graphs import model_graphs
from onnx_helpers import REPO_ROOT, assert_outputs_close, random_inputs, run_onnxruntime

from compiler.driver import compile_model
from compiler.errors import OptFuseError, ToolchainError
from compiler.targets import resolve_target
from compiler.test_executable import ExecutableModel, build_test_executable
from compiler.toolchain import check_sanitizers, compile_llvm_ir

HOST = resolve_target("native")
RTOL, ATOL = 1e-4, 1e-5
FUZZ_GRAPHS = 20


@pytest.fixture(scope="module")
def sanitizers() -> None:
    try:
        check_sanitizers(HOST)
    except ToolchainError as error:
        if os.environ.get("OPT_FUSE_REQUIRE_SANITIZERS"):
            pytest.fail(f"OPT_FUSE_REQUIRE_SANITIZERS is set, but: {error}")
        pytest.skip(str(error))


def _fusion_graphs():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("opt_fuse_fusion_graphs", REPO_ROOT / "benchmarks" / "fusion_graphs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return {name: build for name, build in module.GRAPHS.items() if name != "example-cnn"}  # examples/cnn.onnx: below


def _run_sanitized(model: onnx.ModelProto, tmp_path: Path, inputs, fuse: bool = True) -> None:  # type: ignore[no-untyped-def]
    artifacts = compile_model(model, tmp_path, kinds=("exe",), fuse=fuse, sanitize=True)
    try:
        actual = ExecutableModel(artifacts.files["exe"], artifacts.signature, HOST).run(inputs)
    except OptFuseError as error:
        pytest.fail(f"sanitizer report (fuse={fuse}):\n{error}")
    assert_outputs_close(model, actual, run_onnxruntime(model, inputs), RTOL, ATOL, f"fuse={fuse}")


@pytest.mark.parametrize("fuse", [True, False], ids=["fused", "unfused"])
@pytest.mark.parametrize("name", ["mlp", "cnn"])
def test_example_model_is_clean(sanitizers: None, tmp_path: Path, name: str, fuse: bool) -> None:
    model = onnx.load(REPO_ROOT / "examples" / f"{name}.onnx")
    _run_sanitized(model, tmp_path, random_inputs(model, seed=0), fuse)


@pytest.mark.parametrize("name", list(_fusion_graphs()))
def test_fusion_graph_is_clean(sanitizers: None, tmp_path: Path, name: str) -> None:
    model = _fusion_graphs()[name]()
    _run_sanitized(model, tmp_path, random_inputs(model, seed=0))


FIXED_DRAWS = settings(max_examples=FUZZ_GRAPHS, derandomize=True, database=None, deadline=None,
                       phases=[Phase.generate], suppress_health_check=list(HealthCheck))


@FIXED_DRAWS
@given(graph=fuzz_graphs())
def test_fuzz_graphs_are_clean(sanitizers: None, tmp_path_factory: pytest.TempPathFactory, graph) -> None:  # type: ignore[no-untyped-def]
    """FUZZ_GRAPHS fusion-fuzz graphs, the same every run (derandomized, generate phase only: no shrinking)."""
    _run_fuzz_graph_sanitized(graph, tmp_path_factory)


@FIXED_DRAWS
@given(graph=model_graphs())
def test_whole_model_fuzz_graphs_are_clean(sanitizers: None, tmp_path_factory: pytest.TempPathFactory, graph) -> None:  # type: ignore[no-untyped-def]
    """FUZZ_GRAPHS whole-model fuzz graphs (convs, pools, gathers, slices, resizes: the index arithmetic)."""
    _run_fuzz_graph_sanitized(graph, tmp_path_factory)


def _run_fuzz_graph_sanitized(graph, tmp_path_factory: pytest.TempPathFactory) -> None:  # type: ignore[no-untyped-def]
    model = graph.model()
    try:
        _run_sanitized(model, tmp_path_factory.mktemp("fuzz"), graph.inputs(model))
    except BaseException as error:
        error.add_note(f"fuzz graph:\n{graph.describe(model)}")
        raise


# --------------------------------------------------------------------------- the mode can fail


def _build_corrupted_mlp(tmp_path: Path, corrupt) -> ExecutableModel:  # type: ignore[no-untyped-def]
    """The mlp example's real .ll, edited by `corrupt`, built the way `sanitize=True` builds it."""
    artifacts = compile_model(REPO_ROOT / "examples" / "mlp.onnx", tmp_path, kinds=("ll",))
    ll = artifacts.files["ll"]
    ll.write_text(corrupt(ll.read_text()))
    obj, exe = tmp_path / "bad.o", tmp_path / "bad_test"
    compile_llvm_ir(ll, obj, HOST, "object", sanitize=True)
    build_test_executable(obj, artifacts.signature, HOST, tmp_path / "bad_test.c", exe, sanitize=True)
    return ExecutableModel(exe, artifacts.signature, HOST)


def _mlp_inputs():  # type: ignore[no-untyped-def]
    return random_inputs(onnx.load(REPO_ROOT / "examples" / "mlp.onnx"), seed=0)


def test_view_past_the_arena_is_reported(sanitizers: None, tmp_path: Path) -> None:
    """The last view into the arena moved 8 bytes later: its kernel writes past the arena global."""

    def shift_last_view(text: str) -> str:
        views = list(re.finditer(r"getelementptr inbounds i8, ptr @mlp\.arena, i64 (\d+)", text))
        assert views, "emit-llvm no longer addresses arena views as `gep i8, @mlp.arena, offset`: update this test"
        last = views[-1]
        return text[: last.start(1)] + str(int(last[1]) + 8) + text[last.end(1) :]

    model = _build_corrupted_mlp(tmp_path, shift_last_view)
    with pytest.raises(OptFuseError, match=r"AddressSanitizer: global-buffer-overflow") as info:
        model.run(_mlp_inputs())
    assert "mlp.arena" in str(info.value)  # ASan names the global it overran


def test_write_past_an_output_is_reported(sanitizers: None, tmp_path: Path) -> None:
    """The entry passes its output pointer one float late to the last kernel, which writes the
    last value past the test executable's output buffer (a global of the C main)."""

    def shift_output(text: str) -> str:
        call = re.search(r"(\n  )(call void @mlp_k\d+_\w+\(.*), ptr %result\)", text)
        assert call, "the mlp entry no longer passes %result to its last kernel: update this test"
        shifted = f"{call[1]}%result.bad = getelementptr inbounds i8, ptr %result, i64 4{call[1]}{call[2]}, ptr %result.bad)"
        return text[: call.start()] + shifted + text[call.end() :]

    model = _build_corrupted_mlp(tmp_path, shift_output)
    with pytest.raises(OptFuseError, match=r"AddressSanitizer: global-buffer-overflow"):
        model.run(_mlp_inputs())


def test_uncorrupted_mlp_built_the_same_way_is_clean(sanitizers: None, tmp_path: Path) -> None:
    """The control for the two tests above: the same build of the unedited .ll runs clean and
    right, so their reports come from the corruption, not from the build."""
    model = _build_corrupted_mlp(tmp_path, lambda text: text)
    inputs = _mlp_inputs()
    mlp = onnx.load(REPO_ROOT / "examples" / "mlp.onnx")
    assert_outputs_close(mlp, model.run(inputs), run_onnxruntime(mlp, inputs), RTOL, ATOL, "unedited")


def test_sanitize_refuses_what_it_cannot_build(tmp_path: Path) -> None:
    mlp = REPO_ROOT / "examples" / "mlp.onnx"
    with pytest.raises(OptFuseError, match="shared library cannot be loaded"):
        compile_model(mlp, tmp_path, kinds=("so",), sanitize=True)
    with pytest.raises(ToolchainError, match="natively only"):
        compile_model(mlp, tmp_path, kinds=("exe",), target="aarch64" if HOST.name != "aarch64" else "x86_64", sanitize=True)
