"""End-to-end numerics of every supported ONNX op against onnxruntime.

Each case builds a one-node (or tiny) float32 model, feeds it seeded random
inputs that include negative values, compiles it with opt-fuse through the
ONNX backend API and compares every output with onnxruntime's (rtol 1e-4,
atol 1e-5). The cases aim at the corners where a lowering goes wrong:
broadcasting from either side, optional inputs, attribute forms that changed
between opsets, asymmetric / SAME padding, groups, ceil_mode, count_include_pad,
negative axes, and size-1 dims.

Models are built lazily inside the test, so one bad case cannot break collection.
"""

from __future__ import annotations

from typing import Callable

import numpy as np
import pytest
import onnx
from onnx import TensorProto, helper

from onnx_helpers import (
    assert_matches_onnxruntime,
    make_graph_model,
    make_node_model,
    random_array,
    random_inputs,
)

CASES: list = []  # pytest.param(build, kinds, prepare_kwargs, id=...)


def case(id: str, build: Callable, kinds="normal", **prepare_kwargs) -> None:
    """Register a case: `build()` returns the model, `kinds` picks input data (see random_array)."""
    CASES.append(pytest.param(build, kinds, prepare_kwargs, id=id))


def node(op: str, inputs, inits: Callable[[np.random.Generator], dict] | None = None, **kw) -> Callable:
    """A builder for a one-node model; `inits(rng)` makes its initializers from a fixed seed."""
    def build():
        initializers = inits(np.random.default_rng(1)) if inits else None
        return make_node_model(op, inputs, initializers=initializers, **kw)
    return build


def dims(shape) -> str:
    return "x".join(map(str, shape)) if len(shape) else "scalar"


def f32(*values) -> np.ndarray:
    return np.array(values, dtype=np.float32)


def i64(*values) -> np.ndarray:
    return np.array(values, dtype=np.int64)


def scalar(v: float) -> np.ndarray:
    return np.array(v, dtype=np.float32)


# --------------------------------------------------------------------------- elementwise binary

BROADCAST = [
    ([2, 3, 4], [2, 3, 4]),
    ([2, 3, 4], [4]),
    ([2, 3, 4], [3, 1]),
    ([2, 3, 4], [1, 3, 1]),
    ([2, 3, 4], []),
    ([2, 1, 4], [3, 1]),  # both sides broadcast -> [2, 3, 4]
    ([4], [2, 3, 4]),  # lhs broadcast matters for Sub/Div/Pow
    ([], [2, 3, 4]),
]
BINARY_KINDS = {"Add": "normal", "Sub": "normal", "Mul": "normal", "Div": {"b": "nonzero"},
                "Max": "normal", "Min": "normal", "Pow": {"a": "positive"}}

for op, kinds in BINARY_KINDS.items():
    for sa, sb in BROADCAST:
        case(f"{op}-{dims(sa)}-{dims(sb)}", node(op, [("a", sa), ("b", sb)]), kinds)
case("Add-1x1x1x1", node("Add", [("a", [1, 1, 1, 1]), ("b", [1, 1, 1, 1])]))
case("Mul-const-rhs", node("Mul", [("a", [2, 3, 4])], inits=lambda r: {"b": random_array([3, 1], r)}))
for op in ("Max", "Min"):
    case(f"{op}-variadic-3", node(op, [("a", [2, 3, 4]), ("b", [4]), ("c", [3, 1])]))
    case(f"{op}-single-input", node(op, [("a", [2, 3, 4])]))
case("Pow-negative-base-integer-exponents",
     node("Pow", [("a", [2, 3, 4])], inits=lambda r: {"b": f32(2, 3, 0, 1)}))
case("Pow-square-scalar-exponent", node("Pow", [("a", [2, 3, 4])], inits=lambda r: {"b": scalar(2)}))
case("Pow-sqrt-scalar-exponent", node("Pow", [("a", [2, 3, 4])], inits=lambda r: {"b": scalar(0.5)}), "positive")

# --------------------------------------------------------------------------- elementwise unary

UNARY_KINDS = {"Neg": "normal", "Relu": "normal", "Sigmoid": "normal", "Tanh": "normal", "Exp": "normal",
               "Log": "positive", "Sqrt": "positive", "Erf": "normal"}
for op, kind in UNARY_KINDS.items():
    case(f"{op}-2x3x4", node(op, [("x", [2, 3, 4])]), kind)
    case(f"{op}-1x1x1x1", node(op, [("x", [1, 1, 1, 1])]), kind)
for op in ("Sigmoid", "Tanh", "Exp", "Erf"):  # saturation / tails of approximations
    case(f"{op}-wide-range", node(op, [("x", [4, 33])]), "wide")
case("Relu-odd-size-1001", node("Relu", [("x", [1001])]))

# --------------------------------------------------------------------------- Clip

X = [("x", [2, 3, 4])]
case("Clip-opset11-min-max", node("Clip", X, inits=lambda r: {"lo": scalar(-0.5), "hi": scalar(0.7)}, opset=11))
case("Clip-opset13-min-max", node("Clip", X, inits=lambda r: {"lo": scalar(-0.5), "hi": scalar(0.7)}, opset=13))
case("Clip-only-min", node("Clip", X, inits=lambda r: {"lo": scalar(0.0)}))
case("Clip-only-max", node("Clip", X, inits=lambda r: {"hi": scalar(6.0)}, node_inputs=["x", "", "hi"]), "wide")
case("Clip-no-bounds", node("Clip", X))
case("Clip-opset10-attributes", node("Clip", X, attrs={"min": -0.5, "max": 0.7}, opset=10))

# --------------------------------------------------------------------------- MatMul

for sa, sb in [([3, 4], [4, 5]), ([7, 13], [13, 1]), ([2, 3, 4, 5], [5, 6]), ([2, 1, 4, 5], [3, 5, 6]),
               ([1, 1], [1, 1]), ([2, 3, 4, 5], [2, 3, 5, 2])]:
    case(f"MatMul-{dims(sa)}-{dims(sb)}", node("MatMul", [("a", sa), ("b", sb)]))
case("MatMul-const-weight-17x33", node("MatMul", [("a", [5, 17])], inits=lambda r: {"w": random_array([17, 33], r)}))

# --------------------------------------------------------------------------- Gemm (M=3, K=5, N=4)


def gemm(id: str, a=(3, 5), b=(5, 4), c=(4,), const_bc=False, **attrs) -> None:
    ins = [("A", list(a))]
    if not const_bc:
        ins.append(("B", list(b)))
        if c is not None:
            ins.append(("C", list(c)))
        case(f"Gemm-{id}", node("Gemm", ins, attrs=attrs))
        return
    inits = lambda r: {"B": random_array(b, r), **({"C": random_array(c, r)} if c is not None else {})}  # noqa: E731
    case(f"Gemm-{id}", node("Gemm", ins, inits=inits, attrs=attrs))


gemm("C-N")
gemm("transA", a=(5, 3), transA=1)
gemm("transB", b=(4, 5), transB=1)
gemm("transA-transB", a=(5, 3), b=(4, 5), transA=1, transB=1)
gemm("alpha-beta-C-MxN", c=(3, 4), alpha=0.5, beta=2.0)
gemm("C-1xN", c=(1, 4))
gemm("C-Mx1", c=(3, 1))
gemm("C-scalar", c=())
gemm("no-C", c=None)
gemm("no-C-alpha", c=None, alpha=-1.5)
gemm("const-weights-transB", b=(4, 5), const_bc=True, transB=1)
gemm("1x1x1", a=(1, 1), b=(1, 1), c=(1,))

# --------------------------------------------------------------------------- Conv


def conv(id: str, x, w, bias=True, **attrs) -> None:
    def inits(r):
        return {"W": random_array(w, r), **({"B": random_array([w[0]], r)} if bias else {})}
    case(f"Conv-{id}", node("Conv", [("x", x)], inits=inits, attrs=attrs))


conv("3x3-pads1", [1, 3, 7, 7], [4, 3, 3, 3], pads=[1, 1, 1, 1])
conv("no-bias", [1, 3, 7, 7], [4, 3, 3, 3], bias=False, pads=[1, 1, 1, 1])
conv("no-pads", [1, 3, 7, 7], [4, 3, 3, 3])
conv("strides2", [1, 3, 7, 7], [4, 3, 3, 3], strides=[2, 2], pads=[1, 1, 1, 1])
conv("pads-asymmetric-0-1-1-2", [1, 3, 7, 7], [4, 3, 3, 3], pads=[0, 1, 1, 2])
conv("dilations2", [1, 3, 7, 7], [4, 3, 3, 3], dilations=[2, 2], pads=[2, 2, 2, 2])
conv("groups2", [1, 4, 7, 7], [6, 2, 3, 3], group=2, pads=[1, 1, 1, 1])
conv("depthwise", [1, 4, 7, 7], [4, 1, 3, 3], group=4, pads=[1, 1, 1, 1])
conv("depthwise-no-bias-strides2", [1, 4, 8, 8], [4, 1, 3, 3], bias=False, group=4, strides=[2, 2], pads=[1, 1, 1, 1])
conv("depthwise-multiplier2", [1, 4, 7, 7], [8, 1, 3, 3], group=4, pads=[1, 1, 1, 1])
conv("auto_pad-SAME_UPPER", [1, 3, 7, 7], [4, 3, 3, 3], auto_pad="SAME_UPPER")
conv("auto_pad-SAME_UPPER-strides2-even", [1, 3, 8, 8], [4, 3, 3, 3], auto_pad="SAME_UPPER", strides=[2, 2])
conv("auto_pad-SAME_LOWER-strides2-even", [1, 3, 8, 8], [4, 3, 3, 3], auto_pad="SAME_LOWER", strides=[2, 2])
conv("auto_pad-VALID", [1, 3, 7, 7], [4, 3, 3, 3], auto_pad="VALID")
conv("kernel1x1", [1, 8, 7, 7], [5, 8, 1, 1])
conv("kernel1x1-strides2", [1, 8, 7, 7], [5, 8, 1, 1], strides=[2, 2])
conv("size13", [1, 3, 13, 13], [6, 3, 3, 3], pads=[1, 1, 1, 1])
conv("kernel5-size13-strides2", [1, 2, 13, 13], [3, 2, 5, 5], strides=[2, 2], pads=[2, 2, 2, 2])
conv("batch2", [2, 3, 7, 7], [4, 3, 3, 3], pads=[1, 1, 1, 1])
conv("rect-input-kernel1x3", [1, 3, 7, 13], [4, 3, 1, 3], pads=[0, 1, 0, 1])
conv("1x1x1x1", [1, 1, 1, 1], [1, 1, 1, 1])
conv("wide-channels-32", [1, 32, 5, 5], [17, 32, 3, 3], pads=[1, 1, 1, 1])

# --------------------------------------------------------------------------- pooling


def pool(op: str, id: str, x, kinds="normal", **attrs) -> None:
    case(f"{op}-{id}", node(op, [("x", x)], attrs=attrs), kinds)


pool("MaxPool", "k3-s2-p1-ceil0", [1, 2, 7, 7], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1])
pool("MaxPool", "k3-s2-p1-all-negative", [1, 2, 7, 7], "negative",
     kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1])
pool("MaxPool", "k3-s2-ceil1", [1, 2, 8, 8], kernel_shape=[3, 3], strides=[2, 2], ceil_mode=1)
pool("MaxPool", "k3-s2-ceil0-even", [1, 2, 8, 8], kernel_shape=[3, 3], strides=[2, 2], ceil_mode=0)
pool("MaxPool", "k3-s2-p1-ceil1-batch2", [2, 3, 8, 8], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1],
     ceil_mode=1)
pool("MaxPool", "k2-s2", [1, 3, 16, 16], kernel_shape=[2, 2], strides=[2, 2])
pool("MaxPool", "k2-s2-pads-asymmetric", [1, 2, 7, 7], "negative", kernel_shape=[2, 2], strides=[2, 2],
     pads=[0, 0, 1, 1])
pool("MaxPool", "k3-s1-size13", [1, 2, 13, 13], kernel_shape=[3, 3])
pool("MaxPool", "1x1x1x1", [1, 1, 1, 1], kernel_shape=[1, 1])
pool("AveragePool", "k3-s2-p1-count_include_pad0", [1, 2, 7, 7], kernel_shape=[3, 3], strides=[2, 2],
     pads=[1, 1, 1, 1], count_include_pad=0)
pool("AveragePool", "k3-s2-p1-count_include_pad1", [1, 2, 7, 7], kernel_shape=[3, 3], strides=[2, 2],
     pads=[1, 1, 1, 1], count_include_pad=1)
pool("AveragePool", "k3-s1-p1-count_include_pad0-batch2", [2, 3, 8, 8], kernel_shape=[3, 3],
     pads=[1, 1, 1, 1], count_include_pad=0)
pool("AveragePool", "k2-s2", [1, 3, 16, 16], kernel_shape=[2, 2], strides=[2, 2])
pool("AveragePool", "pads-asymmetric-count_include_pad0", [1, 2, 7, 7], kernel_shape=[2, 2], strides=[2, 2],
     pads=[0, 0, 1, 1])
pool("AveragePool", "1x1x1x1", [1, 1, 1, 1], kernel_shape=[1, 1])
pool("GlobalAveragePool", "2x3x5x7", [2, 3, 5, 7])
pool("GlobalAveragePool", "1x16x13x13", [1, 16, 13, 13])
pool("GlobalAveragePool", "1x1x1x1", [1, 1, 1, 1])

# --------------------------------------------------------------------------- Pad (pads as an input: opset 11+)


def pad(id: str, x, pads, value=None, opset=17, kinds="normal", **attrs) -> None:
    def inits(r):
        return {"pads": i64(*pads), **({"value": scalar(value)} if value is not None else {})}
    case(f"Pad-{id}", node("Pad", [("x", x)], inits=inits, attrs=attrs, opset=opset), kinds)


pad("constant-value", [1, 2, 4, 5], [0, 0, 1, 2, 0, 0, 2, 1], value=0.5, mode="constant")
pad("constant-default-zero", [3, 4], [1, 0, 2, 3])
pad("constant-all-axes", [2, 3, 4], [1, 1, 0, 0, 2, 1], value=-1.0)
pad("constant-opset11", [1, 2, 4, 5], [0, 0, 1, 1, 0, 0, 1, 1], value=0.25, opset=11)
pad("negative-pads-crop", [1, 2, 5, 6], [0, 0, -1, 2, 0, 0, 1, -2])
pad("reflect", [1, 2, 5, 6], [0, 0, 2, 1, 0, 0, 1, 2], mode="reflect")
pad("edge", [1, 2, 5, 6], [0, 0, 2, 1, 0, 0, 1, 3], mode="edge")
pad("edge-2d", [3, 4], [2, 0, 0, 3], mode="edge")
pad("1x1x1x1", [1, 1, 1, 1], [0, 0, 1, 1, 0, 0, 1, 1], value=2.0)

# --------------------------------------------------------------------------- shape / layout ops

for x, shape in [([2, 3, 4], [4, -1]), ([2, 3, 4], [0, -1]), ([2, 3, 4], [0, 0, 2, 2]), ([2, 3, 4], [-1]),
                 ([2, 3, 4, 5], [2, -1]), ([1, 1, 1, 1], [1])]:
    case(f"Reshape-{dims(x)}-to-{'x'.join(map(str, shape))}",
         node("Reshape", [("x", x)], inits=lambda r, s=shape: {"shape": i64(*s)}))
case("Transpose-default-perm-3d", node("Transpose", [("x", [2, 3, 4])]))
case("Transpose-default-perm-7x13", node("Transpose", [("x", [7, 13])]))
case("Transpose-perm-0231", node("Transpose", [("x", [2, 3, 4, 5])], attrs={"perm": [0, 2, 3, 1]}))
case("Transpose-perm-3102", node("Transpose", [("x", [2, 3, 4, 5])], attrs={"perm": [3, 1, 0, 2]}))
for axis in (0, 1, 2, -1):
    case(f"Flatten-axis{axis}", node("Flatten", [("x", [2, 3, 4, 5])], attrs={"axis": axis}))
for axis, shapes in [(0, [[1, 3, 4], [2, 3, 4], [3, 3, 4]]), (1, [[2, 1, 4], [2, 3, 4], [2, 2, 4]]),
                     (-1, [[2, 3, 1], [2, 3, 4], [2, 3, 2]])]:
    ins = [(f"x{i}", s) for i, s in enumerate(shapes)]
    case(f"Concat-axis{axis}-3-inputs", node("Concat", ins, attrs={"axis": axis}))
case("Concat-with-constant-nchw", node("Concat", [("a", [1, 2, 3, 3]), ("b", [1, 1, 3, 3])],
                                       inits=lambda r: {"c": random_array([1, 3, 3, 3], r)},
                                       node_inputs=["a", "c", "b"], attrs={"axis": 1}))

# --------------------------------------------------------------------------- Softmax

case("Softmax-axis-1-last", node("Softmax", [("x", [2, 3, 4])], attrs={"axis": -1}))
case("Softmax-axis1-3d-opset13", node("Softmax", [("x", [2, 3, 4])], attrs={"axis": 1}, opset=13))
case("Softmax-axis1-3d-opset11-flattens", node("Softmax", [("x", [2, 3, 4])], attrs={"axis": 1}, opset=11))
case("Softmax-default-axis-opset11-2d", node("Softmax", [("x", [3, 10])], opset=11))
case("Softmax-large-values", node("Softmax", [("x", [2, 10])]), "large")
case("Softmax-1x1", node("Softmax", [("x", [1, 1])]))

# --------------------------------------------------------------------------- reductions

R = [("x", [2, 3, 4])]


def axes_input(*axes) -> Callable:
    return lambda r: {"axes": i64(*axes)}


case("ReduceSum-axes1-keepdims1", node("ReduceSum", R, inits=axes_input(1), attrs={"keepdims": 1}))
case("ReduceSum-axes0-2-keepdims0", node("ReduceSum", R, inits=axes_input(0, 2), attrs={"keepdims": 0}))
case("ReduceSum-axes-neg1", node("ReduceSum", R, inits=axes_input(-1)))
case("ReduceSum-no-axes-all-keepdims1", node("ReduceSum", R, attrs={"keepdims": 1}))
case("ReduceSum-no-axes-all-keepdims0", node("ReduceSum", R, attrs={"keepdims": 0}))
case("ReduceSum-empty-axes-tensor-all", node("ReduceSum", R, inits=axes_input()))
case("ReduceSum-opset11-axes-attribute", node("ReduceSum", R, attrs={"axes": [1]}, opset=11))
for op in ("ReduceMean", "ReduceMax"):
    kinds = "negative" if op == "ReduceMax" else "normal"  # an init of 0 instead of -inf shows up
    case(f"{op}-opset13-axes1", node(op, R, attrs={"axes": [1]}, opset=13), kinds)
    case(f"{op}-opset13-axes-neg1-keepdims0", node(op, R, attrs={"axes": [-1], "keepdims": 0}, opset=13), kinds)
    case(f"{op}-opset13-axes0-2", node(op, R, attrs={"axes": [0, 2]}, opset=13), kinds)
    case(f"{op}-opset13-all", node(op, R, opset=13), kinds)
    case(f"{op}-opset13-nchw-spatial", node(op, [("x", [2, 3, 5, 7])], attrs={"axes": [2, 3]}, opset=13), kinds)
    case(f"{op}-opset18-axes1", node(op, R, inits=axes_input(1), opset=18), kinds)
    case(f"{op}-opset18-axes-neg2-neg1-keepdims0",
         node(op, R, inits=axes_input(-2, -1), attrs={"keepdims": 0}, opset=18), kinds)
    case(f"{op}-opset18-all", node(op, R, opset=18), kinds)
    case(f"{op}-1x1x1x1", node(op, [("x", [1, 1, 1, 1])], attrs={"axes": [1]}, opset=13), kinds)

# --------------------------------------------------------------------------- BatchNormalization (inference)


def batchnorm(id: str, x, **attrs) -> None:
    c = x[1]

    def inits(r):
        return {"scale": random_array([c], r), "bias": random_array([c], r), "mean": random_array([c], r),
                "var": random_array([c], r, "positive")}
    case(f"BatchNormalization-{id}", node("BatchNormalization", [("x", x)], inits=inits, attrs=attrs))


batchnorm("2x3x4x5", [2, 3, 4, 5])
batchnorm("epsilon1e-3", [1, 4, 5, 5], epsilon=1e-3)
batchnorm("2d-NxC", [4, 3])
batchnorm("1x1x1x1", [1, 1, 1, 1])

# --------------------------------------------------------------------------- Constant, Identity, small graphs


def constant_add() -> onnx.ModelProto:
    c = helper.make_tensor("c", TensorProto.FLOAT, [4], [0.5, -1.0, 2.0, 0.0])
    nodes = [helper.make_node("Constant", [], ["c"], value=c), helper.make_node("Add", ["x", "c"], ["y"])]
    return make_graph_model(nodes, [("x", [2, 3, 4])])


def constant_value_float_mul() -> onnx.ModelProto:
    nodes = [helper.make_node("Constant", [], ["c"], value_float=-2.5), helper.make_node("Mul", ["x", "c"], ["y"])]
    return make_graph_model(nodes, [("x", [2, 3, 4])])


def identity_relu() -> onnx.ModelProto:
    nodes = [helper.make_node("Identity", ["x"], ["t"]), helper.make_node("Relu", ["t"], ["y"])]
    return make_graph_model(nodes, [("x", [2, 3, 4])])


case("Constant-tensor-feeds-Add", constant_add)
case("Constant-value_float-feeds-Mul", constant_value_float_mul)
case("Identity-2x3x4", node("Identity", [("x", [2, 3, 4])]))
case("Identity-feeds-Relu", identity_relu)


def conv_relu_maxpool(opset: int) -> Callable:
    def build():
        r = np.random.default_rng(1)
        nodes = [
            helper.make_node("Conv", ["x", "W", "B"], ["c"], kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
            helper.make_node("Relu", ["c"], ["r"]),
            helper.make_node("MaxPool", ["r"], ["y"], kernel_shape=[2, 2], strides=[2, 2]),
        ]
        inits = {"W": random_array([4, 3, 3, 3], r), "B": random_array([4], r)}
        return make_graph_model(nodes, [("x", [1, 3, 8, 8])], initializers=inits, opset=opset)
    return build


for opset in (11, 13, 17, 21):
    case(f"chain-Conv-Relu-MaxPool-opset{opset}", conv_relu_maxpool(opset))


# --------------------------------------------------------------------------- the test


@pytest.mark.parametrize("fuse", [True, False], ids=["fused", "unfused"])
@pytest.mark.parametrize("build, kinds, prepare_kwargs", CASES)
def test_op_matches_onnxruntime(build, kinds, prepare_kwargs, fuse):
    model = build()
    inputs = random_inputs(model, seed=0, kinds=kinds)
    assert_matches_onnxruntime(model, inputs, rtol=1e-4, atol=1e-5, fuse=fuse, **prepare_kwargs)
