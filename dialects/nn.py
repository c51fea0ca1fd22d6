"""The nn dialect: value-semantics tensor ops, each defined once.

Each op class carries everything the compiler needs to know about it
(DESIGN.md, principle 1):

- its verifier (IRDL constraints plus `verify_`),
- its shape function, `infer_shape(operand_shapes)`, used by `shape-infer` and
  by the verifier to check the types written in the IR,
- its fusion kind (`FusionKind`), which the fusion pass reads,
- its scalar semantics, `emit_element(kb, index)`: how one element of the
  result is computed from elements of the operands (see dialects/semantics.py).

Before `shape-infer`, results may be `tensor<*xf32>` (unranked), as the ONNX
importer leaves them; afterwards every type is a ranked static tensor.

    %y = nn.conv2d %x, %w, %b strides [2, 2] pads [1, 1, 1, 1] dilations [1, 1] groups 1
           : (tensor<1x3x8x8xf32>, tensor<16x3x3x3xf32>, tensor<16xf32>) -> tensor<1x16x4x4xf32>
    %z = nn.relu %y : (tensor<1x16x4x4xf32>) -> tensor<1x16x4x4xf32>
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import Enum
from math import pi, prod
from typing import ClassVar

import numpy as np
from xdsl.dialects.builtin import (
    I64,
    AnyFloat,
    BytesAttr,
    DenseArrayBase,
    DenseIntOrFPElementsAttr,
    Float32Type,
    FloatAttr,
    IntegerAttr,
    IntegerType,
    Signedness,
    StringAttr,
    TensorType,
    TypeAttribute,
    UnitAttr,
    UnrankedTensorType,
    f32,
    i1,
    i64,
)
from xdsl.ir import Attribute, Dialect, Operation, Region, SSAValue
from xdsl.irdl import (
    IRDLOperation,
    base,
    irdl_op_definition,
    lazy_traits_def,
    operand_def,
    opt_operand_def,
    opt_prop_def,
    prop_def,
    region_def,
    result_def,
    traits_def,
    var_operand_def,
    var_result_def,
)
from xdsl.parser import Parser
from xdsl.printer import Printer
from xdsl.traits import HasParent, IsolatedFromAbove, IsTerminator, Pure
from xdsl.utils.exceptions import VerifyException

from compiler.diagnostics import describe_op
from dialects.dims import Dim, DimExpr, Dims, DimsAttr, SymbolicDimError, ceildiv, dims_of_type, format_dims
from dialects.dtypes import element_type_of_numpy, numpy_dtype
from dialects.semantics import Cond, Ix, KernelBuilder, Scalar

Shape = Dims
"""A tensor's dims: ints, or symbolic dims (dialects/dims.py) where sizes are known only at run time."""
AnyTensor = base(TensorType) | base(UnrankedTensorType)
UNRANKED_F32 = UnrankedTensorType(f32)


class FusionKind(Enum):
    """How an op may be fused (TVM's OpPatternKind, in order of increasing restriction)."""

    ELEMENTWISE = "elementwise"
    BROADCAST = "broadcast"
    INJECTIVE = "injective"
    REDUCTION = "reduction"
    OUT_ELEMENTWISE_FUSABLE = "out-elementwise-fusable"
    OPAQUE = "opaque"


class ShapeInferenceError(ValueError):
    """Operand shapes an op cannot accept; shape-infer adds the op and its location."""


def shape_of(value: SSAValue) -> Shape | None:
    """The dims of a tensor value (symbolic where the type says so), or None before shape inference."""
    if isinstance(value.type, TensorType):
        return dims_of_type(value.type)
    return None


def i64_array(values: Sequence[int]) -> DenseArrayBase:
    return DenseArrayBase.from_list(i64, list(values))


def normalize_axis(axis: int, rank: int) -> int:
    if not -rank <= axis < max(rank, 1):
        raise ShapeInferenceError(f"axis {axis} is out of range for rank {rank}")
    return axis % max(rank, 1)


def broadcast_shapes(*shapes: Shape) -> Shape:
    """Numpy/ONNX multidirectional broadcasting."""
    rank = max(len(s) for s in shapes)
    padded = [(1,) * (rank - len(s)) + s for s in shapes]
    result: list[int] = []
    for dims in zip(*padded):
        sizes = {d for d in dims if d != 1}
        if len(sizes) > 1:
            raise ShapeInferenceError(f"shapes {' and '.join(map(_fmt, shapes))} cannot be broadcast together")
        result.append(sizes.pop() if sizes else 1)
    return tuple(result)


def broadcast_index(operand_shape: Shape, index: Sequence[Ix]) -> list[Ix]:
    """The operand element that broadcasting maps to the output element at `index`."""
    aligned = index[len(index) - len(operand_shape) :]
    return [i if d != 1 else i.kb.index(0) for i, d in zip(aligned, operand_shape)]


_fmt = format_dims


# ===----------------------------------------------------------------------=== #
# Base classes
# ===----------------------------------------------------------------------=== #


class ElementKinds(Enum):
    """The element types an op computes on (its operands other than `INDEX_OPERANDS`)."""

    FLOAT = "float"
    NUMBER = "float or signed integer"
    ANY = "any"


def element_type(value: SSAValue) -> Attribute:
    return value.type.get_element_type()  # type: ignore[attr-defined]


def _accepts(kinds: ElementKinds, type: Attribute) -> bool:
    if kinds is ElementKinds.ANY:
        return True
    if isinstance(type, AnyFloat):
        return True
    return kinds is ElementKinds.NUMBER and isinstance(type, IntegerType) and type.width.data > 1 and type.signedness.data != Signedness.UNSIGNED


class NNOp(IRDLOperation):
    """An nn op with one result. Subclasses define the four facts listed in the module docstring."""

    FUSION_KIND: ClassVar[FusionKind]
    ELEMENTS: ClassVar[ElementKinds] = ElementKinds.FLOAT
    """What its data operands may hold; all of them and the result have one element type
    unless `infer_element_type` says otherwise."""
    INDEX_OPERANDS: ClassVar[tuple[str, ...]] = ()
    """Operands that are not data (a gather's indices, a select's condition): not checked against ELEMENTS."""

    def infer_shape(self, operand_shapes: list[Shape]) -> Shape:
        raise NotImplementedError

    def data_operands(self) -> list[SSAValue]:
        skipped = {id(getattr(self, name)) for name in self.INDEX_OPERANDS}
        return [v for v in self.operands if id(v) not in skipped]

    def infer_element_type(self) -> Attribute:
        """The result's element type: that of the data operands, which must agree."""
        types = list(dict.fromkeys(element_type(v) for v in self.data_operands()))
        if len(types) > 1:
            raise ShapeInferenceError(f"operands of different element types ({', '.join(map(str, types))})")
        if types and not _accepts(self.ELEMENTS, types[0]):
            raise ShapeInferenceError(f"{self.name} computes on {self.ELEMENTS.value} elements, not {types[0]}")
        return types[0] if types else f32

    def emit_element(self, kb: KernelBuilder, index: list[Ix]) -> Scalar:
        raise NotImplementedError

    def interior_columns(self) -> tuple[int, int] | None:
        """[first, end) of the output's last index where `emit_element` reads with no bounds test
        (a padded window's interior), when it has borders; lower-to-loops loops them apart."""
        return None

    @property
    def output(self) -> SSAValue:
        return self.results[0]

    def operand_shapes(self) -> list[Shape] | None:
        shapes = [shape_of(v) for v in self.operands]
        return None if any(s is None for s in shapes) else shapes  # type: ignore[return-value]

    def verify_(self) -> None:
        try:
            shapes = self.operand_shapes()
            result_shape = shape_of(self.output)
            if shapes is None or result_shape is None:
                return
            expected = self.infer_shape(shapes)
            expected_type = self.infer_element_type()
        except (ShapeInferenceError, SymbolicDimError) as error:
            raise VerifyException(f"{self.name}: {error}") from error
        if expected != result_shape:
            raise VerifyException(f"{self.name}: result shape {_fmt(result_shape)} does not match the inferred {_fmt(expected)}")
        if element_type(self.output) != expected_type:
            raise VerifyException(f"{self.name}: the result's elements are {element_type(self.output)}, expected {expected_type}")


class UnaryOp(NNOp):
    """y = f(x) elementwise; a subclass only states `f` in `scalar`."""

    FUSION_KIND: ClassVar[FusionKind] = FusionKind.ELEMENTWISE
    input = operand_def(AnyTensor)
    result = result_def(AnyTensor)
    traits = traits_def(Pure())
    assembly_format = "$input attr-dict `:` functional-type(operands, results)"

    def __init__(self, input: SSAValue | Operation, result_type: Attribute = UNRANKED_F32):
        super().__init__(operands=[input], result_types=[result_type])

    def scalar(self, x: Scalar) -> Scalar:
        raise NotImplementedError

    def infer_shape(self, operand_shapes: list[Shape]) -> Shape:
        return operand_shapes[0]

    def emit_element(self, kb: KernelBuilder, index: list[Ix]) -> Scalar:
        return self.scalar(kb.read(self.input, index))


class BinaryOp(NNOp):
    """z = f(x, y) with ONNX (numpy) broadcasting; a subclass only states `f`."""

    FUSION_KIND: ClassVar[FusionKind] = FusionKind.BROADCAST
    lhs = operand_def(AnyTensor)
    rhs = operand_def(AnyTensor)
    result = result_def(AnyTensor)
    traits = traits_def(Pure())
    assembly_format = "$lhs `,` $rhs attr-dict `:` functional-type(operands, results)"

    def __init__(self, lhs: SSAValue | Operation, rhs: SSAValue | Operation, result_type: Attribute = UNRANKED_F32):
        super().__init__(operands=[lhs, rhs], result_types=[result_type])

    def scalar(self, x: Scalar, y: Scalar) -> Scalar:
        raise NotImplementedError

    def infer_shape(self, operand_shapes: list[Shape]) -> Shape:
        return broadcast_shapes(*operand_shapes)

    def emit_element(self, kb: KernelBuilder, index: list[Ix]) -> Scalar:
        x, y = (kb.read(v, broadcast_index(s, index)) for v, s in zip(self.operands, self.operand_shapes() or []))
        return self.scalar(x, y)


# ===----------------------------------------------------------------------=== #
# Elementwise
# ===----------------------------------------------------------------------=== #


@irdl_op_definition
class NegOp(UnaryOp):
    """-x"""

    name = "nn.neg"
    ELEMENTS: ClassVar[ElementKinds] = ElementKinds.NUMBER

    def scalar(self, x: Scalar) -> Scalar:
        return -x


@irdl_op_definition
class ReluOp(UnaryOp):
    """max(x, 0)"""

    name = "nn.relu"
    ELEMENTS: ClassVar[ElementKinds] = ElementKinds.NUMBER

    def scalar(self, x: Scalar) -> Scalar:
        return x.max(0.0)


@irdl_op_definition
class SigmoidOp(UnaryOp):
    """1 / (1 + exp(-x))"""

    name = "nn.sigmoid"

    def scalar(self, x: Scalar) -> Scalar:
        return 1.0 / (1.0 + (-x).exp())


@irdl_op_definition
class TanhOp(UnaryOp):
    name = "nn.tanh"

    def scalar(self, x: Scalar) -> Scalar:
        return x.tanh()


@irdl_op_definition
class ExpOp(UnaryOp):
    name = "nn.exp"

    def scalar(self, x: Scalar) -> Scalar:
        return x.exp()


@irdl_op_definition
class LogOp(UnaryOp):
    name = "nn.log"

    def scalar(self, x: Scalar) -> Scalar:
        return x.log()


@irdl_op_definition
class SqrtOp(UnaryOp):
    name = "nn.sqrt"

    def scalar(self, x: Scalar) -> Scalar:
        return x.sqrt()


@irdl_op_definition
class ErfOp(UnaryOp):
    name = "nn.erf"

    def scalar(self, x: Scalar) -> Scalar:
        return x.erf()


@irdl_op_definition
class ClipOp(UnaryOp):
    """min(max(x, min), max); either bound may be absent.

        %y = nn.clip %x min 0.0 max 6.0 : (tensor<4xf32>) -> tensor<4xf32>
    """

    name = "nn.clip"
    ELEMENTS: ClassVar[ElementKinds] = ElementKinds.NUMBER
    min = opt_prop_def(FloatAttr[Float32Type])
    max = opt_prop_def(FloatAttr[Float32Type])
    assembly_format = "$input (`min` $min^)? (`max` $max^)? attr-dict `:` functional-type(operands, results)"

    def __init__(
        self,
        input: SSAValue | Operation,
        min: float | None,
        max: float | None,
        result_type: Attribute = UNRANKED_F32,
    ):
        properties = {k: FloatAttr(v, f32) for k, v in (("min", min), ("max", max)) if v is not None}
        IRDLOperation.__init__(self, operands=[input], result_types=[result_type], properties=properties)

    def scalar(self, x: Scalar) -> Scalar:
        if self.min is not None:
            x = x.max(self.min.value.data)
        if self.max is not None:
            x = x.min(self.max.value.data)
        return x


@irdl_op_definition
class AbsOp(UnaryOp):
    name = "nn.abs"
    ELEMENTS: ClassVar[ElementKinds] = ElementKinds.NUMBER

    def scalar(self, x: Scalar) -> Scalar:
        return x.abs()


@irdl_op_definition
class ReciprocalOp(UnaryOp):
    name = "nn.reciprocal"

    def scalar(self, x: Scalar) -> Scalar:
        return 1.0 / x


@irdl_op_definition
class FloorOp(UnaryOp):
    name = "nn.floor"

    def scalar(self, x: Scalar) -> Scalar:
        return x.floor()


@irdl_op_definition
class CeilOp(UnaryOp):
    name = "nn.ceil"

    def scalar(self, x: Scalar) -> Scalar:
        return x.ceil()


@irdl_op_definition
class SignOp(UnaryOp):
    """1 for x > 0, -1 for x < 0, x itself for zeros and NaN."""

    name = "nn.sign"
    ELEMENTS: ClassVar[ElementKinds] = ElementKinds.NUMBER

    def scalar(self, x: Scalar) -> Scalar:
        return (x > 0.0).select(x.kb.const(1.0, x.type), (x < 0.0).select(x.kb.const(-1.0, x.type), x))


def softplus(x: Scalar) -> Scalar:
    """log(1 + exp(x)) without overflow: max(x, 0) + log1p(exp(-|x|))."""
    return x.max(0.0) + (-x.abs()).exp().log1p()


@irdl_op_definition
class SoftplusOp(UnaryOp):
    name = "nn.softplus"

    def scalar(self, x: Scalar) -> Scalar:
        return softplus(x)


@irdl_op_definition
class SoftsignOp(UnaryOp):
    """x / (1 + |x|)"""

    name = "nn.softsign"

    def scalar(self, x: Scalar) -> Scalar:
        return x / (1.0 + x.abs())


@irdl_op_definition
class MishOp(UnaryOp):
    """x * tanh(softplus(x))"""

    name = "nn.mish"

    def scalar(self, x: Scalar) -> Scalar:
        return x * softplus(x).tanh()


@irdl_op_definition
class HardSwishOp(UnaryOp):
    """x * max(0, min(1, x / 6 + 1/2))"""

    name = "nn.hard_swish"

    def scalar(self, x: Scalar) -> Scalar:
        return x * (x * (1.0 / 6.0) + 0.5).min(1.0).max(0.0)


@irdl_op_definition
class GeluOp(UnaryOp):
    """x/2 * (1 + erf(x / sqrt(2))); with `tanh`, x/2 * (1 + tanh(sqrt(2/pi) * (x + 0.044715 x^3))).

        %y = nn.gelu %x tanh : (tensor<4xf32>) -> tensor<4xf32>
    """

    name = "nn.gelu"
    tanh = opt_prop_def(UnitAttr)
    assembly_format = "$input (`tanh` $tanh^)? attr-dict `:` functional-type(operands, results)"

    def __init__(self, input: SSAValue | Operation, tanh: bool = False, result_type: Attribute = UNRANKED_F32):
        properties = {"tanh": UnitAttr()} if tanh else {}
        IRDLOperation.__init__(self, operands=[input], result_types=[result_type], properties=properties)

    def scalar(self, x: Scalar) -> Scalar:
        if self.tanh is not None:
            inner = (x + x * x * x * 0.044715) * (2.0 / pi) ** 0.5
            return 0.5 * x * (1.0 + inner.tanh())
        return 0.5 * x * (1.0 + (x * 0.5**0.5).erf())


class ParametricUnaryOp(UnaryOp):
    """A unary op with float parameters, one property each (declared by the subclass, printed by name)."""

    def __init__(self, input: SSAValue | Operation, result_type: Attribute = UNRANKED_F32, **parameters: float):
        properties = {k: FloatAttr(v, f32) for k, v in parameters.items()}
        IRDLOperation.__init__(self, operands=[input], result_types=[result_type], properties=properties)

    def parameter(self, name: str) -> float:
        return getattr(self, name).value.data


_ALPHA_FORMAT = "$input `alpha` $alpha attr-dict `:` functional-type(operands, results)"


@irdl_op_definition
class LeakyReluOp(ParametricUnaryOp):
    """x for x >= 0, alpha * x below.

        %y = nn.leaky_relu %x alpha 1.000000e-02 : (tensor<4xf32>) -> tensor<4xf32>
    """

    name = "nn.leaky_relu"
    alpha = prop_def(FloatAttr[Float32Type])
    assembly_format = _ALPHA_FORMAT

    def scalar(self, x: Scalar) -> Scalar:
        return (x >= 0.0).select(x, x * self.parameter("alpha"))


@irdl_op_definition
class ThresholdedReluOp(ParametricUnaryOp):
    """x for x > alpha, else 0."""

    name = "nn.thresholded_relu"
    alpha = prop_def(FloatAttr[Float32Type])
    assembly_format = _ALPHA_FORMAT

    def scalar(self, x: Scalar) -> Scalar:
        return (x > self.parameter("alpha")).select(x, x.kb.const(0.0))


@irdl_op_definition
class EluOp(ParametricUnaryOp):
    """x for x >= 0, alpha * (exp(x) - 1) below."""

    name = "nn.elu"
    alpha = prop_def(FloatAttr[Float32Type])
    assembly_format = _ALPHA_FORMAT

    def scalar(self, x: Scalar) -> Scalar:
        return (x >= 0.0).select(x, (x.exp() - 1.0) * self.parameter("alpha"))


@irdl_op_definition
class CeluOp(ParametricUnaryOp):
    """max(0, x) + min(0, alpha * (exp(x / alpha) - 1))"""

    name = "nn.celu"
    alpha = prop_def(FloatAttr[Float32Type])
    assembly_format = _ALPHA_FORMAT

    def scalar(self, x: Scalar) -> Scalar:
        alpha = self.parameter("alpha")
        return x.max(0.0) + (alpha * ((x / alpha).exp() - 1.0)).min(0.0)


@irdl_op_definition
class SeluOp(ParametricUnaryOp):
    """gamma * x for x > 0, gamma * (alpha * exp(x) - alpha) below."""

    name = "nn.selu"
    alpha = prop_def(FloatAttr[Float32Type])
    gamma = prop_def(FloatAttr[Float32Type])
    assembly_format = "$input `alpha` $alpha `gamma` $gamma attr-dict `:` functional-type(operands, results)"

    def scalar(self, x: Scalar) -> Scalar:
        alpha, gamma = self.parameter("alpha"), self.parameter("gamma")
        return (x > 0.0).select(x * gamma, (x.exp() * alpha - alpha) * gamma)


@irdl_op_definition
class HardSigmoidOp(ParametricUnaryOp):
    """max(0, min(1, alpha * x + beta))"""

    name = "nn.hard_sigmoid"
    alpha = prop_def(FloatAttr[Float32Type])
    beta = prop_def(FloatAttr[Float32Type])
    assembly_format = "$input `alpha` $alpha `beta` $beta attr-dict `:` functional-type(operands, results)"

    def scalar(self, x: Scalar) -> Scalar:
        return (x * self.parameter("alpha") + self.parameter("beta")).min(1.0).max(0.0)


@irdl_op_definition
class AddOp(BinaryOp):
    name = "nn.add"
    ELEMENTS: ClassVar[ElementKinds] = ElementKinds.NUMBER

    def scalar(self, x: Scalar, y: Scalar) -> Scalar:
        return x + y


@irdl_op_definition
class SubOp(BinaryOp):
    name = "nn.sub"
    ELEMENTS: ClassVar[ElementKinds] = ElementKinds.NUMBER

    def scalar(self, x: Scalar, y: Scalar) -> Scalar:
        return x - y


@irdl_op_definition
class MulOp(BinaryOp):
    name = "nn.mul"
    ELEMENTS: ClassVar[ElementKinds] = ElementKinds.NUMBER

    def scalar(self, x: Scalar, y: Scalar) -> Scalar:
        return x * y


@irdl_op_definition
class DivOp(BinaryOp):
    name = "nn.div"
    ELEMENTS: ClassVar[ElementKinds] = ElementKinds.NUMBER

    def scalar(self, x: Scalar, y: Scalar) -> Scalar:
        return x / y


@irdl_op_definition
class MaxOp(BinaryOp):
    name = "nn.max"
    ELEMENTS: ClassVar[ElementKinds] = ElementKinds.NUMBER

    def scalar(self, x: Scalar, y: Scalar) -> Scalar:
        return x.max(y)


@irdl_op_definition
class MinOp(BinaryOp):
    name = "nn.min"
    ELEMENTS: ClassVar[ElementKinds] = ElementKinds.NUMBER

    def scalar(self, x: Scalar, y: Scalar) -> Scalar:
        return x.min(y)


@irdl_op_definition
class PowOp(BinaryOp):
    name = "nn.pow"

    def scalar(self, x: Scalar, y: Scalar) -> Scalar:
        return x**y


@irdl_op_definition
class PReluOp(BinaryOp):
    """x for x >= 0, slope * x below; the slope broadcasts to x."""

    name = "nn.prelu"

    def scalar(self, x: Scalar, y: Scalar) -> Scalar:
        return (x < 0.0).select(x * y, x)


@irdl_op_definition
class BatchNormOp(NNOp):
    """Inference batch normalization over axis 1:
    (x - mean[c]) * scale[c] / sqrt(var[c] + epsilon) + bias[c].

        %y = nn.batch_norm %x, %scale, %bias, %mean, %var epsilon 1.0e-05 : (...) -> tensor<1x8x4x4xf32>
    """

    name = "nn.batch_norm"
    FUSION_KIND: ClassVar[FusionKind] = FusionKind.BROADCAST
    input = operand_def(AnyTensor)
    scale = operand_def(AnyTensor)
    bias = operand_def(AnyTensor)
    mean = operand_def(AnyTensor)
    var = operand_def(AnyTensor)
    epsilon = prop_def(FloatAttr[Float32Type])
    result = result_def(AnyTensor)
    traits = traits_def(Pure())
    assembly_format = (
        "$input `,` $scale `,` $bias `,` $mean `,` $var `epsilon` $epsilon attr-dict `:` functional-type(operands, results)"
    )

    def __init__(self, operands: Sequence[SSAValue], epsilon: float, result_type: Attribute = UNRANKED_F32):
        super().__init__(operands=list(operands), result_types=[result_type], properties={"epsilon": FloatAttr(epsilon, f32)})

    def infer_shape(self, operand_shapes: list[Shape]) -> Shape:
        x = operand_shapes[0]
        if len(x) < 2:
            raise ShapeInferenceError(f"input of rank {len(x)} has no channel axis")
        for name, shape in zip(("scale", "bias", "mean", "var"), operand_shapes[1:]):
            if shape != (x[1],):
                raise ShapeInferenceError(f"{name} has shape {_fmt(shape)}, expected [{x[1]}] (one per channel)")
        return x

    def emit_element(self, kb: KernelBuilder, index: list[Ix]) -> Scalar:
        channel = [index[1]]
        scale, bias, mean, var = (kb.read(v, channel) for v in (self.scale, self.bias, self.mean, self.var))
        x = kb.read(self.input, index)
        return (x - mean) * (scale / (var + self.epsilon.value.data).sqrt()) + bias


# ===----------------------------------------------------------------------=== #
# Contractions and windows: matmul, gemm, conv2d, pools, lrn
# ===----------------------------------------------------------------------=== #


@irdl_op_definition
class MatMulOp(NNOp):
    """Batched matrix product with numpy broadcasting of the batch dims (ONNX MatMul, rank >= 2).

        %c = nn.matmul %a, %b : (tensor<2x3x4xf32>, tensor<4x5xf32>) -> tensor<2x3x5xf32>
    """

    name = "nn.matmul"
    FUSION_KIND: ClassVar[FusionKind] = FusionKind.OUT_ELEMENTWISE_FUSABLE
    lhs = operand_def(AnyTensor)
    rhs = operand_def(AnyTensor)
    result = result_def(AnyTensor)
    traits = traits_def(Pure())
    assembly_format = "$lhs `,` $rhs attr-dict `:` functional-type(operands, results)"

    def __init__(self, lhs: SSAValue, rhs: SSAValue, result_type: Attribute = UNRANKED_F32):
        super().__init__(operands=[lhs, rhs], result_types=[result_type])

    def infer_shape(self, operand_shapes: list[Shape]) -> Shape:
        a, b = operand_shapes
        if not a or not b:
            raise ShapeInferenceError("operands must not be scalars")
        a2, b2 = (1, *a) if len(a) == 1 else a, (*b, 1) if len(b) == 1 else b
        if a2[-1] != b2[-2]:
            raise ShapeInferenceError(f"contraction dims differ: {_fmt(a)} @ {_fmt(b)}")
        rows = (a2[-2],) if len(a) > 1 else ()
        cols = (b2[-1],) if len(b) > 1 else ()
        return broadcast_shapes(a2[:-2], b2[:-2]) + rows + cols

    def emit_element(self, kb: KernelBuilder, index: list[Ix]) -> Scalar:
        """A 1-D lhs is a row vector and a 1-D rhs a column vector, whose unit dim the result drops."""
        a, b = self.operand_shapes() or []
        index = list(index)
        if len(a) == 1:
            index.insert(len(index) - (len(b) > 1), kb.index(0))
        if len(b) == 1:
            index.append(kb.index(0))
        batch, i, j = index[:-2], index[-2], index[-1]
        a_batch, b_batch = broadcast_index(a[:-2], batch), broadcast_index(b[:-2], batch)

        def product(k: list[Ix]) -> Scalar:
            x = kb.read(self.lhs, [*a_batch, i, k[0]] if len(a) > 1 else [k[0]])
            y = kb.read(self.rhs, [*b_batch, k[0], j] if len(b) > 1 else [k[0]])
            return x * y

        return kb.reduce([a[-1]], 0.0, lambda acc, x: acc + x, product)


@irdl_op_definition
class GemmOp(NNOp):
    """alpha * op(A) @ op(B) + beta * C, C broadcast to [M, N] (ONNX Gemm).

        %y = nn.gemm %a, %b, %c trans_b : (tensor<1x64xf32>, tensor<10x64xf32>, tensor<10xf32>) -> tensor<1x10xf32>
    """

    name = "nn.gemm"
    FUSION_KIND: ClassVar[FusionKind] = FusionKind.OUT_ELEMENTWISE_FUSABLE
    a = operand_def(AnyTensor)
    b = operand_def(AnyTensor)
    c = opt_operand_def(AnyTensor)
    alpha = prop_def(FloatAttr[Float32Type], default_value=FloatAttr(1.0, f32))
    beta = prop_def(FloatAttr[Float32Type], default_value=FloatAttr(1.0, f32))
    trans_a = opt_prop_def(UnitAttr)
    trans_b = opt_prop_def(UnitAttr)
    result = result_def(AnyTensor)
    traits = traits_def(Pure())
    assembly_format = (
        "$a `,` $b (`,` $c^)? (`alpha` $alpha^)? (`beta` $beta^)? (`trans_a` $trans_a^)? (`trans_b` $trans_b^)? "
        "attr-dict `:` functional-type(operands, results)"
    )

    def __init__(
        self,
        a: SSAValue,
        b: SSAValue,
        c: SSAValue | None,
        alpha: float = 1.0,
        beta: float = 1.0,
        trans_a: bool = False,
        trans_b: bool = False,
        result_type: Attribute = UNRANKED_F32,
    ):
        properties: dict[str, Attribute] = {"alpha": FloatAttr(alpha, f32), "beta": FloatAttr(beta, f32)}
        properties |= {k: UnitAttr() for k, on in (("trans_a", trans_a), ("trans_b", trans_b)) if on}
        super().__init__(operands=[a, b, [c] if c is not None else []], result_types=[result_type], properties=properties)

    def _matrix_dims(self, a: Shape, b: Shape) -> tuple[int, int, int, int]:
        if len(a) != 2 or len(b) != 2:
            raise ShapeInferenceError(f"A and B must be matrices, got {_fmt(a)} and {_fmt(b)}")
        m, k = (a[1], a[0]) if self.trans_a else a
        k2, n = (b[1], b[0]) if self.trans_b else b
        return m, k, k2, n

    def infer_shape(self, operand_shapes: list[Shape]) -> Shape:
        m, k, k2, n = self._matrix_dims(operand_shapes[0], operand_shapes[1])
        if k != k2:
            raise ShapeInferenceError(f"contraction dims differ: op(A) is {m}x{k}, op(B) is {k2}x{n}")
        if len(operand_shapes) == 3 and broadcast_shapes(operand_shapes[2], (m, n)) != (m, n):
            raise ShapeInferenceError(f"C of shape {_fmt(operand_shapes[2])} does not broadcast to [{m}, {n}]")
        return (m, n)

    def emit_element(self, kb: KernelBuilder, index: list[Ix]) -> Scalar:
        shapes = self.operand_shapes() or []
        i, j = index
        contraction = self._matrix_dims(shapes[0], shapes[1])[1]

        def product(k: list[Ix]) -> Scalar:
            a = kb.read(self.a, [k[0], i] if self.trans_a else [i, k[0]])
            b = kb.read(self.b, [j, k[0]] if self.trans_b else [k[0], j])
            return a * b

        result = kb.reduce([contraction], 0.0, lambda acc, x: acc + x, product)
        if (alpha := self.alpha.value.data) != 1.0:
            result = result * alpha
        if self.c is not None and (beta := self.beta.value.data) != 0.0:
            c = kb.read(self.c, broadcast_index(shapes[2], index))
            result = result + (c if beta == 1.0 else c * beta)
        return result


AUTO_PAD_MODES = ("NOTSET", "VALID", "SAME_UPPER", "SAME_LOWER")


@dataclass(frozen=True)
class Window:
    """A strided, dilated window sliding over the two spatial axes of an NCHW input.

    Shared by conv2d and the pools: output sizes, and for each output position
    and window offset, the input position it reads (possibly in the padding).
    """

    spatial: Shape
    kernel: Shape
    strides: Shape
    pads: Shape
    """Effective [top, left, bottom, right], after auto_pad."""
    dilations: Shape
    ceil: bool = False
    """Whether the output size rounds up, so the last window may overhang the input."""

    @property
    def always_inside(self) -> bool:
        """No padding and no overhang: every window position is in the input, no checks needed."""
        return not any(self.pads) and not self.ceil

    def output_size(self) -> Shape:
        return tuple(self._output_length(d) for d in range(2))

    def interior(self, d: int) -> tuple[int, int] | None:
        """[first, end) of the output positions along spatial dim `d` whose windows lie inside the input."""
        size, out = self.spatial[d], self._output_length(d)
        if not isinstance(size, int) or not isinstance(out, int):
            return None
        stride, begin = self.strides[d], self.pads[d]
        first = -(-begin // stride)
        end = (size - 1 + begin - (self.kernel[d] - 1) * self.dilations[d]) // stride + 1
        return min(first, out), max(min(end, out), min(first, out))

    def _output_length(self, d: int) -> Dim:
        size, stride, begin = self.spatial[d], self.strides[d], self.pads[d]
        span = size + begin + self.pads[d + 2] - ((self.kernel[d] - 1) * self.dilations[d] + 1)
        if not isinstance(span, int):
            if self.ceil:
                raise SymbolicDimError(f"ceil_mode on the symbolic spatial dim {size} is not supported")
            return span // stride + 1  # the runtime refuses sizes where the window does not fit (a negative span)
        if span < 0:
            raise ShapeInferenceError(f"a window of {list(self.kernel)} (dilations {list(self.dilations)}) does not fit input {_fmt(self.spatial)} with pads {list(self.pads)}")
        out = -(-span // stride) + 1 if self.ceil else span // stride + 1
        if self.ceil and (out - 1) * stride >= size + begin:
            out -= 1  # the last window would start in the end padding
        return out

    def position(self, out: Sequence[Ix], offsets: Sequence[Ix]) -> list[Ix]:
        return [out[d] * self.strides[d] - self.pads[d] + offsets[d] * self.dilations[d] for d in range(2)]

    def inside(self, position: Sequence[Ix], low: Sequence[int] = (0, 0), high: Sequence[int] | None = None) -> Cond:
        if self.always_inside and high is None:
            return Cond(position[0].kb, True)
        high = self.spatial if high is None else high
        return position[0].in_range(low[0], high[0]) & position[1].in_range(low[1], high[1])

    def safe(self, position: Sequence[Ix]) -> list[Ix]:
        """The position clamped into the input, so a load there is always in bounds."""
        if self.always_inside:
            return list(position)
        return [p.clamp(0, size - 1) for p, size in zip(position, self.spatial)]


def _same_pads(spatial: Shape, kernel: Shape, strides: Shape, dilations: Shape, upper: bool) -> Shape:
    """auto_pad SAME_*: pad so that output = ceil(input / stride); the odd pixel goes at the end for SAME_UPPER."""
    begins, ends = [], []
    for d in range(2):
        out = ceildiv(spatial[d], strides[d])
        total = (out - 1) * strides[d] + (kernel[d] - 1) * dilations[d] + 1 - spatial[d]
        if not isinstance(total, int):
            raise SymbolicDimError(f"SAME padding of the symbolic dim {spatial[d]} with stride {strides[d]} depends on its value at run time, which is not supported")
        total = max(total, 0)
        small, large = total // 2, total - total // 2
        begins.append(small if upper else large)
        ends.append(large if upper else small)
    return (*begins, *ends)


class _WindowOp(NNOp):
    """conv2d and the pools: the attributes that describe their `Window`."""

    def output_window(self) -> Window:
        raise NotImplementedError

    def interior_columns(self) -> tuple[int, int] | None:
        shapes = self.operand_shapes()
        if shapes is None:
            return None
        window = self.output_window()
        if window.always_inside:
            return None
        return window.interior(1)

    def window(self, spatial: Shape, kernel: Shape, ceil: bool = False) -> Window:
        strides = tuple(self.strides.get_values())  # type: ignore[attr-defined]
        pads = tuple(self.pads.get_values())  # type: ignore[attr-defined]
        dilations = tuple(self.dilations.get_values())  # type: ignore[attr-defined]
        auto_pad = self.auto_pad.data if self.auto_pad is not None else "NOTSET"  # type: ignore[attr-defined]
        for name, values in (("strides", strides), ("dilations", dilations), ("kernel", kernel)):
            if len(values) != 2 or min(values) < 1:
                raise ShapeInferenceError(f"{name} must be two positive integers, got {list(values)}")
        if len(pads) != 4 or min(pads) < 0:
            raise ShapeInferenceError(f"pads must be four non-negative integers, got {list(pads)}")
        if auto_pad not in AUTO_PAD_MODES:
            raise ShapeInferenceError(f"unknown auto_pad '{auto_pad}' (expected one of {', '.join(AUTO_PAD_MODES)})")
        if auto_pad == "VALID":
            pads = (0, 0, 0, 0)
        elif auto_pad != "NOTSET":
            pads = _same_pads(spatial, kernel, strides, dilations, upper=auto_pad == "SAME_UPPER")
        return Window(spatial, kernel, strides, pads, dilations, ceil)


def _window_properties(
    strides: Sequence[int], pads: Sequence[int], dilations: Sequence[int], auto_pad: str, **flags: bool
) -> dict[str, Attribute]:
    properties: dict[str, Attribute] = {"strides": i64_array(strides), "pads": i64_array(pads), "dilations": i64_array(dilations)}
    if auto_pad != "NOTSET":
        properties["auto_pad"] = StringAttr(auto_pad)
    properties |= {name: UnitAttr() for name, on in flags.items() if on}
    return properties


_WINDOW_FORMAT = "`strides` $strides `pads` $pads `dilations` $dilations (`auto_pad` $auto_pad^)?"


@irdl_op_definition
class Conv2dOp(_WindowOp):
    """2-D convolution, NCHW input, MCkHkW weights, optional bias (ONNX Conv).

    pads are [top, left, bottom, right]; groups split channels as in ONNX.
    """

    name = "nn.conv2d"
    FUSION_KIND: ClassVar[FusionKind] = FusionKind.OUT_ELEMENTWISE_FUSABLE
    input = operand_def(AnyTensor)
    weight = operand_def(AnyTensor)
    bias = opt_operand_def(AnyTensor)
    strides = prop_def(DenseArrayBase.constr(I64))
    pads = prop_def(DenseArrayBase.constr(I64))
    dilations = prop_def(DenseArrayBase.constr(I64))
    auto_pad = opt_prop_def(StringAttr)
    groups = prop_def(IntegerAttr[I64])
    result = result_def(AnyTensor)
    traits = traits_def(Pure())
    assembly_format = (
        f"$input `,` $weight (`,` $bias^)? {_WINDOW_FORMAT} `groups` $groups attr-dict `:` functional-type(operands, results)"
    )

    def __init__(
        self,
        input: SSAValue,
        weight: SSAValue,
        bias: SSAValue | None,
        strides: Sequence[int],
        pads: Sequence[int],
        dilations: Sequence[int],
        groups: int,
        auto_pad: str = "NOTSET",
        result_type: Attribute = UNRANKED_F32,
    ):
        properties = _window_properties(strides, pads, dilations, auto_pad) | {"groups": IntegerAttr(groups, i64)}
        super().__init__(operands=[input, weight, [bias] if bias is not None else []], result_types=[result_type], properties=properties)

    def infer_shape(self, operand_shapes: list[Shape]) -> Shape:
        x, w = operand_shapes[0], operand_shapes[1]
        groups = self.groups.value.data
        if len(x) != 4 or len(w) != 4:
            raise ShapeInferenceError(f"input and weight must be 4-D (NCHW, MCkHkW), got {_fmt(x)} and {_fmt(w)}")
        if groups < 1 or x[1] % groups or w[0] % groups or w[1] * groups != x[1]:
            raise ShapeInferenceError(f"{x[1]} input channels, weight {_fmt(w)} and groups={groups} do not agree")
        if len(operand_shapes) == 3 and operand_shapes[2] != (w[0],):
            raise ShapeInferenceError(f"bias has shape {_fmt(operand_shapes[2])}, expected [{w[0]}]")
        return (x[0], w[0], *self.window(x[2:], w[2:]).output_size())

    def output_window(self) -> Window:
        x_shape, w_shape = (self.operand_shapes() or [])[:2]
        return self.window(x_shape[2:], w_shape[2:])

    def emit_element(self, kb: KernelBuilder, index: list[Ix]) -> Scalar:
        x_shape, w_shape = (self.operand_shapes() or [])[:2]
        window = self.output_window()
        n, m = index[0], index[1]
        first_channel = (m // (w_shape[0] // self.groups.value.data)) * w_shape[1]

        def product(k: list[Ix]) -> Scalar:
            c, offsets = k[0], k[1:]
            position = window.position(index[2:], offsets)
            x = kb.read(self.input, [n, first_channel + c, *window.safe(position)])
            return window.inside(position).select(x, kb.const(0.0)) * kb.read(self.weight, [m, c, *offsets])

        result = kb.reduce(w_shape[1:], 0.0, lambda acc, v: acc + v, product)
        if self.bias is not None:
            result = result + kb.read(self.bias, [m])
        return result


class _PoolOp(_WindowOp):
    """Max and average pooling over the last two axes of an NCHW tensor."""

    FUSION_KIND: ClassVar[FusionKind] = FusionKind.OUT_ELEMENTWISE_FUSABLE

    def output_window(self) -> Window:
        return self.pool_window((self.operand_shapes() or [])[0])

    def pool_window(self, x_shape: Shape) -> Window:
        kernel = tuple(self.kernel.get_values())  # type: ignore[attr-defined]
        if len(x_shape) != 4:
            raise ShapeInferenceError(f"2-D pooling needs a 4-D NCHW input, got {_fmt(x_shape)}")
        return self.window(x_shape[2:], kernel, ceil=self.ceil_mode is not None)  # type: ignore[attr-defined]

    def infer_shape(self, operand_shapes: list[Shape]) -> Shape:
        x = operand_shapes[0]
        return (x[0], x[1], *self.pool_window(x).output_size())

    def window_sum(self, kb: KernelBuilder, index: list[Ix], window: Window, fill: float, combine: Callable[[Scalar, Scalar], Scalar]) -> Scalar:
        """Reduce the input over the window at `index`; positions in the padding read `fill`."""

        def element(offsets: list[Ix]) -> Scalar:
            position = window.position(index[2:], offsets)
            x = kb.read(self.operands[0], [*index[:2], *window.safe(position)])
            return window.inside(position).select(x, kb.const(fill))

        return kb.reduce(list(window.kernel), fill, combine, element)


_POOL_FORMAT = f"$input `kernel` $kernel {_WINDOW_FORMAT} (`ceil_mode` $ceil_mode^)?"


@irdl_op_definition
class MaxPool2dOp(_PoolOp):
    """Maximum over each window; padding never wins (ONNX MaxPool).

        %y = nn.max_pool %x kernel [2, 2] strides [2, 2] pads [0, 0, 0, 0] dilations [1, 1] : (...) -> ...
    """

    name = "nn.max_pool"
    input = operand_def(AnyTensor)
    kernel = prop_def(DenseArrayBase.constr(I64))
    strides = prop_def(DenseArrayBase.constr(I64))
    pads = prop_def(DenseArrayBase.constr(I64))
    dilations = prop_def(DenseArrayBase.constr(I64))
    auto_pad = opt_prop_def(StringAttr)
    ceil_mode = opt_prop_def(UnitAttr)
    result = result_def(AnyTensor)
    traits = traits_def(Pure())
    assembly_format = f"{_POOL_FORMAT} attr-dict `:` functional-type(operands, results)"

    def __init__(self, input: SSAValue, kernel: Sequence[int], strides: Sequence[int], pads: Sequence[int], dilations: Sequence[int], auto_pad: str = "NOTSET", ceil_mode: bool = False, result_type: Attribute = UNRANKED_F32):
        properties = _window_properties(strides, pads, dilations, auto_pad, ceil_mode=ceil_mode) | {"kernel": i64_array(kernel)}
        super().__init__(operands=[input], result_types=[result_type], properties=properties)

    def emit_element(self, kb: KernelBuilder, index: list[Ix]) -> Scalar:
        """The maximum starts at the lowest float32, as in onnxruntime: a window wholly in the padding
        (dilation lets one miss the input) gives -3.4e38, not -inf."""
        window = self.pool_window((self.operand_shapes() or [])[0])
        return self.window_sum(kb, index, window, float(np.finfo(np.float32).min), lambda acc, v: acc.max(v))


@irdl_op_definition
class AvgPool2dOp(_PoolOp):
    """Mean over each window (ONNX AveragePool). The divisor counts the padding
    when `count_include_pad` is set, never the part of a ceil-mode window that
    lies beyond the padding, as onnxruntime does."""

    name = "nn.avg_pool"
    input = operand_def(AnyTensor)
    kernel = prop_def(DenseArrayBase.constr(I64))
    strides = prop_def(DenseArrayBase.constr(I64))
    pads = prop_def(DenseArrayBase.constr(I64))
    dilations = prop_def(DenseArrayBase.constr(I64))
    auto_pad = opt_prop_def(StringAttr)
    ceil_mode = opt_prop_def(UnitAttr)
    count_include_pad = opt_prop_def(UnitAttr)
    result = result_def(AnyTensor)
    traits = traits_def(Pure())
    assembly_format = f"{_POOL_FORMAT} (`count_include_pad` $count_include_pad^)? attr-dict `:` functional-type(operands, results)"

    def __init__(self, input: SSAValue, kernel: Sequence[int], strides: Sequence[int], pads: Sequence[int], dilations: Sequence[int], auto_pad: str = "NOTSET", ceil_mode: bool = False, count_include_pad: bool = False, result_type: Attribute = UNRANKED_F32):
        flags = {"ceil_mode": ceil_mode, "count_include_pad": count_include_pad}
        properties = _window_properties(strides, pads, dilations, auto_pad, **flags) | {"kernel": i64_array(kernel)}
        super().__init__(operands=[input], result_types=[result_type], properties=properties)

    def emit_element(self, kb: KernelBuilder, index: list[Ix]) -> Scalar:
        window = self.pool_window((self.operand_shapes() or [])[0])
        total = self.window_sum(kb, index, window, 0.0, lambda acc, v: acc + v)
        if window.always_inside:
            return total / float(prod(window.kernel))
        pads = window.pads if self.count_include_pad else (0, 0, 0, 0)
        low = (-pads[0], -pads[1])
        high = (window.spatial[0] + pads[2], window.spatial[1] + pads[3])

        def counted(offsets: list[Ix]) -> Scalar:
            position = window.position(index[2:], offsets)
            return window.inside(position, low, high).select(kb.const(1.0), kb.const(0.0))

        return total / kb.reduce(list(window.kernel), 0.0, lambda acc, v: acc + v, counted)


class _Sum:
    """How a sum combines elements; with `_Mean` and `_Max`, shared by the reduce ops and the global pools."""

    INIT: ClassVar[float] = 0.0

    def combine(self, acc: Scalar, x: Scalar) -> Scalar:
        return acc + x


class _Mean(_Sum):
    def finish(self, total: Scalar, count: Dim) -> Scalar:
        """The sum over the count; the mean of no elements is 0 (onnxruntime's choice: ONNX leaves it undefined)."""
        return total / (float(max(count, 1)) if isinstance(count, int) else total.kb.size(count).to_scalar(total.type).max(1.0))


class _Max:
    INIT: ClassVar[float] = float("-inf")

    def combine(self, acc: Scalar, x: Scalar) -> Scalar:
        return acc.max(x)


class _GlobalPoolOp(NNOp):
    """Reduces every axis after the first two: [N, C, d...] -> [N, C, 1...]."""

    FUSION_KIND: ClassVar[FusionKind] = FusionKind.REDUCTION
    INIT: ClassVar[float]
    input = operand_def(AnyTensor)
    result = result_def(AnyTensor)
    traits = traits_def(Pure())
    assembly_format = "$input attr-dict `:` functional-type(operands, results)"

    def __init__(self, input: SSAValue, result_type: Attribute = UNRANKED_F32):
        super().__init__(operands=[input], result_types=[result_type])

    def combine(self, acc: Scalar, x: Scalar) -> Scalar:
        raise NotImplementedError

    def finish(self, total: Scalar, count: Dim) -> Scalar:
        return total

    def infer_shape(self, operand_shapes: list[Shape]) -> Shape:
        x = operand_shapes[0]
        if len(x) < 3:
            raise ShapeInferenceError(f"input must have spatial axes (rank >= 3), got {_fmt(x)}")
        return (x[0], x[1]) + (1,) * (len(x) - 2)

    def emit_element(self, kb: KernelBuilder, index: list[Ix]) -> Scalar:
        spatial = (self.operand_shapes() or [])[0][2:]
        total = kb.reduce(spatial, self.INIT, self.combine, lambda k: kb.read(self.input, [*index[:2], *k]), element_type(self.input))
        return self.finish(total, prod(spatial))


@irdl_op_definition
class GlobalAvgPoolOp(_Mean, _GlobalPoolOp):
    """Mean over the spatial axes (ONNX GlobalAveragePool)."""

    name = "nn.global_avg_pool"


@irdl_op_definition
class GlobalMaxPoolOp(_Max, _GlobalPoolOp):
    """Maximum over the spatial axes (ONNX GlobalMaxPool)."""

    name = "nn.global_max_pool"


@irdl_op_definition
class LRNOp(NNOp):
    """Local response normalization across channels (ONNX LRN, AlexNet/GoogLeNet):
    y = x / (bias + alpha / size * sum of x^2 over channels [c - floor((size-1)/2), c + ceil((size-1)/2)])^beta.

    Like pooling it reduces a window of neighbours for each output, so it has
    the pools' kind: elementwise consumers become its epilogue.

        %y = nn.lrn %x size 5 alpha 1.000000e-04 beta 7.500000e-01 bias 1.000000e+00 : (...) -> tensor<1x8x4x4xf32>
    """

    name = "nn.lrn"
    FUSION_KIND: ClassVar[FusionKind] = FusionKind.OUT_ELEMENTWISE_FUSABLE
    input = operand_def(AnyTensor)
    size = prop_def(IntegerAttr[I64])
    alpha = prop_def(FloatAttr[Float32Type])
    beta = prop_def(FloatAttr[Float32Type])
    bias = prop_def(FloatAttr[Float32Type])
    result = result_def(AnyTensor)
    traits = traits_def(Pure())
    assembly_format = "$input `size` $size `alpha` $alpha `beta` $beta `bias` $bias attr-dict `:` functional-type(operands, results)"

    def __init__(self, input: SSAValue, size: int, alpha: float, beta: float, bias: float, result_type: Attribute = UNRANKED_F32):
        properties: dict[str, Attribute] = {"size": IntegerAttr(size, i64)}
        properties |= {k: FloatAttr(v, f32) for k, v in (("alpha", alpha), ("beta", beta), ("bias", bias))}
        super().__init__(operands=[input], result_types=[result_type], properties=properties)

    def infer_shape(self, operand_shapes: list[Shape]) -> Shape:
        x = operand_shapes[0]
        if len(x) < 2:
            raise ShapeInferenceError(f"input of rank {len(x)} has no channel axis")
        if self.size.value.data < 1:
            raise ShapeInferenceError(f"size must be positive, got {self.size.value.data}")
        return x

    def emit_element(self, kb: KernelBuilder, index: list[Ix]) -> Scalar:
        channels, size = (self.operand_shapes() or [])[0][1], self.size.value.data
        first = index[1] - (size - 1) // 2

        def square(k: list[Ix]) -> Scalar:
            channel = first + k[0]
            x = kb.read(self.input, [index[0], channel.clamp(0, channels - 1), *index[2:]])
            return channel.in_range(0, channels).select(x * x, kb.const(0.0))

        total = kb.reduce([size], 0.0, lambda acc, v: acc + v, square)
        scale = total * (self.alpha.value.data / size) + self.bias.value.data
        return kb.read(self.input, index) * scale ** (-self.beta.value.data)


# ===----------------------------------------------------------------------=== #
# Injective: pad, reshape, squeeze, transpose, concat, slice, gather, expand, tile
# ===----------------------------------------------------------------------=== #


class PadMode(Enum):
    CONSTANT = "constant"
    REFLECT = "reflect"
    EDGE = "edge"


@irdl_op_definition
class PadOp(NNOp):
    """Pads (or, with negative pads, crops) every axis; pads = [begin..., end...] as in ONNX.

        %y = nn.pad %x pads [0, 0, 1, 1, 0, 0, 1, 1] mode "constant" value 0.0 : (...) -> ...
    """

    name = "nn.pad"
    ELEMENTS: ClassVar[ElementKinds] = ElementKinds.ANY
    FUSION_KIND: ClassVar[FusionKind] = FusionKind.INJECTIVE
    input = operand_def(AnyTensor)
    pads = prop_def(DenseArrayBase.constr(I64))
    mode = prop_def(StringAttr)
    value = prop_def(FloatAttr[Float32Type])
    result = result_def(AnyTensor)
    traits = traits_def(Pure())
    assembly_format = "$input `pads` $pads `mode` $mode `value` $value attr-dict `:` functional-type(operands, results)"

    def __init__(self, input: SSAValue, pads: Sequence[int], mode: str = "constant", value: float = 0.0, result_type: Attribute = UNRANKED_F32):
        super().__init__(
            operands=[input],
            result_types=[result_type],
            properties={"pads": i64_array(pads), "mode": StringAttr(mode), "value": FloatAttr(value, f32)},
        )

    def verify_(self) -> None:
        if self.mode.data not in {m.value for m in PadMode}:
            raise VerifyException(f"nn.pad: unknown mode '{self.mode.data}' (expected constant, reflect or edge)")
        super().verify_()

    def infer_shape(self, operand_shapes: list[Shape]) -> Shape:
        x = operand_shapes[0]
        pads = self.pads.get_values()
        if len(pads) != 2 * len(x):
            raise ShapeInferenceError(f"{len(pads)} pads for a rank-{len(x)} input (need {2 * len(x)})")
        out = tuple(d + pads[i] + pads[i + len(x)] for i, d in enumerate(x))
        numbers = [d for d in (*x, *out) if isinstance(d, int)]
        if min(numbers, default=1) < 0 or (self.mode.data != "constant" and 0 in x):
            raise ShapeInferenceError(f"pads {list(pads)} do not fit input {_fmt(x)}")
        padded_symbolic = [d for i, d in enumerate(x) if not isinstance(d, int) and (pads[i] or pads[i + len(x)])]
        if self.mode.data != "constant" and padded_symbolic:
            raise SymbolicDimError(f"{self.mode.data} padding of the symbolic dim {padded_symbolic[0]} reads the input at positions known only at run time, which is not supported")
        if self.mode.data == "reflect" and any(isinstance(d, int) and p >= d for i, d in enumerate(x) for p in (pads[i], pads[i + len(x)])):
            raise ShapeInferenceError(f"reflect pads {list(pads)} must be smaller than the input dims {_fmt(x)}")
        return out

    def emit_element(self, kb: KernelBuilder, index: list[Ix]) -> Scalar:
        x = (self.operand_shapes() or [])[0]
        begins = self.pads.get_values()[: len(x)]
        position = [i - b for i, b in zip(index, begins)]
        if self.mode.data == "reflect":
            return kb.read(self.input, [p.reflect(d) for p, d in zip(position, x)])
        safe = [p.clamp(0, d - 1) for p, d in zip(position, x)]
        if self.mode.data == "edge":
            return kb.read(self.input, safe)
        inside = Cond(kb, True)
        for p, d in zip(position, x):
            inside = inside & p.in_range(0, d)
        return inside.select(kb.read(self.input, safe), kb.const(self.value.value.data, element_type(self.output)))


def _exact_quotient(total: Dim, known: Dim, message: str) -> Dim:
    """total / known for a Reshape's -1: exact, or the reshape is invalid."""
    if isinstance(total, int) and isinstance(known, int):
        if known == 0 or total % known:
            raise ShapeInferenceError(message)
        return total // known
    try:
        return DimExpr.of(total).exact_div(DimExpr.of(known))
    except SymbolicDimError as error:
        raise ShapeInferenceError(f"{message}: {error}") from error


def linear_index(index: Sequence[Ix], shape: Shape) -> Ix:
    linear = index[0].kb.index(0) if index else None
    for i, d in zip(index, shape):
        linear = linear * d + i  # type: ignore[operator]
    return linear  # type: ignore[return-value]


def _delinearize(linear: Ix, shape: Shape) -> list[Ix]:
    strides = [prod(shape[i + 1 :]) for i in range(len(shape))]
    return [(linear // s) % d for s, d in zip(strides, shape)]


class _ReshapeLike(NNOp):
    """Same elements in the same (row-major) order, another shape."""

    FUSION_KIND: ClassVar[FusionKind] = FusionKind.INJECTIVE

    def emit_element(self, kb: KernelBuilder, index: list[Ix]) -> Scalar:
        """Where only size-1 dims come and go (squeeze, unsqueeze), the other indices carry over as they are."""
        in_shape = (self.operand_shapes() or [])[0]
        out_shape = shape_of(self.output)
        assert out_shape is not None
        if [d for d in in_shape if d != 1] == [d for d in out_shape if d != 1]:
            kept = iter(i for i, d in zip(index, out_shape) if d != 1)
            return kb.read(self.operands[0], [next(kept) if d != 1 else kb.index(0) for d in in_shape])
        return kb.read(self.operands[0], _delinearize(linear_index(index, out_shape), in_shape))


@irdl_op_definition
class ReshapeOp(_ReshapeLike):
    """ONNX Reshape with the target shape known at compile time: -1 is inferred,
    0 copies the input dim (unless `allowzero`).

        %y = nn.reshape %x shape [0, -1] : (tensor<2x3x4xf32>) -> tensor<2x12xf32>
    """

    name = "nn.reshape"
    ELEMENTS: ClassVar[ElementKinds] = ElementKinds.ANY
    input = operand_def(AnyTensor)
    shape = prop_def(DenseArrayBase.constr(I64))
    allowzero = opt_prop_def(UnitAttr)
    result = result_def(AnyTensor)
    traits = traits_def(Pure())
    assembly_format = "$input `shape` $shape (`allowzero` $allowzero^)? attr-dict `:` functional-type(operands, results)"

    def __init__(self, input: SSAValue, shape: Sequence[int], allowzero: bool = False, result_type: Attribute = UNRANKED_F32):
        properties: dict[str, Attribute] = {"shape": i64_array(shape)}
        if allowzero:
            properties["allowzero"] = UnitAttr()
        super().__init__(operands=[input], result_types=[result_type], properties=properties)

    def infer_shape(self, operand_shapes: list[Shape]) -> Shape:
        x = operand_shapes[0]
        requested = list(self.shape.get_values())
        if requested.count(-1) > 1 or any(d < -1 for d in requested):
            raise ShapeInferenceError(f"invalid target shape {requested}")
        out = [x[i] if d == 0 and self.allowzero is None and i < len(x) else d for i, d in enumerate(requested)]
        if -1 in out:
            out[out.index(-1)] = _exact_quotient(prod(x), prod(d for d in out if d != -1), f"cannot reshape {_fmt(x)} into {requested}")
        if prod(out) != prod(x):
            raise ShapeInferenceError(f"cannot reshape {_fmt(x)} ({prod(x)} elements) into {_fmt(tuple(out))}")
        return tuple(out)


@irdl_op_definition
class FlattenOp(_ReshapeLike):
    """[d0..d(axis-1), d(axis)..] -> [prod(d0..), prod(d(axis)..)] (ONNX Flatten)."""

    name = "nn.flatten"
    ELEMENTS: ClassVar[ElementKinds] = ElementKinds.ANY
    input = operand_def(AnyTensor)
    axis = prop_def(IntegerAttr[I64])
    result = result_def(AnyTensor)
    traits = traits_def(Pure())
    assembly_format = "$input `axis` $axis attr-dict `:` functional-type(operands, results)"

    def __init__(self, input: SSAValue, axis: int, result_type: Attribute = UNRANKED_F32):
        super().__init__(operands=[input], result_types=[result_type], properties={"axis": IntegerAttr(axis, i64)})

    def infer_shape(self, operand_shapes: list[Shape]) -> Shape:
        x = operand_shapes[0]
        axis = self.axis.value.data
        if not -len(x) <= axis <= len(x):
            raise ShapeInferenceError(f"axis {axis} is out of range for rank {len(x)}")
        if axis < 0:
            axis += len(x)
        return (prod(x[:axis]), prod(x[axis:]))


@irdl_op_definition
class TransposeOp(NNOp):
    """Permutes axes: result dim i is input dim perm[i]; an empty perm reverses them.

        %y = nn.transpose %x perm [0, 2, 1] : (tensor<2x3x4xf32>) -> tensor<2x4x3xf32>
    """

    name = "nn.transpose"
    ELEMENTS: ClassVar[ElementKinds] = ElementKinds.ANY
    FUSION_KIND: ClassVar[FusionKind] = FusionKind.INJECTIVE
    input = operand_def(AnyTensor)
    perm = prop_def(DenseArrayBase.constr(I64))
    result = result_def(AnyTensor)
    traits = traits_def(Pure())
    assembly_format = "$input `perm` $perm attr-dict `:` functional-type(operands, results)"

    def __init__(self, input: SSAValue, perm: Sequence[int], result_type: Attribute = UNRANKED_F32):
        super().__init__(operands=[input], result_types=[result_type], properties={"perm": i64_array(perm)})

    def permutation(self, rank: int) -> list[int]:
        """The perm, or the reversal of the axes when it is empty (the ONNX default)."""
        return list(self.perm.get_values()) or list(reversed(range(rank)))

    def infer_shape(self, operand_shapes: list[Shape]) -> Shape:
        x = operand_shapes[0]
        perm = self.permutation(len(x))
        if sorted(perm) != list(range(len(x))):
            raise ShapeInferenceError(f"perm {perm} is not a permutation of the {len(x)} axes")
        return tuple(x[p] for p in perm)

    def emit_element(self, kb: KernelBuilder, index: list[Ix]) -> Scalar:
        position: list[Ix] = [kb.index(0)] * len(index)
        for out_axis, in_axis in enumerate(self.permutation(len(index))):
            position[in_axis] = index[out_axis]
        return kb.read(self.input, position)


@irdl_op_definition
class ConcatOp(NNOp):
    """Joins tensors along `axis` (ONNX Concat; a negative axis counts from the end).

        %y = nn.concat %a, %b axis 1 : (tensor<2x3xf32>, tensor<2x5xf32>) -> tensor<2x8xf32>
    """

    name = "nn.concat"
    ELEMENTS: ClassVar[ElementKinds] = ElementKinds.ANY
    FUSION_KIND: ClassVar[FusionKind] = FusionKind.INJECTIVE
    inputs = var_operand_def(AnyTensor)
    axis = prop_def(IntegerAttr[I64])
    result = result_def(AnyTensor)
    traits = traits_def(Pure())
    assembly_format = "$inputs `axis` $axis attr-dict `:` functional-type(operands, results)"

    def __init__(self, inputs: Sequence[SSAValue], axis: int, result_type: Attribute = UNRANKED_F32):
        super().__init__(operands=[inputs], result_types=[result_type], properties={"axis": IntegerAttr(axis, i64)})

    def infer_shape(self, operand_shapes: list[Shape]) -> Shape:
        first = operand_shapes[0]
        axis = normalize_axis(self.axis.value.data, len(first))
        for shape in operand_shapes[1:]:
            if len(shape) != len(first) or any(a != b for i, (a, b) in enumerate(zip(shape, first)) if i != axis):
                raise ShapeInferenceError(f"inputs {_fmt(first)} and {_fmt(shape)} differ outside axis {axis}")
        return first[:axis] + (sum(s[axis] for s in operand_shapes),) + first[axis + 1 :]

    def emit_element(self, kb: KernelBuilder, index: list[Ix]) -> Scalar:
        """Every input is read at a clamped (safe) index; selects keep the one that owns the element."""
        shapes = self.operand_shapes() or []
        axis = normalize_axis(self.axis.value.data, len(index))
        offsets = [sum(s[axis] for s in shapes[:k]) for k in range(len(shapes))]
        result: Scalar | None = None
        for value, shape, offset in reversed(list(zip(self.inputs, shapes, offsets))):
            if shape[axis] == 0:
                continue
            position = list(index)
            position[axis] = (index[axis] - offset).clamp(0, shape[axis] - 1)
            element = kb.read(value, position)
            result = element if result is None else (index[axis] < offset + shape[axis]).select(element, result)
        assert result is not None, "a concat of empty tensors has no elements to compute"
        return result


@irdl_op_definition
class SqueezeOp(_ReshapeLike):
    """Drops the size-1 `axes` (negative ones count from the end); with none given, every size-1 axis.

        %y = nn.squeeze %x axes [0, -1] : (tensor<1x3x1xf32>) -> tensor<3xf32>
    """

    name = "nn.squeeze"
    ELEMENTS: ClassVar[ElementKinds] = ElementKinds.ANY
    input = operand_def(AnyTensor)
    axes = prop_def(DenseArrayBase.constr(I64))
    result = result_def(AnyTensor)
    traits = traits_def(Pure())
    assembly_format = "$input `axes` $axes attr-dict `:` functional-type(operands, results)"

    def __init__(self, input: SSAValue, axes: Sequence[int], result_type: Attribute = UNRANKED_F32):
        super().__init__(operands=[input], result_types=[result_type], properties={"axes": i64_array(axes)})

    def infer_shape(self, operand_shapes: list[Shape]) -> Shape:
        return squeezed(operand_shapes[0], list(self.axes.get_values()))


def squeezed(x: Shape, given: Sequence[int]) -> Shape:
    """Squeeze's shape rule (also the importer's, on shape vectors): the given size-1 axes dropped, or every size-1 axis."""
    axes = {normalize_axis(a, len(x)) for a in given} if given else {i for i, d in enumerate(x) if d == 1}
    if len(axes) != len(given) and given:
        raise ShapeInferenceError(f"axes {list(given)} repeat an axis")
    if any(x[a] != 1 for a in axes):
        raise ShapeInferenceError(f"cannot squeeze axes {list(given)} of {_fmt(x)}: their size is not 1")
    return tuple(d for i, d in enumerate(x) if i not in axes)


@irdl_op_definition
class UnsqueezeOp(_ReshapeLike):
    """Inserts size-1 axes at `axes`, which count in the result's rank (negative ones from its end).

        %y = nn.unsqueeze %x axes [0, -1] : (tensor<3xf32>) -> tensor<1x3x1xf32>
    """

    name = "nn.unsqueeze"
    ELEMENTS: ClassVar[ElementKinds] = ElementKinds.ANY
    input = operand_def(AnyTensor)
    axes = prop_def(DenseArrayBase.constr(I64))
    result = result_def(AnyTensor)
    traits = traits_def(Pure())
    assembly_format = "$input `axes` $axes attr-dict `:` functional-type(operands, results)"

    def __init__(self, input: SSAValue, axes: Sequence[int], result_type: Attribute = UNRANKED_F32):
        super().__init__(operands=[input], result_types=[result_type], properties={"axes": i64_array(axes)})

    def infer_shape(self, operand_shapes: list[Shape]) -> Shape:
        return unsqueezed(operand_shapes[0], list(self.axes.get_values()))


def unsqueezed(x: Shape, given: Sequence[int]) -> Shape:
    """Unsqueeze's shape rule (also the importer's, on shape vectors): size-1 axes inserted at `given`."""
    rank = len(x) + len(given)
    axes = {normalize_axis(a, rank) for a in given}
    if len(axes) != len(given):
        raise ShapeInferenceError(f"axes {list(given)} repeat an axis")
    rest = iter(x)
    return tuple(1 if i in axes else next(rest) for i in range(rank))


@irdl_op_definition
class SliceOp(NNOp):
    """ONNX Slice with constant starts, ends, axes and steps: negative starts and ends count
    from the end of their axis, then are clamped into it; a negative step walks backwards.

        %y = nn.slice %x starts [-1] ends [-9223372036854775808] axes [1] steps [-1] : (tensor<2x5xf32>) -> tensor<2x5xf32>
    """

    name = "nn.slice"
    ELEMENTS: ClassVar[ElementKinds] = ElementKinds.ANY
    FUSION_KIND: ClassVar[FusionKind] = FusionKind.INJECTIVE
    input = operand_def(AnyTensor)
    starts = prop_def(DenseArrayBase.constr(I64))
    ends = prop_def(DenseArrayBase.constr(I64))
    axes = prop_def(DenseArrayBase.constr(I64))
    steps = prop_def(DenseArrayBase.constr(I64))
    result = result_def(AnyTensor)
    traits = traits_def(Pure())
    assembly_format = "$input `starts` $starts `ends` $ends `axes` $axes `steps` $steps attr-dict `:` functional-type(operands, results)"

    def __init__(self, input: SSAValue, starts: Sequence[int], ends: Sequence[int], axes: Sequence[int], steps: Sequence[int], result_type: Attribute = UNRANKED_F32):
        properties = {k: i64_array(v) for k, v in (("starts", starts), ("ends", ends), ("axes", axes), ("steps", steps))}
        super().__init__(operands=[input], result_types=[result_type], properties=properties)

    def ranges(self, x: Shape) -> list[SliceRange]:
        """For each input axis, the input positions the result takes, in order."""
        starts, ends, axes, steps = (list(a.get_values()) for a in (self.starts, self.ends, self.axes, self.steps))
        if not len(starts) == len(ends) == len(axes) == len(steps):
            raise ShapeInferenceError(f"starts, ends, axes and steps differ in length ({len(starts)}, {len(ends)}, {len(axes)}, {len(steps)})")
        ranges = [SliceRange(0, 1, d) for d in x]
        seen: set[int] = set()
        for start, end, axis, step in zip(starts, ends, axes, steps):
            axis = normalize_axis(axis, len(x))
            if axis in seen or step == 0:
                raise ShapeInferenceError(f"axis {axis} is sliced twice" if axis in seen else "steps must not be 0")
            seen.add(axis)
            d = x[axis]
            ranges[axis] = SliceRange.of(start, end, step, d) if isinstance(d, int) else SliceRange.symbolic(start, end, step, d)
        return ranges

    def infer_shape(self, operand_shapes: list[Shape]) -> Shape:
        return tuple(r.length for r in self.ranges(operand_shapes[0]))

    def emit_element(self, kb: KernelBuilder, index: list[Ix]) -> Scalar:
        ranges = self.ranges((self.operand_shapes() or [])[0])
        return kb.read(self.input, [i * r.step + r.start for i, r in zip(index, ranges)])


@dataclass(frozen=True)
class SliceRange:
    """The positions start, start + step, ... (length of them) that a slice takes along one axis."""

    start: Dim
    step: int
    length: Dim

    @staticmethod
    def of(start: int, end: int, step: int, d: int) -> SliceRange:
        """ONNX's rule: negative bounds count from the end, then both are clamped into the axis."""
        start, end = start + d if start < 0 else start, end + d if end < 0 else end
        low, high = (0, d) if step > 0 else (-1, d - 1)
        taken = range(min(max(start, 0), high), min(max(end, low), high), step)
        return SliceRange(taken.start, step, len(taken))

    @staticmethod
    def symbolic(start: int, end: int, step: int, d: DimExpr) -> SliceRange:
        """Along a dim known only at run time, the bounds cannot be clamped at compile time:
        what is accepted is a forward slice from a start to the end of the axis or to a
        point counted from the end (x[k:], x[k:-j]); the runtime refuses sizes that make
        its length negative."""
        if step <= 0 or start < 0 or end in range(2**31):
            raise SymbolicDimError(f"a slice [{start}:{end}:{step}] of the symbolic dim {d} needs its bounds clamped at run time, which is not supported")
        last = d + end if end < 0 else d
        return SliceRange(start, step, ceildiv(last - start, step))


@irdl_op_definition
class GatherOp(NNOp):
    """ONNX Gather: the result is data with axis `axis` replaced by the indices' axes, each
    element taken at the position the index tensor holds there.

    Indices are integers (or integral floats); a negative one counts from the end of the axis.
    Indices that are an nn.constant were checked by whoever made them (the importer) and are
    used as they are. Any other index is checked when the kernel runs: outside [-n, n) the run
    fails (`loop.check`), naming the op's location; the position read is clamped into the axis
    either way, so a bad index can never read outside the data.

        %y = nn.gather %x, %i axis 1 : (tensor<2x5xf32>, tensor<3xi64>) -> tensor<2x3xf32>
    """

    name = "nn.gather"
    ELEMENTS: ClassVar[ElementKinds] = ElementKinds.ANY
    INDEX_OPERANDS: ClassVar[tuple[str, ...]] = ("indices",)
    FUSION_KIND: ClassVar[FusionKind] = FusionKind.INJECTIVE
    data = operand_def(AnyTensor)
    indices = operand_def(AnyTensor)
    axis = prop_def(IntegerAttr[I64])
    result = result_def(AnyTensor)
    traits = traits_def(Pure())
    assembly_format = "$data `,` $indices `axis` $axis attr-dict `:` functional-type(operands, results)"

    def __init__(self, data: SSAValue, indices: SSAValue, axis: int, result_type: Attribute = UNRANKED_F32):
        super().__init__(operands=[data, indices], result_types=[result_type], properties={"axis": IntegerAttr(axis, i64)})

    def infer_element_type(self) -> Attribute:
        indices = element_type(self.indices)
        if not (isinstance(indices, AnyFloat) or _accepts(ElementKinds.NUMBER, indices)):
            raise ShapeInferenceError(f"indices must be integers, not {indices}")
        return super().infer_element_type()

    def infer_shape(self, operand_shapes: list[Shape]) -> Shape:
        data, indices = operand_shapes
        axis = normalize_axis(self.axis.value.data, len(data))
        return data[:axis] + indices + data[axis + 1 :]

    def emit_element(self, kb: KernelBuilder, index: list[Ix]) -> Scalar:
        data, indices = self.operand_shapes() or []
        axis = normalize_axis(self.axis.value.data, len(data))
        after = axis + len(indices)
        size = data[axis]
        position = kb.read(self.indices, index[axis:after]).to_index()
        if not isinstance(self.indices.owner, ConstantOp):
            kb.check((position >= -size) & (position < size), f"{describe_op(self)}: an index is out of range for axis {axis} of size {size}")
            position = (position < 0).select_index(position + size, position)
        position = position.clamp(0, size - 1)
        return kb.read(self.data, [*index[:axis], position, *index[after:]])


@irdl_op_definition
class ExpandOp(NNOp):
    """Broadcasts the input and `shape` together (ONNX Expand: either side may be 1); the
    shape may hold symbolic dims (computed from another input's Shape).

        %y = nn.expand %x shape <[2, 1, 4]> : (tensor<3x1xf32>) -> tensor<2x3x4xf32>
    """

    name = "nn.expand"
    ELEMENTS: ClassVar[ElementKinds] = ElementKinds.ANY
    FUSION_KIND: ClassVar[FusionKind] = FusionKind.BROADCAST
    input = operand_def(AnyTensor)
    shape = prop_def(DimsAttr)
    result = result_def(AnyTensor)
    traits = traits_def(Pure())
    assembly_format = "$input `shape` $shape attr-dict `:` functional-type(operands, results)"

    def __init__(self, input: SSAValue, shape: Sequence[Dim], result_type: Attribute = UNRANKED_F32):
        super().__init__(operands=[input], result_types=[result_type], properties={"shape": DimsAttr(tuple(shape))})

    def infer_shape(self, operand_shapes: list[Shape]) -> Shape:
        shape = self.shape.data
        if any(isinstance(d, int) and d < 0 for d in shape):
            raise ShapeInferenceError(f"negative dims in shape {_fmt(shape)}")
        return broadcast_shapes(operand_shapes[0], shape)

    def emit_element(self, kb: KernelBuilder, index: list[Ix]) -> Scalar:
        return kb.read(self.input, broadcast_index((self.operand_shapes() or [])[0], index))


@irdl_op_definition
class TileOp(NNOp):
    """Repeats the input `repeats[i]` times along each axis i (ONNX Tile); a repeat count may be
    symbolic (computed from another input's Shape).

        %y = nn.tile %x repeats <[1, 2]> : (tensor<2x3xf32>) -> tensor<2x6xf32>
    """

    name = "nn.tile"
    ELEMENTS: ClassVar[ElementKinds] = ElementKinds.ANY
    FUSION_KIND: ClassVar[FusionKind] = FusionKind.INJECTIVE
    input = operand_def(AnyTensor)
    repeats = prop_def(DimsAttr)
    result = result_def(AnyTensor)
    traits = traits_def(Pure())
    assembly_format = "$input `repeats` $repeats attr-dict `:` functional-type(operands, results)"

    def __init__(self, input: SSAValue, repeats: Sequence[Dim], result_type: Attribute = UNRANKED_F32):
        super().__init__(operands=[input], result_types=[result_type], properties={"repeats": DimsAttr(tuple(repeats))})

    def infer_shape(self, operand_shapes: list[Shape]) -> Shape:
        x, repeats = operand_shapes[0], self.repeats.data
        if len(repeats) != len(x) or any(isinstance(r, int) and r < 0 for r in repeats):
            raise ShapeInferenceError(f"repeats {_fmt(repeats)} must be {len(x)} non-negative integers, one per axis of {_fmt(x)}")
        return tuple(d * r for d, r in zip(x, repeats))

    def emit_element(self, kb: KernelBuilder, index: list[Ix]) -> Scalar:
        x = (self.operand_shapes() or [])[0]
        return kb.read(self.input, [i if r == 1 else i % d for i, d, r in zip(index, x, self.repeats.data)])


# ===----------------------------------------------------------------------=== #
# Reductions: softmax, reduce_*
# ===----------------------------------------------------------------------=== #


def _along(index: Sequence[Ix], axes: Sequence[int], positions: Sequence[Ix]) -> list[Ix]:
    """`index` with the given axes replaced by `positions`."""
    result = list(index)
    for axis, position in zip(axes, positions):
        result[axis] = position
    return result


class _SoftmaxLike(NNOp):
    """Normalizes along `axis` with the row maximum and the sum of exp(x - max) (ONNX, opset 13).

    With `to_last_axis`, the normalization runs jointly over `axis` and every
    axis after it, which is what Softmax and LogSoftmax meant before opset 13.
    """

    FUSION_KIND: ClassVar[FusionKind] = FusionKind.REDUCTION
    input = operand_def(AnyTensor)
    axis = prop_def(IntegerAttr[I64])
    to_last_axis = opt_prop_def(UnitAttr)
    result = result_def(AnyTensor)
    traits = traits_def(Pure())
    assembly_format = "$input `axis` $axis (`to_last_axis` $to_last_axis^)? attr-dict `:` functional-type(operands, results)"

    def __init__(self, input: SSAValue, axis: int, to_last_axis: bool = False, result_type: Attribute = UNRANKED_F32):
        properties: dict[str, Attribute] = {"axis": IntegerAttr(axis, i64)}
        if to_last_axis:
            properties["to_last_axis"] = UnitAttr()
        super().__init__(operands=[input], result_types=[result_type], properties=properties)

    def normalize(self, shifted: Scalar, row_sum: Scalar) -> Scalar:
        """The result from x - max and the sum of exp(x - max) over the row."""
        raise NotImplementedError

    def normalized_axes(self, rank: int) -> list[int]:
        axis = normalize_axis(self.axis.value.data, rank)
        return list(range(axis, rank)) if self.to_last_axis else [axis]

    def infer_shape(self, operand_shapes: list[Shape]) -> Shape:
        self.normalized_axes(len(operand_shapes[0]))
        return operand_shapes[0]

    def emit_element(self, kb: KernelBuilder, index: list[Ix]) -> Scalar:
        x = (self.operand_shapes() or [])[0]
        axes = self.normalized_axes(len(x))
        extents = [x[a] for a in axes]

        def element(k: list[Ix]) -> Scalar:
            return kb.read(self.input, _along(index, axes, k))

        row_max = kb.reduce(extents, float("-inf"), lambda acc, v: acc.max(v), element)
        row_sum = kb.reduce(extents, 0.0, lambda acc, v: acc + v, lambda k: (element(k) - row_max).exp())
        return self.normalize(kb.read(self.input, index) - row_max, row_sum)


@irdl_op_definition
class SoftmaxOp(_SoftmaxLike):
    """exp(x - max) / sum(exp(x - max)) along `axis`.

        %y = nn.softmax %x axis -1 : (tensor<1x10xf32>) -> tensor<1x10xf32>
    """

    name = "nn.softmax"

    def normalize(self, shifted: Scalar, row_sum: Scalar) -> Scalar:
        return shifted.exp() / row_sum


@irdl_op_definition
class LogSoftmaxOp(_SoftmaxLike):
    """x - max - log(sum(exp(x - max))) along `axis`.

        %y = nn.log_softmax %x axis -1 : (tensor<1x10xf32>) -> tensor<1x10xf32>
    """

    name = "nn.log_softmax"

    def normalize(self, shifted: Scalar, row_sum: Scalar) -> Scalar:
        return shifted - row_sum.log()


class _ReduceOp(NNOp):
    """Reduces `axes` (negative ones count from the end; none means all); keeps them as size 1 with `keepdims`.

    A subclass states INIT and `combine`, and `finish` if the total needs one
    more step (the mean's division); or `reduce` for a reduction of another form.
    """

    FUSION_KIND: ClassVar[FusionKind] = FusionKind.REDUCTION
    INIT: ClassVar[float]
    FOLDS_ELEMENTS: ClassVar[bool] = True
    """Whether the result is finish(combine(...combine(INIT, x0)..., xn)), one element at a time.

    Then lower-to-loops may keep the accumulators of a whole output row in
    memory and loop over the reduced axes outside the kept axes that follow
    them (passes/lower_to_loops.py, `row_accumulated`). A subclass that
    overrides `reduce` with another form says False.
    """
    input = operand_def(AnyTensor)
    axes = prop_def(DenseArrayBase.constr(I64))
    keepdims = opt_prop_def(UnitAttr)
    result = result_def(AnyTensor)
    traits = traits_def(Pure())
    assembly_format = "$input `axes` $axes (`keepdims` $keepdims^)? attr-dict `:` functional-type(operands, results)"

    def __init__(self, input: SSAValue, axes: Sequence[int], keepdims: bool, result_type: Attribute = UNRANKED_F32):
        properties: dict[str, Attribute] = {"axes": i64_array(axes)}
        if keepdims:
            properties["keepdims"] = UnitAttr()
        super().__init__(operands=[input], result_types=[result_type], properties=properties)

    def combine(self, acc: Scalar, x: Scalar) -> Scalar:
        raise NotImplementedError

    def finish(self, total: Scalar, count: Dim) -> Scalar:
        return total

    def reduce(self, kb: KernelBuilder, extents: list[Dim], element: Callable[[list[Ix]], Scalar]) -> Scalar:
        """The result from the elements of one reduced slice (`element(k)` at position k)."""
        return self.finish(kb.reduce(extents, self.INIT, self.combine, element, element_type(self.input)), prod(extents))

    def normalized_axes(self, rank: int) -> list[int]:
        given = list(self.axes.get_values())
        axes = sorted({normalize_axis(a, rank) for a in given}) if given else list(range(rank))
        if len(axes) != len(given) and given:
            raise ShapeInferenceError(f"axes {given} repeat an axis")
        return axes

    def infer_shape(self, operand_shapes: list[Shape]) -> Shape:
        x = operand_shapes[0]
        axes = self.normalized_axes(len(x))
        if self.keepdims is not None:
            return tuple(1 if i in axes else d for i, d in enumerate(x))
        return tuple(d for i, d in enumerate(x) if i not in axes)

    def emit_element(self, kb: KernelBuilder, index: list[Ix]) -> Scalar:
        x = (self.operand_shapes() or [])[0]
        axes = self.normalized_axes(len(x))
        kept = iter(index) if self.keepdims is None else iter(i for a, i in enumerate(index) if a not in axes)
        outer = [kb.index(0) if a in axes else next(kept) for a in range(len(x))]
        return self.reduce(kb, [x[a] for a in axes], lambda k: kb.read(self.input, _along(outer, axes, k)))


@irdl_op_definition
class ReduceSumOp(_Sum, _ReduceOp):
    """%y = nn.reduce_sum %x axes [1] keepdims : (tensor<2x3xf32>) -> tensor<2x1xf32>"""

    name = "nn.reduce_sum"
    ELEMENTS: ClassVar[ElementKinds] = ElementKinds.NUMBER


@irdl_op_definition
class ReduceMeanOp(_Mean, _ReduceOp):
    name = "nn.reduce_mean"
    ELEMENTS: ClassVar[ElementKinds] = ElementKinds.NUMBER


@irdl_op_definition
class ReduceMaxOp(_Max, _ReduceOp):
    name = "nn.reduce_max"
    ELEMENTS: ClassVar[ElementKinds] = ElementKinds.NUMBER


@irdl_op_definition
class ReduceMinOp(_ReduceOp):
    name = "nn.reduce_min"
    ELEMENTS: ClassVar[ElementKinds] = ElementKinds.NUMBER
    INIT: ClassVar[float] = float("inf")

    def combine(self, acc: Scalar, x: Scalar) -> Scalar:
        return acc.min(x)


@irdl_op_definition
class ReduceProdOp(_ReduceOp):
    name = "nn.reduce_prod"
    ELEMENTS: ClassVar[ElementKinds] = ElementKinds.NUMBER
    INIT: ClassVar[float] = 1.0

    def combine(self, acc: Scalar, x: Scalar) -> Scalar:
        return acc * x


@irdl_op_definition
class ReduceLogSumExpOp(_ReduceOp):
    """log(sum(exp(x))), computed as max + log(sum(exp(x - max))) so that it cannot overflow."""

    name = "nn.reduce_log_sum_exp"
    FOLDS_ELEMENTS: ClassVar[bool] = False  # two passes (the max, then the shifted sum)

    def reduce(self, kb: KernelBuilder, extents: list[Dim], element: Callable[[list[Ix]], Scalar]) -> Scalar:
        top = kb.reduce(extents, float("-inf"), lambda acc, v: acc.max(v), element)
        total = kb.reduce(extents, 0.0, lambda acc, v: acc + v, lambda k: (element(k) - top).exp())
        return total.log() + top


# ===----------------------------------------------------------------------=== #
# Selection, comparison and logic, casts, generators
# ===----------------------------------------------------------------------=== #


class _CompareOp(BinaryOp):
    """z = x <op> y as a bool, with broadcasting; integers compare signed, NaN compares false."""

    ELEMENTS: ClassVar[ElementKinds] = ElementKinds.NUMBER

    def infer_element_type(self) -> Attribute:
        super().infer_element_type()
        return i1

    def compare(self, x: Scalar, y: Scalar) -> Cond:
        raise NotImplementedError

    def scalar(self, x: Scalar, y: Scalar) -> Scalar:
        return self.compare(x, y).to_scalar()


@irdl_op_definition
class LessOp(_CompareOp):
    """x < y, as bools (ONNX Less).

        %m = nn.less %x, %y : (tensor<4xi64>, tensor<4xi64>) -> tensor<4xi1>
    """

    name = "nn.less"

    def compare(self, x: Scalar, y: Scalar) -> Cond:
        return x < y


@irdl_op_definition
class LessOrEqualOp(_CompareOp):
    """x <= y, as bools (ONNX LessOrEqual)."""

    name = "nn.less_or_equal"

    def compare(self, x: Scalar, y: Scalar) -> Cond:
        return x <= y


@irdl_op_definition
class GreaterOp(_CompareOp):
    """x > y, as bools (ONNX Greater)."""

    name = "nn.greater"

    def compare(self, x: Scalar, y: Scalar) -> Cond:
        return x > y


@irdl_op_definition
class GreaterOrEqualOp(_CompareOp):
    """x >= y, as bools (ONNX GreaterOrEqual)."""

    name = "nn.greater_or_equal"

    def compare(self, x: Scalar, y: Scalar) -> Cond:
        return x >= y


@irdl_op_definition
class EqualOp(_CompareOp):
    """x == y, as bools, for any element type (ONNX Equal)."""

    name = "nn.equal"
    ELEMENTS: ClassVar[ElementKinds] = ElementKinds.ANY

    def compare(self, x: Scalar, y: Scalar) -> Cond:
        return x.equals(y)


def _bools_only(op: NNOp, found: Attribute) -> Attribute:
    """The logical ops' element type: their operands' common one must be bool (i1)."""
    if found != i1:
        raise ShapeInferenceError(f"{op.name} takes bools (i1), not {found}")
    return i1


class _LogicalOp(BinaryOp):
    """z = x <op> y on bools, with broadcasting."""

    ELEMENTS: ClassVar[ElementKinds] = ElementKinds.ANY

    def infer_element_type(self) -> Attribute:
        return _bools_only(self, super().infer_element_type())

    def logic(self, x: Cond, y: Cond) -> Cond:
        raise NotImplementedError

    def scalar(self, x: Scalar, y: Scalar) -> Scalar:
        return self.logic(x.as_cond(), y.as_cond()).to_scalar()


@irdl_op_definition
class AndOp(_LogicalOp):
    """Logical and of bools (ONNX And)."""

    name = "nn.and"

    def logic(self, x: Cond, y: Cond) -> Cond:
        return x & y


@irdl_op_definition
class OrOp(_LogicalOp):
    """Logical or of bools (ONNX Or)."""

    name = "nn.or"

    def logic(self, x: Cond, y: Cond) -> Cond:
        return x | y


@irdl_op_definition
class XorOp(_LogicalOp):
    """Logical exclusive or of bools (ONNX Xor)."""

    name = "nn.xor"

    def logic(self, x: Cond, y: Cond) -> Cond:
        return x ^ y


@irdl_op_definition
class NotOp(UnaryOp):
    """Logical not of bools (ONNX Not).

        %n = nn.not %m : (tensor<4xi1>) -> tensor<4xi1>
    """

    name = "nn.not"
    ELEMENTS: ClassVar[ElementKinds] = ElementKinds.ANY

    def infer_element_type(self) -> Attribute:
        return _bools_only(self, super().infer_element_type())

    def scalar(self, x: Scalar) -> Scalar:
        return (~x.as_cond()).to_scalar()


@irdl_op_definition
class WhereOp(NNOp):
    """Elements of x where the condition holds, of y elsewhere; all three broadcast (ONNX Where).

        %z = nn.where %m, %x, %y : (tensor<2x3xi1>, tensor<2x3xf32>, tensor<f32>) -> tensor<2x3xf32>
    """

    name = "nn.where"
    FUSION_KIND: ClassVar[FusionKind] = FusionKind.BROADCAST
    ELEMENTS: ClassVar[ElementKinds] = ElementKinds.ANY
    INDEX_OPERANDS: ClassVar[tuple[str, ...]] = ("condition",)
    condition = operand_def(AnyTensor)
    lhs = operand_def(AnyTensor)
    rhs = operand_def(AnyTensor)
    result = result_def(AnyTensor)
    traits = traits_def(Pure())
    assembly_format = "$condition `,` $lhs `,` $rhs attr-dict `:` functional-type(operands, results)"

    def __init__(self, condition: SSAValue, lhs: SSAValue, rhs: SSAValue, result_type: Attribute = UNRANKED_F32):
        super().__init__(operands=[condition, lhs, rhs], result_types=[result_type])

    def infer_element_type(self) -> Attribute:
        if element_type(self.condition) != i1:
            raise ShapeInferenceError(f"the condition must hold bools (i1), not {element_type(self.condition)}")
        return super().infer_element_type()

    def infer_shape(self, operand_shapes: list[Shape]) -> Shape:
        return broadcast_shapes(*operand_shapes)

    def emit_element(self, kb: KernelBuilder, index: list[Ix]) -> Scalar:
        condition, x, y = (kb.read(v, broadcast_index(s, index)) for v, s in zip(self.operands, self.operand_shapes() or []))
        return condition.as_cond().select(x, y)


@irdl_op_definition
class CastOp(NNOp):
    """Converts each element to the type `to` as ONNX Cast does (float to integer truncates toward
    zero, anything to bool is `!= 0`, bool is 0 or 1).

        %y = nn.cast %x to i64 : (tensor<4xf32>) -> tensor<4xi64>
    """

    name = "nn.cast"
    FUSION_KIND: ClassVar[FusionKind] = FusionKind.ELEMENTWISE
    ELEMENTS: ClassVar[ElementKinds] = ElementKinds.ANY
    input = operand_def(AnyTensor)
    to = prop_def(TypeAttribute)
    result = result_def(AnyTensor)
    traits = traits_def(Pure())
    assembly_format = "$input `to` $to attr-dict `:` functional-type(operands, results)"

    def __init__(self, input: SSAValue, to: Attribute, result_type: Attribute = UNRANKED_F32):
        super().__init__(operands=[input], result_types=[result_type], properties={"to": to})

    def infer_element_type(self) -> Attribute:
        if element_type_of_numpy(numpy_dtype(self.to)) != self.to:
            raise ShapeInferenceError(f"cannot cast to {self.to}")
        return self.to

    def infer_shape(self, operand_shapes: list[Shape]) -> Shape:
        return operand_shapes[0]

    def emit_element(self, kb: KernelBuilder, index: list[Ix]) -> Scalar:
        return kb.read(self.input, index).cast(self.to)


@irdl_op_definition
class RangeOp(NNOp):
    """start, start + delta, ... : `count` elements (ONNX Range, whose inputs the importer evaluates;
    the count may be symbolic: Range(0, seq, 1) has `seq` elements). The result type gives the element type.

        %p = nn.range start 0 delta 1 count #nn.dims<[seq]> : tensor<?xi64, #nn.dims<[seq]>>
    """

    name = "nn.range"
    FUSION_KIND: ClassVar[FusionKind] = FusionKind.INJECTIVE
    ELEMENTS: ClassVar[ElementKinds] = ElementKinds.NUMBER
    start = prop_def(FloatAttr | IntegerAttr)
    delta = prop_def(FloatAttr | IntegerAttr)
    count = prop_def(DimsAttr)
    result = result_def(AnyTensor)
    traits = traits_def(Pure())
    assembly_format = "`start` $start `delta` $delta `count` $count attr-dict `:` type($result)"

    def __init__(self, start: float, delta: float, count: Dim, type: Attribute):
        attr = (lambda v: FloatAttr(float(v), type)) if isinstance(type, AnyFloat) else (lambda v: IntegerAttr(int(v), type))
        super().__init__(
            result_types=[UnrankedTensorType(type)], properties={"start": attr(start), "delta": attr(delta), "count": DimsAttr((count,))}
        )

    def infer_element_type(self) -> Attribute:
        type = self.start.type
        if self.delta.type != type or not _accepts(self.ELEMENTS, type):
            raise ShapeInferenceError(f"start ({self.start.type}) and delta ({self.delta.type}) must be numbers of one type")
        return type

    def infer_shape(self, operand_shapes: list[Shape]) -> Shape:
        if len(self.count.data) != 1:
            raise ShapeInferenceError(f"count must be one dim, got {format_dims(self.count.data)}")
        return self.count.data

    def emit_element(self, kb: KernelBuilder, index: list[Ix]) -> Scalar:
        type = self.start.type
        return kb.const(self.start.value.data, type) + index[0].to_scalar(type) * kb.const(self.delta.value.data, type)




# ===----------------------------------------------------------------------=== #
# Scans and sorting: cumsum, topk, one_hot
# ===----------------------------------------------------------------------=== #



@irdl_op_definition
class CumSumOp(NNOp):
    """Running sums along `axis` (ONNX CumSum): with `exclusive` an element's own value is left
    out, with `reverse` the sums run from the end of the axis.

    Element i is a reduction over the whole axis of select(j in the prefix (suffix) of i, x_j, 0),
    so it is O(n^2) in the axis length but needs no state between elements and fuses like any
    reduction (a scan with a carried sum would be O(n) but is one loop nest of its own).

        %y = nn.cumsum %x axis 1 exclusive reverse : (tensor<2x5xf32>) -> tensor<2x5xf32>
    """

    name = "nn.cumsum"
    ELEMENTS: ClassVar[ElementKinds] = ElementKinds.NUMBER
    FUSION_KIND: ClassVar[FusionKind] = FusionKind.REDUCTION
    input = operand_def(AnyTensor)
    axis = prop_def(IntegerAttr[I64])
    exclusive = opt_prop_def(UnitAttr)
    reverse = opt_prop_def(UnitAttr)
    result = result_def(AnyTensor)
    traits = traits_def(Pure())
    assembly_format = "$input `axis` $axis (`exclusive` $exclusive^)? (`reverse` $reverse^)? attr-dict `:` functional-type(operands, results)"

    def __init__(self, input: SSAValue, axis: int, exclusive: bool = False, reverse: bool = False, result_type: Attribute = UNRANKED_F32):
        properties: dict[str, Attribute] = {"axis": IntegerAttr(axis, i64)}
        if exclusive:
            properties["exclusive"] = UnitAttr()
        if reverse:
            properties["reverse"] = UnitAttr()
        super().__init__(operands=[input], result_types=[result_type], properties=properties)

    def infer_shape(self, operand_shapes: list[Shape]) -> Shape:
        x = operand_shapes[0]
        if not x:
            raise ShapeInferenceError("the input must have rank 1 or more")
        normalize_axis(self.axis.value.data, len(x))
        return x

    def emit_element(self, kb: KernelBuilder, index: list[Ix]) -> Scalar:
        x = (self.operand_shapes() or [])[0]
        axis = normalize_axis(self.axis.value.data, len(x))
        i, type = index[axis], element_type(self.input)
        zero = kb.const(0, type)

        def term(k: list[Ix]) -> Scalar:
            j = k[0]
            if self.reverse is None:
                inside = j < (i if self.exclusive is not None else i + 1)
            else:
                inside = j >= (i + 1 if self.exclusive is not None else i)
            return inside.select(kb.read(self.input, _along(index, [axis], [j])), zero)

        return kb.reduce([x[axis]], 0, lambda acc, v: acc + v, term, type)


@irdl_op_definition
class TopKOp(NNOp):
    """One output of ONNX TopK: the `k` largest (or with `smallest`, smallest) elements along
    `axis`, in order, or with `indices` their positions (i64). The importer emits one op per
    used output of a TopK node.

    Output r along the axis is the element whose rank is r, rank(j) = #{i : x_i comes before
    x_j}, where larger (smaller) values come first and equal values by their position: the
    order of onnxruntime's sorted TopK (a stable sort). The result is always sorted; ONNX
    leaves the order unspecified with sorted=0. That is a reduction of ranks, each itself a
    reduction: O(k * n^2) per slice, meant for short axes (a few hundred elements).
    NaN is not ordered: with NaN in a slice the result is unspecified.

        %v = nn.topk %x k 2 axis 1 : (tensor<3x5xf32>) -> tensor<3x2xf32>
        %i = nn.topk %x k 2 axis 1 smallest indices : (tensor<3x5xf32>) -> tensor<3x2xi64>
    """

    name = "nn.topk"
    ELEMENTS: ClassVar[ElementKinds] = ElementKinds.NUMBER
    FUSION_KIND: ClassVar[FusionKind] = FusionKind.REDUCTION
    input = operand_def(AnyTensor)
    k = prop_def(IntegerAttr[I64])
    axis = prop_def(IntegerAttr[I64])
    smallest = opt_prop_def(UnitAttr)
    indices = opt_prop_def(UnitAttr)
    result = result_def(AnyTensor)
    traits = traits_def(Pure())
    assembly_format = "$input `k` $k `axis` $axis (`smallest` $smallest^)? (`indices` $indices^)? attr-dict `:` functional-type(operands, results)"

    def __init__(
        self, input: SSAValue, k: int, axis: int, smallest: bool = False, indices: bool = False, result_type: Attribute = UNRANKED_F32
    ):
        properties: dict[str, Attribute] = {"k": IntegerAttr(k, i64), "axis": IntegerAttr(axis, i64)}
        if smallest:
            properties["smallest"] = UnitAttr()
        if indices:
            properties["indices"] = UnitAttr()
        super().__init__(operands=[input], result_types=[result_type], properties=properties)

    def infer_element_type(self) -> Attribute:
        values = super().infer_element_type()
        return i64 if self.indices is not None else values

    def infer_shape(self, operand_shapes: list[Shape]) -> Shape:
        x, k = operand_shapes[0], self.k.value.data
        if not x:
            raise ShapeInferenceError("the input must have rank 1 or more")
        axis = normalize_axis(self.axis.value.data, len(x))
        if k < 0 or (isinstance(x[axis], int) and k > x[axis]):
            raise ShapeInferenceError(f"k {k} is out of range for axis {axis} of size {x[axis]}")
        return x[:axis] + (k,) + x[axis + 1 :]

    def emit_element(self, kb: KernelBuilder, index: list[Ix]) -> Scalar:
        x = (self.operand_shapes() or [])[0]
        axis = normalize_axis(self.axis.value.data, len(x))
        n, k = x[axis], self.k.value.data
        if not isinstance(n, int):
            kb.check(kb.size(n) >= k, f"{self.name}: k {k} is larger than axis {axis}")
        one, zero = kb.const(1, i64), kb.const(0, i64)

        def at(j: Ix) -> Scalar:
            return kb.read(self.input, _along(index, [axis], [j]))

        def rank(j: Ix) -> Scalar:
            x_j = at(j)

            def before(p: list[Ix]) -> Scalar:
                x_i = at(p[0])
                ahead = x_i < x_j if self.smallest is not None else x_i > x_j
                return (ahead | (x_i.equals(x_j) & (p[0] < j))).select(one, zero)

            return kb.reduce([n], 0, lambda acc, v: acc + v, before, i64)

        wanted = index[axis].to_scalar(i64)
        result_type = self.infer_element_type()

        def pick(p: list[Ix]) -> Scalar:
            return p[0].to_scalar(i64) if self.indices is not None else at(p[0])

        # exactly one j has the wanted rank (ranks are a permutation), so the sum is its element
        def term(p: list[Ix]) -> Scalar:
            return rank(p[0]).equals(wanted).select(pick(p), kb.const(0, result_type))

        return kb.reduce([n], 0, lambda acc, v: acc + v, term, result_type)


@irdl_op_definition
class OneHotOp(NNOp):
    """ONNX OneHot: a new axis `axis` of size `depth` is inserted into the indices' shape; the
    element is values[1] (on) where its position on that axis is the index, else values[0] (off).

    Indices may be signed integers or floats; a negative one counts from `depth`, and one
    outside [-depth, depth) gives an all-off row (the ONNX spec), not an error. A float index
    is truncated toward zero first, as the spec's cast to int64 does (1.5 is 1, -1.5 is -1;
    onnxruntime does so from 1.32 on, before it matched no position); the truncation stays a
    float, so NaN and infinities match nothing instead of casting to an undefined integer.
    The values' element type is the result's.

        %y = nn.one_hot %i, %v depth 4 axis -1 : (tensor<3xi64>, tensor<2xf32>) -> tensor<3x4xf32>
    """

    name = "nn.one_hot"
    ELEMENTS: ClassVar[ElementKinds] = ElementKinds.ANY
    INDEX_OPERANDS: ClassVar[tuple[str, ...]] = ("indices",)
    FUSION_KIND: ClassVar[FusionKind] = FusionKind.INJECTIVE
    indices = operand_def(AnyTensor)
    values = operand_def(AnyTensor)
    depth = prop_def(IntegerAttr[I64])
    axis = prop_def(IntegerAttr[I64])
    result = result_def(AnyTensor)
    traits = traits_def(Pure())
    assembly_format = "$indices `,` $values `depth` $depth `axis` $axis attr-dict `:` functional-type(operands, results)"

    def __init__(self, indices: SSAValue, values: SSAValue, depth: int, axis: int, result_type: Attribute = UNRANKED_F32):
        properties = {"depth": IntegerAttr(depth, i64), "axis": IntegerAttr(axis, i64)}
        super().__init__(operands=[indices, values], result_types=[result_type], properties=properties)

    def infer_element_type(self) -> Attribute:
        indices = element_type(self.indices)
        if not _accepts(ElementKinds.NUMBER, indices):
            raise ShapeInferenceError(f"{self.name} takes float or signed integer indices, not {indices}")
        return super().infer_element_type()

    def infer_shape(self, operand_shapes: list[Shape]) -> Shape:
        indices, values = operand_shapes
        depth = self.depth.value.data
        if depth < 1:
            raise ShapeInferenceError(f"depth {depth} must be at least 1")
        if values != (2,):
            raise ShapeInferenceError(f"values must have shape [2] (off, on), not {_fmt(values)}")
        axis = normalize_axis(self.axis.value.data, len(indices) + 1)
        return indices[:axis] + (depth,) + indices[axis:]

    def emit_element(self, kb: KernelBuilder, index: list[Ix]) -> Scalar:
        axis = normalize_axis(self.axis.value.data, len(index))
        depth = self.depth.value.data
        position = kb.read(self.indices, index[:axis] + index[axis + 1 :])
        if position.is_float:
            position = (position < 0).select(position.ceil(), position.floor())
        position = (position < 0).select(position + depth, position)
        hit = position.equals(index[axis].to_scalar(position.type))
        return hit.select(kb.read(self.values, [kb.index(1)]), kb.read(self.values, [kb.index(0)]))


# ===----------------------------------------------------------------------=== #
# Quantization and normalization: quantize_linear, dequantize_linear, lp_normalization
# ===----------------------------------------------------------------------=== #


_QUANTIZED_TYPES = (IntegerType(8), IntegerType(8, Signedness.UNSIGNED), IntegerType(32))
"""What a quantized tensor may hold: int8, uint8 and (DequantizeLinear only) int32."""


def _quantized_limits(type: IntegerType) -> tuple[float, float]:
    bits, unsigned = type.width.data, type.signedness.data == Signedness.UNSIGNED
    return (0.0, float((1 << bits) - 1)) if unsigned else (float(-(1 << (bits - 1))), float((1 << (bits - 1)) - 1))


class _QuantizeLike(NNOp):
    """An affine (de)quantization of `input` with `scale` and `zero_point`: per tensor when the
    parameter has one element (a scalar or [1]), else per axis: 1-D, one per element of `axis`.
    The zero point has its own form (a scalar zero point serves a per-axis scale)."""

    FUSION_KIND: ClassVar[FusionKind] = FusionKind.BROADCAST
    ELEMENTS: ClassVar[ElementKinds] = ElementKinds.ANY
    input = operand_def(AnyTensor)
    scale = operand_def(AnyTensor)
    zero_point = operand_def(AnyTensor)
    axis = prop_def(IntegerAttr[I64])
    result = result_def(AnyTensor)
    traits = traits_def(Pure())
    assembly_format = "$input `,` $scale `,` $zero_point `axis` $axis attr-dict `:` functional-type(operands, results)"

    def __init__(self, input: SSAValue, scale: SSAValue, zero_point: SSAValue, axis: int = 1, result_type: Attribute = UNRANKED_F32):
        super().__init__(operands=[input, scale, zero_point], result_types=[result_type], properties={"axis": IntegerAttr(axis, i64)})

    def infer_shape(self, operand_shapes: list[Shape]) -> Shape:
        x, *parameters = operand_shapes
        for name, shape in zip(("scale", "zero point"), parameters):
            if len(shape) <= 1 and prod(shape) == 1:
                continue
            axis = normalize_axis(self.axis.value.data, len(x))
            if shape != (x[axis],):
                raise ShapeInferenceError(f"the {name} has shape {_fmt(shape)}: neither one element nor one per element of axis {axis} of {_fmt(x)}")
        return x

    def parameter(self, kb: KernelBuilder, value: SSAValue, index: list[Ix]) -> Scalar:
        """The scale or zero point for the element at `index`."""
        shape = shape_of(value) or ()
        if len(shape) <= 1 and prod(shape) == 1:
            return kb.read(value, [kb.index(0)] * len(shape))
        return kb.read(value, [index[normalize_axis(self.axis.value.data, len(index))]])

    def check_types(self, input: tuple[Attribute, ...], zero_point: tuple[Attribute, ...]) -> None:
        x, scale, zp = (element_type(v) for v in self.operands)
        if x not in input:
            raise ShapeInferenceError(f"{self.name} takes an input of {' or '.join(map(str, input))}, not {x}")
        if scale != f32:
            raise ShapeInferenceError(f"{self.name} takes a scale of f32, not {scale}")
        if zp not in zero_point:
            raise ShapeInferenceError(f"{self.name} takes a zero point of {' or '.join(map(str, zero_point))}, not {zp}")


@irdl_op_definition
class DequantizeLinearOp(_QuantizeLike):
    """ONNX DequantizeLinear: (x - zero_point) * scale, with x and the zero point int8, uint8 or
    int32 (of one type), and the difference taken in int32 as onnxruntime does; the int8 (or
    uint8) element is loaded as such and converted in registers.

        %y = nn.dequantize_linear %x, %s, %zp axis 1 : (tensor<2x3xi8>, tensor<3xf32>, tensor<3xi8>) -> tensor<2x3xf32>
    """

    name = "nn.dequantize_linear"

    def infer_element_type(self) -> Attribute:
        self.check_types(_QUANTIZED_TYPES, (element_type(self.input),))
        return f32

    def emit_element(self, kb: KernelBuilder, index: list[Ix]) -> Scalar:
        x = kb.read(self.input, index).cast(IntegerType(32))
        zero_point = self.parameter(kb, self.zero_point, index)
        if kb.constant_value(zero_point.value) != 0:
            x = x - zero_point.cast(IntegerType(32))
        return x.cast(f32) * self.parameter(kb, self.scale, index)


@irdl_op_definition
class QuantizeLinearOp(_QuantizeLike):
    """ONNX QuantizeLinear: round_half_even(x / scale) + zero_point, saturated into the zero
    point's type (int8 or uint8), computed in f32 as onnxruntime does (it divides).

        %q = nn.quantize_linear %x, %s, %zp axis 1 : (tensor<2x3xf32>, tensor<f32>, tensor<ui8>) -> tensor<2x3xui8>
    """

    name = "nn.quantize_linear"

    def infer_element_type(self) -> Attribute:
        self.check_types((f32,), _QUANTIZED_TYPES[:2])
        return element_type(self.zero_point)

    def emit_element(self, kb: KernelBuilder, index: list[Ix]) -> Scalar:
        x = kb.read(self.input, index)
        zero_point = self.parameter(kb, self.zero_point, index)
        q = (x / self.parameter(kb, self.scale, index)).round_even()
        if kb.constant_value(zero_point.value) != 0:
            q = q + zero_point.cast(f32)
        low, high = _quantized_limits(zero_point.type)  # type: ignore[arg-type]
        q = (q >= low).select(q, kb.const(low))  # NaN saturates low
        q = (q <= high).select(q, kb.const(high))
        return q.cast(zero_point.type)


@irdl_op_definition
class LpNormalizationOp(NNOp):
    """ONNX LpNormalization: x / norm_p(x along `axis`), p 1 (sum of |x|) or 2 (Euclidean);
    a row whose norm is 0 gives zeros, as in onnxruntime.

        %y = nn.lp_normalization %x axis -1 p 2 : (tensor<2x3xf32>) -> tensor<2x3xf32>
    """

    name = "nn.lp_normalization"
    FUSION_KIND: ClassVar[FusionKind] = FusionKind.REDUCTION
    input = operand_def(AnyTensor)
    axis = prop_def(IntegerAttr[I64])
    p = prop_def(IntegerAttr[I64])
    result = result_def(AnyTensor)
    traits = traits_def(Pure())
    assembly_format = "$input `axis` $axis `p` $p attr-dict `:` functional-type(operands, results)"

    def __init__(self, input: SSAValue, axis: int, p: int, result_type: Attribute = UNRANKED_F32):
        super().__init__(operands=[input], result_types=[result_type], properties={"axis": IntegerAttr(axis, i64), "p": IntegerAttr(p, i64)})

    def infer_shape(self, operand_shapes: list[Shape]) -> Shape:
        normalize_axis(self.axis.value.data, len(operand_shapes[0]))
        if self.p.value.data not in (1, 2):
            raise ShapeInferenceError(f"p is {self.p.value.data}, not 1 or 2")
        return operand_shapes[0]

    def emit_element(self, kb: KernelBuilder, index: list[Ix]) -> Scalar:
        x = (self.operand_shapes() or [])[0]
        axis = normalize_axis(self.axis.value.data, len(x))

        def term(k: list[Ix]) -> Scalar:
            v = kb.read(self.input, _along(index, [axis], k))
            return v.abs() if self.p.value.data == 1 else v * v

        norm = kb.reduce([x[axis]], 0.0, lambda acc, v: acc + v, term)
        if self.p.value.data == 2:
            norm = norm.sqrt()
        return norm.equals(0.0).select(kb.const(0.0), kb.read(self.input, index) / norm)


# ===----------------------------------------------------------------------=== #
# Constants
# ===----------------------------------------------------------------------=== #


@irdl_op_definition
class ConstantOp(NNOp):
    """A constant tensor (weights). Lowering turns it into a global buffer; a
    splat is folded into the code that reads it.

        %w = nn.constant dense<1.0> : tensor<4xf32>
    """

    name = "nn.constant"
    ELEMENTS: ClassVar[ElementKinds] = ElementKinds.ANY
    FUSION_KIND: ClassVar[FusionKind] = FusionKind.OPAQUE
    value = prop_def(DenseIntOrFPElementsAttr)
    result = result_def(TensorType)
    traits = traits_def(Pure())

    def __init__(self, value: DenseIntOrFPElementsAttr):
        super().__init__(result_types=[value.type], properties={"value": value})

    @staticmethod
    def from_array(array: np.ndarray) -> ConstantOp:
        """A constant straight from numpy bytes (fast for big weights); other floats become float32."""
        array = np.asarray(array)
        type = element_type_of_numpy(array.dtype)
        if type is None and array.dtype.kind == "f":
            type, array = f32, array.astype(np.float32)
        if type is None:
            raise ValueError(f"no nn element type for numpy {array.dtype}")
        data = np.array(array, dtype=numpy_dtype(type).newbyteorder("<"), order="C")  # keeps 0-d arrays 0-d
        return ConstantOp(DenseIntOrFPElementsAttr(TensorType(type, data.shape), BytesAttr(data.tobytes())))

    def array(self) -> np.ndarray:
        shape = tuple(self.value.get_shape() or ())
        dtype = numpy_dtype(self.value.get_element_type()).newbyteorder("<")
        return np.frombuffer(self.value.data.data, dtype=dtype).reshape(shape)

    def print(self, printer: Printer) -> None:
        """Like arith.constant: the typed attribute says the result type."""
        printer.print_string(" ")
        printer.print_attribute(self.value)
        printer.print_op_attributes(self.attributes)

    @classmethod
    def parse(cls, parser: Parser) -> ConstantOp:
        value = parser.parse_attribute()
        if not isinstance(value, DenseIntOrFPElementsAttr):
            parser.raise_error("nn.constant expects a dense<...> elements attribute")
        op = cls(value)
        op.attributes |= parser.parse_optional_attr_dict()
        return op

    def infer_shape(self, operand_shapes: list[Shape]) -> Shape:
        return tuple(self.value.get_shape() or ())

    def infer_element_type(self) -> Attribute:
        return self.value.get_element_type()

    def is_splat(self) -> bool:
        """All elements are the same bits (compared as bytes: big weights stay fast).

        Remembered per value attribute: the fusion cost model asks for every candidate
        kernel, and comparing a 100 MB weight takes 20 ms."""
        cached = getattr(self, "_splat_cache", None)
        if cached is None or cached[0] is not self.value:
            raw = self.value.data.data
            size = numpy_dtype(self.value.get_element_type()).itemsize
            cached = (self.value, len(raw) >= size and raw[-size:] == raw[:size] and raw == raw[:size] * (len(raw) // size))
            self._splat_cache = cached
        return cached[1]

    def emit_element(self, kb: KernelBuilder, index: list[Ix]) -> Scalar:
        assert self.is_splat(), "non-splat constants are read from their global buffer"
        return kb.const(self.array().reshape(-1)[0].item(), element_type(self.output))


# ===----------------------------------------------------------------------=== #
# Fusion groups
# ===----------------------------------------------------------------------=== #


@irdl_op_definition
class YieldOp(IRDLOperation):
    """Ends an nn.fused body: the values the group gives back, one per result."""

    name = "nn.yield"
    values = var_operand_def(AnyTensor)
    traits = lazy_traits_def(lambda: (IsTerminator(), HasParent(FusedOp), Pure()))
    assembly_format = "$values attr-dict `:` type($values)"

    def __init__(self, values: Sequence[SSAValue]):
        super().__init__(operands=[values])


@irdl_op_definition
class FusedOp(IRDLOperation):
    """A fusion group: its body of nn ops becomes ONE loop nest, over the shape every result shares.

    The body sees only its block arguments (one per operand) and splat
    constants of its own. `anchor` names the op that gives the group its kind
    (a conv with its epilogue has anchor "nn.conv2d" and kind
    "out-elementwise-fusable"):

        %y = nn.fused anchor "nn.conv2d" kind "out-elementwise-fusable"
               (%a = %x : tensor<1x3x8x8xf32>, %b = %w : tensor<8x3x3x3xf32>) -> tensor<1x8x6x6xf32> {
          %0 = nn.conv2d %a, %b strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1] groups 1 : (...) -> tensor<1x8x6x6xf32>
          %1 = nn.relu %0 : (tensor<1x8x6x6xf32>) -> tensor<1x8x6x6xf32>
          nn.yield %1 : tensor<1x8x6x6xf32>
        }
    """

    name = "nn.fused"
    inputs = var_operand_def(AnyTensor)
    outputs = var_result_def(AnyTensor)
    anchor = prop_def(StringAttr)
    kind = prop_def(StringAttr)
    body = region_def("single_block")
    traits = traits_def(IsolatedFromAbove(), Pure())

    def __init__(self, inputs: Sequence[SSAValue], result_types: Sequence[Attribute], body: Region, anchor: str, kind: FusionKind):
        super().__init__(
            operands=[inputs],
            result_types=[result_types],
            regions=[body],
            properties={"anchor": StringAttr(anchor), "kind": StringAttr(kind.value)},
        )

    @property
    def yielded(self) -> Sequence[SSAValue]:
        terminator = self.body.block.last_op
        assert isinstance(terminator, YieldOp)
        return terminator.values

    def members(self) -> list[NNOp]:
        """The nn ops of the body, in order (splat constants included)."""
        return [op for op in self.body.block.ops if isinstance(op, NNOp)]

    def verify_(self) -> None:
        if self.kind.data not in {k.value for k in FusionKind}:
            raise VerifyException(f"nn.fused: unknown kind '{self.kind.data}' (expected one of {', '.join(k.value for k in FusionKind)})")
        args = self.body.block.args
        if [a.type for a in args] != [v.type for v in self.inputs]:
            raise VerifyException("nn.fused: the body's arguments must have the operands' types")
        terminator = self.body.block.last_op
        if not isinstance(terminator, YieldOp):
            raise VerifyException("nn.fused: the body must end in nn.yield")
        if [v.type for v in terminator.values] != [r.type for r in self.outputs]:
            raise VerifyException("nn.fused: nn.yield's types must be the results' types")
        shapes = {shape_of(r) for r in self.outputs}
        if len(shapes) > 1:
            raise VerifyException("nn.fused: all results must have one shape (the loop nest's), got " + " and ".join(_fmt(s) for s in shapes if s is not None))

    def print(self, printer: Printer) -> None:
        printer.print_string(f' anchor "{self.anchor.data}" kind "{self.kind.data}" (')
        for number, (arg, value) in enumerate(zip(self.body.block.args, self.inputs)):
            if number:
                printer.print_string(", ")
            printer.print_ssa_value(arg)
            printer.print_string(" = ")
            printer.print_ssa_value(value)
            printer.print_string(" : ")
            printer.print_attribute(value.type)
        printer.print_string(") -> ")
        types = [r.type for r in self.outputs]
        if len(types) == 1:
            printer.print_attribute(types[0])
        else:
            printer.print_string("(")
            printer.print_list(types, printer.print_attribute)
            printer.print_string(")")
        printer.print_string(" ")
        printer.print_region(self.body, print_entry_block_args=False)
        printer.print_op_attributes(self.attributes, print_keyword=True)

    @classmethod
    def parse(cls, parser: Parser) -> FusedOp:
        parser.parse_keyword("anchor")
        anchor = parser.parse_str_literal()
        parser.parse_keyword("kind")
        kind_start = parser.pos
        kind_name = parser.parse_str_literal()
        kinds = {k.value: k for k in FusionKind}
        if kind_name not in kinds:
            parser.raise_error(f"unknown fusion kind '{kind_name}' (expected one of {', '.join(kinds)})", kind_start, parser.pos)

        def binding() -> tuple[Parser.Argument, SSAValue]:
            argument = parser.parse_argument(expect_type=False)
            parser.parse_punctuation("=")
            value = parser.parse_operand()
            parser.parse_punctuation(":")
            type = parser.parse_type()
            if type != value.type:
                parser.raise_error(f"binding type {type} does not match the operand's type {value.type}")
            return argument.resolve(type), value

        bindings = parser.parse_comma_separated_list(Parser.Delimiter.PAREN, binding)
        parser.parse_punctuation("->")
        if parser.parse_optional_punctuation("(") is not None:
            result_types = parser.parse_comma_separated_list(Parser.Delimiter.NONE, parser.parse_type)
            parser.parse_punctuation(")")
        else:
            result_types = [parser.parse_type()]
        body = parser.parse_region([argument for argument, _ in bindings])
        op = cls([value for _, value in bindings], result_types, body, anchor, kinds[kind_name])
        if (attributes := parser.parse_optional_attr_dict_with_keyword()) is not None:
            op.attributes |= attributes.data
        return op


NN_OPS: list[type[NNOp]] = [
    NegOp, ReluOp, SigmoidOp, TanhOp, ExpOp, LogOp, SqrtOp, ErfOp, ClipOp,
    AbsOp, ReciprocalOp, FloorOp, CeilOp, SignOp, SoftplusOp, SoftsignOp, MishOp, HardSwishOp, GeluOp,
    LeakyReluOp, ThresholdedReluOp, EluOp, CeluOp, SeluOp, HardSigmoidOp,
    AddOp, SubOp, MulOp, DivOp, MaxOp, MinOp, PowOp, PReluOp, BatchNormOp,
    MatMulOp, GemmOp, Conv2dOp, MaxPool2dOp, AvgPool2dOp, GlobalAvgPoolOp, GlobalMaxPoolOp, LRNOp,
    PadOp, ReshapeOp, FlattenOp, SqueezeOp, UnsqueezeOp, TransposeOp, ConcatOp, SliceOp, GatherOp, ExpandOp, TileOp,
    SoftmaxOp, LogSoftmaxOp, ReduceSumOp, ReduceMeanOp, ReduceMaxOp, ReduceMinOp, ReduceProdOp, ReduceLogSumExpOp,
    LessOp, LessOrEqualOp, GreaterOp, GreaterOrEqualOp, EqualOp, AndOp, OrOp, XorOp, NotOp, WhereOp, CastOp, RangeOp,
    DequantizeLinearOp, QuantizeLinearOp, LpNormalizationOp,
    CumSumOp, TopKOp, OneHotOp,
    ConstantOp,
]  # fmt: skip

NN = Dialect("nn", [*NN_OPS, FusedOp, YieldOp], [DimsAttr])
