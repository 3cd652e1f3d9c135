"""Named regression tests for the divergences the differential sweep found (each checked
against a hand computation, so they run without Keras). Cases owned by other parts of the work
were xfail(strict=True) until the fix landed (class_weight default, per-output losses: fixed)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import deepfit
from deepfit import layers


def _binary_data(n=40):
    rng = np.random.default_rng(5)
    x = rng.normal(size=(n, 4)).astype("float32")
    y = (rng.random((n, 1)) < 0.5).astype("float32")
    return x, y


def test_training_true_positives_are_the_training_count_not_the_validation_one():
    # Keras (torch backend) shows the validation count here: docs/differences.md.
    x, y = _binary_data()
    model = deepfit.Sequential([deepfit.Input((4,)), layers.Dense(1, activation="sigmoid")])
    model.compile("sgd", "binary_crossentropy", metrics=[deepfit.metrics.TruePositives()])
    before = model.predict(x[:30], verbose=0)
    history = model.fit(x[:30], y[:30], epochs=1, batch_size=30, shuffle=False, verbose=0,
                        validation_data=(x[30:], y[30:]))
    expected = float(((before > 0.5) & (y[:30] > 0.5)).sum())  # one step: the pre-step outputs
    assert history.history["true_positives"] == [expected]
    after = model.predict(x[30:], verbose=0)
    assert history.history["val_true_positives"] == [float(((after > 0.5) & (y[30:] > 0.5)).sum())]


def test_cosine_similarity_loss_of_one_unit_is_constant():
    # Why the generator gives CosineSimilarity at least two units: with one, the loss is -1 for
    # every sample and its gradient is rounding noise that adaptive optimizers amplify.
    y_true = np.array([[0.3], [2.0]], dtype="float32")
    y_pred = np.array([[0.7], [0.1]], dtype="float32")
    value = deepfit.losses.CosineSimilarity()(y_true, y_pred)
    assert float(value) == pytest.approx(-1.0)


def test_class_weight_without_a_key_weighs_one():
    x = np.zeros((4, 2), dtype="float32")
    y = np.array([0, 1, 2, 3])
    model = deepfit.Sequential([deepfit.Input((2,)), layers.Dense(4, activation="softmax",
                                                                  kernel_initializer="zeros")])
    model.compile("sgd", "sparse_categorical_crossentropy")
    loss = model.evaluate(x, y, verbose=0)
    history = model.fit(x, y, class_weight={0: 3.0}, epochs=1, batch_size=4, verbose=0)
    # weights (3, 1, 1, 1), Keras's sum_over_batch_size: sum(w * ce) / 4 with ce = log(4).
    assert history.history["loss"][0] == pytest.approx(loss * 6 / 4, rel=1e-5)


def test_two_outputs_report_their_own_losses():
    inputs = deepfit.Input((3,))
    model = deepfit.Model(inputs, [layers.Dense(1, name="a")(inputs),
                                   layers.Dense(1, name="b")(inputs)])
    model.compile("sgd", {"a": "mse", "b": "mae"})
    x = np.ones((4, 3), dtype="float32")
    history = model.fit(x, {"a": np.zeros((4, 1)), "b": np.zeros((4, 1))}, verbose=0)
    assert {"loss", "a_loss", "b_loss"} <= set(history.history)


def test_sample_weight_dict_by_output_name_for_listed_outputs():
    # Keras raises KeyError: 0 here (docs/differences.md); each output is weighted by its own.
    inputs = deepfit.Input((3,))
    model = deepfit.Model(inputs, [layers.Dense(1, name="out0")(inputs),
                                   layers.Dense(1, name="out1")(inputs)])
    model.compile("sgd", {"out0": "mse", "out1": "mae"})
    rng = np.random.default_rng(2)
    x = rng.normal(size=(10, 3)).astype("float32")
    y = {"out0": rng.normal(size=(10, 1)).astype("float32"),
         "out1": rng.normal(size=(10, 1)).astype("float32")}
    w = {"out0": rng.uniform(0, 2, 10).astype("float32"),
         "out1": rng.uniform(0, 2, 10).astype("float32")}
    result = model.evaluate(x, y, sample_weight=w, batch_size=10, verbose=0, return_dict=True)
    p0, p1 = model.predict(x, verbose=0)
    out0 = np.sum((p0 - y["out0"])[:, 0] ** 2 * w["out0"]) / 10
    out1 = np.sum(np.abs(p1 - y["out1"])[:, 0] * w["out1"]) / 10
    np.testing.assert_allclose(result["out0_loss"], out0, rtol=1e-5)
    np.testing.assert_allclose(result["out1_loss"], out1, rtol=1e-5)
    np.testing.assert_allclose(result["loss"], out0 + out1, rtol=1e-5)


def test_bias_right_before_batch_normalization_gets_only_rounding_noise():
    # Why known.py's BIAS_BEFORE_BATCH_NORM rule is float noise, not a bug: in training mode
    # BatchNormalization subtracts the batch mean, so the loss does not depend on the bias of
    # the layer feeding it; its gradient is rounding noise (Adam then scales it to steps of the
    # learning rate, differently in each library), while the kernel's gradient is not.
    rng = np.random.default_rng(3)
    x = torch.tensor(rng.normal(size=(16, 4)), dtype=torch.float32)
    y = torch.tensor(rng.normal(size=(16, 1)), dtype=torch.float32)
    dense = layers.Dense(5, bias_initializer="ones")
    norm = layers.BatchNormalization()
    head = layers.Dense(1)
    loss = torch.mean((head(norm(dense(x), training=True)) - y) ** 2)
    kernel_grad, bias_grad = torch.autograd.grad(loss, [dense.kernel, dense.bias])
    # float32 rounding of a sum that is zero in exact arithmetic: ~1e-7 of the kernel's scale
    assert float(bias_grad.abs().max()) < 1e-5 * float(kernel_grad.abs().max())


def test_saturated_sigmoid_crossentropy_comes_from_the_logits():
    # Keras's TensorFlow backend computes it from the sigmoid's logits; its torch backend clips
    # at 1e-7 and would give -log(1e-7) ~ 16.1 here (docs/differences.md, found in s1511).
    logits = np.array([[40.0], [-30.0]], dtype="float32")
    y = np.array([[0.0], [1.0]], dtype="float32")
    model = deepfit.Sequential([deepfit.Input((1,)), layers.Dense(1, activation="sigmoid",
                                                                  kernel_initializer="ones",
                                                                  use_bias=False)])
    model.compile("sgd", "mse", metrics=[deepfit.metrics.BinaryCrossentropy()])
    result = model.evaluate(logits, y, verbose=0, return_dict=True)
    assert result["binary_crossentropy"] == pytest.approx(35.0, rel=1e-5)  # mean of 40 and 30


def test_cosine_similarity_of_a_zero_prediction_has_a_finite_gradient():
    # Keras (torch and JAX backends) gives NaN here (docs/differences.md, found in s1606).
    y_true = torch.tensor([[0.3, 1.0], [1.0, 2.0]])
    y_pred = torch.tensor([[0.0, 0.0], [0.5, -1.0]], requires_grad=True)
    loss = deepfit.losses.CosineSimilarity()(y_true, y_pred)
    (grad,) = torch.autograd.grad(loss, [y_pred])
    assert torch.isfinite(grad).all()
    # the second row alone: -cos / 2, as a hand computation
    cos = (1.0 * 0.5 + 2.0 * -1.0) / (np.sqrt(5.0) * np.sqrt(1.25))
    assert float(loss) == pytest.approx(-cos / 2, rel=1e-6)


def test_evaluate_list_has_one_value_per_metric_of_a_repeated_name():
    # Keras lists [loss, acc, acc, acc_1] here (docs/differences.md, found in s950, s996, ...).
    x, y = _binary_data()
    model = deepfit.Sequential([deepfit.Input((4,)), layers.Dense(1, activation="sigmoid")])
    model.compile("sgd", "binary_crossentropy",
                  metrics=["binary_accuracy", deepfit.metrics.BinaryAccuracy(threshold=0.3)])
    values = model.evaluate(x, y, verbose=0)
    named = model.evaluate(x, y, verbose=0, return_dict=True)
    assert values == [named["loss"], named["binary_accuracy"], named["binary_accuracy_1"]]


def test_layer_normalization_of_two_features_is_ill_conditioned_near_ties():
    # Why known.py's ILL_CONDITIONED rule is float noise: over 2 features the output is about
    # +-1 except within ~sqrt(epsilon) of a tie, where its slope reaches 1/sqrt(epsilon).
    norm = layers.LayerNormalization(epsilon=1e-6)
    x = torch.tensor([[0.3, 0.3 + 1e-6], [0.3, 0.3 + 2e-6]])
    out = norm(x).detach().numpy()
    slope = (out[1, 1] - out[0, 1]) / 1e-6
    assert slope > 100  # a 1e-6 change in the input moves the output by more than 1e-4


def _mape_nesterov_float64(weights, x, y, batch=8, lr=0.05, momentum=0.5):
    """s997's model (Conv2D 3x3 valid, tanh -> global average -> Dense(1)) trained on MAPE by
    nesterov SGD as Keras writes them, in float64: (batch losses, weights after each step)."""
    w = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in weights]
    velocity = [torch.zeros_like(v) for v in w]
    x, y = torch.tensor(x, dtype=torch.float64), torch.tensor(y, dtype=torch.float64)
    losses, steps = [], []
    for start in range(0, len(x), batch):
        xb, yb = x[start:start + batch], y[start:start + batch]
        hidden = torch.tanh(torch.nn.functional.conv2d(xb.permute(0, 3, 1, 2),
                                                       w[0].permute(3, 2, 0, 1), w[1]))
        pred = hidden.mean(dim=(2, 3)) @ w[2] + w[3]
        # MAPE: 100 * mean(|y - pred| / max(|y|, epsilon)) per sample, mean over the batch
        ratio = torch.abs((yb - pred) / torch.clamp(torch.abs(yb), min=1e-7))
        loss = torch.mean(100 * torch.mean(ratio, dim=-1))
        grads = torch.autograd.grad(loss, w)
        with torch.no_grad():
            for v, m, g in zip(w, velocity, grads):
                m.copy_(momentum * m - lr * g)  # Keras: m = momentum*m - lr*g
                v.add_(momentum * m - lr * g)  # nesterov: v += momentum*m - lr*g
        losses.append(loss.item())
        steps.append([v.detach().numpy().copy() for v in w])
    return losses, steps


def test_mape_with_plain_sgd_overshoots_and_amplifies_rounding():
    # Why known.py's MAPE_SGD_OVERSHOOT rule is float noise (s997, docs/differences.md): deepfit
    # takes Keras's first step exactly (to float32 rounding), then the steps overshoot and any
    # perturbation, rounding or a 1e-7 nudge of the initial weights, grows tens of times.
    from deepfit.compat import keras as K
    from tests.difftest.build import build_model, fit_arguments, resolve
    from tests.difftest.generator import generate

    spec = generate(997)
    rng = np.random.default_rng(0)
    weights = [rng.uniform(-0.36, 0.36, (3, 3, 3, 2)).astype("float32"), np.zeros(2, "float32"),
               rng.uniform(-1.4, 1.4, (2, 1)).astype("float32"), np.zeros(1, "float32")]
    model = build_model(K, spec)
    model.set_weights(weights)
    model.compile(**resolve(K, spec["compile"]))
    x, y, kwargs = fit_arguments(spec)
    ours = []
    record = deepfit.callbacks.LambdaCallback(
        on_train_batch_end=lambda batch, logs: ours.append(model.get_weights()))
    model.fit(x, y, callbacks=[record], **kwargs)
    train = int(len(x) * (1 - kwargs["validation_split"]))  # Keras: the last 20 % validate
    losses, exact = _mape_nesterov_float64(weights, x[:train], y[:train])
    _, nudged = _mape_nesterov_float64([w * (1 + 1e-7) for w in weights], x[:train], y[:train])

    def gap(a, b):
        return max(float(np.abs(u - v).max()) for u, v in zip(a, b))

    assert len(ours) == len(exact) == 5
    assert losses[-1] > 5 * losses[0]  # overshooting: the loss grows within the epoch
    assert gap(ours[0], exact[0]) < 2e-6  # the same formulas: only float32 rounding
    assert gap(ours[-1], exact[-1]) > 20 * gap(ours[0], exact[0])  # rounding amplified ...
    assert gap(ours[-1], exact[-1]) < 5e-4  # ... but still rounding-sized
    assert gap(nudged[-1], exact[-1]) > 20 * gap(nudged[0], exact[0])  # the dynamics amplify


def test_one_metric_class_in_two_outputs_is_numbered_as_keras_numbers_it():
    # s33 and s905 (the sweep against Keras): Keras names a metric object from a counter per
    # session, so the second TruePositives() is 'true_positives_1' in every key it gives.
    inputs = deepfit.Input((3,))
    model = deepfit.Model(inputs, [layers.Dense(1, activation="sigmoid", name="out0")(inputs),
                                   layers.Dense(1, activation="sigmoid", name="out1")(inputs)])
    model.compile("sgd", {"out0": "binary_crossentropy", "out1": "binary_crossentropy"},
                  metrics={"out0": [deepfit.metrics.TruePositives()],
                           "out1": [deepfit.metrics.TruePositives()]})
    x, y = _binary_data(8)
    history = model.fit(x[:, :3], {"out0": y, "out1": y}, epochs=1, verbose=0)
    assert {"out0_true_positives", "out1_true_positives_1"} <= set(history.history)
    assert "out1_true_positives" not in history.history
