"""Threads: the thread pool that ships with every model, and concurrent calls from Python.

Every model carries a small pthread pool (compiler/thread_pool.c): emit-llvm
outlines each outermost `loop.parallel` into a task that the pool splits into
contiguous chunks of iterations, and `backend.prepare(num_threads=N)` sets how
many threads run them (default 1). Here: outputs at 1 and 2 threads equal
onnxruntime's (a conv network, layer norm, a row-accumulated reduction that
keeps its rows in a scratch buffer the caller passes, a symbolic batch), the
pool really starts a worker, aarch64 under qemu, a run-time check failing on
any thread, a bad thread count refused before compiling, the sanitized test
executable on 2 threads, and the pool alone under ThreadSanitizer.

Also: a compiled model's `run` is safe to call from several Python threads at
once. The generated code keeps its intermediate buffers in one static arena
(passes/plan_memory.py), so two native calls must not overlap: the runtime
serializes calls to one library with a lock (compiler/runtime.py). Each rep
loads its own copy of the library, so two reps of one model do not share an
arena behind two different locks.

The models are sized so that their parallel loops pass the pool's minimum work
(OPTFUSE_MIN_PARALLEL_WORK), and small enough to keep this file a few seconds.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper
from onnx_helpers import REPO_ROOT, assert_outputs_close, make_graph_model, random_inputs, run_onnxruntime
from test_aarch64 import aarch64_runs  # noqa: F401  (a fixture)

from compiler import backend, toolchain
from compiler.driver import Artifacts, Signature, c_header, compile_model
from compiler.errors import OptFuseError, RuntimeInputError, ToolchainError
from compiler.runtime import NativeModel, check_num_threads
from compiler.targets import resolve_target
from compiler.test_executable import ExecutableModel
from compiler.toolchain import check_sanitizers

CNN = REPO_ROOT / "examples" / "cnn.onnx"
THREADS = pytest.mark.parametrize("num_threads", [1, 2])


def native_threads() -> int:
    """The threads of this process, native ones included (Python's `threading` sees only its own)."""
    return len(os.listdir("/proc/self/task"))


def conv_net() -> onnx.ModelProto:
    rng = np.random.default_rng(0)
    nodes = [
        helper.make_node("Conv", ["x", "w1", "b1"], ["c1"], pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["c1"], ["r1"]),
        helper.make_node("Conv", ["r1", "w2"], ["c2"], pads=[1, 1, 1, 1], group=16),
        helper.make_node("Add", ["c2", "r1"], ["s"]),
        helper.make_node("GlobalAveragePool", ["s"], ["y"]),
    ]
    weights = {
        "w1": rng.standard_normal((16, 8, 3, 3)).astype(np.float32) / 8,
        "b1": rng.standard_normal(16).astype(np.float32),
        "w2": rng.standard_normal((16, 1, 3, 3)).astype(np.float32) / 3,
    }
    return make_graph_model(nodes, [("x", [1, 8, 24, 24])], ["y"], weights)


def layer_norm() -> onnx.ModelProto:
    nodes = [helper.make_node("LayerNormalization", ["x", "g", "b"], ["y"], axis=-1, epsilon=1e-5)]
    rng = np.random.default_rng(1)
    weights = {"g": rng.standard_normal(256).astype(np.float32), "b": rng.standard_normal(256).astype(np.float32)}
    return make_graph_model(nodes, [("x", [64, 256])], ["y"], weights)


def row_reduction() -> onnx.ModelProto:
    """ReduceMean over the middle axis, then Relu: the kernel accumulates whole rows in a scratch
    buffer (passes/lower_to_loops.py, `row_accumulated`), one row per parallel iteration."""
    nodes = [
        helper.make_node("ReduceMean", ["x"], ["m"], axes=[1], keepdims=0),
        helper.make_node("Relu", ["m"], ["y"]),
    ]
    return make_graph_model(nodes, [("x", [16, 48, 64])], ["y"], opset=13)


MODELS = {"cnn": lambda: onnx.load(str(CNN)), "conv-net": conv_net, "layer-norm": layer_norm, "row-reduction": row_reduction}
NUMERICS = list(MODELS)


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], tuple[onnx.ModelProto, Path, Signature]]:
    """Each model compiled once for this file (the suite runs without the compile cache): a fresh
    copy of its library per call, so that each loads its own pool."""
    compiled: dict[str, tuple[onnx.ModelProto, Artifacts]] = {}

    def get(name: str) -> tuple[onnx.ModelProto, Path, Signature]:
        if name not in compiled:
            model = MODELS[name]()
            compiled[name] = model, compile_model(model, tmp_path_factory.mktemp(name), kinds=("so",))
        model, artifacts = compiled[name]
        copy = tmp_path_factory.mktemp(f"{name}-copy") / artifacts.files["so"].name
        shutil.copyfile(artifacts.files["so"], copy)
        return model, copy, artifacts.signature

    return get


@THREADS
@pytest.mark.parametrize("name", NUMERICS)
def test_outputs_match_onnxruntime(library, name: str, num_threads: int) -> None:
    model, so, signature = library(name)
    native = NativeModel(so, signature, num_threads)
    for seed in (0, 1):
        inputs = random_inputs(model, seed=seed)
        assert_outputs_close(model, native.run(inputs), run_onnxruntime(model, inputs), context=f"{num_threads} threads, seed {seed}")


def test_two_threads_start_one_worker_and_equal_one_thread(library) -> None:
    model, so, signature = library("conv-net")
    x = random_inputs(model, seed=3)
    expected = NativeModel(so, signature, 1).run(x)[0]
    two = NativeModel(so, signature, 2)
    before = native_threads()
    for _ in range(3):
        np.testing.assert_array_equal(two.run(x)[0], expected)  # each element is computed by one thread, the same way
    assert native_threads() == before + 1, "the pool of a 2-thread model starts one worker, once"


def dense_relu() -> onnx.ModelProto:
    rng = np.random.default_rng(2)
    nodes = [helper.make_node("MatMul", ["x", "w"], ["h"]), helper.make_node("Add", ["h", "b"], ["a"]), helper.make_node("Relu", ["a"], ["y"])]
    weights = {"w": rng.standard_normal((128, 96)).astype(np.float32) / 8, "b": rng.standard_normal(96).astype(np.float32)}
    graph = helper.make_graph(
        nodes, "dense", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 128])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 96])],
        initializer=[onnx.numpy_helper.from_array(v, k) for k, v in weights.items()],
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8)


def test_symbolic_batch_on_two_threads() -> None:
    """The parallel loop's bounds are the batch's run-time value: every size splits correctly."""
    model = dense_relu()
    rep = backend.prepare(model, num_threads=2, dim_bounds={"batch": 64})
    for batch in (1, 2, 7, 33, 64):
        x = np.random.default_rng(batch).standard_normal((batch, 128)).astype(np.float32)
        assert_outputs_close(model, rep.run([x]), run_onnxruntime(model, [x]), context=f"batch={batch}, 2 threads")


def gather_rows() -> onnx.ModelProto:
    table = np.arange(64 * 1024, dtype=np.float32).reshape(64, 1024)
    nodes = [helper.make_node("Gather", ["table", "idx"], ["g"], axis=0), helper.make_node("Relu", ["g"], ["y"])]
    return make_graph_model(nodes, [("idx", [64], TensorProto.INT64)], ["y"], {"table": table})


MODELS["gather"] = gather_rows


@pytest.mark.parametrize("bad", [[0], [31], [63], list(range(64))], ids=["first", "middle", "last", "every"])
def test_a_check_failing_on_any_thread_is_reported(library, bad: list[int]) -> None:
    """Index i is gathered by whichever thread runs its chunk; out of range, its failure is the
    run's, whether one thread or both fail (the error global is written atomically)."""
    model, so, signature = library("gather")
    rep = NativeModel(so, signature, 2)
    good = np.arange(63, -1, -1, dtype=np.int64)
    expected = run_onnxruntime(model, [good])[0]
    indices = good.copy()
    indices[bad] = 64
    for _ in range(5):
        with pytest.raises(RuntimeInputError, match="index"):
            rep.run([indices])
        np.testing.assert_array_equal(rep.run([good])[0], expected)  # the next run clears the error


def test_num_threads_defaults_to_one() -> None:
    assert check_num_threads(None) == 1 and check_num_threads(np.int64(3)) == 3


@pytest.mark.parametrize("value", [0, -1, 257, 1.5, "2", True], ids=repr)
def test_num_threads_is_checked_before_compiling(value: object) -> None:
    with pytest.raises(OptFuseError, match=rf"^num_threads must be an integer from 1 to 256 .*got {value!r}$"):
        backend.prepare(onnx.load(str(CNN)), num_threads=value)  # type: ignore[arg-type]


def test_header_declares_the_thread_count_setter(tmp_path) -> None:
    artifacts = compile_model(CNN, tmp_path, kinds=("ll", "h"))
    assert "void cnn_set_num_threads(int num_threads);" in c_header(artifacts.signature, "x86_64")
    assert "declare void @cnn_parallel_for(ptr, ptr nocapture, i64, i64, i64, i64)" in artifacts.files["ll"].read_text()


def test_aarch64_under_qemu_on_two_threads(aarch64_runs: None) -> None:  # noqa: F811
    """The test executable takes the thread count from OPT_FUSE_NUM_THREADS; qemu-user runs threads."""
    model = conv_net()
    rep = backend.prepare(model, target="aarch64", num_threads=2)
    assert rep._native.num_threads == 2  # type: ignore[union-attr]
    inputs = random_inputs(model, seed=0)
    assert_outputs_close(model, rep.run(inputs), run_onnxruntime(model, inputs), 1e-3, 1e-4, "aarch64, 2 threads")


@pytest.mark.parametrize("num_threads", [1, 2])
def test_concurrent_runs_equal_serial_runs(library, num_threads: int) -> None:
    """Python threads calling two copies of one library at once, each copy behind its own lock;
    with 2 threads, a parallel loop entered while its library's pool is busy runs on its caller's
    thread (no oversubscription), with the same results."""
    natives = [NativeModel(so, signature, num_threads) for _, so, signature in (library("cnn"), library("cnn"))]
    rng = np.random.default_rng(0)
    inputs = [rng.standard_normal((1, 3, 16, 16)).astype(np.float32) for _ in range(48)]
    expected = [natives[0].run([x])[0] for x in inputs]
    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(lambda job: natives[job[0] % 2].run([job[1]])[0], enumerate(inputs)))
    for number, (got, want) in enumerate(zip(results, expected)):
        np.testing.assert_array_equal(got, want, err_msg=f"call {number}")


def test_sanitized_test_executable_on_two_threads() -> None:
    """ASan + UBSan (toolchain.SANITIZE_FLAGS) over the kernels and the pool, with a worker running
    chunks, and a check failing on the threads."""
    target = resolve_target("native")
    try:
        check_sanitizers(target)
    except ToolchainError as error:
        pytest.skip(str(error))
    model = gather_rows()
    with tempfile.TemporaryDirectory(prefix="opt-fuse-threads-") as tmp:
        artifacts = compile_model(model, tmp, kinds=("exe",), sanitize=True)
        exe = ExecutableModel(artifacts.files["exe"], artifacts.signature, target, num_threads=2)
        good = np.arange(63, -1, -1, dtype=np.int64)
        np.testing.assert_array_equal(exe.run([good])[0], run_onnxruntime(model, [good])[0])
        with pytest.raises(RuntimeInputError, match="index"):
            exe.run([np.full(64, 99, dtype=np.int64)])


POOL_DRIVER = r"""
#include <stdint.h>
#include <stdio.h>
void t_set_num_threads(int);
void t_parallel_for(void (*)(int64_t, int64_t, void *), void *, int64_t, int64_t, int64_t, int64_t);
static double out[1000];
static void add(int64_t begin, int64_t end, void *context) {
  double *o = context;
  for (int64_t i = begin; i < end; i += 3) o[i] += (double)i;
}
static double rows[8][64];
static void one(int64_t begin, int64_t end, void *context) {
  for (int64_t i = begin; i < end; ++i) ((double *)context)[i] += 1.0;
}
static void nested(int64_t begin, int64_t end, void *context) { /* a parallel loop inside a chunk: sequential */
  (void)context;
  for (int64_t i = begin; i < end; ++i) t_parallel_for(one, rows[i], 0, 64, 1, 1000000);
}
int main(void) {
  static const int counts[] = {1, 2, 3, 2}; /* 2 after 3: one of the two workers sits out */
  for (int c = 0; c < 4; ++c) {
    t_set_num_threads(counts[c]);
    for (int r = 0; r < 300; ++r) t_parallel_for(add, out, 1, 1000, 3, 1000000);
  }
  t_parallel_for(nested, 0, 0, 8, 1, 1000000);
  for (int i = 0; i < 1000; ++i)
    if (out[i] != (i % 3 == 1 ? 1200.0 * i : 0.0)) { printf("wrong element %d: %g\n", i, out[i]); return 1; }
  for (int i = 0; i < 8 * 64; ++i)
    if (rows[i / 64][i % 64] != 1.0) { printf("wrong nested element %d\n", i); return 1; }
  printf("ok\n");
  return 0;
}
"""


def test_thread_pool_under_thread_sanitizer(tmp_path: Path) -> None:
    """The pool alone (compiler/thread_pool.c) with a stepped loop at 1, 2, 3 and 2 threads and parallel
    loops nested in a parallel loop's chunks, under ThreadSanitizer: every element written once per
    run, and no data race reported."""
    clang = toolchain.find_clang()
    if clang.is_zig:
        pytest.skip("zig's clang has no ThreadSanitizer runtime")
    driver, exe = tmp_path / "driver.c", tmp_path / "pool"
    driver.write_text(POOL_DRIVER)
    command = [*clang.command, "-O1", "-g", "-fsanitize=thread", "-DOPTFUSE_PREFIX=t", str(driver), str(toolchain.THREAD_POOL_SOURCE), "-lpthread", "-o", str(exe)]
    built = subprocess.run(command, capture_output=True, text=True, check=False)
    if built.returncode != 0:
        pytest.skip(f"no ThreadSanitizer build here: {built.stderr.strip()[:200]}")
    result = subprocess.run([str(exe)], capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0 and result.stdout == "ok\n", result.stdout + result.stderr
    assert "ThreadSanitizer" not in result.stderr, result.stderr
