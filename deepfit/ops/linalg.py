"""`keras.ops.linalg`: determinants, inverses, solves, norms, decompositions, ranks and the
forward-mode derivative `jvp`."""

from deepfit.ops.linalg_extras import cholesky_inverse, jvp, matrix_rank, pinv
from deepfit.ops.math_ops import (
    cholesky,
    det,
    eig,
    eigh,
    inv,
    lstsq,
    lu_factor,
    norm,
    qr,
    solve,
    solve_triangular,
    svd,
)

__all__ = ["cholesky", "cholesky_inverse", "det", "eig", "eigh", "inv", "jvp", "lstsq",
           "lu_factor", "matrix_rank", "norm", "pinv", "qr", "solve", "solve_triangular", "svd"]
