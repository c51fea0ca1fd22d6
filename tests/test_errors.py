"""Bad input gets one clear message and a non-zero exit, never a traceback.

Each case runs the real command-line tools in a subprocess (as a user would)
or the backend API, and checks the message names what is wrong.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper

from compiler import backend
from compiler.errors import ModelImportError, OptFuseError, RuntimeInputError

ROOT = Path(__file__).resolve().parent.parent
CNN = ROOT / "examples" / "cnn.onnx"


def run_tool(module: str, *args: str, stdin: str | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", module, *args], input=stdin, capture_output=True, text=True, env=environment, cwd=ROOT, timeout=300
    )


def assert_clean_failure(result: subprocess.CompletedProcess[str], *fragments: str) -> None:
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    assert result.stderr.count("error:") == 1, result.stderr
    for fragment in fragments:
        assert fragment in result.stderr, result.stderr


def two_unsupported_ops_model() -> onnx.ModelProto:
    nodes = [
        helper.make_node("Relu", ["x"], ["a"], name="relu0"),
        helper.make_node("Hardmax", ["a"], ["b"], name="hardmax1"),
        helper.make_node("Hardmax", ["b"], ["y"], name="hardmax2"),
    ]
    graph = helper.make_graph(
        nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3])], [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 3])]
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def test_truncated_onnx(tmp_path: Path) -> None:
    truncated = tmp_path / "truncated.onnx"
    truncated.write_bytes(CNN.read_bytes()[:300])
    assert_clean_failure(run_tool("tools.opt_fuse", str(truncated)), "malformed ONNX model")
    assert_clean_failure(run_tool("tools.compile", str(truncated), "-o", str(tmp_path)), "malformed ONNX model")


def test_missing_model_file(tmp_path: Path) -> None:
    assert_clean_failure(run_tool("tools.compile", str(tmp_path / "nope.onnx")), "cannot read ONNX model")


def test_unsupported_ops_are_all_named(tmp_path: Path) -> None:
    path = tmp_path / "unsupported.onnx"
    onnx.save(two_unsupported_ops_model(), str(path))
    result = run_tool("tools.opt_fuse", str(path))
    assert_clean_failure(result, "2 unsupported op(s)", "Hardmax (node 'hardmax1'", "Hardmax (node 'hardmax2'")
    with pytest.raises(ModelImportError, match="hardmax1"):
        backend.prepare(two_unsupported_ops_model())


def test_malformed_ir_text_has_line_and_column() -> None:
    text = "func.func @f(%x: tensor<2xf32>) {\n  %y = nn.relu %x : (tensor<2xf32>) -> \n}\n"
    result = run_tool("tools.opt_fuse", "-", stdin=text)
    assert_clean_failure(result, "<stdin>:3:1")


def test_unknown_pass_and_bad_option() -> None:
    ir = "func.func @f() {\n  func.return\n}\n"
    assert_clean_failure(run_tool("tools.opt_fuse", "-p", "builtin.module(shape-infr)", stdin=ir), "unknown pass 'shape-infr'", "shape-infer")
    assert_clean_failure(run_tool("tools.opt_fuse", "-p", "emit-llvm{tarket=x86_64}", stdin=ir), "unknown option 'tarket'")
    assert_clean_failure(run_tool("tools.opt_fuse", "-p", "builtin.module(cse", stdin=ir), "malformed pass pipeline")


def test_inconsistent_shapes_name_the_onnx_node(tmp_path: Path) -> None:
    node = helper.make_node("Add", ["a", "b"], ["y"], name="the_add")
    graph = helper.make_graph(
        [node],
        "g",
        [helper.make_tensor_value_info("a", TensorProto.FLOAT, [2, 3]), helper.make_tensor_value_info("b", TensorProto.FLOAT, [4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
    )
    path = tmp_path / "bad_add.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), str(path))
    result = run_tool("tools.opt_fuse", str(path), "-p", "builtin.module(shape-infer)")
    assert_clean_failure(result, "'nn.add' (ONNX node 'the_add')", "[2, 3] and [4] cannot be broadcast")


def test_no_clang_found(tmp_path: Path) -> None:
    """With no clang on PATH, no $CC and no ziglang package, the compile driver says how to get one."""
    script = "import sys; sys.modules['ziglang'] = None; from tools.compile import main; sys.exit(main(sys.argv[1:]))"
    environment = {**os.environ, "PYTHONPATH": str(ROOT), "PATH": str(tmp_path), "CC": ""}
    result = subprocess.run(
        [sys.executable, "-c", script, str(CNN), "-o", str(tmp_path)], capture_output=True, text=True, env=environment, timeout=300
    )
    assert_clean_failure(result, "no usable clang", "apt-get install clang")


def test_debug_flag_shows_the_traceback(tmp_path: Path) -> None:
    truncated = tmp_path / "truncated.onnx"
    truncated.write_bytes(b"\x08\x01\x12")
    result = run_tool("tools.opt_fuse", str(truncated), "--debug")
    assert result.returncode != 0 and "Traceback" in result.stderr


def test_bound_of_an_unknown_symbol_is_refused(tmp_path: Path) -> None:
    result = run_tool("tools.compile", str(CNN), "--dim-bound", "batch=8", "-o", str(tmp_path))
    assert_clean_failure(result, "a bound is given for 'batch', which is not a symbolic dim of the model's inputs")


def test_malformed_shape_spec_is_refused(tmp_path: Path) -> None:
    result = run_tool("tools.compile", str(CNN), "--input-shape", "image:[n<=,3,16,16]", "-o", str(tmp_path))
    assert_clean_failure(result, "--input-shape 'image:[n<=,3,16,16]': unexpected input at column")


@pytest.fixture(scope="module")
def cnn_rep() -> backend.OptFuseRep:
    return backend.prepare(onnx.load(str(CNN)))


def test_wrong_inputs_at_run(cnn_rep: backend.OptFuseRep) -> None:
    good = np.zeros((1, 3, 16, 16), np.float32)
    with pytest.raises(RuntimeInputError, match=r"input 'image' has shape \[1, 3, 16, 15\], expected \[1, 3, 16, 16\]"):
        cnn_rep.run([good[..., :15]])
    with pytest.raises(RuntimeInputError, match="input 'image' has dtype float64, expected float32"):
        cnn_rep.run([good.astype(np.float64)])
    with pytest.raises(RuntimeInputError, match=r"expected 1 input\(s\) \(image\), got 2"):
        cnn_rep.run([good, good])
    with pytest.raises(RuntimeInputError, match="must be a numpy array"):
        cnn_rep.run([good.tolist()])


def test_non_contiguous_input_is_accepted(cnn_rep: backend.OptFuseRep) -> None:
    wide = np.random.default_rng(0).standard_normal((1, 3, 16, 32)).astype(np.float32)
    view = wide[..., ::2]
    assert not view.flags.c_contiguous
    np.testing.assert_array_equal(cnn_rep.run([view])[0], cnn_rep.run([np.ascontiguousarray(view)])[0])


@pytest.mark.parametrize("num_threads", [0, -2, 2.0, "4"])
def test_a_bad_thread_count_is_one_error(num_threads: object) -> None:
    """num_threads is an int >= 1 (tests/test_threads.py runs models on 2 threads)."""
    with pytest.raises(OptFuseError, match=r"^num_threads must be an integer from 1 to 256 \(the threads a model's parallel loops run on\)"):
        backend.prepare(onnx.load(str(CNN)), num_threads=num_threads)  # type: ignore[arg-type]


def test_unknown_device_and_option() -> None:
    with pytest.raises(ValueError, match="device 'CUDA'"):
        backend.prepare(onnx.load(str(CNN)), device="CUDA")
    with pytest.raises(TypeError, match="unknown option"):
        backend.prepare(onnx.load(str(CNN)), fusion=False)
    assert backend.supports_device("CPU") and not backend.supports_device("CUDA")
