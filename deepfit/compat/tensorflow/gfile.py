"""`tf.io.gfile`: TensorFlow's file functions on the local file system (what TensorBoard's
writers and tutorial scripts call), built on `os`, `shutil` and `glob`.

Example:
    >>> from deepfit.compat.tensorflow import io
    >>> io.gfile.exists("/tmp")
    True
"""

from __future__ import annotations

import glob as _glob
import os
import shutil
from collections.abc import Iterator
from typing import IO, Any

__all__ = ["GFile", "copy", "exists", "glob", "isdir", "join", "listdir", "makedirs", "mkdir",
           "remove", "rename", "rmtree", "stat", "walk"]


def GFile(name: str, mode: str = "r") -> IO[Any]:  # noqa: N802 - TensorFlow's name
    """Open a local file, as `open(name, mode)`."""
    return open(name, mode)  # noqa: SIM115 - the caller closes it, as with tf.io.gfile.GFile


def exists(path: str) -> bool:
    """Whether the path exists."""
    return os.path.exists(path)


def isdir(path: str) -> bool:
    """Whether the path is a directory."""
    return os.path.isdir(path)


def join(path: str, *paths: str) -> str:
    """The paths joined with the separator."""
    return os.path.join(path, *paths)


def listdir(path: str) -> list[str]:
    """The entries of a directory."""
    return os.listdir(path)


def glob(pattern: str) -> list[str]:
    """The paths matching a pattern."""
    return sorted(_glob.glob(pattern))


def makedirs(path: str) -> None:
    """Create a directory and its parents (no error when it exists)."""
    os.makedirs(path, exist_ok=True)


def mkdir(path: str) -> None:
    """Create one directory."""
    os.mkdir(path)


def remove(path: str) -> None:
    """Delete a file."""
    os.remove(path)


def rmtree(path: str) -> None:
    """Delete a directory and everything in it."""
    shutil.rmtree(path)


def rename(src: str, dst: str, overwrite: bool = False) -> None:
    """Move a file; refuses to replace `dst` unless `overwrite`."""
    if not overwrite and os.path.exists(dst):
        raise FileExistsError(f"tf.io.gfile.rename: {dst!r} exists (pass overwrite=True)")
    os.replace(src, dst)


def copy(src: str, dst: str, overwrite: bool = False) -> None:
    """Copy a file; refuses to replace `dst` unless `overwrite`."""
    if not overwrite and os.path.exists(dst):
        raise FileExistsError(f"tf.io.gfile.copy: {dst!r} exists (pass overwrite=True)")
    shutil.copyfile(src, dst)


def stat(path: str) -> os.stat_result:
    """The file's `os.stat` result (`.st_size`, `.st_mtime`, ...)."""
    return os.stat(path)


def walk(top: str, topdown: bool = True) -> Iterator[tuple[str, list[str], list[str]]]:
    """`os.walk` over a directory tree."""
    return os.walk(top, topdown=topdown)
