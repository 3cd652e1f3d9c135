"""What the experiment-tracker callbacks share: the optional package, the run's parameters as
flat key → value pairs, and each epoch's logs as floats.

Example:
    >>> flat_parameters({"optimizer": "Adam", "optimizer_config": {"beta_1": 0.9}})
    {'optimizer': 'Adam', 'optimizer_config.beta_1': 0.9}
"""

from __future__ import annotations

import importlib
from typing import Any

from deepfit.callbacks.logs import to_float


def require(package: str, callback: str) -> Any:
    """Import an optional tracker package, or raise an ImportError saying how to install it."""
    try:
        return importlib.import_module(package)
    except ImportError:
        raise ImportError(f"{callback} needs the optional package '{package}': pip install "
                          f"{package} (or pip install deepfit[trackers])") from None


def run_parameters(model: Any) -> dict[str, Any]:
    """The hyper-parameters fit recorded in the History (optimizer, loss, epochs, ...)."""
    history = getattr(model, "history", None)
    return dict(getattr(history, "hyperparameters", None) or {})


def flat_parameters(parameters: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested dicts flattened to dotted keys; lists as text."""
    flat: dict[str, Any] = {}
    for key, value in parameters.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(flat_parameters(value, f"{name}."))
        elif isinstance(value, (list, tuple)):
            flat[name] = ", ".join(str(item) for item in value)
        else:
            flat[name] = value
    return flat


def epoch_metrics(logs: dict[str, Any] | None) -> dict[str, float]:
    """The epoch's logs as floats, skipping what is not a number."""
    metrics = {}
    for key, value in (logs or {}).items():
        try:
            metrics[key] = to_float(value)
        except (TypeError, ValueError):
            continue
    return metrics
