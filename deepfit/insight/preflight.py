"""Pre-flight checks: when fit starts, look at the data, the model and the optimizer once and
warn (`deepfit.TrainingWarning`, one line each) about the common mistakes:

- inputs that are not scaled (values beyond 10, e.g. 0..255 pixels, fed to a Dense/Conv layer);
- a loss that does not match the output (see `deepfit.insight.output_checks`);
- an output width that does not match the number of classes;
- classes imbalanced beyond 10:1;
- validation samples that duplicate training samples (rows compared by hash);
- a learning rate far outside the usual range for the optimizer.

fit calls `run` unless `fit(..., checks=False)` or `deepfit.config.set_checks(False)`. The
checks look at a sample of at most `MAX_ROWS` rows, cost a few host syncs once per fit, and
never stop training.

Example:
    >>> model.fit(x_train_0_to_255, y_train)
    TrainingWarning: Inputs are not scaled: values reach 255 and feed Dense layer 'dense' ...
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable
from typing import Any

import torch

from deepfit import config, tree
from deepfit.insight import output_checks
from deepfit.insight.warnings import warn

MAX_ROWS = 10_000
# Values past this are pixel-like (0..255) or raw measurements; the Celsius tutorial's inputs
# (up to 40) train fine and must not warn.
SCALE_LIMIT = 100.0
IMBALANCE_LIMIT = 10.0
# (low, high): below low / 10 or above high * 10 is "far outside" the usual range.
USUAL_LEARNING_RATES = {
    "SGD": (1e-3, 0.1), "Adam": (1e-4, 1e-2), "AdamW": (1e-4, 1e-2), "Adamax": (1e-4, 1e-2),
    "Nadam": (1e-4, 1e-2), "RMSprop": (1e-4, 1e-2), "Adagrad": (1e-3, 0.1),
    "Adadelta": (1e-3, 1.0),
}
# A check that cannot read unusual data stays silent: the checks must never break fit.
_UNREADABLE = (RuntimeError, ValueError, TypeError, IndexError, AttributeError)
_PASS_THROUGH = {"InputLayer", "Flatten", "Reshape", "Dropout", "Permute", "Identity",
                 "ZeroPadding1D", "ZeroPadding2D", "ZeroPadding3D", "Cropping1D", "Cropping2D",
                 "Cropping3D", "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D",
                 "GaussianNoise", "GaussianDropout", "AlphaDropout"}


def run(model: Any, train_batches: Any, val_batches: Any = None,
        learning_rate: float | None = None, y_pred: Any = None) -> list[str]:
    """Run every check and warn once for each problem found.

    Args:
        model: the compiled, built model.
        train_batches: fit's training batches (`ArrayBatches` or `IterableBatches`).
        val_batches: the validation batches, or None.
        learning_rate: fit's `learning_rate` argument (None: the optimizer's).
        y_pred: the model's outputs on the first training batch when fit has them (from its
            one preparation pass); None runs the model on that batch.

    Returns:
        The messages warned about (empty when the checks are off or all is well).
    """
    if not config.checks_enabled():
        return []
    messages: list[str] = []
    try:
        context = _Context(model, train_batches, val_batches, learning_rate, y_pred)
    except _UNREADABLE:
        return messages
    for check in CHECKS:
        try:
            found = check(context)
        except _UNREADABLE:
            found = []
        messages += [m for m in found if m not in messages]
    for message in messages:
        warn(message)
    return messages


class _Context:
    """What the checks look at: a sample of the inputs, the labels, one batch's outputs."""

    def __init__(self, model: Any, train: Any, val: Any, learning_rate: float | None,
                 y_pred: Any = None) -> None:
        self.model = model
        self.whole = hasattr(train, "y")  # in-memory arrays: every label is at hand
        x_first, y_first, _ = train.first_batch()
        self.x = _sample(train.x) if self.whole else x_first
        self.y = train.y if self.whole else y_first
        self.val_x = None if val is None else (_sample(val.x) if hasattr(val, "x")
                                                else val.first_batch()[0])
        self.train_rows = getattr(train, "num_samples", None)
        if y_pred is None:
            with torch.no_grad():
                y_pred = model(x_first, training=False)
        self.y_pred = y_pred
        optimizer = getattr(model, "optimizer", None)
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        if learning_rate is None and optimizer is not None:
            self.learning_rate = float(optimizer.learning_rate)

    def outputs(self) -> list[tuple[Any, Any, Any]]:
        """(loss, labels, first-batch output) per output that has a loss and labels."""
        compiled = getattr(self.model, "compiled_loss", None)
        if compiled is None or self.y is None:
            return []
        pairs = compiled.flat_targets(self.y, self.y_pred)
        return [(loss, target, prediction)
                for loss, (target, prediction) in zip(compiled.losses, pairs)
                if loss is not None and isinstance(target, torch.Tensor)
                and isinstance(prediction, torch.Tensor)]


def _sample(x: Any) -> Any:
    """At most MAX_ROWS evenly spaced rows (sorted data stays represented)."""
    rows = int(tree.first_leaf(x).shape[0])
    step = max(1, math.ceil(rows / MAX_ROWS))
    return tree.map_structure(lambda t: t[::step], x)


def _unscaled_inputs(context: _Context) -> list[str]:
    x = context.x
    layer = _first_computing_layer(context.model)
    if not isinstance(x, torch.Tensor) or layer is None or not hasattr(layer, "kernel"):
        return []
    low, high = torch.aminmax(_sample(x).detach())  # one pass over sampled rows, no copy
    largest = max(abs(float(low)), abs(float(high)))
    if largest <= SCALE_LIMIT:
        return []
    return [f"Inputs are not scaled: values reach {largest:g} and feed "
            f"{type(layer).__name__} layer '{layer.name}' directly; scale them to about "
            f"[-1, 1] (x / 255.0 for 0..255 images, or (x - mean) / std)"]


def _first_computing_layer(model: Any) -> Any:
    for layer in getattr(model, "layers", []):
        if type(layer).__name__ not in _PASS_THROUGH:
            return layer
    return None


def _loss_and_output(context: _Context) -> list[str]:
    outputs = context.outputs()
    found = []
    for loss, target, prediction in outputs:
        activation = (output_checks.output_activation(context.model, prediction)
                      if len(outputs) == 1 else None)
        found += output_checks.output_messages(loss, target, prediction, activation,
                                               all_labels=context.whole)
    return found


def _imbalance(context: _Context) -> list[str]:
    if not context.whole:
        return []  # one batch of a stream says little about the class balance
    found = []
    for loss, target, prediction in context.outputs():
        labels = _class_labels(loss, target, prediction)
        if labels is None:
            continue
        counts = torch.bincount(labels.reshape(-1)).tolist()
        present = {label: count for label, count in enumerate(counts) if count}
        if len(present) < 2:
            continue
        most = max(present, key=present.get)
        least = min(present, key=present.get)
        ratio = present[most] / present[least]
        if ratio > IMBALANCE_LIMIT:
            found.append(
                f"Classes are imbalanced {ratio:.0f}:1 (class {most}: {present[most]} samples, "
                f"class {least}: {present[least]}): always predicting class {most} already "
                f"scores well; consider class_weight=..., resampling, or metrics such as "
                f"precision, recall or AUC")
    return found


def _class_labels(loss: Any, target: torch.Tensor, prediction: torch.Tensor) -> Any:
    name = output_checks.resolved_loss_name(loss, target, prediction)
    width = int(prediction.shape[-1]) if prediction.dim() > 1 else 1
    if name == "sparse_categorical_crossentropy":
        labels = target.reshape(-1).long()
        if bool(labels.min() < 0):
            labels = labels[labels >= 0]  # negative labels are ignore_class, not a class
        return labels
    if name == "categorical_crossentropy" and width > 1:
        return target.argmax(dim=-1)
    if name == "binary_crossentropy" and width == 1 and bool(target.max() <= 1):
        return target.round().long().clamp_min(0)
    return None


def _duplicates(context: _Context) -> list[str]:
    if context.val_x is None:
        return []
    train_hashes = _row_hashes(context.x)
    val_hashes = _row_hashes(context.val_x)
    if train_hashes is None or val_hashes is None:
        return []
    copies = int(torch.isin(val_hashes, train_hashes).sum())
    if copies == 0:
        return []
    checked = len(train_hashes)
    scope = ("training samples" if context.train_rows in (None, checked)
             else f"{checked} sampled training samples")
    return [f"{copies} of the {len(val_hashes)} validation samples checked are exact copies of "
            f"{scope}: validation scores will look better than they are; remove duplicate "
            f"rows before splitting (e.g. np.unique(x, axis=0, return_index=True))"]


def _row_hashes(x: Any, chunk: int = 2048) -> torch.Tensor | None:
    """A 64-bit hash of each row: its bit patterns dotted with fixed random weights (integer
    arithmetic wraps around, which is what a hash wants)."""
    leaves = tree.flatten(x)
    if not leaves or not all(isinstance(leaf, torch.Tensor) for leaf in leaves):
        return None
    rows = int(leaves[0].shape[0])
    device = leaves[0].device
    total = torch.zeros(rows, dtype=torch.int64, device=device)
    generator = torch.Generator().manual_seed(20240607)
    for leaf in leaves:
        bits = _as_int64_rows(leaf)
        weights = torch.randint(-(2 ** 62), 2 ** 62, (bits.shape[1],), generator=generator)
        weights = (weights * 2 + 1).to(device)
        for start in range(0, rows, chunk):
            total[start:start + chunk] += (bits[start:start + chunk] * weights).sum(dim=1)
    return total


def _as_int64_rows(leaf: torch.Tensor) -> torch.Tensor:
    flat = leaf.detach().reshape(leaf.shape[0], -1)
    if flat.is_floating_point():
        flat = flat.float().contiguous().view(torch.int32)
    return flat.to(torch.int64)


def _learning_rate(context: _Context) -> list[str]:
    optimizer, rate = context.optimizer, context.learning_rate
    kind = type(optimizer).__name__
    if kind not in USUAL_LEARNING_RATES or not isinstance(rate, (int, float)) or rate <= 0:
        return []
    low, high = USUAL_LEARNING_RATES[kind]
    if low / 10 <= rate <= high * 10:
        return []
    effect = "the loss to diverge" if rate > high else "the loss to barely move"
    default = inspect.signature(type(optimizer).__init__).parameters.get("learning_rate")
    hint = f"; try {default.default:g}" if default is not None and isinstance(
        default.default, float) else ""
    return [f"learning_rate={rate:g} is far outside the usual range for {kind} ({low:g} to "
            f"{high:g}): expect {effect}{hint}"]


CHECKS: tuple[Callable[[_Context], list[str]], ...] = (
    _unscaled_inputs, _loss_and_output, _imbalance, _duplicates, _learning_rate,
)
