"""`name=''`: Keras 3 keeps an empty name as given (only None gets an automatic one), as the
TensorFlow tutorial "Custom layers" does with `super().__init__(name='')`."""

from __future__ import annotations

import numpy as np
import pytest

import deepfit
from deepfit import layers
from tests.trainer.keras_process import run_keras

_BLOCK = """
class Block(keras.Model):
    def __init__(self):
        super().__init__(name='')
        self.conv = keras.layers.Conv2D(2, 1)
        self.bn = keras.layers.BatchNormalization()

    def call(self, x, training=False):
        return self.bn(self.conv(x), training=training)
"""


def test_an_empty_model_name_is_kept_as_keras_keeps_it():
    deepfit.backend.clear_session()  # automatic names count from zero, as in the fresh Keras
    namespace = {"keras": deepfit}
    exec(_BLOCK, namespace)
    block = namespace["Block"]()
    block(np.zeros((1, 2, 3, 3), "float32"))
    expected = run_keras(_BLOCK + """
block = Block()
block(np.zeros((1, 2, 3, 3), "float32"))
result["name"] = block.name
result["paths"] = [v.path for v in block.weights]
result["layer"] = keras.layers.Dense(2, name='').name
""")
    assert block.name == expected["name"] == ""
    assert [v.path for v in block.weights] == expected["paths"]
    assert layers.Dense(2, name="").name == expected["layer"]
    assert layers.Dense(2).name.startswith("dense")  # None still gets an automatic name


def test_a_layer_without_a_name_cannot_join_a_model_and_says_why():
    with pytest.raises(ValueError, match="has the empty name ''.*pass name="):
        deepfit.Sequential([deepfit.Input((3,)), layers.Dense(2, name="")])
    x = deepfit.Input((3,))
    y = layers.Dense(2, name="")(x)
    with pytest.raises(ValueError, match="has the empty name ''"):
        deepfit.Model(x, y)
    with pytest.raises(ValueError, match="name must be a string without '.'"):
        layers.Dense(2, name="a.b")
