"""Where deepfit's messages go: stdout while interactive logging is on (the default), else the
Python logger 'deepfit' at INFO level (Keras sends them to absl's logging then). Progress bars,
"Epoch i/n" lines, callback notices and `model.summary()` all go through `print_msg`.

Example:
    >>> import deepfit as keras
    >>> keras.config.disable_interactive_logging()   # fit/evaluate/predict print nothing
    >>> keras.config.is_interactive_logging_enabled()
    False
"""

from __future__ import annotations

import logging
import sys

__all__ = ["disable_interactive_logging", "enable_interactive_logging",
           "is_interactive_logging_enabled", "print_msg"]

LOGGER = logging.getLogger("deepfit")
_interactive = True


def enable_interactive_logging() -> None:
    """Write progress bars and messages to stdout (the default)."""
    global _interactive
    _interactive = True


def disable_interactive_logging() -> None:
    """Send progress bars and messages to the Python logger 'deepfit' (INFO) instead of
    stdout: for jobs that run without a terminal."""
    global _interactive
    _interactive = False


def is_interactive_logging_enabled() -> bool:
    """Whether messages go to stdout (True) or to the 'deepfit' logger (False)."""
    return _interactive


def print_msg(message: str, line_break: bool = True) -> None:
    """Write `message` to stdout (flushed) when interactive logging is on, else log it.

    Args:
        message: the text.
        line_break: end it with a newline (stdout only; log records are lines already).
    """
    message = str(message)
    if not _interactive:
        LOGGER.info(message)
        return
    text = f"{message}\n" if line_break else message
    stream = sys.stdout
    try:
        stream.write(text)
    except UnicodeEncodeError:
        # a stream that cannot encode '━' gets Keras 2's '=' bar instead
        encoding = getattr(stream, "encoding", None) or "utf-8"
        stream.write(text.replace("━", "=").encode(encoding, errors="ignore").decode(encoding))
    stream.flush()
