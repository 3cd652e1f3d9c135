"""More of `keras.ops.linalg`: `cholesky_inverse`, `matrix_rank`, `pinv` and the forward-mode
derivative `jvp`.

Example:
    >>> from deepfit import ops
    >>> ops.matrix_rank(ops.array([[1.0, 2.0], [2.0, 4.0]]))
    tensor(1, dtype=torch.int32)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from deepfit import config
from deepfit.ops.core import convert_to_tensor as _t
from deepfit.ops.dtypes import to_torch
from deepfit.ops.symbolic import op

__all__ = ["cholesky_inverse", "jvp", "matrix_rank", "pinv"]


def _floats(x: Any) -> torch.Tensor:
    t = _t(x)
    return t if t.is_floating_point() else t.to(to_torch(config.floatx()))


@op
def cholesky_inverse(x: Any, upper: bool = False) -> torch.Tensor:
    """The inverse of a symmetric positive-definite matrix `A`, given its Cholesky factor.

    Args:
        x: the factor: lower triangular `L` with `A = L Lᵀ` (upper `U`, `A = Uᵀ U`, with
            `upper=True`), 2-D and square.
        upper: whether `x` is the upper factor.

    Returns:
        `A⁻¹`.

    Raises:
        ValueError: for a matrix that is not 2-D and square, or a singular factor.
    """
    t = _floats(x)
    if t.dim() != 2 or t.shape[0] != t.shape[1]:
        raise ValueError(f"cholesky_inverse: expected a 2-D square matrix; received shape "
                         f"{tuple(t.shape)}")
    try:
        return torch.cholesky_inverse(t, upper=upper)
    except RuntimeError as err:
        raise ValueError(f"Cholesky inverse failed: {err}") from None


@op
def matrix_rank(x: Any, tol: float | None = None) -> torch.Tensor:
    """The rank of a matrix (of each matrix of a batch): its singular values above `tol`
    (by default, the largest one times max(M, N) times the dtype's epsilon). int32."""
    return torch.linalg.matrix_rank(_floats(x), atol=tol).to(torch.int32)


@op
def pinv(x: Any, rcond: float | None = None) -> torch.Tensor:
    """The Moore-Penrose pseudo-inverse of a matrix (of each matrix of a batch); singular
    values below `rcond` times the largest count as zero."""
    return torch.linalg.pinv(_floats(x), rtol=rcond)


def jvp(fun: Callable[..., Any], primals: Any, tangents: Any,
        has_aux: bool = False) -> tuple[Any, ...]:
    """The value of `fun` at `primals` and its forward-mode derivative along `tangents`.

    Args:
        fun: a function of tensors.
        primals: the arguments, a tuple or list (one per positional parameter).
        tangents: the directions, the same structure and shapes as `primals`.
        has_aux: `fun` returns `(output, aux)`; aux comes back as a third item.

    Returns:
        `(output, tangent_out)`, or `(output, tangent_out, aux)` with `has_aux`.

    Example:
        >>> out, slope = jvp(ops.sin, (ops.array(0.1),), (ops.array(0.2),))
    """
    if not isinstance(primals, (tuple, list)) or not isinstance(tangents, (tuple, list)):
        raise TypeError("jvp: `primals` and `tangents` must be tuples or lists of arguments")
    if len(primals) != len(tangents):
        raise ValueError(f"jvp: `primals` has {len(primals)} items and `tangents` "
                         f"{len(tangents)}; they must match")
    from deepfit import tree

    prim = tuple(tree.map_structure(_t, tuple(primals)))
    tang = tuple(tree.map_structure(_t, tuple(tangents)))
    return torch.func.jvp(fun, prim, tang, has_aux=has_aux)
