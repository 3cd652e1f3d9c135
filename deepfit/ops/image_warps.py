"""`keras.ops.image.affine_transform`, `perspective_transform` and `elastic_transform`: images
resampled through a per-image map from output to input pixel coordinates, read with
`image_sampling.sample_2d` (Keras's interpolation and fill rules).

Example:
    >>> from deepfit import ops
    >>> shift = torch.tensor([1.0, 0.0, -1.0, 0.0, 1.0, 0.0, 0.0, 0.0])  # content moves right
    >>> ops.image.affine_transform(torch.tensor([[[1.0], [2.0], [3.0]]]), shift)[..., 0]
    tensor([[0., 1., 2.]])
"""

from __future__ import annotations

from typing import Any

import torch

from deepfit.ops.core import convert_to_tensor as _t
from deepfit.ops.image_color import check_images, to_batch
from deepfit.ops.image_filters import gaussian_blur
from deepfit.ops.image_sampling import check_fill_mode, sample_2d
from deepfit.ops.symbolic import op

__all__ = ["affine_transform", "compute_homography_matrix", "elastic_transform",
           "perspective_transform"]

_ORDERS = {"nearest": 0, "bilinear": 1}


def _check_interpolation(name: str, interpolation: str) -> int:
    if interpolation not in _ORDERS:
        raise ValueError(f"{name}: invalid value for argument `interpolation`. Expected one of "
                         f"{list(_ORDERS)}. Received: interpolation={interpolation}")
    return _ORDERS[interpolation]


def _pixel_grid(height: int, width: int, dtype: torch.dtype, device: torch.device
                ) -> tuple[torch.Tensor, torch.Tensor]:
    rows = torch.arange(height, dtype=dtype, device=device)[:, None].expand(height, width)
    cols = torch.arange(width, dtype=dtype, device=device)[None, :].expand(height, width)
    return rows, cols


@op
def affine_transform(images: Any, transform: Any, interpolation: str = "bilinear",
                     fill_mode: str = "constant", fill_value: float = 0,
                     data_format: str | None = None) -> torch.Tensor:
    """Images resampled through affine maps: output pixel (x, y) reads the input at
    (a0 x + a1 y + a2, b0 x + b1 y + b2) for `transform` = [a0, a1, a2, b0, b1, b2, c0, c1]
    (c0, c1 unused, as in Keras).

    Args:
        images: a (h, w, c) image or (n, h, w, c) batch.
        transform: one 8-vector for all images, or (n, 8).
        interpolation: 'bilinear' (default) or 'nearest'.
        fill_mode: 'constant' (default), 'nearest', 'wrap', 'mirror' or 'reflect'.
        fill_value: the value outside the image for 'constant'.
        data_format: 'channels_last' (default) or 'channels_first'.

    Returns:
        The transformed images, the same shape.

    Example:
        >>> zoom = torch.tensor([2.0, 0, 0, 0, 2.0, 0, 0, 0])  # output (x, y) reads (2x, 2y)
        >>> affine_transform(torch.rand(2, 8, 8, 3), zoom).shape
        torch.Size([2, 8, 8, 3])
    """
    order = _check_interpolation("affine_transform", interpolation)
    check_fill_mode("affine_transform", fill_mode)
    t, matrix = _t(images), _t(transform)
    check_images("affine_transform", t)
    if matrix.dim() not in (1, 2):
        raise ValueError(f"affine_transform: invalid transform rank: expected rank 1 (single "
                         f"transform) or rank 2 (batch of transforms). Received input with "
                         f"shape: transform.shape={tuple(matrix.shape)}")
    batch, restore = to_batch(t, data_format, channels_first=False)
    matrix = matrix[None] if matrix.dim() == 1 else matrix
    matrix = matrix.expand(batch.shape[0], matrix.shape[-1])
    dtype = matrix.dtype if matrix.is_floating_point() else torch.float32
    matrix = matrix.to(dtype)
    rows, cols = _pixel_grid(batch.shape[1], batch.shape[2], dtype, batch.device)
    a = [matrix[:, i, None, None] for i in range(6)]
    src_rows = rows * a[4] + cols * a[3] + a[5]
    src_cols = rows * a[1] + cols * a[0] + a[2]
    out = sample_2d(batch, src_rows, src_cols, order, fill_mode, fill_value)
    return restore(out)


def compute_homography_matrix(start_points: Any, end_points: Any) -> torch.Tensor:
    """The (n, 8) projective maps taking each `end_points` quad onto its `start_points` quad.

    Args:
        start_points, end_points: (n, 4, 2) corner (x, y) coordinates.

    Returns:
        (n, 8) coefficients [a0 .. a7]: (x, y) maps to ((a0 x + a1 y + a2) / d,
        (a3 x + a4 y + a5) / d) with d = a6 x + a7 y + 1.
    """
    start, end = _t(start_points), _t(end_points)
    dtype = torch.promote_types(start.dtype, end.dtype)
    dtype = dtype if dtype.is_floating_point else torch.float32
    compute = torch.promote_types(dtype, torch.float32)
    start, end = start.to(compute), end.to(compute)
    zeros = torch.zeros_like(end[:, 0, 0])
    ones = torch.ones_like(zeros)
    rows = []
    for k in range(4):
        ex, ey = end[:, k, 0], end[:, k, 1]
        sx, sy = start[:, k, 0], start[:, k, 1]
        rows.append(torch.stack((ex, ey, ones, zeros, zeros, zeros, -sx * ex, -sx * ey), -1))
        rows.append(torch.stack((zeros, zeros, zeros, ex, ey, ones, -sy * ex, -sy * ey), -1))
    system = torch.stack(rows, dim=1)
    target = start.reshape(-1, 8, 1)
    return torch.linalg.solve(system, target).reshape(-1, 8).to(dtype)


def _check_points(name: str, points: torch.Tensor) -> None:
    if tuple(points.shape[-2:]) != (4, 2) or points.dim() not in (2, 3):
        raise ValueError(f"perspective_transform: invalid {name} shape: expected (4,2) for a "
                         f"single image or (N,4,2) for a batch. Received shape: "
                         f"{tuple(points.shape)}")


@op
def perspective_transform(images: Any, start_points: Any, end_points: Any,
                          interpolation: str = "bilinear", fill_value: float = 0,
                          data_format: str | None = None) -> torch.Tensor:
    """Images warped so the quadrilateral `start_points` lands on `end_points`.

    Args:
        images: a (h, w, c) image or (n, h, w, c) batch.
        start_points: (4, 2) or (n, 4, 2) corner (x, y) coordinates in the input.
        end_points: where those corners go in the output, the same shape.
        interpolation: 'bilinear' (default) or 'nearest'.
        fill_value: the value outside the input.
        data_format: 'channels_last' (default) or 'channels_first'.

    Returns:
        The warped images, the same shape.

    Example:
        >>> corners = torch.tensor([[0.0, 0.0], [7, 0], [0, 7], [7, 7]])
        >>> x = torch.rand(8, 8, 3)
        >>> bool(torch.allclose(perspective_transform(x, corners, corners), x, atol=1e-5))
        True
    """
    order = _check_interpolation("perspective_transform", interpolation)
    t = _t(images)
    check_images("perspective_transform", t)
    dtype = t.dtype if t.is_floating_point() else torch.float32
    start, end = _t(start_points).to(dtype), _t(end_points).to(dtype)
    _check_points("start_points", start)
    _check_points("end_points", end)
    if start.shape != end.shape:
        raise ValueError(f"perspective_transform: start_points and end_points must have the "
                         f"same shape. Received start_points.shape={tuple(start.shape)}, "
                         f"end_points.shape={tuple(end.shape)}")
    batch, restore = to_batch(t, data_format, channels_first=False)
    start = start[None] if start.dim() == 2 else start
    end = end[None] if end.dim() == 2 else end
    h = compute_homography_matrix(start, end)
    h = h.expand(batch.shape[0], 8) if h.shape[0] == 1 else h
    rows, cols = _pixel_grid(batch.shape[1], batch.shape[2], dtype, batch.device)
    a = [h[:, i, None, None] for i in range(8)]
    denominator = a[6] * cols + a[7] * rows + 1.0
    src_cols = (a[0] * cols + a[1] * rows + a[2]) / denominator
    src_rows = (a[3] * cols + a[4] * rows + a[5]) / denominator
    out = sample_2d(batch, src_rows, src_cols, order, "constant", fill_value)
    return restore(out)


def _generator(seed: Any, device: torch.device) -> torch.Generator | None:
    if seed is None:
        return None
    if isinstance(seed, torch.Generator):
        return seed
    return torch.Generator(device=device).manual_seed(int(seed))


@op
def elastic_transform(images: Any, alpha: float = 20.0, sigma: float = 5.0,
                      interpolation: str = "bilinear", fill_mode: str = "reflect",
                      fill_value: float = 0.0, seed: Any = None,
                      data_format: str | None = None) -> torch.Tensor:
    """Images warped by a smooth random displacement field: standard-normal noise per pixel,
    scaled by `sigma`, Gaussian-blurred (an `int(6 sigma) | 1` kernel of std `sigma`) and
    scaled by `alpha` pixels.

    The noise is drawn as Keras's torch backend draws it (two `torch.normal` fields, x then
    y), from torch's global generator, so `torch.manual_seed` gives Keras's exact warp; an int
    `seed` (or a `torch.Generator`) draws from a generator of its own instead.

    Args:
        images: a (h, w, c) image or (n, h, w, c) batch.
        alpha: the displacement's scale, in pixels.
        sigma: the smoothing Gaussian's standard deviation.
        interpolation: 'bilinear' (default) or 'nearest'.
        fill_mode: 'reflect' (default), 'constant', 'nearest', 'wrap' or 'mirror'.
        fill_value: the value outside the image for 'constant'.
        seed: None (torch's global generator), an int or a `torch.Generator`.
        data_format: 'channels_last' (default) or 'channels_first'.

    Returns:
        The warped images, the same shape and dtype.

    Example:
        >>> elastic_transform(torch.rand(2, 16, 16, 3), seed=1).shape
        torch.Size([2, 16, 16, 3])
    """
    order = _check_interpolation("elastic_transform", interpolation)
    check_fill_mode("elastic_transform", fill_mode)
    t = _t(images)
    check_images("elastic_transform", t)
    batch, restore = to_batch(t, data_format, channels_first=False)
    n, height, width, _ = batch.shape
    dtype = t.dtype if t.is_floating_point() else torch.float32
    sigma, alpha = float(sigma), float(alpha)
    size = int(6 * sigma) | 1
    generator = _generator(seed, batch.device)
    fields = []
    for _ in range(2):
        noise = torch.normal(0.0, 1.0, size=(n, height, width), generator=generator,
                             dtype=dtype, device=batch.device) * sigma
        fields.append(gaussian_blur(noise[..., None], (size, size), (sigma, sigma),
                                    data_format="channels_last")[..., 0])
    rows, cols = _pixel_grid(height, width, dtype, batch.device)
    out = sample_2d(batch, rows + alpha * fields[1], cols + alpha * fields[0], order,
                    fill_mode, fill_value)
    return restore(out.to(t.dtype))
