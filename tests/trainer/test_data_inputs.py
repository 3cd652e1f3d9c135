"""Every kind of input fit/evaluate/predict take, and the fit options that shape the data."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import deepfit
from deepfit import layers


def _data(n=96, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 3)).astype("float32")
    return x, (x[:, 0] > 0).astype("float32")


def _model(seed=0):
    deepfit.utils.set_random_seed(seed)
    model = deepfit.Sequential([layers.Dense(4, activation="tanh", input_dim=3),
                                layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=deepfit.optimizers.SGD(0.1), loss="binary_crossentropy",
                  metrics=["accuracy"])
    return model


def _fit_weights(x, y=None, **kwargs):
    model = _model()
    model.fit(x, y, epochs=2, verbose=0, **kwargs)
    return model.get_weights()


def _assert_same(a, b):
    for left, right in zip(a, b):
        np.testing.assert_allclose(left, right, rtol=1e-6, atol=1e-7)


def test_tensors_dataloader_dataset_and_generator_train_like_arrays():
    x, y = _data()
    reference = _fit_weights(x, y, batch_size=16, shuffle=False)
    _assert_same(_fit_weights(torch.tensor(x), torch.tensor(y), batch_size=16, shuffle=False),
                 reference)
    loader = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(torch.tensor(x), torch.tensor(y)), batch_size=16)
    _assert_same(_fit_weights(loader), reference)
    dataset = deepfit.data.Dataset.from_tensor_slices((x, y)).batch(16)
    _assert_same(_fit_weights(dataset), reference)

    def batches():
        while True:
            for start in range(0, len(x), 16):
                yield x[start:start + 16], y[start:start + 16]

    _assert_same(_fit_weights(batches(), steps_per_epoch=6), reference)


def test_class_weight_equals_the_matching_sample_weight():
    x, y = _data()
    weights = np.where(y == 1, 3.0, 0.5).astype("float32")
    by_class = _fit_weights(x, y, batch_size=16, shuffle=False, class_weight={0: 0.5, 1: 3.0})
    by_sample = _fit_weights(x, y, batch_size=16, shuffle=False, sample_weight=weights)
    _assert_same(by_class, by_sample)
    unweighted = _fit_weights(x, y, batch_size=16, shuffle=False)
    assert not np.allclose(by_class[0], unweighted[0])
    # {} weighs every class 1.0, as Keras does (difftest s2353 stopped on it)
    _assert_same(_fit_weights(x, y, batch_size=16, shuffle=False, class_weight={}), unweighted)


def test_class_weight_with_sample_weight_is_refused_before_training():
    x, y = _data()
    model = _model()
    before = model.get_weights()
    dataset = deepfit.data.Dataset.from_tensor_slices((x, y, np.ones(len(y), "float32")))
    for data, extra in (((x, y), {"sample_weight": np.ones(len(y), "float32")}),
                        ((dataset.batch(16),), {})):
        with pytest.raises(ValueError, match="class_weight and sample_weight cannot be used"):
            model.fit(*data, epochs=1, verbose=0, class_weight={0: 1.0, 1: 2.0}, **extra)
    _assert_same(model.get_weights(), before)


def test_validation_data_freq_and_initial_epoch():
    x, y = _data()
    model = _model()
    history = model.fit(x, y, epochs=4, validation_data=(x[:20], y[:20]), validation_freq=2,
                        verbose=0)
    assert len(history.history["loss"]) == 4 and len(history.history["val_loss"]) == 2
    model = _model()
    history = model.fit(x, y, epochs=5, initial_epoch=3, verbose=0)
    assert history.epoch == [3, 4]


def test_validation_split_takes_the_last_samples_before_shuffling():
    x, y = _data(n=10)
    model = _model()
    seen = {}
    original = model._evaluate_epoch

    def spy(iterator, callback_list):
        seen["x"] = iterator.batches.x.clone()
        return original(iterator, callback_list)

    model._evaluate_epoch = spy
    model.fit(x, y, epochs=1, validation_split=0.3, verbose=0)
    np.testing.assert_array_equal(seen["x"].numpy(), x[7:])


def test_dict_inputs_for_named_functional_inputs():
    a, b = deepfit.Input((2,), name="a"), deepfit.Input((1,), name="b")
    out = layers.Dense(1)(layers.Concatenate()([a, b]))
    model = deepfit.Model({"a": a, "b": b}, out)
    model.compile(optimizer="sgd", loss="mse")
    x = {"a": np.ones((8, 2), "float32"), "b": np.zeros((8, 1), "float32")}
    history = model.fit(x, np.ones(8), epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2
    assert model.predict(x, verbose=0).shape == (8, 1)


def test_progress_output_off_a_terminal(capsys):
    x, y = _data()
    model = _model()
    model.fit(x, y, epochs=2, batch_size=32, verbose=1)
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0] == "Epoch 1/2" and lines[2] == "Epoch 2/2"
    assert lines[1].startswith("3/3 ━━━━━━━━━━━━━━━━━━━━ ") and "accuracy: " in lines[1]
    assert len(lines) == 4
    model.fit(x, y, epochs=1, verbose=2)
    line = capsys.readouterr().out.strip().splitlines()[-1]
    assert line.startswith("3/3 - ") and " - loss: " in line


def test_device_choice_errors_are_clear():
    with pytest.raises(ValueError, match="expected a device such as 'cpu'"):
        deepfit.config.set_device("gpu-please")
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="CUDA is not available"):
            deepfit.config.set_device("cuda")
