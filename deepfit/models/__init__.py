"""Models: Model (subclassing and Functional), Sequential, and loading/cloning.

Imported lazily: `deepfit.layers.layer` is the base of every layer, and layers must be
importable without first importing the model classes that are built from them.
"""

from __future__ import annotations

from typing import Any

__all__ = ["Model", "Sequential", "clone_model", "load_model", "model_from_json", "save_model"]


def __getattr__(name: str) -> Any:
    if name in ("load_model", "save_model", "clone_model", "model_from_json"):
        from deepfit import saving

        return getattr(saving, name)
    if name == "Model":
        from deepfit.models.model import Model

        return Model
    if name == "Sequential":
        from deepfit.models.sequential import Sequential

        return Sequential
    raise AttributeError(f"module 'deepfit.models' has no attribute {name!r}")
