"""Bound shape inference end to end: one library per model, compiled at the bounds,
run at every size up to them, equal to onnxruntime at each (DESIGN.md principle 3).

The encoder is the transformer of test_modern_exports with `batch` and `seq`
symbolic: its Shape -> Gather -> Concat -> Reshape subgraphs compute the heads'
shape from the symbols, its softmax reduces over `seq`. The MLP has a symbolic
batch only. A size past a bound, or two inputs that disagree on a symbol, is a
clear error before any native code runs.
"""

from __future__ import annotations

import ctypes

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper
from onnx_helpers import assert_outputs_close, run_onnxruntime
from test_modern_exports import TRANSFORMER, with_random_weights

from compiler import backend
from compiler.errors import RuntimeInputError
from dialects.dims import symbol

ENCODER = TRANSFORMER.replace("float[2, 8, 16] x", "float[batch, seq, 16] x").replace("float[2, 8, 16] y", "float[batch, seq, 16] y")
ENCODER_BOUNDS = {"batch": 8, "seq": 8}
ENCODER_SIZES = [(1, 8), (3, 5), (8, 8), (2, 1)]


def encoder() -> onnx.ModelProto:
    return with_random_weights(ENCODER)


def mlp() -> onnx.ModelProto:
    """Dense -> Relu -> Dense -> Softmax over a symbolic batch."""
    rng = np.random.default_rng(1)
    weights = {
        "w1": rng.standard_normal((16, 32)).astype(np.float32) / 4,
        "b1": rng.standard_normal(32).astype(np.float32),
        "w2": rng.standard_normal((32, 10)).astype(np.float32) / 6,
    }
    nodes = [
        helper.make_node("MatMul", ["x", "w1"], ["h"]),
        helper.make_node("Add", ["h", "b1"], ["hb"]),
        helper.make_node("Relu", ["hb"], ["r"]),
        helper.make_node("MatMul", ["r", "w2"], ["logits"]),
        helper.make_node("Softmax", ["logits"], ["y"], axis=-1),
    ]
    graph = helper.make_graph(
        nodes,
        "mlp",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 16])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 10])],
        [numpy_helper.from_array(a, n) for n, a in weights.items()],
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8)


@pytest.fixture(scope="module", params=[True, False], ids=["fused", "unfused"])
def compiled_encoder(request: pytest.FixtureRequest) -> tuple[onnx.ModelProto, backend.OptFuseRep]:
    model = encoder()
    return model, backend.prepare(model, fuse=request.param, dim_bounds=ENCODER_BOUNDS)


@pytest.mark.parametrize("batch, seq", ENCODER_SIZES)
def test_encoder_compiled_once_runs_at_every_size(compiled_encoder: tuple[onnx.ModelProto, backend.OptFuseRep], batch: int, seq: int) -> None:
    model, rep = compiled_encoder
    x = np.random.default_rng(batch * 10 + seq).standard_normal((batch, seq, 16)).astype(np.float32)
    actual = rep.run([x])
    assert actual[0].shape == (batch, seq, 16)
    assert_outputs_close(model, actual, run_onnxruntime(model, [x]), rtol=1e-3, atol=1e-4, context=f"batch={batch} seq={seq}")


def test_encoder_refuses_sizes_past_the_bounds(compiled_encoder: tuple[onnx.ModelProto, backend.OptFuseRep]) -> None:
    _, rep = compiled_encoder
    with pytest.raises(RuntimeInputError, match=r"input 'x' has batch = 9 \(dim 0\), past its bound 8"):
        rep.run([np.zeros((9, 4, 16), np.float32)])
    with pytest.raises(RuntimeInputError, match=r"seq = 12 \(dim 1\), past its bound 8"):
        rep.run([np.zeros((2, 12, 16), np.float32)])
    with pytest.raises(RuntimeInputError, match=r"has shape \[2, 4, 15\], expected \[batch, seq, 16\]"):
        rep.run([np.zeros((2, 4, 15), np.float32)])


@pytest.mark.parametrize("fuse", [True, False], ids=["fused", "unfused"])
def test_mlp_at_batch_1_3_8_and_past_the_bound(fuse: bool) -> None:
    model = mlp()
    rep = backend.prepare(model, fuse=fuse, dim_bounds={"batch": 8})
    for batch in (1, 3, 8):
        x = np.random.default_rng(batch).standard_normal((batch, 16)).astype(np.float32)
        assert_outputs_close(model, rep.run([x]), run_onnxruntime(model, [x]), rtol=1e-4, atol=1e-5, context=f"batch={batch}")
    assert rep.run([np.zeros((0, 16), np.float32)])[0].shape == (0, 10)
    with pytest.raises(RuntimeInputError, match="past its bound 8; the model was compiled for batch <= 8"):
        rep.run([np.zeros((9, 16), np.float32)])


def test_native_entry_refuses_a_symbol_past_its_bound() -> None:
    """A C caller gets status 1, not an overrun of the buffers planned at the bound."""
    rep = backend.prepare(mlp(), dim_bounds={"batch": 8})
    entry = getattr(ctypes.CDLL(str(rep.artifacts.files["so"])), rep.artifacts.signature.entry)
    entry.restype = ctypes.c_int
    entry.argtypes = [ctypes.c_int64, ctypes.c_void_p, ctypes.c_void_p]
    x, y = np.zeros((16, 16), np.float32), np.zeros((16, 10), np.float32)
    for batch, status in ((8, 0), (9, 1), (-1, 1)):
        assert entry(batch, x.ctypes.data, y.ctypes.data) == status, f"batch={batch}"


def test_symbols_must_agree_between_inputs() -> None:
    graph = helper.make_graph(
        [helper.make_node("Add", ["a", "b"], ["y"])],
        "two_inputs",
        [helper.make_tensor_value_info(n, TensorProto.FLOAT, ["n", 4]) for n in ("a", "b")],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n", 4])],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8)
    rep = backend.prepare(model, dim_bounds={"n": 4})
    a, b = np.ones((3, 4), np.float32), np.full((3, 4), 2.0, np.float32)
    np.testing.assert_array_equal(rep.run([a, b])[0], a + b)
    with pytest.raises(RuntimeInputError, match=r"input 'b' has n = 2 \(dim 0\), but an earlier input has n = 3"):
        rep.run([a, b[:2]])


def test_random_sizes_equal_a_compile_specialised_to_them() -> None:
    """Property: within the bounds, the bound library computes what a static compile computes."""
    model = encoder()
    general = backend.prepare(model, dim_bounds=ENCODER_BOUNDS)
    rng = np.random.default_rng(2024)
    for _ in range(3):
        batch, seq = (int(rng.integers(1, ENCODER_BOUNDS[s] + 1)) for s in ("batch", "seq"))
        x = rng.standard_normal((batch, seq, 16)).astype(np.float32)
        static = backend.prepare(model, input_shapes={"x": (batch, seq, 16)})
        np.testing.assert_allclose(general.run([x])[0], static.run([x])[0], rtol=1e-5, atol=1e-6, err_msg=f"batch={batch} seq={seq}")


def test_symbolic_input_shape_override_of_a_static_model() -> None:
    """A static export made dynamic from outside: `input_shapes` names the batch dim."""
    model = mlp()
    model.graph.input[0].type.tensor_type.shape.dim[0].dim_value = 1
    rep = backend.prepare(model, dim_bounds={"b": 4}, input_shapes={"x": (symbol("b"), 16)})
    x = np.random.default_rng(0).standard_normal((1, 16)).astype(np.float32)
    assert_outputs_close(model, rep.run([x]), run_onnxruntime(model, [x]), rtol=1e-4, atol=1e-5, context="b=1")
    assert rep.run([np.zeros((4, 16), np.float32)])[0].shape == (4, 10)
