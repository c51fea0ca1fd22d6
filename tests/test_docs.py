"""docs/ is built and tested like code.

- The generated pages (dialects, passes, the tool's flags, and the code the
  tutorial includes) must be what `python -m tools.gen_docs` writes today.
- The tutorial's pass and its lit test run: `lit docs/tutorial`.
- Every code block marked `test` in the tutorial and the Python API page runs:
  ```sh test blocks are opt-fuse commands, run from a scratch folder that sees
  docs/; ```python test blocks run in order, in one namespace, from the repository root.
- Every relative link in docs/ leads to a file that exists.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_lit import filecheck_available, lit_command

from compiler.plugins import forget_plugins
from tools import gen_docs

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
TUTORIAL = DOCS / "tutorial-first-pass.md"
PYTHON_API = DOCS / "python-api.md"
BLOCK = re.compile(r"^```(?P<language>\w+) test\n(?P<code>.*?)^```$", re.MULTILINE | re.DOTALL)


def blocks_marked_test(page: Path, language: str) -> list[str]:
    return [m.group("code") for m in BLOCK.finditer(page.read_text()) if m.group("language") == language]


@pytest.fixture(autouse=True)
def no_plugins() -> Iterator[None]:
    forget_plugins()
    yield
    forget_plugins()


def test_generated_docs_are_up_to_date() -> None:
    stale = [str(p.relative_to(ROOT)) for p in gen_docs.stale_pages()]
    assert not stale, f"out of date: {', '.join(stale)}; run `python -m tools.gen_docs`"


def test_the_tutorial_pass_and_its_lit_test() -> None:
    command = lit_command()
    if command is None or not filecheck_available():
        pytest.skip("lit and filecheck are not installed (pip install 'opt-fuse[test]')")
    result = subprocess.run([*command, "-q", "-v", str(DOCS / "tutorial")], cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, f"lit docs/tutorial failed:\n{result.stdout}\n{result.stderr}"


@pytest.mark.parametrize("command", [line for block in blocks_marked_test(TUTORIAL, "sh") for line in block.splitlines() if line.strip()])
def test_tutorial_commands_run(command: str, tmp_path: Path) -> None:
    """As a reader would type it, from a folder where docs/ is the repository's (outputs land in tmp_path)."""
    assert command.startswith("opt-fuse "), f"a tested command must be an opt-fuse command: {command}"
    (tmp_path / "docs").symlink_to(DOCS)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    argv = [sys.executable, "-m", "tools.opt_fuse", *shlex_split(command.removeprefix("opt-fuse "))]
    result = subprocess.run(argv, cwd=tmp_path, env=env, capture_output=True, text=True, check=False)
    assert result.returncode == 0, f"{command}\nexit {result.returncode}\n{result.stderr}"
    assert "error" not in result.stderr, result.stderr


def shlex_split(text: str) -> list[str]:
    import shlex

    return shlex.split(text)


@pytest.mark.parametrize("page", [TUTORIAL, PYTHON_API], ids=lambda p: p.name)
def test_python_blocks_run(page: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    blocks = blocks_marked_test(page, "python")
    assert blocks, f"{page.name} has no tested Python block"
    monkeypatch.chdir(ROOT)
    namespace: dict[str, object] = {"__name__": "__docs__"}
    for number, code in enumerate(blocks):
        exec(compile(code, f"{page.name}, block {number + 1}", "exec"), namespace)  # noqa: S102 - the docs' own examples


def test_relative_links_lead_somewhere() -> None:
    broken: list[str] = []
    for page in DOCS.rglob("*.md"):
        for target in re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", page.read_text()):
            if not (page.parent / target).resolve().exists() and "shared/DESIGN.md" not in target:
                broken.append(f"{page.relative_to(ROOT)} -> {target}")
    assert not broken, "broken links: " + ", ".join(broken)


def test_the_check_fails_on_a_stale_page(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """--check is what CI relies on: it must notice an edited page."""
    pages = gen_docs.generated_pages()
    path, text = next(iter(pages.items()))
    monkeypatch.setattr(gen_docs, "generated_pages", lambda: {path: text + "a change\n"})
    assert gen_docs.stale_pages() == [path]
    assert gen_docs.main(["--check"]) == 1
