"""Window functions for short-time Fourier transforms, as `scipy.signal.get_window(name, n,
fftbins=periodic)` gives them: symmetric windows by default, periodic ones for spectral analysis
(torch's `torch.signal.windows`, in float64). SciPy's other windows are used when SciPy is
installed.

Example:
    >>> get_window("hann", 4)
    array([0.  , 0.75, 0.75, 0.  ])
"""

from __future__ import annotations

import numpy as np
import torch

_TORCH_WINDOWS = {
    "hann": torch.signal.windows.hann, "hanning": torch.signal.windows.hann,
    "hamming": torch.signal.windows.hamming, "blackman": torch.signal.windows.blackman,
    "bartlett": torch.signal.windows.bartlett, "cosine": torch.signal.windows.cosine,
    "nuttall": torch.signal.windows.nuttall,
}


def get_window(window: str, length: int, periodic: bool = False) -> np.ndarray:
    """The `length` values of the window named `window` (float64).

    Args:
        window: 'hann', 'hamming', 'blackman', 'bartlett', 'cosine', 'nuttall', 'boxcar' (or
            any SciPy window name when SciPy is installed).
        length: the number of points.
        periodic: the periodic form (for spectral analysis) instead of the symmetric one.

    Raises:
        ValueError: an unknown window name.
    """
    name = window.lower() if isinstance(window, str) else window
    if name in ("boxcar", "rect", "rectangular", "ones"):
        return np.ones(length)
    if name in _TORCH_WINDOWS:
        values = _TORCH_WINDOWS[name](length, sym=not periodic, dtype=torch.float64)
        return values.numpy()
    try:
        import scipy.signal
    except ImportError:
        raise ValueError(f"Unknown window {window!r}: expected one of "
                         f"{sorted(_TORCH_WINDOWS) + ['boxcar']} (others need SciPy)") from None
    return scipy.signal.get_window(window, length, periodic)
