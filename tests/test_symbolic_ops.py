"""Every op with a symbolic leading dim: the cases of test_ops.py, made dynamic.

For each case, the leading dim of the first graph input (and of every other
input of the same rank with the same leading size) becomes the symbol `n`,
bounded at its size + 2, and the compiled library runs at the original size
and at the bound, against onnxruntime on the same dynamic model. An op may
refuse a symbolic dim with a clear error (the test skips and shows the
message: a partial capability reported as partial); it must never compute a
wrong number.

CI runs every third case (fused); a full run:

    OPT_FUSE_SYMBOLIC_EVERY=1 python -m pytest tests/test_symbolic_ops.py
"""

from __future__ import annotations

import os

import numpy as np
import onnx
import pytest
from onnx_helpers import assert_outputs_close, graph_inputs, random_array, run_onnxruntime
from test_ops import CASES

from compiler import backend
from compiler.errors import OptFuseError

EVERY = int(os.environ.get("OPT_FUSE_SYMBOLIC_EVERY", "3"))


def with_symbolic_leading_dim(model: onnx.ModelProto) -> tuple[onnx.ModelProto, int] | None:
    """The model with the leading dim `n` where the first input has one of size >= 2, and that size."""
    inputs = graph_inputs(model)
    if not inputs:
        return None
    first = inputs[0].type.tensor_type.shape.dim
    if not first or first[0].dim_value < 2:
        return None
    rank, size = len(first), first[0].dim_value
    dynamic = onnx.ModelProto()
    dynamic.CopyFrom(model)
    names = {i.name for i in inputs}
    for value in dynamic.graph.input:
        dims = value.type.tensor_type.shape.dim
        if value.name in names and len(dims) == rank and dims[0].dim_value == size:
            dims[0].dim_param = "n"
    for value in dynamic.graph.output:
        value.type.tensor_type.ClearField("shape")
    return dynamic, size


def inputs_at(model: onnx.ModelProto, n: int, kinds: object, seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    arrays = []
    for info in graph_inputs(model):
        shape = [n if d.dim_param == "n" else d.dim_value for d in info.type.tensor_type.shape.dim]
        kind = kinds if isinstance(kinds, str) else kinds.get(info.name, "normal")  # type: ignore[attr-defined]
        arrays.append(random_array(shape, rng, kind))
    return arrays


@pytest.mark.parametrize("build, kinds, prepare_kwargs", CASES[::EVERY])
def test_op_with_a_symbolic_leading_dim(build, kinds, prepare_kwargs) -> None:
    made = with_symbolic_leading_dim(build())
    if made is None:
        pytest.skip("no graph input with a leading dim of at least 2")
    model, size = made
    bound = size + 2
    try:
        rep = backend.prepare(model, dim_bounds={"n": bound}, **prepare_kwargs)
    except OptFuseError as error:
        pytest.skip(f"refused with a clear error: {error}")
    for n in (size, bound):
        inputs = inputs_at(model, n, kinds, seed=n)
        assert_outputs_close(model, rep.run(inputs), run_onnxruntime(model, inputs), rtol=1e-4, atol=1e-5, context=f"n={n} (bound {bound})")
