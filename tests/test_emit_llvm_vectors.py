"""emit-llvm of 1-D fixed-size vectors (compiler/llvm_ir.py, module docstring "Vectors").

Each numeric test writes a loop-level module with vector values by hand (what
unroll-and-jam makes of neighbouring outputs), translates it, compiles it with
clang for the host, runs it through ctypes and compares with numpy; one runs
on aarch64 under qemu (skipped without qemu or an aarch64 linker, as in
tests/test_aarch64.py). Widths need not be a register's: 16, 8, 7 and 3 lanes.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np
import pytest
from test_emit_llvm import RNG, erf, index_constants, needs_host, parse, run

from compiler.errors import OptFuseError, ToolchainError
from compiler.llvm_ir import LLVMModule, translate_module
from compiler.targets import resolve_target
from compiler.toolchain import compile_llvm_ir


def translate(source: str, target: str = "native") -> LLVMModule:
    return translate_module(parse(source), resolve_target(target))


def build(llvm: LLVMModule, directory: Path, stem: str = "model") -> Path:
    ll, so = directory / f"{stem}.ll", directory / f"{stem}.so"
    ll.write_text(llvm.text)
    compile_llvm_ir(ll, so, resolve_target("native"), "shared")
    return so


# --------------------------------------------------------------------------- modules

# out[i, j:j+16] = fma(maximumf(x, y), x, s) over 16-lane slices; the splat of s is made
# before the parallel loop, so the outlined body receives a vector through its context.
MAX_FMA = f"""
builtin.module {{
  func.func private @max_fma(%x: memref<4x48xf32>, %y: memref<4x48xf32>, %s: memref<1xf32>, %out: memref<4x48xf32>) {{
{index_constants(0, 1, 4, 16, 48)}
    %scalar = loop.load %s[%c0] : memref<1xf32>
    %splat = vector.broadcast %scalar : f32 to vector<16xf32>
    loop.parallel %i = %c0 to %c4 step %c1 {{
      loop.for %j = %c0 to %c48 step %c16 {{
        %vx = loop.vector_load %x[%i, %j] : memref<4x48xf32>, vector<16xf32>
        %vy = loop.vector_load %y[%i, %j] : memref<4x48xf32>, vector<16xf32>
        %m = arith.maximumf %vx, %vy : vector<16xf32>
        %f = math.fma %m, %vx, %splat : vector<16xf32>
        loop.vector_store %f, %out[%i, %j] : memref<4x48xf32>, vector<16xf32>
      }}
    }}
    func.return
  }}
  func.func @model(%x: memref<4x48xf32>, %y: memref<4x48xf32>, %s: memref<1xf32>, %out: memref<4x48xf32>) {{
    func.call @max_fma(%x, %y, %s, %out) : (memref<4x48xf32>, memref<4x48xf32>, memref<1xf32>, memref<4x48xf32>) -> ()
    func.return
  }}
}}
"""

# partial[i, :] = sum over k of a[i, 8k:8k+8] * b[8k:8k+8], in an 8-lane accumulator carried by
# loop.for; total[i] = the sum of its lanes, by extract and fadd.
DOT = f"""
builtin.module {{
  func.func private @dot(%a: memref<5x32xf32>, %b: memref<32xf32>, %partial: memref<5x8xf32>, %total: memref<5xf32>) {{
{index_constants(0, 1, 5, 8, 32)}
    %zero = arith.constant 0.0 : f32
    %z = vector.broadcast %zero : f32 to vector<8xf32>
    loop.parallel %i = %c0 to %c5 step %c1 {{
      %acc = loop.for %k = %c0 to %c32 step %c8 iter_args(%sum = %z) -> (vector<8xf32>) {{
        %va = loop.vector_load %a[%i, %k] : memref<5x32xf32>, vector<8xf32>
        %vb = loop.vector_load %b[%k] : memref<32xf32>, vector<8xf32>
        %p = arith.mulf %va, %vb fastmath<contract> : vector<8xf32>
        %sum2 = arith.addf %sum, %p fastmath<contract> : vector<8xf32>
        loop.yield %sum2 : vector<8xf32>
      }}
      loop.vector_store %acc, %partial[%i, %c0] : memref<5x8xf32>, vector<8xf32>
      %t = loop.for %l = %c0 to %c8 step %c1 iter_args(%run = %zero) -> (f32) {{
        %lanes = loop.for %r = %c0 to %l step %c1 iter_args(%rot = %acc) -> (vector<8xf32>) {{
          %first = vector.extract %rot[0] : f32 from vector<8xf32>
          %e1 = vector.extract %rot[1] : f32 from vector<8xf32>
          %e2 = vector.extract %rot[2] : f32 from vector<8xf32>
          %e3 = vector.extract %rot[3] : f32 from vector<8xf32>
          %e4 = vector.extract %rot[4] : f32 from vector<8xf32>
          %e5 = vector.extract %rot[5] : f32 from vector<8xf32>
          %e6 = vector.extract %rot[6] : f32 from vector<8xf32>
          %e7 = vector.extract %rot[7] : f32 from vector<8xf32>
          %s0 = vector.insert %e1, %rot [0] : f32 into vector<8xf32>
          %s1 = vector.insert %e2, %s0 [1] : f32 into vector<8xf32>
          %s2 = vector.insert %e3, %s1 [2] : f32 into vector<8xf32>
          %s3 = vector.insert %e4, %s2 [3] : f32 into vector<8xf32>
          %s4 = vector.insert %e5, %s3 [4] : f32 into vector<8xf32>
          %s5 = vector.insert %e6, %s4 [5] : f32 into vector<8xf32>
          %s6 = vector.insert %e7, %s5 [6] : f32 into vector<8xf32>
          %s7 = vector.insert %first, %s6 [7] : f32 into vector<8xf32>
          loop.yield %s7 : vector<8xf32>
        }}
        %lane = vector.extract %lanes[0] : f32 from vector<8xf32>
        %run2 = arith.addf %run, %lane : f32
        loop.yield %run2 : f32
      }}
      loop.store %t, %total[%i] : memref<5xf32>
    }}
    func.return
  }}
  func.func @model(%a: memref<5x32xf32>, %b: memref<32xf32>, %partial: memref<5x8xf32>, %total: memref<5xf32>) {{
    func.call @dot(%a, %b, %partial, %total) : (memref<5x32xf32>, memref<32xf32>, memref<5x8xf32>, memref<5xf32>) -> ()
    func.return
  }}
}}
"""

# 23 elements: two 8-lane slices and a 7-lane remainder, each through tanh and erf (libm,
# lane by lane), atan2 (two operands, lane by lane) and rsqrt of |x| + 1.
LIBM_REMAINDER = f"""
builtin.module {{
  func.func private @lib(%x: memref<23xf32>, %out: memref<3x23xf32>) {{
{index_constants(0, 1, 2, 8, 16)}
    %one = arith.constant 1.0 : f32
    %ones8 = vector.broadcast %one : f32 to vector<8xf32>
    %ones7 = vector.broadcast %one : f32 to vector<7xf32>
    loop.for %j = %c0 to %c16 step %c8 {{
      %v = loop.vector_load %x[%j] : memref<23xf32>, vector<8xf32>
      %t = math.tanh %v : vector<8xf32>
      %e = math.erf %v : vector<8xf32>
      %a = math.atan2 %v, %e : vector<8xf32>
      %sum = arith.addf %t, %a : vector<8xf32>
      loop.vector_store %sum, %out[%c0, %j] : memref<3x23xf32>, vector<8xf32>
      %abs = math.absf %v : vector<8xf32>
      %shift = arith.addf %abs, %ones8 : vector<8xf32>
      %r = math.rsqrt %shift : vector<8xf32>
      loop.vector_store %r, %out[%c1, %j] : memref<3x23xf32>, vector<8xf32>
      loop.vector_store %e, %out[%c2, %j] : memref<3x23xf32>, vector<8xf32>
    }}
    %v = loop.vector_load %x[%c16] : memref<23xf32>, vector<7xf32>
    %t = math.tanh %v : vector<7xf32>
    %e = math.erf %v : vector<7xf32>
    %a = math.atan2 %v, %e : vector<7xf32>
    %sum = arith.addf %t, %a : vector<7xf32>
    loop.vector_store %sum, %out[%c0, %c16] : memref<3x23xf32>, vector<7xf32>
    %abs = math.absf %v : vector<7xf32>
    %shift = arith.addf %abs, %ones7 : vector<7xf32>
    %r = math.rsqrt %shift : vector<7xf32>
    loop.vector_store %r, %out[%c1, %c16] : memref<3x23xf32>, vector<7xf32>
    loop.vector_store %e, %out[%c2, %c16] : memref<3x23xf32>, vector<7xf32>
    func.return
  }}
  func.func @model(%x: memref<23xf32>, %out: memref<3x23xf32>) {{
    func.call @lib(%x, %out) : (memref<23xf32>, memref<3x23xf32>) -> ()
    func.return
  }}
}}
"""

# Integer lanes and masks: the float bits shifted (bitcast, shli), floordivsi, a splat i1
# stored as bytes and loaded back (a vector<3xi1> in memory is <3 x i8>), and a whole-vector
# select on a scalar i1 (xDSL 0.74 has no vector compare or vector-condition select).
INT_LANES = f"""
builtin.module {{
  func.func private @ints(%x: memref<6xf32>, %n: memref<6xi32>, %bits: memref<6xi32>, %q: memref<6xi32>, %out: memref<6xf32>, %mask: memref<6xi1>) {{
{index_constants(0, 3)}
    %c9 = arith.constant 9 : i32
    %c4 = arith.constant -4 : i32
    %nine = vector.broadcast %c9 : i32 to vector<3xi32>
    %four = vector.broadcast %c4 : i32 to vector<3xi32>
    %zero = arith.constant 0.0 : f32
    %zeros = vector.broadcast %zero : f32 to vector<3xf32>
    %true = arith.constant true
    loop.for %j = %c0 to %c3 step %c3 {{
      %v = loop.vector_load %x[%j] : memref<6xf32>, vector<3xf32>
      %b = arith.bitcast %v : vector<3xf32> to vector<3xi32>
      %s = arith.shli %b, %nine : vector<3xi32>
      loop.vector_store %s, %bits[%j] : memref<6xi32>, vector<3xi32>
      %vn = loop.vector_load %n[%j] : memref<6xi32>, vector<3xi32>
      %d = arith.floordivsi %vn, %four : vector<3xi32>
      loop.vector_store %d, %q[%j] : memref<6xi32>, vector<3xi32>
      %x0 = vector.extract %v[0] : f32 from vector<3xf32>
      %flag = arith.cmpf olt, %x0, %zero : f32
      %neg = vector.broadcast %flag : i1 to vector<3xi1>
      loop.vector_store %neg, %mask[%j] : memref<6xi1>, vector<3xi1>
      %back = loop.vector_load %mask[%j] : memref<6xi1>, vector<3xi1>
      %first = vector.extract %back[0] : i1 from vector<3xi1>
      %relu = arith.maximumf %v, %zeros : vector<3xf32>
      %same = arith.select %first, %v, %relu : vector<3xf32>
      loop.vector_store %same, %out[%j] : memref<6xf32>, vector<3xf32>
    }}
    %rest = loop.vector_load %x[%c3] : memref<6xf32>, vector<3xf32>
    %minus = arith.negf %rest : vector<3xf32>
    loop.vector_store %minus, %out[%c3] : memref<6xf32>, vector<3xf32>
    %rb = arith.bitcast %rest : vector<3xf32> to vector<3xi32>
    %rs = arith.shli %rb, %nine : vector<3xi32>
    loop.vector_store %rs, %bits[%c3] : memref<6xi32>, vector<3xi32>
    %rn = loop.vector_load %n[%c3] : memref<6xi32>, vector<3xi32>
    %rd = arith.floordivsi %rn, %four : vector<3xi32>
    loop.vector_store %rd, %q[%c3] : memref<6xi32>, vector<3xi32>
    func.return
  }}
  func.func @model(%x: memref<6xf32>, %n: memref<6xi32>, %bits: memref<6xi32>, %q: memref<6xi32>, %out: memref<6xf32>, %mask: memref<6xi1>) {{
    func.call @ints(%x, %n, %bits, %q, %out, %mask) : (memref<6xf32>, memref<6xi32>, memref<6xi32>, memref<6xi32>, memref<6xf32>, memref<6xi1>) -> ()
    func.return
  }}
}}
"""


def max_fma_inputs() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    x = RNG.standard_normal((4, 48)).astype(np.float32)
    y = RNG.standard_normal((4, 48)).astype(np.float32)
    x[0, 3], y[1, 20], y[3, 47] = np.nan, np.nan, np.nan  # maximumf propagates a NaN from either side
    return x, y, np.array([0.25], np.float32)


def max_fma_expected(x: np.ndarray, y: np.ndarray, s: np.ndarray) -> np.ndarray:
    return (np.maximum(x, y).astype(np.float64) * x + s[0]).astype(np.float32)


# --------------------------------------------------------------------------- numerics


@needs_host
def test_vector_load_max_fma_store(tmp_path):
    llvm = translate(MAX_FMA)
    assert "load <16 x float>" in llvm.text and "@llvm.fma.v16f32" in llvm.text
    assert re.search(r"%\S+\.context = type \{ ptr, ptr, ptr, <16 x float> \}", llvm.text)  # the splat, captured
    assert [p.readonly for p in llvm.params] == [True, True, True, False]
    x, y, s = max_fma_inputs()
    out = np.zeros((4, 48), np.float32)
    run(build(llvm, tmp_path), "model", x, y, s, out)
    np.testing.assert_allclose(out, max_fma_expected(x, y, s), rtol=1e-6, atol=1e-6, equal_nan=True)
    assert np.isnan(out[0, 3]) and np.isnan(out[1, 20]) and np.isnan(out[3, 47])


@needs_host
def test_vector_accumulator_in_loop_for(tmp_path):
    llvm = translate(DOT)
    assert re.search(r"%sum = phi <8 x float> \[ zeroinitializer, %\S+ \], \[ %sum2, %\S+ \]", llvm.text)
    a = RNG.standard_normal((5, 32)).astype(np.float32)
    b = RNG.standard_normal(32).astype(np.float32)
    partial, total = np.zeros((5, 8), np.float32), np.zeros(5, np.float32)
    run(build(llvm, tmp_path), "model", a, b, partial, total)
    expected = (a.astype(np.float64) * b).reshape(5, 4, 8).sum(axis=1)
    np.testing.assert_allclose(partial, expected, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(total, expected.sum(axis=1), rtol=1e-5, atol=1e-5)


@needs_host
def test_libm_lane_by_lane_and_odd_width(tmp_path):
    llvm = translate(LIBM_REMAINDER)
    assert "call float @tanhf(" in llvm.text and "<7 x float>" in llvm.text
    assert "@llvm.sqrt.v7f32" in llvm.text and "@llvm.fabs.v8f32" in llvm.text
    x = RNG.uniform(-3, 3, 23).astype(np.float32)
    x[0] = 0.0
    out = np.full((3, 23), np.nan, np.float32)
    run(build(llvm, tmp_path), "model", x, out)
    x64 = x.astype(np.float64)
    e = erf(x64)
    np.testing.assert_allclose(out[0], np.tanh(x64) + np.arctan2(x64, e.astype(np.float32)), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(out[1], 1 / np.sqrt(np.abs(x64) + 1), rtol=1e-6)
    np.testing.assert_allclose(out[2], e, rtol=1e-5, atol=1e-6)


@needs_host
def test_integer_lanes_and_masks(tmp_path):
    llvm = translate(INT_LANES)
    assert "zext <3 x i1> %neg to <3 x i8>" in llvm.text
    assert "icmp ne <3 x i8> %back.byte, zeroinitializer" in llvm.text
    x = np.array([1.5, -2.0, 0.0, -0.5, 3.25, -7.0], np.float32)
    n = np.array([-9, 9, -8, 7, 0, -1], np.int32)
    bits, q, out = np.zeros(6, np.int32), np.zeros(6, np.int32), np.zeros(6, np.float32)
    mask = np.ones(6, np.bool_)
    run(build(llvm, tmp_path), "model", x, n, bits, q, out, mask)
    np.testing.assert_array_equal(mask, [False, False, False, True, True, True])  # x[0] >= 0; 3.. untouched
    np.testing.assert_array_equal(bits, (x.view(np.uint32) << np.uint32(9)).view(np.int32))
    np.testing.assert_array_equal(q, n // -4)
    np.testing.assert_array_equal(out, np.concatenate([np.maximum(x[:3], 0), -x[3:]]))  # x[0] >= 0: the relu


# Per row of 64: the NaN-propagating max and the sum of its lanes (vector.reduction, from
# the initial values -inf and 0), then each element as the loop dialect's lane ops make it:
# NaN -> the row's max, else trunc(x) (fptosi, back with sitofp) where x < 0, else x.
REDUCE_AND_MASKS = f"""
builtin.module {{
  func.func private @rows(%x: memref<3x64xf32>, %stats: memref<3x2xf32>, %out: memref<3x64xf32>) {{
{index_constants(0, 1, 3, 16, 64)}
    %low = arith.constant 0xFF800000 : f32
    %zero = arith.constant 0.0 : f32
    loop.for %r = %c0 to %c3 step %c1 {{
      %v = loop.vector_load %x[%r, %c0] : memref<3x64xf32>, vector<64xf32>
      %max = vector.reduction <maximumf>, %v, %low : vector<64xf32> into f32
      %sum = vector.reduction <add>, %v, %zero : vector<64xf32> into f32
      loop.store %max, %stats[%r, %c0] : memref<3x2xf32>
      loop.store %sum, %stats[%r, %c1] : memref<3x2xf32>
      loop.for %j = %c0 to %c64 step %c16 {{
        %e = loop.vector_load %x[%r, %j] : memref<3x64xf32>, vector<16xf32>
        %zeros = vector.broadcast %zero : f32 to vector<16xf32>
        %negative = loop.vector_cmpf "olt", %e, %zeros : vector<16xf32> to vector<16xi1>
        %k = loop.vector_cast "fptosi" %e : vector<16xf32> to vector<16xi32>
        %t = loop.vector_cast "sitofp" %k : vector<16xi32> to vector<16xf32>
        %kept = loop.vector_select %negative, %t, %e : vector<16xi1>, vector<16xf32>
        %nan = loop.vector_cmpf "uno", %e, %e : vector<16xf32> to vector<16xi1>
        %maxes = vector.broadcast %max : f32 to vector<16xf32>
        %y = loop.vector_select %nan, %maxes, %kept : vector<16xi1>, vector<16xf32>
        loop.vector_store %y, %out[%r, %j] : memref<3x64xf32>, vector<16xf32>
      }}
    }}
    func.return
  }}
  func.func @model(%x: memref<3x64xf32>, %stats: memref<3x2xf32>, %out: memref<3x64xf32>) {{
    func.call @rows(%x, %stats, %out) : (memref<3x64xf32>, memref<3x2xf32>, memref<3x64xf32>) -> ()
    func.return
  }}
}}
"""


def reduce_and_masks_input() -> np.ndarray:
    x = RNG.uniform(-4, 4, (3, 64)).astype(np.float32)
    x[1, 37] = np.nan
    return x


def check_reduce_and_masks(x: np.ndarray, stats: np.ndarray, out: np.ndarray) -> None:
    np.testing.assert_array_equal(stats[:, 0], x.max(axis=1))  # NaN in row 1, as numpy
    np.testing.assert_allclose(stats[[0, 2], 1], x[[0, 2]].astype(np.float64).sum(axis=1), rtol=1e-5, atol=1e-5)
    assert np.isnan(stats[1, 1])
    expected = np.where(np.isnan(x), x.max(axis=1, keepdims=True), np.where(x < 0, np.trunc(x), x))
    np.testing.assert_array_equal(out, expected)


@needs_host
def test_reductions_compares_selects_and_casts_on_vectors(tmp_path):
    llvm = translate(REDUCE_AND_MASKS)
    assert "fcmp olt <16 x float>" in llvm.text and "fptosi <16 x float>" in llvm.text and "select <16 x i1>" in llvm.text
    x = reduce_and_masks_input()
    stats, out = np.zeros((3, 2), np.float32), np.zeros((3, 64), np.float32)
    run(build(llvm, tmp_path), "model", x, stats, out)
    check_reduce_and_masks(x, stats, out)


def test_vector_store_makes_the_parameter_written():
    """A kernel parameter written only by loop.vector_store must not be `readonly` (that would be UB)."""
    text = translate(LIBM_REMAINDER, "x86_64").text
    assert re.search(r"define internal void @lib\(ptr noalias nocapture readonly dereferenceable\(92\) %x, "
                     r"ptr noalias nocapture dereferenceable\(276\) %out\)", text)


def test_aarch64_cross_compiles_vectors(tmp_path):
    for source in (MAX_FMA, DOT, LIBM_REMAINDER, INT_LANES, REDUCE_AND_MASKS):
        ll = tmp_path / "m.ll"
        ll.write_text(translate(source, "aarch64").text)
        compile_llvm_ir(ll, tmp_path / "m.o", resolve_target("aarch64"), "object")


def test_aarch64_under_qemu(tmp_path):
    """MAX_FMA, LIBM_REMAINDER and REDUCE_AND_MASKS as aarch64 test executables under qemu-user, equal to numpy."""
    from compiler.driver import Signature, TensorSpec
    from compiler.test_executable import ExecutableModel, build_test_executable
    from compiler.toolchain import find_emulator, find_executable_linker

    target = resolve_target("aarch64")
    try:
        find_emulator(target)
        find_executable_linker(target)
    except ToolchainError as error:
        if os.environ.get("OPT_FUSE_REQUIRE_AARCH64"):
            pytest.fail(f"OPT_FUSE_REQUIRE_AARCH64 is set, but: {error}")
        pytest.skip(str(error))
    cases = {
        "max_fma": (MAX_FMA, Signature("model_run", (TensorSpec("x", (4, 48)), TensorSpec("y", (4, 48)), TensorSpec("s", (1,))), (TensorSpec("out", (4, 48)),))),
        "lib": (LIBM_REMAINDER, Signature("model_run", (TensorSpec("x", (23,)),), (TensorSpec("out", (3, 23)),))),
        "rows": (REDUCE_AND_MASKS, Signature("model_run", (TensorSpec("x", (3, 64)),), (TensorSpec("stats", (3, 2)), TensorSpec("out", (3, 64))))),
    }
    models = {}
    for name, (source, signature) in cases.items():
        ll, obj, exe = tmp_path / f"{name}.ll", tmp_path / f"{name}.o", tmp_path / f"{name}_test"
        ll.write_text(translate(source, "aarch64").text)
        compile_llvm_ir(ll, obj, target, "object")
        build_test_executable(obj, signature, target, tmp_path / f"{name}_test.c", exe)
        models[name] = ExecutableModel(exe, signature, target)
    x, y, s = max_fma_inputs()
    (out,) = models["max_fma"].run([x, y, s])
    np.testing.assert_allclose(out, max_fma_expected(x, y, s), rtol=1e-6, atol=1e-6, equal_nan=True)
    v = RNG.uniform(-3, 3, 23).astype(np.float32)
    (out,) = models["lib"].run([v])
    np.testing.assert_allclose(out[1], 1 / np.sqrt(np.abs(v.astype(np.float64)) + 1), rtol=1e-6)
    np.testing.assert_allclose(out[2], erf(v), rtol=1e-5, atol=1e-6)
    x = reduce_and_masks_input()
    check_reduce_and_masks(x, *models["rows"].run([x]))


# --------------------------------------------------------------------------- errors


def kernel(body: str, args: str = "%x: memref<16xf32>") -> str:
    """A module whose entry is one function with `body`."""
    return f"builtin.module {{\n  func.func @m({args}) {{\n{body}\n    func.return\n  }}\n}}"


@pytest.mark.parametrize(
    "body, message",
    [
        (
            (
                "    %c0 = arith.constant 0 : index\n    %v = loop.vector_load %x[%c0] : memref<16xf32>, vector<16xf32>\n"
                "    %e = vector.extract %v[%c0] : f32 from vector<16xf32>"
            ),
            r"'vector.extract' must name one static lane of a 1-D vector: %e = vector.extract",
        ),
        (
            (
                "    %c0 = arith.constant 0 : index\n    %v = loop.vector_load %x[%c0] : memref<16xf32>, vector<16xf32>\n"
                "    %e = vector.extract %v[16] : f32 from vector<16xf32>"
            ),
            r"'vector.extract' must name one static lane",
        ),
        (
            "    %f = arith.constant 1.0 : f32\n    %b = vector.broadcast %f : f32 to vector<2x3xf32>",
            r"type vector<2x3xf32> is not supported \(only 1-D fixed-size vectors of floats or integers\), in 'vector.broadcast'",
        ),
        (
            "    %f = arith.constant 1.0 : f32\n    %b = vector.broadcast %f : f32 to vector<[4]xf32>",
            r"type vector<\[4\]xf32> is not supported",
        ),
        (
            "    %i = arith.constant 1 : index\n    %b = vector.broadcast %i : index to vector<4xindex>",
            r"type vector<4xindex> is not supported",
        ),
        (
            "    %v = arith.constant dense<1.0> : vector<4xf32>",
            r"only scalar constants are supported",
        ),
        (
            (
                "    %c0 = arith.constant 0 : index\n    %v = loop.vector_load %x[%c0] : memref<16xf32>, vector<16xf32>\n"
                "    %c = arith.cmpf olt, %v, %v : vector<16xf32>"
            ),
            r"'arith.cmpf' on vectors must give a vector of i1",
        ),
        (
            (
                "    %c0 = arith.constant 0 : index\n    %v = loop.vector_load %x[%c0] : memref<16xf32>, vector<16xf32>\n"
                "    %k = loop.vector_cast \"fptosi\" %v : vector<16xf32> to vector<16xi32>\n"
                "    %e = vector.reduction <xor>, %k : vector<16xi32> into i32"
            ),
            r"vector.reduction <xor> of vector<16xi32> is not supported \(kinds add, mul, maximumf, minimumf, float vectors",
        ),
        (
            (
                "    %c0 = arith.constant 0 : index\n    %v = loop.vector_load %x[%c0] : memref<16xf32>, vector<12xf32>\n"
                "    %e = vector.reduction <add>, %v : vector<12xf32> into f32"
            ),
            r"vector.reduction <add> of vector<12xf32> is not supported .* of a power-of-two length",
        ),
    ],
    ids=["dynamic-extract", "lane-out-of-range", "2-d", "scalable", "index", "dense-constant", "vector-compare", "reduce-xor", "reduce-12-lanes"],
)
def test_vector_errors(body, message):
    with pytest.raises(OptFuseError, match=message):
        translate(kernel(body))


def test_vector_store_into_constant_global_is_an_error():
    source = """
builtin.module {
  "memref.global"() <{sym_name = "w", sym_visibility = "private", type = memref<8xf32>, initial_value = dense<1.0> : tensor<8xf32>, constant}> : () -> ()
  func.func @m() {
    %c0 = arith.constant 0 : index
    %z = arith.constant 0.0 : f32
    %v = vector.broadcast %z : f32 to vector<8xf32>
    %w = memref.get_global @w : memref<8xf32>
    loop.vector_store %v, %w[%c0] : memref<8xf32>, vector<8xf32>
    func.return
  }
}
"""
    with pytest.raises(OptFuseError, match=r"'loop.vector_store' stores into the constant memref.global @w"):
        translate(source)
