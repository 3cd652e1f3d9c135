"""`keras.preprocessing`: `image_dataset_from_directory` (and, where deepfit has them, the text
and time-series dataset builders), with the `image` helpers below it.

Example:
    >>> from deepfit.compat.keras import preprocessing
    >>> import deepfit
    >>> preprocessing.image_dataset_from_directory is deepfit.utils.image_dataset_from_directory
    True
"""

from __future__ import annotations

from typing import Any

from deepfit.compat import namespace as _namespace
from deepfit.compat.keras.preprocessing import image

__all__ = ["image", "image_dataset_from_directory", "sequence", "text"]

_NAMES = frozenset({"image_dataset_from_directory", "text_dataset_from_directory",
                    "timeseries_dataset_from_array", "pad_sequences"})


def _is_preprocessing_api(name: str, obj: Any) -> bool:
    return name in _NAMES


sequence = _namespace.make("keras.preprocessing.sequence", sources=["deepfit.utils"],
                           accept=_is_preprocessing_api)
text = _namespace.make("keras.preprocessing.text")

_namespace.install(globals(), _namespace.Lookup(
    "keras.preprocessing", sources=["deepfit.utils"], accept=_is_preprocessing_api,
))
