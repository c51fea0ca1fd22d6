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

from collections.abc import Callable

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper
from onnx_helpers import (
    assert_matches_onnxruntime,
    assert_outputs_close,
    fold_with_constant_inputs,
    make_graph_model,
    make_node_model,
    random_array,
    random_inputs,
    run_onnxruntime,
    run_opt_fuse,
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
# b (2 MiB) does not fit the cache interchange-loops assumes: its column blocks go outside
# (b scaled so that sums over k = 512 stay within the absolute tolerance in any order)
case("MatMul-const-weight-64x512x1024", node("MatMul", [("a", [64, 512])], inits=lambda r: {"w": random_array([512, 1024], r) / 16}))

# --------------------------------------------------------------------------- Gemm (M=3, K=5, N=4)


def gemm(id: str, a=(3, 5), b=(5, 4), c=(4,), const_bc=False, **attrs) -> None:
    ins = [("A", list(a))]
    if not const_bc:
        ins.append(("B", list(b)))
        if c is not None:
            ins.append(("C", list(c)))
        case(f"Gemm-{id}", node("Gemm", ins, attrs=attrs))
        return
    inits = lambda r: {"B": random_array(b, r), **({"C": random_array(c, r)} if c is not None else {})}
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


def conv(id: str, x, w, bias=True, one_value_weight=False, **attrs) -> None:
    """`one_value_weight`: every weight element the same (onnx's light models ship such weights),
    which opt-fuse inlines into the kernel as a constant, so its channels sum alike."""
    def inits(r):
        weight = np.full(w, 0.125, np.float32) if one_value_weight else random_array(w, r)
        return {"W": weight, **({"B": random_array([w[0]], r)} if bias else {})}
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
# groups at least as wide as a vector (32 lanes): aligned, the lanes share their group;
# 34 or 40 channels a group, the channel loop is split at the group
conv("groups2-32-channels-each", [1, 64, 5, 5], [64, 32, 3, 3], group=2, pads=[1, 1, 1, 1])
conv("groups2-32-channels-each-strides2", [1, 64, 7, 7], [64, 32, 3, 3], group=2, strides=[2, 2], pads=[1, 1, 1, 1])
conv("groups4-34-channels-each-1x1", [1, 136, 4, 4], [136, 34, 1, 1], group=4)
conv("depthwise-multiplier40", [1, 2, 5, 5], [80, 1, 3, 3], group=2, pads=[1, 1, 1, 1])
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
# 72 filters: the packed weights' blocks of 32 lanes are padded to 96, the last block part empty
conv("filters-72-padded-blocks", [1, 8, 6, 6], [72, 8, 3, 3], pads=[1, 1, 1, 1])
# one weight value: the channels sum alike (unroll-and-jam's _lanes_sum_alike), so with fewer
# channels than lanes the rows take the outer lanes; 7 rows and 13 channels leave remainders of both
conv("one-value-weight-3x3", [1, 40, 7, 7], [13, 40, 3, 3], one_value_weight=True, bias=False, pads=[1, 1, 1, 1])
conv("one-value-weight-1x1-bias", [1, 64, 9, 9], [20, 64, 1, 1], one_value_weight=True)
conv("one-value-weight-3x3-strides2", [1, 16, 15, 15], [8, 16, 3, 3], one_value_weight=True, strides=[2, 2], pads=[1, 1, 1, 1])
# as many channels as lanes (32 on AVX-512) and more: the channels are the vector lanes, computed once
conv("one-value-weight-3x3-40-channels", [1, 8, 6, 6], [40, 8, 3, 3], one_value_weight=True, pads=[1, 1, 1, 1])

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


# --------------------------------------------------------------------------- activations and elementwise math

for op, kind in {"Abs": "normal", "Reciprocal": "nonzero", "Floor": "wide", "Ceil": "wide", "Sign": "normal",
                 "Softplus": "wide", "Softsign": "wide", "HardSwish": "wide"}.items():
    case(f"{op}-2x3x4", node(op, [("x", [2, 3, 4])]), kind)
case("Softplus-large", node("Softplus", [("x", [4, 33])]), "large")  # exp(x) overflows for x > 88
case("Mish-opset18", node("Mish", [("x", [4, 33])], opset=18), "wide")
case("Gelu-opset20-none", node("Gelu", [("x", [4, 33])], opset=20), "wide")
case("Gelu-opset20-tanh", node("Gelu", [("x", [4, 33])], attrs={"approximate": "tanh"}, opset=20), "wide")
PARAMETRIC = {"LeakyRelu": {"alpha": 0.3}, "ThresholdedRelu": {"alpha": 0.25}, "Elu": {"alpha": 0.5},
              "Celu": {"alpha": 2.0}, "Selu": {"alpha": 1.5, "gamma": 2.0}, "HardSigmoid": {"alpha": 0.3, "beta": 0.6}}
for op, attrs in PARAMETRIC.items():
    case(f"{op}-defaults", node(op, [("x", [2, 3, 4])]), "wide")
    case(f"{op}-{'-'.join(f'{k}{v}' for k, v in attrs.items())}", node(op, [("x", [2, 3, 4])], attrs=attrs), "wide")
case("LeakyRelu-opset7", node("LeakyRelu", X, attrs={"alpha": 0.1}, opset=7))
case("Elu-opset7", node("Elu", X, opset=7))
case("ThresholdedRelu-opset10", node("ThresholdedRelu", X, opset=10))
case("HardSigmoid-opset7", node("HardSigmoid", X, opset=7))


def sign_of_relu() -> onnx.ModelProto:
    """Relu makes exact zeros, which Sign must keep."""
    nodes = [helper.make_node("Relu", ["x"], ["r"]), helper.make_node("Sign", ["r"], ["y"])]
    return make_graph_model(nodes, [("x", [2, 3, 4])])


case("Sign-of-zeros", sign_of_relu)
for slope in ([3, 1], [4], [], [1, 3, 1], [2, 3, 4]):
    case(f"PRelu-slope-{dims(slope)}", node("PRelu", [("x", [2, 3, 4]), ("slope", slope)]))
case("PRelu-const-slope-nchw", node("PRelu", [("x", [1, 3, 4, 4])], inits=lambda r: {"slope": random_array([3, 1, 1], r)}))
case("PRelu-opset7", node("PRelu", [("x", [2, 3, 4]), ("slope", [4])], opset=7))
case("PRelu-opset9", node("PRelu", [("x", [2, 3, 4]), ("slope", [3, 1])], opset=9))
case("Mean-3-inputs-broadcast", node("Mean", [("a", [2, 3, 4]), ("b", [4]), ("c", [3, 1])]))
case("Mean-2-inputs-opset8", node("Mean", [("a", [2, 3, 4]), ("b", [2, 3, 4])], opset=8))
case("Mean-single-input", node("Mean", [("a", [2, 3, 4])]))

# --------------------------------------------------------------------------- normalization

case("LogSoftmax-axis-1-last", node("LogSoftmax", [("x", [2, 3, 4])], attrs={"axis": -1}))
case("LogSoftmax-axis1-3d-opset13", node("LogSoftmax", [("x", [2, 3, 4])], attrs={"axis": 1}, opset=13))
case("LogSoftmax-axis1-3d-opset11-flattens", node("LogSoftmax", [("x", [2, 3, 4])], attrs={"axis": 1}, opset=11))
case("LogSoftmax-default-axis-opset7-2d", node("LogSoftmax", [("x", [3, 10])], opset=7))
case("LogSoftmax-large-values", node("LogSoftmax", [("x", [2, 10])]), "large")
pool("GlobalMaxPool", "2x3x5x7-negative", [2, 3, 5, 7], "negative")
pool("GlobalMaxPool", "3d-2x3x5", [2, 3, 5])
pool("GlobalMaxPool", "1x1x1x1", [1, 1, 1, 1])
case("LRN-size3", node("LRN", [("x", [2, 7, 4, 5])], attrs={"size": 3}))
case("LRN-size5-alexnet", node("LRN", [("x", [1, 16, 5, 5])], attrs={"size": 5, "alpha": 1e-4, "beta": 0.75, "bias": 1.0}), "wide")
case("LRN-size1-bias2", node("LRN", [("x", [1, 3, 4, 4])], attrs={"size": 1, "alpha": 0.5, "beta": 0.6, "bias": 2.0}))
case("LRN-size9-wider-than-channels", node("LRN", [("x", [1, 4, 3, 3])], attrs={"size": 9, "alpha": 0.2}))
case("LRN-opset7", node("LRN", [("x", [1, 6, 3, 3])], attrs={"size": 3, "alpha": 0.1}, opset=7))


def layer_norm(id: str, x, scale, bias=None, **attrs) -> None:
    def inits(r):
        return {"scale": random_array(scale, r), **({"bias": random_array(bias, r)} if bias is not None else {})}
    case(f"LayerNormalization-{id}", node("LayerNormalization", [("x", x)], inits=inits, attrs=attrs))


layer_norm("last-axis-bias", [2, 3, 8], [8], [8])
layer_norm("axis1-3d", [2, 3, 4], [3, 4], [3, 4], axis=1)
layer_norm("axis-neg2-no-bias", [2, 3, 4], [3, 4], axis=-2)
layer_norm("axis0-all", [2, 3, 4], [2, 3, 4], [2, 3, 4], axis=0)
layer_norm("epsilon1e-2-scale-broadcast", [2, 5, 6], [1, 6], [6], epsilon=1e-2)


def instance_norm(id: str, x, **attrs) -> None:
    def inits(r):
        return {"scale": random_array([x[1]], r), "bias": random_array([x[1]], r)}
    case(f"InstanceNormalization-{id}", node("InstanceNormalization", [("x", x)], inits=inits, attrs=attrs))


instance_norm("2x3x4x5", [2, 3, 4, 5])
instance_norm("3d-epsilon1e-3", [2, 4, 7], epsilon=1e-3)
instance_norm("opset7", [1, 3, 3, 3])

# --------------------------------------------------------------------------- more reductions

for op, kinds in {"ReduceMin": "positive", "ReduceProd": "normal", "ReduceL1": "normal", "ReduceL2": "normal",
                  "ReduceSumSquare": "normal", "ReduceLogSum": "positive", "ReduceLogSumExp": "large"}.items():
    case(f"{op}-opset13-axes1", node(op, R, attrs={"axes": [1]}, opset=13), kinds)
    case(f"{op}-opset13-axes-neg1-keepdims0", node(op, R, attrs={"axes": [-1], "keepdims": 0}, opset=13), kinds)
    case(f"{op}-opset13-axes0-2-keepdims0", node(op, R, attrs={"axes": [0, 2], "keepdims": 0}, opset=13), kinds)
    case(f"{op}-opset11-all", node(op, R, opset=11), kinds)
    case(f"{op}-opset18-axes-neg2", node(op, R, inits=axes_input(-2), opset=18), kinds)
    case(f"{op}-opset18-all-keepdims0", node(op, R, attrs={"keepdims": 0}, opset=18), kinds)
    case(f"{op}-opset18-noop-empty-axes", node(op, R, attrs={"noop_with_empty_axes": 1}, opset=18), kinds)
case("ReduceMin-opset18-negative-inputs", node("ReduceMin", R, inits=axes_input(1), opset=18), "negative")  # init +inf
case("ReduceMax-opset18-noop-empty-axes-tensor", node("ReduceMax", R, inits=axes_input(), attrs={"noop_with_empty_axes": 1}, opset=18))

# --------------------------------------------------------------------------- data movement


def ints(**named) -> Callable:
    """Initializers of int64 vectors (Slice's starts, ends, ...), named as given."""
    return lambda r: {name: i64(*values) for name, values in named.items()}


case("Squeeze-opset11-axes-attribute-negative", node("Squeeze", [("x", [1, 3, 1, 4])], attrs={"axes": [0, -2]}, opset=11))
case("Squeeze-opset13-axes-input", node("Squeeze", [("x", [1, 3, 1, 4])], inits=ints(axes=[2]), opset=13))
case("Squeeze-opset13-no-axes-all-ones", node("Squeeze", [("x", [1, 3, 1, 4, 1])], opset=13))
case("Squeeze-opset21", node("Squeeze", [("x", [3, 1])], inits=ints(axes=[-1]), opset=21))
case("Unsqueeze-opset11-axes-attribute", node("Unsqueeze", [("x", [3, 4])], attrs={"axes": [0, 3]}, opset=11))
case("Unsqueeze-opset13-axes-input-negative-unsorted", node("Unsqueeze", [("x", [3, 4])], inits=ints(axes=[-1, 0]), opset=13))
case("Unsqueeze-scalar", node("Unsqueeze", [("x", [])], inits=ints(axes=[0]), opset=13))

BIG = 2**63 - 1
case("Slice-opset9-attributes", node("Slice", [("x", [4, 5, 6])], attrs={"starts": [1, -4], "ends": [3, 100], "axes": [0, 2]}, opset=9))
case("Slice-opset9-no-axes", node("Slice", [("x", [4, 5])], attrs={"starts": [1, 0], "ends": [-1, 3]}, opset=9))
case("Slice-opset10-no-steps", node("Slice", [("x", [4, 5])], inits=ints(starts=[1], ends=[BIG], axes=[1]), opset=10))
case("Slice-opset13-steps2", node("Slice", [("x", [4, 9])], inits=ints(starts=[1], ends=[8], axes=[1], steps=[2])))
case("Slice-negative-step-reverse", node("Slice", [("x", [4, 5])], inits=ints(starts=[-1], ends=[-BIG - 1], axes=[1], steps=[-1])))
case("Slice-negative-step3-clamped", node("Slice", [("x", [3, 10])], inits=ints(starts=[100, 2], ends=[-100, 0], axes=[1, 0], steps=[-3, -1])))
case("Slice-negative-axes-starts-ends", node("Slice", [("x", [2, 3, 8])], inits=ints(starts=[-6], ends=[-2], axes=[-1])))
case("Slice-axes-omitted", node("Slice", [("x", [4, 5])], inits=ints(starts=[1, 2], ends=[3, 5]), opset=11))
case("Slice-start-past-end-clamped", node("Slice", [("x", [4, 5])], inits=ints(starts=[-9, 1], ends=[2, 9], axes=[0, 1])))


def split(id: str, x, outputs: int, opset=17, inits=None, **attrs) -> None:
    outs = [f"y{i}" for i in range(outputs)]
    case(f"Split-{id}", node("Split", [("x", x)], inits=inits, attrs=attrs, opset=opset, outputs=outs))


split("opset11-attribute-sizes", [6, 2], 3, opset=11, split=[1, 2, 3])
split("opset11-equal-default-axis", [6, 2], 2, opset=11)
split("opset13-input-sizes-axis1", [2, 7], 2, opset=13, inits=ints(split=[2, 5]), axis=1)
split("opset13-equal-negative-axis", [2, 3, 6], 3, opset=13, axis=-1)
split("opset18-num_outputs-uneven", [2, 7], 3, opset=18, axis=1, num_outputs=3)
split("opset18-num_outputs-even", [4, 3], 2, opset=18, num_outputs=2)


def gather(id: str, x, indices, **attrs) -> None:
    case(f"Gather-{id}", node("Gather", [("x", x)], inits=lambda r: {"i": np.array(indices, dtype=np.int64)}, attrs=attrs))


gather("axis0-negative-indices", [4, 5], [0, -1, 2, -4], axis=0)
gather("axis1-2d-indices", [4, 5], [[0, -1], [2, 2]], axis=1)
gather("axis-neg1-3d-data", [2, 3, 5], [4, -5, 1], axis=-1)
gather("scalar-index-axis1", [2, 3, 4], -2, axis=1)
gather("scalar-index-default-axis", [3, 4], 1)
gather("repeated-indices-axis1", [2, 6, 3], [[5, 5, 0], [1, 1, 1]], axis=1)
case("Gather-opset11", node("Gather", [("x", [4, 5])], inits=lambda r: {"i": np.array([3, -3], np.int64)}, opset=11))
case("Gather-int32-indices", node("Gather", [("x", [4, 5])], inits=lambda r: {"i": np.array([1, -1], np.int32)},
                                    attrs={"axis": 1}))

case("Expand-3x1-to-2x3x4", node("Expand", [("x", [3, 1])], inits=ints(shape=[2, 1, 4])))
case("Expand-shape-of-lower-rank", node("Expand", [("x", [2, 3, 1])], inits=ints(shape=[5])))
case("Expand-shape-smaller-than-input", node("Expand", [("x", [2, 3])], inits=ints(shape=[1, 1])))
case("Expand-opset8-scalar", node("Expand", [("x", [])], inits=ints(shape=[2, 3]), opset=8))
case("Tile-2x3-repeats-2x3", node("Tile", [("x", [2, 3])], inits=ints(repeats=[2, 3])))
case("Tile-3d-repeats-1-2-1", node("Tile", [("x", [2, 3, 4])], inits=ints(repeats=[1, 2, 1])))
case("Tile-opset6-repeats-1x1", node("Tile", [("x", [2, 3])], inits=ints(repeats=[1, 1]), opset=6))

for mode in ("DCR", "CRD"):
    case(f"DepthToSpace-{mode}-blocksize2", node("DepthToSpace", [("x", [2, 8, 2, 3])], attrs={"blocksize": 2, "mode": mode}))
case("DepthToSpace-opset7-blocksize3", node("DepthToSpace", [("x", [1, 9, 2, 2])], attrs={"blocksize": 3}, opset=7))
case("SpaceToDepth-blocksize2", node("SpaceToDepth", [("x", [2, 3, 4, 6])], attrs={"blocksize": 2}))
case("Cast-float-to-float", node("Cast", X, attrs={"to": TensorProto.FLOAT}))
case("Cast-opset19", node("Cast", X, attrs={"to": TensorProto.FLOAT}, opset=19))
case("CastLike-float-target", node("CastLike", X, inits=lambda r: {"t": f32(0.0)}, opset=15))

# --------------------------------------------------------------------------- Resize and Upsample (nearest, linear)


def resize(id: str, x, opset=13, scales=None, sizes=None, **attrs) -> None:
    """roi and scales are given as empty tensors where the node needs a placeholder."""
    inits, names = {}, ["x"]
    if opset >= 11:
        inits["roi"], names = f32(), names + ["roi"]
    if scales is not None or opset >= 11:
        inits["scales"], names = np.array(scales or [], np.float32), names + ["scales"]
    if sizes is not None:
        inits["sizes"], names = i64(*sizes), names + ["sizes"]
    case(f"Resize-{id}", node("Resize", [("x", x)], inits=lambda r: inits, node_inputs=names, attrs=attrs, opset=opset))


X4 = [1, 2, 5, 4]
for transform in ("half_pixel", "asymmetric", "align_corners", "pytorch_half_pixel", "tf_half_pixel_for_nn"):
    for nearest in ("round_prefer_floor", "round_prefer_ceil", "floor", "ceil"):
        resize(f"sizes-up-down-{transform}-{nearest}", X4, opset=11, sizes=[1, 2, 8, 3],
               coordinate_transformation_mode=transform, nearest_mode=nearest)
resize("scales-up2x-default-modes", X4, scales=[1, 1, 2, 2])
resize("scales-fractional-1.5-0.5", X4, scales=[1, 1, 1.5, 0.5])
resize("scales-asymmetric-floor-2x", X4, scales=[1, 1, 2, 2], coordinate_transformation_mode="asymmetric", nearest_mode="floor")
resize("pytorch_half_pixel-to-size1", X4, sizes=[1, 2, 1, 3], coordinate_transformation_mode="pytorch_half_pixel")
resize("align_corners-to-size1", X4, sizes=[1, 2, 1, 7], coordinate_transformation_mode="align_corners")
resize("opset10-scales-up", X4, opset=10, scales=[1, 1, 2, 3])
resize("opset10-scales-down", X4, opset=10, scales=[1, 1, 0.5, 0.7])
resize("opset18-axes-scales", X4, opset=18, scales=[2, 3], axes=[2, 3])
resize("opset18-axes-sizes-not_larger", X4, opset=18, sizes=[7, 5], axes=[2, 3], keep_aspect_ratio_policy="not_larger")
resize("opset18-axes-sizes-not_smaller", X4, opset=18, sizes=[7, 5], axes=[2, 3], keep_aspect_ratio_policy="not_smaller")
resize("opset19-half_pixel_symmetric", X4, opset=19, sizes=[1, 2, 7, 3], coordinate_transformation_mode="half_pixel_symmetric")
resize("3d-input-opset13", [2, 3, 5], sizes=[2, 6, 3])
for transform in ("half_pixel", "asymmetric", "align_corners", "pytorch_half_pixel"):
    resize(f"linear-sizes-up-down-{transform}", X4, opset=11, sizes=[1, 2, 8, 3], mode="linear",
           coordinate_transformation_mode=transform)
resize("linear-scales-up2x", X4, scales=[1, 1, 2, 2], mode="linear")
resize("linear-scales-down", X4, scales=[1, 1, 0.6, 0.5], mode="linear")
resize("linear-2d-input", [5, 4], scales=[1.5, 2], mode="linear")
resize("linear-5d-trilinear", [1, 2, 3, 4, 5], scales=[1, 1, 2, 1.5, 0.5], mode="linear")
resize("linear-from-size1", [1, 2, 1, 4], scales=[1, 1, 3, 2], mode="linear", coordinate_transformation_mode="align_corners")
resize("linear-opset10", X4, opset=10, scales=[1, 1, 2, 1.5], mode="linear")
resize("linear-opset19-half_pixel_symmetric", X4, opset=19, sizes=[1, 2, 7, 3], mode="linear",
       coordinate_transformation_mode="half_pixel_symmetric")
case("Upsample-opset9-linear", node("Upsample", [("x", X4)], inits=lambda r: {"scales": f32(1, 1, 2, 3)},
                                    attrs={"mode": "linear"}, opset=9))
case("Upsample-opset7-attribute-scales", node("Upsample", [("x", X4)], attrs={"scales": [1.0, 1.0, 2.0, 1.5]}, opset=7))
case("Upsample-opset9-input-scales", node("Upsample", [("x", X4)], inits=lambda r: {"scales": f32(1, 1, 2, 3)}, opset=9))

# --------------------------------------------------------------------------- small graphs with the new ops


def conv_relu_lrn_maxpool() -> onnx.ModelProto:
    """AlexNet's first block: LRN between the conv epilogue and the pool."""
    r = np.random.default_rng(1)
    nodes = [
        helper.make_node("Conv", ["x", "W", "B"], ["c"], kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["c"], ["r"]),
        helper.make_node("LRN", ["r"], ["n"], size=5, alpha=1e-2, beta=0.75, bias=1.0),
        helper.make_node("MaxPool", ["n"], ["y"], kernel_shape=[2, 2], strides=[2, 2]),
    ]
    inits = {"W": random_array([8, 3, 3, 3], r), "B": random_array([8], r)}
    return make_graph_model(nodes, [("x", [1, 3, 8, 8])], initializers=inits)


def matmul_layernorm_gelu() -> onnx.ModelProto:
    """A transformer MLP's shape: projection, residual, LayerNorm, Gelu."""
    r = np.random.default_rng(1)
    nodes = [
        helper.make_node("MatMul", ["x", "W"], ["m"]),
        helper.make_node("Add", ["m", "x"], ["a"]),
        helper.make_node("LayerNormalization", ["a", "scale", "bias"], ["n"], axis=-1),
        helper.make_node("Gelu", ["n"], ["y"]),
    ]
    inits = {"W": random_array([16, 16], r), "scale": random_array([16], r), "bias": random_array([16], r)}
    return make_graph_model(nodes, [("x", [2, 5, 16])], initializers=inits, opset=20)


def resize_conv_concat() -> onnx.ModelProto:
    """A feature pyramid's upsampling: Resize 2x, then Concat with the finer map, then Conv."""
    r = np.random.default_rng(1)
    nodes = [
        helper.make_node("Resize", ["coarse", "", "scales"], ["up"], mode="nearest"),
        helper.make_node("Concat", ["up", "fine"], ["cat"], axis=1),
        helper.make_node("Conv", ["cat", "W"], ["y"], kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
    ]
    inits = {"scales": f32(1, 1, 2, 2), "W": random_array([4, 5, 3, 3], r)}
    return make_graph_model(nodes, [("coarse", [1, 2, 3, 3]), ("fine", [1, 3, 6, 6])], initializers=inits)


def slice_gather_squeeze() -> onnx.ModelProto:
    """A class-token pick (Gather of index 0) after a reversed slice, squeezed, through an activation."""
    nodes = [
        helper.make_node("Slice", ["x", "starts", "ends", "axes", "steps"], ["s"]),
        helper.make_node("Gather", ["s", "zero"], ["g"], axis=1),
        helper.make_node("Unsqueeze", ["g", "axes"], ["u"]),
        helper.make_node("Squeeze", ["u", "axes"], ["q"]),
        helper.make_node("LeakyRelu", ["q"], ["y"], alpha=0.1),
    ]
    inits = {"starts": i64(-1), "ends": i64(-(2**63)), "axes": i64(1), "steps": i64(-1), "zero": np.array(0, np.int64)}
    return make_graph_model(nodes, [("x", [2, 5, 8])], initializers=inits)


case("chain-Conv-Relu-LRN-MaxPool", conv_relu_lrn_maxpool)
case("chain-MatMul-Add-LayerNorm-Gelu", matmul_layernorm_gelu)
case("chain-Resize-Concat-Conv", resize_conv_concat)
case("chain-Slice-Gather-Unsqueeze-Squeeze-LeakyRelu", slice_gather_squeeze)


# --------------------------------------------------------------------------- the test


@pytest.mark.parametrize("fuse", [True, False], ids=["fused", "unfused"])
@pytest.mark.parametrize("build, kinds, prepare_kwargs", CASES)
def test_op_matches_onnxruntime(build, kinds, prepare_kwargs, fuse):
    model = build()
    inputs = random_inputs(model, seed=0, kinds=kinds)
    assert_matches_onnxruntime(model, inputs, rtol=1e-4, atol=1e-5, fuse=fuse, **prepare_kwargs)


# --------------------------------------------------------------------------- constant folding


FOLDED = ("Abs-", "Reciprocal-", "Floor-", "Ceil-", "Sign-", "Softplus-", "Softsign-", "HardSwish-", "Mish-", "Gelu-",
          "LeakyRelu-", "ThresholdedRelu-", "Elu-", "Celu-", "Selu-", "HardSigmoid-", "PRelu-slope", "Mean-",
          "LogSoftmax-axis1", "GlobalMaxPool-1x1", "LRN-size3", "ReduceMin-opset13", "ReduceProd-opset13",
          "ReduceLogSumExp-opset13", "Squeeze-", "Unsqueeze-", "Slice-", "Split-", "Gather-", "Expand-", "Tile-",
          "Resize-scales", "Resize-linear-scales", "DepthToSpace-DCR")




@pytest.mark.parametrize("build, kinds, prepare_kwargs", [c for c in CASES if c.id.startswith(FOLDED)])
def test_op_folds_like_onnxruntime(build, kinds, prepare_kwargs):
    """fold-constants evaluates the ops' scalar semantics with numpy: the new scalar operations included."""
    model = build()
    inputs = random_inputs(model, seed=0, kinds=kinds)
    assert_outputs_close(model, fold_with_constant_inputs(model, inputs), run_onnxruntime(model, inputs), context="folded")


# --------------------------------------------------------------------------- where onnxruntime departs from the spec


@pytest.mark.parametrize("size", [2, 4, 6])
def test_lrn_even_size_matches_the_spec(size):
    """onnxruntime accepts only odd sizes; the spec's window is [c - floor((size-1)/2), c + ceil((size-1)/2)]."""
    model = make_node_model("LRN", [("x", [2, 5, 3, 2])], attrs={"size": size, "alpha": 0.3, "beta": 0.6, "bias": 1.5})
    (x,) = random_inputs(model)
    low, high = (size - 1) // 2, size // 2
    squares = np.stack([(x[:, max(0, c - low) : c + high + 1] ** 2).sum(axis=1) for c in range(x.shape[1])], axis=1)
    expected = x / (1.5 + 0.3 / size * squares) ** 0.6
    for fuse in (True, False):
        np.testing.assert_allclose(run_opt_fuse(model, [x], fuse=fuse)[0], expected, rtol=1e-4, atol=1e-5)


def test_resize_negative_axes_count_from_the_end():
    """The spec allows negative axes; onnxruntime (and onnx's reference) ignore them, so compare with the positive form."""
    def model(axes):
        inits = {"sizes": i64(7, 5)}
        attrs = {"axes": axes, "keep_aspect_ratio_policy": "not_smaller"}
        return make_node_model("Resize", [("x", [1, 2, 3, 4])], initializers=inits, node_inputs=["x", "", "", "sizes"],
                               attrs=attrs, opset=19, outputs=[("y", [1, 2, 7, 9])])
    x = random_inputs(model([2, 3]))
    np.testing.assert_array_equal(run_opt_fuse(model([-2, -1]), x)[0], run_opt_fuse(model([2, 3]), x)[0])
