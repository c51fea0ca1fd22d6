"""The compile cache (compiler/compile_cache.py): hits skip clang, every input to the key
misses when it changes, concurrent processes agree on one entry, and broken entries rebuild.

tests/conftest.py turns the cache off for the suite; each test here turns it on with its own
empty directory. A hit is measured by counting the driver's clang calls.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from compiler import backend, compile_cache, driver
from compiler.errors import ToolchainError
from compiler.targets import AARCH64
from compiler.toolchain import find_emulator, find_executable_linker

ROOT = Path(__file__).resolve().parent.parent


def small_model(bias: float = 0.5) -> onnx.ModelProto:
    """relu(x @ w + b) with a symbolic batch: dim_bounds is an option that matters."""
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 4])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 3])
    w = numpy_helper.from_array(np.arange(12, dtype=np.float32).reshape(4, 3) / 10, "w")
    b = numpy_helper.from_array(np.full(3, bias, dtype=np.float32), "b")
    nodes = [helper.make_node("MatMul", ["x", "w"], ["t"]), helper.make_node("Add", ["t", "b"], ["u"]), helper.make_node("Relu", ["u"], ["y"])]
    graph = helper.make_graph(nodes, "small", [x], [y], initializer=[w, b])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


X = np.linspace(-2, 2, 12, dtype=np.float32).reshape(3, 4)


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An enabled, empty cache in tmp_path/cache."""
    directory = tmp_path / "cache"
    monkeypatch.setenv("OPT_FUSE_CACHE_DIR", str(directory))
    monkeypatch.setenv("OPT_FUSE_CACHE", "1")
    return directory


@pytest.fixture
def clang_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every clang run by the driver (kind of output), so a test can tell a hit from a miss."""
    calls: list[str] = []
    real = driver.compile_llvm_ir

    def counting(ll_path, output, target, kind, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(kind)
        return real(ll_path, output, target, kind, **kwargs)

    monkeypatch.setattr(driver, "compile_llvm_ir", counting)
    return calls


def entries(directory: Path) -> list[Path]:
    return sorted(p for p in directory.iterdir() if not p.name.startswith("."))


def leftovers(directory: Path) -> list[Path]:
    return sorted(p for p in directory.iterdir() if p.name.startswith(".tmp-"))


def test_second_prepare_is_a_hit_with_equal_results(cache: Path, clang_calls: list[str]) -> None:
    model = small_model()
    first = backend.prepare(model, dim_bounds={"batch": 8})
    assert clang_calls == ["shared"]
    second = backend.prepare(model, dim_bounds={"batch": 8})
    assert clang_calls == ["shared"], "the second prepare ran clang"
    assert len(entries(cache)) == 1 and not leftovers(cache)
    expected = np.maximum(X @ (np.arange(12, dtype=np.float32).reshape(4, 3) / 10) + 0.5, 0)
    for rep in (first, second):
        np.testing.assert_allclose(rep.run([X])[0], expected, rtol=1e-6)
    assert np.array_equal(first.run([X])[0], second.run([X])[0])
    assert second.artifacts.signature == first.artifacts.signature
    assert (second.artifacts.arena_bytes, second.artifacts.unplanned_bytes) == (first.artifacts.arena_bytes, first.artifacts.unplanned_bytes)
    # each rep loads its own copy: one mapping shared by two reps would share static buffers behind two locks
    assert second.artifacts.files["so"] != first.artifacts.files["so"]
    assert not second.artifacts.files["so"].is_relative_to(cache)


def test_the_same_model_from_a_file_or_bytes_is_a_hit(cache: Path, clang_calls: list[str], tmp_path: Path) -> None:
    model = small_model()
    path = tmp_path / "small.onnx"
    onnx.save(model, str(path))
    backend.prepare(model, dim_bounds={"batch": 8})
    backend.prepare(str(path), dim_bounds={"batch": 8})
    backend.prepare(path.read_bytes(), dim_bounds={"batch": 8})
    assert clang_calls == ["shared"]


@pytest.mark.parametrize(
    "changed",
    [{"fuse": False}, {"dim_bounds": {"batch": 16}}, {"input_shapes": {"x": [2, 4]}}],
    ids=["fuse", "dim_bounds", "input_shapes"],
)
def test_a_different_option_is_a_miss(cache: Path, clang_calls: list[str], changed: dict) -> None:
    options = {"fuse": True, "dim_bounds": {"batch": 8}}
    backend.prepare(small_model(), **options)
    options.update(changed)
    if "input_shapes" in changed:
        del options["dim_bounds"]  # a static shape has no symbol to bound
    rep = backend.prepare(small_model(), **options)
    assert clang_calls == ["shared", "shared"]
    assert len(entries(cache)) == 2
    assert rep.run([X[:2]])[0].shape == (2, 3)


def test_a_changed_model_is_a_miss(cache: Path, clang_calls: list[str]) -> None:
    first = backend.prepare(small_model(bias=0.5), dim_bounds={"batch": 8})
    second = backend.prepare(small_model(bias=1.5), dim_bounds={"batch": 8})
    assert clang_calls == ["shared", "shared"]
    assert len(entries(cache)) == 2
    assert not np.array_equal(first.run([X])[0], second.run([X])[0]), "the changed model ran the first one's code"


def test_the_compiler_version_and_toolchain_are_in_the_key(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    options = {"target": "native", "fuse": True, "kinds": ("so",), "dim_bounds": {"batch": 8}, "input_shapes": None}
    key = compile_cache.cache_key(small_model(), **options)
    assert compile_cache.cache_key(small_model(), **options) == key
    monkeypatch.setattr(compile_cache, "source_hash", lambda: "another opt-fuse")
    assert compile_cache.cache_key(small_model(), **options) != key
    monkeypatch.undo()
    monkeypatch.setattr(compile_cache, "_version_output", lambda command: "clang version 99.0.0")
    assert compile_cache.cache_key(small_model(), **options) != key


def test_cache_false_and_the_variable_compile(cache: Path, clang_calls: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    backend.prepare(small_model(), dim_bounds={"batch": 8})
    rep = backend.prepare(small_model(), dim_bounds={"batch": 8}, cache=False)
    assert clang_calls == ["shared", "shared"]
    assert {"ll", "weights", "so"} <= set(rep.artifacts.files)  # the uncached build, as before
    workdir = rep.artifacts.files["so"].parent
    del rep
    assert not workdir.exists(), "the uncached rep's temporary directory outlived it"

    monkeypatch.setenv("OPT_FUSE_CACHE", "0")
    backend.prepare(small_model(bias=2.0), dim_bounds={"batch": 8})
    assert clang_calls == ["shared"] * 3
    assert len(entries(cache)) == 1, "OPT_FUSE_CACHE=0 still stored an entry"
    backend.prepare(small_model(bias=2.0), dim_bounds={"batch": 8}, cache=True)  # the explicit argument wins
    assert len(entries(cache)) == 2


def test_a_hit_rep_cleans_up_its_copy(cache: Path) -> None:
    backend.prepare(small_model(), dim_bounds={"batch": 8})
    rep = backend.prepare(small_model(), dim_bounds={"batch": 8})
    copy = rep.artifacts.files["so"]
    assert copy.exists()
    del rep
    assert not copy.parent.exists()
    assert len(entries(cache)) == 1


@pytest.mark.parametrize("damage", ["truncate-library", "delete-signature", "garbage-metadata"])
def test_a_corrupt_entry_is_rebuilt(cache: Path, clang_calls: list[str], damage: str) -> None:
    expected = backend.prepare(small_model(), dim_bounds={"batch": 8}).run([X])[0]
    (entry,) = entries(cache)
    if damage == "truncate-library":
        (library,) = entry.glob("*.so")
        library.write_bytes(library.read_bytes()[:100])
    elif damage == "delete-signature":
        (entry / "signature.pickle").unlink()
    else:
        (entry / "entry.json").write_text("{not json")
    rep = backend.prepare(small_model(), dim_bounds={"batch": 8})
    assert clang_calls == ["shared", "shared"], "the damaged entry was used"
    assert np.array_equal(rep.run([X])[0], expected)
    assert len(entries(cache)) == 1 and not leftovers(cache)
    backend.prepare(small_model(), dim_bounds={"batch": 8})
    assert clang_calls == ["shared", "shared"], "the rebuilt entry is not a hit"


def test_an_unwritable_cache_warns_and_still_compiles(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    not_a_directory = tmp_path / "file"
    not_a_directory.write_text("")
    monkeypatch.setenv("OPT_FUSE_CACHE_DIR", str(not_a_directory / "cache"))
    with pytest.warns(UserWarning, match="could not store the compiled model in the cache"):
        rep = backend.prepare(small_model(), dim_bounds={"batch": 8}, cache=True)
    assert rep.run([X])[0].shape == (3, 3)


CONCURRENT_WORKER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    import numpy as np
    import compiler.backend as backend, compiler.driver as driver
    sys.path.insert(0, sys.argv[3])
    from test_compile_cache import X, small_model
    calls = []
    real = driver.compile_llvm_ir
    driver.compile_llvm_ir = lambda *a, **k: (calls.append(1), real(*a, **k))[1]
    model = small_model()
    Path(sys.argv[1], "ready-" + sys.argv[2]).touch()
    while not Path(sys.argv[1], "go").exists():  # start together, so the builds overlap
        time.sleep(0.01)
    y = backend.prepare(model, dim_bounds={"batch": 8}).run([X])[0]
    np.save(Path(sys.argv[1], "y-" + sys.argv[2] + ".npy"), y)
    print(len(calls))
    """
)


def test_concurrent_processes_leave_one_entry(cache: Path, tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", CONCURRENT_WORKER, str(tmp_path), str(i), str(Path(__file__).parent)],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        for i in range(3)
    ]
    deadline = time.monotonic() + 120
    while not all((tmp_path / f"ready-{i}").exists() for i in range(3)):
        assert all(w.poll() is None for w in workers), [w.communicate() for w in workers]
        assert time.monotonic() < deadline, "the workers did not start"
        time.sleep(0.05)
    (tmp_path / "go").touch()
    results = [w.communicate(timeout=300) for w in workers]
    for worker, (out, err) in zip(workers, results):
        assert worker.returncode == 0, err
    assert sum(int(out) for out, _ in results) >= 1
    ys = [np.load(tmp_path / f"y-{i}.npy") for i in range(3)]
    assert all(np.array_equal(ys[0], y) for y in ys)
    assert len(entries(cache)) == 1
    assert not leftovers(cache), "a staging directory was left behind"


def test_clear(cache: Path) -> None:
    backend.prepare(small_model(), dim_bounds={"batch": 8})
    backend.prepare(small_model(), dim_bounds={"batch": 8}, fuse=False)
    unrelated = cache / "notes.txt"
    unrelated.write_text("not ours")
    (cache / ".tmp-crashed").mkdir()  # a writer that died before its rename
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run([sys.executable, "-m", "compiler.compile_cache", "--clear"], env=env, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"removed 2 entries from {cache}"
    assert list(cache.iterdir()) == [unrelated], "clear removed too little, or a file that is not an entry"
    backend.prepare(small_model(), dim_bounds={"batch": 8})
    assert compile_cache.clear_cache() == 1
    assert compile_cache.cache_entries() == []


def test_a_foreign_target_caches_its_test_executable(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    try:
        find_emulator(AARCH64)
        find_executable_linker(AARCH64)
    except ToolchainError as e:
        pytest.skip(str(e))
    first = backend.prepare(small_model(), dim_bounds={"batch": 8}, target="aarch64")
    calls: list[object] = []
    real = driver.compile_model
    monkeypatch.setattr(driver, "compile_model", lambda *a, **k: calls.append(1) or real(*a, **k))
    second = backend.prepare(small_model(), dim_bounds={"batch": 8}, target="aarch64")
    assert calls == [], "the second aarch64 prepare compiled"
    assert set(second.artifacts.files) == {"exe"}
    assert np.array_equal(first.run([X])[0], second.run([X])[0])
