"""Tests for emit-llvm (passes/emit_llvm.py, compiler/llvm_ir.py, dialects/llvmir.py).

Each numeric test writes a loop-level module by hand, translates it, compiles the
IR with clang into a host shared library, runs it through ctypes on numpy arrays
and compares with numpy. Cross tests compile for aarch64 and check the ELF header.
"""

from __future__ import annotations

import ctypes
import math
import re
import struct
from pathlib import Path

import numpy as np
import pytest
from xdsl.dialects.builtin import ModuleOp
from xdsl.parser import Parser
from xdsl.passes import PassPipeline

from compiler.context import make_context
from compiler.errors import OptFuseError
from compiler.llvm_ir import float_literal, translate_module
from compiler.targets import AARCH64, TARGETS, X86_64, host_arch, resolve_target
from compiler.toolchain import compile_llvm_ir
from dialects.llvmir import TranslationOp
from passes.emit_llvm import EmitLLVMPass

HOST_RUNNABLE = host_arch() in TARGETS
needs_host = pytest.mark.skipif(not HOST_RUNNABLE, reason=f"host architecture {host_arch()} is not a target")

E_MACHINE = {"x86_64": 62, "aarch64": 183}


# --------------------------------------------------------------------------- helpers


def parse(source: str) -> ModuleOp:
    module = Parser(make_context(), source).parse_module()
    module.verify()
    return module


def emit(source: str, target: str = "native", weights_file: str = "") -> TranslationOp:
    module = parse(source)
    EmitLLVMPass(target=target, weights_file=weights_file).apply(make_context(), module)
    ops = list(module.ops)
    assert len(ops) == 1 and isinstance(ops[0], TranslationOp)
    return ops[0]


def build(translation: TranslationOp, directory: Path, stem: str = "model", kind: str = "shared", target=None) -> Path:
    """Write the IR (and the weights blob, where the IR expects it) and compile it with clang."""
    if translation.weights_bytes:
        Path(translation.weights_file.data).write_bytes(translation.weights_bytes)
    ll = directory / f"{stem}.ll"
    ll.write_text(translation.ir_text)
    output = directory / (f"{stem}.so" if kind == "shared" else f"{stem}.o")
    compile_llvm_ir(ll, output, target or resolve_target("native"), kind)
    return output


def run(library: Path, entry: str, *arrays: np.ndarray) -> None:
    """Call `<entry>_run` with each array's data pointer; the arrays must be C-contiguous."""
    lib = ctypes.CDLL(str(library))
    fn = getattr(lib, f"{entry}_run")
    fn.restype = ctypes.c_int32
    fn.argtypes = [ctypes.c_void_p] * len(arrays)
    for a in arrays:
        assert a.flags.c_contiguous
    assert fn(*(a.ctypes.data for a in arrays)) == 0


def global_op(name: str, array: np.ndarray, mlir_type: str, constant: bool = True) -> str:
    """A memref.global in generic syntax (xDSL 0.74 has no custom syntax for it), data as hex bytes."""
    shape = "x".join(map(str, array.shape))
    dense = f'dense<"0x{np.ascontiguousarray(array).tobytes().hex().upper()}">'
    return (
        f'"memref.global"() <{{sym_name = "{name}", sym_visibility = "private", type = memref<{shape}x{mlir_type}>, '
        f"initial_value = {dense} : tensor<{shape}x{mlir_type}>{', constant' if constant else ''}}}> : () -> ()"
    )


def index_constants(*values: int) -> str:
    return "\n".join(f"    %c{v} = arith.constant {v} : index" for v in values)


def elf_machine(path: Path) -> int:
    header = path.read_bytes()[:20]
    assert header[:4] == b"\x7fELF"
    return struct.unpack_from("<H", header, 18)[0]


RNG = np.random.default_rng(0)


# --------------------------------------------------------------------------- modules

ELEMENTWISE = f"""
builtin.module {{
  func.func private @ew(%x: memref<2x8xf32>, %y: memref<2x8xf32>) {{
{index_constants(0, 1, 2, 8)}
    %half = arith.constant 0.5 : f32
    loop.parallel %i = %c0 to %c2 step %c1 {{
      loop.parallel %j = %c0 to %c8 step %c1 {{
        %v = loop.load %x[%i, %j] : memref<2x8xf32>
        %e = math.exp %v : f32
        %h = arith.mulf %e, %half : f32
        %t = math.tanh %v : f32
        %m = arith.maximumf %h, %t : f32
        %r = math.erf %v : f32
        %s = arith.addf %m, %r : f32
        loop.store %s, %y[%i, %j] : memref<2x8xf32>
      }}
    }}
    func.return
  }}
  func.func @model(%x: memref<2x8xf32>, %y: memref<2x8xf32>) {{
    func.call @ew(%x, %y) : (memref<2x8xf32>, memref<2x8xf32>) -> ()
    func.return
  }}
}}
"""


def erf(x: np.ndarray) -> np.ndarray:
    return np.vectorize(math.erf, otypes=[np.float64])(x.astype(np.float64))


# One kernel computing many scalar ops on (a, b); row k of the output is op k.
MATH_ZOO: list[tuple[str, str, object]] = [
    ("maximumf", "%r = arith.maximumf %a, %b : f32", lambda a, b: np.maximum(a, b)),
    ("minimumf", "%r = arith.minimumf %a, %b : f32", lambda a, b: np.minimum(a, b)),
    ("sqrt", "%p = math.absf %a : f32\n%r = math.sqrt %p : f32", lambda a, b: np.sqrt(np.abs(a))),
    ("log", "%p = math.absf %a : f32\n%q = arith.addf %p, %one : f32\n%r = math.log %q : f32",
     lambda a, b: np.log(np.abs(a) + 1)),
    ("powf", "%p = math.absf %a : f32\n%r = math.powf %p, %b : f32", lambda a, b: np.power(np.abs(a), b)),
    ("floor", "%r = math.floor %a : f32", lambda a, b: np.floor(a)),
    ("ceil", "%r = math.ceil %a : f32", lambda a, b: np.ceil(a)),
    ("absf", "%r = math.absf %a : f32", lambda a, b: np.abs(a)),
    ("fma", "%r = math.fma %a, %b, %a : f32", lambda a, b: (a.astype(np.float64) * b + a).astype(np.float32)),
    ("rsqrt", "%p = math.absf %a : f32\n%q = arith.addf %p, %one : f32\n%r = math.rsqrt %q : f32",
     lambda a, b: 1 / np.sqrt(np.abs(a) + 1)),
    ("negf", "%r = arith.negf %a : f32", lambda a, b: -a),
    ("subf", "%r = arith.subf %a, %b : f32", lambda a, b: a - b),
    ("divf", "%r = arith.divf %a, %b : f32", lambda a, b: a / b),
    ("f64", "%p = arith.extf %a : f32 to f64\n%q = arith.extf %b : f32 to f64\n%s = arith.mulf %p, %q : f64\n"
     "%r = arith.truncf %s : f64 to f32", lambda a, b: (a.astype(np.float64) * b).astype(np.float32)),
    ("exp", "%r = math.exp %a : f32", lambda a, b: np.exp(a)),
    ("tanh", "%r = math.tanh %a : f32", lambda a, b: np.tanh(a)),
    ("erf", "%r = math.erf %a : f32", lambda a, b: erf(a).astype(np.float32)),
]


def math_zoo_module(n: int) -> str:
    k = len(MATH_ZOO)
    body = []
    for row, (_, text, _) in enumerate(MATH_ZOO):
        text = re.sub(r"%([a-z]+)\b", lambda m: m.group(0) if m.group(1) in ("a", "b", "one") else f"%{m.group(1)}{row}", text)
        body += [f"        {line}" for line in text.splitlines()]
        body.append(f"        loop.store %r{row}, %out[%c{row}, %i] : memref<{k}x{n}xf32>")
    rows = sorted(set(range(k)) | {0, 1, n})
    return f"""
builtin.module {{
  func.func private @zoo(%x: memref<{n}xf32>, %y: memref<{n}xf32>, %out: memref<{k}x{n}xf32>) {{
{index_constants(*rows)}
    %one = arith.constant 1.0 : f32
    loop.parallel %i = %c0 to %c{n} step %c1 {{
        %a = loop.load %x[%i] : memref<{n}xf32>
        %b = loop.load %y[%i] : memref<{n}xf32>
{chr(10).join(body)}
    }}
    func.return
  }}
  func.func @zoo_model(%x: memref<{n}xf32>, %y: memref<{n}xf32>, %out: memref<{k}x{n}xf32>) {{
    func.call @zoo(%x, %y, %out) : (memref<{n}xf32>, memref<{n}xf32>, memref<{k}x{n}xf32>) -> ()
    func.return
  }}
}}
"""


ROW_STATS = f"""
builtin.module {{
  func.func private @row_stats(%x: memref<5x7xf32>, %out: memref<5x2xf32>) {{
{index_constants(0, 1, 5, 7)}
    %zero = arith.constant 0.0 : f32
    %ninf = arith.constant 0xFF800000 : f32
    loop.parallel %i = %c0 to %c5 step %c1 {{
      %sum, %max = loop.for %k = %c0 to %c7 step %c1 iter_args(%acc = %zero, %best = %ninf) -> (f32, f32) {{
        %v = loop.load %x[%i, %k] : memref<5x7xf32>
        %acc2 = arith.addf %acc, %v : f32
        %best2 = arith.maximumf %best, %v : f32
        loop.yield %acc2, %best2 : f32, f32
      }}
      loop.store %sum, %out[%i, %c0] : memref<5x2xf32>
      loop.store %max, %out[%i, %c1] : memref<5x2xf32>
    }}
    func.return
  }}
  func.func @stats(%x: memref<5x7xf32>, %out: memref<5x2xf32>) {{
    func.call @row_stats(%x, %out) : (memref<5x7xf32>, memref<5x2xf32>) -> ()
    func.return
  }}
}}
"""

# C = relu(A @ B): the matmul runs i (parallel) / j (parallel) / k (for, iter_args) into a
# loop.alloc buffer; a second kernel, k-outer with the row innermost, accumulates A @ B again
# into a second buffer read back from memory; a third applies relu to their average.
MATMUL = f"""
builtin.module {{
  func.func private @mm_reduce(%a: memref<4x5xf32>, %b: memref<5x6xf32>, %c: memref<4x6xf32>) {{
{index_constants(0, 1, 4, 5, 6)}
    %zero = arith.constant 0.0 : f32
    loop.parallel %i = %c0 to %c4 step %c1 {{
      loop.parallel %j = %c0 to %c6 step %c1 {{
        %dot = loop.for %k = %c0 to %c5 step %c1 iter_args(%acc = %zero) -> (f32) {{
          %x = loop.load %a[%i, %k] : memref<4x5xf32>
          %y = loop.load %b[%k, %j] : memref<5x6xf32>
          %xy = arith.mulf %x, %y : f32
          %acc2 = arith.addf %acc, %xy : f32
          loop.yield %acc2 : f32
        }}
        loop.store %dot, %c[%i, %j] : memref<4x6xf32>
      }}
    }}
    func.return
  }}
  func.func private @mm_rows(%a: memref<4x5xf32>, %b: memref<5x6xf32>, %c: memref<4x6xf32>) {{
{index_constants(0, 1, 4, 5, 6)}
    %zero = arith.constant 0.0 : f32
    loop.parallel %i = %c0 to %c4 step %c1 {{
      loop.parallel %j = %c0 to %c6 step %c1 {{
        loop.store %zero, %c[%i, %j] : memref<4x6xf32>
      }}
      loop.for %k = %c0 to %c5 step %c1 {{
        %x = loop.load %a[%i, %k] : memref<4x5xf32>
        loop.parallel %j = %c0 to %c6 step %c1 {{
          %y = loop.load %b[%k, %j] : memref<5x6xf32>
          %old = loop.load %c[%i, %j] : memref<4x6xf32>
          %new = math.fma %x, %y, %old : f32
          loop.store %new, %c[%i, %j] : memref<4x6xf32>
        }}
      }}
    }}
    func.return
  }}
  func.func private @relu_avg(%p: memref<4x6xf32>, %q: memref<4x6xf32>, %out: memref<4x6xf32>) {{
{index_constants(0, 1, 4, 6)}
    %zero = arith.constant 0.0 : f32
    %half = arith.constant 0.5 : f32
    loop.parallel %i = %c0 to %c4 step %c1 {{
      loop.parallel %j = %c0 to %c6 step %c1 {{
        %u = loop.load %p[%i, %j] : memref<4x6xf32>
        %v = loop.load %q[%i, %j] : memref<4x6xf32>
        %s = arith.addf %u, %v : f32
        %m = arith.mulf %s, %half : f32
        %r = arith.maximumf %m, %zero : f32
        loop.store %r, %out[%i, %j] : memref<4x6xf32>
      }}
    }}
    func.return
  }}
  func.func @matmul(%a: memref<4x5xf32>, %b: memref<5x6xf32>, %out: memref<4x6xf32>) {{
    %t0 = loop.alloc : memref<4x6xf32>
    %t1 = loop.alloc : memref<4x6xf32>
    func.call @mm_reduce(%a, %b, %t0) : (memref<4x5xf32>, memref<5x6xf32>, memref<4x6xf32>) -> ()
    func.call @mm_rows(%a, %b, %t1) : (memref<4x5xf32>, memref<5x6xf32>, memref<4x6xf32>) -> ()
    func.call @relu_avg(%t0, %t1, %out) : (memref<4x6xf32>, memref<4x6xf32>, memref<4x6xf32>) -> ()
    func.return
  }}
}}
"""

W1 = RNG.standard_normal((16, 8)).astype(np.float32)  # 128 elements: goes to the blob
W2 = RNG.standard_normal((10, 8)).astype(np.float32)  # 80 elements: blob, at a 64-aligned offset
BIAS = RNG.standard_normal((8,)).astype(np.float32)  # 8 elements: stays inline


def dense_module() -> str:
    """y = (x @ W1 + bias + ones) with a splat global; z = x[:, :10] @ W2 + zeros (zero splat)."""
    return f"""
builtin.module {{
  {global_op("dense_w1", W1, "f32")}
  {global_op("dense_w2", W2, "f32")}
  {global_op("dense_bias", BIAS, "f32")}
  "memref.global"() <{{sym_name = "dense_ones", sym_visibility = "private", type = memref<8xf32>, initial_value = dense<1.0> : tensor<8xf32>, constant}}> : () -> ()
  "memref.global"() <{{sym_name = "dense_zeros", sym_visibility = "private", type = memref<8x8xf32>, initial_value = dense<0.0> : tensor<8x8xf32>, constant}}> : () -> ()
  func.func private @dense(%x: memref<3x16xf32>, %w: memref<16x8xf32>, %b: memref<8xf32>, %ones: memref<8xf32>, %y: memref<3x8xf32>) {{
{index_constants(0, 1, 3, 8, 16)}
    %zero = arith.constant 0.0 : f32
    loop.parallel %i = %c0 to %c3 step %c1 {{
      loop.parallel %j = %c0 to %c8 step %c1 {{
        %dot = loop.for %k = %c0 to %c16 step %c1 iter_args(%acc = %zero) -> (f32) {{
          %xv = loop.load %x[%i, %k] : memref<3x16xf32>
          %wv = loop.load %w[%k, %j] : memref<16x8xf32>
          %acc2 = math.fma %xv, %wv, %acc : f32
          loop.yield %acc2 : f32
        }}
        %bv = loop.load %b[%j] : memref<8xf32>
        %ov = loop.load %ones[%j] : memref<8xf32>
        %s1 = arith.addf %dot, %bv : f32
        %s2 = arith.addf %s1, %ov : f32
        loop.store %s2, %y[%i, %j] : memref<3x8xf32>
      }}
    }}
    func.return
  }}
  func.func private @dense2(%x: memref<3x16xf32>, %w: memref<10x8xf32>, %zeros: memref<8x8xf32>, %z: memref<3x8xf32>) {{
{index_constants(0, 1, 3, 8, 10)}
    %zero = arith.constant 0.0 : f32
    loop.parallel %i = %c0 to %c3 step %c1 {{
      loop.parallel %j = %c0 to %c8 step %c1 {{
        %zv = loop.load %zeros[%i, %j] : memref<8x8xf32>
        %dot = loop.for %k = %c0 to %c10 step %c1 iter_args(%acc = %zv) -> (f32) {{
          %xv = loop.load %x[%i, %k] : memref<3x16xf32>
          %wv = loop.load %w[%k, %j] : memref<10x8xf32>
          %acc2 = math.fma %xv, %wv, %acc : f32
          loop.yield %acc2 : f32
        }}
        loop.store %dot, %z[%i, %j] : memref<3x8xf32>
      }}
    }}
    func.return
  }}
  func.func @dense_model(%x: memref<3x16xf32>, %y: memref<3x8xf32>, %z: memref<3x8xf32>) {{
    %w1 = memref.get_global @dense_w1 : memref<16x8xf32>
    %w2 = memref.get_global @dense_w2 : memref<10x8xf32>
    %b = memref.get_global @dense_bias : memref<8xf32>
    %ones = memref.get_global @dense_ones : memref<8xf32>
    %zeros = memref.get_global @dense_zeros : memref<8x8xf32>
    func.call @dense(%x, %w1, %b, %ones, %y) : (memref<3x16xf32>, memref<16x8xf32>, memref<8xf32>, memref<8xf32>, memref<3x8xf32>) -> ()
    func.call @dense2(%x, %w2, %zeros, %z) : (memref<3x16xf32>, memref<10x8xf32>, memref<8x8xf32>, memref<3x8xf32>) -> ()
    func.return
  }}
}}
"""


LEAKY = f"""
builtin.module {{
  func.func private @leaky(%x: memref<3x5xf32>, %y: memref<3x5xf32>, %mask: memref<3x5xi1>) {{
{index_constants(0, 1, 5, 15)}
    %zero = arith.constant 0.0 : f32
    %slope = arith.constant 0.125 : f32
    loop.parallel %f = %c0 to %c15 step %c1 {{
      %i = arith.divui %f, %c5 : index
      %j = arith.remui %f, %c5 : index
      %v = loop.load %x[%i, %j] : memref<3x5xf32>
      %pos = arith.cmpf ogt, %v, %zero : f32
      %scaled = arith.mulf %v, %slope : f32
      %r = arith.select %pos, %v, %scaled : f32
      loop.store %r, %y[%i, %j] : memref<3x5xf32>
      %nan = arith.cmpf uno, %v, %v : f32
      %flag = arith.ori %pos, %nan : i1
      loop.store %flag, %mask[%i, %j] : memref<3x5xi1>
    }}
    func.return
  }}
  func.func @leaky_model(%x: memref<3x5xf32>, %y: memref<3x5xf32>, %mask: memref<3x5xi1>) {{
    func.call @leaky(%x, %y, %mask) : (memref<3x5xf32>, memref<3x5xf32>, memref<3x5xi1>) -> ()
    func.return
  }}
}}
"""

INT_OPS = [
    ("divsi", "%r = arith.divsi %a, %b : i64"),
    ("remsi", "%r = arith.remsi %a, %b : i64"),
    ("floordivsi", "%r = arith.floordivsi %a, %b : i64"),
    ("ceildivsi", "%r = arith.ceildivsi %a, %b : i64"),
    ("muli_xori", "%p = arith.muli %a, %b : i64\n%r = arith.xori %p, %a : i64"),
    ("cmpi", "%p = arith.cmpi slt, %a, %b : i64\n%r = arith.extui %p : i1 to i64"),
    ("index_cast", "%p = arith.index_cast %a : i64 to index\n%q = arith.index_cast %p : index to i32\n"
     "%s = arith.addi %q, %q : i32\n%r = arith.extsi %s : i32 to i64"),
    ("sitofp", "%p = arith.sitofp %a : i64 to f32\n%q = arith.mulf %p, %p : f32\n%r = arith.fptosi %q : f32 to i64"),
]


def int_module(n: int) -> str:
    k = len(INT_OPS)
    body = []
    for row, (_, text) in enumerate(INT_OPS):
        text = re.sub(r"%([a-z]+)\b", lambda m: m.group(0) if m.group(1) in ("a", "b") else f"%{m.group(1)}{row}", text)
        body += [f"      {line}" for line in text.splitlines()]
        body.append(f"      loop.store %r{row}, %out[%c{row}, %i] : memref<{k}x{n}xi64>")
    return f"""
builtin.module {{
  func.func private @ints(%x: memref<{n}xi64>, %y: memref<{n}xi64>, %out: memref<{k}x{n}xi64>) {{
{index_constants(*sorted(set(range(k)) | {n}))}
    loop.parallel %i = %c0 to %c{n} step %c1 {{
      %a = loop.load %x[%i] : memref<{n}xi64>
      %b = loop.load %y[%i] : memref<{n}xi64>
{chr(10).join(body)}
    }}
    func.return
  }}
  func.func @ints_model(%x: memref<{n}xi64>, %y: memref<{n}xi64>, %out: memref<{k}x{n}xi64>) {{
    func.call @ints(%x, %y, %out) : (memref<{n}xi64>, memref<{n}xi64>, memref<{k}x{n}xi64>) -> ()
    func.return
  }}
}}
"""


# --------------------------------------------------------------------------- numerics on the host


@needs_host
def test_elementwise_exp_tanh_erf_max(tmp_path):
    lib = build(emit(ELEMENTWISE), tmp_path)
    x = RNG.uniform(-3, 3, (2, 8)).astype(np.float32)
    x[1, 3] = np.nan
    y = np.full_like(x, -7.0)
    run(lib, "model", x, y)
    expected = np.maximum(np.exp(x) * np.float32(0.5), np.tanh(x)) + erf(x).astype(np.float32)
    np.testing.assert_allclose(y, expected, rtol=2e-6, atol=1e-6, equal_nan=True)
    assert np.isnan(y[1, 3])


@needs_host
def test_math_zoo_matches_numpy(tmp_path):
    n = 33
    lib = build(emit(math_zoo_module(n)), tmp_path)
    a = RNG.uniform(-4, 4, n).astype(np.float32)
    b = RNG.uniform(0.5, 2, n).astype(np.float32) * RNG.choice([-1, 1], n).astype(np.float32)
    a[:4] = [np.nan, -0.0, 2.5, -2.5]
    b[4] = np.nan  # maximumf/minimumf must propagate a NaN in either operand, like numpy
    out = np.zeros((len(MATH_ZOO), n), np.float32)
    run(lib, "zoo_model", a, b, out)
    with np.errstate(all="ignore"):
        for row, (name, _, reference) in enumerate(MATH_ZOO):
            np.testing.assert_allclose(
                out[row], reference(a, b), rtol=3e-6, atol=1e-6, equal_nan=True, err_msg=f"op {name}"
            )
    assert np.isnan(out[0, 0]) and np.isnan(out[0, 4]) and np.isnan(out[1, 4])


@needs_host
def test_reduction_with_iter_args(tmp_path):
    translation = emit(ROW_STATS)
    assert re.search(r"%acc = phi float \[ 0\.0, %\S+ \], \[ %acc2, %\S+ \]", translation.ir_text)
    lib = build(translation, tmp_path)
    x = RNG.standard_normal((5, 7)).astype(np.float32)
    out = np.zeros((5, 2), np.float32)
    run(lib, "stats", x, out)
    np.testing.assert_allclose(out[:, 0], x.sum(axis=1), rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(out[:, 1], x.max(axis=1))


@needs_host
def test_matmul_nested_for_and_parallel(tmp_path):
    translation = emit(MATMUL)
    ir = translation.ir_text
    assert ir.count("internal global [24 x float] zeroinitializer, align 64") == 2  # the two loop.alloc
    lib = build(translation, tmp_path)
    a = RNG.standard_normal((4, 5)).astype(np.float32)
    b = RNG.standard_normal((5, 6)).astype(np.float32)
    out = np.zeros((4, 6), np.float32)
    for _ in range(2):  # a second run must not see the first run's buffers
        run(lib, "matmul", a, b, out)
        np.testing.assert_allclose(out, np.maximum(a @ b, 0), rtol=1e-5, atol=1e-5)


@needs_host
@pytest.mark.parametrize("blob", [False, True], ids=["inline", "weights_file"])
def test_weights_inline_and_blob(tmp_path, blob):
    weights_file = str(tmp_path / "dense.weights") if blob else ""
    translation = emit(dense_module(), weights_file=weights_file)
    ir = translation.ir_text
    if blob:
        assert ".incbin" in ir and "@dense_model_weights = external hidden constant" in ir
        assert "dense_w1 = internal constant" not in ir and "dense_w2 = internal constant" not in ir
        assert "@dense_bias = internal constant [8 x float]" in ir  # <= 64 elements: stays inline
        # W1 at offset 0, W2 at the next 64-byte boundary after W1's 512 bytes
        assert "getelementptr inbounds i8, ptr @dense_model_weights, i64 512" in ir
        blob_bytes = translation.weights_bytes
        assert blob_bytes[:512] == W1.tobytes() and blob_bytes[512:832] == W2.tobytes()
        assert translation.weights_file.data == weights_file
    else:
        assert ".incbin" not in ir and translation.weights_bytes == b""
        assert "@dense_w1 = internal constant [128 x float] [" in ir
        assert f"float {float_literal(float(W1[0, 0]), 'float')}" in ir
        assert "@dense_zeros = internal constant [64 x float] zeroinitializer" in ir
        assert "@dense_ones = internal constant [8 x float] [\n  float 0x3FF0000000000000, float 0x3FF0000000000000" in ir
    lib = build(translation, tmp_path)
    x = RNG.standard_normal((3, 16)).astype(np.float32)
    y = np.zeros((3, 8), np.float32)
    z = np.zeros((3, 8), np.float32)
    run(lib, "dense_model", x, y, z)
    np.testing.assert_allclose(y, x @ W1 + BIAS + 1, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(z, x[:, :10] @ W2, rtol=1e-5, atol=1e-5)


@needs_host
def test_select_cmpf_and_unsigned_index_math(tmp_path):
    lib = build(emit(LEAKY), tmp_path)
    x = RNG.standard_normal((3, 5)).astype(np.float32)
    x[2, 4] = np.nan
    y = np.zeros_like(x)
    mask = np.zeros(x.shape, np.bool_)
    run(lib, "leaky_model", x, y, mask)
    with np.errstate(invalid="ignore"):
        np.testing.assert_array_equal(y, np.where(x > 0, x, x * np.float32(0.125)))
        np.testing.assert_array_equal(mask, (x > 0) | np.isnan(x))
    assert mask.view(np.uint8).max() == 1  # bools are stored as bytes 0/1


@needs_host
def test_integer_ops(tmp_path):
    n = 12
    lib = build(emit(int_module(n)), tmp_path)
    a = np.array([7, -7, 7, -7, 0, 9, -9, 100, -1, 1, 6, -6], np.int64)
    b = np.array([2, 2, -2, -2, 3, 3, 4, -7, 5, -5, 3, 3], np.int64)
    out = np.zeros((len(INT_OPS), n), np.int64)
    run(lib, "ints_model", a, b, out)
    trunc_div = np.array([abs(x) // abs(y) * (1 if (x >= 0) == (y > 0) else -1) for x, y in zip(a, b)])
    expected = {
        "divsi": trunc_div,
        "remsi": a - trunc_div * b,
        "floordivsi": np.floor_divide(a, b),
        "ceildivsi": -np.floor_divide(-a, b),
        "muli_xori": (a * b) ^ a,
        "cmpi": (a < b).astype(np.int64),
        "index_cast": 2 * a,
        "sitofp": a * a,
    }
    for row, (name, _) in enumerate(INT_OPS):
        np.testing.assert_array_equal(out[row], expected[name], err_msg=name)


@needs_host
def test_same_buffer_twice_drops_noalias(tmp_path):
    source = f"""
builtin.module {{
  func.func private @add_into(%a: memref<6xf32>, %b: memref<6xf32>, %out: memref<6xf32>) {{
{index_constants(0, 1, 6)}
    loop.parallel %i = %c0 to %c6 step %c1 {{
      %u = loop.load %a[%i] : memref<6xf32>
      %v = loop.load %b[%i] : memref<6xf32>
      %s = arith.addf %u, %v : f32
      loop.store %s, %out[%i] : memref<6xf32>
    }}
    func.return
  }}
  func.func @accumulate(%x: memref<6xf32>, %y: memref<6xf32>) {{
    func.call @add_into(%x, %y, %y) : (memref<6xf32>, memref<6xf32>, memref<6xf32>) -> ()
    func.return
  }}
}}
"""
    translation = emit(source)
    signature = next(line for line in translation.ir_text.splitlines() if "@add_into(" in line and "define" in line)
    assert "ptr noalias nocapture readonly dereferenceable(24) %a" in signature
    assert "ptr nocapture readonly dereferenceable(24) %b" in signature
    assert "ptr nocapture dereferenceable(24) %out" in signature
    lib = build(translation, tmp_path)
    x = np.arange(6, dtype=np.float32)
    y = np.full(6, 10, np.float32)
    run(lib, "accumulate", x, y)
    np.testing.assert_array_equal(y, x + 10)


# --------------------------------------------------------------------------- cross compilation


@pytest.mark.parametrize("target", [AARCH64, X86_64], ids=lambda t: t.name)
@pytest.mark.parametrize("blob", [False, True], ids=["inline", "weights_file"])
def test_cross_compile_object(tmp_path, target, blob):
    weights_file = str(tmp_path / "dense.weights") if blob else ""
    translation = emit(dense_module(), target=target.name, weights_file=weights_file)
    assert f'target triple = "{target.triple}"' in translation.ir_text
    assert "@progbits" not in translation.ir_text  # `@` starts a comment in aarch64 assembly
    obj = build(translation, tmp_path, kind="object", target=target)
    assert elf_machine(obj) == E_MACHINE[target.name]
    if blob:  # the .incbin really pulled the blob into the object
        assert W1.tobytes() in obj.read_bytes()


@pytest.mark.parametrize("target", [AARCH64, X86_64], ids=lambda t: t.name)
def test_cross_compile_all_ops(tmp_path, target):
    for stem, source in [("zoo", math_zoo_module(8)), ("ints", int_module(4)), ("leaky", LEAKY), ("mm", MATMUL)]:
        obj = build(emit(source, target=target.name), tmp_path, stem=stem, kind="object", target=target)
        assert elf_machine(obj) == E_MACHINE[target.name]


# --------------------------------------------------------------------------- the IR text


def test_ir_text_carries_what_clang_needs():
    ir = emit(MATMUL, target="x86_64").ir_text
    assert ir.startswith(f"; generated by opt-fuse emit-llvm for {X86_64.triple}\n")
    assert f'target triple = "{X86_64.triple}"' in ir
    assert f'target datalayout = "{X86_64.datalayout}"' in ir
    # the exported entry: inputs readonly, output writable, all noalias, returns 0
    assert re.search(
        r"define i32 @matmul_run\(ptr noalias nocapture readonly dereferenceable\(80\) %a, "
        r"ptr noalias nocapture readonly dereferenceable\(120\) %b, "
        r"ptr noalias nocapture dereferenceable\(96\) %out\) #0 \{",
        ir,
    )
    assert "ret i32 0" in ir
    # kernels are internal; `readonly` only on the parameters they do not store to
    assert re.search(
        r"define internal void @mm_rows\(ptr noalias nocapture readonly dereferenceable\(80\) %a, "
        r"ptr noalias nocapture readonly dereferenceable\(120\) %b, ptr noalias nocapture dereferenceable\(96\) %c\)",
        ir,
    )
    assert "attributes #0 = { nounwind }" in ir
    # constant bounds are literals: known trip counts; the parallel loop over %i runs on the
    # thread pool, its bounds are literals at the call and each chunk's [begin, end) inside
    assert "icmp slt i64 %k, 5" in ir and "icmp slt i64 %i, %end" in ir
    assert re.search(r"call void @matmul_parallel_for\(ptr @mm_rows\.par\.i\.task, ptr %par\.i\.context, i64 0, i64 4, i64 1, i64 \d+\)", ir)
    assert "add nsw i64 %i, 1" in ir
    # row-major addressing, one GEP per access
    assert "mul nuw nsw i64 %i, 5" in ir
    assert re.search(r"getelementptr inbounds float, ptr %a, i64 %\S+", ir)
    # names hints survive, clashes are uniquified
    assert "%j = phi i64" in ir and "%j.1 = phi i64" in ir
    # NaN-propagating max without llvm.maximum, which clang 15-16 cannot select on x86
    assert "call float @llvm.maxnum.f32(" in ir and "fcmp uno float" in ir and "llvm.maximum" not in ir
    assert "call float @llvm.fma.f32(" in ir
    assert "fast" not in ir  # no fast-math flags


def test_math_lowering_names():
    ir = emit(ELEMENTWISE, target="x86_64").ir_text
    assert "call float @llvm.exp.f32(float %v)" in ir
    assert "call float @tanhf(float %v)" in ir and "declare float @tanhf(float) #0" in ir
    assert "call float @erff(float %v)" in ir
    assert "call float @llvm.maxnum.f32(float %h, float %t)" in ir
    assert "fmul float %e, 0.5" in ir


def test_weights_file_module_asm_is_portable_and_escaped(tmp_path):
    path = str(tmp_path / 'we"ird\\dir' / "w.bin")
    ir = emit(dense_module(), target="aarch64", weights_file=path).ir_text
    asm = [line for line in ir.splitlines() if line.startswith("module asm")]
    assert asm[0] == 'module asm "\\09.pushsection .rodata,\\22a\\22"'
    assert 'module asm "\\09.p2align 6"' in asm
    assert 'module asm "dense_model_weights:"' in asm
    assert 'module asm "\\09.popsection"' in asm
    incbin = next(line for line in asm if "incbin" in line)
    # the assembler sees .incbin "...we\"ird\\dir/w.bin": quote and backslash escaped
    assert 'we\\5C\\22ird\\5C\\5Cdir/w.bin\\22"' in incbin


def test_float_literals_are_exact():
    assert float_literal(0.1, "float") == "0x3FB99999A0000000"  # 0.1f widened to double
    assert float_literal(0.5, "float") == "0.5"
    assert float_literal(float("inf"), "float") == "0x7FF0000000000000"
    assert float_literal(float("-inf"), "double") == "0xFFF0000000000000"
    assert float_literal(1.0, "half") == "0xH3C00"
    assert float_literal(1e-5, "double") == "0x3EE4F8B588E368F1"


def test_i1_and_integer_globals_inline():
    ints = np.array([1, -2, 3], np.int32)
    source = f"""
builtin.module {{
  "memref.global"() <{{sym_name = "flags", sym_visibility = "private", type = memref<4xi1>, initial_value = dense<[true, false, true, true]> : tensor<4xi1>, constant}}> : () -> ()
  {global_op("ints", ints, "i32")}
  "memref.global"() <{{sym_name = "state", sym_visibility = "private", type = memref<2xf64>, initial_value = dense<[1.5, -2.0]> : tensor<2xf64>}}> : () -> ()
  func.func @g(%out: memref<4xi1>) {{
    %f = memref.get_global @flags : memref<4xi1>
    %i = memref.get_global @ints : memref<3xi32>
    %s = memref.get_global @state : memref<2xf64>
    func.return
  }}
}}
"""
    ir = emit(source, target="x86_64").ir_text
    assert "@flags = internal constant [4 x i8] [\n  i8 1, i8 0, i8 1, i8 1\n], align 64" in ir
    assert "@ints = internal constant [3 x i32] [\n  i32 1, i32 -2, i32 3\n]" in ir
    assert "@state = internal global [2 x double] [\n  double 0x3FF8000000000000, double 0xC000000000000000\n]" in ir


def test_pass_options_through_a_pipeline(tmp_path):
    module = parse(ELEMENTWISE)
    spec = f'emit-llvm{{target=aarch64 weights-file="{tmp_path}/w.bin"}}'
    PassPipeline.parse_spec({"emit-llvm": lambda: EmitLLVMPass}, spec).apply(make_context(), module)
    (op,) = module.ops
    assert isinstance(op, TranslationOp)
    assert f'target triple = "{AARCH64.triple}"' in op.ir_text
    assert op.weights_file.data == f"{tmp_path}/w.bin"


def test_translation_op_prints_and_parses_back():
    op = TranslationOp("; hi\ndefine void @f() {\n  ret void\n}\n", b"\x01\x02\xff", "w.bin")
    module = ModuleOp([op])
    text = str(module)
    assert 'llvmir.translation weights_file "w.bin" weights "0x0102FF" ir "; hi' in text
    (parsed,) = parse(text).ops
    assert isinstance(parsed, TranslationOp)
    assert parsed.ir_text == op.ir_text and parsed.weights_bytes == op.weights_bytes
    assert parsed.weights_file.data == "w.bin"
    big = ModuleOp([TranslationOp("", bytes(1000), "w.bin")])
    assert "weights <1000 bytes>" in str(big)


def test_translate_module_api():
    llvm = translate_module(parse(ROW_STATS), X86_64)
    assert llvm.entry_symbol == "stats_run" and llvm.weights == b""
    assert [(p.name, p.shape, p.readonly, p.element) for p in llvm.params] == [
        ("x", (5, 7), True, "float"),
        ("out", (5, 2), False, "float"),
    ]
    assert "; entry point: i32 stats_run(in x: 5x7 x float, out out: 5x2 x float), returns 0" in llvm.text


# --------------------------------------------------------------------------- errors


def test_unsupported_op_is_named():
    source = """
builtin.module {
  func.func @bits(%x: memref<4xi32>, %y: memref<4xi32>) {
    %c0 = arith.constant 0 : index
    %v = loop.load %x[%c0] : memref<4xi32>
    %p = math.ctpop %v : i32
    loop.store %p, %y[%c0] : memref<4xi32>
    func.return
  }
}
"""
    with pytest.raises(OptFuseError, match=r"unsupported operation 'math.ctpop' in @bits: %p = math.ctpop %v : i32"):
        emit(source)


@pytest.mark.parametrize(
    "source, message",
    [
        (
            "func.func private @k(%x: memref<4xf32>) {\n func.return\n}",
            r"expected exactly one public func.func \(the model's entry point\), found none",
        ),
        (
            "func.func @a(%x: memref<4xf32>) {\n func.return\n}\nfunc.func @b(%x: memref<4xf32>) {\n func.return\n}",
            r"found @a, @b",
        ),
        (
            "func.func @d(%x: memref<?x4xf32>) {\n func.return\n}",
            r"memref<\?x4xf32> has a dynamic shape",
        ),
        (
            "func.func @s(%x: memref<4xf32, strided<[2]>>) {\n func.return\n}",
            r"does not have the identity \(row-major\) layout",
        ),
        (
            "func.func @c(%x: memref<4xcomplex<f32>>) {\n func.return\n}",
            r"type complex<f32> is not supported",
        ),
        (
            "func.func @r(%x: memref<4xf32>) -> f32 {\n %f = arith.constant 1.0 : f32\n func.return %f : f32\n}",
            r"must return nothing",
        ),
    ],
    ids=["no-entry", "two-entries", "dynamic", "strided", "complex", "entry-result"],
)
def test_module_errors(source, message):
    with pytest.raises(OptFuseError, match=message):
        emit(f"builtin.module {{\n{source}\n}}")


def test_store_into_constant_global_is_an_error():
    source = f"""
builtin.module {{
  {global_op("w", np.ones(4, np.float32), "f32")}
  func.func private @zero(%b: memref<4xf32>) {{
    %c0 = arith.constant 0 : index
    %z = arith.constant 0.0 : f32
    loop.store %z, %b[%c0] : memref<4xf32>
    func.return
  }}
  func.func @m() {{
    %w = memref.get_global @w : memref<4xf32>
    func.call @zero(%w) : (memref<4xf32>) -> ()
    func.return
  }}
}}
"""
    with pytest.raises(OptFuseError, match=r"passes the constant memref.global @w to @zero, which writes it"):
        emit(source)
