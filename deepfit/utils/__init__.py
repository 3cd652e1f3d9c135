"""Utilities with Keras's names."""

from deepfit.insight.plots import plot_history
from deepfit.utils.file_utils import get_file
from deepfit.utils.image_dataset import image_dataset_from_directory
from deepfit.utils.model_visualization import model_to_dot, plot_model
from deepfit.utils.numerical import normalize, to_categorical
from deepfit.utils.random import set_random_seed
from deepfit.utils.sequences import pad_sequences
from deepfit.utils.text_dataset import text_dataset_from_directory
from deepfit.utils.timeseries_dataset import timeseries_dataset_from_array

__all__ = [
    "get_file", "image_dataset_from_directory", "model_to_dot", "normalize", "pad_sequences",
    "plot_history", "plot_model",
    "set_random_seed", "text_dataset_from_directory", "timeseries_dataset_from_array",
    "to_categorical",
]
