"""A plugin for the lit tests: `cancel-neg` removes -(-x), and a `toy` dialect with one op.

It has options of each kind --list-passes shows (a required one, a bool, an int).
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.ir import Dialect
from xdsl.irdl import IRDLOperation, irdl_op_definition, operand_def, result_def
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import (
    GreedyRewritePatternApplier,
    PatternRewriter,
    PatternRewriteWalker,
    RewritePattern,
    op_type_rewrite_pattern,
)

from dialects.nn import AnyTensor, NegOp, ReluOp


@irdl_op_definition
class MarkerOp(IRDLOperation):
    """toy.marker: passes its operand through (a plugin dialect's op)."""

    name = "toy.marker"
    input = operand_def(AnyTensor)
    result = result_def(AnyTensor)
    assembly_format = "$input attr-dict `:` type($input) `->` type($result)"


Toy = Dialect("toy", [MarkerOp], [])


class CancelNeg(RewritePattern):
    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: NegOp, rewriter: PatternRewriter) -> None:
        if isinstance(inner := op.input.owner, NegOp) and inner.input.type == op.result.type:
            rewriter.replace(op, [], [inner.input])


@dataclass(frozen=True)
class CancelNegPass(ModulePass):
    """Remove nn.neg of nn.neg (a test plugin)."""

    name = "cancel-neg"

    reason: str
    """Required: why (a required option, for the tests)."""
    quiet: bool = False
    repeat: int = 1

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        for _ in range(self.repeat):
            PatternRewriteWalker(GreedyRewritePatternApplier([CancelNeg()])).rewrite_module(op)


@dataclass(frozen=True)
class ReluToNegPass(ModulePass):
    """Replace nn.relu by nn.neg (a second pass in the same plugin file)."""

    name = "relu-to-neg"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        for relu in [o for o in op.walk() if isinstance(o, ReluOp)]:
            neg = NegOp(relu.input, relu.result.type)
            relu.parent_block().insert_op_before(neg, relu)  # type: ignore[union-attr]
            relu.result.replace_all_uses_with(neg.result)
            relu.detach()
            relu.erase()
