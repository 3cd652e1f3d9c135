"""The second op table (`more_op_cases`: NaN-aware reductions, unique/bincount/isin/histogram,
splits, windows, spatial and attention ops, linear algebra) against real Keras on the torch
backend, values and dtypes; plus results checked by NumPy where Keras on torch fails, the
errors for bad arguments and the ops on symbolic tensors."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import deepfit
import deepfit.ops as ops
from tests.ops import compare, more_op_cases

# Keras-on-torch results deepfit does not copy: (case, dtype) → why.
KNOWN = {
    **{("argpartition(kth)", d): "Keras on torch casts float inputs to int32 before "
       "partitioning; deepfit partitions the floats (as NumPy)"
       for d in ("float16", "float32", "float64")},
    **{(case, d): "Keras on torch builds the scan in float32 zeros whatever the input; "
       "deepfit keeps the input's dtype (as JAX)"
       for case in ("associative_scan", "associative_scan(reverse)")
       for d in ("int32", "int64", "float16", "float64")},
}


@pytest.fixture(scope="module")
def ours():
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "ComplexHalf")  # polar on float16, as in Keras
        return more_op_cases.evaluate(ops, ops.convert_to_numpy)


def test_the_second_table_matches_keras_values_and_dtypes(keras_tables, ours):
    theirs = keras_tables["more_op_cases"]
    computed = [k for k, v in theirs.items() if not (isinstance(v[0], str) and v[0] == "error")]
    assert len(computed) > 830  # cases × dtypes where Keras gives a result
    bad = {key: why for key, why in compare.mismatches(ours, theirs).items()
           if key not in KNOWN}
    assert bad == {}, "\n".join(f"{case} [{dtype}]: {why}" for (case, dtype), why in bad.items())
    # the known differences are still differences (else drop them from KNOWN)
    assert set(KNOWN) <= set(compare.mismatches(ours, theirs))


def test_argpartition_and_associative_scan_match_numpy():
    x = np.array([[0.5, -1.5, 2.25, 1.0], [3.0, 0.0, -2.5, 0.75]], dtype="float32")
    for kth in range(4):
        idx = ops.convert_to_numpy(ops.argpartition(x, kth))
        picked = np.take_along_axis(x, idx, -1)
        np.testing.assert_array_equal(picked[:, kth], np.sort(x, -1)[:, kth])
        assert (picked[:, :kth] <= picked[:, kth:kth + 1]).all()
        assert (picked[:, kth + 1:] >= picked[:, kth:kth + 1]).all()
    scan = ops.associative_scan(ops.add, x.astype("float64"), axis=1)
    assert scan.dtype == torch.float64
    np.testing.assert_allclose(ops.convert_to_numpy(scan), np.cumsum(x, axis=1), rtol=1e-6)
    matrices = np.random.default_rng(0).normal(size=(5, 2, 2))
    chained = ops.convert_to_numpy(ops.associative_scan(ops.matmul, matrices))
    np.testing.assert_allclose(chained[-1], np.linalg.multi_dot(list(matrices)), atol=1e-6)


def test_unique_with_indices_matches_numpy_on_2d_inputs():
    x = np.array([[3, 1, 3], [2, 1, 5]], dtype="int32")
    values, index, inverse, counts = ops.unique(x, return_index=True, return_inverse=True,
                                                return_counts=True)
    expected = np.unique(x, return_index=True, return_inverse=True, return_counts=True)
    for got, want in zip((values, index, inverse, counts), expected):
        np.testing.assert_array_equal(ops.convert_to_numpy(got).reshape(-1), want.reshape(-1))
    assert index.dtype == counts.dtype == torch.int64


def test_histogram_and_bincount_where_keras_on_torch_fails():
    counts, edges = ops.histogram(np.array([1, 2, 2, 5], dtype="int32"), bins=4)
    want_counts, want_edges = np.histogram([1, 2, 2, 5], bins=4)
    np.testing.assert_array_equal(ops.convert_to_numpy(counts), want_counts)
    np.testing.assert_allclose(ops.convert_to_numpy(edges), want_edges)
    assert counts.dtype == edges.dtype == torch.float32
    rows = ops.bincount(np.array([[0, 1], [3, 3]], dtype="int32"))
    np.testing.assert_array_equal(ops.convert_to_numpy(rows), [[1, 1, 0, 0], [0, 0, 0, 2]])
    halves = ops.bincount(np.array([3, 1, 3, 1]), weights=np.full(4, 0.5, "float16"))
    assert halves.dtype == torch.float16  # Keras on torch gives NaNs here
    np.testing.assert_array_equal(ops.convert_to_numpy(halves), [0, 1, 0, 1])


def test_nan_reductions_on_all_nan_slices():
    x = np.array([[np.nan, 1.0], [np.nan, np.nan]], dtype="float32")
    np.testing.assert_array_equal(ops.convert_to_numpy(ops.nanargmax(x, axis=1)), [1, -1])
    assert np.isnan(ops.convert_to_numpy(ops.nanmax(x, axis=0))[0])
    np.testing.assert_allclose(ops.convert_to_numpy(ops.nanmean(x, axis=1)), [1.0, np.nan])
    with np.errstate(all="ignore"):
        np.testing.assert_allclose(ops.convert_to_numpy(ops.nanvar(x)), np.nanvar(x))


def test_custom_gradient_and_jvp_give_the_derivatives():
    @ops.custom_gradient
    def clipped(x):
        def grad(*args, upstream=None):
            return ops.clip(upstream, -0.5, 0.5)

        return x * 3.0, grad

    x = torch.tensor([1.0, 2.0], requires_grad=True)
    (clipped(x) * torch.tensor([2.0, -0.1])).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [0.5, -0.1])

    @ops.custom_gradient
    def tf_style(x):
        return ops.exp(x), lambda dy: dy * 7.0

    y = torch.tensor(0.0, requires_grad=True)
    tf_style(y).backward()
    assert float(y.grad) == 7.0
    out, slope = ops.linalg.jvp(lambda a, b: a * b, (ops.array(2.0), ops.array(3.0)),
                                (ops.array(1.0), ops.array(0.0)))
    assert float(out) == 6.0 and float(slope) == 3.0


@pytest.mark.parametrize("call, error, words", [
    (lambda: ops.histogram(ops.ones((4,)), bins=2.5), TypeError, "bins"),
    (lambda: ops.histogram(ops.ones((4,)), bins=-1), ValueError, "bins"),
    (lambda: ops.histogram(ops.ones((4,)), range=(2, 1)), ValueError, "range"),
    (lambda: ops.histogram(ops.ones((2, 2))), ValueError, "1-dimensional"),
    (lambda: ops.array_split(ops.ones((4,)), [1, 2]), TypeError, "indices_or_sections"),
    (lambda: ops.array_split(ops.ones((4,)), 0), ValueError, "indices_or_sections"),
    (lambda: ops.hsplit(ops.ones((2, 3)), 2), ValueError, "equal sections"),
    (lambda: ops.vander(ops.ones((2, 2))), ValueError, "1-dimensional"),
    (lambda: ops.vander(ops.ones((2,)), N=-1), ValueError, "nonnegative"),
    (lambda: ops.bincount(ops.array([1, -1])), ValueError, "non-negative"),
    (lambda: ops.bincount(ops.array([1.0])), TypeError, "integers"),
    (lambda: ops.bincount(ops.array([1]), sparse=True), ValueError, "sparse"),
    (lambda: ops.ldexp(ops.ones((2,)), ops.ones((2,))), TypeError, "integer"),
    (lambda: ops.gcd(ops.ones((2,)), 2), TypeError, "integers"),
    (lambda: ops.argpartition(ops.ones((3,)), 5), ValueError, "kth"),
    (lambda: ops.correlate(ops.ones((3,)), ops.ones((2,)), mode="wide"), ValueError, "mode"),
    (lambda: ops.depth_to_space(ops.ones((1, 2, 2, 4)), 1), ValueError, "block_size"),
    (lambda: ops.space_to_depth(ops.ones((1, 3, 3, 1)), 2), ValueError, "divide"),
    (lambda: ops.unfold(ops.ones((2, 2, 2)), 2), ValueError, "4D"),
    (lambda: ops.fold(ops.ones((2, 2)), 2, 2), ValueError, "3D"),
    (lambda: ops.dot_product_attention(*[ops.ones((1, 2, 2))] * 3), ValueError, "4D"),
    (lambda: ops.dot_product_attention(*[ops.ones((1, 2, 1, 2))] * 3, bias=ops.zeros((2, 2)),
                                       mask=ops.ones((2, 2), dtype="bool")), ValueError, "both"),
    (lambda: ops.dot_product_attention(*[ops.ones((1, 2, 1, 2))] * 3,
                                       attn_logits_soft_cap=1.0), ValueError, "soft_cap"),
    (lambda: ops.psnr(ops.ones((2,)), ops.ones((3,)), 1.0), ValueError, "shapes"),
    (lambda: ops.conv_transpose(ops.ones((1, 4, 4, 3)), ops.ones((2, 2, 2, 5))), ValueError,
     "kernel"),
    (lambda: ops.linalg.cholesky_inverse(ops.ones((2, 3))), ValueError, "square"),
    (lambda: ops.linalg.jvp(ops.sin, ops.ones(()), ops.ones(())), TypeError, "tuples"),
    (lambda: ops.hamming(2.5), TypeError, "int"),
    (lambda: ops.geomspace(0, 10, 3), ValueError, "non-zero"),
    (lambda: ops.vectorize(ops.sum, signature="n->()"), ValueError, "signature"),
    (lambda: ops.associative_scan(ops.add, [ops.ones((2,)), ops.ones((3,))]), ValueError,
     "same size"),
    (lambda: ops.stft(ops.ones((8,), dtype="int32"), 4, 2, 4), TypeError, "float32"),
    (lambda: ops.stft(ops.ones((8,)), 4, 2, 2), ValueError, "fft_length"),
    (lambda: ops.stft(ops.ones((8,)), 4, 2, 4, window="box"), ValueError, "hann"),
    (lambda: ops.istft((ops.ones((3, 3)), ops.ones((3, 3))), 4, 2, 4, window=ops.ones((3,))),
     ValueError, "window"),
    (lambda: ops.view_as_complex(ops.ones((2, 3))), ValueError, "size 2"),
    (lambda: ops.cdist(ops.ones((3,)), ops.ones((2, 3))), ValueError, "rank"),
    (lambda: ops.cdist(ops.ones((2, 3)), ops.ones((2, 4))), ValueError, "Last dimension"),
    (lambda: ops.rearrange(ops.ones((2, 3)), "a b c -> c b a"), ValueError, "names 3 axes"),
    (lambda: ops.rearrange(ops.ones((2, 3)), "a b -> a c"), ValueError, "same axes"),
    (lambda: ops.rearrange(ops.ones((2, 3)), "a (b c) -> a b c", b=2), ValueError, "split"),
])
def test_bad_arguments_raise_clear_errors(call, error, words):
    with pytest.raises(error, match=words):
        call()


def test_the_ops_build_functional_graphs():
    inputs = deepfit.Input(shape=(4,))
    outputs = ops.nanmean(ops.nn.depth_to_space(ops.reshape(inputs, (-1, 1, 1, 4)), 2),
                          axis=(1, 2, 3))
    model = deepfit.Model(inputs, outputs)
    x = np.array([[1.0, np.nan, 3.0, 5.0]], dtype="float32")
    np.testing.assert_allclose(ops.convert_to_numpy(model(x)), [3.0])
