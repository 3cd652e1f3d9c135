"""keras.config's switches (interactive logging, epoch and step caps, flash attention,
traceback filtering, the backend), keras.tree's traverse / map_structure_up_to /
map_shape_structure / assert_same_paths / MAP_TO_NONE and keras.utils's Config,
get_source_inputs and the names `import deepfit as keras` must offer — each compared with real
Keras (torch backend, a separate process) where Keras gives a result."""

from __future__ import annotations

import contextlib
import io
import logging
import warnings

import numpy as np
import pytest

import deepfit as keras
from tests.trainer.keras_process import run_keras

_SCRIPT = """
import collections, contextlib, io, warnings
tree = keras.tree
seen_down, seen_up = [], []
nest = [(1, 2), [3], {"a": 4}]
result["down"] = repr(tree.traverse(seen_down.append, nest, top_down=True))
result["up"] = repr(tree.traverse(seen_up.append, nest, top_down=False))
result["seen_down"], result["seen_up"] = repr(seen_down), repr(seen_up)
result["to_none"] = repr(tree.traverse(
    lambda s: tree.MAP_TO_NONE if s == [3] else None, nest))
result["lists_up"] = repr(tree.traverse(
    lambda s: tuple(s) if isinstance(s, list) else None, [[1, [2]], 3], top_down=False))
result["up_to"] = repr(tree.map_structure_up_to([None, [None, None]], str, [[1, 1], [2, 2]]))
result["up_to_len"] = repr(tree.map_structure_up_to([None, None], len, [[1, 1], [2, 2, 2]]))
result["up_to_two"] = repr(tree.map_structure_up_to(
    {"a": None, "b": None}, lambda x, y: x + y, {"a": 1, "b": 2}, {"a": 10, "b": 20}))
result["shapes"] = repr(tree.map_shape_structure(len, {"x": (None, 3), "y": [(2,), (4, 5)]}))
errors = []
for a, b in (([0, 1], (2, 3)), ({"a": 1}, {"b": 1}), ([0, [1]], [0, 1])):
    try:
        tree.assert_same_paths(a, b)
        errors.append("same")
    except ValueError:
        errors.append("ValueError")
for call in (lambda: tree.map_structure_up_to([None, [None]], str, [1, 2]),
             lambda: tree.map_structure_up_to([None], str)):
    try:
        call()
        errors.append("ok")
    except ValueError:
        errors.append("ValueError")
result["errors"] = errors
config = keras.utils.Config(learning_rate=0.1, momentum=0.9)
config.seed = 3
config["b"] = 2
result["config"] = [repr(config), list(config), config.to_json(), len(config),
                    "seed" in config, config.get("nope", 7), config.as_dict()]
config.freeze()
try:
    config.seed = 4
except ValueError as err:
    result["frozen"] = str(err)
try:
    config.sed
except AttributeError as err:
    result["unknown"] = str(err)
result["flags"] = [keras.config.is_flash_attention_enabled(),
                   keras.config.is_traceback_filtering_enabled(),
                   keras.config.is_interactive_logging_enabled(), keras.config.is_nnx_enabled(),
                   keras.config.max_epochs(), keras.config.max_steps_per_epoch()]
keras.config.disable_flash_attention()
keras.config.disable_traceback_filtering()
result["flags_off"] = [keras.config.is_flash_attention_enabled(),
                       keras.config.is_traceback_filtering_enabled()]
keras.config.enable_flash_attention()
result["flash_again"] = [keras.config.is_flash_attention_enabled()]

a, b = keras.Input((2,), name="a"), keras.Input((2,), name="b")
c = keras.layers.Dense(2)(keras.layers.Add()([a, b]))
d = keras.layers.Concatenate()([c, a])
result["sources"] = [t.name for t in keras.utils.get_source_inputs(d)]
result["standardize"] = [keras.utils.standardize_dtype(t) for t in ("float32", "int64", bool, None)]

model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
model.compile("sgd", "mse")
x, y = np.ones((40, 3), "float32"), np.ones((40, 1), "float32")
batches = []
counter = keras.callbacks.LambdaCallback(on_train_batch_end=lambda b, logs: batches.append(b))
keras.config.set_max_epochs(2)
keras.config.set_max_steps_per_epoch(3)
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    history = model.fit(x, y, batch_size=4, epochs=5, verbose=0, callbacks=[counter])
    predicted = model.predict(x, batch_size=4, verbose=0)
result["capped"] = [len(history.history["loss"]), batches, predicted.shape[0],
                    sorted({str(w.message) for w in caught if "Limiting" in str(w.message)})]
keras.config.set_max_epochs(None)
keras.config.set_max_steps_per_epoch(None)
keras.config.disable_interactive_logging()
quiet = io.StringIO()
with contextlib.redirect_stdout(quiet):
    model.fit(x, y, batch_size=20, epochs=2, verbose=1)
    model.evaluate(x, y, verbose=1)
    model.predict(x, verbose=1)
keras.config.enable_interactive_logging()
loud = io.StringIO()
with contextlib.redirect_stdout(loud):
    model.fit(x, y, batch_size=20, epochs=2, verbose=2)
# (Keras on torch still shows each bar's first update, written from its callback thread
# where the switch is not seen; the epoch lines and the finished bars go to the log)
result["logging"] = ["Epoch" in quiet.getvalue(), quiet.getvalue().count(chr(10)),
                     loud.getvalue().count("Epoch"), keras.utils.is_interactive_logging_enabled()]
"""


@pytest.fixture(scope="module")
def theirs():
    return run_keras(_SCRIPT)


def _ours() -> dict:
    import numpy as np  # noqa: F401 - the script's name

    scope = {"keras": keras, "np": np, "result": {}}
    exec(_SCRIPT, scope)  # noqa: S102 - the same script Keras ran
    return scope["result"]


def test_config_tree_and_utils_behave_as_in_keras(theirs):
    ours = _ours()
    for key in theirs:
        assert ours[key] == theirs[key], key
    assert keras.config.max_epochs() is None and keras.config.is_interactive_logging_enabled()


def test_non_interactive_logging_goes_to_the_deepfit_logger(caplog):
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    keras.config.disable_interactive_logging()
    try:
        out = io.StringIO()
        with caplog.at_level(logging.INFO, logger="deepfit"), contextlib.redirect_stdout(out):
            model.fit(np.ones((8, 3)), np.ones((8, 1)), epochs=2, verbose=2)
            model.summary()
    finally:
        keras.utils.enable_interactive_logging()
    assert out.getvalue() == ""
    messages = [record.getMessage() for record in caplog.records if record.name == "deepfit"]
    assert "Epoch 1/2" in messages and any("Total params" in m for m in messages)


def test_step_cap_applies_to_evaluate_and_the_environment_variable(monkeypatch):
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    steps = []
    counter = keras.callbacks.LambdaCallback(on_test_batch_end=lambda b, logs: steps.append(b))
    keras.config.set_max_steps_per_epoch(2)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            model.evaluate(np.ones((40, 3)), np.ones((40, 1)), batch_size=4, verbose=0,
                           callbacks=[counter])
    finally:
        keras.config.set_max_steps_per_epoch(None)
    assert steps == [0, 1]
    assert any("Limiting steps_per_epoch to 2" in str(w.message) for w in caught)


@pytest.mark.parametrize("call, error, words", [
    (lambda: keras.config.set_backend("jax"), ValueError, "torch"),
    (lambda: keras.config.set_max_epochs(0), ValueError, "positive"),
    (lambda: keras.config.set_max_steps_per_epoch("3"), ValueError, "positive"),
    (lambda: keras.tree.traverse(None, [1]), TypeError, "callable"),
])
def test_bad_arguments_raise_clear_errors(call, error, words):
    with pytest.raises(error, match=words):
        call()


def test_set_backend_accepts_torch_and_deepfit_utils_has_keras_names():
    keras.config.set_backend("torch")
    assert keras.config.backend() == "torch"
    for name in ("PyDataset", "Sequence", "Progbar", "load_img", "img_to_array",
                 "array_to_img", "save_img", "get_source_inputs", "standardize_dtype", "Config",
                 "enable_interactive_logging", "clear_session"):
        assert callable(getattr(keras.utils, name)), name
        assert name in dir(keras.utils)
