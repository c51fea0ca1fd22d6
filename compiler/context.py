"""The xDSL context every opt-fuse tool and pass manager uses: our dialects, xDSL's, and the plugins'."""

from xdsl.context import Context
from xdsl.dialects.arith import Arith
from xdsl.dialects.builtin import Builtin
from xdsl.dialects.func import Func
from xdsl.dialects.math import Math
from xdsl.dialects.memref import MemRef
from xdsl.dialects.vector import Vector
from xdsl.ir import Dialect


def builtin_dialects() -> tuple[Dialect, ...]:
    """The dialects every context has (imported late: they load slowly); plugins add theirs."""
    from dialects.llvmir import LLVMIR
    from dialects.loop import Loop
    from dialects.nn import NN

    return (Builtin, Func, Arith, Math, MemRef, Vector, NN, Loop, LLVMIR)


def make_context() -> Context:
    from compiler.plugins import plugin_dialects

    ctx = Context()
    for dialect in (*builtin_dialects(), *plugin_dialects()):
        ctx.load_dialect(dialect)
    return ctx
