"""The pass registry: every pass opt-fuse knows, by its pipeline name.

Our passes live one per file in this package, named after the pass
(`shape_infer.py` is `shape-infer`); xDSL's generic cleanups are registered
under their own names. Getters import lazily, so listing passes stays cheap.
Passes from plugin files and installed packages join them (compiler/plugins.py).
"""

import importlib
from collections.abc import Callable

from xdsl.passes import ModulePass

PassGetter = Callable[[], type[ModulePass]]


def _lazy(class_name: str, pass_name: str) -> PassGetter:
    """A getter that imports `passes.<pass_name with underscores>` only when called."""

    def get() -> type[ModulePass]:
        module = importlib.import_module(f"passes.{pass_name.replace('-', '_')}")
        return getattr(module, class_name)

    return get


OUR_PASSES: dict[str, PassGetter] = {
    name: _lazy(class_name, name)
    for name, class_name in (
        ("shape-infer", "ShapeInferPass"),
        ("fold-constants", "FoldConstantsPass"),
        ("fold-batchnorm", "FoldBatchNormPass"),
        ("fuse", "FusePass"),
        ("lower-to-loops", "LowerToLoopsPass"),
        ("unroll-and-jam", "UnrollAndJamPass"),
        ("interchange-loops", "InterchangeLoopsPass"),
        ("parallelize-inner-loops", "ParallelizeInnerLoopsPass"),
        ("plan-memory", "PlanMemoryPass"),
        ("approximate-math", "ApproximateMathPass"),
        ("emit-llvm", "EmitLLVMPass"),
    )
}

XDSL_PASSES = ("canonicalize", "cse", "dce")
"""xDSL's own passes that work on our dialects through their traits."""


def builtin_pass_names() -> list[str]:
    """The passes opt-fuse itself provides; a plugin may not take these names."""
    return [*XDSL_PASSES, *OUR_PASSES]


def get_all_passes() -> dict[str, PassGetter]:
    """Every pass a pipeline may name: xDSL's, ours, and the plugins' (compiler/plugins.py)."""
    from xdsl.transforms import get_all_passes as get_xdsl_passes

    from compiler.plugins import plugin_passes

    xdsl_passes = get_xdsl_passes()
    return {**{name: xdsl_passes[name] for name in XDSL_PASSES}, **OUR_PASSES, **plugin_passes()}
