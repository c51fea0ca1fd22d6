"""Compile an example model with opt-fuse, run it, and compare with onnxruntime.

    python examples/run_example.py                # both examples
    python examples/run_example.py examples/cnn.onnx

Prints the outputs, the largest difference from onnxruntime, and the latency
of both (medians of alternating single-threaded runs).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.side_by_side import EXAMPLES, measure  # noqa: E402
from compiler.toolchain import describe_toolchain  # noqa: E402


def main(argv: list[str]) -> int:
    models = [Path(a) for a in argv] or EXAMPLES
    print(f"toolchain: {describe_toolchain()}")
    np.set_printoptions(precision=5, suppress=True, linewidth=100)
    for path in models:
        result, outputs = measure(path, repeats=200)
        print(f"\n== {path.name}: compiled in {result.compile_seconds:.2f} s")
        for number, output in enumerate(outputs):
            print(f"output {number} {list(output.shape)}:\n{output}")
        print(f"max |opt-fuse - onnxruntime| = {result.max_abs_diff:.2e}")
        print(
            f"latency (median of 200, 1 thread): opt-fuse {result.opt_fuse_ms:.4f} ms, "
            f"onnxruntime {result.onnxruntime_ms:.4f} ms, ratio {result.ratio:.2f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
