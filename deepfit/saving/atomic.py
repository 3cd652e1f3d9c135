"""Atomic file writes: every file deepfit saves appears whole or not at all.

A writer gets a temporary file in the target's own directory (so the final rename never crosses
file systems); when it finishes, the data is flushed and fsync'ed, the temporary file is renamed
over the target with `os.replace` (atomic on POSIX and Windows) and the directory entry is
fsync'ed too. If anything fails on the way — a full disk, an exception, Ctrl-C — the temporary
file is removed and the previous file is left exactly as it was. A process killed outright
(SIGKILL, power loss) can leave a stray `.<name>.*.tmp` file behind, never a half-written target.

Example:
    >>> with atomic_write("run/config.json") as f:
    ...     f.write(b"{}")
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from typing import BinaryIO

#: How the temporary file is opened; a seam for tests that simulate a failing disk.
_open = open

TEMP_SUFFIX = ".tmp"


def temp_prefix(path: str | os.PathLike) -> str:
    """The name prefix of the temporary files written for `path` (hidden, next to it)."""
    return f".{os.path.basename(os.fspath(path))}."


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike) -> Iterator[BinaryIO]:
    """Open a temporary binary file that replaces `path` when the block ends without error.

    Args:
        path: the file to (re)write; its directory is created if missing.

    Yields:
        A binary file object, readable, writable and seekable (h5py and zipfile accept it).

    Raises:
        Whatever the block or the file system raises; `path` is then untouched and no
        temporary file remains.

    Example:
        >>> with atomic_write("weights.bin") as f:
        ...     f.write(data)
    """
    target = os.path.abspath(os.fspath(path))
    directory = os.path.dirname(target)
    os.makedirs(directory, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=temp_prefix(target), suffix=TEMP_SUFFIX, dir=directory)
    os.close(fd)
    try:
        os.chmod(temp, _file_mode(target))
        with _open(temp, "w+b") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    _fsync_directory(directory)


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> None:
    """Write `data` to `path` atomically (see `atomic_write`).

    Args:
        path: the file to (re)write.
        data: its new content.
    """
    with atomic_write(path) as handle:
        handle.write(data)


def remove_stale_temps(path: str | os.PathLike) -> list[str]:
    """Delete temporary files a killed writer of `path` left behind.

    Only call this when no other process may be writing `path` at the same moment.

    Args:
        path: the target file whose leftovers to remove.

    Returns:
        The paths removed.
    """
    target = os.path.abspath(os.fspath(path))
    directory, prefix = os.path.dirname(target), temp_prefix(target)
    removed = []
    if not os.path.isdir(directory):
        return removed
    for name in os.listdir(directory):
        if name.startswith(prefix) and name.endswith(TEMP_SUFFIX):
            with contextlib.suppress(OSError):
                os.unlink(os.path.join(directory, name))
                removed.append(os.path.join(directory, name))
    return removed


def _file_mode(target: str) -> int:
    # mkstemp creates 0600 files: give the result the mode an ordinary write would.
    try:
        return os.stat(target).st_mode & 0o777
    except OSError:
        return 0o666 & ~_UMASK


def _current_umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


_UMASK = _current_umask()


def _fsync_directory(directory: str) -> None:
    # Makes the rename itself durable; not possible (nor needed) on every platform.
    if not hasattr(os, "O_DIRECTORY"):
        return
    try:
        fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
