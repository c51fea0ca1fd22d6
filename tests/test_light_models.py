"""The nine real architectures the onnx wheel ships (onnx/backend/test/data/light),
fused and unfused.

Two checks per model and fusion setting:

- The ONNX backend test harness (`onnx.backend.test.BackendTest` over
  `compiler.backend`): it feeds the model's dummy input and compares with the
  output file shipped beside it. Those models generate every weight with
  ConstantOfShape (one value per tensor), so their outputs are nearly uniform:
  the check proves the models import and run, but it is weak on numerics.
- Against onnxruntime with *random* weights: every ConstantOfShape weight is
  replaced by a seeded random initializer suited to its role (He-initialized
  conv/gemm weights, scales and variances near 1), so the output is a real,
  unsaturated distribution; the input is random; rtol 1e-3, and atol 1e-4 or 4e-6 of the
  largest output, whichever is larger: through ~50 random layers the logits reach 1e5-1e6
  (shufflenet), and a logit near 0 then carries the sums' rounding at that scale (0.46 on
  a logit of 371 among logits of 8e5, a summation order apart).

These are the slowest tests of the suite (the conv loops are naive, issue 6);
they run in CI regardless.
"""

from __future__ import annotations

import os
import tempfile
import warnings
from pathlib import Path

import numpy as np
import onnx
import onnx.backend.test
import pytest
from onnx import numpy_helper
from onnx_helpers import assert_matches_onnxruntime, random_inputs, run_onnxruntime

from compiler import backend

LIGHT_DIR = Path(onnx.__file__).parent / "backend" / "test" / "data" / "light"
MODELS = [
    "bvlc_alexnet",
    "densenet121",
    "inception_v1",
    "inception_v2",
    "resnet50",
    "shufflenet",
    "squeezenet",
    "vgg19",
    "zfnet512",
]

# BackendTest writes its dummy inputs under $ONNX_HOME/models/light; keep them out of the user's home.
_onnx_home = tempfile.TemporaryDirectory(prefix="opt-fuse-onnx-home-")
os.environ.setdefault("ONNX_HOME", _onnx_home.name)


class UnfusedBackend(backend.OptFuseBackend):
    """The same backend with fusion off: the baseline every fused result must agree with."""

    @classmethod
    def prepare(cls, model, device="CPU", **kwargs):  # type: ignore[override]
        return super().prepare(model, device, fuse=False, **kwargs)


def _backend_test_cases(backend_class: type, suffix: str) -> dict[str, type]:
    with warnings.catch_warnings(), np.errstate(all="ignore"):  # building the node cases warns on edge values
        warnings.simplefilter("ignore")
        suite = onnx.backend.test.BackendTest(backend_class, __name__)
    suite.include(r"^test_(" + "|".join(MODELS) + r")_cpu$")
    return {f"OnnxBackendRealModelTest{suffix}": suite.test_cases["OnnxBackendRealModelTest"]}


# unittest classes, one per harness; pytest collects their test_<model>_cpu methods.
globals().update(_backend_test_cases(backend.OptFuseBackend, "Fused"))
globals().update(_backend_test_cases(UnfusedBackend, "Unfused"))


def with_random_weights(model: onnx.ModelProto, seed: int = 0) -> onnx.ModelProto:
    """The model with each ConstantOfShape weight replaced by seeded random values suited to its role.

    Conv/Gemm weights are He-initialized (zero mean, variance 2 / fan-in), so activations
    keep their scale through 100+ layers and the final softmax is not saturated (a one-hot
    output would compare equal for almost any bug); scales and variances are drawn in
    [0.5, 1.5], shifts and means around 0."""
    rng = np.random.default_rng(seed)
    shapes = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
    consumers = _consumers(model.graph)
    randomized = onnx.ModelProto()
    randomized.CopyFrom(model)
    del randomized.graph.node[:]
    for node in model.graph.node:
        if node.op_type != "ConstantOfShape":
            randomized.graph.node.append(node)
            continue
        shape = [int(d) for d in shapes[node.input[0]]]
        weights = _random_weight(_role(node.output[0], consumers), shape, rng)
        randomized.graph.initializer.append(numpy_helper.from_array(weights.astype(np.float32), node.output[0]))
    return with_logits_output(randomized)


def with_logits_output(model: onnx.ModelProto) -> onnx.ModelProto:
    """The model with the input of its final Softmax as an extra output: residual nets
    (resnet50, shufflenet) grow their logits until the softmax is one-hot, which would hide
    any error; the logits themselves are compared with the relative tolerance."""
    producers = {name: node for node in model.graph.node for name in node.output}
    for output in list(model.graph.output):
        node = producers.get(output.name)
        if node is not None and node.op_type == "Softmax":
            model.graph.output.append(onnx.helper.make_tensor_value_info(node.input[0], onnx.TensorProto.FLOAT, None))
    return model


def _consumers(graph: onnx.GraphProto) -> dict[str, list[tuple[onnx.NodeProto, int]]]:
    uses: dict[str, list[tuple[onnx.NodeProto, int]]] = {}
    for node in graph.node:
        for position, name in enumerate(node.input):
            uses.setdefault(name, []).append((node, position))
    return uses


def _role(name: str, consumers: dict[str, list[tuple[onnx.NodeProto, int]]]) -> str:
    """weight, scale or shift: what the tensor does where it is first used (through Unsqueeze/Reshape)."""
    node, position = consumers[name][0]
    while node.op_type in ("Unsqueeze", "Reshape", "Identity"):
        node, position = consumers[node.output[0]][0]
    if node.op_type == "BatchNormalization":
        return "scale" if position in (1, 4) else "shift"
    if node.op_type in ("Conv", "Gemm", "MatMul") and position == 1:
        return "weight"
    return "scale" if node.op_type == "Mul" else "shift"


def _random_weight(role: str, shape: list[int], rng: np.random.Generator) -> np.ndarray:
    if role == "weight":
        fan_in = int(np.prod(shape[1:])) if len(shape) > 2 else shape[-1]
        return rng.normal(0.0, np.sqrt(2.0 / max(fan_in, 1)), size=shape)
    if role == "scale":
        return rng.uniform(0.5, 1.5, size=shape)
    return rng.normal(0.0, 0.1, size=shape)


@pytest.mark.parametrize("fuse", [True, False], ids=["fused", "unfused"])
@pytest.mark.parametrize("name", MODELS)
def test_light_model_with_random_weights_matches_onnxruntime(name: str, fuse: bool) -> None:
    model = with_random_weights(onnx.load(LIGHT_DIR / f"light_{name}.onnx"))
    inputs = random_inputs(model, seed=1)
    largest = max(float(np.max(np.abs(output))) for output in run_onnxruntime(model, inputs))
    assert_matches_onnxruntime(model, inputs, rtol=1e-3, atol=max(1e-4, 4e-6 * largest), fuse=fuse)


def test_random_weights_differ_from_the_shipped_constants() -> None:
    """The randomized model must not be the degenerate one (a test that cannot fail is no test)."""
    model = onnx.load(LIGHT_DIR / "light_squeezenet.onnx")
    randomized = with_random_weights(model)
    weights = [numpy_helper.to_array(t) for t in randomized.graph.initializer if t.data_type == onnx.TensorProto.FLOAT]
    assert sum(w.size > 1 and float(w.std()) > 0 for w in weights) >= 10
    assert not any(n.op_type == "ConstantOfShape" for n in randomized.graph.node)
    assert len(randomized.graph.output) == 2  # the probabilities and the logits before the softmax
