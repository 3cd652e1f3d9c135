"""Optimizers with Keras 3's names, defaults and update rules, built for a cheap step.

One module per family (`sgd`, `adam`, `rmsprop`, `adagrad`, `adafactor`, `ftrl`, `lamb`,
`lion`, `loss_scale`, `muon`, `schedule_free`) over the flat-buffer base class
in `base`; every name is importable from `deepfit.optimizers`.

Example:
    >>> import torch
    >>> from deepfit import optimizers
    >>> layer = torch.nn.Linear(3, 1)
    >>> opt = optimizers.get("adam")
    >>> opt.build(list(layer.parameters()))
    >>> layer(torch.ones(2, 3)).sum().backward()
    >>> opt.step(); opt.zero_grad()
    >>> int(opt.iterations)
    1
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from deepfit import schedules
from deepfit.identifiers import resolve
from deepfit.optimizers.adafactor import Adafactor
from deepfit.optimizers.adagrad import Adadelta, Adagrad
from deepfit.optimizers.adam import Adam, Adamax, AdamW, Nadam
from deepfit.optimizers.base import _REGISTRY, LearningRate, Optimizer
from deepfit.optimizers.ftrl import Ftrl
from deepfit.optimizers.lamb import Lamb
from deepfit.optimizers.lion import Lion
from deepfit.optimizers.loss_scale import LossScaleOptimizer
from deepfit.optimizers.multi import MultiOptimizer, OptimizerMap
from deepfit.optimizers.muon import Muon
from deepfit.optimizers.rmsprop import RMSprop
from deepfit.optimizers.schedule_free import ScheduleFreeAdamW
from deepfit.optimizers.sgd import SGD

__all__ = [
    "SGD", "Adadelta", "Adafactor", "Adagrad", "Adam", "AdamW", "Adamax", "Ftrl", "Lamb",
    "LearningRate", "Lion", "LossScaleOptimizer", "MultiOptimizer", "Muon", "Nadam",
    "OptimizerMap", "ScheduleFreeAdamW",
    "Optimizer", "RMSprop", "_REGISTRY", "deserialize", "get", "schedules", "serialize",
]


def serialize(optimizer: Optimizer) -> dict[str, Any]:
    """The `{'class_name', 'config'}` dict that `get`/`deserialize` turn back into an optimizer.

    Args:
        optimizer: an `Optimizer`.

    Returns:
        A dict with the class name and the optimizer's config.

    Example:
        >>> serialize(SGD())["class_name"]
        'SGD'
    """
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"optimizer: expected an Optimizer, received {optimizer!r} "
                        f"of type {type(optimizer).__name__}")
    return {"class_name": type(optimizer).__name__, "config": optimizer.get_config()}


def deserialize(
    config: Mapping[str, Any], custom_objects: Mapping[str, Any] | None = None
) -> Optimizer:
    """Rebuild an optimizer from `serialize`'s dict (Keras's serialized form works too).

    Args:
        config: a `{'class_name', 'config'}` dict.
        custom_objects: extra optimizer classes by name.

    Returns:
        A new, unbuilt optimizer.
    """
    return resolve("optimizer", config, _REGISTRY, base_class=Optimizer, allow_callable=False,
                   custom_objects=custom_objects)


def get(identifier: Any) -> Optimizer | None:
    """An optimizer from a name ('adam' → `Adam()`), a config dict or an instance (returned as is).

    Args:
        identifier: a name, a `{'class_name', 'config'}` dict, an `Optimizer`, or None.

    Returns:
        The optimizer (None for None).

    Example:
        >>> float(get("rmsprop").learning_rate)
        0.001
    """
    if identifier is None:
        return None
    return resolve("optimizer", identifier, _REGISTRY, instantiate=True, base_class=Optimizer,
                   allow_callable=False)
