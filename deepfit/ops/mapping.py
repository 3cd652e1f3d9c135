"""Function transforms of `keras.ops`: `vectorize` (NumPy's, with gufunc signatures),
`vectorized_map`, `associative_scan` and `custom_gradient`.

Example:
    >>> from deepfit import ops
    >>> ops.associative_scan(lambda a, b: a + b, ops.array([1, 2, 3, 4]))
    tensor([ 1,  3,  6, 10], dtype=torch.int32)
"""

from __future__ import annotations

import functools
import inspect
import re
from collections.abc import Callable
from typing import Any

import torch

from deepfit import tree
from deepfit.ops.core import convert_to_tensor as _t

__all__ = ["associative_scan", "custom_gradient", "vectorize", "vectorized_map"]

_ARGUMENT = r"\(\w*(?:,\s*\w+)*\)"
_SIGNATURE = re.compile(rf"^{_ARGUMENT}(?:,\s*{_ARGUMENT})*->{_ARGUMENT}(?:,\s*{_ARGUMENT})*$")


def _core_dims(signature: str) -> tuple[list[tuple[str, ...]], list[tuple[str, ...]]]:
    if not _SIGNATURE.match(signature.replace(" ", "")):
        raise ValueError(f"vectorize: not a valid gufunc signature: {signature!r} (expected "
                         f"e.g. '(n),(n)->()')")
    inputs, outputs = signature.replace(" ", "").split("->")

    def parse(part: str) -> list[tuple[str, ...]]:
        return [tuple(d for d in group.split(",") if d)
                for group in re.findall(r"\(([^)]*)\)", part)]

    return parse(inputs), parse(outputs)


def _vectorized_call(pyfunc: Callable[..., Any], core: list[tuple[str, ...]] | None,
                     args: tuple) -> Any:
    tensors = [_t(a) for a in args]
    core = core or [()] * len(tensors)
    if len(core) != len(tensors):
        raise TypeError(f"vectorize: the signature has {len(core)} inputs; received "
                        f"{len(tensors)} arguments")
    loops = [t.shape[:t.dim() - len(c)] for t, c in zip(tensors, core)]
    batch = torch.broadcast_shapes(*loops)
    if not batch:
        return pyfunc(*tensors)
    flat = [t.expand(*batch, *t.shape[t.dim() - len(c):]).reshape(-1, *t.shape[t.dim() - len(c):])
            for t, c in zip(tensors, core)]
    out = torch.vmap(pyfunc)(*flat)
    return tree.map_structure(lambda o: o.reshape(*batch, *o.shape[1:]), out)


def vectorize(pyfunc: Callable[..., Any], *, excluded: Any = None,
              signature: str | None = None) -> Callable[..., Any]:
    """`pyfunc` made to work element-wise (or on core slices, with `signature`) over
    broadcast inputs, as `numpy.vectorize`, without a Python loop (torch's vmap).

    Args:
        pyfunc: a function of tensors.
        excluded: positions or keyword names of arguments passed through unvectorized.
        signature: a gufunc signature such as '(n),(n)->()' (the last axes each input
            consumes and each output makes); scalars in and out when None.

    Returns:
        The vectorized function.

    Example:
        >>> dot = vectorize(lambda a, b: ops.sum(a * b), signature="(n),(n)->()")
        >>> dot(ops.ones((4, 3)), ops.ones((3,))).shape
        torch.Size([4])
    """
    if not callable(pyfunc):
        raise TypeError(f"vectorize: `pyfunc` must be callable; received {pyfunc!r}")
    core = None if signature is None else _core_dims(signature)[0]
    kept = set(excluded or ())

    @functools.wraps(pyfunc)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        fixed_kwargs = {k: v for k, v in kwargs.items() if k in kept}
        mapped_kwargs = {k: v for k, v in kwargs.items() if k not in kept}
        fixed = {i: a for i, a in enumerate(args) if i in kept or a is None}
        mapped = [a for i, a in enumerate(args) if i not in fixed]
        names = list(mapped_kwargs)

        def inner(*values: Any) -> Any:
            supply = iter(values[:len(mapped)])
            full = [fixed[i] if i in fixed else next(supply) for i in range(len(args))]
            named = dict(zip(names, values[len(mapped):]))
            return pyfunc(*full, **fixed_kwargs, **named)

        return _vectorized_call(inner, None if core is None else core + [()] * len(names),
                                (*mapped, *mapped_kwargs.values()))

    return wrapped


def vectorized_map(function: Callable[[Any], Any], elements: Any) -> Any:
    """`function` applied to each slice of `elements` along the first axis, in one batched
    call (torch's vmap); `elements` may be a nested structure of tensors.

    Args:
        function: maps one slice (structure) to a result.
        elements: tensors (or a structure of them) of one leading size.

    Returns:
        The results stacked along a new first axis.
    """
    return torch.vmap(function)(tree.map_structure(_t, elements))


def associative_scan(f: Callable[[Any, Any], Any], elems: Any, reverse: bool = False,
                     axis: int = 0) -> Any:
    """The running combination `f(f(e0, e1), e2), ...` along `axis` for an associative `f`,
    in log-depth steps (each step calls `f` once on whole slices).

    Args:
        f: an associative function of two structures like `elems`, applied to slices that
            keep `axis`.
        elems: a tensor or structure of tensors of one size along `axis`.
        reverse: scan from the end.
        axis: the scanned axis.

    Returns:
        The prefix combinations, shaped like `elems`.
    """
    if not callable(f):
        raise TypeError(f"`f` should be a callable. Received: f={f}")
    leaves = [_t(leaf) for leaf in tree.flatten(elems)]
    length = int(leaves[0].shape[axis])
    if any(int(leaf.shape[axis]) != length for leaf in leaves[1:]):
        raise ValueError(f"associative_scan: array inputs must have the same size along axis "
                         f"{axis}. (saw: {[tuple(leaf.shape) for leaf in leaves]})")
    if reverse:
        leaves = [torch.flip(leaf, (axis,)) for leaf in leaves]
    step = 1
    while step < length:
        earlier = tree.pack_sequence_as(elems, [leaf.narrow(axis, 0, length - step)
                                                for leaf in leaves])
        later = tree.pack_sequence_as(elems, [leaf.narrow(axis, step, length - step)
                                              for leaf in leaves])
        combined = [_t(c) for c in tree.flatten(f(earlier, later))]
        leaves = [torch.cat([leaf.narrow(axis, 0, step), c.to(leaf.dtype)], dim=axis)
                  for leaf, c in zip(leaves, combined)]
        step *= 2
    if reverse:
        leaves = [torch.flip(leaf, (axis,)) for leaf in leaves]
    return tree.pack_sequence_as(elems, leaves)


def _call_grad(grad_fn: Callable[..., Any], upstream: Any) -> Any:
    try:
        parameters = inspect.signature(grad_fn).parameters
    except (TypeError, ValueError):
        parameters = {}
    takes_keyword = "upstream" in parameters or any(
        p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values())
    return grad_fn(upstream=upstream) if takes_keyword else grad_fn(upstream)


class _CustomGradient(torch.autograd.Function):
    @staticmethod
    def forward(ctx: Any, forward_fn: Callable[..., Any], *args: Any) -> Any:
        found = forward_fn(*args)
        if not (isinstance(found, (tuple, list)) and len(found) == 2 and callable(found[1])):
            raise TypeError("custom_gradient: the decorated function must return "
                            "(output, grad_fn)")
        ctx.grad_fn = found[1]
        ctx.tensor_inputs = [isinstance(a, torch.Tensor) for a in args]
        return found[0]

    @staticmethod
    def backward(ctx: Any, *upstream: torch.Tensor) -> tuple:
        grads = _call_grad(ctx.grad_fn, upstream[0] if len(upstream) == 1 else upstream)
        grads = list(grads) if isinstance(grads, (tuple, list)) else [grads]
        supply = iter(grads)
        out = [next(supply, None) if is_tensor else None for is_tensor in ctx.tensor_inputs]
        return (None, *[None if g is None else _t(g) for g in out])


def custom_gradient(f: Callable[..., Any]) -> Callable[..., Any]:
    """Decorate a function that returns `(output, grad_fn)` so that backpropagation through
    it uses `grad_fn(upstream)` (or `grad_fn(*args, upstream=...)`, Keras's spelling) for the
    gradients of its tensor arguments.

    Args:
        f: the function; its `grad_fn` returns one gradient per tensor argument.

    Returns:
        The function, differentiable with the custom gradient.

    Example:
        >>> @custom_gradient
        ... def clip_gradient(x):
        ...     return x, lambda upstream: ops.clip(upstream, -1.0, 1.0)
    """

    @functools.wraps(f)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        def forward(*positional: Any) -> Any:
            return f(*positional, **kwargs)

        return _CustomGradient.apply(forward, *args)

    return wrapper
