"""BinaryFocalCrossentropy and CategoricalFocalCrossentropy against real Keras: per-sample
values and reduced losses for every option, config keys, and a model that learns with them."""

from __future__ import annotations

import numpy as np

import deepfit

RNG = np.random.default_rng(0)
Y_BIN = RNG.integers(0, 2, (12, 3)).astype("float32")
P_BIN = RNG.uniform(0.05, 0.95, (12, 3)).astype("float32")
LOGITS = RNG.normal(size=(12, 3)).astype("float32")
Y_CAT = np.eye(3, dtype="float32")[RNG.integers(0, 3, 12)]
P_CAT = RNG.uniform(0.05, 1.0, (12, 3)).astype("float32")
W = RNG.random(12).astype("float32")

BINARY = {"default": {}, "balanced": {"apply_class_balancing": True, "alpha": 0.4},
          "gamma0": {"gamma": 0.0}, "smooth": {"label_smoothing": 0.2, "gamma": 1.5},
          "logits": {"from_logits": True}}
CATEGORICAL = {"default": {}, "alpha": {"alpha": 0.7, "gamma": 3.0},
               "smooth": {"label_smoothing": 0.1}, "logits": {"from_logits": True}}


def test_values_equal_keras():
    from tests.trainer.keras_process import run_keras

    theirs = run_keras(f"""
kinds = [("bin", {BINARY!r}, "BinaryFocalCrossentropy", "y_bin", "p_bin"),
         ("cat", {CATEGORICAL!r}, "CategoricalFocalCrossentropy", "y_cat", "p_cat")]
for prefix, cases, cls, y_key, p_key in kinds:
    fn = getattr(keras.losses, keras.saving.serialize_keras_object(getattr(
        keras.losses, cls)())["config"]["name"])
    for name, kwargs in cases.items():
        y, p = inputs[y_key], inputs["logits" if kwargs.get("from_logits") else p_key]
        loss = getattr(keras.losses, cls)(**kwargs)
        result[f"{{prefix}}_{{name}}"] = np.asarray(fn(y, p, **kwargs))
        result[f"{{prefix}}_reduced_{{name}}"] = np.asarray(loss(y, p, sample_weight=inputs["w"]))
        result[f"{{prefix}}_config_{{name}}"] = json.dumps(loss.get_config())
""", y_bin=Y_BIN, p_bin=P_BIN, logits=LOGITS, y_cat=Y_CAT, p_cat=P_CAT, w=W)
    import json

    losses = deepfit.losses
    for prefix, cases, y, probabilities, fn, cls in (
        ("bin", BINARY, Y_BIN, P_BIN, losses.binary_focal_crossentropy,
         losses.BinaryFocalCrossentropy),
        ("cat", CATEGORICAL, Y_CAT, P_CAT, losses.categorical_focal_crossentropy,
         losses.CategoricalFocalCrossentropy),
    ):
        for name, kwargs in cases.items():
            p = LOGITS if kwargs.get("from_logits") else probabilities
            np.testing.assert_allclose(np.asarray(fn(y, p, **kwargs)),
                                       theirs[f"{prefix}_{name}"], rtol=1e-5, atol=1e-7)
            loss = cls(**kwargs)
            np.testing.assert_allclose(np.asarray(loss(y, p, sample_weight=W)),
                                       theirs[f"{prefix}_reduced_{name}"], rtol=1e-5, atol=1e-7)
            assert loss.get_config() == json.loads(theirs[f"{prefix}_config_{name}"])


def test_a_model_learns_with_them():
    deepfit.utils.set_random_seed(0)
    x = RNG.normal(size=(256, 4)).astype("float32")
    y = (x[:, :1] + x[:, 1:2] > 0).astype("float32")
    model = deepfit.Sequential([deepfit.Input((4,)), deepfit.layers.Dense(1, "sigmoid")])
    model.compile(deepfit.optimizers.Adam(0.05),
                  deepfit.losses.BinaryFocalCrossentropy(apply_class_balancing=True),
                  metrics=["accuracy"])
    history = model.fit(x, y, epochs=15, batch_size=32, verbose=0).history
    assert history["accuracy"][-1] > 0.9 and history["loss"][-1] < history["loss"][0]
