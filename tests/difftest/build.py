"""Build, train and probe one spec with a Keras-like namespace `K` (real `keras`, or
`deepfit.compat.keras`). Imports neither library itself, so both processes share it.

Example:
    >>> from deepfit.compat import keras as K
    >>> from tests.difftest.generator import generate
    >>> result = run_spec(K, generate(1))
    >>> sorted(result) == sorted(STAGES + ("initial_weights",)) or "error" in result
    True
"""

from __future__ import annotations

import traceback
from typing import Any

import numpy as np

from tests.difftest.data import make_data, probe_inputs

STAGES = ("history", "evaluate", "evaluate_dict", "predict", "weights", "params")


def resolve(K: Any, value: Any) -> Any:
    """Spec value -> object: `{"obj": "a.b.C", "args": {...}}` becomes `K.a.b.C(**args)`."""
    if isinstance(value, dict) and "obj" in value:
        target = K
        for part in value["obj"].split("."):
            target = getattr(target, part)
        return target(**{k: resolve(K, v) for k, v in value["args"].items()})
    if isinstance(value, dict):
        return {k: resolve(K, v) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve(K, v) for v in value]
    return value


def make_layer(K: Any, layer: dict) -> Any:
    config = resolve(K, layer["config"])
    if layer["class"] == "Bidirectional":
        return K.layers.Bidirectional(make_layer(K, layer["inner"]), **config)
    return getattr(K.layers, layer["class"])(**config)


def _input(K: Any, inp: dict) -> Any:
    dtype = "int32" if inp["kind"] == "tokens" else "float32"
    return K.Input(tuple(inp["shape"]), dtype=dtype, name=inp.get("name"))


def _subclass(K: Any, spec: dict) -> Any:
    coefficient = spec["add_loss"]

    class AddLossModel(K.Model):
        def __init__(self):
            super().__init__()
            self.hidden = make_layer(K, spec["layers"][0])
            self.head = make_layer(K, spec["layers"][1])

        def call(self, x):
            h = self.hidden(x)
            self.add_loss(coefficient * K.ops.mean(K.ops.square(h)))
            return self.head(h)

    return AddLossModel()


def build_model(K: Any, spec: dict) -> Any:
    """The spec's model, built (weights exist)."""
    if spec["kind"] == "sequential":
        return K.Sequential([_input(K, spec["inputs"][0])]
                            + [make_layer(K, layer) for layer in spec["layers"]])
    if spec["kind"] == "subclass":
        model = _subclass(K, spec)
        model(probe_inputs(spec)[0][:2])
        return model
    inputs, ends = [], []
    for i, branch in enumerate(spec["branches"]):
        tensor = _input(K, branch["input"])
        inputs.append(tensor)
        for layer in branch["layers"]:
            tensor = make_layer(K, layer)(tensor)
        ends.append(K.layers.Dense(spec["merge_width"], name=f"proj{i}")(tensor))
    merged = getattr(K.layers, spec["merge"])()(ends) if len(ends) > 1 else ends[0]
    outputs = [make_layer(K, head)(merged) for head in spec["heads"]]
    return K.Model(inputs if len(inputs) > 1 else inputs[0],
                   outputs if len(outputs) > 1 else outputs[0])


def _structure(spec: dict, arrays: list) -> Any:
    if len(arrays) == 1:
        return arrays[0]
    return list(arrays)


def _targets(spec: dict, arrays: list) -> Any:
    if len(arrays) == 1:
        return arrays[0]
    return {out["name"]: a for out, a in zip(spec["outputs"], arrays)}


def fit_arguments(spec: dict) -> tuple[Any, Any, dict]:
    """(x, y, keyword arguments of fit) for the spec."""
    x, y, sample_weight, validation = make_data(spec)
    fit = spec["fit"]
    kwargs: dict[str, Any] = {"epochs": fit["epochs"], "batch_size": fit["batch_size"],
                              "shuffle": fit["shuffle"], "verbose": 0}
    if "validation_split" in fit:
        kwargs["validation_split"] = fit["validation_split"]
    if validation is not None:
        kwargs["validation_data"] = (_structure(spec, validation[0]),
                                     _targets(spec, validation[1]))
    targets = _targets(spec, y)
    if sample_weight is not None:
        if len(y) > 1:
            # Lists in output order: Keras needs `sample_weight` shaped like `y`, and a dict of
            # both raises KeyError: 0 there (docs/differences.md), which would leave the spec
            # compared on nothing else. Validation keeps its dict `y`.
            targets = list(y)
            sample_weight = [sample_weight] * len(y)
        kwargs["sample_weight"] = sample_weight
    if "class_weight" in fit:
        kwargs["class_weight"] = {int(k): v for k, v in fit["class_weight"].items()}
    return _structure(spec, x), targets, kwargs


def _error(stage: str, exc: BaseException) -> dict:
    return {"stage": stage, "type": type(exc).__name__, "message": str(exc)[:500],
            "trace": traceback.format_exc()[-1500:]}


def _numpy(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return [_numpy(v) for v in value]
    if isinstance(value, dict):
        return {k: _numpy(v) for k, v in value.items()}
    return np.asarray(value, dtype="float64") if not isinstance(value, np.ndarray) else value


def run_spec(K: Any, spec: dict, initial_weights: list | None = None) -> dict:
    """Build, (set weights,) compile, fit, evaluate and predict; results as numpy.

    Args:
        K: the Keras-like namespace.
        spec: a generated spec.
        initial_weights: weights to start from (Keras's), or None to keep the built ones.

    Returns:
        `{"initial_weights", "history", "evaluate", "evaluate_dict", "predict", "weights",
        "params"}`, or `{"error": {...}}` naming the stage that raised.
    """
    result: dict[str, Any] = {}
    stage = "build"
    try:
        model = build_model(K, spec)
        result["initial_weights"] = [np.array(w) for w in model.get_weights()]
        if initial_weights is not None:
            stage = "set_weights"
            model.set_weights(initial_weights)
        stage = "compile"
        compile_args = resolve(K, spec["compile"])
        model.compile(**compile_args)
        x, y, kwargs = fit_arguments(spec)
        stage = "fit"
        history = model.fit(x, y, **kwargs)
        result["history"] = {k: [float(v) for v in vs] for k, vs in history.history.items()}
        stage = "evaluate"
        batch = spec["fit"]["batch_size"]
        result["evaluate"] = _numpy(model.evaluate(x, y, batch_size=batch, verbose=0))
        result["evaluate_dict"] = {k: float(v) for k, v in model.evaluate(
            x, y, batch_size=batch, verbose=0, return_dict=True).items()}
        stage = "predict"
        probe = probe_inputs(spec)
        result["predict"] = _numpy(model.predict(_structure(spec, probe), verbose=0))
        result["weights"] = [np.array(w) for w in model.get_weights()]
        result["params"] = int(model.count_params())
    except Exception as exc:  # noqa: BLE001 - the stage and message are the result
        result["error"] = _error(stage, exc)
    return result
