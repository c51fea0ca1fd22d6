"""What the `fuse` pass decided, for people and for tests.

Every producer -> consumer edge the pass considered is listed, fused or not,
with the rule that decided it; every group with its anchor, kind and the
bytes of intermediate tensors it no longer stores. Three renderings: text
(stable lines FileCheck can match), JSON, and a Graphviz picture with one
cluster per group. `reports_from_module` draws the same picture from the
nn.fused groups found in any module, whichever pass made them (`opt-fuse
--fusion-dot`).

    fuse @main: 9 ops in 3 groups; intermediate tensors no longer stored: 1536 bytes
      %sum (nn.add) -> %act (nn.relu): fused, elementwise -> elementwise (work 0.71x)
      %c1 (nn.conv2d) -> %c2 (nn.conv2d): not fused [kind] two out-elementwise-fusable ops in one group (...)
      group 0: nn.conv2d (out-elementwise-fusable): %c1 %b %act
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from xdsl.dialects import builtin, func
from xdsl.ir import BlockArgument, Operation, SSAValue

from compiler.errors import OptFuseError


@dataclass(frozen=True)
class Node:
    label: str
    """The ONNX node name, or the SSA name, or #N (the op's number in its function)."""
    op: str
    shape: tuple[int, ...]


@dataclass(frozen=True)
class Decision:
    producer: Node
    consumer: Node
    fused: bool
    rule: str
    """"fused", or the check that refused: opaque, disabled, size, kind, multi-consumer, cycle, recompute."""
    reason: str


@dataclass(frozen=True)
class GroupSummary:
    ops: list[Node]
    anchor: str
    kind: str
    removed_bytes: int
    """Bytes of the intermediate tensors that stay in registers."""


@dataclass(frozen=True)
class FunctionReport:
    function: str
    decisions: list[Decision]
    groups: list[GroupSummary]

    @property
    def removed_bytes(self) -> int:
        return sum(g.removed_bytes for g in self.groups)


def render_text(reports: Sequence[FunctionReport]) -> str:
    lines: list[str] = []
    for report in reports:
        ops = sum(len(g.ops) for g in report.groups)
        lines.append(
            f"fuse @{report.function}: {ops} ops in {len(report.groups)} groups; "
            f"intermediate tensors no longer stored: {report.removed_bytes} bytes"
        )
        for d in report.decisions:
            edge = f"{d.producer.label} ({d.producer.op}) -> {d.consumer.label} ({d.consumer.op})"
            verdict = f"fused, {d.reason}" if d.fused else f"not fused [{d.rule}] {d.reason}"
            lines.append(f"  {edge}: {verdict}")
        for number, group in enumerate(report.groups):
            members = " ".join(node.label for node in group.ops)
            lines.append(f"  group {number}: {group.anchor} ({group.kind}): {members}")
    return "\n".join(lines) + "\n"


def render_json(reports: Sequence[FunctionReport]) -> str:
    return json.dumps([asdict(r) | {"removed_bytes": r.removed_bytes} for r in reports], indent=2) + "\n"


def render_dot(reports: Sequence[FunctionReport]) -> str:
    lines = ["digraph fusion {", "  node [shape=box, fontname=monospace];"]
    for f, report in enumerate(reports):
        ids: dict[str, str] = {}
        for g, group in enumerate(report.groups):
            lines.append(f"  subgraph cluster_{f}_{g} {{")
            lines.append(f'    label="{_escape(group.anchor)} ({group.kind})"; style=rounded;')
            for n, node in enumerate(group.ops):
                ids[node.label] = f"f{f}g{g}n{n}"
                lines.append(f'    {ids[node.label]} [label="{_escape(node.op)}\\n{_escape(node.label)}"];')
            lines.append("  }")
        for d in report.decisions:
            style = "" if d.fused else f' [style=dashed, label="{_escape(d.rule)}"]' if d.rule else " [style=dashed]"
            lines.append(f"  {ids[d.producer.label]} -> {ids[d.consumer.label]}{style};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def write_report(reports: Sequence[FunctionReport], path: str) -> None:
    """"-" is stderr; a .json path gets JSON; anything else the text form."""
    text = render_json(reports) if path.endswith(".json") else render_text(reports)
    if path == "-":
        sys.stderr.write(text)
        return
    _write(path, text)


def write_dot(reports: Sequence[FunctionReport], path: str, who: str = "fuse") -> None:
    """The picture as Graphviz text, or as SVG when `path` ends in .svg (needs the `dot` program).

    `who` starts the error messages (the pass, or the tool's flag)."""
    text = render_dot(reports)
    if not path.endswith(".svg"):
        _write(path, text, who)
        return
    dot = shutil.which("dot")
    if dot is None:
        raise OptFuseError(f"{who}: writing {path} needs Graphviz's `dot` program; install graphviz, or ask for a .dot file")
    result = subprocess.run([dot, "-Tsvg", "-o", path], input=text, text=True, capture_output=True, check=False)
    if result.returncode != 0:
        raise OptFuseError(f"{who}: dot failed on the fusion picture: {result.stderr.strip()}")


def _write(path: str, text: str, who: str = "fuse") -> None:
    try:
        Path(path).write_text(text)
    except OSError as error:
        raise OptFuseError(f"{who}: cannot write {path}: {error.strerror}") from None


# --------------------------------------------------------------------------- from a module


def reports_from_module(module: builtin.ModuleOp) -> list[FunctionReport]:
    """The groups of each function as they are: an nn.fused op is a group, any other nn op a group of one.

    Edges are the data flow between nn ops: solid inside a group, dashed
    between groups (no rule: this is what some pass decided, not why)."""
    from dialects.nn import ConstantOp, FusedOp, NNOp, shape_of

    reports: list[FunctionReport] = []
    for function in module.ops:
        if not isinstance(function, func.FuncOp) or function.is_declaration:
            continue
        kernels: list[tuple[Operation, list[NNOp]]] = []
        for op in function.body.block.ops:
            if isinstance(op, FusedOp):
                kernels.append((op, [m for m in op.members() if not isinstance(m, ConstantOp)]))
            elif isinstance(op, NNOp) and not isinstance(op, ConstantOp):
                kernels.append((op, [op]))
        nodes: dict[NNOp, Node] = {}
        group_of: dict[NNOp, int] = {}
        labels: set[str] = set()
        for number, (_, members) in enumerate(kernels):
            for op in members:
                text = _label(op, len(nodes))
                if text in labels:  # decomposed ONNX nodes share a name: keep the picture's nodes apart
                    text = f"{text}#{len(nodes)}"
                labels.add(text)
                nodes[op] = Node(text, op.name, shape_of(op.output) or ())
                group_of[op] = number
        decisions: list[Decision] = []
        for consumer in nodes:
            for value in dict.fromkeys(consumer.operands):
                producer = _producer(value)
                if isinstance(producer, NNOp) and producer in nodes:
                    same = group_of[producer] == group_of[consumer]
                    decisions.append(Decision(nodes[producer], nodes[consumer], same, "fused" if same else "", ""))
        groups: list[GroupSummary] = []
        for kernel, members in kernels:
            yielded = set(kernel.yielded) if isinstance(kernel, FusedOp) else {members[-1].output}
            removed = sum(4 * _elements(shape_of(op.output)) for op in members if op.output not in yielded)
            anchor, kind = (kernel.anchor.data, kernel.kind.data) if isinstance(kernel, FusedOp) else (kernel.name, members[0].FUSION_KIND.value)
            groups.append(GroupSummary([nodes[op] for op in members], anchor, kind, removed))
        reports.append(FunctionReport(function.sym_name.data, decisions, groups))
    return reports


def _producer(value: SSAValue) -> Operation | None:
    """The nn op computing `value`, seen through nn.fused boundaries (block arguments and results)."""
    from dialects.nn import FusedOp

    if isinstance(value, BlockArgument):
        parent = value.block.parent_op()
        return _producer(parent.inputs[value.index]) if isinstance(parent, FusedOp) else None
    owner = value.owner
    if isinstance(owner, FusedOp):
        return _producer(owner.yielded[owner.outputs.index(value)])  # type: ignore[arg-type]
    return owner  # type: ignore[return-value]


def _label(op: Operation, number: int) -> str:
    """As the fuse report names an op: its ONNX node name, else its SSA name, else its number."""
    if isinstance(op.location, builtin.NameLoc):
        return f"'{op.location.desc.data}'"
    if op.results and op.results[0].name_hint:
        return f"%{op.results[0].name_hint}"
    return f"#{number}"


def _elements(shape: Sequence[int] | None) -> int:
    count = 1
    for dim in shape or ():
        count *= dim if isinstance(dim, int) else 0  # a symbolic dim: unknown bytes, counted as none
    return count
