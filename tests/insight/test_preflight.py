"""Pre-flight checks: each TrainingWarning fires on its case, once, in one line, pointing at the
caller's fit line, and stays silent on a clean run or when checks are off."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import deepfit
from deepfit import layers
from deepfit.insight import preflight


def _fit_warnings(model, x, y, optimizer="adam", loss="sparse_categorical_crossentropy",
                  **kwargs):
    """The TrainingWarning messages of one fit, with their warning records."""
    model.compile(optimizer=optimizer, loss=loss)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(x, y, epochs=1, verbose=0, **kwargs)
    return [w for w in caught if issubclass(w.category, deepfit.TrainingWarning)]


def _messages(records):
    return [str(w.message) for w in records]


def _classifier(units=3, activation="softmax"):
    return deepfit.Sequential([layers.Dense(8, activation="relu"),
                               layers.Dense(units, activation=activation)])


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 1, size=(300, 6)).astype("float32")
    y = rng.integers(0, 3, size=300)
    return x, y


def test_clean_run_is_silent(data):
    x, y = data
    assert _fit_warnings(_classifier(), x, y, validation_split=0.2) == []


def test_training_warning_is_a_user_warning_exported_at_top_level():
    assert issubclass(deepfit.TrainingWarning, UserWarning)
    assert deepfit.TrainingWarning is deepfit.insight.TrainingWarning


def test_unscaled_inputs(data):
    x, y = data
    model = deepfit.Sequential([layers.Dense(8, activation="relu", name="hidden"),
                                layers.Dense(3, activation="softmax")])
    records = _fit_warnings(model, np.round(x * 255), y)
    assert _messages(records) == [
        "Inputs are not scaled: values reach 255 and feed Dense layer 'hidden' directly; scale "
        "them to about [-1, 1] (x / 255.0 for 0..255 images, or (x - mean) / std)"]
    # The warning points at this file's fit call, not inside deepfit.
    assert records[0].filename == __file__
    # Behind a Flatten the first computing layer is still a Dense.
    model = deepfit.Sequential([layers.Flatten(), layers.Dense(3, activation="softmax")])
    images = np.round(x.reshape(300, 2, 3) * 255)
    assert "Inputs are not scaled" in _messages(_fit_warnings(model, images, y))[0]


def test_softmax_with_binary_crossentropy(data):
    x, y = data
    one_hot = np.eye(3, dtype="float32")[y]
    messages = _messages(_fit_warnings(_classifier(), x, one_hot, loss="binary_crossentropy"))
    assert len(messages) == 1
    assert messages[0].startswith("The last layer applies softmax but the loss is "
                                  "binary_crossentropy")


def test_one_sigmoid_unit_with_ten_classes():
    rng = np.random.default_rng(1)
    x = rng.uniform(size=(200, 4)).astype("float32")
    y = np.arange(200) % 10
    messages = _messages(_fit_warnings(_classifier(1, "sigmoid"), x, y,
                                       loss="binary_crossentropy"))
    assert messages == ["One sigmoid unit cannot tell apart the 10 classes in y (labels up to "
                        "9): use Dense(10, activation='softmax') with "
                        "loss='sparse_categorical_crossentropy'"]


def test_sigmoid_outputs_with_categorical_crossentropy(data):
    x, y = data
    messages = _messages(_fit_warnings(_classifier(3, "sigmoid"), x, y))
    assert len(messages) == 1 and "sigmoid outputs do not sum to 1" in messages[0]


def test_logits_and_probabilities_mixed_up(data):
    x, y = data
    from_logits = deepfit.losses.SparseCategoricalCrossentropy(from_logits=True)
    messages = _messages(_fit_warnings(_classifier(), x, y, loss=from_logits))
    assert messages == ["The loss sparse_categorical_crossentropy has from_logits=True but the "
                        "last layer already applies softmax: remove the activation or use "
                        "from_logits=False"]
    messages = _messages(_fit_warnings(_classifier(3, None), x, y))
    assert len(messages) == 1 and "outputs logits" in messages[0]
    # Logits with from_logits=True is the right pairing: silent.
    assert _fit_warnings(_classifier(3, None), x, y, loss=from_logits) == []


def test_output_wider_than_the_number_of_classes(data):
    x, y = data
    messages = _messages(_fit_warnings(_classifier(10), x, y))
    assert messages == ["The output has 10 units but the labels use only 3 classes (0 to 2): "
                        "make the last layer Dense(3)"]


def test_class_imbalance_beyond_ten_to_one(data):
    x, _ = data
    y = np.zeros(300, dtype="int64")
    y[:20] = 1                                          # 280:20 = 14:1
    messages = _messages(_fit_warnings(_classifier(2), x, y))
    assert len(messages) == 1
    assert messages[0].startswith("Classes are imbalanced 14:1 (class 0: 280 samples, "
                                  "class 1: 20)")
    y[:30] = 1                                          # 270:30 = 9:1, under the limit
    assert _fit_warnings(_classifier(2), x, y) == []


def test_binary_labels_imbalance(data):
    x, _ = data
    y = (np.arange(300) < 12).astype("float32")         # 288:12 = 24:1
    messages = _messages(_fit_warnings(_classifier(1, "sigmoid"), x, y,
                                       loss="binary_crossentropy"))
    assert len(messages) == 1 and messages[0].startswith("Classes are imbalanced 24:1")


def test_validation_samples_duplicating_training_samples(data):
    x, y = data
    x_val = np.concatenate([x[:7], x[:13] + 5.0])       # 7 copies, 13 new rows
    y_val = np.concatenate([y[:7], y[:13]])
    messages = _messages(_fit_warnings(_classifier(), x, y, validation_data=(x_val, y_val)))
    assert len(messages) == 1
    assert messages[0].startswith("7 of the 20 validation samples checked are exact copies of "
                                  "training samples")
    assert _fit_warnings(_classifier(), x, y, validation_data=(x[:20] + 5.0, y[:20])) == []


def test_row_hashes_match_exact_rows_only():
    rng = np.random.default_rng(2)
    import torch

    rows = torch.from_numpy(rng.normal(size=(50, 3, 4)).astype("float32"))
    hashes = preflight._row_hashes(rows)
    assert len(set(hashes.tolist())) == 50
    assert torch.equal(preflight._row_hashes(rows[[3, 3]]), hashes[[3, 3]])
    nudged = rows.clone()
    nudged[:, 2, 1] = torch.nextafter(nudged[:, 2, 1], torch.tensor(10.0))
    assert not torch.isin(preflight._row_hashes(nudged), hashes).any()
    ints = torch.arange(12).reshape(6, 2)
    assert len(set(preflight._row_hashes({"a": ints, "b": rows[:6]}).tolist())) == 6


@pytest.mark.parametrize("optimizer, expected", [
    (deepfit.optimizers.SGD(5.0), "learning_rate=5 is far outside the usual range for SGD "
                                  "(0.001 to 0.1): expect the loss to diverge; try 0.01"),
    (deepfit.optimizers.Adam(1e-7), "learning_rate=1e-07 is far outside the usual range for "
                                    "Adam (0.0001 to 0.01): expect the loss to barely move; "
                                    "try 0.001"),
    (deepfit.optimizers.Adam(0.1), None),               # the Celsius tutorial's setting
    (deepfit.optimizers.SGD(0.5), None),
])
def test_learning_rate_far_outside_the_usual_range(data, optimizer, expected):
    x, y = data
    messages = _messages(_fit_warnings(_classifier(), x, y, optimizer=optimizer))
    assert messages == ([] if expected is None else [expected])


def test_fit_learning_rate_argument_is_the_one_checked(data):
    x, y = data
    messages = _messages(_fit_warnings(_classifier(), x, y, learning_rate=3.0))
    assert messages and messages[0].startswith("learning_rate=3 is far outside")


def test_each_problem_once_per_fit_one_line_each(data):
    x, y = data
    records = _fit_warnings(_classifier(10), np.round(x * 255), y,
                            optimizer=deepfit.optimizers.SGD(50.0),
                            validation_data=(np.round(x[:5] * 255), y[:5]))
    messages = _messages(records)
    assert len(messages) == 4 == len(set(messages))
    assert all("\n" not in m for m in messages)


def test_checks_false_and_set_checks_silence_everything(data):
    x, y = data
    unscaled = np.round(x * 255)
    assert _fit_warnings(_classifier(), unscaled, y, checks=False) == []
    deepfit.config.set_checks(False)
    try:
        assert _fit_warnings(_classifier(), unscaled, y) == []
    finally:
        deepfit.config.set_checks(True)
    assert len(_fit_warnings(_classifier(), unscaled, y)) == 1


def test_datasets_and_multi_input_models_do_not_break_the_checks(data):
    x, y = data
    dataset = deepfit.data.Dataset.from_tensor_slices((np.round(x * 255), y)).batch(32)
    messages = _messages(_fit_warnings(_classifier(), dataset, None))
    assert len(messages) == 1 and messages[0].startswith("Inputs are not scaled")
    a = deepfit.Input(shape=(6,), name="a")
    b = deepfit.Input(shape=(6,), name="b")
    merged = layers.Dense(3, activation="softmax")(layers.Dense(4)(a))
    model = deepfit.Model({"a": a, "b": b}, merged)
    assert _fit_warnings(model, {"a": x * 255, "b": x}, y) == []


def test_run_returns_nothing_when_checks_are_off(data):
    deepfit.config.set_checks(False)
    try:
        assert preflight.run(None, None, None, None) == []
    finally:
        deepfit.config.set_checks(True)


def test_one_batch_of_a_stream_is_not_judged_for_missing_classes(data):
    x, y = data
    order = np.argsort(y, kind="stable")                # the first batch holds class 0 only
    dataset = deepfit.data.Dataset.from_tensor_slices((x[order], y[order])).batch(32)
    assert _fit_warnings(_classifier(), dataset, None) == []
    assert len(_fit_warnings(_classifier(), x[order], y[order])) == 0


def test_subclassed_model_output_is_judged_by_what_it_returns(data):
    x, y = data

    class Net(deepfit.Model):
        def __init__(self):
            super().__init__()
            self.out = layers.Dense(3, activation="softmax")
            self.hidden = layers.Dense(8)            # assigned last, but not the output

        def call(self, inputs):
            return self.out(self.hidden(inputs))

    assert _fit_warnings(Net(), x, y) == []
    one_hot = np.eye(3, dtype="float32")[y]
    messages = _messages(_fit_warnings(Net(), x, one_hot, loss="binary_crossentropy"))
    assert len(messages) == 1 and "applies softmax" in messages[0]
