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


def _load_by_path(name: str, filename: str):
    spec = importlib.util.spec_from_file_location(name, REPO_ROOT / "benchmarks" / filename)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_kernels_vs_ort_quick_writes_every_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The side-by-side runner's smoke mode: rough machine limits, the mlp example, one round."""
    kernels = _load_by_path("opt_fuse_kernels_vs_ort", "kernels_vs_ort.py")
    out = tmp_path / "kernels.json"
    assert kernels.main(["--quick", "--json", str(out)]) == 0
    summary = json.loads(out.read_text())
    assert {"machine", "limits", "settings", "results", "failures", "geomean_ratio_1t", "geomean_ratio_2t"} <= set(
        summary
    )
    assert summary["failures"] == {}
    limits = summary["limits"]
    assert {
        "peak_gflops_1core",
        "peak_gflops_all_cores",
        "bandwidth_gbs_1core",
        "bandwidth_gbs_all_cores",
        "fma",
        "triad",
    } <= set(limits)
    assert limits["peak_gflops_1core"] > 0 and limits["bandwidth_gbs_1core"] > 0
    [result] = summary["results"]
    assert set(result) == {f.name for f in dataclasses.fields(kernels.Result)}
    assert result["model"] == kernels.QUICK_MODEL and result["rounds"] == 1
    assert result["kind"] == "compute" and result["flops"] > 0 and result["opt_fuse_peak_fraction"] > 0
    assert "| mlp | example |" in capsys.readouterr().out
    # --rescore recomputes the fractions from the timings alone: against the same limits, the same numbers
    again = tmp_path / "rescored.json"
    assert kernels.main(["--rescore", str(out), "--json", str(again)]) == 0
    assert json.loads(again.read_text())["results"] == summary["results"]


def test_kernels_vs_ort_counts_flops_and_reads_limits(tmp_path: Path) -> None:
    kernels = _load_by_path("opt_fuse_kernels_vs_ort", "kernels_vs_ort.py")
    graphs = _load_by_path("opt_fuse_fusion_graphs", "fusion_graphs.py")
    total, by_op = kernels.conv_matmul_flops(graphs.matmul_bias_gelu())
    assert total == by_op["MatMul"] == 2 * 128 * 768 * 3072
    total, by_op = kernels.conv_matmul_flops(graphs.conv_bn_clip())
    assert total == 2 * 64 * 56 * 56 * 64 * 3 * 3
    assert kernels.conv_matmul_flops(graphs.softmax())[0] == 0
    # the limits file kernels_vs_ort.py reads is what machine_limits.py writes
    limits = _load_by_path("opt_fuse_machine_limits", "machine_limits.py")
    path = tmp_path / "limits.json"
    assert limits.main(["--quick", "--json", str(path)]) == 0
    written = limits.load(path)
    assert {
        "cpu",
        "cpu_features",
        "clang_native_features",
        "caches",
        "peak_gflops_1core",
        "bandwidth_gbs_1core",
    } <= set(written)
    assert {t["label"] for t in written["triad"]} >= {"L2", "DRAM"}


def test_kernel_profile_keeps_each_kernel_a_symbol() -> None:
    """kernel_profile.py marks the kernels noinline (perf itself is not run here: CI may not have it)."""
    profile = _load_by_path("opt_fuse_kernel_profile", "kernel_profile.py")
    ir = (
        "define internal void @m_k0_conv2d_relu(ptr noalias %x, ptr noalias %out) #0 {\n  ret void\n}\n"
        "define i32 @m_run(ptr %x, ptr %y) #0 {\n  ret i32 0\n}\n"
    )
    marked = profile.noinline(ir)
    assert "define internal void @m_k0_conv2d_relu(ptr noalias %x, ptr noalias %out) noinline #0 {" in marked
    assert "define i32 @m_run(ptr %x, ptr %y) #0 {" in marked
    assert profile.KERNEL.match("m_k12_conv2d_add_relu")["ops"] == "conv2d_add_relu"


def test_dlrm_quick_reports_latency_and_bytes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    dlrm = _load_by_path("opt_fuse_dlrm", "dlrm.py")
    out = tmp_path / "dlrm.json"
    assert dlrm.main(["--quick", "--json", str(out)]) == 0
    summary = json.loads(out.read_text())
    assert [r["ort_threads"] for r in summary["results"]] == [1, 2]
    assert set(summary["results"][0]) == {f.name for f in dataclasses.fields(dlrm.Result)}
    assert all(r["matches"] for r in summary["results"])
    assert summary["memory"]["bag_tensor_bytes"] > 0 and summary["memory"]["not_materialised_bytes"] > 0
    assert "| dlrm |" in capsys.readouterr().out


def test_kernel_shapes_quick_writes_every_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The one-kernel benchmark's smoke mode: a 256^3 matmul, one round, against onnxruntime."""
    shapes = _load_by_path("opt_fuse_kernel_shapes", "kernel_shapes.py")
    out = tmp_path / "shapes.json"
    limits = tmp_path / "limits.json"
    limits.write_text(json.dumps({"peak_gflops_1core": 100.0}))
    assert shapes.main(["--quick", "--limits", str(limits), "--json", str(out)]) == 0
    summary = json.loads(out.read_text())
    [timing] = summary["shapes"]
    assert set(timing) == {f.name for f in dataclasses.fields(shapes.Timing)}
    assert timing["shape"] == shapes.QUICK_SHAPE and timing["rounds"] == 1
    assert timing["max_relative_difference"] < 1e-5, "opt-fuse and onnxruntime computed different results"
    assert timing["opt_fuse_of_peak"] > 0 and summary["peak_gflops_1core"] == 100.0
    assert "| matmul 256^3 |" in capsys.readouterr().out
