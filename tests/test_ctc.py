"""CTC against real Keras (torch backend): `ops.ctc_loss`, `ops.ctc_decode` (greedy and beam
search, Keras's output format and tie-breaking), `losses.ctc` / `losses.CTC` with sample
weights and reductions, a model that learns to transcribe with it, and clear errors."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

import deepfit
from deepfit import ops
from tests.trainer.keras_process import run_keras

RNG = np.random.default_rng(0)
LOGITS = (RNG.normal(size=(4, 12, 6)) * 2).astype("float32")
LABELS = RNG.integers(1, 6, (4, 5)).astype("int32")
LABELS[1, 3:] = 0
LABELS[2, 1:] = 0
LABEL_LENGTH = np.array([5, 3, 1, 4], "int32")
OUTPUT_LENGTH = np.array([12, 10, 6, 12], "int32")
WEIGHTS = np.array([1.0, 2.0, 0.0, 0.5], "float32")
BEAMS = [(8, 3, 0), (3, 2, 2), (100, 1, 0), (2, 4, None), (1, 1, 5)]


@pytest.fixture(scope="module")
def keras_results():
    return run_keras(f"""
ops = keras.ops
x, y, yl, ol = inputs["logits"], inputs["labels"], inputs["yl"], inputs["ol"]
result["loss"] = ops.convert_to_numpy(ops.ctc_loss(y, x, yl, ol))
shifted = np.where(y == 0, 5, y - 1)
result["loss_last_blank"] = ops.convert_to_numpy(ops.ctc_loss(shifted, x, yl, ol, mask_index=5))
for merge in (True, False):
    paths, scores = ops.ctc_decode(x, ol, merge_repeated=merge)
    result[f"greedy_{{merge}}"] = ops.convert_to_numpy(paths)
    result[f"greedy_scores_{{merge}}"] = ops.convert_to_numpy(scores)
result["greedy_last"] = ops.convert_to_numpy(ops.ctc_decode(x, ol, mask_index=None)[0])
for width, top, blank in {BEAMS!r}:
    paths, scores = ops.ctc_decode(x, ol, strategy="beam_search", beam_width=width,
                                   top_paths=top, mask_index=blank)
    result[f"beam_{{width}}_{{top}}"] = ops.convert_to_numpy(paths)
    result[f"beam_scores_{{width}}_{{top}}"] = ops.convert_to_numpy(scores)
result["fn"] = ops.convert_to_numpy(keras.losses.ctc(y, x))
for reduction in ("sum_over_batch_size", "sum", "mean_with_sample_weight", None):
    loss = keras.losses.CTC(reduction=reduction)
    result[f"class_{{reduction}}"] = ops.convert_to_numpy(loss(y, x, sample_weight=inputs["w"]))
result["config"] = json.dumps(keras.losses.CTC().get_config())
""", logits=LOGITS, labels=LABELS, yl=LABEL_LENGTH, ol=OUTPUT_LENGTH, w=WEIGHTS)


def _close(ours, theirs, rtol=1e-5, atol=1e-5):
    ours = np.asarray(ours)
    assert ours.shape == theirs.shape and ours.dtype == theirs.dtype, (ours, theirs)
    np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=atol)


def test_ctc_loss_equals_keras(keras_results):
    _close(ops.ctc_loss(LABELS, LOGITS, LABEL_LENGTH, OUTPUT_LENGTH), keras_results["loss"])
    shifted = np.where(LABELS == 0, 5, LABELS - 1)
    _close(ops.nn.ctc_loss(shifted, LOGITS, LABEL_LENGTH, OUTPUT_LENGTH, mask_index=5),
           keras_results["loss_last_blank"])


def test_greedy_decode_equals_keras(keras_results):
    for merge in (True, False):
        paths, scores = ops.ctc_decode(LOGITS, OUTPUT_LENGTH, merge_repeated=merge)
        _close(paths, keras_results[f"greedy_{merge}"])
        _close(scores, keras_results[f"greedy_scores_{merge}"])
    _close(ops.ctc_decode(LOGITS, OUTPUT_LENGTH, mask_index=None)[0],
           keras_results["greedy_last"])


def test_beam_search_equals_keras(keras_results):
    for width, top, blank in BEAMS:
        paths, scores = ops.nn.ctc_decode(LOGITS, OUTPUT_LENGTH, strategy="beam_search",
                                          beam_width=width, top_paths=top, mask_index=blank)
        _close(paths, keras_results[f"beam_{width}_{top}"])
        _close(scores, keras_results[f"beam_scores_{width}_{top}"])


def test_ctc_losses_equal_keras(keras_results):
    _close(deepfit.losses.ctc(LABELS, LOGITS), keras_results["fn"])
    for reduction in ("sum_over_batch_size", "sum", "mean_with_sample_weight", None):
        loss = deepfit.losses.CTC(reduction=reduction)
        _close(loss(LABELS, LOGITS, sample_weight=WEIGHTS), keras_results[f"class_{reduction}"])
    config = deepfit.losses.CTC().get_config()
    assert config == json.loads(keras_results["config"])
    assert deepfit.losses.CTC.from_config(config).get_config() == config
    assert isinstance(deepfit.losses.get("CTC"), deepfit.losses.CTC)
    assert deepfit.losses.get("ctc") is deepfit.losses.ctc
    restored = deepfit.losses.deserialize(deepfit.losses.serialize(deepfit.losses.CTC()))
    assert isinstance(restored, deepfit.losses.CTC)


def test_ctc_gradient_flows_and_a_model_learns():
    # Output 8 steps, 3 symbols + blank; the target is the sequence of argmax bins of x.
    deepfit.utils.set_random_seed(0)
    x = RNG.integers(0, 3, (256, 8)).astype("float32")
    y = np.zeros((256, 8), "int32")
    for i, row in enumerate(x.astype(int)):
        kept = [v + 1 for j, v in enumerate(row) if j == 0 or v != row[j - 1]]
        y[i, :len(kept)] = kept
    model = deepfit.Sequential([
        deepfit.Input((8,)), deepfit.layers.Reshape((8, 1)),
        deepfit.layers.Dense(32, activation="relu"), deepfit.layers.Dense(4)])
    model.compile(deepfit.optimizers.Adam(0.02), loss=deepfit.losses.CTC())
    history = model.fit(x, y, epochs=20, batch_size=32, verbose=0).history
    assert history["loss"][-1] < 0.2 * history["loss"][0]
    paths, _ = ops.ctc_decode(model.predict(x[:16], verbose=0), np.full(16, 8))
    assert (np.asarray(paths[0])[:, :8] == np.where(y[:16] == 0, -1, y[:16])).mean() > 0.95


def test_bad_arguments_raise_clear_errors():
    with pytest.raises(ValueError, match="y_true.shape"):
        deepfit.losses.ctc(LABELS[0], LOGITS)
    with pytest.raises(ValueError, match="y_pred.shape"):
        deepfit.losses.ctc(LABELS, LOGITS[0])
    with pytest.raises(ValueError, match="output: expected logits"):
        ops.ctc_loss(LABELS, LOGITS[0], LABEL_LENGTH, OUTPUT_LENGTH)
    with pytest.raises(ValueError, match="target_length: expected one length"):
        ops.ctc_loss(LABELS, LOGITS, LABEL_LENGTH[:2], OUTPUT_LENGTH)
    with pytest.raises(ValueError, match="Invalid strategy"):
        ops.ctc_decode(LOGITS, OUTPUT_LENGTH, strategy="best")
    with pytest.raises(ValueError, match="beam_width"):
        ops.ctc_decode(LOGITS, OUTPUT_LENGTH, strategy="beam_search", beam_width=0)
    with pytest.raises(ValueError, match="mask_index"):
        ops.ctc_decode(LOGITS, OUTPUT_LENGTH, mask_index=6)
    assert torch.is_tensor(ops.ctc_loss(LABELS, LOGITS, LABEL_LENGTH, OUTPUT_LENGTH))


PEERS_PYTHON = "/work/main/.venv-peers/bin/python"


def test_legacy_backend_ctc_equals_keras_tensorflow():
    import os

    if not os.path.exists(PEERS_PYTHON):
        pytest.skip("Keras with TensorFlow (the peers' venv) is not installed")
    from deepfit.compat.keras import backend as K

    probabilities = torch.softmax(torch.tensor(LOGITS), -1).numpy()
    labels = np.where(LABELS == 0, 0, LABELS - 1)  # classes 0..4, the blank is 5
    theirs = run_keras("""
import tensorflow as tf
K = tf.keras.backend
p, y, ol, yl = inputs["p"], inputs["y"], inputs["ol"], inputs["yl"]
result["cost"] = K.ctc_batch_cost(y, p, ol[:, None], yl[:, None]).numpy()
decoded, scores = K.ctc_decode(p, ol)
result["greedy"], result["greedy_scores"] = decoded[0].numpy(), scores.numpy()
decoded, scores = K.ctc_decode(p, ol, greedy=False, beam_width=8, top_paths=2)
result["beam0"], result["beam1"] = decoded[0].numpy(), decoded[1].numpy()
result["beam_scores"] = scores.numpy()
""", python=PEERS_PYTHON, backend="tensorflow", p=probabilities, y=labels, ol=OUTPUT_LENGTH,
        yl=LABEL_LENGTH)
    cost = K.ctc_batch_cost(labels, probabilities, OUTPUT_LENGTH[:, None], LABEL_LENGTH[:, None])
    np.testing.assert_allclose(np.asarray(cost), theirs["cost"], rtol=1e-4, atol=1e-4)
    decoded, scores = K.ctc_decode(probabilities, OUTPUT_LENGTH)
    np.testing.assert_array_equal(np.asarray(decoded[0]), theirs["greedy"])
    np.testing.assert_allclose(np.asarray(scores), theirs["greedy_scores"], rtol=1e-5)
    decoded, scores = K.ctc_decode(probabilities, OUTPUT_LENGTH, greedy=False, beam_width=8,
                                   top_paths=2)
    np.testing.assert_array_equal(np.asarray(decoded[0]), theirs["beam0"])
    np.testing.assert_array_equal(np.asarray(decoded[1]), theirs["beam1"])
    np.testing.assert_allclose(np.asarray(scores), theirs["beam_scores"], rtol=1e-4, atol=1e-4)
