"""A hypothesis strategy for random float32 ONNX DAGs (opset 17) of the ops opt-fuse supports,
shaped to stress the fusion pass: elementwise chains, broadcasting from either side, injective
ops (Transpose, Reshape, Flatten, Concat, Pad), reductions and Softmax, with values reused by
later nodes (diamonds, producers with several consumers) and intermediate values as outputs.

`fuzz_graphs()` draws a `FuzzGraph`; `FuzzGraph.model()` builds it with `make_graph_model`
(which runs the ONNX checker), and `FuzzGraph.inputs(model)` gives its seeded input data.

Every value carries a conservative interval [lo, hi] (graph inputs are standard normal,
taken as [-6, 6]) so the generator keeps everything finite and well conditioned:
Exp only sees values <= 6 (else Exp(Tanh(x))), Sqrt and Log only see values >= 2e-3
(else Sqrt(Sigmoid(x)), x >= -6), Div only divides by Sigmoid(x) + 0.5 or by a constant with
|v| >= 0.5, and a value that would grow past MAX_ABS is squashed with Tanh first.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field

import numpy as np
import onnx
from hypothesis import strategies as st
from onnx import helper

from onnx_helpers import describe_model, make_graph_model, random_inputs

OPSET = 17
MIN_NODES, MAX_NODES = 2, 10
MAX_DIM = 6
MAX_ELEMENTS = 2048  # growth ops (Pad, Concat, broadcasting) stop here
MAX_ABS = 1e3  # a value that could get bigger is squashed with Tanh first
INPUT_BOUND = 6.0  # standard normal inputs: |v| > 6 has probability 2e-9
# Sqrt / Log take values >= POSITIVE directly, others through Sigmoid(x) (Sigmoid(Tanh(x)) if x < -6).
# onnxruntime's Sigmoid is accurate to ~1e-7 absolute, not relative: Sigmoid(-11.6) is 0.8% off, and
# Sqrt or Log of it fails the tolerance although opt-fuse is right, so a Sqrt/Log argument stays >= 2e-3.
POSITIVE = 2e-3

ELEMENTWISE = ("Relu", "Neg", "Sigmoid", "Tanh", "Exp", "Clip", "Sqrt", "Log", "Erf")
BINARY = ("Add", "Sub", "Mul", "Div", "Max", "Min")
INJECTIVE = ("Transpose", "Reshape", "Flatten", "Concat", "Pad")
REDUCTION = ("ReduceSum", "ReduceMean", "ReduceMax", "Softmax")
ALL_OPS = ELEMENTWISE + BINARY + INJECTIVE + REDUCTION
KIND_OF = {op: kind for kind, ops in [("elementwise", ELEMENTWISE), ("binary", BINARY), ("injective", INJECTIVE),
                                      ("reduction", REDUCTION)] for op in ops}

# Structural features the generator must hit (the diversity test checks them) ...
FEATURES = (
    "rank0", "rank1", "rank4", "size1-dim",
    "operand-node", "operand-initializer", "operand-input", "operand-self", "operand-lhs-swapped",
    "broadcast-lower-rank", "broadcast-size1", "broadcast-expands-lhs", "div-by-sigmoid", "div-by-constant",
    "transpose-default-perm", "flatten-axis0", "concat-3", "concat-self", "concat-new-operand",
    "pad-constant", "pad-reflect", "pad-edge",
    "reduce-all", "reduce-keepdims0", "reduce-keepdims1", "reduce-negative-axis", "softmax-negative-axis",
    "diamond", "multi-consumer", "two-outputs", "intermediate-output",
)
# ... and rarer variants it records too (not required in a small sample).
MINOR_FEATURES = (
    "exp-through-tanh", "sqrt-through-sigmoid", "squash", "clip-both", "clip-min-only", "clip-max-only",
    "pad-negative", "pad-value", "reshape-minus1", "reshape-zero", "concat-node", "dead-node",
)


@dataclass
class Value:
    name: str
    shape: tuple[int, ...]
    lo: float
    hi: float
    is_node: bool  # a node's result (not a graph input)

    @property
    def rank(self) -> int:
        return len(self.shape)

    @property
    def size(self) -> int:
        return math.prod(self.shape)

    @property
    def max_abs(self) -> float:
        return max(abs(self.lo), abs(self.hi))


@dataclass
class FuzzGraph:
    nodes: list[onnx.NodeProto]
    inputs_: list[tuple[str, tuple[int, ...]]]
    outputs: list[str]
    initializers: dict[str, np.ndarray]
    data_seed: int
    ops: Counter = field(default_factory=Counter)  # main op types (not the Tanh/Sigmoid helpers)
    features: set[str] = field(default_factory=set)
    opset: int = OPSET

    def model(self) -> onnx.ModelProto:
        return make_graph_model(self.nodes, self.inputs_, self.outputs, self.initializers, opset=self.opset, name="fuzz")

    def inputs(self, model: onnx.ModelProto) -> list[np.ndarray]:
        return random_inputs(model, seed=self.data_seed)

    def describe(self, model: onnx.ModelProto | None = None) -> str:
        try:
            text = describe_model(model if model is not None else self.model())
        except (onnx.checker.ValidationError, onnx.shape_inference.InferenceError, ValueError) as error:
            # an invalid model (a generator bug) still gets described, node by node
            text = f"(model does not build: {error})\n" + "\n".join(
                f"  {n.op_type}({', '.join(n.input)}) -> {', '.join(n.output)}" for n in self.nodes)
        floats = ", ".join(f"{n}={v.tolist()}" if v.size <= 4 else f"{n}{list(v.shape)}"
                           for n, v in self.initializers.items() if v.dtype == np.float32)
        return (f"{text}\n  graph outputs: {', '.join(self.outputs)}"
                + (f"\n  float initializers: {floats}" if floats else "")
                + f"\n  input data: random_inputs(model, seed={self.data_seed})")

    def __repr__(self) -> str:
        return "FuzzGraph:\n" + self.describe()

    def _repr_pretty_(self, printer, cycle) -> None:  # what hypothesis prints for a falsifying example
        printer.text(repr(self))


def _broadcast(a: tuple[int, ...], b: tuple[int, ...]) -> tuple[int, ...] | None:
    try:
        return tuple(np.broadcast_shapes(a, b))
    except ValueError:
        return None


def _interval(op: str, a: tuple[float, float], b: tuple[float, float]) -> tuple[float, float]:
    if op == "Add":
        return a[0] + b[0], a[1] + b[1]
    if op == "Sub":
        return a[0] - b[1], a[1] - b[0]
    if op == "Mul":
        products = [x * y for x in a for y in b]
        return min(products), max(products)
    if op == "Div":  # |divisor| >= 0.5
        m = 2 * max(abs(a[0]), abs(a[1]))
        return -m, m
    if op == "Max":
        return max(a[0], b[0]), max(a[1], b[1])
    if op == "Min":
        return min(a[0], b[0]), min(a[1], b[1])
    raise ValueError(op)


def _sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x)) if x > -700 else 0.0


class _Builder:
    """Draws one graph, node by node; `draw` is hypothesis' draw function."""

    opset = OPSET

    def __init__(self, draw):
        self.draw = draw
        self.rng = np.random.default_rng(draw(st.integers(0, 2**16), label="data seed"))
        self.data_seed = draw(st.integers(0, 2**16), label="input seed")
        self.nodes: list[onnx.NodeProto] = []
        self.inputs: list[tuple[str, tuple[int, ...]]] = []
        self.inits: dict[str, np.ndarray] = {}
        self.values: list[Value] = []
        self.ops: Counter = Counter()
        self.features: set[str] = set()
        self.counter = 0
        self.consumed: set[str] = set()

    # -- small draws ----------------------------------------------------------

    def integer(self, lo: int, hi: int) -> int:
        return self.draw(st.integers(lo, hi))

    def boolean(self) -> bool:
        return self.draw(st.booleans())

    def choice(self, options):
        return self.draw(st.sampled_from(list(options)))

    def dim(self) -> int:
        return self.integer(1, MAX_DIM)

    def shape(self, rank: int | None = None) -> tuple[int, ...]:
        if rank is None:
            rank = self.integer(1, 4)
        return tuple(self.dim() for _ in range(rank))

    def fresh(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"

    # -- values ---------------------------------------------------------------

    def new_input(self, shape: tuple[int, ...]) -> Value:
        name = f"x{len(self.inputs)}"
        self.inputs.append((name, shape))
        value = Value(name, shape, -INPUT_BOUND, INPUT_BOUND, is_node=False)
        self.values.append(value)
        return value

    def new_initializer(self, shape: tuple[int, ...], kind: str = "normal") -> Value:
        data = np.asarray(self.rng.standard_normal(shape), dtype=np.float32)
        if kind == "nonzero":
            data = np.where(data < 0, data - 0.5, data + 0.5).astype(np.float32)
        name = self.fresh("c")
        self.inits[name] = data
        lo, hi = (float(data.min()), float(data.max())) if data.size else (0.0, 0.0)
        return Value(name, shape, lo, hi, is_node=False)  # not in self.values: used once, where made

    def int_initializer(self, prefix: str, values: list[int]) -> str:
        name = self.fresh(prefix)
        self.inits[name] = np.array(values, dtype=np.int64)
        return name

    def scalar_initializer(self, value: float) -> str:
        name = self.fresh("s")
        self.inits[name] = np.array(value, dtype=np.float32)
        return name

    def emit(self, op: str, inputs: list[str], shape: tuple[int, ...], lo: float, hi: float, main: bool = True,
             **attrs) -> Value:
        name = self.fresh("v")
        self.nodes.append(helper.make_node(op, inputs, [name], **attrs))
        self.consumed.update(inputs)
        if main:
            self.ops[op] += 1
        value = Value(name, tuple(shape), lo, hi, is_node=True)
        self.values.append(value)
        self.note_shape(value.shape)
        return value

    def note_shape(self, shape: tuple[int, ...]) -> None:
        if len(shape) in (0, 1, 4):
            self.features.add(f"rank{len(shape)}")
        if 1 in shape:
            self.features.add("size1-dim")

    def pick(self, candidates: list[Value] | None = None) -> Value:
        """A value to consume: the most recent one (a chain; what shrinking goes to), one nothing
        consumes yet (keeps dead nodes rare), or any earlier one (diamonds, multi-consumer values)."""
        candidates = self.values if candidates is None else candidates
        how = self.integer(0, 3)
        unused = [v for v in candidates if v.name not in self.consumed]
        if how == 0:
            return candidates[-1]
        if how < 3 and unused:
            candidates = unused
        return candidates[self.integer(0, len(candidates) - 1)]

    # -- conditioning helpers ---------------------------------------------------

    def squash(self, v: Value) -> Value:
        self.features.add("squash")
        return self.emit("Tanh", [v.name], v.shape, math.tanh(v.lo), math.tanh(v.hi), main=False)

    def sigmoid(self, v: Value) -> Value:
        return self.emit("Sigmoid", [v.name], v.shape, _sigmoid(v.lo), _sigmoid(v.hi), main=False)

    # -- ops ------------------------------------------------------------------------

    def elementwise(self, op: str, x: Value) -> Value:
        if op == "Exp":
            if x.hi > 6:
                self.features.add("exp-through-tanh")
                x = self.squash(x)
            return self.emit("Exp", [x.name], x.shape, math.exp(x.lo), math.exp(x.hi))
        if op in ("Sqrt", "Log"):
            if x.lo < POSITIVE:
                self.features.add("sqrt-through-sigmoid")
                x = self.sigmoid(x if x.lo >= -6 else self.squash(x))
            f = math.sqrt if op == "Sqrt" else (lambda t: math.log(t) if t > 0 else -104.0)
            return self.emit(op, [x.name], x.shape, f(x.lo), f(x.hi))
        if op == "Clip":
            a, b = sorted(float(np.float32(t)) for t in self.rng.uniform(-1.5, 1.5, 2))
            which = self.choice(["both", "min-only", "max-only"])
            self.features.add(f"clip-{which}")
            if which == "both":
                ins, lo, hi = [x.name, self.scalar_initializer(a), self.scalar_initializer(b)], a, b
            elif which == "min-only":
                ins, lo, hi = [x.name, self.scalar_initializer(a)], a, math.inf
            else:
                ins, lo, hi = [x.name, "", self.scalar_initializer(b)], -math.inf, b
            return self.emit("Clip", ins, x.shape, min(max(x.lo, lo), hi), max(min(x.hi, hi), lo))
        bounds = {
            "Relu": (max(x.lo, 0.0), max(x.hi, 0.0)),
            "Neg": (-x.hi, -x.lo),
            "Sigmoid": (_sigmoid(x.lo), _sigmoid(x.hi)),
            "Tanh": (math.tanh(x.lo), math.tanh(x.hi)),
            "Erf": (math.erf(x.lo), math.erf(x.hi)),
        }
        return self.emit(op, [x.name], x.shape, *bounds[op])

    def broadcast_partner_shape(self, shape: tuple[int, ...]) -> tuple[int, ...]:
        """A shape that broadcasts with `shape`: lower rank, size-1 dims, or expanding `shape`'s 1s."""
        rank = len(shape)
        new_rank = self.integer(0, min(rank + 1, 4)) if self.boolean() else rank
        out = []
        for i in range(1, new_rank + 1):
            if i > rank:  # leading dims `shape` does not have
                out.append(self.dim())
                continue
            d = shape[-i]
            if d == 1:
                out.append(self.choice([1, self.dim()]))
            else:
                out.append(self.choice([d, 1]))
        return tuple(reversed(out))

    def note_broadcast(self, a: Value, b: Value, result: tuple[int, ...]) -> None:
        if b.rank < a.rank or a.rank < b.rank:
            self.features.add("broadcast-lower-rank")
        if any(d == 1 for d in a.shape + b.shape) and a.shape != b.shape:
            self.features.add("broadcast-size1")
        if result != a.shape:
            self.features.add("broadcast-expands-lhs")

    def operand_for(self, a: Value, divisor: bool = False) -> Value:
        """A second operand for a binary op with `a`: a DAG value, an initializer or a new input."""
        if divisor:
            if self.boolean():
                self.features.add("div-by-constant")
                return self.new_initializer(self.partner_shape_within(a.shape), "nonzero")
            self.features.add("div-by-sigmoid")
            base = self.pick_compatible(a) or self.new_input(self.partner_shape_within(a.shape))
            s = self.sigmoid(base)
            return self.emit("Add", [s.name, self.scalar_initializer(0.5)], s.shape, s.lo + 0.5, s.hi + 0.5, main=False)
        mode = self.choice(["node", "initializer", "input"])
        if mode == "node":
            b = self.pick_compatible(a)
            if b is not None:
                self.features.add("operand-self" if b is a else "operand-node")
                return b
        shape = self.partner_shape_within(a.shape)
        if mode == "input":
            self.features.add("operand-input")
            return self.new_input(shape)
        self.features.add("operand-initializer")
        return self.new_initializer(shape)

    def partner_shape_within(self, shape: tuple[int, ...]) -> tuple[int, ...]:
        """A broadcast partner for `shape`; one that does not grow it if growing would pass MAX_ELEMENTS."""
        partner = self.broadcast_partner_shape(shape)
        if math.prod(_broadcast(shape, partner)) <= MAX_ELEMENTS:  # type: ignore[arg-type]
            return partner
        aligned = partner[len(partner) - min(len(partner), len(shape)):]
        return tuple(p if p == s else 1 for p, s in zip(aligned, shape[len(shape) - len(aligned):]))

    def pick_compatible(self, a: Value) -> Value | None:
        candidates = [v for v in self.values
                      if (r := _broadcast(a.shape, v.shape)) is not None and math.prod(r) <= MAX_ELEMENTS]
        return self.pick(candidates) if candidates else None

    def binary(self, op: str, a: Value) -> Value:
        if op == "Mul" and a.max_abs > math.sqrt(MAX_ABS):
            a = self.squash(a)
        if op == "Div" and self.boolean():  # the dividend from elsewhere, `a` in the divisor
            self.features.add("operand-lhs-swapped")
            lhs = self.operand_for(a)
            base = a
            self.features.add("div-by-sigmoid")
            s = self.sigmoid(base)
            rhs = self.emit("Add", [s.name, self.scalar_initializer(0.5)], s.shape, s.lo + 0.5, s.hi + 0.5, main=False)
        else:
            b = self.operand_for(a, divisor=(op == "Div"))
            if op == "Mul" and b.max_abs > math.sqrt(MAX_ABS):
                b = self.squash(b)
            lhs, rhs = a, b
            if op != "Div" and self.boolean():
                self.features.add("operand-lhs-swapped")
                lhs, rhs = b, a
        shape = _broadcast(lhs.shape, rhs.shape)
        assert shape is not None, (lhs.shape, rhs.shape)
        self.note_broadcast(lhs, rhs, shape)
        lo, hi = _interval(op, (lhs.lo, lhs.hi), (rhs.lo, rhs.hi))
        return self.emit(op, [lhs.name, rhs.name], shape, lo, hi)

    def transpose(self, x: Value) -> Value:
        if self.integer(0, 4) == 0:
            self.features.add("transpose-default-perm")
            return self.emit("Transpose", [x.name], x.shape[::-1], x.lo, x.hi)
        perm = list(self.draw(st.permutations(range(x.rank))))
        return self.emit("Transpose", [x.name], tuple(x.shape[p] for p in perm), x.lo, x.hi, perm=perm)

    def reshape(self, x: Value) -> Value:
        primes, n = [], x.size
        for p in range(2, n + 1):
            while n % p == 0:
                primes.append(p)
                n //= p
            if n == 1:
                break
        rank = self.integer(1, 4)
        dims = [1] * rank
        for p in primes:
            dims[self.integer(0, rank - 1)] *= p
        spec = list(dims)
        if self.boolean():
            same = [i for i in range(min(rank, x.rank)) if dims[i] == x.shape[i]]
            if same:
                self.features.add("reshape-zero")
                spec[self.choice(same)] = 0
        if self.boolean():
            self.features.add("reshape-minus1")
            spec[self.integer(0, rank - 1)] = -1
        return self.emit("Reshape", [x.name, self.int_initializer("shape", spec)], tuple(dims), x.lo, x.hi)

    def flatten(self, x: Value) -> Value:
        axis = self.integer(-x.rank, x.rank)
        a = axis + x.rank if axis < 0 else axis
        if a == 0:
            self.features.add("flatten-axis0")
        return self.emit("Flatten", [x.name], (math.prod(x.shape[:a]), math.prod(x.shape[a:])), x.lo, x.hi, axis=axis)

    def concat(self, x: Value) -> Value:
        modes = [self.choice(["node", "self", "input", "initializer"]) for _ in range(self.integer(1, 2))]
        sizes = [self.dim() for _ in modes]  # along the axis, for new operands
        axis = self.integer(-x.rank, x.rank - 1)
        if "node" in modes:  # an axis along which some other value fits, if there is one
            fits = sorted({i for v in self.values if v.rank == x.rank and v is not x for i in range(x.rank)
                           if all(v.shape[j] == x.shape[j] for j in range(x.rank) if j != i)})
            if fits:
                axis = self.choice(fits)
                axis = axis - x.rank if self.boolean() else axis
        a = axis % x.rank
        candidates = [v for v in self.values if v.rank == x.rank and v is not x
                      and all(v.shape[i] == x.shape[i] for i in range(x.rank) if i != a)]
        picked = [self.pick(candidates) if mode == "node" and candidates else None for mode in modes]
        along = x.shape[a] + sum(p.shape[a] if p is not None else (x.shape[a] if m in ("self", "node") else n)
                                 for p, m, n in zip(picked, modes, sizes))
        if math.prod(x.shape) // x.shape[a] * along > MAX_ELEMENTS:
            return self.elementwise("Relu", x)
        parts = [x]
        for mode, size, p in zip(modes, sizes, picked):
            if p is not None:
                self.features.add("concat-node")
                parts.append(p)
            elif mode in ("self", "node"):
                self.features.add("concat-self")
                parts.append(x)
            else:
                self.features.add("concat-new-operand")
                shape = tuple(size if i == a else d for i, d in enumerate(x.shape))
                parts.append(self.new_input(shape) if mode == "input" else self.new_initializer(shape))
        if len(parts) == 3:
            self.features.add("concat-3")
        shape = list(x.shape)
        shape[a] = along
        return self.emit("Concat", [p.name for p in parts], tuple(shape), min(p.lo for p in parts),
                         max(p.hi for p in parts), axis=axis)

    def pad(self, x: Value) -> Value:
        mode = self.choice(["constant", "reflect", "edge"])
        begins, ends = [], []
        for d in x.shape:
            if mode == "reflect":
                b, e = self.integer(0, min(2, d - 1)), self.integer(0, min(2, d - 1))
            else:
                b, e = self.integer(0, 2), self.integer(0, 2)
                if mode == "constant" and d >= 2 and self.integer(0, 5) == 0:  # crop one element
                    if self.boolean():
                        b = -1
                    else:
                        e = -1
            begins.append(b)
            ends.append(e)
        shape = tuple(d + b + e for d, b, e in zip(x.shape, begins, ends))
        if math.prod(shape) > MAX_ELEMENTS:
            return self.elementwise("Neg", x)
        if any(p < 0 for p in begins + ends):
            self.features.add("pad-negative")
        self.features.add(f"pad-{mode}")
        ins = [x.name, self.int_initializer("pads", begins + ends)]
        lo, hi = x.lo, x.hi
        if mode == "constant":
            lo, hi = min(lo, 0.0), max(hi, 0.0)
            if self.boolean():
                self.features.add("pad-value")
                value = float(np.float32(self.rng.uniform(-2, 2)))
                ins.append(self.scalar_initializer(value))
                lo, hi = min(x.lo, value), max(x.hi, value)
        return self.emit("Pad", ins, shape, lo, hi, mode=mode)

    def reduce(self, op: str, x: Value) -> Value:
        if op == "Softmax":
            axis = self.integer(-x.rank, x.rank - 1)
            if axis < 0:
                self.features.add("softmax-negative-axis")
            return self.emit("Softmax", [x.name], x.shape, 0.0, 1.0, axis=axis)
        keepdims = self.integer(0, 1)
        self.features.add(f"reduce-keepdims{keepdims}")
        if self.integer(0, 3) == 0:  # no axes: reduce everything
            axes, reduced = None, list(range(x.rank))
        else:
            count = self.integer(1, x.rank)
            reduced = sorted(self.draw(st.permutations(range(x.rank)))[:count])
            axes = [a - x.rank if self.integer(0, 2) == 0 else a for a in reduced]
            if any(a < 0 for a in axes):
                self.features.add("reduce-negative-axis")
        if len(reduced) == x.rank:
            self.features.add("reduce-all")
        count = math.prod(x.shape[a] for a in reduced)
        if op == "ReduceSum" and x.max_abs * count > MAX_ABS:
            x = self.squash(x)
        shape = tuple(1 if i in reduced else d for i, d in enumerate(x.shape) if keepdims or i not in reduced)
        lo, hi = (x.lo * count, x.hi * count) if op == "ReduceSum" else (x.lo, x.hi)
        attrs: dict[str, object] = {"keepdims": keepdims}
        ins = [x.name]
        if op == "ReduceSum" or self.opset >= 18:  # axes became an input (ReduceSum: from opset 13)
            if axes is not None:
                ins.append(self.int_initializer("axes", axes))
        elif axes is not None:
            attrs["axes"] = axes
        return self.emit(op, ins, shape, lo, hi, **attrs)

    def step(self) -> None:
        x = self.pick()
        kinds = ["elementwise", "binary", "injective", "reduction"]
        kind = self.choice(kinds if x.rank > 0 else kinds[:2])  # a 0-d value only feeds elementwise ops
        op = self.choice({"elementwise": ELEMENTWISE, "binary": BINARY, "injective": INJECTIVE,
                          "reduction": REDUCTION}[kind])
        if kind == "elementwise":
            self.elementwise(op, x)
        elif kind == "binary":
            self.binary(op, x)
        elif kind == "reduction":
            self.reduce(op, x)
        else:
            getattr(self, op.lower())(x)

    def finish(self) -> FuzzGraph:
        consumers: Counter = Counter()
        for node in self.nodes:
            for name in set(node.input):
                consumers[name] += 1
        node_values = [v for v in self.values if v.is_node]
        last = node_values[-1]
        outputs = [last.name]
        others = [v for v in node_values if v is not last]
        if others and self.boolean():  # pick() prefers a value nothing consumes: fewer dead nodes
            outputs.append(self.pick(others).name)
            self.features.add("two-outputs")
        if any(consumers[o] for o in outputs):
            self.features.add("intermediate-output")
        if any(consumers[v.name] >= 2 for v in node_values):
            self.features.add("multi-consumer")
        if any(consumers[v.name] == 0 and v.name not in outputs for v in node_values):
            self.features.add("dead-node")
        if self._has_diamond():
            self.features.add("diamond")
        return FuzzGraph(self.nodes, self.inputs, outputs, self.inits, self.data_seed, self.ops, self.features, self.opset)

    def _has_diamond(self) -> bool:
        """Some node reaches another along two different paths."""
        producer = {o: n for n in self.nodes for o in n.output}
        paths: dict[str, Counter] = {}  # value -> {ancestor value: number of paths}
        for node in self.nodes:
            count: Counter = Counter()
            for name in node.input:
                if name in producer:
                    count[name] += 1
                    count.update(paths[name])
            if any(c >= 2 for c in count.values()):
                return True
            paths.update((output, count) for output in node.output)
        return False


@st.composite
def fuzz_graphs(draw) -> FuzzGraph:
    """A random DAG of MIN_NODES..MAX_NODES ONNX nodes (helpers included) with 1-2 outputs."""
    b = _Builder(draw)
    b.new_input(b.shape())
    target = draw(st.integers(MIN_NODES, MAX_NODES), label="node count")
    while len(b.nodes) < target:
        b.step()
    return b.finish()
