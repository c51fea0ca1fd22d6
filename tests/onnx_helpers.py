"""Helpers for end-to-end numerics tests: build small ONNX models, run them in
onnxruntime (the reference) and in opt-fuse, and compare the outputs.

Every model built here passes `onnx.checker.check_model(full_check=True)`, so a
failing numerics test points at the compiler, never at a malformed model.
Models are float32 only; integer tensors appear only as constant initializers
(Reshape's shape, Pad's pads, Reduce*'s axes).
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:  # so `import compiler.backend` works under plain `pytest`
    sys.path.insert(0, str(REPO_ROOT))

DEFAULT_OPSET = 17
MIN_IR_VERSION = 8  # IR >= 4 lets initializers stay out of graph.input, even at old opsets

Shape = Sequence[int]
Inputs = Sequence[np.ndarray] | Mapping[str, np.ndarray]


# --------------------------------------------------------------------------- building


def ir_version_for(opset: int) -> int:
    """The IR version to pair with `opset`: at least 8, more if the opset needs it (opset 21 -> 10)."""
    return max(MIN_IR_VERSION, helper.find_min_ir_version_for([helper.make_opsetid("", opset)]))


def make_graph_model(
    nodes: Sequence[onnx.NodeProto],
    inputs: Sequence[tuple[str, Shape]],
    outputs: Sequence[str | tuple[str, Shape | None]] = ("y",),
    initializers: Mapping[str, np.ndarray] | None = None,
    opset: int = DEFAULT_OPSET,
    name: str = "test",
) -> onnx.ModelProto:
    """A checked model from `nodes`.

    `inputs` are the graph inputs as (name, shape), float32, or (name, shape, TensorProto element
    type); `initializers` become
    constant tensors (not graph inputs). An output given by name only, or with
    shape None, gets its shape from ONNX shape inference.
    """
    initializers = dict(initializers or {})
    graph = helper.make_graph(
        list(nodes),
        name,
        [helper.make_tensor_value_info(i[0], i[2] if len(i) > 2 else TensorProto.FLOAT, list(i[1])) for i in inputs],
        [_output_info(o) for o in outputs],
        initializer=[numpy_helper.from_array(np.asarray(v), n) for n, v in initializers.items()],
    )
    model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", opset)],
        ir_version=ir_version_for(opset),
        producer_name="opt-fuse-tests",
    )
    model = _fill_output_shapes(model)
    onnx.checker.check_model(model, full_check=True)
    return model


def make_node_model(
    op_type: str,
    inputs: Sequence[tuple[str, Shape]],
    outputs: Sequence[str | tuple[str, Shape | None]] = ("y",),
    attrs: Mapping[str, object] | None = None,
    initializers: Mapping[str, np.ndarray] | None = None,
    opset: int = DEFAULT_OPSET,
    node_inputs: Sequence[str] | None = None,
) -> onnx.ModelProto:
    """A checked one-node model.

    The node reads `node_inputs` if given (use "" to skip an optional input,
    e.g. Clip(x, "", max)); by default the graph inputs followed by the
    initializers, in the order given.
    """
    initializers = dict(initializers or {})
    if node_inputs is None:
        node_inputs = [i[0] for i in inputs] + list(initializers)
    out_names = [o if isinstance(o, str) else o[0] for o in outputs]
    node = helper.make_node(op_type, list(node_inputs), out_names, **dict(attrs or {}))
    return make_graph_model([node], inputs, outputs, initializers, opset, name=op_type.lower())


def _output_info(output: str | tuple[str, Shape | None]) -> onnx.ValueInfoProto:
    """A name alone, or a shape of None, leaves the type to ONNX inference (the element type too: Less gives bools)."""
    name, shape = (output, None) if isinstance(output, str) else output
    if shape is None:
        return helper.make_tensor_value_info(name, TensorProto.UNDEFINED, None)
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, list(shape))


def _fill_output_shapes(model: onnx.ModelProto) -> onnx.ModelProto:
    """Give every output without a shape the shape that strict ONNX shape inference derives."""
    missing = [o for o in model.graph.output if not o.type.tensor_type.HasField("shape") or not o.type.tensor_type.elem_type]
    if not missing:
        return model
    inferred = onnx.shape_inference.infer_shapes(model, strict_mode=True, data_prop=True)
    known = {v.name: v for v in [*inferred.graph.output, *inferred.graph.value_info]}
    for out in missing:
        info = known.get(out.name)
        if info is None or not info.type.tensor_type.HasField("shape"):
            raise ValueError(f"shape inference gave no shape for output {out.name!r}")
        out.type.CopyFrom(info.type)
    return model


# --------------------------------------------------------------------------- inputs


def random_array(shape: Shape, rng: np.random.Generator, kind: str = "normal") -> np.ndarray:
    """Seeded float32 data. kinds: normal (has negatives), positive (>= 0.1, for Log/Sqrt/Pow bases),
    negative (<= -0.1, to catch a 0 used where -inf belongs), nonzero (|v| >= 0.5, for divisors),
    wide (normal * 8, for saturation of exp/tanh/sigmoid/erf), large (normal * 30, for softmax stability)."""
    v = np.asarray(rng.standard_normal(tuple(shape)), dtype=np.float32)  # 0-d stays an ndarray
    transforms = {
        "normal": lambda: v,
        "positive": lambda: np.abs(v) + 0.1,
        "negative": lambda: -np.abs(v) - 0.1,
        "nonzero": lambda: np.where(v < 0, v - 0.5, v + 0.5),
        "wide": lambda: v * 8,
        "large": lambda: v * 30,
    }
    if kind in transforms:
        return np.asarray(transforms[kind](), dtype=np.float32)
    raise ValueError(f"unknown input kind {kind!r}")


def graph_inputs(model: onnx.ModelProto) -> list[onnx.ValueInfoProto]:
    """The graph inputs a caller must feed (initializers listed in graph.input excluded)."""
    inits = {i.name for i in model.graph.initializer}
    return [i for i in model.graph.input if i.name not in inits]


def input_shape(info: onnx.ValueInfoProto) -> list[int]:
    return [d.dim_value for d in info.type.tensor_type.shape.dim]


def random_inputs(model: onnx.ModelProto, seed: int = 0, kinds: str | Mapping[str, str] = "normal") -> list[np.ndarray]:
    """One seeded random array per graph input, in graph-input order.

    `kinds` is one kind for all inputs, or {input name: kind} ("normal" for the rest)."""
    rng = np.random.default_rng(seed)
    out = []
    for info in graph_inputs(model):
        kind = kinds if isinstance(kinds, str) else kinds.get(info.name, "normal")
        elem_type = info.type.tensor_type.elem_type
        if elem_type == TensorProto.FLOAT:
            out.append(random_array(input_shape(info), rng, kind))
        else:
            out.append(random_integers(input_shape(info), rng, helper.tensor_dtype_to_np_dtype(elem_type), kind))
    return out


def random_integers(shape: Shape, rng: np.random.Generator, dtype: np.dtype, kind: str = "normal") -> np.ndarray:
    """Seeded integer or bool data: kind "normal" is -5..5 (0..255 for uint8, both values for bool);
    "range:LOW:HIGH" is LOW..HIGH-1 (gather indices, lengths)."""
    if np.dtype(dtype) == np.bool_:
        return np.asarray(rng.random(tuple(shape)) < 0.5)
    if kind.startswith("range:"):
        low, high = (int(v) for v in kind.split(":")[1:])
    elif kind == "normal":
        low, high = (0, 256) if np.dtype(dtype) == np.uint8 else (-5, 6)
    else:
        raise ValueError(f"unknown integer input kind {kind!r}")
    return np.asarray(rng.integers(low, high, size=tuple(shape)), dtype=dtype)


def _as_feed(model: onnx.ModelProto, inputs: Inputs) -> dict[str, np.ndarray]:
    names = [i.name for i in graph_inputs(model)]
    if isinstance(inputs, Mapping):
        return {n: inputs[n] for n in names}
    if len(inputs) != len(names):
        raise ValueError(f"model takes {len(names)} inputs {names}, got {len(inputs)}")
    return dict(zip(names, inputs))


# --------------------------------------------------------------------------- running


def run_onnxruntime(model: onnx.ModelProto, inputs: Inputs) -> list[np.ndarray]:
    """Reference outputs from onnxruntime (CPU provider, one intra-op thread), in graph-output order."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    # onnxruntime's QDQ rewrites are off: they compute another graph than the one given (its
    # propagation of a DequantizeLinear of int32 through a Reshape inserts a QuantizeLinear with
    # an int32 zero point, an invalid model, or without one a uint8 one that saturates: 24.1
    # becomes 6.2); the reference is the graph's own semantics, as opt-fuse computes them.
    options.add_session_config_entry("session.disable_quant_qdq", "1")
    session = ort.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])
    return session.run(None, _as_feed(model, inputs))


def run_opt_fuse(model: onnx.ModelProto, inputs: Inputs, **prepare_kwargs) -> list[np.ndarray]:
    """Outputs of opt-fuse through the ONNX backend API, in graph-output order."""
    from compiler import backend

    feed = _as_feed(model, inputs)
    rep = backend.prepare(model, **prepare_kwargs)
    return list(rep.run(list(feed.values())))


def describe_model(model: onnx.ModelProto) -> str:
    """One line per node, e.g. `Conv(x, W) -> y  {strides=[2, 2]}`, plus opset and input shapes."""
    opset = next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), "?")
    ins = ", ".join(f"{i.name}{input_shape(i)}" for i in graph_inputs(model))
    lines = [f"graph {model.graph.name!r} opset {opset}, inputs {ins}"]
    small_ints = [t for t in model.graph.initializer if t.data_type == onnx.TensorProto.INT64 and np.prod(t.dims) <= 8]
    if small_ints:  # Reshape's shape, Pad's pads, Reduce's axes: worth seeing in a failure
        lines.append("  constants " + ", ".join(f"{t.name}={numpy_helper.to_array(t).tolist()}" for t in small_ints))
    for node in model.graph.node:
        attrs = " ".join(f"{a.name}={_short(helper.get_attribute_value(a))}" for a in node.attribute)
        text = f"  {node.op_type}({', '.join(node.input)}) -> {', '.join(node.output)}"
        lines.append(text + (f"  {{{attrs}}}" if attrs else ""))
    return "\n".join(lines)


def _short(value: object) -> str:
    if isinstance(value, onnx.TensorProto):
        return f"<tensor {list(value.dims)}>"
    if isinstance(value, bytes):
        return value.decode()
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, list):
        return "[" + ", ".join(_short(v) for v in value) + "]"
    return str(value)


def assert_outputs_close(
    model: onnx.ModelProto,
    actual: Sequence[np.ndarray],
    expected: Sequence[np.ndarray],
    rtol: float = 1e-4,
    atol: float = 1e-5,
    context: str = "",
) -> None:
    """Compare opt-fuse outputs with reference outputs: count, shape, dtype, then values."""
    header = f"opt-fuse vs onnxruntime{' (' + context + ')' if context else ''}\n{describe_model(model)}"
    names = [o.name for o in model.graph.output]
    assert len(actual) == len(expected), f"{header}\nexpected {len(expected)} outputs {names}, got {len(actual)}"
    for name, got, want in zip(names, actual, expected):
        got = np.asarray(got)
        where = f"{header}\noutput {name!r}"
        assert got.shape == want.shape, f"{where}: shape {got.shape}, onnxruntime gives {want.shape}"
        assert got.dtype == want.dtype, f"{where}: dtype {got.dtype}, onnxruntime gives {want.dtype}"
        np.testing.assert_allclose(got, want, rtol=rtol, atol=atol, err_msg=where + _worst(got, want, rtol, atol))


def _worst(got: np.ndarray, want: np.ndarray, rtol: float, atol: float) -> str:
    """The element furthest outside the tolerance (error relative to atol + rtol * |expected|)."""
    if got.size == 0:
        return ""
    with np.errstate(invalid="ignore", divide="ignore"):
        err = np.abs(got.astype(np.float64) - want.astype(np.float64))
        err = np.where(got == want, 0.0, np.where(np.isnan(err), np.inf, err))  # equal infs are fine, NaNs are not
        err = err / (atol + rtol * np.abs(want.astype(np.float64)))
    idx = np.unravel_index(int(np.argmax(err)), got.shape)
    where = tuple(int(i) for i in idx)
    return f"\nworst element at {where}: opt-fuse {float(got[idx])!r}, onnxruntime {float(want[idx])!r}"


def assert_matches_onnxruntime(
    model: onnx.ModelProto, inputs: Inputs, rtol: float = 1e-4, atol: float = 1e-5, **prepare_kwargs
) -> list[np.ndarray]:
    """Run `model` in onnxruntime and in opt-fuse (backend.prepare(model, **prepare_kwargs).run)
    on the same inputs and assert every output matches. Returns the reference outputs."""
    expected = run_onnxruntime(model, inputs)
    actual = run_opt_fuse(model, inputs, **prepare_kwargs)
    context = ", ".join(f"{k}={v}" for k, v in prepare_kwargs.items())
    assert_outputs_close(model, actual, expected, rtol, atol, context)
    return expected


def fold_with_constant_inputs(model: onnx.ModelProto, inputs: Sequence[np.ndarray]) -> list[np.ndarray]:
    """The model's outputs as fold-constants computes them, with every graph input made a constant."""
    from xdsl.dialects import func

    from compiler import onnx_importer
    from compiler.driver import run_pipeline
    from compiler.ir_text import print_ir
    from dialects import nn

    module = onnx_importer.import_model(model, "m")
    function = next(op for op in module.walk() if isinstance(op, func.FuncOp))
    block = function.body.block
    for arg, array in zip(list(block.args), inputs):
        constant = nn.ConstantOp.from_array(array)
        block.insert_op_before(constant, block.first_op)  # type: ignore[arg-type]
        arg.replace_all_uses_with(constant.output)
    run_pipeline(module, "builtin.module(shape-infer,fold-constants)")
    returned = function.get_return_op()
    assert returned is not None
    assert all(isinstance(v.owner, nn.ConstantOp) for v in returned.operands), f"not folded:\n{print_ir(module)}"
    return [value.owner.array() for value in returned.operands]  # type: ignore[union-attr]
