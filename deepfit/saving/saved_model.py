"""`tf.saved_model.save/load` and `model.export()` in deepfit's own format: a model in a folder.

TensorFlow's SavedModel (saved_model.pb, a TensorFlow graph) needs TensorFlow to write or read.
deepfit writes, in the folder, the model as its `.keras` archive (`model.keras`) and a
`deepfit_saved_model.json` that says what the folder is; `load` reads such a folder back into an
inference object with TensorFlow's surface: `signatures['serving_default'](x)` (a dict of
outputs, 'output_0', ...), `serve(x)` after `model.export()`, and the variables. The folder is
NOT readable by TensorFlow, TF Serving or TFLite; `load` of a real TensorFlow SavedModel raises
a clear error.

Example:
    >>> save(model, "saved_model/my_model")  # doctest: +SKIP
    >>> load("saved_model/my_model").signatures["serving_default"](x)["output_0"]  # doctest: +SKIP
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from typing import Any

ARCHIVE = "model.keras"
MARKER = "deepfit_saved_model.json"
_FORMAT = "deepfit-saved-model"
_NOTE = ("deepfit's format: the model as a Keras .keras archive in this folder, read back with "
         "tf.saved_model.load under deepfit. It is not a TensorFlow SavedModel: TensorFlow, TF "
         "Serving and TFLite cannot read it.")


def save(obj: Any, export_dir: str | os.PathLike, signatures: Any = None, options: Any = None,
         *, endpoints: Sequence[str] = ("serving_default",)) -> None:
    """`tf.saved_model.save`: write `obj` (a deepfit model) into the folder `export_dir`.

    Args:
        obj: a deepfit `Model`.
        export_dir: the folder (created; existing files of the format are replaced).
        signatures: None, or a callable / `{'serving_default': callable}` of the model itself
            (the model's forward pass is what is saved); anything else is refused.
        options: accepted (TensorFlow's `SaveOptions` have nothing to set here).
        endpoints: the names the loaded object offers (`model.export` adds 'serve').

    Raises:
        NotImplementedError: `obj` is not a deepfit model, or `signatures` asks for other
            functions than the model's call.
    """
    from deepfit.models.model import Model

    if not isinstance(obj, Model):
        raise NotImplementedError(
            "tf.saved_model.save: deepfit saves Keras models only (the model as a .keras "
            f"archive in a folder); received {type(obj).__name__}. Other TensorFlow objects "
            "(tf.Module, tf.function) need TensorFlow")
    _check_signatures(obj, signatures)
    folder = os.fspath(export_dir)
    os.makedirs(folder, exist_ok=True)
    obj.save(os.path.join(folder, ARCHIVE))
    with open(os.path.join(folder, MARKER), "w") as f:
        json.dump({"format": _FORMAT, "version": 1, "archive": ARCHIVE,
                   "endpoints": list(endpoints), "note": _NOTE}, f, indent=2)


def _check_signatures(model: Any, signatures: Any) -> None:
    functions = signatures.values() if isinstance(signatures, dict) else [signatures]
    for function in functions:
        if function is None or function is model or getattr(function, "__self__", None) is model:
            continue
        raise NotImplementedError(
            "tf.saved_model.save: signatures other than the model's own call are not provided "
            f"by deepfit (received {function!r}); the saved folder serves the model's forward "
            "pass as 'serving_default'")


def load(export_dir: str | os.PathLike, tags: Any = None, options: Any = None) -> LoadedModel:
    """`tf.saved_model.load`: read a folder written by `save` or `model.export`.

    Args:
        export_dir: the folder.
        tags, options: accepted (TensorFlow's; one model per folder here).

    Returns:
        A `LoadedModel` (`signatures`, `serve`, `variables`).

    Raises:
        FileNotFoundError: no such folder.
        NotImplementedError: the folder is a TensorFlow SavedModel (or something else not
            written by deepfit).
    """
    from deepfit.saving import load_model

    folder = os.fspath(export_dir)
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"tf.saved_model.load: export_dir: no such folder: {folder!r}")
    marker = os.path.join(folder, MARKER)
    if not os.path.isfile(marker):
        what = ("a TensorFlow SavedModel (saved_model.pb)"
                if os.path.isfile(os.path.join(folder, "saved_model.pb")) else
                "not a folder written by deepfit's tf.saved_model.save or model.export")
        raise NotImplementedError(
            f"tf.saved_model.load: {folder!r} is {what}; deepfit reads only its own format "
            f"(a {ARCHIVE} archive with {MARKER}). TensorFlow SavedModels need TensorFlow; "
            "save Keras models with model.save('model.keras') or tf.saved_model.save under "
            "deepfit")
    with open(marker) as f:
        info = json.load(f)
    if info.get("format") != _FORMAT:
        raise ValueError(f"tf.saved_model.load: {marker!r} does not describe a deepfit saved "
                         f"model (format {info.get('format')!r})")
    model = load_model(os.path.join(folder, info.get("archive", ARCHIVE)), compile=False)
    return LoadedModel(model, folder, info.get("endpoints", ["serving_default"]))


class LoadedModel:
    """What `tf.saved_model.load` returns: the model's forward pass behind TensorFlow's names.

    Args:
        model: the loaded deepfit model.
        path: the folder it came from.
        endpoints: 'serving_default' (a signature: a dict of outputs) and/or 'serve' (the
            outputs as the model returns them).
    """

    def __init__(self, model: Any, path: str, endpoints: Sequence[str]) -> None:
        self._model = model
        self._path = path
        self._endpoints = list(endpoints)
        self.signatures = {"serving_default": self._signature}
        if "serve" in self._endpoints:
            self.serve: Callable[..., Any] = self._serve
            self.signatures["serve"] = self._signature

    @property
    def variables(self) -> list:
        """All the model's weights."""
        return list(self._model.weights)

    @property
    def trainable_variables(self) -> list:
        """The trainable weights."""
        return list(self._model.trainable_weights)

    @property
    def non_trainable_variables(self) -> list:
        """The non-trainable weights."""
        return list(self._model.non_trainable_weights)

    def _serve(self, *args: Any, **kwargs: Any) -> Any:
        inputs = _inputs(self._model, args, kwargs)
        return self._model(inputs, training=False)

    def _signature(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        outputs = self._serve(*args, **kwargs)
        if isinstance(outputs, dict):
            return dict(outputs)
        if isinstance(outputs, list | tuple):
            return {f"output_{i}": value for i, value in enumerate(outputs)}
        return {"output_0": outputs}

    def __repr__(self) -> str:
        return (f"<deepfit saved model from {self._path!r}: endpoints "
                f"{', '.join(sorted(self.signatures))} (deepfit's format, not a TensorFlow "
                "SavedModel)>")


def _inputs(model: Any, args: tuple, kwargs: dict) -> Any:
    if args and kwargs:
        raise TypeError("saved model: pass the inputs either positionally or by name, not both")
    if len(args) == 1:
        return args[0]
    if args:
        return list(args)
    if not kwargs:
        raise TypeError("saved model: no inputs given")
    if len(kwargs) == 1:
        return next(iter(kwargs.values()))
    names = [getattr(t, "name", None) for t in (getattr(model, "inputs", None) or [])]
    if set(kwargs) == set(names):
        return [kwargs[name] for name in names]
    raise TypeError(f"saved model: inputs named {sorted(kwargs)}; the model's inputs are "
                    f"{names}")
