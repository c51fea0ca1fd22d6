"""Bad input of every kind: one clear message, a non-zero exit, no traceback, no temp files left.

Complements tests/test_errors.py (truncated model, missing file, unsupported ops, malformed IR,
unknown passes, inconsistent shapes, no clang, wrong inputs at run): malformed graphs (a cycle,
a dangling input), unsupported input dtypes, zero-size and huge dims, more wrong inputs at run,
NaN and infinities, and files that are not ONNX at all. The tools run in a subprocess, as a user
runs them, with TMPDIR pointed at a fresh directory that must be empty when they fail.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper
from onnx_helpers import (
    assert_matches_onnxruntime,
    assert_outputs_close,
    make_graph_model,
    run_onnxruntime,
    run_opt_fuse,
)
from test_errors import assert_clean_failure

from compiler import api, backend
from compiler.errors import ModelImportError, OptFuseError, RuntimeInputError, ShapeError

ROOT = Path(__file__).resolve().parent.parent


def run_tool(module: str, *args: str, tmp_path: Path, stdin: str | bytes | None = None) -> subprocess.CompletedProcess[str]:
    """Run a tool with its own empty TMPDIR; a failing run must leave nothing there."""
    tmpdir = tmp_path / "tmpdir"
    tmpdir.mkdir(exist_ok=True)
    environment = {**os.environ, "PYTHONPATH": str(ROOT), "TMPDIR": str(tmpdir)}
    data = stdin.encode() if isinstance(stdin, str) else stdin
    result = subprocess.run([sys.executable, "-m", module, *args], check=False, input=data, capture_output=True, env=environment, cwd=ROOT, timeout=300)
    if result.returncode != 0:
        assert not list(tmpdir.iterdir()), f"{module} left {list(tmpdir.iterdir())} in TMPDIR"
    return subprocess.CompletedProcess(result.args, result.returncode, result.stdout.decode(errors="replace"), result.stderr.decode(errors="replace"))


def raw_model(
    nodes: Sequence[onnx.NodeProto],
    inputs: Sequence[onnx.ValueInfoProto],
    outputs: Sequence[str],
    initializers: dict[str, np.ndarray] | None = None,
) -> onnx.ModelProto:
    """A model as written, not checked: the point is that it is malformed."""
    graph = helper.make_graph(
        list(nodes),
        "g",
        list(inputs),
        [helper.make_tensor_value_info(name, TensorProto.FLOAT, None) for name in outputs],
        initializer=[numpy_helper.from_array(v, n) for n, v in (initializers or {}).items()],
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8)


def float_input(name: str, shape: Sequence[int | str]) -> onnx.ValueInfoProto:
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, list(shape))


def save(model: onnx.ModelProto, tmp_path: Path, name: str = "model.onnx") -> str:
    path = tmp_path / name
    onnx.save(model, str(path))
    return str(path)


# --------------------------------------------------------------------------- malformed graphs

X2 = [float_input("x", [2])]
MALFORMED_GRAPHS = {
    "two-node cycle": (
        raw_model([helper.make_node("Relu", ["b"], ["a"], name="A"), helper.make_node("Relu", ["a"], ["b"], name="B")], X2, ["b"]),
        "the graph has a cycle: Relu node 'A' reads 'b' of Relu node 'B', which reads 'a' of 'A'",
    ),
    "self cycle": (
        raw_model([helper.make_node("Add", ["x", "a"], ["a"], name="acc")], X2, ["a"]),
        "the graph has a cycle: Add node 'acc' reads its own output 'a'",
    ),
    "cycle entered from outside": (
        raw_model(
            [
                helper.make_node("Relu", ["x"], ["in"], name="entry"),
                helper.make_node("Add", ["in", "c"], ["a"], name="A"),
                helper.make_node("Relu", ["a"], ["b"], name="B"),
                helper.make_node("Neg", ["b"], ["c"], name="C"),
                helper.make_node("Relu", ["c"], ["y"], name="after"),
            ],
            X2,
            ["y"],
        ),
        "the graph has a cycle: Add node 'A' reads 'c' of Neg node 'C', which reads 'b' of Relu node 'B', which reads 'a' of 'A'",
    ),
    "dangling input": (
        raw_model([helper.make_node("Add", ["x", "ghost"], ["y"], name="the_add")], X2, ["y"]),
        "Add node 'the_add': input 'ghost' is not produced by any node, graph input or initializer",
    ),
    "graph output nothing produces": (
        raw_model([helper.make_node("Relu", ["x"], ["y"], name="r")], X2, ["y", "nowhere"]),
        "graph output 'nowhere' is not produced by any node, graph input or initializer",
    ),
    "value assigned twice": (
        raw_model([helper.make_node("Relu", ["x"], ["y"], name="first"), helper.make_node("Neg", ["x"], ["y"], name="second")], X2, ["y"]),
        "Neg node 'second': output 'y' is also the output of Relu node 'first'",
    ),
}


@pytest.mark.parametrize("case", list(MALFORMED_GRAPHS))
def test_malformed_graph_is_named(case: str, tmp_path: Path) -> None:
    """Reported before anything is built, naming the nodes and values; a cycle neither hangs nor recurses."""
    model, message = MALFORMED_GRAPHS[case]
    with pytest.raises(ModelImportError, match=re.escape(message)):
        backend.prepare(model)
    path = save(model, tmp_path)
    assert_clean_failure(run_tool("tools.opt_fuse", path, tmp_path=tmp_path), message)
    assert_clean_failure(run_tool("tools.compile", path, "-o", str(tmp_path / "out"), tmp_path=tmp_path), message)


def test_debug_shows_the_traceback_of_a_malformed_graph(tmp_path: Path) -> None:
    path = save(MALFORMED_GRAPHS["two-node cycle"][0], tmp_path)
    result = run_tool("tools.opt_fuse", path, "--debug", tmp_path=tmp_path)
    assert result.returncode != 0 and "Traceback" in result.stderr and "ModelImportError" in result.stderr


def test_nodes_out_of_order_are_sorted() -> None:
    """ONNX wants nodes in topological order, but onnxruntime sorts them itself, and so does opt-fuse."""
    nodes = [
        helper.make_node("Add", ["a", "b"], ["y"], name="last"),
        helper.make_node("Relu", ["x"], ["a"], name="first"),
        helper.make_node("Neg", ["a"], ["b"], name="second"),
    ]
    model = raw_model(nodes, [float_input("x", [2, 3])], ["y"])
    x = np.random.default_rng(0).standard_normal((2, 3)).astype(np.float32)
    np.testing.assert_allclose(run_opt_fuse(model, [x])[0], run_onnxruntime(model, [x])[0])


# --------------------------------------------------------------------------- input dtypes


@pytest.mark.parametrize("dtype", ["DOUBLE", "FLOAT16", "BFLOAT16", "UINT16", "UINT64", "COMPLEX64", "STRING"])
def test_unsupported_input_dtype_is_named(dtype: str, tmp_path: Path) -> None:
    elem = getattr(TensorProto, dtype)
    model = raw_model([helper.make_node("Identity", ["x"], ["y"], name="id")], [helper.make_tensor_value_info("x", elem, [2])], ["y"])
    message = f"graph input 'x' has type {dtype}; supported: FLOAT, INT64, INT32, INT8, UINT8, BOOL"
    with pytest.raises(ModelImportError, match=message):
        backend.prepare(model)
    if dtype == "DOUBLE":  # the tools say the same: one of them is enough
        assert_clean_failure(run_tool("tools.compile", save(model, tmp_path), "-o", str(tmp_path / "out"), tmp_path=tmp_path), message)


# --------------------------------------------------------------------------- zero-size dims


def zero_size_model() -> onnx.ModelProto:
    """Tensors with a 0 dim through elementwise ops, a matmul, softmax, concat, a conv, and reductions over no elements."""
    n = helper.make_node
    nodes = [
        n("Relu", ["x"], ["relu"]),
        n("Add", ["x", "b"], ["add"]),
        n("MatMul", ["x", "w"], ["matmul_m0"]),
        n("MatMul", ["e", "w0"], ["matmul_k0"]),  # k = 0: all zeros
        n("Gemm", ["e", "w0", "c4"], ["gemm_k0"]),
        n("Softmax", ["x"], ["softmax"], axis=-1),
        n("Concat", ["x", "t"], ["concat"], axis=0),
        n("ReduceSum", ["e", "axis1"], ["sum_empty"], keepdims=1),
        n("ReduceMax", ["e"], ["max_empty"], axes=[1], keepdims=1),  # -inf
        n("ReduceMin", ["e"], ["min_empty"], axes=[1], keepdims=0),  # +inf
        n("ReduceMean", ["e"], ["mean_empty"], axes=[1], keepdims=1),  # ONNX: undefined; onnxruntime: 0
        n("ReduceProd", ["e"], ["prod_empty"], axes=[1], keepdims=1),
        n("Conv", ["images", "kernel"], ["conv_n0"], kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
        n("MaxPool", ["images"], ["pool_n0"], kernel_shape=[2, 2]),
        n("Pad", ["x", "pads"], ["padded"]),
    ]
    initializers = {
        "b": np.arange(3, dtype=np.float32),
        "w": np.ones((3, 4), np.float32),
        "w0": np.ones((0, 4), np.float32),
        "c4": np.arange(4, dtype=np.float32),
        "t": np.full((2, 3), 7.0, np.float32),
        "axis1": np.array([1], np.int64),
        "kernel": np.ones((3, 2, 3, 3), np.float32),
        "pads": np.array([1, 0, 1, 0], np.int64),
    }
    outputs = [o for node in nodes for o in node.output]
    return make_graph_model(nodes, [("x", [0, 3]), ("e", [2, 0]), ("images", [0, 2, 4, 4])], outputs, initializers, opset=17)


@pytest.mark.parametrize("fuse", [True, False])
def test_zero_size_dims_match_onnxruntime(fuse: bool) -> None:
    model = zero_size_model()
    inputs = [np.zeros((0, 3), np.float32), np.zeros((2, 0), np.float32), np.zeros((0, 2, 4, 4), np.float32)]
    expected = assert_matches_onnxruntime(model, inputs, fuse=fuse)
    assert expected[[o.name for o in model.graph.output].index("mean_empty")].tolist() == [[0.0], [0.0]]


def test_symbolic_dim_of_zero_at_run() -> None:
    """A symbol may be 0 at run time: its reductions are over no elements (the mean of none is 0, as in onnxruntime)."""
    n = helper.make_node
    nodes = [n("ReduceMean", ["x"], ["mean"], axes=[0], keepdims=0), n("ReduceSum", ["x", "axis0"], ["sum"], keepdims=0), n("Relu", ["x"], ["relu"])]
    model = make_graph_model(nodes, [("x", ["batch", 3])], [("mean", [3]), ("sum", [3]), ("relu", ["batch", 3])], {"axis0": np.array([0], np.int64)})
    x = np.zeros((0, 3), np.float32)
    expected = run_onnxruntime(model, [x])
    assert_outputs_close(model, run_opt_fuse(model, [x], dim_bounds={"batch": 4}), expected)


# --------------------------------------------------------------------------- huge dims

LIMIT = "past the limit of 140737488355328 bytes (2**47: 128 TiB"
HUGE = 2**40


def chain_model(shape: Sequence[int | str]) -> onnx.ModelProto:
    """x -> Relu -> Exp -> Add(relu, exp): unfused, two intermediates live at once."""
    n = helper.make_node
    nodes = [n("Relu", ["x"], ["a"], name="relu"), n("Exp", ["a"], ["b"], name="exp"), n("Add", ["a", "b"], ["y"], name="add")]
    return raw_model(nodes, [float_input("x", shape)], ["y"])


HUGE_MODELS = {
    "static input": (chain_model([HUGE, HUGE]), {}, ShapeError, f"shape-infer: @g: input %x: [{HUGE}, {HUGE}] takes 4835703278458516698824704 bytes"),
    "expand": (
        raw_model([helper.make_node("Expand", ["x", "shape"], ["y"], name="expand")], [float_input("x", [1])], ["y"], {"shape": np.array([2**20] * 3, np.int64)}),
        {},
        ShapeError,
        "shape-infer: 'nn.expand' (ONNX node 'expand'): the result [1048576, 1048576, 1048576] takes 4611686018427387904 bytes (4 EiB)",
    ),
    "tile": (
        raw_model([helper.make_node("Tile", ["x", "repeats"], ["y"], name="tile")], [float_input("x", [2, 2])], ["y"], {"repeats": np.array([HUGE, HUGE], np.int64)}),
        {},
        ShapeError,
        "shape-infer: 'nn.tile' (ONNX node 'tile'): the result [2199023255552, 2199023255552]",
    ),
    "tensor past the limit at the bounds": (
        chain_model(["batch", 4]),
        {"dim_bounds": {"batch": 2**46}},
        ShapeError,
        "shape-infer: @g: input %x: [batch, 4] takes 1125899906842624 bytes (1 PiB) at the bounds",
    ),
    "huge bound": (
        chain_model(["batch", 4]),
        {"dim_bounds": {"batch": 2**62}},
        ModelImportError,
        "the bound of 'batch', 4611686018427387904, is past 140737488355328, the most elements a tensor may have",
    ),
    "bound past i64": (
        chain_model(["batch", 4]),
        {"dim_bounds": {"batch": 2**64}},
        ModelImportError,
        "the bound of 'batch', 18446744073709551616, is past 140737488355328",
    ),
    "arena": (
        chain_model([2**44 + 16]),  # each buffer within the limit, the two live together past it
        {"fuse": False},
        OptFuseError,
        "plan-memory: @g: its intermediate buffers need an arena of 140737488355456 bytes",
    ),
}


@pytest.mark.parametrize("case", list(HUGE_MODELS))
def test_huge_tensor_is_refused(case: str) -> None:
    """No size past 2**47 bytes reaches the generated code: its i64 offsets could wrap, and nothing could allocate it."""
    model, options, error, message = HUGE_MODELS[case]
    with pytest.raises(error, match=re.escape(message)) as raised:
        backend.prepare(model, **options)
    assert "140737488355328 bytes (2**47: 128 TiB" in str(raised.value)


def test_huge_tensors_in_the_tools(tmp_path: Path) -> None:
    out = str(tmp_path / "out")
    expand = save(HUGE_MODELS["expand"][0], tmp_path, "expand.onnx")
    assert_clean_failure(run_tool("tools.compile", expand, "-o", out, tmp_path=tmp_path), HUGE_MODELS["expand"][3], LIMIT)
    chain = save(chain_model(["batch", 4]), tmp_path, "chain.onnx")
    result = run_tool("tools.compile", chain, "--dim-bound", f"batch={2**46}", "-o", out, tmp_path=tmp_path)
    assert_clean_failure(result, HUGE_MODELS["tensor past the limit at the bounds"][3], LIMIT)
    result = run_tool("tools.compile", chain, "--dim-bound", f"batch={2**62}", "-o", out, tmp_path=tmp_path)
    assert_clean_failure(result, HUGE_MODELS["huge bound"][3])
    result = run_tool("tools.opt_fuse", chain, "--input-shape", f"x:[n<={2**64},4]", tmp_path=tmp_path)
    assert_clean_failure(result, "the bound of 'n', 18446744073709551616, is past 140737488355328")


def test_folding_a_huge_constant_is_refused(tmp_path: Path) -> None:
    """A node evaluated at import (ConstantOfShape on a constant shape) that cannot be allocated names the node."""
    model = raw_model(
        [helper.make_node("ConstantOfShape", ["shape"], ["c"], name="fill"), helper.make_node("Add", ["x", "c"], ["y"], name="add")],
        [float_input("x", [1])],
        ["y"],
        {"shape": np.array([2**20] * 3, np.int64)},
    )
    with pytest.raises(ModelImportError, match="ConstantOfShape node 'fill': cannot evaluate it at compile time"):
        backend.prepare(model)


T = f"tensor<{HUGE}x{HUGE}xf32>"
HUGE_IR = {
    "lower-to-loops": (
        f"func.func @m(%x: {T}) -> {T} {{\n  %y = nn.relu %x : ({T}) -> {T}\n  func.return %y : {T}\n}}\n",
        f"lower-to-loops: @m: input %x: [{HUGE}, {HUGE}] takes",
    ),
    "plan-memory": (
        "func.func @m(%x: memref<4xf32>) attributes {loop.entry} {\n  %a = loop.alloc : memref<4611686018427387904xf32>\n  func.return\n}\n",
        "plan-memory: @m: its intermediate buffers need an arena of 18446744073709551616 bytes (16 EiB)",
    ),
    "emit-llvm": (
        "func.func @m(%x: memref<4xf32>) attributes {loop.entry} {\n  %a = loop.alloc : memref<4611686018427387904xf32>\n  func.return\n}\n",
        "emit-llvm: memref<4611686018427387904xf32> takes 18446744073709551616 bytes (16 EiB)",
    ),
}


@pytest.mark.parametrize("pass_name", list(HUGE_IR))
def test_huge_buffers_in_ir_text_are_refused(pass_name: str, tmp_path: Path) -> None:
    """IR written at a lower level, past shape-infer's check, meets the same limit in the pass that sizes its buffers."""
    text, message = HUGE_IR[pass_name]
    assert_clean_failure(run_tool("tools.opt_fuse", "-p", pass_name, stdin=text, tmp_path=tmp_path), message, LIMIT)


# --------------------------------------------------------------------------- wrong inputs at run


@pytest.fixture(scope="module")
def add_rep() -> backend.OptFuseRep:
    model = make_graph_model([helper.make_node("Add", ["x", "z"], ["y"])], [("x", [2, 3]), ("z", [2, 3])])
    return backend.prepare(model)


GOOD = np.zeros((2, 3), np.float32)
WRONG_RUNS = {
    "int32 array": ([GOOD.astype(np.int32), GOOD], "input 'x' has dtype int32, expected float32"),
    "int64 array": ([GOOD, GOOD.astype(np.int64)], "input 'z' has dtype int64, expected float32"),
    "float16 array": ([GOOD, GOOD.astype(np.float16)], "input 'z' has dtype float16, expected float32"),
    "bool array": ([GOOD.astype(bool), GOOD], "input 'x' has dtype bool, expected float32"),
    "nested list": ([GOOD, GOOD.tolist()], "input 'z' must be a numpy array, got list"),
    "numpy scalar": ([GOOD, np.float32(1.0)], r"input 'z' has shape \[\], expected \[2, 3\]"),
    "wrong rank": ([GOOD[None], GOOD], r"input 'x' has shape \[1, 2, 3\], expected \[2, 3\]"),
    "no inputs": ([], r"expected 2 input\(s\) \(x, z\), got 0"),
    "too few": ([GOOD], r"expected 2 input\(s\) \(x, z\), got 1"),
    "None": (None, r"inputs must be a list or tuple of numpy arrays in graph-input order \(x, z\), got NoneType"),
    "dict": ({"x": GOOD, "z": GOOD}, "inputs must be a list or tuple of numpy arrays in graph-input order .*, got dict"),
    "string": ("xz", "inputs must be a list or tuple of numpy arrays .*, got str"),
}


@pytest.mark.parametrize("case", list(WRONG_RUNS))
def test_wrong_inputs_at_run(case: str, add_rep: backend.OptFuseRep) -> None:
    inputs, message = WRONG_RUNS[case]
    with pytest.raises(RuntimeInputError, match=message):
        add_rep.run(inputs)


def test_a_tuple_of_inputs_runs(add_rep: backend.OptFuseRep) -> None:
    np.testing.assert_array_equal(add_rep.run((GOOD + 1, GOOD + 2))[0], GOOD + 3)


def test_results_are_written_into_given_outputs(add_rep: backend.OptFuseRep) -> None:
    out = np.full((2, 3), np.nan, np.float32)
    for step in range(3):  # reused run after run, as a serving loop would
        results = add_rep.run([GOOD + step, GOOD + 2], outputs=[out])
        assert results[0] is out
        np.testing.assert_array_equal(out, GOOD + step + 2)


X = GOOD + 1
WRONG_OUTPUTS = {
    "too many": (lambda: [np.empty((2, 3), np.float32)] * 2, r"outputs must be a list of 1 numpy array\(s\) \(y\)"),
    "not a list": (lambda: np.empty((2, 3), np.float32), r"outputs must be a list of 1 numpy array\(s\) \(y\)"),
    "nested list": (lambda: [GOOD.tolist()], "output 'y' must be a numpy array, got list"),
    "wrong shape": (lambda: [np.empty((3, 2), np.float32)], r"output 'y' is float32 \[3, 2\], expected float32 \[2, 3\]"),
    "wrong dtype": (lambda: [np.empty((2, 3), np.float64)], r"output 'y' is float64 \[2, 3\], expected float32 \[2, 3\]"),
    "strided": (lambda: [np.empty((3, 2), np.float32).T], "output 'y' must be C-contiguous and writable"),
    "read-only": (lambda: [np.broadcast_to(np.float32(0), (2, 3))], "output 'y' must be C-contiguous and writable"),
    "an input": (lambda: [X], "output 'y' shares memory with an input or another output"),
}


@pytest.mark.parametrize("case", list(WRONG_OUTPUTS))
def test_wrong_outputs_at_run(case: str, add_rep: backend.OptFuseRep) -> None:
    outputs, message = WRONG_OUTPUTS[case]
    with pytest.raises(RuntimeInputError, match=message):
        add_rep.run([X, GOOD], outputs=outputs())


def test_given_outputs_take_the_symbols_sizes() -> None:
    """With a symbolic dim, the outputs' shapes are the ones this run's inputs give."""
    model = make_graph_model([helper.make_node("Relu", ["x"], ["y"])], [("x", ["n", 3])])
    rep = backend.prepare(model, dim_bounds={"n": 8})
    x = np.arange(-6, 6, dtype=np.float32).reshape(4, 3)
    out = np.empty((4, 3), np.float32)
    assert rep.run([x], outputs=[out])[0] is out
    np.testing.assert_array_equal(out, np.maximum(x, 0))
    with pytest.raises(RuntimeInputError, match=r"output 'y' is float32 \[8, 3\], expected float32 \[4, 3\]"):
        rep.run([x], outputs=[np.empty((8, 3), np.float32)])


# --------------------------------------------------------------------------- NaN and infinities

SPECIALS = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 1.5, -2.0, 0.25], np.float32)
"""No value large enough for a product to overflow: there, results depend on whether a multiply-add
is fused (onnxruntime's MLAS uses FMA: fma(-2, 3e38, inf) = inf; a rounded product -inf plus inf is
NaN), which is rounding, not NaN propagation."""
SHAPE = [2, 3, 4, 4]


def special_inputs() -> list[np.ndarray]:
    rng = np.random.default_rng(7)
    x, z, w = (rng.choice(SPECIALS, size=SHAPE).astype(np.float32) for _ in range(3))
    x[0, 0, 0, :] = -np.inf  # a row and a pooling window of -inf only
    x[0, 0, 1, :2] = -np.inf
    x[0, 1, 2, :] = [1.0, np.nan, 2.0, 0.5]  # NaN inside a row, not first
    x[0, 1, 3, :] = [1.0, 2.0, 3.0, 0.5]  # no special value
    return [x, z, w]


def special_values_model() -> onnx.ModelProto:
    n = helper.make_node
    nodes = [
        n("Relu", ["x"], ["relu"]),
        n("Max", ["x", "z"], ["max2"]),
        n("Min", ["x", "z"], ["min2"]),
        n("Max", ["x", "z", "w"], ["max3"]),
        n("Min", ["w", "x", "z"], ["min3"]),
        n("Clip", ["x", "lo", "hi"], ["clip"]),
        n("Clip", ["x", "lo"], ["clip_min_only"]),  # the absent max is FLT_MAX: inf -> 3.4028235e+38
        n("Clip", ["x", "", "hi"], ["clip_max_only"]),
        n("Clip", ["x"], ["clip_none"]),
        n("Sigmoid", ["x"], ["sigmoid"]),
        n("Tanh", ["x"], ["tanh"]),
        n("Exp", ["x"], ["exp"]),
        n("Softmax", ["x"], ["softmax"], axis=-1),
        n("Add", ["x", "z"], ["add"]),
        n("MatMul", ["x", "z"], ["matmul"]),
        n("Add", ["relu", "z"], ["relu_add"]),  # something to fuse with
        n("Sigmoid", ["max2"], ["max_sigmoid"]),
        n("ReduceMax", ["x"], ["reduce_max"], axes=[3], keepdims=0),
        n("MaxPool", ["x"], ["max_pool"], kernel_shape=[2, 2], strides=[2, 2]),
    ]
    initializers = {"lo": np.array(-1.0, np.float32), "hi": np.array(1.0, np.float32)}
    outputs = [o for node in nodes for o in node.output]
    return make_graph_model(nodes, [("x", SHAPE), ("z", SHAPE), ("w", SHAPE)], outputs, initializers)


NUMPY_REFERENCE = ("reduce_max", "max_pool")
"""Outputs compared with numpy rather than onnxruntime: onnxruntime's ReduceMax and MaxPool
treat NaN by position (1.31: ReduceMax of [nan, 1, 2, 3] is nan but of [1, nan, 2, 3] is 2;
MaxPool's window [nan, 1, 2, 3] gives 3 but [1, 2, 3, nan] gives nan). opt-fuse propagates NaN
as its Max op, numpy's max and onnxruntime's Max do: a NaN anywhere makes the result NaN. The
max of -infs is -inf for ReduceMax; MaxPool starts, as onnxruntime's does, from the lowest finite
float32, so a window of -infs gives -3.4028235e+38."""


def numpy_reference(x: np.ndarray) -> dict[str, np.ndarray]:
    windows = x.reshape(2, 3, 2, 2, 2, 2).transpose(0, 1, 2, 4, 3, 5).reshape(2, 3, 2, 2, 4)
    lowest = np.finfo(np.float32).min
    return {"reduce_max": np.max(x, axis=3), "max_pool": np.maximum(np.max(windows, axis=-1), lowest)}  # np.maximum keeps NaN


@pytest.mark.parametrize("fuse", [True, False])
def test_nan_and_inf_propagate_as_in_onnxruntime(fuse: bool) -> None:
    model = special_values_model()
    inputs = special_inputs()
    names = [o.name for o in model.graph.output]
    expected = run_onnxruntime(model, inputs)
    actual = run_opt_fuse(model, inputs, fuse=fuse)
    reference = numpy_reference(inputs[0])
    for name, got, want in zip(names, actual, expected):
        want = reference.get(name, want)
        # assert_allclose wants NaN where and only where the reference has it, and infinities equal
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6, err_msg=f"output {name!r} (fuse={fuse})")
    clipped = actual[names.index("clip_min_only")]
    assert np.max(clipped[np.isfinite(clipped)]) == np.finfo(np.float32).max  # inf -> FLT_MAX, as ONNX's default says
    assert np.isnan(actual[names.index("reduce_max")][0, 1, 2]) and actual[names.index("reduce_max")][0, 0, 0] == -np.inf
    assert actual[names.index("max_pool")][0, 0, 0, 0] == np.finfo(np.float32).min  # the window of -infs


# --------------------------------------------------------------------------- files that are not ONNX


NOT_ONNX = {
    "random.onnx": (np.random.default_rng(0).integers(0, 256, 1000, dtype=np.uint8).tobytes(), "malformed ONNX model (1000 bytes)"),
    "empty.onnx": (b"", "malformed ONNX model: it is empty (0 bytes)"),
    "text.onnx": (b"this is not a model\n", "malformed ONNX model (20 bytes)"),
}


@pytest.mark.parametrize("name", list(NOT_ONNX))
def test_a_file_that_is_not_onnx(name: str, tmp_path: Path) -> None:
    data, message = NOT_ONNX[name]
    path = tmp_path / name
    path.write_bytes(data)
    assert_clean_failure(run_tool("tools.opt_fuse", str(path), tmp_path=tmp_path), message)
    assert_clean_failure(run_tool("tools.compile", str(path), "-o", str(tmp_path / "out"), tmp_path=tmp_path), message)
    with pytest.raises(ModelImportError, match=re.escape(message)):
        backend.prepare(str(path))
    with pytest.raises(ModelImportError, match=re.escape(message)):
        backend.prepare(data)


def test_binary_file_given_as_ir_text(tmp_path: Path) -> None:
    """Anything not named .onnx or .onnxtxt is read as IR text; bytes that are not UTF-8 say so."""
    path = tmp_path / "model.bin"
    path.write_bytes(NOT_ONNX["random.onnx"][0])
    message = "is not UTF-8); an ONNX model must be named *.onnx"
    assert_clean_failure(run_tool("tools.opt_fuse", str(path), tmp_path=tmp_path), f"{path}: not IR text (the byte at offset", message)
    assert_clean_failure(run_tool("tools.opt_fuse", stdin=NOT_ONNX["random.onnx"][0], tmp_path=tmp_path), "<stdin>: not IR text", message)
    with pytest.raises(OptFuseError, match="not IR text"):
        api.load(path)


def test_failed_prepare_leaves_no_temporary_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    for model, options in ((MALFORMED_GRAPHS["two-node cycle"][0], {}), (HUGE_MODELS["arena"][0], {"fuse": False})):
        with pytest.raises(OptFuseError):
            backend.prepare(model, **options)
    assert not list(tmp_path.iterdir())
