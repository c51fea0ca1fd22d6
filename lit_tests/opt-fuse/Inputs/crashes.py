"""A plugin pass with a bug: the error names the pass, its plugin and the line."""

from dataclasses import dataclass

from xdsl.passes import ModulePass


@dataclass(frozen=True)
class CrashPass(ModulePass):
    name = "crash"

    def apply(self, ctx, op):
        ops = list(op.walk())
        return ops[1000]
