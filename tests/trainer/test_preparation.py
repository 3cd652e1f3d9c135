"""fit runs the model once before its first step: one pass builds the model and serves the
target checks, the pre-flight checks, the History's baseline and the FLOP estimate."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import deepfit
from deepfit import layers
from deepfit.trainer import runtime
from deepfit.trainer.preparation import first_pass


def _classifier():
    model = deepfit.Sequential([deepfit.Input((4,)), layers.Dense(8, activation="relu"),
                                layers.Dense(3, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def _forwards_before_training(model, *fit_args, **fit_kwargs) -> int:
    calls = []
    handle = model.register_forward_pre_hook(lambda module, args: calls.append(1))
    history = model.fit(*fit_args, epochs=0, verbose=0, **fit_kwargs)
    handle.remove()
    return len(calls), history


@pytest.mark.parametrize("checks", [True, False])
@pytest.mark.parametrize("source", ["arrays", "dataset"])
def test_fit_runs_the_model_once_before_the_first_step(checks, source):
    x = np.random.default_rng(0).random((32, 4), dtype=np.float32)
    y = x[:, :3].argmax(1)
    data = ((x, y) if source == "arrays"
            else (deepfit.data.Dataset.from_tensor_slices((x, y)).batch(8),))
    count, history = _forwards_before_training(_classifier(), *data, checks=checks)
    assert count == 1  # was 4 with checks (build, pre-flight, baseline, FLOP probe), 3 without
    seen = y if source == "arrays" else y[:8]  # a dataset's baseline reads its first batch
    frequencies = np.bincount(seen, minlength=3) / len(seen)
    # the baseline (predicting the class frequencies) still comes from that one pass
    expected = -(frequencies * np.log(frequencies)).sum()
    assert history.baseline == pytest.approx(float(expected), rel=1e-5)


def test_the_preflight_checks_still_see_the_outputs():
    x = np.random.default_rng(0).random((32, 4), dtype=np.float32)
    model = deepfit.Sequential([deepfit.Input((4,)), layers.Dense(3)])  # no softmax
    model.compile("adam", "sparse_categorical_crossentropy")
    with pytest.warns(UserWarning, match="from_logits"):
        count, _ = _forwards_before_training(model, x, x[:, :3].argmax(1))
    assert count == 1


def _subclassed():
    class TwoDense(deepfit.Model):
        def __init__(self):
            super().__init__()
            self.hidden = layers.Dense(6, activation="relu")
            self.out = layers.Dense(2)

        def call(self, x):
            return self.out(self.hidden(x))

    return TwoDense(), torch.zeros(8, 6)


def _unbuilt_sequential():
    return deepfit.Sequential([layers.Flatten(), layers.Dense(16, activation="relu"),
                               layers.Dense(1)]), torch.zeros(8, 3, 5)


def _convnet():
    inputs = deepfit.Input((12, 12, 1))
    hidden = layers.MaxPooling2D()(layers.Conv2D(4, 3)(inputs))
    return deepfit.Model(inputs, layers.Dense(10)(layers.Flatten()(hidden))), torch.zeros(
        8, 12, 12, 1)


@pytest.mark.parametrize("make", [_subclassed, _unbuilt_sequential, _convnet])
def test_the_pass_counts_the_flops_of_one_sample_on_the_whole_batch(make):
    model, x = make()
    prepared = first_pass(model, (x, None, None))  # builds the model on the batch
    assert prepared.flops_per_sample == runtime.estimate_flops_per_sample(model, x[:1])
    assert prepared.flops_per_sample > 0
    assert tuple(prepared.y_pred.shape)[0] == 8


class _LayersOnFirstCall(deepfit.Model):
    """A subclass that makes its layers inside its first call (no __init__ layers)."""

    def call(self, x):
        if not hasattr(self, "hidden"):
            self.hidden = layers.Dense(6, activation="relu")
            self.out = layers.Dense(2)
        return self.out(self.hidden(x))


def test_layers_made_during_the_first_call_are_counted_on_that_pass():
    model = _LayersOnFirstCall()
    prepared = first_pass(model, (torch.zeros(8, 5), None, None))
    assert prepared.flops_per_sample == 2.0 * (5 * 6 + 6 * 2)  # hand count: 2 x multiply-adds


def test_fit_runs_a_subclass_that_makes_layers_on_first_call_once_before_training():
    x = np.random.default_rng(0).random((32, 5), dtype=np.float32)
    model = _LayersOnFirstCall()
    model.compile("adam", "mse")
    count, _ = _forwards_before_training(model, x, x[:, :2])
    assert count == 1  # the FLOP count no longer needs a second, one-sample probe
