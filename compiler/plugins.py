"""Pass plugins: passes (and dialects) that live outside opt-fuse's source tree.

A researcher's new pass should not need a fork. Two ways in:

- a Python file, loaded at run time:

      opt-fuse model.mlir --load-pass-plugin my_pass.py -p 'shape-infer,my-pass{level=2}'
      compiler.plugins.load_pass_plugin("my_pass.py")          # or compiler.api.load_pass_plugin

- an installed package that declares an entry point in the group
  `opt_fuse.plugins` (pyproject.toml):

      [project.entry-points."opt_fuse.plugins"]
      my-passes = "my_package.passes"        # a module, a ModulePass subclass, or a Dialect

  Every opt-fuse run (the tool, the driver, the Python API) loads these once,
  through `importlib.metadata`, the first time the pass registry or the IR
  context is asked for.

From a plugin file, every concrete `ModulePass` subclass the file defines (not
the ones it imports) is registered under its `name`, and every `Dialect` object
at module level is loaded into the context, so its ops parse and print. From an
entry point that names a module, the same, for the classes defined in that
module or its package. Plugin passes are then ordinary passes: listed by
`--list-passes` with their options, usable in any pipeline, timed and printed
like the others.

Every mistake is a `PluginError` naming the plugin: a file that does not exist
or raises while loading (with the line that raised), a pass without a name, a
name that is already taken, options declared on a class that is not a
dataclass (they would be silently ignored).
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib.metadata
import importlib.util
import inspect
import re
import sys
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from xdsl.ir import Dialect
from xdsl.passes import ModulePass

from compiler.errors import OptFuseError

ENTRY_POINT_GROUP = "opt_fuse.plugins"
PASS_NAME = re.compile(r"[A-Za-z0-9_.\-]+")
"""What the pipeline grammar accepts as a pass name (compiler/pass_pipeline.py)."""


class PluginError(OptFuseError):
    """A pass plugin cannot be loaded; the message names the file or entry point."""


@dataclass(frozen=True)
class Plugin:
    """What one plugin added."""

    origin: str
    """How messages and `--list-passes --json` name it: `pass plugin 'file.py'` or `entry point ...`."""
    passes: tuple[type[ModulePass], ...]
    dialects: tuple[Dialect, ...]

    @property
    def pass_names(self) -> list[str]:
        return [str(cls.name) for cls in self.passes]


_passes: dict[str, tuple[type[ModulePass], str]] = {}
_dialects: dict[str, tuple[Dialect, str]] = {}
_files: dict[Path, Plugin] = {}
_entry_points: dict[tuple[str, str], Plugin] = {}
_entry_points_scanned = False


# --------------------------------------------------------------------------- files


def load_pass_plugin(path: str | Path) -> Plugin:
    """Load a plugin file and register its passes and dialects; loading the same file twice is a no-op."""
    file = Path(path)
    shown = str(path)
    if not file.is_file():
        why = "it is a directory" if file.is_dir() else "no such file"
        raise PluginError(f"cannot load pass plugin '{shown}': {why}")
    if file.suffix != ".py":
        raise PluginError(f"cannot load pass plugin '{shown}': a pass plugin is a Python file (.py)")
    key = file.resolve()
    if key in _files:
        return _files[key]
    module = _exec_file(file, shown)
    plugin = _register(f"pass plugin '{shown}'", _defined_in(module, (module.__name__,)))
    _files[key] = plugin
    return plugin


def _exec_file(file: Path, shown: str) -> ModuleType:
    """Import `file` as a fresh module; any exception becomes one PluginError naming the line that raised."""
    digest = hashlib.sha1(str(file.resolve()).encode()).hexdigest()[:8]
    name = f"opt_fuse_plugin_{re.sub(r'[^A-Za-z0-9_]', '_', file.stem)}_{digest}"
    spec = importlib.util.spec_from_file_location(name, file)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses and typing.get_type_hints look the module up by name
    try:
        spec.loader.exec_module(module)
    except SyntaxError as error:
        del sys.modules[name]
        raise PluginError(f"pass plugin '{shown}' does not parse: {shown}:{error.lineno}:{error.offset}: {error.msg}") from error
    except Exception as error:  # anything the plugin's top level raises
        del sys.modules[name]
        frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename == spec.origin]
        where = f" (at {shown}:{frames[-1].lineno})" if frames else ""
        raise PluginError(f"pass plugin '{shown}' failed to load: {type(error).__name__}: {error}{where}") from error
    return module


# --------------------------------------------------------------------------- entry points


def load_entry_point_plugins() -> list[Plugin]:
    """Load every installed `opt_fuse.plugins` entry point not loaded yet (cheap after the first call)."""
    global _entry_points_scanned
    if _entry_points_scanned:
        return list(_entry_points.values())
    for entry in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        dist = entry.dist.name if entry.dist is not None else "unknown distribution"
        key = (dist, entry.name)
        if key in _entry_points:
            continue
        origin = f"entry point '{entry.name} = {entry.value}' of {dist}"
        try:
            loaded = entry.load()
        except Exception as error:
            raise PluginError(f"cannot load plugin {origin}: {type(error).__name__}: {error}") from error
        _entry_points[key] = _register(origin, _objects_of(loaded, origin))
    _entry_points_scanned = True
    return list(_entry_points.values())


def _objects_of(loaded: object, origin: str) -> list[object]:
    """An entry point may name a module (scanned like a plugin file), a pass class, a dialect, or a list of them."""
    if isinstance(loaded, ModuleType):
        package = loaded.__name__.split(".")[0]
        return _defined_in(loaded, (loaded.__name__, package))
    if isinstance(loaded, list | tuple):
        return [item for part in loaded for item in _objects_of(part, origin)]
    if isinstance(loaded, Dialect) or (isinstance(loaded, type) and issubclass(loaded, ModulePass)):
        return [loaded]
    raise PluginError(f"plugin {origin} is a {type(loaded).__name__}: expected a module, a ModulePass subclass or a Dialect")


# --------------------------------------------------------------------------- registering


def _defined_in(module: ModuleType, owners: tuple[str, ...]) -> list[object]:
    """Pass classes defined by `module` (or a module of the same package) and its Dialect objects."""
    found: list[object] = []
    for value in vars(module).values():
        if isinstance(value, type) and issubclass(value, ModulePass) and _owned(value.__module__, owners) or isinstance(value, Dialect):
            found.append(value)
    return found


def _owned(module_name: str, owners: tuple[str, ...]) -> bool:
    return any(module_name == o or module_name.startswith(o + ".") for o in owners)


def _register(origin: str, objects: Iterable[object]) -> Plugin:
    """Check everything first, then register: a plugin with one bad pass adds nothing."""
    from compiler.context import builtin_dialects
    from passes import builtin_pass_names

    passes = [o for o in objects if isinstance(o, type) and not inspect.isabstract(o)]
    ours = {d.name: d for d in builtin_dialects()}
    dialects = [d for d in objects if isinstance(d, Dialect) and ours.get(d.name) is not d]
    taken = {name: "opt-fuse" for name in builtin_pass_names()} | {name: o for name, (_, o) in _passes.items()}
    new: dict[str, type[ModulePass]] = {}
    for cls in passes:
        name = _checked_pass(cls, origin)
        if name in taken or name in new:
            by = taken.get(name, origin)
            raise PluginError(f"{origin}: pass '{name}' (class {cls.__name__}) is already registered by {by}")
        new[name] = cls  # type: ignore[assignment]
    for dialect in dialects:
        if dialect.name in ours or dialect.name in _dialects:
            by = "opt-fuse" if dialect.name in ours else _dialects[dialect.name][1]
            raise PluginError(f"{origin}: dialect '{dialect.name}' is already registered by {by}")
    if not new and not dialects:
        raise PluginError(
            f"{origin} defines no pass: a pass is a @dataclass(frozen=True) subclass of "
            "xdsl.passes.ModulePass with a `name` and an `apply(self, ctx, op)` method"
        )
    for name, cls in new.items():
        _passes[name] = (cls, origin)
    for dialect in dialects:
        _dialects[dialect.name] = (dialect, origin)
    return Plugin(origin, tuple(new.values()), tuple(dialects))


def _checked_pass(cls: type, origin: str) -> str:
    """The pass's pipeline name, after the checks that catch a newcomer's usual slips."""
    name = getattr(cls, "name", None)
    if not isinstance(name, str) or not PASS_NAME.fullmatch(name):
        got = f"name = {name!r}" if name is not None else "no `name`"
        raise PluginError(
            f"{origin}: pass class {cls.__name__} has {got}; give it the name pipelines use, "
            "made of letters, digits, '-', '_' and '.', e.g. name = \"my-pass\""
        )
    fields = {f.name for f in dataclasses.fields(cls)} if dataclasses.is_dataclass(cls) else set()
    annotations = inspect.get_annotations(cls)
    declared = [k for k, v in annotations.items() if k != "name" and "ClassVar" not in str(v) and k not in fields]
    if declared:
        raise PluginError(
            f"{origin}: pass class {cls.__name__} declares options ({', '.join(declared)}) but is not a "
            "@dataclass(frozen=True): its options would be ignored"
        )
    return name


# --------------------------------------------------------------------------- queries


def plugin_passes() -> dict[str, Callable[[], type[ModulePass]]]:
    """Every plugin pass (files loaded so far and installed entry points), as registry getters."""
    load_entry_point_plugins()
    return {name: (lambda cls=cls: cls) for name, (cls, _) in _passes.items()}


def plugin_dialects() -> list[Dialect]:
    """Every plugin dialect, to be loaded into each new context."""
    load_entry_point_plugins()
    return [dialect for dialect, _ in _dialects.values()]


def pass_origin(name: str) -> str | None:
    """Which plugin registered pass `name`, or None for opt-fuse's own and xDSL's passes."""
    entry = _passes.get(name)
    return entry[1] if entry else None


def forget_plugins() -> None:
    """Unregister every plugin (tests use it to stay independent of each other)."""
    global _entry_points_scanned
    _passes.clear()
    _dialects.clear()
    _files.clear()
    _entry_points.clear()
    _entry_points_scanned = False
