"""The ONNX backend node-conformance suite (the onnx wheel's 1,884 node cases) through opt-fuse.

One test per case, named after it: a model opt-fuse refuses with a clear ModelImportError is
skipped with that message; wrong numbers, other errors and crashes fail. The whole suite takes
a few minutes; `-k relu` runs a subset. `python -m tools.onnx_node_suite` runs the same cases
in parallel and writes docs/SupportedONNXOps.md.
"""

from __future__ import annotations

import datetime
import re

import numpy as np
import pytest

from compiler.onnx_importer import MIN_OPSET
from tools import onnx_node_suite as suite

CASES = suite.collect_cases()
OPS = suite.case_ops(CASES)
BY_NAME = {case.name: case for case in CASES}


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_node_case(case):
    status, reason = suite.classify(case)
    if status == suite.SKIPPED:
        pytest.skip(reason)
    if status == suite.FAILED:
        pytest.fail(reason, pytrace=False)
    assert status == suite.PASSED


def test_expanded_cases_count_under_the_op_they_expand():
    assert OPS["test_relu"] == "Relu"
    assert OPS["test_relu_expanded_ver18"] == "Relu"
    assert OPS["test_softmax_axis_0_expanded"] == "Softmax"


def test_compare_outputs_checks_values_shape_dtype_and_nan_positions():
    a = np.array([1.0, np.nan], dtype=np.float32)
    suite.compare_outputs([a], [a.copy()], rtol=1e-3, atol=1e-7)
    wrong = [
        (np.array([1.1, np.nan], dtype=np.float32), "1/2 differ"),
        (np.array([1.0, 0.0], dtype=np.float32), "1/2 differ"),
        (np.array([1.0, np.nan]), "dtype float64"),
        (np.array([[1.0, np.nan]], dtype=np.float32), "shape [1, 2]"),
    ]
    for got, message in wrong:
        with pytest.raises(AssertionError, match=re.escape(message)):
            suite.compare_outputs([a], [got], rtol=1e-3, atol=1e-7)


def _outcomes(*names: str) -> list[suite.Outcome]:
    return [suite.run_case(BY_NAME[name], OPS[name]) for name in names]


def _rows_by_op(table: str) -> dict[str, list[str]]:
    """The markdown table's rows as cell lists, keyed by their first cell (the op)."""
    rows = [line.strip("| ").split(" | ") for line in table.splitlines() if line.startswith("| ")]
    return {cells[0]: cells for cells in rows}


def test_support_table_rows_come_from_the_outcomes_given():
    outcomes = _outcomes("test_relu", "test_unique_not_sorted_without_axis")
    assert [o.status for o in outcomes] == [suite.PASSED, suite.SKIPPED]
    table = suite.support_table(
        outcomes, "python -m tools.onnx_node_suite --write-table x.md", datetime.date(2025, 1, 2)
    )
    rows = _rows_by_op(table)
    assert rows["Relu"][1] == "supported"
    assert rows["Relu"][2].startswith(f"{MIN_OPSET}–")
    assert rows["Relu"][3:6] == ["1", "0", "0"]
    assert rows["Unique"][1] == "compile time only"  # evaluated only when its input is a constant
    assert rows["RandomNormal"][1] == "unsupported"  # nondeterministic: neither run nor folded
    assert rows["Unique"][3:6] == ["0", "1", "0"]
    assert "Unique" in rows["Unique"][6]
    assert rows["Conv"][3:6] == ["0", "0", "0"]  # no outcome given, no count invented
    assert "`python -m tools.onnx_node_suite --write-table x.md` on 2025-01-02" in table


def test_skip_reasons_group_by_cause_not_by_node_name():
    a = "2 unsupported op(s) at opset 13: Less (node 'Less_0', x), Where (node 'Where_1', x)"
    b = "3 unsupported op(s) at opset 18: Where (node 'w', x), Less (node 'l', x), Less (node 'm', x)"
    assert suite.reason_kind(a) == suite.reason_kind(b) == "unsupported op(s): Less, Where"
    assert suite.reason_kind("graph input 'x' has type INT8") == suite.reason_kind("graph input 'y' has type INT8")
