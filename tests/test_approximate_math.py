"""approximate-math end to end: one-node ONNX models (Exp, Tanh, Erf, Sigmoid) compiled with the
pass, run natively on a dense grid of float32 inputs, compared with float64 numpy / math.erf.

The accuracy bound is the pass's target: 2e-6 relative or 1e-7 absolute error, and exact
results where the float32 reference is not finite (+-inf, NaN). The native results must also
be bit for bit those of the pass's numpy model (`NumpyOps`), which is what the error figures
in the pass's docstring were measured on. Finally, the point of the pass: clang vectorises
each kernel once the math op is expanded.
"""

from __future__ import annotations

import math
import re
import subprocess
from fractions import Fraction
from functools import partial
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx_helpers import make_node_model
from xdsl.parser import Parser

from compiler.context import make_context
from compiler.driver import run_pipeline, signature_of
from compiler.errors import OptFuseError
from compiler.onnx_importer import import_model, load_model
from compiler.runtime import NativeModel
from compiler.targets import TARGETS, host_arch, resolve_target
from compiler.toolchain import compile_llvm_ir, find_clang
from dialects.llvmir import TranslationOp
from passes.approximate_math import (
    ApproximateMathPass,
    NumpyOps,
    approximate_erf,
    approximate_exp,
    approximate_tanh,
)

needs_host = pytest.mark.skipif(host_arch() not in TARGETS, reason=f"host architecture {host_arch()} is not a target")

REL_TOL, ABS_TOL = 2e-6, 1e-7


def compile_with_pass(
    model: onnx.ModelProto, out_dir: Path, kinds: tuple[str, ...] = ("so",)
) -> tuple[NativeModel | None, Path]:
    """The driver's compile_model, with approximate-math after lower-to-loops: the model and its .ll."""
    module = import_model(load_model(model))
    run_pipeline(module, "builtin.module(shape-infer)")
    signature = signature_of(module, model)
    stem = signature.entry.removesuffix("_run")
    ll, weights = out_dir / f"{stem}.ll", out_dir / f"{stem}.weights"
    run_pipeline(module, f'builtin.module(lower-to-loops,approximate-math,emit-llvm{{weights-file="{weights}"}})')
    translation = next(iter(module.ops))
    assert isinstance(translation, TranslationOp)
    ll.write_text(translation.ir.data)
    weights.write_bytes(translation.weights.data)
    if "so" not in kinds:
        return None, ll
    compile_llvm_ir(ll, out_dir / f"{stem}.so", resolve_target("native"), "shared")
    return NativeModel(out_dir / f"{stem}.so", signature), ll


def inputs() -> np.ndarray:
    """A dense grid: every 4099th float32 bit pattern of each sign (all magnitudes), a fine
    linspace over [-110, 110], and the special values."""
    patterns = np.arange(0, 0x7F800000, 4099, dtype=np.uint32).view(np.float32)
    special = [0.0, -0.0, 1e-45, -1e-45, 1e-38, 1e-30, -1e-30, 1e-7, 4e-4, 100.0, -100.0, 88.72283, 88.72284,
               -87.3365, -103.97, -104.5, 7.9988, 9.0, 9.02, 3.9, 4.0, np.inf, -np.inf, np.nan]  # fmt: skip
    return np.concatenate(
        [patterns, -patterns, np.linspace(-110, 110, 400_001, dtype=np.float32), np.array(special, np.float32)]
    )


def sigmoid_model(ops: NumpyOps, x: np.ndarray) -> np.ndarray:
    """lower-to-loops' sigmoid: 1 / (1 + exp(-x))."""
    return ops.div(ops.const(1.0), ops.add(ops.const(1.0), approximate_exp(ops, np.negative(x))))


def erf_reference(x: np.ndarray) -> np.ndarray:
    return np.array([math.erf(v) for v in x.tolist()])


def sigmoid_reference(x: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):
        return 1.0 / (1.0 + np.exp(-x))


CASES = {
    "Exp": (approximate_exp, np.exp),
    "Tanh": (approximate_tanh, np.tanh),
    "Erf": (approximate_erf, erf_reference),
    "Sigmoid": (sigmoid_model, sigmoid_reference),
}


def check_accuracy(x: np.ndarray, got: np.ndarray, reference: np.ndarray) -> None:
    rounded = reference.astype(np.float32)  # what an exact float32 function would return
    finite = np.isfinite(rounded)
    assert np.array_equal(got[~finite], rounded[~finite], equal_nan=True), "inf / NaN results differ"
    err = np.abs(got[finite].astype(np.float64) - reference[finite])
    ok = (err <= ABS_TOL) | (err <= REL_TOL * np.abs(reference[finite]))
    if not ok.all():
        bad = np.flatnonzero(~ok)[:5]
        rows = [f"x={x[finite][i]!r} got {got[finite][i]!r} want {reference[finite][i]!r}" for i in bad]
        pytest.fail(f"{(~ok).sum()} results outside the tolerance, e.g.\n" + "\n".join(rows))


@needs_host
@pytest.mark.parametrize("op_type", list(CASES))
def test_accuracy_end_to_end(tmp_path: Path, op_type: str) -> None:
    formula, reference = CASES[op_type]
    x = inputs()
    model, ll = compile_with_pass(make_node_model(op_type, [("x", x.shape)]), tmp_path)
    text = ll.read_text()
    assert not re.search(r"@(expf|tanhf|erff|llvm\.exp\.f32)\(", text), "the math op was not expanded"
    (got,) = model.run([x])
    with np.errstate(all="ignore"):
        check_accuracy(x, got, reference(x.astype(np.float64)))
        expected = formula(NumpyOps(), x)
    mismatch = got.view(np.int32) != expected.view(np.int32)
    assert not mismatch.any(), f"native differs from the numpy model at x={x[mismatch][:5]}"


def test_special_values_of_the_model() -> None:
    """The edges, on the numpy model (bit-identical to the native code, checked above)."""
    ops = NumpyOps()
    x = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 1e-30, -100.0, 100.0], np.float32)
    with np.errstate(all="ignore"):
        exp, tanh, erf = (f(ops, x) for f in (approximate_exp, approximate_tanh, approximate_erf))
    f32 = partial(np.array, dtype=np.float32)
    np.testing.assert_array_equal(exp, f32([np.nan, np.inf, 0.0, 1.0, 1.0, 1.0, math.exp(-100), np.inf]))
    np.testing.assert_array_equal(tanh, f32([np.nan, 1.0, -1.0, 0.0, -0.0, 1e-30, -1.0, 1.0]))
    np.testing.assert_array_equal(erf, f32([np.nan, 1.0, -1.0, 0.0, -0.0, math.erf(1e-30), -1.0, 1.0]))
    assert np.signbit(tanh[4]) and np.signbit(erf[4]), "-0 stays -0"


def exact_fma(a: np.float32, b: np.float32, c: np.float32) -> np.float32:
    """a*b + c rounded once to the nearest float32, ties to even, computed on exact rationals."""
    if not all(np.isfinite(v) for v in (a, b, c)):
        return np.float32(np.float64(a) * np.float64(b) + np.float64(c))  # inf / NaN rules
    exact = Fraction(float(a)) * Fraction(float(b)) + Fraction(float(c))
    if exact == 0:  # IEEE: -0 only for a zero product of negative sign plus -0
        negative_zeros = c == 0 and np.signbit(a) != np.signbit(b) and np.signbit(c)
        return np.float32(-0.0 if negative_zeros else 0.0)
    magnitude = abs(exact)
    exponent = magnitude.numerator.bit_length() - magnitude.denominator.bit_length()
    if Fraction(2) ** exponent > magnitude:
        exponent -= 1  # now 2^exponent <= magnitude < 2^(exponent + 1)
    quantum = max(exponent, -126) - 23  # the float32 ulp there: 24 bits, or a denormal's 2^-149
    rounded = math.ldexp(round(magnitude / Fraction(2) ** quantum), quantum)  # Fraction rounds ties to even
    return np.float32(math.copysign(rounded if rounded < 2.0**128 else math.inf, exact))


def fma_cases(rng: np.random.Generator, n: int = 1000) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(a, b, c) triples that a slightly wrong fma gets wrong: random magnitudes, c close to -a*b,
    a*b exactly halfway between two floats (normal and denormal) with c breaking the tie or not,
    results at the overflow threshold, denormal operands, and every mix of 0, -0, inf, NaN."""

    def floats(low: int, high: int) -> np.ndarray:
        exponents = rng.integers(low, high, n)
        return (rng.choice([-1.0, 1.0], n) * rng.uniform(1, 2, n) * np.exp2(exponents)).astype(np.float32)

    def odd_products(exponents: np.ndarray, min_bits: int) -> tuple[np.ndarray, np.ndarray]:
        """a, b with odd integer significands below 2^13, so a*b = p * 2^exponents exactly with
        p odd, of min_bits to 25 bits: with 25 bits, a*b is halfway between two floats."""
        ia, ib = rng.integers(1, 2**13, (2, 8 * n)) | 1
        keep = (ia * ib >= 2 ** (min_bits - 1)) & (ia * ib < 2**25)
        ia, ib = ia[keep][:n], ib[keep][:n]
        half = exponents[: ia.size] // 2
        return np.ldexp(ia, half).astype(np.float32), np.ldexp(ib, exponents[: ia.size] - half).astype(np.float32)

    a, b = floats(-60, 60), floats(-60, 60)
    minus_product = -(a.astype(np.float64) * b).astype(np.float32)
    near_minus_product = (minus_product.view(np.int32) + rng.integers(-3, 4, n, dtype=np.int32)).view(np.float32)
    triples = [(a, b, floats(-130, 127)), (a, b, near_minus_product)]
    # normal ties: a multiple of the ulp 2^(e + 1) keeps the tie; a tiny c breaks it, by 1/4 to
    # 3/4 of an ulp of the float64 sum (2^(e - 28)), which rounding that sum could bring back
    e = rng.integers(-100, 100, n)
    ta, tb = odd_products(e, 25)
    e = e[: ta.size]
    tiny = rng.integers(1, 4, ta.size) * np.ldexp(1.0, e - 30)
    ulps = rng.integers(-3, 4, ta.size) * np.ldexp(1.0, e + 1)
    triples.append((ta, tb, np.choose(rng.integers(0, 4, ta.size), [np.zeros(ta.size), -tiny, tiny, ulps])))
    # denormal results: p * 2^-150 is halfway between two denormals, p * 2^-152 a quarter of the
    # way; c, a multiple of the least denormal, moves the result along
    for scale in (-150, -152):
        da, db = odd_products(np.full(n, scale), 1)
        triples.append((da, db, rng.integers(-3, 4, da.size) * 2.0**-149))
    big = np.float32(np.finfo(np.float32).max)
    overflow_tie = (np.float32(18631 * 2.0**60), np.float32(1801 * 2.0**43))  # (2^25 - 1) * 2^103
    triples.append((np.full(4, overflow_tie[0]), np.full(4, overflow_tie[1]), np.float32([0, -(2.0**80), 1, -1])))
    triples.append((np.full(n, big), floats(0, 1), floats(100, 128)))
    triples.append((floats(-149, -126), floats(-10, 10), floats(-149, -100)))  # denormal a
    special = np.float32([0.0, -0.0, 1.0, -1.0, np.inf, -np.inf, np.nan, 2.0**-149, big])
    grid = np.array(np.meshgrid(special, special, special)).reshape(3, -1)
    triples.append((grid[0], grid[1], grid[2]))
    a, b, c = (np.concatenate([np.asarray(t[i], np.float32) for t in triples]) for i in range(3))
    return a, b, c


def test_numpy_fma_is_correctly_rounded() -> None:
    """NumpyOps.fma equals the exactly computed a*b + c rounded once, bit for bit."""
    a, b, c = fma_cases(np.random.default_rng(0))
    with np.errstate(all="ignore"):
        got = NumpyOps().fma(a, b, c)
        want = np.array([exact_fma(*t) for t in zip(a, b, c)], np.float32)
    same = (got.view(np.int32) == want.view(np.int32)) | (np.isnan(got) & np.isnan(want))
    bad = np.flatnonzero(~same)[:5]
    assert same.all(), [f"fma({a[i]!r}, {b[i]!r}, {c[i]!r}) = {got[i]!r}, want {want[i]!r}" for i in bad]


@needs_host
@pytest.mark.parametrize("op_type", list(CASES))
def test_kernel_vectorizes(tmp_path: Path, op_type: str) -> None:
    """With the pass, clang -O3 vectorises a 1x1024 kernel (without it, it calls libm per element)."""
    _, ll = compile_with_pass(make_node_model(op_type, [("x", (1, 1024))]), tmp_path, kinds=())
    clang = find_clang()
    if clang.is_zig:
        pytest.skip("checks clang's -emit-llvm output; zig's clang takes other target flags")
    target = resolve_target("native")
    optimized = tmp_path / "optimized.ll"
    command = [*clang.command, f"--target={target.triple}", *target.clang_cpu_flags, "-O3", "-S", "-emit-llvm"]
    subprocess.run([*command, str(ll), "-o", str(optimized)], check=True, capture_output=True)
    text = optimized.read_text()
    assert not re.search(r"call .*@(expf|tanhf|erff|llvm\.exp\.f32)\(", text)
    widths = {int(n) for n in re.findall(r"fmul <(\d+) x float>", text)}
    assert widths and max(widths) >= 4, f"the {op_type} kernel was not vectorised"  # (its remainder may be 2-wide)


def test_only_enabled_f32_ops_are_expanded() -> None:
    """f64 (and any non-f32) math ops stay, and so do the kinds not named in `ops`."""
    source = """func.func @f(%a: f32, %b: f64, %c: f32) -> (f32, f64, f32) {
      %x = math.exp %a : f32
      %y = math.exp %b : f64
      %z = math.tanh %c : f32
      func.return %x, %y, %z : f32, f64, f32
    }"""
    module = Parser(make_context(), source).parse_module()
    ApproximateMathPass(ops="exp").apply(make_context(), module)
    module.verify()
    names = [op.name for op in module.walk()]
    assert names.count("math.exp") == 1 and names.count("math.tanh") == 1
    assert "math.floor" in names and "arith.bitcast" in names
    ApproximateMathPass().apply(make_context(), module)
    names = [op.name for op in module.walk()]
    assert names.count("math.exp") == 1 and "math.tanh" not in names  # the f64 exp remains


def test_unknown_op_name_is_an_error() -> None:
    with pytest.raises(OptFuseError, match=r"unknown op 'sin'.*valid names: exp, tanh, erf"):
        ApproximateMathPass(ops="exp,sin")
    ApproximateMathPass(ops=" exp , tanh ")  # spaces around the names are fine
    ApproximateMathPass(ops="")  # and no name at all: the pass does nothing
