"""The `.keras` archive and `.weights.h5` files: save and load whole models or their weights.

A `.keras` file is a zip of `metadata.json`, `config.json` (the model and its compile config in
Keras's serialization layout) and `model.weights.h5` (Keras's HDF5 layout, optimizer included),
so deepfit and Keras 3 read each other's files. Every write is atomic (see `atomic.py`); every
read failure names the file and what is wrong with it.

Example:
    >>> save_model(model, "model.keras")
    >>> restored = load_model("model.keras")
"""

from __future__ import annotations

import datetime
import io
import json
import os
import stat
import zipfile
import zlib
from typing import Any

from deepfit import config as deepfit_config
from deepfit.saving import legacy_h5, weights_file
from deepfit.saving.atomic import atomic_write
from deepfit.saving.errors import FileFormatError, require_h5py
from deepfit.saving.transaction import all_or_nothing

CONFIG_NAME = "config.json"
METADATA_NAME = "metadata.json"
WEIGHTS_NAME = "model.weights.h5"
#: The Keras version whose `.keras` layout deepfit writes (Keras 3 reads it).
KERAS_FORMAT_VERSION = "3.5.0"

_HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
_ZIP_SIGNATURE = b"PK"
#: The most bytes a config or metadata member may expand to.
_MAX_JSON_BYTES = 64 << 20


# ----------------------------------------------------------------------------- saving
def save_model(model: Any, filepath: str | os.PathLike, overwrite: bool = True,
               include_optimizer: bool = True) -> None:
    """Save the architecture, weights, optimizer state and compile config to a `.keras` file
    (or, for a path ending in `.h5`/`.hdf5`, to Keras's legacy HDF5 model file).

    Args:
        model: a deepfit model (Sequential, Functional, or a subclass with `get_config`).
        filepath: the destination; must end in `.keras`, `.h5` or `.hdf5`.
        overwrite: replace an existing file (else raise `FileExistsError`).
        include_optimizer: (legacy `.h5` only) also store the optimizer's variables.

    Raises:
        ValueError: a wrong extension or a model that cannot be described by a config.

    Example:
        >>> save_model(model, "checkpoints/model.keras")
    """
    from deepfit.saving.assets import write_assets
    from deepfit.saving.model_config import serialize_model

    if os.fspath(filepath).endswith((".h5", ".hdf5")):
        from deepfit.saving.legacy_h5 import save_model_h5

        _require_built(model, "save")
        save_model_h5(model, filepath, overwrite, include_optimizer)
        return
    path = _check_destination(filepath, ".keras", "save", overwrite)
    h5py = require_h5py("Saving a model")
    config = json.dumps(serialize_model(model, include_compile=True))
    metadata = json.dumps({
        "keras_version": KERAS_FORMAT_VERSION,
        "deepfit_version": _deepfit_version(),
        "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S"),
    })
    weights = io.BytesIO()
    with h5py.File(weights, "w") as h5:
        weights_file.write_model(model, h5)
    with atomic_write(path) as handle, zipfile.ZipFile(handle, "w") as archive:
        archive.writestr(METADATA_NAME, metadata)
        archive.writestr(CONFIG_NAME, config)
        archive.writestr(WEIGHTS_NAME, weights.getvalue())
        write_assets(model, archive)


def save_weights(model: Any, filepath: str | os.PathLike, overwrite: bool = True) -> None:
    """Save the weights (and optimizer variables) to a `.weights.h5` file in Keras's layout.

    Args:
        model: a built deepfit model.
        filepath: the destination; must end in `.weights.h5`.
        overwrite: replace an existing file (else raise `FileExistsError`).

    Example:
        >>> save_weights(model, "run/model.weights.h5")
    """
    path = _check_destination(filepath, ".weights.h5", "save_weights", overwrite)
    _require_built(model, "save_weights")
    h5py = require_h5py("Saving weights")
    with atomic_write(path) as handle, h5py.File(handle, "w") as h5:
        weights_file.write_model(model, h5)


def _check_destination(filepath: Any, suffix: str, method: str, overwrite: bool) -> str:
    path = os.fspath(filepath)
    if not path.endswith(suffix):
        raise ValueError(f"{method}: the filepath must end in `{suffix}`, received {path!r}")
    if not overwrite and os.path.exists(path):
        raise FileExistsError(f"{method}: {path!r} exists and overwrite=False")
    return path


def _require_built(model: Any, method: str) -> None:
    if not model.built or not model.weights:
        raise ValueError(f"{method}: model '{model.name}' has not been built yet (it has no "
                         "weights); call it on data or give it an input shape first")


def _deepfit_version() -> str:
    from deepfit import __version__

    return __version__


# ----------------------------------------------------------------------------- loading
def load_model(filepath: str | os.PathLike, custom_objects: dict[str, Any] | None = None,
               compile: bool = True, safe_mode: bool | None = None) -> Any:
    """Load a model saved by deepfit's or Keras's `model.save('....keras')`.

    Args:
        filepath: the `.keras` file.
        custom_objects: your own classes and functions the file refers to, by name.
        compile: compile the model as it was saved (optimizer state included).
        safe_mode: refuse Lambda layers, whose function would run arbitrary Python (default:
            True, until `keras.config.enable_unsafe_deserialization()`). Code stored in a file
            (Keras's serialized lambdas) is refused whatever this says.

    Returns:
        The model, with its weights (and optimizer state if compiled).

    Raises:
        FileNotFoundError: no such file.
        FileFormatError: (a ValueError) a truncated, corrupt or wrong kind of file, or one
            describing layers deepfit does not have; the message names the file.

    Example:
        >>> model = load_model("model.keras")
    """
    if safe_mode is None:
        safe_mode = deepfit_config.in_safe_mode()
    from deepfit.saving.assets import read_assets
    from deepfit.saving.model_config import deserialize_model
    from deepfit.saving.serialization import refuse_code

    path = _existing(filepath)
    if _signature(path).startswith(_HDF5_SIGNATURE):
        from deepfit.saving.legacy_h5 import load_model_h5

        return load_model_h5(path, custom_objects, compile=compile, safe_mode=safe_mode)
    with _open_archive(path) as archive:
        config = _read_json(archive, path, CONFIG_NAME)
        if not isinstance(config, dict) or "class_name" not in config:
            raise FileFormatError(path, f"{CONFIG_NAME} does not describe a model (no "
                                        "class_name)")
        try:
            refuse_code(config, CONFIG_NAME)
            model = deserialize_model(config, custom_objects, safe_mode=safe_mode,
                                      compile=compile)
        except (ValueError, TypeError, KeyError) as err:
            raise FileFormatError(path, f"its {CONFIG_NAME} describes a model deepfit cannot "
                                        f"rebuild: {err}") from err
        except RecursionError:
            raise FileFormatError(path, f"its {CONFIG_NAME} is nested too deeply to be a "
                                        "model") from None
        weights = _read_member(archive, path, WEIGHTS_NAME, weights_budget(model))
        read_assets(model, archive)
    with open_hdf5(io.BytesIO(weights), path, f"{WEIGHTS_NAME} inside it") as h5:
        _load_into(model, h5, path, skip_mismatch=False, by_name=True)
    return model


def load_weights(model: Any, filepath: str | os.PathLike, skip_mismatch: bool = False,
                 by_name: bool = False) -> None:
    """Load weights saved by `save_weights` (or the weights of a `.keras` file) into `model`.

    Layers are matched by position and class, as Keras does, so the model must have the saved
    architecture; its layer names may differ.

    Args:
        model: a built model.
        filepath: a `.weights.h5` (or other Keras HDF5 weights) or `.keras` file.
        skip_mismatch: load what matches and warn about layers whose weights do not.
        by_name: (legacy `.h5` files only, as in Keras) match layers by name.

    Raises:
        FileNotFoundError: no such file.
        FileFormatError: a truncated, corrupt or wrong kind of file, or weights that do not fit
            the model (unless `skip_mismatch`).
    """
    path = os.fspath(filepath)
    if by_name and (path.endswith(".weights.h5") or not path.endswith((".h5", ".hdf5"))):
        raise ValueError("load_weights: by_name=True only supports legacy '.h5' or '.hdf5' "
                         f"files, received {path!r}")
    path = _existing(filepath)
    _require_built(model, "load_weights")
    if _signature(path).startswith(_ZIP_SIGNATURE):
        with _open_archive(path) as archive:
            source = io.BytesIO(_read_member(archive, path, WEIGHTS_NAME,
                                             weights_budget(model)))
        where = f"{WEIGHTS_NAME} inside it"
    else:
        source, where = path, "it"
    with open_hdf5(source, path, where) as h5:
        if legacy_h5.is_legacy_file(h5):
            _load_legacy(model, h5, path, skip_mismatch, by_name)
        else:
            _load_into(model, h5, path, skip_mismatch)


def _load_legacy(model: Any, h5: Any, path: str, skip_mismatch: bool, by_name: bool) -> None:
    try:
        with all_or_nothing(model):
            legacy_h5.read_legacy_weights(model, h5, skip_mismatch, by_name)
    except ValueError as err:
        raise FileFormatError(path, str(err)) from err
    except (OSError, KeyError) as err:
        raise FileFormatError(path, f"its weights cannot be read (corrupt file?): {err}") from err


def _load_into(model: Any, h5: Any, path: str, skip_mismatch: bool, by_name: bool = False
               ) -> None:
    _check_layout(h5, path)
    try:
        with all_or_nothing(model):
            weights_file.read_model(model, h5, f"'{path}'", skip_mismatch=skip_mismatch,
                                    by_name=by_name)
    except ValueError as err:
        raise FileFormatError(path, str(err)) from err
    except (OSError, KeyError) as err:
        raise FileFormatError(path, f"its weights cannot be read (corrupt file?): {err}") from err


def _check_layout(h5: Any, path: str) -> None:
    keys = set(h5.keys())
    if not keys & {"vars", "layers"}:
        raise FileFormatError(path, f"it is an HDF5 file but not Keras-layout model weights "
                                    f"(top-level entries: {sorted(keys)})")


# ----------------------------------------------------------------------------- file access
def _existing(filepath: Any) -> str:
    path = os.fspath(filepath)
    if not os.path.exists(path):
        raise FileNotFoundError(f"No such file: '{path}'")
    if os.path.isdir(path):
        raise FileFormatError(path, "it is a directory, not a file")
    if not stat.S_ISREG(os.stat(path).st_mode):
        raise FileFormatError(path, "it is not a regular file (a FIFO, socket or device)")
    return path


def weights_budget(model: Any) -> int:
    """The most bytes a weights file for `model` may need: its weights with room for the
    optimizer's slots (up to four per weight) and HDF5's own bookkeeping per dataset."""
    weights = list(getattr(model, "weights", []))
    data = sum(w.numel() * w.element_size() for w in weights)
    return 5 * data + 16384 * (3 * len(weights) + 64) + (1 << 20)


def _signature(path: str) -> bytes:
    with open(path, "rb") as handle:
        return handle.read(8)


class _open_archive:  # noqa: N801 - used as a context manager like open()
    """The `.keras` zip, or a FileFormatError saying why it is not one."""

    def __init__(self, path: str) -> None:
        self.path = path
        head = _signature(path)
        if head.startswith(_HDF5_SIGNATURE):
            raise FileFormatError(path, "it is an HDF5 file (a .weights.h5), not a .keras "
                                        "archive; build the model and call "
                                        "model.load_weights() for weights")
        if not head.startswith(_ZIP_SIGNATURE):
            raise FileFormatError(path, "it is not a .keras archive (not a zip file)")
        try:
            self.archive = zipfile.ZipFile(path, "r")
        except (zipfile.BadZipFile, OSError, EOFError) as err:
            raise FileFormatError(path, f"the zip archive is truncated or corrupt ({err})") from err

    def __enter__(self) -> zipfile.ZipFile:
        return self.archive

    def __exit__(self, *exc: Any) -> None:
        self.archive.close()


def _read_member(archive: zipfile.ZipFile, path: str, name: str,
                 limit: int = _MAX_JSON_BYTES) -> bytes:
    """A member's bytes; never more than `limit` are decompressed (zipfile stops at the size
    the member declares, which is checked first)."""
    try:
        info = archive.getinfo(name)
    except KeyError:
        raise FileFormatError(path, f"the archive has no {name} (members: "
                                    f"{sorted(archive.namelist())}); not a Keras model "
                                    "file?") from None
    if info.flag_bits & 0x1:
        raise FileFormatError(path, f"{name} is encrypted; Keras archives are not")
    if info.file_size > limit:
        raise FileFormatError(path, f"{name} declares {info.file_size} bytes uncompressed, more "
                                    f"than the {limit} this model can need: refusing it (a zip "
                                    "bomb, or weights of another model)")
    try:
        return archive.read(name)
    except NotImplementedError as err:
        raise FileFormatError(path, f"{name} uses a compression method Python's zipfile "
                                    f"cannot read ({err})") from err
    except RuntimeError as err:  # zipfile's 'password required' and similar
        raise FileFormatError(path, f"{name} cannot be read: {err}") from err
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, zlib.error) as err:
        raise FileFormatError(path, f"{name} is truncated or corrupt ({err})") from err


def _read_json(archive: zipfile.ZipFile, path: str, name: str) -> Any:
    data = _read_member(archive, path, name)
    try:
        return json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise FileFormatError(path, f"{name} is not valid JSON ({err})") from err
    except RecursionError:
        raise FileFormatError(path, f"{name} is nested too deeply to be read") from None


class open_hdf5:  # noqa: N801 - used as a context manager like open()
    """An HDF5 file opened for reading, or a FileFormatError saying why it cannot be."""

    def __init__(self, source: Any, path: str, where: str) -> None:
        h5py = require_h5py("Loading weights")
        try:
            self.h5 = h5py.File(source, "r")
        except (OSError, ValueError) as err:
            raise FileFormatError(path, f"{where} is not a readable HDF5 file (truncated, "
                                        f"corrupt or not a weights file: {err})") from err

    def __enter__(self) -> Any:
        return self.h5

    def __exit__(self, *exc: Any) -> None:
        self.h5.close()
