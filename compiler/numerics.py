"""check-numerics: which fused group computes a different result than the ops it replaced?

After a wrong result, the question is where it went wrong. This runs the
model twice on the same random inputs: once unfused (every nn op its own
kernel) and once as the pipeline leaves it (fused groups), and compares the
two group by group, in program order. The first group whose outputs differ
beyond the tolerance is named with its ONNX nodes; groups after it may differ
only because they read its wrong values, which the report shows too.

    opt-fuse model.onnx --check-numerics                              # the driver's fusing passes
    opt-fuse model.onnx --check-numerics -p 'shape-infer,my-fusion' --load-pass-plugin my_fusion.py

How the two versions are made:

- the pipeline runs on the module; just before the first pass that creates
  an nn.fused group, a copy of the module is kept: the unfused reference.
  Passes before that point are shared by both versions; the fusion pass and
  everything after it are what is checked. (If the input already holds
  nn.fused groups, the reference is the input with its groups inlined.)
- every value a fused group computes for the outside (its results) and every
  result of an op left alone becomes an extra output of the fused version;
  every nn op's result becomes an extra output of the reference. Extra
  outputs do not change the kernels: these values are stored anyway.
- a group's result is the value its body yields, an op result that existed
  when the reference was copied: the copy's value map gives the reference
  value of the same op. A value made by a pass after the copy is matched by
  its name (the ONNX tensor name, or the SSA name in IR text) when exactly
  one reference op result has it; otherwise it is listed as not compared.

Both versions are lowered, compiled with clang and run (compiler.api.compile).
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field

import numpy as np
from xdsl.dialects import func
from xdsl.dialects.builtin import ModuleOp
from xdsl.ir import Operation, SSAValue
from xdsl.passes import ModulePass

from compiler.errors import OptFuseError
from compiler.pass_manager import PassInstrumentation, Timing

DEFAULT_PIPELINE = "builtin.module(shape-infer,fold-constants,fold-batchnorm,fuse)"
"""The driver's pipeline up to fusion (compiler/driver.py pipeline_for, without lowering)."""
LOWERING_PASSES = ("lower-to-loops", "approximate-math", "emit-llvm")


class NumericsError(OptFuseError):
    """A fused group computes values that differ from the unfused ops beyond the tolerance."""


@dataclass(frozen=True)
class ValueCheck:
    label: str
    """The value's name: %ssa (the ONNX tensor name for imported models)."""
    max_abs: float
    index: tuple[int, ...]
    """Where the difference beyond tolerance is largest (or the largest difference, when within it)."""
    fused: float
    unfused: float
    ok: bool


@dataclass(frozen=True)
class GroupCheck:
    number: int
    kernel: str
    """`nn.fused nn.conv2d, out-elementwise-fusable` (its anchor and kind), or `nn.relu, elementwise` for an op alone."""
    members: tuple[str, ...]
    """The ops of the group, as the fuse report names them: 'ONNX node' or %ssa."""
    values: tuple[ValueCheck, ...]

    @property
    def ok(self) -> bool:
        return all(v.ok for v in self.values)

    def describe(self) -> str:
        onnx = all(m.startswith("'") for m in self.members)
        what = "ONNX node" if onnx else "op"
        plural = "s" if len(self.members) > 1 else ""
        return f"group {self.number}, {what}{plural} {', '.join(self.members)} ({self.kernel})"


@dataclass
class NumericsReport:
    function: str
    groups: list[GroupCheck]
    not_compared: list[str]
    atol: float
    rtol: float
    seed: int

    @property
    def first_divergent(self) -> GroupCheck | None:
        return next((g for g in self.groups if not g.ok), None)

    def render(self) -> str:
        compared = sum(len(g.values) for g in self.groups)
        lines = [
            f"check-numerics @{self.function}: {_count(len(self.groups), 'group')}, {_count(compared, 'value')} compared with the unfused ops "
            f"(random inputs, seed {self.seed}; atol {self.atol:g}, rtol {self.rtol:g})"
        ]
        for group in self.groups:
            lines.append(f"  group {group.number} ({group.kernel}): {' '.join(group.members)}")
            for value in group.values:
                verdict = "ok" if value.ok else "DIVERGES"
                at = f" at {list(value.index)} (fused {value.fused:g}, unfused {value.unfused:g})" if not value.ok else ""
                lines.append(f"    {value.label}: {verdict}, max |fused - unfused| = {value.max_abs:.3g}{at}")
        for label in self.not_compared:
            lines.append(f"  not compared: {label} (made after fusion; no unfused value has its name)")
        first = self.first_divergent
        lines.append(f"first divergent: {first.describe()}" if first else "all groups match the unfused ops")
        return "\n".join(lines) + "\n"

    def error(self) -> NumericsError | None:
        """The one-line error naming the first divergent group, or None."""
        first = self.first_divergent
        if first is None:
            return None
        value = next(v for v in first.values if not v.ok)
        later = sum(1 for g in self.groups if not g.ok) - 1
        after = f"; {later} later group(s) differ too, possibly because they read its values" if later else ""
        return NumericsError(
            f"check-numerics: {first.describe()} diverges from the unfused ops: {value.label}: "
            f"max |fused - unfused| = {value.max_abs:.3g} at {list(value.index)} (fused {value.fused:g}, "
            f"unfused {value.unfused:g}; atol {self.atol:g}, rtol {self.rtol:g}){after}"
        )


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" + ("" if number == 1 else "s")


# --------------------------------------------------------------------------- the reference copy


@dataclass
class _KeepUnfused(PassInstrumentation):
    """Keeps a copy of the module, and the map from its values to the copy's, until a pass fuses."""

    reference: ModuleOp | None = None
    mapping: dict[SSAValue, SSAValue] = field(default_factory=dict[SSAValue, SSAValue])

    def keep(self, module: ModuleOp) -> None:
        self.mapping = {}
        self.reference = module.clone(value_mapper=self.mapping)

    def before_pass(self, pass_: ModulePass, module: ModuleOp) -> None:
        if not _has_fused(module):
            self.keep(module)


def _has_fused(module: ModuleOp) -> bool:
    from dialects.nn import FusedOp

    return any(isinstance(op, FusedOp) for op in module.walk())


def inline_groups(function: func.FuncOp) -> None:
    """Undo fusion: each nn.fused op's body moves out in its place, so every op becomes its own kernel."""
    from dialects.nn import FusedOp

    block = function.body.block
    for fused in [op for op in block.ops if isinstance(op, FusedOp)]:
        body = fused.body.block
        for argument, operand in zip(body.args, fused.inputs):
            argument.replace_all_uses_with(operand)
        for result, value in zip(fused.outputs, fused.yielded):
            result.replace_all_uses_with(value)
        body.erase_op(body.last_op)  # type: ignore[arg-type]  # nn.yield
        for op in list(body.ops):
            op.detach()
            block.insert_op_before(op, fused)
        block.erase_op(fused)


# --------------------------------------------------------------------------- observing values


def _only_function(module: ModuleOp) -> func.FuncOp:
    functions = [op for op in module.ops if isinstance(op, func.FuncOp) and not op.is_declaration]
    if len(functions) != 1:
        raise OptFuseError(f"check-numerics: expected one function (the model), found {len(functions)}")
    return functions[0]


def _observe(function: func.FuncOp, values: Sequence[SSAValue]) -> dict[SSAValue, int]:
    """Return `values` too (after the function's own results); their output positions."""
    returned = function.get_return_op()
    assert returned is not None
    outputs = list(returned.operands)
    outputs += [v for v in dict.fromkeys(values) if v not in outputs]
    function.body.block.erase_op(returned)
    function.body.block.add_op(func.ReturnOp(*outputs))
    function.function_type = func.FunctionType.from_lists(function.function_type.inputs.data, [v.type for v in outputs])
    positions: dict[SSAValue, int] = {}
    for position, value in enumerate(outputs):
        positions.setdefault(value, position)
    return positions


def _kernels(function: func.FuncOp) -> list[tuple[Operation, list[tuple[SSAValue, SSAValue]]]]:
    """Each kernel of the fused version with its (outer result, inner yielded value) pairs."""
    from dialects.nn import ConstantOp, FusedOp, NNOp

    kernels: list[tuple[Operation, list[tuple[SSAValue, SSAValue]]]] = []
    for op in function.body.block.ops:
        if isinstance(op, FusedOp):
            kernels.append((op, list(zip(op.outputs, op.yielded))))
        elif isinstance(op, NNOp) and not isinstance(op, ConstantOp):
            kernels.append((op, [(op.output, op.output)]))
    return kernels


def _describe_kernel(op: Operation) -> tuple[str, tuple[str, ...]]:
    from compiler.fusion_report import _label
    from dialects.nn import ConstantOp, FusedOp

    if isinstance(op, FusedOp):
        members = [m for m in op.members() if not isinstance(m, ConstantOp)]
        labels = tuple(dict.fromkeys(_label(m, n) for n, m in enumerate(members)))
        return f"nn.fused {op.anchor.data}, {op.kind.data}", labels
    return f"{op.name}, {op.FUSION_KIND.value}", (_label(op, 0),)  # type: ignore[attr-defined]


# --------------------------------------------------------------------------- the check


def check_numerics(
    module: ModuleOp,
    pipeline: str = DEFAULT_PIPELINE,
    *,
    atol: float = 1e-4,
    rtol: float = 1e-3,
    seed: int = 0,
    timing: Timing | None = None,
    instrumentations: Sequence[PassInstrumentation] = (),
) -> NumericsReport:
    """Run `pipeline` on `module` (in place), then compare its groups with the unfused ops on random inputs."""
    from compiler import api
    from compiler.pass_pipeline import parse_pass_pipeline
    from dialects.nn import ConstantOp, NNOp

    lowering = [s.name for s in parse_pass_pipeline(pipeline) if s.name in LOWERING_PASSES]
    if lowering:
        raise OptFuseError(
            f"check-numerics lowers and compiles both versions itself: end the pipeline before {lowering[0]}"
        )
    keeper = _KeepUnfused()
    keeper.keep(module)
    api.run_pipeline(module, pipeline, instrumentations=[keeper, *instrumentations], timing=timing)
    if not _has_fused(module):
        raise OptFuseError("check-numerics: no pass of the pipeline made an nn.fused group, so there is nothing to compare (add `fuse`)")
    assert keeper.reference is not None
    reference, mapping = keeper.reference, keeper.mapping
    fused_function, reference_function = _only_function(module), _only_function(reference)
    inline_groups(reference_function)

    reference_values = {op.output: None for op in reference_function.body.block.ops if isinstance(op, NNOp) and not isinstance(op, ConstantOp)}
    by_name: dict[str, list[SSAValue]] = {}
    for value in reference_values:
        if value.name_hint:
            by_name.setdefault(value.name_hint, []).append(value)
    kernels = _kernels(fused_function)
    pairs: list[tuple[int, SSAValue, SSAValue | None]] = []  # (kernel number, fused outer value, reference value)
    for number, (_, outputs) in enumerate(kernels):
        for outer, inner in outputs:
            match = mapping.get(inner)
            if match not in reference_values:
                named = by_name.get(inner.name_hint or "", [])
                match = named[0] if len(named) == 1 else None
            pairs.append((number, outer, match))
    fused_positions = _observe(fused_function, [outer for _, outer, match in pairs if match is not None])
    reference_positions = _observe(reference_function, [match for _, _, match in pairs if match is not None])

    with (timing.measure("check-numerics: compile and run both versions") if timing else nullcontext()):
        fused_model, reference_model = api.compile(module), api.compile(reference)
        rng = np.random.default_rng(seed)
        inputs = [rng.standard_normal(spec.shape).astype(np.float32) for spec in fused_model.signature.inputs]
        fused_outputs, reference_outputs = fused_model.run(inputs), reference_model.run(inputs)

    groups: list[GroupCheck] = []
    not_compared: list[str] = []
    for number, (kernel, _) in enumerate(kernels):
        checks: list[ValueCheck] = []
        for kernel_number, outer, match in pairs:
            if kernel_number != number:
                continue
            label = f"%{outer.name_hint}" if outer.name_hint else f"result of group {number}"
            if match is None:
                not_compared.append(label)
                continue
            checks.append(_compare(label, fused_outputs[fused_positions[outer]], reference_outputs[reference_positions[match]], atol, rtol))
        name, members = _describe_kernel(kernel)
        groups.append(GroupCheck(number, name, members, tuple(checks)))
    return NumericsReport(fused_function.sym_name.data, groups, not_compared, atol, rtol, seed)


def _compare(label: str, fused: np.ndarray, unfused: np.ndarray, atol: float, rtol: float) -> ValueCheck:
    """numpy.isclose's rule (NaN equals NaN): |fused - unfused| <= atol + rtol * |unfused|."""
    close = np.isclose(fused, unfused, atol=atol, rtol=rtol, equal_nan=True)
    with np.errstate(invalid="ignore"):
        difference = np.abs(fused.astype(np.float64) - unfused.astype(np.float64))
    difference = np.where(np.isnan(difference), 0.0, difference)
    if fused.size == 0:
        return ValueCheck(label, 0.0, (), 0.0, 0.0, True)
    pick = np.where(close, -1.0, difference + 1.0) if not close.all() else difference  # worst of the failing elements
    flat = int(np.argmax(pick))
    index = tuple(int(i) for i in np.unravel_index(flat, fused.shape))
    return ValueCheck(label, float(difference.max()), index, float(fused[index]), float(unfused[index]), bool(close.all()))
