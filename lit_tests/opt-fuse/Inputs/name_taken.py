"""A plugin pass named like an opt-fuse pass: refused."""

from dataclasses import dataclass

from xdsl.passes import ModulePass


@dataclass(frozen=True)
class MyFuse(ModulePass):
    name = "fuse"

    def apply(self, ctx, op):
        pass
