"""What fit writes into the History before the first epoch, so that a run can be judged and
reported later, even from a JSON file: the baseline loss, the model summary and the
hyper-parameters.

Example:
    >>> history = model.fit(x, y, epochs=5)
    >>> history.baseline, history.hyperparameters["optimizer"]
    (2.3021, 'Adam')
"""

from __future__ import annotations

import numbers
from typing import Any

import torch

from deepfit.callbacks.history import History
from deepfit.insight.baseline import baseline_loss, loss_name


def record_run(model: Any, callback_list: Any, train_batches: Any, val_batches: Any,
               y_pred: Any = None) -> None:
    """Store the baseline, summary and hyper-parameters on the History of this fit.

    Args:
        model: the compiled, built model.
        callback_list: the fit's `CallbackList` (holding its History).
        train_batches, val_batches: the fit's batches (`val_batches` may be None).
        y_pred: the model's outputs on the first training batch, when fit has them.
    """
    history = next((cb for cb in getattr(callback_list, "callbacks", [])
                    if isinstance(cb, History)), None)
    if history is None:
        return
    history.baseline, history.baseline_kind = baseline_loss(model, train_batches, y_pred)
    history.model_summary = model_summary(model)
    history.hyperparameters = hyperparameters(model, callback_list, train_batches, val_batches)


def model_summary(model: Any) -> str | None:
    """`model.summary()`'s text, or None for a model without one."""
    lines: list[str] = []
    summary = getattr(model, "summary", None)
    if summary is None:
        return None
    summary(print_fn=lines.append)
    return "\n".join(lines).rstrip("\n")


def hyperparameters(model: Any, callback_list: Any, train_batches: Any,
                    val_batches: Any) -> dict[str, Any]:
    """The run's settings as JSON-ready values: optimizer and its config, loss, metrics,
    epochs, batch size, steps and sample counts."""
    params = dict(getattr(callback_list, "params", None) or {})
    optimizer = getattr(model, "optimizer", None)
    compiled = getattr(model, "compiled_loss", None)
    found: dict[str, Any] = {"model": getattr(model, "name", type(model).__name__)}
    if optimizer is not None:
        found["optimizer"] = type(optimizer).__name__
        found["learning_rate"] = _plain(getattr(optimizer, "learning_rate", None))
        config = optimizer.get_config() if hasattr(optimizer, "get_config") else {}
        found["optimizer_config"] = {key: _plain(value) for key, value in config.items()
                                     if value is not None}
    if compiled is not None:
        names = [loss_name(loss) for loss in compiled.losses if loss is not None]
        found["loss"] = names[0] if len(names) == 1 else names
    # The logged names (Keras 3's `metrics_names` are 'loss', 'compile_metrics').
    state = getattr(model, "_trainer_state", None)
    metrics = list(getattr(state, "lazy_logs", None) or ())
    if metrics:
        found["metrics"] = [name for name in metrics if name != "loss"]
    found["epochs"] = params.get("epochs")
    found["steps_per_epoch"] = params.get("steps")
    found["batch_size"] = getattr(train_batches, "batch_size", None)
    found["training_samples"] = getattr(train_batches, "num_samples", None)
    if val_batches is not None:
        found["validation_samples"] = getattr(val_batches, "num_samples", None)
    if getattr(model, "built", False):
        found["parameters"] = int(sum(w.numel() for w in model.weights))
    return {key: value for key, value in found.items() if value is not None}


def _plain(value: Any) -> Any:
    """A JSON-ready copy: numbers, strings, booleans, lists and dicts; anything else as text."""
    if value is None or isinstance(value, (str, bool)):
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value)
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if isinstance(value, torch.Tensor) and value.numel() == 1:  # e.g. optimizer.learning_rate
        return _plain(value.item())
    return repr(value)
