"""fuse: greedy producer-consumer fusion into `nn.fused` groups.

Every op starts as a group of its own. Walking the ops in order, each consumer
looks at the producers of its operands, one edge at a time, and the two groups
merge unless that would form a cycle (a path from one to the other through a
third group) or the merged group fails one of these checks:

- kind: at most one out-elementwise-fusable op (conv, matmul, gemm, pooling)
  per group; what follows it in the group is elementwise or broadcast (its
  epilogue, applied to the accumulator before the store); what precedes it is
  elementwise, broadcast or injective (folded into its input reads: Pad -> Conv
  makes no padded copy). Opaque ops never fuse.
- size: at most `max-group-size` ops.
- outputs: a value still used outside the group becomes an extra output, which
  is only possible at the shape the group loops over (one loop nest).
- recompute: the merged kernel, built exactly as lower-to-loops will build it,
  must not do more than `max-recompute` times the scalar work (loads, stores,
  float and index ops; exp/log/log1p/tanh/erf/pow weigh 20, about the arithmetic
  approximate-math expands them into) of the two kernels it replaces.
  This is what keeps a reduction from being recomputed per element, or a
  concat from computing every branch at every element, with no rule per op.

No check names an op: ops are known by their `FUSION_KIND`, and the kernel
cost comes from composing their `emit_element` definitions. A new op fuses
with everything as soon as it states its kind and scalar semantics.

    opt-fuse model.mlir -p 'fuse{max-group-size=8 disable="reduction" report="-"}'

`report` writes every edge considered, fused or not and why, to a file (JSON
when it ends in .json, text otherwise; "-" is stderr); `dot` writes the graph
with the groups as clusters (Graphviz; SVG when it ends in .svg and `dot` is
installed).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from math import prod

from xdsl.context import Context
from xdsl.dialects import arith, builtin, func
from xdsl.dialects.math import ErfOp, ExpOp, Log1pOp, LogOp, PowFOp, TanhOp
from xdsl.ir import Block, Operation, Region, SSAValue
from xdsl.passes import ModulePass

from compiler.errors import OptFuseError
from compiler.fusion_report import Decision, FunctionReport, GroupSummary, Node, write_dot, write_report
from dialects import loop
from dialects.dims import bounds_of
from dialects.nn import ConstantOp, FusedOp, FusionKind, NNOp, YieldOp, shape_of
from passes.lower_to_loops import Group, build_kernel, needs_shape_inference
from passes.shape_infer import ShapeInferPass

HEAVY = FusionKind.OUT_ELEMENTWISE_FUSABLE
EPILOGUE_KINDS = frozenset({FusionKind.ELEMENTWISE, FusionKind.BROADCAST})
PROLOGUE_KINDS = frozenset({FusionKind.ELEMENTWISE, FusionKind.BROADCAST, FusionKind.INJECTIVE})
KIND_RANK = {kind: rank for rank, kind in enumerate(FusionKind)}
ALREADY_FUSED = "already in one group"

EXPENSIVE_SCALAR_OPS = (ExpOp, LogOp, Log1pOp, TanhOp, ErfOp, PowFOp)
EXPENSIVE_WEIGHT = 20.0
"""Measured: recomputing a vectorized exp per element costs more than storing it and loading it back."""


# --------------------------------------------------------------------------- cost model


def kernel_cost(kernel: Operation) -> float:
    """Scalar work of a kernel: each load, store, float and index op, times the trips of its enclosing loops.

    Index arithmetic counts: a padded read's bounds test runs once per
    multiply-add in the naive conv loop, and measurably slows it down.
    """

    def block_cost(block: Block, trips: float) -> float:
        total = 0.0
        for op in block.ops:
            if isinstance(op, loop.ForOp | loop.ParallelOp):
                total += block_cost(op.body.block, trips * (op.trip_count() or 1))
            elif isinstance(op, EXPENSIVE_SCALAR_OPS):
                total += EXPENSIVE_WEIGHT * trips
            elif not isinstance(op, arith.ConstantOp | func.ReturnOp | loop.YieldOp):
                total += trips
        return total

    return sum(block_cost(block, 1.0) for region in kernel.regions for block in region.blocks)


# --------------------------------------------------------------------------- planning


@dataclass(frozen=True)
class FuseOptions:
    max_group_size: int
    disabled: frozenset[FusionKind]
    max_recompute: float


@dataclass
class _Planner:
    """Grows the groups of one function and records every decision."""

    function: func.FuncOp
    options: FuseOptions
    ops: list[NNOp] = field(default_factory=list[NNOp])
    position: dict[NNOp, int] = field(default_factory=dict[NNOp, int])
    group_of: dict[NNOp, int] = field(default_factory=dict[NNOp, int])
    members: dict[int, list[NNOp]] = field(default_factory=dict[int, list[NNOp]])
    decisions: list[Decision] = field(default_factory=list[Decision])
    _costs: dict[frozenset[NNOp], float] = field(default_factory=dict[frozenset[NNOp], float])

    def __post_init__(self) -> None:
        self.ops = [op for op in self.function.body.block.ops if isinstance(op, NNOp) and not isinstance(op, ConstantOp)]
        for number, op in enumerate(self.ops):
            self.position[op] = number
            self.group_of[op] = number
            self.members[number] = [op]

    def plan(self) -> list[list[NNOp]]:
        """Consider every edge in order; then again while a refused edge becomes fusable.

        An edge refused because its producer still had a consumer outside (in
        a layer norm, x - mean is read by the variance and by the division)
        can pass once that consumer has joined the other group: the sweep
        repeats until nothing changes. The report keeps the last verdict of
        each edge.
        """
        edges = [
            (value.owner, consumer)
            for consumer in self.ops
            for value in dict.fromkeys(consumer.operands)
            if isinstance(value.owner, NNOp) and value.owner in self.position
        ]
        verdicts: dict[tuple[NNOp, NNOp], Decision] = {}
        changed = True
        while changed:
            changed = False
            for producer, consumer in edges:
                if (producer, consumer) in verdicts and verdicts[producer, consumer].fused:
                    continue
                verdicts[producer, consumer] = decision = self._consider(producer, consumer)  # type: ignore[arg-type]
                changed |= decision.fused and decision.reason != ALREADY_FUSED
        self.decisions = list(verdicts.values())
        return self._groups_in_order()

    def _consider(self, producer: NNOp, consumer: NNOp) -> Decision:
        rule, reason = self._verdict(producer, consumer)
        fused = rule == "fused"
        if fused and self.group_of[producer] != self.group_of[consumer]:
            self._merge(self.group_of[producer], self.group_of[consumer])
        return Decision(self.node(producer), self.node(consumer), fused, rule, reason)

    def node(self, op: NNOp) -> Node:
        return Node(label(op, self.position[op]), op.name, shape_of(op.output) or ())

    def summary(self, ops: Sequence[NNOp]) -> GroupSummary:
        outputs = set(self.outputs(ops))
        removed = sum(4 * prod(shape_of(op.output) or ()) for op in ops if op.output not in outputs)
        anchor = anchor_of(ops)
        return GroupSummary([self.node(op) for op in ops], anchor.name, anchor.FUSION_KIND.value, removed)

    def _verdict(self, producer: NNOp, consumer: NNOp) -> tuple[str, str]:
        """("fused", why) or (the rule that refused, why)."""
        first, second = self.group_of[producer], self.group_of[consumer]
        if first == second:
            return "fused", ALREADY_FUSED
        for op in (producer, consumer):
            if op.FUSION_KIND is FusionKind.OPAQUE:
                return "opaque", f"{op.name} is opaque"
            if op.FUSION_KIND in self.options.disabled:
                return "disabled", f"fusion of {op.FUSION_KIND.value} ops is disabled"
        if self._reaches_through_another_group(first, second):
            return "cycle", "another group lies on a path between the two groups"
        merged = sorted(self.members[first] + self.members[second], key=self.position.__getitem__)
        if 0 < self.options.max_group_size < len(merged):
            return "size", f"the group would have {len(merged)} ops (max-group-size={self.options.max_group_size})"
        if (problem := kind_problem(merged)) is not None:
            return "kind", problem
        if (problem := self._output_problem(merged)) is not None:
            return "multi-consumer", problem
        separate = self._cost(self.members[first]) + self._cost(self.members[second])
        ratio = self._cost(merged) / max(separate, 1.0)
        if ratio > self.options.max_recompute:
            return "recompute", f"the fused kernel would do {ratio:.2f}x the work of the two kernels (max-recompute={self.options.max_recompute})"
        return "fused", describe_edge_kind(producer, consumer) + f" (work {ratio:.2f}x)"

    # -- group facts -----------------------------------------------------------

    def outputs(self, ops: Sequence[NNOp]) -> list[SSAValue]:
        """Values the group must store: used after it, or returned (the last op's if none is)."""
        inside = set(ops)
        used_outside = [op.output for op in ops if any(use.operation not in inside for use in op.output.uses)]
        return used_outside or [ops[-1].output]

    def _output_problem(self, ops: Sequence[NNOp]) -> str | None:
        outputs = self.outputs(ops)
        domain = shape_of(outputs[-1])
        for value in outputs:
            if shape_of(value) != domain:
                owner = value.owner
                assert isinstance(owner, NNOp)
                return (
                    f"{self.node(owner).label} ({owner.name}) is also used outside the group, and its shape "
                    f"{_fmt(shape_of(value))} is not the shape the group loops over, {_fmt(domain)}"
                )
        return None

    def _cost(self, ops: Sequence[NNOp]) -> float:
        key = frozenset(ops)
        if key not in self._costs:
            outputs = self.outputs(ops)
            kernel = build_kernel(Group(list(ops), outputs, outputs), "cost", at_bounds=bounds_of(self.function.attributes))
            self._costs[key] = kernel_cost(kernel)
        return self._costs[key]

    def _successors(self, group: int) -> set[int]:
        return {self.group_of[use.operation] for op in self.members[group] for use in op.output.uses if use.operation in self.group_of} - {group}

    def _reaches_through_another_group(self, source: int, target: int) -> bool:
        """Whether a path source -> X -> ... -> target exists with X another group."""
        pending = [g for g in self._successors(source) if g != target]
        seen = set(pending)
        while pending:
            group = pending.pop()
            for successor in self._successors(group):
                if successor == target:
                    return True
                if successor not in seen:
                    seen.add(successor)
                    pending.append(successor)
        return False

    def _producers(self, ops: Iterable[NNOp]) -> Iterable[NNOp]:
        """The planned ops that `ops` read."""
        return (p for op in ops for p in _operand_owners(op) if p in self.group_of)  # type: ignore[misc]

    def _merge(self, first: int, second: int) -> None:
        for op in self.members[first]:
            self.group_of[op] = second
        self.members[second] = sorted(self.members[second] + self.members.pop(first), key=self.position.__getitem__)

    def _groups_in_order(self) -> list[list[NNOp]]:
        """The groups in an order where each comes after the groups it reads (stable by first op)."""
        remaining = dict(self.members)
        ordered: list[list[NNOp]] = []
        while remaining:
            ready = min(
                (g for g in remaining if not any(self.group_of[p] in remaining and self.group_of[p] != g for p in self._producers(remaining[g]))),
                key=lambda g: self.position[remaining[g][0]],
            )
            ordered.append(remaining.pop(ready))
        return ordered


def _users(op: NNOp) -> Iterable[Operation]:
    return (use.operation for use in op.output.uses)


def _operand_owners(op: NNOp) -> Iterable[Operation]:
    return (value.owner for value in op.operands)  # type: ignore[misc]


def _reachable(start: NNOp, ops: set[NNOp], step: Callable[[NNOp], Iterable[Operation]]) -> set[NNOp]:
    """Ops of `ops` reached from `start` by repeated `step`s (users or producers) through ops of `ops`."""
    found: set[NNOp] = set()
    pending = [start]
    while pending:
        for op in step(pending.pop()):
            if op in ops and op not in found:
                found.add(op)  # type: ignore[arg-type]
                pending.append(op)  # type: ignore[arg-type]
    return found


def kind_problem(ops: Sequence[NNOp]) -> str | None:
    """Why these ops cannot form one loop nest by their kinds, or None."""
    heavy = [op for op in ops if op.FUSION_KIND is HEAVY]
    if len(heavy) > 1:
        return f"two {HEAVY.value} ops in one group ({heavy[0].name} and {heavy[1].name})"
    if not heavy:
        return None
    anchor, inside = heavy[0], set(ops)
    for op in sorted(_reachable(anchor, inside, _users), key=ops.index):
        if op.FUSION_KIND not in EPILOGUE_KINDS:
            return f"{op.name} ({op.FUSION_KIND.value}) cannot be part of the epilogue of {anchor.name}: only elementwise and broadcast ops can"
    for op in sorted(_reachable(anchor, inside, _operand_owners), key=ops.index):
        if op.FUSION_KIND not in PROLOGUE_KINDS:
            return f"{op.name} ({op.FUSION_KIND.value}) cannot be folded into the input reads of {anchor.name}: only elementwise, broadcast and injective ops can"
    return None


def describe_edge_kind(producer: NNOp, consumer: NNOp) -> str:
    if producer.FUSION_KIND is HEAVY:
        return f"epilogue of {producer.name}"
    if consumer.FUSION_KIND is HEAVY:
        return f"folded into the input reads of {consumer.name}"
    if consumer.FUSION_KIND is FusionKind.REDUCTION:
        return f"producer of {consumer.name}"
    return f"{producer.FUSION_KIND.value} -> {consumer.FUSION_KIND.value}"


def anchor_of(ops: Sequence[NNOp]) -> NNOp:
    """The op that gives a group its kind: the first of the most restrictive kind."""
    return max(ops, key=lambda op: (KIND_RANK[op.FUSION_KIND], -ops.index(op)))


def label(op: NNOp, number: int) -> str:
    """How the report names an op: its ONNX node name, else its result's SSA name, else its number."""
    location = op.location
    if isinstance(location, builtin.NameLoc):
        return f"'{location.desc.data}'"
    if op.output.name_hint:
        return f"%{op.output.name_hint}"
    return f"#{number}"


def _fmt(shape: Sequence[int] | None) -> str:
    return "[" + ", ".join(map(str, shape or ())) + "]"


# --------------------------------------------------------------------------- rewriting


def build_fused_op(ops: Sequence[NNOp], outputs: Sequence[SSAValue], before: Operation) -> FusedOp:
    """Move `ops` into a new nn.fused op inserted before `before`; outer uses of `outputs` take its results."""
    inside = set(ops)
    body = Block()
    arguments: dict[SSAValue, SSAValue] = {}
    splats: dict[SSAValue, SSAValue] = {}
    for op in ops:
        for number, value in enumerate(op.operands):
            if value.owner in inside:
                continue
            if isinstance(value.owner, ConstantOp) and value.owner.is_splat():
                if value not in splats:
                    copy = value.owner.clone()
                    body.add_op(copy)
                    splats[value] = copy.output
                op.operands[number] = splats[value]
                continue
            if value not in arguments:
                arguments[value] = body.insert_arg(value.type, len(body.args))
                arguments[value].name_hint = value.name_hint
            op.operands[number] = arguments[value]
    anchor = anchor_of(ops)
    fused = FusedOp(list(arguments), [v.type for v in outputs], Region(), anchor.name, anchor.FUSION_KIND)
    before.parent_block().insert_op_before(fused, before)  # type: ignore[union-attr]
    for op in ops:
        op.detach()
        body.add_op(op)
    body.add_op(YieldOp(list(outputs)))
    fused.body.add_block(body)
    for value, result in zip(outputs, fused.outputs):
        result.name_hint = value.name_hint
        value.replace_uses_with_if(result, lambda use: use.operation.parent_op() is not fused)
    return fused


def fuse_function(function: func.FuncOp, options: FuseOptions) -> FunctionReport:
    planner = _Planner(function, options)
    groups = planner.plan()
    summaries = [planner.summary(ops) for ops in groups]
    returned = function.get_return_op()
    assert returned is not None
    for ops in groups:
        if len(ops) == 1:
            ops[0].detach()
            function.body.block.insert_op_before(ops[0], returned)
        else:
            build_fused_op(ops, planner.outputs(ops), returned)
    return FunctionReport(function.sym_name.data, planner.decisions, summaries)


@dataclass(frozen=True)
class FusePass(ModulePass):
    """Greedy producer-consumer fusion of nn ops into nn.fused groups (one loop nest each).

    Options: `max-group-size` (0: no limit), `disable` (fusion kinds whose ops
    never fuse, e.g. "reduction,injective"), `max-recompute` (how much more
    scalar work a fused kernel may do than the kernels it replaces), `report`
    (a file for the decisions, "-" for stderr, JSON if it ends in .json) and
    `dot` (a Graphviz picture of the groups, SVG if it ends in .svg).
    """

    name = "fuse"

    max_group_size: int = 0
    disable: str = ""
    max_recompute: float = 1.5
    report: str = ""
    dot: str = ""

    def options(self) -> FuseOptions:
        kinds = {kind.value: kind for kind in FusionKind}
        disabled: set[FusionKind] = set()
        for name in filter(None, (n.strip() for n in self.disable.split(","))):
            if name not in kinds:
                raise OptFuseError(f"fuse: unknown fusion kind '{name}' in disable (expected some of {', '.join(kinds)})")
            disabled.add(kinds[name])
        if self.max_group_size < 0 or self.max_recompute <= 0:
            raise OptFuseError("fuse: max-group-size must be >= 0 and max-recompute > 0")
        return FuseOptions(self.max_group_size, frozenset(disabled), self.max_recompute)

    def apply(self, ctx: Context, op: builtin.ModuleOp) -> None:
        options = self.options()
        if needs_shape_inference(op):
            ShapeInferPass().apply(ctx, op)
        reports = [fuse_function(f, options) for f in op.ops if isinstance(f, func.FuncOp) and not f.is_declaration]
        if self.report:
            write_report(reports, self.report)
        if self.dot:
            write_dot(reports, self.dot)

