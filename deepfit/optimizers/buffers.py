"""The flat buffers behind every optimizer: one parameter, gradient and state buffer per
(device, dtype), with per-variable views into them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import torch


class _FlatGroup:
    """The parameters of one (device, dtype): flat parameter, gradient and state buffers."""

    __slots__ = ("params", "offsets", "numels", "total", "param", "grad", "slots", "decay",
                 "scratch", "counts", "extra", "_views")

    def __init__(self, params: list[torch.Tensor], n_decay: int, slot_specs, n_scratch: int):
        first = params[0]
        self.params = params
        self.numels = [p.numel() for p in params]
        self.offsets = [0]
        for n in self.numels[:-1]:
            self.offsets.append(self.offsets[-1] + n)
        self.total = sum(self.numels)
        like = {"dtype": first.dtype, "device": first.device}
        self.param = torch.empty(self.total, **like)
        self.grad = torch.zeros(self.total, **like)
        self.slots = {name: torch.full((self.total,), init, **like) for name, init in slot_specs}
        self.decay = self.param[:n_decay] if n_decay else None
        self.scratch = [torch.empty(self.total, **like) for _ in range(n_scratch)]
        self.counts = torch.tensor(self.numels, device=first.device)
        self.extra: dict[str, Any] = {}  # per-rule extras, e.g. Adam's fused-kernel step tensor
        self._views: dict[int, list[torch.Tensor]] = {}

    def view(self, flat: torch.Tensor, j: int) -> torch.Tensor:
        start = self.offsets[j]
        return flat[start : start + self.numels[j]].view(self.params[j].shape)

    def views(self, flat: torch.Tensor) -> list[torch.Tensor]:
        """Per-parameter views of one of this group's flat buffers (cached)."""
        cached = self._views.get(id(flat))
        if cached is None:
            cached = self._views[id(flat)] = [self.view(flat, j) for j in range(len(self.params))]
        return cached


def _unique_tensors(variables: Sequence[torch.Tensor]) -> list[torch.Tensor]:
    unique, seen = [], set()
    for k, p in enumerate(variables):
        if not isinstance(p, torch.Tensor) or not p.is_floating_point():
            kind = f"{p.dtype} tensor" if isinstance(p, torch.Tensor) else type(p).__name__
            raise TypeError(
                f"variables[{k}]: expected a floating-point tensor (a torch.nn.Parameter), "
                f"received a {kind}"
            )
        if id(p) not in seen:
            seen.add(id(p))
            unique.append(p)
    return unique


def _move_in(group: _FlatGroup, state: Mapping[int, tuple[torch.Tensor, dict]]) -> None:
    """Copy values, gradients and known state into the group, then make params views of it."""
    for j, p in enumerate(group.params):
        group.view(group.param, j).copy_(p.detach())
        if p.grad is not None:
            group.view(group.grad, j).copy_(p.grad)
        old = state.get(id(p))
        for name, buf in group.slots.items():
            if old is not None and name in old[1]:
                group.view(buf, j).copy_(old[1][name])
    for j, p in enumerate(group.params):
        p.data = group.view(group.param, j)
        p.grad = group.view(group.grad, j)


def _copy_all(dst: list[torch.Tensor], src: list[torch.Tensor]) -> None:
    try:
        torch._foreach_copy_(dst, src)
    except RuntimeError:
        for d, s in zip(dst, src):
            d.copy_(s)


def _global_norm(grads: list[torch.Tensor]) -> torch.Tensor:
    norms = [torch.linalg.vector_norm(g) for g in grads]
    if len(norms) == 1:
        return norms[0]
    first = norms[0]
    return torch.linalg.vector_norm(
        torch.stack([n.to(device=first.device, dtype=torch.float64) for n in norms])
    )
