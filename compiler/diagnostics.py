"""Naming an op for a user: its name and where it came from.

Ops imported from ONNX carry the node name (`NameLoc`); ops parsed from IR text
carry `file:line:col` (`FileLineColLoc`). Every diagnostic goes through
`describe_op`, so all of them look alike. Warnings (`warn`) name the op the same way.
"""

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from xdsl.dialects.builtin import FileLineColLoc, NameLoc, UnknownLoc
from xdsl.ir import Attribute, Operation


def describe_location(location: Attribute) -> str | None:
    match location:
        case NameLoc():
            return f"ONNX node '{location.desc.data}'"
        case FileLineColLoc():
            return f"{location.filename.data}:{location.line.data}:{location.column.data}"
        case UnknownLoc():
            return None
        case _:
            return str(location)


def describe_op(op: Operation) -> str:
    """`'nn.add' (ONNX node 'Add_3')` or `'nn.add' at model.mlir:4:5`."""
    where = describe_location(op.location)
    if where is None:
        return f"'{op.name}'"
    return f"'{op.name}' ({where})" if where.startswith("ONNX") else f"'{op.name}' at {where}"


# --------------------------------------------------------------------------- warnings
#
# An error stops the pipeline (it is an OptFuseError); a warning does not: the pass
# goes on and the user is told. Passes call `warn(op, message)`; who hears it depends
# on the caller. opt-fuse prints `opt-fuse: warning: ...` on stderr, or, under
# --verify-diagnostics, checks it against `expected-warning` annotations; library
# users get a Python warning (category OptFuseWarning) unless they collect them.


class OptFuseWarning(UserWarning):
    """A pass's warning, when nobody collects warnings (library use)."""


@dataclass(frozen=True)
class Diagnostic:
    severity: str
    """"warning" (errors are exceptions, not diagnostics)."""
    message: str
    """The whole text: the op, its location, and what is wrong."""
    location: Attribute
    """Where the op came from (FileLineColLoc, NameLoc or UnknownLoc), so a checker can match lines."""

    @property
    def line(self) -> int | None:
        return self.location.line.data if isinstance(self.location, FileLineColLoc) else None


_collectors: list[list[Diagnostic]] = []


def warn(op: Operation, message: str, source: str = "") -> None:
    """Report a warning about `op`, worded like errors: `<source>: <op and location>: <message>`.

    `source` is who speaks, usually the pass name."""
    prefix = f"{source}: " if source else ""
    diagnostic = Diagnostic("warning", f"{prefix}{describe_op(op)}: {message}", op.location)
    if _collectors:
        _collectors[-1].append(diagnostic)
    else:
        warnings.warn(diagnostic.message, OptFuseWarning, stacklevel=2)


@contextmanager
def collect_diagnostics() -> Iterator[list[Diagnostic]]:
    """Collect the warnings emitted inside the block instead of raising Python warnings."""
    collected: list[Diagnostic] = []
    _collectors.append(collected)
    try:
        yield collected
    finally:
        _collectors.remove(collected)
