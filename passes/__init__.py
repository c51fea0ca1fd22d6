"""The pass registry: every pass opt-fuse knows, by its pipeline name.

Our passes live one per file in this package, named after the pass
(`shape_infer.py` is `shape-infer`); xDSL's generic cleanups are registered
under their own names. Getters import lazily, so listing passes stays cheap.
"""

from collections.abc import Callable

from xdsl.passes import ModulePass

PassGetter = Callable[[], type[ModulePass]]


def _shape_infer() -> type[ModulePass]:
    from passes.shape_infer import ShapeInferPass

    return ShapeInferPass


def _lower_to_loops() -> type[ModulePass]:
    from passes.lower_to_loops import LowerToLoopsPass

    return LowerToLoopsPass


def _approximate_math() -> type[ModulePass]:
    from passes.approximate_math import ApproximateMathPass

    return ApproximateMathPass


def _emit_llvm() -> type[ModulePass]:
    from passes.emit_llvm import EmitLLVMPass

    return EmitLLVMPass


def _fuse() -> type[ModulePass]:
    from passes.fuse import FusePass

    return FusePass


def _fold_constants() -> type[ModulePass]:
    from passes.fold_constants import FoldConstantsPass

    return FoldConstantsPass


def _fold_batchnorm() -> type[ModulePass]:
    from passes.fold_batchnorm import FoldBatchNormPass

    return FoldBatchNormPass


OUR_PASSES: dict[str, PassGetter] = {
    "shape-infer": _shape_infer,
    "fold-constants": _fold_constants,
    "fold-batchnorm": _fold_batchnorm,
    "fuse": _fuse,
    "lower-to-loops": _lower_to_loops,
    "approximate-math": _approximate_math,
    "emit-llvm": _emit_llvm,
}

XDSL_PASSES = ("canonicalize", "cse", "dce")
"""xDSL's own passes that work on our dialects through their traits."""


def get_all_passes() -> dict[str, PassGetter]:
    from xdsl.transforms import get_all_passes as get_xdsl_passes

    xdsl_passes = get_xdsl_passes()
    return {**{name: xdsl_passes[name] for name in XDSL_PASSES}, **OUR_PASSES}
