"""Checks of fit/evaluate/predict arguments and data, run before anything changes, so a rejected
call leaves the model exactly as it was. Each error names the argument or layer, what was
expected and what was received.
"""

from __future__ import annotations

import math
import numbers
import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np
import torch

from deepfit import config, tree
from deepfit.data.strings import is_text


def check_positive_int(name: str, value: Any, allow_none: bool = True) -> None:
    if value is None and allow_none:
        return
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value <= 0:
        raise ValueError(f"{name} must be a positive integer, received {value!r}")


def check_fit_arguments(*, batch_size: Any, epochs: Any, validation_split: Any,
                        initial_epoch: Any, validation_freq: Any, steps_per_epoch: Any,
                        validation_steps: Any, validation_batch_size: Any,
                        learning_rate: Any, shuffle: Any) -> None:
    """The scalar arguments of fit."""
    check_positive_int("batch_size", batch_size)
    check_positive_int("steps_per_epoch", steps_per_epoch)
    check_positive_int("validation_steps", validation_steps)
    check_positive_int("validation_batch_size", validation_batch_size)
    if isinstance(epochs, bool) or not isinstance(epochs, numbers.Integral) or epochs < 0:
        raise ValueError(f"epochs must be a non-negative integer, received {epochs!r}")
    if isinstance(initial_epoch, bool) or not isinstance(initial_epoch, numbers.Integral) or (
        initial_epoch < 0
    ):
        raise ValueError(f"initial_epoch must be a non-negative integer, "
                         f"received {initial_epoch!r}")
    if not isinstance(validation_split, numbers.Real) or not 0 <= validation_split < 1:
        raise ValueError(f"validation_split must be a float in [0, 1), "
                         f"received {validation_split!r}")
    if not (isinstance(validation_freq, numbers.Integral) and validation_freq > 0) and not (
        isinstance(validation_freq, (list, tuple, set))
    ):
        raise ValueError(f"validation_freq must be a positive integer or a list of epochs, "
                         f"received {validation_freq!r}")
    if learning_rate is not None and (
        not isinstance(learning_rate, numbers.Real) or not learning_rate > 0
        or learning_rate != learning_rate
    ):
        raise ValueError(f"learning_rate must be a positive number, received {learning_rate!r}")
    if shuffle not in (True, False, "batch"):
        raise ValueError(f"shuffle must be True, False or 'batch', received {shuffle!r}")


def check_lengths(x: Any, y: Any, sample_weight: Any) -> None:
    """All arrays hold the same, non-zero number of samples."""
    sizes = {}
    for label, value in (("x", x), ("y", y), ("sample_weight", sample_weight)):
        for index, leaf in enumerate(tree.flatten(value)):
            if leaf.dim() == 0:
                raise ValueError(f"{label} must have a batch axis; received a scalar")
            key = label if len(tree.flatten(value)) == 1 else f"{label}[{index}]"
            sizes[key] = int(leaf.shape[0])
    if not sizes or min(sizes.values()) == 0:
        raise ValueError(f"x is empty: received arrays with sample counts {sizes}; "
                         f"fit/evaluate need at least one sample")
    if len(set(sizes.values())) > 1:
        described = ", ".join(f"{k}: {v}" for k, v in sizes.items())
        raise ValueError(f"Data cardinality is ambiguous: x and y must have the same number of "
                         f"samples, received {described}")


def check_finite(x: Any, y: Any, prefix: str = "") -> None:
    """No NaN or infinity in floating-point inputs or targets (`prefix` names where they came
    from, e.g. 'validation_data ')."""
    for label, value in ((f"{prefix}x", x), (f"{prefix}y", y)):
        for leaf in tree.flatten(value):
            # A sum is NaN/inf whenever an element is, and costs a fraction of isfinite();
            # the exact count is only computed once something is wrong.
            if leaf.is_floating_point() and not bool(torch.isfinite(leaf.sum()))\
                    and not bool(torch.isfinite(leaf).all()):
                bad = int((~torch.isfinite(leaf)).sum())
                raise ValueError(f"{label} contains {bad} NaN or infinite value(s); clean or "
                                 f"impute them before training (e.g. np.nan_to_num)")


def check_targets(loss_objects: list[Any], pairs: list[tuple[Any, Any]],
                  output_names: list[str], argument: str = "") -> None:
    """Labels that fit the loss: sparse labels in range and not one-hot, and categorical
    losses not given integer labels. `pairs` holds whole target arrays with the model's
    output on one batch."""
    for loss, (y_true, y_pred), name in zip(loss_objects, pairs, output_names):
        if loss is None or not isinstance(y_true, torch.Tensor):
            continue
        if not isinstance(y_pred, torch.Tensor):
            continue
        kind = _loss_kind(loss)
        classes = int(y_pred.shape[-1]) if y_pred.dim() > 1 else 1
        where = "" if len(output_names) == 1 else f" for output '{name}'"
        where += f" ({argument})" if argument else ""
        if kind == "sparse":
            _check_sparse(y_true, y_pred, classes, where)
        elif kind == "categorical":
            _check_categorical(y_true, y_pred, classes, where)


def sparse_classes(loss_objects: list[Any], pairs: list[tuple[Any, Any]]) -> int | None:
    """The class count of a single-output model trained with sparse labels, else None."""
    if len(loss_objects) != 1 or _loss_kind(loss_objects[0]) != "sparse":
        return None
    y_pred = pairs[0][1]
    if not isinstance(y_pred, torch.Tensor) or y_pred.dim() < 2:
        return None
    return int(y_pred.shape[-1])


def _loss_kind(loss: Any) -> str | None:
    fn = getattr(loss, "fn", None)
    names = {type(loss).__name__, getattr(fn, "__name__", ""), getattr(loss, "name", "")}
    if names & {"SparseCategoricalCrossentropy", "sparse_categorical_crossentropy"}:
        return "sparse"
    if names & {"CategoricalCrossentropy", "categorical_crossentropy"}:
        return "categorical"
    return None


def _check_sparse(y_true: torch.Tensor, y_pred: torch.Tensor, classes: int, where: str) -> None:
    if y_true.dim() == y_pred.dim() and y_true.shape[-1] == classes and classes > 1:
        raise ValueError(
            f"sparse_categorical_crossentropy{where} expects integer class labels of shape "
            f"(n,) or (n, 1), but received targets of shape {tuple(y_true.shape)} that look "
            f"one-hot encoded; use loss='categorical_crossentropy' for one-hot labels, or pass "
            f"the class indices (y.argmax(axis=-1))"
        )
    if y_true.is_floating_point() and not bool((y_true == y_true.round()).all()):
        raise ValueError(f"sparse_categorical_crossentropy{where} expects integer class labels, "
                         f"received non-integer values such as {y_true.flatten()[0].item()!r}")
    low, high = int(y_true.min()), int(y_true.max())
    if low < 0 or high >= classes:
        raise ValueError(
            f"sparse_categorical_crossentropy{where}: labels must be in [0, {classes}) for a model "
            f"with {classes} outputs, received labels from {low} to {high}"
            + (f"; make the last layer Dense({high + 1})" if low >= 0 else "")
        )


def _check_categorical(y_true: torch.Tensor, y_pred: torch.Tensor, classes: int,
                       where: str) -> None:
    if classes > 1 and (y_true.dim() < y_pred.dim() or y_true.shape[-1] == 1):
        raise ValueError(
            f"categorical_crossentropy{where} expects one-hot labels of shape (n, {classes}), "
            f"received integer labels of shape {tuple(y_true.shape)}; use "
            f"loss='sparse_categorical_crossentropy' for class indices, or one-hot encode them "
            f"(deepfit.utils.to_categorical)"
        )
    if y_true.shape[-1] != classes:
        raise ValueError(f"categorical_crossentropy{where}: targets have {y_true.shape[-1]} "
                         f"columns but the model outputs {classes} classes")


VERBOSE_VALUES = ("auto", 0, 1, 2)


def check_verbose(verbose: Any) -> None:
    """'auto', 0, 1 or 2 (bools count as 0/1), as Keras accepts."""
    if isinstance(verbose, str) and verbose == "auto":
        return
    if isinstance(verbose, numbers.Integral) and int(verbose) in (0, 1, 2):
        return
    raise ValueError(f"verbose must be 'auto', 0 (silent), 1 (progress bar) or 2 (one line per "
                     f"epoch), received {verbose!r}")


def check_class_weight(class_weight: Any) -> None:
    """A dict mapping class indices (non-negative ints) to finite weights."""
    if class_weight is None:
        return
    if not isinstance(class_weight, Mapping):
        hint = (" (a list: use dict(enumerate(weights)))"
                if isinstance(class_weight, (list, tuple)) else "")
        raise TypeError(f"class_weight must be a dict mapping class indices to weights, e.g. "
                        f"{{0: 1.0, 1: 5.0}}; received a {type(class_weight).__name__}{hint}")
    for key, weight in class_weight.items():
        if isinstance(key, bool) or not isinstance(key, numbers.Integral) or key < 0:
            raise ValueError(f"class_weight keys must be class indices (integers >= 0), "
                             f"received the key {key!r}")
        if isinstance(weight, bool) or not isinstance(weight, numbers.Real) or not math.isfinite(
            weight
        ):
            raise ValueError(f"class_weight[{key!r}] must be a finite number, "
                             f"received {weight!r}")


def check_sample_weight(sample_weight: Any, y: Any, argument: str = "sample_weight") -> None:
    """Finite weights, one per sample (shape (n,) or (n, 1)), or per timestep (the target's
    leading axes), for each output."""
    if sample_weight is None:
        return
    weights = tree.flatten(sample_weight)
    targets = tree.flatten(y) if y is not None else []
    for index, leaf in enumerate(weights):
        name = argument if len(weights) == 1 else f"{argument}[{index}]"
        if not bool(torch.isfinite(leaf).all()):
            bad = int((~torch.isfinite(leaf)).sum())
            raise ValueError(f"{name} contains {bad} NaN or infinite value(s); weights must be "
                             f"finite")
        target = targets[index] if len(targets) == len(weights) else (
            targets[0] if len(targets) == 1 else None)
        shape = tuple(leaf.shape)
        per_sample = leaf.dim() == 1 or (leaf.dim() == 2 and shape[1] == 1)
        per_step = target is not None and 1 < leaf.dim() < target.dim() and tuple(
            target.shape[:leaf.dim()]) == shape
        if not (per_sample or per_step):
            expected = f"({shape[0]},)" if shape else "(n,)"
            raise ValueError(f"{name} must be 1-D, one weight per sample: expected shape "
                             f"{expected}, received shape {shape}")


def check_validation_arity(validation_data: Any) -> None:
    """A tuple/list validation_data holds (x, y) or (x, y, sample_weight)."""
    if isinstance(validation_data, (tuple, list)) and len(validation_data) not in (2, 3):
        raise ValueError(f"validation_data must be (x_val, y_val) or (x_val, y_val, "
                         f"sample_weight_val), or a dataset; received a "
                         f"{type(validation_data).__name__} of {len(validation_data)} element(s)")


def check_same_features(train_x: Any, val_x: Any, expected: list[Any] | None) -> None:
    """Validation inputs have the feature shape of the model's inputs (None: any size)."""
    train, val = tree.flatten(train_x), tree.flatten(val_x)
    if len(train) != len(val):
        raise ValueError(f"validation_data: x has {len(val)} input array(s) but the model "
                         f"takes {len(train)}")
    for index, (ours, theirs) in enumerate(zip(train, val)):
        spec = expected[index] if expected is not None and index < len(expected) else None
        reference = tuple(spec)[1:] if spec is not None else tuple(ours.shape[1:])
        received = _rank_adjusted(tuple(theirs.shape[1:]), reference)
        if len(reference) != len(received) or any(
            r is not None and r != v for r, v in zip(reference, received)
        ):
            where = "" if len(train) == 1 else f" (input {index})"
            raise ValueError(f"validation_data: x{where} has samples of shape {received} but the "
                             f"model expects {tuple(reference)}")


def _rank_adjusted(received: tuple, reference: tuple) -> tuple:
    """The sample shape the model sees: a missing or extra trailing axis of 1 is added or
    dropped, as models adjust their inputs (a batch of scalars for an `Input(shape=(1,))`)."""
    if len(received) == len(reference) - 1 and reference and reference[-1] == 1:
        return (*received, 1)
    if len(received) == len(reference) + 1 and received and received[-1] == 1:
        return received[:-1]
    return received


def check_text_inputs(x: Any, declared_dtypes: list[Any] | None) -> None:
    """Strings only reach inputs declared as text (`Input(dtype='string')`): a numeric model
    given strings is refused naming the input, as Keras refuses converting them."""
    if declared_dtypes is None:
        return
    leaves = tree.flatten(x)
    if len(leaves) != len(declared_dtypes):
        return
    for index, (leaf, dtype) in enumerate(zip(leaves, declared_dtypes)):
        if is_text(leaf) and str(dtype) not in ("string", "str", "object"):
            name = "x" if len(leaves) == 1 else f"x[{index}]"
            raise TypeError(
                f"{name}: received strings (shape {tuple(np.shape(leaf))}) but the model's input "
                f"takes numbers ({dtype}); convert them (np.asarray(x, dtype='float32')), or "
                f"declare a text input (Input(dtype='string')) followed by TextVectorization or "
                f"StringLookup"
            )


def capped_epochs(epochs: int) -> int:
    """`epochs`, or `keras.config.max_epochs()` when that is set and smaller (with Keras's
    warning)."""
    cap = config.max_epochs()
    if cap and cap < epochs:
        warnings.warn(f"Limiting epochs to {cap}", stacklevel=3)
        return cap
    return epochs
