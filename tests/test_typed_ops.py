"""Integer and boolean tensors end to end, against onnxruntime: arithmetic, comparisons, logic,
Where, Cast, Range, Gather with indices computed at run time, reductions, Tile and Expand whose
sizes come from Shape, and the embedding bag (Caffe2's SparseLengthsSum in ONNX form) under
two bounded dims at once.

Every case runs fused and unfused; outputs must match onnxruntime's dtype exactly and its values
exactly for integers and bools (rtol 1e-5 for floats).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper
from onnx_helpers import assert_matches_onnxruntime, make_graph_model, make_node_model, random_inputs, run_onnxruntime

from compiler import backend
from compiler.errors import RuntimeInputError

I64, I32, I8, U8, F32, BOOL = TensorProto.INT64, TensorProto.INT32, TensorProto.INT8, TensorProto.UINT8, TensorProto.FLOAT, TensorProto.BOOL
NAMES = {I64: "i64", I32: "i32", I8: "i8", U8: "u8", F32: "f32", BOOL: "bool"}

CASES: list = []


def case(id: str, build: Callable[[], onnx.ModelProto], kinds: str | dict[str, str] = "normal") -> None:
    CASES.append(pytest.param(build, kinds, id=id))


def one_node(op: str, inputs: list[tuple], outputs=("y",), opset: int = 17, **attrs) -> Callable[[], onnx.ModelProto]:
    return lambda: make_node_model(op, inputs, list(outputs), attrs=attrs, opset=opset)


# --------------------------------------------------------------------------- integer arithmetic

for elem in (I64, I32):
    for op in ("Add", "Sub", "Mul", "Max", "Min"):
        case(f"{op}-{NAMES[elem]}-broadcast", one_node(op, [("a", [2, 3, 4], elem), ("b", [3, 1], elem)]))
    case(f"Div-{NAMES[elem]}-truncates-toward-zero", one_node("Div", [("a", [5, 4], elem), ("b", [4], elem)]), {"b": "range:1:4"})
    for op in ("Neg", "Abs", "Sign"):  # onnxruntime has no integer Relu
        case(f"{op}-{NAMES[elem]}", one_node(op, [("x", [3, 5], elem)]))
case("Div-i64-negative-divisors", lambda: make_node_model(
    "Div", [("a", [6], I64)], ["y"], initializers={"b": np.array([-3, -2, 2, 3, -1, 7], np.int64)}))
case("Clip-i64", lambda: make_node_model(
    "Clip", [("x", [4, 5], I64)], ["y"], initializers={"lo": np.array(-2, np.int64), "hi": np.array(3, np.int64)}))

# --------------------------------------------------------------------------- comparisons and logic

for elem in (F32, I64, I32):
    for op in ("Less", "LessOrEqual", "Greater", "GreaterOrEqual", "Equal"):
        case(f"{op}-{NAMES[elem]}", one_node(op, [("a", [2, 3, 4], elem), ("b", [4], elem)]), "normal" if elem == F32 else "range:-2:3")
case("Equal-bool", one_node("Equal", [("a", [3, 4], BOOL), ("b", [3, 4], BOOL)]))
for op in ("And", "Or", "Xor"):
    case(f"{op}-bool-broadcast", one_node(op, [("a", [2, 3, 4], BOOL), ("b", [3, 1], BOOL)]))
case("Not-bool", one_node("Not", [("x", [3, 4], BOOL)]))
case("Less-then-Not-then-And", lambda: make_graph_model(
    [helper.make_node("Less", ["a", "b"], ["m"]), helper.make_node("Not", ["m"], ["n"]), helper.make_node("And", ["n", "c"], ["y"])],
    [("a", [3, 4]), ("b", [3, 4]), ("c", [3, 4], BOOL)], ["y"]))

# --------------------------------------------------------------------------- Where

case("Where-f32", one_node("Where", [("c", [2, 3], BOOL), ("x", [2, 3]), ("y0", [2, 3])]))
case("Where-i64-broadcast-all-three", one_node("Where", [("c", [3, 1], BOOL), ("x", [1, 4], I64), ("y0", [3, 4], I64)]))
case("Where-i32-scalar-branch", one_node("Where", [("c", [4], BOOL), ("x", [4], I32), ("y0", [], I32)]))

# --------------------------------------------------------------------------- Cast

CAST_INPUT_KINDS = {F32: "normal", I64: "range:-100:100", I32: "range:-100:100", I8: "range:-100:100", U8: "range:0:200", BOOL: "normal"}
for source in (F32, I64, I32, I8, U8, BOOL):
    for target in (F32, I64, I32, I8, U8, BOOL):
        if source == target:
            continue
        # float -> uint8 of a negative number is undefined in C (and onnxruntime): keep those non-negative
        kind = "positive" if source == F32 and target == U8 else CAST_INPUT_KINDS[source]
        case(f"Cast-{NAMES[source]}-to-{NAMES[target]}", one_node("Cast", [("x", [3, 7], source)], to=target), kind)
case("Cast-f32-to-i64-large-and-fractional", lambda: make_graph_model(
    [helper.make_node("Mul", ["x", "k"], ["s"]), helper.make_node("Cast", ["s"], ["y"], to=I64)],
    [("x", [4, 5])], ["y"], {"k": np.array(1e6, np.float32)}))

# --------------------------------------------------------------------------- Gather with indices computed at run time

for elem in (I64, I32):
    case(f"Gather-runtime-{NAMES[elem]}-negative-and-repeated-axis0",
         one_node("Gather", [("data", [5, 3]), ("i", [2, 4], elem)], axis=0), {"i": "range:-5:5"})
case("Gather-runtime-axis1-of-i64-data", one_node("Gather", [("data", [2, 6, 3], I64), ("i", [4], I64)], axis=1), {"i": "range:-6:6", "data": "normal"})
case("Gather-runtime-scalar-index", one_node("Gather", [("data", [4, 3]), ("i", [], I64)], axis=0), {"i": "range:-4:4"})
case("Gather-runtime-bool-data", one_node("Gather", [("data", [6], BOOL), ("i", [3, 2], I64)], axis=0), {"i": "range:-6:6"})
case("Gather-indices-computed-by-Add", lambda: make_graph_model(
    [helper.make_node("Add", ["i", "offset"], ["j"]), helper.make_node("Gather", ["data", "j"], ["y"], axis=0)],
    [("data", [8, 2]), ("i", [5], I64)], ["y"], {"offset": np.array(2, np.int64)}), {"i": "range:-10:6"})

# --------------------------------------------------------------------------- reductions of integers (axes as an input)


def reduce_i64(op: str, keepdims: int) -> Callable[[], onnx.ModelProto]:
    return lambda: make_node_model(
        op, [("x", [3, 4, 5], I64)], ["y"], attrs={"keepdims": keepdims}, initializers={"axes": np.array([0, -1], np.int64)}, opset=18
    )


for op in ("ReduceSum", "ReduceMax", "ReduceMin", "ReduceMean", "ReduceProd"):
    for keepdims in (0, 1):
        case(f"{op}-i64-axes-input-keepdims{keepdims}", reduce_i64(op, keepdims), "range:-3:4")
case("ReduceSum-i32-all-axes", lambda: make_node_model("ReduceSum", [("x", [3, 4], I32)], ["y"], attrs={"keepdims": 0}))

# --------------------------------------------------------------------------- data movement of integers and bools

case("Concat-i64", one_node("Concat", [("a", [2, 3], I64), ("b", [2, 1], I64)], axis=1))
case("Transpose-bool", one_node("Transpose", [("x", [2, 3, 4], BOOL)], perm=[2, 0, 1]))
case("Reshape-then-Slice-i32", lambda: make_graph_model(
    [helper.make_node("Reshape", ["x", "shape"], ["r"]), helper.make_node("Slice", ["r", "starts", "ends"], ["y"])],
    [("x", [2, 6], I32)], ["y"],
    {"shape": np.array([3, 4], np.int64), "starts": np.array([1, 0], np.int64), "ends": np.array([3, 3], np.int64)}))
case("Pad-i64-constant-value", lambda: make_node_model(
    "Pad", [("x", [2, 3], I64)], ["y"], initializers={"pads": np.array([1, 0, 0, 2], np.int64), "value": np.array(-7, np.int64)}))


@pytest.mark.parametrize("fuse", [True, False], ids=["fused", "unfused"])
@pytest.mark.parametrize("build, kinds", CASES)
def test_typed_op_matches_onnxruntime(build, kinds, fuse):
    model = build()
    inputs = random_inputs(model, seed=0, kinds=kinds)
    assert_matches_onnxruntime(model, inputs, rtol=1e-5, atol=0, fuse=fuse)


# --------------------------------------------------------------------------- run-time index checks


def test_out_of_range_runtime_index_fails_the_run_naming_the_node():
    model = make_graph_model([helper.make_node("Gather", ["data", "i"], ["y"], axis=0, name="lookup")], [("data", [5, 3]), ("i", [2], I64)], ["y"])
    rep = backend.prepare(model)
    data = np.arange(15, dtype=np.float32).reshape(5, 3)
    for bad in ([0, 5], [-6, 1]):
        with pytest.raises(RuntimeInputError, match=r"'nn.gather' \(ONNX node 'lookup'\): an index is out of range for axis 0 of size 5"):
            rep.run([data, np.array(bad, np.int64)])
    np.testing.assert_array_equal(rep.run([data, np.array([-5, 4], np.int64)])[0], data[[0, 4]])  # the next run is fine


# --------------------------------------------------------------------------- two bounded dims: Range, Tile, Expand, the embedding bag

BOUNDS = {"batch": 6, "seq": 5}
SIZES = [(1, 1), (3, 4), (6, 5)]  # 1, in between, the bounds


def _int(value: int, name: str) -> onnx.TensorProto:
    return numpy_helper.from_array(np.array(value, np.int64), name)


def _symbolic_model(nodes, inputs, outputs, initializers) -> onnx.ModelProto:
    graph = helper.make_graph(
        nodes, "bag", [helper.make_tensor_value_info(*i) for i in inputs], [helper.make_tensor_value_info(*o) for o in outputs],
        initializer=initializers,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8)
    onnx.checker.check_model(model, full_check=True)
    return model


def embedding_bag(weighted: bool) -> onnx.ModelProto:
    """The SparseLengthsSum pattern an exporter writes: ids [batch, seq] padded, lengths [batch]."""
    rng = np.random.default_rng(3)
    nodes = [
        helper.make_node("Shape", ["ids"], ["ids_shape"]),
        helper.make_node("Gather", ["ids_shape", "one"], ["seq_len"], axis=0),
        helper.make_node("Range", ["zero", "seq_len", "one"], ["positions"]),
        helper.make_node("Unsqueeze", ["positions", "axis0"], ["positions_row"]),
        helper.make_node("Unsqueeze", ["lengths", "axis1"], ["lengths_column"]),
        helper.make_node("Less", ["positions_row", "lengths_column"], ["mask"]),
        helper.make_node("Unsqueeze", ["mask", "axis2"], ["mask3"]),
        helper.make_node("Gather", ["table", "ids"], ["rows"], axis=0, name="rows"),
    ]
    inputs = [("ids", I64, ["batch", "seq"]), ("lengths", I64, ["batch"])]
    rows = "rows"
    if weighted:
        nodes += [helper.make_node("Unsqueeze", ["weights", "axis2"], ["weights3"]), helper.make_node("Mul", ["rows", "weights3"], ["weighted"])]
        inputs.append(("weights", F32, ["batch", "seq"]))
        rows = "weighted"
    nodes += [
        helper.make_node("Where", ["mask3", rows, "zero_f"], ["masked"]),
        helper.make_node("ReduceSum", ["masked", "axis1"], ["bag"], keepdims=0),
    ]
    initializers = [
        numpy_helper.from_array(rng.standard_normal((50, 8)).astype(np.float32), "table"),
        _int(1, "one"), _int(0, "zero"), numpy_helper.from_array(np.array(0, np.float32), "zero_f"),
        *(numpy_helper.from_array(np.array([a], np.int64), f"axis{a}") for a in range(3)),
    ]
    return _symbolic_model(nodes, inputs, [("bag", F32, ["batch", 8])], initializers)


def bag_inputs(model: onnx.ModelProto, batch: int, seq: int, seed: int = 0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    lengths = rng.integers(0, seq + 1, batch)
    lengths[0] = 0  # an empty bag
    lengths[-1] = seq if batch > 1 else lengths[-1]  # a full one
    arrays = [rng.integers(-50, 50, (batch, seq)), lengths]  # negative ids count from the end; repeats are likely
    if len(model.graph.input) > 2:
        arrays.append(rng.standard_normal((batch, seq)).astype(np.float32))
    return [np.asarray(a, np.int64) if a.dtype.kind == "i" else a for a in arrays]


@pytest.mark.parametrize("weighted", [False, True], ids=["plain", "weighted"])
@pytest.mark.parametrize("fuse", [True, False], ids=["fused", "unfused"])
def test_embedding_bag_at_three_sizes_with_one_compile(weighted, fuse):
    model = embedding_bag(weighted)
    rep = backend.prepare(model, fuse=fuse, dim_bounds=BOUNDS)
    for batch, seq in SIZES:
        inputs = bag_inputs(model, batch, seq)
        expected = run_onnxruntime(model, inputs)[0]
        np.testing.assert_allclose(rep.run(inputs)[0], expected, rtol=1e-5, atol=1e-6, err_msg=f"batch={batch}, seq={seq}")
    with pytest.raises(RuntimeInputError, match="seq = 6 .*past its bound 5"):
        rep.run(bag_inputs(model, 2, 6))


def test_embedding_bag_is_one_kernel_that_never_stores_the_rows():
    """Gather -> (Mul) -> Where -> ReduceSum and the mask computation fuse into one group."""
    model = embedding_bag(weighted=True)
    rep = backend.prepare(model, dim_bounds=BOUNDS)
    kernels = [line for line in rep.artifacts.files["ll"].read_text().splitlines() if line.startswith("define internal") and ".par." not in line]  # not the threads' outlined loops
    assert len(kernels) == 1, kernels


def tile_and_expand_from_shapes() -> onnx.ModelProto:
    """y[batch, seq*2] = Tile(row[1, seq], [batch, 2]); z = Expand(column, Shape(ids)): sizes from Shape."""
    nodes = [
        helper.make_node("Shape", ["ids"], ["ids_shape"]),
        helper.make_node("Slice", ["ids_shape", "start0", "end1"], ["batch_1d"]),
        helper.make_node("Concat", ["batch_1d", "two"], ["repeats"], axis=0),
        helper.make_node("Tile", ["row", "repeats"], ["y"]),
        helper.make_node("Expand", ["column", "ids_shape"], ["z"]),
        helper.make_node("Cast", ["ids"], ["ids_f"], to=F32),
        helper.make_node("Add", ["z", "ids_f"], ["w"]),
    ]
    initializers = [
        numpy_helper.from_array(np.array([0], np.int64), "start0"), numpy_helper.from_array(np.array([1], np.int64), "end1"),
        numpy_helper.from_array(np.array([2], np.int64), "two"),
    ]
    inputs = [("ids", I64, ["batch", "seq"]), ("row", F32, [1, "seq"]), ("column", F32, ["batch", 1])]
    return _symbolic_model(nodes, inputs, [("y", F32, ["batch", None]), ("w", F32, ["batch", "seq"])], initializers)


@pytest.mark.parametrize("fuse", [True, False], ids=["fused", "unfused"])
def test_tile_and_expand_sized_by_shape_under_two_bounds(fuse):
    model = tile_and_expand_from_shapes()
    rep = backend.prepare(model, fuse=fuse, dim_bounds=BOUNDS)
    for batch, seq in SIZES:
        rng = np.random.default_rng(batch)
        inputs = [rng.integers(-9, 9, (batch, seq)).astype(np.int64), rng.standard_normal((1, seq)).astype(np.float32),
                  rng.standard_normal((batch, 1)).astype(np.float32)]
        for got, want in zip(rep.run(inputs), run_onnxruntime(model, inputs)):
            np.testing.assert_allclose(got, want, rtol=1e-6, err_msg=f"batch={batch}, seq={seq}")
