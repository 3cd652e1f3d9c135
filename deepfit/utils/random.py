"""Seeding every random number generator deepfit uses.

Example:
    >>> deepfit.utils.set_random_seed(42)
"""

from __future__ import annotations

import random

import numpy as np
import torch

from deepfit import config


def set_random_seed(seed: int) -> None:
    """Seed Python's `random`, NumPy and torch (CPU and CUDA): the same seed on the same
    machine gives the same weights, shuffles, dropout masks and History. It also turns on
    `deepfit.config.set_deterministic(True)`, which fixes the CPU thread count per model size.

    Args:
        seed: a non-negative integer.
    """
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"set_random_seed: seed must be a non-negative int, received {seed!r}")
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    config.set_deterministic(True)
