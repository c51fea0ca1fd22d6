"""Small ONNX graphs that show what producer-consumer fusion is worth.

Each builder returns a checked float32 opset-17 model whose weights are
initializers drawn from a fixed seed, so every run (benchmark or test) sees
the same model. `GRAPHS` maps a name to its builder; `benchmarks/fusion.py`
times them and tests may import them to check the compiled results.

The graphs cover the fusion patterns that matter: a long elementwise chain
(many intermediate tensors), a short memory-bound one on tensors larger than
the last-level cache, a conv with an elementwise tail and a Pad in front,
conv + batch norm + clip, and decomposed LayerNorm / Softmax / GELU as
exporters write them (reductions with elementwise work around them).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

ROOT = Path(__file__).resolve().parent.parent
OPSET = 17
IR_VERSION = 8  # the one opset 17 needs; onnx.helper would stamp its newest, which onnxruntime may not read yet
SEED = 0


class _Builder:
    """Collects nodes and initializers so each graph reads as a list of ops."""

    def __init__(self) -> None:
        self.rng = np.random.default_rng(SEED)  # per graph: a graph's weights don't depend on which others were built
        self.nodes: list[onnx.NodeProto] = []
        self.initializers: list[onnx.TensorProto] = []

    def const(self, name: str, value: np.ndarray | float | Sequence[int]) -> str:
        """An initializer; floats become float32, int lists int64 (axes, pads)."""
        array = np.asarray(value)
        array = array.astype(np.int64 if array.dtype.kind in "iu" else np.float32)
        self.initializers.append(numpy_helper.from_array(array, name))
        return name

    def weight(self, name: str, shape: Sequence[int], scale: float = 1.0, offset: float = 0.0) -> str:
        return self.const(name, offset + scale * self.rng.standard_normal(shape))

    def op(self, op_type: str, inputs: Sequence[str], output: str, **attributes: object) -> str:
        self.nodes.append(helper.make_node(op_type, list(inputs), [output], name=output, **attributes))
        return output

    def model(self, name: str, x_shape: Sequence[int], output: str, out_shape: Sequence[int]) -> onnx.ModelProto:
        graph = helper.make_graph(
            self.nodes,
            name,
            [helper.make_tensor_value_info("x", TensorProto.FLOAT, list(x_shape))],
            [helper.make_tensor_value_info(output, TensorProto.FLOAT, list(out_shape))],
            self.initializers,
        )
        model = helper.make_model(
            graph, opset_imports=[helper.make_opsetid("", OPSET)], ir_version=IR_VERSION, producer_name="opt-fuse-bench"
        )
        onnx.checker.check_model(model, full_check=True)
        return model


def elementwise_chain() -> onnx.ModelProto:
    """Ten elementwise/broadcast ops: unfused, each writes a 1x64x56x56 tensor (~800 KB)."""
    b = _Builder()
    scaled = b.op("Mul", ["x", b.weight("scale", [64, 1, 1], 0.1, 1.0)], "scaled")
    biased = b.op("Add", [scaled, b.weight("bias", [64, 1, 1], 0.1)], "biased")
    relu = b.op("Relu", [biased], "relu")
    halved = b.op("Mul", [relu, b.const("half", 0.5)], "halved")
    sig = b.op("Sigmoid", [halved], "sig")
    diff = b.op("Sub", [sig, "x"], "diff")
    tanh = b.op("Tanh", [diff], "tanh")
    summed = b.op("Add", [tanh, biased], "summed")
    clipped = b.op("Clip", [summed, b.const("lo", -1.0), b.const("hi", 1.0)], "clipped")
    out = b.op("Neg", [clipped], "y")
    return b.model("elementwise_chain", [1, 64, 56, 56], out, [1, 64, 56, 56])


def residual_chain() -> onnx.ModelProto:
    """A batch norm's affine, a residual add, ReLU6 and a scale on 1x128x256x256 (34 MB in, 34 MB out).

    A few cheap ops per element on tensors larger than the last-level cache: memory-bound
    fused (one pass over DRAM), where `elementwise_chain`'s sigmoid and tanh are bound by
    their arithmetic.
    """
    b = _Builder()
    scaled = b.op("Mul", ["x", b.weight("scale", [128, 1, 1], 0.1, 1.0)], "scaled")
    biased = b.op("Add", [scaled, b.weight("bias", [128, 1, 1], 0.1)], "biased")
    summed = b.op("Add", [biased, "x"], "summed")
    clipped = b.op("Clip", [summed, b.const("lo", 0.0), b.const("hi", 6.0)], "clipped")
    out = b.op("Mul", [clipped, b.const("half", 0.5)], "y")
    return b.model("residual_chain", [1, 128, 256, 256], out, [1, 128, 256, 256])


def pad_conv_mul_add_relu() -> onnx.ModelProto:
    """An explicit Pad in front of an unpadded conv, and a per-channel affine + Relu after it."""
    b = _Builder()
    padded = b.op("Pad", ["x", b.const("pads", [0, 0, 1, 1, 0, 0, 1, 1]), b.const("pad_value", 0.0)], "padded")
    conv = b.op("Conv", [padded, b.weight("w", [64, 64, 3, 3], 1 / 24)], "conv", kernel_shape=[3, 3])
    scaled = b.op("Mul", [conv, b.weight("scale", [64, 1, 1], 0.1, 1.0)], "scaled")
    biased = b.op("Add", [scaled, b.weight("bias", [64, 1, 1], 0.1)], "biased")
    out = b.op("Relu", [biased], "y")
    return b.model("pad_conv_mul_add_relu", [1, 64, 56, 56], out, [1, 64, 56, 56])


def conv_bn_clip() -> onnx.ModelProto:
    """The MobileNet block: conv with bias, inference batch norm, ReLU6 as Clip(0, 6)."""
    b = _Builder()
    conv = b.op(
        "Conv",
        ["x", b.weight("w", [64, 64, 3, 3], 1 / 24), b.weight("b", [64], 0.1)],
        "conv",
        kernel_shape=[3, 3],
        pads=[1, 1, 1, 1],
    )
    stats = [b.weight("gamma", [64], 0.1, 1.0), b.weight("beta", [64], 0.1), b.weight("mean", [64], 0.1)]
    stats.append(b.const("var", b.rng.uniform(0.5, 1.5, 64)))
    bn = b.op("BatchNormalization", [conv, *stats], "bn", epsilon=1e-5)
    out = b.op("Clip", [bn, b.const("lo", 0.0), b.const("hi", 6.0)], "y")
    return b.model("conv_bn_clip", [1, 64, 56, 56], out, [1, 64, 56, 56])


def layernorm() -> onnx.ModelProto:
    """LayerNorm as exporters decompose it: two reductions over the last axis, elementwise around them."""
    b = _Builder()
    mean = b.op("ReduceMean", ["x"], "mean", axes=[-1], keepdims=1)
    centered = b.op("Sub", ["x", mean], "centered")
    squared = b.op("Pow", [centered, b.const("two", 2.0)], "squared")
    var = b.op("ReduceMean", [squared], "var", axes=[-1], keepdims=1)
    var_eps = b.op("Add", [var, b.const("eps", 1e-5)], "var_eps")
    std = b.op("Sqrt", [var_eps], "std")
    normed = b.op("Div", [centered, std], "normed")
    scaled = b.op("Mul", [normed, b.weight("gamma", [768], 0.1, 1.0)], "scaled")
    out = b.op("Add", [scaled, b.weight("beta", [768], 0.1)], "y")
    return b.model("layernorm", [1, 128, 768], out, [1, 128, 768])


def softmax() -> onnx.ModelProto:
    """Softmax as exporters decompose it (opset 13+: ReduceSum's axes is an input, ReduceMax's an attribute)."""
    b = _Builder()
    peak = b.op("ReduceMax", ["x"], "peak", axes=[-1], keepdims=1)
    shifted = b.op("Sub", ["x", peak], "shifted")
    exp = b.op("Exp", [shifted], "exp")
    total = b.op("ReduceSum", [exp, b.const("axes", [-1])], "total", keepdims=1)
    out = b.op("Div", [exp, total], "y")
    return b.model("softmax", [1, 12, 128, 128], out, [1, 12, 128, 128])


def matmul_bias_gelu() -> onnx.ModelProto:
    """A transformer MLP's first half: MatMul + bias + exact GELU spelled out with Erf."""
    b = _Builder()
    mm = b.op("MatMul", ["x", b.weight("w", [768, 3072], 1 / math.sqrt(768))], "mm")
    h = b.op("Add", [mm, b.weight("bias", [3072], 0.1)], "h")
    scaled = b.op("Div", [h, b.const("sqrt2", math.sqrt(2.0))], "scaled")
    erf = b.op("Erf", [scaled], "erf")
    shifted = b.op("Add", [erf, b.const("one", 1.0)], "shifted")
    prod = b.op("Mul", [h, shifted], "prod")
    out = b.op("Mul", [prod, b.const("half", 0.5)], "y")
    return b.model("matmul_bias_gelu", [128, 768], out, [128, 3072])


def example_cnn() -> onnx.ModelProto:
    """The repository's example CNN, a whole small network rather than one pattern."""
    model = onnx.load(str(ROOT / "examples" / "cnn.onnx"))
    onnx.checker.check_model(model, full_check=True)
    return model


GRAPHS: dict[str, Callable[[], onnx.ModelProto]] = {
    "elementwise-chain": elementwise_chain,
    "residual-chain": residual_chain,
    "pad-conv-mul-add-relu": pad_conv_mul_add_relu,
    "conv-bn-clip": conv_bn_clip,
    "layernorm": layernorm,
    "softmax": softmax,
    "matmul-bias-gelu": matmul_bias_gelu,
    "example-cnn": example_cnn,
}
