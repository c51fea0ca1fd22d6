"""lower-to-loops: every group of nn ops becomes one loop-nest kernel over buffers.

A group is a list of nn ops whose outputs share one shape. Its kernel loops
over that shape once; at each index it asks the output's producer for the
element (`NNOp.emit_element`), and producers inside the group answer by
asking their own operands in turn, so intermediate values never leave
registers (dialects/semantics.py explains the composition and the hoisting).
Each `nn.fused` op (made by the `fuse` pass) is a group; every other op is a group of its own.

The function itself becomes the entry point that owns the buffers:

    func.func @model(%x: memref<1x8xf32>, %result: memref<1x8xf32>) {
      %w = memref.get_global @model_const0 : memref<8xf32>
      %t = loop.alloc : memref<1x8xf32>
      func.call @model_k0_add(%x, %w, %t) : (...) -> ()
      func.call @model_k1_relu(%t, %result) : (...) -> ()
      func.return
    }

Inputs stay the caller's buffers and outputs are written in place into the
caller's buffers (appended after the inputs); weights become `memref.global`
constants; splat constants are folded into the code that reads them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from xdsl.context import Context
from xdsl.dialects import builtin, func, memref
from xdsl.dialects.builtin import MemRefType, StringAttr, TensorType, UnitAttr
from xdsl.ir import Block, Operation, Region, SSAValue
from xdsl.passes import ModulePass

from compiler.diagnostics import describe_op
from compiler.errors import OptFuseError
from dialects import loop
from dialects.nn import ConstantOp, FusedOp, NNOp, shape_of
from dialects.semantics import Ix, KernelBuilder, Scalar
from passes.shape_infer import ShapeInferPass


def buffer_type(value: SSAValue) -> MemRefType:
    assert isinstance(value.type, TensorType), f"{value.type} has no static shape"
    return MemRefType(value.type.get_element_type(), value.type.get_shape())


def _inline_splat(value: SSAValue) -> bool:
    return isinstance(value.owner, ConstantOp) and value.owner.is_splat()


@dataclass
class Group:
    """Ops lowered into one kernel, and the values the kernel must store.

    `outputs` are named as the ops inside see them; `results` are the same
    values as the function sees them (an nn.fused op's results), and
    `arguments` maps the body arguments of an nn.fused op to its operands.
    """

    ops: list[NNOp]
    outputs: list[SSAValue]
    results: list[SSAValue]
    arguments: dict[SSAValue, SSAValue] = field(default_factory=dict[SSAValue, SSAValue])

    @staticmethod
    def of_op(op: NNOp) -> Group:
        return Group([op], [op.output], [op.output])

    @staticmethod
    def of_fused(fused: FusedOp) -> Group:
        ops = [op for op in fused.members() if not isinstance(op, ConstantOp)]
        return Group(ops, list(fused.yielded), list(fused.outputs), dict(zip(fused.body.block.args, fused.inputs)))

    def external_inputs(self) -> list[SSAValue]:
        """Values the group reads but does not compute, in first-use order."""
        inside = set(self.ops)
        seen: dict[SSAValue, None] = {}
        for value in (*(v for op in self.ops for v in op.operands), *self.outputs):
            if value.owner not in inside and not _inline_splat(value):
                seen.setdefault(value)
        return list(seen)

    def kernel_name(self, function_name: str, number: int) -> str:
        kinds = [op.name.removeprefix("nn.") for op in self.ops] or ["copy"]
        return f"{function_name}_k{number}_{'_'.join(kinds[:3])}{'_etc' if len(kinds) > 3 else ''}"


def build_kernel(group: Group, name: str) -> func.FuncOp:
    """One private function: loops over the output shape, computes the group's outputs, stores them."""
    inputs = group.external_inputs()
    arg_types = [buffer_type(v) for v in (*inputs, *group.outputs)]
    kernel = func.FuncOp(name, (arg_types, []), visibility="private")
    block = kernel.body.block
    for arg, value in zip(block.args, inputs):
        arg.name_hint = value.name_hint
    for number, arg in enumerate(block.args[len(inputs) :]):
        arg.name_hint = f"out{number}" if len(group.outputs) > 1 else "out"
    buffers = dict(zip(inputs, block.args))
    members = set(group.ops)

    def read(kb: KernelBuilder, value: SSAValue, index: Sequence[Ix]) -> Scalar:
        producer = value.owner
        if producer in members or _inline_splat(value):
            assert isinstance(producer, NNOp)
            return producer.emit_element(kb, list(index))
        return kb.load(buffers[value], index)

    block.add_op(ret := func.ReturnOp())
    kb = KernelBuilder.at(read, block, ret)
    shape = shape_of(group.outputs[0])
    assert shape is not None
    index = kb.parallel_nest(shape)
    for value, out in zip(group.outputs, block.args[len(inputs) :]):
        if shape_of(value) != shape:
            raise OptFuseError(f"lower-to-loops: group outputs have different shapes ({shape} and {shape_of(value)})")
        kb.store(kb.read(value, index), out, index)
    return kernel


@dataclass
class _FunctionLowering:
    """Builds the entry function: buffers, globals, one call per group."""

    function: func.FuncOp
    entry: Block = field(default_factory=Block)
    buffers: dict[SSAValue, SSAValue] = field(default_factory=dict[SSAValue, SSAValue])
    globals: list[Operation] = field(default_factory=list[Operation])
    kernels: list[func.FuncOp] = field(default_factory=list[func.FuncOp])

    @property
    def name(self) -> str:
        return self.function.sym_name.data

    def lower(self) -> func.FuncOp:
        returned = self.function.get_return_op()
        assert returned is not None
        for arg in self.function.body.block.args:
            self.buffers[arg] = self.entry.insert_arg(buffer_type(arg), len(self.entry.args))
            self.buffers[arg].name_hint = arg.name_hint
        outputs = self._output_buffers(returned.operands)
        for group in self._groups():
            self._call_kernel(group)
        for value, out in outputs:
            if self.buffers.get(value) is not out:  # an input, a constant or a repeated output: copy it
                self._call_kernel(Group([], [value], [value]), [out])
        self.entry.add_op(func.ReturnOp())
        entry = func.FuncOp(self.name, ([a.type for a in self.entry.args], []), Region(self.entry))
        entry.attributes["loop.entry"] = UnitAttr()
        return entry

    def _output_buffers(self, results: Sequence[SSAValue]) -> list[tuple[SSAValue, SSAValue]]:
        """Caller-owned output buffers; a computed result is written straight into its own."""
        pairs: list[tuple[SSAValue, SSAValue]] = []
        for number, value in enumerate(results):
            out = self.entry.insert_arg(buffer_type(value), len(self.entry.args))
            out.name_hint = "result" if len(results) == 1 else f"result{number}"
            computed = isinstance(value.owner, FusedOp) or (isinstance(value.owner, NNOp) and not isinstance(value.owner, ConstantOp))
            if computed and value not in self.buffers:
                self.buffers[value] = out
            pairs.append((value, out))
        return pairs

    def _groups(self) -> list[Group]:
        groups: list[Group] = []
        for op in self.function.body.block.ops:
            if isinstance(op, FusedOp):
                groups.append(Group.of_fused(op))
            elif isinstance(op, NNOp) and not isinstance(op, ConstantOp):
                groups.append(Group.of_op(op))
            elif not isinstance(op, ConstantOp | func.ReturnOp):
                raise OptFuseError(f"lower-to-loops: {describe_op(op)} cannot be lowered (not an nn op)")
        return groups

    def _buffer(self, value: SSAValue) -> SSAValue:
        """The buffer holding `value`: an argument, a global for a constant, or a new loop.alloc."""
        if value not in self.buffers:
            if isinstance(value.owner, ConstantOp):
                self.buffers[value] = self._global(value.owner)
            else:
                alloc = loop.AllocOp(buffer_type(value))
                self.entry.add_op(alloc)
                self.buffers[value] = alloc.buffer
            self.buffers[value].name_hint = value.name_hint
        return self.buffers[value]

    def _global(self, constant: ConstantOp) -> SSAValue:
        symbol = f"{self.name}_const{len(self.globals)}"
        self.globals.append(
            memref.GlobalOp.get(StringAttr(symbol), buffer_type(constant.output), constant.value, constant=UnitAttr(), alignment=64)
        )
        get = memref.GetGlobalOp(symbol, buffer_type(constant.output))
        self.entry.add_op(get)
        return get.memref

    def _call_kernel(self, group: Group, outputs: Sequence[SSAValue] | None = None) -> None:
        kernel = build_kernel(group, group.kernel_name(self.name, len(self.kernels)))
        self.kernels.append(kernel)
        arguments = [self._buffer(group.arguments.get(v, v)) for v in group.external_inputs()]
        arguments += outputs if outputs is not None else [self._buffer(v) for v in group.results]
        self.entry.add_op(func.CallOp(kernel.sym_name.data, arguments, []))


def needs_shape_inference(module: builtin.ModuleOp) -> bool:
    return any(isinstance(op, NNOp) and shape_of(op.output) is None for op in module.walk())


@dataclass(frozen=True)
class LowerToLoopsPass(ModulePass):
    """Lowers each function of nn ops to an entry function calling one loop-nest kernel per group.

    Runs shape-infer first if any shape is still unknown.
    """

    name = "lower-to-loops"

    def apply(self, ctx: Context, op: builtin.ModuleOp) -> None:
        if needs_shape_inference(op):
            ShapeInferPass().apply(ctx, op)
        for function in [f for f in op.ops if isinstance(f, func.FuncOp) and _works_on_tensors(f)]:
            lowering = _FunctionLowering(function)
            entry = lowering.lower()
            block = op.body.block
            for new_op in (*lowering.globals, *lowering.kernels, entry):
                block.insert_op_before(new_op, function)
            function.detach()
            function.erase()


def _works_on_tensors(function: func.FuncOp) -> bool:
    """A function at the nn level: it has a body and tensors in its signature."""
    signature = (*function.function_type.inputs.data, *function.function_type.outputs.data)
    return not function.is_declaration and any(isinstance(t, TensorType) for t in signature)
