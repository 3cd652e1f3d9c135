"""Masks in Functional graphs and custom layers, as the Keras guide "Understanding masking &
padding" uses them: symbolic `_keras_mask` on KerasTensors, merge layers' masks, masks given
explicitly, custom `compute_mask` — predictions compared with real Keras on the same weights."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import deepfit
from deepfit import layers, ops
from tests.keras_process import run_keras

IDS = np.array([[3, 5, 2, 0, 0], [7, 1, 0, 0, 0], [4, 4, 4, 4, 9], [0, 0, 0, 0, 0]],
               dtype="int32")


def _compare(build: str, x, atol: float = 1e-5):
    """Build the model from `build` (code using `keras`, `layers`, `ops` that sets `model`)
    in deepfit and in Keras, copy deepfit's weights into Keras layer by layer (by name) and
    compare predictions."""
    scope = {"keras": deepfit, "layers": layers, "ops": ops, "np": np}
    exec(build, scope)
    model = scope["model"]
    weights = {f"{layer.name}__{i}": w for layer in model.layers
               for i, w in enumerate(layer.get_weights())}
    expected = run_keras("given = inputs\n" + build + """
for layer in model.layers:
    count = len(layer.get_weights())
    if count:
        layer.set_weights([given[f"{layer.name}__{i}"] for i in range(count)])
x = [given[k] for k in sorted(given) if k.startswith("x")]
results["prediction"] = model.predict(x[0] if len(x) == 1 else x, verbose=0)
""", **_named_inputs(x), **weights)
    ours = model.predict(x, verbose=0)
    np.testing.assert_allclose(ours, expected["prediction"], atol=atol)
    return ours


def _named_inputs(x) -> dict:
    if isinstance(x, list):
        return {f"x{i}": item for i, item in enumerate(x)}
    return {"x": x}


def test_embedding_mask_zero_into_lstm_functional():
    ours = _compare("""
inputs = keras.Input(shape=(None,), dtype="int32")
x = layers.Embedding(10, 4, mask_zero=True, name="emb")(inputs)
model = keras.Model(inputs, layers.LSTM(3, name="lstm")(x))
""", IDS)
    # the all-padding row keeps the initial state, as in Keras
    assert np.allclose(ours[3], 0.0)


def test_embedding_mask_zero_into_global_average_pooling_functional():
    _compare("""
inputs = keras.Input(shape=(5,), dtype="int32")
x = layers.Embedding(10, 4, mask_zero=True, name="emb")(inputs)
x = layers.GlobalAveragePooling1D(name="gap")(x)
model = keras.Model(inputs, layers.Dense(2, name="out")(x))
""", IDS[:3])


def test_masking_then_dense_then_lstm():
    x = np.random.default_rng(0).normal(size=(3, 6, 2)).astype("float32")
    x[0, 3:] = 0.0
    x[1, :2] = 0.0
    _compare("""
inputs = keras.Input(shape=(6, 2))
h = layers.Masking(0.0, name="masking")(inputs)
h = layers.Dense(5, activation="relu", name="dense")(h)
model = keras.Model(inputs, layers.LSTM(3, name="lstm")(h))
""", x)


@pytest.mark.parametrize("merge", ["Concatenate()", "Concatenate(axis=1)", "Add()",
                                   "Multiply()", "Maximum()", "Average()"])
def test_merge_of_two_masked_branches_into_an_rnn(merge):
    other = np.array([[1, 0, 2, 0, 0], [0, 0, 0, 0, 3], [5, 5, 0, 0, 0], [1, 1, 1, 1, 1]],
                     dtype="int32")
    _compare(f"""
a = keras.Input(shape=(5,), dtype="int32", name="a")
b = keras.Input(shape=(5,), dtype="int32", name="b")
ea = layers.Embedding(10, 3, mask_zero=True, name="ea")(a)
eb = layers.Embedding(10, 3, mask_zero=True, name="eb")(b)
merged = layers.{merge}([ea, eb])
model = keras.Model([a, b], layers.GRU(2, name="gru")(merged))
""", [IDS, other])


def test_concatenate_of_a_masked_and_an_unmasked_branch_into_pooling():
    dense = np.random.default_rng(1).normal(size=(4, 5, 2)).astype("float32")
    _compare("""
a = keras.Input(shape=(5,), dtype="int32", name="a")
b = keras.Input(shape=(5, 2), name="b")
ea = layers.Embedding(10, 3, mask_zero=True, name="ea")(a)
merged = layers.Concatenate(axis=1)([ea, layers.Dense(3, name="db")(b)])
model = keras.Model([a, b], layers.GlobalAveragePooling1D(name="gap")(merged))
""", [IDS, dense])


def test_symbolic_outputs_carry_a_symbolic_mask():
    inputs = deepfit.Input(shape=(None,), dtype="int32")
    x = layers.Embedding(50, 4, mask_zero=True)(inputs)
    assert isinstance(x._keras_mask, deepfit.KerasTensor)
    assert x._keras_mask.shape == (None, None) and x._keras_mask.dtype == torch.bool
    dense = layers.Dense(3)(x)
    assert dense._keras_mask.shape == (None, None)
    pooled = layers.GlobalAveragePooling1D()(dense)
    with pytest.raises(AttributeError):
        getattr(pooled, "_keras_mask")  # noqa: B009
    with pytest.raises(AttributeError):
        getattr(inputs, "_keras_mask")  # noqa: B009


def test_a_symbolic_mask_passed_explicitly_becomes_part_of_the_graph():
    _compare("""
inputs = keras.Input(shape=(None,), dtype="int32")
e = layers.Embedding(10, 4, mask_zero=True, name="emb")(inputs)
d = layers.Dense(3, name="dense")(e)
out = layers.LSTM(2, name="lstm")(layers.Activation("relu", name="act")(d), mask=d._keras_mask)
model = keras.Model(inputs, out)
""", IDS)


def test_custom_layers_split_make_and_consume_masks():
    seen = {}

    class TemporalSplit(layers.Layer):
        def call(self, inputs):
            return ops.split(inputs, 2, axis=1)

        def compute_mask(self, inputs, mask=None):
            return None if mask is None else ops.split(mask, 2, axis=1)

    class Consumer(layers.Layer):
        def __init__(self):
            super().__init__()
            self.supports_masking = True

        def call(self, inputs, mask=None):
            seen["mask"] = mask
            return inputs * 2

    ids = torch.tensor([[1, 2, 0, 0], [3, 0, 0, 0]])
    first, second = TemporalSplit()(layers.Embedding(5, 2, mask_zero=True)(ids))
    assert first._keras_mask.tolist() == [[True, True], [True, False]]
    assert second._keras_mask.tolist() == [[False, False], [False, False]]
    out = Consumer()(first)
    assert seen["mask"].tolist() == first._keras_mask.tolist()
    assert out._keras_mask.tolist() == first._keras_mask.tolist()


def test_supports_masking_follows_compute_mask_as_in_keras():
    class Plain(layers.Layer):
        def call(self, inputs):
            return inputs

    class Maker(layers.Layer):
        def call(self, inputs):
            return inputs

        def compute_mask(self, inputs, mask=None):
            return inputs > 0

    assert not Plain().supports_masking
    assert Maker().supports_masking
    plain = Plain()
    plain.supports_masking = True
    assert plain.supports_masking
    assert Maker()(torch.tensor([[1.0, 0.0]]))._keras_mask.tolist() == [[True, False]]


def test_a_layer_that_drops_a_mask_warns_as_keras_does():
    class Plain(layers.Layer):
        def call(self, inputs):
            return inputs * 1.0

    masked = layers.Embedding(5, 2, mask_zero=True)(torch.tensor([[1, 0]]))
    with pytest.warns(UserWarning, match="does not support masking"):
        out = Plain(name="plain")(masked)
    assert getattr(out, "_keras_mask", None) is None
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        layers.Dense(2)(masked)
        ops.relu(masked)


def test_a_list_input_gives_call_a_list_of_masks():
    seen = {}

    class Pair(layers.Layer):
        supports_masking = True

        def call(self, inputs, mask=None):
            seen["mask"] = mask
            return inputs[0] + inputs[1]

    masked = layers.Embedding(5, 2, mask_zero=True)(torch.tensor([[1, 0]]))
    out = Pair()([masked, torch.ones(1, 2, 2)])
    assert seen["mask"][0].tolist() == [[True, False]] and seen["mask"][1] is None
    assert out._keras_mask.tolist() == [[True, False]]  # the first mask, as Keras flattens


def test_lambda_mask_argument():
    masked = layers.Embedding(5, 2, mask_zero=True)(torch.tensor([[1, 0, 2]]))
    kept = layers.Lambda(lambda x: x * 2, mask=lambda inputs, mask: mask)(masked)
    assert kept._keras_mask.tolist() == [[True, False, True]]
    fixed = layers.Lambda(lambda x: x + 0.0, mask=torch.tensor([[False, True, True]]))(masked)
    assert fixed._keras_mask.tolist() == [[False, True, True]]
    seen = {}

    def reads(x, mask=None):
        seen["mask"] = mask
        return x

    with pytest.warns(UserWarning):
        layers.Lambda(reads)(masked)
    assert seen["mask"].tolist() == [[True, False, True]]


def test_model_call_mask_argument_rides_on_the_inputs():
    inputs = deepfit.Input(shape=(3, 2))
    model = deepfit.Model(inputs, layers.LSTM(2)(inputs))
    x = np.random.default_rng(3).normal(size=(2, 3, 2)).astype("float32")
    mask = np.array([[True, True, False], [True, False, False]])
    with pytest.warns(UserWarning, match="Functional"):  # as Keras warns: no compute_mask
        masked = model(x, mask=mask)
    short = model(x[:, :1])
    assert np.allclose(np.asarray(masked)[1], np.asarray(short)[1], atol=1e-6)
    assert not np.allclose(np.asarray(model(x))[1], np.asarray(short)[1], atol=1e-6)


def test_saving_a_graph_with_an_explicit_mask_is_a_clear_error():
    inputs = deepfit.Input(shape=(None,), dtype="int32")
    hidden = layers.Embedding(10, 4, mask_zero=True)(inputs)
    model = deepfit.Model(inputs, layers.LSTM(2)(ops.relu(hidden), mask=hidden._keras_mask))
    with pytest.raises(NotImplementedError, match="mask explicitly"):
        model.get_config()


def test_a_masked_output_leaves_padded_steps_out_of_losses_and_metrics():
    y = np.random.default_rng(0).normal(size=(4, 5, 1)).astype("float32")
    build = """
model = keras.Sequential([keras.Input((5,), dtype="int32"),
                          layers.Embedding(10, 4, mask_zero=True, name="emb"),
                          layers.LSTM(3, return_sequences=True, name="lstm"),
                          layers.Dense(1, name="out")])
model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse", metrics=["mae"])
"""
    scope = {"keras": deepfit, "layers": layers}
    exec(build, scope)
    model = scope["model"]
    weights = {f"{layer.name}__{i}": w for layer in model.layers
               for i, w in enumerate(layer.get_weights())}
    expected = run_keras("given = inputs\n" + build + """
for layer in model.layers:
    count = len(layer.get_weights())
    if count:
        layer.set_weights([given[f"{layer.name}__{i}"] for i in range(count)])
results["before"] = model.evaluate(given["x"], given["y"], verbose=0)
history = model.fit(given["x"], given["y"], epochs=2, batch_size=2, shuffle=False, verbose=0)
results["loss"] = history.history["loss"]
results["mae"] = history.history["mae"]
""", x=IDS, y=y, **weights)
    np.testing.assert_allclose(model.evaluate(IDS, y, verbose=0), expected["before"], atol=1e-5)
    history = model.fit(IDS, y, epochs=2, batch_size=2, shuffle=False, verbose=0).history
    np.testing.assert_allclose(history["loss"], expected["loss"], atol=1e-5)
    np.testing.assert_allclose(history["mae"], expected["mae"], atol=1e-5)
