"""Learning-rate schedules: values vs the formulas and vs real Keras; errors; get/serialize."""

import math
import os

import pytest

from deepfit import schedules

os.environ["KERAS_BACKEND"] = "torch"

STEPS = [0, 1, 5, 9, 10, 11, 25, 100, 250]


@pytest.fixture(scope="module")
def keras():
    return pytest.importorskip("keras")


def _cosine(fraction, alpha):
    return (1 - alpha) * 0.5 * (1 + math.cos(math.pi * fraction)) + alpha


def test_exponential_decay_formula():
    smooth = schedules.ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5)
    stairs = schedules.ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5, staircase=True)
    for step in STEPS:
        assert smooth(step) == pytest.approx(0.1 * 0.5 ** (step / 10), rel=1e-12)
        assert stairs(step) == pytest.approx(0.1 * 0.5 ** (step // 10), rel=1e-12)
    assert isinstance(smooth(3), float)


def test_piecewise_constant_decay_at_and_between_boundaries():
    s = schedules.PiecewiseConstantDecay([10, 20], [1.0, 0.5, 0.1])
    expected = {0: 1.0, 10: 1.0, 11: 0.5, 20: 0.5, 21: 0.1, 1000: 0.1}
    assert {step: s(step) for step in expected} == expected


def test_polynomial_decay_formula_with_and_without_cycle():
    s = schedules.PolynomialDecay(0.1, decay_steps=10, end_learning_rate=0.01, power=2.0)
    for step in STEPS:
        fraction = 1 - min(step, 10) / 10
        assert s(step) == pytest.approx((0.1 - 0.01) * fraction**2 + 0.01, rel=1e-12)
    cyc = schedules.PolynomialDecay(0.1, decay_steps=10, end_learning_rate=0.0, cycle=True)
    assert cyc(0) == pytest.approx(0.1)
    assert cyc(15) == pytest.approx(0.1 * (1 - 15 / 20))  # second period is 20 steps long


def test_inverse_time_decay_formula():
    s = schedules.InverseTimeDecay(0.1, decay_steps=10, decay_rate=0.5)
    stairs = schedules.InverseTimeDecay(0.1, decay_steps=10, decay_rate=0.5, staircase=True)
    for step in STEPS:
        assert s(step) == pytest.approx(0.1 / (1 + 0.5 * step / 10), rel=1e-12)
        assert stairs(step) == pytest.approx(0.1 / (1 + 0.5 * (step // 10)), rel=1e-12)


def test_cosine_decay_formula_with_and_without_warmup():
    s = schedules.CosineDecay(0.1, decay_steps=100, alpha=0.1)
    for step in STEPS:
        assert s(step) == pytest.approx(0.1 * _cosine(min(step, 100) / 100, 0.1), rel=1e-12)
    warm = schedules.CosineDecay(0.0, decay_steps=100, warmup_target=0.2, warmup_steps=10)
    assert warm(0) == 0.0
    assert warm(5) == pytest.approx(0.1)
    assert warm(10) == pytest.approx(0.2)
    assert warm(60) == pytest.approx(0.2 * _cosine(0.5, 0.0))
    assert warm(500) == pytest.approx(0.0, abs=1e-15)


def test_cosine_decay_restarts_periods():
    s = schedules.CosineDecayRestarts(1.0, first_decay_steps=10, t_mul=2.0, m_mul=0.5)
    assert s(0) == pytest.approx(1.0)
    assert s(5) == pytest.approx(_cosine(0.5, 0.0))
    assert s(10) == pytest.approx(0.5)  # restart, peak halved, period now 20
    assert s(20) == pytest.approx(0.5 * _cosine(0.5, 0.0))


KERAS_EQUIVALENTS = [
    ("ExponentialDecay", {"initial_learning_rate": 0.1, "decay_steps": 7, "decay_rate": 0.3}),
    ("ExponentialDecay", {"initial_learning_rate": 0.1, "decay_steps": 7, "decay_rate": 0.3,
                          "staircase": True}),
    ("PiecewiseConstantDecay", {"boundaries": [10, 20], "values": [1.0, 0.5, 0.1]}),
    ("PolynomialDecay", {"initial_learning_rate": 0.1, "decay_steps": 30, "power": 0.5}),
    ("PolynomialDecay", {"initial_learning_rate": 0.1, "decay_steps": 30, "cycle": True}),
    ("InverseTimeDecay", {"initial_learning_rate": 0.1, "decay_steps": 7, "decay_rate": 0.3}),
    ("CosineDecay", {"initial_learning_rate": 0.1, "decay_steps": 50, "alpha": 0.2}),
    ("CosineDecay", {"initial_learning_rate": 0.01, "decay_steps": 50, "warmup_target": 0.1,
                     "warmup_steps": 20}),
    ("CosineDecayRestarts", {"initial_learning_rate": 0.1, "first_decay_steps": 10}),
    ("CosineDecayRestarts", {"initial_learning_rate": 0.1, "first_decay_steps": 10,
                             "t_mul": 1.0, "m_mul": 0.8, "alpha": 0.1}),
]


@pytest.mark.parametrize("class_name, config", KERAS_EQUIVALENTS)
def test_values_match_real_keras(keras, class_name, config):
    ours = getattr(schedules, class_name)(**config)
    theirs = getattr(keras.optimizers.schedules, class_name)(**config)
    for step in STEPS:
        expected = float(keras.ops.convert_to_numpy(theirs(step)))
        assert ours(step) == pytest.approx(expected, rel=1e-5, abs=1e-9), step


def test_invalid_arguments_are_rejected():
    with pytest.raises(ValueError, match="decay_steps` must be > 0"):
        schedules.ExponentialDecay(0.1, decay_steps=0, decay_rate=0.5)
    with pytest.raises(ValueError, match="decay_steps` must be > 0"):
        schedules.CosineDecay(0.1, decay_steps=-1)
    with pytest.raises(ValueError, match="length of boundaries"):
        schedules.PiecewiseConstantDecay([1, 2], [1.0, 2.0])
    with pytest.raises(ValueError, match="increasing"):
        schedules.PiecewiseConstantDecay([5, 2], [1.0, 2.0, 3.0])
    with pytest.raises(TypeError, match="initial_learning_rate"):
        schedules.InverseTimeDecay("0.1", 10, 0.5)
    with pytest.raises(NotImplementedError, match="must override `__call__"):
        schedules.LearningRateSchedule()(0)


@pytest.mark.parametrize("class_name, config", KERAS_EQUIVALENTS)
def test_serialize_round_trip(class_name, config):
    schedule = getattr(schedules, class_name)(**config)
    data = schedules.serialize(schedule)
    assert data["class_name"] == class_name
    clone = schedules.get(data)
    assert type(clone) is type(schedule) and clone.get_config() == schedule.get_config()
    assert [clone(s) for s in STEPS] == [schedule(s) for s in STEPS]
    assert schedules.deserialize(data).get_config() == schedule.get_config()


def test_get_accepts_objects_callables_and_keras_serialized_form(keras):
    decay = schedules.InverseTimeDecay(0.1, 10, 0.5)
    assert schedules.get(decay) is decay

    def halve(step):
        return 0.5**step

    assert schedules.get(halve) is halve
    theirs = keras.optimizers.schedules.serialize(
        keras.optimizers.schedules.ExponentialDecay(0.1, 10, 0.5))
    ours = schedules.get(theirs)
    assert isinstance(ours, schedules.ExponentialDecay) and ours(10) == pytest.approx(0.05)


def test_unknown_name_lists_the_valid_ones():
    with pytest.raises(ValueError, match="Unknown learning rate schedule.*'CosineDecay'"):
        schedules.get({"class_name": "Cosine", "config": {}})
    with pytest.raises(TypeError, match="LearningRateSchedule"):
        schedules.serialize(lambda step: 0.1)


def test_custom_subclass_works_in_from_config():
    class Halving(schedules.LearningRateSchedule):
        def __init__(self, start):
            self.start = start

        def __call__(self, step):
            return self.start * 0.5**step

        def get_config(self):
            return {"start": self.start}

    clone = schedules.deserialize(schedules.serialize(Halving(0.8)),
                                  custom_objects={"Halving": Halving})
    assert clone(2) == 0.2


@pytest.mark.parametrize("total, pct, div, final_div", [
    (100, 0.3, 25.0, 1e4), (37, 0.25, 10.0, 100.0), (10, 0.5, 4.0, 1e3),
])
def test_one_cycle_matches_torch_one_cycle_lr(total, pct, div, final_div):
    import torch

    weight = torch.nn.Parameter(torch.zeros(1))
    optimizer = torch.optim.SGD([weight], lr=0.1)
    reference = torch.optim.lr_scheduler.OneCycleLR(
        optimizer, max_lr=0.5, total_steps=total, pct_start=pct, div_factor=div,
        final_div_factor=final_div, cycle_momentum=False)
    ours = schedules.OneCycle(0.5, total_steps=total, pct_start=pct, div_factor=div,
                              final_div_factor=final_div)
    for step in range(total):
        assert ours(step) == pytest.approx(optimizer.param_groups[0]["lr"], rel=1e-9), step
        optimizer.step()
        reference.step() if step < total - 1 else None
    assert ours(total + 50) == pytest.approx(ours(total - 1))


@pytest.mark.parametrize("kwargs, match", [
    ({"max_learning_rate": 0.0, "total_steps": 10}, "max_learning_rate"),
    ({"max_learning_rate": 0.1, "total_steps": 0}, "total_steps"),
    ({"max_learning_rate": 0.1, "total_steps": 10, "pct_start": 1.0}, "pct_start"),
])
def test_one_cycle_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        schedules.OneCycle(**kwargs)


def test_one_cycle_trains_in_fit():
    import numpy as np

    import deepfit as keras

    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(256, 4)).astype("float32")
    y = x @ np.array([1.0, -2.0, 0.5, 3.0], dtype="float32")
    model = keras.Sequential([keras.layers.Dense(1, input_dim=4)])
    steps = 8 * 10
    model.compile(keras.optimizers.SGD(schedules.OneCycle(0.1, total_steps=steps)), "mse")
    history = model.fit(x, y, epochs=10, batch_size=32, verbose=0)
    assert history.history["loss"][-1] < 1e-3 * history.history["loss"][0]
    assert model.optimizer.iterations == steps


def test_schedules_are_reachable_as_keras_spells_them():
    import deepfit as keras

    assert keras.optimizers.schedules.ExponentialDecay is schedules.ExponentialDecay
    assert keras.optimizers.schedules.OneCycle is schedules.OneCycle
