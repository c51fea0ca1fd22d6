"""Run-time checks: `loop.check`, `KernelBuilder.check`, and the error channel behind them.

A kernel says "this run failed, with this message" with `loop.check %ok, "..."`.
emit-llvm records the message in the exported global `<entry>_error` and the entry
returns 2; the runtime raises it as `RuntimeInputError`. The compiled test is a
loop-level gather written by hand (indices come from an input, are clamped before
the load, and checked): a good input runs, a bad one raises the exact message, and
the next good run works again (the flag is cleared at the start of every run).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from onnx_helpers import REPO_ROOT
from xdsl.dialects import arith, func
from xdsl.dialects.builtin import IndexType, MemRefType, ModuleOp, f32, i1
from xdsl.ir import Block, Region
from xdsl.parser import Parser

from compiler.context import make_context
from compiler.driver import Signature, TensorSpec, c_header, run_pipeline
from compiler.errors import OptFuseError, RuntimeInputError
from compiler.llvm_ir import translate_module
from compiler.runtime import NativeModel
from compiler.targets import TARGETS, host_arch, resolve_target
from compiler.toolchain import compile_llvm_ir
from dialects import loop
from dialects.semantics import Cond, KernelBuilder, NumpyEvaluator

needs_host = pytest.mark.skipif(host_arch() not in TARGETS, reason=f"host architecture {host_arch()} is not a target")

MESSAGE = "Gather node 'g': an index is out of range"

GATHER = f"""
func.func private @gather(%idx: memref<4xf32>, %table: memref<4xf32>, %out: memref<4xf32>) {{
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %c4 = arith.constant 4 : index
  loop.parallel %i = %c0 to %c4 step %c1 {{
    %f = loop.load %idx[%i] : memref<4xf32>
    %n = arith.fptosi %f : f32 to i64
    %k = arith.index_cast %n : i64 to index
    %low = arith.cmpi sge, %k, %c0 : index
    %high = arith.cmpi slt, %k, %c4 : index
    %ok = arith.andi %low, %high : i1
    loop.check %ok, "{MESSAGE}"
    %raised = arith.maxsi %k, %c0 : index
    %safe = arith.minsi %raised, %c3 : index
    %v = loop.load %table[%safe] : memref<4xf32>
    loop.store %v, %out[%i] : memref<4xf32>
  }}
  func.return
}}
func.func @model(%idx: memref<4xf32>, %table: memref<4xf32>, %out: memref<4xf32>) {{
  func.call @gather(%idx, %table, %out) : (memref<4xf32>, memref<4xf32>, memref<4xf32>) -> ()
  func.return
}}
"""

SIGNATURE = Signature("model_run", (TensorSpec("idx", (4,)), TensorSpec("table", (4,))), (TensorSpec("out", (4,)),))


def parse(text: str) -> ModuleOp:
    module = Parser(make_context(), text).parse_module()
    module.verify()
    return module


def compile_gather(directory: Path) -> Path:
    llvm = translate_module(parse(GATHER), resolve_target("native"))
    ll, library = directory / "model.ll", directory / "model.so"
    ll.write_text(llvm.text)
    compile_llvm_ir(ll, library, resolve_target("native"), "shared")
    return library


# --------------------------------------------------------------------------- the op


def test_check_prints_parses_and_survives_dce() -> None:
    module = parse(GATHER)
    text = str(module)
    assert f'loop.check %ok, "{MESSAGE}"' in text
    assert str(parse(text)) == text
    run_pipeline(module, "builtin.module(dce,cse,canonicalize)")
    checks = [op for op in module.walk() if isinstance(op, loop.CheckOp)]
    assert len(checks) == 1 and checks[0].message.data == MESSAGE


def test_check_condition_must_be_i1() -> None:
    with pytest.raises(Exception, match="i1"):
        parse(GATHER.replace("loop.check %ok", "loop.check %k"))


# --------------------------------------------------------------------------- the builder


def kernel_builder() -> tuple[KernelBuilder, func.FuncOp]:
    buffer = MemRefType(f32, [8])
    body = Block(arg_types=[buffer, IndexType()])
    function = func.FuncOp("k", ([buffer, IndexType()], []), Region(body))
    kb = KernelBuilder.at(lambda kb, value, index: kb.load(value, index), body, None)
    return kb, function


def test_builder_check_is_hoisted_to_its_operand() -> None:
    kb, function = kernel_builder()
    n = kb.index(function.body.block.args[1])
    (i,) = kb.parallel_nest([8])
    kb.check(n < 8, "n is too large")  # does not depend on %i: emitted before the loop
    kb.check(i < n, "i past n")  # depends on %i: inside the loop
    kb.check(Cond(kb, True), "never emitted")
    kb.check(Cond(kb, False), "always fails")
    checks = {op.message.data: op for op in function.walk() if isinstance(op, loop.CheckOp)}
    assert set(checks) == {"n is too large", "i past n", "always fails"}
    assert checks["n is too large"].parent_block() is function.body.block
    assert checks["always fails"].parent_block() is function.body.block
    assert isinstance(checks["always fails"].condition.owner, arith.ConstantOp)
    assert checks["always fails"].condition.type == i1
    assert isinstance(checks["i past n"].parent_op(), loop.ParallelOp)


def test_numpy_evaluator_check_raises_the_message() -> None:
    evaluator = NumpyEvaluator(lambda kb, value, index: kb.load(value, index))
    (i,) = evaluator.parallel_nest([4])
    evaluator.check(i < 4, "fine")
    evaluator.check(Cond(evaluator, True), "fine")
    with pytest.raises(ValueError, match="^i past 2$"):
        evaluator.check(i < 2, "i past 2")
    with pytest.raises(ValueError, match="^always$"):
        evaluator.check(Cond(evaluator, False), "always")


def test_a_check_failing_at_fold_time_is_a_compile_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """fold-constants turns the evaluator's ValueError into an error naming the op."""
    from passes import fold_constants

    def failing(op, shape, inputs):  # what NumpyEvaluator.check raises for a bad constant index
        raise ValueError(MESSAGE)

    monkeypatch.setattr(fold_constants, "evaluate", failing)
    module = parse(
        "func.func @m() -> tensor<2xf32> {\n"
        "  %a = nn.constant dense<[1.0, 4.0]> : tensor<2xf32>\n"
        "  %r = nn.sqrt %a : (tensor<2xf32>) -> tensor<2xf32>\n"
        "  func.return %r : tensor<2xf32>\n"
        "}\n"
    )
    with pytest.raises(OptFuseError, match=r"^fold-constants: 'nn.sqrt'.*: Gather node 'g': an index is out of range$"):
        run_pipeline(module, "builtin.module(fold-constants)")


# --------------------------------------------------------------------------- LLVM IR and the runtime


def test_llvm_ir_of_a_check() -> None:
    text = translate_module(parse(GATHER), resolve_target("x86_64")).text
    assert "@model_error = global ptr null, align 8" in text
    assert f'@model_error.msg = private unnamed_addr constant [{len(MESSAGE) + 1} x i8] c"{MESSAGE}\\00", align 1' in text
    assert "br i1 %ok, label %check.ok, label %check.fail, !prof !0" in text
    # atomic: two threads of the pool may fail a check at once (compiler/thread_pool.c)
    assert "check.fail:\n  store atomic ptr @model_error.msg, ptr @model_error monotonic, align 8\n  br label %check.ok\n\ncheck.ok:" in text
    entry = text[text.index("define i32 @model_run(") :]
    assert entry.index("store atomic ptr null, ptr @model_error monotonic") < entry.index("call void @gather(")
    assert "load atomic ptr, ptr @model_error monotonic, align 8" in entry
    assert "select i1 %failed, i32 2, i32 0" in entry
    assert '!0 = !{!"branch_weights", i32 2000, i32 1}' in text


def test_module_without_checks_still_exports_the_error_global() -> None:
    text = translate_module(parse(GATHER.replace(f'    loop.check %ok, "{MESSAGE}"\n', "")), resolve_target("x86_64")).text
    assert "@model_error = global ptr null, align 8" in text
    assert "!prof" not in text and "ret i32 0" in text and "store atomic ptr null" not in text


def test_distinct_messages_get_one_string_each() -> None:
    doubled = GATHER.replace(
        f'    loop.check %ok, "{MESSAGE}"\n',
        f'    loop.check %ok, "{MESSAGE}"\n    loop.check %low, "negative"\n    loop.check %ok, "{MESSAGE}"\n',
    )
    text = translate_module(parse(doubled), resolve_target("x86_64")).text
    assert text.count("private unnamed_addr constant") == 2
    assert text.count("store atomic ptr @model_error.msg,") == 2 and text.count("store atomic ptr @model_error.msg.1,") == 1


def test_header_declares_the_error_global() -> None:
    header = c_header(SIGNATURE, "x86_64")
    assert "extern const char *model_error;" in header
    assert "2 when a run-time check failed" in header


@needs_host
def test_failed_check_raises_its_message_and_the_next_run_works(tmp_path: Path) -> None:
    model = NativeModel(compile_gather(tmp_path), SIGNATURE)
    table = np.array([10, 20, 30, 40], np.float32)
    good = np.array([3, 0, 2, 1], np.float32)
    (out,) = model.run([good, table])
    np.testing.assert_array_equal(out, [40, 10, 30, 20])
    for bad in (np.array([0, 4, 1, 1], np.float32), np.array([-1, 0, 0, 0], np.float32)):
        with pytest.raises(RuntimeInputError) as caught:
            model.run([bad, table])
        assert str(caught.value) == MESSAGE
        (out,) = model.run([good, table])  # the flag is cleared at the start of every run
        np.testing.assert_array_equal(out, [40, 10, 30, 20])


@needs_host
def test_test_executable_reports_a_failed_check(tmp_path: Path) -> None:
    from compiler.test_executable import EXIT_CHECK, ExecutableModel, build_test_executable
    from compiler.toolchain import find_executable_linker

    target = resolve_target("native")
    try:
        find_executable_linker(target)
    except OptFuseError as error:
        pytest.skip(str(error))
    llvm = translate_module(parse(GATHER), target)
    ll, obj = tmp_path / "model.ll", tmp_path / "model.o"
    ll.write_text(llvm.text)
    compile_llvm_ir(ll, obj, target, "object")
    exe = tmp_path / "model_test"
    build_test_executable(obj, SIGNATURE, target, tmp_path / "model_test.c", exe)
    model = ExecutableModel(exe, SIGNATURE, target)
    table = np.array([10, 20, 30, 40], np.float32)
    (out,) = model.run([np.array([1, 1, 0, 3], np.float32), table])
    np.testing.assert_array_equal(out, [20, 20, 10, 40])
    with pytest.raises(RuntimeInputError) as caught:
        model.run([np.array([1, 9, 0, 3], np.float32), table])
    assert str(caught.value) == MESSAGE
    assert EXIT_CHECK == 4
