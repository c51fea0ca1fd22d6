"""Reductions whose reduced axes are followed by kept axes accumulate whole output rows.

lower-to-loops (`row_accumulated`) runs such a reduction as: loop.parallel over the
kept axes before the first reduced one; the row set to INIT; the reduced and
following kept axes in input order (kept innermost); then finish and the
epilogue. These tests check that it computes what onnxruntime computes (every
folding reduce op, several axes layouts, keepdims, epilogues, several outputs,
symbolic sizes down to an empty reduction) and that the loops have that shape.
"""

from __future__ import annotations

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper
from onnx_helpers import assert_matches_onnxruntime, make_graph_model, make_node_model
from test_typed_ops import BOUNDS, bag_inputs, embedding_bag
from xdsl.dialects.builtin import TensorType, f32
from xdsl.ir import Block

from compiler import backend
from compiler.api import run_pipeline
from compiler.onnx_importer import import_model
from dialects import loop
from dialects.nn import FusedOp, ReduceLogSumExpOp, ReduceSumOp, _ReduceOp
from passes.lower_to_loops import Group, build_kernel, row_accumulated, scratch_values

REDUCE_OPS = ["ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd"]
LAYOUTS = [  # (input shape, axes): reduced axes followed by kept ones
    ((3, 7, 5), [1]),
    ((7, 5), [0]),
    ((3, 4, 5), [0, 2]),
    ((2, 3, 4, 5), [1, 3]),
    ((2, 3, 4, 5), [1, 2]),
]


def _reduce_model(op: str, shape, axes, keepdims: int, epilogue: str | None = None, both: bool = False) -> onnx.ModelProto:
    nodes = [helper.make_node(op, ["x", "axes"], ["r"], keepdims=keepdims)]
    outputs = ["r"]
    if epilogue is not None:
        nodes.append(helper.make_node(epilogue, ["r"], ["y"]))
        outputs = ["r", "y"] if both else ["y"]
    return make_graph_model(nodes, [("x", shape)], outputs, {"axes": np.array(axes, np.int64)}, opset=18)


@pytest.mark.parametrize("keepdims", [0, 1])
@pytest.mark.parametrize("shape,axes", LAYOUTS, ids=lambda v: "x".join(map(str, v)) if isinstance(v, tuple) else str(v))
@pytest.mark.parametrize("op", REDUCE_OPS)
def test_row_accumulated_reduction_matches_onnxruntime(op, shape, axes, keepdims):
    model = _reduce_model(op, shape, axes, keepdims)
    x = np.random.default_rng(0).uniform(0.5, 1.5, shape).astype(np.float32)  # products stay finite
    assert_matches_onnxruntime(model, [x])


@pytest.mark.parametrize("fuse", [True, False], ids=["fused", "unfused"])
@pytest.mark.parametrize("both", [False, True], ids=["epilogue", "reduction-also-output"])
@pytest.mark.parametrize("op", ["ReduceMean", "ReduceMax"])
def test_epilogue_and_several_outputs(op, both, fuse):
    model = _reduce_model(op, (4, 9, 16), [1], 0, epilogue="Relu", both=both)
    x = np.random.default_rng(1).standard_normal((4, 9, 16)).astype(np.float32)
    assert_matches_onnxruntime(model, [x], fuse=fuse)


def test_integer_sum_over_a_middle_axis():
    model = make_node_model(
        "ReduceSum", [("x", [3, 6, 5], TensorProto.INT64)], attrs={"keepdims": 0},
        initializers={"axes": np.array([1], np.int64)}, opset=18,
    )
    x = np.random.default_rng(2).integers(-100, 100, (3, 6, 5)).astype(np.int64)
    (got,) = backend.prepare(model).run([x])
    np.testing.assert_array_equal(got, x.sum(1))


def _symbolic_mean_relu() -> onnx.ModelProto:
    nodes = [
        helper.make_node("ReduceMean", ["x", "axes"], ["m"], keepdims=0),
        helper.make_node("Relu", ["m"], ["y"]),
    ]
    graph = helper.make_graph(
        nodes, "mean", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", "seq", 8])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 8])],
        [onnx.numpy_helper.from_array(np.array([1], np.int64), "axes")],
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)])


def test_symbolic_sizes_and_the_mean_of_no_elements_is_zero():
    rep = backend.prepare(_symbolic_mean_relu(), dim_bounds=BOUNDS)
    rng = np.random.default_rng(3)
    for batch, seq in [(6, 5), (2, 3), (1, 1), (3, 0)]:
        x = rng.standard_normal((batch, seq, 8)).astype(np.float32)
        (got,) = rep.run([x])
        want = np.maximum(x.mean(1), 0) if seq else np.zeros((batch, 8), np.float32)
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("weighted", [True, False], ids=["weighted", "plain"])
def test_embedding_bag_is_one_group_and_matches_unfused(weighted):
    model = embedding_bag(weighted)
    fused = backend.prepare(model, dim_bounds=BOUNDS)
    kernels = [line for line in fused.artifacts.files["ll"].read_text().splitlines() if line.startswith("define internal") and ".par." not in line]  # not the threads' outlined loops
    assert len(kernels) == 1, kernels
    unfused = backend.prepare(model, dim_bounds=BOUNDS, fuse=False)
    for batch, seq in [(6, 5), (3, 2), (2, 0)]:
        inputs = bag_inputs(model, batch, seq)
        np.testing.assert_allclose(fused.run(inputs)[0], unfused.run(inputs)[0], rtol=1e-5, atol=1e-6)


def _fused_group(model: onnx.ModelProto) -> Group:
    module = import_model(model, dim_bounds=BOUNDS)
    run_pipeline(module, "builtin.module(shape-infer,fold-constants,fuse)")
    (fused,) = [op for op in module.walk() if isinstance(op, FusedOp)]
    return Group.of_fused(fused)


def _depth(op) -> int:
    depth = 0
    while (op := op.parent_op()) is not None:
        depth += isinstance(op, loop.ForOp | loop.ParallelOp)
    return depth


def test_embedding_bag_kernel_hoists_the_row_work_out_of_the_contiguous_loop():
    """The id load, its range check and the mask run once per (b, s); the innermost loop reads table rows."""
    group = _fused_group(embedding_bag(weighted=True))
    reduction = row_accumulated(group)
    assert isinstance(reduction, ReduceSumOp)
    assert scratch_values(group) == []  # the bag is the group's output: it accumulates there
    kernel = build_kernel(group, "bag", at_bounds=BOUNDS)
    ops = list(kernel.walk())
    (check,) = [op for op in ops if isinstance(op, loop.CheckOp)]
    table_loads = [op for op in ops if isinstance(op, loop.LoadOp) and op.operands[0].name_hint == "table"]
    assert _depth(check) == 2  # parallel b, for s
    assert [_depth(op) for op in table_loads] == [3]  # parallel b, for s, for d
    assert [_depth(op) for op in ops if isinstance(op, loop.StoreOp)] == [2, 3]  # INIT, then the accumulation


def test_which_reductions_accumulate_rows():
    assert _ReduceOp.FOLDS_ELEMENTS and not ReduceLogSumExpOp.FOLDS_ELEMENTS
    block = Block(arg_types=[TensorType(f32, [4, 6, 8])])
    x = block.args[0]
    middle = ReduceSumOp(x, [1], False, TensorType(f32, [4, 8]))
    last = ReduceSumOp(x, [-1], False, TensorType(f32, [4, 6]))
    lse = ReduceLogSumExpOp(x, [1], False, TensorType(f32, [4, 8]))
    for op in (middle, last, lse):
        block.add_op(op)
    assert row_accumulated(Group.of_op(middle)) is middle
    assert row_accumulated(Group.of_op(last)) is None
    assert row_accumulated(Group.of_op(lse)) is None
