"""Pre-flight checks of the model's output against its loss and labels: softmax with
binary_crossentropy, one sigmoid unit for ten classes, logits fed to a loss that expects
probabilities (and the reverse), an output width that does not match the number of classes.

Each check takes one output's `(loss, y_true, y_pred, activation)` and returns the one-line
messages to warn with. Labels already rejected by fit (sparse vs one-hot, labels out of range)
raise errors before these checks run.

Example:
    >>> output_messages(loss_fn, y, y_pred, "softmax")
    ["The last layer applies softmax but the loss is binary_crossentropy, ..."]
"""

from __future__ import annotations

from typing import Any

import torch

from deepfit import losses
from deepfit.insight.baseline import loss_name

CROSSENTROPIES = ("binary_crossentropy", "categorical_crossentropy",
                  "sparse_categorical_crossentropy")
_SHAPE_ONLY = {"InputLayer", "Flatten", "Reshape", "Dropout", "Permute", "Identity"}


def output_activation(model: Any, prediction: torch.Tensor) -> str | None:
    """The activation of a single-output model's last layer: 'softmax', 'sigmoid', 'linear',
    another activation's name, or None when it cannot be told.

    The last layer's declared activation is cross-checked with the output itself (softmax and
    sigmoid outputs carry their logits), since the last layer of a subclassed model is only the
    last one assigned, not necessarily the output.
    """
    name = _last_layer_activation(model)
    if hasattr(prediction, losses.LOGITS_ATTR):
        if name in ("softmax", "sigmoid"):
            return name
        return "softmax" if _sums_to_one(prediction) else "sigmoid"
    if name in ("softmax", "sigmoid"):
        return None
    if name == "linear":
        outside = bool(((prediction < 0) | (prediction > 1)).any())
        return "linear" if outside else None
    return name


def _last_layer_activation(model: Any) -> str | None:
    layers = [layer for layer in getattr(model, "layers", [])
              if type(layer).__name__ not in _SHAPE_ONLY]
    if not layers:
        return None
    last = layers[-1]
    name = getattr(getattr(last, "activation", None), "__name__", None)
    if name is None and type(last).__name__ in ("Softmax", "ReLU"):
        name = type(last).__name__.lower()
    return name


def resolved_loss_name(loss_fn: Any, y_true: Any, y_pred: Any) -> str:
    """The loss's function name, with 'crossentropy' resolved from the shapes."""
    if isinstance(loss_fn, losses.AutoCrossentropy):
        return losses.resolve_crossentropy(y_true, y_pred).__name__
    return loss_name(loss_fn)


def output_messages(loss_fn: Any, y_true: torch.Tensor, y_pred: torch.Tensor,
                    activation: str | None, all_labels: bool = True) -> list[str]:
    """Every mismatch found between one output, its loss and its labels.

    Args:
        loss_fn: the compiled loss object of this output.
        y_true: the labels.
        y_pred: the model's output on the first batch.
        activation: from `output_activation` (None: unknown).
        all_labels: whether `y_true` holds every label (not one batch of a stream, which
            may miss classes).

    Returns:
        One-line messages (empty when all is well).
    """
    name = resolved_loss_name(loss_fn, y_true, y_pred)
    if name not in CROSSENTROPIES:
        return []
    width = int(y_pred.shape[-1]) if y_pred.dim() > 1 else 1
    found = _activation_messages(name, width, activation, _from_logits(loss_fn))
    if name == "binary_crossentropy":
        found += _binary_label_messages(y_true, width)
    elif name == "sparse_categorical_crossentropy" and all_labels:
        found += _width_messages(y_true, width)
    return found


def _from_logits(loss_fn: Any) -> bool:
    value = getattr(loss_fn, "from_logits", None)
    if value is None:
        value = getattr(loss_fn, "_fn_kwargs", {}).get("from_logits", False)
    return bool(value)


def _activation_messages(name: str, width: int, activation: str | None,
                         from_logits: bool) -> list[str]:
    found = []
    if name == "binary_crossentropy" and activation == "softmax" and width > 1:
        found.append(
            "The last layer applies softmax but the loss is binary_crossentropy: use "
            "categorical_crossentropy (one-hot labels) or sparse_categorical_crossentropy "
            "(class indices) with softmax, or sigmoid units for multi-label targets")
    if name != "binary_crossentropy" and activation == "sigmoid" and width > 1:
        found.append(
            f"The last layer applies sigmoid but the loss is {name}: sigmoid outputs do not "
            f"sum to 1 over the classes; use activation='softmax'")
    if name == "categorical_crossentropy" and width == 1:
        found.append(
            "The model has a single output unit with categorical_crossentropy: a softmax over "
            "one unit is always 1, so nothing is learned; use Dense(1, activation='sigmoid') "
            "with binary_crossentropy, or one unit per class with softmax")
    if from_logits and activation in ("softmax", "sigmoid"):
        found.append(
            f"The loss {name} has from_logits=True but the last layer already applies "
            f"{activation}: remove the activation or use from_logits=False")
    if not from_logits and activation == "linear":
        wanted = "sigmoid" if name == "binary_crossentropy" else "softmax"
        found.append(
            f"The last layer has no activation (it outputs logits) but the loss {name} "
            f"expects probabilities: add activation='{wanted}' or pass from_logits=True to "
            f"the loss")
    return found


def _binary_label_messages(y_true: torch.Tensor, width: int) -> list[str]:
    if not _integer_valued(y_true):
        return []
    high = int(y_true.max())
    if high <= 1 or width != 1:
        return []
    classes = high + 1
    return [f"One sigmoid unit cannot tell apart the {classes} classes in y (labels up to "
            f"{high}): use Dense({classes}, activation='softmax') with "
            f"loss='sparse_categorical_crossentropy'"]


def _width_messages(y_true: torch.Tensor, width: int) -> list[str]:
    classes = int(y_true.max()) + 1
    if width <= classes:
        return []
    return [f"The output has {width} units but the labels use only {classes} classes "
            f"(0 to {classes - 1}): make the last layer Dense({classes})"]


def _integer_valued(y: torch.Tensor) -> bool:
    if not y.is_floating_point():
        return True
    return bool((y == y.round()).all())


def _sums_to_one(prediction: torch.Tensor) -> bool:
    if prediction.dim() < 2 or prediction.shape[-1] < 2:
        return False
    return bool(torch.allclose(prediction.sum(-1), torch.ones((), device=prediction.device),
                               atol=1e-3))
