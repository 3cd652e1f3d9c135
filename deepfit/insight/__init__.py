"""See and understand training: curves, a diagnosis of the run, pre-flight checks when fit
starts, one training step explained, and a self-contained HTML report.

Example:
    >>> history = model.fit(x, y, epochs=20, validation_split=0.2)
    >>> print(history.diagnose())
    >>> history.plot("curves.png")
    >>> history.save_report("report.html")
    >>> model.explain_step(x[:32], y[:32], apply=False)
"""

from deepfit.insight.batch_size import BatchSizeResult, find_batch_size
from deepfit.insight.classification import ClassificationReport, classification_report
from deepfit.insight.diagnosis import VERDICTS, Diagnosis, diagnose
from deepfit.insight.explain import StepExplanation, explain_step
from deepfit.insight.lr_finder import LearningRateFinderResult, find_learning_rate
from deepfit.insight.plots import plot_history
from deepfit.insight.report import render_html, save_report
from deepfit.insight.warnings import TrainingWarning
from deepfit.trainer.nan_guard import NonFiniteLossError, NonFiniteReport

__all__ = [
    "VERDICTS", "BatchSizeResult", "ClassificationReport", "Diagnosis",
    "LearningRateFinderResult", "NonFiniteLossError", "NonFiniteReport", "StepExplanation",
    "TrainingWarning", "classification_report", "diagnose", "explain_step", "find_batch_size",
    "find_learning_rate", "plot_history", "render_html", "save_report",
]
