"""compile(jit_compile=...): the compiled training step gives the eager History bit for bit
and the eager weights to float32 rounding (an MLP on the autograd step, a convnet with
Dropout), and a model torch.compile cannot compile falls back to eager with one warning and
the eager History.

The compiling tests are slow (torch.compile's first step: about 10 s of CPU each, far more
on a loaded machine)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pytest
import torch

import deepfit as keras
from deepfit.trainer import fused_dense

HAS_CXX = shutil.which(os.environ.get("CXX", "g++")) is not None
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _mlp() -> keras.Model:
    return keras.Sequential([keras.Input((8,)), keras.layers.Dense(16, activation="relu"),
                             keras.layers.Dense(3, activation="softmax")])


def _convnet() -> keras.Model:
    return keras.Sequential([
        keras.Input((8, 8, 1)), keras.layers.Conv2D(4, 3, activation="relu"),
        keras.layers.MaxPooling2D(), keras.layers.Flatten(), keras.layers.Dropout(0.5),
        keras.layers.Dense(3, activation="softmax")])


def _fit(build, jit_compile, x, y) -> tuple[dict, list, keras.Model]:
    keras.utils.set_random_seed(0)
    model = build()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"], jit_compile=jit_compile)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the validation rows are training rows, on purpose
        history = model.fit(x, y, batch_size=16, epochs=3, verbose=0,
                            validation_data=(x[:32], y[:32]))
    return history.history, model.get_weights(), model


def _data(shape: tuple) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    return rng.random((64, *shape)).astype("float32"), rng.integers(0, 3, 64)


@pytest.mark.slow
@pytest.mark.timeout(900)  # compiling takes minutes on a loaded machine
@pytest.mark.skipif(not HAS_CXX, reason="torch.compile's CPU backend needs a C++ compiler")
@pytest.mark.parametrize("build,shape", [(_mlp, (8,)), (_convnet, (8, 8, 1))],
                         ids=["mlp", "convnet-dropout"])
def test_compiled_step_gives_the_eager_history(build, shape, monkeypatch):
    monkeypatch.setattr(fused_dense, "enabled", False)  # the MLP takes the autograd step
    x, y = _data(shape)
    eager, eager_weights, _ = _fit(build, False, x, y)
    compiled, compiled_weights, model = _fit(build, True, x, y)
    call = model._trainer_state.compiled_call
    assert call is not None and call.failure is None
    assert call.compiled_calls == 12  # every step of the 3 epochs ran the compiled graph
    assert compiled == eager  # every epoch's loss and metrics, bit for bit
    # The weights may differ in their last bit: the compiled backward sums a bias gradient
    # over the batch in another order (seen: 3 of 16 bias values, 1.2e-7 relative).
    for a, b in zip(compiled_weights, eager_weights):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-9)


_FALLBACK_SCRIPT = """
import json, warnings
import numpy as np
import deepfit as keras
from deepfit.trainer import fused_dense
fused_dense.enabled = False
rng = np.random.default_rng(0)
x, y = rng.random((64, 8)).astype("float32"), rng.integers(0, 3, 64)
found = {}
for jit in (False, True):
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(16, activation="relu"),
                              keras.layers.Dense(3, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"], jit_compile=jit)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        history = model.fit(x, y, batch_size=16, epochs=3, verbose=0)
    call = model._trainer_state.compiled_call
    found[str(jit)] = {
        "history": history.history,
        "warnings": [str(w.message) for w in caught if "jit_compile" in str(w.message)],
        "failure": None if call is None else call.failure,
        "compiled_calls": None if call is None else call.compiled_calls,
    }
print(json.dumps(found))
"""


@pytest.mark.slow
@pytest.mark.timeout(900)  # compiling takes minutes on a loaded machine
def test_failed_compilation_falls_back_to_the_eager_history_with_one_warning():
    """No working C++ compiler (as on a bare machine): torch.compile fails on the first step;
    the fit runs eagerly, warns once, and its History is the eager one."""
    env = {**os.environ, "CXX": "/nonexistent/c++", "PYTHONPATH": ROOT}
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(_FALLBACK_SCRIPT)],
                          capture_output=True, text=True, env=env, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    found = json.loads(done.stdout.strip().splitlines()[-1])
    eager, fallback = found["False"], found["True"]
    assert fallback["history"] == eager["history"]
    assert fallback["compiled_calls"] == 0
    assert "C++ compiler" in fallback["failure"]
    assert len(fallback["warnings"]) == 1
    assert "runs eagerly instead" in fallback["warnings"][0]
    assert eager["warnings"] == [] and eager["failure"] is None


def test_auto_none_and_false_run_eagerly(monkeypatch):
    monkeypatch.setattr(fused_dense, "enabled", False)  # the step torch.compile would take
    x, y = _data((8,))
    for value in ("auto", None, False):
        model = _mlp()
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                      jit_compile=value)
        assert model.jit_compile is False
        model.fit(x, y, epochs=1, verbose=0)
        assert model._trainer_state.compiled_call is None


def test_dense_chain_keeps_its_fused_step_under_jit_compile():
    """The fused Dense step is faster than torch.compile's on CPU (benchmarks/NOTES.md)."""
    x, y = _data((8,))
    model = _mlp()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", jit_compile=True)
    model.fit(x, y, epochs=1, verbose=0)
    assert model.jit_compile is True
    assert model._trainer_state.fused is not None
    assert model._trainer_state.compiled_call is None


def test_run_eagerly_turns_jit_compile_off_with_keras_warning():
    model = _mlp()
    with pytest.warns(UserWarning, match="run_eagerly"):
        model.compile(optimizer="adam", loss="mse", run_eagerly=True, jit_compile=True)
    assert model.jit_compile is False


@pytest.mark.parametrize("value", ["yes", 1.0, 2, "xla"])
def test_bad_jit_compile_is_refused_before_compiling(value):
    model = _mlp()
    with pytest.raises(ValueError, match="jit_compile"):
        model.compile(optimizer="adam", loss="mse", jit_compile=value)
    assert not model.compiled


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
@pytest.mark.timeout(900)
@pytest.mark.parametrize("build,shape", [(_mlp, (8,)), (_convnet, (8, 8, 1))],
                         ids=["mlp", "convnet-dropout"])
def test_cuda_graphs_step_gives_the_eager_history(build, shape, monkeypatch):
    """On a GPU, jit_compile=True replays the compiled forward and backward as CUDA graphs
    (none skipped) and gives the eager History (GPU reductions may sum in another order)."""
    from torch._dynamo.utils import counters

    monkeypatch.setattr(fused_dense, "enabled", False)
    keras.config.set_device("cuda")
    try:
        x, y = _data(shape)
        eager, eager_weights, _ = _fit(build, False, x, y)
        counters.clear()
        compiled, compiled_weights, model = _fit(build, True, x, y)
    finally:
        keras.config.set_device(None)
    call = model._trainer_state.compiled_call
    assert call.failure is None and call.cuda_graphs and call.compiled_calls == 12
    assert counters["inductor"]["cudagraph_skips"] == 0
    assert compiled.keys() == eager.keys()
    for key in eager:
        np.testing.assert_allclose(compiled[key], eager[key], rtol=1e-5, atol=1e-6)
    for a, b in zip(compiled_weights, eager_weights):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_cuda_graph_capture_is_asked_for_on_a_gpu_only():
    from deepfit.trainer.compiled_step import compile_options

    assert compile_options(torch.device("cpu")) == {"fallback_random": True}
    assert compile_options(torch.device("cuda")) == {"fallback_random": True,
                                                     "triton.cudagraphs": True}


class _ReadsItsInput(keras.layers.Layer):
    """Python reads a tensor's value inside call: torch.compile cannot trace it whole."""

    def call(self, x):
        if float(x.detach().sum()) > 1e30:  # never true; the read is the point
            return x
        return x * 2.0


def test_a_graph_break_falls_back_with_a_warning_naming_the_line():
    """A layer whose call reads a tensor's value: the step runs eagerly, with the eager History,
    and the one warning points at that line (not at some other layer's arguments)."""
    def build():
        return keras.Sequential([keras.Input((8,)), keras.layers.Dense(16, activation="relu"),
                                 _ReadsItsInput(), keras.layers.Dense(3, activation="softmax")])
    x, y = _data((8,))
    eager, eager_weights, _ = _fit(build, False, x, y)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        keras.utils.set_random_seed(0)
        model = build()
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                      metrics=["accuracy"], jit_compile=True)
        history = model.fit(x, y, batch_size=16, epochs=3, verbose=0,
                            validation_data=(x[:32], y[:32]))
    messages = [str(w.message) for w in caught if "jit_compile" in str(w.message)]
    assert history.history == eager
    for got, want in zip(model.get_weights(), eager_weights):
        np.testing.assert_array_equal(got, want)
    assert len(messages) == 1 and "runs eagerly instead" in messages[0]
    assert "test_jit_compile.py" in messages[0] and "in call" in messages[0]
    assert "unexpected keyword" not in messages[0]
