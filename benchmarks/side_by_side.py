"""Time opt-fuse against onnxruntime on the same model, inputs and thread count.

    python benchmarks/side_by_side.py                 # the example models
    python benchmarks/side_by_side.py model.onnx ... --repeats 200 --json out.json
    python benchmarks/side_by_side.py --threads 1,2   # each model at 1 and at 2 threads

Both run on the same number of threads, 1 by default (onnxruntime:
intra_op_num_threads, inter_op 1, default graph optimizations; opt-fuse:
`num_threads`, its thread pool), and both write into outputs allocated once
(onnxruntime's IO binding, opt-fuse's `run(inputs, outputs)`). Runs alternate between
the two, so a noisy neighbour slows both alike; the table shows medians and the ratio
opt-fuse / onnxruntime (below 1.0 means opt-fuse is faster). Quote ratios, not absolute
times.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import compiler.backend as backend  # noqa: E402

EXAMPLES = [ROOT / "examples" / "mlp.onnx", ROOT / "examples" / "cnn.onnx"]


@dataclass
class Result:
    model: str
    threads: int
    compile_seconds: float
    opt_fuse_ms: float
    onnxruntime_ms: float
    ratio: float
    max_abs_diff: float


def random_inputs(model: onnx.ModelProto, seed: int = 0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    initializers = {t.name for t in model.graph.initializer}
    arrays = []
    for value in model.graph.input:
        if value.name in initializers:
            continue
        shape = [d.dim_value for d in value.type.tensor_type.shape.dim]
        arrays.append(rng.standard_normal(shape).astype(np.float32))
    return arrays


def onnxruntime_session(model: onnx.ModelProto, threads: int) -> ort.InferenceSession:
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    return ort.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])


def opt_fuse_into(rep: backend.OptFuseRep, inputs: list[np.ndarray], like: list[np.ndarray]) -> Callable[[], object]:
    """A run of `rep` that writes into outputs allocated once, shaped like `like` (the results).

    Both runtimes are timed this way (onnxruntime through its IO binding, below), as a
    server runs a model: with fresh output arrays, each run would also time the OS zeroing
    new pages (2/3 of opt-fuse's time on a 34 MB elementwise kernel), which is not the
    kernels' work.
    """
    outputs = [np.empty(a.shape, a.dtype) for a in like]
    return lambda: rep.run(inputs, outputs=outputs)


def onnxruntime_into(session: ort.InferenceSession, feed: dict[str, np.ndarray], like: list[np.ndarray]) -> Callable[[], object]:
    """A run of `session` with its inputs and outputs bound to arrays allocated once (IO binding)."""
    binding = session.io_binding()
    for name, array in feed.items():
        binding.bind_cpu_input(name, array)
    outputs = [np.empty(a.shape, a.dtype) for a in like]
    for meta, array in zip(session.get_outputs(), outputs):
        binding.bind_output(meta.name, "cpu", 0, array.dtype, list(array.shape), array.ctypes.data)
    return lambda: (session.run_with_iobinding(binding), outputs)  # the closure keeps `outputs` alive


def alternating_medians(first: Callable[[], object], second: Callable[[], object], repeats: int, warmup: int = 5) -> tuple[float, float]:
    """Median seconds of each callable, timed in alternation."""
    for _ in range(warmup):
        first()
        second()
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(repeats):
        for run, bucket in ((first, times[0]), (second, times[1])):
            start = time.perf_counter()
            run()
            bucket.append(time.perf_counter() - start)
    return statistics.median(times[0]), statistics.median(times[1])


def measure(path: Path, repeats: int, threads: int = 1) -> tuple[Result, list[np.ndarray]]:
    model = onnx.load(str(path))
    inputs = random_inputs(model)
    start = time.perf_counter()
    rep = backend.prepare(model, num_threads=threads)
    compile_seconds = time.perf_counter() - start
    session = onnxruntime_session(model, threads=threads)
    feed = {i.name: a for i, a in zip(session.get_inputs(), inputs)}
    ours, reference = rep.run(inputs), session.run(None, feed)
    diff = max(float(np.max(np.abs(a - b))) for a, b in zip(ours, reference))
    ours_s, ort_s = alternating_medians(opt_fuse_into(rep, inputs, ours), onnxruntime_into(session, feed, reference), repeats)
    return Result(path.stem, threads, compile_seconds, ours_s * 1e3, ort_s * 1e3, ours_s / ort_s, diff), ours


def table(results: list[Result]) -> str:
    rows = [
        "| model | threads | opt-fuse (ms) | onnxruntime (ms) | ratio | max abs diff | compile (s) |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        rows.append(
            f"| {r.model} | {r.threads} | {r.opt_fuse_ms:.4f} | {r.onnxruntime_ms:.4f} | {r.ratio:.2f} | {r.max_abs_diff:.1e} | {r.compile_seconds:.2f} |"
        )
    rows.append("")
    for threads in sorted({r.threads for r in results}):
        ratios = [r.ratio for r in results if r.threads == threads]
        rows.append(f"geometric mean ratio opt-fuse / onnxruntime: {float(np.exp(np.mean(np.log(ratios)))):.2f} ({threads} thread{'s' if threads > 1 else ''})")
    by_model: dict[str, dict[int, float]] = {}
    for r in results:
        by_model.setdefault(r.model, {})[r.threads] = r.opt_fuse_ms
    for model, times in by_model.items():
        if 1 in times and len(times) > 1:
            rest = ", ".join(f"{times[1] / ms:.2f}x on {t}" for t, ms in sorted(times.items()) if t != 1)
            rows.append(f"opt-fuse speedup over 1 thread, {model}: {rest}")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("models", nargs="*", type=Path, default=EXAMPLES)
    parser.add_argument("--repeats", type=int, default=100)
    parser.add_argument("--threads", default="1", help="comma list of thread counts, each for both opt-fuse and onnxruntime (default 1)")
    parser.add_argument("--json", type=Path, default=None, help="also write the results here")
    args = parser.parse_args(argv)
    thread_counts = [int(t) for t in args.threads.split(",") if t.strip()]
    results = [measure(path, args.repeats, threads)[0] for path in args.models for threads in thread_counts]
    print(table(results))
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in results], indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
