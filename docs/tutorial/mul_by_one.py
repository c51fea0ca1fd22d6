"""mul-by-one: remove multiplications by a constant one (and, with `div`, divisions by one).

Exporters leave these behind (a scale that came out as 1, a normalization with
unit variance); each costs a kernel, or a multiply per element inside a fused
loop. `x * 1` is `x` only when the 1 does not change the shape, though: nn.mul
broadcasts, and `tensor<3xf32> * ones : tensor<2x3xf32>` is a 2x3 tensor. So the
pattern requires the result type to be x's type, which also means it only fires
after shape-infer (before it, results are `tensor<*xf32>`).

    %one = nn.constant dense<1.0> : tensor<1xf32>
    %y = nn.mul %x, %one : (tensor<4xf32>, tensor<1xf32>) -> tensor<4xf32>
      ==>  every use of %y uses %x; the constant, now unused, is erased

Load it as a plugin:
    opt-fuse model.mlir --load-pass-plugin docs/tutorial/mul_by_one.py -p 'shape-infer,mul-by-one{div=true}'
"""

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.ir import SSAValue
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import (
    GreedyRewritePatternApplier,
    PatternRewriter,
    PatternRewriteWalker,
    RewritePattern,
    op_type_rewrite_pattern,
)

from dialects.nn import ConstantOp, DivOp, MulOp


def is_one(value: SSAValue) -> bool:
    """Whether `value` is an nn.constant whose elements are all 1.0."""
    constant = value.owner
    if not isinstance(constant, ConstantOp) or not constant.is_splat():
        return False
    return float(constant.array().flat[0]) == 1.0


class RemoveMulByOne(RewritePattern):
    """x * 1 -> x and 1 * x -> x, when the result has x's type (no broadcasting)."""

    @op_type_rewrite_pattern  # called for nn.mul ops only (the annotation says which)
    def match_and_rewrite(self, op: MulOp, rewriter: PatternRewriter) -> None:
        for one, x in ((op.rhs, op.lhs), (op.lhs, op.rhs)):
            if is_one(one) and x.type == op.result.type:
                rewriter.replace(op, [], [x])  # no new op: the result is replaced by x
                return


class RemoveDivByOne(RewritePattern):
    """x / 1 -> x, when the result has x's type."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: DivOp, rewriter: PatternRewriter) -> None:
        if is_one(op.rhs) and op.lhs.type == op.result.type:
            rewriter.replace(op, [], [op.lhs])


@dataclass(frozen=True)
class MulByOnePass(ModulePass):
    """Remove nn.mul by a constant one, and nn.div by one with `div`, where it does not change the shape."""

    name = "mul-by-one"

    div: bool = False
    """Also remove divisions by one (`mul-by-one{div=true}`)."""

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        patterns: list[RewritePattern] = [RemoveMulByOne()]
        if self.div:
            patterns.append(RemoveDivByOne())
        # The walker applies the patterns until nothing matches; it also erases
        # ops left without uses (the constant one), since they are pure.
        PatternRewriteWalker(GreedyRewritePatternApplier(patterns)).rewrite_module(op)
