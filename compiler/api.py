"""The Python API: what `opt-fuse` does, as functions.

    from compiler import api

    api.load_pass_plugin("docs/tutorial/mul_by_one.py")        # --load-pass-plugin
    module = api.load("model.onnx")                            # or api.parse(ir_text)
    api.run_pipeline(module, "shape-infer,mul-by-one,fuse",    # -p, with the tool's
                     print_ir_after_change=True)               # instrumentation flags
    print(api.to_text(module))                                 # what opt-fuse prints
    model = api.compile(module)                                # lower, emit LLVM IR, clang: a .so
    outputs = model.run([x])                                   # numpy in, numpy out
    report = api.check_numerics(api.load("model.onnx"))        # --check-numerics

Every function here is what the tool calls, so the API and the tool cannot
drift apart. The ONNX backend convention (`compiler.backend.prepare`) and the
compile driver (`compiler.driver.compile_model`, the files opt-fuse-compile
writes) sit beside it; this module is for working on the IR itself.
"""

from __future__ import annotations

import tempfile
import weakref
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from xdsl.dialects import func
from xdsl.dialects.builtin import ModuleOp, TensorType

from compiler.context import make_context
from compiler.errors import OptFuseError
from compiler.ir_text import DEFAULT_ELIDE_LIMIT, decode_ir_text, parse_ir, print_ir
from compiler.pass_manager import IRPrinting, PassInstrumentation, PassManager, Timing, verify_module
from compiler.pass_pipeline import build_passes, parse_pass_pipeline, pass_info
from dialects.llvmir import TranslationOp

if TYPE_CHECKING:
    import numpy as np
    import onnx

    from compiler.numerics import NumericsReport
    from compiler.runtime import NativeModel

MODEL_SUFFIXES = (".onnx", ".onnxtxt")

XDSL_PASS_SUMMARIES = {
    "cse": "Common subexpression elimination: identical pure ops computing the same values become one (xDSL's pass).",
    "dce": "Dead code elimination: pure ops whose results are unused are erased (xDSL's pass).",
}
"""xDSL's passes without a docstring, described for --list-passes and docs/passes.md."""


# --------------------------------------------------------------------------- modules in and out


def parse(text: str, name: str = "<string>") -> ModuleOp:
    """Parse and verify IR text (ops get `name:line:col` locations for diagnostics)."""
    module = parse_ir(make_context(), text, name)
    verify_module(module)
    return module


def load(source: str | Path | onnx.ModelProto | bytes) -> ModuleOp:
    """A module from a `.mlir` file, an ONNX model (`.onnx`, `.onnxtxt`, a ModelProto or its bytes)."""
    if isinstance(source, str | Path) and not str(source).endswith(MODEL_SUFFIXES):
        path = Path(source)
        try:
            data = path.read_bytes()
        except OSError as error:
            raise OptFuseError(f"cannot read '{source}': {error.strerror}") from error
        return parse(decode_ir_text(data, str(source)), str(source))
    from compiler.onnx_importer import import_model  # onnx loads slowly: only when a model is given

    return import_model(source if not isinstance(source, str) else Path(source))


def to_text(
    module: ModuleOp,
    *,
    print_large_constants: bool = False,
    generic: bool = False,
    debuginfo: bool = False,
) -> str:
    """What opt-fuse prints: LLVM IR text after emit-llvm, else the module as IR text
    (constants of more than DEFAULT_ELIDE_LIMIT elements elided unless `print_large_constants`)."""
    ops = list(module.ops)
    if len(ops) == 1 and isinstance(ops[0], TranslationOp):
        return ops[0].ir.data
    elide = None if print_large_constants else DEFAULT_ELIDE_LIMIT
    return print_ir(module, elide_limit=elide, generic=generic, debuginfo=debuginfo)


# --------------------------------------------------------------------------- passes


def load_pass_plugin(path: str | Path) -> list[str]:
    """Register the passes (and dialects) a plugin file defines; returns the pass names."""
    from compiler.plugins import load_pass_plugin as load_plugin

    return load_plugin(path).pass_names


def list_passes() -> list[dict[str, Any]]:
    """Every registered pass with its options, types and defaults (`opt-fuse --list-passes --json`).

    `origin` says where a pass comes from: `opt-fuse`, `xdsl`, or the plugin
    that registered it."""
    from compiler.plugins import pass_origin
    from passes import XDSL_PASSES, get_all_passes

    infos: list[dict[str, Any]] = []
    for name, getter in sorted(get_all_passes().items()):
        info = pass_info(name, getter())
        if not info["summary"] and name in XDSL_PASS_SUMMARIES:
            info["summary"] = info["description"] = XDSL_PASS_SUMMARIES[name]
        origin = pass_origin(name) or ("xdsl" if name in XDSL_PASSES else "opt-fuse")
        infos.append({"name": name, "origin": origin, **{k: v for k, v in info.items() if k != "name"}})
    return infos


def run_pipeline(
    module: ModuleOp,
    pipeline: str,
    *,
    print_ir_before: Iterable[str] = (),
    print_ir_after: Iterable[str] = (),
    print_ir_before_all: bool = False,
    print_ir_after_all: bool = False,
    print_ir_after_change: bool = False,
    print_ir_after_failure: bool = False,
    print_large_constants: bool = False,
    stream: TextIO | None = None,
    timing: Timing | None = None,
    instrumentations: Sequence[PassInstrumentation] = (),
) -> ModuleOp:
    """Run pipeline text (MLIR's nested form or a flat list) on `module`, in place; returns it.

    The keywords are opt-fuse's flags; dumps go to `stream` (stderr if None),
    and `timing` collects a `Timing` table (`timing.report()`)."""
    from passes import get_all_passes

    available = get_all_passes()
    passes = build_passes(parse_pass_pipeline(pipeline), available)
    printing = IRPrinting(
        render=lambda m: to_text(m, print_large_constants=print_large_constants),
        before=check_pass_names(print_ir_before, available, "print_ir_before"),
        after=check_pass_names(print_ir_after, available, "print_ir_after"),
        before_all=print_ir_before_all,
        after_all=print_ir_after_all,
        after_change=print_ir_after_change,
        after_failure=print_ir_after_failure,
        stream=stream,
    )
    PassManager(passes, make_context(), [printing, *instrumentations], timing).run(module)
    return module


def check_pass_names(names: Iterable[str], available: dict[str, object], flag: str) -> frozenset[str]:
    """Pass names for the print flags (each may be a comma list), each checked, so a typo is an error rather than silence."""
    import difflib

    from compiler.errors import PipelineError

    chosen = frozenset(n.strip() for name in names for n in name.split(",") if n.strip())
    for name in sorted(chosen - set(available)):
        close = difflib.get_close_matches(name, list(available), n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        raise PipelineError(f"{flag}: unknown pass '{name}'{hint}; see --list-passes")
    return chosen


# --------------------------------------------------------------------------- compile and run


@dataclass
class CompiledModule:
    """A module compiled to a shared library, callable with numpy arrays."""

    signature: Any
    """compiler.driver.Signature: the entry point, inputs and outputs, in order."""
    files: dict[str, Path]
    """ll, weights, so."""
    target: str
    num_threads: int = 1
    """Threads the model's parallel loops run on (the thread pool compiled into the library)."""
    _native: NativeModel | None = field(default=None, repr=False)

    def run(self, inputs: Sequence[np.ndarray], outputs: Sequence[np.ndarray] | None = None) -> list[np.ndarray]:
        """Run on numpy arrays in argument order; returns the results in order (fresh arrays, or
        `outputs` written in place: see `NativeModel.run`)."""
        from compiler.runtime import NativeModel
        from compiler.targets import is_host_runnable, resolve_target

        if not is_host_runnable(resolve_target(self.target)):
            raise OptFuseError(f"code compiled for {self.target} does not run on this machine")
        if self._native is None:
            self._native = NativeModel(self.files["so"], self.signature, self.num_threads)
        return self._native.run(list(inputs), outputs)


def compile(module: ModuleOp, out_dir: str | Path | None = None, *, target: str = "native", num_threads: int = 1) -> CompiledModule:
    """Compile an nn-level module (any stage before lower-to-loops) into a shared library.

    The module is not changed: a copy is lowered with `lower-to-loops,
    approximate-math, emit-llvm` and compiled by clang. Without `out_dir` the
    files go to a temporary directory removed with the returned object. The
    module must have one public function with static shapes; its arguments
    are the inputs and its results the outputs. `num_threads` (>= 1) is how many threads
    `run` gives the model's parallel loops."""
    from compiler.driver import Signature, TensorSpec
    from compiler.runtime import check_num_threads
    from compiler.targets import resolve_target
    from compiler.toolchain import compile_llvm_ir
    from dialects.nn import NNOp

    threads = check_num_threads(num_threads)
    resolved = resolve_target(target)
    if not any(isinstance(op, NNOp) for op in module.walk()):
        raise OptFuseError("compile: the module has no nn ops; compile takes a module before lower-to-loops")
    function = _entry_function(module)
    names = [arg.name_hint or f"arg{i}" for i, arg in enumerate(function.args)]
    inputs = tuple(TensorSpec(name, _static_shape(t, f"input '{name}'")) for name, t in zip(names, function.function_type.inputs.data))
    copy = module.clone()
    run_pipeline(copy, "builtin.module(shape-infer)")
    function = _entry_function(copy)
    outputs = tuple(TensorSpec(f"result{i}", _static_shape(t, f"result {i}")) for i, t in enumerate(function.function_type.outputs.data))
    signature = Signature(f"{function.sym_name.data}_run", inputs, outputs)
    workdir = None
    if out_dir is None:
        workdir = tempfile.TemporaryDirectory(prefix="opt-fuse-api-")
        out_dir = workdir.name
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    stem = function.sym_name.data
    files = {"ll": out / f"{stem}.ll", "weights": out / f"{stem}.weights", "so": out / f"{stem}.so"}
    weights = str(files["weights"].resolve()).replace('"', '\\"')
    run_pipeline(copy, f'builtin.module(lower-to-loops,approximate-math,emit-llvm{{target={target} weights-file="{weights}"}})')
    translation = next(iter(copy.ops))
    assert isinstance(translation, TranslationOp)
    files["ll"].write_text(translation.ir.data)
    files["weights"].write_bytes(translation.weights.data)
    compile_llvm_ir(files["ll"], files["so"], resolved, "shared")
    compiled = CompiledModule(signature, files, resolved.name, threads)
    if workdir is not None:
        weakref.finalize(compiled, workdir.cleanup)
    return compiled


def _entry_function(module: ModuleOp) -> func.FuncOp:
    functions = [op for op in module.ops if isinstance(op, func.FuncOp) and not op.is_declaration]
    if len(functions) != 1:
        names = ", ".join(f"@{f.sym_name.data}" for f in functions) or "none"
        raise OptFuseError(f"compile: expected a module with one function (the model), found {names}")
    return functions[0]


def _static_shape(type_: object, what: str) -> tuple[int, ...]:
    if not isinstance(type_, TensorType) or any(not isinstance(d, int) or d < 0 for d in type_.get_shape()):
        raise OptFuseError(f"compile: {what} has type {type_}; the Python API compiles static tensor shapes only (use compiler.driver.compile_model for symbolic dims)")
    return tuple(type_.get_shape())


def check_numerics(
    module: ModuleOp,
    pipeline: str | None = None,
    *,
    atol: float = 1e-4,
    rtol: float = 1e-3,
    seed: int = 0,
    timing: Timing | None = None,
) -> NumericsReport:
    """`opt-fuse --check-numerics`: compare each fused group with the unfused ops it replaces
    (compiler/numerics.py). `module` is changed as `pipeline` changes it; `report.error()`
    is the error naming the first divergent group, or None."""
    from compiler.numerics import DEFAULT_PIPELINE
    from compiler.numerics import check_numerics as check

    return check(module, pipeline or DEFAULT_PIPELINE, atol=atol, rtol=rtol, seed=seed, timing=timing)
