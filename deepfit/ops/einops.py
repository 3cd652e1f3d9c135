"""`keras.ops.rearrange`: einops-style axis reshuffling ('b h w c -> b (h w) c').

Example:
    >>> from deepfit import ops
    >>> ops.rearrange(ops.ones((2, 4, 6, 3)), "b (h1 h) w c -> (b h1) h w c", h1=2).shape
    torch.Size([4, 2, 6, 3])
"""

from __future__ import annotations

import math
import re
from typing import Any

import torch

from deepfit.ops.core import convert_to_tensor as _t
from deepfit.ops.symbolic import op

__all__ = ["rearrange"]

_TERM = re.compile(r"\(([^)]*)\)|(\w+)")


def _groups(side: str) -> list[list[str]]:
    groups = []
    for inner, name in _TERM.findall(side):
        groups.append(inner.split() if inner or not name else [name])
    return groups


def _sizes(groups: list[list[str]], shape: tuple[int, ...], given: dict[str, int],
           pattern: str) -> dict[str, int]:
    if len(groups) != len(shape):
        raise ValueError(f"rearrange: the pattern {pattern!r} names {len(groups)} axes; the "
                         f"tensor has {len(shape)} (shape {shape})")
    sizes = dict(given)
    for group, size in zip(groups, shape):
        unknown = [a for a in group if a not in sizes]
        if len(unknown) > 1:
            raise ValueError(f"rearrange: give the sizes of all but one of {group} "
                             f"(e.g. {unknown[0]}=...)")
        known = math.prod(sizes[a] for a in group if a in sizes)
        if unknown:
            if known == 0 or size % known:
                raise ValueError(f"rearrange: axis of size {size} cannot be split into "
                                 f"{group} with {given}")
            sizes[unknown[0]] = size // known
        elif known != size:
            raise ValueError(f"rearrange: axes {group} of sizes "
                             f"{[sizes[a] for a in group]} do not make the axis of size {size}")
    return sizes


@op
def rearrange(tensor: Any, pattern: str, **axes_lengths: int) -> torch.Tensor:
    """Reorder, merge and split axes as an einops pattern says.

    Args:
        tensor: the tensor.
        pattern: 'input axes -> output axes'; parentheses group axes merged into one (on the
            right) or split from one (on the left).
        **axes_lengths: the sizes of split axes that cannot be inferred.

    Returns:
        The rearranged tensor.

    Raises:
        ValueError: for a malformed pattern, axes that do not match, or sizes that do not
            divide.
    """
    t = _t(tensor)
    if pattern.count("->") != 1:
        raise ValueError(f"rearrange: the pattern must read 'inputs -> outputs'; received "
                         f"{pattern!r}")
    left, right = (side.strip() for side in pattern.split("->"))
    inputs, outputs = _groups(left), _groups(right)
    flat_in = [a for g in inputs for a in g]
    flat_out = [a for g in outputs for a in g]
    if sorted(flat_in) != sorted(flat_out) or len(set(flat_in)) != len(flat_in):
        raise ValueError(f"rearrange: both sides must name the same axes once each; received "
                         f"{pattern!r}")
    sizes = _sizes(inputs, tuple(t.shape), axes_lengths, pattern)
    split = t.reshape([sizes[a] for a in flat_in])
    moved = split.permute([flat_in.index(a) for a in flat_out])
    return moved.reshape([math.prod(sizes[a] for a in g) for g in outputs])
