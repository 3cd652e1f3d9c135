"""Loss functions and `Loss` classes with Keras 3's names, defaults, shapes and reductions.

Every function maps `(y_true, y_pred)` to per-sample values (the mean over the last axis, as
Keras does); every `Loss` class reduces those values to a scalar exactly as Keras reduces them.

The crossentropy losses follow Keras's clip-and-log path for probabilities, except when `y_pred`
carries a `_keras_logits` attribute (set by the softmax/sigmoid activation on its output): then
they compute from those logits with `log_softmax` / `binary_cross_entropy_with_logits`, which
equals Keras away from saturation and stays finite, with correct gradients, at saturation.

Example:
    >>> import torch
    >>> from deepfit import losses
    >>> losses.MeanSquaredError()(torch.tensor([[0.0, 1.0]]), torch.tensor([[1.0, 1.0]]))
    <tf.Tensor: shape=(), dtype=float32, numpy=0.5>
"""

from __future__ import annotations

from deepfit.losses.auto import (
    AutoCrossentropy as AutoCrossentropy,
)
from deepfit.losses.auto import (
    _shape_of as _shape_of,
)
from deepfit.losses.auto import (
    is_binary_or_sparse_categorical as is_binary_or_sparse_categorical,
)
from deepfit.losses.auto import (
    resolve_crossentropy as resolve_crossentropy,
)
from deepfit.losses.circle import Circle, circle
from deepfit.losses.classes import (
    BinaryCrossentropy as BinaryCrossentropy,
)
from deepfit.losses.classes import (
    CategoricalCrossentropy as CategoricalCrossentropy,
)
from deepfit.losses.classes import (
    CategoricalHinge as CategoricalHinge,
)
from deepfit.losses.classes import (
    CosineSimilarity as CosineSimilarity,
)
from deepfit.losses.classes import (
    Hinge as Hinge,
)
from deepfit.losses.classes import (
    Huber as Huber,
)
from deepfit.losses.classes import (
    KLDivergence as KLDivergence,
)
from deepfit.losses.classes import (
    LogCosh as LogCosh,
)
from deepfit.losses.classes import (
    MeanAbsoluteError as MeanAbsoluteError,
)
from deepfit.losses.classes import (
    MeanAbsolutePercentageError as MeanAbsolutePercentageError,
)
from deepfit.losses.classes import (
    MeanSquaredError as MeanSquaredError,
)
from deepfit.losses.classes import (
    MeanSquaredLogarithmicError as MeanSquaredLogarithmicError,
)
from deepfit.losses.classes import (
    Poisson as Poisson,
)
from deepfit.losses.classes import (
    SparseCategoricalCrossentropy as SparseCategoricalCrossentropy,
)
from deepfit.losses.classes import (
    SquaredHinge as SquaredHinge,
)
from deepfit.losses.ctc import CTC, ctc
from deepfit.losses.focal import (
    BinaryFocalCrossentropy,
    CategoricalFocalCrossentropy,
    binary_focal_crossentropy,
    categorical_focal_crossentropy,
)
from deepfit.losses.functions import (
    _check_axis as _check_axis,
)
from deepfit.losses.functions import (
    _check_same_shape as _check_same_shape,
)
from deepfit.losses.functions import (
    _clipped_log as _clipped_log,
)
from deepfit.losses.functions import (
    _hinge_labels as _hinge_labels,
)
from deepfit.losses.functions import (
    _l2_normalize as _l2_normalize,
)
from deepfit.losses.functions import (
    _sparse_ce_and_mask as _sparse_ce_and_mask,
)
from deepfit.losses.functions import (
    binary_crossentropy as binary_crossentropy,
)
from deepfit.losses.functions import (
    categorical_crossentropy as categorical_crossentropy,
)
from deepfit.losses.functions import (
    categorical_hinge as categorical_hinge,
)
from deepfit.losses.functions import (
    cosine_similarity as cosine_similarity,
)
from deepfit.losses.functions import (
    hinge as hinge,
)
from deepfit.losses.functions import (
    huber as huber,
)
from deepfit.losses.functions import (
    kl_divergence as kl_divergence,
)
from deepfit.losses.functions import (
    log_cosh as log_cosh,
)
from deepfit.losses.functions import (
    mean_absolute_error as mean_absolute_error,
)
from deepfit.losses.functions import (
    mean_absolute_percentage_error as mean_absolute_percentage_error,
)
from deepfit.losses.functions import (
    mean_squared_error as mean_squared_error,
)
from deepfit.losses.functions import (
    mean_squared_logarithmic_error as mean_squared_logarithmic_error,
)
from deepfit.losses.functions import (
    poisson as poisson,
)
from deepfit.losses.functions import (
    sparse_categorical_crossentropy as sparse_categorical_crossentropy,
)
from deepfit.losses.functions import (
    squared_hinge as squared_hinge,
)
from deepfit.losses.lookup import (
    deserialize as deserialize,
)
from deepfit.losses.lookup import (
    get as get,
)
from deepfit.losses.lookup import (
    serialize as serialize,
)
from deepfit.losses.loss import (
    Loss as Loss,
)
from deepfit.losses.loss import (
    LossFunctionWrapper as LossFunctionWrapper,
)
from deepfit.losses.loss import (
    _OptionsLoss as _OptionsLoss,
)
from deepfit.losses.overlap import Dice, Tversky, dice, tversky
from deepfit.losses.robust import (
    CategoricalGeneralizedCrossEntropy,
    categorical_generalized_cross_entropy,
)
from deepfit.losses.utils import (
    _CLASSES as _CLASSES,
)
from deepfit.losses.utils import (
    _FUNCTIONS as _FUNCTIONS,
)
from deepfit.losses.utils import (
    LOGITS_ATTR as LOGITS_ATTR,
)
from deepfit.losses.utils import (
    REDUCTIONS as REDUCTIONS,
)
from deepfit.losses.utils import (
    _align as _align,
)
from deepfit.losses.utils import (
    _divide_no_nan as _divide_no_nan,
)
from deepfit.losses.utils import (
    _find_function as _find_function,
)
from deepfit.losses.utils import (
    _float_tensor as _float_tensor,
)
from deepfit.losses.utils import (
    _function_name as _function_name,
)
from deepfit.losses.utils import (
    _labels_like as _labels_like,
)
from deepfit.losses.utils import (
    _logits as _logits,
)
from deepfit.losses.utils import (
    _map_pred as _map_pred,
)
from deepfit.losses.utils import (
    _merge_mask as _merge_mask,
)
from deepfit.losses.utils import (
    _resolve_dtype as _resolve_dtype,
)
from deepfit.losses.utils import (
    _snake_case as _snake_case,
)
from deepfit.losses.utils import (
    _standardize_reduction as _standardize_reduction,
)
from deepfit.losses.utils import (
    reduce_weighted_values as reduce_weighted_values,
)
from deepfit.losses.utils import (
    squeeze_or_expand_to_same_rank as squeeze_or_expand_to_same_rank,
)

__all__ = [
    "BinaryFocalCrossentropy", "CategoricalFocalCrossentropy", "binary_focal_crossentropy",
    "categorical_focal_crossentropy", "CTC", "ctc", "Circle", "circle", "Dice", "dice",
    "Tversky", "tversky", "CategoricalGeneralizedCrossEntropy",
    "categorical_generalized_cross_entropy",
    "Loss", "LossFunctionWrapper", "BinaryCrossentropy", "CategoricalCrossentropy",
    "SparseCategoricalCrossentropy", "MeanSquaredError", "MeanAbsoluteError",
    "MeanAbsolutePercentageError", "MeanSquaredLogarithmicError", "Huber", "Hinge",
    "SquaredHinge", "CategoricalHinge", "KLDivergence", "Poisson", "CosineSimilarity", "LogCosh",
    "binary_crossentropy", "categorical_crossentropy", "sparse_categorical_crossentropy",
    "mean_squared_error", "mean_absolute_error", "mean_absolute_percentage_error",
    "mean_squared_logarithmic_error", "huber", "hinge", "squared_hinge", "categorical_hinge",
    "kl_divergence", "poisson", "cosine_similarity", "log_cosh", "get", "serialize",
    "deserialize", "reduce_weighted_values", "squeeze_or_expand_to_same_rank",
    "is_binary_or_sparse_categorical", "resolve_crossentropy",
]
