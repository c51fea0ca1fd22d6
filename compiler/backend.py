"""The ONNX backend API (`onnx.backend.base`) on top of the compile driver.

    import compiler.backend as backend
    rep = backend.prepare(model)        # compiles to native code
    outputs = rep.run([x])              # numpy in, numpy out

`prepare` compiles into a private temporary directory that is removed when
the rep is garbage collected (or at exit). With the compile cache on (the
default; compiler/compile_cache.py), the same model with the same options is
compiled once per machine and copied from the cache afterwards. A foreign target (`target="aarch64"`
on an x86_64 host) cannot be loaded into this process: its static test
executable runs under qemu-user instead (compiler/test_executable.py).
"""

from __future__ import annotations

import tempfile
import weakref
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import onnx
from onnx.backend.base import Backend, BackendRep

from compiler import compile_cache
from compiler.driver import Artifacts, compile_model
from compiler.errors import RuntimeInputError
from compiler.onnx_importer import load_model
from compiler.runtime import NativeModel, check_num_threads
from compiler.targets import is_host_runnable, resolve_target
from compiler.test_executable import ExecutableModel
from compiler.toolchain import find_emulator
from dialects.dims import Dim


class OptFuseRep(BackendRep):
    """A compiled model, ready to run."""

    def __init__(self, artifacts: Artifacts, workdir: tempfile.TemporaryDirectory[str], num_threads: int = 1):
        self.artifacts = artifacts
        self._workdir = workdir
        if "so" in artifacts.files:
            self._native: NativeModel | ExecutableModel = NativeModel(artifacts.files["so"], artifacts.signature, num_threads)
        else:  # a foreign target: its test executable, run under qemu-user
            target = resolve_target(artifacts.target)
            self._native = ExecutableModel(artifacts.files["exe"], artifacts.signature, target, num_threads)
        weakref.finalize(self, workdir.cleanup)

    def run(self, inputs: Any, outputs: Any = None, **kwargs: Any) -> list[np.ndarray]:  # type: ignore[override]
        """Run on inputs in graph-input order (a list, a tuple, or one array); the results are fresh
        arrays, or written into `outputs` (a list of arrays of the results' shapes, reused across
        runs; see `NativeModel.run`)."""
        if isinstance(inputs, np.ndarray):
            inputs = [inputs]
        if not isinstance(inputs, list | tuple):
            names = ", ".join(spec.name for spec in self.artifacts.signature.inputs)
            raise RuntimeInputError(f"inputs must be a list or tuple of numpy arrays in graph-input order ({names}), got {type(inputs).__name__}")
        return self._native.run(list(inputs), outputs)


def _check_options(device: str, num_threads: int | None, target: str) -> int:
    """Refuse bad options before compiling; returns the thread count (None is 1)."""
    if not OptFuseBackend.supports_device(device):
        raise ValueError(f"device '{device}' is not supported (opt-fuse compiles for the CPU)")
    threads = check_num_threads(num_threads)
    find_emulator(resolve_target(target))  # before compiling: a foreign target runs only under qemu-user
    return threads


def _run_kinds(target: str) -> tuple[str, ...]:
    """What to build to run the model here: a shared library loaded in-process, or for a foreign
    architecture a static test executable that exchanges tensors through files under qemu-user."""
    return ("so",) if is_host_runnable(resolve_target(target)) else ("exe",)


class OptFuseBackend(Backend):
    @classmethod
    def prepare(  # type: ignore[override]
        cls,
        model: onnx.ModelProto | bytes | str | Path,
        device: str = "CPU",
        fuse: bool = True,
        num_threads: int | None = None,
        dim_bounds: Mapping[str, int] | None = None,
        target: str = "native",
        input_shapes: Mapping[str, Sequence[Dim]] | None = None,
        cache: bool | None = None,
        **kwargs: Any,
    ) -> OptFuseRep:
        """Compile `model`; `dim_bounds` bounds its symbolic dims, `input_shapes` replaces declared input shapes.

        `num_threads` (an int >= 1; None means 1) is how many threads the model's parallel loops
        run on, the calling thread included (the thread pool compiled into the model; it does not
        change the code, so the cache serves every count). Anything else is an OptFuseError.

        `cache` (default: on unless OPT_FUSE_CACHE=0) reuses a library compiled earlier for the same
        model, options, opt-fuse sources and clang; False always compiles afresh.
        """
        if kwargs:
            raise TypeError(f"unknown option(s) for prepare: {', '.join(sorted(kwargs))}")
        threads = _check_options(device, num_threads, target)
        workdir = tempfile.TemporaryDirectory(prefix="opt-fuse-")
        try:
            compile = compile_cache.cached_compile if compile_cache.cache_enabled(cache) else compile_model
            artifacts = compile(
                load_model(model), workdir.name, target=target, fuse=fuse, kinds=_run_kinds(target),
                dim_bounds=dim_bounds, input_shapes=input_shapes,
            )
        except BaseException:
            workdir.cleanup()
            raise
        return OptFuseRep(artifacts, workdir, threads)

    @classmethod
    def run_model(cls, model: onnx.ModelProto, inputs: Any, device: str = "CPU", **kwargs: Any) -> list[np.ndarray]:  # type: ignore[override]
        return cls.prepare(model, device, **kwargs).run(inputs)

    @classmethod
    def run_node(  # type: ignore[override]
        cls, node: onnx.NodeProto, inputs: Sequence[np.ndarray], device: str = "CPU", outputs_info: Any = None, **kwargs: Any
    ) -> list[np.ndarray]:
        """Run one node: wrap it in a model whose inputs have the given arrays' shapes."""
        graph_inputs = [
            onnx.helper.make_tensor_value_info(name, onnx.helper.np_dtype_to_tensor_dtype(a.dtype), a.shape)
            for name, a in zip(node.input, inputs)
        ]
        graph_outputs = [onnx.helper.make_empty_tensor_value_info(name) for name in node.output]
        for output in graph_outputs:
            output.type.tensor_type.elem_type = onnx.TensorProto.FLOAT
        graph = onnx.helper.make_graph([node], f"node_{node.op_type}", graph_inputs, graph_outputs)
        model = onnx.helper.make_model(graph, opset_imports=[onnx.helper.make_opsetid("", kwargs.pop("opset", 17))])
        return cls.run_model(model, list(inputs), device, **kwargs)

    @classmethod
    def supports_device(cls, device: str) -> bool:
        return device.upper() == "CPU"


prepare = OptFuseBackend.prepare
run_model = OptFuseBackend.run_model
run_node = OptFuseBackend.run_node
supports_device = OptFuseBackend.supports_device
