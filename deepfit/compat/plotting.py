"""`plt.show()` without a display: save the open figures as PNG files and print their paths.

A script run by `deepfit run` on a machine without a display (no `DISPLAY`/`WAYLAND_DISPLAY`
on Linux, or a non-interactive matplotlib backend such as Agg) would otherwise show nothing —
matplotlib only warns that it cannot show the figure. Instead each open figure is saved to
`figure-1.png`, `figure-2.png`, ... in the current directory (numbered across the whole run)
and closed, as a shown window would be once dismissed.

Example:
    >>> import matplotlib.pyplot as plt  # doctest: +SKIP
    >>> patch_pyplot(plt)  # doctest: +SKIP
    >>> plt.plot([1, 2]); plt.show()  # doctest: +SKIP
    Saved figure 1 to /home/me/figure-1.png (no display to show it on)
"""

from __future__ import annotations

import functools
import itertools
import os
import sys
import types
from collections.abc import Callable
from typing import Any

_NON_INTERACTIVE = frozenset({"agg", "cairo", "pdf", "pgf", "ps", "svg", "template"})
_counter = itertools.count(1)


def headless(backend: str) -> bool:
    """Whether figures cannot be shown: a non-interactive backend, or Linux with no display.

    Args:
        backend: matplotlib's backend name (`matplotlib.get_backend()`).
    """
    if backend.lower() in _NON_INTERACTIVE:
        return True
    no_display = not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return sys.platform.startswith("linux") and no_display and "inline" not in backend


def save_open_figures(pyplot: types.ModuleType, directory: str | None = None) -> list[str]:
    """Save every open figure as `figure-N.png` and close it.

    Args:
        pyplot: the `matplotlib.pyplot` module.
        directory: where to save (the current directory by default).

    Returns:
        The absolute paths written.
    """
    paths = []
    for number in pyplot.get_fignums():
        figure = pyplot.figure(number)
        path = os.path.abspath(os.path.join(directory or os.getcwd(),
                                            f"figure-{next(_counter)}.png"))
        figure.savefig(path)
        paths.append(path)
        print(f"Saved figure {number} to {path} (no display to show it on)", flush=True)
    pyplot.close("all")
    return paths


def patch_pyplot(pyplot: types.ModuleType) -> None:
    """Replace `pyplot.show` by one that saves the figures when `headless` (once per module).

    Args:
        pyplot: the `matplotlib.pyplot` module.
    """
    if getattr(pyplot.show, "_deepfit_patched", False):
        return
    original: Callable[..., Any] = pyplot.show

    @functools.wraps(original)
    def show(*args: Any, **kwargs: Any) -> Any:
        import matplotlib

        if headless(matplotlib.get_backend()):
            save_open_figures(pyplot)
            return None
        return original(*args, **kwargs)

    show._deepfit_patched = True
    pyplot.show = show


def unpatch_pyplot(pyplot: types.ModuleType) -> None:
    """Put back the `pyplot.show` that `patch_pyplot` replaced."""
    if getattr(pyplot.show, "_deepfit_patched", False):
        pyplot.show = pyplot.show.__wrapped__
