"""Compile the DLRM example once with bounds, run it at several sizes, compare with onnxruntime.

    python examples/make_dlrm.py     # (re)writes examples/dlrm.onnx
    python examples/run_dlrm.py

One library, compiled with batch <= 16 and seq <= 20 (the CLI spelling is
`opt-fuse-compile examples/dlrm.onnx --dim-bound batch=16 --dim-bound seq=20`),
serves every (batch, seq) up to the bounds: here (1, 1), (5, 7) and (16, 20).
For each it prints the output's shape, its largest difference from
onnxruntime, and the latency of both (medians of alternating single-threaded
runs). Last, batch = 17 is refused with the compiler's message: one past the bound.
"""

from __future__ import annotations

import importlib.util
import sys
import time
from pathlib import Path

import numpy as np
import onnx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.side_by_side import alternating_medians, onnxruntime_session  # noqa: E402
from compiler import backend  # noqa: E402
from compiler.errors import OptFuseError  # noqa: E402
from compiler.toolchain import describe_toolchain  # noqa: E402


def _load_make_dlrm():
    # loaded by path: a top-level `examples` package may exist elsewhere on sys.path
    spec = importlib.util.spec_from_file_location("opt_fuse_make_dlrm", Path(__file__).resolve().parent / "make_dlrm.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


make_dlrm = _load_make_dlrm()
SIZES = [(1, 1), (5, 7), (16, 20)]
"""(batch, seq) pairs, up to the bounds."""
REPEATS = 200


def main(argv: list[str]) -> int:
    path = Path(argv[0]) if argv else make_dlrm.PATH
    bounds = make_dlrm.BOUNDS
    model = onnx.load(str(path))
    print(f"toolchain: {describe_toolchain()}")
    np.set_printoptions(precision=5, suppress=True, linewidth=100)
    start = time.perf_counter()
    try:
        rep = backend.prepare(model, dim_bounds=bounds, num_threads=1)
    except OptFuseError as error:
        print(f"opt-fuse cannot compile {path.name}: {error}", file=sys.stderr)
        return 1
    bound_text = ", ".join(f"{name} <= {bound}" for name, bound in bounds.items())
    print(f"\n== {path.name}: compiled once with {bound_text} in {time.perf_counter() - start:.2f} s")
    session = onnxruntime_session(model, threads=1)
    for batch, seq in SIZES:
        feed = make_dlrm.example_inputs(batch, seq)
        inputs = list(feed.values())  # graph-input order
        [ours] = rep.run(inputs)
        [reference] = session.run(None, feed)
        diff = float(np.max(np.abs(ours - reference)))
        ours_s, ort_s = alternating_medians(lambda x=inputs: rep.run(x), lambda f=feed: session.run(None, f), REPEATS)
        more = " ..." if ours.size > 4 else ""
        print(f"\nbatch={batch} seq={seq}: click {list(ours.shape)} = {ours.ravel()[:4]}{more}")
        print(f"  max |opt-fuse - onnxruntime| = {diff:.2e}")
        print(
            f"  latency (median of {REPEATS}, 1 thread): opt-fuse {ours_s * 1e3:.4f} ms, "
            f"onnxruntime {ort_s * 1e3:.4f} ms, ratio {ours_s / ort_s:.2f}"
        )
    past = bounds["batch"] + 1
    try:
        rep.run(list(make_dlrm.example_inputs(past, 4).values()))
    except OptFuseError as error:
        print(f"\nbatch={past} (past the bound) is refused: {error}")
    else:
        print(f"\nbatch={past} was NOT refused, but it is past the bound batch <= {bounds['batch']}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
