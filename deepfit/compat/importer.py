"""The import hook: `import tensorflow`, `import keras` and their submodules resolve to deepfit.

A finder on `sys.meta_path` answers for `tensorflow`, `tensorflow.*`, `keras`, `keras.*` and
`tf_keras`: each dotted name is looked up attribute by attribute in deepfit's namespaces, so
`from tensorflow.keras.models import Sequential`, `import keras.layers.core` and
`from keras import layers` all reach the same module objects as `import
deepfit.compat.tensorflow as tf`. A name deepfit does not provide raises `ModuleNotProvidedError`
(a NotImplementedError that is also an ImportError). Optionally, `matplotlib.pyplot.show` is
patched when pyplot is first imported (see `deepfit.compat.plotting`).

Example:
    >>> from deepfit.compat import importer
    >>> with importer.installed():
    ...     import tensorflow as tf
    >>> tf.__name__
    'deepfit.compat.tensorflow'
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.abc
import importlib.util
import sys
import types
from collections.abc import Iterator
from typing import Any

from deepfit.backend import context
from deepfit.compat.namespace import ModuleNotProvidedError

ROOTS = {
    "tensorflow": "deepfit.compat.tensorflow",
    "keras": "deepfit.compat.keras",
    "tf_keras": "deepfit.compat.keras",
}
_PYPLOT = "matplotlib.pyplot"


class _AliasLoader(importlib.abc.Loader):
    """Hands out an existing module object under another name."""

    def __init__(self, module: types.ModuleType) -> None:
        self.module = module
        self.original_spec = getattr(module, "__spec__", None)

    def create_module(self, spec: Any) -> types.ModuleType:
        return self.module

    def exec_module(self, module: types.ModuleType) -> None:
        # The import system stamped the alias's spec on the shared module; give it back its own.
        module.__spec__ = self.original_spec


class _AfterExecLoader(importlib.abc.Loader):
    """Runs a module with its real loader, then calls `after(module)`."""

    def __init__(self, loader: Any, after: Any) -> None:
        self.loader = loader
        self.after = after

    def create_module(self, spec: Any) -> Any:
        return self.loader.create_module(spec)

    def exec_module(self, module: types.ModuleType) -> None:
        self.loader.exec_module(module)
        self.after(module)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.loader, name)


class CompatFinder(importlib.abc.MetaPathFinder):
    """Finds `tensorflow*`/`keras*` in deepfit's namespaces (see the module docstring).

    Args:
        patch_pyplot: also patch `matplotlib.pyplot.show` when pyplot is imported.
    """

    def __init__(self, patch_pyplot: bool = False) -> None:
        self.patch_pyplot = patch_pyplot

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        root = fullname.partition(".")[0]
        if root in ROOTS:
            module = resolve(fullname)
            return importlib.util.spec_from_loader(
                fullname, _AliasLoader(module), is_package=hasattr(module, "__path__"))
        if fullname == _PYPLOT and self.patch_pyplot:
            return self._pyplot_spec(fullname, path, target)
        return None

    def _pyplot_spec(self, fullname: str, path: Any, target: Any) -> Any:
        from deepfit.compat import plotting

        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None and spec.loader is not None:
                spec.loader = _AfterExecLoader(spec.loader, plotting.patch_pyplot)
                return spec
        return None


def resolve(fullname: str) -> types.ModuleType:
    """The module object a TensorFlow/Keras module name stands for.

    Args:
        fullname: e.g. 'tensorflow.keras.layers'.

    Returns:
        The namespace (or deepfit module) it resolves to.

    Raises:
        ModuleNotProvidedError: deepfit has no such module; the message names it.
    """
    root, *parts = fullname.split(".")
    module: Any = importlib.import_module(ROOTS[root])
    walked = root
    for part in parts:
        walked = f"{walked}.{part}"
        try:
            module = getattr(module, part)
        except NotImplementedError as err:
            raise ModuleNotProvidedError(str(err), name=fullname) from None
        except AttributeError:
            raise ModuleNotProvidedError(f"{_public(walked)} is not provided by deepfit",
                                         name=fullname) from None
        if not isinstance(module, types.ModuleType):
            raise ModuleNotProvidedError(
                f"No module named {fullname!r}: {_public(walked)} is not a module",
                name=fullname)
    return module


def _public(dotted: str) -> str:
    return "tf" + dotted[len("tensorflow"):] if dotted.startswith("tensorflow") else dotted


_finder: CompatFinder | None = None
_saved: dict[str, types.ModuleType] = {}


def install(patch_pyplot: bool = False) -> None:
    """Put the finder first on `sys.meta_path`. Modules of a real TensorFlow/Keras that were
    already imported are set aside (and brought back by `uninstall`).

    Args:
        patch_pyplot: make `plt.show()` save figures when there is no display.
    """
    global _finder
    if _finder is not None:
        uninstall()
    for name in list(sys.modules):
        if name.partition(".")[0] in ROOTS:
            _saved[name] = sys.modules.pop(name)
    _finder = CompatFinder(patch_pyplot=patch_pyplot)
    sys.meta_path.insert(0, _finder)
    context.set_tensorflow_names(True)
    if patch_pyplot and _PYPLOT in sys.modules:
        from deepfit.compat import plotting

        plotting.patch_pyplot(sys.modules[_PYPLOT])


def uninstall() -> None:
    """Remove the finder and the aliases it created, restore set-aside modules and
    `plt.show`."""
    global _finder
    if _finder is None:
        return
    if _finder in sys.meta_path:
        sys.meta_path.remove(_finder)
    _finder = None
    context.set_tensorflow_names(False)
    if _PYPLOT in sys.modules:
        from deepfit.compat import plotting

        plotting.unpatch_pyplot(sys.modules[_PYPLOT])
    for name in list(sys.modules):
        if name.partition(".")[0] in ROOTS:
            del sys.modules[name]
    sys.modules.update(_saved)
    _saved.clear()


@contextlib.contextmanager
def installed(patch_pyplot: bool = False) -> Iterator[None]:
    """`install()` for the duration of a `with` block."""
    install(patch_pyplot=patch_pyplot)
    try:
        yield
    finally:
        uninstall()
