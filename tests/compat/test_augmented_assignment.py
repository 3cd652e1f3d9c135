"""`x += y` in a script run by `deepfit run` has TensorFlow's meaning for tensors (a new
tensor, never a write into the old one) and Python's meaning for everything else."""

from __future__ import annotations

import numpy as np
import torch

from deepfit.compat import augmented_assignment, importer, runner

_SCRIPT = """
import numpy as np
import tensorflow as tf
import keras
from keras import layers

a = tf.constant([1.0, 2.0])
b = a
b -= 1.0
RESULTS["eager"] = (a.numpy().tolist(), b.numpy().tolist())

class ShiftScale(layers.Layer):
    def call(self, inputs):
        inputs -= 1.0
        inputs *= 3.0
        return inputs

inp = keras.Input((2,))
h = layers.Dense(2, kernel_initializer="ones")(inp)
model = keras.Model(inp, layers.Add()([h, ShiftScale()(h)]))
RESULTS["residual"] = model.predict(np.array([[1.0, 1.0]]), verbose=0).tolist()

sig = layers.Dense(2, kernel_initializer="ones", activation="sigmoid")(inp)
model = keras.Model(inp, ShiftScale()(sig))
model.compile(loss="mse", optimizer="sgd")
RESULTS["loss"] = float(model.train_on_batch(np.array([[1.0, 1.0]]), np.array([[5.0, 5.0]])))

items = [1]
alias = items
items += [2]
array = np.zeros(2)
view = array
array += 1
class Box:
    count = 0
box = Box()
box.count += 2
RESULTS["python"] = (alias, view.tolist(), box.count)
"""


def test_tensors_are_rebound_and_other_values_keep_python_semantics(tmp_path, monkeypatch):
    script = tmp_path / "inplace.py"
    script.write_text(_SCRIPT)
    results: dict = {}
    import builtins

    monkeypatch.setattr(builtins, "RESULTS", results, raising=False)
    try:
        runner.run_script(script)
    finally:
        importer.uninstall()
    assert results["eager"] == ([1.0, 2.0], [0.0, 1.0])  # what TensorFlow prints
    # h = 2: h + 3 * (h - 1) = 5, not 6 (which an in-place update of h would give)
    assert results["residual"] == [[5.0, 5.0]]
    # sigmoid(2) = 0.8808; 3 * (0.8808 - 1) = -0.3576; (5 + 0.3576)^2, as Keras reports
    np.testing.assert_allclose(results["loss"], (5 - 3 * (1 / (1 + np.exp(-2)) - 1)) ** 2,
                               rtol=1e-5)
    assert results["python"] == ([1, 2], [1.0, 1.0], 2)


def test_trainable_variables_keep_their_in_place_update():
    weight = torch.nn.Parameter(torch.ones(2))
    with torch.no_grad():
        updated = augmented_assignment.augmented("-=", weight, 0.5)
    assert updated is weight and weight.tolist() == [0.5, 0.5]
    plain = torch.ones(2)
    assert augmented_assignment.augmented("*=", plain, 2.0) is not plain
    assert plain.tolist() == [1.0, 1.0]


def test_line_numbers_survive_the_rewrite():
    code = augmented_assignment.compile_script("x = 1\n\nx += undefined_name\n", "s.py")
    scope = {augmented_assignment.HELPER: augmented_assignment.augmented}
    try:
        exec(code, scope)  # noqa: S102 - the two-line script above
    except NameError as err:
        assert err.__traceback__.tb_next.tb_lineno == 3
    else:  # pragma: no cover - the script must fail
        raise AssertionError("expected a NameError")
