"""`approximate-math`: expand f32 `math.exp`, `math.tanh` and `math.erf` into plain arithmetic.

    opt-fuse kernel.mlir -p 'lower-to-loops,approximate-math'
    opt-fuse kernel.mlir -p 'lower-to-loops,approximate-math{ops="exp,tanh"}'

Why: emit-llvm turns these ops into calls (`llvm.exp.f32` becomes libm's `expf`;
`tanhf`, `erff`), and clang's loop vectoriser cannot vectorise a loop that calls
a scalar libm function, so a fused elementwise kernel with a sigmoid or a tanh
stays scalar. This pass (MLIR's `math-polynomial-approximation`, our version)
replaces each op by straight-line arith: mulf/addf/divf, `math.fma`,
maxnumf/minnumf clamps, cmpf + select, fptosi, integer add/sub/shifts, a bitcast
i32 -> f32, and `math.floor` / `math.absf` (LLVM intrinsics that vectorise). Ops
on other types are left alone, as are the functions not named in `ops`.

The three approximations (x is the input; every step is one f32 IEEE operation,
and emit-llvm emits no fast-math flags, so the native code computes exactly what
`NumpyOps` computes below). Each product that feeds a sum is one `math.fma`
(a*b + c rounded once: `llvm.fma`, one instruction on every target, since
x86-64-v3 and aarch64 have FMA): that halves the instructions of the polynomials,
the bulk of a fused kernel with a sigmoid or a tanh, and rounds less.

- exp (Cephes `expf`): clamp x to [-104, 88.8]; n = floor(fma(x, log2(e), 0.5));
  r = fma(n, -C2, fma(n, -C1, x)) with Cephes' split ln 2 = C1 + C2 (the inner
  fma is exact; one fma with float32(ln 2) would lose up to 3e-7 relative near
  |x| = 88); a degree-5 polynomial p(r) by Horner's rule (one fma per
  coefficient), exp(r) ~= fma(p(r), r*r, r) + 1; then the result is scaled by
  2^n as two factors 2^(n>>1) and 2^(n - (n>>1)), each built as
  bitcast((k + 127) << 23). So large inputs overflow to +inf by themselves
  (from 88.72284 on, as the correctly rounded exp) and small ones round to
  denormals and then to 0 (below -103.97208, as well), with no extra selects.
- tanh (Eigen's `ptanh_float` rational function): clamp x to [-9, 9];
  tanh(x) ~= x * (P(x^2) / Q(x^2)), P of degree 6 (the odd numerator of degree 13
  divided by x) and Q of degree 3 in x^2, both by Horner's rule; the result is
  clamped to [-1, 1] (between 8 and 9 the rational function reaches 1 + 2 ulp),
  and for |x| < 0.0004 the result is x itself. Eigen clamps x at 7.9988, which
  gives tanh(+inf) = 0.9999998; clamping at 9 (where tanh rounds to 1.0f) and
  clamping the result gives exactly +-1 for large |x|, with no larger error.
- erf (Eigen's `generic_fast_erf_float`): clamp x to [-4, 4]; erf(x) ~=
  x * (P(x^2) / Q(x^2)), P of degree 6 and Q of degree 4 in x^2 (Horner), the
  result clamped to [-1, 1] (it reaches 1 + 2 ulp between 3.6 and 4). Multiplying
  x by the quotient (Eigen computes (x*P)/Q) avoids a denormal intermediate for
  |x| < 1e-37, where Eigen's order loses up to 4e-6 relative.

The coefficients are Eigen's and Cephes', verified numerically as below.
NaN in gives the same NaN out: the clamps are `maxnumf`/`minnumf` with constant
bounds (one `vmaxps`/`vminps` each on x86; they map NaN to a bound, so no NaN
reaches fptosi) and a final `select` returns x when it is NaN (tanh folds that
into its tiny-|x| test: `cmpf ult` is true for NaN). +-inf give exp: inf / 0,
tanh and erf: +-1; -0 stays -0 for tanh and erf.

Measured accuracy, on the f32 formulas evaluated with `NumpyOps` (bit-identical to
the compiled code, which tests/test_approximate_math.py checks) against float64
numpy / `math.erf`: relative error where the float32 reference is a normal number,
absolute error otherwise. Inputs: every 257th float32 bit pattern of both signs
(every 1031st for erf), all floats in [-110, -80] and [80, 110] for exp, in [6, 10]
for tanh, every 3rd float in [2, 4.5] for erf and in [0, 1] for exp, plus +-0,
+-inf, NaN:

    exp:     max relative error 8.5e-8  (at most 1 ulp from the correctly rounded float32, denormals
             included, on every 97th bit pattern with |x| < 120; 99.2% of results are exact)
    tanh:    max relative error 3.0e-7  (= max absolute error, near x = 7.2)
    erf:     max relative error 3.9e-7  (= max absolute error, near x = 3.9)
    sigmoid: max relative error 1.4e-7  (lower-to-loops' 1 / (1 + exp(-x)) with this exp)

well inside the target of 2e-6 relative or 1e-7 absolute error (the numerics tests
compare with onnxruntime at rtol 1e-4, atol 1e-5).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from xdsl.context import Context
from xdsl.dialects import arith, math
from xdsl.dialects.builtin import Float32Type, FloatAttr, IntegerAttr, ModuleOp, f32, i32
from xdsl.ir import Operation, SSAValue
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import (
    GreedyRewritePatternApplier,
    PatternRewriter,
    PatternRewriteWalker,
    RewritePattern,
)

from compiler.errors import OptFuseError

# --------------------------------------------------------------------------- constants

EXP_LO, EXP_HI = -104.0, 88.8
"""exp's input clamp: below -104 the result rounds to 0, above 88.8 (n = 128) to +inf."""
LOG2E = 1.44269504088896341
EXP_C1, EXP_C2 = 0.693359375, -2.12194440e-4
"""ln 2 = C1 + C2 within 2e-12; C1 has 9 significant bits, so x - n*C1 is exact (checked for
every float32 x in the clamp range)."""
EXP_P = (1.9875691500e-4, 1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1)
"""Cephes expf: exp(r) ~= 1 + r + r^2 * P(r) on [-ln2/2, ln2/2], highest degree first."""

TANH_CLAMP = 9.0
TANH_TINY = 0.0004
TANH_P = (
    -2.76076847742355e-16, 2.00018790482477e-13, -8.60467152213735e-11, 5.12229709037114e-08,
    1.48572235717979e-05, 6.37261928875436e-04, 4.89352455891786e-03,
)  # fmt: skip
"""Eigen ptanh_float numerator alpha_13 .. alpha_1, as a polynomial in x^2 (times x)."""
TANH_Q = (1.19825839466702e-06, 1.18534705686654e-04, 2.26843463243900e-03, 4.89352518554385e-03)
"""Eigen ptanh_float denominator beta_6 .. beta_0, in x^2."""

ERF_CLAMP = 4.0
ERF_P = (
    -2.72614225801306e-10, 2.77068142495902e-08, -2.10102402082508e-06, -5.69250639462346e-05,
    -7.34990630326855e-04, -2.95459980854025e-03, -1.60960333262415e-02,
)  # fmt: skip
"""Eigen generic_fast_erf_float numerator alpha_13 .. alpha_1, in x^2 (times x)."""
ERF_Q = (
    -1.45660718464996e-05, -2.13374055278905e-04, -1.68282697438203e-03, -7.37332916720468e-03,
    -1.42647390514189e-02,
)  # fmt: skip
"""Eigen generic_fast_erf_float denominator beta_8 .. beta_0, in x^2."""


# --------------------------------------------------------------------------- the formulas

# Each approximation is written once against a tiny instruction set (`ops`), so the same
# code builds the IR (`IRBuilder`) and evaluates it on numpy float32 arrays (`NumpyOps`).


def _horner(ops: Any, x: Any, coefficients: Sequence[float]) -> Any:
    result = ops.const(coefficients[0])
    for c in coefficients[1:]:
        result = ops.fma(result, x, ops.const(c))
    return result


def _clamp(ops: Any, x: Any, bound: float) -> Any:
    return ops.minnum(ops.maxnum(x, ops.const(-bound)), ops.const(bound))


def _pow2(ops: Any, k: Any) -> Any:
    """2^k for an i32 k in [-126, 127]: the bits of a float with exponent field k + 127."""
    return ops.bitcast_f32(ops.shli(ops.addi(k, ops.iconst(127)), ops.iconst(23)))


def approximate_exp(ops: Any, x: Any) -> Any:
    clamped = ops.minnum(ops.maxnum(x, ops.const(EXP_LO)), ops.const(EXP_HI))
    n = ops.floor(ops.fma(clamped, ops.const(LOG2E), ops.const(0.5)))
    r = ops.fma(n, ops.const(-EXP_C1), clamped)
    r = ops.fma(n, ops.const(-EXP_C2), r)
    y = _horner(ops, r, EXP_P)
    y = ops.add(ops.fma(y, ops.mul(r, r), r), ops.const(1.0))
    k = ops.fptosi(n)  # in [-150, 128]: both halves below are normal exponents
    k_low = ops.shrsi(k, ops.iconst(1))
    k_high = ops.subi(k, k_low)
    y = ops.mul(ops.mul(y, _pow2(ops, k_low)), _pow2(ops, k_high))
    return ops.select(ops.isnan(x), x, y)


def approximate_tanh(ops: Any, x: Any) -> Any:
    clamped = _clamp(ops, x, TANH_CLAMP)
    square = ops.mul(clamped, clamped)
    y = ops.mul(clamped, ops.div(_horner(ops, square, TANH_P), _horner(ops, square, TANH_Q)))
    y = _clamp(ops, y, 1.0)
    # `ult` is also true for NaN: tiny or NaN -> x itself.
    return ops.select(ops.ult(ops.abs(x), ops.const(TANH_TINY)), x, y)


def approximate_erf(ops: Any, x: Any) -> Any:
    clamped = _clamp(ops, x, ERF_CLAMP)
    square = ops.mul(clamped, clamped)
    y = ops.mul(clamped, ops.div(_horner(ops, square, ERF_P), _horner(ops, square, ERF_Q)))
    y = _clamp(ops, y, 1.0)
    return ops.select(ops.isnan(x), x, y)


APPROXIMATIONS: dict[str, tuple[type[Operation], Callable[[Any, Any], Any]]] = {
    "exp": (math.ExpOp, approximate_exp),
    "tanh": (math.TanhOp, approximate_tanh),
    "erf": (math.ErfOp, approximate_erf),
}
"""Option name -> (the math op it replaces, the formula)."""


# --------------------------------------------------------------------------- two interpreters


class IRBuilder:
    """Builds the formulas as arith/math ops on f32 (i32 for the exponent), collected in `ops`.

    Constants are made once per expansion; the pattern puts them before the computation.
    emit-llvm prints them as literals, so where they sit costs nothing.
    """

    def __init__(self) -> None:
        self.ops: list[Operation] = []
        self._constants: dict[tuple[float | int, str], SSAValue] = {}

    def _add(self, op: Operation) -> SSAValue:
        self.ops.append(op)
        return op.results[0]

    def const(self, value: float) -> SSAValue:
        key = (float(np.float32(value)), "f32")
        if key not in self._constants:
            self._constants[key] = self._add(arith.ConstantOp(FloatAttr(key[0], f32)))
        return self._constants[key]

    def iconst(self, value: int) -> SSAValue:
        key = (value, "i32")
        if key not in self._constants:
            self._constants[key] = self._add(arith.ConstantOp(IntegerAttr(value, i32)))
        return self._constants[key]

    def add(self, a: SSAValue, b: SSAValue) -> SSAValue:
        return self._add(arith.AddfOp(a, b))

    def mul(self, a: SSAValue, b: SSAValue) -> SSAValue:
        return self._add(arith.MulfOp(a, b))

    def div(self, a: SSAValue, b: SSAValue) -> SSAValue:
        return self._add(arith.DivfOp(a, b))

    def fma(self, a: SSAValue, b: SSAValue, c: SSAValue) -> SSAValue:
        return self._add(math.FmaOp(a, b, c))

    def maxnum(self, a: SSAValue, b: SSAValue) -> SSAValue:
        return self._add(arith.MaxnumfOp(a, b))

    def minnum(self, a: SSAValue, b: SSAValue) -> SSAValue:
        return self._add(arith.MinnumfOp(a, b))

    def floor(self, a: SSAValue) -> SSAValue:
        return self._add(math.FloorOp(a))

    def abs(self, a: SSAValue) -> SSAValue:
        return self._add(math.AbsFOp(a))

    def fptosi(self, a: SSAValue) -> SSAValue:
        return self._add(arith.FPToSIOp(a, i32))

    def addi(self, a: SSAValue, b: SSAValue) -> SSAValue:
        return self._add(arith.AddiOp(a, b))

    def subi(self, a: SSAValue, b: SSAValue) -> SSAValue:
        return self._add(arith.SubiOp(a, b))

    def shli(self, a: SSAValue, b: SSAValue) -> SSAValue:
        return self._add(arith.ShLIOp(a, b))

    def shrsi(self, a: SSAValue, b: SSAValue) -> SSAValue:
        return self._add(arith.ShRSIOp(a, b))

    def bitcast_f32(self, a: SSAValue) -> SSAValue:
        return self._add(arith.BitcastOp(a, f32))

    def isnan(self, a: SSAValue) -> SSAValue:
        return self._add(arith.CmpfOp(a, a, "uno"))

    def ult(self, a: SSAValue, b: SSAValue) -> SSAValue:
        return self._add(arith.CmpfOp(a, b, "ult"))

    def select(self, cond: SSAValue, a: SSAValue, b: SSAValue) -> SSAValue:
        return self._add(arith.SelectOp(cond, a, b))


class NumpyOps:
    """The same instructions on numpy float32 / int32 arrays, with the IR's IEEE semantics.

    `approximate_tanh(NumpyOps(), x)` is bit for bit what the compiled kernel computes
    (no fast-math, and `fma` correctly rounded like `llvm.fma`): the model behind the
    accuracy figures above.
    """

    def const(self, value: float) -> np.float32:
        return np.float32(value)

    def iconst(self, value: int) -> np.int32:
        return np.int32(value)

    def add(self, a: Any, b: Any) -> Any:
        return np.add(a, b, dtype=np.float32)

    def mul(self, a: Any, b: Any) -> Any:
        return np.multiply(a, b, dtype=np.float32)

    def div(self, a: Any, b: Any) -> Any:
        return np.divide(a, b, dtype=np.float32)

    def fma(self, a: Any, b: Any, c: Any) -> Any:
        """a*b + c rounded once to float32, like `llvm.fma` (numpy has no fma).

        In float64, a*b is exact (24 + 24 significant bits) and Knuth's TwoSum gives the
        exact error of adding c. Rounding that sum to odd (an inexact sum with an even last
        bit moves one ulp toward the exact value) keeps enough of it that the cast to float32
        rounds a*b + c correctly (53 >= 24 + 2 bits), denormal and overflowing results
        included; tests/test_approximate_math.py checks it against exact rationals.
        """
        product = np.multiply(a, b, dtype=np.float64)
        total = np.add(product, c, dtype=np.float64)
        with np.errstate(invalid="ignore"):  # the error is NaN where an operand is infinite
            back = total - product
            error = (product - (total - back)) + (np.asarray(c, np.float64) - back)
        even = (np.asarray(total).view(np.int64) & 1) == 0
        inexact = np.isfinite(error) & (error != 0)
        to_odd = np.where(inexact & even, np.nextafter(total, np.copysign(np.inf, error)), total)
        return to_odd.astype(np.float32)

    def maxnum(self, a: Any, b: Any) -> Any:
        return np.fmax(a, b, dtype=np.float32)

    def minnum(self, a: Any, b: Any) -> Any:
        return np.fmin(a, b, dtype=np.float32)

    def floor(self, a: Any) -> Any:
        return np.floor(a, dtype=np.float32)

    def abs(self, a: Any) -> Any:
        return np.abs(a, dtype=np.float32)

    def fptosi(self, a: Any) -> Any:
        return np.asarray(a).astype(np.int32)  # only ever called on finite, in-range values

    def addi(self, a: Any, b: Any) -> Any:
        return np.add(a, b, dtype=np.int32)

    def subi(self, a: Any, b: Any) -> Any:
        return np.subtract(a, b, dtype=np.int32)

    def shli(self, a: Any, b: Any) -> Any:
        return np.left_shift(a, b, dtype=np.int32)

    def shrsi(self, a: Any, b: Any) -> Any:
        return np.right_shift(a, b, dtype=np.int32)

    def bitcast_f32(self, a: Any) -> Any:
        return np.asarray(a, dtype=np.int32).view(np.float32)

    def isnan(self, a: Any) -> Any:
        return np.isnan(a)

    def ult(self, a: Any, b: Any) -> Any:
        return ~(np.asarray(a) >= b)

    def select(self, cond: Any, a: Any, b: Any) -> Any:
        return np.where(cond, a, b).astype(np.float32)


# --------------------------------------------------------------------------- the pass


class ExpandMathOp(RewritePattern):
    """Replaces each enabled f32 math op by its approximation, built before it."""

    def __init__(self, enabled: Sequence[str]):
        self.formulas = {APPROXIMATIONS[name][0]: APPROXIMATIONS[name][1] for name in enabled}

    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter) -> None:
        formula = self.formulas.get(type(op))
        if formula is None or not isinstance(op.results[0].type, Float32Type):
            return
        builder = IRBuilder()
        result = formula(builder, op.operands[0])
        result.name_hint = op.results[0].name_hint
        constants = [o for o in builder.ops if isinstance(o, arith.ConstantOp)]
        computation = [o for o in builder.ops if not isinstance(o, arith.ConstantOp)]
        rewriter.replace(op, constants + computation, [result])


def parse_ops(text: str) -> tuple[str, ...]:
    """The comma-separated names of the `ops` option; an unknown name is an error."""
    names = tuple(name.strip() for name in text.split(",") if name.strip())
    unknown = [name for name in names if name not in APPROXIMATIONS]
    if unknown:
        raise OptFuseError(
            f"approximate-math: unknown op '{unknown[0]}' in ops=\"{text}\"; valid names: {', '.join(APPROXIMATIONS)}"
        )
    return names


@dataclass(frozen=True)
class ApproximateMathPass(ModulePass):
    """Expand f32 math.exp, math.tanh and math.erf into arithmetic that clang can vectorise.

    The methods and their measured errors are in the module docstring. `ops` is a
    comma-separated list of the functions to expand (quote it in a pipeline:
    `approximate-math{ops="exp,tanh"}`); the others stay calls.
    """

    name = "approximate-math"

    ops: str = "exp,tanh,erf"

    def __post_init__(self) -> None:
        parse_ops(self.ops)  # report a bad name when the pipeline is built, before any pass runs

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        enabled = parse_ops(self.ops)
        if not enabled:
            return
        walker = PatternRewriteWalker(
            GreedyRewritePatternApplier([ExpandMathOp(enabled)], dce_enabled=False), apply_recursively=False
        )
        walker.rewrite_module(op)
