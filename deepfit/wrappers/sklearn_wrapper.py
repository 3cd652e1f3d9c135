"""The scikit-learn estimators: a compiled deepfit model (or a function building one from the
training data) behind scikit-learn's `fit` / `predict` / `transform` / `score` protocol.

As in Keras: a model instance is cloned (weights re-initialized, compile settings kept) before
each fit unless `warm_start=True`; a builder is called as `model(X=X, y=y, **model_kwargs)`;
the classifier one-hot encodes its targets (binary or multiclass labels of any type) and maps
the model's outputs back to labels; `fit_kwargs` and `fit(**kwargs)` go to `Model.fit`.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np

try:
    import sklearn
    from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, TransformerMixin
except ImportError as missing:  # an optional dependency: say which package to install
    raise ImportError("deepfit.wrappers needs scikit-learn, which is not installed: "
                      "pip install scikit-learn") from missing


def _validate(estimator: Any, *args: Any, **kwargs: Any) -> Any:
    """scikit-learn's input validation (`validate_data` from 1.6, the method before)."""
    try:
        from sklearn.utils.validation import validate_data
    except ImportError:
        return estimator._validate_data(*args, **kwargs)
    return validate_data(estimator, *args, **kwargs)


def _target_type(y: Any) -> str:
    from sklearn.utils.multiclass import type_of_target

    kind = type_of_target(y)
    if kind == "unknown":
        raise ValueError(f"Unknown label type for data: {y!r}")
    return kind


def _require_compiled(model: Any) -> None:
    if not getattr(model, "compiled", False) or not model.loss or model.optimizer is None:
        raise RuntimeError("Given model needs to be compiled, and have a loss and an "
                           "optimizer.")


class _AsColumns(TransformerMixin, BaseEstimator):
    """1-D targets as one column and back (for encoders that want 2-D input)."""

    def fit(self, y: np.ndarray) -> _AsColumns:
        self.ndim_ = np.ndim(y)
        return self

    def transform(self, y: np.ndarray) -> np.ndarray:
        return y.reshape(-1, 1) if y.ndim == 1 else y

    def inverse_transform(self, y: np.ndarray) -> np.ndarray:
        return np.squeeze(y, axis=1) if self.ndim_ == 1 and y.ndim == 2 else y


class _Wrapper(BaseEstimator):
    """What the three estimators share: building or cloning the model, fitting, predicting."""

    def __init__(self, model: Any, warm_start: bool = False,
                 model_kwargs: dict[str, Any] | None = None,
                 fit_kwargs: dict[str, Any] | None = None) -> None:
        self.model = model
        self.warm_start = warm_start
        self.model_kwargs = model_kwargs
        self.fit_kwargs = fit_kwargs

    def __sklearn_clone__(self) -> _Wrapper:
        # A model or builder is shared (fit clones a model anyway); `fit_kwargs` is kept, which
        # Keras's clone drops (docs/differences.md)
        model = self.model if callable(self.model) else copy.deepcopy(self.model)
        return type(self)(model=model, warm_start=self.warm_start,
                          model_kwargs=self.model_kwargs, fit_kwargs=self.fit_kwargs)

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.non_deterministic = True
        return tags

    @property
    def epoch_(self) -> int:
        """How many epochs the last fit ran (0 before any)."""
        history = getattr(self, "history_", None)
        return len(history.epoch) if history is not None else 0

    def fit(self, X: Any, y: Any, **kwargs: Any) -> _Wrapper:
        """Fit the model (built, cloned, or reused with `warm_start`).

        Args:
            X: array-like of shape (n_samples, n_features).
            y: array-like of shape (n_samples,) or (n_samples, n_outputs).
            **kwargs: passed to `Model.fit`, over `fit_kwargs`.

        Returns:
            self.
        """
        X, y = _validate(self, X, y)
        y = self._encode_targets(y, reset=True)
        model = self._model_for(X, y)
        _require_compiled(model)
        self.history_ = model.fit(X, y, **{**(self.fit_kwargs or {}), **kwargs})
        self.model_ = model
        return self

    def predict(self, X: Any) -> np.ndarray:
        """The model's predictions, as targets (labels for the classifier)."""
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(self)
        X = _validate(self, X, reset=False)
        return self._decode_targets(self.model_.predict(X))

    def _model_for(self, X: np.ndarray, y: np.ndarray) -> Any:
        from deepfit.models import clone_model

        if self.warm_start and hasattr(self, "model_"):
            return self.model_
        if _is_model(self.model):
            return self.model if self.warm_start else clone_model(self.model)
        return self.model(X=X, y=y, **(self.model_kwargs or {}))

    def _encode_targets(self, y: np.ndarray, reset: bool = False) -> np.ndarray:
        _target_type(y)
        if reset:
            self._targets = _AsColumns().fit(y)
        return self._targets.transform(y)

    def _decode_targets(self, y: np.ndarray) -> np.ndarray:
        return self._targets.inverse_transform(y)


def _is_model(value: Any) -> bool:
    from deepfit.models import Model

    return isinstance(value, Model)


class SKLearnClassifier(ClassifierMixin, _Wrapper):
    """A scikit-learn classifier around a compiled deepfit model.

    Labels (binary or multiclass, of any type) are one-hot encoded for the model, and the
    model's outputs mapped back to labels by their largest column.

    Args:
        model: a compiled `Model` (cloned before each fit unless `warm_start`), or a callable
            `model(X=X, y=y, **model_kwargs)` returning one; `y` is the one-hot targets.
        warm_start: keep training the same model across fits.
        model_kwargs: extra arguments for a callable `model`.
        fit_kwargs: arguments for `Model.fit` (`fit(**kwargs)` takes precedence).

    Attributes:
        model_: the fitted model. history_: its fit's History. classes_: the labels.

    Example:
        >>> def build(X, y):
        ...     model = deepfit.Sequential([deepfit.Input((X.shape[1],)),
        ...                                 deepfit.layers.Dense(y.shape[1], "softmax")])
        ...     model.compile("adam", "categorical_crossentropy")
        ...     return model
        >>> SKLearnClassifier(build, fit_kwargs={"epochs": 5}).fit(X, y).score(X, y)
    """

    def decision_function(self, X: Any) -> np.ndarray:
        """The model's raw outputs."""
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(self)
        return self.model_.predict(_validate(self, X, reset=False))

    def _encode_targets(self, y: np.ndarray, reset: bool = False) -> np.ndarray:
        kind = _target_type(y)
        if kind not in ("binary", "multiclass"):
            raise ValueError(f"Only binary and multiclass target types are supported. "
                             f"Target type: {kind}")
        if reset:
            from sklearn.pipeline import make_pipeline
            from sklearn.preprocessing import OneHotEncoder

            self._targets = make_pipeline(_AsColumns(), OneHotEncoder(**_dense_output())).fit(y)
            self.classes_ = np.unique(y)
            if len(self.classes_) == 1:
                raise ValueError("Classifier can't train when only one class is present.")
        return self._targets.transform(y)

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.classifier_tags.poor_score = True
        return tags


def _dense_output() -> dict[str, bool]:
    # scikit-learn renamed OneHotEncoder's `sparse` to `sparse_output` in 1.2
    from sklearn.preprocessing import OneHotEncoder

    name = "sparse_output" if "sparse_output" in OneHotEncoder().get_params() else "sparse"
    return {name: False}


class SKLearnRegressor(RegressorMixin, _Wrapper):
    """A scikit-learn regressor around a compiled deepfit model (targets passed as they are;
    1-D targets go in as one column and come back 1-D).

    Args:
        model, warm_start, model_kwargs, fit_kwargs: as for `SKLearnClassifier`.

    Example:
        >>> SKLearnRegressor(build, fit_kwargs={"epochs": 5}).fit(X, y).predict(X)
    """

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.regressor_tags.poor_score = True
        return tags


class SKLearnTransformer(TransformerMixin, _Wrapper):
    """A scikit-learn transformer whose `transform(X)` is the model's `predict(X)` (an
    embedding model as a pipeline step, say).

    Args:
        model, warm_start, model_kwargs, fit_kwargs: as for `SKLearnClassifier`.

    Example:
        >>> SKLearnTransformer(build, fit_kwargs={"epochs": 5}).fit(X, y).transform(X)
    """

    def transform(self, X: Any) -> np.ndarray:
        """The model's outputs for `X`."""
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(self)
        return self.model_.predict(_validate(self, X, reset=False))

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = []
        return tags


__all__ = ["SKLearnClassifier", "SKLearnRegressor", "SKLearnTransformer", "sklearn"]
