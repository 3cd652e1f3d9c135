"""Window functions for short-time Fourier transforms, as `scipy.signal.get_window(name, n,
fftbins=periodic)` computes them: symmetric windows by default, periodic ones (one point longer,
the last dropped) for spectral analysis. SciPy's other windows are used when SciPy is installed.

Example:
    >>> get_window("hann", 4)
    array([0.  , 0.75, 0.75, 0.  ])
"""

from __future__ import annotations

import numpy as np

# name -> cosine-sum coefficients a_k of w(n) = sum_k (-1)^k a_k cos(2 pi k n / (M - 1))
_COSINE_SUMS = {
    "hann": (0.5, 0.5), "hanning": (0.5, 0.5),
    "hamming": (0.54, 0.46),
    "blackman": (0.42, 0.5, 0.08),
}


def get_window(window: str, length: int, periodic: bool = False) -> np.ndarray:
    """The `length` values of the window named `window` (float64).

    Args:
        window: 'hann', 'hamming', 'blackman', 'boxcar' (or any SciPy window name when SciPy is
            installed).
        length: the number of points.
        periodic: the periodic form (for spectral analysis) instead of the symmetric one.

    Raises:
        ValueError: an unknown window name.
    """
    name = window.lower() if isinstance(window, str) else window
    if name in ("boxcar", "rect", "rectangular", "ones"):
        return np.ones(length)
    if name not in _COSINE_SUMS:
        try:
            import scipy.signal
        except ImportError:
            raise ValueError(f"Unknown window {window!r}: expected one of "
                             f"{sorted(_COSINE_SUMS) + ['boxcar']} (others need SciPy)") from None
        return scipy.signal.get_window(window, length, periodic)
    if length == 1:
        return np.ones(1)
    points = length + 1 if periodic else length
    angle = 2.0 * np.pi * np.arange(points) / (points - 1)
    values = sum((-1) ** k * a * np.cos(k * angle) for k, a in enumerate(_COSINE_SUMS[name]))
    return values[:length]
