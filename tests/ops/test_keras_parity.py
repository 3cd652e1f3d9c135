"""Differential test: every op of the table in `op_cases` on bool, int32, int64, float16,
float32 and float64 inputs, in deepfit and in real Keras (torch backend, a separate process):
the same values and the same result dtypes wherever Keras computes a result."""

from __future__ import annotations

import inspect

import pytest

import deepfit.ops as ops
from tests.ops import compare, more_op_cases, op_cases


@pytest.fixture(scope="module")
def keras_results(keras_tables):
    return keras_tables["op_cases"]


def test_every_op_matches_keras_values_and_dtypes(keras_results):
    ours = op_cases.evaluate(ops, ops.convert_to_numpy)
    computed = [k for k, v in keras_results.items()
                if not (isinstance(v[0], str) and v[0] == "error")]
    assert len(computed) > 1900  # cases × dtypes where Keras gives a result
    bad = compare.mismatches(ours, keras_results)
    assert bad == {}, "\n".join(f"{case} [{dtype}]: {why}" for (case, dtype), why in bad.items())


def test_the_tables_cover_every_op_deepfit_provides():
    source = inspect.getsource(op_cases) + inspect.getsource(more_op_cases)
    listed = set(op_cases.UNARY + op_cases.POSITIVE + op_cases.UNIT + op_cases.BINARY
                 + op_cases.REDUCTIONS + more_op_cases.NAN_REDUCTIONS)
    untested = [name for name in ops.__all__
                if not inspect.ismodule(getattr(ops, name)) and name not in listed
                and f"ops.{name}(" not in source and f"ops.linalg.{name}(" not in source
                and f"ops.nn.{name}(" not in source]
    assert untested == []
