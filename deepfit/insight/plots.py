"""Training curves with matplotlib: one panel per metric, training and validation on the same
axes, the best epoch marked. matplotlib is the optional `deepfit[plots]` extra, imported only
when a plot is asked for.

Example:
    >>> figure = deepfit.utils.plot_history(history, "curves.png")
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

from deepfit.insight.curves import best_index, direction, epochs_of, metric_names, values_of

FORMATS = (".png", ".svg", ".pdf")
TRAIN_COLOR = "#1f77b4"
VAL_COLOR = "#ff7f0e"


def require_matplotlib() -> Any:
    """The `matplotlib.figure.Figure` class, or an ImportError that says how to install it."""
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise ImportError(
            "Plotting training curves needs matplotlib, an optional extra: "
            "pip install matplotlib (or pip install deepfit[plots])"
        ) from None
    return Figure


def plot_history(history: Any, path: str | os.PathLike | None = None,
                 metrics: list[str] | None = None) -> Any:
    """Draw a History's curves.

    Args:
        history: a `History` (from fit, or `History.from_json`).
        path: also save the figure here; the suffix picks the format (.png, .svg, .pdf).
        metrics: the metrics to draw (default: all, 'loss' first).

    Returns:
        The matplotlib `Figure` (not attached to pyplot, so nothing global changes).

    Raises:
        ImportError: matplotlib is not installed.
        ValueError: an unknown metric, an empty history or an unsupported file suffix.

    Example:
        >>> plot_history(history, "curves.svg", metrics=["loss"])
    """
    names = metric_names(history, metrics)
    if not names:
        raise ValueError("plot_history: the history is empty; train for at least one epoch")
    if path is not None and Path(path).suffix.lower() not in FORMATS:
        raise ValueError(f"path: expected a file name ending in one of {FORMATS}, "
                         f"received {str(path)!r}")
    figure_class = require_matplotlib()
    columns = min(len(names), 2)
    rows = math.ceil(len(names) / columns)
    figure = figure_class(figsize=(5.2 * columns, 3.6 * rows), layout="constrained")
    axes = figure.subplots(rows, columns, squeeze=False).flatten()
    for ax, name in zip(axes, names):
        _panel(ax, history, name)
    for ax in axes[len(names):]:
        ax.set_visible(False)
    if path is not None:
        from deepfit.saving.atomic import atomic_write

        with atomic_write(path) as handle:
            figure.savefig(handle, format=Path(path).suffix.lower().lstrip("."), dpi=100)
    return figure


def _panel(ax: Any, history: Any, name: str) -> None:
    train_key, val_key = name, f"val_{name}"
    drawn = []
    for key, label, color in ((train_key, "training", TRAIN_COLOR),
                              (val_key, "validation", VAL_COLOR)):
        values = values_of(history, key)
        if values:
            shown = [v if math.isfinite(v) else math.nan for v in values]
            marker = "o" if len(values) <= 30 else None
            ax.plot(epochs_of(history, key), shown, label=label, color=color, marker=marker,
                    markersize=3, linewidth=1.8)
            drawn.append(key)
    monitor = val_key if val_key in drawn else train_key
    values = values_of(history, monitor)
    best = best_index(values, direction(name))
    if best is not None:
        epoch = epochs_of(history, monitor)[best]
        ax.axvline(epoch, color="#888888", linestyle="--", linewidth=1)
        ax.plot([epoch], [values[best]], marker="*", markersize=12, color="#d62728",
                linestyle="none", label=f"best: epoch {epoch}")
    finite = [v for key in drawn for v in values_of(history, key) if math.isfinite(v)]
    if finite and min(finite) > 0 and max(finite) / min(finite) > 100:
        ax.set_yscale("log")
    ax.set_title(name)
    ax.set_xlabel("epoch")
    ax.grid(True, alpha=0.3)
    if drawn:
        ax.legend(fontsize="small")
