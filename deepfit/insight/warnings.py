"""`TrainingWarning`: the category of deepfit's pre-flight warnings, and the helper that issues
them so that they point at the user's own `fit(...)` line.

Example:
    >>> import warnings, deepfit
    >>> warnings.simplefilter("error", deepfit.TrainingWarning)   # make them fail a test run
"""

from __future__ import annotations

import os
import sys
import warnings

_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep


class TrainingWarning(UserWarning):
    """A likely mistake spotted when fit starts (unscaled inputs, a loss that does not match
    the output, ...). Silence them with `fit(..., checks=False)`,
    `deepfit.config.set_checks(False)` or `warnings.simplefilter("ignore", TrainingWarning)`.
    """


def warn(message: str) -> None:
    """Issue `message` as a `TrainingWarning` attributed to the first caller outside deepfit.

    Args:
        message: one line of text.
    """
    warnings.warn(message, TrainingWarning, stacklevel=_user_stacklevel())


def _user_stacklevel() -> int:
    # Python 3.11 has no `skip_file_prefixes`: count the frames that belong to deepfit.
    frame = sys._getframe(2)
    level = 2
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE_DIR):
        frame = frame.f_back
        level += 1
    return level
