"""The fused Dense-chain step must train exactly as the autograd step does: the same History,
the same weights after several steps (float32 rounding only), the same metrics; and models it
cannot take must fall back to the autograd step."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import deepfit
from deepfit import layers
from deepfit.trainer import fused_dense

FEATURES = 6
SAMPLES = 45  # batches of 16: the last one is partial (13 rows)


def _data(kind: str, units: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Inputs and labels of one label format: 'int', 'int_col', 'float', 'float_col',
    'onehot', 'soft', 'binary', 'binary_int_col', 'regression'."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(SAMPLES, FEATURES)).astype("float32")
    classes = rng.integers(0, units, SAMPLES)
    labels = {
        "int": lambda: classes,
        "int_col": lambda: classes.reshape(-1, 1).astype("int32"),
        "float": lambda: classes.astype("float32"),
        "float_col": lambda: classes.reshape(-1, 1).astype("float32"),
        "onehot": lambda: np.eye(units, dtype="float32")[classes],
        "soft": lambda: rng.random((SAMPLES, units)).astype("float32"),
        "binary": lambda: (x[:, :units] > 0).astype("float32").reshape(SAMPLES, -1).squeeze(),
        "binary_int_col": lambda: (x[:, :units] > 0).astype("int64").reshape(SAMPLES, units),
        "regression": lambda: (x[:, :units] * 2.0 + 0.5).astype("float32").squeeze(),
    }
    return x, labels[kind]()


def _mlp(hidden: list[int], activation, out_units: int, out_activation, use_bias=True):
    stack = [deepfit.Input((FEATURES,))]
    stack += [layers.Dense(u, activation=activation, use_bias=use_bias) for u in hidden]
    stack.append(layers.Dense(out_units, activation=out_activation, use_bias=use_bias))
    return deepfit.Sequential(stack)


def _train(build, x, y, monkeypatch, fused: bool, loss, optimizer="adam", metrics=None,
           **fit_kwargs):
    """Fit a freshly seeded model with the fused step or the autograd step; returns the History,
    the final weights and the model."""
    deepfit.utils.set_random_seed(7)
    model = build()
    optimizer = optimizer() if callable(optimizer) else optimizer  # a fresh one per run
    model.compile(optimizer=optimizer, loss=loss, metrics=metrics)
    taken: list[bool] = []
    original = fused_dense.FusedDenseStep.__call__

    def counted(step, batch):
        taken.append(original(step, batch))
        return taken[-1]

    with monkeypatch.context() as patch:
        patch.setattr(fused_dense.FusedDenseStep, "__call__", counted)
        if not fused:
            patch.setattr(fused_dense, "enabled", False)
        history = model.fit(x, y, batch_size=fit_kwargs.pop("batch_size", 16), verbose=0,
                            shuffle=False, checks=False, **fit_kwargs)
    assert (model._trainer_state.fused is not None) == fused, fused_dense.unsupported_reason(model)
    assert all(taken) and bool(taken) == fused  # every step fused, or none
    return history.history, [w.copy() for w in model.get_weights()], model


def _assert_same_training(build, x, y, monkeypatch, loss, epochs=2, **kwargs):
    got_history, got_weights, _ = _train(build, x, y, monkeypatch, True, loss, epochs=epochs,
                                         **kwargs)
    want_history, want_weights, _ = _train(build, x, y, monkeypatch, False, loss,
                                           epochs=epochs, **kwargs)
    assert got_history.keys() == want_history.keys()
    for key in want_history:
        np.testing.assert_allclose(got_history[key], want_history[key], rtol=2e-6, atol=1e-7,
                                   err_msg=key)
    for got, want in zip(got_weights, want_weights, strict=True):
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-6)


# (loss, output activation, output units, label format)
HEADS = [
    ("sparse_categorical_crossentropy", "softmax", 3, "int"),
    ("sparse_categorical_crossentropy", "softmax", 4, "float_col"),
    (deepfit.losses.SparseCategoricalCrossentropy(from_logits=True), None, 3, "int_col"),
    ("categorical_crossentropy", "softmax", 3, "onehot"),
    (deepfit.losses.CategoricalCrossentropy(from_logits=True), None, 3, "soft"),
    ("binary_crossentropy", "sigmoid", 1, "binary"),
    ("binary_crossentropy", "sigmoid", 2, "binary_int_col"),
    (deepfit.losses.BinaryCrossentropy(from_logits=True), None, 1, "binary_int_col"),
    ("mse", None, 1, "regression"),
    ("mean_squared_error", "tanh", 2, "regression"),
    (deepfit.losses.MeanSquaredError(), "sigmoid", 2, "regression"),
    ("mse", "relu", 1, "regression"),
    ("mae", None, 2, "regression"),
    (deepfit.losses.MeanAbsoluteError(), "tanh", 1, "regression"),
]


@pytest.mark.parametrize("loss, out_activation, units, labels", HEADS,
                         ids=[f"{h[0] if isinstance(h[0], str) else type(h[0]).__name__}-"
                              f"{h[1]}-{h[3]}" for h in HEADS])
def test_each_loss_head_matches_the_autograd_step(monkeypatch, loss, out_activation, units,
                                                  labels):
    x, y = _data(labels, units)
    _assert_same_training(lambda: _mlp([5], "relu", units, out_activation), x, y, monkeypatch,
                          loss)


@pytest.mark.parametrize("hidden, activation, use_bias", [
    ([], None, True), ([7], "sigmoid", False), ([7, 5], "tanh", True),
    ([8, 6, 5], "relu", True), ([5, 4], None, False),
])
@pytest.mark.parametrize("loss, out_activation, units, labels", [HEADS[0], HEADS[8]],
                         ids=["sparse", "mse"])
def test_depths_activations_and_bias_match(monkeypatch, hidden, activation, use_bias, loss,
                                           out_activation, units, labels):
    x, y = _data(labels, units)
    _assert_same_training(lambda: _mlp(hidden, activation, units, out_activation, use_bias),
                          x, y, monkeypatch, loss, optimizer="sgd")


def test_sample_and_class_weights_match(monkeypatch):
    x, y = _data("int", 3)
    weights = np.random.default_rng(3).random(SAMPLES).astype("float32")
    build = lambda: _mlp([5], "relu", 3, "softmax")  # noqa: E731
    _assert_same_training(build, x, y, monkeypatch, "sparse_categorical_crossentropy",
                          sample_weight=weights, metrics=["accuracy"])
    _assert_same_training(build, x, y, monkeypatch, "sparse_categorical_crossentropy",
                          class_weight={0: 0.5, 1: 2.0, 2: 1.0})
    xr, yr = _data("regression", 2)
    _assert_same_training(lambda: _mlp([5], "tanh", 2, "sigmoid"), xr, yr, monkeypatch, "mse",
                          sample_weight=weights)


def test_metrics_see_the_activated_output_with_its_logits(monkeypatch):
    x, y = _data("int", 3)
    _assert_same_training(lambda: _mlp([5], "relu", 3, "softmax"), x, y, monkeypatch,
                          "sparse_categorical_crossentropy",
                          metrics=["accuracy", "sparse_categorical_crossentropy"],
                          validation_split=0.2)


def test_layer_variants_and_functional_chain_match(monkeypatch):
    rng = np.random.default_rng(5)
    images = rng.random((SAMPLES, 2, 3)).astype("float32")
    y = rng.integers(0, 3, SAMPLES)

    def sequential():
        return deepfit.Sequential([
            layers.InputLayer(shape=(2, 3)), layers.Flatten(), layers.Dense(5),
            layers.Activation("relu"), layers.Dropout(0.0), layers.Dense(3),
            layers.Activation("softmax"),
        ])

    def functional():
        inputs = deepfit.Input((2, 3))
        hidden = layers.Dense(5, activation="tanh")(layers.Flatten()(inputs))
        return deepfit.Model(inputs, layers.Dense(3, activation="softmax")(hidden))

    for build in (sequential, functional):
        _assert_same_training(build, images, y, monkeypatch, "sparse_categorical_crossentropy",
                              metrics=["accuracy"])


def test_celsius_vector_input_matches(monkeypatch):
    celsius = np.array([-40, -10, 0, 8, 15, 22, 38], dtype="float64")
    fahrenheit = celsius * 1.8 + 32

    def build():
        return deepfit.Sequential([layers.Dense(units=1, input_shape=[1])])

    _assert_same_training(build, celsius, fahrenheit, monkeypatch, "mean_squared_error",
                          epochs=20, optimizer=lambda: deepfit.optimizers.Adam(0.1))


def test_train_on_batch_loop_matches(monkeypatch):
    x, y = _data("binary", 1)
    results = []
    for fused in (True, False):
        deepfit.utils.set_random_seed(7)
        model = _compiled(_mlp([5, 4], "sigmoid", 1, "sigmoid"), loss="binary_crossentropy",
                          metrics=["accuracy"])
        with monkeypatch.context() as patch:
            if not fused:
                patch.setattr(fused_dense, "enabled", False)
            logs = [model.train_on_batch(x[i:i + 10], y[i:i + 10]) for i in range(0, 40, 10)]
        assert (model._trainer_state.fused is not None) == fused
        results.append((logs, model.get_weights()))
    np.testing.assert_allclose(results[0][0], results[1][0], rtol=2e-6)
    for got, want in zip(results[0][1], results[1][1], strict=True):
        np.testing.assert_allclose(got, want, atol=1e-6)


def test_one_sgd_step_equals_the_hand_computed_update():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(8, 3)).astype("float32")
    y = rng.normal(size=(8, 2)).astype("float32")
    model = deepfit.Sequential([deepfit.Input((3,)), layers.Dense(2)])
    model.compile(optimizer=deepfit.optimizers.SGD(0.1), loss="mse")
    kernel, bias = model.get_weights()
    model.fit(x, y, batch_size=8, epochs=1, verbose=0, checks=False)
    assert model._trainer_state.fused is not None
    residual = (x @ kernel + bias - y) * 2.0 / y.size  # d mean((xW + b - y)^2)
    np.testing.assert_allclose(model.get_weights()[0], kernel - 0.1 * x.T @ residual,
                               atol=1e-6)
    np.testing.assert_allclose(model.get_weights()[1], bias - 0.1 * residual.sum(0), atol=1e-6)


def _compiled(model, loss="sparse_categorical_crossentropy", **compile_kwargs):
    model.compile(optimizer="adam", loss=loss, **compile_kwargs)
    return model


@pytest.mark.parametrize("make", [
    lambda: _compiled(deepfit.Sequential([deepfit.Input((FEATURES,)), layers.Dense(4),
                                          layers.Dropout(0.5), layers.Dense(3, "softmax")])),
    lambda: _compiled(deepfit.Sequential([deepfit.Input((FEATURES,)),
                                          layers.Dense(4, kernel_regularizer="l2"),
                                          layers.Dense(3, "softmax")])),
    lambda: _compiled(deepfit.Sequential([deepfit.Input((FEATURES,)),
                                          layers.Dense(4, kernel_constraint="non_neg"),
                                          layers.Dense(3, "softmax")])),
    lambda: _compiled(deepfit.Sequential([deepfit.Input((FEATURES,)),
                                          layers.Dense(4, activation="elu"),
                                          layers.Dense(3, "softmax")])),
    lambda: _compiled(deepfit.Sequential([deepfit.Input((FEATURES,)),
                                          layers.Dense(3, activation="sigmoid")])),
    lambda: _compiled(deepfit.Sequential([deepfit.Input((FEATURES,)),
                                          layers.Dense(3, activation="softmax")]),
                      loss=deepfit.losses.SparseCategoricalCrossentropy(from_logits=True)),
    lambda: _compiled(deepfit.Sequential([deepfit.Input((FEATURES,)),
                                          layers.Dense(3, activation="softmax")]), loss="ce"),
    lambda: _compiled(deepfit.Sequential([deepfit.Input((FEATURES,)), layers.Dense(1)]),
                      loss="huber"),
], ids=["dropout", "regularizer", "constraint", "elu", "sigmoid+sparse", "softmax+from_logits",
        "auto-ce", "huber"])
def test_unsupported_models_fall_back_to_autograd(make):
    model = make()
    x, y = _data("int", 3)
    history = model.fit(x, y, batch_size=16, epochs=1, verbose=0, checks=False)
    assert model._trainer_state.fused is None
    assert isinstance(fused_dense.unsupported_reason(model), str)
    assert np.isfinite(history.history["loss"][0])


def test_frozen_layers_custom_steps_and_options_fall_back():
    x, y = _data("int", 3)
    frozen = _compiled(_mlp([4], "relu", 3, "softmax"))
    frozen.layers[0].trainable = False
    smoothing = _compiled(_mlp([4], "relu", 3, "softmax"), loss=deepfit.losses
                          .CategoricalCrossentropy(label_smoothing=0.1))

    class Custom(deepfit.Sequential):
        def train_step(self, data):
            return super().train_step(data)

    custom = _compiled(Custom([deepfit.Input((FEATURES,)), layers.Dense(3, "softmax")]))
    onehot = np.eye(3, dtype="float32")[y]
    for model, labels in ((frozen, y), (smoothing, onehot), (custom, y)):
        model.fit(x, labels, batch_size=16, epochs=1, verbose=0, checks=False)
        assert model._trainer_state.fused is None, type(model).__name__


def test_mixed_precision_falls_back():
    deepfit.mixed_precision.set_global_policy("mixed_bfloat16")
    try:
        model = _compiled(_mlp([4], "relu", 3, "softmax"))
        x, y = _data("int", 3)
        model.fit(x, y, batch_size=16, epochs=1, verbose=0, checks=False)
        assert model._trainer_state.fused is None
        assert fused_dense.unsupported_reason(model) == "mixed precision"
    finally:
        deepfit.mixed_precision.set_global_policy("float32")


def test_batches_it_cannot_take_go_to_the_autograd_step():
    model = _compiled(_mlp([4], "relu", 3, "softmax"))
    x, y = _data("int", 3)
    model.fit(x, y, batch_size=16, epochs=1, verbose=0, checks=False)
    step = model._trainer_state.fused
    batch = (torch.as_tensor(x[:8]), torch.as_tensor(y[:8]), None)
    assert step(batch)
    assert not step((torch.as_tensor(x[:8, :4]), batch[1], None))  # wrong width
    assert not step((batch[0], torch.as_tensor(y[:7]), None))  # wrong label count
    assert not step((batch[0], batch[1], np.ones(8)))  # weights not a tensor
    handle = model.layers[0].register_forward_hook(lambda *args: None)
    assert not step(batch)
    handle.remove()
    explanation = model.explain_step(x[:8], y[:8], apply=False, verbose=False)
    assert len(explanation.layers) == 2  # the hooks saw every layer: the autograd step ran


def test_the_digits_mlp_still_learns(digits_data):
    (x_train, y_train), (x_test, y_test) = digits_data
    model = deepfit.Sequential([layers.Dense(64, activation="relu", input_dim=64),
                                layers.Dense(10, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    history = model.fit(x_train, y_train, epochs=6, batch_size=32, verbose=0)
    assert model._trainer_state.fused is not None
    assert history.history["loss"][-1] < history.history["loss"][0] / 3
    assert model.evaluate(x_test, y_test, verbose=0)[1] >= 0.93
