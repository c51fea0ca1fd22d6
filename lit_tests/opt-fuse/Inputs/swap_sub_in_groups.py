"""A deliberately wrong pass for --check-numerics tests: inside each nn.fused group,
swap the operands of nn.sub (x - y becomes y - x). Ops keep their identity, so
check-numerics compares them with the unfused ops they came from."""

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.passes import ModulePass

from dialects.nn import FusedOp, SubOp


@dataclass(frozen=True)
class SwapSubInGroupsPass(ModulePass):
    name = "swap-sub-in-groups"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        for fused in [o for o in op.walk() if isinstance(o, FusedOp)]:
            for sub in [o for o in fused.body.walk() if isinstance(o, SubOp)]:
                sub.operands = [sub.rhs, sub.lhs]
