"""The loop dialect: kernels as loop nests over buffers.

This is the level between value-semantics tensors (the nn dialect) and LLVM IR.
A buffer is a builtin `memref` with a static shape; scalar math is xDSL's
`arith` and `math`; this dialect adds only what those lack:

    %buf = loop.alloc : memref<4x8xf32>
    loop.parallel %i = %c0 to %c4 step %c1 {
      %s = loop.for %k = %c0 to %c8 step %c1 iter_args(%acc = %zero) -> (f32) {
        %v = loop.load %x[%i, %k] : memref<4x8xf32>
        %n = arith.addf %acc, %v : f32
        loop.yield %n : f32
      }
      loop.store %s, %out[%i] : memref<4xf32>
    }

`loop.for` carries loop-carried values (reductions stay in registers);
`loop.parallel` promises that its iterations are independent, which is what a
later pass needs to split it across threads. Bounds are SSA values of type
`index`, so they can be constants or runtime symbols. After `plan-memory`,
intermediate buffers are `loop.view`s into one byte arena:

    %arena = loop.alloc : memref<65536xi8>
    %t = loop.view %arena[4096] : memref<65536xi8> to memref<1x16x8x8xf32>

A run-time check fails the run, with a message, when its `i1` is false (the
kernel goes on; the entry point then returns status 2):

    loop.check %ok, "Gather node 'g': an index is out of range"

`unroll-and-jam` computes neighbouring outputs as the lanes of builtin vectors
(arith and math ops on `vector<16xf32>`, xDSL's `vector.broadcast`,
`vector.extract` and `vector.insert` between lanes and scalars); a vector reads
and writes consecutive elements along a buffer's last dim:

    %v = loop.vector_load %x[%i, %k] : memref<4x64xf32>, vector<16xf32>
    loop.vector_store %v, %out[%i, %k] : memref<4x64xf32>, vector<16xf32>

(the buffers are contiguous, so a vector may run on into the next row). Compares,
selects and float <-> integer conversions of lanes, which xDSL's `arith` ops take
on scalars only, are this dialect's:

    %m = loop.vector_cmpf "ult", %a, %b : vector<16xf32> to vector<16xi1>
    %r = loop.vector_select %m, %a, %b : vector<16xi1>, vector<16xf32>
    %k = loop.vector_cast "fptosi" %r : vector<16xf32> to vector<16xi32>
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import ClassVar

from xdsl.dialects import arith
from xdsl.dialects.builtin import I64, AnyFloat, IndexType, IntegerAttr, IntegerType, MemRefType, NoneAttr, StringAttr, VectorType, i1
from xdsl.ir import Attribute, Block, Dialect, Operation, Region, SSAValue
from xdsl.irdl import (
    AnyAttr,
    IRDLOperation,
    VarConstraint,
    irdl_op_definition,
    lazy_traits_def,
    operand_def,
    prop_def,
    region_def,
    result_def,
    traits_def,
    var_operand_def,
    var_result_def,
)
from xdsl.parser import Parser, UnresolvedOperand
from xdsl.printer import Printer
from xdsl.traits import (
    HasParent,
    IsTerminator,
    MemoryAllocEffect,
    MemoryReadEffect,
    MemoryWriteEffect,
    Pure,
    RecursiveMemoryEffect,
)
from xdsl.utils.exceptions import VerifyException


@irdl_op_definition
class YieldOp(IRDLOperation):
    """Ends a loop body; passes the loop-carried values to the next iteration.

    Loops without loop-carried values print no `loop.yield`.
    """

    name = "loop.yield"
    values = var_operand_def()
    traits = lazy_traits_def(lambda: (IsTerminator(), HasParent(ForOp, ParallelOp)))
    assembly_format = "attr-dict ($values^ `:` type($values))?"

    def __init__(self, *values: SSAValue | Operation):
        super().__init__(operands=[values])


def constant_index(value: SSAValue) -> int | None:
    """The value of an integer `arith.constant` (a loop bound or step), None for anything else."""
    owner = value.owner
    if isinstance(owner, arith.ConstantOp) and isinstance(owner.value, IntegerAttr):
        return owner.value.value.data
    return None


def values_used_inside(op: Operation) -> list[SSAValue]:
    """Operands of `op` and of the ops nested in it that are defined outside `op`, in order."""
    inside: set[SSAValue] = set()
    for nested in op.walk():
        for region in nested.regions:
            for block in region.blocks:
                inside.update(block.args)
        inside.update(nested.results)
    return [v for nested in op.walk() for v in nested.operands if v not in inside]


class _LoopOp(IRDLOperation):
    """Shared structure of loop.for and loop.parallel: `%iv = %lb to %ub step %s`.

    Subclasses declare the operands themselves: IRDL orders a base class's
    fields after the subclass's, and the bounds must come first.
    """

    @property
    def induction_var(self) -> SSAValue:
        return self.body.block.args[0]

    @property
    def carried_args(self) -> Sequence[SSAValue]:
        return self.body.block.args[1:]

    def trip_count(self) -> int | None:
        """How many iterations the loop runs, when its bounds are constants."""
        bounds = [constant_index(v) for v in (self.lower_bound, self.upper_bound, self.step)]  # type: ignore[attr-defined]
        if None in bounds:
            return None
        lower, upper, step = bounds
        return max(0, -(-(upper - lower) // step))  # type: ignore[operator]

    def verify_(self) -> None:
        block = self.body.block
        if not block.args or not isinstance(block.args[0].type, IndexType):
            raise VerifyException(f"{self.name}: the first block argument must be the index induction variable")
        if not isinstance(block.last_op, YieldOp):
            raise VerifyException(f"{self.name}: body must end in loop.yield")
        carried = [a.type for a in block.args[1:]]
        yielded = [v.type for v in block.last_op.values]
        results = [r.type for r in self.results]
        if not carried == yielded == results:
            raise VerifyException(
                f"{self.name}: loop-carried types {carried}, yielded types {yielded} and result types {results} must agree"
            )

    def _print_header(self, printer: Printer) -> None:
        printer.print_string(" ")
        printer.print_ssa_value(self.induction_var)
        for keyword, value in ((" = ", self.lower_bound), (" to ", self.upper_bound), (" step ", self.step)):
            printer.print_string(keyword)
            printer.print_ssa_value(value)

    def _print_body(self, printer: Printer) -> None:
        printer.print_string(" ")
        printer.print_region(
            self.body,
            print_entry_block_args=False,
            print_empty_block=False,
            print_block_terminators=bool(self.results),
        )

    @staticmethod
    def _parse_header(parser: Parser) -> tuple[Parser.UnresolvedArgument, list[SSAValue]]:
        induction_var = parser.parse_argument(expect_type=False)
        parser.parse_punctuation("=")
        lower = parser.parse_operand(IndexType())
        parser.parse_keyword("to")
        upper = parser.parse_operand(IndexType())
        parser.parse_keyword("step")
        step = parser.parse_operand(IndexType())
        return induction_var, [lower, upper, step]

    @staticmethod
    def _parse_body(parser: Parser, args: Sequence[Parser.Argument]) -> Region:
        body = parser.parse_region(args)
        block = body.block
        if not block.ops or not isinstance(block.last_op, YieldOp):
            block.add_op(YieldOp())
        return body


@irdl_op_definition
class ForOp(_LoopOp):
    """A sequential loop with optional loop-carried values (a reduction's accumulator).

        %r = loop.for %k = %c0 to %c8 step %c1 iter_args(%acc = %init) -> (f32) {
          ...
          loop.yield %next : f32
        }
    """

    name = "loop.for"
    lower_bound = operand_def(IndexType)
    upper_bound = operand_def(IndexType)
    step = operand_def(IndexType)
    inits = var_operand_def()
    body = region_def("single_block")
    traits = traits_def(RecursiveMemoryEffect())
    res = var_result_def()

    def __init__(
        self,
        lower_bound: SSAValue | Operation,
        upper_bound: SSAValue | Operation,
        step: SSAValue | Operation,
        inits: Sequence[SSAValue | Operation] = (),
        body: Region | None = None,
    ):
        init_types = [SSAValue.get(v).type for v in inits]
        if body is None:
            body = Region(Block(arg_types=[IndexType(), *init_types]))
            if not init_types:
                body.block.add_op(YieldOp())
        super().__init__(
            operands=[lower_bound, upper_bound, step, inits],
            result_types=[init_types],
            regions=[body],
        )

    def print(self, printer: Printer) -> None:
        self._print_header(printer)
        if self.inits:
            printer.print_string(" iter_args(")
            printer.print_list(
                zip(self.carried_args, self.inits),
                lambda pair: (printer.print_ssa_value(pair[0]), printer.print_string(" = "), printer.print_ssa_value(pair[1])),
            )
            printer.print_string(") -> (")
            printer.print_list(self.res, lambda r: printer.print_attribute(r.type))
            printer.print_string(")")
        self._print_body(printer)

    @classmethod
    def parse(cls, parser: Parser) -> ForOp:
        induction_var, bounds = cls._parse_header(parser)
        carried: list[Parser.UnresolvedArgument] = []
        init_operands: list[UnresolvedOperand] = []
        if parser.parse_optional_keyword("iter_args"):
            def parse_pair() -> None:
                carried.append(parser.parse_argument(expect_type=False))
                parser.parse_punctuation("=")
                init_operands.append(parser.parse_unresolved_operand())
            parser.parse_comma_separated_list(Parser.Delimiter.PAREN, parse_pair)
            parser.parse_punctuation("->")
            types = parser.parse_comma_separated_list(Parser.Delimiter.PAREN, parser.parse_type)
            if len(types) != len(carried):
                parser.raise_error(f"loop.for: {len(carried)} iter_args but {len(types)} result types")
        else:
            types = []
        inits = [parser.resolve_operand(o, t) for o, t in zip(init_operands, types)]
        args = [induction_var.resolve(IndexType()), *(a.resolve(t) for a, t in zip(carried, types))]
        body = cls._parse_body(parser, args)
        return cls(*bounds, inits=inits, body=body)


@irdl_op_definition
class ParallelOp(_LoopOp):
    """A loop whose iterations are independent (each writes its own elements).

        loop.parallel %i = %c0 to %c64 step %c1 { ... }
    """

    name = "loop.parallel"
    lower_bound = operand_def(IndexType)
    upper_bound = operand_def(IndexType)
    step = operand_def(IndexType)
    body = region_def("single_block")
    traits = traits_def(RecursiveMemoryEffect())

    def __init__(
        self,
        lower_bound: SSAValue | Operation,
        upper_bound: SSAValue | Operation,
        step: SSAValue | Operation,
        body: Region | None = None,
    ):
        if body is None:
            body = Region(Block([YieldOp()], arg_types=[IndexType()]))
        super().__init__(operands=[lower_bound, upper_bound, step], regions=[body])

    def verify_(self) -> None:
        super().verify_()
        if self.carried_args:
            raise VerifyException("loop.parallel: iterations are independent and carry no values")

    def print(self, printer: Printer) -> None:
        self._print_header(printer)
        self._print_body(printer)

    @classmethod
    def parse(cls, parser: Parser) -> ParallelOp:
        induction_var, bounds = cls._parse_header(parser)
        body = cls._parse_body(parser, [induction_var.resolve(IndexType())])
        return cls(*bounds, body=body)


def _verify_one_index_per_dim(op: Operation, buffer: SSAValue, indices: Sequence[SSAValue]) -> None:
    assert isinstance(buffer.type, MemRefType)
    rank = len(buffer.type.get_shape())
    if len(indices) != rank:
        raise VerifyException(f"{op.name}: {len(indices)} indices for a rank-{rank} buffer")


@irdl_op_definition
class LoadOp(IRDLOperation):
    """Reads one element: `%v = loop.load %buf[%i, %j] : memref<4x8xf32>`."""

    name = "loop.load"
    T: ClassVar = VarConstraint("T", AnyAttr())
    buffer = operand_def(MemRefType.constr(T))
    indices = var_operand_def(IndexType)
    result = result_def(T)
    traits = traits_def(MemoryReadEffect())
    assembly_format = "$buffer `[` $indices `]` attr-dict `:` type($buffer)"

    def __init__(self, buffer: SSAValue | Operation, indices: Sequence[SSAValue | Operation]):
        buffer_type = SSAValue.get(buffer).type
        assert isinstance(buffer_type, MemRefType)
        super().__init__(operands=[buffer, indices], result_types=[buffer_type.element_type])

    def verify_(self) -> None:
        _verify_one_index_per_dim(self, self.buffer, self.indices)


@irdl_op_definition
class StoreOp(IRDLOperation):
    """Writes one element: `loop.store %v, %buf[%i, %j] : memref<4x8xf32>`."""

    name = "loop.store"
    T: ClassVar = VarConstraint("T", AnyAttr())
    value = operand_def(T)
    buffer = operand_def(MemRefType.constr(T))
    indices = var_operand_def(IndexType)
    traits = traits_def(MemoryWriteEffect())
    assembly_format = "$value `,` $buffer `[` $indices `]` attr-dict `:` type($buffer)"

    def __init__(self, value: SSAValue | Operation, buffer: SSAValue | Operation, indices: Sequence[SSAValue | Operation]):
        super().__init__(operands=[value, buffer, indices])

    def verify_(self) -> None:
        _verify_one_index_per_dim(self, self.buffer, self.indices)


@irdl_op_definition
class VectorLoadOp(IRDLOperation):
    """Reads consecutive elements as one vector: `%v = loop.vector_load %buf[%i, %j] :
    memref<4x64xf32>, vector<16xf32>` holds [%i, %j] ... [%i, %j + 15] (past the end of
    row %i, the next row's first elements: the buffer is contiguous, row-major)."""

    name = "loop.vector_load"
    T: ClassVar = VarConstraint("T", AnyAttr())
    buffer = operand_def(MemRefType.constr(T))
    indices = var_operand_def(IndexType)
    result = result_def(VectorType)
    traits = traits_def(MemoryReadEffect())
    assembly_format = "$buffer `[` $indices `]` attr-dict `:` type($buffer) `,` type($result)"

    def __init__(self, buffer: SSAValue | Operation, indices: Sequence[SSAValue | Operation], lanes: int):
        buffer_type = SSAValue.get(buffer).type
        assert isinstance(buffer_type, MemRefType)
        super().__init__(operands=[buffer, indices], result_types=[VectorType(buffer_type.element_type, [lanes])])

    def verify_(self) -> None:
        _verify_one_index_per_dim(self, self.buffer, self.indices)
        _verify_vector_of(self, self.result.type, self.buffer)


@irdl_op_definition
class StridedVectorLoadOp(IRDLOperation):
    """Reads every `stride`-th element as one vector: `%v = loop.strided_vector_load
    %buf[%i, %j] stride 2 : memref<4x64xf32>, vector<16xf32>` holds [%i, %j], [%i, %j + 2] ...
    [%i, %j + 30] (the window column of 16 neighbouring outputs of a stride-2 pool).

    emit-llvm reads the span from the first lane's element to the last one's as
    `stride` vector loads (the last ending exactly at the last lane's element) and
    takes the lanes out of them with shuffles: no element past the last lane's is read,
    and a stride of 2 costs two loads and one two-source shuffle per vector."""

    name = "loop.strided_vector_load"
    T: ClassVar = VarConstraint("T", AnyAttr())
    buffer = operand_def(MemRefType.constr(T))
    indices = var_operand_def(IndexType)
    stride = prop_def(IntegerAttr[I64])
    result = result_def(VectorType)
    traits = traits_def(MemoryReadEffect())
    assembly_format = "$buffer `[` $indices `]` `stride` $stride attr-dict `:` type($buffer) `,` type($result)"

    def __init__(self, buffer: SSAValue | Operation, indices: Sequence[SSAValue | Operation], lanes: int, stride: int):
        buffer_type = SSAValue.get(buffer).type
        assert isinstance(buffer_type, MemRefType)
        super().__init__(
            operands=[buffer, indices], properties={"stride": IntegerAttr(stride, 64)}, result_types=[VectorType(buffer_type.element_type, [lanes])]
        )

    @property
    def lane_stride(self) -> int:
        return self.stride.value.data

    def verify_(self) -> None:
        _verify_one_index_per_dim(self, self.buffer, self.indices)
        _verify_vector_of(self, self.result.type, self.buffer)
        if self.lane_stride < 2:
            raise VerifyException(f"{self.name}: the stride must be at least 2 (consecutive elements are a loop.vector_load), got {self.lane_stride}")


@irdl_op_definition
class VectorStoreOp(IRDLOperation):
    """Writes a vector to consecutive elements: `loop.vector_store %v, %buf[%i, %j] :
    memref<4x64xf32>, vector<16xf32>` writes [%i, %j] ... [%i, %j + 15] (on into the next
    row, as `loop.vector_load` reads)."""

    name = "loop.vector_store"
    T: ClassVar = VarConstraint("T", AnyAttr())
    value = operand_def(VectorType)
    buffer = operand_def(MemRefType.constr(T))
    indices = var_operand_def(IndexType)
    traits = traits_def(MemoryWriteEffect())
    assembly_format = "$value `,` $buffer `[` $indices `]` attr-dict `:` type($buffer) `,` type($value)"

    def __init__(self, value: SSAValue | Operation, buffer: SSAValue | Operation, indices: Sequence[SSAValue | Operation]):
        super().__init__(operands=[value, buffer, indices])

    def verify_(self) -> None:
        _verify_one_index_per_dim(self, self.buffer, self.indices)
        _verify_vector_of(self, self.value.type, self.buffer)


def _verify_vector_of(op: Operation, type_: Attribute, buffer: SSAValue) -> None:
    """A one-dimensional, fixed-size vector of the buffer's element type. (Checked here rather
    than by a shared type variable: both types are written out, and a mismatch is then an
    error at the op, not a failure inside the parser.)"""
    assert isinstance(type_, VectorType) and isinstance(buffer.type, MemRefType)
    if type_.get_num_dims() != 1 or type_.get_num_scalable_dims():
        raise VerifyException(f"{op.name}: {type_} is not a one-dimensional, fixed-size vector")
    if type_.element_type != buffer.type.element_type:
        raise VerifyException(f"{op.name}: {type_} does not hold the elements of {buffer.type}")


@irdl_op_definition
class VectorCmpfOp(IRDLOperation):
    """Compares float vectors lane by lane, into a vector of i1:
    `%m = loop.vector_cmpf "ult", %a, %b : vector<16xf32> to vector<16xi1>`.

    MLIR's `arith.cmpf` takes vectors; xDSL's gives a scalar i1 only, so unroll-and-jam
    uses this one for a compare of vector lanes. The predicate is one of `arith.cmpf`'s
    names, which are LLVM's `fcmp` predicates.
    """

    name = "loop.vector_cmpf"
    T: ClassVar = VarConstraint("T", AnyAttr())
    predicate = prop_def(StringAttr)
    lhs = operand_def(T)
    rhs = operand_def(T)
    result = result_def(VectorType)
    traits = traits_def(Pure())
    assembly_format = "$predicate `,` $lhs `,` $rhs attr-dict `:` type($lhs) `to` type($result)"

    def __init__(self, predicate: str, lhs: SSAValue | Operation, rhs: SSAValue | Operation):
        lhs_type = SSAValue.get(lhs).type
        assert isinstance(lhs_type, VectorType)
        super().__init__(
            operands=[lhs, rhs], properties={"predicate": StringAttr(predicate)}, result_types=[VectorType(i1, lhs_type.get_shape())]
        )

    def verify_(self) -> None:
        if self.predicate.data not in arith.CMPF_COMPARISON_OPERATIONS:
            raise VerifyException(f"{self.name}: unknown predicate {self.predicate.data!r} (one of {', '.join(arith.CMPF_COMPARISON_OPERATIONS)})")
        lanes = _lanes_of(self.lhs.type, lambda t: isinstance(t, AnyFloat))
        if lanes is None:
            raise VerifyException(f"{self.name}: compares vectors of floats, got {self.lhs.type}")
        if _lanes_of(self.result.type, lambda t: t == i1) != lanes:
            raise VerifyException(f"{self.name}: the result must be a vector of i1 with {lanes} lanes, got {self.result.type}")


@irdl_op_definition
class VectorSelectOp(IRDLOperation):
    """Chooses lane by lane: `%r = loop.vector_select %m, %a, %b : vector<16xi1>, vector<16xf32>`
    has %a's lane where %m's is 1, %b's elsewhere (xDSL's `arith.select`, whose operand names
    it keeps, takes a scalar i1 only)."""

    name = "loop.vector_select"
    T: ClassVar = VarConstraint("T", AnyAttr())
    cond = operand_def(VectorType)
    lhs = operand_def(T)
    rhs = operand_def(T)
    result = result_def(T)
    traits = traits_def(Pure())
    assembly_format = "$cond `,` $lhs `,` $rhs attr-dict `:` type($cond) `,` type($result)"

    def __init__(self, cond: SSAValue | Operation, lhs: SSAValue | Operation, rhs: SSAValue | Operation):
        super().__init__(operands=[cond, lhs, rhs], result_types=[SSAValue.get(lhs).type])

    def verify_(self) -> None:
        lanes = _lanes_of(self.cond.type, lambda t: t == i1)
        if lanes is None:
            raise VerifyException(f"{self.name}: the condition must be a vector of i1, got {self.cond.type}")
        if _lanes_of(self.result.type, lambda t: True) != lanes:
            raise VerifyException(f"{self.name}: the values must be vectors of {lanes} lanes like the condition, got {self.result.type}")


VECTOR_CASTS = ("fptosi", "fptoui", "sitofp", "uitofp")
"""`loop.vector_cast`'s conversions: `arith`'s ops of these names (LLVM's instructions), on vectors."""


@irdl_op_definition
class VectorCastOp(IRDLOperation):
    """Converts between float and integer vectors lane by lane:
    `%k = loop.vector_cast "fptosi" %x : vector<16xf32> to vector<16xi32>`.

    The conversion is named as `arith`'s op (`fptosi`, `fptoui`, `sitofp`, `uitofp`),
    whose xDSL versions take scalars only.
    """

    name = "loop.vector_cast"
    conversion = prop_def(StringAttr)
    source = operand_def(VectorType)
    result = result_def(VectorType)
    traits = traits_def(Pure())
    assembly_format = "$conversion $source attr-dict `:` type($source) `to` type($result)"

    def __init__(self, conversion: str, source: SSAValue | Operation, result_type: Attribute):
        super().__init__(operands=[source], properties={"conversion": StringAttr(conversion)}, result_types=[result_type])

    def verify_(self) -> None:
        conversion = self.conversion.data
        if conversion not in VECTOR_CASTS:
            raise VerifyException(f"{self.name}: unknown conversion {conversion!r} (one of {', '.join(VECTOR_CASTS)})")
        from_float = conversion.startswith("fp")
        is_float = lambda t: isinstance(t, AnyFloat)  # noqa: E731
        is_integer = lambda t: isinstance(t, IntegerType)  # noqa: E731
        lanes = _lanes_of(self.source.type, is_float if from_float else is_integer)
        if lanes is None or _lanes_of(self.result.type, is_integer if from_float else is_float) != lanes:
            raise VerifyException(f"{self.name}: {conversion} of {self.source.type} cannot give {self.result.type}")


def _lanes_of(type_: Attribute, element_ok: Callable[[Attribute], bool]) -> int | None:
    """The lanes of a one-dimensional, fixed-size vector whose element passes `element_ok`; None for any other type."""
    if not isinstance(type_, VectorType) or type_.get_num_dims() != 1 or type_.get_num_scalable_dims() or not element_ok(type_.element_type):
        return None
    return type_.get_shape()[0]


LOADS = (LoadOp, VectorLoadOp, StridedVectorLoadOp)
"""The ops that read a buffer element or elements (for passes that ask what a loop reads)."""

STORES = (StoreOp, VectorStoreOp)
"""The ops that write a buffer element or elements."""


@irdl_op_definition
class CheckOp(IRDLOperation):
    """A run-time check: when `condition` is false, the run fails with `message`.

        loop.check %ok, "Gather node 'g': an index is out of range"

    Execution goes on after a failed check (the code around it must already be
    safe, e.g. a gathered index is clamped before its load); the run's result is
    the error. emit-llvm records the message in the global `<entry>_error` and
    the entry point returns status 2, which the runtime raises as an error with
    the message. It writes that global, so it has a memory write effect: dead
    code elimination keeps it, and it is not moved across other side effects.
    """

    name = "loop.check"
    condition = operand_def(i1)
    message = prop_def(StringAttr)
    traits = traits_def(MemoryWriteEffect())
    assembly_format = "$condition `,` $message attr-dict"

    def __init__(self, condition: SSAValue | Operation, message: str | StringAttr):
        if isinstance(message, str):
            message = StringAttr(message)
        super().__init__(operands=[condition], properties={"message": message})


@irdl_op_definition
class AllocOp(IRDLOperation):
    """An intermediate buffer, live for one run of the model.

    Where it lives is decided at compile time, never by a call to malloc on the
    run path: `plan-memory` replaces each one in an entry function by a
    `loop.view` of one arena (itself a `loop.alloc : memref<Nxi8>`), and
    emit-llvm makes every `loop.alloc` left a static global.

        %t = loop.alloc : memref<1x16x8x8xf32>
    """

    name = "loop.alloc"
    buffer = result_def(MemRefType)
    traits = traits_def(MemoryAllocEffect())
    assembly_format = "attr-dict `:` type($buffer)"

    def __init__(self, buffer_type: Attribute):
        super().__init__(result_types=[buffer_type])


def element_bytes(type_: Attribute) -> int | None:
    """Bytes one element of a memref takes in memory, None for a type we cannot lay out.

    `index` is 64 bits on every target we emit for; `i1` takes a byte, as it does in
    emit-llvm's buffers (and numpy's bool).
    """
    if isinstance(type_, IndexType):
        return 8
    if isinstance(type_, IntegerType):
        return -(-type_.width.data // 8)
    size = getattr(type_, "size", None)  # xDSL's fixed-bitwidth float types know their byte size
    return size if isinstance(size, int) else None


def static_buffer_bytes(type_: MemRefType) -> int | None:
    """The bytes a static, contiguous (default layout) memref occupies, None for any other memref."""
    if not type_.has_static_shape() or not isinstance(type_.layout, NoneAttr):
        return None
    if not isinstance(type_.memory_space, NoneAttr):
        return None
    element = element_bytes(type_.element_type)
    if element is None:
        return None
    count = 1
    for dim in type_.get_shape():
        count *= dim
    return count * element


@irdl_op_definition
class ViewOp(IRDLOperation):
    """A typed buffer inside a byte arena, at a static byte offset.

        %arena = loop.alloc : memref<65536xi8>
        %t = loop.view %arena[4096] : memref<65536xi8> to memref<1x16x8x8xf32>

    `plan-memory` makes these: every intermediate buffer of an entry function
    becomes a view into one arena, and buffers that are never live at the same
    time share bytes. A view is only an address (arena base + offset), so it is
    pure; two views are the same memory exactly where their byte ranges meet.
    The verifier checks what makes the address arithmetic safe for emit-llvm,
    which gives each view's pointer `dereferenceable(<bytes>)` and aligned
    accesses: the view fits in the arena, and its offset is a multiple of its
    element size.
    """

    name = "loop.view"
    arena = operand_def(MemRefType)
    offset = prop_def(IntegerAttr[I64])
    result = result_def(MemRefType)
    traits = traits_def(Pure())
    assembly_format = "$arena `[` $offset `]` attr-dict `:` type($arena) `to` type($result)"

    def __init__(self, arena: SSAValue | Operation, offset: int, result_type: Attribute):
        super().__init__(operands=[arena], properties={"offset": IntegerAttr(offset, 64)}, result_types=[result_type])

    @property
    def byte_offset(self) -> int:
        return self.offset.value.data

    def verify_(self) -> None:
        arena_type, view_type = self.arena.type, self.result.type
        assert isinstance(arena_type, MemRefType) and isinstance(view_type, MemRefType)
        if (
            arena_type.element_type != IntegerType(8)
            or len(arena_type.get_shape()) != 1
            or (arena_bytes := static_buffer_bytes(arena_type)) is None
        ):
            raise VerifyException(f"loop.view: the arena must be a static memref<Nxi8>, got {arena_type}")
        view_bytes = static_buffer_bytes(view_type)
        if view_bytes is None:
            raise VerifyException(
                f"loop.view: the view must be a static memref with the default layout and a sized element type, got {view_type}"
            )
        offset = self.byte_offset
        element = element_bytes(view_type.element_type)
        assert element is not None
        if offset < 0 or offset % element:
            raise VerifyException(
                f"loop.view: offset {offset} is not a non-negative multiple of the element size ({element} bytes of {view_type.element_type})"
            )
        if offset + view_bytes > arena_bytes:
            raise VerifyException(
                f"loop.view: {view_type} ({view_bytes} bytes at offset {offset}) does not fit in the arena of {arena_bytes} bytes"
            )


Loop = Dialect(
    "loop",
    [ForOp, ParallelOp, YieldOp, LoadOp, StoreOp, VectorLoadOp, StridedVectorLoadOp, VectorStoreOp, VectorCmpfOp, VectorSelectOp, VectorCastOp, CheckOp, AllocOp, ViewOp],
    [],
)
