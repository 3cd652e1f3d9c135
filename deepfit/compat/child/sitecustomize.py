"""Started by `deepfit run`, Python child processes install the import hook at start-up.

`deepfit run` puts this folder first on `PYTHONPATH` and sets `DEEPFIT_RUN_HOOK=1`, so every
Python process the script starts — multiprocessing's 'spawn' and 'forkserver' workers above
all, which re-import the script in a fresh interpreter — resolves `tensorflow` and `keras` to
deepfit as the script itself does. Any other `sitecustomize` on the path still runs after it.
"""

import importlib
import os
import sys


def _install_hook() -> None:
    if os.environ.get("DEEPFIT_RUN_HOOK") != "1":
        return
    from deepfit.compat import importer

    importer.install(patch_pyplot=True)


def _chain() -> None:
    """Run the `sitecustomize` this file shadows, if there is one."""
    here = os.path.dirname(os.path.abspath(__file__))
    saved = sys.path[:]
    this = sys.modules.pop("sitecustomize", None)
    try:
        sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != here]
        try:
            importlib.import_module("sitecustomize")
        except ImportError:
            pass
    finally:
        sys.path[:] = saved
        if this is not None:
            sys.modules["sitecustomize"] = this


_install_hook()
_chain()
