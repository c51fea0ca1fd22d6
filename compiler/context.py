"""The xDSL context every opt-fuse tool and pass manager uses: our dialects plus xDSL's."""

from xdsl.context import Context
from xdsl.dialects.arith import Arith
from xdsl.dialects.builtin import Builtin
from xdsl.dialects.func import Func
from xdsl.dialects.math import Math
from xdsl.dialects.memref import MemRef


def make_context() -> Context:
    from dialects.llvmir import LLVMIR
    from dialects.loop import Loop
    from dialects.nn import NN

    ctx = Context()
    for dialect in (Builtin, Func, Arith, Math, MemRef, NN, Loop, LLVMIR):
        ctx.load_dialect(dialect)
    return ctx
