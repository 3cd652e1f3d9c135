"""Keras's torch-backend idiom for custom loops (keras-team/keras guides
`writing_a_custom_training_loop_in_torch.py`, `custom_train_step_in_torch.py`):
`loss.backward()`, then each weight's gradient read as `v.value.grad` and applied with
`optimizer.apply(grads, weights)` under `torch.no_grad()`. Checked against real Keras on its
torch backend from the same weights and batches."""

import numpy as np
import torch

import deepfit
from deepfit import layers, losses, optimizers
from tests.trainer.keras_process import run_keras

KERAS_LOOP = """
import torch
model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8, activation="tanh"),
                          keras.layers.Dense(3)])
model.set_weights([inputs[f"w{i}"] for i in range(4)])
optimizer = keras.optimizers.Adam(learning_rate=0.01)
loss_fn = keras.losses.CategoricalCrossentropy(from_logits=True)
grads_seen = []
for start in range(0, 32, 8):
    logits = model(inputs["x"][start:start + 8])
    loss = loss_fn(inputs["y"][start:start + 8], logits)
    model.zero_grad()
    weights = [v for v in model.trainable_weights]
    loss.backward()
    gradients = [v.value.grad for v in weights]
    grads_seen.append(gradients[0].detach().cpu().numpy())
    with torch.no_grad():
        optimizer.apply(gradients, weights)
result["weights"] = model.get_weights()
result["first_grads"] = grads_seen
"""


def _data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, 4)).astype("float32")
    y = np.eye(3, dtype="float32")[rng.integers(0, 3, 32)]
    return x, y


def _model(weights):
    model = deepfit.Sequential([layers.Input((4,)), layers.Dense(8, activation="tanh"),
                                layers.Dense(3)])
    model.set_weights(weights)
    return model


def test_value_grad_loop_matches_keras_torch_backend():
    x, y = _data()
    weights = deepfit.Sequential([layers.Input((4,)), layers.Dense(8, activation="tanh"),
                                  layers.Dense(3)]).get_weights()
    keras_out = run_keras(KERAS_LOOP, x=x, y=y, **{f"w{i}": w for i, w in enumerate(weights)})

    model = _model(weights)
    optimizer = optimizers.Adam(learning_rate=0.01)
    loss_fn = losses.CategoricalCrossentropy(from_logits=True)
    for step, begin in enumerate(range(0, 32, 8)):
        loss = loss_fn(y[begin:begin + 8], model(x[begin:begin + 8]))
        model.zero_grad()
        trainable = list(model.trainable_weights)
        loss.backward()
        gradients = [v.value.grad for v in trainable]
        assert all(g is not None for g in gradients)
        np.testing.assert_allclose(gradients[0].numpy(), keras_out["first_grads"][step],
                                   rtol=1e-5, atol=1e-6)
        with torch.no_grad():
            optimizer.apply(gradients, trainable)
    for ours, theirs in zip(model.get_weights(), keras_out["weights"]):
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)


def test_value_is_the_variable_itself():
    dense = layers.Dense(2)
    dense.build((None, 3))
    kernel = dense.kernel
    assert kernel.value is kernel
    (dense(np.ones((1, 3), "float32")) ** 2).sum().backward()
    assert kernel.value.grad is kernel.grad and kernel.grad is not None
