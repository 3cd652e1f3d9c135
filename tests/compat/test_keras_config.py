"""keras.config under `deepfit run`: the dtype policy and unsafe deserialization switches."""

from __future__ import annotations

import deepfit
from deepfit.compat import keras


def test_dtype_policy_is_the_mixed_precision_global_policy():
    try:
        keras.config.set_dtype_policy("mixed_bfloat16")
        assert keras.config.dtype_policy().name == "mixed_bfloat16"
        assert deepfit.mixed_precision.global_policy().name == "mixed_bfloat16"
    finally:
        keras.config.set_dtype_policy("float32")
    assert keras.config.dtype_policy().name == "float32"


def test_enable_unsafe_deserialization_is_deepfits():
    switch = keras.config.enable_unsafe_deserialization
    assert switch is deepfit.config.enable_unsafe_deserialization
