"""Pass plugins (compiler/plugins.py): from a file through the Python API, and from an
installed package through the `opt_fuse.plugins` entry points.

The entry-point tests install a fake distribution the way pip would leave it (a
`*.dist-info` folder with `entry_points.txt`) into a temporary folder on sys.path,
so `importlib.metadata` finds it exactly as it finds a real one.
"""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from compiler import api
from compiler.context import make_context
from compiler.errors import OptFuseError
from compiler.plugins import ENTRY_POINT_GROUP, PluginError, forget_plugins, load_pass_plugin
from passes import get_all_passes
from tools.opt_fuse import main as opt_fuse_main

ROOT = Path(__file__).resolve().parent.parent
TUTORIAL_PASS = ROOT / "docs" / "tutorial" / "mul_by_one.py"
INPUTS = ROOT / "lit_tests" / "opt-fuse" / "Inputs"

MUL_BY_ONE = """
func.func @f(%x: tensor<4xf32>) -> tensor<*xf32> {
  %one = nn.constant dense<1.0> : tensor<1xf32>
  %0 = nn.mul %x, %one : (tensor<4xf32>, tensor<1xf32>) -> tensor<*xf32>
  func.return %0 : tensor<*xf32>
}
"""


@pytest.fixture(autouse=True)
def no_plugins() -> Iterator[None]:
    """Each test starts and ends with no plugin registered."""
    forget_plugins()
    yield
    forget_plugins()


def test_a_plugin_file_registers_its_passes_with_their_options() -> None:
    assert "mul-by-one" not in get_all_passes()
    assert api.load_pass_plugin(TUTORIAL_PASS) == ["mul-by-one"]
    assert api.load_pass_plugin(TUTORIAL_PASS) == ["mul-by-one"]  # a second load is a no-op
    info = next(p for p in api.list_passes() if p["name"] == "mul-by-one")
    assert info["origin"] == f"pass plugin '{TUTORIAL_PASS}'"
    assert info["options"] == [{"name": "div", "type": "bool", "default": False, "required": False}]
    module = api.run_pipeline(api.parse(MUL_BY_ONE), "shape-infer,mul-by-one")
    assert "nn.mul" not in api.to_text(module)


def test_a_plugin_pass_that_raises_is_reported_as_the_plugins_bug() -> None:
    api.load_pass_plugin(INPUTS / "crashes.py")
    with pytest.raises(PluginError, match=r"pass 'crash' \(pass plugin '.*crashes.py'\) raised IndexError: .* at .*crashes.py:14"):
        api.run_pipeline(api.parse(MUL_BY_ONE), "crash")


def test_a_failed_plugin_registers_nothing(tmp_path: Path) -> None:
    """One bad pass class makes the whole file fail; its good passes are not half-registered."""
    plugin = tmp_path / "half.py"
    plugin.write_text(
        textwrap.dedent(
            """
            from dataclasses import dataclass
            from xdsl.passes import ModulePass

            @dataclass(frozen=True)
            class Good(ModulePass):
                name = "good-pass"
                def apply(self, ctx, op):
                    pass

            @dataclass(frozen=True)
            class Bad(ModulePass):
                name = "has space"
                def apply(self, ctx, op):
                    pass
            """
        )
    )
    with pytest.raises(PluginError, match=r"pass class Bad has name = 'has space'"):
        load_pass_plugin(plugin)
    assert "good-pass" not in get_all_passes()


# --------------------------------------------------------------------------- entry points


def install_fake_distribution(site: Path, module: str, source: str, entry: str) -> None:
    """What `pip install` leaves for a package declaring `[project.entry-points."opt_fuse.plugins"]`."""
    (site / f"{module}.py").write_text(textwrap.dedent(source))
    info = site / f"{module.replace('_', '-')}-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {module.replace('_', '-')}\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(f"[{ENTRY_POINT_GROUP}]\n{entry}\n")


PACKAGE_PLUGIN = """
from dataclasses import dataclass

from xdsl.dialects.builtin import ModuleOp
from xdsl.ir import Dialect
from xdsl.irdl import IRDLOperation, irdl_op_definition, operand_def, result_def
from xdsl.passes import ModulePass

from dialects.nn import AnyTensor, NegOp


@irdl_op_definition
class TagOp(IRDLOperation):
    name = "pkg.tag"
    input = operand_def(AnyTensor)
    result = result_def(AnyTensor)
    assembly_format = "$input attr-dict `:` type($input) `->` type($result)"


PKG = Dialect("pkg", [TagOp], [])


@dataclass(frozen=True)
class DropNegPass(ModulePass):
    \"\"\"Replace every nn.neg by its operand (a packaged test pass).\"\"\"

    name = "drop-neg"
    times: int = 1

    def apply(self, ctx, op: ModuleOp) -> None:
        for neg in [o for o in op.walk() if isinstance(o, NegOp)]:
            neg.result.replace_all_uses_with(neg.input)
            neg.detach()
            neg.erase()
"""


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.syspath_prepend(str(tmp_path))
    return tmp_path


def test_an_installed_package_adds_passes_and_dialects(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    install_fake_distribution(site, "opt_fuse_pkg_demo", PACKAGE_PLUGIN, "demo = opt_fuse_pkg_demo")
    assert "drop-neg" in get_all_passes()
    assert make_context().get_optional_op("pkg.tag") is not None
    info = next(p for p in api.list_passes() if p["name"] == "drop-neg")
    assert info["origin"] == "entry point 'demo = opt_fuse_pkg_demo' of opt-fuse-pkg-demo"
    assert info["options"][0]["name"] == "times"

    source = site / "in.mlir"
    source.write_text(
        "func.func @f(%x: tensor<2xf32>) -> tensor<*xf32> {\n"
        "  %0 = nn.neg %x : (tensor<2xf32>) -> tensor<*xf32>\n"
        "  %1 = pkg.tag %0 : tensor<*xf32> -> tensor<*xf32>\n"
        "  func.return %1 : tensor<*xf32>\n}\n"
    )
    assert opt_fuse_main([str(source), "-p", "drop-neg{times=2}"]) == 0
    output = capsys.readouterr().out
    assert "nn.neg" not in output and "pkg.tag %x : tensor<2xf32> -> tensor<*xf32>" in output


def test_an_entry_point_may_name_a_pass_class(site: Path) -> None:
    install_fake_distribution(site, "opt_fuse_pkg_class", PACKAGE_PLUGIN, "one = opt_fuse_pkg_class:DropNegPass")
    assert "drop-neg" in get_all_passes()
    assert make_context().get_optional_op("pkg.tag") is None  # only the class was named


def test_a_broken_installed_plugin_is_one_error_naming_it(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    install_fake_distribution(site, "opt_fuse_pkg_broken", "raise RuntimeError('no GPU here')\n", "broken = opt_fuse_pkg_broken")
    with pytest.raises(OptFuseError, match=r"cannot load plugin entry point 'broken = opt_fuse_pkg_broken' of opt-fuse-pkg-broken: RuntimeError: no GPU here"):
        get_all_passes()
    assert opt_fuse_main(["--list-passes"]) == 1
    assert capsys.readouterr().err.startswith("opt-fuse: error: cannot load plugin entry point 'broken")


def test_an_entry_point_may_not_take_a_builtin_name(site: Path) -> None:
    source = PACKAGE_PLUGIN.replace('name = "drop-neg"', 'name = "cse"')
    install_fake_distribution(site, "opt_fuse_pkg_taken", source, "taken = opt_fuse_pkg_taken")
    with pytest.raises(PluginError, match=r"pass 'cse' \(class DropNegPass\) is already registered by opt-fuse"):
        get_all_passes()


def test_plugins_are_loaded_once_per_process(site: Path) -> None:
    install_fake_distribution(site, "opt_fuse_pkg_once", PACKAGE_PLUGIN, "once = opt_fuse_pkg_once")
    first = get_all_passes()["drop-neg"]()
    assert get_all_passes()["drop-neg"]() is first
    assert sys.modules["opt_fuse_pkg_once"].DropNegPass is first
