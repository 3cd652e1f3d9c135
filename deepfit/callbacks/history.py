"""`History`: records every epoch's logs; fit returns it.

Example:
    >>> history = model.fit(x, y, epochs=3)
    >>> history.history["loss"]
    [0.71, 0.52, 0.44]
"""

from __future__ import annotations

from typing import Any

from deepfit.callbacks.callback import Callback
from deepfit.callbacks.logs import pythonify


class History(Callback):
    """Callback recording each epoch's logs as Python floats.

    Attributes:
        history: dict mapping each log key to the list of its values, one per epoch.
        epoch: the list of epoch indices recorded.
        params: the training parameters (verbose, epochs, steps).
        model: the model trained.

    Example:
        >>> history = History()
        >>> history.on_train_begin()
        >>> history.on_epoch_end(0, {"loss": 0.5})
        >>> history.history
        {'loss': [0.5]}
    """

    def __init__(self) -> None:
        super().__init__()
        self.history: dict[str, list[Any]] = {}
        self.epoch: list[int] = []
        # Filled by fit before the first epoch (deepfit.insight.record), for diagnose/report.
        self.baseline: float | None = None
        self.baseline_kind: str | None = None
        self.model_summary: str | None = None
        self.hyperparameters: dict[str, Any] = {}

    def on_train_begin(self, logs: dict | None = None) -> None:
        self.epoch = []

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(pythonify(value))
        # The model always points at the latest state of its history (set once: a Layer's
        # attribute tracking costs ~10 us a call, every epoch of a tiny model).
        if self.model is not None and self.model.__dict__.get("history") is not self:
            self.model.history = self

    # The methods below are thin wrappers: the work lives in deepfit.insight.
    def plot(self, path: str | None = None, metrics: list[str] | None = None) -> Any:
        """One panel per metric, training and validation together, the best epoch marked.

        Args:
            path: save the figure here (.png, .svg or .pdf) as well.
            metrics: the metrics to show (default: all).

        Returns:
            The matplotlib `Figure` (matplotlib is the optional `deepfit[plots]` extra).

        Example:
            >>> history.plot("curves.png")
        """
        from deepfit.insight.plots import plot_history

        return plot_history(self, path, metrics=metrics)

    def diagnose(self) -> Any:
        """Judge the run: a `deepfit.insight.Diagnosis` with verdict, evidence and suggestions.

        Example:
            >>> print(history.diagnose())
        """
        from deepfit.insight.diagnosis import diagnose

        return diagnose(self)

    def to_json(self, path: str | None = None) -> str:
        """The run as JSON (curves, epochs, baseline, summary, hyper-parameters); written to
        `path` too when given. NaN and infinities are kept (as strings).

        Example:
            >>> history.to_json("run.json")
        """
        from deepfit.insight.history_json import history_to_json

        return history_to_json(self, path)

    @classmethod
    def from_json(cls, source: Any) -> History:
        """A History from `to_json`'s text, or from the path of a file holding it.

        Example:
            >>> History.from_json("run.json").diagnose().verdict
            'ok'
        """
        from deepfit.insight.history_json import history_from_json

        return history_from_json(source, cls)

    def save_report(self, path: str, model: Any = None, data: Any = None,
                    class_names: list[str] | None = None) -> Any:
        """Write one self-contained HTML page: curves, diagnosis, model summary and
        hyper-parameters — and, given a classifier and `data=(x, y)`, its confusion matrix,
        per-class precision/recall/F1 and highest-loss samples.

        Returns:
            The path written (a `pathlib.Path`).

        Example:
            >>> history.save_report("report.html", model=model, data=(x_test, y_test))
        """
        from deepfit.insight.report import save_report

        return save_report(self, path, model=model, data=data, class_names=class_names)
