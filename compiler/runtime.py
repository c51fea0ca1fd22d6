"""Loading a compiled model and calling it with numpy arrays.

The native entry point takes raw pointers, so every check happens here,
before the call: the number of inputs, their dtype and their exact shape.
Non-contiguous arrays are copied to contiguous ones; anything else that does
not match is refused with a message naming the input. Outputs are fresh numpy
arrays. The generated code keeps its intermediate buffers in static memory,
so calls are serialized with a lock (safe from several Python threads).
"""

from __future__ import annotations

import ctypes
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from compiler.driver import Signature, TensorSpec
from compiler.errors import OptFuseError, RuntimeInputError


class NativeModel:
    """A compiled model's shared library, callable with numpy arrays."""

    def __init__(self, library: Path, signature: Signature):
        self.signature = signature
        self._library = ctypes.CDLL(str(library))
        self._entry = getattr(self._library, signature.entry)
        self._entry.restype = ctypes.c_int
        self._entry.argtypes = [ctypes.c_void_p] * (len(signature.inputs) + len(signature.outputs))
        self._lock = threading.Lock()

    def run(self, inputs: Sequence[np.ndarray]) -> list[np.ndarray]:
        arrays = self._checked_inputs(inputs)
        outputs = [np.empty(spec.shape, dtype=spec.dtype) for spec in self.signature.outputs]
        pointers = [a.ctypes.data for a in (*arrays, *outputs)]
        with self._lock:
            status = self._entry(*pointers)
        if status != 0:
            raise OptFuseError(f"{self.signature.entry} returned error status {status}")
        return outputs

    def _checked_inputs(self, inputs: Sequence[np.ndarray]) -> list[np.ndarray]:
        expected = self.signature.inputs
        if len(inputs) != len(expected):
            names = ", ".join(s.name for s in expected)
            raise RuntimeInputError(f"expected {len(expected)} input(s) ({names}), got {len(inputs)}")
        return [_checked(array, spec) for array, spec in zip(inputs, expected)]


def _checked(array: object, spec: TensorSpec) -> np.ndarray:
    if not isinstance(array, np.ndarray | np.generic):
        raise RuntimeInputError(f"input '{spec.name}' must be a numpy array, got {type(array).__name__}")
    array = np.asarray(array)
    if array.dtype != np.dtype(spec.dtype):
        raise RuntimeInputError(f"input '{spec.name}' has dtype {array.dtype}, expected {spec.dtype}")
    if array.shape != spec.shape:
        raise RuntimeInputError(f"input '{spec.name}' has shape {list(array.shape)}, expected {list(spec.shape)}")
    return np.require(array, requirements="C")  # copies only if not contiguous; 0-d stays 0-d
