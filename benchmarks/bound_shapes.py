"""Bound shapes: what one library compiled at the bounds costs, in memory and in time.

    python benchmarks/bound_shapes.py                 # encoder and squeezenet
    python benchmarks/bound_shapes.py --quick         # smaller encoder only, few rounds (CI smoke)
    python benchmarks/bound_shapes.py --json out.json

Two models with a symbolic batch (bound 8): a transformer encoder (also a
symbolic sequence length, bound 128) built here with onnx.helper, and
squeezenet from onnx's light models with real random weights and its batch dim
made symbolic (`input_shapes`).

- Memory, at the bounds: opt-fuse's arena (every intermediate buffer, planned
  once by plan-memory at the bounds) and the sum of the buffers it replaces;
  and the peak resident memory that loading the model and one run add to a
  forked process (VmHWM after `clear_refs`, minus VmRSS before loading), for
  opt-fuse and onnxruntime (default options, 1 thread). onnxruntime does not
  report an arena size; its peak RSS is the comparison.
- The cost of generality: latency at batch 1 of the bound-8 library against a
  library compiled for that exact static shape, in alternating runs, medians
  and their ratio (the goal is below 1.05).

Quote ratios, not absolute times: the machine is shared.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.fusion import round_robin_medians
from benchmarks.light_models import LIGHT_DIR, with_random_weights
from benchmarks.side_by_side import onnxruntime_session
from compiler.driver import Artifacts, compile_model
from compiler.runtime import NativeModel
from dialects.dims import Dim, symbol


def encoder_model(width: int = 256, heads: int = 4, hidden: int = 1024, seed: int = 0) -> onnx.ModelProto:
    """One post-norm transformer encoder layer over x[batch, seq, width]."""
    rng = np.random.default_rng(seed)
    head = width // heads

    def weight(name: str, *shape: int) -> onnx.TensorProto:
        return numpy_helper.from_array((rng.standard_normal(shape) / np.sqrt(shape[0])).astype(np.float32), name)

    weights = [
        weight("w_qkv", width, 3 * width), weight("w_out", width, width), weight("w_up", width, hidden), weight("w_down", hidden, width),
        numpy_helper.from_array(np.ones(width, np.float32), "ln_scale"), numpy_helper.from_array(np.zeros(width, np.float32), "ln_bias"),
        numpy_helper.from_array(np.array([0], np.int64), "zero"), numpy_helper.from_array(np.array([1], np.int64), "one"),
        numpy_helper.from_array(np.array([heads, head], np.int64), "heads"), numpy_helper.from_array(np.array([width], np.int64), "width"),
        numpy_helper.from_array(np.array(1 / np.sqrt(head), np.float32), "scale"),
    ]  # fmt: skip
    n = helper.make_node
    nodes = [
        n("MatMul", ["x", "w_qkv"], ["qkv"]),
        n("Split", ["qkv"], ["q", "k", "v"], axis=-1, num_outputs=3),
        n("Shape", ["x"], ["shape"]),
        n("Gather", ["shape", "zero"], ["b"], axis=0),
        n("Gather", ["shape", "one"], ["s"], axis=0),
        n("Concat", ["b", "s", "heads"], ["split_shape"], axis=0),
        n("Concat", ["b", "s", "width"], ["merged_shape"], axis=0),
        *(n("Reshape", [t, "split_shape"], [f"{t}4"]) for t in "qkv"),
        n("Transpose", ["q4"], ["qt"], perm=[0, 2, 1, 3]),
        n("Transpose", ["k4"], ["kt"], perm=[0, 2, 3, 1]),
        n("Transpose", ["v4"], ["vt"], perm=[0, 2, 1, 3]),
        n("MatMul", ["qt", "kt"], ["scores"]),
        n("Mul", ["scores", "scale"], ["scaled"]),
        n("Softmax", ["scaled"], ["probs"], axis=-1),
        n("MatMul", ["probs", "vt"], ["context"]),
        n("Transpose", ["context"], ["context_t"], perm=[0, 2, 1, 3]),
        n("Reshape", ["context_t", "merged_shape"], ["merged"]),
        n("MatMul", ["merged", "w_out"], ["attn"]),
        n("Add", ["x", "attn"], ["r1"]),
        n("LayerNormalization", ["r1", "ln_scale", "ln_bias"], ["h"], axis=-1),
        n("MatMul", ["h", "w_up"], ["up"]),
        n("Gelu", ["up"], ["act"]),
        n("MatMul", ["act", "w_down"], ["down"]),
        n("Add", ["h", "down"], ["r2"]),
        n("LayerNormalization", ["r2", "ln_scale", "ln_bias"], ["y"], axis=-1),
    ]
    graph = helper.make_graph(
        nodes,
        "encoder",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", "seq", width])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", "seq", width])],
        weights,
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 20)], ir_version=9)


def squeezenet_model() -> onnx.ModelProto:
    """squeezenet with real weights, its batch dim named (onnxruntime then runs any batch)."""
    model = with_random_weights(onnx.load(str(LIGHT_DIR / "light_squeezenet.onnx")))
    initializers = {t.name for t in model.graph.initializer}
    for value in (*(i for i in model.graph.input if i.name not in initializers), *model.graph.output):
        value.type.tensor_type.shape.dim[0].dim_param = "batch"
    return model


@dataclass(frozen=True)
class Case:
    name: str
    model: onnx.ModelProto
    bounds: dict[str, int]
    symbolic_shape: tuple[Dim, ...]
    """The input's shape with the symbols (the model has one input)."""

    def shape_at(self, values: Mapping[str, int]) -> list[int]:
        return [d if isinstance(d, int) else values[str(d)] for d in self.symbolic_shape]


def cases(quick: bool) -> list[Case]:
    batch, seq = symbol("batch"), symbol("seq")
    if quick:
        return [Case("encoder-small", encoder_model(width=64, heads=4, hidden=128), {"batch": 4, "seq": 16}, (batch, seq, 64))]
    return [
        Case("encoder", encoder_model(), {"batch": 8, "seq": 128}, (batch, seq, 256)),
        Case("squeezenet", squeezenet_model(), {"batch": 8}, (batch, 3, 224, 224)),
    ]


@dataclass
class Result:
    model: str
    bounds: dict[str, int]
    arena_mib: float
    unplanned_mib: float
    opt_fuse_peak_rss_mib: float
    ort_peak_rss_mib: float
    general_ms: float
    """Batch 1 with the library compiled at the bounds."""
    static_ms: float
    """Batch 1 with a library compiled for exactly that shape."""
    generality_cost: float
    """general_ms / static_ms."""


def _status_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"no {field} in /proc/self/status")


def _peak_rss_child(engine: str, payload: object, inputs: list[np.ndarray], queue: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    """Runs in a forked process: the resident memory that loading the model and one run add
    (the peak is reset to the current resident size first, so what the parent holds does not count)."""
    Path("/proc/self/clear_refs").write_text("5")  # reset VmHWM to the current RSS
    before = _status_kib("VmRSS")
    if engine == "opt-fuse":
        library, signature = payload  # type: ignore[misc]
        NativeModel(library, signature).run(inputs)
    else:
        import onnxruntime

        onnxruntime.set_default_logger_severity(3)
        session = onnxruntime_session(onnx.load_from_string(payload), 1)  # type: ignore[arg-type]
        session.run(None, {session.get_inputs()[0].name: inputs[0]})
    queue.put((_status_kib("VmHWM") - before) / 1024)


def peak_rss_mib(engine: str, payload: object, inputs: list[np.ndarray]) -> float:
    context = multiprocessing.get_context("fork")  # spawn would re-import this file by module name, which a by-path load (the CI smoke test) lacks
    queue = context.Queue()
    child = context.Process(target=_peak_rss_child, args=(engine, payload, inputs, queue))
    child.start()
    child.join(timeout=600)
    if child.exitcode != 0 or queue.empty():
        raise RuntimeError(f"the {engine} child process failed (exit code {child.exitcode})")
    return float(queue.get())


def compile_case(case: Case, workdir: str, static_shape: Sequence[int] | None = None) -> Artifacts:
    initializers = {t.name for t in case.model.graph.initializer}
    name = next(i.name for i in case.model.graph.input if i.name not in initializers)
    if static_shape is None:
        return compile_model(case.model, workdir, kinds=("so",), dim_bounds=case.bounds, input_shapes={name: case.symbolic_shape})
    return compile_model(case.model, workdir, kinds=("so",), input_shapes={name: tuple(static_shape)})


def measure(case: Case, rounds: int, budget: float) -> Result:
    with tempfile.TemporaryDirectory(prefix="opt-fuse-bound-") as general_dir, tempfile.TemporaryDirectory(prefix="opt-fuse-static-") as static_dir:
        general = compile_case(case, general_dir)
        at_bounds = [np.random.default_rng(0).standard_normal(case.shape_at(case.bounds)).astype(np.float32)]
        ours = peak_rss_mib("opt-fuse", (general.files["so"], general.signature), at_bounds)
        theirs = peak_rss_mib("onnxruntime", case.model.SerializeToString(), at_bounds)
        batch_one = {name: 1 if name == "batch" else bound for name, bound in case.bounds.items()}
        static = compile_case(case, static_dir, case.shape_at(batch_one))
        x = [np.random.default_rng(1).standard_normal(case.shape_at(batch_one)).astype(np.float32)]
        general_model, static_model = NativeModel(general.files["so"], general.signature), NativeModel(static.files["so"], static.signature)
        np.testing.assert_allclose(general_model.run(x)[0], static_model.run(x)[0], rtol=1e-4, atol=1e-5)
        (general_s, static_s), _ = round_robin_medians([lambda: general_model.run(x), lambda: static_model.run(x)], rounds, budget)
        general_ms, static_ms = general_s * 1e3, static_s * 1e3
    mib = 1 << 20
    return Result(
        case.name, case.bounds, (general.arena_bytes or 0) / mib, (general.unplanned_bytes or 0) / mib,
        ours, theirs, general_ms, static_ms, general_ms / static_ms,
    )  # fmt: skip


def table(results: Sequence[Result]) -> str:
    lines = [
        "| model | bounds | arena MiB | buffers it replaces MiB | peak RSS opt-fuse MiB | peak RSS onnxruntime MiB | batch 1: bound-8 / static |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        bounds = ", ".join(f"{k}<={v}" for k, v in r.bounds.items())
        lines.append(
            f"| {r.model} | {bounds} | {r.arena_mib:.1f} | {r.unplanned_mib:.1f} | {r.opt_fuse_peak_rss_mib:.1f} "
            f"| {r.ort_peak_rss_mib:.1f} | {r.generality_cost:.3f} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a small encoder and few rounds (CI smoke)")
    parser.add_argument("--rounds", type=int, default=None, help="alternating timing rounds (default 31, --quick 5)")
    parser.add_argument("--seconds", type=float, default=None, help="timing budget per model (default 20, --quick 2)")
    parser.add_argument("--json", type=Path, default=None, help="also write the results here")
    args = parser.parse_args(argv)
    rounds = args.rounds or (5 if args.quick else 31)
    budget = args.seconds or (2.0 if args.quick else 20.0)
    results = []
    for case in cases(args.quick):
        results.append(measure(case, rounds, budget))
        print(f"measured {case.name}", file=sys.stderr, flush=True)
    print(table(results))
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in results], indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
