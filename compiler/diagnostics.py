"""Naming an op for a user: its name and where it came from.

Ops imported from ONNX carry the node name (`NameLoc`); ops parsed from IR text
carry `file:line:col` (`FileLineColLoc`). Every diagnostic goes through
`describe_op`, so all of them look alike.
"""

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
