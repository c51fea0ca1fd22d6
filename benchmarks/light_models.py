"""The nine ONNX "light" models: compile time per stage, and latency against onnxruntime.

    python benchmarks/light_models.py                        # all nine
    python benchmarks/light_models.py resnet50 squeezenet --seconds 10 --json out.json
    python benchmarks/light_models.py --random-weights       # real weight tensors instead of one value each
    python benchmarks/light_models.py --quick                # squeezenet, one round (CI smoke)

The onnx wheel ships nine real architectures (onnx/backend/test/data/light,
opset 9, input 1x3x224x224, weights made by ConstantOfShape). For each:

- Compile time, stage by stage: import (onnx load + import_model), each pass
  of the pipeline, clang, and load (dlopen of the .so). The driver fills the
  stage timings (`compile_model(timings=...)`), so these are the seconds
  `backend.prepare` spends, split up.
- Latency: opt-fuse (fused; `num_threads` 1 and 2, its thread pool) against
  onnxruntime (default graph optimizations, intra_op_num_threads 1 and 2,
  inter_op 1), same random input, in round robin so a noisy neighbour slows
  all four alike; medians. Each ratio puts the two at the same thread count,
  and "opt-fuse 1t/2t" is opt-fuse's own speedup from 1 to 2 threads. A ratio
  below 1.0 means opt-fuse is faster. Quote ratios, not absolute times: the
  machine is shared (and with another job on one of two cores, 2 threads
  measure a time-shared core).
- Max abs diff of the outputs: a smoke check only. For most of these models
  the final softmax comes out uniform (shipped weights) or one-hot
  (--random-weights), so the diff is ~0 either way.
- Weights: opt-fuse inlines a one-value weight into its kernels as a
  constant (no weight loads, a near-empty weights file), which flatters its
  latency and clang time. --random-weights replaces every ConstantOfShape
  weight by a random tensor around the same value: real weight loads.

A model stops after --repeats rounds or once --seconds of timing are spent
(at least 3 rounds): the naive conv loops take seconds per run (vgg19 ~30 s).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
from onnx import numpy_helper

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.fusion import SETTLE_SECONDS, geomean, round_robin_medians
from benchmarks.side_by_side import onnxruntime_session, random_inputs
from compiler.driver import compile_model
from compiler.runtime import NativeModel
from compiler.toolchain import describe_toolchain

LIGHT_DIR = Path(onnx.__file__).parent / "backend" / "test" / "data" / "light"
MODELS = sorted(p.stem.removeprefix("light_") for p in LIGHT_DIR.glob("light_*.onnx"))
THREADS = (1, 2)
"""The thread counts, of onnxruntime (intra-op) and of opt-fuse (`num_threads`) alike."""
QUICK_MODEL = "squeezenet"
BREAKDOWN_MODEL = "resnet50"
ORT_QUIET = 3
"""onnxruntime's log level for errors only: resnet50's unused-initializer warnings would bury the table."""


@dataclass
class Result:
    model: str
    import_s: float
    passes_s: float
    clang_s: float
    load_s: float
    compile_total_s: float
    """Wall clock from the .onnx file to a loaded library (a little more than the stages' sum)."""
    stages_s: dict[str, float]
    """Every stage the driver timed ("import", "pass:<name>", "write", "clang") plus "load", in order."""
    ll_bytes: int
    """Size of the LLVM IR text clang compiles."""
    opt_fuse_ms: float
    ort_1t_ms: float
    ratio_1t: float
    ort_2t_ms: float
    opt_fuse_2t_ms: float
    ratio_2t: float
    """opt-fuse on 2 threads / onnxruntime on 2 threads."""
    speedup_2t: float
    """opt-fuse on 1 thread / opt-fuse on 2 threads."""
    max_abs_diff: float
    output_max_abs: float
    """The largest |output| of onnxruntime, to put max_abs_diff in scale."""
    rounds: int
    load_1m: float
    """The machine's 1-minute load average after timing: above ~1 (this benchmark) someone else was busy."""


def compile_and_load(path: Path, workdir: str) -> tuple[NativeModel, dict[str, float], float, int]:
    """What backend.prepare does, with the driver's stage timings and the load timed too; and the .ll's size."""
    stages: dict[str, float] = {}
    start = time.perf_counter()
    artifacts = compile_model(path, workdir, kinds=("so",), timings=stages)
    loaded = time.perf_counter()
    native = NativeModel(artifacts.files["so"], artifacts.signature)
    stages["load"] = time.perf_counter() - loaded
    return native, stages, time.perf_counter() - start, artifacts.files["ll"].stat().st_size


def native_library(workdir: str) -> Path:
    """The shared library `compile_and_load` built in `workdir`."""
    return next(Path(workdir).glob("*.so"))


def first_runs(runs: Sequence[Callable[[], list[np.ndarray]]]) -> tuple[list[list[np.ndarray]], float]:
    """Each callable's outputs from one run, and the seconds that round took (it doubles as warmup)."""
    start = time.perf_counter()
    outputs = [run() for run in runs]
    return outputs, time.perf_counter() - start


def max_abs_diff(ours: Sequence[np.ndarray], reference: Sequence[np.ndarray]) -> float:
    return max(float(np.max(np.abs(a - b))) for a, b in zip(ours, reference))


def with_random_weights(model: onnx.ModelProto, seed: int = 0) -> onnx.ModelProto:
    """The model with each ConstantOfShape weight v replaced by random values in [-v, 3v].

    A shipped weight is one value repeated, which opt-fuse inlines into its
    kernels as a constant: no weight loads and a near-empty weights file, so
    latency and clang time come out lower than with real weights. Only the
    timing needs real tensors here: mean v, both signs, BatchNormalization
    variances positive in [0.5v, 1.5v]. (tests/test_light_models.py draws
    role-aware weights and compares logits, for numerics.)
    """
    rng = np.random.default_rng(seed)
    variances = {n.input[4] for n in model.graph.node if n.op_type == "BatchNormalization"}
    shapes = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
    randomized = onnx.ModelProto()
    randomized.CopyFrom(model)
    del randomized.graph.node[:]
    for node in model.graph.node:
        if node.op_type != "ConstantOfShape":
            randomized.graph.node.append(node)
            continue
        value = float(numpy_helper.to_array(node.attribute[0].t).reshape(-1)[0])
        low, high = (0.5 * value, 1.5 * value) if node.output[0] in variances else (-value, 3 * value)
        weights = rng.uniform(low, high, size=[int(d) for d in shapes[node.input[0]]])
        randomized.graph.initializer.append(numpy_helper.from_array(weights.astype(np.float32), node.output[0]))
    return randomized


def measure(name: str, repeats: int, seconds: float, random_weights: bool = False) -> Result:
    path = LIGHT_DIR / f"light_{name}.onnx"
    model = onnx.load(str(path))
    inputs = random_inputs(model)
    with tempfile.TemporaryDirectory(prefix="light-bench-") as workdir:
        if random_weights:  # saved, so the import stage still includes reading the file
            model = with_random_weights(model)
            path = Path(workdir) / path.name
            onnx.save(model, str(path))
        native, stages, total, ll_bytes = compile_and_load(path, workdir)
        native_2t = NativeModel(native_library(workdir), native.signature, num_threads=2)  # the same library, its pool on 2 threads
        sessions = [onnxruntime_session(model, threads) for threads in THREADS]
        feed = {i.name: a for i, a in zip(sessions[0].get_inputs(), inputs)}
        runs = [lambda: native.run(inputs), lambda: native_2t.run(inputs), *(lambda s=s: s.run(None, feed) for s in sessions)]
        (ours, ours_2t, *references), first_round = first_runs(runs)
        warmup = 0 if first_round > seconds / 5 else 2  # a slow model is warm after its first run
        (ours_s, ours2_s, ort1_s, ort2_s), rounds = round_robin_medians(runs, repeats, seconds, warmup, settle=SETTLE_SECONDS)
    passes = sum(t for k, t in stages.items() if k.startswith("pass:"))
    return Result(
        name, stages["import"], passes, stages["clang"], stages["load"], total, stages, ll_bytes,
        ours_s * 1e3, ort1_s * 1e3, ours_s / ort1_s, ort2_s * 1e3, ours2_s * 1e3, ours2_s / ort2_s, ours_s / ours2_s,
        max(max_abs_diff(ours, references[0]), max_abs_diff(ours_2t, references[0])), max(float(np.max(np.abs(r))) for r in references[0]), rounds,
        os.getloadavg()[0],
    )  # fmt: skip


def table(results: Sequence[Result], random_weights: bool) -> str:
    rows = [
        "| model | import s | passes s | clang s | load s | total compile s | opt-fuse 1t ms | ort 1t ms "
        + "| ratio 1t | opt-fuse 2t ms | ort 2t ms | ratio 2t | opt-fuse 1t/2t | max diff | rounds | load 1m |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        rows.append(
            f"| {r.model} | {r.import_s:.2f} | {r.passes_s:.2f} | {r.clang_s:.2f} | {r.load_s:.3f} | {r.compile_total_s:.2f} "
            f"| {r.opt_fuse_ms:.1f} | {r.ort_1t_ms:.2f} | {r.ratio_1t:.1f} | {r.opt_fuse_2t_ms:.1f} | {r.ort_2t_ms:.2f} | {r.ratio_2t:.1f} "
            f"| {r.speedup_2t:.2f} "
            f"| {r.max_abs_diff:.1e} | {r.rounds} | {r.load_1m:.1f} |"
        )
    if results:
        rows.append(
            f"\ngeometric mean opt-fuse / onnxruntime: {geomean([r.ratio_1t for r in results]):.1f} (ort 1 thread), "
            f"{geomean([r.ratio_2t for r in results]):.1f} (2 threads); opt-fuse 1 -> 2 threads: "
            f"{geomean([r.speedup_2t for r in results]):.2f}x"
        )
    weights = "random tensors" if random_weights else "the shipped one-value tensors, inlined by opt-fuse as constants"
    rows.append(f"weights: {weights}")
    return "\n".join(rows)


def breakdown(result: Result) -> str:
    """Every compile stage of one model, in order, with its share of the stages' sum."""
    total = sum(result.stages_s.values())
    title = f"compile stages for {result.model} ({total:.2f} s; {result.ll_bytes / 1e6:.1f} MB of LLVM IR):"
    rows = [title, "| stage | s | % |", "|---|---:|---:|"]
    rows += [f"| {stage} | {s:.3f} | {100 * s / total:.1f} |" for stage, s in result.stages_s.items()]
    return "\n".join(rows)


def cpu_model() -> str:
    try:
        lines = Path("/proc/cpuinfo").read_text().splitlines()
    except OSError:
        return platform.processor() or platform.machine()
    return next((ln.split(":", 1)[1].strip() for ln in lines if ln.startswith("model name")), platform.machine())


def machine_facts(load_before: tuple[float, float, float]) -> dict[str, object]:
    """What the numbers depend on; the load averages tell whether the shared machine was quiet."""
    return {
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "load_average_before": load_before,
        "load_average_after": os.getloadavg(),
        "python": platform.python_version(),
        "onnxruntime": ort.__version__,
        "onnx": onnx.__version__,
        "toolchain": describe_toolchain(),
    }


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("models", nargs="*", help=f"model names (default: all of {', '.join(MODELS)})")
    parser.add_argument("--seconds", type=float, default=20.0, help="seconds of timing per model (default 20)")
    parser.add_argument("--repeats", type=int, default=50, help="most timed rounds per model (default 50)")
    parser.add_argument("--quick", action="store_true", help=f"smoke mode: {QUICK_MODEL} only, one round, no warmup")
    parser.add_argument(
        "--random-weights",
        action="store_true",
        help="replace the shipped one-value weights (which opt-fuse inlines as constants) by random tensors",
    )
    parser.add_argument("--json", type=Path, default=None, help="also write every number here")
    args = parser.parse_args(argv)
    select_models(parser, args, MODELS, QUICK_MODEL)
    return args


def select_models(parser: argparse.ArgumentParser, args: argparse.Namespace, every: Sequence[str], quick_model: str) -> None:
    """Resolve `args.models` (empty: all of `every`); --quick means `quick_model` (unless models are
    named), one round and no warmup. An unknown name is a usage error listing the known ones."""
    if args.quick:
        args.models, args.repeats, args.seconds = args.models or [quick_model], 1, 0.0
    args.models = args.models or list(every)
    if unknown := sorted(set(args.models) - set(every)):
        parser.error(f"unknown model(s) {', '.join(unknown)}; choose from {', '.join(every)}")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    ort.set_default_logger_severity(ORT_QUIET)
    load_before = os.getloadavg()
    results: list[Result] = []
    failures: dict[str, str] = {}
    for name in args.models:
        print(f"{name} ...", file=sys.stderr, flush=True)
        try:  # one model failing (an op not supported yet) should not hide the others' numbers
            results.append(measure(name, args.repeats, args.seconds, args.random_weights))
        except Exception as error:  # noqa: BLE001
            traceback.print_exc()
            failures[name] = f"{type(error).__name__}: {error}"
    print(table(results, args.random_weights))
    shown = next((r for r in results if r.model == BREAKDOWN_MODEL), results[0] if results else None)
    if shown:
        print("\n" + breakdown(shown))
    for name, error in failures.items():
        print(f"FAILED {name}: {error}")
    if args.json:
        summary = {
            "machine": machine_facts(load_before),
            "settings": {
                "seconds": args.seconds,
                "repeats": args.repeats,
                "ort_threads": THREADS,
                "opt_fuse_threads": THREADS,
                "random_weights": args.random_weights,
            },
            "results": [asdict(r) for r in results],
            "failures": failures,
            "geomean_ratio_1t": geomean([r.ratio_1t for r in results]) if results else None,
            "geomean_ratio_2t": geomean([r.ratio_2t for r in results]) if results else None,
        }
        args.json.write_text(json.dumps(summary, indent=2) + "\n")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
