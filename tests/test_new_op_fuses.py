"""A new op fuses with everything for free.

HardSwish is defined here, in a test module: one op class stating its scalar
semantics and its fusion kind, plus an importer entry. Neither `fuse` nor
`lower-to-loops` mentions it, yet it joins a conv's epilogue and an elementwise
chain, and the fused code matches onnxruntime (which has HardSwish built in).
An op declared opaque is left alone with the reason in the report.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import pytest
from onnx import helper
from onnx_helpers import assert_matches_onnxruntime, make_graph_model, random_array, random_inputs
from xdsl.irdl import irdl_op_definition

from compiler import onnx_importer
from compiler.driver import run_pipeline
from dialects import nn
from dialects.semantics import Scalar


@irdl_op_definition
class HardSwishOp(nn.UnaryOp):
    """x * clip(x / 6 + 1/2, 0, 1), as ONNX HardSwish."""

    name = "test.hard_swish"

    def scalar(self, x: Scalar) -> Scalar:
        return x * (x * (1.0 / 6.0) + 0.5).max(0.0).min(1.0)


@irdl_op_definition
class OpaqueReluOp(nn.UnaryOp):
    """ReLU, declared opaque: the fusion pass must keep it alone."""

    name = "test.opaque_relu"
    FUSION_KIND: ClassVar[nn.FusionKind] = nn.FusionKind.OPAQUE

    def scalar(self, x: Scalar) -> Scalar:
        return x.max(0.0)


def _unary_importer(op_class: type[nn.UnaryOp]) -> onnx_importer.Importer:
    def import_node(importer, node):  # type: ignore[no-untyped-def]
        return [importer.emit(op_class(importer.input(node, 0)))]

    return import_node


@pytest.fixture(autouse=True)
def test_ops_known_to_the_importer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(onnx_importer.IMPORTERS, "HardSwish", _unary_importer(HardSwishOp))
    monkeypatch.setitem(onnx_importer.IMPORTERS, "Relu", _unary_importer(OpaqueReluOp))


def fused_groups(model) -> list[list[str]]:
    """The op names inside each nn.fused group after shape-infer and fuse."""
    module = onnx_importer.import_model(model, "m")
    run_pipeline(module, "builtin.module(shape-infer,fuse)")
    return [[op.name for op in f.members() if not isinstance(op, nn.ConstantOp)] for f in module.walk() if isinstance(f, nn.FusedOp)]


def conv_epilogue_model():
    rng = np.random.default_rng(3)
    nodes = [
        helper.make_node("Conv", ["x", "W"], ["c"], kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
        helper.make_node("HardSwish", ["c"], ["h"]),
        helper.make_node("Add", ["h", "B"], ["y"]),
    ]
    inits = {"W": random_array([4, 3, 3, 3], rng), "B": random_array([4, 1, 1], rng)}
    return make_graph_model(nodes, [("x", [1, 3, 6, 6])], initializers=inits)


def elementwise_chain_model():
    nodes = [
        helper.make_node("Mul", ["x", "s"], ["m"]),
        helper.make_node("HardSwish", ["m"], ["h"]),
        helper.make_node("Sigmoid", ["h"], ["g"]),
        helper.make_node("Sub", ["g", "x"], ["y"]),
    ]
    return make_graph_model(nodes, [("x", [2, 3, 5]), ("s", [5])])


@pytest.mark.parametrize(
    "build, group",
    [
        (conv_epilogue_model, ["nn.conv2d", "test.hard_swish", "nn.add"]),
        (elementwise_chain_model, ["nn.mul", "test.hard_swish", "nn.sigmoid", "nn.sub"]),
    ],
)
def test_new_op_fuses_and_matches_onnxruntime(build, group: list[str]) -> None:
    model = build()
    assert fused_groups(model) == [group]
    inputs = random_inputs(model, seed=0, kinds="wide")  # wide: both sides of the clip
    for fuse in (True, False):
        assert_matches_onnxruntime(model, inputs, rtol=1e-4, atol=1e-5, fuse=fuse)


def test_opaque_op_stays_alone(tmp_path) -> None:
    nodes = [
        helper.make_node("Neg", ["x"], ["n"]),
        helper.make_node("Relu", ["n"], ["r"]),  # imported as test.opaque_relu here
        helper.make_node("Exp", ["r"], ["y"]),
    ]
    model = make_graph_model(nodes, [("x", [4, 4])])
    module = onnx_importer.import_model(model, "m")
    report = tmp_path / "report.txt"
    run_pipeline(module, f'builtin.module(shape-infer,fuse{{report="{report}"}})')
    assert not [op for op in module.walk() if isinstance(op, nn.FusedOp)]
    text = report.read_text()
    assert "'Neg_0' (nn.neg) -> 'Relu_1' (test.opaque_relu): not fused [opaque] test.opaque_relu is opaque" in text
    assert_matches_onnxruntime(model, random_inputs(model, seed=1), rtol=1e-4, atol=1e-5)
