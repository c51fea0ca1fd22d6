"""The compile driver: ONNX model -> .ll, weights blob, .o, .so and a C header.

Every stage is a named pass pipeline (`pipeline_for`), so any step can be
reproduced with `opt-fuse --pass-pipeline=...`. The IR stays in memory from
import to LLVM IR text; only clang sees files.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import onnx
from xdsl.dialects import func
from xdsl.dialects.builtin import ModuleOp, TensorType

from compiler.context import make_context
from compiler.errors import OptFuseError
from compiler.onnx_importer import c_identifier, import_model, load_model
from compiler.pass_pipeline import build_passes, parse_pass_pipeline
from compiler.targets import resolve_target
from compiler.toolchain import compile_llvm_ir
from dialects.llvmir import TranslationOp
from passes import get_all_passes

ARTIFACT_KINDS = ("ll", "o", "so", "h")


@dataclass(frozen=True)
class TensorSpec:
    name: str
    """The ONNX name."""
    shape: tuple[int, ...]
    dtype: str = "float32"

    @property
    def c_name(self) -> str:
        return c_identifier(self.name, "tensor")


@dataclass(frozen=True)
class Signature:
    """What the entry point `<entry>_run(inputs..., outputs...)` takes, in order."""

    entry: str
    inputs: tuple[TensorSpec, ...]
    outputs: tuple[TensorSpec, ...]


@dataclass(frozen=True)
class Artifacts:
    signature: Signature
    target: str
    files: dict[str, Path]
    """Paths by kind: ll, weights, o, so, h."""


def pipeline_for(target: str, weights_file: str, fuse: bool = True) -> str:
    """The compilation after import, as opt-fuse pipeline text; without `fuse`, one kernel per op."""
    quoted = weights_file.replace('"', '\\"')
    fusion = "fold-batchnorm,fuse," if fuse else ""
    return f'builtin.module(shape-infer,fold-constants,{fusion}lower-to-loops,approximate-math,emit-llvm{{target={target} weights-file="{quoted}"}})'


def run_pipeline(module: ModuleOp, pipeline: str, timings: dict[str, float] | None = None) -> None:
    """Run `pipeline` on `module`; with `timings`, add each pass's seconds under "pass:<name>"."""
    ctx = make_context()
    for pass_ in build_passes(parse_pass_pipeline(pipeline), get_all_passes()):
        with _timed(timings, f"pass:{pass_.name}"):
            pass_.apply(ctx, module)


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
        shapes = [tuple(t.get_shape()) if isinstance(t, TensorType) else () for t in types]
        return tuple(TensorSpec(n, s) for n, s in zip(names, shapes))

    return Signature(
        f"{function.sym_name.data}_run",
        specs(input_names, function.function_type.inputs.data),
        specs(output_names, function.function_type.outputs.data),
    )


def compile_model(
    source: onnx.ModelProto | bytes | str | Path,
    out_dir: str | Path,
    *,
    name: str | None = None,
    target: str = "native",
    fuse: bool = True,
    kinds: Sequence[str] = ARTIFACT_KINDS,
    timings: dict[str, float] | None = None,
) -> Artifacts:
    """Compile a model into `out_dir`: <name>.ll, <name>.weights, and the requested .o/.so/.h.

    `fuse` selects the fusing pipeline; without it every op is its own kernel.
    `timings`, if given, is filled with the seconds spent per stage, so a
    benchmark can say where compile time goes: "import", "pass:<name>" for
    each pass, "write" (the .ll and weights files) and "clang".
    """
    unknown = set(kinds) - set(ARTIFACT_KINDS)
    if unknown:
        raise OptFuseError(f"unknown artifact kind(s) {sorted(unknown)} (expected some of {', '.join(ARTIFACT_KINDS)})")
    resolved = resolve_target(target)
    with _timed(timings, "import"):
        model = load_model(source)
        module = import_model(model, name)
    run_pipeline(module, "builtin.module(shape-infer)", timings)
    signature = signature_of(module, model)
    stem = signature.entry.removesuffix("_run")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    files = {"ll": out / f"{stem}.ll", "weights": out / f"{stem}.weights"}
    run_pipeline(module, pipeline_for(target, str(files["weights"].resolve()), fuse), timings)
    translation = next(iter(module.ops))
    assert isinstance(translation, TranslationOp)
    with _timed(timings, "write"):
        files["ll"].write_text(translation.ir.data)
        files["weights"].write_bytes(translation.weights.data)
    if "o" in kinds:
        files["o"] = out / f"{stem}.o"
        with _timed(timings, "clang"):
            compile_llvm_ir(files["ll"], files["o"], resolved, "object")
    if "so" in kinds:
        files["so"] = out / f"{stem}.so"
        with _timed(timings, "clang"):
            compile_llvm_ir(files["ll"], files["so"], resolved, "shared")
    if "h" in kinds:
        files["h"] = out / f"{stem}.h"
        files["h"].write_text(c_header(signature, resolved.name))
    return Artifacts(signature, resolved.name, files)


def c_header(signature: Signature, target: str) -> str:
    """The header declaring the entry point, with each tensor's shape spelled out."""
    guard = f"OPT_FUSE_{signature.entry.upper()}_H"
    prefix = signature.entry.removesuffix("_run").upper()
    lines = [
        f"/* Generated by opt-fuse for {target}. */",
        f"#ifndef {guard}",
        f"#define {guard}",
        "",
        "#ifdef __cplusplus",
        'extern "C" {',
        "#endif",
        "",
    ]
    params: list[str] = []
    for role, specs in (("INPUT", signature.inputs), ("OUTPUT", signature.outputs)):
        for spec in specs:
            size = 1
            for d in spec.shape:
                size *= d
            dims = "".join(f"[{d}]" for d in spec.shape)
            lines.append(f"/* {role.lower()} '{spec.name}': float{dims} */")
            lines.append(f"#define {prefix}_{role}_{spec.c_name.upper()}_SIZE {size}")
            params.append(f"{'const ' if role == 'INPUT' else ''}float *{spec.c_name}")
    lines += [
        "",
        "/* Runs the model on contiguous row-major buffers; returns 0 on success.",
        "   Intermediate buffers are static: do not call it from two threads at once. */",
        f"int {signature.entry}({', '.join(params)});",
        "",
        "#ifdef __cplusplus",
        "}",
        "#endif",
        "",
        f"#endif /* {guard} */",
        "",
    ]
    return "\n".join(lines)
