"""Build the two example models, `mlp.onnx` and `cnn.onnx`, next to this file.

Both are small (a few thousand seeded weights), float32, opset 17, IR version 8,
and exercise the fusion patterns opt-fuse cares about:

- mlp: x[1,64] -> Gemm(128) -> Relu -> Gemm(64) -> Relu -> Gemm(10) -> Softmax
  (Gemm with transB=1 as PyTorch exports it; bias + activation are epilogues).
- cnn: image[1,3,16,16] -> Conv(8, 3x3, pads 1) -> BatchNormalization -> Relu
  -> MaxPool(2x2, stride 2) -> Conv(16, 3x3, pads 1) -> Relu -> Pad -> Conv(16,
  3x3, group 2, pads 0) -> Add(residual from the Relu) -> GlobalAveragePool
  -> Flatten -> Gemm(10) -> Softmax
  (BN folding, Pad folded into a Conv's reads, a residual epilogue, grouped conv).

Run `python examples/make_models.py` to rewrite the files; the output is
deterministic, and tests/test_examples.py checks the committed files match.

A third example, `dlrm.onnx` (a DLRM-style recommendation model with int64 id
and length inputs and a dynamic batch and seq), is built by make_dlrm.py and
run by run_dlrm.py.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 17
IR_VERSION = 8
HERE = Path(__file__).resolve().parent


def _weight(rng: np.random.Generator, *shape: int, scale: float | None = None) -> np.ndarray:
    """He-style init so activations stay O(1) through the layers."""
    fan_in = int(np.prod(shape[1:])) if len(shape) > 1 else shape[0]
    scale = np.sqrt(2.0 / fan_in) if scale is None else scale
    return (rng.standard_normal(shape) * scale).astype(np.float32)


def _model(nodes, name, inputs, outputs, weights: dict[str, np.ndarray]) -> onnx.ModelProto:
    graph = helper.make_graph(
        nodes,
        name,
        inputs,
        outputs,
        initializer=[numpy_helper.from_array(v, k) for k, v in weights.items()],
    )
    model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", OPSET)],
        ir_version=IR_VERSION,
        producer_name="opt-fuse examples",
    )
    onnx.checker.check_model(model, full_check=True)
    return model


def make_mlp() -> onnx.ModelProto:
    """x[1,64] -> 3 x (Gemm, Relu) with the last Relu replaced by Softmax -> y[1,10]."""
    rng = np.random.default_rng(17)
    sizes = [64, 128, 64, 10]
    weights, nodes, prev = {}, [], "x"
    for i, (k, n) in enumerate(zip(sizes, sizes[1:]), start=1):
        weights[f"fc{i}.weight"] = _weight(rng, n, k)  # [N, K], read with transB=1
        weights[f"fc{i}.bias"] = _weight(rng, n, scale=0.1)
        nodes.append(helper.make_node("Gemm", [prev, f"fc{i}.weight", f"fc{i}.bias"], [f"fc{i}"], transB=1))
        prev = f"fc{i}"
        if i < len(sizes) - 1:
            nodes.append(helper.make_node("Relu", [prev], [f"relu{i}"]))
            prev = f"relu{i}"
    nodes.append(helper.make_node("Softmax", [prev], ["y"], axis=-1))
    return _model(
        nodes,
        "mlp",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 64])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 10])],
        weights,
    )


def make_cnn() -> onnx.ModelProto:
    """image[1,3,16,16] -> conv/bn/relu/pool -> conv/relu -> pad/grouped conv + residual -> head -> y[1,10]."""
    rng = np.random.default_rng(18)
    w = {
        "conv1.weight": _weight(rng, 8, 3, 3, 3),
        "conv1.bias": _weight(rng, 8, scale=0.1),
        "bn1.scale": (1.0 + 0.1 * rng.standard_normal(8)).astype(np.float32),
        "bn1.bias": _weight(rng, 8, scale=0.1),
        "bn1.mean": _weight(rng, 8, scale=0.1),
        "bn1.var": (0.5 + rng.random(8)).astype(np.float32),
        "conv2.weight": _weight(rng, 16, 8, 3, 3),
        "conv2.bias": _weight(rng, 16, scale=0.1),
        "pad.pads": np.array([0, 0, 1, 1, 0, 0, 1, 1], dtype=np.int64),
        "conv3.weight": _weight(rng, 16, 8, 3, 3),  # group=2: 8 input channels per group
        "conv3.bias": _weight(rng, 16, scale=0.1),
        "fc.weight": _weight(rng, 10, 16, scale=0.08),  # keeps the logits O(1): softmax not saturated
        "fc.bias": _weight(rng, 10, scale=0.1),
    }
    node = helper.make_node
    nodes = [
        node("Conv", ["image", "conv1.weight", "conv1.bias"], ["conv1"], kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
        node("BatchNormalization", ["conv1", "bn1.scale", "bn1.bias", "bn1.mean", "bn1.var"], ["bn1"], epsilon=1e-5),
        node("Relu", ["bn1"], ["relu1"]),
        node("MaxPool", ["relu1"], ["pool1"], kernel_shape=[2, 2], strides=[2, 2]),
        node("Conv", ["pool1", "conv2.weight", "conv2.bias"], ["conv2"], kernel_shape=[3, 3], pads=[1, 1, 1, 1],
             strides=[1, 1]),
        node("Relu", ["conv2"], ["relu2"]),
        node("Pad", ["relu2", "pad.pads"], ["padded"], mode="constant"),
        node("Conv", ["padded", "conv3.weight", "conv3.bias"], ["conv3"], kernel_shape=[3, 3], pads=[0, 0, 0, 0],
             group=2),
        node("Add", ["conv3", "relu2"], ["residual"]),
        node("GlobalAveragePool", ["residual"], ["gap"]),
        node("Flatten", ["gap"], ["flat"], axis=1),
        node("Gemm", ["flat", "fc.weight", "fc.bias"], ["logits"], transB=1),
        node("Softmax", ["logits"], ["y"], axis=-1),
    ]
    return _model(
        nodes,
        "cnn",
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, [1, 3, 16, 16])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 10])],
        w,
    )


def main() -> None:
    for name, make in (("mlp", make_mlp), ("cnn", make_cnn)):
        path = HERE / f"{name}.onnx"
        onnx.save(make(), path)
        print(f"wrote {path} ({path.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
