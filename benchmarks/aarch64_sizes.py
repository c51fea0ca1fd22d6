"""Object sizes and qemu run times of the models tests/test_aarch64.py runs (aarch64, fused and unfused).

    python benchmarks/aarch64_sizes.py            # examples and fusion graphs
    python benchmarks/aarch64_sizes.py --light    # squeezenet, shufflenet, alexnet with random weights

Needs qemu-aarch64 and an aarch64 linker (see README, "aarch64, qemu, and embedding in C").
"""
import importlib.util, sys, time, tempfile
from pathlib import Path
import onnx
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
from onnx_helpers import random_inputs
from compiler.driver import compile_model
from compiler.elf import object_sizes
from compiler.targets import resolve_target
from compiler.test_executable import ExecutableModel

spec = importlib.util.spec_from_file_location("fg", ROOT / "benchmarks" / "fusion_graphs.py")
fg = importlib.util.module_from_spec(spec); spec.loader.exec_module(fg)
models = {n: (lambda n=n: onnx.load(ROOT / "examples" / f"{n}.onnx")) for n in ("mlp", "cnn")}
models.update({n: b for n, b in fg.GRAPHS.items() if n != "example-cnn"})
if "--light" in sys.argv:
    from test_light_models import LIGHT_DIR, with_random_weights
    models = {n: (lambda n=n: with_random_weights(onnx.load(LIGHT_DIR / f"light_{n}.onnx"))) for n in ("squeezenet", "shufflenet", "bvlc_alexnet")}
print("| model | fused | object bytes | code | read-only data (weights) | static buffers | qemu run s |")
print("|---|---|---:|---:|---:|---:|---:|")
for name, build in models.items():
    model = build()
    for fuse in (True, False):
        with tempfile.TemporaryDirectory() as tmp:
            a = compile_model(model, tmp, target="aarch64", fuse=fuse, kinds=("exe",))
            s = object_sizes(a.files["o"])
            w = a.files["weights"].stat().st_size
            run = ExecutableModel(a.files["exe"], a.signature, resolve_target("aarch64"))
            x = random_inputs(model, seed=0)
            t = time.perf_counter(); run.run(x); t = time.perf_counter() - t
            print(f"| {name} | {'fused' if fuse else 'unfused'} | {s.file:,} | {s.code:,} | {s.rodata:,} ({w:,}) | {s.bss:,} | {t:.2f} |", flush=True)
