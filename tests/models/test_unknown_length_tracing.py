"""A functional model over `Input(shape=(None,))` whose layer indexes a table by position (a
position embedding of `sequence_length` rows, as in the Keras transformer examples) builds:
tracing retries smaller sizes for the unknown axis when the first ones do not fit."""

from __future__ import annotations

import numpy as np
import pytest

import deepfit
from deepfit import layers, ops


class PositionalEmbedding(layers.Layer):
    def __init__(self, sequence_length, **kwargs):
        super().__init__(**kwargs)
        self.positions = layers.Embedding(sequence_length, 3, embeddings_initializer="ones")

    def call(self, inputs):
        return self.positions(ops.arange(0, ops.shape(inputs)[-1], 1))[None] + 0.0 * inputs[
            ..., None]


def test_position_embedding_on_unknown_length_builds():
    inp = deepfit.Input((None,), dtype="int64")
    model = deepfit.Model(inp, PositionalEmbedding(20)(inp))
    assert tuple(model.output.shape) == (None, None, 3)
    out = model.predict(np.zeros((2, 5), "int64"), verbose=0)
    np.testing.assert_allclose(out, np.ones((2, 5, 3)))


def test_a_layer_that_fails_at_every_size_reports_the_first_error():
    class Broken(layers.Layer):
        def call(self, inputs):
            raise ValueError("broken layer")

    with pytest.raises(ValueError, match="broken layer"):
        Broken()(deepfit.Input((None,)))
