"""What fusion is worth: opt-fuse fused vs opt-fuse unfused vs onnxruntime, side by side.

    python benchmarks/fusion.py                                  # every graph in fusion_graphs.GRAPHS
    python benchmarks/fusion.py --only softmax,layernorm --repeats 20 --budget 5 --json out.json

The three run in one process on the same inputs, in round robin (fused,
unfused, onnxruntime, fused, ...) so a noisy neighbour slows all three alike,
each writing into outputs allocated once (side_by_side.opt_fuse_into and
onnxruntime_into); the table shows medians. Quote ratios, not absolute times: the machine is
shared, and only the ratios survive that. unfused/fused above 1.0 means fusion
helps; fused/ort below 1.0 means opt-fuse beats onnxruntime. opt-fuse's code is
single-threaded, so --threads only changes onnxruntime (intra_op_num_threads).

A graph stops after --repeats rounds or once --budget seconds of timing are
spent (at least 3 rounds), so the naive matmul does not take minutes.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import onnx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.fusion_graphs import GRAPHS
from benchmarks.side_by_side import onnxruntime_into, onnxruntime_session, opt_fuse_into, random_inputs
from compiler import backend
from compiler.driver import run_pipeline
from compiler.onnx_importer import import_model

RTOL, ATOL = 1e-3, 1e-4
MIN_ROUNDS = 3


@dataclass
class Result:
    graph: str
    fused_ms: float
    unfused_ms: float
    ort_ms: float
    fusion_speedup: float
    """unfused / fused."""
    fused_vs_ort: float
    unfused_vs_ort: float
    removed_bytes: int
    """Bytes of intermediate tensors the fuse pass no longer stores."""
    groups: int
    """Kernels after fusion (one per group)."""
    ops: int
    """Kernels without fusion (nn ops)."""
    rounds: int
    fused_max_abs_diff: float
    unfused_max_abs_diff: float
    matches: bool
    """Both opt-fuse outputs within rtol 1e-3, atol 1e-4 of onnxruntime's."""
    compile_fused_s: float
    compile_unfused_s: float


def fusion_report(model: onnx.ModelProto) -> tuple[int, int, int]:
    """(removed bytes, groups, ops) from the fuse pass's JSON report, summed over functions.

    Runs the pass on its own rather than reading it out of `prepare`, which
    does not expose the report.
    """
    module = import_model(model, "bench")
    with tempfile.TemporaryDirectory(prefix="fusion-bench-") as tmp:
        path = Path(tmp) / "report.json"
        run_pipeline(module, f'builtin.module(shape-infer,fuse{{report="{path}"}})')
        entries = json.loads(path.read_text())
    groups = [g for e in entries for g in e["groups"]]
    return sum(e["removed_bytes"] for e in entries), len(groups), sum(len(g["ops"]) for g in groups)


SETTLE_SECONDS = 0.1
"""round_robin_medians' `settle` for comparisons where a runtime runs on several threads
(twice opt-fuse's spin, which is longer than onnxruntime's measured one)."""


def round_robin_medians(
    runs: Sequence[Callable[[], object]], repeats: int, budget: float, warmup: int = 2, lead_in: int = 1, settle: float = 0.0
) -> tuple[list[float], int]:
    """Median seconds of each callable, timed in alternation, and the number of rounds.

    Like side_by_side.alternating_medians, but for any number of callables and
    with a time budget: a round of the slow graphs takes seconds, a fixed
    repeat count would take minutes. Warmup stops early on a slow graph too.

    Each turn runs its callable `lead_in` times untimed before the timed run. A
    runtime's thread pool keeps spinning for a while after a run (onnxruntime's by
    default, opt-fuse's for up to 50 ms): timed right after another
    runtime's 2-thread run, a 2-thread run shares its second core with those
    spinning threads (the cnn example on 2 threads: 72 us alone, 238 us right after
    an onnxruntime run). With the lead-in, each timed run follows a run of its own,
    as back-to-back requests to one model do.

    The lead-in is not enough when another runtime's threads spin longer than it
    lasts: onnxruntime's 2-thread pool spins some 30-40 ms after a run (squeezenet on
    opt-fuse's 2 threads: 5.1 ms alone, 13 ms right after an onnxruntime run, 8.4 ms 30
    ms after it, 5.1 ms 50 ms after it). `settle` seconds of sleep before each turn let
    them go idle, as they would between requests; the timing in multi-thread comparisons.
    """
    start = time.perf_counter()
    for _ in range(warmup):
        for run in runs:
            run()
        if time.perf_counter() - start > budget / 5:
            break
    times: list[list[float]] = [[] for _ in runs]
    start = time.perf_counter()
    rounds = 0
    while rounds < repeats and (rounds < MIN_ROUNDS or time.perf_counter() - start < budget):
        for run, bucket in zip(runs, times):
            if settle:
                time.sleep(settle)
            for _ in range(lead_in):
                run()
            t0 = time.perf_counter()
            run()
            bucket.append(time.perf_counter() - t0)
        rounds += 1
    return [statistics.median(t) for t in times], rounds


def timed_prepare(model: onnx.ModelProto, fuse: bool) -> tuple[backend.OptFuseRep, float]:
    start = time.perf_counter()
    rep = backend.prepare(model, fuse=fuse, num_threads=1)
    return rep, time.perf_counter() - start


def max_abs_diff(ours: Sequence[np.ndarray], reference: Sequence[np.ndarray]) -> tuple[float, bool]:
    diff = max(float(np.max(np.abs(a - b))) for a, b in zip(ours, reference))
    return diff, all(np.allclose(a, b, rtol=RTOL, atol=ATOL) for a, b in zip(ours, reference))


def measure(name: str, model: onnx.ModelProto, repeats: int, budget: float, threads: int) -> Result:
    inputs = random_inputs(model)
    fused, compile_fused = timed_prepare(model, fuse=True)
    unfused, compile_unfused = timed_prepare(model, fuse=False)
    session = onnxruntime_session(model, threads)
    feed = {i.name: a for i, a in zip(session.get_inputs(), inputs)}
    reference = session.run(None, feed)
    fused_diff, fused_ok = max_abs_diff(fused.run(inputs), reference)
    unfused_diff, unfused_ok = max_abs_diff(unfused.run(inputs), reference)
    for label, diff, ok in (("fused", fused_diff, fused_ok), ("unfused", unfused_diff, unfused_ok)):
        if not ok:
            print(
                f"!!! MISMATCH {name} ({label}): max abs diff {diff:.3g} vs onnxruntime exceeds rtol {RTOL} atol {ATOL}",
                file=sys.stderr,
            )
    removed, groups, ops = fusion_report(model)
    (fused_s, unfused_s, ort_s), rounds = round_robin_medians(
        [*(opt_fuse_into(rep, inputs, reference) for rep in (fused, unfused)), onnxruntime_into(session, feed, reference)],
        repeats,
        budget,
    )
    return Result(
        name, fused_s * 1e3, unfused_s * 1e3, ort_s * 1e3, unfused_s / fused_s, fused_s / ort_s, unfused_s / ort_s,
        removed, groups, ops, rounds, fused_diff, unfused_diff, fused_ok and unfused_ok, compile_fused, compile_unfused,
    )  # fmt: skip


def geomean(values: Sequence[float]) -> float:
    return math.exp(statistics.fmean(math.log(v) for v in values))


def table(results: Sequence[Result], threads: int) -> str:
    rows = [
        "| graph | fused (ms) | unfused (ms) | ort (ms) | unfused/fused | fused/ort | unfused/ort | removed bytes | groups/ops | rounds | max abs diff f/u |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        flag = "" if r.matches else " MISMATCH"
        rows.append(
            f"| {r.graph} | {r.fused_ms:.3f} | {r.unfused_ms:.3f} | {r.ort_ms:.3f} | {r.fusion_speedup:.2f} | {r.fused_vs_ort:.2f} "
            f"| {r.unfused_vs_ort:.2f} | {r.removed_bytes} | {r.groups}/{r.ops} | {r.rounds} | {r.fused_max_abs_diff:.1e}/{r.unfused_max_abs_diff:.1e}{flag} |"
        )
    if results:
        rows.append(
            f"\ngeometric mean fusion speedup unfused/fused: {geomean([r.fusion_speedup for r in results]):.2f}"
        )
        rows.append(
            f"geometric mean fused/onnxruntime: {geomean([r.fused_vs_ort for r in results]):.2f} (onnxruntime threads: {threads})"
        )
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=50, help="most timed rounds per graph (default 50)")
    parser.add_argument(
        "--budget", type=float, default=10.0, help="seconds of timing per graph, after warmup (default 10)"
    )
    parser.add_argument("--threads", type=int, default=1, help="onnxruntime intra-op threads (default 1)")
    parser.add_argument("--only", default="", help="comma-separated graph names (default: all)")
    parser.add_argument("--json", type=Path, default=None, help="also write every number here")
    args = parser.parse_args(argv)
    names = [n for n in args.only.split(",") if n] or list(GRAPHS)
    if unknown := sorted(set(names) - set(GRAPHS)):
        parser.error(f"unknown graph(s) {', '.join(unknown)}; choose from {', '.join(GRAPHS)}")

    results: list[Result] = []
    failures: dict[str, str] = {}
    for name in names:
        print(f"{name} ...", file=sys.stderr, flush=True)
        try:  # one graph failing (the fuse pass is young) should not hide the others' numbers
            results.append(measure(name, GRAPHS[name](), args.repeats, args.budget, args.threads))
        except Exception as error:  # noqa: BLE001
            traceback.print_exc()
            failures[name] = f"{type(error).__name__}: {error}"
    print(table(results, args.threads))
    for name, error in failures.items():
        print(f"FAILED {name}: {error}")
    if args.json:
        summary = {
            "threads": args.threads,
            "results": [asdict(r) for r in results],
            "failures": failures,
            "geomean_fusion_speedup": geomean([r.fusion_speedup for r in results]) if results else None,
            "geomean_fused_vs_ort": geomean([r.fused_vs_ort for r in results]) if results else None,
        }
        args.json.write_text(json.dumps(summary, indent=2) + "\n")
    return 1 if failures or not all(r.matches for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
