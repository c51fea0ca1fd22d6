"""The ONNX backend node-conformance suite, run through opt-fuse; and the table of supported ONNX ops.

    python -m tools.onnx_node_suite --jobs 2                       # all 1,884 cases of the onnx wheel
    python -m tools.onnx_node_suite --filter 'relu|conv' --json out.json
    python -m tools.onnx_node_suite --jobs 2 --write-table docs/SupportedONNXOps.md

The onnx wheel builds its node cases in memory (`onnx.backend.test.case.node`), the suite
onnx-mlir and onnxruntime report their support against. Each case is compiled with
`compiler.backend.prepare` (default options; integer inputs fed at run time, or baked in as constants
when opt-fuse needs them at compile time, see `bake_integer_inputs`) and classified:

- passed: the outputs match like ONNX's own runner checks them (same shape and dtype,
  `assert_allclose` with the case's rtol/atol, NaN at the same places);
- skipped: opt-fuse refused the model with a `ModelImportError` (unsupported op, dtype, opset,
  attribute form...), which is the clear refusal a user should get;
- failed: anything else: wrong numbers, another OptFuseError (a ShapeError on a valid model is
  our bug) or a Python exception.
"""

from __future__ import annotations

import argparse
import collections
import datetime
import json
import re
import shlex
import sys
import time
import traceback
import warnings
from collections.abc import Iterable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import onnx
import onnx.defs
from onnx.backend.test.case.test_case import TestCase

from compiler import onnx_importer, onnx_ops
from compiler.errors import ModelImportError, OptFuseError

PASSED, SKIPPED, FAILED = "passed", "skipped", "failed"
STATUSES = (PASSED, SKIPPED, FAILED)
_EXPANDED = re.compile(r"_expanded(_ver\d+)?$")


@dataclass(frozen=True)
class Outcome:
    name: str
    op: str
    """The op under test (for an `_expanded` case: the op whose function body it runs)."""
    status: str
    reason: str = ""
    seconds: float = 0.0


# ===----------------------------------------------------------------------=== #
# Cases
# ===----------------------------------------------------------------------=== #


def collect_cases() -> list[TestCase]:
    """The wheel's node cases, sorted by name.

    Building them runs numpy on edge cases (overflow, NaN): the warnings that prints are noise here.
    """
    from onnx.backend.test.case.node import collect_testcases  # slow: builds 1,884 models

    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        cases = collect_testcases(None)
    return sorted(cases, key=lambda c: c.name)


def select_cases(cases: Sequence[TestCase], pattern: str | None) -> list[TestCase]:
    """The cases whose name matches `pattern` (re.search), or all of them."""
    regex = re.compile(pattern) if pattern else None
    return [c for c in cases if regex is None or regex.search(c.name)]


def _node_op(node: onnx.NodeProto) -> str:
    return node.op_type if node.domain in ("", "ai.onnx") else f"{node.domain}.{node.op_type}"


def case_ops(cases: Iterable[TestCase]) -> dict[str, str]:
    """Case name -> op under test. An `_expanded` case runs the op's function body (many nodes),
    so it is counted under the op of the case it expands; pass every case, not a filtered list."""
    cases = list(cases)
    ops = {c.name: _node_op(c.model.graph.node[0]) for c in cases if not _EXPANDED.search(c.name) and c.model}
    for case in cases:
        if case.name not in ops:
            ops[case.name] = ops.get(_EXPANDED.sub("", case.name), case.name)
    return ops


# ===----------------------------------------------------------------------=== #
# Running one case
# ===----------------------------------------------------------------------=== #


def classify(case: TestCase) -> tuple[str, str]:
    """(status, reason) of one case: see the module docstring for what each status means."""
    data_sets = case.data_sets or [([], [])]
    for inputs, expected in data_sets:
        inputs, expected = [_normalize(x) for x in inputs], [_normalize(x) for x in expected]
        status, reason = _compile_and_compare(case.model, inputs, expected, case)
        baked, baked_inputs = bake_integer_inputs(case.model, inputs)
        if status == SKIPPED and baked is not case.model:
            status, reason = _compile_and_compare(baked, baked_inputs, expected, case)
        if status != PASSED or not case.data_sets:
            return status, reason
    return PASSED, ""


def _compile_and_compare(model: onnx.ModelProto, inputs: list[Any], expected: list[Any], case: TestCase) -> tuple[str, str]:
    from compiler import backend  # here: keeps `--help` and the table code light

    try:
        rep = backend.prepare(model)
    except ModelImportError as error:
        return SKIPPED, _first_line(error)
    except Exception as error:  # noqa: BLE001  (another OptFuseError, or a bug: a failure either way)
        return FAILED, _describe(error, "compile")
    if not case.data_sets:
        return PASSED, ""
    try:
        actual = rep.run(inputs)
    except Exception as error:  # noqa: BLE001  (a crash of the compiled model's runtime is a failure)
        return FAILED, _describe(error, "run")
    try:
        compare_outputs(expected, actual, case.rtol, case.atol)
    except AssertionError as error:
        return FAILED, f"wrong output: {error}"
    return PASSED, ""


def bake_integer_inputs(model: onnx.ModelProto, inputs: list[Any]) -> tuple[onnx.ModelProto, list[Any]]:
    """The model with its integer and boolean graph inputs turned into initializers holding the
    case's values, and the inputs left to feed.

    Integer tensors that configure ops (shapes, axes, pads, repeats) must be known at compile
    time in opt-fuse; the node cases feed them as graph inputs. A case opt-fuse refuses as it is
    is tried again with them baked in, like onnx-mlir's constant-inputs mode, so Reshape, Slice,
    Expand or ReduceSum are tested on their data; float inputs stay inputs."""
    initializers = {t.name for t in model.graph.initializer}
    graph_inputs = [i for i in model.graph.input if i.name not in initializers]
    is_baked = [isinstance(a, np.ndarray) and a.dtype.kind in "biu" for a in inputs]
    if len(graph_inputs) != len(inputs) or not any(is_baked):
        return model, inputs
    baked = onnx.ModelProto()
    baked.CopyFrom(model)
    del baked.graph.input[:]
    for info, array, bake in zip(graph_inputs, inputs, is_baked):
        if bake:
            baked.graph.initializer.append(onnx.numpy_helper.from_array(array, info.name))
        else:
            baked.graph.input.append(info)
    return baked, [a for a, bake in zip(inputs, is_baked) if not bake]


def run_case(case: TestCase, op: str) -> Outcome:
    start = time.perf_counter()
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        status, reason = classify(case)
    return Outcome(case.name, op, status, reason, round(time.perf_counter() - start, 3))


def _run_pair(pair: tuple[TestCase, str]) -> Outcome:
    """`run_case` with one argument, for the worker pool."""
    return run_case(*pair)


def _normalize(value: Any) -> Any:
    """TensorProto -> ndarray, as the ONNX runner's `_normalize_tensor` does; anything else unchanged."""
    return onnx.numpy_helper.to_array(value) if isinstance(value, onnx.TensorProto) else value


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def _describe(error: Exception, stage: str) -> str:
    """One line naming the error; for a bug (not an OptFuseError) also where it was raised."""
    text = f"{stage}: {type(error).__name__}: {_first_line(error)}"
    if isinstance(error, OptFuseError) or not error.__traceback__:
        return text
    frame = traceback.extract_tb(error.__traceback__)[-1]
    return f"{text} (at {Path(frame.filename).name}:{frame.lineno})"


def compare_outputs(expected: Sequence[Any], actual: Sequence[Any], rtol: float, atol: float) -> None:
    """Raise AssertionError (one line) where ONNX's `Runner.assert_similar_outputs` would fail."""
    if len(actual) != len(expected):
        raise AssertionError(f"{len(actual)} output(s), expected {len(expected)}")
    for index, (want, got) in enumerate(zip(expected, actual)):
        want, got = (np.asarray(v) if isinstance(v, np.generic) else v for v in (want, got))  # 0-d results
        if not isinstance(want, np.ndarray) or not isinstance(got, np.ndarray):
            raise AssertionError(f"output {index} is a {type(got).__name__}, expected a {type(want).__name__}")  # noqa: TRY004
        if got.shape != want.shape:
            raise AssertionError(f"output {index} has shape {list(got.shape)}, expected {list(want.shape)}")
        if got.dtype != want.dtype:
            raise AssertionError(f"output {index} has dtype {got.dtype}, expected {want.dtype}")
        try:
            np.testing.assert_allclose(got, want, rtol=rtol, atol=atol)
        except AssertionError:
            raise AssertionError(f"output {index}: {_mismatch(got, want, rtol, atol)}") from None


def _mismatch(got: np.ndarray, want: np.ndarray, rtol: float, atol: float) -> str:
    """How many elements differ, and the first one, e.g. `3/60 differ; first at [0, 2]: 0.5 vs 0.25`."""
    bad = ~np.isclose(got, want, rtol=rtol, atol=atol, equal_nan=True)
    if not bad.any():  # assert_allclose also fails on an infinity or NaN at a different place
        return "NaN/inf positions differ"
    first = tuple(int(i) for i in np.argwhere(bad)[0])
    return f"{int(bad.sum())}/{bad.size} differ; first at {list(first)}: got {got[first]}, expected {want[first]}"


def run_cases(cases: Sequence[TestCase], ops: dict[str, str], jobs: int = 1) -> list[Outcome]:
    """Every case, in `jobs` worker processes: compiling is CPU-bound Python, and a crash of the
    generated code (a segfault) must fail its case, not the run."""
    pairs = [(case, ops.get(case.name, case.name)) for case in cases]
    with ProcessPoolExecutor(max_workers=max(jobs, 1)) as pool:
        futures = [pool.submit(_run_pair, pair) for pair in pairs]
        return [_result(future, pair) for future, pair in zip(_progress(futures, len(futures)), pairs)]


def _result(future: Future[Outcome], pair: tuple[TestCase, str]) -> Outcome:
    """The future's outcome; if a worker died, the pool is broken and every case still pending
    is rerun alone, so only the case that kills its process fails."""
    try:
        return future.result()
    except BrokenProcessPool:
        with ProcessPoolExecutor(max_workers=1) as alone:
            try:
                return alone.submit(_run_pair, pair).result()
            except BrokenProcessPool:
                return Outcome(pair[0].name, pair[1], FAILED, "crashed: the process running it died (signal or abort)")


def _progress(futures: Iterable[Future[Outcome]], total: int) -> Iterable[Future[Outcome]]:
    """Pass futures through once done, printing a count to stderr every 100 (a full run takes a while)."""
    for done, future in enumerate(futures, 1):
        wait([future])
        if done % 100 == 0 or done == total:
            sys.stderr.write(f"\r{done}/{total} cases")
            sys.stderr.flush()
        yield future
    sys.stderr.write("\n")


# ===----------------------------------------------------------------------=== #
# Reports
# ===----------------------------------------------------------------------=== #


def counts_by_op(outcomes: Iterable[Outcome]) -> dict[str, collections.Counter[str]]:
    table: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    for outcome in outcomes:
        table[outcome.op][outcome.status] += 1
    return dict(table)


_UNSUPPORTED_OPS = re.compile(r"^\d+ unsupported op\(s\) at opset \d+: (.*)$")


def reason_kind(reason: str) -> str:
    """A reason with what differs between equal causes blanked (node and tensor names; for
    unsupported ops, the opset and the node list become the set of op types), so they count together."""
    if match := _UNSUPPORTED_OPS.match(reason):
        ops = sorted(set(re.findall(r"([\w.]+) \(node", match.group(1))))
        return "unsupported op(s): " + ", ".join(ops)
    return re.sub(r"'[^']*'", "'…'", reason)


def print_report(outcomes: Sequence[Outcome], out: Any = sys.stdout) -> None:
    totals = collections.Counter(o.status for o in outcomes)
    out.write(f"{len(outcomes)} cases: " + ", ".join(f"{totals[s]} {s}" for s in STATUSES) + "\n")
    failures = [o for o in outcomes if o.status == FAILED]
    if failures:
        out.write("\nFailures:\n")
        for outcome in sorted(failures, key=lambda o: (o.op, o.name)):
            out.write(f"  [{outcome.op}] {outcome.name}: {outcome.reason}\n")
    out.write("\nPer op (pass/skip/fail):\n")
    for op, counts in sorted(counts_by_op(outcomes).items()):
        out.write(f"  {op:40} {counts[PASSED]:4} {counts[SKIPPED]:4} {counts[FAILED]:4}\n")
    kinds = collections.Counter(reason_kind(o.reason) for o in outcomes if o.status == SKIPPED)
    out.write("\nTop skip reasons:\n")
    for kind, count in kinds.most_common(20):
        out.write(f"  {count:5}  {kind}\n")


def write_json(path: Path, outcomes: Sequence[Outcome], command: str, seconds: float) -> None:
    totals = collections.Counter(o.status for o in outcomes)
    document = {
        "command": command,
        "onnx_version": onnx.__version__,
        "seconds": round(seconds, 1),
        "counts": {s: totals[s] for s in STATUSES},
        "cases": [asdict(o) for o in outcomes],
    }
    path.write_text(json.dumps(document, indent=1) + "\n")


# ===----------------------------------------------------------------------=== #
# The op-support table
# ===----------------------------------------------------------------------=== #


def default_domain_schemas() -> list[onnx.defs.OpSchema]:
    """The latest schema of every op of the default domain, minus deprecated and experimental ones."""
    experimental = onnx.defs.OpSchema.SupportType.EXPERIMENTAL
    return sorted(
        (
            s
            for s in onnx.defs.get_all_schemas()
            if s.domain in ("", "ai.onnx") and not s.deprecated and s.support_level != experimental
        ),
        key=lambda s: s.name,
    )


def _first_versions() -> dict[str, int]:
    """The opset that introduced each default-domain op."""
    first: dict[str, int] = {}
    for schema in onnx.defs.get_all_schemas_with_history():
        if schema.domain in ("", "ai.onnx"):
            first[schema.name] = min(first.get(schema.name, schema.since_version), schema.since_version)
    return first


def op_status(op: str, foldable: frozenset[str]) -> str:
    if op in onnx_ops.IMPORTERS:
        return "supported"
    return "compile time only" if op in foldable else "unsupported"


def accepted_opsets(op: str, status: str, introduced: int) -> str:
    """The model opsets under which the importer takes the op, e.g. `7–21`.

    MIN_OPSET..MAX_OPSET, and beyond: a supported op up to the last opset where its schema is
    unchanged, a compile-time-only op (evaluated by onnx's reference implementation) up to NEWEST_OPSET."""
    if status == "unsupported":
        return ""
    low, high, newest = max(onnx_importer.MIN_OPSET, introduced), onnx_importer.MAX_OPSET, onnx_importer.NEWEST_OPSET
    if status != "supported":
        high = newest
    elif low <= high:
        while high < newest and not onnx_importer.changed_since_max_opset(op, high + 1):
            high += 1
    return f"{low}–{high}" if low <= high else f"none (new in opset {introduced})"


def _cell(text: str, width: int = 160) -> str:
    text = text if len(text) <= width else text[: width - 1] + "…"
    return text.replace("|", "\\|").replace("\n", " ")


def support_rows(outcomes: Iterable[Outcome]) -> list[str]:
    """One markdown row per default-domain op: status, opsets accepted, suite counts, first skip reason."""
    outcomes = sorted(outcomes, key=lambda o: o.name)
    counts = counts_by_op(outcomes)
    first_skip = {}
    for outcome in outcomes:
        if outcome.status == SKIPPED:
            first_skip.setdefault(outcome.op, outcome.reason)
    foldable, introduced = onnx_importer.compile_time_only_ops(), _first_versions()
    rows = []
    for schema in default_domain_schemas():
        op, c = schema.name, counts.get(schema.name, collections.Counter())
        status = op_status(op, foldable)
        cells = [
            op,
            status,
            accepted_opsets(op, status, introduced[op]),
            str(c[PASSED]),
            str(c[SKIPPED]),
            str(c[FAILED]),
        ]
        rows.append("| " + " | ".join([*cells, _cell(first_skip.get(op, ""))]) + " |")
    return rows


def support_table(outcomes: Sequence[Outcome], command: str, today: datetime.date | None = None) -> str:
    """The markdown page docs/SupportedONNXOps.md, from a run's outcomes (the counts come from them)."""
    totals = collections.Counter(o.status for o in outcomes)
    today = today or datetime.date.today()
    low, high, newest = onnx_importer.MIN_OPSET, onnx_importer.MAX_OPSET, onnx_importer.NEWEST_OPSET
    newer = f" (up to {newest} for the ops whose schema has not changed since {high})" if newest > high else ""
    header = f"""# Supported ONNX operators

<!-- Generated: do not edit by hand. -->
Generated by `{command}` on {today.isoformat()}, with onnx {onnx.__version__}
(latest default-domain opset {onnx.defs.onnx_opset_version()}).

opt-fuse imports models whose default-domain opset is {low} to {high}{newer}.
**Status**: *supported* ops have an importer entry (`compiler.onnx_ops.IMPORTERS`) and run on
run-time data; *compile time only* ops are evaluated by the importer when all their inputs are
constants (shape subgraphs); *unsupported* ops are refused. **Opsets**: the model opsets under which
the op is accepted. **Pass / Skip / Fail** count the ONNX backend node-conformance cases of the op
(`onnx.backend.test.case.node`, including the `_expanded` cases that run its function body):
skipped = opt-fuse refused the model with a clear error (the first such reason is shown),
failed = wrong numbers or a crash. All cases: {totals[PASSED]} passed, {totals[SKIPPED]} skipped,
{totals[FAILED]} failed of {len(outcomes)} (cases of other domains are counted here but have no row).
Deprecated and experimental ops are left out.

| Op | Status | Opsets | Pass | Skip | Fail | First skip reason |
|----|--------|--------|-----:|-----:|-----:|-------------------|
"""
    return header + "\n".join(support_rows(outcomes)) + "\n"


# ===----------------------------------------------------------------------=== #
# Command line
# ===----------------------------------------------------------------------=== #


def build_arg_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m tools.onnx_node_suite",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--filter", metavar="REGEX", help="run only the cases whose name matches (re.search)")
    parser.add_argument("--json", type=Path, metavar="OUT", help="write every case's outcome as JSON")
    parser.add_argument(
        "--jobs", type=int, default=1, metavar="N", help="worker processes; a crash fails only its case (default: 1)"
    )
    parser.add_argument(
        "--write-table", type=Path, metavar="MD", help="write the supported-ops table (whole suite only)"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the suite; exit status 1 if any case failed."""
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_arg_parser().parse_args(argv)
    if args.write_table and args.filter:
        build_arg_parser().error("--write-table counts the whole suite; drop --filter")
    command = shlex.join(["python", "-m", "tools.onnx_node_suite", *argv])
    start = time.perf_counter()
    all_cases = collect_cases()
    cases = select_cases(all_cases, args.filter)
    outcomes = run_cases(cases, case_ops(all_cases), args.jobs)
    seconds = time.perf_counter() - start
    print_report(outcomes)
    print(f"\n{len(cases)} cases in {seconds:.1f} s with {args.jobs} job(s)")
    if args.json:
        write_json(args.json, outcomes, command, seconds)
    if args.write_table:
        args.write_table.write_text(support_table(outcomes, command))
    return 1 if any(o.status == FAILED for o in outcomes) else 0


if __name__ == "__main__":
    sys.exit(main())
