"""`plot_model` / `model_to_dot`: the files written, the graph drawn (boxes, labels, arrows)
against real Keras's, and the errors when pydot or Graphviz is missing."""

from __future__ import annotations

import re
import sys

import pytest

import deepfit
from deepfit import layers
from deepfit.utils import model_to_dot, plot_model
from tests.trainer.keras_process import run_keras

pytest.importorskip("pydot")

_NESTED = """
seq = keras.Sequential([keras.Input((6,)), layers.Dense(4, name="s1"),
                        layers.Dense(3, activation="relu", name="s2")], name="seq")
inp = keras.Input((5,), name="ei")
enc = keras.Model(inp, layers.Dense(6, name="e1")(inp), name="enc")
x = keras.Input((5,), name="outer")
side = keras.Input((2,), name="side")
h = seq(enc(x))
out = layers.Dense(1, name="head")(layers.concatenate([h, side], name="cat"))
model = keras.Model([x, side], out, name="whole")
"""


def _multi_input_model():
    title = deepfit.Input(shape=(None,), name="title", dtype="int32")
    body = deepfit.Input(shape=(5,), name="body")
    x = layers.GlobalAveragePooling1D(name="pool")(layers.Embedding(100, 4, name="embed")(title))
    y = layers.Dense(3, activation="relu", name="dense_body")(body)
    z = layers.concatenate([x, y], name="joined")
    return deepfit.Model([title, body], [layers.Dense(1, name="priority")(z),
                                         layers.Dense(2, name="department")(z)])


def _graph(dot) -> tuple[dict[str, str], list[str]]:
    """({layer name: its label}, sorted "source->destination" edges) of a dot graph."""
    text = dot.to_string()
    labels = {}
    names = {}
    for match in re.finditer(r"(\d+) \[label=<(<table.*?</table>)>", text):
        label = match.group(2)
        name = re.search(r"<b>(\w+)</b>", label).group(1)
        names[match.group(1)] = name
        labels[name] = re.sub(r'<td ([^>]*?)>', lambda m: "<td " + " ".join(
            sorted(m.group(1).split())) + ">", label)
    edges = sorted(f"{names[a]}->{names[b]}" for a, b in re.findall(r"(\d+) -> (\d+)", text))
    return labels, edges


def test_plot_model_writes_png_svg_pdf_and_dot(tmp_path):
    model = _multi_input_model()
    plot_model(model, tmp_path / "model.png", show_shapes=True)
    assert (tmp_path / "model.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    plot_model(model, str(tmp_path / "model.svg"))
    assert "<svg" in (tmp_path / "model.svg").read_text()
    assert plot_model(model, str(tmp_path / "model.pdf")) is None
    assert (tmp_path / "model.pdf").read_bytes()[:4] == b"%PDF"
    plot_model(model, str(tmp_path / "model.dot"))
    assert (tmp_path / "model.dot").read_text().startswith("digraph")
    plot_model(model, str(tmp_path / "noext"))  # no extension: PNG, as Keras
    assert (tmp_path / "noext").read_bytes()[:4] == b"\x89PNG"


def test_model_to_dot_labels_and_edges_of_a_multi_input_model():
    labels, edges = _graph(model_to_dot(_multi_input_model(), show_shapes=True,
                                        show_layer_activations=True, show_dtype=True))
    assert sorted(labels) == ["body", "dense_body", "department", "embed",
                              "joined", "pool", "priority", "title"]
    assert edges == ["body->dense_body", "dense_body->joined", "embed->pool", "joined->department",
                     "joined->priority", "pool->joined", "title->embed"]
    assert "Input shape: <b>[(None, 4), (None, 3)]</b>" in labels["joined"]
    assert "Output shape: <b>(None, 7)</b>" in labels["joined"]
    assert "Output shape: <b>(None, None, 4)</b>" in labels["embed"]
    assert "Output dtype: <b>int32</b>" in labels["title"]
    assert "Input shape" not in labels["title"]  # input layers show their output only
    assert "Activation: <b>relu</b>" in labels["dense_body"]


def test_model_to_dot_matches_keras_for_nested_models():
    keras = run_keras("from keras import layers\n" + _NESTED + """
from keras.utils import model_to_dot
import re
result["dots"] = [model_to_dot(m, show_shapes=True, show_trainable=True,
                               show_layer_activations=True, expand_nested=nested).to_string()
                  for m, nested in ((seq, False), (model, False), (model, True))]
""", timeout=300)
    namespace = {"keras": deepfit, "layers": layers}
    exec(_NESTED, namespace)  # the same definitions, on deepfit
    ours = [model_to_dot(m, show_shapes=True, show_trainable=True,
                         show_layer_activations=True, expand_nested=nested)
            for m, nested in ((namespace["seq"], False), (namespace["model"], False),
                              (namespace["model"], True))]

    class _Text:
        def __init__(self, text):
            self.text = text

        def to_string(self):
            return self.text

    for theirs, mine in zip(keras["dots"], ours):
        assert _graph(mine) == _graph(_Text(theirs))
        assert mine.to_string().count("subgraph cluster_") == theirs.count("subgraph cluster_")
    assert "subgraph cluster_enc" in ours[2].to_string()


def test_a_subclassed_model_is_one_box(tmp_path):
    class Tiny(deepfit.Model):
        def __init__(self):
            super().__init__()
            self.dense = layers.Dense(2)

        def call(self, x):
            return self.dense(x)

    model = Tiny()
    model(deepfit.ops.ones((1, 3)))
    labels, edges = _graph(model_to_dot(model))
    assert list(labels) == [model.name] and edges == []
    assert "(Tiny)" in labels[model.name]


def test_a_sequential_model_chains_its_layers():
    model = deepfit.Sequential([deepfit.Input((4,)), layers.Dense(3, name="a"),
                                layers.Dense(2, name="b")])
    labels, edges = _graph(model_to_dot(model, show_shapes=True))
    assert edges == ["a->b"]
    assert "Input shape: <b>(None, 4)</b>" in labels["a"]
    assert "Output shape: <b>(None, 2)</b>" in labels["b"]


def test_without_pydot_the_error_says_what_to_install(monkeypatch, tmp_path):
    for name in ("pydot", "pydot_ng", "pydotplus"):
        monkeypatch.setitem(sys.modules, name, None)
    with pytest.raises(ImportError, match=r"pip install pydot"):
        plot_model(_multi_input_model(), tmp_path / "m.png")
    with pytest.raises(ImportError, match=r"pip install pydot"):
        model_to_dot(_multi_input_model())
    assert not (tmp_path / "m.png").exists()


def test_without_graphviz_the_error_names_it(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))  # no `dot` program
    with pytest.raises(ImportError, match=r"Graphviz"):
        plot_model(_multi_input_model(), tmp_path / "m.png")


def test_in_a_notebook_a_missing_pydot_is_printed_not_raised(monkeypatch, tmp_path, capsys):
    monkeypatch.setitem(sys.modules, "pydot", None)
    monkeypatch.setitem(sys.modules, "pydot_ng", None)
    monkeypatch.setitem(sys.modules, "pydotplus", None)
    monkeypatch.setitem(sys.modules, "IPython.core.magics.namespace", object())
    assert plot_model(_multi_input_model(), tmp_path / "m.png") is None
    assert "pip install pydot" in capsys.readouterr().out


def test_bad_arguments_are_rejected():
    with pytest.raises(ValueError, match="Unrecognized keyword arguments"):
        model_to_dot(_multi_input_model(), show_shape=True)
    with pytest.raises(ValueError, match="layer_range"):
        plot_model(_multi_input_model(), layer_range=["a", "b"])
    unbuilt = deepfit.Sequential([layers.Dense(2)])
    with pytest.raises(ValueError, match="has not yet been built"):
        plot_model(unbuilt)
