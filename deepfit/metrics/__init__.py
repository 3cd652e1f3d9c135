"""Streaming metrics with Keras 3's names, defaults, sample weighting and results.

A `Metric` accumulates state tensors with `update_state(y_true, y_pred, sample_weight=None)`
and reports with `result()`, a tensor that stays on the device (no host sync). State tensors
are created on the device of the first batch, or wherever `to(device)` puts them.

Example:
    >>> import torch
    >>> from deepfit import metrics
    >>> m = metrics.get("acc", torch.zeros(4), torch.zeros(4, 3))
    >>> m.update_state(torch.tensor([0, 1, 2, 0]), torch.eye(3)[[0, 1, 1, 0]])
    >>> m.name, m.result()
    ('acc', tensor(0.7500))
"""

from __future__ import annotations

from deepfit.metrics.accuracy_functions import (
    _compare_dtype as _compare_dtype,
)
from deepfit.metrics.accuracy_functions import (
    _in_top_k as _in_top_k,
)
from deepfit.metrics.accuracy_functions import (
    _labels as _labels,
)
from deepfit.metrics.accuracy_functions import (
    _top_k_matches as _top_k_matches,
)
from deepfit.metrics.accuracy_functions import (
    accuracy as accuracy,
)
from deepfit.metrics.accuracy_functions import (
    binary_accuracy as binary_accuracy,
)
from deepfit.metrics.accuracy_functions import (
    categorical_accuracy as categorical_accuracy,
)
from deepfit.metrics.accuracy_functions import (
    sparse_categorical_accuracy as sparse_categorical_accuracy,
)
from deepfit.metrics.accuracy_functions import (
    sparse_top_k_categorical_accuracy as sparse_top_k_categorical_accuracy,
)
from deepfit.metrics.accuracy_functions import (
    top_k_categorical_accuracy as top_k_categorical_accuracy,
)
from deepfit.metrics.accuracy_metrics import (
    Accuracy as Accuracy,
)
from deepfit.metrics.accuracy_metrics import (
    BinaryAccuracy as BinaryAccuracy,
)
from deepfit.metrics.accuracy_metrics import (
    CategoricalAccuracy as CategoricalAccuracy,
)
from deepfit.metrics.accuracy_metrics import (
    SparseCategoricalAccuracy as SparseCategoricalAccuracy,
)
from deepfit.metrics.accuracy_metrics import (
    SparseTopKCategoricalAccuracy as SparseTopKCategoricalAccuracy,
)
from deepfit.metrics.accuracy_metrics import (
    TopKCategoricalAccuracy as TopKCategoricalAccuracy,
)
from deepfit.metrics.base import (
    Mean as Mean,
)
from deepfit.metrics.base import (
    MeanMetricWrapper as MeanMetricWrapper,
)
from deepfit.metrics.base import (
    Metric as Metric,
)
from deepfit.metrics.base import (
    Sum as Sum,
)
from deepfit.metrics.base import (
    _FnMetric as _FnMetric,
)
from deepfit.metrics.base import (
    _samplewise as _samplewise,
)
from deepfit.metrics.confusion_metrics import (
    _CURVES as _CURVES,
)
from deepfit.metrics.confusion_metrics import (
    _SUMMATIONS as _SUMMATIONS,
)
from deepfit.metrics.confusion_metrics import (
    AUC as AUC,
)
from deepfit.metrics.confusion_metrics import (
    FalseNegatives as FalseNegatives,
)
from deepfit.metrics.confusion_metrics import (
    FalsePositives as FalsePositives,
)
from deepfit.metrics.confusion_metrics import (
    Precision as Precision,
)
from deepfit.metrics.confusion_metrics import (
    Recall as Recall,
)
from deepfit.metrics.confusion_metrics import (
    TrueNegatives as TrueNegatives,
)
from deepfit.metrics.confusion_metrics import (
    TruePositives as TruePositives,
)
from deepfit.metrics.confusion_metrics import (
    _check_choice as _check_choice,
)
from deepfit.metrics.confusion_metrics import (
    _combined_weights as _combined_weights,
)
from deepfit.metrics.confusion_metrics import (
    _ConfusionCount as _ConfusionCount,
)
from deepfit.metrics.confusion_metrics import (
    _counts_by_bucket as _counts_by_bucket,
)
from deepfit.metrics.confusion_metrics import (
    _counts_by_threshold as _counts_by_threshold,
)
from deepfit.metrics.confusion_metrics import (
    _curve_points as _curve_points,
)
from deepfit.metrics.confusion_metrics import (
    _evenly_spaced as _evenly_spaced,
)
from deepfit.metrics.confusion_metrics import (
    _filter_top_k as _filter_top_k,
)
from deepfit.metrics.confusion_metrics import (
    _interpolated_pr_terms as _interpolated_pr_terms,
)
from deepfit.metrics.confusion_metrics import (
    _parse_thresholds as _parse_thresholds,
)
from deepfit.metrics.confusion_metrics import (
    _PrecisionRecall as _PrecisionRecall,
)
from deepfit.metrics.confusion_metrics import (
    _ThresholdMetric as _ThresholdMetric,
)
from deepfit.metrics.confusion_metrics import (
    confusion_counts as confusion_counts,
)
from deepfit.metrics.constrained_metrics import (
    PrecisionAtRecall,
    RecallAtPrecision,
    SensitivityAtSpecificity,
    SpecificityAtSensitivity,
)
from deepfit.metrics.correlation_metrics import (
    ConcordanceCorrelation,
    PearsonCorrelation,
    concordance_correlation,
    pearson_correlation,
)
from deepfit.metrics.f_score_metrics import F1Score, FBetaScore
from deepfit.metrics.iou_metrics import BinaryIoU, IoU, MeanIoU, OneHotIoU, OneHotMeanIoU
from deepfit.metrics.lookup import (
    AutoAccuracy as AutoAccuracy,
)
from deepfit.metrics.lookup import (
    AutoCrossentropy as AutoCrossentropy,
)
from deepfit.metrics.lookup import (
    _as_shaped as _as_shaped,
)
from deepfit.metrics.lookup import (
    _lookup_registry as _lookup_registry,
)
from deepfit.metrics.lookup import (
    _ShapeResolved as _ShapeResolved,
)
from deepfit.metrics.lookup import (
    deserialize as deserialize,
)
from deepfit.metrics.lookup import (
    get as get,
)
from deepfit.metrics.lookup import (
    resolve_accuracy as resolve_accuracy,
)
from deepfit.metrics.lookup import (
    resolve_crossentropy as resolve_crossentropy,
)
from deepfit.metrics.lookup import (
    serialize as serialize,
)
from deepfit.metrics.probabilistic_metrics import (
    BinaryCrossentropy as BinaryCrossentropy,
)
from deepfit.metrics.probabilistic_metrics import (
    CategoricalCrossentropy as CategoricalCrossentropy,
)
from deepfit.metrics.probabilistic_metrics import (
    SparseCategoricalCrossentropy as SparseCategoricalCrossentropy,
)
from deepfit.metrics.regression_metrics import (
    CategoricalHinge as CategoricalHinge,
)
from deepfit.metrics.regression_metrics import (
    CosineSimilarity as CosineSimilarity,
)
from deepfit.metrics.regression_metrics import (
    Hinge as Hinge,
)
from deepfit.metrics.regression_metrics import (
    KLDivergence as KLDivergence,
)
from deepfit.metrics.regression_metrics import (
    LogCoshError as LogCoshError,
)
from deepfit.metrics.regression_metrics import (
    MeanAbsoluteError as MeanAbsoluteError,
)
from deepfit.metrics.regression_metrics import (
    MeanAbsolutePercentageError as MeanAbsolutePercentageError,
)
from deepfit.metrics.regression_metrics import (
    MeanSquaredError as MeanSquaredError,
)
from deepfit.metrics.regression_metrics import (
    MeanSquaredLogarithmicError as MeanSquaredLogarithmicError,
)
from deepfit.metrics.regression_metrics import (
    Poisson as Poisson,
)
from deepfit.metrics.regression_metrics import R2Score
from deepfit.metrics.regression_metrics import (
    RootMeanSquaredError as RootMeanSquaredError,
)
from deepfit.metrics.regression_metrics import (
    SquaredHinge as SquaredHinge,
)
from deepfit.metrics.regression_metrics import (
    _cosine as _cosine,
)
from deepfit.metrics.utils import (
    _CLASSES as _CLASSES,
)
from deepfit.metrics.utils import (
    _FUNCTIONS as _FUNCTIONS,
)
from deepfit.metrics.utils import (
    NEG_INF as NEG_INF,
)
from deepfit.metrics.utils import (
    _find_function as _find_function,
)
from deepfit.metrics.utils import (
    _register_class as _register_class,
)

__all__ = [
    "F1Score", "FBetaScore", "R2Score", "IoU", "BinaryIoU", "MeanIoU", "OneHotIoU",
    "OneHotMeanIoU", "PrecisionAtRecall", "RecallAtPrecision", "SensitivityAtSpecificity",
    "SpecificityAtSensitivity", "PearsonCorrelation", "ConcordanceCorrelation",
    "pearson_correlation", "concordance_correlation",
    "Metric", "Mean", "Sum", "MeanMetricWrapper", "Accuracy", "BinaryAccuracy",
    "CategoricalAccuracy", "SparseCategoricalAccuracy", "TopKCategoricalAccuracy",
    "SparseTopKCategoricalAccuracy", "MeanSquaredError", "MeanAbsoluteError",
    "MeanAbsolutePercentageError", "MeanSquaredLogarithmicError", "RootMeanSquaredError",
    "CosineSimilarity", "LogCoshError", "BinaryCrossentropy", "CategoricalCrossentropy",
    "SparseCategoricalCrossentropy", "KLDivergence", "Poisson", "Hinge", "SquaredHinge",
    "CategoricalHinge", "TruePositives", "FalsePositives", "TrueNegatives", "FalseNegatives",
    "Precision", "Recall", "AUC", "AutoAccuracy", "AutoCrossentropy", "accuracy",
    "binary_accuracy", "categorical_accuracy", "sparse_categorical_accuracy",
    "top_k_categorical_accuracy", "sparse_top_k_categorical_accuracy", "get", "serialize",
    "deserialize", "resolve_accuracy", "resolve_crossentropy",
]
