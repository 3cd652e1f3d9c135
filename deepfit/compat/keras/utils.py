"""`keras.utils`: `get_file`, `to_categorical`, `image_dataset_from_directory`,
`set_random_seed` and the other utilities deepfit has, plus Keras's image helpers.

`keras.utils.np_utils` (Keras 2) is this namespace too.

Example:
    >>> from deepfit.compat.keras import utils
    >>> import deepfit
    >>> utils.to_categorical is deepfit.utils.to_categorical
    True
"""

from __future__ import annotations

from deepfit.compat import namespace as _namespace

_namespace.install(globals(), _namespace.Lookup(
    "keras.utils",
    sources=["deepfit.utils"],
    modules={"np_utils": __name__},
    extras={
        "load_img": "deepfit.compat.images:load_img",
        "img_to_array": "deepfit.compat.images:img_to_array",
        "array_to_img": "deepfit.compat.images:array_to_img",
        "save_img": "deepfit.compat.images:save_img",
        "Progbar": "deepfit.trainer.progress:Progbar",
        "PyDataset": "deepfit.compat.pydataset:PyDataset",
        "Sequence": "deepfit.compat.pydataset:PyDataset",
        "clear_session": "deepfit.compat.keras.backend:clear_session",
    },
))
