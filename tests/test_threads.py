"""A compiled model's `run` is safe to call from several Python threads at once.

The generated code keeps its intermediate buffers in one static arena
(passes/plan_memory.py), so two native calls must not overlap: the runtime
serializes calls to one library with a lock (compiler/runtime.py). Each rep
loads its own copy of the library, so two reps of one model do not share an
arena behind two different locks. This test runs many calls from several
threads, with a different input each, and checks every result against the
same call made alone; without the lock the threads overwrite each other's
intermediates and the results differ.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import onnx
from onnx_helpers import REPO_ROOT

from compiler import backend

CNN = REPO_ROOT / "examples" / "cnn.onnx"


def test_concurrent_runs_equal_serial_runs() -> None:
    reps = [backend.prepare(onnx.load(str(CNN))) for _ in range(2)]
    rng = np.random.default_rng(0)
    inputs = [rng.standard_normal((1, 3, 16, 16)).astype(np.float32) for _ in range(48)]
    expected = [reps[0].run([x])[0] for x in inputs]
    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(lambda job: reps[job[0] % 2].run([job[1]])[0], enumerate(inputs)))
    for number, (got, want) in enumerate(zip(results, expected)):
        np.testing.assert_array_equal(got, want, err_msg=f"call {number}")
