"""--check-numerics (compiler/numerics.py): it must name the group that is wrong, and only that one.

Each test makes one fused group compute something else than the unfused ops it
came from, the way a fusion bug would: the op semantics are changed for ops inside
an nn.fused body only (a bug in how a group composes its members), or a pass after
`fuse` rewrites an op inside a group. A check that passes whatever the groups
compute would fail these tests.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pytest
from onnx import helper
from onnx_helpers import make_graph_model, random_array
from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.passes import ModulePass

from compiler import api, plugins
from compiler.numerics import inline_groups
from dialects import nn
from dialects.semantics import Scalar


def model():  # type: ignore[no-untyped-def]
    """conv -> relu | global pool -> sub -> tanh | mul: three groups after fuse, named nodes."""
    rng = np.random.default_rng(1)
    nodes = [
        helper.make_node("Conv", ["x", "W"], ["c"], name="conv", pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["c"], ["r"], name="relu"),
        helper.make_node("GlobalAveragePool", ["r"], ["g"], name="pool"),
        helper.make_node("Sub", ["r", "g"], ["s"], name="center"),
        helper.make_node("Tanh", ["s"], ["t"], name="squash"),
        helper.make_node("MatMul", ["t", "M"], ["y"], name="mix"),
    ]
    inits = {"W": random_array([4, 2, 3, 3], rng), "M": random_array([6, 6], rng)}
    return make_graph_model(nodes, [("x", [1, 2, 6, 6])], initializers=inits)


def groups_of(report) -> list[tuple[str, ...]]:  # type: ignore[no-untyped-def]
    return [g.members for g in report.groups]


@pytest.fixture
def tanh_wrong_when_fused(monkeypatch: pytest.MonkeyPatch) -> None:
    """nn.tanh computes -tanh(x), but only inside an nn.fused body: a composition bug."""
    original = nn.TanhOp.scalar

    def scalar(self: nn.TanhOp, x: Scalar) -> Scalar:
        value = original(self, x)
        return -value if isinstance(self.parent_op(), nn.FusedOp) else value

    monkeypatch.setattr(nn.TanhOp, "scalar", scalar)


def test_a_correct_pipeline_passes() -> None:
    report = api.check_numerics(api.load(model()))
    assert report.error() is None, report.render()
    assert any(len(members) > 1 for members in groups_of(report))  # there was fusion to check
    assert all(v.ok for g in report.groups for v in g.values) and not report.not_compared


def test_the_group_with_the_wrong_op_is_named(tanh_wrong_when_fused: None) -> None:
    report = api.check_numerics(api.load(model()))
    first = report.first_divergent
    assert first is not None, report.render()
    assert "'squash'" in first.members and "'conv'" not in first.members
    before = report.groups[: first.number]
    assert before and all(g.ok for g in before)  # the groups before it were compared, and match
    error = str(report.error())
    assert error.startswith(f"check-numerics: group {first.number}, ONNX nodes ")
    assert "'squash'" in error and "diverges from the unfused ops" in error


@dataclass(frozen=True)
class ReluToNegInGroups(ModulePass):
    """Deliberately wrong: replaces each nn.relu inside a group by a new nn.neg with the same name."""

    name = "relu-to-neg-in-groups"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        for relu in [o for o in op.walk() if isinstance(o, nn.ReluOp) and isinstance(o.parent_op(), nn.FusedOp)]:
            neg = nn.NegOp(relu.input, relu.result.type)
            neg.result.name_hint = relu.result.name_hint
            relu.parent_block().insert_op_before(neg, relu)  # type: ignore[union-attr]
            relu.result.replace_all_uses_with(neg.result)
            relu.detach()
            relu.erase()


@pytest.fixture
def relu_to_neg() -> Iterator[None]:
    plugins._passes["relu-to-neg-in-groups"] = (ReluToNegInGroups, "tests/test_numerics.py")
    yield
    del plugins._passes["relu-to-neg-in-groups"]


def test_a_value_made_after_fusion_is_matched_by_its_name(relu_to_neg: None) -> None:
    """The new op has no unfused twin by identity; its name (the ONNX tensor's) finds it."""
    report = api.check_numerics(api.load(model()), "shape-infer,fuse,relu-to-neg-in-groups")
    first = report.first_divergent
    assert first is not None and "'conv'" in first.members, report.render()
    assert not report.not_compared


def test_inlining_a_group_gives_back_the_unfused_ops() -> None:
    module = api.load(model())
    api.run_pipeline(module, "shape-infer,fuse")
    function = next(iter(module.ops))
    inline_groups(function)  # type: ignore[arg-type]
    api.run_pipeline(module, "shape-infer")  # verifies
    assert "nn.fused" not in api.to_text(module)
    assert [op.name for op in function.walk() if isinstance(op, nn.NNOp) and not isinstance(op, nn.ConstantOp)] == [
        "nn.conv2d", "nn.relu", "nn.global_avg_pool", "nn.sub", "nn.tanh", "nn.matmul",
    ]  # fmt: skip
