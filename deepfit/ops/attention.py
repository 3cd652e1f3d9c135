"""`keras.ops.dot_product_attention`, `psnr` and `polar`.

Example:
    >>> from deepfit import ops
    >>> q = ops.ones((1, 3, 2, 4))                      # (batch, steps, heads, depth)
    >>> ops.dot_product_attention(q, q, q).shape
    torch.Size([1, 3, 2, 4])
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F

from deepfit.ops.core import convert_to_tensor as _t
from deepfit.ops.dtypes import result_type, to_torch
from deepfit.ops.symbolic import op

__all__ = ["dot_product_attention", "polar", "psnr"]


def _large_negative(dtype: torch.dtype) -> float:
    return -0.7 * (65500.0 if dtype == torch.float16 else 3.38953e38)


def _check_flash(query: torch.Tensor, flash_attention: bool | None) -> None:
    if not flash_attention:
        return
    if query.device.type != "cuda" or query.dtype not in (torch.float16, torch.bfloat16):
        raise RuntimeError("dot_product_attention: flash attention needs float16 or bfloat16 "
                           f"inputs on a CUDA device; received {query.dtype} on "
                           f"{query.device.type}. Pass flash_attention=None or False")


def _attention_mask(mask: Any, bias: Any, is_causal: bool, q_len: int, kv_len: int,
                    dtype: torch.dtype, device: torch.device) -> torch.Tensor | None:
    if bias is None and mask is None:
        return None
    causal = torch.ones((q_len, kv_len), dtype=torch.bool, device=device).tril()
    zero = torch.zeros((), dtype=dtype, device=device)
    blocked = torch.tensor(_large_negative(dtype), dtype=dtype, device=device)
    if bias is not None:
        added = _t(bias).to(dtype).to(device)
        return torch.where(causal, added, blocked) if is_causal else added
    allowed = _t(mask).bool().to(device)
    if is_causal:
        allowed = allowed & causal
    return torch.where(allowed, zero, blocked)


@op
def dot_product_attention(query: Any, key: Any, value: Any, bias: Any = None, mask: Any = None,
                          scale: float | None = None, is_causal: bool = False,
                          flash_attention: bool | None = None,
                          attn_logits_soft_cap: float | None = None) -> torch.Tensor:
    """Scaled dot-product attention: `softmax(query · keyᵀ * scale + bias) · value`.

    Args:
        query: `(batch, query_steps, heads, depth)`.
        key, value: `(batch, key_steps, kv_heads, depth)`; `heads` must be a multiple of
            `kv_heads` (grouped-query attention).
        bias: an additive bias broadcastable to `(batch, heads, query_steps, key_steps)`.
        mask: a bool mask of that shape: False positions get no attention. Not with `bias`.
        scale: the logits' scale (`1 / sqrt(depth)` when None).
        is_causal: each query step sees only key steps up to its own.
        flash_attention: True to require the flash kernel (CUDA, half precision), None to let
            torch choose.
        attn_logits_soft_cap: not supported (Keras supports it on JAX with TPUs only).

    Returns:
        `(batch, query_steps, heads, depth)`, of the inputs' promoted dtype.

    Raises:
        ValueError: for inputs that are not 4-D, both `bias` and `mask`, or a soft cap.
    """
    if attn_logits_soft_cap is not None:
        raise ValueError("dot_product_attention: attn_logits_soft_cap is only supported by "
                         "Keras for JAX on TPU. Set attn_logits_soft_cap=None")
    q, k, v = _t(query), _t(key), _t(value)
    if q.dim() != 4 or k.dim() != 4 or v.dim() != 4:
        raise ValueError(f"dot_product_attention: only 4D inputs are supported. Received: "
                         f"query.shape={tuple(q.shape)}, key.shape={tuple(k.shape)}, "
                         f"value.shape={tuple(v.shape)}")
    if bias is not None and mask is not None:
        raise ValueError("dot_product_attention: only one of `bias` and `mask` can be "
                         "provided. Received both")
    dtype = to_torch(result_type(q.dtype, k.dtype, v.dtype))
    q, k, v = (t.to(dtype).transpose(1, 2) for t in (q, k, v))
    heads, kv_heads = q.shape[1], k.shape[1]
    if kv_heads > 1 and heads != kv_heads:
        if heads % kv_heads:
            raise ValueError(f"dot_product_attention: {heads} query heads are not a multiple "
                             f"of {kv_heads} key/value heads")
        k = k.repeat_interleave(heads // kv_heads, dim=1)
        v = v.repeat_interleave(heads // kv_heads, dim=1)
    _check_flash(q, flash_attention)
    attn_mask = _attention_mask(mask, bias, is_causal, q.shape[2], k.shape[2], dtype, q.device)
    causal = is_causal and attn_mask is None
    out = F.scaled_dot_product_attention(q.contiguous(), k.contiguous(), v.contiguous(),
                                         attn_mask=attn_mask, is_causal=causal, scale=scale)
    return out.transpose(1, 2)


@op
def psnr(x1: Any, x2: Any, max_val: float) -> torch.Tensor:
    """The peak signal-to-noise ratio of two images (batches) in dB:
    `20 log10(max_val) - 10 log10(mean((x1 - x2)²))`.

    Args:
        x1, x2: tensors of one shape.
        max_val: the largest possible pixel value (1.0 or 255, say).

    Returns:
        A scalar of `x1`'s dtype.
    """
    a, b = _t(x1), _t(x2)
    if not a.is_floating_point():
        a, b = a.float(), b.float()
    if a.shape != b.shape:
        raise ValueError(f"psnr: input shapes {tuple(a.shape)} and {tuple(b.shape)} must match "
                         f"for PSNR calculation")
    peak = torch.as_tensor(max_val, device=a.device).to(a.dtype)
    mse = torch.mean((a - b) ** 2)
    return 20 * torch.log10(peak) - 10 * torch.log10(mse)


@op
def polar(abs_: Any, angle: Any) -> torch.Tensor:
    """The complex numbers `abs_ * (cos(angle) + i sin(angle))`.

    Args:
        abs_: the magnitudes.
        angle: the angles in radians.

    Returns:
        A complex tensor (complex64 for float32 inputs, complex32 for float16).
    """
    r, theta = _t(abs_), _t(angle)
    if not r.is_floating_point():
        r = r.float()
    if not theta.is_floating_point():
        theta = theta.float()
    return torch.complex(r * torch.cos(theta), r * torch.sin(theta))
