"""The ONNX backend API (`onnx.backend.base`) on top of the compile driver.

    import compiler.backend as backend
    rep = backend.prepare(model)        # compiles to native code
    outputs = rep.run([x])              # numpy in, numpy out

`prepare` compiles into a private temporary directory that is removed when
the rep is garbage collected (or at exit).
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

from compiler.driver import Artifacts, compile_model
from compiler.onnx_importer import load_model
from compiler.runtime import NativeModel
from compiler.targets import is_host_runnable, resolve_target


class OptFuseRep(BackendRep):
    """A compiled model, ready to run."""

    def __init__(self, artifacts: Artifacts, workdir: tempfile.TemporaryDirectory[str]):
        self.artifacts = artifacts
        self._workdir = workdir
        self._native = NativeModel(artifacts.files["so"], artifacts.signature)
        weakref.finalize(self, workdir.cleanup)

    def run(self, inputs: Any, **kwargs: Any) -> list[np.ndarray]:  # type: ignore[override]
        """Run on inputs in graph-input order (a list, a tuple, or one array)."""
        if isinstance(inputs, np.ndarray):
            inputs = [inputs]
        return self._native.run(list(inputs))


def _check_options(device: str, num_threads: int | None, dim_bounds: Mapping[str, int] | None, target: str) -> None:
    if not OptFuseBackend.supports_device(device):
        raise ValueError(f"device '{device}' is not supported (opt-fuse compiles for the CPU)")
    if num_threads not in (None, 1):
        raise NotImplementedError(f"num_threads={num_threads}: the generated code is single-threaded so far; use 1 or None")
    if dim_bounds:
        raise NotImplementedError(f"dim_bounds={dict(dim_bounds)}: symbolic dims with bounds are not supported yet; give the model static input shapes")
    if not is_host_runnable(resolve_target(target)):
        raise NotImplementedError(f"target '{target}' does not run on this machine; running it under an emulator is not supported yet (compile it with opt-fuse-compile)")


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
        **kwargs: Any,
    ) -> OptFuseRep:
        if kwargs:
            raise TypeError(f"unknown option(s) for prepare: {', '.join(sorted(kwargs))}")
        _check_options(device, num_threads, dim_bounds, target)
        workdir = tempfile.TemporaryDirectory(prefix="opt-fuse-")
        try:
            artifacts = compile_model(load_model(model), workdir.name, target=target, fuse=fuse, kinds=("so",))
        except BaseException:
            workdir.cleanup()
            raise
        return OptFuseRep(artifacts, workdir)

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
