"""scikit-learn estimators around deepfit models (Keras's `keras.wrappers`).

`SKLearnClassifier`, `SKLearnRegressor` and `SKLearnTransformer` let a compiled model take part
in scikit-learn pipelines, grid searches and cross-validation. scikit-learn is optional: it is
imported on first use, with an error naming the package when it is missing.

Example:
    >>> from deepfit.wrappers import SKLearnClassifier
    >>> estimator = SKLearnClassifier(model=build, fit_kwargs={"epochs": 5, "verbose": 0})
    >>> estimator.fit(X, y).predict(X)
"""

from __future__ import annotations

from typing import Any

__all__ = ["SKLearnClassifier", "SKLearnRegressor", "SKLearnTransformer"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from deepfit.wrappers import sklearn_wrapper

        return getattr(sklearn_wrapper, name)
    raise AttributeError(f"module 'deepfit.wrappers' has no attribute {name!r}")
