"""QuantizeLinear, DequantizeLinear and LpNormalization against onnxruntime, fused and unfused.

The cases aim at what a quantizer gets wrong: per-tensor (a scalar or a 1-element
scale) against per-axis (axis 0, 1, -1), int8 and uint8 with and without a zero
point, ties at .5 (round half to even, of x / scale: onnxruntime divides), values
far outside the quantized range (saturation at both ends, infinities included),
and the opset forms 10/13/19/21. LpNormalization covers p 1 and 2, each axis, and
zero rows (onnxruntime gives zeros, also where x*x underflows). fold-constants
computes the same values from the same scalar semantics: every case is also folded.
"""

from __future__ import annotations

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper
from onnx_helpers import (
    assert_matches_onnxruntime,
    assert_outputs_close,
    fold_with_constant_inputs,
    ir_version_for,
    random_array,
    random_inputs,
    run_onnxruntime,
)

from compiler import backend, onnx_importer
from compiler.context import make_context
from compiler.driver import run_pipeline
from compiler.errors import OptFuseError
from compiler.ir_text import parse_ir, print_ir
from dialects import nn

I8, U8, I32, F32 = TensorProto.INT8, TensorProto.UINT8, TensorProto.INT32, TensorProto.FLOAT
FULL_RANGE = {I8: "range:-128:128", U8: "range:0:256", I32: "range:-100000:100000"}



def graph_model(nodes, inputs, outputs, initializers=None, opset=13) -> onnx.ModelProto:
    """A checked model; `inputs` and `outputs` are (name, shape, element type)."""
    graph = helper.make_graph(
        nodes,
        "quantize",
        [helper.make_tensor_value_info(n, t, list(s)) for n, s, t in inputs],
        [helper.make_tensor_value_info(n, t, list(s)) for n, s, t in outputs],
        initializer=[numpy_helper.from_array(np.asarray(v), n) for n, v in (initializers or {}).items()],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], ir_version=ir_version_for(opset))
    onnx.checker.check_model(model, full_check=True)
    return model


def quantize_model(op, x_type, y_type, shape, scale, zero_point=None, axis=None, opset=13, **attrs) -> onnx.ModelProto:
    initializers = {"scale": np.asarray(scale, np.float32)}
    if zero_point is not None:
        initializers["zero_point"] = zero_point
    if axis is not None:
        attrs["axis"] = axis
    node = helper.make_node(op, ["x", *initializers], ["y"], **attrs)
    return graph_model([node], [("x", shape, x_type)], [("y", shape, y_type)], initializers, opset)


def check(model, inputs, rtol=0.0, atol=0.0) -> None:
    for fuse in (True, False):
        assert_matches_onnxruntime(model, inputs, rtol=rtol, atol=atol, fuse=fuse)




def check_folded(model, inputs, rtol=0.0, atol=0.0) -> None:
    assert_outputs_close(model, fold_with_constant_inputs(model, inputs), run_onnxruntime(model, inputs), rtol=rtol, atol=atol, context="folded")


# --------------------------------------------------------------------------- DequantizeLinear

DQ_CASES = [
    # id, x type, shape, scale, zero point, axis, opset
    ("i8-tensor-zp", I8, [2, 3, 4], np.float32(0.05), np.int8(-7), None, 13),
    ("i8-tensor-no-zp", I8, [2, 3, 4], np.float32(0.5), None, None, 13),
    ("u8-tensor-zp", U8, [2, 3, 4], np.float32(0.02), np.uint8(128), None, 13),
    ("u8-tensor-no-zp", U8, [5, 4], np.float32(3.0), None, None, 13),
    ("i8-one-element-scale", I8, [3, 4], np.array([0.1], np.float32), np.array([5], np.int8), None, 13),
    ("u8-opset10", U8, [3, 4], np.float32(0.1), np.uint8(10), None, 10),
    ("i8-opset10", I8, [3, 4], np.float32(0.1), np.int8(-10), None, 10),
    ("i8-opset19", I8, [3, 4], np.float32(0.1), np.int8(10), None, 19),
    ("i8-opset21", I8, [3, 4], np.float32(0.1), np.int8(10), None, 21),
    ("i8-axis0", I8, [3, 4, 2], np.array([0.5, 0.25, 2.0], np.float32), np.array([1, -2, 127], np.int8), 0, 13),
    ("i8-axis1-default", I8, [2, 4, 3], np.array([0.5, 0.25, 2.0, 0.1], np.float32), np.array([0, -128, 3, 4], np.int8), None, 13),
    ("i8-axis-1-no-zp", I8, [2, 3, 4], np.array([0.5, 0.25, 2.0, 0.1], np.float32), None, -1, 13),
    ("u8-axis-1", U8, [2, 3, 4], np.array([0.5, 0.25, 2.0, 0.1], np.float32), np.array([0, 255, 3, 128], np.uint8), -1, 13),
    ("u8-axis1-no-zp", U8, [2, 4, 3], np.array([0.5, 0.25, 2.0, 0.1], np.float32), None, 1, 13),
    ("i8-axis0-opset21", I8, [3, 4], np.array([0.5, 0.25, 2.0], np.float32), np.array([1, -2, 3], np.int8), 0, 21),
    ("i32-tensor", I32, [3, 4], np.float32(0.001), None, None, 13),
    ("i32-tensor-zp", I32, [3, 4], np.float32(0.001), np.int32(-3), None, 13),
    ("i32-axis1", I32, [3, 4], np.array([0.5, 0.25, 2.0, 0.1], np.float32), np.array([0, 0, 0, 0], np.int32), 1, 13),
]


def dq_model(x_type, shape, scale, zero_point, axis, opset):
    return quantize_model("DequantizeLinear", x_type, F32, shape, scale, zero_point, axis, opset)


def dq_params() -> list:
    return [pytest.param(*c[1:], id=c[0]) for c in DQ_CASES]


@pytest.mark.parametrize("x_type, shape, scale, zero_point, axis, opset", dq_params())
def test_dequantize_linear(x_type, shape, scale, zero_point, axis, opset):
    model = dq_model(x_type, shape, scale, zero_point, axis, opset)
    check(model, random_inputs(model, seed=0, kinds={"x": FULL_RANGE[x_type]}))


@pytest.mark.parametrize("x_type, shape, scale, zero_point, axis, opset", dq_params())
def test_dequantize_linear_folds(x_type, shape, scale, zero_point, axis, opset):
    model = dq_model(x_type, shape, scale, zero_point, axis, opset)
    check_folded(model, random_inputs(model, seed=0, kinds={"x": FULL_RANGE[x_type]}))


def test_dequantize_linear_extremes():
    """-128 and 127 against zero points at the other end: the difference needs more than 8 bits."""
    model = dq_model(I8, [4], np.array([1.0, 1.0, 0.5, 0.5], np.float32), np.array([127, -128, 127, -128], np.int8), 0, 13)
    inputs = [np.array([-128, 127, -128, 127], np.int8)]
    check(model, inputs)
    check_folded(model, inputs)


# --------------------------------------------------------------------------- QuantizeLinear

TIES = np.array([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 3.5, -3.5, 126.5, 127.5, -127.5, -128.5], np.float32)


def _division_sensitive(scale: np.float32, count: int) -> np.ndarray:
    """Values (ties of x / scale and their neighbours one ulp away) where rint(x / scale) differs
    from rint(x * (1 / scale)): only a division gets them right."""
    ties = ((np.arange(-120, 120, dtype=np.float32) + np.float32(0.5)) * scale).astype(np.float32)
    x = np.concatenate([ties, np.nextafter(ties, np.float32(np.inf)), np.nextafter(ties, np.float32(-np.inf))])
    differ = np.rint(x / scale) != np.rint(x * (np.float32(1) / scale))
    found = x[differ][:count]
    assert found.size, "no value tells division from multiplication by the reciprocal"
    return found


Q_CASES = [
    # id, output type, shape, scale, zero point, axis, opset, attrs
    ("i8-tensor-zp", I8, [2, 3, 4], np.float32(0.05), np.int8(-7), None, 13, {}),
    ("i8-tensor-zp0", I8, [2, 3, 4], np.float32(0.05), np.int8(0), None, 13, {}),
    ("u8-tensor-zp", U8, [2, 3, 4], np.float32(0.02), np.uint8(128), None, 13, {}),
    ("u8-tensor-no-zp", U8, [5, 4], np.float32(0.01), None, None, 13, {}),
    ("i8-one-element-scale", I8, [3, 4], np.array([0.1], np.float32), np.array([5], np.int8), None, 13, {}),
    ("u8-opset10", U8, [3, 4], np.float32(0.1), np.uint8(10), None, 10, {}),
    ("i8-opset10", I8, [3, 4], np.float32(0.1), np.int8(-10), None, 10, {}),
    ("i8-opset19-saturate", I8, [3, 4], np.float32(0.1), np.int8(10), None, 19, {"saturate": 1}),
    ("i8-opset21", I8, [3, 4], np.float32(0.1), np.int8(10), None, 21, {}),
    ("i8-opset21-output-dtype", I8, [3, 4], np.float32(0.01), None, None, 21, {"output_dtype": I8}),
    ("u8-opset21-output-dtype", U8, [3, 4], np.float32(0.01), None, None, 21, {"output_dtype": U8}),
    ("i8-axis0", I8, [3, 4, 2], np.array([0.5, 0.025, 2.0], np.float32), np.array([1, -2, 127], np.int8), 0, 13, {}),
    ("i8-axis1-default", I8, [2, 4, 3], np.array([0.5, 0.025, 2.0, 0.01], np.float32), np.array([0, -128, 3, 4], np.int8), None, 13, {}),
    ("u8-axis-1", U8, [2, 3, 4], np.array([0.5, 0.025, 2.0, 0.01], np.float32), np.array([0, 255, 3, 128], np.uint8), -1, 13, {}),
    ("u8-axis1-no-zp", U8, [2, 4, 3], np.array([0.5, 0.025, 2.0, 0.01], np.float32), None, 1, 13, {}),
    ("i8-axis1-opset21", I8, [2, 4], np.array([0.5, 0.025, 2.0, 0.01], np.float32), np.array([0, 1, 2, 3], np.int8), 1, 21, {}),
]


def q_model(y_type, shape, scale, zero_point, axis, opset, attrs):
    return quantize_model("QuantizeLinear", F32, y_type, shape, scale, zero_point, axis, opset, **attrs)


def q_inputs(shape, scale) -> list[np.ndarray]:
    """Wide random values (most saturate for the small scales) with ties and extremes mixed in."""
    x = random_array(shape, np.random.default_rng(0), "wide").reshape(-1)
    first_scale = np.asarray(scale, np.float32).reshape(-1)[0]
    specials = np.concatenate([TIES * first_scale, [1e9, -1e9, np.inf, -np.inf, 0.0, -0.0]]).astype(np.float32)
    x[: min(x.size, specials.size)] = specials[: x.size]
    return [x.reshape(shape)]


def q_params() -> list:
    return [pytest.param(*c[1:], id=c[0]) for c in Q_CASES]


@pytest.mark.parametrize("y_type, shape, scale, zero_point, axis, opset, attrs", q_params())
def test_quantize_linear(y_type, shape, scale, zero_point, axis, opset, attrs):
    check(q_model(y_type, shape, scale, zero_point, axis, opset, attrs), q_inputs(shape, scale))


@pytest.mark.parametrize("y_type, shape, scale, zero_point, axis, opset, attrs", q_params())
def test_quantize_linear_folds(y_type, shape, scale, zero_point, axis, opset, attrs):
    check_folded(q_model(y_type, shape, scale, zero_point, axis, opset, attrs), q_inputs(shape, scale))


@pytest.mark.parametrize(
    "y_type, zero_point",
    [pytest.param(I8, np.int8(0), id="i8"), pytest.param(I8, np.int8(-3), id="i8-zp"), pytest.param(U8, np.uint8(128), id="u8")],
)
def test_quantize_linear_ties_round_half_to_even(y_type, zero_point):
    """x / scale exactly at .5 goes to the even neighbour (0.5 -> 0, 1.5 -> 2, -2.5 -> -2), then the zero point is added."""
    scale = np.float32(0.5)
    model = q_model(y_type, [TIES.size], scale, zero_point, None, 13, {})
    check(model, [TIES * scale])
    check_folded(model, [TIES * scale])


@pytest.mark.parametrize("scale", [np.float32(0.1), np.float32(0.3), np.float32(0.007)])
def test_quantize_linear_divides(scale):
    """onnxruntime computes x / scale: values near ties where x * (1/scale) rounds the other way."""
    x = _division_sensitive(scale, 16)
    model = q_model(I8, [x.size], scale, np.int8(0), None, 13, {})
    assert np.array_equal(run_onnxruntime(model, [x])[0], np.clip(np.rint(x / scale), -128, 127).astype(np.int8))
    check(model, [x])
    check_folded(model, [x])


@pytest.mark.parametrize(
    "y_type, zero_point",
    [
        pytest.param(I8, np.int8(-100), id="i8-low-zp"),
        pytest.param(I8, np.int8(100), id="i8-high-zp"),
        pytest.param(U8, np.uint8(0), id="u8-zp0"),
        pytest.param(U8, np.uint8(255), id="u8-zp255"),
    ],
)
def test_quantize_linear_saturates(y_type, zero_point):
    """Far outside the range at both ends, and just past it: the zero point shifts where saturation starts."""
    x = np.array([-1e30, -3e5, -300.0, -129.0, -128.6, 127.6, 128.0, 300.0, 3e5, 1e30, np.inf, -np.inf], np.float32)
    model = q_model(y_type, [x.size], np.float32(1.0), zero_point, None, 13, {})
    check(model, [x])
    check_folded(model, [x])


def test_dequantize_float_ops_quantize_chain_fuses():
    """DQ -> Relu -> Mul -> Q in one fused kernel, equal to onnxruntime bit for bit (int8 in and out)."""
    nodes = [
        helper.make_node("DequantizeLinear", ["x", "s", "zp"], ["d"]),
        helper.make_node("Relu", ["d"], ["r"]),
        helper.make_node("Mul", ["r", "w"], ["m"]),
        helper.make_node("QuantizeLinear", ["m", "s2", "zp2"], ["y"], axis=1),
    ]
    initializers = {
        "s": np.float32(0.05), "zp": np.int8(3),
        "w": np.array([[1.0], [0.5], [2.0]], np.float32),
        "s2": np.array([0.02, 0.04, 0.1], np.float32), "zp2": np.array([-5, 0, 5], np.int8),
    }  # fmt: skip
    model = graph_model(nodes, [("x", [2, 3, 4], I8)], [("y", [2, 3, 4], I8)], initializers)
    check(model, random_inputs(model, seed=3, kinds={"x": FULL_RANGE[I8]}))
    module = onnx_importer.import_model(model, "m")
    run_pipeline(module, "builtin.module(shape-infer,fuse)")
    groups = [op for op in module.walk() if isinstance(op, nn.FusedOp)]
    assert len(groups) == 1, print_ir(module)
    names = [op.name for op in groups[0].walk() if isinstance(op, nn.NNOp) and not isinstance(op, nn.ConstantOp)]
    assert names == ["nn.dequantize_linear", "nn.relu", "nn.mul", "nn.quantize_linear"], names


# --------------------------------------------------------------------------- folding


def fold_text(text: str) -> list[nn.NNOp]:
    module = parse_ir(make_context(), text)
    run_pipeline(module, "builtin.module(shape-infer,fold-constants,dce)")
    return [op for op in module.walk() if isinstance(op, nn.NNOp)]


def test_dequantize_of_constant_folds_to_float_constant():
    ops = fold_text("""
        func.func @f() -> tensor<*xf32> {
          %q = nn.constant dense<[-128, -1, 0, 5, 127]> : tensor<5xi8>
          %s = nn.constant dense<0.5> : tensor<f32>
          %zp = nn.constant dense<-1> : tensor<i8>
          %y = nn.dequantize_linear %q, %s, %zp axis 1 : (tensor<5xi8>, tensor<f32>, tensor<i8>) -> tensor<*xf32>
          func.return %y : tensor<*xf32>
        }
        """)
    assert [op.name for op in ops] == ["nn.constant"]
    np.testing.assert_array_equal(ops[0].array(), np.array([-63.5, 0.0, 0.5, 3.0, 64.0], np.float32))  # type: ignore[attr-defined]


def test_quantize_of_constant_folds_to_uint8_constant():
    ops = fold_text("""
        func.func @f() -> tensor<*xui8> {
          %x = nn.constant dense<[-1.0, 0.25, 0.75, 1.25, 1000.0, -1000.0]> : tensor<6xf32>
          %s = nn.constant dense<0.5> : tensor<f32>
          %zp = nn.constant dense<10> : tensor<ui8>
          %y = nn.quantize_linear %x, %s, %zp axis 1 : (tensor<6xf32>, tensor<f32>, tensor<ui8>) -> tensor<*xui8>
          func.return %y : tensor<*xui8>
        }
        """)
    assert [op.name for op in ops] == ["nn.constant"]
    np.testing.assert_array_equal(ops[0].array(), np.array([8, 10, 12, 12, 255, 0], np.uint8))  # type: ignore[attr-defined]


@pytest.mark.parametrize("opset", [13, 19])
def test_dequantize_of_int8_initializer_becomes_a_float_constant(opset):
    """All inputs constant: no dequantize is left after import and fold-constants; the kernel reads f32 weights."""
    nodes = [helper.make_node("DequantizeLinear", ["w", "s", "zp"], ["d"], axis=0), helper.make_node("Add", ["x", "d"], ["y"])]
    initializers = {"w": np.array([[1, -2], [3, 127]], np.int8), "s": np.array([0.5, 2.0], np.float32), "zp": np.array([1, -1], np.int8)}
    model = graph_model(nodes, [("x", [2, 2], F32)], [("y", [2, 2], F32)], initializers, opset)
    module = onnx_importer.import_model(model, "m")
    run_pipeline(module, "builtin.module(shape-infer,fold-constants,dce)")
    names = [op.name for op in module.walk() if isinstance(op, nn.NNOp)]
    assert names == ["nn.constant", "nn.add"], print_ir(module)
    check(model, random_inputs(model))


# --------------------------------------------------------------------------- refused forms


def _float8_zero_point() -> np.ndarray:
    return numpy_helper.to_array(helper.make_tensor("zp", TensorProto.FLOAT8E4M3FN, [], [0.0]))


@pytest.mark.parametrize(
    "build, message",
    [
        pytest.param(
            lambda: quantize_model("QuantizeLinear", F32, TensorProto.FLOAT8E4M3FN, [3], np.float32(1), _float8_zero_point(), opset=19, saturate=1),
            "quantizing to float8_e4m3fn",
            id="q-float8-zero-point",
        ),
        pytest.param(
            lambda: quantize_model("QuantizeLinear", F32, TensorProto.FLOAT8E4M3FN, [3], np.float32(1), opset=21, output_dtype=TensorProto.FLOAT8E4M3FN),
            "quantizing to FLOAT8E4M3FN is not supported",
            id="q-float8-output-dtype",
        ),
        pytest.param(
            lambda: quantize_model("DequantizeLinear", I8, F32, [2, 4], np.ones((2, 2), np.float32), np.zeros((2, 2), np.int8), axis=1, opset=21, block_size=2),
            "blocked quantization",
            id="dq-block-size",
        ),
        pytest.param(
            lambda: quantize_model("DequantizeLinear", I8, F32, [2, 4], np.ones(3, np.float32), axis=1),
            "neither one element nor one per element of axis 1",
            id="dq-scale-size",
        ),
    ],
)
def test_refused(build, message):
    with pytest.raises(OptFuseError, match=message):
        backend.prepare(build())


# --------------------------------------------------------------------------- LpNormalization

LP_CASES = [
    # id, shape, attrs
    ("p2-default", [3, 5], {}),
    ("p1-last", [3, 5], {"p": 1}),
    ("p2-axis0", [4, 3, 2], {"p": 2, "axis": 0}),
    ("p1-axis1", [4, 3, 2], {"p": 1, "axis": 1}),
    ("p2-axis-1", [2, 3, 6], {"p": 2, "axis": -1}),
    ("p1-axis-2", [2, 3, 6], {"p": 1, "axis": -2}),
]


def lp_model(shape, attrs):
    return graph_model([helper.make_node("LpNormalization", ["x"], ["y"], **attrs)], [("x", shape, F32)], [("y", shape, F32)])


@pytest.mark.parametrize("shape, attrs", [pytest.param(*c[1:], id=c[0]) for c in LP_CASES])
def test_lp_normalization(shape, attrs):
    model = lp_model(shape, attrs)
    inputs = random_inputs(model, seed=0)
    check(model, inputs, rtol=1e-5, atol=1e-6)
    check_folded(model, inputs, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("p", [1, 2])
def test_lp_normalization_zero_rows(p):
    """A zero row gives zeros, not NaN; so does a row whose squares underflow (onnxruntime's norm is 0 there too)."""
    x = np.array([[0, 0, 0], [-0.0, 0, 0], [1e-30, 1e-30, 0], [3, 4, 0], [1e-23, 0, 0], [-1, 2, -2]], np.float32)
    model = lp_model([6, 3], {"p": p, "axis": 1})
    check(model, [x], rtol=1e-6, atol=0)
    check_folded(model, [x], rtol=1e-6, atol=0)
