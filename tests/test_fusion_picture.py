"""`opt-fuse --fusion-dot x.svg` hands the Graphviz text to the `dot` program.

Graphviz is not installed on CI (nor needed for .dot output), so a stand-in `dot`
on PATH records how it was called and wraps its input: the test checks that the
picture reaches `dot` with `-Tsvg -o PATH`, and that a failing `dot` is one error.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tools.opt_fuse import main as opt_fuse_main

IR = """
func.func @f(%x: tensor<2x8xf32>) -> tensor<*xf32> {
  %r = nn.relu %x : (tensor<2x8xf32>) -> tensor<*xf32>
  %e = nn.exp %r : (tensor<*xf32>) -> tensor<*xf32>
  func.return %e : tensor<*xf32>
}
"""


def fake_dot(folder: Path, body: str) -> None:
    folder.mkdir()
    script = folder / "dot"
    script.write_text("#!/bin/sh\n" + body)
    script.chmod(0o755)


def test_svg_goes_through_dot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake_dot(tmp_path / "bin", f'echo "$@" > {tmp_path}/args\n{{ echo "<svg>"; cat; echo "</svg>"; }} > "$3"\n')
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    (tmp_path / "in.mlir").write_text(IR)
    svg = tmp_path / "groups.svg"
    assert opt_fuse_main([str(tmp_path / "in.mlir"), "-p", "shape-infer,fuse", "--fusion-dot", str(svg), "-o", os.devnull]) == 0
    assert (tmp_path / "args").read_text().split() == ["-Tsvg", "-o", str(svg)]
    picture = svg.read_text()
    assert picture.startswith("<svg>\ndigraph fusion {") and 'label="nn.relu (elementwise)"' in picture


def test_a_failing_dot_is_one_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    fake_dot(tmp_path / "bin", 'echo "syntax error in line 1" >&2\nexit 1\n')
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    (tmp_path / "in.mlir").write_text(IR)
    assert opt_fuse_main([str(tmp_path / "in.mlir"), "--fusion-dot", str(tmp_path / "g.svg"), "-o", os.devnull]) == 1
    assert capsys.readouterr().err == "opt-fuse: error: --fusion-dot: dot failed on the fusion picture: syntax error in line 1\n"
