"""fold-batchnorm: fold an inference BatchNormalization into the convolution before it.

    y = (conv(x, W) + b - mean) * scale / sqrt(var + eps) + beta
      = conv(x, W * s) + (b - mean) * s + beta,      s = scale / sqrt(var + eps)

so the conv's weights and bias absorb the normalization at compile time (as
Caffe2's and onnxruntime's graph optimizers do) and the BatchNorm op is gone.
It applies when the conv's result feeds only the BatchNorm and the weights,
bias and the four BatchNorm parameters are constants.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from xdsl.context import Context
from xdsl.dialects import builtin
from xdsl.ir import SSAValue
from xdsl.passes import ModulePass
from xdsl.rewriter import InsertPoint, Rewriter

from dialects.nn import BatchNormOp, ConstantOp, Conv2dOp


def _constant(value: SSAValue | None) -> np.ndarray | None:
    return value.owner.array() if value is not None and isinstance(value.owner, ConstantOp) else None


def fold_into_conv(norm: BatchNormOp) -> bool:
    """Replace `conv -> norm` by one conv with folded weights; False when the pattern does not apply."""
    conv = norm.input.owner
    if not isinstance(conv, Conv2dOp) or conv.output.uses.get_length() != 1:
        return False
    weight = _constant(conv.weight)
    params = [_constant(v) for v in (norm.scale, norm.bias, norm.mean, norm.var)]
    bias = _constant(conv.bias) if conv.bias is not None else np.zeros(conv.weight.type.get_shape()[0], np.float32)  # type: ignore[attr-defined]
    if weight is None or bias is None or any(p is None for p in params):
        return False
    scale, beta, mean, var = (p.astype(np.float64) for p in params)  # type: ignore[union-attr]
    factor = scale / np.sqrt(var + norm.epsilon.value.data)
    new_weight = ConstantOp.from_array(weight * factor.reshape(-1, 1, 1, 1))
    new_bias = ConstantOp.from_array((bias - mean) * factor + beta)
    new_weight.output.name_hint = conv.weight.name_hint
    new_bias.output.name_hint = conv.bias.name_hint if conv.bias is not None else "bias"
    folded = conv.clone()
    folded.operands = [conv.input, new_weight.output, new_bias.output]
    folded.location = conv.location
    Rewriter.insert_op([new_weight, new_bias], InsertPoint.before(conv))
    replaced = [conv.weight, *([conv.bias] if conv.bias is not None else []), *norm.operands[1:]]
    Rewriter.replace_op(norm, folded)
    Rewriter.erase_op(conv)
    for value in replaced:
        if isinstance(value.owner, ConstantOp) and not value.uses and value.owner.parent is not None:
            Rewriter.erase_op(value.owner)
    return True


@dataclass(frozen=True)
class FoldBatchNormPass(ModulePass):
    """Fold each BatchNorm that follows a conv with constant weights into the conv's weights and bias."""

    name = "fold-batchnorm"

    def apply(self, ctx: Context, op: builtin.ModuleOp) -> None:
        for norm in [o for o in op.walk() if isinstance(o, BatchNormOp)]:
            fold_into_conv(norm)
