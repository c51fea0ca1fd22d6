"""One conv or matmul at a time: opt-fuse's kernel against onnxruntime's, as a fraction of peak.

    python benchmarks/kernel_shapes.py --limits benchmarks/machine-limits-latest.json \\
        --json benchmarks/kernel-shapes-latest.json          # every shape (a few minutes)
    python benchmarks/kernel_shapes.py --only conv3x3,gemm    # names containing these
    python benchmarks/kernel_shapes.py --quick                # CI smoke: one small shape, one round

The shapes are the ones that dominate the light models (resnet50's 3x3 and 1x1
convs, its stride-2 and 7x7 stem convs, a depthwise conv, a transposed-weight
Gemm as in every classifier head) plus the issue's 1024^3 GEMM. Each is a
one-node ONNX model (conv + bias + Relu, the usual fused epilogue) with random
weights; opt-fuse (default pipeline, num_threads 1) and onnxruntime (default
graph optimizations, 1 intra-op thread) run the same input in round robin,
each into an output allocated once; medians. Achieved GFLOP/s (2 flops per multiply-add) as a fraction of the
one-core FMA peak that machine_limits.py measured. Quote ratios and fractions:
the machine is shared.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import machine_limits
from benchmarks.fusion import geomean, round_robin_medians
from benchmarks.side_by_side import onnxruntime_into, onnxruntime_session, opt_fuse_into
from compiler import backend


@dataclass(frozen=True)
class Shape:
    name: str
    model: onnx.ModelProto
    flops: float


def conv(name: str, channels: int, filters: int, size: int, kernel: int, stride: int = 1, pad: int = 0, groups: int = 1) -> Shape:
    rng = np.random.default_rng(0)
    weight = (rng.standard_normal((filters, channels // groups, kernel, kernel)) * 0.1).astype(np.float32)
    bias = rng.standard_normal(filters).astype(np.float32)
    nodes = [
        helper.make_node("Conv", ["x", "w", "b"], ["c"], kernel_shape=[kernel] * 2, strides=[stride] * 2, pads=[pad] * 4, group=groups),
        helper.make_node("Relu", ["c"], ["y"]),
    ]
    out = (size + 2 * pad - kernel) // stride + 1
    graph = helper.make_graph(
        nodes, name, [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, channels, size, size])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, filters, out, out])],
        initializer=[numpy_helper.from_array(weight, "w"), numpy_helper.from_array(bias, "b")],
    )
    return Shape(name, helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8), 2.0 * filters * out * out * channels // groups * kernel * kernel)


def matmul(name: str, m: int, k: int, n: int, transposed: bool = False) -> Shape:
    """x[m, k] @ w[k, n]; `transposed`: a Gemm with transB and a bias, the classifier-head form."""
    rng = np.random.default_rng(0)
    weight = rng.standard_normal((n, k) if transposed else (k, n)).astype(np.float32)
    initializers = [numpy_helper.from_array(weight, "w")]
    if transposed:
        initializers.append(numpy_helper.from_array(rng.standard_normal(n).astype(np.float32), "b"))
        node = helper.make_node("Gemm", ["x", "w", "b"], ["y"], transB=1)
    else:
        node = helper.make_node("MatMul", ["x", "w"], ["y"])
    graph = helper.make_graph(
        [node], name, [helper.make_tensor_value_info("x", TensorProto.FLOAT, [m, k])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [m, n])], initializer=initializers,
    )
    return Shape(name, helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8), 2.0 * m * k * n)


SHAPES = [
    conv("conv3x3 64ch 56x56 pad1", 64, 64, 56, 3, pad=1),
    conv("conv1x1 256->64 56x56", 256, 64, 56, 1),
    conv("conv1x1 64->256 56x56", 64, 256, 56, 1),
    conv("conv3x3 256ch 14x14 pad1", 256, 256, 14, 3, pad=1),
    conv("conv3x3 128ch stride2 pad1", 128, 128, 57, 3, stride=2, pad=1),
    conv("conv7x7 3->64 stride2 pad3", 3, 64, 224, 7, stride=2, pad=3),
    conv("depthwise3x3 128ch 28x28", 128, 128, 28, 3, pad=1, groups=128),
    matmul("matmul 256^3", 256, 256, 256),
    matmul("matmul 1024^3", 1024, 1024, 1024),
    matmul("gemm transB 1x4096 -> 1000", 1, 4096, 1000, transposed=True),
]
QUICK_SHAPE = "matmul 256^3"


@dataclass
class Timing:
    shape: str
    gflop: float
    opt_fuse_ms: float
    onnxruntime_ms: float
    ratio: float
    opt_fuse_of_peak: float
    onnxruntime_of_peak: float
    max_relative_difference: float
    rounds: int


def measure(shape: Shape, peak_gflops: float, seconds: float, repeats: int) -> Timing:
    x = np.random.default_rng(1).standard_normal([d.dim_value for d in shape.model.graph.input[0].type.tensor_type.shape.dim]).astype(np.float32)
    compiled = backend.prepare(shape.model, num_threads=1)
    session = onnxruntime_session(shape.model, 1)
    got, want = compiled.run([x])[0], session.run(None, {"x": x})[0]
    difference = float(np.max(np.abs(got - want)) / max(float(np.max(np.abs(want))), 1e-30))
    runs = [opt_fuse_into(compiled, [x], [want]), onnxruntime_into(session, {"x": x}, [want])]
    (ours, theirs), rounds = round_robin_medians(runs, repeats, seconds)
    gflop = shape.flops / 1e9
    return Timing(
        shape.name, gflop, ours * 1e3, theirs * 1e3, ours / theirs,
        gflop / ours / peak_gflops, gflop / theirs / peak_gflops, difference, rounds,
    )


def table(timings: list[Timing], peak: float) -> str:
    rows = [
        f"| shape | GFLOP | opt-fuse / ort | opt-fuse GFLOP/s (of {peak:.0f} peak) | ort GFLOP/s (of peak) | max rel diff | rounds |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for t in timings:
        rows.append(
            f"| {t.shape} | {t.gflop:.3g} | {t.ratio:.2f} | {t.gflop / t.opt_fuse_ms * 1e3:.1f} ({t.opt_fuse_of_peak:.0%}) "
            f"| {t.gflop / t.onnxruntime_ms * 1e3:.1f} ({t.onnxruntime_of_peak:.0%}) | {t.max_relative_difference:.1e} | {t.rounds} |"
        )
    rows.append(f"\nGeometric mean opt-fuse / onnxruntime: {geomean([t.ratio for t in timings]):.2f}")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", help="comma-separated parts of shape names (default: all)")
    parser.add_argument("--seconds", type=float, default=5.0, help="seconds of timing per shape (default 5)")
    parser.add_argument("--repeats", type=int, default=200, help="most timed rounds per shape (default 200)")
    parser.add_argument("--limits", help="machine_limits.py's JSON (default: measure now)")
    parser.add_argument("--quick", action="store_true", help=f"smoke mode: {QUICK_SHAPE} only, one round, rough limits")
    parser.add_argument("--json", help="also write every number here")
    args = parser.parse_args(argv)
    shapes = SHAPES
    if args.quick:
        shapes = [s for s in SHAPES if s.name == QUICK_SHAPE]
    elif args.only:
        wanted = [w.strip() for w in args.only.split(",") if w.strip()]
        shapes = [s for s in SHAPES if any(w in s.name for w in wanted)]
        if not shapes:
            parser.error(f"no shape name contains any of {wanted}; shapes: {', '.join(s.name for s in SHAPES)}")
    if args.limits:
        limits = machine_limits.load(Path(args.limits))
    else:
        samples, sample_seconds = (3, 0.02) if args.quick else (7, machine_limits.SAMPLE_SECONDS)
        limits = asdict(machine_limits.measure(samples, sample_seconds, args.quick, log=lambda m: None))
    peak = float(limits["peak_gflops_1core"])
    seconds, repeats = (0.0, 1) if args.quick else (args.seconds, args.repeats)
    timings = []
    for shape in shapes:
        timings.append(measure(shape, peak, seconds, repeats))
        print(f"{shape.name}: opt-fuse / ort {timings[-1].ratio:.2f}", file=sys.stderr, flush=True)
    print(table(timings, peak))
    if args.json:
        Path(args.json).write_text(json.dumps({"peak_gflops_1core": peak, "shapes": [asdict(t) for t in timings]}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
