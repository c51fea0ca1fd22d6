"""The test executable: a compiled model plus a generated C `main` that moves tensors through files.

Why it exists: a shared library for a foreign architecture cannot be loaded into
this Python process, but a *static executable* runs under qemu's user-mode
emulator with no Arm sysroot. The executable reads each input from a file, calls
`<entry>_run` and writes each output to a file, so numerics on aarch64 can be
checked against onnxruntime on the host (tests/test_aarch64.py, `backend.prepare(
target="aarch64")`, `opt-fuse-compile --run`).

    <name>_test [SYMBOL_1 ... SYMBOL_k] IN_1 ... IN_n OUT_1 ... OUT_m

A model with symbolic dims takes their values first, as decimal integers in the
order of `Signature.symbols`; its buffers are sized at the bounds and each file
holds the tensor at the actual sizes. Every file holds one tensor as raw
little-endian row-major values of its dtype (float32), no header:
`array.tofile(path)` writes one, `np.fromfile` reads one. An input file of the
wrong size is refused with a message naming the input. The environment variable
`OPT_FUSE_NUM_THREADS` (a positive integer; default 1) sets the threads the
model's parallel loops run on (`<entry>_set_num_threads`). Exit status: 0 success,
1 a file problem, 2 wrong usage (or a symbol's value out of its range), 3 the
model returned an error status, 4 a run-time check of the model failed (an
index out of range; its message alone is on stderr, and `ExecutableModel`
raises it as `RuntimeInputError`, as the in-process runtime does).

The C source is generated from the driver's `Signature`, never written per
model: one `Param` per tensor argument of `<entry>_run`, in order, after the
symbols' values.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from math import prod
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from compiler.errors import OptFuseError, RuntimeInputError
from compiler.llvm_ir import FAILED_CHECK_STATUS
from compiler.targets import Target
from compiler.toolchain import find_emulator, link_executable
from dialects.dims import Dim, evaluate, upper_bound
from dialects.dtypes import C_TYPES

if TYPE_CHECKING:
    from compiler.driver import Signature, TensorSpec


EXIT_FILE, EXIT_USAGE, EXIT_MODEL, EXIT_CHECK = 1, 2, 3, 4


@dataclass(frozen=True)
class Param:
    """One tensor argument of `<entry>_run`: the buffer the test executable fills or writes out."""

    spec: TensorSpec
    role: str
    """`input` or `output`."""
    buffer: str
    """The C name of its static buffer."""

    def capacity(self, bounds: Mapping[str, int]) -> int:
        """Elements of its static buffer: the tensor's size at the bounds."""
        return upper_bound(prod(self.spec.shape), bounds)

    @property
    def count(self) -> str:
        """Its number of elements, as a C expression of the symbols' values."""
        return c_size(prod(self.spec.shape))

    @property
    def c_type(self) -> str:
        if self.spec.dtype not in C_TYPES:
            raise OptFuseError(f"the test executable cannot exchange {self.spec.dtype} tensor '{self.spec.name}' yet")
        return C_TYPES[self.spec.dtype]


def c_size(dim: Dim) -> str:
    """A dim as a C `int64_t` expression of the symbols' values (`sym_batch`); a floordiv
    atom's numerator is never negative for sizes the entry accepts."""
    if isinstance(dim, int):
        return str(dim)
    terms = []
    for monomial, coefficient in dim.terms.items():
        factors = [f"sym_{a.name}" if a.numerator is None else f"(({c_size(a.numerator)}) / {a.divisor})" for a in monomial]
        terms.append("*".join([f"(int64_t){coefficient}", *factors]))
    return "(" + " + ".join(terms) + ")"


def entry_params(signature: Signature) -> list[Param]:
    """The tensor arguments of `<entry>_run`, in order: inputs, then outputs."""
    inputs = [Param(spec, "input", f"in{i}") for i, spec in enumerate(signature.inputs)]
    outputs = [Param(spec, "output", f"out{i}") for i, spec in enumerate(signature.outputs)]
    return [*inputs, *outputs]


def c_string(text: str) -> str:
    """`text` as a C string literal (ONNX names may hold quotes, backslashes or non-ASCII)."""
    escaped = []
    for byte in text.encode():
        char = chr(byte)
        escaped.append(char if 32 <= byte < 127 and char not in '"\\?' else f"\\{byte:03o}")  # `?`: no trigraphs
    return '"' + "".join(escaped) + '"'


def main_source(signature: Signature, header: str) -> str:
    """The C translation unit of the test executable: `header` (the model's, from
    `driver.c_header`, so the prototype has one source) followed by a generated `main`."""
    params = entry_params(signature)
    inputs = [p for p in params if p.role == "input"]
    outputs = [p for p in params if p.role == "output"]
    symbols, bounds = signature.symbols, dict(signature.bounds)
    usage = " ".join([*symbols, *(f"IN_{p.spec.c_name}" for p in inputs), *(f"OUT_{p.spec.c_name}" for p in outputs)])
    lines = [
        f"/* Test executable for {signature.entry}, generated by opt-fuse (compiler/test_executable.py).",
        f"   usage: PROGRAM {usage}",
        "   Each file is one tensor, raw little-endian row-major values, no header. */",
        header,
        "#include <stdio.h>",
        "#include <stdlib.h>",
        "",
        "/* Static, like the model's own buffers: a 224x224 image does not fit every stack. */",
    ]
    for p in params:
        dims = " x ".join(map(str, p.spec.shape)) or "scalar"
        lines.append(f"static {p.c_type} {p.buffer}[{max(p.capacity(bounds), 1)}]; /* {p.role} {p.spec.c_name}: {dims} */")
    lines += [
        "",
        "static int read_tensor(const char *path, void *data, size_t size, size_t count, const char *name) {",
        '  FILE *file = fopen(path, "rb");',
        "  if (!file) {",
        '    fprintf(stderr, "cannot open %s for input \'%s\'\\n", path, name);',
        f"    return {EXIT_FILE};",
        "  }",
        "  size_t got = fread(data, size, count, file);",
        "  int longer = fgetc(file) != EOF;",
        "  fclose(file);",
        "  if (got != count || longer) {",
        "    fprintf(stderr, \"%s: input '%s' needs exactly %zu values of %zu bytes (%zu bytes)\\n\", path, name, count, size, count * size);",
        f"    return {EXIT_FILE};",
        "  }",
        "  return 0;",
        "}",
        "",
        "static int write_tensor(const char *path, const void *data, size_t size, size_t count, const char *name) {",
        '  FILE *file = fopen(path, "wb");',
        "  if (!file || fwrite(data, size, count, file) != count || fclose(file) != 0) {",
        '    fprintf(stderr, "cannot write output \'%s\' to %s\\n", name, path);',
        f"    return {EXIT_FILE};",
        "  }",
        "  return 0;",
        "}",
        "",
        "int main(int argc, char **argv) {",
        '  const char *threads = getenv("OPT_FUSE_NUM_THREADS");',
        "  if (threads && *threads) {",
        "    char *end_threads;",
        "    long count = strtol(threads, &end_threads, 10);",
        "    if (*end_threads != 0 || count < 1 || count > 1024) {",
        '      fprintf(stderr, "OPT_FUSE_NUM_THREADS must be a positive integer, got %s\\n", threads);',
        f"      return {EXIT_USAGE};",
        "    }",
        f"    {signature.threads_setter}((int)count);",
        "  }",
        f"  if (argc != {1 + len(symbols) + len(params)}) {{",
        f'    fprintf(stderr, "usage: %s {usage}\\n", argv[0]);',
        f"    return {EXIT_USAGE};",
        "  }",
    ]
    for index, name in enumerate(symbols, start=1):
        lines += [
            f"  char *end_{name};",
            f"  int64_t sym_{name} = strtoll(argv[{index}], &end_{name}, 10);",
            f"  if (*argv[{index}] == 0 || *end_{name} != 0 || sym_{name} < 0 || sym_{name} > {bounds[name]}) {{",
            f'    fprintf(stderr, "{name} must be an integer in [0, {bounds[name]}], got %s\\n", argv[{index}]);',
            f"    return {EXIT_USAGE};",
            "  }",
        ]
    for index, p in enumerate(inputs, start=1 + len(symbols)):
        lines.append(
            f"  if (read_tensor(argv[{index}], {p.buffer}, sizeof({p.c_type}), {p.count}, {c_string(p.spec.name)})) return {EXIT_FILE};"
        )
    lines += [
        f"  int status = {signature.entry}({', '.join([*(f'sym_{n}' for n in symbols), *(p.buffer for p in params)])});",
        f"  if (status == {FAILED_CHECK_STATUS}) {{",
        f'    fprintf(stderr, "%s\\n", {signature.error_symbol} ? {signature.error_symbol} : "a run-time check failed");',
        f"    return {EXIT_CHECK};",
        "  }",
        "  if (status != 0) {",
        f'    fprintf(stderr, "{signature.entry} returned %d\\n", status);',
        f"    return {EXIT_MODEL};",
        "  }",
    ]
    for index, p in enumerate(outputs, start=1 + len(symbols) + len(inputs)):
        lines.append(
            f"  if (write_tensor(argv[{index}], {p.buffer}, sizeof({p.c_type}), {p.count}, {c_string(p.spec.name)})) return {EXIT_FILE};"
        )
    lines += ["  return 0;", "}", ""]
    return "\n".join(lines)


def build_test_executable(
    object_file: Path, signature: Signature, target: Target, source: Path, executable: Path, *, sanitize: bool = False
) -> None:
    """Write the generated `main` to `source` and link it with the model's `object_file` into
    `executable` for `target` (statically for a foreign target: see toolchain.find_executable_linker).
    `sanitize`: build `main` with ASan and UBSan and link their runtimes; `object_file` must then
    come from `compile_llvm_ir(..., sanitize=True)` (toolchain.SANITIZE_FLAGS)."""
    from compiler.driver import c_header  # the driver imports this module when asked for an executable

    source.write_text(main_source(signature, c_header(signature, target.name)))
    link_executable([source, object_file], executable, target, sanitize=sanitize)


class ExecutableModel:
    """A test executable, callable like `runtime.NativeModel`: numpy in, numpy out, through
    files, under qemu-user when the target is not the host's architecture."""

    def __init__(self, executable: Path, signature: Signature, target: Target, num_threads: int = 1):
        self.signature = signature
        self.executable = Path(executable)
        self.command = (*find_emulator(target), str(self.executable))
        self.num_threads = num_threads
        """Threads the model's parallel loops run on (passed as OPT_FUSE_NUM_THREADS)."""

    def run(self, inputs: Sequence[np.ndarray], outputs: Sequence[np.ndarray] | None = None) -> list[np.ndarray]:
        """As `NativeModel.run`: the results are fresh arrays, or copied into `outputs`."""
        from compiler.runtime import (  # the in-process runtime's checks, so both refuse the same inputs
            _checked,
            bind_symbols,
            checked_outputs,
            refuse_overlapping_outputs,
        )

        expected = self.signature.inputs
        if len(inputs) != len(expected):
            names = ", ".join(s.name for s in expected)
            raise RuntimeInputError(f"expected {len(expected)} input(s) ({names}), got {len(inputs)}")
        arrays = [_checked(array, spec) for array, spec in zip(inputs, expected)]
        values = bind_symbols(self.signature, arrays)
        shapes = [[evaluate(d, values) for d in spec.shape] for spec in self.signature.outputs]
        if outputs is not None:
            outputs = checked_outputs(self.signature, outputs, shapes)
            refuse_overlapping_outputs(self.signature, [*arrays, *outputs], [a.ctypes.data for a in (*arrays, *outputs)])
        symbols = [str(values[name]) for name in self.signature.symbols]
        with tempfile.TemporaryDirectory(prefix="opt-fuse-run-") as tmp:
            in_paths = [Path(tmp, f"in{i}.bin") for i in range(len(arrays))]
            out_paths = [Path(tmp, f"out{i}.bin") for i in range(len(self.signature.outputs))]
            for array, path in zip(arrays, in_paths):
                array.astype(array.dtype.newbyteorder("<"), copy=False).tofile(path)
            env = {**os.environ, "OPT_FUSE_NUM_THREADS": str(self.num_threads)}
            result = subprocess.run(
                [*self.command, *symbols, *map(str, in_paths), *map(str, out_paths)], capture_output=True, text=True, env=env, check=False
            )
            if result.returncode == EXIT_CHECK:
                raise RuntimeInputError(result.stderr.strip())
            if result.returncode != 0:
                raise OptFuseError(
                    f"{self.executable.name} failed (exit code {result.returncode}): {result.stderr.strip()}\n"
                    f"command: {' '.join(self.command)} INPUTS... OUTPUTS..."
                )
            results = [
                np.fromfile(path, dtype=np.dtype(spec.dtype).newbyteorder("<")).astype(spec.dtype).reshape(shape)
                for path, spec, shape in zip(out_paths, self.signature.outputs, shapes)
            ]
        if outputs is None:
            return results
        for result, output in zip(results, outputs):
            np.copyto(output, result)
        return outputs
