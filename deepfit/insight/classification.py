"""`classification_report(model, x, y)`: what a classifier gets right and wrong, per class.

The confusion matrix (rows: true class, columns: predicted), each class's precision, recall,
F1 and support, the pairs of classes most often confused, and the samples with the highest
loss (the cross-entropy of the true class, `-log p(true)`) — the ones to look at first. It
prints as text for the terminal, draws the matrix with matplotlib, and renders as an HTML
section (with thumbnails of the worst samples when the inputs are images) for
`history.save_report(..., model=model, data=(x, y))`.

Example:
    >>> report = deepfit.insight.classification_report(model, x_test, y_test)
    >>> print(report)
    >>> report.most_confused[:3]
    [(4, 9, 12), (3, 5, 9), (7, 2, 6)]
"""

from __future__ import annotations

import base64
import io
import os
from dataclasses import dataclass, field
from typing import Any

import numpy as np

TOP_LOSSES = 9
MOST_CONFUSED = 10


@dataclass
class ClassificationReport:
    """The numbers of `classification_report`.

    Attributes:
        class_names: one name per class.
        confusion: `confusion[i, j]` samples of true class i predicted as j.
        precision, recall, f1, support: per class (0 where undefined, as scikit-learn's
            `zero_division=0`).
        accuracy: the fraction of samples predicted right.
        most_confused: (true, predicted, count) for the largest off-diagonal cells.
        top_losses: (index, true, predicted, loss, probability of the true class), worst
            first.
    """

    class_names: list[str]
    confusion: np.ndarray
    precision: np.ndarray
    recall: np.ndarray
    f1: np.ndarray
    support: np.ndarray
    accuracy: float
    most_confused: list[tuple[int, int, int]] = field(default_factory=list)
    top_losses: list[tuple[int, int, int, float, float]] = field(default_factory=list)
    images: np.ndarray | None = field(default=None, repr=False)

    @property
    def macro_avg(self) -> dict[str, float]:
        """Unweighted means of precision, recall and F1 over the classes."""
        return {"precision": float(self.precision.mean()), "recall": float(self.recall.mean()),
                "f1": float(self.f1.mean())}

    @property
    def weighted_avg(self) -> dict[str, float]:
        """Means weighted by each class's support."""
        weights = self.support / max(int(self.support.sum()), 1)
        return {"precision": float(self.precision @ weights),
                "recall": float(self.recall @ weights), "f1": float(self.f1 @ weights)}

    def __str__(self) -> str:
        width = max(12, *(len(n) for n in self.class_names))
        lines = [f"{'':>{width}} {'precision':>9} {'recall':>9} {'f1':>9} {'support':>9}"]
        for i, name in enumerate(self.class_names):
            lines.append(f"{name:>{width}} {self.precision[i]:9.3f} {self.recall[i]:9.3f} "
                         f"{self.f1[i]:9.3f} {int(self.support[i]):9d}")
        total = int(self.support.sum())
        lines.append(f"\n{'accuracy':>{width}} {'':9} {'':9} {self.accuracy:9.3f} {total:9d}")
        for label, avg in (("macro avg", self.macro_avg), ("weighted avg", self.weighted_avg)):
            lines.append(f"{label:>{width}} {avg['precision']:9.3f} {avg['recall']:9.3f} "
                         f"{avg['f1']:9.3f} {total:9d}")
        if self.most_confused:
            lines.append("\nMost confused (true -> predicted: count):")
            lines += [f"  {self.class_names[t]} -> {self.class_names[p]}: {c}"
                      for t, p, c in self.most_confused]
        if self.top_losses:
            lines.append("\nHighest losses (sample: true, predicted, loss, p(true)):")
            lines += [f"  #{i}: {self.class_names[t]}, {self.class_names[p]}, {loss:.3f}, "
                      f"{prob:.3f}" for i, t, p, loss, prob in self.top_losses]
        return "\n".join(lines)

    def plot_confusion_matrix(self, path: str | os.PathLike | None = None,
                              normalize: bool = False) -> Any:
        """Draw the confusion matrix (counts, or row fractions with `normalize=True`).

        Args:
            path: also save the figure here (.png, .svg or .pdf), atomically.
            normalize: show each row as fractions of the true class's samples.

        Returns:
            The matplotlib `Figure`.
        """
        from deepfit.insight.plots import require_matplotlib

        values = self._normalized() if normalize else self.confusion
        count = len(self.class_names)
        size = min(2.0 + 0.55 * count, 14.0)
        figure = require_matplotlib()(figsize=(size, size * 0.9), layout="constrained")
        ax = figure.subplots()
        image = ax.imshow(values, cmap="Blues")
        figure.colorbar(image, ax=ax, shrink=0.8)
        ax.set_xticks(range(count), self.class_names, rotation=45 if count > 6 else 0)
        ax.set_yticks(range(count), self.class_names)
        ax.set_xlabel("predicted")
        ax.set_ylabel("true")
        ax.set_title("Confusion matrix")
        if count <= 20:
            limit = values.max() / 2 if values.size else 0
            for (i, j), value in np.ndenumerate(values):
                text = f"{value:.2f}" if normalize else str(int(value))
                ax.text(j, i, text, ha="center", va="center", fontsize=8,
                        color="white" if value > limit else "black")
        if path is not None:
            from deepfit.saving.atomic import atomic_write

            with atomic_write(path) as handle:
                figure.savefig(handle, dpi=100, format=str(path).rsplit(".", 1)[-1].lower())
        return figure

    def _normalized(self) -> np.ndarray:
        rows = self.confusion.sum(axis=1, keepdims=True)
        return np.divide(self.confusion, rows, out=np.zeros(self.confusion.shape),
                         where=rows > 0)

    def to_html(self) -> str:
        """An HTML section: the matrix as a shaded table, per-class numbers, the worst samples
        (with thumbnails for image inputs). No scripts, no external files."""
        from deepfit.insight.classification_html import report_section

        return report_section(self)

    def to_dict(self) -> dict[str, Any]:
        """The numbers as plain JSON-ready data."""
        return {"class_names": list(self.class_names), "confusion": self.confusion.tolist(),
                "precision": self.precision.tolist(), "recall": self.recall.tolist(),
                "f1": self.f1.tolist(), "support": self.support.tolist(),
                "accuracy": self.accuracy, "most_confused": [list(c) for c in
                                                             self.most_confused],
                "top_losses": [list(t) for t in self.top_losses]}


def classification_report(model: Any, x: Any, y: Any = None, batch_size: int | None = None,
                          class_names: list[str] | None = None,
                          top_k: int = TOP_LOSSES) -> ClassificationReport:
    """Predict `x` and compare with the labels `y`.

    Args:
        model: a classifier: softmax/logit outputs of one unit per class, or one sigmoid unit
            for two classes.
        x: the inputs, as for `predict`.
        y: the labels: class indices or one-hot rows.
        batch_size: for `predict`.
        class_names: one name per class (default: the indices).
        top_k: how many highest-loss samples to list.

    Returns:
        A `ClassificationReport`.

    Raises:
        ValueError: labels that do not match the predictions in count or classes.

    Example:
        >>> print(classification_report(model, x_test, y_test, class_names=["cat", "dog"]))
    """
    probabilities = _probabilities(np.asarray(model.predict(x, batch_size=batch_size,
                                                            verbose=0)))
    labels = _labels(y, probabilities)
    count = probabilities.shape[1]
    names = _class_names(class_names, count)
    predicted = probabilities.argmax(axis=1)
    confusion = np.zeros((count, count), dtype=np.int64)
    np.add.at(confusion, (labels, predicted), 1)
    precision, recall, f1, support = _per_class(confusion)
    true_probability = probabilities[np.arange(len(labels)), labels]
    losses = -np.log(np.clip(true_probability, 1e-12, 1.0))
    worst = np.argsort(-losses, kind="stable")[:top_k]
    top = [(int(i), int(labels[i]), int(predicted[i]), float(losses[i]),
            float(true_probability[i])) for i in worst]
    images = _images(x)
    return ClassificationReport(names, confusion, precision, recall, f1, support,
                                float((predicted == labels).mean()), _most_confused(confusion),
                                top, None if images is None else images[worst])


def _probabilities(outputs: np.ndarray) -> np.ndarray:
    outputs = outputs.astype(np.float64).reshape(len(outputs), -1)
    if outputs.shape[1] == 1:
        p = outputs[:, 0]
        if p.min() < 0 or p.max() > 1:
            p = 1 / (1 + np.exp(-p))
        return np.stack([1 - p, p], axis=1)
    rows = outputs.sum(axis=1)
    if outputs.min() < 0 or not np.allclose(rows, 1.0, atol=1e-3):
        shifted = np.exp(outputs - outputs.max(axis=1, keepdims=True))
        return shifted / shifted.sum(axis=1, keepdims=True)
    return outputs


def _labels(y: Any, probabilities: np.ndarray) -> np.ndarray:
    if y is None:
        raise ValueError("classification_report: y (the labels) is required")
    labels = np.asarray(y)
    if labels.ndim == 2 and labels.shape[1] == probabilities.shape[1] and labels.shape[1] > 1:
        labels = labels.argmax(axis=1)
    labels = labels.reshape(-1)
    if len(labels) != len(probabilities):
        raise ValueError(f"classification_report: y has {len(labels)} labels but x gave "
                         f"{len(probabilities)} predictions")
    if not np.issubdtype(labels.dtype, np.number) or np.any(labels != np.round(labels)):
        raise ValueError("classification_report: y must hold class indices or one-hot rows")
    labels = labels.astype(np.int64)
    if labels.min() < 0 or labels.max() >= probabilities.shape[1]:
        raise ValueError(f"classification_report: labels must lie in [0, "
                         f"{probabilities.shape[1] - 1}] (the model has "
                         f"{probabilities.shape[1]} classes), received {labels.min()}.."
                         f"{labels.max()}")
    return labels


def _class_names(names: list[str] | None, count: int) -> list[str]:
    if names is None:
        return [str(i) for i in range(count)]
    if len(names) != count:
        raise ValueError(f"classification_report: class_names has {len(names)} names for "
                         f"{count} classes")
    return [str(n) for n in names]


def _per_class(confusion: np.ndarray) -> tuple[np.ndarray, ...]:
    correct = np.diag(confusion).astype(np.float64)
    predicted = confusion.sum(axis=0)
    support = confusion.sum(axis=1)
    precision = np.divide(correct, predicted, out=np.zeros_like(correct), where=predicted > 0)
    recall = np.divide(correct, support, out=np.zeros_like(correct), where=support > 0)
    total = precision + recall
    f1 = np.divide(2 * precision * recall, total, out=np.zeros_like(correct), where=total > 0)
    return precision, recall, f1, support


def _most_confused(confusion: np.ndarray) -> list[tuple[int, int, int]]:
    off = confusion.copy()
    np.fill_diagonal(off, 0)
    cells = [(int(i), int(j), int(off[i, j])) for i, j in zip(*np.nonzero(off))]
    return sorted(cells, key=lambda c: (-c[2], c[0], c[1]))[:MOST_CONFUSED]


def _images(x: Any) -> np.ndarray | None:
    """`x` as images (n, h, w[, 1|3|4]) when it looks like a batch of them, else None."""
    if not hasattr(x, "shape") or not hasattr(x, "__array__"):
        return None
    array = np.asarray(x)
    if array.ndim == 3 and min(array.shape[1:]) >= 8:
        return array
    if array.ndim == 4 and array.shape[-1] in (1, 3, 4) and min(array.shape[1:3]) >= 8:
        return array
    return None


def thumbnail_png(image: np.ndarray, size: int = 64) -> bytes:
    """One image as PNG bytes, scaled to `size` pixels on its longer side (needs Pillow)."""
    from PIL import Image

    array = np.asarray(image, dtype=np.float64)
    if array.ndim == 3 and array.shape[-1] == 1:
        array = array[..., 0]
    low, high = float(array.min()), float(array.max())
    scaled = (array - low) / (high - low) if high > low else np.zeros_like(array)
    picture = Image.fromarray((scaled * 255).round().astype(np.uint8))
    ratio = size / max(picture.size)
    picture = picture.resize((max(1, round(picture.size[0] * ratio)),
                              max(1, round(picture.size[1] * ratio))), Image.NEAREST)
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    return buffer.getvalue()


def png_data_uri(data: bytes) -> str:
    """A `data:` URI for inline PNG bytes."""
    return "data:image/png;base64," + base64.b64encode(data).decode("ascii")
