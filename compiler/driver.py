"""The compile driver: ONNX model -> .ll, weights blob, .o, .so and a C header.

Every stage is a named pass pipeline (`pipeline_for`), so any step can be
reproduced with `opt-fuse --pass-pipeline=...`. The IR stays in memory from
import to LLVM IR text; only clang sees files.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from math import prod
from pathlib import Path

import onnx
from xdsl.dialects import func
from xdsl.dialects.builtin import ModuleOp, TensorType
from xdsl.passes import ModulePass

from compiler.context import make_context
from compiler.errors import OptFuseError
from compiler.llvm_ir import ERROR_SUFFIX, FAILED_CHECK_STATUS, GET_THREADS_SUFFIX, SET_THREADS_SUFFIX
from compiler.onnx_importer import c_identifier, import_model, load_model
from compiler.pass_pipeline import build_passes, parse_pass_pipeline
from compiler.targets import Target, resolve_target
from compiler.toolchain import check_sanitizers, compile_llvm_ir, find_executable_linker
from dialects.dims import Dim, DimExpr, Dims, bounds_of, dims_of_type, is_static, symbols_of, upper_bound
from dialects.dtypes import C_TYPES, numpy_dtype
from dialects.llvmir import TranslationOp
from passes import get_all_passes
from passes.plan_memory import MemoryPlan, memory_plans

ARTIFACT_KINDS = ("ll", "o", "so", "h", "exe")
DEFAULT_KINDS = ("ll", "o", "so", "h")
"""`exe`, the test executable (compiler/test_executable.py), needs a C library for the target: on request only."""


@dataclass(frozen=True)
class TensorSpec:
    name: str
    """The ONNX name."""
    shape: Dims
    """Ints, and symbolic dims (dialects/dims.py) that the runtime binds or evaluates."""
    dtype: str = "float32"

    @property
    def c_name(self) -> str:
        return c_identifier(self.name, "tensor")


@dataclass(frozen=True)
class Signature:
    """What the entry point `<entry>_run(symbols..., inputs..., outputs...)` takes, in order.

    `symbols` are the symbolic dims of the inputs (int64 values, in this order),
    `bounds` their upper bounds, and `sizes` every symbolic size of any tensor
    in the model, which the runtime checks are not negative before a call.
    """

    entry: str
    inputs: tuple[TensorSpec, ...]
    outputs: tuple[TensorSpec, ...]
    symbols: tuple[str, ...] = ()
    bounds: tuple[tuple[str, int], ...] = ()
    sizes: tuple[Dim, ...] = ()

    @property
    def error_symbol(self) -> str:
        """The exported `const char *` global `<name>_error`: the message of the run-time check
        that failed the last run (the entry returned 2), else null."""
        return self.entry.removesuffix("_run") + ERROR_SUFFIX

    @property
    def threads_setter(self) -> str:
        """The exported `void <name>_set_num_threads(int)`: threads the parallel loops run on (default 1)."""
        return self.entry.removesuffix("_run") + SET_THREADS_SUFFIX

    @property
    def threads_getter(self) -> str:
        return self.entry.removesuffix("_run") + GET_THREADS_SUFFIX


@dataclass(frozen=True)
class Artifacts:
    signature: Signature
    target: str
    files: dict[str, Path]
    """Paths by kind: ll, weights, o, so, h."""
    arena_bytes: int | None = None
    """Bytes of the arena holding every intermediate buffer (plan-memory's report; None if it did not run)."""
    unplanned_bytes: int | None = None
    """What the intermediate buffers took before planning, each in its own 64-byte aligned global."""


def pipeline_for(target: str, weights_file: str, fuse: bool = True) -> str:
    """The compilation after import, as opt-fuse pipeline text; without `fuse`, one kernel per op."""
    quoted = weights_file.replace('"', '\\"')
    fusion = "fold-batchnorm,fuse," if fuse else ""
    kernels = kernel_options(resolve_target(target))
    return f'builtin.module(shape-infer,fold-constants,{fusion}lower-to-loops,approximate-math,{kernels},interchange-loops,parallelize-inner-loops,plan-memory,emit-llvm{{target={target} weights-file="{quoted}"}})'


def kernel_options(target: Target) -> str:
    """unroll-and-jam for `target`'s registers: `kernel_lanes` lanes (two registers) times 6
    outer lanes (8 for single-loop reductions) with 32 vector registers (AVX-512, NEON), 3
    and 6 with AVX2's 16: as many accumulators as leave room for the loads they share
    (measured on this repository's benchmarks/kernel_shapes.py convs and matmuls).
    Elementwise loops take four registers of lanes (benchmarks/fusion.py's elementwise chain)."""
    outer, flat = (6, 8) if target.vector_registers >= 32 else (3, 6)
    lanes = target.kernel_lanes
    return f"unroll-and-jam{{factor={lanes} outer-factor={outer} outer-factor-flat={flat} stream-factor={2 * lanes}}}"


def run_pipeline(
    module: ModuleOp,
    pipeline: str,
    timings: dict[str, float] | None = None,
    after_pass: Callable[[ModulePass, ModuleOp], None] | None = None,
) -> None:
    """Run `pipeline` on `module`; with `timings`, add each pass's seconds under "pass:<name>".

    `after_pass(pass, module)` sees the module after each pass: how the driver reads
    what a pass recorded in the IR (plan-memory's report) before emit-llvm replaces it.
    """
    ctx = make_context()
    for pass_ in build_passes(parse_pass_pipeline(pipeline), get_all_passes()):
        with _timed(timings, f"pass:{pass_.name}"):
            pass_.apply(ctx, module)
        if after_pass is not None:
            after_pass(pass_, module)


@contextmanager
def _timed(timings: dict[str, float] | None, key: str) -> Iterator[None]:
    """Add the block's seconds to `timings[key]`; summed, since a pass (shape-infer) may run twice."""
    start = time.perf_counter()
    yield
    if timings is not None:
        timings[key] = timings.get(key, 0.0) + time.perf_counter() - start


def signature_of(module: ModuleOp, model: onnx.ModelProto) -> Signature:
    """Input and output specs from the shape-inferred nn function and the ONNX names."""
    function = next(op for op in module.ops if isinstance(op, func.FuncOp))
    initializers = {t.name for t in model.graph.initializer}
    input_names = [i.name for i in model.graph.input if i.name not in initializers]
    output_names = [o.name for o in model.graph.output]

    def specs(names: Sequence[str], types: Sequence[object]) -> tuple[TensorSpec, ...]:
        shapes = [dims_of_type(t) if isinstance(t, TensorType) else () for t in types]
        dtypes = [numpy_dtype(t.get_element_type()).name if isinstance(t, TensorType) else "float32" for t in types]
        return tuple(TensorSpec(n, s, d) for n, s, d in zip(names, shapes, dtypes))

    inputs = specs(input_names, function.function_type.inputs.data)
    sizes = {d: None for op in function.walk() for r in op.results if isinstance(r.type, TensorType) for d in dims_of_type(r.type)}
    return Signature(
        f"{function.sym_name.data}_run",
        inputs,
        specs(output_names, function.function_type.outputs.data),
        tuple(sorted(symbols_of([d for spec in inputs for d in spec.shape]))),
        tuple(sorted(bounds_of(function.attributes).items())),
        tuple(d for d in sizes if isinstance(d, DimExpr) and not d.is_symbol()),
    )


def compile_model(
    source: onnx.ModelProto | bytes | str | Path,
    out_dir: str | Path,
    *,
    name: str | None = None,
    target: str = "native",
    fuse: bool = True,
    kinds: Sequence[str] = DEFAULT_KINDS,
    timings: dict[str, float] | None = None,
    dim_bounds: Mapping[str, int] | None = None,
    input_shapes: Mapping[str, Sequence[Dim]] | None = None,
    sanitize: bool = False,
) -> Artifacts:
    """Compile a model into `out_dir`: <name>.ll, <name>.weights, and the requested .o/.so/.h/test executable.

    `fuse` selects the fusing pipeline; without it every op is its own kernel.
    `dim_bounds` bounds the symbolic dims of the inputs (`{"batch": 8}`), and
    `input_shapes` replaces declared input shapes (`{"x": [batch, 3, 224, 224]}`).
    `timings`, if given, is filled with the seconds spent per stage, so a
    benchmark can say where compile time goes: "import", "pass:<name>" for
    each pass, "write" (the .ll and weights files) and "clang".
    `sanitize` builds the .o and the test executable with AddressSanitizer and UBSan
    (toolchain.SANITIZE_FLAGS says what that catches and what it cannot); host target only,
    and no .so (a sanitized library cannot be loaded into an uninstrumented Python).
    """
    unknown = set(kinds) - set(ARTIFACT_KINDS)
    if unknown:
        raise OptFuseError(f"unknown artifact kind(s) {sorted(unknown)} (expected some of {', '.join(ARTIFACT_KINDS)})")
    resolved = resolve_target(target)
    if "exe" in kinds:  # before minutes of compiling: can we link it at all?
        find_executable_linker(resolved)
    if sanitize:
        if "so" in kinds:
            raise OptFuseError("a sanitized shared library cannot be loaded into Python: with sanitize, ask for the test executable (exe) instead of so")
        check_sanitizers(resolved)
    with _timed(timings, "import"):
        model = load_model(source)
        module = import_model(model, name, dim_bounds, input_shapes)
    run_pipeline(module, "builtin.module(shape-infer)", timings)
    signature = signature_of(module, model)
    stem = signature.entry.removesuffix("_run")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    files = {"ll": out / f"{stem}.ll", "weights": out / f"{stem}.weights"}
    plans: dict[str, MemoryPlan] = {}  # by function: read after every pass, so the last report before emit-llvm wins
    run_pipeline(
        module,
        pipeline_for(target, str(files["weights"].resolve()), fuse),
        timings,
        lambda _, m: plans.update((plan.function, plan) for plan in memory_plans(m)),
    )
    translation = next(iter(module.ops))
    assert isinstance(translation, TranslationOp)
    with _timed(timings, "write"):
        files["ll"].write_text(translation.ir.data)
        files["weights"].write_bytes(translation.weights.data)
    if "o" in kinds or "exe" in kinds:
        files["o"] = out / f"{stem}.o"
        with _timed(timings, "clang"):
            compile_llvm_ir(files["ll"], files["o"], resolved, "object", sanitize=sanitize)
    if "so" in kinds:
        files["so"] = out / f"{stem}.so"
        with _timed(timings, "clang"):
            compile_llvm_ir(files["ll"], files["so"], resolved, "shared")
    if "h" in kinds:
        files["h"] = out / f"{stem}.h"
        files["h"].write_text(c_header(signature, resolved.name))
    if "exe" in kinds:
        from compiler.test_executable import build_test_executable  # it imports this module

        files["exe_src"], files["exe"] = out / f"{stem}_test.c", out / f"{stem}_test"
        with _timed(timings, "clang"):
            build_test_executable(files["o"], signature, resolved, files["exe_src"], files["exe"], sanitize=sanitize)
    return Artifacts(
        signature,
        resolved.name,
        files,
        sum(p.arena_bytes for p in plans.values()) if plans else None,
        sum(p.unplanned_bytes for p in plans.values()) if plans else None,
    )


def c_header(signature: Signature, target: str) -> str:
    """The header declaring the entry point, with each tensor's shape spelled out."""
    guard = f"OPT_FUSE_{signature.entry.upper()}_H"
    prefix = signature.entry.removesuffix("_run").upper()
    lines = [
        f"/* Generated by opt-fuse for {target}. */",
        f"#ifndef {guard}",
        f"#define {guard}",
        "",
        "#include <stdint.h>",
        "",
        "#ifdef __cplusplus",
        'extern "C" {',
        "#endif",
        "",
    ]
    params = [f"int64_t {name}" for name in signature.symbols]
    bounds = dict(signature.bounds)
    for name in signature.symbols:
        lines.append(f"/* symbolic dim '{name}': 0 <= {name} <= {bounds[name]}, the same for every tensor that has it */")
        lines.append(f"#define {prefix}_{name.upper()}_MAX {bounds[name]}")
    for role, specs in (("INPUT", signature.inputs), ("OUTPUT", signature.outputs)):
        for spec in specs:
            dims = "".join(f"[{d}]" for d in spec.shape)
            lines.append(f"/* {role.lower()} '{spec.name}': {spec.dtype}{dims} */")
            if is_static(spec.shape):
                lines.append(f"#define {prefix}_{role}_{spec.c_name.upper()}_SIZE {prod(spec.shape)}")  # type: ignore[arg-type]
            else:
                lines.append(f"#define {prefix}_{role}_{spec.c_name.upper()}_MAX_SIZE {upper_bound(prod(spec.shape), bounds)}")
            params.append(f"{'const ' if role == 'INPUT' else ''}{C_TYPES[spec.dtype]} *{spec.c_name}")
    lines += [
        "",
        "/* Runs the model on contiguous row-major buffers. Returns 0 on success; 1 when a symbolic",
        f"   dim is negative or past its bound (nothing ran); {FAILED_CHECK_STATUS} when a run-time check failed (an",
        f"   index out of range): the outputs are not valid and {signature.error_symbol} holds the message.",
        "   Intermediate buffers are static: do not call it from two threads at once. */",
        f"int {signature.entry}({', '.join(params)});",
        "",
        f"/* The message of the run-time check that failed the last run (status {FAILED_CHECK_STATUS}), else NULL. */",
        f"extern const char *{signature.error_symbol};",
        "",
        "/* Threads the model's parallel loops run on, the calling thread included: default 1 (clamped",
        "   to 1..256). The model ships its own small pthread pool: its workers start on the first run",
        "   that needs them and are reused; a loop with little work, or one entered while another of this",
        "   model's parallel loops runs, stays on the calling thread. Link with -lpthread before glibc 2.34. */",
        f"void {signature.threads_setter}(int num_threads);",
        f"int {signature.threads_getter}(void);",
        "",
        "#ifdef __cplusplus",
        "}",
        "#endif",
        "",
        f"#endif /* {guard} */",
        "",
    ]
    return "\n".join(lines)
