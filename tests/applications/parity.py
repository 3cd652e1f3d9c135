"""Parity of `deepfit.applications` models with real Keras 3 (torch backend, one separate
process per test module): for each spec Keras builds the model with `weights=None` and
reports its parameter counts (trainable and not), layer names, weight paths and shapes and
its name; for specs with an input shape it also gives every weight a random value (kernels
N(0, 1/fan-in), BatchNormalization gammas and variances in [0.5, 1.5], the rest N(0, 0.1), so
that a deep network's output still depends on its input), saves the model as a legacy `.h5`
in a Keras cache folder (`home/.keras/models/`) and its predictions on seeded random images.
`check_model` builds deepfit's model the same way, asserts the same structure, loads Keras's
file (by position, as Keras's published files load) and compares predictions.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import textwrap
from typing import Any

import numpy as np
import pytest

from tests.keras_fork_server import run_script

needs_keras = pytest.mark.skipif(importlib.util.find_spec("keras") is None,
                                 reason="real Keras 3 (the 'parity' extra) is needed")

_SCRIPT = textwrap.dedent("""
    import json, os, sys
    os.environ.setdefault("KERAS_BACKEND", "torch")
    import numpy as np, keras

    folder = sys.argv[1]
    specs = json.load(open(os.path.join(folder, "specs.json")))
    rng = np.random.default_rng(1)


    def value(layer, w, gain):
        shape, leaf = tuple(w.shape), w.path.rsplit("/", 1)[-1]
        if leaf in ("moving_variance", "variance", "gamma"):
            return rng.uniform(0.5, 1.5, shape)
        if leaf in ("kernel", "depthwise_kernel", "pointwise_kernel"):
            depthwise = leaf == "depthwise_kernel" or isinstance(layer,
                                                                 keras.layers.DepthwiseConv2D)
            fan_in = np.prod(shape[:2] if depthwise else shape[:-1])
            return rng.normal(0, (gain / fan_in) ** 0.5, shape)
        if leaf == "count":
            return np.zeros(shape)
        return rng.normal(0, 0.1, shape)


    report = {}
    pixels = np.random.default_rng(2).uniform(0, 255, (2, 3, 3, 3)).astype("float32")
    for key, spec in specs.items():
        if "preprocess" in spec:
            module = getattr(keras.applications, spec["preprocess"])
            report[key] = np.asarray(module.preprocess_input(pixels.copy())).tolist()
            continue
        keras.backend.clear_session()
        if ":" in spec["fn"]:  # a builder Keras does not export: "module:function"
            import importlib
            module, function = spec["fn"].split(":")
            builder = getattr(importlib.import_module(module), function)
        else:
            builder = getattr(keras.applications, spec["fn"])
        model = builder(weights=None, **spec["kwargs"])
        report[key] = {
            "params": model.count_params(),
            "trainable": sum(int(np.prod(w.shape)) for w in model.trainable_weights),
            "non_trainable": sum(int(np.prod(w.shape)) for w in model.non_trainable_weights),
            "layers": [layer.name for layer in model.layers[1:]],
            "weights": [[w.path, list(w.shape)] for w in model.weights],
            "name": model.name,
            "output_shape": list(model.output_shape),
        }
        if spec["predict"]:
            model.set_weights([value(layer, w, spec["gain"]).astype(w.dtype)
                               for layer in model.layers
                               for w in layer.weights])
            x = np.load(os.path.join(folder, key + "_x.npy"))
            np.save(os.path.join(folder, key + "_keras.npy"), model.predict(x, verbose=0))
            # a legacy .h5 where Keras's cache keeps the ImageNet files
            target = os.path.join(folder, "home", ".keras", "models")
            os.makedirs(target, exist_ok=True)
            model.save(os.path.join(target, spec["h5"] or key + ".h5"))
    print(json.dumps(report))
""")


def images(shape: tuple[int, ...], low: float = 0.0, high: float = 255.0) -> np.ndarray:
    """Two seeded random images of `shape` (rows, cols, channels) in [low, high]."""
    return np.random.default_rng(0).uniform(low, high, (2, *shape)).astype("float32")


def keras_reference(folder, specs: dict[str, dict[str, Any]], backend: str = "torch",
                    python: str | None = None) -> tuple[Any, dict]:
    """Run Keras on `specs` ({key: {"fn": "ResNet101", "kwargs": {...}, "x": images or
    None, "h5": the file name in Keras's cache, "gain": kernel variance times fan-in (2 keeps
    a deep plain ReLU network's output alive)}}), with Keras's `backend` in this interpreter
    or `python`; returns (folder, {key: Keras's report})."""
    plain = {}
    for key, spec in specs.items():
        if "preprocess" in spec:
            plain[key] = spec
            continue
        if spec.get("x") is not None:
            np.save(folder / f"{key}_x.npy", spec["x"])
        plain[key] = {"fn": spec["fn"], "kwargs": spec.get("kwargs", {}),
                      "predict": spec.get("x") is not None, "h5": spec.get("h5"),
                      "gain": spec.get("gain", 1.0)}
    (folder / "specs.json").write_text(json.dumps(plain))
    (folder / "keras_parity.py").write_text(_SCRIPT)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "DEEPFIT_RUN_HOOK")}
    result = run_script([str(folder / "keras_parity.py"), str(folder)],
                        {**env, "KERAS_BACKEND": backend}, timeout=600, python=python)
    assert result.returncode == 0, result.stderr[-3000:]
    return folder, json.loads(result.stdout.strip().splitlines()[-1])


PIXELS = np.random.default_rng(2).uniform(0, 255, (2, 3, 3, 3)).astype("float32")


def check_preprocess(module: Any, key: str, reference: tuple[Any, dict]) -> None:
    """`module.preprocess_input` gives Keras's values on the same 0..255 pixels."""
    np.testing.assert_allclose(module.preprocess_input(PIXELS.copy()), reference[1][key],
                               rtol=1e-6, atol=1e-5)


def check_imagenet_from_cache(builder: Any, key: str, spec: dict[str, Any],
                              reference: tuple[Any, dict]) -> None:
    """`weights="imagenet"` finds the file Keras saved as `spec["h5"]` in Keras's cache (the
    caller points the caches there, offline) and gives Keras's predictions."""
    folder, _ = reference
    model = builder(weights="imagenet", **spec.get("kwargs", {}))
    want = np.load(folder / f"{key}_keras.npy")
    np.testing.assert_allclose(model.predict(spec["x"], verbose=0), want, rtol=1e-4,
                               atol=1e-4 * float(np.abs(want).max()))


def cached_md5(reference: tuple[Any, dict], fname: str) -> str:
    """The md5 of the file Keras saved in the test's Keras cache (standing for Keras's
    published hash)."""
    import hashlib

    return hashlib.md5((reference[0] / "home" / ".keras" / "models" / fname).read_bytes()
                       ).hexdigest()


def structure(model: Any) -> dict[str, Any]:
    """deepfit's side of Keras's report (without predictions). deepfit lists the nodes of
    `deepfit.ops` calls on KerasTensors (`x + 3.0`) among the layers, Keras does not: they are
    left out of the comparison (they hold no weights)."""
    from deepfit.ops.symbolic import op_layer_class

    ops = op_layer_class()
    return {
        "params": model.count_params(),
        "trainable": sum(int(np.prod(w.shape)) for w in model.trainable_weights),
        "non_trainable": sum(int(np.prod(w.shape)) for w in model.non_trainable_weights),
        "layers": [layer.name for layer in model.layers[1:] if not isinstance(layer, ops)],
        "weights": [[_tail(w.path), list(w.shape)] for w in model.weights],
        "name": model.name,
        "output_shape": list(model.output_shape),
    }


def _tail(path: str, keras: bool = False) -> str:
    """'layer/weight' of a weight's path (Keras adds the name scopes a layer was built in,
    e.g. NASNet's cells, and the nested models' names). Keras names a weight created without
    a name `variable_<n>` by a process-wide count (ConvNeXt's LayerScale), deepfit by its
    attribute (`gamma`): for those only the layer is compared."""
    layer, weight = path.split("/")[-2:]
    if keras and re.fullmatch(r"variable(_\d+)?", weight):
        return f"{layer}/*"
    return f"{layer}/{weight}"


def check_model(builder: Any, key: str, spec: dict[str, Any], reference: tuple[Any, dict],
                tolerance: float = 1e-4) -> Any:
    """Build `builder(weights=None, **spec["kwargs"])` as Keras did (a fresh session) and
    assert Keras's structure; with images, Keras's weights give Keras's predictions within
    `tolerance` (relative to the largest output). Returns the model."""
    import deepfit

    folder, report = reference
    deepfit.backend.clear_session()
    model = builder(weights=None, **spec.get("kwargs", {}))
    # deepfit's names cannot hold '.' (Keras's mobilenet_1.00_224 is mobilenet_1_00_224)
    expected = {**report[key], "name": report[key]["name"].replace(".", "_"),
                "weights": [[_tail(path, keras=True), shape]
                            for path, shape in report[key]["weights"]]}
    unnamed = {i for i, (path, _) in enumerate(expected["weights"]) if path.endswith("/*")}
    mine = structure(model)
    mine["weights"] = [[path.rsplit("/", 1)[0] + "/*" if i in unnamed else path, shape]
                       for i, (path, shape) in enumerate(mine["weights"])]
    for field in ("params", "trainable", "non_trainable", "name", "output_shape", "layers",
                  "weights"):
        assert mine[field] == expected[field], field
    if spec.get("x") is not None:
        model.load_weights(str(folder / "home" / ".keras" / "models"
                               / (spec.get("h5") or key + ".h5")))
        want = np.load(folder / f"{key}_keras.npy")
        got = model.predict(spec["x"], verbose=0)
        scale = float(np.abs(want).max())
        # the output depends on the input: the two images' outputs differ
        assert np.abs(want[0] - want[1]).max() > 1e-3 * scale > 0
        np.testing.assert_allclose(got, want, rtol=tolerance, atol=tolerance * scale)
    return model
