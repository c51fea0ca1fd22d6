"""A pass with options but no @dataclass: its options would be ignored, so it is refused."""

from xdsl.passes import ModulePass


class Forgetful(ModulePass):
    name = "forgetful"
    level: int = 1

    def apply(self, ctx, op):
        pass
