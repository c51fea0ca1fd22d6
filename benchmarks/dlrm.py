"""The DLRM example at its bounds: opt-fuse fused vs unfused vs onnxruntime, and the bytes the bag fusion saves.

    python benchmarks/dlrm.py                  # batch 16, seq 20 (the bounds), 31 rounds or 20 s
    python benchmarks/dlrm.py --quick          # few rounds (CI smoke)
    python benchmarks/dlrm.py --json out.json

examples/dlrm.onnx (built by examples/make_dlrm.py: a bottom MLP, three
embedding bags written as plain-ONNX SparseLengthsSum, a top MLP) is compiled
once with batch <= 16 and seq <= 20, fused and unfused (`prepare(...,
fuse=False)`: one kernel per op), and run at the bounds on
make_dlrm.example_inputs(16, 20).

- Latency: opt-fuse fused, opt-fuse unfused and onnxruntime (default graph
  optimizations, intra_op_num_threads 1 and 2, inter_op 1) in round robin, so
  a noisy neighbour slows all four alike; medians and their ratios.
  opt-fuse's code is single-threaded, so the 2-thread row compares opt-fuse on
  one thread with onnxruntime on two. unfused/fused above 1.0 means fusion
  helps; fused/ort below 1.0 means opt-fuse beats onnxruntime. Quote ratios,
  not absolute times: the machine is shared.
- Bytes not materialised thanks to the bag fusion, three ways:
  * bag tensors: every [batch, seq, ...] tensor of the three bags at the bounds
    (the mask, the gathered rows, the int8 rows and their dequantized copy,
    the weighted rows, the masked rows), measured by running the bags in
    onnxruntime: what an op-by-op executor stores and one fused bag kernel
    (read ids and lengths, gather, weight, mask, sum in registers) does not;
  * the fuse pass's own count (its report's removed bytes, 4 per element) on
    the model with its dims fixed at the bounds;
  * what the compiler planned: the sum of the intermediate buffers
    (Artifacts.unplanned_bytes) and the arena after plan-memory
    (Artifacts.arena_bytes), unfused minus fused.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import sys
import time
import traceback
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import onnx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.fusion import fusion_report, max_abs_diff, round_robin_medians
from benchmarks.light_models import THREADS, machine_facts
from benchmarks.side_by_side import onnxruntime_session
from compiler import backend


def _load_make_dlrm():
    # loaded by path: a top-level `examples` package may exist elsewhere on sys.path
    spec = importlib.util.spec_from_file_location("opt_fuse_make_dlrm", ROOT / "examples" / "make_dlrm.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


make_dlrm = _load_make_dlrm()
MODEL = "dlrm"


@dataclass
class Result:
    """One onnxruntime thread count; the opt-fuse columns are the same single-threaded runs in every row."""

    model: str
    bounds: dict[str, int]
    ort_threads: int
    fused_ms: float
    unfused_ms: float
    ort_ms: float
    fusion_speedup: float
    """unfused / fused."""
    fused_vs_ort: float
    unfused_vs_ort: float
    rounds: int
    fused_max_abs_diff: float
    unfused_max_abs_diff: float
    matches: bool
    """Both opt-fuse outputs within rtol 1e-3, atol 1e-4 of onnxruntime's (benchmarks/fusion.py's tolerance)."""


@dataclass
class Memory:
    bounds: dict[str, int]
    bag_tensor_bytes: int
    """Bytes of every [batch, seq, ...] tensor of the bags at the bounds (measured with onnxruntime)."""
    bag_tensors: dict[str, list[int]]
    """Those tensors' shapes, by name."""
    fuse_removed_bytes: int
    """The fuse pass's report at the bounds: bytes of intermediate tensors no longer stored (4 per element)."""
    groups: int
    """Kernels after fusion."""
    ops: int
    """Kernels without fusion (nn ops)."""
    unplanned_fused_bytes: int
    unplanned_unfused_bytes: int
    arena_fused_bytes: int
    arena_unfused_bytes: int
    not_materialised_bytes: int
    """unplanned_unfused_bytes - unplanned_fused_bytes: intermediate buffers fusion removed."""
    compile_fused_s: float
    compile_unfused_s: float


def at_bounds(model: onnx.ModelProto, bounds: Mapping[str, int]) -> onnx.ModelProto:
    """The model with every named dim of its inputs and outputs fixed at its bound."""
    static = onnx.ModelProto()
    static.CopyFrom(model)
    for value in (*static.graph.input, *static.graph.output):
        for dim in value.type.tensor_type.shape.dim:
            if dim.dim_param:
                dim.dim_value = bounds[dim.dim_param]  # clears dim_param (a oneof)
    return static


def bag_tensors(
    model: onnx.ModelProto, feed: Mapping[str, np.ndarray], bounds: Mapping[str, int]
) -> dict[str, np.ndarray]:
    """Every intermediate of the bags whose shape starts [batch, seq], at the bounds, computed by onnxruntime."""
    probed = onnx.ModelProto()
    probed.CopyFrom(model)
    names = [out for node in model.graph.node if node.name.startswith("bag") for out in node.output]
    for name in names:
        probed.graph.output.append(onnx.ValueInfoProto(name=name))
    values = dict(zip([o.name for o in probed.graph.output], onnxruntime_session(probed, 1).run(None, dict(feed))))
    leading = (bounds["batch"], bounds["seq"])
    return {name: values[name] for name in names if values[name].shape[:2] == leading}


def timed_prepare(model: onnx.ModelProto, bounds: Mapping[str, int], fuse: bool) -> tuple[backend.OptFuseRep, float]:
    start = time.perf_counter()
    rep = backend.prepare(model, fuse=fuse, num_threads=1, dim_bounds=bounds)
    return rep, time.perf_counter() - start


def measure(rounds: int, budget: float) -> tuple[list[Result], Memory]:
    model = onnx.load(str(make_dlrm.PATH))
    bounds = dict(make_dlrm.BOUNDS)
    feed = make_dlrm.example_inputs(bounds["batch"], bounds["seq"])
    inputs = list(feed.values())  # graph-input order
    bags = bag_tensors(model, feed, bounds)
    fused, compile_fused = timed_prepare(model, bounds, fuse=True)
    unfused, compile_unfused = timed_prepare(model, bounds, fuse=False)
    removed, groups, ops = fusion_report(at_bounds(model, bounds))
    sessions = [onnxruntime_session(model, threads) for threads in THREADS]
    reference = sessions[0].run(None, feed)
    fused_diff, fused_ok = max_abs_diff(fused.run(inputs), reference)
    unfused_diff, unfused_ok = max_abs_diff(unfused.run(inputs), reference)
    for label, diff, ok in (("fused", fused_diff, fused_ok), ("unfused", unfused_diff, unfused_ok)):
        if not ok:
            print(f"!!! MISMATCH {MODEL} ({label}): max abs diff {diff:.3g} vs onnxruntime", file=sys.stderr)
    runs = [lambda: fused.run(inputs), lambda: unfused.run(inputs), *(lambda s=s: s.run(None, feed) for s in sessions)]
    (fused_s, unfused_s, *ort_s), done = round_robin_medians(runs, rounds, budget)
    results = []
    for threads, theirs in zip(THREADS, ort_s):
        results.append(Result(
            MODEL, bounds, threads, fused_s * 1e3, unfused_s * 1e3, theirs * 1e3, unfused_s / fused_s,
            fused_s / theirs, unfused_s / theirs, done, fused_diff, unfused_diff, fused_ok and unfused_ok,
        ))  # fmt: skip
    planned = [fused.artifacts.unplanned_bytes or 0, unfused.artifacts.unplanned_bytes or 0]
    memory = Memory(
        bounds, sum(a.nbytes for a in bags.values()), {k: list(a.shape) for k, a in bags.items()}, removed, groups, ops,
        planned[0], planned[1], fused.artifacts.arena_bytes or 0, unfused.artifacts.arena_bytes or 0,
        planned[1] - planned[0], compile_fused, compile_unfused,
    )  # fmt: skip
    return results, memory


def table(results: Sequence[Result]) -> str:
    rows = [
        "| model | bounds | ort threads | fused (ms) | unfused (ms) | ort (ms) | unfused/fused | fused/ort | unfused/ort | rounds | max abs diff f/u |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        bounds = ", ".join(f"{k}<={v}" for k, v in r.bounds.items())
        flag = "" if r.matches else " MISMATCH"
        rows.append(
            f"| {r.model} | {bounds} | {r.ort_threads} | {r.fused_ms:.4f} | {r.unfused_ms:.4f} | {r.ort_ms:.4f} "
            f"| {r.fusion_speedup:.2f} | {r.fused_vs_ort:.2f} | {r.unfused_vs_ort:.2f} | {r.rounds} "
            f"| {r.fused_max_abs_diff:.1e}/{r.unfused_max_abs_diff:.1e}{flag} |"
        )
    rows.append("opt-fuse runs on 1 thread in every row; only onnxruntime's intra-op threads change.")
    return "\n".join(rows)


def memory_table(m: Memory) -> str:
    kib = 1024
    lines = [
        f"bytes not materialised thanks to the bag fusion (at {', '.join(f'{k}={v}' for k, v in m.bounds.items())}):",
        "| measure | unfused | fused | not materialised |",
        "|---|---:|---:|---:|",
        f"| the bags' [batch, seq, ...] tensors, each stored ({len(m.bag_tensors)}) | {m.bag_tensor_bytes / kib:.1f} KiB | | |",
        f"| fuse pass report, whole model ({m.ops} ops -> {m.groups} kernels) | | | {m.fuse_removed_bytes / kib:.1f} KiB |",
        f"| intermediate buffers (unplanned) | {m.unplanned_unfused_bytes / kib:.1f} KiB | {m.unplanned_fused_bytes / kib:.1f} KiB | {m.not_materialised_bytes / kib:.1f} KiB |",
        f"| arena after plan-memory | {m.arena_unfused_bytes / kib:.1f} KiB | {m.arena_fused_bytes / kib:.1f} KiB | {(m.arena_unfused_bytes - m.arena_fused_bytes) / kib:.1f} KiB |",
        f"compile: fused {m.compile_fused_s:.2f} s, unfused {m.compile_unfused_s:.2f} s",
    ]  # fmt: skip
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="few rounds (CI smoke)")
    parser.add_argument("--rounds", type=int, default=None, help="alternating timing rounds (default 31, --quick 3)")
    parser.add_argument("--seconds", type=float, default=None, help="timing budget (default 20, --quick 1)")
    parser.add_argument("--json", type=Path, default=None, help="also write every number here")
    args = parser.parse_args(argv)
    rounds = args.rounds or (3 if args.quick else 31)
    budget = args.seconds or (1.0 if args.quick else 20.0)
    load_before = os.getloadavg()
    try:
        results, memory = measure(rounds, budget)
    except Exception as error:  # noqa: BLE001
        traceback.print_exc()
        print(f"FAILED {MODEL}: {type(error).__name__}: {error}")
        return 1
    print(table(results))
    print("\n" + memory_table(memory))
    if args.json:
        summary = {
            "machine": machine_facts(load_before),
            "settings": {"rounds": rounds, "seconds": budget, "ort_threads": THREADS, "opt_fuse_threads": 1},
            "results": [asdict(r) for r in results],
            "memory": asdict(memory),
        }
        args.json.write_text(json.dumps(summary, indent=2) + "\n")
    return 0 if all(r.matches for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
