"""`emit-llvm`: the last pass, from the loop level to LLVM IR text.

    opt-fuse model.mlir -p 'emit-llvm{target=aarch64 weights-file="model.weights"}'

The module's contents are replaced by one `llvmir.translation` op holding the IR
text and the weights blob (see dialects/llvmir.py); the tools print the text and
write the blob. The translation itself is `compiler.llvm_ir.translate_module`.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.passes import ModulePass

from compiler.llvm_ir import translate_module
from compiler.targets import resolve_target
from dialects.llvmir import TranslationOp


@dataclass(frozen=True)
class EmitLLVMPass(ModulePass):
    """Translate a loop-level module to LLVM IR for `target` (`native`, `x86_64` or `aarch64`).

    With `weights_file` set, large constant weights are not printed in the IR: they
    go into a binary blob that the IR embeds with `.incbin "<weights_file>"`, so the
    blob must be written to that path before clang runs.
    """

    name = "emit-llvm"

    target: str = "native"
    weights_file: str = ""

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        translated = translate_module(op, resolve_target(self.target), self.weights_file)
        block = op.body.block
        for child in list(block.ops):
            block.detach_op(child)
        block.add_op(TranslationOp(translated.text, translated.weights, self.weights_file))
