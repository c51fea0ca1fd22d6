"""Where a model's time goes, kernel by kernel: opt-fuse under `perf`, onnxruntime under its own profiler.

    python benchmarks/kernel_profile.py squeezenet               # fused kernels and ort nodes, 5 s each
    python benchmarks/kernel_profile.py resnet50 cnn --seconds 10 --json out.json
    python benchmarks/kernel_profile.py softmax --unfused        # every op its own kernel
    python benchmarks/kernel_profile.py squeezenet --per-kernel  # also each kernel and node, in ms per run
    python benchmarks/kernel_profile.py resnet50 --shipped-weights   # its one-value weights, not random ones

opt-fuse: the model is compiled as usual (benchmarks/kernels_vs_ort.py's
models, light ones with random weights unless --shipped-weights), then its LLVM IR is recompiled with
every kernel marked `noinline`, so each kernel keeps its own symbol instead of
being inlined into `<model>_run` (kernels are whole loop nests: the call costs
nothing next to them). A child process runs the model in a loop under
`perf record -e cpu-clock` (a software clock: this needs no hardware counters,
which a VM often lacks), and `perf report` gives the samples per symbol. A
kernel is named `<model>_k<index>_<ops>`; the table sums the samples by the
`<ops>` part (e.g. conv2d_relu), as a share of the samples in the model's code.

onnxruntime: SessionOptions.enable_profiling on 1 intra-op thread, the
per-node durations of its trace summed by op type, as a share of all nodes.

--per-kernel also lists each opt-fuse kernel (its samples / 2000 Hz / runs) and each
onnxruntime node (its traced time / runs) in the order they run, in ms per run: a
fused kernel and the nodes it stands for are then side by side in the two lists.

Single-threaded both: these are shares of one core's time.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import onnx
import onnxruntime as ort

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.kernels_vs_ort import EXAMPLES, FUSION_GRAPHS, LIGHT_MODELS, load_models
from benchmarks.side_by_side import random_inputs
from compiler.driver import compile_model
from compiler.targets import resolve_target
from compiler.toolchain import compile_llvm_ir

CHILD = r"""
import pickle, sys, time
sys.path.insert(0, sys.argv[1])
from compiler.runtime import NativeModel
signature, inputs, seconds = pickle.load(open(sys.argv[3], "rb"))
model = NativeModel(sys.argv[2], signature)
model.run(inputs)
end, runs = time.perf_counter() + seconds, 0
while time.perf_counter() < end:
    model.run(inputs)
    runs += 1
print(runs + 1)
"""
SAMPLE_HZ = 2000
"""perf's sampling frequency: a kernel's samples / SAMPLE_HZ / runs is its time per run."""
KERNEL = re.compile(r"^(?P<model>.+?)_k(?P<index>\d+)_(?P<ops>.+)$")


def noinline(ir: str) -> str:
    """The module with every internal function (the kernels) marked noinline."""
    return re.sub(r"^(define internal [^\n]*\)) (#\d+ \{)$", r"\1 noinline \2", ir, flags=re.MULTILINE)


def perf_samples(data: Path, library: Path) -> Counter[str]:
    """Samples per symbol in `library` ("[other]" for samples elsewhere: Python, numpy, libc)."""
    report = subprocess.run(
        ["perf", "report", "-i", str(data), "--stdio", "--no-children", "--sort", "dso,sym", "-F", "sample,dso,sym"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    samples: Counter[str] = Counter()
    for line in report.splitlines():
        match = re.match(r"^\s+(\d+)\s+(\S+)\s+\[\.\]\s+(\S+)", line)
        if match is None:
            continue
        count, dso, symbol = int(match[1]), match[2], match[3]
        samples[symbol if dso == library.name else "[other]"] += count
    return samples


def profile_opt_fuse(model: onnx.ModelProto, seconds: float, fuse: bool) -> dict[str, object]:
    if shutil.which("perf") is None:
        raise RuntimeError("perf is not installed (apt-get install linux-perf): the opt-fuse profile needs it")
    inputs = random_inputs(model)
    with tempfile.TemporaryDirectory(prefix="kernel-profile-") as tmp:
        work = Path(tmp)
        artifacts = compile_model(model, work, fuse=fuse, kinds=())
        ll = artifacts.files["ll"]
        split = ll.with_name(ll.stem + ".noinline.ll")
        split.write_text(noinline(ll.read_text()))
        library = work / f"{ll.stem}_profiled.so"
        compile_llvm_ir(split, library, resolve_target("native"), "shared")
        state = work / "state.pickle"
        state.write_bytes(pickle.dumps((artifacts.signature, inputs, seconds)))
        data = work / "perf.data"
        command = ["perf", "record", "-q", "-e", "cpu-clock", "-F", str(SAMPLE_HZ), "-o", str(data), "--"]
        command += [sys.executable, "-c", CHILD, str(ROOT), str(library), str(state)]
        runs = int(subprocess.run(command, check=True, capture_output=True, text=True).stdout.split()[-1])
        samples = perf_samples(data, library)
    kernels = {s: n for s, n in samples.items() if s != "[other]"}
    total = sum(kernels.values())
    by_ops: Counter[str] = Counter()
    for symbol, count in kernels.items():
        match = KERNEL.match(symbol)
        by_ops[match["ops"] if match else symbol] += count
    in_order = sorted(kernels, key=lambda k: (int(m["index"]) if (m := KERNEL.match(k)) else 1 << 30, k))
    return {
        "samples_in_model": total,
        "samples_elsewhere": samples.get("[other]", 0),
        "runs": runs,
        "kernel_ms": {k: kernels[k] / SAMPLE_HZ / runs * 1e3 for k in in_order},
        "kernels": dict(sorted(((k, v / total) for k, v in kernels.items()), key=lambda kv: -kv[1])),
        "by_ops": dict(sorted(((k, v / total) for k, v in by_ops.items()), key=lambda kv: -kv[1])),
    }


def profile_ort(model: onnx.ModelProto, seconds: float) -> dict[str, object]:
    inputs = random_inputs(model)
    with tempfile.TemporaryDirectory(prefix="ort-profile-") as tmp:
        options = ort.SessionOptions()
        options.intra_op_num_threads, options.inter_op_num_threads = 1, 1
        options.enable_profiling = True
        options.profile_file_prefix = str(Path(tmp) / "ort")
        session = ort.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])
        feed = {i.name: a for i, a in zip(session.get_inputs(), inputs)}
        session.run(None, feed)
        end, runs = time.perf_counter() + seconds, 0
        while time.perf_counter() < end or runs < 3:
            session.run(None, feed)
            runs += 1
        trace = json.loads(Path(session.end_profiling()).read_text())
    by_op: Counter[str] = Counter()
    by_node: dict[str, float] = {}  # in the order onnxruntime ran them
    for event in trace:
        if event.get("cat") == "Node" and event.get("name", "").endswith("_kernel_time"):
            by_op[event["args"]["op_name"]] += event["dur"]
            node = f"{event['name'].removesuffix('_kernel_time')} ({event['args']['op_name']})"
            by_node[node] = by_node.get(node, 0.0) + event["dur"]
    total = sum(by_op.values())
    return {
        "runs": runs,
        "node_ms": {node: us / (runs + 1) / 1e3 for node, us in by_node.items()},  # the first run is traced too
        "by_op": dict(sorted(((k, v / total) for k, v in by_op.items()), key=lambda kv: -kv[1])),
    }


def shares(title: str, table: dict[str, float], top: int) -> str:
    rows = [f"| {title} | share |", "|---|---:|"]
    items = list(table.items())
    rows += [f"| {name} | {100 * share:.1f}% |" for name, share in items[:top]]
    if len(items) > top:
        rows.append(f"| ({len(items) - top} more) | {100 * sum(s for _, s in items[top:]):.1f}% |")
    return "\n".join(rows)


def in_order(title: str, times: dict[str, float], least: float = 0.005) -> str:
    """Kernels or nodes in the order they run, with ms per run; those under `least` of the total summed up."""
    total = sum(times.values())
    rows = [f"| {title} | ms per run |", "|---|---:|"]
    rows += [f"| {name} | {ms:.3f} |" for name, ms in times.items() if ms >= least * total]
    small = [ms for ms in times.values() if ms < least * total]
    if small:
        rows.append(f"| ({len(small)} under {least:.1%} each) | {sum(small):.3f} |")
    rows.append(f"| total | {total:.3f} |")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    every = [*LIGHT_MODELS, *EXAMPLES, *FUSION_GRAPHS]
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("models", nargs="+", help=f"model names ({', '.join(every)})")
    parser.add_argument(
        "--seconds", type=float, default=5.0, help="seconds of running per model and runtime (default 5)"
    )
    parser.add_argument(
        "--unfused", action="store_true", help="profile opt-fuse without fusion (every op its own kernel)"
    )
    parser.add_argument(
        "--shipped-weights",
        action="store_true",
        help="the light models with their shipped one-value weights (inlined as constants), not random ones",
    )
    parser.add_argument("--top", type=int, default=8, help="rows per table (default 8)")
    parser.add_argument(
        "--per-kernel",
        action="store_true",
        help="also list every kernel and every onnxruntime node in the order they run, in ms per run",
    )
    parser.add_argument("--json", type=Path, default=None, help="also write the shares here")
    args = parser.parse_args(argv)
    if unknown := sorted(set(args.models) - set(every)):
        parser.error(f"unknown model(s) {', '.join(unknown)}; choose from {', '.join(every)}")
    ort.set_default_logger_severity(3)
    results = {}
    for name, _, build in load_models(args.models, shipped_weights=args.shipped_weights):
        print(f"{name} ...", file=sys.stderr, flush=True)
        model = build()
        ours = profile_opt_fuse(model, args.seconds, fuse=not args.unfused)
        theirs = profile_ort(model, args.seconds)
        results[name] = {"opt_fuse": ours, "onnxruntime": theirs}
        print(f"\n## {name} (load average {os.getloadavg()[0]:.1f})\n")
        print(shares(f"opt-fuse {'unfused ' if args.unfused else ''}kernels, by ops", ours["by_ops"], args.top))
        print()
        print(shares("onnxruntime nodes, by op type", theirs["by_op"], args.top))
        if args.per_kernel:
            print()
            print(in_order("opt-fuse kernel", ours["kernel_ms"]))  # type: ignore[arg-type]
            print()
            print(in_order("onnxruntime node (op type)", theirs["node_ms"]))  # type: ignore[arg-type]
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
