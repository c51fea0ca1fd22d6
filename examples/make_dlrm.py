"""Build `dlrm.onnx`, a DLRM-style recommendation model, next to this file.

    python examples/make_dlrm.py      # rewrites examples/dlrm.onnx (deterministic)

The inputs have a dynamic batch and a dynamic bag length (dim_params "batch"
and "seq"): compile it once with bounds (`--dim-bound batch=16 --dim-bound
seq=20`, or `compiler.backend.prepare(model, dim_bounds={"batch": 16, "seq": 20})`)
and run it at any size up to them (examples/run_dlrm.py).

    dense      float32 [batch, 13]    dense features
    indices_f  int64   [batch, seq]   padded id lists, f = 0, 1, 2
    lengths_f  int64   [batch]        how many of the seq ids of each sample are real (0..seq)
    weights_1  float32 [batch, seq]   a weight per id of feature 1 (a weighted bag)

- bottom MLP: dense -> Gemm(13->32, transB=1) -> Relu -> Gemm(32->16) -> Relu -> [batch, 16]
- one embedding bag per feature, SparseLengthsSum written in plain ONNX the way
  an exporter writes it (the pattern the compiler fuses into one kernel that
  never stores the [batch, seq, 16] rows):
      seq_len   = Gather(Shape(indices_f), 1)                 int64 scalar
      positions = Range(0, seq_len, 1)                        int64 [seq]
      mask      = Less(Unsqueeze(positions, [0]), Unsqueeze(lengths_f, [1]))   bool [batch, seq]
      rows      = Gather(table_f, indices_f, axis=0)           [batch, seq, 16]
      masked    = Where(Unsqueeze(mask, [2]), rows, 0.0)       [batch, seq, 16]
      bag       = ReduceSum(masked, axes=[1], keepdims=0)      [batch, 16]
  feature 0: a float32 [1000, 16] table; feature 1: a float32 [500, 16] table,
  rows multiplied by Unsqueeze(weights_1, [2]) before the Where; feature 2: an
  int8 [2000, 16] table, gathered as int8 and then DequantizeLinear (per-tensor
  float scale, int8 zero point) on the gathered rows, so a kernel reads int8.
- interaction: Concat(bottom, bag0, bag1, bag2, axis=1) -> [batch, 64]
- top MLP: Gemm(64->32) -> Relu -> Gemm(32->1) -> Sigmoid -> click [batch, 1]

Float32 weights are scaled 1/sqrt(fan_in), so the click probabilities stay
well inside (0, 1). `example_inputs(batch, seq, seed)` makes matching inputs
(used by run_dlrm.py, benchmarks/dlrm.py and the tests).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 17
IR_VERSION = 8
HERE = Path(__file__).resolve().parent
PATH = HERE / "dlrm.onnx"

DENSE = 13
EMBED = 16
TABLE_ROWS = (1000, 500, 2000)
"""Rows of the tables of features 0 (float32), 1 (float32, weighted bag) and 2 (int8, dequantized)."""
WEIGHTED = 1
QUANTIZED = 2
BOUNDS = {"batch": 16, "seq": 20}
"""The bounds the example and its benchmark compile with."""


def _dense_weight(rng: np.random.Generator, n: int, k: int) -> np.ndarray:
    """[N, K], read with transB=1; scaled 1/sqrt(fan_in)."""
    return (rng.standard_normal((n, k)) / np.sqrt(k)).astype(np.float32)


def _bias(rng: np.random.Generator, n: int) -> np.ndarray:
    return (0.1 * rng.standard_normal(n)).astype(np.float32)


def _embedding_bag(
    f: int, table: str, node, rows_weight: str | None = None, dequantize: tuple[str, str] | None = None
) -> list[onnx.NodeProto]:
    """SparseLengthsSum of feature f as an exporter writes it in plain ONNX; output `bag{f}` [batch, 16]."""
    p = f"bag{f}."
    rows = f"{p}rows"
    nodes = [
        node("Shape", [f"indices_{f}"], [f"{p}indices_shape"], name=f"{p}shape"),
        node("Gather", [f"{p}indices_shape", "const.one"], [f"{p}seq_len"], name=f"{p}seq_len", axis=0),
        node("Range", ["const.zero", f"{p}seq_len", "const.one"], [f"{p}positions"], name=f"{p}range"),
        node("Unsqueeze", [f"{p}positions", "const.axis0"], [f"{p}positions_row"], name=f"{p}unsqueeze_positions"),
        node("Unsqueeze", [f"lengths_{f}", "const.axis1"], [f"{p}lengths_col"], name=f"{p}unsqueeze_lengths"),
        node("Less", [f"{p}positions_row", f"{p}lengths_col"], [f"{p}mask"], name=f"{p}mask"),
        node("Unsqueeze", [f"{p}mask", "const.axis2"], [f"{p}mask3"], name=f"{p}unsqueeze_mask"),
    ]
    if dequantize is not None:  # gather the int8 rows, then dequantize only those
        nodes.append(node("Gather", [table, f"indices_{f}"], [f"{p}rows_q"], name=f"{p}gather", axis=0))
        nodes.append(node("DequantizeLinear", [f"{p}rows_q", *dequantize], [rows], name=f"{p}dequantize"))
    else:
        nodes.append(node("Gather", [table, f"indices_{f}"], [rows], name=f"{p}gather", axis=0))
    if rows_weight is not None:
        nodes.append(node("Unsqueeze", [rows_weight, "const.axis2"], [f"{p}id_weight"], name=f"{p}unsqueeze_weight"))
        nodes.append(node("Mul", [rows, f"{p}id_weight"], [f"{p}weighted"], name=f"{p}weight"))
        rows = f"{p}weighted"
    nodes.append(node("Where", [f"{p}mask3", rows, "const.zero_f"], [f"{p}masked"], name=f"{p}where"))
    nodes.append(node("ReduceSum", [f"{p}masked", "const.axis1"], [f"bag{f}"], name=f"{p}sum", keepdims=0))
    return nodes


def make_dlrm() -> onnx.ModelProto:
    rng = np.random.default_rng(20)
    w: dict[str, np.ndarray] = {
        "const.zero": np.array(0, np.int64),
        "const.one": np.array(1, np.int64),
        "const.axis0": np.array([0], np.int64),
        "const.axis1": np.array([1], np.int64),
        "const.axis2": np.array([2], np.int64),
        "const.zero_f": np.array(0.0, np.float32),
        "bottom.fc1.weight": _dense_weight(rng, 32, DENSE),
        "bottom.fc1.bias": _bias(rng, 32),
        "bottom.fc2.weight": _dense_weight(rng, EMBED, 32),
        "bottom.fc2.bias": _bias(rng, EMBED),
        "table_0": (rng.standard_normal((TABLE_ROWS[0], EMBED)) * 0.25).astype(np.float32),
        "table_1": (rng.standard_normal((TABLE_ROWS[1], EMBED)) * 0.25).astype(np.float32),
        "table_2": rng.integers(-127, 128, size=(TABLE_ROWS[2], EMBED)).astype(np.int8),
        "table_2.scale": np.array(1 / 256, np.float32),  # int8 values map to about [-0.5, 0.5]
        "table_2.zero_point": np.array(3, np.int8),
        "top.fc1.weight": _dense_weight(rng, 32, 4 * EMBED),
        "top.fc1.bias": _bias(rng, 32),
        "top.fc2.weight": _dense_weight(rng, 1, 32),
        "top.fc2.bias": _bias(rng, 1),
    }
    node = helper.make_node
    nodes = [
        node("Gemm", ["dense", "bottom.fc1.weight", "bottom.fc1.bias"], ["bottom.fc1"], name="bottom.fc1", transB=1),
        node("Relu", ["bottom.fc1"], ["bottom.relu1"], name="bottom.relu1"),
        node("Gemm", ["bottom.relu1", "bottom.fc2.weight", "bottom.fc2.bias"], ["bottom.fc2"], name="bottom.fc2",
             transB=1),
        node("Relu", ["bottom.fc2"], ["bottom"], name="bottom.relu2"),
        *_embedding_bag(0, "table_0", node),
        *_embedding_bag(WEIGHTED, "table_1", node, rows_weight="weights_1"),
        *_embedding_bag(QUANTIZED, "table_2", node, dequantize=("table_2.scale", "table_2.zero_point")),
        node("Concat", ["bottom", "bag0", "bag1", "bag2"], ["interaction"], name="interaction", axis=1),
        node("Gemm", ["interaction", "top.fc1.weight", "top.fc1.bias"], ["top.fc1"], name="top.fc1", transB=1),
        node("Relu", ["top.fc1"], ["top.relu1"], name="top.relu1"),
        node("Gemm", ["top.relu1", "top.fc2.weight", "top.fc2.bias"], ["top.fc2"], name="top.fc2", transB=1),
        node("Sigmoid", ["top.fc2"], ["click"], name="top.sigmoid"),
    ]
    inputs = [helper.make_tensor_value_info("dense", TensorProto.FLOAT, ["batch", DENSE])]
    for f in range(len(TABLE_ROWS)):
        inputs.append(helper.make_tensor_value_info(f"indices_{f}", TensorProto.INT64, ["batch", "seq"]))
        inputs.append(helper.make_tensor_value_info(f"lengths_{f}", TensorProto.INT64, ["batch"]))
        if f == WEIGHTED:
            inputs.append(helper.make_tensor_value_info(f"weights_{f}", TensorProto.FLOAT, ["batch", "seq"]))
    graph = helper.make_graph(
        nodes,
        "dlrm",
        inputs,
        [helper.make_tensor_value_info("click", TensorProto.FLOAT, ["batch", 1])],
        initializer=[numpy_helper.from_array(v, k) for k, v in w.items()],
    )
    model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", OPSET)],
        ir_version=IR_VERSION,
        producer_name="opt-fuse examples",
    )
    onnx.checker.check_model(model, full_check=True)
    return model


def example_inputs(batch: int, seq: int, seed: int = 0) -> dict[str, np.ndarray]:
    """Inputs for dlrm.onnx by graph-input name, in graph-input order (so `list(d.values())` suits rep.run).

    Lengths are random in [0, seq]; with batch >= 2 every feature has an empty
    bag and a full one (in different samples per feature). Ids are in
    [0, rows) -- negative ids are legal ONNX but not generated. The padding
    after each bag's length holds random valid ids rather than 0, so a bag
    that ignored its lengths would give a different answer.
    """
    if batch < 1 or seq < 1:
        raise ValueError(f"batch and seq must be >= 1, got batch={batch}, seq={seq}")
    rng = np.random.default_rng(seed)
    feed = {"dense": rng.standard_normal((batch, DENSE)).astype(np.float32)}
    for f, rows in enumerate(TABLE_ROWS):
        lengths = rng.integers(0, seq + 1, size=batch).astype(np.int64)
        if batch >= 2:
            lengths[f % batch] = 0
            lengths[(f + 1) % batch] = seq
        feed[f"indices_{f}"] = rng.integers(0, rows, size=(batch, seq)).astype(np.int64)
        feed[f"lengths_{f}"] = lengths
        if f == WEIGHTED:
            feed[f"weights_{f}"] = rng.uniform(0.5, 1.5, size=(batch, seq)).astype(np.float32)
    return feed


def main() -> None:
    onnx.save(make_dlrm(), PATH)
    print(f"wrote {PATH} ({PATH.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
