"""A one-core CPU hog for `run.py --busy-core`: a user's laptop runs other things too.

Example:
    >>> with busy_core():
    ...     pass  # measurements here share the machine with one spinning process
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
from collections.abc import Iterator

_SPIN = "while True:\n    pass\n"


@contextlib.contextmanager
def busy_core() -> Iterator[subprocess.Popen]:
    """Run one process that keeps a core busy for the duration of the block, then stop it."""
    hog = subprocess.Popen([sys.executable, "-c", _SPIN], stdin=subprocess.DEVNULL,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        yield hog
    finally:
        hog.kill()
        hog.wait()
