"""shape-infer: give every nn op's result its shape and element type, symbolic where the inputs' are.

Walks each function in order and asks every nn op for its shape function
(`NNOp.infer_shape`) on the shapes of its operands, then updates the function's
signature to the inferred result types. Symbolic dims (dialects/dims.py) flow
through the same shape functions: `tensor<?x128xf32, #nn.dims<[batch * 2, 128]>>`.
Every symbol of the function's inputs needs an upper bound in its
`nn.dim_bounds` attribute (Caffe2's bound shape inference: memory is planned
at the bounds). An op whose operands cannot be combined is reported with its
location, e.g.

    shape-infer: 'nn.add' (ONNX node 'Add_3'): shapes [2, 3] and [4] cannot be broadcast together
    shape-infer: 'nn.add' at model.mlir:4:3: shapes [batch, 4] and [3, 4] cannot be broadcast together

No tensor may take more than 2**47 bytes (128 TiB, at the bounds; `MAX_TENSOR_BYTES` in
dialects/dims.py): the first input or result past it is reported, so no size that could
wrap the generated code's i64 arithmetic, or could never be allocated, goes further.
lower-to-loops checks the same for IR whose shapes were written rather than inferred.
"""

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import builtin, func
from xdsl.dialects.builtin import TensorType
from xdsl.ir import SSAValue
from xdsl.passes import ModulePass
from xdsl.rewriter import Rewriter

from compiler.diagnostics import describe_op
from compiler.errors import ShapeError
from dialects.dims import SymbolicDimError, bounds_of, dims_of_type, size_past_limit, symbols_of, tensor_type
from dialects.loop import element_bytes
from dialects.nn import NNOp, ShapeInferenceError, shape_of


def infer_op(op: NNOp) -> None:
    shapes = op.operand_shapes()
    if shapes is None:
        unknown = [i for i, v in enumerate(op.operands) if shape_of(v) is None]
        raise ShapeError(f"shape-infer: {describe_op(op)}: the shapes of operands {unknown} are unknown")
    try:
        shape = op.infer_shape(shapes)
        element_type = op.infer_element_type()
    except (ShapeInferenceError, SymbolicDimError) as error:
        raise ShapeError(f"shape-infer: {describe_op(op)}: {error}") from error
    inferred = tensor_type(element_type, shape)
    if op.output.type != inferred:
        if isinstance(op.output.type, TensorType):
            raise ShapeError(f"shape-infer: {describe_op(op)}: the result is declared {op.output.type} but is {inferred}")
        Rewriter.replace_value_with_new_type(op.output, inferred)


def check_bounds(function: func.FuncOp) -> None:
    """Every symbolic dim of the inputs needs an upper bound: memory is planned at the bounds."""
    bounds = bounds_of(function.attributes)
    for arg in function.body.block.args:
        dims = shape_of(arg) if isinstance(arg.type, TensorType) else None
        for name in sorted(symbols_of(dims or ()) - bounds.keys()):
            raise ShapeError(
                f"shape-infer: @{function.sym_name.data}: symbolic dim '{name}' of input %{arg.name_hint or arg.index} has no upper bound; "
                f"give one with --dim-bound {name}=<max> (dim_bounds={{'{name}': <max>}} in the Python API), "
                f"or as the function attribute nn.dim_bounds = {{{name} = <max> : i64}}"
            )
        for name, bound in bounds.items():
            if bound < 1:
                raise ShapeError(f"shape-infer: @{function.sym_name.data}: the bound of '{name}' must be at least 1, got {bound}")


def check_sizes(function: func.FuncOp, source: str = "shape-infer") -> None:
    """No tensor of the function may take more than MAX_TENSOR_BYTES (dialects/dims.py), at the bounds:
    the first input or op result past it is reported, before any size reaches the generated code."""
    bounds = bounds_of(function.attributes)

    def check(value: SSAValue) -> str | None:
        if not isinstance(value.type, TensorType):
            return None
        try:
            dims = dims_of_type(value.type)
        except SymbolicDimError:
            return None  # not ranked, or its `?` unnamed: other checks say so
        return size_past_limit(dims, element_bytes(value.type.get_element_type()) or 8, bounds)

    for arg in function.body.block.args:
        if message := check(arg):
            raise ShapeError(f"{source}: @{function.sym_name.data}: input %{arg.name_hint or arg.index}: {message}")
    for op in function.walk():
        if isinstance(op, NNOp):
            for result in op.results:
                if message := check(result):
                    raise ShapeError(f"{source}: {describe_op(op)}: the result {message}")


def update_signature(function: func.FuncOp) -> None:
    returned = function.get_return_op()
    if returned is None:
        return
    inputs = function.function_type.inputs.data
    function.function_type = func.FunctionType.from_lists(inputs, [v.type for v in returned.operands])


@dataclass(frozen=True)
class ShapeInferPass(ModulePass):
    """Infers the shape of every nn op's result (symbolic dims included), and the function result types.

    A tensor past 2**47 bytes (128 TiB) at the bounds is refused, naming its op or input."""

    name = "shape-infer"

    def apply(self, ctx: Context, op: builtin.ModuleOp) -> None:
        for function in op.walk():
            if not isinstance(function, func.FuncOp):
                continue
            check_bounds(function)
            for nested in function.walk():
                if isinstance(nested, NNOp):
                    infer_op(nested)
            check_sizes(function)
            update_signature(function)
