"""The benchmark scripts still run and still write what their readers expect.

Benchmarks are run by hand, rarely, so they rot silently when the compiler's
interfaces move (here: the driver's stage timings). These tests run the quick
modes in-process and check the shape of the JSON, never the timings: the
machine is shared and timing assertions would be flaky.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import sys
from pathlib import Path

import onnx
import pytest
from onnx import numpy_helper
from onnx_helpers import REPO_ROOT


def _load_light_models():
    # loaded by path: a top-level `benchmarks` package may exist elsewhere on sys.path
    spec = importlib.util.spec_from_file_location("opt_fuse_light_models", REPO_ROOT / "benchmarks" / "light_models.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


light_models = _load_light_models()


def test_light_models_quick_writes_every_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "light.json"
    assert light_models.main(["--quick", "--json", str(out)]) == 0
    summary = json.loads(out.read_text())
    assert set(summary) == {"machine", "settings", "results", "failures", "geomean_ratio_1t", "geomean_ratio_2t"}
    assert {"cpu", "cores", "load_average_before", "load_average_after", "toolchain"} <= set(summary["machine"])
    assert summary["failures"] == {}
    [result] = summary["results"]
    assert set(result) == {f.name for f in dataclasses.fields(light_models.Result)}
    assert result["model"] == light_models.QUICK_MODEL
    assert result["rounds"] == 1
    stages = result["stages_s"]
    order = list(stages)
    assert order[0] == "import" and order[-1] == "load"
    assert {"clang", "write", "pass:shape-infer", "pass:fuse", "pass:lower-to-loops", "pass:emit-llvm"} <= set(stages)
    printed = capsys.readouterr().out
    assert "| squeezenet |" in printed and "compile stages for squeezenet" in printed


def test_light_models_random_weights_replace_every_constant_of_shape() -> None:
    model = onnx.load(light_models.LIGHT_DIR / f"light_{light_models.QUICK_MODEL}.onnx")
    randomized = light_models.with_random_weights(model)
    assert not any(n.op_type == "ConstantOfShape" for n in randomized.graph.node)
    weights = [numpy_helper.to_array(t) for t in randomized.graph.initializer if t.data_type == onnx.TensorProto.FLOAT]
    assert sum(w.size > 1 and float(w.std()) > 0 for w in weights) >= 10


def test_light_models_rejects_an_unknown_model(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        light_models.main(["no_such_model"])
    assert exit_info.value.code == 2
    assert "unknown model(s) no_such_model" in capsys.readouterr().err


def _load_bound_shapes():
    spec = importlib.util.spec_from_file_location("opt_fuse_bound_shapes", REPO_ROOT / "benchmarks" / "bound_shapes.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_bound_shapes_quick_reports_memory_and_generality(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bound_shapes = _load_bound_shapes()
    out = tmp_path / "bound.json"
    assert bound_shapes.main(["--quick", "--json", str(out)]) == 0
    [result] = json.loads(out.read_text())
    assert set(result) == {f.name for f in dataclasses.fields(bound_shapes.Result)}
    assert 0 < result["arena_mib"] <= result["unplanned_mib"]
    assert result["opt_fuse_peak_rss_mib"] > 0 and result["ort_peak_rss_mib"] > 0
    assert "| encoder-small |" in capsys.readouterr().out
