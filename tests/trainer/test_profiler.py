"""fit(profile=True): phases add up to the loop's time, a slow generator is called input bound,
and the per-step split is read from torch.profiler."""

import time

import numpy as np
import pytest

import deepfit as keras
from deepfit.trainer.profiler import PHASES, ProfileReport, verdict


def _model():
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.layers.Dense(64, activation="relu", input_dim=16),
                              keras.layers.Dense(2, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def _data(n=2048):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(n, 16)).astype("float32")
    return x, (x[:, 0] > 0).astype("int64")


def test_arrays_are_compute_bound_and_the_report_is_kept(capsys):
    x, y = _data()
    model = _model()
    history = model.fit(x, y, epochs=2, batch_size=64, validation_split=0.25, verbose=0,
                        profile=True)
    report = history.profile
    assert isinstance(report, ProfileReport) and report.steps == 2 * 24
    assert set(report.seconds) == set(PHASES)
    assert sum(report.fractions.values()) == pytest.approx(1.0)
    assert report.seconds["backward"] > 0 and report.seconds["forward"] > 0
    assert report.seconds["optimizer"] > 0 and report.seconds["validation"] > 0
    assert report.seconds["host_to_device"] == 0.0          # the CPU: nothing is copied
    assert report.top_ops and all(name.startswith("aten::") for name, _ in report.top_ops)
    assert "Time by phase" in capsys.readouterr().out
    assert "step" not in vars(model.optimizer) and "_backward" not in vars(model)  # unlabelled


def test_a_slow_generator_is_input_bound():
    x, y = _data(512)

    def slow_batches():
        while True:
            for start in range(0, len(x), 32):
                time.sleep(0.004)        # the work a slow Python pipeline does per batch
                yield x[start:start + 32], y[start:start + 32]

    history = _model().fit(slow_batches(), epochs=1, steps_per_epoch=16, verbose=0,
                           profile=True)
    assert history.profile.fractions["data"] > 0.4
    assert history.profile.verdict.startswith("Input pipeline bound")


def test_verdicts_by_hand():
    def report(**seconds):
        return ProfileReport({p: seconds.get(p, 0.0) for p in PHASES}, 10)

    assert verdict(report(data=1, forward=1)).startswith("Input pipeline bound: 50%")
    assert verdict(report(validation=5, forward=1)).startswith("Validation takes 83%")
    assert verdict(report(callbacks=3, forward=7)).startswith("Callbacks take 30%")
    assert verdict(report(optimizer=4, forward=6)).startswith("The optimizer takes 40%")
    assert verdict(report(forward=6, backward=4)).startswith("Compute bound: forward and "
                                                             "backward take 100%")


def test_off_by_default_and_checked():
    x, y = _data(64)
    model = _model()
    history = model.fit(x, y, verbose=0)
    assert not hasattr(history, "profile") or history.profile is None
    with pytest.raises(TypeError, match="profile: expected True or False"):
        model.fit(x, y, verbose=0, profile="yes")
