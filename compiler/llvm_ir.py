"""Translate a loop-level module (func + arith + math + loop + memref globals) to LLVM IR text.

Why text, and why this shape of IR
----------------------------------
We hand the IR to a real clang (DESIGN.md, principle 5), and textual LLVM IR with
opaque pointers is stable enough across clang 15..22 to be our interface. What
makes the machine code fast is what the IR *tells* clang (principle 4), so the
translator spends its effort there:

- Every buffer parameter is `noalias nocapture`, plus `readonly` when nothing
  stores through it (found by a small whole-module analysis, through calls), plus
  `dereferenceable(<bytes>)` because all shapes are static. Without `noalias` clang
  must assume an output store may change an input, and it will not vectorise.
- Loop bounds that are constants are printed as literals (`icmp slt i64 %i, 64`)
  and induction variables step with `add nsw`: scalar evolution then knows the
  trip count exactly.
- Element addresses are one `getelementptr inbounds` from the buffer base with a
  linear offset `sum(index_k * stride_k)` computed with `nuw nsw` arithmetic
  (memref accesses are in bounds by definition), folding constant indices.
- Fast-math flags only where the IR carries them: the loop level marks the op
  that folds a value into a reduction's accumulator `reassoc` (a reduction's
  order is unspecified, and onnxruntime sums in vector lanes too), which lets
  clang vectorize reductions. Nothing else is relaxed.

Vectors
-------
`unroll-and-jam` may compute neighbouring outputs as the lanes of a 1-D fixed-size
vector (`vector<16xf32>`): such values become LLVM vectors (`<16 x float>`) of any
width, and clang splits or widens them to the target's registers. Arith and math
ops on them are the scalar instructions and intrinsics with vector types
(`llvm.fma.v16f32`); the functions with no LLVM intrinsic (`tanhf`) are called lane
by lane, since no vector libm is available everywhere. `loop.vector_load` and
`loop.vector_store` are one `load`/`store <N x T>` at the first element's address,
aligned to one element; `loop.strided_vector_load` is `stride` such loads and
shuffles of their lanes; a vector store is a write for the parameter analysis
below. `vector.broadcast` is the insertelement + shufflevector splat idiom,
`vector.extract` / `vector.insert` (one static lane) are extractelement /
insertelement. `loop.vector_cmpf`, `loop.vector_select` and `loop.vector_cast` are
`fcmp`, `select` and the conversion instructions on `<N x i1>` masks and vectors.
Vectors are local values only: never parameters, results or constants.

Memory
------
Each `loop.alloc` becomes its own `internal global [N x T] zeroinitializer,
align 64` (it lands in .bss, costs nothing in the file). After `plan-memory`
the entry function has one `loop.alloc`, its byte arena, and each intermediate
buffer is a `loop.view` of it: a `getelementptr i8` from the arena's global at
the view's constant byte offset. **Either way the generated `<entry>_run` is
not reentrant**: two threads running the same model at once share these static
buffers (the arena would have to be passed in by the caller to fix that).

Run-time checks
---------------
The module exports one global, `@<entry>_error` (a `ptr`, null unless the last
run failed a check), in every module, so a C caller can always name it. Each
`loop.check %ok, "message"` becomes a branch on `%ok`, marked unlikely to fail,
to a block that stores the address of a private C string holding the message
into that global (an atomic, monotonic store: threads of the pool may fail
checks at once; any one message is the run's), and goes on: the code around a check is safe by itself (a
gathered index is clamped), so the run finishes. The entry point clears the
global first, and returns 2 if it is set at the end (1 stays: a symbol past its
bound; 0: success). A check in a kernel's inner loop is a branch there, which
keeps clang from vectorising that loop.

Threads
-------
Every module declares `@<entry>_parallel_for`, the thread pool that
compiler/toolchain.py compiles into the library or object from
compiler/thread_pool.c (exporting `<entry>_set_num_threads`). The outermost
`loop.parallel` of a function (not one inside another loop.parallel, nor one
whose body allocates or calls) is outlined: its body becomes
`@<fn>.par.<iv>(i64 %begin, i64 %end, <values it uses>)` over the iterations
[begin, end), with the caller's parameter attributes on the buffers it takes,
and `@<fn>.par.<iv>.task(i64, i64, ptr %context)` unpacks those values from a
context struct for the pool. The function stores them into the context (an
`alloca` in its entry block) and calls `@<entry>_parallel_for(task, context,
lower, upper, step, work)`, `work` being an estimate of the ops one iteration
runs, so that the pool keeps small loops on the calling thread. Nested
loop.parallel ops stay sequential loops inside the outlined body.

Weights
-------
Without a weights file, each `memref.global` becomes an `internal constant` with a
literal initializer (floats written as the exact hex double form LLVM requires).
With a weights file, every constant global of more than `INLINE_ELEMENT_LIMIT` elements is
packed into one binary blob at 64-byte aligned offsets, which the IR embeds with
module-level inline assembly (`.incbin "<weights_file>"`) under the label
`<entry>_weights`, declared to LLVM as `external hidden constant [N x i8]`. The
label stays local to the object, so several models can be linked into one library.
The assembly uses only syntax that both the x86_64 and the aarch64 ELF assemblers
accept (no `@progbits`: `@` starts a comment on aarch64).

Structure
---------
`ScalarType` / `BufferType`: the type table (xDSL type -> LLVM spelling, size,
literal printer). `ModuleTranslator`: symbols, globals, the weights blob, the
parameter analysis, and the final text. `FunctionEmitter`: one instance per
function; `HANDLERS` maps each supported op class to one emitter method (families
such as binary ops or intrinsics share a method through a table). Any op not in
`HANDLERS` raises `OptFuseError` naming it: we never emit code we do not understand.
"""

from __future__ import annotations

import itertools
import re
import struct
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import partial
from math import prod

import numpy as np
from xdsl.dialects import arith, func, math, memref, vector
from xdsl.dialects.builtin import (
    AffineMapAttr,
    DenseIntOrFPElementsAttr,
    Float16Type,
    Float32Type,
    Float64Type,
    FloatAttr,
    IndexType,
    IntegerAttr,
    IntegerType,
    MemRefType,
    ModuleOp,
    NoneAttr,
    Signedness,
    StridedLayoutAttr,
    UnitAttr,
    VectorType,
)
from xdsl.ir import Attribute, Block, BlockArgument, Operation, SSAValue
from xdsl.ir.affine import AffineMap

from compiler.errors import OptFuseError
from compiler.targets import Target
from dialects import loop
from dialects.dims import MAX_TENSOR_BYTES, SIZE_LIMIT, bounds_of, describe_bytes

INLINE_ELEMENT_LIMIT = 64
"""With a weights file, globals with more elements than this go into the blob."""

BLOB_ALIGN = 64
"""Alignment (bytes) of each weight inside the blob, and of the blob itself: a cache line, and
enough for any vector load."""

BUFFER_ALIGN = 64
"""Alignment of the static buffers made for `loop.alloc` and of inline constants."""


# --------------------------------------------------------------------------- types


@dataclass(frozen=True)
class ScalarType:
    """How one xDSL scalar type looks in LLVM IR (the role of tinygrad's `ldt` table).

    `ir` is the type of SSA values, `mem` the type of an element in memory: they
    differ only for i1, which we store as a byte (as numpy's bool does), because
    LLVM leaves the upper bits of a stored i1 unspecified.
    """

    ir: str
    mem: str
    size: int
    """Bytes per element in memory (also the access alignment)."""
    is_float: bool
    np_dtype: str
    """The little-endian numpy dtype of an element in memory."""
    libm_suffix: str | None = None
    """Suffix of the C math library function for this type (`tanhf`), None if libm has none."""

    @property
    def bits(self) -> int:
        return 1 if self.ir == "i1" else self.size * 8

    @property
    def intrinsic_suffix(self) -> str:
        """The overload suffix of LLVM intrinsics: `llvm.exp.f32`, `llvm.smax.i64`."""
        return {"half": "f16", "float": "f32", "double": "f64"}.get(self.ir, self.ir)

    def literal(self, value: float) -> str:
        """An SSA constant of this type, spelled as LLVM IR requires."""
        if self.is_float:
            return float_literal(float(value), self.ir)
        if self.ir == "i1":
            return "true" if value else "false"
        return str(signed_value(int(value), self.bits))

    def memory_literals(self, raw: np.ndarray) -> list[str]:
        """Literals for elements of a global's initializer, from their in-memory values."""
        if not self.is_float:
            return [str(v) for v in raw.astype(np.int64).tolist()]
        if self.ir == "half":
            return [f"0xH{v:04X}" for v in raw.view("<u2").tolist()]
        return [f"0x{v:016X}" for v in raw.astype("<f8").view("<u8").tolist()]


def signed_value(value: int, bits: int) -> int:
    """Two's complement reinterpretation of `value` in `bits` bits (LLVM prints integers signed)."""
    value &= (1 << bits) - 1
    return value - (1 << bits) if value >> (bits - 1) else value


def float_literal(value: float, ir_type: str) -> str:
    """LLVM's exact spelling of a float constant.

    LLVM accepts a decimal literal for `float` only if it is exactly representable,
    so we write the bits: `float` and `double` as the 64-bit hex pattern of the
    (exactly widened) double, `half` as `0xH` and its own 16 bits. Short values whose
    shortest repr is exact (`1.0`, `0.5`) stay decimal for readability.
    """
    if ir_type == "half":
        return f"0xH{int(np.array(value, '<f2').view('<u2')):04X}"
    if ir_type == "float":
        value = float(np.float32(value))
    short = repr(value)
    if len(short) <= 8 and _LLVM_DECIMAL.fullmatch(short):
        return short  # `1.0`, `-0.5`: exact (repr round-trips), and easier to read than hex
    return "0x" + struct.pack(">d", value).hex().upper()


_LLVM_DECIMAL = re.compile(r"[-+]?[0-9]+[.][0-9]*([eE][-+]?[0-9]+)?")
"""The decimal float syntax LLVM's lexer accepts (no `inf`, `nan`, or `1e-05` without a dot)."""


_F = dict(is_float=True)
SCALAR_TYPES: dict[Attribute, ScalarType] = {
    Float16Type(): ScalarType("half", "half", 2, np_dtype="<f2", **_F),
    Float32Type(): ScalarType("float", "float", 4, np_dtype="<f4", libm_suffix="f", **_F),
    Float64Type(): ScalarType("double", "double", 8, np_dtype="<f8", libm_suffix="", **_F),
    IntegerType(1): ScalarType("i1", "i8", 1, False, "u1"),
    IntegerType(8): ScalarType("i8", "i8", 1, False, "<i1"),
    IntegerType(8, Signedness.UNSIGNED): ScalarType("i8", "i8", 1, False, "<u1"),
    IntegerType(16): ScalarType("i16", "i16", 2, False, "<i2"),
    IntegerType(32): ScalarType("i32", "i32", 4, False, "<i4"),
    IntegerType(64): ScalarType("i64", "i64", 8, False, "<i8"),
    IndexType(): ScalarType("i64", "i64", 8, False, "<i8"),
}
"""The scalar types we translate. `index` is 64 bits on both targets."""

INDEX = SCALAR_TYPES[IndexType()]


def describe_op(op: Operation) -> str:
    """The op's first printed line, for error messages (ops carry no source locations yet)."""
    try:
        text = str(op).strip().splitlines()[0]
    except Exception:  # printing a half-built op must not hide the real error
        text = op.name
    return text if len(text) <= 160 else text[:157] + "..."


def scalar_type(type_: Attribute, where: Operation | str) -> ScalarType:
    """The table entry for a scalar type, or an error naming the op that uses it."""
    if (entry := SCALAR_TYPES.get(type_)) is None:
        context = where if isinstance(where, str) else f"'{where.name}' ({describe_op(where)})"
        raise OptFuseError(f"emit-llvm: type {type_} is not supported, in {context}")
    return entry


def row_major_strides(shape: Sequence[int]) -> tuple[int, ...]:
    strides, step = [], 1
    for dim in reversed(shape):
        strides.append(step)
        step *= dim
    return tuple(reversed(strides))


@dataclass(frozen=True)
class BufferType:
    """A memref with a static shape and the identity (row-major, contiguous) layout, as a flat array.

    `dynamic`: a `memref<?xT>`, the flat form of a tensor with symbolic dims
    (its kernels compute linear indices from the symbols); its size is unknown
    here, so it gets no `dereferenceable` and is never a global.
    """

    element: ScalarType
    shape: tuple[int, ...]
    dynamic: bool = False

    @property
    def strides(self) -> tuple[int, ...]:
        return row_major_strides(self.shape)

    @property
    def count(self) -> int:
        return 0 if self.dynamic else prod(self.shape)

    @property
    def nbytes(self) -> int:
        return self.count * self.element.size

    @property
    def array_type(self) -> str:
        return f"[{self.count} x {self.element.mem}]"


def _is_identity_layout(type_: MemRefType) -> bool:
    layout = type_.layout
    if isinstance(layout, NoneAttr):
        return True
    shape = type_.get_shape()
    if isinstance(layout, StridedLayoutAttr):
        return tuple(layout.get_strides()) == row_major_strides(shape) and layout.get_offset() in (0, None)
    if isinstance(layout, AffineMapAttr):
        return layout.data == AffineMap.identity(len(shape))
    return False


def buffer_type(type_: Attribute, where: Operation | str) -> BufferType:
    """The flat view of a memref type, or an error: dynamic shapes other than the flat `memref<?xT>`
    and strided layouts are not supported (they need runtime sizes and stride arguments)."""

    def context() -> str:  # only for an error: printing the op is slow on big kernels
        return where if isinstance(where, str) else f"'{where.name}' ({describe_op(where)})"

    if not isinstance(type_, MemRefType):
        raise OptFuseError(f"emit-llvm: expected a memref, got {type_}, in {context()}")
    dynamic = not type_.has_static_shape()
    if dynamic and len(type_.get_shape()) != 1:
        raise OptFuseError(f"emit-llvm: {type_} has a dynamic shape of rank > 1, which is not supported (use a flat memref<?xT>), in {context()}")
    if not _is_identity_layout(type_):
        raise OptFuseError(f"emit-llvm: {type_} does not have the identity (row-major) layout, in {context()}")
    if not isinstance(type_.memory_space, NoneAttr):
        raise OptFuseError(f"emit-llvm: memory space {type_.memory_space} is not supported, in {context()}")
    buffer = BufferType(scalar_type(type_.element_type, where), (0,) if dynamic else type_.get_shape(), dynamic)
    if buffer.nbytes > MAX_TENSOR_BYTES:  # its offsets could wrap the i64 arithmetic; it could not be allocated anyway
        raise OptFuseError(
            f"emit-llvm: {type_} takes {describe_bytes(buffer.nbytes)}, past the {SIZE_LIMIT}, in {context()}"
        )
    return buffer


@dataclass(frozen=True)
class LaneType:
    """The type of a non-buffer SSA value: a scalar (`lanes` None) or a 1-D fixed-size vector of one.

    Most instructions take vectors exactly as they take scalars, so handlers spell
    types, constants and intrinsic names through this and work for both.
    """

    element: ScalarType
    lanes: int | None = None

    def _spell(self, scalar: str) -> str:
        return scalar if self.lanes is None else f"<{self.lanes} x {scalar}>"

    @property
    def ir(self) -> str:
        """`float`, `<16 x float>`."""
        return self._spell(self.element.ir)

    @property
    def mem(self) -> str:
        """The type in memory: `<16 x i8>` for a vector of i1 (see ScalarType)."""
        return self._spell(self.element.mem)

    @property
    def mask(self) -> str:
        """The type of a comparison's result: `i1`, `<16 x i1>`."""
        return self._spell("i1")

    @property
    def intrinsic_suffix(self) -> str:
        """`f32`, `v16f32`: LLVM's overload suffix (`llvm.fma.v16f32`)."""
        suffix = self.element.intrinsic_suffix
        return suffix if self.lanes is None else f"v{self.lanes}{suffix}"

    def literal(self, value: float) -> str:
        """A constant with `value` in every lane."""
        return self.splat(self.element.literal(value))

    def splat(self, scalar: str) -> str:
        """The constant with the scalar literal `scalar` in every lane (LLVM 15 has no `splat(...)`
        syntax, so the lanes are spelled out; all-zero bits are `zeroinitializer`)."""
        if self.lanes is None:
            return scalar
        if scalar in ("0", "0.0", "false", "0xH0000"):
            return "zeroinitializer"
        return f"<{', '.join([f'{self.element.ir} {scalar}'] * self.lanes)}>"

    @property
    def zero(self) -> str:
        return "0" if self.lanes is None else "zeroinitializer"


def lane_type(type_: Attribute, where: Operation | str) -> LaneType:
    """The lane view of a scalar or vector type, or an error naming the op: vectors must be
    1-D, fixed-size, of a float or an integer that is not `index`."""
    if not isinstance(type_, VectorType):
        return LaneType(scalar_type(type_, where))
    element = scalar_type(type_.element_type, where)
    shape = type_.get_shape()
    if len(shape) != 1 or shape[0] < 1 or type_.get_num_scalable_dims() or isinstance(type_.element_type, IndexType):
        context = where if isinstance(where, str) else f"'{where.name}' ({describe_op(where)})"
        raise OptFuseError(
            f"emit-llvm: type {type_} is not supported (only 1-D fixed-size vectors of floats or integers), in {context}"
        )
    return LaneType(element, shape[0])


def value_type(type_: Attribute, where: Operation | str) -> str:
    """The LLVM type of an SSA value or parameter: `ptr` for a buffer, else the scalar or vector type."""
    if isinstance(type_, MemRefType):
        buffer_type(type_, where)  # validate shape and layout early
        return "ptr"
    return lane_type(type_, where).ir


# --------------------------------------------------------------------------- names

_SIMPLE_SYMBOL = re.compile(r"[-a-zA-Z$._][-a-zA-Z$._0-9]*")
_C_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def llvm_string(text: str) -> str:
    """Body of an LLVM string literal: printable ASCII stays, anything else is `\\XX` (UTF-8 bytes)."""
    out = []
    for byte in text.encode():
        char = chr(byte)
        out.append(char if 0x20 <= byte < 0x7F and char not in '"\\' else f"\\{byte:02X}")
    return "".join(out)


def global_ref(name: str) -> str:
    """`@name`, quoted when the name has characters LLVM's bare identifiers do not allow."""
    return f"@{name}" if _SIMPLE_SYMBOL.fullmatch(name) else f'@"{llvm_string(name)}"'


def sanitize(hint: str | None, fallback: str) -> str:
    """A readable LLVM identifier from an xDSL name hint: invalid characters become `_`."""
    name = re.sub(r"[^A-Za-z0-9_.]", "_", hint or "") or fallback
    return name if not name[0].isdigit() else f"v{name}"


class Namer:
    """Hands out unique names in one LLVM namespace (module symbols, or one function's locals).

    Readable names matter: the IR is meant to be read next to the loop-level input,
    so `%acc` stays `%acc`, and a clash becomes `%acc.1` rather than a number.
    """

    def __init__(self, reserved: Iterable[str] = ()):
        self.used: set[str] = set(reserved)
        self._next: dict[str, int] = {}
        """The suffix to try first for a base name (a big kernel asks for `%acc` thousands of times)."""

    def fresh(self, hint: str | None, fallback: str = "v") -> str:
        base = sanitize(hint, fallback)
        name, n = base, self._next.get(base, 0)
        if n:
            name = f"{base}.{n}"
        while name in self.used:
            n += 1
            name = f"{base}.{n}"
        self.used.add(name)
        self._next[base] = n + 1
        return name

    def fresh_group(self, base: str, suffixes: Sequence[str]) -> str:
        """A stem such that `stem + s` is free for every suffix (labels of one loop share a stem)."""
        stem, n = sanitize(base, "bb"), 0
        while any(stem + s in self.used for s in suffixes):
            n += 1
            stem = f"{sanitize(base, 'bb')}.{n}"
        self.used.update(stem + s for s in suffixes)
        return stem


# --------------------------------------------------------------------------- the result


@dataclass(frozen=True)
class EntryParam:
    """One parameter of `<entry>_run`, in order: what a C header or a ctypes loader needs."""

    name: str
    type: str
    """`ptr` for a buffer, else the LLVM scalar type."""
    shape: tuple[int, ...] | None
    np_dtype: str
    readonly: bool
    """True for a buffer the model never writes: an input (outputs are written)."""
    element: str
    """The LLVM element (or scalar) type: `float`, `i64`, ..."""
    dynamic: bool = False
    """A flat buffer whose size depends on the symbols passed before it."""


@dataclass(frozen=True)
class LLVMModule:
    text: str
    """The LLVM IR, ready for clang."""
    weights: bytes
    """The weights blob to write to the weights file (empty when everything is inline)."""
    entry_symbol: str = ""
    """The exported function, `<entry>_run`."""
    params: tuple[EntryParam, ...] = ()
    error_symbol: str = ""
    """The exported `const char *` global, `<entry>_error`: the message of the check that failed
    the last run (status 2), else null."""


ERROR_SUFFIX = "_error"
"""`<entry>` + this names the exported global holding the message of a failed run-time check."""

FAILED_CHECK_STATUS = 2
"""What `<entry>_run` returns when a `loop.check` failed during the run."""

PARALLEL_FOR_SUFFIX = "_parallel_for"
"""`<entry>` + this: the thread pool's entry (compiler/thread_pool.c), declared in every module."""
SET_THREADS_SUFFIX = "_set_num_threads"
"""`<entry>` + this: the exported `void (int)` setting the threads parallel loops run on (default 1)."""
GET_THREADS_SUFFIX = "_get_num_threads"

UNKNOWN_TRIP_COUNT = 16
"""What the work estimate of a parallel loop assumes for a nested loop whose bounds are not constants."""

CHECK_BRANCH_WEIGHTS = "!{!\"branch_weights\", i32 2000, i32 1}"
"""The metadata that tells clang a check almost never fails (what `__builtin_expect` gives)."""


# --------------------------------------------------------------------------- module level


@dataclass
class FunctionInfo:
    op: func.FuncOp
    symbol: str
    """The LLVM symbol (without `@`)."""
    is_entry: bool
    written: set[int] = field(default_factory=set)
    """Indices of buffer parameters the function may store through (directly or via calls)."""
    may_alias: set[int] = field(default_factory=set)
    """Buffer parameters that some call site passes the same buffer as a written parameter: no `noalias`."""

    @property
    def arg_types(self) -> Sequence[Attribute]:
        return self.op.function_type.inputs.data

    @property
    def result_types(self) -> Sequence[Attribute]:
        return self.op.function_type.outputs.data


@dataclass(frozen=True)
class GlobalInfo:
    """Where a `memref.global` lives: its own LLVM global, or an offset into the weights blob."""

    symbol: str | None
    blob_offset: int | None
    buffer: BufferType
    constant: bool


class WeightsBlob:
    """The weights file's contents: arrays packed at `BLOB_ALIGN`-byte aligned offsets."""

    def __init__(self) -> None:
        self.data = bytearray()

    def append(self, raw: bytes) -> int:
        self.data.extend(b"\0" * (-len(self.data) % BLOB_ALIGN))
        offset = len(self.data)
        self.data.extend(raw)
        return offset


def global_memory(op: memref.GlobalOp, buffer: BufferType) -> np.ndarray | None:
    """A global's initial contents as an array of its in-memory element type, None if uninitialized.

    Splats may be stored as one element; i1 is normalized to bytes 0/1 (xDSL stores `true` as 0xFF).
    """
    init = op.initial_value
    if isinstance(init, UnitAttr):
        return None
    assert isinstance(init, DenseIntOrFPElementsAttr)
    element = buffer.element
    raw = np.frombuffer(init.data.data, dtype=element.np_dtype)
    if raw.size == 1 and buffer.count != 1:
        raw = np.repeat(raw, buffer.count)
    if raw.size != buffer.count:
        raise OptFuseError(
            f"emit-llvm: memref.global @{op.sym_name.data} has {raw.size} values for {buffer.count} elements"
        )
    if element.ir == "i1":
        raw = (raw != 0).astype(np.uint8)
    return raw


def array_initializer(element: ScalarType, raw: np.ndarray) -> str:
    """An LLVM array constant, eight elements per line; all zero bytes become `zeroinitializer`."""
    if not raw.any() and not (element.is_float and np.signbit(raw).any()):
        return "zeroinitializer"
    literals = [f"{element.mem} {lit}" for lit in element.memory_literals(raw)]
    rows = [", ".join(literals[i : i + 8]) for i in range(0, len(literals), 8)]
    return "[\n  " + ",\n  ".join(rows) + "\n]"


class ModuleTranslator:
    """Translates one module: symbols, globals, parameter analysis, then each function."""

    def __init__(self, module: ModuleOp, target: Target, weights_file: str = ""):
        self.module = module
        self.target = target
        self.weights_file = weights_file
        self.functions: dict[str, FunctionInfo] = {}
        self.globals: dict[str, GlobalInfo] = {}
        self.global_lines: list[str] = []
        self.declarations: dict[str, str] = {}
        """Callee symbol -> its `declare` line (intrinsics and libm), emitted once each."""
        self.blob = WeightsBlob()
        self.entry: FunctionInfo | None = None
        self.alloc_count = 0
        self.alloc_bytes = 0
        self.messages: dict[str, str] = {}
        """Message of a loop.check -> the symbol of its private C string."""
        self.has_checks = False
        self.type_lines: list[str] = []
        """Named struct types: the context of each outlined parallel loop."""
        self.outlined: list[list[str]] = []
        """Functions outlined from parallel loops while emitting the current function."""

    # -- public

    def translate(self) -> LLVMModule:
        func_ops, global_ops = self._top_level_ops()
        entry_op = self._find_entry(func_ops)
        entry_name = entry_op.sym_name.data
        self.run_symbol = f"{entry_name}_run"
        self.weights_symbol = f"{entry_name}_weights"
        self.error_symbol = f"{entry_name}{ERROR_SUFFIX}"
        self.pool_prefix = entry_name
        self.parallel_for_symbol = f"{entry_name}{PARALLEL_FOR_SUFFIX}"
        pool_symbols = [f"{entry_name}{suffix}" for suffix in (PARALLEL_FOR_SUFFIX, SET_THREADS_SUFFIX, GET_THREADS_SUFFIX)]
        self.symbols = Namer([self.run_symbol, self.weights_symbol, self.error_symbol, *pool_symbols, *LIBM_RESERVED])
        self.declare(
            self.parallel_for_symbol,
            f"declare void {global_ref(self.parallel_for_symbol)}(ptr, ptr nocapture, i64, i64, i64, i64) #0",
        )
        self.has_checks = any(isinstance(nested, loop.CheckOp) for op in func_ops for nested in op.walk())
        self.global_lines.append(f"{global_ref(self.error_symbol)} = global ptr null, align 8")
        for op in func_ops:
            is_entry = op is entry_op
            symbol = self.run_symbol if is_entry else self.symbols.fresh(op.sym_name.data)
            self.functions[op.sym_name.data] = info = FunctionInfo(op, symbol, is_entry)
            if is_entry:
                self.entry = info
        for op in global_ops:
            self._add_global(op)
        self._analyze_parameters()
        bodies = []
        for info in [*(i for i in self.functions.values() if not i.is_entry), self.entry]:
            bodies.append(FunctionEmitter(self, info).emit())
            bodies += self.outlined  # a kernel's parallel loops follow it
            self.outlined = []
        return LLVMModule(
            self._assemble(bodies), bytes(self.blob.data), self.run_symbol, self._entry_params(), self.error_symbol
        )

    # -- collection

    def _top_level_ops(self) -> tuple[list[func.FuncOp], list[memref.GlobalOp]]:
        funcs, globals_ = [], []
        for op in self.module.ops:
            if isinstance(op, func.FuncOp):
                if not op.body.blocks:
                    raise OptFuseError(
                        f"emit-llvm: func.func @{op.sym_name.data} has no body; external functions are not supported"
                    )
                if len(op.body.blocks) != 1:
                    raise OptFuseError(f"emit-llvm: func.func @{op.sym_name.data} has several blocks; expected one")
                funcs.append(op)
            elif isinstance(op, memref.GlobalOp):
                globals_.append(op)
            else:
                raise unsupported(op, "at module level")
        return funcs, globals_

    @staticmethod
    def _find_entry(funcs: list[func.FuncOp]) -> func.FuncOp:
        public = [f for f in funcs if f.sym_visibility is None or f.sym_visibility.data == "public"]
        if len(public) != 1:
            names = ", ".join(f"@{f.sym_name.data}" for f in public) or "none"
            raise OptFuseError(
                f"emit-llvm: expected exactly one public func.func (the model's entry point), found {names}; "
                "kernels must be private"
            )
        entry = public[0]
        if not _C_IDENTIFIER.fullmatch(entry.sym_name.data):
            raise OptFuseError(
                f"emit-llvm: the entry point's name @{entry.sym_name.data} must be a C identifier, "
                f"since it is exported as {entry.sym_name.data}_run"
            )
        if entry.function_type.outputs.data:
            raise OptFuseError(
                f"emit-llvm: the entry point @{entry.sym_name.data} must return nothing; outputs are buffer arguments"
            )
        return entry

    def _add_global(self, op: memref.GlobalOp) -> None:
        name = op.sym_name.data
        buffer = buffer_type(op.type, f"memref.global @{name}")
        raw = global_memory(op, buffer)
        constant = op.constant is not None
        if constant and raw is not None and self.weights_file and buffer.count > INLINE_ELEMENT_LIMIT:
            offset = self.blob.append(raw.tobytes())
            self.globals[name] = GlobalInfo(None, offset, buffer, constant)
            return
        symbol = self.symbols.fresh(name)
        kind = "constant" if constant else "global"
        init = "zeroinitializer" if raw is None else array_initializer(buffer.element, raw)
        self.global_lines.append(
            f"{global_ref(symbol)} = internal {kind} {buffer.array_type} {init}, align {BUFFER_ALIGN}"
        )
        self.globals[name] = GlobalInfo(symbol, None, buffer, constant)

    def new_buffer(self, function: str, hint: str | None, buffer: BufferType) -> str:
        """A static zero-initialized buffer for a `loop.alloc` (see the module docstring on reentrancy)."""
        self.alloc_count += 1
        self.alloc_bytes += buffer.nbytes
        symbol = self.symbols.fresh(f"{function}.{sanitize(hint, 'buf')}")
        self.global_lines.append(
            f"{global_ref(symbol)} = internal global {buffer.array_type} zeroinitializer, align {BUFFER_ALIGN}"
        )
        return symbol

    def message(self, text: str) -> str:
        """The symbol of a private C string holding `text` (one per distinct message)."""
        if text not in self.messages:
            symbol = self.symbols.fresh(f"{self.error_symbol}.msg")
            data = text.encode()
            self.global_lines.append(
                f'{global_ref(symbol)} = private unnamed_addr constant [{len(data) + 1} x i8] c"{llvm_string(text)}\\00", align 1'
            )
            self.messages[text] = symbol
        return self.messages[text]

    def declare(self, symbol: str, line: str) -> None:
        self.declarations.setdefault(symbol, line)

    # -- analysis

    def _analyze_parameters(self) -> None:
        """Which buffer parameters each function writes, and which must not be `noalias`.

        `readonly` must be true of the whole call tree, so writes propagate from
        callee parameters to the caller's arguments until nothing changes. A call
        that passes overlapping memory as two parameters, one of them written, would
        make `noalias` a lie (undefined behaviour), so those parameters lose it.

        Overlap is decided on byte extents (`_extent`), not trusted to plan-memory:
        two `loop.view`s of one arena overlap exactly where their byte ranges meet.
        For plan-memory's output no kernel argument loses `noalias` this way: a call
        is a use of each of its operands, so all of them are live at that call, and
        the planner gives buffers that are live at the same time disjoint bytes of
        the arena. The views also keep `dereferenceable(<bytes>)`: loop.view's
        verifier checks that each one fits in its arena.
        """
        calls: dict[str, list[func.CallOp]] = {}
        for name, info in self.functions.items():
            calls[name] = []
            for op in info.op.walk():
                if isinstance(op, (*loop.STORES, memref.StoreOp)):  # a vector store writes too
                    self._note_write(info, op.memref if isinstance(op, memref.StoreOp) else op.buffer)
                elif isinstance(op, func.CallOp):
                    calls[name].append(op)
        changed = True
        while changed:
            changed = False
            for name, info in self.functions.items():
                for call in calls[name]:
                    callee = self.functions.get(call.callee.root_reference.data)
                    if callee is None:
                        continue  # reported when the call is emitted
                    for index in callee.written:
                        if index < len(call.arguments):
                            changed |= self._note_write(info, call.arguments[index])
        for name, info in self.functions.items():
            for call in calls[name]:
                callee = self.functions.get(call.callee.root_reference.data)
                if callee is None:
                    continue
                extents = [(i, self._extent(arg)) for i, arg in enumerate(call.arguments) if isinstance(arg.type, MemRefType)]
                for (i, a), (j, b) in itertools.combinations(extents, 2):
                    if (i in callee.written or j in callee.written) and _extents_overlap(a, b):
                        callee.may_alias.update((i, j))

    def _note_write(self, info: FunctionInfo, buffer: SSAValue) -> bool:
        """Record a store through `buffer` in `info`'s function; True if that added a written parameter."""
        if isinstance(buffer, BlockArgument) and buffer.block is info.op.body.block:
            if buffer.index not in info.written:
                info.written.add(buffer.index)
                return True
        return False

    @staticmethod
    def _root(value: SSAValue) -> object:
        """The buffer a memref value denotes: two `memref.get_global` of one symbol are one buffer."""
        owner = value.owner
        if isinstance(owner, memref.GetGlobalOp):
            return ("global", owner.name_.root_reference.data)
        return value

    @classmethod
    def _extent(cls, value: SSAValue) -> Extent:
        """The bytes a memref value denotes: a `loop.view` is a byte range of its arena's root."""
        start, length = 0, None
        while isinstance(view := value.owner, loop.ViewOp):
            if length is None:
                length = buffer_type(value.type, view).nbytes
            start += view.byte_offset
            value = view.arena
        return cls._root(value), start, None if length is None else start + length

    # -- output

    def _entry_params(self) -> tuple[EntryParam, ...]:
        assert self.entry is not None
        params = []
        where = f"@{self.entry.op.sym_name.data}"
        for index, (arg, type_) in enumerate(zip(self.entry.op.body.block.args, self.entry.arg_types)):
            name = sanitize(arg.name_hint, f"arg{index}")
            if isinstance(type_, MemRefType):
                buffer = buffer_type(type_, where)
                element, readonly = buffer.element, index not in self.entry.written
                params.append(EntryParam(name, "ptr", buffer.shape, element.np_dtype, readonly, element.ir, buffer.dynamic))
            else:
                scalar = scalar_type(type_, where)
                params.append(EntryParam(name, scalar.ir, None, scalar.np_dtype, True, scalar.ir))
        return tuple(params)

    def _signature_comment(self) -> str:
        params = []
        for p in self._entry_params():
            if p.shape is None:
                params.append(f"{p.type} {p.name}")
            else:
                dims = "?" if p.dynamic else "x".join(map(str, p.shape)) or "scalar"
                params.append(f"{'in' if p.readonly else 'out'} {p.name}: {dims} x {p.element}")
        status = f"returns 0; {FAILED_CHECK_STATUS} when a run-time check fails (message: @{self.error_symbol})" if self.has_checks else "returns 0"
        return f"; entry point: i32 {self.run_symbol}({', '.join(params)}), {status}"

    def _module_asm(self) -> list[str]:
        """Inline assembly that embeds the weights file in .rodata under a local label."""
        if not self.blob.data:
            return []
        path = self.weights_file.replace("\\", "\\\\").replace('"', '\\"')
        asm = [
            '\t.pushsection .rodata,"a"',
            "\t.p2align 6",
            f"{self.weights_symbol}:",
            f'\t.incbin "{path}"',
            "\t.popsection",
        ]
        return [f'module asm "{llvm_string(line)}"' for line in asm] + [
            f"{global_ref(self.weights_symbol)} = external hidden constant [{len(self.blob.data)} x i8]"
        ]

    def _assemble(self, bodies: list[list[str]]) -> str:
        lines = [
            f"; generated by opt-fuse emit-llvm for {self.target.triple}",
            self._signature_comment(),
            *(
                [f"; not reentrant: intermediate buffers are {self.alloc_count} static global(s), {self.alloc_bytes} bytes"]
                if self.alloc_count
                else []
            ),
            f'source_filename = "{llvm_string(self.entry.op.sym_name.data)}"',
            f'target datalayout = "{self.target.datalayout}"',
            f'target triple = "{self.target.triple}"',
            "",
        ]
        if asm := self._module_asm():
            lines += [*asm, ""]
        if self.type_lines:
            lines += [*self.type_lines, ""]
        if self.global_lines:
            lines += [*self.global_lines, ""]
        for body in bodies:
            lines += [*body, ""]
        if self.declarations:
            lines += [*self.declarations.values(), ""]
        lines.append(f"attributes #0 = {{ {' '.join(FUNCTION_ATTRIBUTES)} }}")
        if self.has_checks:
            lines.append(f"!0 = {CHECK_BRANCH_WEIGHTS}")
        return "\n".join(lines) + "\n"


Extent = tuple[object, int, int | None]
"""(root buffer, first byte, end byte or None for "to the end of the root")."""


def _extents_overlap(a: Extent, b: Extent) -> bool:
    """True when two extents share a byte (an empty view shares none)."""
    (root_a, start_a, end_a), (root_b, start_b, end_b) = a, b
    if root_a != root_b or start_a == end_a or start_b == end_b:
        return False
    return (end_a is None or start_b < end_a) and (end_b is None or start_a < end_b)


FUNCTION_ATTRIBUTES = ("nounwind",)
"""Attribute group #0, on every function we define and every libm function we call."""


def unsupported(op: Operation, where: str = "") -> OptFuseError:
    suffix = f" {where}" if where else ""
    return OptFuseError(f"emit-llvm: unsupported operation '{op.name}'{suffix}: {describe_op(op)}")


# --------------------------------------------------------------------------- functions


class FunctionEmitter:
    """Emits one function. Each supported op kind has one method, found through `HANDLERS`.

    Values are tracked as operand text: constants become literals (`8`, `0x3FF0...`)
    and no-op casts alias their input, so no instruction is spent on them and loop
    bounds stay visible as literals to clang.
    """

    def __init__(self, module: ModuleTranslator, info: FunctionInfo):
        self.module = module
        self.info = info
        self.names = Namer(["entry"])
        self.values: dict[SSAValue, str] = {}
        self.int_constants: dict[SSAValue, int] = {}
        """Values known to be integer constants: folded into address arithmetic."""
        self.constant_buffers: dict[SSAValue, str] = {}
        """Buffer values that are constant globals: storing into them is an error."""
        self.lines: list[str] = []
        self.block = "entry"
        self.allocas: list[str] = []
        """`alloca` instructions, placed at the top of the entry block (once per call, not per iteration)."""
        self.parallel_depth = 0
        """Enclosing loop.parallel ops: only an outermost one runs on the thread pool."""

    # -- helpers

    def operand(self, value: SSAValue) -> str:
        try:
            return self.values[value]
        except KeyError:  # the verifier forbids this; be loud if it happens anyway
            raise OptFuseError(f"emit-llvm: value {value} used before its definition in @{self.info.op.sym_name.data}")

    def type_of(self, value: SSAValue, where: Operation) -> str:
        return value_type(value.type, where)

    def typed(self, value: SSAValue, where: Operation) -> str:
        return f"{self.type_of(value, where)} {self.operand(value)}"

    def lanes_of(self, value: SSAValue, where: Operation) -> LaneType:
        return lane_type(value.type, where)

    def define(self, value: SSAValue, hint: str | None = None) -> str:
        """A fresh local name for `value`, from its name hint."""
        name = "%" + self.names.fresh(hint or value.name_hint)
        self.values[value] = name
        return name

    def temp(self, hint: str) -> str:
        return "%" + self.names.fresh(hint)

    def inst(self, text: str) -> None:
        self.lines.append(f"  {text}")

    def label(self, name: str) -> None:
        self.lines.extend(["", f"{name}:"])
        self.block = name

    def alias(self, result: SSAValue, text: str) -> None:
        self.values[result] = text

    # -- driver

    def emit(self) -> list[str]:
        op = self.info.op
        params = []
        for index, (arg, type_) in enumerate(zip(op.body.block.args, self.info.arg_types)):
            name = self.define(arg, sanitize(arg.name_hint, f"arg{index}"))
            params.append(f"{self.param_type(index, type_)} {name}")
        if self.info.is_entry:
            head = f"define i32 {global_ref(self.info.symbol)}"
        else:
            results = self.info.result_types
            if len(results) > 1:
                raise OptFuseError(
                    f"emit-llvm: @{op.sym_name.data} returns {len(results)} values; at most one is supported"
                )
            ret = value_type(results[0], f"@{op.sym_name.data}") if results else "void"
            head = f"define internal {ret} {global_ref(self.info.symbol)}"
        if self.info.is_entry and self.module.has_checks:
            self.inst(f"store atomic ptr null, ptr {global_ref(self.module.error_symbol)} monotonic, align 8")
        if self.info.is_entry:
            self.check_symbol_bounds()
        self.emit_ops(op.body.block)
        return [f"{head}({', '.join(params)}) #0 {{", "entry:", *self.allocas, *self.lines, "}"]

    def check_symbol_bounds(self) -> None:
        """The entry returns 1 when a symbolic dim's value is negative or past its bound: the
        buffers are planned at the bounds, so a C caller's larger size must not run."""
        bounds = bounds_of(self.info.op.attributes)
        symbols = [a for a in self.info.op.body.block.args if isinstance(a.type, IndexType) and a.name_hint in bounds]
        if not symbols:
            return
        verdict = None
        for arg in symbols:
            past = self.temp(f"{arg.name_hint}.past_bound")
            self.inst(f"{past} = icmp ugt i64 {self.values[arg]}, {bounds[arg.name_hint]}")  # a negative value is a huge unsigned one
            if verdict is not None:
                either = self.temp("past_bound")
                self.inst(f"{either} = or i1 {verdict}, {past}")
                past = either
            verdict = past
        stem = self.names.fresh("bounds")
        self.inst(f"br i1 {verdict}, label %{stem}.error, label %{stem}.ok")
        self.label(f"{stem}.error")
        self.inst("ret i32 1")
        self.label(f"{stem}.ok")

    def param_type(self, index: int, type_: Attribute) -> str:
        """A parameter's type and attributes: what lets clang keep values in registers and vectorise."""
        where = f"@{self.info.op.sym_name.data}"
        if not isinstance(type_, MemRefType):
            return scalar_type(type_, where).ir
        buffer = buffer_type(type_, where)
        attrs = ["ptr"]
        if index not in self.info.may_alias:
            attrs.append("noalias")
        attrs.append("nocapture")
        if index not in self.info.written:
            attrs.append("readonly")
        if buffer.nbytes:  # LLVM rejects dereferenceable(0): an empty tensor is never read
            attrs.append(f"dereferenceable({buffer.nbytes})")
        return " ".join(attrs)

    def emit_ops(self, block: Block, stop_at: Operation | None = None) -> None:
        """Emit a block's ops in order, up to (not including) `stop_at`."""
        for op in block.ops:
            if op is stop_at:
                return
            handler = HANDLERS.get(type(op))
            if handler is None:
                raise unsupported(op, f"in @{self.info.op.sym_name.data}")
            handler(self, op)

    # -- scalar arithmetic

    def constant(self, op: arith.ConstantOp) -> None:
        value = op.value
        if isinstance(value, IntegerAttr):
            scalar = scalar_type(op.result.type, op)
            self.int_constants[op.result] = value.value.data
            self.alias(op.result, scalar.literal(value.value.data))
        elif isinstance(value, FloatAttr):
            self.alias(op.result, scalar_type(op.result.type, op).literal(value.value.data))
        else:
            raise OptFuseError(f"emit-llvm: only scalar constants are supported, got {describe_op(op)}")

    def binary(self, op: Operation, opcode: str) -> None:
        lhs, rhs = op.operands
        flags = ""
        overflow = getattr(op, "overflow_flags", None)
        if overflow is not None:  # arith's overflow flags mean exactly LLVM's nsw/nuw
            flags = "".join(f" {flag.value}" for flag in sorted(overflow.data, key=lambda f: f.value, reverse=True))
        fastmath = getattr(op, "fastmath", None)
        if fastmath is not None:  # arith's fast-math flags are LLVM's, one for one
            flags = "".join(f" {flag.value}" for flag in sorted(fastmath.data, key=lambda f: f.value))
        result = self.define(op.results[0])
        self.inst(f"{result} = {opcode}{flags} {self.typed(lhs, op)}, {self.operand(rhs)}")

    def negf(self, op: arith.NegfOp) -> None:
        result = self.define(op.result)
        self.inst(f"{result} = fneg {self.typed(op.operand, op)}")

    def compare(self, op: arith.CmpiOp | arith.CmpfOp, instruction: str, predicates: Sequence[str]) -> None:
        predicate = predicates[op.predicate.value.data]  # arith's names are LLVM's, one for one
        if self.lanes_of(op.lhs, op).lanes != self.lanes_of(op.result, op).lanes:  # xDSL types a vector compare `i1`
            raise OptFuseError(f"emit-llvm: '{op.name}' on vectors must give a vector of i1: {describe_op(op)}")
        result = self.define(op.result)
        self.inst(f"{result} = {instruction} {predicate} {self.typed(op.lhs, op)}, {self.operand(op.rhs)}")

    def select(self, op: arith.SelectOp | loop.VectorSelectOp) -> None:
        """The condition is an `i1` (choosing whole vectors) or an `<N x i1>` (lane by lane:
        `loop.vector_select`)."""
        result = self.define(op.result)
        self.inst(
            f"{result} = select {self.typed(op.cond, op)}, {self.typed(op.lhs, op)}, {self.typed(op.rhs, op)}"
        )

    def vector_cmpf(self, op: loop.VectorCmpfOp) -> None:
        result = self.define(op.result)
        self.inst(f"{result} = fcmp {op.predicate.data} {self.typed(op.lhs, op)}, {self.operand(op.rhs)}")

    def vector_cast(self, op: loop.VectorCastOp) -> None:
        self.cast(op, op.conversion.data)  # loop.vector_cast's conversions are named as LLVM's instructions

    def cast(self, op: Operation, opcode: str) -> None:
        (source,) = op.operands
        result_type = self.type_of(op.results[0], op)
        result = self.define(op.results[0])
        self.inst(f"{result} = {opcode} {self.typed(source, op)} to {result_type}")

    def index_cast(self, op: Operation, extend: str) -> None:
        """index <-> integer: free between equal widths, else trunc or sext/zext."""
        (source,) = op.operands
        src, dst = scalar_type(source.type, op), scalar_type(op.results[0].type, op)
        if src.bits == dst.bits:
            self.alias(op.results[0], self.operand(source))
            if source in self.int_constants:
                self.int_constants[op.results[0]] = self.int_constants[source]
            return
        self.cast(op, "trunc" if src.bits > dst.bits else extend)

    def intrinsic(self, op: Operation, name: str) -> None:
        """A call to `llvm.<name>.<type>`: exact IEEE semantics (llvm.maximum propagates NaN like numpy).
        Every intrinsic we use has a vector overload (`llvm.fma.v16f32`), which clang splits to the target's width."""
        ty = self.lanes_of(op.results[0], op)
        symbol = f"llvm.{name}.{ty.intrinsic_suffix}"
        self.module.declare(symbol, f"declare {ty.ir} @{symbol}({', '.join([ty.ir] * len(op.operands))})")
        args = ", ".join(self.typed(v, op) for v in op.operands)
        result = self.define(op.results[0])
        self.inst(f"{result} = call {ty.ir} @{symbol}({args})")

    def nan_propagating(self, op: Operation, name: str) -> None:
        """maximumf/minimumf: `llvm.maxnum` (or minnum), but NaN if either operand is NaN, as numpy.

        `llvm.maximum` says this directly, but clang 15 and 16 cannot select it on x86.
        On vectors the NaN test and the choice are lane by lane (`<N x i1>`).
        """
        lhs, rhs = (self.operand(v) for v in op.operands)
        base = sanitize(op.results[0].name_hint, name)
        self.emit_nan_propagating(self.lanes_of(op.results[0], op), name, lhs, rhs, base, self.define(op.results[0]))

    def emit_nan_propagating(self, ty: LaneType, name: str, lhs: str, rhs: str, base: str, result: str) -> None:
        symbol = f"llvm.{name}.{ty.intrinsic_suffix}"
        self.module.declare(symbol, f"declare {ty.ir} @{symbol}({ty.ir}, {ty.ir})")
        chosen, unordered, nan = (self.temp(f"{base}.{part}") for part in ("num", "uno", "nan"))
        self.inst(f"{chosen} = call {ty.ir} @{symbol}({ty.ir} {lhs}, {ty.ir} {rhs})")
        self.inst(f"{unordered} = fcmp uno {ty.ir} {lhs}, {rhs}")
        self.inst(f"{nan} = fadd {ty.ir} {lhs}, {rhs}")
        self.inst(f"{result} = select {ty.mask} {unordered}, {ty.ir} {nan}, {ty.ir} {chosen}")

    def reduction(self, op: vector.ReductionOp) -> None:
        """`vector.reduction`: the upper half of the lanes folded into the lower half, again and
        again (log2(N) ops on ever shorter vectors, as `llvm.vector.reduce.*` expands), then the
        accumulator into lane 0. maximumf and minimumf keep numpy's NaN, as `nan_propagating`."""
        ty = self.lanes_of(op.vector, op)
        kind = op.kind.data.value
        if kind not in REDUCTION_KINDS or not ty.element.is_float or ty.lanes is None or ty.lanes & (ty.lanes - 1):
            raise OptFuseError(
                f"emit-llvm: vector.reduction <{kind}> of {op.vector.type} is not supported (kinds {', '.join(REDUCTION_KINDS)}, "
                f"float vectors of a power-of-two length): {describe_op(op)}"
            )
        flags = "".join(f" {flag.value}" for flag in sorted(op.fastmath.data, key=lambda f: f.value))
        base = sanitize(op.dest.name_hint, "reduce")

        def fold(part: LaneType, lhs: str, rhs: str, result: str) -> None:
            if kind in NAN_PROPAGATING_KINDS:
                self.emit_nan_propagating(part, REDUCTION_KINDS[kind], lhs, rhs, result[1:], result)
            else:
                self.inst(f"{result} = {REDUCTION_KINDS[kind]}{flags} {part.ir} {lhs}, {rhs}")

        value, lanes = self.operand(op.vector), ty.lanes
        while lanes > 2:
            half = LaneType(ty.element, lanes // 2)
            whole = LaneType(ty.element, lanes).ir
            low, high, folded = (self.temp(f"{base}.{part}{lanes // 2}") for part in ("lo", "hi", "fold"))
            for name, first in ((low, 0), (high, lanes // 2)):
                mask = ", ".join(f"i32 {first + i}" for i in range(lanes // 2))
                self.inst(f"{name} = shufflevector {whole} {value}, {whole} poison, <{lanes // 2} x i32> <{mask}>")
            fold(half, low, high, folded)
            value, lanes = folded, lanes // 2
        scalar = LaneType(ty.element)
        elements = [self.temp(f"{base}.lane{lane}") for lane in range(lanes)]
        for lane, name in enumerate(elements):
            self.inst(f"{name} = extractelement {LaneType(ty.element, lanes).ir} {value}, i64 {lane}")
        total = elements[0]
        if lanes == 2:
            total = self.temp(f"{base}.lanes")
            fold(scalar, elements[0], elements[1], total)
        if op.acc is None:
            self.alias(op.dest, total)
        else:
            fold(scalar, self.operand(op.acc), total, self.define(op.dest))

    def libm(self, op: Operation, name: str) -> None:
        """A call to the C math library (`tanhf`, `erff`), for functions LLVM has no intrinsic for.

        There is no vector libm we can count on (on every target, with every clang), so a vector
        operand is done lane by lane: extract, call, insert.
        """
        ty = self.lanes_of(op.results[0], op)
        scalar = ty.element
        if scalar.libm_suffix is None:
            raise OptFuseError(f"emit-llvm: '{op.name}' on {ty.ir} is not supported: {describe_op(op)}")
        symbol = name + scalar.libm_suffix
        self.module.declare(
            symbol, f"declare {scalar.ir} @{symbol}({', '.join([scalar.ir] * len(op.operands))}) #0"
        )
        if ty.lanes is None:
            args = ", ".join(self.typed(v, op) for v in op.operands)
            result = self.define(op.results[0])
            self.inst(f"{result} = call {scalar.ir} @{symbol}({args})")
            return
        base = sanitize(op.results[0].name_hint, name)
        so_far = "poison"
        for lane in range(ty.lanes):
            args = []
            for number, value in enumerate(op.operands):
                element = self.temp(f"{base}.in{number}.{lane}" if len(op.operands) > 1 else f"{base}.in.{lane}")
                self.inst(f"{element} = extractelement {self.typed(value, op)}, i64 {lane}")
                args.append(f"{scalar.ir} {element}")
            computed = self.temp(f"{base}.{lane}")
            self.inst(f"{computed} = call {scalar.ir} @{symbol}({', '.join(args)})")
            built = self.define(op.results[0]) if lane == ty.lanes - 1 else self.temp(f"{base}.upto{lane}")
            self.inst(f"{built} = insertelement {ty.ir} {so_far}, {scalar.ir} {computed}, i64 {lane}")
            so_far = built

    def rsqrt(self, op: math.RsqrtOp) -> None:
        ty = self.lanes_of(op.result, op)
        symbol = f"llvm.sqrt.{ty.intrinsic_suffix}"
        self.module.declare(symbol, f"declare {ty.ir} @{symbol}({ty.ir})")
        root = self.temp(f"{sanitize(op.result.name_hint, 'rsqrt')}.sqrt")
        self.inst(f"{root} = call {ty.ir} @{symbol}({self.typed(op.operand, op)})")
        result = self.define(op.result)
        self.inst(f"{result} = fdiv {ty.ir} {ty.literal(1.0)}, {root}")

    def int_division(self, op: Operation, rounding: str) -> None:
        """floordivsi / ceildivsi / ceildivui: truncating division plus a correction of one.

        With q = a / b and r = a % b (truncating): floor needs q - 1 when r != 0 and r, b
        have different signs; ceil needs q + 1 when r != 0 and they have the same sign
        (always, for unsigned).
        """
        lhs, rhs = op.operands
        lanes = self.lanes_of(op.results[0], op)
        ty, mask, zero = lanes.ir, lanes.mask, lanes.zero
        a, b = self.operand(lhs), self.operand(rhs)
        base = sanitize(op.results[0].name_hint, "div")
        signed = rounding != "ceilu"
        q, r, nonzero = self.temp(f"{base}.q"), self.temp(f"{base}.r"), self.temp(f"{base}.rnz")
        self.inst(f"{q} = {'sdiv' if signed else 'udiv'} {ty} {a}, {b}")
        self.inst(f"{r} = {'srem' if signed else 'urem'} {ty} {a}, {b}")
        self.inst(f"{nonzero} = icmp ne {ty} {r}, {zero}")
        if signed:
            rneg, bneg, signs = self.temp(f"{base}.rneg"), self.temp(f"{base}.bneg"), self.temp(f"{base}.signs")
            self.inst(f"{rneg} = icmp slt {ty} {r}, {zero}")
            self.inst(f"{bneg} = icmp slt {ty} {b}, {zero}")
            self.inst(f"{signs} = icmp {'ne' if rounding == 'floor' else 'eq'} {mask} {rneg}, {bneg}")
            fix = self.temp(f"{base}.fix")
            self.inst(f"{fix} = and {mask} {nonzero}, {signs}")
        else:
            fix = nonzero
        delta = self.temp(f"{base}.adj")
        self.inst(f"{delta} = {'sext' if rounding == 'floor' else 'zext'} {mask} {fix} to {ty}")
        result = self.define(op.results[0])
        self.inst(f"{result} = add {ty} {q}, {delta}")

    # -- memory

    def element_pointer(self, op: Operation, buffer: SSAValue, indices: Sequence[SSAValue]) -> tuple[str, ScalarType]:
        """Address of one element: base + sum(index_k * stride_k), constants folded at compile time.

        `nuw nsw` is sound because an out-of-bounds memref access is undefined behaviour
        already; it lets scalar evolution see the address as an affine function of the
        induction variables.
        """
        layout = buffer_type(buffer.type, op)
        base = self.operand(buffer)
        hint = sanitize(buffer.name_hint, "buf")
        constant_part, offset = 0, None
        for index, stride in zip(indices, layout.strides):
            if index in self.int_constants:
                constant_part += self.int_constants[index] * stride
                continue
            term = self.operand(index)
            if stride != 1:
                scaled = self.temp(f"{hint}.idx")
                self.inst(f"{scaled} = mul nuw nsw i64 {term}, {stride}")
                term = scaled
            if offset is not None:
                summed = self.temp(f"{hint}.idx")
                self.inst(f"{summed} = add nuw nsw i64 {offset}, {term}")
                term = summed
            offset = term
        if offset is None:
            if constant_part == 0:
                return base, layout.element
            offset = str(constant_part)
        elif constant_part:
            summed = self.temp(f"{hint}.idx")
            self.inst(f"{summed} = add nuw nsw i64 {offset}, {constant_part}")
            offset = summed
        pointer = self.temp(f"{hint}.ptr")
        self.inst(f"{pointer} = getelementptr inbounds {layout.element.mem}, ptr {base}, i64 {offset}")
        return pointer, layout.element

    def load(self, op: Operation, buffer: SSAValue, indices: Sequence[SSAValue], lanes: int | None = None) -> None:
        """One element, or `lanes` consecutive ones from the indexed element on (a vector load:
        aligned to one element only, since the first lane may be any element)."""
        pointer, element = self.element_pointer(op, buffer, indices)
        ty = LaneType(element, lanes)
        result_value = op.results[0]
        if ty.ir == ty.mem:
            result = self.define(result_value)
            self.inst(f"{result} = load {ty.mem}, ptr {pointer}, align {element.size}")
            return
        byte = self.temp(f"{sanitize(result_value.name_hint, 'v')}.byte")
        self.inst(f"{byte} = load {ty.mem}, ptr {pointer}, align {element.size}")
        result = self.define(result_value)
        self.inst(f"{result} = icmp ne {ty.mem} {byte}, {ty.zero}")

    def store(
        self, op: Operation, value: SSAValue, buffer: SSAValue, indices: Sequence[SSAValue], lanes: int | None = None
    ) -> None:
        if buffer in self.constant_buffers:
            raise OptFuseError(
                f"emit-llvm: '{op.name}' stores into the constant memref.global @{self.constant_buffers[buffer]}: "
                f"{describe_op(op)}"
            )
        pointer, element = self.element_pointer(op, buffer, indices)
        ty = LaneType(element, lanes)
        stored = self.operand(value)
        if ty.ir != ty.mem:
            widened = self.temp(f"{sanitize(value.name_hint, 'v')}.byte")
            self.inst(f"{widened} = zext {ty.ir} {stored} to {ty.mem}")
            stored = widened
        self.inst(f"store {ty.mem} {stored}, ptr {pointer}, align {element.size}")

    def loop_load(self, op: loop.LoadOp) -> None:
        self.load(op, op.buffer, op.indices)

    def loop_store(self, op: loop.StoreOp) -> None:
        self.store(op, op.value, op.buffer, op.indices)

    def vector_load(self, op: loop.VectorLoadOp) -> None:
        self.load(op, op.buffer, op.indices, self.lanes_of(op.result, op).lanes)

    def strided_vector_load(self, op: loop.StridedVectorLoadOp) -> None:
        """Lane l is the element `stride` * l past the first: `stride` vector loads cover the
        span (at 0, N, 2N, ..., the last one ending at the last lane's element, so nothing past
        it is read), and a shuffle per load after the first takes its lanes in (stride 2: one
        two-source shuffle, which x86 does in one vpermt2ps per register)."""
        ty = self.lanes_of(op.result, op)
        lanes, stride = ty.lanes, op.lane_stride
        assert lanes is not None
        if ty.ir != ty.mem:
            raise OptFuseError(f"emit-llvm: '{op.name}' of i1 elements is not supported: {describe_op(op)}")
        pointer, element = self.element_pointer(op, op.buffer, op.indices)
        span = stride * (lanes - 1) + 1
        starts = [min(start, span - lanes) for start in range(0, span, lanes)]
        source = [max(k for k, start in enumerate(starts) if start <= stride * lane) for lane in range(lanes)]
        hint = sanitize(op.result.name_hint, "v")
        pieces = []
        for start in starts:
            at, piece = pointer, self.temp(f"{hint}.piece")
            if start:
                at = self.temp(f"{hint}.at")
                self.inst(f"{at} = getelementptr inbounds {element.mem}, ptr {pointer}, i64 {start}")
            self.inst(f"{piece} = load {ty.ir}, ptr {at}, align {element.size}")
            pieces.append(piece)
        gathered = pieces[0]
        for k in range(1, len(pieces)):
            mask = []
            for lane in range(lanes):
                if source[lane] == k:
                    mask.append(f"i32 {lanes + stride * lane - starts[k]}")
                elif source[lane] < k:
                    mask.append(f"i32 {stride * lane if k == 1 else lane}")
                else:
                    mask.append("i32 poison")
            result = self.define(op.result) if k == len(pieces) - 1 else self.temp(f"{hint}.part")
            self.inst(f"{result} = shufflevector {ty.ir} {gathered}, {ty.ir} {pieces[k]}, <{lanes} x i32> <{', '.join(mask)}>")
            gathered = result

    def vector_store(self, op: loop.VectorStoreOp) -> None:
        self.store(op, op.value, op.buffer, op.indices, self.lanes_of(op.value, op).lanes)

    def memref_load(self, op: memref.LoadOp) -> None:
        self.load(op, op.memref, op.indices)

    def memref_store(self, op: memref.StoreOp) -> None:
        self.store(op, op.value, op.memref, op.indices)

    # -- vector lanes

    def broadcast(self, op: vector.BroadcastOp) -> None:
        """A scalar in every lane: insert it into lane 0, then shuffle lane 0 everywhere (LLVM's
        splat idiom, which clang turns into one broadcast instruction). A constant's broadcast
        is a vector constant, as scalar constants are literals."""
        ty = self.lanes_of(op.vector, op)
        if isinstance(op.source.type, VectorType):
            if op.source.type != op.vector.type:
                raise OptFuseError(f"emit-llvm: only broadcasts of a scalar are supported: {describe_op(op)}")
            self.alias(op.vector, self.operand(op.source))  # the identity broadcast
            return
        if not (source := self.operand(op.source)).startswith("%"):  # a literal: a vector constant
            self.alias(op.vector, ty.splat(source))
            return
        first = self.temp(f"{sanitize(op.vector.name_hint, 'splat')}.lane0")
        self.inst(f"{first} = insertelement {ty.ir} poison, {ty.element.ir} {source}, i64 0")
        result = self.define(op.vector)
        self.inst(f"{result} = shufflevector {ty.ir} {first}, {ty.ir} poison, <{ty.lanes} x i32> zeroinitializer")

    def lane_position(self, op: vector.ExtractOp | vector.InsertOp, vector_value: SSAValue) -> int:
        """The one static lane an extract or insert names; dynamic or several positions are errors."""
        positions = op.static_position.get_values()
        ty = self.lanes_of(vector_value, op)
        if len(positions) != 1 or op.dynamic_position or not 0 <= positions[0] < (ty.lanes or 0):
            raise OptFuseError(
                f"emit-llvm: '{op.name}' must name one static lane of a 1-D vector: {describe_op(op)}"
            )
        return positions[0]

    def extract(self, op: vector.ExtractOp) -> None:
        lane = self.lane_position(op, op.vector)
        result = self.define(op.result)
        self.inst(f"{result} = extractelement {self.typed(op.vector, op)}, i64 {lane}")

    def insert(self, op: vector.InsertOp) -> None:
        lane = self.lane_position(op, op.dest)
        if isinstance(op.source.type, VectorType):
            raise OptFuseError(f"emit-llvm: '{op.name}' must insert a scalar: {describe_op(op)}")
        result = self.define(op.result)
        self.inst(f"{result} = insertelement {self.typed(op.dest, op)}, {self.typed(op.source, op)}, i64 {lane}")

    def alloc(self, op: loop.AllocOp) -> None:
        buffer = buffer_type(op.buffer.type, op)
        symbol = self.module.new_buffer(self.info.op.sym_name.data, op.buffer.name_hint, buffer)
        self.alias(op.buffer, global_ref(symbol))

    def view(self, op: loop.ViewOp) -> None:
        """A buffer inside an arena: the arena's address plus a constant byte offset."""
        buffer_type(op.result.type, op)  # validate the view's type early
        base = self.operand(op.arena)
        if op.arena in self.constant_buffers:  # a view of a constant is constant too
            self.constant_buffers[op.result] = self.constant_buffers[op.arena]
        if op.byte_offset == 0:
            self.alias(op.result, base)
            return
        result = self.define(op.result, op.result.name_hint or "view")
        self.inst(f"{result} = getelementptr inbounds i8, ptr {base}, i64 {op.byte_offset}")

    def get_global(self, op: memref.GetGlobalOp) -> None:
        name = op.name_.root_reference.data
        info = self.module.globals.get(name)
        if info is None:
            raise OptFuseError(f"emit-llvm: memref.get_global refers to an unknown global @{name}")
        if info.constant:
            self.constant_buffers[op.memref] = name
        if info.symbol is not None:
            self.alias(op.memref, global_ref(info.symbol))
            return
        blob = global_ref(self.module.weights_symbol)
        if info.blob_offset == 0:
            self.alias(op.memref, blob)
            return
        result = self.define(op.memref, op.memref.name_hint or sanitize(name, "w"))
        self.inst(f"{result} = getelementptr inbounds i8, ptr {blob}, i64 {info.blob_offset}")

    # -- control flow

    def for_loop(self, op: loop.ForOp | loop.ParallelOp, kind: str) -> None:
        """A counted loop; an outermost loop.parallel runs on the thread pool (`parallel_loop`).

        A loop.parallel inside another one, or one whose body allocates or calls (a static
        buffer or a callee's would be shared by the threads), stays a sequential loop.
        """
        if isinstance(op, loop.ParallelOp) and self.parallel_depth == 0 and _can_outline(op):
            self.parallel_loop(op)
            return
        self.parallel_depth += isinstance(op, loop.ParallelOp)
        self.counted_loop(op, kind, self.operand(op.lower_bound), self.operand(op.upper_bound))
        self.parallel_depth -= isinstance(op, loop.ParallelOp)

    def counted_loop(self, op: loop.ForOp | loop.ParallelOp, kind: str, lower: str, upper: str) -> None:
        """A counted loop from `lower` to `upper` (operand text): header (phis, bound check), body,
        latch (increment), exit. The loop's results are the header's phis."""
        step = op.step
        if step in self.int_constants and self.int_constants[step] <= 0:
            raise OptFuseError(f"emit-llvm: '{op.name}' has a step of {self.int_constants[step]}: {describe_op(op)}")
        iv = op.induction_var
        iv_hint = sanitize(iv.name_hint, "i")
        stem = self.names.fresh_group(f"{kind}.{iv_hint}", ("", ".body", ".latch", ".end"))
        header, body, latch, end = stem, f"{stem}.body", f"{stem}.latch", f"{stem}.end"
        preheader = self.block
        inits = list(op.inits) if isinstance(op, loop.ForOp) else []
        init_text = [self.operand(v) for v in inits]
        self.inst(f"br label %{header}")

        self.label(header)
        iv_name = self.define(iv, iv_hint)
        next_name = self.temp(f"{iv_name[1:]}.next")
        self.inst(f"{iv_name} = phi i64 [ {lower}, %{preheader} ], [ {next_name}, %{latch} ]")
        carried = list(op.carried_args)
        phi_slots = []
        for arg, result in zip(carried, op.results):
            name = self.define(arg, arg.name_hint or result.name_hint)
            self.alias(result, name)
            phi_slots.append(len(self.lines))
            self.lines.append("")  # filled in once the yielded values have names
        cond = self.temp(f"{iv_name[1:]}.cond")
        self.inst(f"{cond} = icmp slt i64 {iv_name}, {upper}")
        self.inst(f"br i1 {cond}, label %{body}, label %{end}")

        self.label(body)
        block = op.body.block
        terminator = block.last_op
        if not isinstance(terminator, loop.YieldOp):
            raise OptFuseError(f"emit-llvm: '{op.name}' body does not end in loop.yield: {describe_op(op)}")
        self.emit_ops(block, stop_at=terminator)
        yielded = [self.operand(v) for v in terminator.values]
        self.inst(f"br label %{latch}")

        self.label(latch)
        self.inst(f"{next_name} = add nsw i64 {iv_name}, {self.operand(step)}")
        self.inst(f"br label %{header}")
        for slot, arg, init, value in zip(phi_slots, carried, init_text, yielded):
            ty = self.type_of(arg, op)
            self.lines[slot] = f"  {self.values[arg]} = phi {ty} [ {init}, %{preheader} ], [ {value}, %{latch} ]"

        self.label(end)

    def parallel_loop(self, op: loop.ParallelOp) -> None:
        """An outermost loop.parallel, run on the thread pool (compiler/thread_pool.c).

        Its body moves to two functions that follow this one:

        - `@<fn>.par.<iv>(i64 %begin, i64 %end, <captured values>)` runs the iterations
          [begin, end) of the original body. It takes every value the body uses from outside
          (a local SSA value) as a parameter, with the kernel's own attributes for its buffer
          parameters (`noalias`, `readonly`, `dereferenceable`), so clang optimizes it as it
          would the kernel;
        - `@<fn>.par.<iv>.task(i64 %begin, i64 %end, ptr %context)`, the uniform signature the
          pool calls, loads those values from the context struct `%<fn>.par.<iv>.context` and
          calls the first (which clang inlines into it).

        Here, the values are stored into the context (an `alloca` at the top of the entry
        block) and `@<entry>_parallel_for(task, context, lower, upper, step, work)` runs the
        loop: it splits the iterations into contiguous chunks (a few per thread) that the pool's
        threads and the caller claim, or calls the task once over the whole range with 1 thread,
        1 iteration or little work. `work` is a static estimate of the scalar ops one iteration
        executes (`_estimate_work`).
        """
        step = op.step
        if step in self.int_constants and self.int_constants[step] <= 0:
            raise OptFuseError(f"emit-llvm: '{op.name}' has a step of {self.int_constants[step]}: {describe_op(op)}")
        iv_hint = sanitize(op.induction_var.name_hint, "i")
        stem = self.module.symbols.fresh(f"{self.info.symbol}.par.{iv_hint}")
        task = self.module.symbols.fresh(f"{stem}.task")
        captured: list[SSAValue] = []
        aliases: dict[SSAValue, str] = {}
        for value in _free_values(op):
            text = self.operand(value)
            if text.startswith("%"):
                captured.append(value)
            else:  # a literal or a global: the same text in the outlined function
                aliases[value] = text
        own = self.info.op.body.block
        captured.sort(key=lambda v: v.index if isinstance(v, BlockArgument) and v.block is own else len(own.args))  # stable
        # Buffers that are the function's own parameters keep their attributes; a pointer derived
        # inside the function might alias one of them, so then no buffer claims `noalias`.
        direct = all(not isinstance(v.type, MemRefType) or (isinstance(v, BlockArgument) and v.block is own) for v in captured)
        params = []
        for value in captured:
            if isinstance(value.type, MemRefType) and direct:
                params.append(self.param_type(value.index, value.type))  # type: ignore[union-attr]
            elif isinstance(value.type, MemRefType):
                params.append("ptr nocapture")  # a derived pointer: no claim that it does not alias the others
            else:
                params.append(self.type_of(value, op))
        types = [self.type_of(v, op) for v in captured]

        body = FunctionEmitter(self.module, self.info)
        body.parallel_depth = 1
        body.names.used.update({"begin", "end"})
        body.int_constants = {v: n for v, n in self.int_constants.items() if v in aliases}
        body.constant_buffers = dict(self.constant_buffers)
        for value, text in aliases.items():
            body.alias(value, text)
        body_params = ["i64 %begin", "i64 %end"]
        for value, param in zip(captured, params):
            body_params.append(f"{param} {body.define(value, self.operand(value)[1:])}")
        body.counted_loop(op, "par", "%begin", "%end")
        body.inst("ret void")
        outlined = [
            f"; iterations [begin, end) of the loop.parallel over %{iv_hint} in {global_ref(self.info.symbol)}",
            f"define internal void {global_ref(stem)}({', '.join(body_params)}) #0 {{", "entry:",
            *body.allocas, *body.lines, "}",
        ]

        context_type = f"%{sanitize(stem, 'par')}.context" if captured else ""
        if captured:
            self.module.type_lines.append(f"{context_type} = type {{ {', '.join(types)} }}")
        unpack = FunctionEmitter(self.module, self.info)
        unpack.names.used.update({"begin", "end", "context"})
        args = ["i64 %begin", "i64 %end"]
        for index, (value, type_) in enumerate(zip(captured, types)):
            hint = self.operand(value)[1:]
            field_ptr = "%context"
            if index:
                field_ptr = unpack.temp(f"{hint}.field")
                unpack.inst(f"{field_ptr} = getelementptr inbounds {context_type}, ptr %context, i32 0, i32 {index}")
            loaded = unpack.temp(hint)
            unpack.inst(f"{loaded} = load {type_}, ptr {field_ptr}, align 8")
            args.append(f"{type_} {loaded}")
        unpack.inst(f"call void {global_ref(stem)}({', '.join(args)})")
        unpack.inst("ret void")
        outlined += [
            "",
            f"; the pool's entry to {global_ref(stem)}: its values from the context",
            f"define internal void {global_ref(task)}(i64 %begin, i64 %end, ptr {'' if captured else 'readnone '}%context) #0 {{",
            "entry:", *unpack.lines, "}",
        ]
        self.module.outlined.append(outlined)

        context = "null"
        if captured:
            context = self.temp(f"{stem.removeprefix(self.info.symbol + '.')}.context")  # %par.i.context
            self.allocas.append(f"  {context} = alloca {context_type}, align 8")
            for index, (value, type_) in enumerate(zip(captured, types)):
                field_ptr = context
                if index:
                    field_ptr = self.temp(f"{context[1:]}.{self.operand(value)[1:]}")
                    self.inst(f"{field_ptr} = getelementptr inbounds {context_type}, ptr {context}, i32 0, i32 {index}")
                self.inst(f"store {type_} {self.operand(value)}, ptr {field_ptr}, align 8")
        work = _estimate_work(op.body.block)
        self.inst(
            f"call void {global_ref(self.module.parallel_for_symbol)}(ptr {global_ref(task)}, ptr {context}, "
            f"i64 {self.operand(op.lower_bound)}, i64 {self.operand(op.upper_bound)}, i64 {self.operand(step)}, i64 {work})"
        )

    def check(self, op: loop.CheckOp) -> None:
        """If the condition is false, record the message in `@<entry>_error`; either way go on."""
        condition = self.operand(op.condition)
        message = global_ref(self.module.message(op.message.data))
        stem = self.names.fresh_group("check", (".fail", ".ok"))
        self.inst(f"br i1 {condition}, label %{stem}.ok, label %{stem}.fail, !prof !0")
        self.label(f"{stem}.fail")
        self.inst(f"store atomic ptr {message}, ptr {global_ref(self.module.error_symbol)} monotonic, align 8")
        self.inst(f"br label %{stem}.ok")
        self.label(f"{stem}.ok")

    def yield_outside_loop(self, op: loop.YieldOp) -> None:
        raise OptFuseError(f"emit-llvm: loop.yield outside a loop body: {describe_op(op)}")

    def call(self, op: func.CallOp) -> None:
        name = op.callee.root_reference.data
        callee = self.module.functions.get(name)
        if callee is None:
            raise OptFuseError(f"emit-llvm: func.call to @{name}, which is not defined in the module")
        if callee.is_entry:
            raise OptFuseError(f"emit-llvm: func.call to the entry point @{name} is not supported")
        for index in callee.written:
            arg = op.arguments[index]
            if arg in self.constant_buffers:
                raise OptFuseError(
                    f"emit-llvm: func.call passes the constant memref.global @{self.constant_buffers[arg]} "
                    f"to @{name}, which writes it: {describe_op(op)}"
                )
        args = ", ".join(self.typed(v, op) for v in op.arguments)
        if not op.res:
            self.inst(f"call void {global_ref(callee.symbol)}({args})")
            return
        if len(op.res) > 1:
            raise OptFuseError(f"emit-llvm: calls with several results are not supported: {describe_op(op)}")
        ret = self.type_of(op.res[0], op)
        result = self.define(op.res[0])
        self.inst(f"{result} = call {ret} {global_ref(callee.symbol)}({args})")

    def return_(self, op: func.ReturnOp) -> None:
        if self.info.is_entry and self.module.has_checks:
            error = self.temp("error")
            failed = self.temp("failed")
            status = self.temp("status")
            self.inst(f"{error} = load atomic ptr, ptr {global_ref(self.module.error_symbol)} monotonic, align 8")
            self.inst(f"{failed} = icmp ne ptr {error}, null")
            self.inst(f"{status} = select i1 {failed}, i32 {FAILED_CHECK_STATUS}, i32 0")
            self.inst(f"ret i32 {status}")
        elif self.info.is_entry:
            self.inst("ret i32 0")
        elif not op.arguments:
            self.inst("ret void")
        else:
            self.inst(f"ret {self.typed(op.arguments[0], op)}")


def _can_outline(op: loop.ParallelOp) -> bool:
    """A loop.parallel whose body neither allocates nor calls: its iterations share nothing static."""
    return not any(isinstance(nested, (loop.AllocOp, func.CallOp)) for nested in op.body.walk())


def _free_values(op: Operation) -> list[SSAValue]:
    """Values that ops inside `op`'s regions use and that are defined outside `op`, in order of first use."""
    inside = set(op.walk())
    free: dict[SSAValue, None] = {}
    for nested in op.walk():
        if nested is op:
            continue
        for operand in nested.operands:
            owner = operand.owner.parent_op() if isinstance(operand, BlockArgument) else operand.owner
            if owner not in inside:
                free.setdefault(operand, None)
    free.setdefault(op.step, None)  # type: ignore[attr-defined]  # the outlined loop's latch steps by it
    return list(free)


def _estimate_work(block: Block) -> int:
    """Scalar ops one run of `block` executes: one per op, nested loops times their trip count
    (`UNKNOWN_TRIP_COUNT` when their bounds are not constants). The pool runs a loop on one
    thread when trip count times this is small (thread_pool.c: OPTFUSE_MIN_PARALLEL_WORK)."""
    total = 0
    for op in block.ops:
        total += 1
        if isinstance(op, (loop.ForOp, loop.ParallelOp)):
            step = loop.constant_index(op.step)
            trips = op.trip_count() if step is not None and step > 0 else None
            total += (UNKNOWN_TRIP_COUNT if trips is None else trips) * _estimate_work(op.body.block)
    return min(total, 1 << 40)


BINARY_OPS: dict[type[Operation], str] = {
    arith.AddfOp: "fadd",
    arith.SubfOp: "fsub",
    arith.MulfOp: "fmul",
    arith.DivfOp: "fdiv",
    arith.AddiOp: "add",
    arith.SubiOp: "sub",
    arith.MuliOp: "mul",
    arith.DivSIOp: "sdiv",
    arith.DivUIOp: "udiv",
    arith.RemSIOp: "srem",
    arith.RemUIOp: "urem",
    arith.AndIOp: "and",
    arith.OrIOp: "or",
    arith.XOrIOp: "xor",
    arith.ShLIOp: "shl",
    arith.ShRSIOp: "ashr",
    arith.ShRUIOp: "lshr",
}

REDUCTION_KINDS: dict[str, str] = {"add": "fadd", "mul": "fmul", "maximumf": "maxnum", "minimumf": "minnum"}
"""`vector.reduction`'s kinds we translate (on float vectors) and what folds two halves: an
instruction, or for those in NAN_PROPAGATING_KINDS the intrinsic of `nan_propagating`'s expansion."""

NAN_PROPAGATING_KINDS = ("maximumf", "minimumf")

CAST_OPS: dict[type[Operation], str] = {
    arith.SIToFPOp: "sitofp",
    arith.UIToFPOp: "uitofp",
    arith.FPToSIOp: "fptosi",
    arith.FPToUIOp: "fptoui",
    arith.ExtFOp: "fpext",
    arith.TruncFOp: "fptrunc",
    arith.ExtSIOp: "sext",
    arith.ExtUIOp: "zext",
    arith.TruncIOp: "trunc",
    arith.BitcastOp: "bitcast",
}

INTRINSIC_OPS: dict[type[Operation], str] = {
    math.ExpOp: "exp",
    math.Exp2Op: "exp2",
    math.LogOp: "log",
    math.Log2Op: "log2",
    math.Log10Op: "log10",
    math.SqrtOp: "sqrt",
    math.PowFOp: "pow",
    math.FloorOp: "floor",
    math.CeilOp: "ceil",
    math.TruncOp: "trunc",
    math.RoundOp: "round",
    math.RoundEvenOp: "roundeven",
    math.AbsFOp: "fabs",
    math.FmaOp: "fma",
    math.CopySignOp: "copysign",
    math.SinOp: "sin",
    math.CosOp: "cos",
    arith.MaxnumfOp: "maxnum",
    arith.MinnumfOp: "minnum",
    arith.MaxSIOp: "smax",
    arith.MinSIOp: "smin",
    arith.MaxUIOp: "umax",
    arith.MinUIOp: "umin",
}

LIBM_OPS: dict[type[Operation], str] = {
    math.TanhOp: "tanh",
    math.ErfOp: "erf",
    math.TanOp: "tan",
    math.SinhOp: "sinh",
    math.CoshOp: "cosh",
    math.AsinOp: "asin",
    math.AcosOp: "acos",
    math.AtanOp: "atan",
    math.Atan2Op: "atan2",
    math.AsinhOp: "asinh",
    math.AcoshOp: "acosh",
    math.AtanhOp: "atanh",
    math.ExpM1Op: "expm1",
    math.Log1pOp: "log1p",
    math.CbrtOp: "cbrt",
}

LIBM_RESERVED = tuple(f"{name}{suffix}" for name in LIBM_OPS.values() for suffix in ("", "f"))
"""libm symbols we may declare: no module symbol may take these names."""

Handler = Callable[[FunctionEmitter, Operation], None]

HANDLERS: dict[type[Operation], Handler] = {
    arith.ConstantOp: FunctionEmitter.constant,
    arith.NegfOp: FunctionEmitter.negf,
    arith.SelectOp: FunctionEmitter.select,
    arith.CmpiOp: partial(
        FunctionEmitter.compare, instruction="icmp", predicates=arith.CMPI_COMPARISON_OPERATIONS
    ),
    arith.CmpfOp: partial(
        FunctionEmitter.compare, instruction="fcmp", predicates=arith.CMPF_COMPARISON_OPERATIONS
    ),
    arith.IndexCastOp: partial(FunctionEmitter.index_cast, extend="sext"),
    arith.FloorDivSIOp: partial(FunctionEmitter.int_division, rounding="floor"),
    arith.CeilDivSIOp: partial(FunctionEmitter.int_division, rounding="ceil"),
    arith.CeilDivUIOp: partial(FunctionEmitter.int_division, rounding="ceilu"),
    math.RsqrtOp: FunctionEmitter.rsqrt,
    arith.MaximumfOp: partial(FunctionEmitter.nan_propagating, name="maxnum"),
    arith.MinimumfOp: partial(FunctionEmitter.nan_propagating, name="minnum"),
    loop.ForOp: partial(FunctionEmitter.for_loop, kind="for"),
    loop.ParallelOp: partial(FunctionEmitter.for_loop, kind="par"),
    loop.YieldOp: FunctionEmitter.yield_outside_loop,
    loop.LoadOp: FunctionEmitter.loop_load,
    loop.StoreOp: FunctionEmitter.loop_store,
    loop.VectorLoadOp: FunctionEmitter.vector_load,
    loop.StridedVectorLoadOp: FunctionEmitter.strided_vector_load,
    loop.VectorStoreOp: FunctionEmitter.vector_store,
    loop.VectorCmpfOp: FunctionEmitter.vector_cmpf,
    loop.VectorSelectOp: FunctionEmitter.select,
    loop.VectorCastOp: FunctionEmitter.vector_cast,
    vector.BroadcastOp: FunctionEmitter.broadcast,
    vector.ExtractOp: FunctionEmitter.extract,
    vector.InsertOp: FunctionEmitter.insert,
    vector.ReductionOp: FunctionEmitter.reduction,
    loop.CheckOp: FunctionEmitter.check,
    loop.AllocOp: FunctionEmitter.alloc,
    loop.ViewOp: FunctionEmitter.view,
    memref.LoadOp: FunctionEmitter.memref_load,
    memref.StoreOp: FunctionEmitter.memref_store,
    memref.GetGlobalOp: FunctionEmitter.get_global,
    func.CallOp: FunctionEmitter.call,
    func.ReturnOp: FunctionEmitter.return_,
    **{op: partial(FunctionEmitter.binary, opcode=code) for op, code in BINARY_OPS.items()},
    **{op: partial(FunctionEmitter.cast, opcode=code) for op, code in CAST_OPS.items()},
    **{op: partial(FunctionEmitter.intrinsic, name=name) for op, name in INTRINSIC_OPS.items()},
    **{op: partial(FunctionEmitter.libm, name=name) for op, name in LIBM_OPS.items()},
}
"""Every op the translator understands. Anything else is an error naming the op."""

if hasattr(arith, "IndexCastUIOp"):  # not in every xDSL release
    HANDLERS[arith.IndexCastUIOp] = partial(FunctionEmitter.index_cast, extend="zext")


def translate_module(module: ModuleOp, target: Target, weights_file: str = "") -> LLVMModule:
    """Translate a loop-level module to LLVM IR for `target` (see the module docstring).

    Raises OptFuseError for anything it cannot translate faithfully: an unsupported
    op or type, a dynamic shape, or a module without exactly one public entry function.
    """
    return ModuleTranslator(module, target, weights_file).translate()
