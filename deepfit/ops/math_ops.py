"""`keras.ops.math` and `keras.ops.linalg`: `top_k`, `in_top_k`, segment reductions,
`extract_sequences`, and the basic linear algebra (`det`, `inv`, `solve`, `norm`, `qr`, `svd`,
`cholesky`, `eigh`, ...).

Example:
    >>> from deepfit import ops
    >>> ops.top_k(ops.array([1.0, 3.0, 2.0]), k=2)[1]
    tensor([1, 2], dtype=torch.int32)
"""

from __future__ import annotations

from typing import Any

import torch

from deepfit import config
from deepfit.ops.core import convert_to_tensor as _t
from deepfit.ops.dtypes import result_type, to_torch
from deepfit.ops.fft import fft, fft2, ifft2, irfft, rfft
from deepfit.ops.symbolic import op

__all__ = [
    "fft", "fft2", "ifft2", "irfft", "rfft",
    "cholesky", "det", "eig", "eigh", "extract_sequences", "in_top_k", "inv", "lstsq", "lu_factor",
    "norm", "qr", "segment_max", "segment_min", "segment_prod", "segment_sum", "slogdet", "solve",
    "solve_triangular", "svd", "top_k", "logdet",
]


def _floats(x: Any) -> torch.Tensor:
    t = _t(x)
    return t if t.is_floating_point() else t.to(to_torch(config.floatx()))


def top_k(x: Any, k: int, sorted: bool = True) -> tuple[torch.Tensor, torch.Tensor]:  # noqa: A002
    """The `k` largest values along the last axis and their indices (int64, as Keras on
    torch)."""
    values, indices = torch.topk(_t(x), k, dim=-1, sorted=sorted)
    return values, indices


@op
def in_top_k(targets: Any, predictions: Any, k: int) -> torch.Tensor:
    """Whether each target class is among the `k` highest predictions of its row."""
    p = _t(predictions)
    target = _t(targets).long()
    score = p.gather(-1, target[:, None])
    return (p > score).sum(-1) < k


def _segment(data: Any, segment_ids: Any, num_segments: int | None, reduce: str) -> torch.Tensor:
    values, ids = _t(data), _t(segment_ids).long()
    count = int(ids.max()) + 1 if num_segments is None else num_segments
    shape = (count, *values.shape[1:])
    index = ids.reshape(-1, *([1] * (values.dim() - 1))).expand_as(values)
    if reduce == "sum":
        return torch.zeros(shape, dtype=values.dtype, device=values.device).scatter_add(
            0, index, values)
    out = torch.zeros(shape, dtype=values.dtype, device=values.device)
    return out.scatter_reduce(0, index, values, reduce=reduce, include_self=False)


@op
def segment_sum(data: Any, segment_ids: Any, num_segments: int | None = None,
                sorted: bool = False) -> torch.Tensor:  # noqa: A002
    """Sums of the rows of `data` that share a segment id."""
    return _segment(data, segment_ids, num_segments, "sum")


@op
def segment_max(data: Any, segment_ids: Any, num_segments: int | None = None,
                sorted: bool = False) -> torch.Tensor:  # noqa: A002
    """Maxima of the rows of `data` that share a segment id."""
    return _segment(data, segment_ids, num_segments, "amax")


@op
def segment_min(data: Any, segment_ids: Any, num_segments: int | None = None,
                sorted: bool = False) -> torch.Tensor:  # noqa: A002
    """Minima of the rows of `data` that share a segment id."""
    return _segment(data, segment_ids, num_segments, "amin")


@op
def segment_prod(data: Any, segment_ids: Any, num_segments: int | None = None,
                 sorted: bool = False) -> torch.Tensor:  # noqa: A002
    """Products of the rows of `data` that share a segment id."""
    return _segment(data, segment_ids, num_segments, "prod")


@op
def extract_sequences(x: Any, sequence_length: int, sequence_stride: int) -> torch.Tensor:
    """Overlapping frames of the last axis: shape (..., frames, sequence_length)."""
    return _t(x).unfold(-1, sequence_length, sequence_stride)


@op
def det(x: Any) -> torch.Tensor:
    """The determinant of each square matrix."""
    return torch.linalg.det(_floats(x))


@op
def inv(x: Any) -> torch.Tensor:
    """The inverse of each square matrix."""
    return torch.linalg.inv(_floats(x))


@op
def solve(a: Any, b: Any) -> torch.Tensor:
    """`x` with `a @ x = b`."""
    return torch.linalg.solve(_floats(a), _floats(b))


@op
def solve_triangular(a: Any, b: Any, lower: bool = False) -> torch.Tensor:
    """`x` with `a @ x = b` for triangular `a`."""
    return torch.linalg.solve_triangular(_floats(a), _floats(b), upper=not lower)


@op
def cholesky(x: Any, upper: bool = False) -> torch.Tensor:
    """The Cholesky factor of a positive-definite matrix (lower by default)."""
    return torch.linalg.cholesky(_floats(x), upper=upper)


def qr(x: Any, mode: str = "reduced") -> tuple[torch.Tensor, torch.Tensor]:
    """The QR decomposition."""
    return torch.linalg.qr(_floats(x), mode=mode)


def svd(x: Any, full_matrices: bool = True, compute_uv: bool = True) -> Any:
    """The singular value decomposition `(u, s, vh)`, or only `s`."""
    t = _floats(x)
    if not compute_uv:
        return torch.linalg.svdvals(t)
    return torch.linalg.svd(t, full_matrices=full_matrices)


def eig(x: Any) -> tuple[torch.Tensor, torch.Tensor]:
    """Eigenvalues and eigenvectors (complex in general)."""
    return torch.linalg.eig(_floats(x))


def eigh(x: Any) -> tuple[torch.Tensor, torch.Tensor]:
    """Eigenvalues (ascending) and eigenvectors of a symmetric matrix."""
    return torch.linalg.eigh(_floats(x))


def slogdet(x: Any) -> tuple[torch.Tensor, torch.Tensor]:
    """The sign and the log of the absolute determinant."""
    return tuple(torch.linalg.slogdet(_floats(x)))


@op
def logdet(x: Any) -> torch.Tensor:
    """The log-determinant of a positive-definite matrix."""
    return torch.logdet(_floats(x))


def lu_factor(x: Any) -> tuple[torch.Tensor, torch.Tensor]:
    """The LU factorization `(lu, pivots)` (pivots 0-based, int32)."""
    lu, pivots = torch.linalg.lu_factor(_floats(x))
    return lu, (pivots - 1).to(torch.int32)


def lstsq(a: Any, b: Any, rcond: float | None = None) -> torch.Tensor:
    """The least-squares solution of `a @ x = b`."""
    return torch.linalg.lstsq(_floats(a), _floats(b), rcond=rcond).solution


@op
def norm(x: Any, ord: Any = None, axis: Any = None, keepdims: bool = False) -> torch.Tensor:  # noqa: A002
    """The vector norm (or matrix norm when `axis` names two axes; Frobenius by default)."""
    t = _t(x)
    t = t.to(to_torch(result_type(t.dtype, float)))
    if isinstance(axis, (tuple, list)) and len(axis) == 2:
        return torch.linalg.matrix_norm(t, ord="fro" if ord is None else ord, dim=tuple(axis),
                                        keepdim=keepdims)
    if axis is None and t.dim() == 2 and ord is not None:
        return torch.linalg.matrix_norm(t, ord=ord, keepdim=keepdims)
    return torch.linalg.vector_norm(t, ord=2 if ord is None else ord, dim=axis,
                                    keepdim=keepdims)
