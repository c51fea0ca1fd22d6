"""The compile cache: `backend.prepare` of the same model with the same options reuses the library.

Compiling a model takes seconds (import, passes, clang); a notebook or a test suite that
prepares the same model again pays that each time. The cache keeps what `prepare` runs (the
host's shared library, or a foreign target's test executable) with the Signature and arena
figures needed to rebuild the rep without importing the model.

Key: the sha256 of the serialized model, every option that changes the compiled code (fuse,
the resolved target with its CPU flags, the artifact kinds, dim_bounds, input_shapes), the
opt-fuse version (a hash of the source files of compiler/, dialects/ and passes/, .py and .c, so any code
change invalidates every entry) and the toolchain's identity (the clang command and its
`--version` output, plus the executable linker for a test executable). `device` and
`num_threads` are checked by `prepare` but do not change the code, so they are not in it.

Layout, under $OPT_FUSE_CACHE_DIR, else $XDG_CACHE_HOME/opt-fuse, else ~/.cache/opt-fuse:

    <key>/entry.json          what the entry holds: file names, sizes and sha256, target, arena figures
    <key>/signature.pickle    the compiled entry point's Signature (symbolic dims pickle, JSON would need a codec)
    <key>/<model>.so          (or <model>_test for a foreign target)
    .tmp-*/                   entries being written, or removed

Concurrency without locks: an entry is written into a `.tmp-*` directory in the cache dir and
renamed into place in one `rename(2)`, so a reader sees a whole entry or none. When two
processes race, the second rename fails because the entry exists: that process deletes its
copy (both compiled; neither waits). A reader copies the files into the rep's private
directory and checks each copy's size and sha256 against entry.json; anything missing,
truncated or unreadable makes the entry a miss, and it is moved aside and deleted, then
rebuilt. The copy is deliberate: the dynamic loader maps one file (by path, and by inode, so
a hard link would not do) once per process, and two reps sharing one mapping would share the
generated code's static buffers behind two different locks; it also keeps a rep working if
the cache is cleared under it.

Disable with OPT_FUSE_CACHE=0 or `prepare(..., cache=False)` (`cache=True` overrides the
variable); clear with `python -m compiler.compile_cache --clear` or `clear_cache()`.
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import hashlib
import json
import os
import pickle
import shutil
import subprocess
import sys
import tempfile
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path

import onnx

from compiler import driver
from compiler.driver import Artifacts, Signature
from compiler.targets import resolve_target
from compiler.toolchain import find_clang, find_executable_linker
from dialects.dims import Dim

FORMAT = 1
"""The entry layout's version; part of the key, so a layout change never reads an old entry."""

CACHED_KINDS = ("so", "exe")
"""The artifacts an entry keeps: what a rep runs. The .ll, weights and objects are build inputs."""

SOURCE_PACKAGES = ("compiler", "dialects", "passes")
_ROOT = Path(__file__).resolve().parent.parent
_TMP_PREFIX = ".tmp-"
_ENTRY_FILE = "entry.json"
_SIGNATURE_FILE = "signature.pickle"
_DISABLED = {"0", "false", "no", "off"}


def cache_dir() -> Path:
    """Where entries live: $OPT_FUSE_CACHE_DIR, else $XDG_CACHE_HOME/opt-fuse, else ~/.cache/opt-fuse."""
    if explicit := os.environ.get("OPT_FUSE_CACHE_DIR"):
        return Path(explicit).expanduser()
    if xdg := os.environ.get("XDG_CACHE_HOME"):
        return Path(xdg).expanduser() / "opt-fuse"
    return Path.home() / ".cache" / "opt-fuse"


def cache_enabled(cache: bool | None = None) -> bool:
    """Whether `prepare` uses the cache: an explicit `cache=` wins, else OPT_FUSE_CACHE (off for 0/false/no/off)."""
    if cache is not None:
        return cache
    return os.environ.get("OPT_FUSE_CACHE", "1").strip().lower() not in _DISABLED


@functools.cache
def source_hash() -> str:
    """A hash of every .py and .c file (the thread pool) of the compiler's packages: the version that matters
    for the cache. Computed once per process; a version number would miss uncommitted edits, which change the code too."""
    digest = hashlib.sha256()
    for package in SOURCE_PACKAGES:
        for path in sorted([*(_ROOT / package).rglob("*.py"), *(_ROOT / package).rglob("*.c")]):
            digest.update(path.relative_to(_ROOT).as_posix().encode() + b"\0")
            digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


@functools.cache
def _version_output(command: tuple[str, ...]) -> str:
    """`<command> --version` as printed: the same clang path can be upgraded in place."""
    result = subprocess.run([*command, "--version"], capture_output=True, text=True, timeout=60, check=False)
    return result.stdout


def toolchain_identity(target: str, kinds: Sequence[str]) -> dict[str, object]:
    """The tools that turn the IR into the cached files, as they identify themselves."""
    clang = find_clang()
    identity: dict[str, object] = {"clang": list(clang.command), "clang_version": _version_output(clang.command)}
    if "exe" in kinds:
        linker = find_executable_linker(resolve_target(target))
        identity["linker"] = list(linker.command)
        identity["linker_description"] = linker.description
    return identity


def cache_key(
    model: onnx.ModelProto,
    *,
    target: str,
    fuse: bool,
    kinds: Sequence[str],
    dim_bounds: Mapping[str, int] | None,
    input_shapes: Mapping[str, Sequence[Dim]] | None,
) -> str:
    """The sha256 naming the entry for these inputs (see the module docstring for what goes in)."""
    resolved = resolve_target(target)
    description = {
        "format": FORMAT,
        "model": hashlib.sha256(model.SerializeToString(deterministic=True)).hexdigest(),
        "fuse": bool(fuse),
        "target": dataclasses.asdict(resolved),
        "kinds": sorted(kinds),
        "dim_bounds": sorted((str(k), int(v)) for k, v in (dim_bounds or {}).items()),
        "input_shapes": sorted((str(k), [str(d) for d in dims]) for k, dims in (input_shapes or {}).items()),
        "opt_fuse": source_hash(),
        "toolchain": toolchain_identity(target, kinds),
    }
    return hashlib.sha256(json.dumps(description, sort_keys=True).encode()).hexdigest()


def cached_compile(
    model: onnx.ModelProto,
    out_dir: str | Path,
    *,
    target: str = "native",
    fuse: bool = True,
    kinds: Sequence[str] = ("so",),
    dim_bounds: Mapping[str, int] | None = None,
    input_shapes: Mapping[str, Sequence[Dim]] | None = None,
) -> Artifacts:
    """`driver.compile_model` through the cache, for the kinds a rep runs (so, or exe).

    A hit copies the entry's files into `out_dir` and returns Artifacts naming only them.
    A miss compiles into `out_dir` as `compile_model` does, then stores a copy. A cache that
    cannot be written (read-only home, full disk) warns and leaves the compiled model usable.
    """
    if not set(kinds) <= set(CACHED_KINDS):
        raise ValueError(f"the compile cache keeps only {', '.join(CACHED_KINDS)}, not {sorted(set(kinds) - set(CACHED_KINDS))}")
    key = cache_key(model, target=target, fuse=fuse, kinds=kinds, dim_bounds=dim_bounds, input_shapes=input_shapes)
    root = cache_dir()
    out = Path(out_dir)
    hit = _load(root / key, out)
    if hit is not None:
        return hit
    artifacts = driver.compile_model(
        model, out, target=target, fuse=fuse, kinds=kinds, dim_bounds=dim_bounds, input_shapes=input_shapes
    )
    try:
        _publish(root, key, artifacts, kinds)
    except OSError as e:
        warnings.warn(f"opt-fuse: could not store the compiled model in the cache {root}: {e}", stacklevel=3)
    return artifacts


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _load(entry: Path, out: Path) -> Artifacts | None:
    """The entry's artifacts, copied into `out`; None if there is none or it is unusable (then removed)."""
    if not entry.is_dir():
        return None
    try:
        meta = json.loads((entry / _ENTRY_FILE).read_text())
        signature = pickle.loads((entry / _SIGNATURE_FILE).read_bytes())
        if meta.get("format") != FORMAT or not isinstance(signature, Signature) or not meta.get("files"):
            raise ValueError("not an entry of this format")
        out.mkdir(parents=True, exist_ok=True)
        files: dict[str, Path] = {}
        for kind, recorded in meta["files"].items():
            name = Path(recorded["name"]).name  # a bare file name: an entry never writes outside `out`
            copy = out / name
            shutil.copy2(entry / name, copy)
            if copy.stat().st_size != recorded["size"] or _sha256(copy) != recorded["sha256"]:
                copy.unlink()
                raise ValueError(f"{name} does not match its recorded size and sha256")
            files[kind] = copy
        return Artifacts(signature, meta["target"], files, meta.get("arena_bytes"), meta.get("unplanned_bytes"))
    except FileNotFoundError:
        if not entry.exists():  # cleared or replaced while we read it: a plain miss
            return None
        _discard(entry)
        return None
    except Exception:  # noqa: BLE001 - truncated, unparseable or stale in any way (unpickling raises anything): rebuild, never fail
        _discard(entry)
        return None


def _publish(root: Path, key: str, artifacts: Artifacts, kinds: Sequence[str]) -> None:
    """Store the run files of `artifacts` as entry `key`: staged in the cache dir, renamed into place whole."""
    root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=_TMP_PREFIX, dir=root))
    try:
        recorded = {}
        for kind in kinds:
            source = artifacts.files[kind]
            shutil.copy2(source, staging / source.name)
            copy = staging / source.name
            recorded[kind] = {"name": source.name, "size": copy.stat().st_size, "sha256": _sha256(copy)}
        (staging / _SIGNATURE_FILE).write_bytes(pickle.dumps(artifacts.signature, protocol=pickle.HIGHEST_PROTOCOL))
        meta = {
            "format": FORMAT,
            "files": recorded,
            "target": artifacts.target,
            "arena_bytes": artifacts.arena_bytes,
            "unplanned_bytes": artifacts.unplanned_bytes,
            "entry": artifacts.signature.entry,
        }
        (staging / _ENTRY_FILE).write_text(json.dumps(meta, indent=1))
        try:
            os.rename(staging, root / key)
        except OSError:
            if not (root / key).is_dir():
                raise
            # another process stored the same entry first: theirs is as good as ours
    finally:
        shutil.rmtree(staging, ignore_errors=True)  # a no-op once renamed


def _discard(entry: Path) -> None:
    """Remove an entry so no reader sees it half-deleted: rename it aside first, then delete it."""
    try:
        aside = Path(tempfile.mkdtemp(prefix=f"{_TMP_PREFIX}discard-", dir=entry.parent))
    except OSError:
        return
    try:
        os.rename(entry, aside / "entry")
    except OSError:
        pass  # someone else removed or replaced it first
    shutil.rmtree(aside, ignore_errors=True)


def _is_ours(path: Path) -> bool:
    """An entry (a sha256 name) or a staging directory: `clear_cache` deletes nothing else, in case
    $OPT_FUSE_CACHE_DIR points at a directory that holds other files too."""
    name = path.name
    is_key = len(name) == 64 and all(c in "0123456789abcdef" for c in name)
    return path.is_dir() and (is_key or name.startswith(_TMP_PREFIX))


def clear_cache() -> int:
    """Delete every entry (and leftover staging directory); returns how many entries were removed."""
    root = cache_dir()
    if not root.is_dir():
        return 0
    removed = 0
    for path in sorted(root.iterdir()):
        if _is_ours(path):
            removed += not path.name.startswith(_TMP_PREFIX)
            shutil.rmtree(path, ignore_errors=True)
    return removed


def cache_entries() -> list[Path]:
    """The complete entries in the cache dir (staging directories excluded)."""
    root = cache_dir()
    if not root.is_dir():
        return []
    return sorted(p for p in root.iterdir() if _is_ours(p) and not p.name.startswith(_TMP_PREFIX))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m compiler.compile_cache", description="opt-fuse's compile cache: " + __doc__.splitlines()[0])
    parser.add_argument("--clear", action="store_true", help="delete every cached entry")
    args = parser.parse_args(argv)
    root = cache_dir()
    if args.clear:
        removed = clear_cache()
        print(f"removed {removed} entr{'y' if removed == 1 else 'ies'} from {root}")
    else:
        entries = cache_entries()
        size = sum(f.stat().st_size for e in entries for f in e.iterdir() if f.is_file())
        state = "enabled" if cache_enabled() else "disabled by OPT_FUSE_CACHE"
        print(f"{root}: {len(entries)} entr{'y' if len(entries) == 1 else 'ies'}, {size / 1e6:.1f} MB ({state})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
