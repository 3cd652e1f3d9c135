"""`keras.ops.linalg`: determinants, inverses, solves, norms and decompositions."""

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

__all__ = ["cholesky", "det", "eig", "eigh", "inv", "lstsq", "lu_factor", "norm", "qr", "solve",
           "solve_triangular", "svd"]
