"""Reading and writing IR text.

Parsing gives every op parsed from text a `file:line:col` location (xDSL keeps
only explicit `loc(...)`), so that a shape error in a hand-written test points
at its line. Printing elides large constants by default, as
`mlir-opt --mlir-elide-elementsattrs-if-larger` does: a weight tensor prints as
`dense_resource<__elided__>`, which says what it is without megabytes of hex.
"""

from __future__ import annotations

import bisect
from io import StringIO

from xdsl.context import Context
from xdsl.dialects.builtin import DenseIntOrFPElementsAttr, FileLineColLoc, IntAttr, ModuleOp, StringAttr, UnknownLoc
from xdsl.ir import Attribute, Operation
from xdsl.parser import Parser
from xdsl.printer import Printer

from compiler.errors import OptFuseError

DEFAULT_ELIDE_LIMIT = 16
"""Constants with more elements than this print elided, unless asked otherwise."""


class IRParseError(OptFuseError):
    """IR text that does not parse or verify; the message shows file:line:col and the line."""


class LocatingParser(Parser):
    """A Parser that records where each op starts in the text."""

    def __init__(self, ctx: Context, text: str, name: str = "<stdin>"):
        super().__init__(ctx, text, name)
        self._filename = StringAttr(name)
        self._line_starts = [0] + [i + 1 for i, c in enumerate(text) if c == "\n"]

    def parse_operation(self) -> Operation:
        start = self._current_token.span.start
        op = super().parse_operation()
        if isinstance(op.location, UnknownLoc):
            line = bisect.bisect_right(self._line_starts, start)
            column = start - self._line_starts[line - 1] + 1
            op.location = FileLineColLoc(self._filename, IntAttr(line), IntAttr(column))
        return op


def decode_ir_text(data: bytes, name: str) -> str:
    """IR text from bytes, newlines made `\\n` as reading a text file does; anything that is not
    UTF-8 (a binary file) is refused in one message."""
    try:
        return data.decode().replace("\r\n", "\n").replace("\r", "\n")
    except UnicodeDecodeError as error:
        raise IRParseError(
            f"{name}: not IR text (the byte at offset {error.start} is not UTF-8); an ONNX model must be named *.onnx, "
            "or *.onnxtxt in ONNX's text syntax"
        ) from error


def parse_ir(ctx: Context, text: str, name: str = "<stdin>") -> ModuleOp:
    """Parse a module (a bare list of ops is wrapped in builtin.module)."""
    from xdsl.utils.exceptions import ParseError

    try:
        return LocatingParser(ctx, text, name).parse_module()
    except ParseError as error:
        location = error.span.get_location()
        lines = text.splitlines() or [""]
        source_line = lines[min(location.line, len(lines)) - 1]
        caret = " " * (location.col - 1) + "^"
        raise IRParseError(f"{location.file}:{location.line}:{location.col}: {error.msg}\n{source_line}\n{caret}") from error


class ElidingPrinter(Printer):
    """Prints dense constants with more than `elide_limit` elements as `dense_resource<__elided__>`."""

    def __init__(self, stream: StringIO, elide_limit: int | None, **kwargs: object):
        super().__init__(stream=stream, **kwargs)  # type: ignore[arg-type]
        self._elide_limit = elide_limit

    def print_attribute(self, attribute: Attribute) -> None:
        if (
            self._elide_limit is not None
            and isinstance(attribute, DenseIntOrFPElementsAttr)
            and not attribute.is_splat()
            and len(attribute) > self._elide_limit
        ):
            self.print_string("dense_resource<__elided__> : ")
            super().print_attribute(attribute.type)
            return
        super().print_attribute(attribute)


def print_ir(op: Operation, *, elide_limit: int | None = DEFAULT_ELIDE_LIMIT, generic: bool = False, debuginfo: bool = False) -> str:
    stream = StringIO()
    printer = ElidingPrinter(stream, elide_limit, print_generic_format=generic, print_debuginfo=debuginfo)
    printer.print_op(op)
    return stream.getvalue() + "\n"
