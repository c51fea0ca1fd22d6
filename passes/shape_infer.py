"""shape-infer: give every nn op's result its static shape.

Walks each function in order and asks every nn op for its shape function
(`NNOp.infer_shape`) on the shapes of its operands, then updates the function's
signature to the inferred result types. An op whose operands cannot be
combined is reported with its location, e.g.

    shape-infer: 'nn.add' (ONNX node 'Add_3'): shapes [2, 3] and [4] cannot be broadcast together
"""

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import builtin, func
from xdsl.dialects.builtin import TensorType
from xdsl.passes import ModulePass
from xdsl.rewriter import Rewriter

from compiler.diagnostics import describe_op
from compiler.errors import ShapeError
from dialects.nn import NNOp, ShapeInferenceError, shape_of


def infer_op(op: NNOp) -> None:
    shapes = op.operand_shapes()
    if shapes is None:
        unknown = [i for i, v in enumerate(op.operands) if shape_of(v) is None]
        raise ShapeError(f"shape-infer: {describe_op(op)}: the shapes of operands {unknown} are unknown")
    try:
        shape = op.infer_shape(shapes)
    except ShapeInferenceError as error:
        raise ShapeError(f"shape-infer: {describe_op(op)}: {error}") from error
    element_type = op.output.type.get_element_type()  # type: ignore[attr-defined]
    inferred = TensorType(element_type, shape)
    if op.output.type != inferred:
        if isinstance(op.output.type, TensorType):
            raise ShapeError(f"shape-infer: {describe_op(op)}: the result is declared {op.output.type} but is {inferred}")
        Rewriter.replace_value_with_new_type(op.output, inferred)


def update_signature(function: func.FuncOp) -> None:
    returned = function.get_return_op()
    if returned is None:
        return
    inputs = function.function_type.inputs.data
    function.function_type = func.FunctionType.from_lists(inputs, [v.type for v in returned.operands])


@dataclass(frozen=True)
class ShapeInferPass(ModulePass):
    """Infers static shapes for every nn op, and the function result types from them."""

    name = "shape-infer"

    def apply(self, ctx: Context, op: builtin.ModuleOp) -> None:
        for function in op.walk():
            if not isinstance(function, func.FuncOp):
                continue
            for nested in function.walk():
                if isinstance(nested, NNOp):
                    infer_op(nested)
            update_signature(function)
