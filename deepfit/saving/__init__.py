"""Saving and loading in Keras 3's formats: `.keras` archives and `.weights.h5` files.

Files deepfit writes open in Keras 3 and the other way round; every write is atomic; loading
never runs code from a file. h5py is a dependency of deepfit.

Example:
    >>> model.save("model.keras")
    >>> model = deepfit.models.load_model("model.keras")
    >>> model.save_weights("model.weights.h5")
    >>> model.load_weights("model.weights.h5")
"""

from deepfit.object_registration import (
    CustomObjectScope,
    custom_object_scope,
    get_custom_objects,
    get_registered_name,
    get_registered_object,
    register_keras_serializable,
)
from deepfit.saving.archive import load_model, load_weights, save_model, save_weights
from deepfit.saving.atomic import atomic_write, atomic_write_bytes
from deepfit.saving.cloning import clone_model
from deepfit.saving.errors import FileFormatError
from deepfit.saving.keras_objects import deserialize_keras_object, serialize_keras_object
from deepfit.saving.model_config import deserialize_model, model_from_json, serialize_model
from deepfit.saving.serialization import deserialize_layer, serialize_layer

__all__ = [
    "CustomObjectScope", "custom_object_scope", "deserialize_keras_object", "get_custom_objects",
    "get_registered_name", "get_registered_object", "register_keras_serializable",
    "serialize_keras_object",
    "FileFormatError", "atomic_write", "atomic_write_bytes", "clone_model", "deserialize_layer",
    "deserialize_model", "load_model", "model_from_json", "load_weights", "save_model",
    "save_weights",
    "serialize_layer", "serialize_model",
]
