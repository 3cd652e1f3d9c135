"""`keras.preprocessing.image`: `load_img`, `img_to_array`, `array_to_img`, `save_img`.

`ImageDataGenerator` is not provided: use `image_dataset_from_directory` with the augmentation
layers (the error says so).

Example:
    >>> from deepfit.compat.keras.preprocessing import image
    >>> image.img_to_array([[0, 255]]).shape
    (1, 2, 1)
"""

from __future__ import annotations

from deepfit.compat import namespace as _namespace
from deepfit.compat.images import array_to_img, img_to_array, load_img, save_img

__all__ = ["array_to_img", "img_to_array", "load_img", "save_img"]

_namespace.install(globals(), _namespace.Lookup(
    "keras.preprocessing.image", sources=["deepfit.utils"],
    accept=lambda name, obj: name in ("smart_resize",),
))
