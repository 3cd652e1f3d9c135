"""`GradientTape`: TensorFlow's gradient recorder on torch autograd.

Torch records every op on tensors that require gradients, so the tape only has to remember
which tensors it watches and call `torch.autograd.grad` with TensorFlow's rules: `None` for a
source the target does not depend on, the target summed when it is not a scalar, one
`gradient()` call per non-persistent tape, and a differentiable result when an outer tape is
recording (second derivatives).

Example:
    >>> import torch
    >>> from deepfit.backend import GradientTape, Variable
    >>> w = Variable(3.0)
    >>> with GradientTape() as outer:
    ...     with GradientTape() as inner:
    ...         y = w * w * w
    ...     dy = inner.gradient(y, w)
    >>> float(dy), float(outer.gradient(dy, w))
    (27.0, 18.0)
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import torch

from deepfit.backend.tensor import to_eager
from deepfit.ops import numpy_bridge

_stack = threading.local()
_UNCONNECTED = ("none", "zero")


def _tapes() -> list[GradientTape]:
    tapes = getattr(_stack, "tapes", None)
    if tapes is None:
        tapes = _stack.tapes = []
    return tapes


def recording() -> bool:
    """Whether a GradientTape is recording on this thread (it wants dense gradients)."""
    return bool(_tapes())


class GradientTape:
    """Record operations for automatic differentiation (`with GradientTape() as tape:`).

    Args:
        persistent: allow several `gradient()`/`jacobian()` calls.
        watch_accessed_variables: when False, only tensors given to `watch()` get gradients.
    """

    def __init__(self, persistent: bool = False, watch_accessed_variables: bool = True) -> None:
        self.persistent = bool(persistent)
        self.watch_accessed_variables = bool(watch_accessed_variables)
        self._watched: dict[int, torch.Tensor] = {}
        self._used = False
        self._recording = False

    def __enter__(self) -> GradientTape:
        self._recording = True
        _tapes().append(self)
        return self

    def __exit__(self, *exc: Any) -> None:
        self._recording = False
        tapes = _tapes()
        if self in tapes:
            tapes.remove(self)

    # ----------------------------------------------------------------- watching
    def watch(self, tensor: Any) -> None:
        """Record operations on `tensor` (a tensor or a nested structure of them).

        Args:
            tensor: tensors to differentiate with respect to (constants included).
        """
        for item in _flatten(tensor):
            if not isinstance(item, torch.Tensor):
                raise TypeError(f"watch: expected tensors or Variables, received {item!r} "
                                f"of type {type(item).__name__}")
            if not (item.is_floating_point() or item.is_complex()):
                continue  # TensorFlow ignores (and warns about) non-float tensors
            if not item.requires_grad:
                item.requires_grad_(True)
            self._watched[id(item)] = item

    def watched_variables(self) -> list[torch.Tensor]:
        """The tensors given to `watch()`."""
        return list(self._watched.values())

    @contextmanager
    def stop_recording(self) -> Iterator[None]:
        """Operations inside are not recorded (no gradients flow through them)."""
        with torch.no_grad():
            yield

    def reset(self) -> None:
        """Forget the watched tensors (TensorFlow's reset; torch's graph needs no clearing)."""
        self._watched.clear()

    # ----------------------------------------------------------------- gradients
    def gradient(self, target: Any, sources: Any, output_gradients: Any = None,
                 unconnected_gradients: str = "none") -> Any:
        """The gradient of `target` (summed if not a scalar) with respect to `sources`.

        Args:
            target: a tensor or a list of tensors (their gradients are added).
            sources: a Variable or tensor, or a list/tuple/dict (nested) of them.
            output_gradients: gradients of the target, one per target tensor (default ones).
            unconnected_gradients: 'none' (None for sources the target does not depend on)
                or 'zero'.

        Returns:
            The gradients in the structure of `sources`.

        Raises:
            RuntimeError: on a second call of a non-persistent tape.
            TypeError: for a source that is not a tensor or Variable.
        """
        self._start_use("gradient")
        mode = _unconnected_mode(unconnected_gradients)
        flat_sources = _flatten(sources)
        _check_sources(flat_sources)
        targets = [t for t in _flatten(target) if t is not None]
        grads = self._grad(targets, flat_sources, _flatten(output_gradients)
                           if output_gradients is not None else None, mode)
        return _pack(sources, iter(grads))

    def jacobian(self, target: Any, sources: Any, unconnected_gradients: str = "none",
                 parallel_iterations: Any = None, experimental_use_pfor: bool = True) -> Any:
        """The Jacobian of `target` with respect to `sources` (shape `target.shape +
        source.shape` per source), element by element (meant for small targets).

        Args:
            target: a tensor.
            sources: a tensor/Variable or a nested structure of them.
            unconnected_gradients: 'none' or 'zero'.
            parallel_iterations, experimental_use_pfor: accepted for TensorFlow's signature.

        Returns:
            The Jacobians in the structure of `sources`.
        """
        self._start_use("jacobian")
        mode = _unconnected_mode(unconnected_gradients)
        flat_sources = _flatten(sources)
        _check_sources(flat_sources)
        if not isinstance(target, torch.Tensor):
            raise TypeError(f"jacobian: expected a tensor as target, received "
                            f"{type(target).__name__}")
        flat_target = target.reshape(-1)
        rows = [self._grad([flat_target[i]], flat_sources, None, "zero")
                for i in range(flat_target.numel())]
        result = []
        for k, source in enumerate(flat_sources):
            if not rows:
                result.append(torch.zeros(*target.shape, *source.shape, dtype=source.dtype))
                continue
            stacked = torch.stack([row[k] for row in rows]).reshape(*target.shape,
                                                                    *source.shape)
            connected = any(_connected(row[k]) for row in rows)
            result.append(stacked if connected or mode == "zero" else None)
        return _pack(sources, iter(to_eager(result)))

    def batch_jacobian(self, target: Any, source: Any, unconnected_gradients: str = "none",
                       parallel_iterations: Any = None,
                       experimental_use_pfor: bool = True) -> Any:
        """Per-example Jacobians: `result[i] = d target[i] / d source[i]`, of shape
        `target.shape + source.shape[1:]`, assuming example `i` of `target` depends only on
        example `i` of `source` (TensorFlow's contract; one backward pass per target element
        of an example).

        Args:
            target: a tensor of shape `(batch, y1, ..., yn)`.
            source: a tensor or Variable of shape `(batch, x1, ..., xm)`.
            unconnected_gradients: 'none' or 'zero'; as in TensorFlow, an unconnected
                `target` gives zeros either way.
            parallel_iterations, experimental_use_pfor: accepted for TensorFlow's signature.

        Returns:
            The Jacobian tensor.

        Raises:
            TypeError: `target` or `source` is not a tensor.
            ValueError: they are scalars or their first dimensions differ.
        """
        self._start_use("batch_jacobian")
        _unconnected_mode(unconnected_gradients)
        for role, value in (("target", target), ("source", source)):
            if not isinstance(value, torch.Tensor):
                raise TypeError(f"batch_jacobian: expected a tensor as {role}, received "
                                f"{type(value).__name__}")
        _check_sources([source])
        if target.dim() == 0 or source.dim() == 0 or target.shape[0] != source.shape[0]:
            raise ValueError(
                "batch_jacobian: target and source need the same first (batch) dimension, "
                f"received target shape {tuple(target.shape)} and source shape "
                f"{tuple(source.shape)}")
        flat_target = target.reshape(target.shape[0], -1)
        rows = [self._grad([flat_target[:, j].sum()], [source], None, "none")[0]
                for j in range(flat_target.shape[1])]
        shape = (*target.shape, *source.shape[1:])
        if all(row is None for row in rows):
            # TensorFlow answers zeros here whatever `unconnected_gradients` says.
            return to_eager(torch.zeros(shape, dtype=target.dtype, device=source.device))
        zeros = torch.zeros(source.shape, dtype=source.dtype, device=source.device)
        stacked = torch.stack([zeros if row is None else _plain(row) for row in rows], dim=1)
        return to_eager(stacked.reshape(shape))

    def _start_use(self, method: str) -> None:
        if self._used and not self.persistent:
            raise RuntimeError(
                f"{method}: a non-persistent GradientTape can only be used to compute one set "
                "of gradients (or jacobians); create it with GradientTape(persistent=True) to "
                "call it several times"
            )
        self._used = True

    def _grad(self, targets: list, sources: list, output_gradients: list | None,
              mode: str) -> list:
        differentiable = [i for i, s in enumerate(sources) if self._tracks(s)]
        live = [(k, t) for k, t in enumerate(targets)
                if isinstance(t, torch.Tensor) and t.requires_grad]
        found: list[Any] = [None] * len(sources)
        if differentiable and live:
            outputs = [t for _, t in live]
            weights = [torch.ones_like(t) if output_gradients is None
                       else numpy_bridge.as_tensor(output_gradients[k], dtype=t.dtype,
                                                   device=t.device)
                       for k, t in live]
            create = torch.is_grad_enabled() and any(t._recording for t in _tapes())
            grads = torch.autograd.grad(outputs, [sources[i] for i in differentiable],
                                        grad_outputs=weights, retain_graph=True,
                                        create_graph=create, allow_unused=True)
            for i, g in zip(differentiable, grads):
                found[i] = g if create or g is None else g.detach()
        if mode == "zero":
            found = [torch.zeros_like(s) if g is None else g for s, g in zip(sources, found)]
        return [None if g is None else to_eager(_plain(g)) for g in found]

    def _tracks(self, source: torch.Tensor) -> bool:
        if not source.requires_grad:
            return False
        return self.watch_accessed_variables or id(source) in self._watched


def _plain(tensor: torch.Tensor) -> torch.Tensor:
    return tensor if type(tensor) is torch.Tensor else tensor.as_subclass(torch.Tensor)


def _connected(grad: torch.Tensor) -> bool:
    return bool(grad.ne(0).any())


def _unconnected_mode(value: Any) -> str:
    mode = getattr(value, "value", value)
    mode = str(mode).lower()
    if mode not in _UNCONNECTED:
        raise ValueError(f"unconnected_gradients: expected 'none' or 'zero', received {value!r}")
    return mode


def _check_sources(sources: list) -> None:
    for k, source in enumerate(sources):
        if not isinstance(source, torch.Tensor):
            raise TypeError(
                f"gradient: sources[{k}] must be a Variable or a watched tensor, received "
                f"{source!r} of type {type(source).__name__}"
            )
        if not (source.is_floating_point() or source.is_complex()):
            raise TypeError(f"gradient: sources[{k}] has dtype {source.dtype}; gradients "
                            "exist only for floating-point Variables and tensors")


def _flatten(value: Any) -> list:
    if isinstance(value, dict):
        return [leaf for key in sorted(value, key=str) for leaf in _flatten(value[key])]
    if isinstance(value, list | tuple):
        return [leaf for item in value for leaf in _flatten(item)]
    return [value]


def _pack(structure: Any, leaves: Iterator) -> Any:
    if isinstance(structure, dict):
        packed = {key: _pack(structure[key], leaves) for key in sorted(structure, key=str)}
        return {key: packed[key] for key in structure}
    if isinstance(structure, list | tuple):
        items = [_pack(item, leaves) for item in structure]
        return type(structure)(items) if not hasattr(structure, "_fields") else (
            type(structure)(*items))
    return next(leaves)
