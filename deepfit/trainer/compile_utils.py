"""What `compile` turns its arguments into: one loss over the model's outputs and the metrics
per output — resolved lazily on the first batch, when output shapes and label types are known.

Example:
    >>> loss = CompileLoss("sparse_categorical_crossentropy")
    >>> loss(y_true, y_pred, sample_weight=None)   # a scalar tensor
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import torch

from deepfit import losses as losses_module
from deepfit import metrics as metrics_module
from deepfit import tree
from deepfit.metrics.base import Metric
from deepfit.trainer.logs import LossTracker


def _as_loss_object(identifier: Any) -> Any:
    loss = losses_module.get(identifier)
    if isinstance(loss, losses_module.Loss):
        return loss
    name = identifier if isinstance(identifier, str) else getattr(loss, "__name__", "loss")
    return losses_module.LossFunctionWrapper(loss, name=name)


def _per_output(value: Any, output_names: list[str], what: str) -> list[Any]:
    """A compile argument (one value, a list, or a dict by output name) → one entry per output."""
    count = len(output_names)
    if isinstance(value, dict):
        unknown = sorted(set(value) - set(output_names))
        if unknown:
            raise ValueError(f"compile: {what} names unknown output(s) {unknown}; the model's "
                             f"outputs are {output_names}")
        return [value.get(name) for name in output_names]
    if isinstance(value, (list, tuple)) and count > 1:
        if len(value) != count:
            raise ValueError(f"compile: {what} has {len(value)} entries but the model has "
                             f"{count} outputs {output_names}")
        return list(value)
    if count > 1 and value is not None and what != "metrics":
        return [value] * count
    return [value] + [None] * (count - 1) if count > 1 else [value]


def _loss_weight(weight: Any, given: Any) -> float:
    if isinstance(weight, bool) or not isinstance(weight, numbers.Real) or not math.isfinite(
        weight
    ):
        raise ValueError(f"compile: loss_weights must hold one finite number per output (a list, "
                         f"or a dict by output name), received {given!r}")
    return float(weight)


def _check_target_keys(y_true: dict, output_names: list[str]) -> None:
    """A dict of targets names outputs; a key naming none (a typo) would leave that output
    untrained without a word, so it is an error, as in Keras."""
    unknown = sorted(str(key) for key in y_true if key not in output_names)
    if unknown and not (len(output_names) == 1 and len(y_true) == 1):
        raise ValueError(f"y: key(s) {unknown} name no output of the model; its outputs are "
                         f"{output_names}")


class CompileLoss:
    """The total loss: the weighted sum of each output's loss.

    Args:
        loss: one loss (name, object or callable), a list per output, or a dict by output name.
        loss_weights: a list or dict of scalar weights per output.
        output_names: the model's output names (one name for single-output models).
    """

    def __init__(self, loss: Any, loss_weights: Any = None,
                 output_names: list[str] | None = None, named_outputs: bool = True) -> None:
        self.config = loss
        self.output_names = output_names or ["output"]
        entries = _per_output(loss, self.output_names, "loss")
        weights = _per_output(loss_weights, self.output_names, "loss_weights")
        self.losses = [None if e is None else _as_loss_object(e) for e in entries]
        self.weights = [1.0 if w is None else _loss_weight(w, loss_weights) for w in weights]
        if all(loss_fn is None for loss_fn in self.losses):
            raise ValueError("compile: `loss` is required to train; received None")
        with_loss = [i for i, loss_fn in enumerate(self.losses) if loss_fn is not None]
        # Keras tracks each output's unweighted loss as '<output>_loss' when there are several.
        self.trackers: list[LossTracker | None] = [None] * len(self.losses)
        self.built = False  # set by the first batch
        if len(with_loss) > 1:
            for index in with_loss:
                # Outputs without names (a subclass's tuple) are named by their loss, as Keras.
                label = (self.output_names[index] if named_outputs
                         else getattr(self.losses[index], "name", "output"))
                self.trackers[index] = LossTracker(f"{label}_loss")

    @property
    def metrics(self) -> list[LossTracker]:
        """The per-output loss trackers (none for a single loss, and none before the first
        batch, as in Keras)."""
        if not self.built:
            return []
        return [tracker for tracker in self.trackers if tracker is not None]

    def flat_targets(self, y_true: Any, y_pred: Any) -> list[tuple[Any, Any]]:
        """(y_true, y_pred) pairs, one per output, matching dicts by name and lists by position."""
        return output_pairs(y_true, y_pred, self.output_names,
                            [loss_fn is not None for loss_fn in self.losses])

    def __call__(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> torch.Tensor:
        self.built = True
        total = None
        weights = sample_weight
        pairs = self.flat_targets(y_true, y_pred)
        for index, ((target, prediction), loss_fn, factor, tracker) in enumerate(
            zip(pairs, self.losses, self.weights, self.trackers)
        ):
            if loss_fn is None or target is None:
                continue
            if isinstance(sample_weight, (list, tuple)):
                weights = sample_weight[index]
            elif isinstance(sample_weight, dict):
                weights = sample_weight.get(self.output_names[index])
            value = loss_fn(target, prediction, sample_weight=weights)
            if tracker is not None:
                tracker.update_state(value, tree.first_leaf(prediction).shape[0])
            value = value if factor == 1.0 else value * factor
            total = value if total is None else total + value
        if total is None:
            raise ValueError("No target was given for any output that has a loss")
        return total

    def get_config(self) -> Any:
        return self.config


class CompileMetrics(Metric):
    """The compiled metrics, as Keras's `CompileMetrics`: one metric (named 'compile_metrics')
    holding the metrics of every output, built on the first batch so that 'accuracy' can be
    resolved from the shapes exactly as Keras does. `model.metrics[1]` in Keras 3.

    Its `metrics` are the metric objects (unweighted ones by output, then weighted ones), under
    their own names; `result()` keys them as Keras logs them: '<output>_<name>' for several
    named outputs, a repeated name gets '_1', '_2', ... (a repeated weighted one
    'weighted_<name>').

    Args:
        metrics: names/objects, a list per output, or a dict by output name.
        weighted_metrics: the same, but weighted by sample weights.
        output_names: the model's output names.
        named_outputs: False for a subclass's tuple of outputs (no names: no prefixes).

    Example:
        >>> model.compile("adam", "mse", metrics=["mae"]); model.fit(x, y)
        >>> model.metrics[1].name, [m.name for m in model.metrics[1].metrics]
        ('compile_metrics', ['mae'])
    """

    _compiled = True  # not one of the model's attribute metrics (`tracking.track_metrics`)

    def __init__(self, metrics: Any, weighted_metrics: Any = None,
                 output_names: list[str] | None = None, named_outputs: bool = True) -> None:
        super().__init__(name="compile_metrics")
        self.metrics_config = metrics
        self.weighted_config = weighted_metrics
        # Keras makes it only when compile is given metrics (an empty list counts).
        self.configured = metrics is not None or weighted_metrics is not None
        self.output_names = output_names or ["output"]
        self.named_outputs = named_outputs
        self.built = False
        self.unweighted: list[list[Any]] = []
        self.weighted: list[list[Any]] = []
        self.result_names: list[str] = []

    @property
    def metrics(self) -> list[Any]:
        """The metric objects (none before the first batch)."""
        return [m for group in self.unweighted + self.weighted for m in group]

    @property
    def variables(self) -> list[torch.Tensor]:
        return [v for metric in self.metrics for v in metric.variables]

    def build(self, pairs: list[tuple[Any, Any]]) -> None:
        """Resolve the metrics of each output on its first (y_true, y_pred) pair."""
        self.unweighted = self._resolve(self.metrics_config, pairs)
        self.weighted = self._resolve(self.weighted_config, pairs)
        _number_default_names(self.metrics)
        self.result_names = self._result_names()
        self.built = True

    def _resolve(self, config: Any, pairs: list[tuple[Any, Any]]) -> list[list[Any]]:
        return [[_resolve_one(identifier, y_true, y_pred) for identifier in _as_list(entry)]
                for entry, (y_true, y_pred) in zip(self._entries(config), pairs)]

    def _result_names(self) -> list[str]:
        """Keras's log keys of `metrics`, in order."""
        prefixed = len(self.output_names) > 1 and self.named_outputs
        seen: dict[str, int] = {}
        names = []
        for groups, weighted in ((self.unweighted, False), (self.weighted, True)):
            for index, group in enumerate(groups):
                prefix = f"{self.output_names[index]}_" if prefixed else ""
                for metric in group:
                    name = prefix + metric.name
                    if name in seen and weighted:
                        name = f"{prefix}weighted_{metric.name}"
                    names.append(_numbered(name, seen))
        return names

    def _entries(self, config: Any) -> list[Any]:
        """One metric list per output: a dict by name, a list with one entry per output (Keras
        3), or one list applied to every output (TF2 Keras's spelling, which Keras 3 refuses)."""
        count = len(self.output_names)
        if isinstance(config, dict):
            return _per_output(config, self.output_names, "metrics")
        if count == 1:
            return [_flat(config)]
        if isinstance(config, (list, tuple)) and (
            len(config) == count or any(isinstance(e, (list, tuple)) for e in config)
        ):
            return _per_output(config, self.output_names, "metrics")
        return [config] * count

    def update_pairs(self, pairs: list[tuple[Any, Any]], sample_weight: Any) -> None:
        """Update with one (y_true, y_pred) pair per output (the trainer's path)."""
        for index, (y_true, y_pred) in enumerate(pairs):
            if y_true is None:
                continue
            for metric in self.unweighted[index]:
                metric.update_state(y_true, y_pred)
            weights = sample_weight
            if isinstance(sample_weight, (list, tuple)):
                weights = sample_weight[index]
            elif isinstance(sample_weight, dict):
                weights = sample_weight.get(self.output_names[index])
            for metric in self.weighted[index]:
                metric.update_state(y_true, y_pred, sample_weight=weights)

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        """Update every metric with one batch of the model's targets and outputs (a custom
        `train_step` calls it through `self.metrics`).

        Args:
            y_true: the targets (one array, or a list/dict per output).
            y_pred: the model's outputs, structured alike.
            sample_weight: optional weights for the weighted metrics.
        """
        with torch.no_grad():
            pairs = output_pairs(y_true, y_pred, self.output_names)
            if not self.built:
                self.build(pairs)
            self.update_pairs(pairs, sample_weight)

    def reset_state(self) -> None:
        for metric in self.metrics:
            metric.reset_state()

    def result(self) -> dict[str, torch.Tensor]:
        """Each metric's result under its log key."""
        if not self.built:
            raise ValueError("compile_metrics: no result before the metrics are built on the "
                             "first batch (fit, evaluate or a train_step builds them)")
        return {name: metric.result() for name, metric in zip(self.result_names, self.metrics)}

    def result_sources(self) -> list[tuple[str, Any]]:
        """(log key, bound `result`) of each metric, for logs read lazily."""
        return list(zip(self.result_names, (metric.result for metric in self.metrics)))

    def get_config(self) -> Any:
        raise NotImplementedError("compile_metrics is made by compile(); it has no config")


def _numbered(name: str, seen: dict[str, int]) -> str:
    """`name`, or `name_1`, `name_2`, ... once taken (Keras's rule: numbered names are not
    reserved)."""
    if name not in seen:
        seen[name] = 1
        return name
    count = seen[name]
    seen[name] = count + 1
    return f"{name}_{count}"


def _number_default_names(metrics: list[Any]) -> None:
    """Metrics made without a name (`AUC()`) are numbered in Keras as they are made ('auc',
    'auc_1'): give repeated default names the numbers a fresh Keras session would."""
    taken: dict[str, int] = {}
    for metric in metrics:
        if getattr(metric, "_auto_named", False):
            metric.name = _numbered(metric.name, taken)


def _flat(config: Any) -> Any:
    if isinstance(config, (list, tuple)):
        return [leaf for entry in config for leaf in (_flat(entry) if isinstance(
            entry, (list, tuple)) else [entry])]
    return config


def _as_list(entry: Any) -> list[Any]:
    if entry is None:
        return []
    if isinstance(entry, (list, tuple)):
        return list(entry)
    return [entry]


def _resolve_one(identifier: Any, y_true: Any, y_pred: Any) -> Any:
    return metrics_module.get(identifier, y_true, y_pred)


def output_pairs(y_true: Any, y_pred: Any, output_names: list[str],
                 with_loss: list[bool] | None = None) -> list[tuple[Any, Any]]:
    """(y_true, y_pred) pairs, one per output, matching dicts by name and lists by position.

    Args:
        y_true: the targets: one array, a list, or a dict by output name.
        y_pred: the model's outputs, structured alike.
        output_names: the model's output names.
        with_loss: which outputs have a loss; fewer targets than outputs, one per output
            with a loss, go to those outputs in order (Keras's rule for `loss=[fn, None]`).

    Returns:
        One `(target, prediction)` pair per output (the target None where none was given).
    """
    if isinstance(y_true, dict):
        _check_target_keys(y_true, output_names)
    if len(output_names) == 1:
        return [(_single(y_true), _single(y_pred))]
    preds = ([y_pred[name] for name in output_names] if isinstance(y_pred, dict)
             else list(y_pred))
    if isinstance(y_true, dict):
        trues = [y_true.get(name) for name in output_names]
    else:
        trues = list(y_true) if isinstance(y_true, (list, tuple)) else [y_true]
        if with_loss is not None and len(trues) < len(preds) == len(with_loss) and len(
                trues) == sum(with_loss):
            given = iter(trues)
            trues = [next(given) if has_loss else None for has_loss in with_loss]
        if len(trues) != len(preds):
            raise ValueError(f"The model has {len(preds)} outputs {output_names} but "
                             f"received {len(trues)} target arrays")
    return list(zip(trues, preds))


def _single(value: Any) -> Any:
    """The one array of a single output given as a list or dict of one."""
    if isinstance(value, (list, tuple)) and len(value) == 1:
        return value[0]
    if isinstance(value, dict) and len(value) == 1:
        return next(iter(value.values()))
    return value


def waits_for_outputs(model: Any, loss: Any, loss_weights: Any) -> bool:
    """Whether compile's per-output `loss`/`loss_weights` (a dict, or a list of several) must
    wait for the first call: a subclassed model's outputs are unknown until then."""
    from deepfit.models.functional import Functional
    from deepfit.models.sequential import Sequential

    if isinstance(model, (Functional, Sequential)):
        return False
    return any(isinstance(value, dict) or (isinstance(value, (list, tuple)) and len(value) > 1)
               for value in (loss, loss_weights))
