"""`diagnose(history)`: read the loss curves the way the tutorials teach — and say it in words.

The verdicts, checked in this order:

- `diverging`: the loss (or val_loss) became NaN/inf, or ended well above where it started.
- `not_learning`: the loss barely moved (under 1% of its starting value, without jumps).
- `noisy`: the loss rose in many epochs, undoing at least half of its progress.
- `overfitting`: val_loss rose at least 10% above its best while the loss kept falling.
- `underfitting`: the best loss is above 80% of the baseline — the loss of always predicting
  the class frequencies (classification) or the mean (regression), recorded by fit.
- `ok`: none of the above.

Example:
    >>> diagnosis = history.diagnose()
    >>> diagnosis.verdict
    'overfitting'
    >>> print(diagnosis)
    Overfitting from epoch 6: val_loss rose from 0.081 (epoch 5, the best) to 0.134 while loss
    kept falling. Try EarlyStopping(restore_best_weights=True), Dropout, or more data.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from deepfit.insight.curves import best_index, epochs_of, values_of

VERDICTS = ("ok", "overfitting", "underfitting", "not_learning", "diverging", "noisy")

# Thresholds, as fractions of the quantities named.
_GROWTH = 1.2          # diverging: the loss ends this many times above its first value ...
_ABOVE_BEST = 1.5      # ... and this many times above its best
_STILL = 0.01          # not_learning: best improvement under 1% of the first loss ...
_STILL_RANGE = 0.05    # ... and a range under 5% of it
_NOISE = 0.5           # noisy: rises undo at least half of the falls ...
_NOISE_LEVEL = 0.1     # ... and add up to 10% of the typical loss
_OVERFIT_RISE = 0.1    # overfitting: val_loss ends 10% above its best
_UNDERFIT = 0.8        # underfitting: the best loss is above 80% of the baseline

_BASELINES = {
    "class_frequencies": "always predicting the class frequencies",
    "mean": "always predicting the mean",
    "median": "always predicting the median",
}


@dataclass
class Diagnosis:
    """What the curves say.

    Attributes:
        verdict: one of 'ok', 'overfitting', 'underfitting', 'not_learning', 'diverging',
            'noisy'.
        message: one or two plain sentences with epoch numbers (from 1) and values.
        evidence: the numbers behind the verdict (epochs, losses, baseline).
        suggestions: short remedies, most useful first.
    """

    verdict: str
    message: str
    evidence: dict[str, Any] = field(default_factory=dict)
    suggestions: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        if not self.suggestions:
            return self.message
        return f"{self.message} Try {_join(self.suggestions)}."

    def to_dict(self) -> dict[str, Any]:
        """The diagnosis as plain JSON-ready data."""
        return {"verdict": self.verdict, "message": self.message,
                "evidence": dict(self.evidence), "suggestions": list(self.suggestions),
                "text": str(self)}


def _join(items: list[str]) -> str:
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + ", or " + items[-1]


def _fmt(value: float) -> str:
    return f"{value:.3g}" if math.isfinite(value) else str(value)


def diagnose(history: Any) -> Diagnosis:
    """Judge a training run from its History.

    Args:
        history: a `History` (or anything with `.history`, and optionally `.epoch`,
            `.baseline`, `.baseline_kind`, `.hyperparameters`).

    Returns:
        A `Diagnosis`.

    Raises:
        ValueError: the history holds no 'loss' values.

    Example:
        >>> diagnose(history).verdict
        'ok'
    """
    loss = values_of(history, "loss")
    if not loss:
        raise ValueError(f"diagnose: the history has no 'loss' values to judge; it holds keys "
                         f"{sorted(history.history)} — train for at least one epoch first")
    run = _Run(history, loss)
    for check in (_diverging, _not_learning, _noisy, _overfitting, _underfitting):
        found = check(run)
        if found is not None:
            return found
    return _ok(run)


class _Run:
    """The curves of one history, aligned with their epoch numbers."""

    def __init__(self, history: Any, loss: list[float]) -> None:
        self.loss = loss
        self.epochs = epochs_of(history, "loss")
        self.val = values_of(history, "val_loss")
        self.val_epochs = epochs_of(history, "val_loss") if self.val else []
        baseline = getattr(history, "baseline", None)
        self.baseline = float(baseline) if isinstance(baseline, (int, float)) else None
        self.baseline_kind = getattr(history, "baseline_kind", None)
        params = getattr(history, "hyperparameters", None) or {}
        self.learning_rate = params.get("learning_rate")

    def loss_at(self, epoch: int) -> float:
        return self.loss[self.epochs.index(epoch)] if epoch in self.epochs else math.nan

    def lr_hint(self, factor: str) -> str:
        finder = "; model.find_learning_rate(x, y) suggests one"
        if isinstance(self.learning_rate, (int, float)):
            return f"a {factor} learning rate (it was {self.learning_rate:g}{finder})"
        return f"a {factor} learning rate ({finder[2:]})"


def _diverging(run: _Run) -> Diagnosis | None:
    for name, values, epochs in (("loss", run.loss, run.epochs),
                                 ("val_loss", run.val, run.val_epochs)):
        bad = next((i for i, v in enumerate(values) if not math.isfinite(v)), None)
        if bad is not None:
            before = (f" (it was {_fmt(values[bad - 1])} at epoch {epochs[bad - 1]})"
                      if bad > 0 else "")
            return Diagnosis(
                "diverging",
                f"Diverging: {name} became {values[bad]} at epoch {epochs[bad]}{before}.",
                {"metric": name, "epoch": epochs[bad], "value": values[bad]},
                [run.lr_hint("10x lower"), "gradient clipping (clipnorm=1.0)",
                 "scaling the inputs"],
            )
    loss, tail = run.loss, _tail(run.loss)
    best = min(loss)
    if len(loss) >= 3 and tail > loss[0] * _GROWTH and tail > best * _ABOVE_BEST:
        return Diagnosis(
            "diverging",
            f"Diverging: loss grew from {_fmt(loss[0])} (epoch {run.epochs[0]}) to "
            f"{_fmt(loss[-1])} (epoch {run.epochs[-1]}); its best was {_fmt(best)} "
            f"(epoch {run.epochs[loss.index(best)]}).",
            {"first_loss": loss[0], "final_loss": loss[-1], "best_loss": best,
             "best_epoch": run.epochs[loss.index(best)]},
            [run.lr_hint("lower"), "gradient clipping (clipnorm=1.0)"],
        )
    return None


def _tail(values: list[float]) -> float:
    count = max(1, len(values) // 10)
    return sum(values[-count:]) / count


def _not_learning(run: _Run) -> Diagnosis | None:
    loss = run.loss
    if len(loss) < 2:
        return None
    scale = max(abs(loss[0]), 1e-12)
    improvement = (loss[0] - min(loss)) / scale
    spread = (max(loss) - min(loss)) / scale
    already_good = abs(loss[0]) < 1e-6 or (
        run.baseline is not None and min(loss) < 0.1 * run.baseline)
    if improvement >= _STILL or spread >= _STILL_RANGE or already_good:
        return None
    return Diagnosis(
        "not_learning",
        f"Not learning: loss barely moved, from {_fmt(loss[0])} (epoch {run.epochs[0]}) to "
        f"{_fmt(loss[-1])} (epoch {run.epochs[-1]}), a {improvement:.2%} improvement.",
        {"first_loss": loss[0], "final_loss": loss[-1], "improvement": improvement,
         "epochs": len(loss)},
        [run.lr_hint("higher"), "checking for dead units with model.explain_step(x, y)",
         "checking that the labels and the loss match"],
    )


def _noisy(run: _Run) -> Diagnosis | None:
    loss = run.loss
    if len(loss) < 4:
        return None
    steps = [b - a for a, b in zip(loss, loss[1:])]
    rises = sum(s for s in steps if s > 0)
    falls = -sum(s for s in steps if s < 0)
    typical = sorted(abs(v) for v in loss)[len(loss) // 2]
    count = sum(1 for s in steps if s > 0)
    if count < 2 or rises < _NOISE * falls or rises < _NOISE_LEVEL * typical:
        return None
    worst = max(range(len(steps)), key=lambda i: steps[i])
    return Diagnosis(
        "noisy",
        f"Noisy: loss rose in {count} of {len(steps)} epochs, by up to {_fmt(steps[worst])} "
        f"(epoch {run.epochs[worst + 1]}); its rises add up to {rises / max(falls, 1e-12):.0%} "
        f"of its falls.",
        {"rises": count, "epochs": len(loss), "largest_rise": steps[worst],
         "largest_rise_epoch": run.epochs[worst + 1], "total_rise": rises,
         "total_fall": falls},
        [run.lr_hint("lower"), "a larger batch_size", "ReduceLROnPlateau"],
    )


def _overfitting(run: _Run) -> Diagnosis | None:
    val = run.val
    best = best_index(val, "min")
    if best is None or len(val) - 1 - best < 2:
        return None
    best_epoch = run.val_epochs[best]
    end = _tail(val[best + 1:])
    loss_then, loss_now = run.loss_at(best_epoch), run.loss[-1]
    if end <= val[best] * (1 + _OVERFIT_RISE) + 1e-12 or not loss_now < loss_then:
        return None
    return Diagnosis(
        "overfitting",
        f"Overfitting from epoch {best_epoch + 1}: val_loss rose from {_fmt(val[best])} "
        f"(epoch {best_epoch}, the best) to {_fmt(val[-1])} while loss kept falling "
        f"(from {_fmt(loss_then)} to {_fmt(loss_now)}).",
        {"best_epoch": best_epoch, "best_val_loss": val[best], "final_val_loss": val[-1],
         "loss_at_best": loss_then, "final_loss": loss_now},
        ["EarlyStopping(restore_best_weights=True)", "Dropout", "more data"],
    )


def _underfitting(run: _Run) -> Diagnosis | None:
    if run.baseline is None or not math.isfinite(run.baseline) or run.baseline <= 0:
        return None
    best = min(run.loss)
    if best <= _UNDERFIT * run.baseline:
        return None
    what = _BASELINES.get(run.baseline_kind or "", "a constant prediction")
    verb = "does no better than" if best >= 0.95 * run.baseline else "barely beats"
    return Diagnosis(
        "underfitting",
        f"Underfitting: the best loss, {_fmt(best)} (epoch {run.epochs[run.loss.index(best)]}), "
        f"is {best / run.baseline:.0%} of the baseline {_fmt(run.baseline)} ({what}); the "
        f"model {verb} a constant guess on its own training data.",
        {"best_loss": best, "best_epoch": run.epochs[run.loss.index(best)],
         "baseline": run.baseline, "baseline_kind": run.baseline_kind,
         "ratio": best / run.baseline},
        _underfitting_remedies(run),
    )


def _underfitting_remedies(run: _Run) -> list[str]:
    remedies = ["a larger model (more units or layers) with nonlinear activations",
                run.lr_hint("higher")]
    longer = "training longer"
    if _still_falling(run.loss):
        return [f"{longer}: the loss was still falling at the end", *remedies]
    return [*remedies, longer]


def _ok(run: _Run) -> Diagnosis:
    loss = run.loss
    evidence: dict[str, Any] = {"first_loss": loss[0], "final_loss": loss[-1],
                                "epochs": len(loss)}
    text = (f"No problem found: loss fell from {_fmt(loss[0])} to {_fmt(loss[-1])} over "
            f"{len(loss)} epoch{'s' if len(loss) != 1 else ''}")
    best = best_index(run.val, "min")
    if best is not None:
        evidence.update(best_epoch=run.val_epochs[best], best_val_loss=run.val[best])
        text += f"; val_loss was best at epoch {run.val_epochs[best]} ({_fmt(run.val[best])})"
    if run.baseline is not None:
        evidence["baseline"] = run.baseline
    suggestions = []
    if len(loss) == 1:
        text += " (one epoch is too short to judge the trends)"
    elif _still_falling(loss):
        suggestions.append("more epochs: the loss was still falling at the end")
    return Diagnosis("ok", text + ".", evidence, suggestions)


def _still_falling(loss: list[float]) -> bool:
    window = max(2, len(loss) // 5)
    recent = loss[-window:]
    return recent[0] - recent[-1] > 0.05 * abs(recent[0])
