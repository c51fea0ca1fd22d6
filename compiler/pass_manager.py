"""Running a pass pipeline with MLIR's instrumentation: verification, IR printing, timing.

`opt-fuse` and `compiler.api.run_pipeline` both run passes through `PassManager`,
so every flag of the tool is also a keyword of the API, and they behave the same:

- the module is verified after every pass, op by op, so an error names the op
  that is wrong, where it is, and the pass after which it went wrong;
- IR printing (`IRPrinting`): before or after the passes named, before or after
  all, after a pass only when it changed the IR, after a pass that failed;
  each dump has MLIR's header, `// -----// IR Dump After cse //----- //`;
- timing (`Timing`): wall time per pass, plus parsing, verification and output,
  printed as MLIR's `-mlir-timing` report;
- any other observer can be added as a `PassInstrumentation` (the fusion
  picture and `--check-numerics` are two).

A pass nested as `func.func(cse)` is named `func.func(cse)`; `--print-ir-after=cse`
matches it too, as MLIR's does.
"""

from __future__ import annotations

import inspect
import sys
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.passes import ModulePass
from xdsl.utils.exceptions import DiagnosticException, VerifyException

from compiler.diagnostics import describe_op
from compiler.errors import OptFuseError
from compiler.pass_pipeline import ForEachFunction


class IRVerifyError(OptFuseError):
    """IR that parses but breaks an op's rules."""


def verify_module(module: ModuleOp, after: str | None = None) -> None:
    """Verify op by op, so the message names the op that is wrong and where it is."""
    for op in module.walk():
        try:
            op.verify(verify_nested_ops=False)
        except (VerifyException, DiagnosticException) as error:
            context = f" after {after}" if after else ""
            raise IRVerifyError(f"{describe_op(op)}: invalid IR{context}: {error}") from error


def pass_names(pass_: ModulePass) -> set[str]:
    """The names a pass answers to: `func.func(cse)` also answers to `cse`."""
    names = {str(pass_.name)}
    if isinstance(pass_, ForEachFunction):
        names |= pass_names(pass_.inner)
    return names


class PassInstrumentation:
    """Hooks around each pass, as MLIR's PassInstrumentation; override what you need."""

    def before_pass(self, pass_: ModulePass, module: ModuleOp) -> None:
        """Called before `pass_` runs."""

    def after_pass(self, pass_: ModulePass, module: ModuleOp) -> None:
        """Called after `pass_` ran and the module verified."""

    def after_failed_pass(self, pass_: ModulePass, module: ModuleOp, error: Exception) -> None:
        """Called when `pass_` raised, or the module did not verify after it."""


# --------------------------------------------------------------------------- timing


@dataclass
class Timing:
    """Wall time per named step, reported like `mlir-opt -mlir-timing`.

    Steps keep the order in which they first ran (verification and output
    last); a pass that runs again (in another `--split-input-file` chunk) adds
    to its row. Each pass instance of the pipeline has its own row, keyed by
    its position; "Rest" is the time no row accounts for."""

    start: float = field(default_factory=time.perf_counter)
    rows: dict[object, tuple[str, float]] = field(default_factory=dict[object, tuple[str, float]])

    @contextmanager
    def measure(self, name: str, key: object = None) -> Iterator[None]:
        began = time.perf_counter()
        try:
            yield
        finally:
            self.add(name, time.perf_counter() - began, key)

    def add(self, name: str, seconds: float, key: object = None) -> None:
        key = name if key is None else key
        _, total = self.rows.get(key, (name, 0.0))
        self.rows[key] = (name, total + seconds)

    def report(self) -> str:
        total = max(time.perf_counter() - self.start, 1e-9)
        measured = sum(seconds for _, seconds in self.rows.values())
        last = [key for key in ("Verifier", "Output") if key in self.rows]  # after the passes, as MLIR lists Output
        rows = [row for key, row in self.rows.items() if key not in last] + [self.rows[key] for key in last]
        rows += [("Rest", max(total - measured, 0.0)), ("Total", total)]
        rule = "===" + "-" * 73 + "==="
        lines = [
            rule,
            "... Execution time report ...".center(len(rule)).rstrip(),
            rule,
            f"  Total Execution Time: {total:.4f} seconds",
            "",
            "  ----Wall Time----  ----Name----",
        ]
        lines += [f"  {seconds:8.4f} ({100 * seconds / total:5.1f}%)  {name}" for name, seconds in rows]
        return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- IR printing


@dataclass
class IRPrinting(PassInstrumentation):
    """MLIR's `--mlir-print-ir-*` options; dumps go to `stream` (stderr by default)."""

    render: Callable[[ModuleOp], str]
    before: frozenset[str] = frozenset()
    after: frozenset[str] = frozenset()
    before_all: bool = False
    after_all: bool = False
    after_change: bool = False
    """Only print an `after` dump (of the passes selected, or of all) when the pass changed the IR."""
    after_failure: bool = False
    stream: TextIO | None = None
    _before_text: str | None = None

    def before_pass(self, pass_: ModulePass, module: ModuleOp) -> None:
        text = None
        if self.before_all or pass_names(pass_) & self.before:
            text = self.render(module)
            self._dump("Before", pass_, text)
        if self.after_change and self._selects_after(pass_):
            self._before_text = text if text is not None else self.render(module)

    def after_pass(self, pass_: ModulePass, module: ModuleOp) -> None:
        if not self._selects_after(pass_):
            return
        text = self.render(module)
        if self.after_change and text == self._before_text:
            return
        self._dump("After", pass_, text)

    def after_failed_pass(self, pass_: ModulePass, module: ModuleOp, error: Exception) -> None:
        if self.after_failure:
            self._dump("After", pass_, self.render(module), " Failed")

    def _selects_after(self, pass_: ModulePass) -> bool:
        if self.after_all or pass_names(pass_) & self.after:
            return True
        return self.after_change and not self.after  # --print-ir-after-change alone: every pass that changes the IR

    def _dump(self, when: str, pass_: ModulePass, text: str, suffix: str = "") -> None:
        stream = self.stream or sys.stderr
        stream.write(f"// -----// IR Dump {when} {pass_.name}{suffix} //----- //\n{text}\n")


# --------------------------------------------------------------------------- the manager


def _plugin_of(pass_: ModulePass) -> str | None:
    """The plugin that registered `pass_` (or the pass it wraps), if any."""
    from compiler.plugins import pass_origin

    return next((origin for name in pass_names(pass_) if (origin := pass_origin(name)) is not None), None)


def _plugin_crash(pass_: ModulePass, plugin: str, error: Exception) -> OptFuseError:
    """A plugin pass that raises is a bug in the plugin, not in opt-fuse: say so, and where
    (the last line of the pass's source file in the traceback)."""
    from compiler.plugins import PluginError

    inner = pass_
    while isinstance(inner, ForEachFunction):
        inner = inner.inner
    source = inspect.getsourcefile(type(inner))
    frames = [f for f in traceback.extract_tb(error.__traceback__) if source and Path(f.filename) == Path(source)]
    where = f" at {frames[-1].filename}:{frames[-1].lineno}" if frames else ""
    return PluginError(f"pass '{pass_.name}' ({plugin}) raised {type(error).__name__}: {error}{where}")


@dataclass
class PassManager:
    """Runs configured passes on a module, verifying after each, with instrumentations and timing."""

    passes: Sequence[ModulePass]
    ctx: Context
    instrumentations: list[PassInstrumentation] = field(default_factory=list[PassInstrumentation])
    timing: Timing | None = None
    verify: bool = True

    def run(self, module: ModuleOp) -> None:
        for position, pass_ in enumerate(self.passes):
            for instrumentation in self.instrumentations:
                instrumentation.before_pass(pass_, module)
            try:
                self._timed(str(pass_.name), ("pass", position), lambda p=pass_: p.apply(self.ctx, module))
                if self.verify:
                    self._timed("Verifier", "Verifier", lambda p=pass_: verify_module(module, after=str(p.name)))
            except Exception as error:
                for instrumentation in self.instrumentations:
                    instrumentation.after_failed_pass(pass_, module, error)
                if not isinstance(error, OptFuseError) and (plugin := _plugin_of(pass_)) is not None:
                    raise _plugin_crash(pass_, plugin, error) from error
                raise
            for instrumentation in self.instrumentations:
                instrumentation.after_pass(pass_, module)

    def _timed(self, name: str, key: object, step: Callable[[], None]) -> None:
        if self.timing is None:
            step()
            return
        with self.timing.measure(name, key):
            step()
