"""An Embedding index outside [0, input_dim) stops with an error naming the layer and the
range, not torch's bare "index out of range in self"."""

from __future__ import annotations

import numpy as np
import pytest

from deepfit import layers


def test_embedding_index_out_of_range_names_the_layer():
    layer = layers.Embedding(5, 2, name="tokens")
    with pytest.raises(IndexError, match=r"'tokens'.*\[0, 5\).*from 0 to 7"):
        layer(np.array([[0, 7]]))
