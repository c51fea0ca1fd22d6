"""opt-fuse against onnxruntime on every benchmark model, and how far both are from the machine's limits.

    python benchmarks/kernels_vs_ort.py --limits benchmarks/machine-limits-latest.json \\
        --json benchmarks/kernels-latest.json                     # everything (several minutes)
    python benchmarks/kernels_vs_ort.py --only squeezenet,mlp     # some models
    python benchmarks/kernels_vs_ort.py --quick                   # CI smoke: the mlp example, one round
    python benchmarks/kernels_vs_ort.py --rescore kernels.json --limits quiet.json   # same timings, other limits

The models: the nine onnx light models (onnx/backend/test/data/light, in the
onnx wheel, so available offline; see light_models.py), the example models
(examples/*.onnx) and the fusion benchmark graphs (fusion_graphs.py; its
example-cnn is examples/cnn.onnx, timed once as "cnn").

- Latency: opt-fuse (fused, default pipeline; num_threads 1 and 2, its thread
  pool) and onnxruntime (default graph optimizations, intra_op_num_threads 1
  and 2, inter_op 1) on the same random input, in round robin (opt-fuse 1
  thread, opt-fuse 2 threads, ort 1 thread, ort 2 threads, opt-fuse, ...) so a
  noisy neighbour slows all alike; each writes into outputs allocated once
  (side_by_side.opt_fuse_into / onnxruntime_into); medians, the ratios opt-fuse / ort at the
  same thread count (below 1.0: opt-fuse is faster), and opt-fuse's speedup
  from 1 to 2 threads. (A --rescore of a file timed before opt-fuse had
  threads puts its 1-thread time in the 2-thread ratio, as it did then.)
- Light-model weights: the shipped weights are one value per tensor, which
  opt-fuse folds into its kernels as constants (no weight loads). Here they are
  replaced by random tensors (light_models.with_random_weights) so both do the
  real work; --shipped-weights keeps them.
- Work and efficiency: FLOPs of the conv and matmul ops (2*M*N*K for MatMul and
  Gemm, 2*N*Cout*Hout*Wout*(Cin/groups)*kh*kw for Conv, from onnx shape
  inference); achieved GFLOP/s as a fraction of the FMA peak measured by
  machine_limits.py (1-thread runs against the one-core peak, ort on 2 threads
  against the all-cores peak). Graphs without conv or matmul are memory-bound
  elementwise/reduction chains: bytes of the model's inputs and outputs / time,
  as a fraction of the DRAM triad bandwidth (1 thread / all cores likewise); the
  JSON also has the fraction of the triad bandwidth at the cache level the
  graph's inputs and outputs fit in (these graphs are small, so they run from cache).
- --limits reads machine_limits.py's JSON; without it the limits are measured
  first (about 25 s; --quick measures a rough version in about 2 s).

Quote ratios and fractions, not absolute times: the machine is shared.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
from onnx import shape_inference

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import machine_limits
from benchmarks.fusion import SETTLE_SECONDS, geomean, round_robin_medians
from benchmarks.fusion_graphs import GRAPHS
from benchmarks.light_models import LIGHT_DIR, ORT_QUIET, machine_facts, select_models, with_random_weights
from benchmarks.light_models import MODELS as LIGHT_MODELS
from benchmarks.side_by_side import onnxruntime_into, onnxruntime_session, opt_fuse_into, random_inputs
from compiler import backend

THREADS = (1, 2)
"""The thread counts of onnxruntime (intra-op) and of opt-fuse (`num_threads`) alike."""
QUICK_MODEL = "mlp"


def _static_float_inputs(path: Path) -> bool:
    inputs = onnx.load(str(path), load_external_data=False).graph.input
    return all(
        i.type.tensor_type.elem_type == onnx.TensorProto.FLOAT and all(d.HasField("dim_value") for d in i.type.tensor_type.shape.dim)
        for i in inputs
    )


EXAMPLES = sorted(p.stem for p in (ROOT / "examples").glob("*.onnx") if _static_float_inputs(p))
"""The examples this runner can feed (random float inputs of fixed shape); the DLRM example,
with symbolic dims and integer ids, has its own runner (dlrm.py)."""
FUSION_GRAPHS = [g for g in GRAPHS if g != "example-cnn"]  # that one is examples/cnn.onnx


@dataclass
class Result:
    model: str
    group: str
    """"light", "example" or "fusion"."""
    kind: str
    """"compute" (has conv/matmul FLOPs: judged by GFLOP/s) or "memory" (judged by GB/s)."""
    flops: int
    """Conv + MatMul + Gemm FLOPs of one run."""
    io_bytes: int
    """Bytes of the model's inputs and outputs."""
    opt_fuse_ms: float
    ort_1t_ms: float
    ort_2t_ms: float
    ratio_1t: float
    """opt-fuse / onnxruntime on 1 thread."""
    ratio_2t: float
    """opt-fuse on 2 threads / onnxruntime on 2 threads."""
    opt_fuse_gflops: float
    ort_1t_gflops: float
    ort_2t_gflops: float
    opt_fuse_peak_fraction: float | None
    """compute: opt-fuse GFLOP/s / one-core FMA peak."""
    ort_1t_peak_fraction: float | None
    ort_2t_peak_fraction: float | None
    """compute: ort 2-thread GFLOP/s / all-cores FMA peak."""
    ort_2t_peak_fraction_1core: float | None
    """compute: ort 2-thread GFLOP/s / one-core FMA peak."""
    opt_fuse_gbs: float
    ort_1t_gbs: float
    ort_2t_gbs: float
    opt_fuse_bw_fraction: float | None
    """memory: opt-fuse GB/s / one-core DRAM triad bandwidth."""
    ort_1t_bw_fraction: float | None
    ort_2t_bw_fraction: float | None
    """memory: ort 2-thread GB/s / all-cores DRAM triad bandwidth."""
    cache_level: str
    """Where the inputs and outputs fit: "L2", "L3" or "DRAM"."""
    opt_fuse_level_bw_fraction: float | None
    """memory: opt-fuse GB/s / one-core triad bandwidth at cache_level."""
    ort_1t_level_bw_fraction: float | None
    ort_2t_level_bw_fraction: float | None
    """memory: ort 2-thread GB/s / all-cores triad bandwidth at cache_level."""
    max_abs_diff: float
    output_max_abs: float
    rounds: int
    load_1m: float
    opt_fuse_2t_ms: float | None = None
    """None in a file timed before opt-fuse had threads."""
    speedup_2t: float | None = None
    """opt-fuse on 1 thread / opt-fuse on 2 threads."""
    opt_fuse_2t_peak_fraction: float | None = None
    """compute: opt-fuse 2-thread GFLOP/s / all-cores FMA peak."""
    opt_fuse_2t_bw_fraction: float | None = None
    """memory: opt-fuse 2-thread GB/s / all-cores DRAM triad bandwidth."""


def _shape(info: onnx.ValueInfoProto) -> list[int] | None:
    dims = info.type.tensor_type.shape.dim
    if not info.type.tensor_type.HasField("shape") or any(not d.HasField("dim_value") for d in dims):
        return None
    return [d.dim_value for d in dims]


def conv_matmul_flops(model: onnx.ModelProto) -> tuple[int, dict[str, int]]:
    """FLOPs of one run's Conv, MatMul and Gemm ops, in total and by op type.

    Shapes come from onnx shape inference; an op whose shapes it cannot tell is
    an error rather than a silent zero.
    """
    copy = onnx.ModelProto()
    copy.CopyFrom(model)
    copy.ir_version = max(copy.ir_version, 4)  # IR 3 ignores initializers that are not graph inputs (random weights)
    inferred = shape_inference.infer_shapes(copy, data_prop=True)
    shapes: dict[str, list[int] | None] = {}
    for info in (*inferred.graph.input, *inferred.graph.value_info, *inferred.graph.output):
        shapes[info.name] = _shape(info)
    for tensor in inferred.graph.initializer:
        shapes[tensor.name] = list(tensor.dims)
    by_op: dict[str, int] = {}
    for node in inferred.graph.node:
        if node.op_type not in ("Conv", "MatMul", "Gemm"):
            continue
        a, b, y = (shapes.get(node.input[0]), shapes.get(node.input[1]), shapes.get(node.output[0]))
        if a is None or b is None or y is None:
            raise ValueError(f"{node.op_type} {node.name or node.output[0]}: shape inference left a shape unknown")
        if node.op_type == "Conv":  # y [N, Cout, *spatial], w [Cout, Cin/groups, *kernel]
            flops = 2 * math.prod(y) * math.prod(b[1:])
        elif node.op_type == "MatMul":
            flops = 2 * math.prod(y) * a[-1]
        else:
            trans_a = next((attr.i for attr in node.attribute if attr.name == "transA"), 0)
            flops = 2 * math.prod(y) * (a[0] if trans_a else a[1])
        by_op[node.op_type] = by_op.get(node.op_type, 0) + flops
    return sum(by_op.values()), by_op


def io_bytes(model: onnx.ModelProto, inputs: Sequence[np.ndarray], outputs: Sequence[np.ndarray]) -> int:
    return sum(a.nbytes for a in inputs) + sum(a.nbytes for a in outputs)


def cache_level(nbytes: int, caches: dict[str, int]) -> str:
    if nbytes <= caches.get("L2", 0):
        return "L2"
    if nbytes <= caches.get("L3", 0):
        return "L3"
    return "DRAM"


def load_models(names: Sequence[str], shipped_weights: bool) -> list[tuple[str, str, Callable[[], onnx.ModelProto]]]:
    """(name, group, builder) for each name, in the order light, example, fusion."""

    def light(name: str) -> onnx.ModelProto:
        model = onnx.load(str(LIGHT_DIR / f"light_{name}.onnx"))
        return model if shipped_weights else with_random_weights(model)

    table: list[tuple[str, str, Callable[[], onnx.ModelProto]]] = []
    table += [(n, "light", lambda n=n: light(n)) for n in LIGHT_MODELS]
    table += [(n, "example", lambda n=n: onnx.load(str(ROOT / "examples" / f"{n}.onnx"))) for n in EXAMPLES]
    table += [(n, "fusion", GRAPHS[n]) for n in FUSION_GRAPHS]
    return [entry for entry in table if entry[0] in names]


def _triad(limits: dict, label: str, threads: int) -> float | None:
    return next((t["gbs"] for t in limits["triad"] if t["label"] == label and t["threads"] == threads), None)


def _fraction(value: float, limit: float | None) -> float | None:
    return value / limit if limit else None


def measure(name: str, group: str, model: onnx.ModelProto, limits: dict, repeats: int, seconds: float) -> Result:
    inputs = random_inputs(model)
    flops, _ = conv_matmul_flops(model)
    rep, rep_2t = (backend.prepare(model, num_threads=threads) for threads in THREADS)
    sessions = [onnxruntime_session(model, threads) for threads in THREADS]
    feed = {i.name: a for i, a in zip(sessions[0].get_inputs(), inputs)}
    start = time.perf_counter()
    ours, ours_2t, reference = rep.run(inputs), rep_2t.run(inputs), sessions[0].run(None, feed)
    runs = [opt_fuse_into(r, inputs, reference) for r in (rep, rep_2t)] + [onnxruntime_into(s, feed, reference) for s in sessions]
    warmup = 0 if time.perf_counter() - start > seconds / 5 else 2  # a slow model is warm after its first run
    (ours_s, ours2_s, ort1_s, ort2_s), rounds = round_robin_medians(runs, repeats, seconds, warmup, settle=SETTLE_SECONDS)
    timed = {
        "model": name, "group": group, "flops": flops, "io_bytes": io_bytes(model, inputs, reference),
        "opt_fuse_ms": ours_s * 1e3, "opt_fuse_2t_ms": ours2_s * 1e3, "ort_1t_ms": ort1_s * 1e3, "ort_2t_ms": ort2_s * 1e3,
        "max_abs_diff": max(float(np.max(np.abs(a - b))) for out in (ours, ours_2t) for a, b in zip(out, reference)),
        "output_max_abs": max(float(np.max(np.abs(r))) for r in reference),
        "rounds": rounds, "load_1m": os.getloadavg()[0],
    }  # fmt: skip
    return scored(timed, limits)


def scored(timed: dict, limits: dict) -> Result:
    """A Result from the timings (any dict with the timed fields: `measure`'s, or a --json file's results) and the limits."""
    flops, nbytes = timed["flops"], timed["io_bytes"]
    seconds = [timed[k] / 1e3 for k in ("opt_fuse_ms", "ort_1t_ms", "ort_2t_ms")]
    ours_2t = timed.get("opt_fuse_2t_ms")
    ours_2t_s = ours_2t / 1e3 if ours_2t is not None else seconds[0]
    kind = "compute" if flops else "memory"
    gflops = [flops / s / 1e9 for s in seconds]
    gbs = [nbytes / s / 1e9 for s in seconds]
    level = cache_level(nbytes, limits["caches"])
    level_bw, level_bw_all = _triad(limits, level, 1), _triad(limits, level, limits["cores"])
    peak1, peak_all = limits["peak_gflops_1core"], limits["peak_gflops_all_cores"]
    bw1, bw_all = limits["bandwidth_gbs_1core"], limits["bandwidth_gbs_all_cores"]
    compute, memory = kind == "compute", kind == "memory"
    return Result(
        timed["model"], timed["group"], kind, flops, nbytes, *(timed[k] for k in ("opt_fuse_ms", "ort_1t_ms", "ort_2t_ms")),
        seconds[0] / seconds[1], ours_2t_s / seconds[2],
        *gflops,
        _fraction(gflops[0], peak1) if compute else None,
        _fraction(gflops[1], peak1) if compute else None,
        _fraction(gflops[2], peak_all) if compute else None,
        _fraction(gflops[2], peak1) if compute else None,
        *gbs,
        _fraction(gbs[0], bw1) if memory else None,
        _fraction(gbs[1], bw1) if memory else None,
        _fraction(gbs[2], bw_all) if memory else None,
        level,
        _fraction(gbs[0], level_bw) if memory else None,
        _fraction(gbs[1], level_bw) if memory else None,
        _fraction(gbs[2], level_bw_all) if memory else None,
        timed["max_abs_diff"], timed["output_max_abs"], timed["rounds"], timed["load_1m"],
        ours_2t, seconds[0] / ours_2t_s if ours_2t is not None else None,
        _fraction(flops / ours_2t_s / 1e9, peak_all) if compute and ours_2t is not None else None,
        _fraction(nbytes / ours_2t_s / 1e9, bw_all) if memory and ours_2t is not None else None,
    )  # fmt: skip


def _percent(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{100 * value:.2g}%" if value < 0.1 else f"{100 * value:.0f}%"


def table(results: Sequence[Result], limits: dict) -> str:
    rows = [
        (
            "| model | set | work | opt-fuse / ort 1t | opt-fuse / ort 2t | opt-fuse 1t/2t | opt-fuse 1t of limit "
            "| opt-fuse 2t of limit | ort 1t of limit | ort 2t of limit | rounds |"
        ),
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        if r.kind == "compute":
            work = f"{r.flops / 1e9:.3g} GFLOP"
            effs = [r.opt_fuse_peak_fraction, r.opt_fuse_2t_peak_fraction, r.ort_1t_peak_fraction, r.ort_2t_peak_fraction]
            cells = [f"{_percent(e)} peak" for e in effs]
        else:
            work = f"{r.io_bytes / 1e6:.2g} MB I/O ({r.cache_level})"
            effs = [r.opt_fuse_bw_fraction, r.opt_fuse_2t_bw_fraction, r.ort_1t_bw_fraction, r.ort_2t_bw_fraction]
            levels = [r.opt_fuse_level_bw_fraction, None, r.ort_1t_level_bw_fraction, r.ort_2t_level_bw_fraction]
            cells = [
                f"{_percent(e)} DRAM bw" + (f", {_percent(l)} {r.cache_level}" if l else "")
                for e, l in zip(effs, levels)
            ]
        rows.append(
            f"| {r.model} | {r.group} | {work} | {_ratio(r.ratio_1t)} | {_ratio(r.ratio_2t)} "
            f"| {'-' if r.speedup_2t is None else f'{r.speedup_2t:.2f}'} | {' | '.join(cells)} | {r.rounds} |"
        )
    rows.append("")
    for group in dict.fromkeys(r.group for r in results):
        members = [r for r in results if r.group == group]
        rows.append(
            f"geometric mean opt-fuse / onnxruntime, {group} ({len(members)}): "
            f"{geomean([r.ratio_1t for r in members]):.2f} (1 thread), {geomean([r.ratio_2t for r in members]):.2f} (2 threads)"
        )
    rows.append(
        f"limits (machine_limits.py): FMA peak {limits['peak_gflops_1core']:.0f} GFLOP/s one core, "
        f"{limits['peak_gflops_all_cores']:.0f} all cores; DRAM triad {limits['bandwidth_gbs_1core']:.1f} GB/s one core, "
        f"{limits['bandwidth_gbs_all_cores']:.1f} all cores (and at the L2/L3 level the I/O fits in, from the same probe). "
        "1-thread columns against one core, 2-thread ones against all cores."
    )
    speedups = [r.speedup_2t for r in results if r.speedup_2t is not None]
    if speedups:
        rows.append(f"opt-fuse 1 -> 2 threads (its thread pool): geometric mean speedup {geomean(speedups):.2f}x")
    return "\n".join(rows)


def _ratio(value: float) -> str:
    return f"{value:.3g}" if value < 10 else f"{value:.0f}"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    every = [*LIGHT_MODELS, *EXAMPLES, *FUSION_GRAPHS]
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", default="", help="comma-separated model names (default: all)")
    parser.add_argument("--seconds", type=float, default=15.0, help="seconds of timing per model (default 15)")
    parser.add_argument("--repeats", type=int, default=300, help="most timed rounds per model (default 300)")
    parser.add_argument("--limits", type=Path, default=None, help="machine_limits.py's JSON (default: measure now)")
    parser.add_argument("--shipped-weights", action="store_true", help="keep the light models' one-value weights")
    parser.add_argument("--quick", action="store_true", help=f"smoke mode: {QUICK_MODEL} only, one round, rough limits")
    parser.add_argument("--json", type=Path, default=None, help="also write every number here")
    parser.add_argument(
        "--rescore",
        type=Path,
        default=None,
        help="time nothing: re-read this --json file's timings and score them against --limits (e.g. limits measured on a quieter machine)",
    )
    args = parser.parse_args(argv)
    args.models = [n for n in args.only.split(",") if n]
    select_models(parser, args, every, QUICK_MODEL)
    return args


def summary(machine: dict, limits: dict, settings: dict, results: Sequence[Result], failures: dict[str, str]) -> dict:
    light = [r for r in results if r.group == "light"]
    return {
        "machine": machine,
        "limits": limits,
        "settings": settings,
        "results": [asdict(r) for r in results],
        "failures": failures,
        "geomean_ratio_1t": geomean([r.ratio_1t for r in results]) if results else None,
        "geomean_ratio_2t": geomean([r.ratio_2t for r in results]) if results else None,
        "light_geomean_ratio_1t": geomean([r.ratio_1t for r in light]) if light else None,
        "light_geomean_ratio_2t": geomean([r.ratio_2t for r in light]) if light else None,
    }


def rescore(args: argparse.Namespace) -> int:
    old = json.loads(args.rescore.read_text())
    limits = machine_limits.load(args.limits) if args.limits else old["limits"]
    results = [scored(r, limits) for r in old["results"]]
    print(table(results, limits))
    if args.json:
        settings = {**old["settings"], "rescored_with_limits": str(args.limits) if args.limits else None}
        args.json.write_text(
            json.dumps(summary(old["machine"], limits, settings, results, old["failures"]), indent=2) + "\n"
        )
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.rescore:
        return rescore(args)
    ort.set_default_logger_severity(ORT_QUIET)
    load_before = os.getloadavg()
    if args.limits:
        limits = machine_limits.load(args.limits)
    else:
        print("measuring the machine's limits ...", file=sys.stderr, flush=True)
        samples, sample_seconds = (3, 0.02) if args.quick else (7, machine_limits.SAMPLE_SECONDS)
        limits = asdict(machine_limits.measure(samples, sample_seconds, args.quick, log=lambda m: None))
    results: list[Result] = []
    failures: dict[str, str] = {}
    for name, group, build in load_models(args.models, args.shipped_weights):
        print(f"{name} ...", file=sys.stderr, flush=True)
        try:  # one model failing should not hide the others' numbers
            results.append(measure(name, group, build(), limits, args.repeats, args.seconds))
        except Exception as error:  # noqa: BLE001
            traceback.print_exc()
            failures[name] = f"{type(error).__name__}: {error}"
    print(table(results, limits))
    for name, error in failures.items():
        print(f"FAILED {name}: {error}")
    if args.json:
        settings = {
            "seconds": args.seconds,
            "repeats": args.repeats,
            "ort_threads": THREADS,
            "opt_fuse_threads": THREADS,
            "light_weights": "shipped" if args.shipped_weights else "random",
            "command": " ".join(["python benchmarks/kernels_vs_ort.py", *(argv if argv is not None else sys.argv[1:])]),
        }
        args.json.write_text(
            json.dumps(summary(machine_facts(load_before), limits, settings, results, failures), indent=2) + "\n"
        )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
