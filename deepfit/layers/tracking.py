"""Keras's attribute tracking on top of torch's module registration.

Keras tracks the layers and variables a layer keeps in its attributes, also inside lists,
tuples and dicts (`self.main_layers = [Conv2D(...), BatchNormalization()]`). Torch registers
only modules and parameters assigned directly. `tracked(value)` turns a (nested) list, tuple or
dict holding modules or parameters (or an empty public list, to be filled later) into a
`TrackedList`/`TrackedDict`: a real `list`/`dict` that is also a `torch.nn.Module` registering
its module and parameter items under their index or key. So the layers inside train, count,
move with `.to()`, appear in `state_dict()` (`main_layers.0.kernel`) and save under Keras's
names, also after `append`, `extend`, `insert` or item assignment. Other items (functions,
numbers) stay in the list untouched. Tuples of modules become `TrackedList`s. Attributes whose
name starts with '_' are left alone (deepfit's own models keep their bookkeeping there).

Example:
    >>> class Block(deepfit.layers.Layer):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.parts = [deepfit.layers.Dense(4), deepfit.layers.Dense(2)]
    >>> type(Block().parts).__name__
    'TrackedList'
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import torch

from deepfit.metrics.base import Metric


def _holds_weights(value: Any) -> bool:
    if isinstance(value, (torch.nn.Module, torch.nn.Parameter)):
        return True
    if isinstance(value, (list, tuple)):
        return any(_holds_weights(item) for item in value)
    if isinstance(value, dict):
        return any(_holds_weights(item) for item in value.values())
    return False


def tracked(value: Any, name: str = "") -> Any:
    """`value` as a tracked container when it is a list, tuple or dict holding modules or
    parameters (at any depth), or an empty list, under a public name; otherwise `value`."""
    if isinstance(value, torch.nn.Module) or not isinstance(value, (list, tuple, dict)):
        return value
    if name.startswith("_"):  # private bookkeeping (a model's own layer lists) stays as is
        return value
    if isinstance(value, list) and not value:
        return TrackedList()
    if not _holds_weights(value):
        return value
    if isinstance(value, dict):
        return TrackedDict(value)
    return TrackedList(value)


class _Tracked(torch.nn.Module):
    """Registers the module/parameter items of the container it is mixed into."""

    def _items(self) -> Iterator[tuple[str, Any]]:
        raise NotImplementedError

    def _sync(self) -> None:
        self._modules.clear()
        self._parameters.clear()
        for key, item in self._items():
            if isinstance(item, torch.nn.Parameter):
                self._parameters[key] = item
            elif isinstance(item, torch.nn.Module):
                self._modules[key] = item

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise TypeError(f"{type(self).__name__} is a container of layers, not callable")


def _resynced(method: Any) -> Any:
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        result = method(self, *args, **kwargs)
        self._sync()
        return result

    wrapper.__name__ = method.__name__
    wrapper.__doc__ = method.__doc__
    return wrapper


class TrackedList(list, _Tracked):
    """A list whose layers and weights are registered with the layer that holds it."""

    __hash__ = object.__hash__  # modules must be hashable; lists are not

    def __init__(self, items: Any = ()) -> None:
        list.__init__(self, (tracked(item) for item in items))
        _Tracked.__init__(self)
        self._sync()

    def _items(self) -> Iterator[tuple[str, Any]]:
        return ((str(index), item) for index, item in enumerate(self))

    def __iadd__(self, other: Any) -> TrackedList:
        self.extend(other)
        return self

    def __repr__(self) -> str:
        return list.__repr__(self)

    append = _resynced(list.append)
    extend = _resynced(list.extend)
    insert = _resynced(list.insert)
    pop = _resynced(list.pop)
    remove = _resynced(list.remove)
    clear = _resynced(list.clear)
    sort = _resynced(list.sort)
    reverse = _resynced(list.reverse)
    __setitem__ = _resynced(list.__setitem__)
    __delitem__ = _resynced(list.__delitem__)


class TrackedDict(dict, _Tracked):
    """A dict whose layers and weights are registered with the layer that holds it."""

    __hash__ = object.__hash__  # modules must be hashable; dicts are not

    def __init__(self, items: Any = ()) -> None:
        dict.__init__(self, {key: tracked(item) for key, item in dict(items).items()})
        _Tracked.__init__(self)
        self._sync()

    def _items(self) -> Iterator[tuple[str, Any]]:
        return ((str(key).replace(".", "_"), item) for key, item in self.items())

    def __repr__(self) -> str:
        return dict.__repr__(self)

    update = _resynced(dict.update)
    pop = _resynced(dict.pop)
    popitem = _resynced(dict.popitem)
    clear = _resynced(dict.clear)
    setdefault = _resynced(dict.setdefault)
    __setitem__ = _resynced(dict.__setitem__)
    __delitem__ = _resynced(dict.__delitem__)


CONTAINERS = (torch.nn.ModuleList, torch.nn.ModuleDict, torch.nn.Sequential, TrackedList,
              TrackedDict)


def children(module: torch.nn.Module) -> Iterator[torch.nn.Module]:
    """`module`'s direct children, with containers of layers opened (recursively)."""
    for child in module.children():
        if isinstance(child, CONTAINERS):
            yield from children(child)
        else:
            yield child


# ----------------------------------------------------------------------------- metrics
#: Whether any layer has held a metric in an attribute: until one does, a model lists no
#: layer metrics without searching its layers.
metrics_seen = False


def track_metrics(layer: torch.nn.Module, name: str, value: Any) -> None:
    """Keras tracks the metrics a layer keeps in its attributes (`self.tracker = Mean()`, or a
    list of them): they join `layer.metrics` in the order assigned. A new value of the same
    attribute replaces the metrics it held.

    Args:
        layer: the layer whose attribute is set.
        name: the attribute's name.
        value: its new value.
    """
    global metrics_seen
    found = _metric_items(value)
    held = layer.__dict__.get("_tracked_metrics")
    if held is None:
        if not found:
            return
        held = layer.__dict__["_tracked_metrics"] = {}
    if found:
        held[name] = found
        metrics_seen = True
    else:
        held.pop(name, None)


def _metric_items(value: Any) -> list[Any]:
    if isinstance(value, Metric):
        # compile's own metrics are listed by the trainer, not as an attribute
        return [] if getattr(value, "_compiled", False) else [value]
    if isinstance(value, (list, tuple)) and value and all(
        isinstance(item, Metric) for item in value
    ):
        return list(value)
    return []


def own_metrics(layer: torch.nn.Module) -> list[Any]:
    """The metrics `layer` keeps in its own attributes, in the order assigned."""
    held = layer.__dict__.get("_tracked_metrics")
    return [metric for group in held.values() for metric in group] if held else []
