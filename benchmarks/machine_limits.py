"""What this machine can do at most: peak fp32 FMA GFLOP/s and triad memory bandwidth.

    python benchmarks/machine_limits.py                       # a few seconds per measurement
    python benchmarks/machine_limits.py --json benchmarks/machine-limits-latest.json
    python benchmarks/machine_limits.py --quick               # CI smoke: rough figures in about a second

The yardsticks for benchmarks/kernels_vs_ort.py: a conv or matmul kernel is
judged by its GFLOP/s as a fraction of the FMA peak, an elementwise or fused
memory-bound kernel by its GB/s as a fraction of the triad bandwidth.

A tiny C program (written here, compiled with the project's clang from
compiler/toolchain.py at -O3 with the native target's CPU flag, -march=native
on x86_64, -mcpu=native on aarch64) measures:

- FMA peak: each thread runs 16 (12 with 16 vector registers) independent
  chains acc = fma(acc, a, b) on vector registers, so the FMA latency is hidden
  and only the FMA throughput counts; 2 flops per lane per FMA. Measured for each
  vector width the CPU has (128, 256, 512 bits): the native peak is the widest,
  and the 256-bit figure is the ceiling of code that sticks to AVX2 (clang's
  auto-vectorizer prefers 256-bit vectors on AVX-512 Intel cores). On one
  thread ("one core") and on one thread per core ("all cores", started together
  at a barrier; the time is the slowest thread's).
- Triad bandwidth, as STREAM counts it: a[i] = b[i] + s * c[i] over float64
  arrays, 24 bytes per element (two loads, one store; the write-allocate read is
  not counted), on one thread and on all cores (each thread its own slice,
  first-touched by that thread). The headline is arrays far larger than the
  last-level cache (each array at least 4x the LLC, as STREAM asks); the same
  triad on footprints that fit in L2 and in L3 is reported too, because small
  graphs run from cache and a fraction of DRAM bandwidth above 1.0 means just that.

Each figure is the median of several samples of about 0.2 s (the JSON also
has every sample and the best one, which is what STREAM reports). The machine
is shared: a busy neighbour lowers the figures, the all-cores ones first (with
one core taken, "all cores" measures one core time-shared), so compare the load
averages printed with them, and measure again when the machine is quiet.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from compiler import toolchain
from compiler.targets import host_arch, resolve_target

C_SOURCE = r"""
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + 1e-9 * t.tv_nsec;
}

#if defined(__AVX512F__) || defined(__aarch64__)
#define CHAINS 16 /* 32 vector registers */
#else
#define CHAINS 12 /* 16 vector registers: 12 accumulators and the two operands */
#endif

#define FMA_KERNEL(BYTES)                                                                 \
    typedef float v##BYTES __attribute__((vector_size(BYTES)));                          \
    __attribute__((noinline, min_vector_width(BYTES * 8))) static float fma_##BYTES(int64_t iterations, float seed) { \
        v##BYTES acc[CHAINS];                                                             \
        v##BYTES a, b;                                                                    \
        for (int i = 0; i < (int)(BYTES / 4); i++) { a[i] = 0.999999f; b[i] = 1e-7f; }    \
        for (int c = 0; c < CHAINS; c++)                                                  \
            for (int i = 0; i < (int)(BYTES / 4); i++) acc[c][i] = seed + c;              \
        for (int64_t n = 0; n < iterations; n++) {                                        \
            _Pragma("clang loop unroll(full)")                                            \
            for (int c = 0; c < CHAINS; c++) acc[c] = __builtin_elementwise_fma(acc[c], a, b); \
        }                                                                                 \
        float s = 0;                                                                      \
        for (int c = 0; c < CHAINS; c++)                                                  \
            for (int i = 0; i < (int)(BYTES / 4); i++) s += acc[c][i];                    \
        return s;                                                                         \
    }


FMA_KERNEL(16)
#if defined(__AVX__)
FMA_KERNEL(32)
#endif
#if defined(__AVX512F__)
FMA_KERNEL(64)
#endif

static float run_fma(int bytes, int64_t iterations, float seed) {
    switch (bytes) {
    case 16: return fma_16(iterations, seed);
#if defined(__AVX__)
    case 32: return fma_32(iterations, seed);
#endif
#if defined(__AVX512F__)
    case 64: return fma_64(iterations, seed);
#endif
    }
    fprintf(stderr, "vector width %d bytes not compiled in\n", bytes);
    exit(2);
}

/* ------------------------------------------------------------------ threads */

typedef struct {
    int id, threads, kind, bytes;
    int64_t iterations; /* fma: iterations per sample; triad: passes per sample */
    int64_t n;          /* triad: elements per thread */
    double *a, *b, *c;
    volatile float sink;
} Work;

static pthread_barrier_t start_barrier, end_barrier;
static int samples;

static void triad_pass(double *restrict a, const double *restrict b, const double *restrict c, int64_t n, double s) {
    for (int64_t i = 0; i < n; i++) a[i] = b[i] + s * c[i];
}

static void *worker(void *arg) {
    Work *w = arg;
    if (w->kind == 1) { /* first touch by the thread that uses the slice */
        for (int64_t i = 0; i < w->n; i++) { w->a[i] = 0.0; w->b[i] = 1.0; w->c[i] = 2.0; }
    }
    for (int r = 0; r < samples + 1; r++) { /* sample 0 is warmup */
        pthread_barrier_wait(&start_barrier);
        if (w->kind == 0) {
            w->sink += run_fma(w->bytes, w->iterations, (float)w->id);
        } else {
            for (int64_t p = 0; p < w->iterations; p++) {
                triad_pass(w->a, w->b, w->c, w->n, 3.0 + (double)(p & 1));
                __asm__ volatile("" ::: "memory");
            }
        }
        pthread_barrier_wait(&end_barrier);
    }
    return NULL;
}

/* usage: probe fma <threads> <vector bytes> <iterations> <samples>
          probe triad <threads> <elements per thread> <passes> <samples>
   prints one line per sample: seconds */
int main(int argc, char **argv) {
    if (argc != 6) { fprintf(stderr, "usage: probe fma|triad threads size reps samples\n"); return 2; }
    int kind = strcmp(argv[1], "triad") == 0;
    int threads = atoi(argv[2]);
    int64_t size = atoll(argv[3]), reps = atoll(argv[4]);
    samples = atoi(argv[5]);
    pthread_barrier_init(&start_barrier, NULL, threads + 1);
    pthread_barrier_init(&end_barrier, NULL, threads + 1);
    Work *work = calloc(threads, sizeof(Work));
    pthread_t *ids = calloc(threads, sizeof(pthread_t));
    for (int t = 0; t < threads; t++) {
        work[t] = (Work){.id = t, .threads = threads, .kind = kind, .bytes = (int)size, .iterations = reps, .n = size};
        if (kind) {
            size_t bytes = (size_t)size * sizeof(double);
            if (posix_memalign((void **)&work[t].a, 4096, bytes) || posix_memalign((void **)&work[t].b, 4096, bytes) ||
                posix_memalign((void **)&work[t].c, 4096, bytes)) { fprintf(stderr, "out of memory\n"); return 1; }
        }
        pthread_create(&ids[t], NULL, worker, &work[t]);
    }
    for (int r = 0; r < samples + 1; r++) {
        pthread_barrier_wait(&start_barrier);
        double t0 = now();
        pthread_barrier_wait(&end_barrier);
        double t1 = now();
        if (r > 0) printf("%.9f\n", t1 - t0);
    }
    for (int t = 0; t < threads; t++) pthread_join(ids[t], NULL);
    return 0;
}
"""

SAMPLE_SECONDS = 0.2
"""Target duration of one timed sample."""
X86_FEATURES = ("avx512f", "avx512bw", "avx512vl", "avx512_vnni", "avx2", "fma", "avx", "sse4_2", "f16c")
ARM_FEATURES = ("asimd", "fphp", "asimdhp", "asimddp", "sve", "sve2", "i8mm", "bf16")
CLANG_MACROS = ("__AVX512F__", "__AVX2__", "__FMA__", "__AVX__", "__ARM_NEON", "__ARM_FEATURE_FMA", "__ARM_FEATURE_SVE")


@dataclass
class FmaPeak:
    vector_bits: int
    threads: int
    gflops: float
    """Median over the samples."""
    best_gflops: float
    """The fastest sample (STREAM's "best rate"): a busy neighbour only lowers a sample."""
    samples_gflops: list[float]


@dataclass
class Triad:
    label: str
    """Where the arrays live: "L2", "L3" or "DRAM" (by size, against the caches lscpu/sysfs reports)."""
    footprint_bytes: int
    """Bytes of the three arrays together (all threads)."""
    threads: int
    gbs: float
    """Median GB/s (1e9 bytes/s), 24 bytes per element per pass."""
    best_gbs: float
    samples_gbs: list[float]


@dataclass
class Limits:
    cpu: str
    arch: str
    cores: int
    caches: dict[str, int]
    cpu_features: list[str]
    """Vector features the CPU advertises (/proc/cpuinfo flags)."""
    clang_native_features: list[str]
    """The vector feature macros clang defines with the native CPU flag: what generated code may use."""
    clang: str
    cpu_flags: list[str]
    fma: list[FmaPeak] = field(default_factory=list)
    triad: list[Triad] = field(default_factory=list)
    peak_gflops_1core: float = 0.0
    """The widest vector's median on one thread: the yardstick for single-threaded kernels."""
    peak_gflops_all_cores: float = 0.0
    peak_gflops_1core_256: float | None = None
    """The 256-bit (AVX2) peak on one thread, on x86_64."""
    bandwidth_gbs_1core: float = 0.0
    """Triad over arrays far larger than the LLC, one thread."""
    bandwidth_gbs_all_cores: float = 0.0
    load_average_before: tuple[float, float, float] = (0.0, 0.0, 0.0)
    load_average_after: tuple[float, float, float] = (0.0, 0.0, 0.0)
    quick: bool = False


def cpu_model() -> str:
    try:
        lines = Path("/proc/cpuinfo").read_text().splitlines()
    except OSError:
        return platform.processor() or platform.machine()
    for key in ("model name", "Model", "CPU part"):
        found = next((ln.split(":", 1)[1].strip() for ln in lines if ln.startswith(key)), None)
        if found:
            return found
    return platform.machine()


def cpu_features() -> list[str]:
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return []
    match = re.search(r"^(flags|Features)\s*:(.*)$", text, re.MULTILINE)
    flags = set(match[2].split()) if match else set()
    return [f for f in (*X86_FEATURES, *ARM_FEATURES) if f in flags]


def cache_sizes() -> dict[str, int]:
    """Bytes of each cache level one core sees (L1d, L2, L3), from sysfs."""
    caches: dict[str, int] = {}
    for index in sorted(Path("/sys/devices/system/cpu/cpu0/cache").glob("index*")):
        try:
            level = (index / "level").read_text().strip()
            kind = (index / "type").read_text().strip()
            size = (index / "size").read_text().strip()
        except OSError:
            continue
        if kind == "Instruction":
            continue
        units = {"K": 1024, "M": 1024**2, "G": 1024**3}
        number = int(re.match(r"\d+", size)[0]) * units.get(size[-1], 1)
        caches["L1d" if level == "1" else f"L{level}"] = number
    return caches


def clang_flags() -> tuple[list[str], list[str]]:
    """(the clang command, its CPU flags) for native code, as the compiler's toolchain spells them."""
    clang = toolchain.find_clang()
    flags = list(resolve_target("native").clang_cpu_flags)
    if clang.is_zig:
        flags = [toolchain._zig_cpu_flag(f) for f in flags]
    return list(clang.command), flags


def clang_native_features(command: list[str], flags: list[str]) -> list[str]:
    result = subprocess.run(
        [*command, *flags, "-dM", "-E", "-x", "c", "-"], input="", capture_output=True, text=True, check=True
    )
    return [m for m in CLANG_MACROS if re.search(rf"#define {m}\b", result.stdout)]


def build_probe(workdir: Path) -> Path:
    command, flags = clang_flags()
    source, exe = workdir / "probe.c", workdir / "probe"
    source.write_text(C_SOURCE)
    cmd = [*command, *flags, "-O3", "-pthread", str(source), "-o", str(exe)]
    result = subprocess.run(cmd, check=False, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"compiling the probe failed: {' '.join(cmd)}\n{result.stderr}")
    return exe


def run_probe(exe: Path, kind: str, threads: int, size: int, reps: int, samples: int) -> list[float]:
    out = subprocess.run(
        [str(exe), kind, str(threads), str(size), str(reps), str(samples)], capture_output=True, text=True, check=True
    )
    return [float(line) for line in out.stdout.split()]


def calibrated(
    exe: Path, kind: str, threads: int, size: int, samples: int, sample_seconds: float
) -> tuple[int, list[float]]:
    """Grow the repeat count until one sample takes about sample_seconds; then time `samples` of them."""
    reps = 1000 if kind == "fma" else 1
    while True:
        [seconds] = run_probe(exe, kind, threads, size, reps, 1)
        if seconds >= sample_seconds / 4:
            break
        reps *= 8 if seconds < sample_seconds / 40 else 2
    reps = max(1, int(reps * sample_seconds / seconds))
    return reps, run_probe(exe, kind, threads, size, reps, samples)


def fma_chains(clang_features: list[str]) -> int:
    """The probe's CHAINS: 16 with 32 vector registers (AVX-512, aarch64), else 12."""
    return 16 if "__AVX512F__" in clang_features or host_arch() == "aarch64" else 12


def measure_fma(exe: Path, bits: int, threads: int, chains: int, samples: int, sample_seconds: float) -> FmaPeak:
    reps, times = calibrated(exe, "fma", threads, bits // 8, samples, sample_seconds)
    flops = threads * reps * chains * (bits // 32) * 2
    values = [flops / t / 1e9 for t in times]
    return FmaPeak(bits, threads, statistics.median(values), max(values), values)


def measure_triad(exe: Path, label: str, footprint: int, threads: int, samples: int, sample_seconds: float) -> Triad:
    per_thread = max(1024, footprint // (3 * 8 * threads))
    reps, times = calibrated(exe, "triad", threads, per_thread, samples, sample_seconds)
    moved = 24 * per_thread * threads * reps
    values = [moved / t / 1e9 for t in times]
    return Triad(label, 24 * per_thread * threads, threads, statistics.median(values), max(values), values)


def vector_widths(features: list[str]) -> list[int]:
    if host_arch() == "aarch64":
        return [128]
    return [128, *([256] if "__AVX__" in features else []), *([512] if "__AVX512F__" in features else [])]


def triad_footprints(caches: dict[str, int], quick: bool) -> list[tuple[str, int]]:
    """(label, bytes of the three arrays) per level: half of L2, half of L3, and 12x the LLC (4x per array).

    quick: L2 and a 48 MiB "DRAM" footprint only (which may still be partly cached: a smoke test, not a figure)."""
    l2 = caches.get("L2", 1 << 20)
    llc = caches.get("L3", l2)
    sizes = [("L2", l2 // 2)]
    if "L3" in caches and not quick:
        sizes.append(("L3", llc // 2))
    sizes.append(("DRAM", 3 * max(4 * llc, 64 << 20) if not quick else 3 * (16 << 20)))
    return sizes


def measure(samples: int = 7, sample_seconds: float = SAMPLE_SECONDS, quick: bool = False, log=print) -> Limits:
    load_before = os.getloadavg()
    command, flags = clang_flags()
    features = clang_native_features(command, flags)
    caches = cache_sizes()
    cores = os.cpu_count() or 1
    limits = Limits(
        cpu_model(), host_arch(), cores, caches, cpu_features(), features,
        toolchain.describe_toolchain(), flags, load_average_before=load_before, quick=quick,
    )  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="machine-limits-") as tmp:
        exe = build_probe(Path(tmp))
        widths = vector_widths(features)
        for bits in widths[-1:] if quick else widths:
            for threads in sorted({1, cores}):
                log(f"fma {bits}-bit, {threads} thread(s) ...")
                limits.fma.append(measure_fma(exe, bits, threads, fma_chains(features), samples, sample_seconds))
        for label, footprint in triad_footprints(caches, quick):
            for threads in sorted({1, cores}):
                log(f"triad {label} ({footprint / 2**20:.1f} MiB), {threads} thread(s) ...")
                limits.triad.append(measure_triad(exe, label, footprint, threads, samples, sample_seconds))
    widest = max(p.vector_bits for p in limits.fma)
    limits.peak_gflops_1core = next(p.gflops for p in limits.fma if p.vector_bits == widest and p.threads == 1)
    limits.peak_gflops_all_cores = next(p.gflops for p in limits.fma if p.vector_bits == widest and p.threads == cores)
    limits.peak_gflops_1core_256 = next((p.gflops for p in limits.fma if p.vector_bits == 256 and p.threads == 1), None)
    limits.bandwidth_gbs_1core = next(t.gbs for t in limits.triad if t.label == "DRAM" and t.threads == 1)
    limits.bandwidth_gbs_all_cores = next(t.gbs for t in limits.triad if t.label == "DRAM" and t.threads == cores)
    limits.load_average_after = os.getloadavg()
    return limits


def table(limits: Limits) -> str:
    rows = [
        f"CPU: {limits.cpu} ({limits.arch}, {limits.cores} cores; caches "
        + ", ".join(f"{k} {v / 1024:.0f} KiB" for k, v in limits.caches.items())
        + ")",
        f"vector features: CPU {' '.join(limits.cpu_features) or '-'}; clang {' '.join(limits.cpu_flags)} enables "
        + (" ".join(limits.clang_native_features) or "-"),
        f"probe compiled by {limits.clang}",
        "",
        "| measurement | 1 thread | all cores | all / 1 |",
        "|---|---:|---:|---:|",
    ]
    cores = limits.cores
    for bits in sorted({p.vector_bits for p in limits.fma}):
        one = next(p.gflops for p in limits.fma if p.vector_bits == bits and p.threads == 1)
        every = next(p.gflops for p in limits.fma if p.vector_bits == bits and p.threads == cores)
        rows.append(f"| fp32 FMA peak, {bits}-bit vectors (GFLOP/s) | {one:.1f} | {every:.1f} | {every / one:.2f} |")
    for label in dict.fromkeys(t.label for t in limits.triad):
        one = next(t for t in limits.triad if t.label == label and t.threads == 1)
        every = next(t for t in limits.triad if t.label == label and t.threads == cores)
        rows.append(
            f"| triad bandwidth, {label} ({one.footprint_bytes / 2**20:.1f} MiB) (GB/s) | {one.gbs:.1f} | {every.gbs:.1f} | {every.gbs / one.gbs:.2f} |"
        )
    rows.append(
        f"\npeak 1 core {limits.peak_gflops_1core:.1f} GFLOP/s, all cores {limits.peak_gflops_all_cores:.1f}; "
        f"DRAM triad 1 core {limits.bandwidth_gbs_1core:.1f} GB/s, all cores {limits.bandwidth_gbs_all_cores:.1f}; "
        f"load average {limits.load_average_before[0]:.2f} before, {limits.load_average_after[0]:.2f} after"
    )
    return "\n".join(rows)


def load(path: Path) -> dict:
    """A --json file written by this script, as a dict (what kernels_vs_ort.py reads)."""
    return json.loads(Path(path).read_text())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--samples", type=int, default=7, help="timed samples per measurement; the median is kept (default 7)"
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="smoke mode: 3 short samples, the widest vectors only, L2 and a small DRAM footprint",
    )
    parser.add_argument("--json", type=Path, default=None, help="also write every number here")
    args = parser.parse_args(argv)
    samples, seconds = (3, 0.02) if args.quick else (args.samples, SAMPLE_SECONDS)
    limits = measure(samples, seconds, args.quick, log=lambda m: print(m, file=sys.stderr, flush=True))
    print(table(limits))
    if args.json:
        args.json.write_text(json.dumps(asdict(limits), indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
