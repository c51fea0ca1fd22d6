"""CumSum, TopK and OneHot (nn.cumsum, nn.topk, nn.one_hot) against onnxruntime.

Each case runs fused and unfused; float and integer inputs, attribute corners
(exclusive x reverse, largest, ties, negative axes and indices, size-1 axes),
constant folding (fold-constants runs the same scalar semantics with numpy), a
symbolic axis, and chains with elementwise neighbours so the ops fuse.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import onnx
import onnxruntime
import pytest
from onnx import TensorProto, helper, numpy_helper
from onnx_helpers import (
    _fill_output_shapes,
    assert_matches_onnxruntime,
    assert_outputs_close,
    fold_with_constant_inputs,
    ir_version_for,
    random_inputs,
    run_onnxruntime,
    run_opt_fuse,
)

from compiler import onnx_importer
from compiler.driver import run_pipeline
from dialects import nn

I64, I32, F32 = TensorProto.INT64, TensorProto.INT32, TensorProto.FLOAT
CASES: list = []  # pytest.param(build, kinds, id=...)


def case(id: str, build: Callable, kinds="normal", marks=()) -> None:
    CASES.append(pytest.param(build, kinds, id=id, marks=marks))


ORT_TRUNCATES_ONE_HOT = tuple(int(p) for p in onnxruntime.__version__.split(".")[:2]) >= (1, 32)
"""onnxruntime 1.32 casts OneHot's float indices to integers, as the spec says; before, a
non-integral one (1.5) matched no position, which no longer is the reference."""


def i64(*values) -> np.ndarray:
    return np.array(values, dtype=np.int64)


def make_graph_model(nodes, inputs, outputs=("y",), initializers=None, opset=11) -> onnx.ModelProto:
    """onnx_helpers.make_graph_model, but every output's element type and shape come from ONNX
    shape inference (these ops give int64 outputs, and int64 or int32 ones from integer inputs)."""
    graph = helper.make_graph(
        list(nodes),
        "test",
        [helper.make_tensor_value_info(i[0], i[2] if len(i) > 2 else F32, list(i[1])) for i in inputs],
        [onnx.ValueInfoProto(name=o) for o in outputs],
        initializer=[numpy_helper.from_array(np.asarray(v), n) for n, v in (initializers or {}).items()],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], ir_version=ir_version_for(opset))
    model = _fill_output_shapes(model)
    onnx.checker.check_model(model, full_check=True)
    return model


def make_node_model(
    op, inputs, outputs=("y",), attrs=None, initializers=None, opset=11, node_inputs=None
) -> onnx.ModelProto:
    initializers = dict(initializers or {})
    if node_inputs is None:
        node_inputs = [i[0] for i in inputs] + list(initializers)
    node = helper.make_node(op, list(node_inputs), list(outputs), **dict(attrs or {}))
    return make_graph_model([node], inputs, outputs, initializers, opset)


# --------------------------------------------------------------------------- CumSum


def cumsum(shape, axis, exclusive=0, reverse=0, elem=F32, opset=14) -> Callable:
    def build():
        return make_node_model(
            "CumSum",
            [("x", shape, elem)],
            initializers={"axis": np.array(axis, np.int64)},
            attrs={"exclusive": exclusive, "reverse": reverse},
            opset=opset,
        )

    return build


for _elem, _name in ((F32, "f32"), (I64, "i64")):
    for _exclusive in (0, 1):
        for _reverse in (0, 1):
            case(f"CumSum-{_name}-ex{_exclusive}-rev{_reverse}", cumsum([3, 5], 1, _exclusive, _reverse, _elem))
case("CumSum-rank1", cumsum([7], 0))
case("CumSum-rank3-axis1", cumsum([2, 4, 3], 1, reverse=1))
case("CumSum-rank3-negative-axis", cumsum([2, 3, 4], -3, exclusive=1))
case("CumSum-rank3-last-axis-i32", cumsum([2, 3, 4], -1, elem=I32))
case("CumSum-axis-size1", cumsum([3, 1, 2], 1))
case("CumSum-axis-size1-exclusive", cumsum([3, 1, 2], 1, exclusive=1))
case("CumSum-opset11", cumsum([4, 3], 0, opset=11))


# --------------------------------------------------------------------------- TopK


def topk(shape, k, axis=None, largest=1, elem=F32, sorted=1) -> Callable:
    def build():
        attrs = {"largest": largest, "sorted": sorted} | ({} if axis is None else {"axis": axis})
        return make_node_model(
            "TopK",
            [("x", shape, elem)],
            outputs=["values", "indices"],
            initializers={"k": i64(k)},
            attrs=attrs,
            opset=11,
        )

    return build


for _elem, _name in ((F32, "f32"), (I64, "i64")):
    for _largest in (0, 1):
        case(f"TopK-{_name}-largest{_largest}", topk([3, 6], 3, largest=_largest, elem=_elem))
case("TopK-ties-i64-k-n", topk([4, 8], 8, elem=I64), kinds={"x": "range:0:3"})
case("TopK-ties-smallest", topk([4, 8], 5, largest=0, elem=I64), kinds={"x": "range:0:3"})
case("TopK-ties-f32", topk([2, 9], 4), kinds="ties")
case("TopK-k1", topk([3, 5], 1))
case("TopK-k1-smallest", topk([3, 5], 1, largest=0))
case("TopK-axis0-rank2", topk([5, 3], 2, axis=0))
case("TopK-axis0-rank3", topk([4, 2, 3], 4, axis=0, elem=I64))
case("TopK-axis1-rank3", topk([2, 5, 3], 3, axis=1, largest=0))
case("TopK-axis-1-rank3", topk([2, 3, 5], 5, axis=-1))
case("TopK-rank1", topk([6], 2))


# --------------------------------------------------------------------------- OneHot


def one_hot(
    shape,
    depth,
    axis=None,
    elem=I64,
    values=(0.0, 1.0),
    values_elem=np.float32,
    depth_dtype=np.int64,
    values_input=False,
) -> Callable:
    def build():
        attrs = {} if axis is None else {"axis": axis}
        inputs = [("indices", shape, elem)]
        inits = {"depth": np.array(depth, depth_dtype)}
        if values_input:
            inputs.append(("values", [2], helper.np_dtype_to_tensor_dtype(np.dtype(values_elem))))
        else:
            inits["values"] = np.array(values, values_elem)
        return make_node_model(
            "OneHot", inputs, initializers=inits, attrs=attrs, opset=11, node_inputs=["indices", "depth", "values"]
        )

    return build


IN_RANGE = {"indices": "range:-4:4"}  # depth 4: negative ones count from the end
OUT_OF_RANGE = {"indices": "range:-7:7"}  # some outside [-4, 4): all-off rows
case("OneHot-axis-1", one_hot([3, 2], 4), IN_RANGE)
case("OneHot-axis0", one_hot([3, 2], 4, axis=0), IN_RANGE)
case("OneHot-axis1", one_hot([3, 2], 4, axis=1), IN_RANGE)
case("OneHot-axis-3", one_hot([3, 2], 4, axis=-3), IN_RANGE)
case("OneHot-out-of-range", one_hot([4, 5], 4, values=(-1.0, 2.5)), OUT_OF_RANGE)
case("OneHot-int64-values", one_hot([6], 4, values=(3, 7), values_elem=np.int64), OUT_OF_RANGE)
case("OneHot-int32-indices", one_hot([5], 4, elem=I32, values=(0.5, -2.0), depth_dtype=np.float32), OUT_OF_RANGE)
case("OneHot-float-indices", one_hot([2, 3], 4, elem=F32, depth_dtype=np.float32), "wide")
case("OneHot-float-indices-int64-values", one_hot([2, 3], 5, elem=F32, values=(1, 9), values_elem=np.int64), "wide")
case("OneHot-depth1", one_hot([4], 1, axis=0), {"indices": "range:-2:2"})
case(
    "OneHot-float-fractional-indices",
    one_hot([10], 4, elem=F32, depth_dtype=np.float32),
    "fractional",
    marks=pytest.mark.skipif(not ORT_TRUNCATES_ONE_HOT, reason="onnxruntime < 1.32 does not truncate OneHot's float indices"),
)
case("OneHot-values-input", one_hot([3, 2], 4, values_input=True), IN_RANGE)


def _inputs(model, kinds):
    if kinds == "ties":  # float ties: few distinct values
        (x,) = random_inputs(model)
        return [np.round(x).astype(np.float32)]
    if kinds == "wide":  # integral float indices, some out of range
        (x,) = random_inputs(model)
        return [np.round(x * 3).astype(np.float32)]
    if kinds == "fractional":  # truncated toward zero (-0.5 and -4.5 hit position 0); negative ones count from depth
        return [np.array([0.3, 1.5, -0.5, -1.0, -1.2, 2.0, 3.99, 4.0, -4.0, -4.5], np.float32)]
    return random_inputs(model, seed=0, kinds=kinds)


@pytest.mark.parametrize("fuse", [True, False], ids=["fused", "unfused"])
@pytest.mark.parametrize("build, kinds", CASES)
def test_op_matches_onnxruntime(build, kinds, fuse):
    model = build()
    assert_matches_onnxruntime(model, _inputs(model, kinds), rtol=1e-4, atol=1e-5, fuse=fuse)


# --------------------------------------------------------------------------- sorted=0


@pytest.mark.parametrize("largest", [0, 1])
def test_topk_unsorted_gives_the_same_set_sorted(largest):
    """onnxruntime returns sorted=0 results in no particular order; opt-fuse always sorts them."""
    model = topk([3, 9], 4, largest=largest, sorted=0)()
    x = np.round(random_inputs(model)[0] * 2).astype(np.float32)
    values, indices = run_opt_fuse(model, [x])
    want_values, want_indices = run_onnxruntime(model, [x])
    order = np.argsort(-x if largest else x, axis=1, kind="stable")[:, :4]
    np.testing.assert_array_equal(indices, order)
    np.testing.assert_array_equal(values, np.take_along_axis(x, order, axis=1))
    np.testing.assert_array_equal(np.sort(values, axis=1), np.sort(want_values, axis=1))
    np.testing.assert_array_equal(np.sort(indices, axis=1), np.sort(want_indices, axis=1))


# --------------------------------------------------------------------------- fusion


def test_cumsum_topk_one_hot_fuse_with_neighbours():
    """Elementwise producers and consumers join these ops' groups, and the whole chain is right."""
    nodes = [
        helper.make_node("Relu", ["x"], ["r"]),
        helper.make_node("CumSum", ["r", "axis"], ["c"]),
        helper.make_node("Neg", ["c"], ["y"]),
        helper.make_node("Abs", ["x"], ["a"]),
        helper.make_node("TopK", ["a", "k"], ["v", "i"]),
        helper.make_node("Exp", ["v"], ["z"]),
        helper.make_node("OneHot", ["i", "depth", "values"], ["h"], axis=1),
        helper.make_node("Sigmoid", ["h"], ["w"]),
    ]
    inits = {
        "axis": np.array(1, np.int64),
        "k": i64(2),
        "depth": np.array(5, np.int64),
        "values": np.array([0.0, 1.0], np.float32),
    }
    model = make_graph_model(nodes, [("x", [3, 5])], outputs=["y", "z", "w"], initializers=inits, opset=14)
    for fuse in (True, False):
        assert_matches_onnxruntime(model, random_inputs(model), fuse=fuse)
    module = onnx_importer.import_model(model, "m")
    run_pipeline(module, "builtin.module(shape-infer,fuse)")
    groups = [op for op in module.walk() if isinstance(op, nn.FusedOp)]
    grouped = {inner.name for group in groups for inner in group.body.walk() if isinstance(inner, nn.NNOp)}
    assert {"nn.relu", "nn.cumsum", "nn.neg", "nn.topk", "nn.exp", "nn.one_hot", "nn.sigmoid"} <= grouped, grouped


# --------------------------------------------------------------------------- symbolic axis


def test_cumsum_on_a_symbolic_axis():
    model = make_graph_model(
        [helper.make_node("CumSum", ["x", "axis"], ["y"], reverse=1)],
        [("x", [2, "n"])],
        initializers={"axis": np.array(-1, np.int64)},
        opset=14,
    )
    for n in (1, 5, 8):
        x = np.random.default_rng(n).standard_normal((2, n)).astype(np.float32)
        for fuse in (True, False):
            got = run_opt_fuse(model, {"x": x}, dim_bounds={"n": 8}, fuse=fuse)
            assert_outputs_close(model, got, run_onnxruntime(model, {"x": x}), context=f"n={n}")


def test_topk_on_a_symbolic_axis():
    model = make_graph_model(
        [helper.make_node("TopK", ["x", "k"], ["v", "i"])],
        [("x", [2, "n"])],
        outputs=["v", "i"],
        initializers={"k": i64(3)},
        opset=11,
    )
    for n in (3, 8):
        x = np.random.default_rng(n).standard_normal((2, n)).astype(np.float32)
        got = run_opt_fuse(model, {"x": x}, dim_bounds={"n": 8})
        assert_outputs_close(model, got, run_onnxruntime(model, {"x": x}), context=f"n={n}")


# --------------------------------------------------------------------------- constant folding




FOLDED = ("CumSum-f32", "CumSum-i64-ex1-rev1", "CumSum-rank3", "TopK-", "OneHot-")


@pytest.mark.parametrize("build, kinds", [c for c in CASES if c.id.startswith(FOLDED)])
def test_op_folds_like_onnxruntime(build, kinds):
    model = build()
    inputs = _inputs(model, kinds)
    assert_outputs_close(model, fold_with_constant_inputs(model, inputs), run_onnxruntime(model, inputs), context="folded")


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    "build, message",
    [
        (
            lambda: make_graph_model(
                [helper.make_node("CumSum", ["x", "a"], ["y"])], [("x", [2, 3]), ("a", [], I64)], opset=14
            ),
            "the axis 'a' must be a constant scalar",
        ),
        (
            lambda: make_node_model("TopK", [("x", [2, 3]), ("k", [1], I64)], outputs=["v", "i"]),
            "the K 'k' must be a constant scalar",
        ),
        (
            lambda: make_node_model(
                "OneHot",
                [("i", [3], I64)],
                initializers={"d": np.array(0, np.int64), "v": np.array([0.0, 1.0], np.float32)},
            ),
            "depth 0 must be at least 1",
        ),
    ],
    ids=["cumsum-axis-input", "topk-k-input", "onehot-depth-0"],
)
def test_errors_name_the_problem(build, message):
    from compiler.errors import OptFuseError

    with pytest.raises(OptFuseError, match=message):
        run_opt_fuse(build(), random_inputs(build()))
