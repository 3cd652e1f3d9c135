"""More NumPy-named array ops of `keras.ops`: splitting (`array_split`, `hsplit`, `vsplit`,
`dsplit`), stacking (`dstack`), products and matrices (`kron`, `diagflat`, `vander`), indexing
(`unravel_index`), reinterpreting bits (`view`), integrals and correlations (`trapezoid`,
`correlate`, `corrcoef`).

Example:
    >>> from deepfit import ops
    >>> [t.tolist() for t in ops.array_split(ops.arange(5), 2)]
    [[0, 1, 2], [3, 4]]
"""

from __future__ import annotations

import builtins
from typing import Any

import torch

from deepfit import config
from deepfit.ops.core import convert_to_tensor as _t
from deepfit.ops.dtypes import result_type, standardize_dtype, to_torch
from deepfit.ops.symbolic import op

__all__ = [
    "array_split", "corrcoef", "correlate", "diagflat", "dsplit", "dstack", "hsplit", "kron",
    "trapezoid", "unravel_index", "vander", "view", "vsplit",
]


def array_split(x: Any, indices_or_sections: int, axis: int = 0) -> list[torch.Tensor]:
    """`x` cut into `indices_or_sections` nearly equal parts along `axis` (the first parts one
    longer when the size does not divide).

    Args:
        x: the tensor.
        indices_or_sections: the number of parts, a positive int.
        axis: the axis to cut.

    Returns:
        The list of parts.

    Raises:
        TypeError / ValueError: when `indices_or_sections` is not a positive int or `axis` not
            an int.
    """
    if not isinstance(indices_or_sections, int) or isinstance(indices_or_sections, bool):
        raise TypeError(f"array_split: argument `indices_or_sections` must be of type `int`. "
                        f"Received: indices_or_sections={indices_or_sections}")
    if indices_or_sections <= 0:
        raise ValueError(f"array_split: argument `indices_or_sections` must be a positive "
                         f"integer. Received: indices_or_sections={indices_or_sections}")
    if not isinstance(axis, int):
        raise TypeError(f"array_split: argument `axis` must be of type `int`. Received: {axis}")
    return list(torch.tensor_split(_t(x), indices_or_sections, dim=axis))


def _split_along(name: str, x: Any, indices_or_sections: Any, axis: int) -> list[torch.Tensor]:
    t = _t(x)
    if t.dim() <= axis:
        raise ValueError(f"{name}: needs a tensor of at least {axis + 1} dimensions; received "
                         f"shape {tuple(t.shape)}")
    if isinstance(indices_or_sections, int):
        if indices_or_sections <= 0 or t.shape[axis] % indices_or_sections:
            raise ValueError(f"{name}: axis {axis} of size {t.shape[axis]} does not divide "
                             f"into {indices_or_sections} equal sections")
        return list(torch.tensor_split(t, indices_or_sections, dim=axis))
    indices = [int(i) for i in _t(indices_or_sections).reshape(-1).tolist()]
    return list(torch.tensor_split(t, indices, dim=axis))


def hsplit(x: Any, indices_or_sections: Any) -> list[torch.Tensor]:
    """`x` split along its second axis (the first for a 1-D tensor), into equal sections or at
    the given indices."""
    return _split_along("hsplit", x, indices_or_sections, 0 if _t(x).dim() == 1 else 1)


def vsplit(x: Any, indices_or_sections: Any) -> list[torch.Tensor]:
    """`x` split along its first axis, into equal sections or at the given indices."""
    return _split_along("vsplit", x, indices_or_sections, 0)


def dsplit(x: Any, indices_or_sections: Any) -> list[torch.Tensor]:
    """`x` (3-D or more) split along its third axis, into equal sections or at the given
    indices."""
    return _split_along("dsplit", x, indices_or_sections, 2)


def _common(tensors: list[torch.Tensor]) -> list[torch.Tensor]:
    # torch's promotion (Keras on torch leaves these ops' dtypes to torch: int64 stays)
    dtype = tensors[0].dtype
    for t in tensors[1:]:
        dtype = torch.promote_types(dtype, t.dtype)
    return [t.to(dtype) for t in tensors]


@op
def dstack(xs: Any) -> torch.Tensor:
    """The tensors stacked along a third axis (1-D and 2-D ones first made 3-D)."""
    return torch.dstack(_common([_t(x) for x in xs]))


@op
def kron(x1: Any, x2: Any) -> torch.Tensor:
    """The Kronecker product: each entry of `x1` times the whole of `x2`, as blocks."""
    a, b = _common([_t(x1), _t(x2)])
    if a.dtype == torch.bool:
        return torch.kron(a.to(torch.uint8), b.to(torch.uint8)).bool()
    return torch.kron(a, b)


@op
def diagflat(x: Any, k: int = 0) -> torch.Tensor:
    """A 2-D tensor with the flattened `x` on its `k`-th diagonal and zeros elsewhere."""
    return torch.diagflat(_t(x), offset=k)


@op
def vander(x: Any, N: int | None = None, increasing: bool = False) -> torch.Tensor:  # noqa: N803
    """The Vandermonde matrix of a 1-D tensor: columns are powers of `x`, from `N - 1` down to
    0 (up, with `increasing=True`).

    Args:
        x: a 1-D tensor.
        N: the number of columns (`len(x)` when None).
        increasing: powers from 0 upwards.

    Returns:
        A (len(x), N) tensor.
    """
    t = _t(x)
    if t.dim() != 1:
        raise ValueError(f"vander: input tensor must be 1-dimensional. Received: "
                         f"input.shape={tuple(t.shape)}")
    if N is not None and (not isinstance(N, int) or isinstance(N, bool)):
        raise TypeError(f"vander: argument `N` must be of type `int`. Received: N={N} of "
                        f"type {type(N)}")
    if N is not None and N < 0:
        raise ValueError(f"vander: argument 'N' must be nonnegative. Received: N={N}")
    if not isinstance(increasing, bool):
        raise TypeError(f"vander: argument `increasing` must be of type `bool`. Received: "
                        f"increasing={increasing} of type {type(increasing)}")
    dtype = to_torch(result_type(t.dtype))
    return torch.vander(t, N=N, increasing=increasing).to(dtype)


def unravel_index(indices: Any, shape: Any) -> tuple[torch.Tensor, ...]:
    """The multi-dimensional positions, in a tensor of `shape`, of flat `indices`.

    Args:
        indices: int tensor of flat indices.
        shape: the tensor shape.

    Returns:
        A tuple of index tensors, one per axis of `shape`, of the indices' dtype.

    Example:
        >>> unravel_index(ops.array([5, 1]), (2, 3))
        (tensor([1, 0], dtype=torch.int32), tensor([2, 1], dtype=torch.int32))
    """
    t = _t(indices)
    dtype = to_torch(result_type(t.dtype))
    shape = tuple(int(s) for s in shape)
    return tuple(i.to(dtype) for i in torch.unravel_index(t.to(torch.int64), shape))


@op
def view(x: Any, dtype: Any = None) -> torch.Tensor:
    """The same bits seen as `dtype` (floatx when None); a wider dtype shortens the last
    axis, a narrower one lengthens it."""
    return _t(x).view(to_torch(dtype))


@op
def trapezoid(y: Any, x: Any = None, dx: float = 1.0, axis: int = -1) -> torch.Tensor:
    """The integral of `y` along `axis` by the trapezoidal rule, at sample points `x` (evenly
    `dx` apart when None)."""
    t = _t(y)
    if t.dtype == torch.bool:
        t = t.to(to_torch(config.floatx()))
    if x is not None:
        return torch.trapezoid(t, x=_t(x), dim=axis)
    return torch.trapezoid(t, dx=_t(dx), dim=axis)


def _correlate_dtype(a: torch.Tensor, b: torch.Tensor) -> torch.dtype:
    name = result_type(a.dtype, b.dtype)
    if name == "int64":
        return torch.float64
    return to_torch(name if name in ("bfloat16", "float16", "float64") else "float32")


@op
def correlate(x1: Any, x2: Any, mode: str = "valid") -> torch.Tensor:
    """The cross-correlation of two 1-D sequences: `c[k] = sum_n x1[n + k] * x2[n]`.

    Args:
        x1, x2: the sequences (leading axes are batches, broadcast together).
        mode: 'valid' (only full overlaps), 'same' (the length of `x1`) or 'full'.

    Returns:
        The correlation, float32 for int32/bool inputs (float64 for int64).
    """
    if mode not in ("valid", "same", "full"):
        raise ValueError(f"correlate: mode must be 'valid', 'same' or 'full'; received "
                         f"{mode!r}")
    a, b = _t(x1), _t(x2)
    dtype = _correlate_dtype(a, b)
    a, b = a.to(dtype), b.to(dtype)
    n, m = a.shape[-1], b.shape[-1]
    batch = torch.broadcast_shapes(a.shape[:-1], b.shape[:-1])
    a = a.expand(*batch, n).reshape(-1, n)
    b = b.expand(*batch, m).reshape(-1, m)
    compute = torch.float32 if dtype in (torch.float16, torch.bfloat16) else dtype
    full = torch.nn.functional.conv1d(a.to(compute).unsqueeze(0), b.to(compute).unsqueeze(1),
                                      groups=a.shape[0], padding=m - 1)[0].to(dtype)
    length = {"full": n + m - 1, "same": n,
              "valid": builtins.max(n, m) - builtins.min(n, m) + 1}[mode]
    start = (n + m - 1 - length) // 2
    return full[:, start:start + length].reshape(*batch, length)


@op
def corrcoef(x: Any) -> torch.Tensor:
    """The Pearson correlation coefficients of the rows of `x` (each row a variable)."""
    t = _t(x)
    name = standardize_dtype(t.dtype)
    if name == "bool":
        t = t.to(to_torch(config.floatx()))
    elif name == "int64":
        t = t.to(torch.float64)
    elif "int" in name:
        t = t.to(torch.float32)
    return torch.corrcoef(t)
