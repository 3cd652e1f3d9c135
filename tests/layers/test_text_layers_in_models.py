"""Text preprocessing layers where tutorials use them: inside Functional and Sequential models
on string inputs, in `Dataset.map`, adapted on datasets, and through configs; plus bad input."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import deepfit
from deepfit import layers
from deepfit.data import Dataset

POSITIVE, NEGATIVE = ["good", "great", "fun", "loved"], ["bad", "awful", "boring", "hated"]
FILLER = ["the", "movie", "plot", "was", "a", "an", "actor"]


def _reviews(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    texts, labels = [], []
    for _ in range(n):
        label = int(rng.integers(0, 2))
        words = list(rng.choice(FILLER, 6)) + list(rng.choice(POSITIVE if label else NEGATIVE, 2))
        rng.shuffle(words)
        texts.append(" ".join(words).capitalize() + "!")
        labels.append(label)
    return np.array(texts, dtype=object), np.array(labels)


def _adapted(**kwargs) -> layers.TextVectorization:
    texts, _ = _reviews(200)
    layer = layers.TextVectorization(**kwargs)
    layer.adapt(texts)
    return layer


@pytest.mark.parametrize("shape", [(1,), ()])
def test_functional_model_on_string_input_learns(shape):
    deepfit.utils.set_random_seed(0)
    texts, labels = _reviews(400)
    vectorize = _adapted(max_tokens=40, output_sequence_length=10)
    inputs = deepfit.Input(shape=shape, dtype="string")
    ids = vectorize(inputs)
    assert ids.shape == (None, 10)
    hidden = layers.GlobalAveragePooling1D()(layers.Embedding(40, 8)(ids))
    model = deepfit.Model(inputs, layers.Dense(1, activation="sigmoid")(hidden))
    model.compile(optimizer=deepfit.optimizers.Adam(0.05), loss="binary_crossentropy",
                  metrics=["accuracy"])
    x = texts[:, None] if shape == (1,) else texts
    history = model.fit(x, labels, epochs=8, batch_size=32, validation_split=0.25, verbose=0)
    assert history.history["val_accuracy"][-1] > 0.9
    assert model.predict(np.array(["great fun", "awful boring"], dtype=object)[
        (slice(None), None) if shape == (1,) else slice(None)], verbose=0).ravel().tolist() == (
        pytest.approx([1.0, 0.0], abs=0.3))


def test_dataset_map_gives_the_same_ids_and_trains():
    texts, labels = _reviews(300)
    vectorize = _adapted(max_tokens=40, output_sequence_length=12)
    batches = Dataset.from_tensor_slices((texts, labels)).batch(32)
    mapped = batches.map(lambda x, y: (vectorize(x), y))
    first_ids, first_labels = next(iter(mapped))
    assert first_ids.dtype == np.int64 and first_ids.shape == (32, 12)
    np.testing.assert_array_equal(first_ids, vectorize(texts[:32]).numpy())
    model = deepfit.Sequential([layers.Embedding(40, 8), layers.GlobalAveragePooling1D(),
                                layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=deepfit.optimizers.Adam(0.05), loss="binary_crossentropy",
                  metrics=["accuracy"])
    assert model.fit(mapped, epochs=8, verbose=0).history["accuracy"][-1] > 0.9


def test_adapt_on_a_dataset_equals_adapt_on_the_array():
    texts, labels = _reviews(100)
    from_array = layers.TextVectorization()
    from_array.adapt(texts)
    from_dataset = layers.TextVectorization()
    from_dataset.adapt(Dataset.from_tensor_slices((texts, labels)).batch(7).map(lambda x, y: x))
    assert from_array.get_vocabulary() == from_dataset.get_vocabulary()
    steps = layers.TextVectorization()
    steps.adapt(Dataset.from_tensor_slices(texts).batch(10), steps=1)
    expected = layers.TextVectorization()
    expected.adapt(texts[:10])
    assert steps.get_vocabulary() == expected.get_vocabulary()


def test_sequential_export_model_takes_raw_strings():
    vectorize = _adapted(max_tokens=40, output_sequence_length=10)
    core = deepfit.Sequential([layers.Embedding(40, 4), layers.GlobalAveragePooling1D(),
                               layers.Dense(1)])
    export = deepfit.Sequential([vectorize, core])
    raw = np.array(["the movie was great", "bad plot"], dtype=object)
    expected = core(vectorize(raw))
    np.testing.assert_allclose(export.predict(raw, verbose=0), expected.detach().numpy(),
                               rtol=1e-6)
    as_list = export(["the movie was great", "bad plot"])
    np.testing.assert_allclose(as_list.detach().numpy(), expected.detach().numpy(), rtol=1e-6)


def test_callable_standardize_and_split():
    import deepfit.compat.tensorflow as tf

    def standardize(text):
        lowered = tf.strings.lower(text)
        return tf.strings.regex_replace(lowered, "<br />", " ")

    layer = layers.TextVectorization(standardize=standardize,
                                     split=lambda t: tf.strings.split(t, sep="|"))
    layer.adapt(["A|b<br />C|a", "a|D"])
    assert layer.get_vocabulary() == ["", "[UNK]", "a", "d", "b c"]
    assert layer(["D|A|zz"]).tolist() == [[3, 2, 1]]


def test_config_round_trip_and_vocabulary_argument():
    layer = layers.TextVectorization(max_tokens=10, ngrams=2, output_sequence_length=6,
                                     vocabulary=["good", "bad", "good bad"])
    clone = layers.TextVectorization.from_config(layer.get_config())
    texts = ["good bad film", "bad good"]
    assert torch.equal(layer(texts), clone(texts))
    assert clone.get_vocabulary() == ["", "[UNK]", "good", "bad", "good bad"]
    lookup = layers.StringLookup(vocabulary=["a", "b"], num_oov_indices=2, mask_token="")
    again = layers.StringLookup.from_config(lookup.get_config())
    assert again.get_vocabulary() == ["", "[UNK]", "[UNK]", "a", "b"]
    adapted = _adapted(max_tokens=20)
    config = adapted.get_config()
    assert config["vocabulary"] is None
    assert config["vocabulary_size"] == len(adapted.get_vocabulary()) == 17


def test_set_vocabulary_and_inverse_lookup_round_trip():
    forward = layers.StringLookup(vocabulary=["a", "b", "c"])
    backward = layers.StringLookup(vocabulary=["a", "b", "c"], invert=True)
    ids = forward(np.array([["c", "a", "q"]]))
    assert backward(ids).tolist() == [["c", "a", "[UNK]"]]
    vectorize = layers.TextVectorization()
    vectorize.set_vocabulary(["x", "y"])
    assert vectorize.vocabulary_size() == 4
    assert vectorize(["y x z"]).tolist() == [[3, 2, 1]]


@pytest.mark.parametrize("make, message", [
    (lambda: layers.TextVectorization(output_mode="bag"), "output_mode"),
    (lambda: layers.TextVectorization(standardize="upper"), "standardize"),
    (lambda: layers.TextVectorization(ngrams=[1, 2]), "ngrams"),
    (lambda: layers.TextVectorization(output_mode="count", output_sequence_length=3),
     "output_sequence_length"),
    (lambda: layers.StringLookup(invert=True, output_mode="multi_hot"), "invert"),
    (lambda: layers.StringLookup(max_tokens=1), "max_tokens"),
    (lambda: layers.StringLookup(vocabulary=["a", "a"]), "repeated"),
    (lambda: layers.Hashing(num_bins=0), "num_bins"),
    (lambda: layers.Discretization(), "num_bins or bin_boundaries"),
    (lambda: layers.CategoryEncoding(num_tokens=3, output_mode="hot"), "output_mode"),
])
def test_bad_arguments_name_the_argument(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_bad_calls_raise_clear_errors():
    strict = layers.StringLookup(vocabulary=["a"], num_oov_indices=0)
    with pytest.raises(ValueError, match="num_oov_indices=0"):
        strict(["b"])
    with pytest.raises(RuntimeError, match="before calling"):
        layers.StringLookup(output_mode="multi_hot")(["a"])
    with pytest.raises(ValueError, match="last dimension of 1"):
        layers.TextVectorization()(np.array([["a", "b"]]))
    with pytest.raises(ValueError, match="cannot adapt"):
        layers.StringLookup(vocabulary=["a"]).adapt(["b"])
    with pytest.raises(ValueError, match="count_weights"):
        layers.CategoryEncoding(num_tokens=3)([0, 1], count_weights=[1.0, 2.0])


def test_count_weights_and_integer_pipeline_in_a_model():
    encode = layers.CategoryEncoding(num_tokens=4, output_mode="count")
    out = encode(np.array([[0, 1, 1], [3, 3, 2]]), count_weights=np.array(
        [[0.5, 1.0, 2.0], [1.0, 1.0, 0.25]]))
    np.testing.assert_allclose(out.numpy(), [[0.5, 3.0, 0, 0], [0, 0, 0.25, 2.0]])
    lookup = layers.IntegerLookup(output_mode="one_hot")
    lookup.adapt(np.array([10, 20, 20, 30]))
    inputs = deepfit.Input(shape=(1,), dtype="int64")
    model = deepfit.Model(inputs, layers.Dense(2)(lookup(inputs)))
    assert model(np.array([[20], [99]])).shape == (2, 2)
