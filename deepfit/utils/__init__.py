"""Utilities with Keras's names (`keras.utils`): data loading, sequences, registration, image
helpers, progress bars and logging switches.

Example:
    >>> import deepfit as keras
    >>> keras.utils.to_categorical([0, 2], 3).shape
    (2, 3)
"""

from typing import Any

from deepfit import object_registration as _registration
from deepfit.backend.keras_functions import is_keras_tensor
from deepfit.insight.plots import plot_history
from deepfit.saving import keras_objects as _objects
from deepfit.utils.audio_dataset import audio_dataset_from_directory
from deepfit.utils.batch_structure import pack_x_y_sample_weight, unpack_x_y_sample_weight
from deepfit.utils.config import Config
from deepfit.utils.feature_space import FeatureSpace
from deepfit.utils.file_utils import get_file
from deepfit.utils.graph_inputs import get_source_inputs
from deepfit.utils.image_dataset import image_dataset_from_directory
from deepfit.utils.model_visualization import model_to_dot, plot_model
from deepfit.utils.numerical import normalize, to_categorical
from deepfit.utils.random import set_random_seed
from deepfit.utils.sequences import pad_sequences
from deepfit.utils.split_dataset import split_dataset
from deepfit.utils.text_dataset import text_dataset_from_directory
from deepfit.utils.timeseries_dataset import timeseries_dataset_from_array

# Looked up on first use: they live in packages that import deepfit.utils themselves.
_LAZY = {
    "Progbar": "deepfit.trainer.progress:Progbar",
    "PyDataset": "deepfit.compat.pydataset:PyDataset",
    "Sequence": "deepfit.compat.pydataset:PyDataset",
    "load_img": "deepfit.compat.images:load_img",
    "img_to_array": "deepfit.compat.images:img_to_array",
    "array_to_img": "deepfit.compat.images:array_to_img",
    "save_img": "deepfit.compat.images:save_img",
    "clear_session": "deepfit.compat.keras.backend:clear_session",
    "standardize_dtype": "deepfit.ops.dtypes:standardize_dtype",
    "enable_interactive_logging": "deepfit.io_utils:enable_interactive_logging",
    "disable_interactive_logging": "deepfit.io_utils:disable_interactive_logging",
    "is_interactive_logging_enabled": "deepfit.io_utils:is_interactive_logging_enabled",
}

__all__ = [
    "audio_dataset_from_directory",
    "FeatureSpace", "CustomObjectScope", "custom_object_scope", "deserialize_keras_object",
    "get_custom_objects",
    "get_registered_name", "get_registered_object", "register_keras_serializable",
    "serialize_keras_object", "is_keras_tensor", "pack_x_y_sample_weight",
    "unpack_x_y_sample_weight", "get_file", "image_dataset_from_directory", "model_to_dot",
    "normalize", "pad_sequences", "split_dataset",
    "plot_history", "plot_model",
    "set_random_seed", "text_dataset_from_directory", "timeseries_dataset_from_array",
    "to_categorical", "Config", "get_source_inputs", *sorted(_LAZY),
]

# Keras's registration names (keras.utils.* and keras.saving.* are the same objects)
CustomObjectScope = _registration.CustomObjectScope
custom_object_scope = _registration.custom_object_scope
get_custom_objects = _registration.get_custom_objects
get_registered_name = _registration.get_registered_name
get_registered_object = _registration.get_registered_object
register_keras_serializable = _registration.register_keras_serializable
serialize_keras_object = _objects.serialize_keras_object
deserialize_keras_object = _objects.deserialize_keras_object


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'deepfit.utils' has no attribute {name!r}")
    import importlib

    module, attribute = _LAZY[name].split(":")
    value = getattr(importlib.import_module(module), attribute)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
