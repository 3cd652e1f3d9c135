"""The trainer's state is made by compile: the public steps work before any fit, and the fast
paths apply only when the trainer says every active feature is one they support."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import deepfit
from deepfit import layers
from deepfit.trainer import fused_dense
from deepfit.trainer.state import FEATURES


def _model(**dense_kwargs):
    model = deepfit.Sequential([deepfit.Input((4,)), layers.Dense(8, activation="relu"),
                                layers.Dense(3, activation="softmax", **dense_kwargs)])
    model.compile(optimizer=deepfit.optimizers.SGD(0.1), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model


def _data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(16, 4)).astype("float32")
    return x, (x[:, 0] > 0).astype("int64") + (x[:, 1] > 1).astype("int64")


def test_train_step_right_after_compile_equals_one_fit_step():
    x, y = _data()
    stepped, fitted = _model(), _model()
    fitted.set_weights(stepped.get_weights())
    logs = stepped.train_step((torch.from_numpy(x), torch.from_numpy(y)))
    history = fitted.fit(x, y, batch_size=16, epochs=1, shuffle=False, verbose=0, checks=False)
    assert set(logs) == {"loss", "accuracy"}
    assert float(logs["loss"]) == pytest.approx(history.history["loss"][0], rel=1e-6)
    for a, b in zip(stepped.get_weights(), fitted.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


def test_test_step_and_predict_step_right_after_compile():
    x, y = _data()
    model = _model()
    logs = model.test_step((torch.from_numpy(x), torch.from_numpy(y)))
    expected = model.evaluate(x, y, batch_size=16, verbose=0, return_dict=True)
    assert float(logs["loss"]) == pytest.approx(expected["loss"], rel=1e-6)
    out = model.predict_step((torch.from_numpy(x),))
    assert tuple(out.shape) == (16, 3)


def test_train_step_before_compile_names_compile():
    model = deepfit.Sequential([deepfit.Input((4,)), layers.Dense(1)])
    assert model.loss is None and model.optimizer is None  # Keras's attributes, before compile
    with pytest.raises(RuntimeError, match="compile"):
        model.train_step((torch.zeros(2, 4), torch.zeros(2, 1)))


def test_state_exists_after_compile_and_recompile_replaces_it():
    model = _model()
    first = model._trainer_state
    assert first is not None and first.loss_tracker in model.metrics
    model.compile(optimizer="sgd", loss="mse")
    assert model._trainer_state is not first


def test_fast_path_eligibility_follows_the_trainer_features():
    x, y = _data()
    plain = _model()
    plain.fit(x, y, epochs=1, verbose=0, checks=False)
    assert plain._trainer_state.active_features() == frozenset()
    assert plain._trainer_state.fused is not None
    regularized = _model(kernel_regularizer=deepfit.regularizers.L2(0.01))
    regularized.fit(x, y, epochs=1, verbose=0, checks=False)
    active = regularized._trainer_state.active_features()
    assert "regularizers" in active and active <= FEATURES
    assert regularized._trainer_state.fused is None
    assert fused_dense.unsupported_reason(regularized) == "regularizers"


def test_a_model_without_trainable_weights_fits_and_keeps_its_weights():
    x, _ = _data()
    target = np.ones((16, 1), "float32")
    model = deepfit.Sequential([deepfit.Input((4,)), layers.Dense(1)])
    model.layers[0].trainable = False
    model.compile("adam", "mse")
    before = model.get_weights()
    history = model.fit(x, target, batch_size=16, epochs=2, verbose=0, checks=False)
    expected = np.mean((model.predict(x, verbose=0) - 1.0) ** 2)
    np.testing.assert_allclose(history.history["loss"], [expected] * 2, rtol=1e-6)
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_pydataset_on_epoch_end_is_called_once_per_epoch():
    from deepfit.compat.pydataset import PyDataset

    x, y = _data()

    class Batches(PyDataset):
        def __init__(self):
            super().__init__()
            self.ends = 0

        def __len__(self):
            return 2

        def __getitem__(self, index):
            return x[index * 8:(index + 1) * 8], y[index * 8:(index + 1) * 8]

        def on_epoch_end(self):
            self.ends += 1

    batches = Batches()
    _model().fit(batches, epochs=3, verbose=0, checks=False)
    assert batches.ends == 3


def test_compile_without_loss_trains_on_add_loss_alone():
    x, _ = _data()

    class Penalized(deepfit.Model):
        def __init__(self):
            super().__init__()
            self.dense = layers.Dense(2)

        def call(self, inputs):
            out = self.dense(inputs)
            self.add_loss(torch.mean(out ** 2))
            return out

    model = Penalized()
    model.compile(deepfit.optimizers.SGD(0.1))
    first = np.mean(model.predict(x, verbose=0) ** 2)
    history = model.fit(x, batch_size=16, epochs=3, verbose=0, checks=False).history["loss"]
    assert history[0] == pytest.approx(first, rel=1e-5)
    assert history[2] < history[0]


def test_compile_without_any_loss_says_so():
    x, y = _data()
    model = deepfit.Sequential([deepfit.Input((4,)), layers.Dense(1)])
    model.compile("sgd")
    before = model.get_weights()
    with pytest.raises(ValueError, match="No loss to compute"):
        model.fit(x, y.astype("float32"), verbose=0, checks=False)
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_fit_evaluate_and_predict_add_no_attribute_to_the_model(tmp_path):
    """Everything a run keeps (NaN guard, profiler, stop flags, where it stopped) lives in the
    TrainerState that compile made, not in attributes added to the model on the way."""
    x, _ = _data()
    y = x[:, :3].argmax(axis=1)
    model = _model()
    before = set(vars(model))
    state = model._trainer_state
    backup = deepfit.callbacks.BackupAndRestore(str(tmp_path / "backup"))
    model.fit(x, y, epochs=2, batch_size=8, verbose=0, validation_split=0.25, debug_nan=True,
              profile=True, callbacks=[backup])
    model.evaluate(x, y, verbose=0)
    model.predict(x, verbose=0)
    model.train_on_batch(x, y)
    assert set(vars(model)) == before
    assert model._trainer_state is state
    assert state.stopped_at == (2, 0) and not state.interrupted and state.preempted_by is None
    assert state.nan_guard is not None and state.profiler is not None
