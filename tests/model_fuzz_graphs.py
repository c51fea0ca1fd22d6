"""A hypothesis strategy for random whole models: float32 ONNX graphs (opset 20) drawn from every
op opt-fuse imports, with random shapes, attributes and broadcasting, for NNSmith-style
differential testing against onnxruntime (tests/test_model_fuzz.py).

It extends the fusion fuzzer's builder (fusion_fuzz_graphs.py: values with intervals, diamonds,
several consumers, intermediate outputs) with the rest of the importer's ops: the unary and
parametric activations, variadic Sum/Mean/Max/Min, Pow, PRelu, MatMul, Gemm, Conv (groups,
strides, dilations, pads, auto_pad), the pools, LRN, the three normalizations, Slice, Split,
Gather, Squeeze/Unsqueeze, Expand, Tile, Resize, DepthToSpace/SpaceToDepth, every reduction,
LogSoftmax, Cast/CastLike, Identity/Dropout and Constant nodes for integer parameters; and the
"typed" family, whose ops keep the graph's values float32 at their boundary but compute through
int64/int32/int8/uint8/bool tensors inside: comparisons and And/Or/Xor/Not feeding Where, Casts to
ints (then integer Add/Sub/Mul/Max/Min/Abs/Neg/Sign) or bools and back, Gather with indices
computed at run time, Range, CumSum, TopK (its indices too), OneHot, QuantizeLinear ->
DequantizeLinear and LpNormalization.

Every drawn op is in MODEL_OPS; `test_model_generator_covers_every_op` checks that together they
are every op the importer registers except NOT_DRAWN (each with its reason).

Values stay finite and well conditioned as in the fusion fuzzer: an op whose result could pass
MAX_ABS gets its input squashed with Tanh first, weights are scaled by 1/sqrt(fan-in), and ops
that need a positive argument (Pow's base, Reciprocal, ReduceLogSum) read Sigmoid(x) + 0.5.

Typed ops make discontinuous decisions (a comparison, Floor or a truncating Cast to int, the rounding
of QuantizeLinear, TopK's order of near ties): a value one ulp apart in onnxruntime and opt-fuse (Tanh,
Exp, a sum in another order) could decide the other way and change the result by far more than the
tolerance. So the builder tracks *exact* values, equal bit for bit in every implementation: graph
inputs, initializers, and results of exact ops (data movement, Relu/Neg/Abs/Floor/Ceil/Sign, Max/Min,
Clip, Max reductions and pools, Where, casts) of exact values. A decision reads `x` if it is exact,
else an exact value (or a new graph input) that broadcasts with it; the float data flowing through
(Where's branches, Gather's table, CumSum's and LpNormalization's input) can be any value. The one
inexact decision is run-time Gather and OneHot indices, Floor(Sigmoid(s) * (d - 1e-3)) on few elements:
Sigmoid's ~1e-7 error flips an index with probability ~1e-6 per element.
"""

from __future__ import annotations

import math

import fusion_fuzz_graphs as fusion
import numpy as np
from fusion_fuzz_graphs import MAX_ABS, MAX_DIM, MAX_ELEMENTS, FuzzGraph, Value
from hypothesis import strategies as st
from onnx import TensorProto, helper, numpy_helper

OPSET = 20  # Gelu is an opset-20 op; reductions take axes as an input from 18
MIN_NODES, MAX_NODES = 1, 8
MAX_RANK = 5

# op -> its interval function on float64 arrays (sampled over the input's interval) and its attributes' draws
ACTIVATIONS = ("Abs", "Floor", "Ceil", "Sign", "Softplus", "Softsign", "Mish", "HardSwish", "LeakyRelu",
               "ThresholdedRelu", "Elu", "Celu", "Selu", "HardSigmoid", "Gelu")
PASS_THROUGH = ("Identity", "Dropout", "Cast", "CastLike")
VARIADIC = ("Sum", "Mean", "Max", "Min")
CONTRACTIONS = ("MatMul", "Gemm", "Conv")
WINDOWS = ("MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool", "LRN")
NORMALIZATIONS = ("BatchNormalization", "LayerNormalization", "InstanceNormalization")
MOVEMENT = ("Slice", "Split", "Gather", "Squeeze", "Unsqueeze", "Expand", "Tile", "Resize", "DepthToSpace",
            "SpaceToDepth")
REDUCTIONS = ("ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1", "ReduceL2",
              "ReduceSumSquare", "ReduceLogSum", "ReduceLogSumExp")
COMPARISONS = ("Less", "LessOrEqual", "Greater", "GreaterOrEqual", "Equal")
LOGIC = ("And", "Or", "Xor", "Not")
# Cast, CastLike and Gather are drawn in two families: float to float and constant indices in
# "elementwise" and "injective", through ints or bools and indices computed at run time in "typed".
TYPED = COMPARISONS + LOGIC + ("Where", "Cast", "CastLike", "Gather", "Range", "CumSum", "TopK", "OneHot",
                               "QuantizeLinear", "DequantizeLinear", "LpNormalization")
INT_ARITHMETIC = ("Add", "Sub", "Mul", "Max", "Min", "Abs", "Neg", "Sign")
# Ops whose result is exact (bit for bit the same everywhere) when their float inputs are.
EXACT_OPS = frozenset(("Relu", "Neg", "Abs", "Floor", "Ceil", "Sign", "Max", "Min", "Clip", "Identity", "Dropout",
                       "Cast", "CastLike", "Transpose", "Reshape", "Flatten", "Concat", "Pad", "Slice", "Split",
                       "Gather", "Squeeze", "Unsqueeze", "Expand", "Tile", "DepthToSpace", "SpaceToDepth",
                       "ReduceMax", "ReduceMin", "MaxPool", "GlobalMaxPool", "Where", "TopK", "OneHot")
                      + COMPARISONS + LOGIC)
# A step draws a family, then an op in it, so the few contractions are drawn as often as the many
# activations. Simplest first: hypothesis shrinks a draw towards the front.
FAMILIES = {
    "elementwise": fusion.ELEMENTWISE + ACTIVATIONS + PASS_THROUGH + ("Reciprocal",),
    "binary": fusion.BINARY + ("Pow", "PRelu") + VARIADIC,
    "injective": fusion.INJECTIVE + MOVEMENT,
    "reduction": fusion.REDUCTION + REDUCTIONS[3:] + ("LogSoftmax",),
    "contraction": CONTRACTIONS,
    "window": WINDOWS,
    "normalization": NORMALIZATIONS,
    "typed": TYPED,
}
MODEL_OPS = tuple(dict.fromkeys(op for ops in FAMILIES.values() for op in ops))
# Registered ops the generator does not draw, and why.
NOT_DRAWN = {
    "Upsample": "deprecated since opset 10; its import is Resize's (tests/test_ops.py covers it at opset 9)",
    "Constant": "drawn as a parameter source (Reshape's shape, Slice's starts, ...), not as a main op",
}


def _sampled_range(f, lo: float, hi: float) -> tuple[float, float]:
    """A slightly widened range of `f` over [lo, hi], from 4097 samples (the functions are piecewise smooth)."""
    values = f(np.concatenate([np.linspace(lo, hi, 4097), [0.0] if lo < 0 < hi else []]))
    low, high = float(values.min()), float(values.max())
    margin = 1e-3 * (1 + max(abs(low), abs(high)))
    return low - margin, high + margin


def _gelu(x, tanh: bool):
    if tanh:
        return 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3)))
    return 0.5 * x * (1 + np.vectorize(math.erf)(x / math.sqrt(2)))


def _divisors(n: int) -> list[int]:
    return [d for d in range(1, n + 1) if n % d == 0]


class _ModelBuilder(fusion._Builder):
    opset = OPSET

    def __init__(self, draw) -> None:
        super().__init__(draw)
        self.permutation_rng = np.random.default_rng([self.data_seed, draw(st.integers(0, 2**16), label="op order seed")])
        self.permutations: dict[tuple[str, ...], np.ndarray] = {}
        self.exact: set[str] = set()  # values equal bit for bit in every implementation (initializers too)

    # -- exact values ---------------------------------------------------------------

    def is_exact(self, name: str) -> bool:
        return name == "" or name in self.exact or name in self.inits

    def new_input(self, shape: tuple[int, ...]) -> Value:
        value = super().new_input(shape)
        self.exact.add(value.name)
        return value

    def emit(self, op: str, inputs: list[str], shape: tuple[int, ...], lo: float, hi: float, main: bool = True,
             exact: bool | None = None, **attrs) -> Value:
        """`exact`: whether the result is exact; by default, if `op` is in EXACT_OPS and its inputs are exact."""
        value = super().emit(op, inputs, shape, lo, hi, main, **attrs)
        if exact if exact is not None else op in EXACT_OPS and all(self.is_exact(i) for i in inputs):
            self.exact.add(value.name)
        return value

    # -- parameters and helpers -------------------------------------------------

    def int_initializer(self, prefix: str, values: list[int]) -> str:
        """An int64 parameter: an initializer, or one time in four a Constant node."""
        if self.integer(0, 3):
            return super().int_initializer(prefix, values)
        name = self.fresh(prefix)
        self.features.add("constant-node")
        if values and self.boolean():  # value_ints cannot be empty (its type is inferred from an element)
            self.nodes.append(helper.make_node("Constant", [], [name], value_ints=values))
        else:
            array = np.array(values, dtype=np.int64)
            self.nodes.append(helper.make_node("Constant", [], [name], value=numpy_helper.from_array(array)))
        self.exact.add(name)
        return name

    def dim(self) -> int:
        """Mostly 1..MAX_DIM; one in six up to 40, past a vector's width (8 floats on AVX2, 4 on NEON),
        so vector loops run their main part and their remainder."""
        return self.integer(MAX_DIM + 1, 40) if self.integer(0, 5) == 0 else super().dim()

    def spread_choice(self, options: tuple[str, ...]) -> str:
        """One of `options`, each about as likely over many graphs. Hypothesis draws some integers (the
        ends of a range, values it copies within an example) far more often than others, so the drawn
        index goes through a permutation of `options` made once per graph from the seeded generator:
        shrinking still moves towards one fixed op, and no op is favoured across graphs."""
        if options not in self.permutations:
            self.permutations[options] = self.permutation_rng.permutation(len(options))
        return options[self.permutations[options][self.integer(0, len(options) - 1)]]

    def float_initializer(self, data: np.ndarray) -> str:
        name = self.fresh("w")
        self.inits[name] = np.asarray(data, dtype=np.float32)
        return name

    def weight(self, shape: tuple[int, ...], fan_in: int) -> np.ndarray:
        return (self.rng.standard_normal(shape) / math.sqrt(max(fan_in, 1))).astype(np.float32)

    def uniform(self, lo: float, hi: float) -> float:
        return float(np.float32(self.rng.uniform(lo, hi)))

    def bounded(self, x: Value, limit: float) -> Value:
        """`x`, squashed into [-1, 1] first if |x| could pass `limit`."""
        return self.squash(x) if x.max_abs > limit else x

    def positive(self, x: Value) -> Value:
        """Sigmoid(x) + 0.5, in [0.5, 1.5]: an argument for Pow's base, Reciprocal and ReduceLogSum."""
        s = self.sigmoid(x if x.lo >= -6 else self.squash(x))
        return self.emit("Add", [s.name, self.scalar_initializer(0.5)], s.shape, s.lo + 0.5, s.hi + 0.5, main=False)

    def as_rank(self, x: Value, rank: int) -> Value:
        """`x` reshaped (a helper Reshape) to `rank` dims whose product is its size."""
        if x.rank == rank:
            return x
        dims = [1] * rank
        n = x.size
        for p in range(2, n + 1):
            while n % p == 0:
                dims[self.integer(0, rank - 1)] *= p
                n //= p
            if n == 1:
                break
        return self.emit("Reshape", [x.name, self.int_initializer("shape", dims)], tuple(dims), x.lo, x.hi, main=False)

    def unidirectional_shape(self, shape: tuple[int, ...]) -> tuple[int, ...]:
        """A shape that broadcasts to `shape` without growing it (PRelu's slope, a normalization's scale)."""
        rank = self.integer(0, len(shape))
        return tuple(d if self.boolean() else 1 for d in shape[len(shape) - rank:])

    def emit_many(self, op: str, inputs: list[str], shapes: list[tuple[int, ...]], lo: float, hi: float,
                  **attrs) -> list[Value]:
        names = [self.fresh("v") for _ in shapes]
        self.nodes.append(helper.make_node(op, inputs, names, **attrs))
        self.consumed.update(inputs)
        self.ops[op] += 1
        values = [Value(n, tuple(s), lo, hi, is_node=True) for n, s in zip(names, shapes)]
        self.values.extend(values)
        if op in EXACT_OPS and all(self.is_exact(i) for i in inputs):
            self.exact.update(names)
        for v in values:
            self.note_shape(v.shape)
        return values

    # -- elementwise ----------------------------------------------------------------

    def activation(self, op: str, x: Value) -> Value:
        attrs: dict[str, object] = {}
        if op in ("LeakyRelu", "Elu", "Celu", "ThresholdedRelu") and self.boolean():
            attrs["alpha"] = self.uniform(0.05, 2.0)
        if op == "Selu" and self.boolean():
            attrs.update(alpha=self.uniform(0.5, 2.0), gamma=self.uniform(0.5, 2.0))
        if op == "HardSigmoid" and self.boolean():
            attrs.update(alpha=self.uniform(0.05, 1.0), beta=self.uniform(0.0, 1.0))
        if op == "Gelu" and self.boolean():
            attrs["approximate"] = "tanh"

        def a(name: str, default: float) -> float:
            return float(attrs.get(name, default))  # type: ignore[arg-type]

        functions = {
            "Abs": np.abs, "Floor": np.floor, "Ceil": np.ceil, "Sign": np.sign,
            "Softplus": lambda t: np.logaddexp(0, t), "Softsign": lambda t: t / (1 + np.abs(t)),
            "Mish": lambda t: t * np.tanh(np.logaddexp(0, t)),
            "HardSwish": lambda t: t * np.clip(t / 6 + 0.5, 0, 1),
            "LeakyRelu": lambda t: np.where(t < 0, a("alpha", 0.01) * t, t),
            "ThresholdedRelu": lambda t: np.where(t > a("alpha", 1.0), t, 0.0),
            "Elu": lambda t: np.where(t < 0, a("alpha", 1.0) * np.expm1(np.minimum(t, 0)), t),
            "Celu": lambda t: np.maximum(t, 0) + np.minimum(0, a("alpha", 1.0) * np.expm1(np.minimum(t, 0) / a("alpha", 1.0))),
            "Selu": lambda t: a("gamma", 1.0507) * np.where(t <= 0, a("alpha", 1.6733) * np.expm1(np.minimum(t, 0)), t),
            "HardSigmoid": lambda t: np.clip(a("alpha", 0.2) * t + a("beta", 0.5), 0, 1),
            "Gelu": lambda t: _gelu(t, attrs.get("approximate") == "tanh"),
        }
        if op == "Selu" or (op in ("Elu", "Celu") and a("alpha", 1.0) > 1):
            x = self.bounded(x, MAX_ABS / 2.2)
        return self.emit(op, [x.name], x.shape, *_sampled_range(functions[op], x.lo, x.hi), **attrs)

    def pass_through(self, op: str, x: Value) -> Value:
        if op == "Cast":
            return self.emit("Cast", [x.name], x.shape, x.lo, x.hi, to=TensorProto.FLOAT)
        if op == "CastLike":
            like = self.float_initializer(np.zeros((), np.float32))
            return self.emit("CastLike", [x.name, like], x.shape, x.lo, x.hi)
        return self.emit(op, [x.name], x.shape, x.lo, x.hi)

    def reciprocal(self, x: Value) -> Value:
        p = self.positive(x)
        return self.emit("Reciprocal", [p.name], p.shape, 1 / p.hi, 1 / p.lo)

    def pow(self, x: Value) -> Value:
        if self.boolean():  # an integer exponent: any base
            exponent = self.choice([2, 3])
            x = self.bounded(x, MAX_ABS ** (1 / exponent))
            corners = [x.lo**exponent, x.hi**exponent, 0.0 if x.lo < 0 < x.hi else x.lo**exponent]
            self.features.add("pow-integer")
            return self.emit("Pow", [x.name, self.scalar_initializer(float(exponent))], x.shape, min(corners), max(corners))
        base = self.positive(x)  # [0.5, 1.5] to a power in [-3, 3]
        exponent_shape = self.unidirectional_shape(base.shape)
        exponent = self.float_initializer(self.rng.uniform(-3, 3, exponent_shape))
        return self.emit("Pow", [base.name, exponent], base.shape, base.lo**3, base.hi**3)

    def prelu(self, x: Value) -> Value:
        slope = self.float_initializer(self.rng.uniform(-1, 1, self.unidirectional_shape(x.shape)))
        m = x.max_abs
        return self.emit("PRelu", [x.name, slope], x.shape, -m, m)

    def variadic(self, op: str, x: Value) -> Value:
        operands = [x]
        for _ in range(self.integer(0, 2)):
            partner = self.operand_for(x)
            if math.prod(fusion._broadcast(tuple(np.broadcast_shapes(*(v.shape for v in operands))), partner.shape)
                         or (MAX_ELEMENTS + 1,)) <= MAX_ELEMENTS:
                operands.append(partner)
        if len(operands) == 3:
            self.features.add("variadic-3")
        shape = tuple(np.broadcast_shapes(*(v.shape for v in operands)))
        lows, highs = [v.lo for v in operands], [v.hi for v in operands]
        bounds = {"Sum": (sum(lows), sum(highs)), "Mean": (min(lows), max(highs)),
                  "Max": (max(lows), max(highs)), "Min": (min(lows), min(highs))}[op]
        return self.emit(op, [v.name for v in operands], shape, *bounds)

    # -- contractions -------------------------------------------------------------------

    def matmul(self, x: Value) -> Value:
        x = self.bounded(x, 50.0)
        k = x.shape[-1] if x.rank else 1
        if x.rank == 0:
            x = self.as_rank(x, 1)
        partner = [v for v in self.values if v.rank >= 2 and v.shape[-2] == k and v is not x
                   and (x.rank < 2 or fusion._broadcast(x.shape[:-2], v.shape[:-2]) is not None)]
        if partner and self.boolean():
            w = self.bounded(self.pick(partner), 50.0)
            self.features.add("matmul-two-values")
            w_shape, w_name, w_max = w.shape, w.name, w.max_abs
        else:
            batch = [self.choice([1, x.shape[-3]]) if x.rank >= 3 else self.dim()] if self.integer(0, 3) == 0 else []
            w_shape = (*batch, k, self.dim())
            data = self.weight(w_shape, k)
            w_name, w_max = self.float_initializer(data), float(np.abs(data).max())
        batch = fusion._broadcast(x.shape[:-2], w_shape[:-2])
        assert batch is not None, (x.shape, w_shape)
        shape = (*batch, *x.shape[-2:-1], w_shape[-1])  # a 1-D x: [k] @ [..., k, n] is [..., n]
        if math.prod(shape) > MAX_ELEMENTS:
            return self.elementwise("Relu", x)
        m = k * x.max_abs * w_max
        return self.emit("MatMul", [x.name, w_name], shape, -m, m)

    def gemm(self, x: Value) -> Value:
        x = self.bounded(self.as_rank(x, 2), 50.0)
        trans_a, trans_b = self.boolean(), self.boolean()
        rows, k = x.shape[::-1] if trans_a else x.shape
        n = self.dim()
        data = self.weight((n, k) if trans_b else (k, n), k)
        attrs: dict[str, object] = {"transA": int(trans_a), "transB": int(trans_b)}
        alpha = beta = 1.0
        if self.boolean():
            alpha, beta = self.uniform(-2, 2), self.uniform(-2, 2)
            attrs.update(alpha=alpha, beta=beta)
        inputs = [x.name, self.float_initializer(data)]
        m = abs(alpha) * k * x.max_abs * float(np.abs(data).max())
        if self.boolean():
            c = self.rng.standard_normal(self.choice([(n,), (rows, n), (rows, 1), (1, n), ()])).astype(np.float32)
            inputs.append(self.float_initializer(c))
            m += abs(beta) * float(np.abs(c).max())
        return self.emit("Gemm", inputs, (rows, n), -m, m, **attrs)

    def window_geometry(self, size: int, max_kernel: int, pad_below_kernel: bool, dilate: bool):
        """(kernel, stride, dilation, pad begin, pad end) for one spatial axis of `size`, fitting in it."""
        kernel, stride = self.integer(1, max_kernel), self.integer(1, 2)
        dilation = self.integer(1, 2) if dilate else 1
        # pads below the kernel keep a real element in every pooling window, unless dilation skips over
        # it: a window wholly in the padding is a max of nothing (-3.4e38, tests/fuzz_regressions/3c23...)
        limit = (kernel - 1 if dilation == 1 else 0) if pad_below_kernel else 2
        begin, end = self.integer(0, min(limit, 2)), self.integer(0, min(limit, 2))
        if size + begin + end < dilation * (kernel - 1) + 1:
            kernel, dilation = 1, 1
            begin = end = 0
        return kernel, stride, dilation, begin, end

    def spatial(self, x: Value) -> Value:
        return self.as_rank(x, 4)

    def conv(self, x: Value) -> Value:
        x = self.bounded(self.spatial(x), 50.0)
        n, c, h, w = x.shape
        group = self.choice(_divisors(c))
        if group == c and c > 1:
            self.features.add("conv-depthwise")
        out_channels = group * self.integer(1, 3)
        geometry = [self.window_geometry(d, 3, False, True) for d in (h, w)]
        kernel = [g[0] for g in geometry]
        attrs: dict[str, object] = {"kernel_shape": kernel, "strides": [g[1] for g in geometry],
                                    "dilations": [g[2] for g in geometry]}
        auto_pad = self.choice(["NOTSET", "NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID"])
        if auto_pad.startswith("SAME") and attrs["dilations"] != [1, 1]:
            auto_pad = "NOTSET"  # onnxruntime: "Dilation not supported for AutoPadType::SAME_UPPER"
        if auto_pad == "NOTSET":
            attrs["pads"] = [g[3] for g in geometry] + [g[4] for g in geometry]
            out = [(d + g[3] + g[4] - g[2] * (g[0] - 1) - 1) // g[1] + 1 for d, g in zip((h, w), geometry)]
        elif auto_pad == "VALID":
            attrs["auto_pad"] = auto_pad
            out = [(d - g[2] * (g[0] - 1) - 1) // g[1] + 1 for d, g in zip((h, w), geometry)]
        else:
            attrs["auto_pad"] = auto_pad
            out = [-(-d // g[1]) for d, g in zip((h, w), geometry)]
        self.features.add(f"conv-pad-{auto_pad.lower()}")
        if min(out) < 1 or n * out_channels * math.prod(out) > MAX_ELEMENTS:
            return self.elementwise("Tanh", x)
        fan_in = c // group * math.prod(kernel)
        weights = self.weight((out_channels, c // group, *kernel), fan_in)
        inputs = [x.name, self.float_initializer(weights)]
        m = x.max_abs * float(np.abs(weights).reshape(out_channels, -1).sum(axis=1).max())
        if self.boolean():
            bias = self.rng.standard_normal(out_channels).astype(np.float32)
            inputs.append(self.float_initializer(bias))
            m += float(np.abs(bias).max())
        if group > 1:
            attrs["group"] = group
        return self.emit("Conv", inputs, (n, out_channels, *out), -m, m, **attrs)

    # -- windows ------------------------------------------------------------------------

    def pool(self, op: str, x: Value) -> Value:
        x = self.spatial(x)
        n, c, h, w = x.shape
        if op.startswith("Global"):
            return self.emit(op, [x.name], (n, c, 1, 1), x.lo, x.hi)
        if op == "LRN":
            size = self.choice([1, 3, 5])
            attrs = {"size": size, "alpha": self.uniform(1e-4, 1e-2), "beta": self.uniform(0.5, 1.0),
                     "bias": self.uniform(1.0, 2.0)}
            return self.emit("LRN", [x.name], x.shape, min(x.lo, 0.0), max(x.hi, 0.0), **attrs)
        geometry = [self.window_geometry(d, 3, True, op == "MaxPool") for d in (h, w)]
        spans = [(d + b + e - dil * (k - 1) - 1, s, d + b) for d, (k, s, dil, b, e) in zip((h, w), geometry)]
        ceil_mode = self.boolean()
        if ceil_mode and any((-(-span // s)) * s >= inside for span, s, inside in spans):
            # a last window that would start in the right pad: onnxruntime drops it, ONNX's shape
            # inference (1.23) does not, so such a model does not even build
            ceil_mode = False
        out = [(-(-span // s) if ceil_mode else span // s) + 1 for span, s, _ in spans]
        attrs = {"kernel_shape": [g[0] for g in geometry], "strides": [g[1] for g in geometry],
                 "pads": [g[3] for g in geometry] + [g[4] for g in geometry], "ceil_mode": int(ceil_mode)}
        if ceil_mode:
            self.features.add("pool-ceil-mode")
        lo, hi = x.lo, x.hi
        if op == "MaxPool":
            attrs["dilations"] = [g[2] for g in geometry]
        elif self.boolean():
            attrs["count_include_pad"] = 1
            lo, hi = min(lo, 0.0), max(hi, 0.0)
        return self.emit(op, [x.name], (n, c, *out), lo, hi, **attrs)

    # -- normalizations ------------------------------------------------------------------

    def normalization(self, op: str, x: Value) -> Value:
        """Layer and instance normalization amplify rounding by |x| / sqrt(variance + epsilon): on a group
        of equal values (one element, a broadcast, saturated Tanh) onnxruntime's own result is off by up to
        |x| * 6e-8 / sqrt(epsilon) (2.5e-5 for x = 160, epsilon = 5e-5), past the tolerance though opt-fuse
        gives the exact bias. So their input is squashed into [-1, 1] and epsilon is 1e-3..1e-2, which
        bounds that error below 1e-5 (tests/test_ops.py covers epsilon 1e-5). The same factor amplifies
        any last-bit difference between the two implementations upstream (a Tanh near 1): a spread
        in [-1, 1] is added so that no group of several elements is nearly constant."""
        if op != "BatchNormalization":
            x = self.bounded(x, 1.0)
            spread = self.float_initializer(self.rng.uniform(-1, 1, x.shape))
            x = self.emit("Add", [x.name, spread], x.shape, x.lo - 1.0, x.hi + 1.0, main=False)
        if op == "LayerNormalization":
            axis = self.integer(-x.rank, x.rank - 1) if x.rank else 0
            if x.rank == 0:
                x = self.as_rank(x, 1)
            normalized = x.shape[axis % x.rank:]
            scale = self.rng.standard_normal(normalized).astype(np.float32)
            inputs = [x.name, self.float_initializer(scale)]
            if self.boolean():
                inputs.append(self.float_initializer(self.rng.standard_normal(normalized)))
            m = math.sqrt(math.prod(normalized)) * float(np.abs(scale).max()) + 4.0
            return self.emit(op, inputs, x.shape, -m, m, axis=axis, epsilon=self.uniform(1e-3, 1e-2))
        lowest_rank = 3 if op == "InstanceNormalization" else 2  # [N, C, ...]
        if not lowest_rank <= x.rank <= 4:
            x = self.as_rank(x, self.integer(lowest_rank, 4))
        channels = x.shape[1]
        scale = self.rng.standard_normal(channels).astype(np.float32)
        bias = self.rng.standard_normal(channels).astype(np.float32)
        inputs = [x.name, self.float_initializer(scale), self.float_initializer(bias)]
        if op == "InstanceNormalization":
            m = math.sqrt(math.prod(x.shape[2:])) * float(np.abs(scale).max()) + float(np.abs(bias).max())
            return self.emit(op, inputs, x.shape, -m, m, epsilon=self.uniform(1e-3, 1e-2))
        mean = self.rng.standard_normal(channels).astype(np.float32)
        variance = self.rng.uniform(0.5, 2.0, channels).astype(np.float32)
        inputs += [self.float_initializer(mean), self.float_initializer(variance)]
        m = float(np.abs(scale).max()) * (x.max_abs + float(np.abs(mean).max())) / math.sqrt(0.5) + float(np.abs(bias).max())
        return self.emit(op, inputs, x.shape, -m, m, epsilon=self.uniform(1e-5, 1e-3))

    # -- data movement -----------------------------------------------------------------

    def slice(self, x: Value) -> Value:
        if x.rank == 0:
            return self.elementwise("Neg", x)
        axes = sorted(self.draw(st.permutations(range(x.rank)))[:self.integer(1, x.rank)])
        shape = list(x.shape)
        starts, ends, steps = [], [], []
        for axis in axes:
            d = x.shape[axis]
            for _ in range(10):
                step = self.choice([1, 1, 2, -1, -2])
                start, end = self.integer(-d - 2, d + 2), self.integer(-d - 2, d + 2)
                if self.integer(0, 5) == 0:
                    end = -(2**63) if step < 0 else 2**63 - 1  # "to the end", as exporters write it
                if len(range(*slice(start, end, step).indices(d))):
                    break
            else:
                start, end, step = 0, d, 1
            if step < 0:
                self.features.add("slice-negative-step")
            shape[axis] = len(range(*slice(start, end, step).indices(d)))
            starts.append(start)
            ends.append(end)
            steps.append(step)
        inputs = [x.name, self.int_initializer("starts", starts), self.int_initializer("ends", ends)]
        give_steps = steps != [1] * len(steps) or self.boolean()
        if give_steps or axes != list(range(len(axes))) or self.boolean():  # without axes: the first len(starts)
            inputs.append(self.int_initializer("axes", [a - x.rank if self.boolean() else a for a in axes]))
            if give_steps:
                inputs.append(self.int_initializer("steps", steps))
        return self.emit("Slice", inputs, tuple(shape), x.lo, x.hi)

    def split(self, x: Value) -> Value:
        if x.rank == 0:
            return self.elementwise("Neg", x)
        axis = self.integer(-x.rank, x.rank - 1)
        d = x.shape[axis]
        parts = self.integer(1, min(d, 3))
        attrs: dict[str, object] = {"axis": axis}
        inputs = [x.name]
        if self.boolean():  # explicit sizes
            cuts = sorted(self.draw(st.permutations(range(1, d)))[:parts - 1])
            sizes = [b - a for a, b in zip([0, *cuts], [*cuts, d])]
            inputs.append(self.int_initializer("split", sizes))
        else:
            chunk = -(-d // parts)
            sizes = [min(chunk, d - i * chunk) for i in range(parts)]
            if min(sizes) < 1:
                sizes, parts = [d], 1
            attrs["num_outputs"] = parts
        shapes = [tuple(s if i == axis % x.rank else dim for i, dim in enumerate(x.shape)) for s in sizes]
        return self.emit_many("Split", inputs, shapes, x.lo, x.hi, **attrs)[-1]

    def gather(self, x: Value) -> Value:
        if x.rank == 0:
            return self.elementwise("Neg", x)
        axis = self.integer(-x.rank, x.rank - 1)
        d = x.shape[axis]
        index_shape = self.shape(self.integer(0, 2))
        indices = np.asarray(self.rng.integers(-d, d, index_shape))
        if (indices < 0).any():
            self.features.add("gather-negative-index")
        a = axis % x.rank
        shape = (*x.shape[:a], *index_shape, *x.shape[a + 1:])
        if math.prod(shape) > MAX_ELEMENTS or len(shape) > MAX_RANK:
            return self.elementwise("Neg", x)
        return self.emit("Gather", [x.name, self.int_initializer("indices", indices.reshape(-1).tolist())
                                    if indices.ndim == 1 else self.index_tensor(indices)], shape, x.lo, x.hi, axis=axis)

    def pad(self, x: Value) -> Value:
        """The fusion builder's Pad, of a value that still fits MAX_ELEMENTS once padded (it gives Neg
        instead past that, and model graphs have dims up to 40: Pad was the rarest op)."""
        fitting = [v for v in self.values if v.rank and math.prod(d + 4 for d in v.shape) <= MAX_ELEMENTS]
        if math.prod(d + 4 for d in x.shape) > MAX_ELEMENTS and fitting:
            x = self.pick(fitting)
        return super().pad(x)

    def index_tensor(self, indices: np.ndarray) -> str:
        name = self.fresh("indices")
        self.inits[name] = indices.astype(np.int64)
        return name

    def squeeze(self, x: Value) -> Value:
        ones = [i for i, d in enumerate(x.shape) if d == 1]
        if not ones:
            return self.unsqueeze(x)
        shape = tuple(d for d in x.shape if d != 1)
        if self.integer(0, 2) == 0:  # no axes: every size-1 dim
            return self.emit("Squeeze", [x.name], shape, x.lo, x.hi)
        axes = sorted(self.draw(st.permutations(ones))[:self.integer(1, len(ones))])
        shape = tuple(d for i, d in enumerate(x.shape) if i not in axes)
        return self.emit("Squeeze", [x.name, self.int_initializer("axes", [a - x.rank if self.boolean() else a for a in axes])],
                         shape, x.lo, x.hi)

    def unsqueeze(self, x: Value) -> Value:
        if x.rank >= MAX_RANK:
            return self.elementwise("Relu", x)
        out_rank = x.rank + self.integer(1, min(2, MAX_RANK - x.rank))
        axes = sorted(self.draw(st.permutations(range(out_rank)))[:out_rank - x.rank])
        rest = iter(x.shape)
        shape = tuple(1 if i in axes else next(rest) for i in range(out_rank))
        written = [a - out_rank if self.boolean() else a for a in axes]
        return self.emit("Unsqueeze", [x.name, self.int_initializer("axes", written)], shape, x.lo, x.hi)

    def expand(self, x: Value) -> Value:
        target = self.broadcast_partner_shape(x.shape)
        shape = fusion._broadcast(x.shape, target)
        if shape is None or math.prod(shape) > MAX_ELEMENTS or len(shape) > MAX_RANK:
            return self.elementwise("Relu", x)
        return self.emit("Expand", [x.name, self.int_initializer("shape", list(target))], shape, x.lo, x.hi)

    def tile(self, x: Value) -> Value:
        repeats = [self.integer(1, 3) if self.integer(0, 2) == 0 else 1 for _ in x.shape]
        shape = tuple(d * r for d, r in zip(x.shape, repeats))
        if x.rank == 0 or math.prod(shape) > MAX_ELEMENTS:
            return self.elementwise("Relu", x)
        return self.emit("Tile", [x.name, self.int_initializer("repeats", repeats)], shape, x.lo, x.hi)

    def resize(self, x: Value) -> Value:
        x = self.spatial(x)
        mode = self.choice(["nearest", "linear"])
        coordinates = self.choice(["half_pixel", "asymmetric", "align_corners", "pytorch_half_pixel",
                                   "half_pixel_symmetric"] + (["tf_half_pixel_for_nn"] if mode == "nearest" else []))
        attrs: dict[str, object] = {"mode": mode, "coordinate_transformation_mode": coordinates}
        if mode == "nearest":
            attrs["nearest_mode"] = self.choice(["round_prefer_floor", "round_prefer_ceil", "floor", "ceil"])
        n, c, h, w = x.shape
        if self.boolean():
            scales = [1.0, 1.0] + [self.choice([0.5, 0.75, 1.0, 1.5, 2.0, 3.0]) for _ in range(2)]
            out = [int(math.floor(d * s)) for d, s in zip((h, w), scales[2:])]
            inputs = [x.name, "", self.float_initializer(np.array(scales, np.float32))]
        else:
            out = [self.integer(1, 2 * d) for d in (h, w)]
            inputs = [x.name, "", "", self.int_initializer("sizes", [n, c, *out])]
        if min(out) < 1 or n * c * math.prod(out) > MAX_ELEMENTS:
            return self.elementwise("Relu", x)
        self.features.add(f"resize-{mode}")
        return self.emit("Resize", inputs, (n, c, *out), x.lo, x.hi, **attrs)

    def depth_to_space(self, op: str, x: Value) -> Value:
        x = self.spatial(x)
        n, c, h, w = x.shape
        if op == "DepthToSpace":
            block = self.choice([b for b in range(1, 4) if c % (b * b) == 0])
            attrs: dict[str, object] = {"blocksize": block, "mode": self.choice(["DCR", "CRD"])}
            shape = (n, c // block**2, h * block, w * block)
        else:
            block = self.choice([b for b in range(1, 4) if h % b == 0 and w % b == 0])
            attrs = {"blocksize": block}
            shape = (n, c * block**2, h // block, w // block)
        return self.emit(op, [x.name], shape, x.lo, x.hi, **attrs)

    # -- reductions ---------------------------------------------------------------------

    def reduction(self, op: str, x: Value) -> Value:
        if x.rank == 0:
            return self.elementwise("Relu", x)
        if op in fusion.REDUCTION:  # ReduceSum, ReduceMean, ReduceMax, Softmax
            return self.reduce(op, x)
        keepdims = self.integer(0, 1)
        noop = self.integer(0, 7) == 0  # no axes and noop_with_empty_axes: only the elementwise parts remain
        reduced = [] if noop else sorted(self.draw(st.permutations(range(x.rank)))[:self.integer(1, x.rank)])
        count = math.prod(x.shape[a] for a in reduced)
        if op == "ReduceLogSum":
            x = self.positive(x)
        elif op == "ReduceProd":
            x = self.squash(x)
        elif op == "ReduceSumSquare":
            x = self.bounded(x, math.sqrt(MAX_ABS / count))
        elif op == "ReduceL1":
            x = self.bounded(x, MAX_ABS / count)
        bounds = {
            "ReduceMin": lambda: (x.lo, x.hi), "ReduceProd": lambda: (-1.0, 1.0),
            "ReduceL1": lambda: (0.0, count * x.max_abs), "ReduceL2": lambda: (0.0, math.sqrt(count) * x.max_abs),
            "ReduceSumSquare": lambda: (0.0, count * x.max_abs**2),
            "ReduceLogSum": lambda: (math.log(count * x.lo), math.log(count * x.hi)),
            "ReduceLogSumExp": lambda: (x.lo, x.hi + math.log(count)),
        }[op]()
        inputs, attrs = [x.name], {"keepdims": keepdims}
        if noop:
            self.features.add("reduce-noop-with-empty-axes")
            attrs["noop_with_empty_axes"] = 1
        elif len(reduced) < x.rank or self.boolean():
            inputs.append(self.int_initializer("axes", [a - x.rank if self.boolean() else a for a in reduced]))
        shape = tuple(1 if i in reduced else d for i, d in enumerate(x.shape) if keepdims or i not in reduced)
        return self.emit(op, inputs, shape, *bounds, **attrs)

    def log_softmax(self, x: Value) -> Value:
        if x.rank == 0:
            return self.elementwise("Relu", x)
        axis = self.integer(-x.rank, x.rank - 1)
        lo = -(x.hi - x.lo) - math.log(x.shape[axis])
        return self.emit("LogSoftmax", [x.name], x.shape, lo, 0.0, axis=axis)

    # -- typed: ints and bools inside, float32 at the boundary ------------------------------

    def node(self, op: str, inputs: list[str], main: bool = False, **attrs) -> str:
        """A node whose (int or bool) result is no builder value (nothing float picks it); exact if its inputs are."""
        name = self.fresh("t")
        self.nodes.append(helper.make_node(op, inputs, [name], **attrs))
        self.consumed.update(inputs)
        if main:
            self.ops[op] += 1
        if all(self.is_exact(i) for i in inputs):
            self.exact.add(name)
        return name

    def array_initializer(self, prefix: str, array: np.ndarray) -> str:
        name = self.fresh(prefix)
        self.inits[name] = np.asarray(array)
        return name

    @staticmethod
    def fits(*shapes: tuple[int, ...]) -> tuple[int, ...] | None:
        """The broadcast of `shapes`, if they broadcast within MAX_RANK and without growing past MAX_ELEMENTS
        (or past the largest of them: a graph input may be larger)."""
        try:
            shape = tuple(np.broadcast_shapes(*shapes))
        except ValueError:
            return None
        limit = max(MAX_ELEMENTS, *(math.prod(s) for s in shapes))
        return shape if math.prod(shape) <= limit and len(shape) <= max(MAX_RANK, *(len(s) for s in shapes)) else None

    def exact_source(self, x: Value, limit: float = 8.0) -> Value:
        """An exact value broadcasting with `x` (within MAX_ELEMENTS), in [-limit, limit]: `x` itself if it
        is exact, else another exact value or a new graph input; clipped (exactly) if it could pass `limit`."""
        if x.name not in self.exact:
            candidates = [v for v in self.values if v.name in self.exact and self.fits(x.shape, v.shape)]
            if candidates and self.boolean():
                x = self.pick(candidates)
            else:
                self.features.add("typed-new-input")
                x = self.new_input(self.partner_shape_within(x.shape))
        if x.max_abs > limit:
            bounds = [self.scalar_initializer(-limit), self.scalar_initializer(limit)]
            x = self.emit("Clip", [x.name, *bounds], x.shape, max(x.lo, -limit), min(x.hi, limit), main=False)
        return x

    def connect(self, x: Value, result: Value) -> Value:
        """`result`, or sometimes x + result (so x is consumed when the typed op read another value)."""
        shape = self.fits(x.shape, result.shape)
        if shape is None or x is result or self.boolean():
            return result
        x = self.bounded(x, MAX_ABS - result.max_abs) if result.max_abs < MAX_ABS / 2 else self.squash(x)
        return self.emit("Add", [x.name, result.name], shape, x.lo + result.lo, x.hi + result.hi, main=False)

    def cast_node(self, op: str, name: str, to: int, main: bool = False) -> str:
        """Cast(name, to), or CastLike(name, a scalar of that type)."""
        if op == "CastLike":
            like = self.array_initializer("like", np.zeros((), helper.tensor_dtype_to_np_dtype(to)))
            return self.node("CastLike", [name, like], main=main)
        return self.node("Cast", [name], main=main, to=to)

    def integers_of(self, s: Value, to: int, op: str = "Cast", main: bool = False) -> tuple[str, int, int]:
        """Ints of type `to` from an exact `s` (|s| <= 8): Cast(Floor(s * k)) or the truncating Cast(s * k),
        k in {1, 2, 4} (exact); with their interval."""
        k = self.choice([1.0, 2.0, 4.0])
        v = s
        if k != 1.0:
            v = self.emit("Mul", [s.name, self.scalar_initializer(k)], s.shape, s.lo * k, s.hi * k, main=False,
                          exact=s.name in self.exact)
        if self.boolean():
            v = self.emit("Floor", [v.name], v.shape, math.floor(v.lo), math.floor(v.hi), main=False)
        lo, hi = math.floor(v.lo) if v.lo < 0 else math.trunc(v.lo), math.ceil(v.hi) if v.hi < 0 else math.trunc(v.hi)
        return self.cast_node(op, v.name, to, main), lo, hi

    def int_arithmetic(self, name: str, shape: tuple[int, ...], lo: int, hi: int,
                       dtype: np.dtype) -> tuple[str, tuple[int, ...], int, int]:
        """0-3 integer ops on `name` (small constants, or itself), magnitudes kept below 1000."""
        for _ in range(self.spread_choice((0, 1, 2, 3))):
            op = self.spread_choice(INT_ARITHMETIC)
            self.features.add(f"int-{op.lower()}")
            if op in ("Abs", "Neg", "Sign"):
                name = self.node(op, [name])
                lo, hi = {"Abs": (0 if lo <= 0 <= hi else min(abs(lo), abs(hi)), max(abs(lo), abs(hi))),
                          "Neg": (-hi, -lo), "Sign": (int(np.sign(lo)), int(np.sign(hi)))}[op]
                continue
            if op == "Mul" and max(abs(lo), abs(hi)) > 150:
                op = "Max"
            if self.integer(0, 3) == 0:  # with itself
                other, other_shape, bounds = name, shape, (lo, hi)
            else:
                other_shape = self.partner_shape_within(shape)
                if self.fits(shape, other_shape) is None:
                    other_shape = ()
                limit = 3 if op == "Mul" else 5
                data = self.rng.integers(-limit, limit + 1, other_shape).astype(dtype)
                other, bounds = self.array_initializer("i", data), (int(data.min()), int(data.max()))
            name = self.node(op, [name, other])
            shape = self.fits(shape, other_shape)  # type: ignore[assignment]
            lo, hi = (int(t) for t in fusion._interval(op, (lo, hi), bounds))
        return name, shape, lo, hi

    def typed_cast(self, op: str, x: Value) -> Value:
        """Cast (or CastLike) of floats to ints, integer arithmetic, maybe a narrower int or bool, back to float;
        or floats to bool and back."""
        s = self.exact_source(x)
        target = self.spread_choice(("bool", "int64", "int32"))
        if target == "bool":
            self.features.add("cast-float-to-bool")
            name, shape, lo, hi = self.cast_node(op, s.name, TensorProto.BOOL, main=True), s.shape, 0, 1
            if self.boolean():
                name = self.node("Not", [name])
        else:
            to = TensorProto.INT64 if target == "int64" else TensorProto.INT32
            self.features.add(f"cast-float-to-{target}")
            name, lo, hi = self.integers_of(s, to, op, main=True)
            name, shape, lo, hi = self.int_arithmetic(name, s.shape, lo, hi, helper.tensor_dtype_to_np_dtype(to))
            narrower = self.spread_choice((0, 1, 2, 3))
            if narrower == 1 and -128 <= lo and hi <= 127:
                self.features.add("cast-to-int8")
                name = self.cast_node(op, name, TensorProto.INT8)
            elif narrower == 2 and 0 <= lo and hi <= 255:
                self.features.add("cast-to-uint8")
                name = self.cast_node(op, name, TensorProto.UINT8)
            elif narrower == 3:
                self.features.add("cast-int-to-bool")
                name, lo, hi = self.cast_node(op, name, TensorProto.BOOL), 0, 1
        if op == "CastLike":
            back = self.emit("CastLike", [name, self.float_initializer(np.zeros((), np.float32))], shape, lo, hi, main=False)
        else:
            back = self.emit("Cast", [name], shape, lo, hi, main=False, to=TensorProto.FLOAT)
        return self.connect(x, back) if s is not x else back

    # comparisons, logic, Where

    def comparison(self, x: Value, op: str) -> tuple[str, tuple[int, ...]]:
        """A bool tensor (and its shape, which broadcasts with x's within MAX_ELEMENTS) comparing exact values."""
        s = self.exact_source(x)
        partner_shape = self.partner_shape_within(s.shape)
        if self.fits(x.shape, s.shape, partner_shape) is None:
            partner_shape = ()
        as_ints = self.integer(0, 2) == 0
        if op == "Equal" or as_ints:  # values that can be equal: ints, or floored floats, against small ints
            if as_ints:
                to = self.choice([TensorProto.INT64, TensorProto.INT32])
                a, lo, hi = self.integers_of(s, to)
                dtype = helper.tensor_dtype_to_np_dtype(to)
                self.features.add("compare-ints")
            else:
                k = self.choice([1.0, 2.0, 4.0])
                scaled = self.emit("Mul", [s.name, self.scalar_initializer(k)], s.shape, s.lo * k, s.hi * k, main=False, exact=True)
                floor = self.emit("Floor", [scaled.name], s.shape, math.floor(scaled.lo), math.floor(scaled.hi), main=False)
                a, lo, hi, dtype = floor.name, math.floor(scaled.lo), math.floor(scaled.hi), np.dtype(np.float32)
            mid = (lo + hi) // 2  # values near the middle, where most of the data is
            b = self.array_initializer("c", self.rng.integers(max(lo, mid - 2), min(hi, mid + 2) + 1, partner_shape).astype(dtype))
        else:
            how = self.choice(["constant", "initializer", "value"])
            candidates = [v for v in self.values if v.name in self.exact and self.fits(x.shape, s.shape, v.shape)]
            if how == "value" and candidates:
                self.features.add("compare-two-values")
                b = self.pick(candidates).name
            elif how == "initializer":
                b = self.new_initializer(partner_shape).name
            else:
                b = self.scalar_initializer(self.uniform(max(s.lo, -3.0), min(s.hi, 3.0)) if s.lo < s.hi else s.lo + 0.5)
            a = s.name
        shape = self.fits(s.shape, self.shape_of(b))
        assert shape is not None, (x.shape, s.shape, self.shape_of(b), a, b)
        if self.boolean():
            a, b = b, a
        return self.node(op, [a, b], main=True), shape

    def shape_of(self, name: str) -> tuple[int, ...]:
        if name in self.inits:
            return tuple(self.inits[name].shape)
        return next(v.shape for v in self.values if v.name == name)

    def condition(self, x: Value, op: str) -> tuple[str, tuple[int, ...]]:
        if op == "Not":
            a, shape = self.condition(x, self.spread_choice(COMPARISONS))
            return self.node("Not", [a], main=True), shape
        if op in LOGIC:
            (a, sa), (b, sb) = (self.condition(x, self.spread_choice(COMPARISONS + ("Not",))) for _ in range(2))
            shape = self.fits(x.shape, sa, sb)
            if shape is None:
                return a, sa
            return self.node(op, [a, b], main=True), tuple(np.broadcast_shapes(sa, sb))
        if op == "Cast":  # a float (or an int) as a bool: non-zero
            s = self.exact_source(x)
            self.features.add("where-cast-condition")
            return self.node("Cast", [s.name], to=TensorProto.BOOL), s.shape
        return self.comparison(x, op)

    def where(self, op: str, x: Value) -> Value:
        """Where(condition, x, other), the condition a comparison (or logic of two) of exact values."""
        if op == "Where":
            op = self.spread_choice(COMPARISONS + LOGIC + ("Cast",))
        cond, cond_shape = self.condition(x, op)
        other = self.operand_for(x)
        shape = self.fits(cond_shape, x.shape, other.shape)
        if shape is None:
            value = self.uniform(-2, 2)
            other = Value(self.scalar_initializer(value), (), value, value, is_node=False)
            shape = self.fits(cond_shape, x.shape)
        a, b = (x, other) if self.boolean() else (other, x)
        return self.emit("Where", [cond, a.name, b.name], shape, min(x.lo, other.lo), max(x.hi, other.hi))

    # Gather's indices at run time, Range, CumSum, TopK, OneHot

    def run_time_indices(self, source: Value, d: int, dtype: np.dtype) -> str:
        """Floor(Sigmoid(source) * (d - 1e-3)) as ints, in [0, d - 1]; or minus d, in [-d, -1]."""
        s = self.sigmoid(source)
        scaled = self.emit("Mul", [s.name, self.scalar_initializer(d - 1e-3)], s.shape, 0.0, d, main=False)
        floor = self.emit("Floor", [scaled.name], s.shape, 0.0, d - 1, main=False)
        indices = self.node("Cast", [floor.name], to=helper.np_dtype_to_tensor_dtype(np.dtype(dtype)))
        if self.boolean():
            self.features.add("run-time-negative-index")
            indices = self.node("Sub", [indices, self.array_initializer("d", np.array(d, dtype))])
        return indices

    def gather_at_run_time(self, x: Value) -> Value:
        axis = self.integer(-x.rank, x.rank - 1)
        a = axis % x.rank
        d = x.shape[a]

        def out(index_shape: tuple[int, ...]) -> tuple[int, ...]:
            return (*x.shape[:a], *index_shape, *x.shape[a + 1:])

        small = [v for v in self.values if v.rank <= 2 and v.size <= 12 and math.prod(out(v.shape)) <= MAX_ELEMENTS
                 and len(out(v.shape)) <= MAX_RANK]
        source = self.pick(small) if small and self.boolean() else None
        if source is None:
            index_shape = self.shape(self.integer(0, 2))
            if math.prod(out(index_shape)) > MAX_ELEMENTS or len(out(index_shape)) > MAX_RANK:
                index_shape = ()
            source = self.new_input(index_shape)
        self.features.add("gather-run-time-indices")
        indices = self.run_time_indices(source, d, self.choice([np.dtype(np.int64), np.dtype(np.int32)]))
        return self.emit("Gather", [x.name, indices], out(source.shape), x.lo, x.hi, axis=axis)

    def range_op(self, x: Value) -> Value:
        """x + Range(start, limit, delta) along its last axis (Range of constants: opt-fuse folds it)."""
        n = x.shape[-1] if x.rank else self.dim()
        kind = self.spread_choice(("int64", "int32", "float32"))
        dtype = np.dtype(kind)
        if kind == "float32":
            start, delta = np.float32(self.uniform(-2, 2)), np.float32(self.uniform(0.1, 1.0) * self.choice([1, -1]))
            limit = np.float32(start + delta * np.float32(n - 0.5))
            if int(np.ceil((limit - start) / delta)) != n:  # as onnxruntime counts
                kind, dtype = "int64", np.dtype(np.int64)
        if kind != "float32":
            start, delta = self.integer(-5, 5), self.choice([1, 2, 3, -1, -2])
            limit = start + delta * (n - 1) + (int(np.sign(delta)) if self.boolean() else delta)  # ceil((limit - start) / delta) = n
        ends = [float(start), float(start) + float(delta) * (n - 1)]
        lo, hi = min(ends) - 1e-3 * (1 + abs(min(ends))), max(ends) + 1e-3 * (1 + abs(max(ends)))
        inputs = [self.array_initializer(p, np.array(v, dtype)) for p, v in (("start", start), ("limit", limit), ("delta", delta))]
        self.features.add(f"range-{kind}")
        if kind == "float32":
            r = self.emit("Range", inputs, (n,), lo, hi)
        else:
            r = self.emit("Cast", [self.node("Range", inputs, main=True)], (n,), lo, hi, main=False, to=TensorProto.FLOAT)
        x = self.bounded(x, MAX_ABS / 2)
        a, b = (x, r) if self.boolean() else (r, x)
        return self.emit("Add", [a.name, b.name], self.fits(x.shape, r.shape) or (n,), x.lo + lo, x.hi + hi, main=False)

    def cum_sum(self, x: Value) -> Value:
        if x.rank == 0:
            x = self.as_rank(x, 1)
        axis = self.integer(-x.rank, x.rank - 1)
        d = x.shape[axis]
        x = self.bounded(x, MAX_ABS / d)
        attrs = {name: self.integer(0, 1) for name in ("exclusive", "reverse") if self.boolean()}
        self.features.update(f"cumsum-{name}" for name, on in attrs.items() if on)
        axis_input = self.array_initializer("axis", np.array(axis, self.choice([np.int64, np.int32])))
        lo, hi = min(0.0, x.lo, d * x.lo), max(0.0, x.hi, d * x.hi)
        return self.emit("CumSum", [x.name, axis_input], x.shape, lo, hi, **attrs)

    def top_k(self, x: Value) -> Value:
        """TopK's values; with an exact input (no near ties to order differently) its indices too, as floats."""
        if x.rank == 0:
            x = self.as_rank(x, 1)
        axis = self.integer(-x.rank, x.rank - 1)
        a = axis % x.rank
        d = x.shape[a]
        k = self.integer(1, d)
        attrs: dict[str, object] = {}
        if a != x.rank - 1 or self.boolean():
            attrs["axis"] = axis
        largest = self.integer(0, 1)
        if not largest or self.boolean():
            attrs["largest"] = largest
        if self.boolean():
            attrs["sorted"] = 1
        shape = tuple(k if i == a else n for i, n in enumerate(x.shape))
        values, indices = self.fresh("v"), self.fresh("t")
        inputs = [x.name, self.int_initializer("k", [k])]
        self.nodes.append(helper.make_node("TopK", inputs, [values, indices], **attrs))
        self.consumed.update(inputs)
        self.ops["TopK"] += 1
        result = Value(values, shape, x.lo, x.hi, is_node=True)
        self.values.append(result)
        self.note_shape(shape)
        if x.name in self.exact:
            self.exact.update((values, indices))
            if self.boolean():
                self.features.add("topk-indices")
                position = self.emit("Cast", [indices], shape, 0.0, d - 1, main=False, to=TensorProto.FLOAT)
                return self.emit("Add", [values, position.name], shape, x.lo, x.hi + d - 1, main=False)
        return result

    def one_hot(self, x: Value) -> Value:
        """OneHot along an axis of x (depth its size) whose other dims are x's or 1, combined with x."""
        if x.rank < 2:  # ONNX's shape inference wants indices of rank >= 1
            x = self.as_rank(x, 2)
        a = self.integer(0, x.rank - 1)
        depth = x.shape[a]
        out_shape = tuple(n if i == a or self.boolean() else 1 for i, n in enumerate(x.shape))
        index_shape = out_shape[:a] + out_shape[a + 1:]
        index_type = self.choice([np.dtype(np.int64), np.dtype(np.int32)])
        if self.boolean():
            self.features.add("one-hot-run-time-indices")
            indices = self.run_time_indices(self.new_input(index_shape), depth, index_type)
        else:
            data = self.rng.integers(-depth, depth, index_shape)
            if (data < 0).any():
                self.features.add("one-hot-negative-index")
            indices = self.array_initializer("indices", data.astype(index_type))
        # onnxruntime's kernels (indices, depth) for float output: (int64, int64/int32/float), (int32, int32/float)
        depth_type = self.choice([np.int64, np.int32, np.float32] if index_type == np.int64 else [np.int32, np.float32])
        depth_input = self.array_initializer("depth", np.array(depth if self.boolean() else [depth], depth_type))
        off_on = self.rng.uniform(-2, 2, 2).astype(np.float32)
        if self.boolean():
            off_on[0] = 0.0
        attrs = {} if a == x.rank - 1 and self.boolean() else {"axis": a - x.rank if self.boolean() else a}
        hot = self.emit("OneHot", [indices, depth_input, self.float_initializer(off_on)], out_shape,
                        float(off_on.min()), float(off_on.max()), **attrs)
        op = self.choice(["Add", "Mul", "none"])
        if op == "none":
            return hot
        x = self.bounded(x, MAX_ABS / 4)
        lhs, rhs = (x, hot) if self.boolean() else (hot, x)
        return self.emit(op, [lhs.name, rhs.name], x.shape, *fusion._interval(op, (lhs.lo, lhs.hi), (rhs.lo, rhs.hi)), main=False)

    # quantization, LpNormalization

    def quantization_parameters(self, s: Value, zero_points: tuple[str, ...]) -> tuple[dict, np.ndarray, np.ndarray | None, np.dtype]:
        """(attrs, scale, zero point or None, the quantized type): per tensor or per axis of s."""
        attrs: dict[str, object] = {}
        shape: tuple[int, ...] = ()
        if s.rank and self.boolean():
            axis = self.integer(-s.rank, s.rank - 1)
            if axis != 1 or self.boolean():
                attrs["axis"] = axis
            shape = (s.shape[axis],)
            self.features.add("quantize-per-axis")
        elif s.rank > 1 and self.boolean():
            attrs["axis"] = self.integer(-s.rank, s.rank - 1)  # ignored per tensor
        scale = self.rng.uniform(0.01, 0.1, shape).astype(np.float32)
        kind = self.choice(zero_points)
        self.features.add(f"quantize-zero-point-{kind}")
        if kind == "int8":
            return attrs, scale, self.rng.integers(-20, 21, shape).astype(np.int8), np.dtype(np.int8)
        if kind == "uint8":
            return attrs, scale, self.rng.integers(100, 156, shape).astype(np.uint8), np.dtype(np.uint8)
        if kind == "int32-zero":
            return attrs, scale, np.zeros(shape, np.int32), np.dtype(np.int32)
        return attrs, scale, None, np.dtype(np.int32 if kind == "int32-none" else np.uint8)

    def dequantized(self, q: str, lo: float, hi: float, attrs: dict, scale: np.ndarray, zero_point: np.ndarray | None,
                    shape: tuple[int, ...]) -> Value:
        """DequantizeLinear(q) for q's ints in [lo, hi] (scalars: a per-axis interval is the union)."""
        zp = np.zeros_like(scale) if zero_point is None else zero_point.astype(np.float64)
        ends = [(lo - zp) * scale, (hi - zp) * scale]
        inputs = [q, self.float_initializer(scale)] + ([self.array_initializer("zp", zero_point)] if zero_point is not None else [])
        return self.emit("DequantizeLinear", inputs, shape, float(np.min(ends)), float(np.max(ends)), **attrs)

    def quantization(self, op: str, x: Value) -> Value:
        """QuantizeLinear -> DequantizeLinear of an exact value (x / scale is then the same everywhere, and
        so is its rounding, half to even); or DequantizeLinear of int8/uint8 constants, or of int32 ints
        computed at run time."""
        s = self.exact_source(x)
        if op == "DequantizeLinear" and self.boolean():
            if self.boolean():
                self.features.add("dequantize-constant")
                attrs, scale, zero_point, dtype = self.quantization_parameters(s, ("int8", "uint8", "none"))
                info = np.iinfo(dtype)
                data = self.rng.integers(info.min, int(info.max) + 1, s.shape).astype(dtype)
                q, lo, hi = self.array_initializer("q", data), int(data.min()) if data.size else 0, int(data.max()) if data.size else 0
            else:
                self.features.add("dequantize-int32")
                attrs, scale, zero_point, dtype = self.quantization_parameters(s, ("int32-none", "int32-zero"))
                q, lo, hi = self.integers_of(s, TensorProto.INT32)
            return self.connect(x, self.dequantized(q, lo, hi, attrs, scale, zero_point, s.shape))
        attrs, scale, zero_point, dtype = self.quantization_parameters(s, ("int8", "uint8", "none"))
        inputs = [s.name, self.float_initializer(scale)] + ([self.array_initializer("zp", zero_point)] if zero_point is not None else [])
        q = self.node("QuantizeLinear", inputs, main=True, **attrs)
        info = np.iinfo(dtype)
        zp = np.zeros_like(scale, dtype=np.float64) if zero_point is None else zero_point.astype(np.float64)
        # the ints' interval: x / scale rounded, plus the zero point, saturated
        lo = float(np.clip(np.floor(s.lo / scale.astype(np.float64)) + zp, info.min, info.max).min())
        hi = float(np.clip(np.ceil(s.hi / scale.astype(np.float64)) + zp, info.min, info.max).max())
        q_values = self.dequantized(q, lo, hi, attrs, scale, zero_point, s.shape)
        return self.connect(x, q_values) if s is not x else q_values

    def lp_normalization(self, x: Value) -> Value:
        """An exact input as is, or through Relu (all-zero rows: 0 in onnxruntime and opt-fuse); any other
        as Sigmoid(x) + 0.5, whose norm is at least 0.5 (no cancellation to amplify)."""
        if x.rank == 0:
            x = self.as_rank(x, 1)
        if x.name not in self.exact:
            x = self.positive(x)
        elif self.boolean():
            self.features.add("lp-normalization-relu")
            x = self.emit("Relu", [x.name], x.shape, max(x.lo, 0.0), max(x.hi, 0.0), main=False)
        attrs: dict[str, object] = {}
        if self.boolean():
            attrs["axis"] = self.integer(-x.rank, x.rank - 1)
        if self.boolean():
            attrs["p"] = self.choice([1, 2])
        return self.emit("LpNormalization", [x.name], x.shape, -1.0 if x.lo < 0 else 0.0, 1.0 if x.hi > 0 else 0.0, **attrs)

    # -- one step -----------------------------------------------------------------------

    def step(self) -> None:
        x = self.pick()
        family = self.spread_choice(tuple(FAMILIES))
        op = self.spread_choice(FAMILIES[family])
        if family == "typed" and op in ("Cast", "CastLike"):
            self.typed_cast(op, x)
        elif family == "typed" and op == "Gather":
            self.gather_at_run_time(x if x.rank else self.as_rank(x, 1))
        elif op in fusion.ELEMENTWISE:
            self.elementwise(op, x)
        elif op in fusion.BINARY:
            self.binary(op, x)
        elif op in ACTIVATIONS:
            self.activation(op, x)
        elif op in PASS_THROUGH:
            self.pass_through(op, x)
        elif op in VARIADIC:
            self.variadic(op, x)
        elif op in REDUCTIONS or op == "Softmax":
            self.reduction(op, x)
        elif op in WINDOWS:
            self.pool(op, x)
        elif op in NORMALIZATIONS:
            self.normalization(op, x)
        elif op in ("DepthToSpace", "SpaceToDepth"):
            self.depth_to_space(op, x)
        elif op == "LogSoftmax":
            self.log_softmax(x)
        elif op in COMPARISONS + LOGIC + ("Where",):
            self.where(op, x)
        elif op in ("QuantizeLinear", "DequantizeLinear"):
            self.quantization(op, x)
        elif op == "LpNormalization":
            self.lp_normalization(x)
        elif op == "OneHot":
            self.one_hot(x)
        elif op == "TopK":
            self.top_k(x)
        elif op == "CumSum":
            self.cum_sum(x)
        elif op == "Range":
            self.range_op(x)
        elif op in fusion.INJECTIVE and x.rank == 0:
            self.elementwise("Neg", x)
        else:
            getattr(self, op.lower())(x)


@st.composite
def model_graphs(draw) -> FuzzGraph:
    """A random model of MIN_NODES..MAX_NODES main ONNX nodes (plus conditioning helpers) with 1-2 outputs."""
    b = _ModelBuilder(draw)
    b.new_input(b.shape())
    target = draw(st.integers(MIN_NODES, MAX_NODES), label="node count")
    while sum(b.ops.values()) < target:
        b.step()
    return b.finish()
