"""`model.summary()` against real Keras 3 (torch backend, separate process): the same text,
character for character, for chains, graphs, nested models (`expand_nested`),
`show_trainable`, `line_length`, `positions`, `layer_range`, an unbuilt model and a trained
one (optimizer parameters), at two terminal widths."""

from __future__ import annotations

import os

import pytest

import deepfit
from deepfit import layers
from tests.trainer.keras_process import run_keras

_MODELS = """
import numpy as np
seq = keras.Sequential([keras.Input((6,)), layers.Dense(4, name="s1"),
                        layers.Dense(3, name="s2")], name="seq")
inp = keras.Input((5,), name="ei")
enc = keras.Model(inp, layers.Dense(6, name="e1")(inp), name="enc")
x = keras.Input((5,), name="outer")
side = keras.Input((2,), name="side")
out = layers.Dense(1, name="head")(layers.concatenate([seq(enc(x)), side], name="cat"))
whole = keras.Model([x, side], out, name="whole")
enc.trainable = False
img = keras.Input((784,), name="img")
h = layers.Dense(64, activation="relu", name="h1")(img)
chain = keras.Model(img, layers.Dense(10, name="logits")(h), name="mnist_model")
chain.compile(optimizer="adam", loss="mse")
chain.fit(np.zeros((4, 784)), np.zeros((4, 10)), verbose=0)
unbuilt = keras.Sequential([layers.Dense(2, name="a"), layers.Dense(1, name="b")], name="unb")
i = keras.Input((3,), name="i")
scalar = layers.Dense(1, name="scalar")(i)
two = keras.Model(i, [scalar, layers.Flatten(name="fl")(scalar)], name="two_out")
shared = layers.Dense(2, name="shared")
a, b = keras.Input((2,), name="a_in"), keras.Input((2,), name="b_in")
sharing = keras.Model([a, b], layers.add([shared(a), shared(b)], name="sum"), name="sharing")
CASES = [("whole", {}), ("whole", {"expand_nested": True}), ("whole", {"show_trainable": True}),
         ("whole", {"expand_nested": True, "show_trainable": True}),
         ("whole", {"line_length": 120}), ("whole", {"positions": [0.4, 0.6, 0.7, 1.0]}),
         ("whole", {"layer_range": ["enc", "cat"]}), ("seq", {"show_trainable": True}),
         ("chain", {}), ("unbuilt", {}), ("two", {}), ("sharing", {})]


def summaries(columns):
    texts = []
    for name, options in CASES:
        os.environ["COLUMNS"] = str(columns)
        found = []
        globals()[name].summary(print_fn=lambda text, line_break=None: found.append(text),
                                **options)
        texts.append("".join(found))
    return texts
"""


@pytest.fixture(scope="module")
def keras_texts():
    return run_keras("import os\nfrom keras import layers\n" + _MODELS + """
result["narrow"] = summaries(80)
result["wide"] = summaries(200)
""")


@pytest.mark.parametrize("columns", [80, 200])
def test_summaries_equal_keras(keras_texts, monkeypatch, columns):
    monkeypatch.setenv("COLUMNS", str(columns))  # restored after the test
    namespace = {"keras": deepfit, "layers": layers, "os": os}
    exec(_MODELS, namespace)
    ours = namespace["summaries"](columns)
    theirs = keras_texts["narrow" if columns == 80 else "wide"]
    for (name, options), mine, keras in zip(namespace["CASES"], ours, theirs):
        if columns == 80 and options.get("line_length") == 120:
            # Keras's console (80 wide here) crops the 120-wide table; ours is printed whole
            keras_lines, our_lines = keras.splitlines(), mine.splitlines()
            assert [line[:80] for line in our_lines] == keras_lines, (name, options)
            continue
        assert mine == keras, f"{name} {options}:\n{mine}\n--- Keras:\n{keras}"


def test_layer_range_errors():
    model = deepfit.Sequential([deepfit.Input((2,)), layers.Dense(1, name="only")])
    with pytest.raises(ValueError, match="do not match the layer names"):
        model.summary(layer_range=["nothing", "only"])
    with pytest.raises(ValueError, match="length 2"):
        model.summary(layer_range=["only"])


def test_summary_prints_without_print_fn(capsys):
    model = deepfit.Sequential([deepfit.Input((2,)), layers.Dense(1, name="only")])
    model.summary()
    out = capsys.readouterr().out
    assert out.startswith('Model: "sequential') and "only (Dense)" in out
    assert out.endswith("Non-trainable params: 0 (0.00 B)\n")
