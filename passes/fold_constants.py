"""fold-constants: compute at compile time every nn op whose operands are all constants.

The value comes from the op's own scalar semantics, evaluated with numpy
(`dialects.semantics.evaluate`): the same `emit_element` that generates the
loops, so a folded constant always equals what the kernel would compute, and
every op, including one defined in a plugin, folds without extra code.

    %s = nn.constant dense<[1.0, 4.0]> : tensor<2xf32>
    %r = nn.sqrt %s : (tensor<2xf32>) -> tensor<2xf32>
      ==>  %r = nn.constant dense<[1.0, 2.0]> : tensor<2xf32>

A run-time check in an op's semantics (`kb.check`, e.g. a gather index in
range) that fails on the constants is a compile error naming the op and the
check's message: that run could never succeed.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import prod

from xdsl.context import Context
from xdsl.dialects import builtin
from xdsl.passes import ModulePass
from xdsl.rewriter import Rewriter

from compiler.diagnostics import describe_op, warn
from compiler.errors import OptFuseError
from dialects.nn import ConstantOp, NNOp, shape_of
from dialects.semantics import evaluate
from passes.lower_to_loops import needs_shape_inference
from passes.shape_infer import ShapeInferPass


def fold(op: NNOp) -> ConstantOp:
    """The constant `op` computes; its operands must all be nn.constant."""
    shape = shape_of(op.output)
    assert shape is not None
    inputs = {value: value.owner.array() for value in op.operands if isinstance(value.owner, ConstantOp)}
    try:
        array = evaluate(op, shape, inputs)
    except ValueError as error:  # a run-time check (`kb.check`) that fails on these constants
        raise OptFuseError(f"fold-constants: {describe_op(op)}: {error}") from error
    return ConstantOp.from_array(array)


def is_foldable(op: NNOp, max_elements: int) -> bool:
    shape = shape_of(op.output)
    return (
        not isinstance(op, ConstantOp)
        and bool(op.operands)
        and all(isinstance(v.owner, ConstantOp) for v in op.operands)
        and shape is not None
        and prod(shape) <= max_elements
    )


@dataclass(frozen=True)
class FoldConstantsPass(ModulePass):
    """Replace each nn op with only constant operands by the constant it computes (numpy).

    `max-elements` bounds the size of a folded result, so a small constant
    broadcast to a huge shape stays an op instead of becoming huge weights;
    each op left unfolded for that reason gets a warning, since it now runs
    at every inference although its inputs are known.
    """

    name = "fold-constants"

    max_elements: int = 1 << 24

    def apply(self, ctx: Context, op: builtin.ModuleOp) -> None:
        if needs_shape_inference(op):
            ShapeInferPass().apply(ctx, op)
        for nested in list(op.walk()):
            if not isinstance(nested, NNOp):
                continue
            if not is_foldable(nested, self.max_elements):
                if is_foldable(nested, max_elements=float("inf")):  # type: ignore[arg-type]
                    elements = prod(shape_of(nested.output) or ())
                    warn(nested, f"not folded: its result would be a constant of {elements} elements (max-elements={self.max_elements}); it is computed at run time", self.name)
                continue
            operands = [v.owner for v in nested.operands]
            constant = fold(nested)
            constant.location = nested.location
            constant.output.name_hint = nested.output.name_hint
            Rewriter.replace_op(nested, constant)
            for operand in operands:
                if isinstance(operand, ConstantOp) and not operand.output.uses and operand.parent is not None:
                    Rewriter.erase_op(operand)
