"""Utilities with Keras's names."""

from deepfit.insight.plots import plot_history
from deepfit.utils.file_utils import get_file
from deepfit.utils.image_dataset import image_dataset_from_directory
from deepfit.utils.numerical import normalize, to_categorical
from deepfit.utils.random import set_random_seed

__all__ = [
    "get_file", "image_dataset_from_directory", "normalize", "plot_history", "set_random_seed",
    "to_categorical",
]
