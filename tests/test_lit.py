"""The lit/FileCheck suite (lit_tests/), run from pytest, and its coverage of the passes.

`lit_tests/lit.cfg.py` runs `opt-fuse` as `python -m tools.opt_fuse` with the
Python that runs lit, and finds `filecheck` next to it, so the suite runs here
without installing the package.
"""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from compiler.onnx_importer import IMPORTERS
from passes import OUR_PASSES, get_all_passes
from tools.opt_fuse import main as opt_fuse_main

ROOT = Path(__file__).resolve().parent.parent
LIT_TESTS = ROOT / "lit_tests"
LIT_SUFFIXES = (".mlir", ".onnxtxt")


def lit_command() -> list[str] | None:
    """How to start lit with this interpreter, or None if lit is not installed."""
    if importlib.util.find_spec("lit") is not None:
        if importlib.util.find_spec("lit.__main__") is not None:
            return [sys.executable, "-m", "lit"]
        return [sys.executable, "-c", "import sys, lit.main; sys.exit(lit.main.main())"]
    script = Path(sys.executable).with_name("lit")
    return [str(script)] if script.exists() else None


def filecheck_available() -> bool:
    return Path(sys.executable).with_name("filecheck").exists() or shutil.which("filecheck") is not None


def lit_test_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.suffix in LIT_SUFFIXES and "Output" not in p.parts)


def test_lit_suite_passes() -> None:
    command = lit_command()
    if command is None:
        pytest.skip("lit is not installed (pip install 'opt-fuse[test]')")
    if not filecheck_available():
        pytest.skip("filecheck is not installed (pip install 'opt-fuse[test]')")
    result = subprocess.run(
        [*command, "-q", "-v", str(LIT_TESTS)], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, f"lit failed (exit {result.returncode}):\n{result.stdout}\n{result.stderr}"


@pytest.mark.parametrize("pass_name", sorted(OUR_PASSES))
def test_every_pass_has_lit_tests(pass_name: str) -> None:
    folder = LIT_TESTS / pass_name
    assert folder.is_dir(), f"pass '{pass_name}' has no lit test folder {folder.relative_to(ROOT)}/"
    assert lit_test_files(folder), f"{folder.relative_to(ROOT)}/ holds no *.mlir or *.onnxtxt test"


def test_every_onnx_op_has_an_import_test() -> None:
    """Each op of the importer's table is used by a node of some lit_tests/import/*.onnxtxt model."""
    models = "\n".join(p.read_text() for p in (LIT_TESTS / "import").glob("*.onnxtxt"))
    untested = [op for op in sorted(IMPORTERS) if not re.search(rf"=\s*{op}\s*[(<]", models)]
    assert not untested, f"ONNX ops without a lit test in lit_tests/import/: {untested}"


def test_list_passes_names_every_registered_pass(capsys: pytest.CaptureFixture[str]) -> None:
    assert opt_fuse_main(["--list-passes"]) == 0
    listed = {line.split()[0] for line in capsys.readouterr().out.splitlines() if line and not line[0].isspace()}
    assert listed == set(get_all_passes())
