"""Whole models in the shape of today's PyTorch/TF exports, against onnxruntime, fused and unfused.

The light models are opset 9 CNNs; exports from the last few years look different:
shape-computing subgraphs (Shape -> Gather -> Unsqueeze -> Concat -> Reshape)
in front of every reshape, LayerNormalization and Gelu as single ops, attention
with batched MatMul and Transpose, Split into q/k/v, Slice, Clip with inputs,
HardSwish / HardSigmoid squeeze-excite blocks, Resize for upsampling. These two
models put all of that in one graph each, written in ONNX's text syntax.
"""

from __future__ import annotations

import numpy as np
import onnx
import onnx.parser
import pytest
from onnx import numpy_helper
from onnx_helpers import assert_matches_onnxruntime, random_inputs

TRANSFORMER = """
<ir_version: 9, opset_import: ["" : 20]>
encoder (
    float[2, 8, 16] x, float[16] ln1_scale, float[16] ln1_bias, float[16, 48] w_qkv, float[48] b_qkv,
    float[16, 16] w_out, float[16] ln2_scale, float[16] ln2_bias,
    float[16, 32] w_up, float[32] b_up, float[32, 16] w_down, float[16] b_down
) => (float[2, 8, 16] y) <
    int64[1] heads = {4}, int64[1] head_dim = {4}, int64[1] minus_one = {-1}, int64[1] zero = {0},
    int64[1] one = {1}, float scale = {0.5}
> {
    h = LayerNormalization<axis = -1, epsilon = 1e-5>(x, ln1_scale, ln1_bias)
    qkv_mm = MatMul(h, w_qkv)
    qkv = Add(qkv_mm, b_qkv)
    q, k, v = Split<axis = -1, num_outputs = 3>(qkv)
    shape = Shape(q)
    batch = Gather<axis = 0>(shape, zero)
    seq = Gather<axis = 0>(shape, one)
    heads_shape = Concat<axis = 0>(batch, seq, heads, head_dim)
    q4 = Reshape(q, heads_shape)
    k4 = Reshape(k, heads_shape)
    v4 = Reshape(v, heads_shape)
    qt = Transpose<perm = [0, 2, 1, 3]>(q4)
    kt = Transpose<perm = [0, 2, 3, 1]>(k4)
    vt = Transpose<perm = [0, 2, 1, 3]>(v4)
    scores = MatMul(qt, kt)
    scaled = Mul(scores, scale)
    probs = Softmax<axis = -1>(scaled)
    context = MatMul(probs, vt)
    context_t = Transpose<perm = [0, 2, 1, 3]>(context)
    flat_shape = Concat<axis = 0>(batch, seq, minus_one)
    merged = Reshape(context_t, flat_shape)
    attn = MatMul(merged, w_out)
    r1 = Add(x, attn)
    h2 = LayerNormalization<axis = -1, epsilon = 1e-5>(r1, ln2_scale, ln2_bias)
    up_mm = MatMul(h2, w_up)
    up = Add(up_mm, b_up)
    act = Gelu(up)
    down_mm = MatMul(act, w_down)
    down = Add(down_mm, b_down)
    y = Add(r1, down)
}
"""

MOBILE_CNN = """
<ir_version: 8, opset_import: ["" : 17]>
mobile (
    float[1, 3, 16, 16] x, float[8, 3, 3, 3] w1, float[8] b1,
    float[8] bn_scale, float[8] bn_bias, float[8] bn_mean, float[8] bn_var,
    float[8, 1, 3, 3] w_dw, float[4, 8, 1, 1] w_se1, float[4] b_se1, float[8, 4, 1, 1] w_se2, float[8] b_se2,
    float[16, 8] w_fc, float[16] b_fc, float[10, 16] w_head, float[10] b_head
) => (float[1, 10] y) <
    float lo = {0.0}, float hi = {6.0}, float[4] scales = {1.0, 1.0, 2.0, 2.0},
    int64[4] starts = {0, 0, 1, 1}, int64[4] ends = {1, 8, 17, 17}, int64[2] squeeze_axes = {2, 3}
> {
    c1 = Conv<pads = [1, 1, 1, 1], strides = [2, 2]>(x, w1, b1)
    bn = BatchNormalization(c1, bn_scale, bn_bias, bn_mean, bn_var)
    a1 = HardSwish(bn)
    dw = Conv<group = 8, pads = [1, 1, 1, 1]>(a1, w_dw)
    a2 = Clip(dw, lo, hi)
    pooled = GlobalAveragePool(a2)
    se1 = Conv(pooled, w_se1, b_se1)
    se_act = Relu(se1)
    se2 = Conv(se_act, w_se2, b_se2)
    gate = HardSigmoid<alpha = 0.1666667, beta = 0.5>(se2)
    excited = Mul(a2, gate)
    up = Resize<mode = "nearest">(excited, , scales)
    cropped = Slice(up, starts, ends)
    leaky = LeakyRelu<alpha = 0.1>(cropped)
    pooled2 = GlobalAveragePool(leaky)
    flat = Squeeze(pooled2, squeeze_axes)
    fc = Gemm<transB = 1>(flat, w_fc, b_fc)
    fc_act = Sigmoid(fc)
    y = Gemm<transB = 1>(fc_act, w_head, b_head)
}
"""


def with_random_weights(text: str, seed: int = 0) -> onnx.ModelProto:
    """The model with every graph input after the first turned into a seeded random weight
    (variances positive); the text declares weights as inputs because it cannot give their values."""
    model = onnx.parser.parse_model(text)
    rng = np.random.default_rng(seed)
    for value_info in model.graph.input[1:]:
        shape = [d.dim_value for d in value_info.type.tensor_type.shape.dim]
        scale = 1.0 / np.sqrt(max(1, int(np.prod(shape[1:]))))
        array = rng.standard_normal(shape).astype(np.float32) * np.float32(scale)
        if "var" in value_info.name:
            array = np.abs(array) + np.float32(0.5)
        model.graph.initializer.append(numpy_helper.from_array(array, value_info.name))
    del model.graph.input[1:]
    onnx.checker.check_model(model, full_check=True)
    return model


@pytest.mark.parametrize("fuse", [True, False], ids=["fused", "unfused"])
@pytest.mark.parametrize("text", [TRANSFORMER, MOBILE_CNN], ids=["transformer-encoder", "mobile-cnn"])
def test_modern_export_matches_onnxruntime(text: str, fuse: bool) -> None:
    model = with_random_weights(text)
    assert_matches_onnxruntime(model, random_inputs(model, seed=3), rtol=1e-3, atol=1e-4, fuse=fuse)
