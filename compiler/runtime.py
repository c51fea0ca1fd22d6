"""Loading a compiled model and calling it with numpy arrays.

The native entry point takes raw pointers, so every check happens here,
before the call: the number of inputs, their dtype and their shape. A
symbolic dim (`batch`) takes its value from the first input that has it; every
other input with it must agree, it must be within its bound, and no size of
any tensor of the model may come out negative. The values are passed to the
entry point first, and the outputs are allocated at their actual sizes.
Non-contiguous arrays are copied to contiguous ones; anything else that does
not match is refused with a message naming the input. The checks of a set of
input shapes run once: a later call with ndarrays of the same shapes and dtypes
reuses the symbol values they gave (a model run at a few sizes pays them a few times).
Outputs are fresh numpy arrays, or the caller's own (`run(inputs, outputs)`, checked
likewise). The generated code keeps its intermediate buffers in static memory, so calls
are serialized with a lock (safe from several Python threads).

Threads: `num_threads` (default 1) is how many threads the model's parallel
loops run on, the calling thread included. The library carries its own thread
pool (compiler/thread_pool.c); the runtime sets its thread count
(`<entry>_set_num_threads`) under the lock before each call, so two models
loaded from one library file cannot change each other's setting mid-run.

The entry point's status: 0 success; 1 a symbol past its bound (refused here
before the call, so only a C caller sees it); 2 a run-time check in the
generated code failed (a Gather index out of range), with its message in the
library's global `<entry>_error` (see compiler/llvm_ir.py): raised as
`RuntimeInputError` with that message. Each run clears it first.
"""

from __future__ import annotations

import ctypes
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from compiler.driver import Signature, TensorSpec
from compiler.errors import OptFuseError, RuntimeInputError
from compiler.llvm_ir import FAILED_CHECK_STATUS
from dialects.dims import DimExpr, evaluate, format_dims

MAX_THREADS = 256
"""The most threads a model's pool runs a loop on (compiler/thread_pool.c: OPTFUSE_MAX_THREADS)."""

MAX_REMEMBERED_SHAPES = 256
"""Sets of input shapes whose checks a model remembers (forgotten all at once when full)."""


class NativeModel:
    """A compiled model's shared library, callable with numpy arrays."""

    def __init__(self, library: Path, signature: Signature, num_threads: int = 1):
        self.signature = signature
        self.num_threads = check_num_threads(num_threads)
        self._library = ctypes.CDLL(str(library))
        self._entry = getattr(self._library, signature.entry)
        self._entry.restype = ctypes.c_int
        try:
            self._set_threads = getattr(self._library, signature.threads_setter)
            self._set_threads.argtypes, self._set_threads.restype = [ctypes.c_int], None
        except AttributeError:  # a library built before the thread pool: single-threaded
            self._set_threads = None
        symbols = [ctypes.c_int64] * len(signature.symbols)
        self._entry.argtypes = [*symbols, *[ctypes.c_void_p] * (len(signature.inputs) + len(signature.outputs))]
        self._lock = threading.Lock()
        # Without symbols every shape is fixed: inputs that already match (the common case) skip the
        # general checks, which cost more than the native call itself on a small model.
        static = not signature.symbols
        self._static_inputs = [(tuple(s.shape), np.dtype(s.dtype)) for s in signature.inputs] if static else None
        self._static_outputs = [(tuple(s.shape), np.dtype(s.dtype)) for s in signature.outputs] if static else None
        # With symbols, the checks of a set of input shapes are done once: later calls with the same
        # shapes (and matching arrays) reuse the symbol values and output shapes they gave.
        self._input_dtypes = [np.dtype(s.dtype) for s in signature.inputs]
        self._output_dtypes = [np.dtype(s.dtype) for s in signature.outputs]
        self._checked_shapes: dict[tuple[tuple[int, ...], ...], tuple[dict[str, int], list[list[int]]]] = {}

    def run(self, inputs: Sequence[np.ndarray], outputs: Sequence[np.ndarray] | None = None) -> list[np.ndarray]:
        """Run on `inputs` (graph-input order); the results are fresh arrays, or `outputs` if given.

        `outputs` are C-contiguous, writable arrays of exactly the results' shapes and dtypes
        that share no memory with the inputs or each other (as onnxruntime's IO binding or
        numpy's `out=`): a caller running a model in a loop reuses them, where fresh arrays
        are new pages the OS zeroes on every run (two thirds of a 34 MB elementwise kernel's time).
        """
        if self._static_outputs is not None and _already_matching(inputs, self._static_inputs):
            arrays, values, shapes = inputs, {}, [shape for shape, _ in self._static_outputs]
        elif (known := self._known_shapes(inputs)) is not None:
            arrays, (values, shapes) = inputs, known
        else:
            arrays = self._checked_inputs(inputs)
            values = bind_symbols(self.signature, arrays)
            shapes = [[evaluate(d, values) for d in spec.shape] for spec in self.signature.outputs]
            if len(self._checked_shapes) >= MAX_REMEMBERED_SHAPES:
                self._checked_shapes.clear()
            self._checked_shapes[tuple(a.shape for a in arrays)] = (values, shapes)
        fresh = outputs is None
        if fresh:
            outputs = [np.empty(shape, dtype) for shape, dtype in zip(shapes, self._output_dtypes)]
        else:
            outputs = checked_outputs(self.signature, outputs, shapes)
        pointers = [_address(a) for a in (*arrays, *outputs)]
        if not fresh:
            refuse_overlapping_outputs(self.signature, [*arrays, *outputs], pointers)
        with self._lock:
            if self._set_threads is not None:
                self._set_threads(self.num_threads)
            status = self._entry(*(values[s] for s in self.signature.symbols), *pointers)
            if status == FAILED_CHECK_STATUS:
                message = self._failed_check_message()
        if status == FAILED_CHECK_STATUS:
            raise RuntimeInputError(message)
        if status != 0:
            raise OptFuseError(f"{self.signature.entry} returned error status {status}")
        return list(outputs)

    def _known_shapes(self, inputs: Sequence[object]) -> tuple[dict[str, int], list[list[int]]] | None:
        """Symbol values and output shapes from an earlier call, if every input is a C-contiguous ndarray
        of its dtype and their shapes are ones already checked."""
        if len(inputs) != len(self._input_dtypes) or not self._checked_shapes:
            return None
        for array, dtype in zip(inputs, self._input_dtypes):
            if type(array) is not np.ndarray or array.dtype != dtype or not array.flags.c_contiguous:
                return None
        return self._checked_shapes.get(tuple(a.shape for a in inputs))  # type: ignore[union-attr]

    def _failed_check_message(self) -> str:
        """The message of the check that failed the last run (read under the lock, before another run clears it)."""
        try:
            raw = ctypes.c_char_p.in_dll(self._library, self.signature.error_symbol).value
        except ValueError:  # a library built before the error global existed
            raw = None
        if raw is None:
            return f"{self.signature.entry} failed a run-time check (status {FAILED_CHECK_STATUS})"
        return raw.decode(errors="replace")

    def _checked_inputs(self, inputs: Sequence[np.ndarray]) -> list[np.ndarray]:
        expected = self.signature.inputs
        if len(inputs) != len(expected):
            names = ", ".join(s.name for s in expected)
            raise RuntimeInputError(f"expected {len(expected)} input(s) ({names}), got {len(inputs)}")
        return [_checked(array, spec) for array, spec in zip(inputs, expected)]


def _address(array: np.ndarray) -> int:
    """The data pointer of a C-contiguous array. A ctypes view of its buffer is found in a third
    of the time `array.ctypes.data` takes, which is a fifth of a small model's whole call."""
    try:
        return ctypes.addressof(ctypes.c_char.from_buffer(array))
    except (TypeError, ValueError):  # a read-only or empty array
        return array.ctypes.data


def check_num_threads(num_threads: object) -> int:
    """`num_threads` as a thread count (None is 1), or one clear error."""
    if num_threads is None:
        return 1
    if isinstance(num_threads, bool) or not isinstance(num_threads, int | np.integer) or not 1 <= num_threads <= MAX_THREADS:
        raise OptFuseError(
            f"num_threads must be an integer from 1 to {MAX_THREADS} (the threads a model's parallel loops run on), "
            f"got {num_threads!r}"
        )
    return int(num_threads)


def _already_matching(inputs: Sequence[object], layout: list[tuple[tuple[int, ...], np.dtype]] | None) -> bool:
    """Every input is a C-contiguous ndarray of exactly the expected shape and dtype."""
    return layout is not None and len(inputs) == len(layout) and all(
        type(a) is np.ndarray and a.shape == shape and a.dtype == dtype and a.flags.c_contiguous
        for a, (shape, dtype) in zip(inputs, layout)
    )


def _checked(array: object, spec: TensorSpec) -> np.ndarray:
    if not isinstance(array, np.ndarray | np.generic):
        raise RuntimeInputError(f"input '{spec.name}' must be a numpy array, got {type(array).__name__}")
    array = np.asarray(array)
    if array.dtype != np.dtype(spec.dtype):
        raise RuntimeInputError(f"input '{spec.name}' has dtype {array.dtype}, expected {spec.dtype}")
    if len(array.shape) != len(spec.shape) or any(isinstance(d, int) and d != n for d, n in zip(spec.shape, array.shape)):
        raise RuntimeInputError(f"input '{spec.name}' has shape {list(array.shape)}, expected {format_dims(spec.shape)}")
    return np.require(array, requirements="C")  # copies only if not contiguous; 0-d stays 0-d


def checked_outputs(signature: Signature, outputs: object, shapes: Sequence[Sequence[int]]) -> list[np.ndarray]:
    """Caller-given outputs, refused unless the generated code can write the results into them as they are."""
    if not isinstance(outputs, list | tuple) or len(outputs) != len(signature.outputs):
        names = ", ".join(spec.name for spec in signature.outputs)
        raise RuntimeInputError(f"outputs must be a list of {len(signature.outputs)} numpy array(s) ({names})")
    for array, spec, shape in zip(outputs, signature.outputs, shapes):
        if type(array) is not np.ndarray:
            raise RuntimeInputError(f"output '{spec.name}' must be a numpy array, got {type(array).__name__}")
        if array.dtype != spec.dtype or array.shape != tuple(shape):
            raise RuntimeInputError(
                f"output '{spec.name}' is {array.dtype} {list(array.shape)}, expected {spec.dtype} {list(shape)}"
            )
        flags = array.flags
        if not (flags.c_contiguous and flags.writeable):
            raise RuntimeInputError(f"output '{spec.name}' must be C-contiguous and writable")
    return list(outputs)


def refuse_overlapping_outputs(signature: Signature, arrays: Sequence[np.ndarray], pointers: Sequence[int]) -> None:
    """`arrays` are the inputs, then the outputs, at `pointers`: no output may share a byte with another array."""
    spans = [(start, start + array.nbytes) for array, start in zip(arrays, pointers)]
    first_output = len(arrays) - len(signature.outputs)
    for index in range(first_output, len(arrays)):
        start, end = spans[index]
        if start < end and any(s < end and start < e for s, e in spans[:index]):
            name = signature.outputs[index - first_output].name
            raise RuntimeInputError(f"output '{name}' shares memory with an input or another output")


def bind_symbols(signature: Signature, arrays: Sequence[np.ndarray]) -> dict[str, int]:
    """The value of every symbolic dim, from the inputs' shapes, checked against the bounds and each other."""
    values: dict[str, int] = {}
    bounds = dict(signature.bounds)
    for spec, array in zip(signature.inputs, arrays):
        for axis, (dim, size) in enumerate(zip(spec.shape, array.shape)):
            if isinstance(dim, DimExpr) and dim.is_symbol():
                name = dim.symbol_name
                if name in values and values[name] != size:
                    raise RuntimeInputError(
                        f"input '{spec.name}' has {name} = {size} (dim {axis}), but an earlier input has {name} = {values[name]}"
                    )
                if size > bounds[name]:
                    raise RuntimeInputError(
                        f"input '{spec.name}' has {name} = {size} (dim {axis}), past its bound {bounds[name]}; "
                        f"the model was compiled for {name} <= {bounds[name]}"
                    )
                values[name] = size
    for spec, array in zip(signature.inputs, arrays):
        for axis, (dim, size) in enumerate(zip(spec.shape, array.shape)):
            if isinstance(dim, DimExpr) and not dim.is_symbol() and evaluate(dim, values) != size:
                raise RuntimeInputError(f"input '{spec.name}' has {size} at dim {axis}, expected {dim} = {evaluate(dim, values)}")
    for size in signature.sizes:
        if evaluate(size, values) < 0:
            shown = ", ".join(f"{k} = {v}" for k, v in sorted(values.items()))
            raise RuntimeInputError(f"with {shown}, a tensor of the model would have the negative size {size} = {evaluate(size, values)}")
    return values
