"""The error raised for a file that cannot be read: it names the file and what is wrong.

Example:
    >>> raise FileFormatError("m.keras", "it is not a zip archive (truncated or corrupt?)")
    Traceback (most recent call last):
    deepfit.saving.errors.FileFormatError: Cannot load 'm.keras': it is not a zip archive ...
"""

from __future__ import annotations

import os


class FileFormatError(ValueError):
    """A saved file is truncated, corrupt, of the wrong kind or describes an unknown model.

    Args:
        path: the file.
        problem: what is wrong with it, in words.

    Attributes:
        path: the file, as a string.
        problem: the description.
    """

    def __init__(self, path: str | os.PathLike, problem: str) -> None:
        self.path = os.fspath(path)
        self.problem = problem
        super().__init__(f"Cannot load '{self.path}': {problem}")


def require_h5py(purpose: str) -> object:
    """Import h5py, or explain how to get it.

    Args:
        purpose: what needs it, for the message ('saving', 'loading weights').

    Returns:
        The h5py module.

    Raises:
        ImportError: h5py is missing (a dependency of deepfit, so only in a broken install).
    """
    try:
        import h5py
    except ImportError as err:
        raise ImportError(
            f"{purpose} needs h5py, a dependency of deepfit that is missing from this "
            "environment: pip install h5py"
        ) from err
    return h5py
