"""Lazy namespaces: modules whose TensorFlow/Keras names are looked up in deepfit on first use.

A namespace module (`deepfit.compat.keras.layers`, `deepfit.compat.tensorflow.nn`, ...) holds
no copies: asking it for a name finds the real deepfit object by that name (or by a Keras alias
of it) and caches it in the module, so layers that colleagues add to `deepfit.layers` appear on
their own. A name deepfit does not have raises `NotProvidedError` (a `NotImplementedError`)
naming it: "tf.image.ssim is not provided by deepfit".

Example:
    >>> from deepfit.compat import keras
    >>> import deepfit
    >>> keras.layers.Dense is deepfit.layers.Dense
    True
"""

from __future__ import annotations
import __future__

import difflib
import dis
import importlib
import pkgutil
import sys
import types
from collections.abc import Callable, Iterable, Mapping
from typing import Any

# What to use instead, for well-known names deepfit deliberately leaves out.
_SAVE_INSTEAD = ("save with model.save('model.keras') (or 'model.h5', Keras's legacy format) "
                 "and load with keras.models.load_model; for serving outside Python, export "
                 "the torch module with torch.onnx.export or torch.export")
HINTS = {
    "saved_model": f"TensorFlow SavedModels need TensorFlow: {_SAVE_INSTEAD}",
    "lite": f"TensorFlow Lite conversion needs TensorFlow: {_SAVE_INSTEAD}",
    "TFLiteConverter": f"TensorFlow Lite conversion needs TensorFlow: {_SAVE_INSTEAD}",
    "ImageDataGenerator": "use image_dataset_from_directory with augmentation layers "
    "(RandomFlip, RandomRotation, RandomZoom) instead",
}


class NotProvidedError(NotImplementedError, AttributeError):
    """A TensorFlow or Keras name that deepfit does not provide. It is also an
    `AttributeError`, so `hasattr(tf.io.gfile, "join")` and `getattr(x, name, default)` probes
    in other libraries see a missing attribute instead of crashing."""


class NameNotProvidedError(NotImplementedError, ImportError):
    """`from keras.layers import X` for a name deepfit does not provide. Python turns an
    `AttributeError` raised there into a bare "cannot import name", so this one is an
    `ImportError` instead and keeps the message.

    Args:
        message: what is missing.
        name: the namespace the name was imported from.
    """

    def __init__(self, message: str, name: str | None = None) -> None:
        super().__init__(message)
        self.name = name


class ModuleNotProvidedError(NotImplementedError, ModuleNotFoundError):
    """`import tensorflow.X` for a module deepfit does not provide (also an ImportError, so
    `try: import ... except ImportError:` in scripts keeps working).

    Args:
        message: what is missing.
        name: the module name that was imported.
    """

    def __init__(self, message: str, name: str | None = None) -> None:
        super().__init__(message)
        self.name = name


def not_provided(qualified: str, candidates: Iterable[str] = ()) -> NotProvidedError:
    """The error for a missing name, with a close match or a hint where there is one.

    Args:
        qualified: the full public name, e.g. 'tf.image.ssim'.
        candidates: the names the namespace does have, for "did you mean".

    Returns:
        A `NotProvidedError` to raise.
    """
    name = qualified.rsplit(".", 1)[-1]
    message = f"{qualified} is not provided by deepfit"
    close = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.8)
    if name in HINTS:
        message += f": {HINTS[name]}"
    elif close:
        message += f" (did you mean {close[0]!r}?)"
    return NotProvidedError(message)


class Lookup:
    """How one namespace finds its names.

    Args:
        public: the public name used in messages, e.g. 'keras.layers'.
        sources: modules (by name) whose exported objects the namespace re-exports, in order.
            A source that does not exist yet is skipped.
        scan: packages whose submodules are searched too (for classes a colleague has written
            but not yet exported from the package).
        aliases: Keras's other names for an object: public name → canonical name.
        modules: names that are other namespaces or modules: name → module path (imported on
            first use) or module object.
        accept: `(name, obj) -> bool` filtering what the sources may provide.
        extras: names provided by compat itself when no source has them: name → object, or
            a 'module:attribute' string imported on first use.
        wrap: applied to each function found in the sources (e.g. so that it hands user code
            eager tensors); classes and other objects are returned as they are.
    """

    def __init__(
        self,
        public: str,
        *,
        sources: Iterable[str] = (),
        scan: Iterable[str] = (),
        aliases: Mapping[str, str] | None = None,
        modules: Mapping[str, str | types.ModuleType] | None = None,
        accept: Callable[[str, Any], bool] | None = None,
        extras: Mapping[str, Any] | None = None,
        wrap: Callable[[Callable[..., Any]], Callable[..., Any]] | None = None,
    ) -> None:
        self.public = public
        self.wrap = wrap
        self.sources = tuple(sources)
        self.scan = tuple(scan)
        self.aliases = dict(aliases or {})
        self.modules = dict(modules or {})
        self.accept = accept
        self.extras = dict(extras or {})
        self.import_errors: dict[str, str] = {}

    # ----------------------------------------------------------------- lookup
    def find(self, name: str) -> Any:
        """The object for `name`.

        Raises:
            NotProvidedError: deepfit has no object by that name.
        """
        if name in self.modules:
            target = self.modules[name]
            return importlib.import_module(target) if isinstance(target, str) else target
        canonical = self.aliases.get(name, name)
        for module in self._modules():
            found = self._exported(module, canonical)
            if found is not None:
                wrapped = self.wrap is not None and isinstance(found, types.FunctionType)
                return self.wrap(found) if wrapped else found
        for key in (name, canonical):
            if key in self.extras:
                return _dereference(self.extras[key])
        raise self._missing(name)

    def names(self) -> list[str]:
        """Every name the namespace provides (imports the sources)."""
        found = set(self.modules) | set(self.extras)
        for module in self._modules():
            for name in _public_names(module):
                if self._exported(module, name) is not None:
                    found.add(name)
        found |= {alias for alias, target in self.aliases.items() if target in found}
        return sorted(found)

    def _missing(self, name: str) -> NotProvidedError:
        error = not_provided(f"{self.public}.{name}", self._known_names())
        if self.import_errors:
            broken = "; ".join(f"{mod}: {err}" for mod, err in sorted(self.import_errors.items()))
            error = NotProvidedError(f"{error} (modules that failed to import: {broken})")
        return error

    def _known_names(self) -> list[str]:
        try:
            return self.names()
        except Exception:  # noqa: BLE001 - a suggestion must never hide the real error
            return []

    def _exported(self, module: types.ModuleType, name: str) -> Any:
        if name.startswith("_"):
            return None
        exported = getattr(module, "__all__", None)
        if exported is not None and name not in exported and not self.scan:
            return None
        try:
            obj = getattr(module, name)
        except AttributeError:
            return None
        if exported is None or name not in exported:
            defined_in = getattr(obj, "__module__", None) or ""
            own = defined_in == module.__name__ or defined_in.startswith(module.__name__ + ".")
            if not (isinstance(obj, (type, types.FunctionType)) and own):
                return None
        if self.accept is not None and not self.accept(name, obj):
            return None
        return obj

    def _modules(self) -> list[types.ModuleType]:
        self.import_errors.clear()
        found = []
        for source in self.sources:
            module = self._import(source)
            if module is not None:
                found.append(module)
        for package_name in self.scan:
            package = self._import(package_name)
            for info in pkgutil.iter_modules(getattr(package, "__path__", [])):
                if not info.name.startswith("_"):
                    module = self._import(f"{package_name}.{info.name}")
                    if module is not None:
                        found.append(module)
        return found

    def _import(self, module_name: str) -> types.ModuleType | None:
        try:
            return importlib.import_module(module_name)
        except ModuleNotFoundError as err:
            if err.name is not None and module_name.startswith(err.name):
                return None  # a module not written yet
            self.import_errors[module_name] = f"{type(err).__name__}: {err}"
        except Exception as err:  # noqa: BLE001 - one broken module must not hide the others
            self.import_errors[module_name] = f"{type(err).__name__}: {err}"
        return None


def _dereference(value: Any) -> Any:
    if isinstance(value, str) and ":" in value:
        module_name, attribute = value.split(":")
        return getattr(importlib.import_module(module_name), attribute)
    return value


def _public_names(module: types.ModuleType) -> list[str]:
    exported = getattr(module, "__all__", None)
    names = set(exported or ()) | {name for name in vars(module) if not name.startswith("_")}
    return sorted(names)


def _own_api(module_globals: dict[str, Any]) -> list[str]:
    """The names a namespace module defines itself: its `__all__`, its own functions and
    classes, and the namespaces it holds (not the helpers it imported)."""
    exported = set(module_globals.get("__all__", ()))
    found = []
    for name, value in module_globals.items():
        if name.startswith("_") or isinstance(value, __future__._Feature):
            continue
        is_namespace = isinstance(value, types.ModuleType) and "_lookup" in vars(value)
        defined_in = getattr(value, "__module__", None) or ""
        constant = not callable(value) and not isinstance(value, types.ModuleType)
        if name in exported or is_namespace or constant or defined_in.startswith("deepfit.compat"):
            found.append(name)
    return found


def install(module_globals: dict[str, Any], lookup: Lookup) -> None:
    """Make a module a lazy namespace: `__getattr__`, `__dir__`, `__all__` and a `__path__`
    (so the import hook can treat it as a package).

    Args:
        module_globals: the namespace module's `globals()`.
        lookup: how it finds its names.
    """

    def __getattr__(name: str) -> Any:  # noqa: N807 - the module protocol's name
        if name == "__all__":
            return [n for n in lookup.names() if n not in lookup.modules]
        if name.startswith("__") or name.startswith("_"):
            raise AttributeError(f"module {lookup.public!r} has no attribute {name!r}")
        try:
            value = lookup.find(name)
        except NotProvidedError as err:
            if _called_by_import_from(sys._getframe(1)):
                raise NameNotProvidedError(str(err), name=lookup.public) from None
            raise
        module_globals[name] = value
        return value

    def __dir__() -> list[str]:  # noqa: N807
        return sorted(set(_own_api(module_globals)) | set(lookup.names()))

    module_globals["__getattr__"] = __getattr__
    module_globals["__dir__"] = __dir__
    module_globals.setdefault("__path__", [])
    module_globals["_lookup"] = lookup


def _called_by_import_from(frame: types.FrameType | None) -> bool:
    """Whether the attribute is being read by a `from module import name` statement (the
    import system's probe of the names first, then the statement's own read)."""
    if frame is None or frame.f_lasti < 0:
        return False
    if frame.f_code.co_name == "_handle_fromlist":
        return True
    return frame.f_code.co_code[frame.f_lasti] == _IMPORT_FROM


_IMPORT_FROM = dis.opmap["IMPORT_FROM"]


def make(public: str, doc: str = "", **lookup_arguments: Any) -> types.ModuleType:
    """A namespace module built on the fly (for small or empty namespaces such as tf.io).

    Args:
        public: its public name, e.g. 'tf.io'.
        doc: its docstring.
        **lookup_arguments: as for `Lookup`.

    Returns:
        A module object; every name it lacks raises `NotProvidedError`.
    """
    module = types.ModuleType(f"deepfit.compat.namespaces.{public}", doc or None)
    install(vars(module), Lookup(public, **lookup_arguments))
    return module
