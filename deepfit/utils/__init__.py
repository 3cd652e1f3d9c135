"""Utilities with Keras's names."""

from deepfit.utils.numerical import normalize, to_categorical
from deepfit.utils.random import set_random_seed

__all__ = ["normalize", "set_random_seed", "to_categorical"]
