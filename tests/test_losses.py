"""deepfit.losses against NumPy formulas and real Keras (torch backend)."""

from __future__ import annotations

import contextlib
import os

import numpy as np
import pytest
import torch

from deepfit import losses

EPS = 1e-7
B, C = 16, 5


@pytest.fixture(scope="module")
def keras():
    os.environ["KERAS_BACKEND"] = "torch"
    return pytest.importorskip("keras")


def _inputs(kind: str, seed: int = 0, shape=(B, C)):
    g = torch.Generator().manual_seed(seed)
    if kind == "regression":
        return torch.rand(shape, generator=g) * 2 - 0.5, torch.rand(shape, generator=g) * 2 - 0.5
    if kind == "positive":
        return torch.rand(shape, generator=g) * 3, torch.rand(shape, generator=g) * 3 + 0.1
    if kind == "binary":
        return (torch.randint(0, 2, shape, generator=g).float(),
                torch.rand(shape, generator=g) * 0.9 + 0.05)
    if kind == "signed":
        return (torch.randint(0, 2, shape, generator=g).float() * 2 - 1,
                torch.randn(shape, generator=g))
    if kind == "distribution":
        return (torch.softmax(torch.randn(shape, generator=g), -1),
                torch.softmax(torch.randn(shape, generator=g), -1))
    if kind == "onehot":
        labels = torch.randint(0, shape[-1], shape[:-1], generator=g)
        return torch.eye(shape[-1])[labels], torch.softmax(torch.randn(shape, generator=g), -1)
    if kind == "sparse":
        labels = torch.randint(0, shape[-1], shape[:-1], generator=g)
        return labels, torch.softmax(torch.randn(shape, generator=g), -1)
    raise AssertionError(kind)


# --------------------------------------------------------------------------- NumPy formulas


def _np_bce(t, p):
    p = np.clip(p, EPS, 1 - EPS)
    return -np.mean(t * np.log(p) + (1 - t) * np.log(1 - p), axis=-1)


def _np_cce(t, p):
    p = np.clip(p / p.sum(-1, keepdims=True), EPS, 1 - EPS)
    return -np.sum(t * np.log(p), axis=-1)


def _np_scce(t, p):
    p = np.clip(p / p.sum(-1, keepdims=True), EPS, 1 - EPS)
    return -np.log(p[np.arange(len(t)), t.astype(int)])


def _np_huber(t, p, delta=1.0):
    e = p - t
    return np.mean(np.where(np.abs(e) <= delta, 0.5 * e**2, delta * np.abs(e) - 0.5 * delta**2),
                   axis=-1)


def _np_hinge_labels(t):
    return 2 * t - 1 if np.all((t == 0) | (t == 1)) else t


def _np_kld(t, p):
    t, p = np.clip(t, EPS, 1), np.clip(p, EPS, 1)
    return np.sum(t * np.log(t / p), axis=-1)


def _np_cosine(t, p):
    tn = t / np.linalg.norm(t, axis=-1, keepdims=True)
    pn = p / np.linalg.norm(p, axis=-1, keepdims=True)
    return -np.sum(tn * pn, axis=-1)


NUMPY_CASES = {
    "mean_squared_error": ("regression", lambda t, p: np.mean((t - p) ** 2, -1)),
    "mean_absolute_error": ("regression", lambda t, p: np.mean(np.abs(t - p), -1)),
    "mean_absolute_percentage_error": (
        "regression",
        lambda t, p: 100 * np.mean(np.abs((t - p) / np.maximum(np.abs(t), EPS)), -1),
    ),
    "mean_squared_logarithmic_error": (
        "regression",
        lambda t, p: np.mean((np.log(np.maximum(p, EPS) + 1) - np.log(np.maximum(t, EPS) + 1))
                             ** 2, -1),
    ),
    "huber": ("regression", _np_huber),
    "log_cosh": ("regression", lambda t, p: np.mean(np.log(np.cosh(p - t)), -1)),
    "hinge": ("binary", lambda t, p: np.mean(np.maximum(1 - _np_hinge_labels(t) * p, 0), -1)),
    "squared_hinge": (
        "signed", lambda t, p: np.mean(np.maximum(1 - _np_hinge_labels(t) * p, 0) ** 2, -1)),
    "categorical_hinge": (
        "onehot",
        lambda t, p: np.maximum(np.max((1 - t) * p, -1) - np.sum(t * p, -1) + 1, 0),
    ),
    "kl_divergence": ("distribution", _np_kld),
    "poisson": ("positive", lambda t, p: np.mean(p - t * np.log(p + EPS), -1)),
    "cosine_similarity": ("regression", _np_cosine),
    "binary_crossentropy": ("binary", _np_bce),
    "categorical_crossentropy": ("onehot", _np_cce),
    "sparse_categorical_crossentropy": ("sparse", _np_scce),
}


@pytest.mark.parametrize("name", sorted(NUMPY_CASES))
def test_function_equals_numpy_formula(name):
    kind, reference = NUMPY_CASES[name]
    y_true, y_pred = _inputs(kind, seed=1)
    got = getattr(losses, name)(y_true, y_pred)
    expected = reference(y_true.double().numpy(), y_pred.double().numpy())
    assert got.shape == (B,)
    np.testing.assert_allclose(got.numpy(), expected, rtol=2e-5, atol=1e-6)


def test_function_aliases_resolve_to_the_same_function():
    assert losses.get("mse") is losses.mean_squared_error
    assert losses.get("MAE") is losses.mean_absolute_error
    assert losses.get("mape") is losses.mean_absolute_percentage_error
    assert losses.get("msle") is losses.mean_squared_logarithmic_error
    assert losses.get("kld") is losses.kl_divergence
    assert losses.get("kullback_leibler_divergence") is losses.kl_divergence
    assert losses.get("logcosh") is losses.log_cosh
    assert losses.get("bce") is losses.binary_crossentropy


# --------------------------------------------------------------------------- against Keras

KERAS_CLASS_CASES = [
    ("MeanSquaredError", {}, "regression"),
    ("MeanAbsoluteError", {}, "regression"),
    ("MeanAbsolutePercentageError", {}, "regression"),
    ("MeanSquaredLogarithmicError", {}, "regression"),
    ("Huber", {"delta": 0.4}, "regression"),
    ("LogCosh", {}, "regression"),
    ("Hinge", {}, "binary"),
    ("SquaredHinge", {}, "signed"),
    ("CategoricalHinge", {}, "onehot"),
    ("KLDivergence", {}, "distribution"),
    ("Poisson", {}, "positive"),
    ("CosineSimilarity", {}, "regression"),
    ("BinaryCrossentropy", {}, "binary"),
    ("BinaryCrossentropy", {"label_smoothing": 0.2}, "binary"),
    ("CategoricalCrossentropy", {}, "onehot"),
    ("CategoricalCrossentropy", {"label_smoothing": 0.1}, "onehot"),
    ("SparseCategoricalCrossentropy", {}, "sparse"),
    ("SparseCategoricalCrossentropy", {"ignore_class": 2}, "sparse"),
]
REDUCTIONS = ["sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", None]


def _weights(kind: str):
    g = torch.Generator().manual_seed(7)
    return {"none": None, "batch": torch.rand(B, generator=g),
            "column": torch.rand(B, 1, generator=g), "scalar": torch.tensor(0.5)}[kind]


@pytest.mark.parametrize("class_name, options, kind", KERAS_CLASS_CASES,
                         ids=[f"{c[0]}-{c[1]}" for c in KERAS_CLASS_CASES])
def test_loss_class_equals_keras(keras, class_name, options, kind):
    y_true, y_pred = _inputs(kind, seed=3)
    for reduction in REDUCTIONS:
        ours = getattr(losses, class_name)(reduction=reduction, **options)
        theirs = getattr(keras.losses, class_name)(reduction=reduction, **options)
        for weight_kind in ("none", "batch", "column", "scalar"):
            if weight_kind == "scalar" and "ignore_class" in options:
                continue  # Keras fails here: an in-place multiply of a 0-d weight by the mask
            sample_weight = _weights(weight_kind)
            got = ours(y_true, y_pred, sample_weight=sample_weight)
            expected = theirs(y_true, y_pred, sample_weight=sample_weight)
            np.testing.assert_allclose(got.numpy(), expected.cpu().numpy(), rtol=1e-6,
                                       atol=1e-6, err_msg=f"{reduction} {weight_kind}")


@pytest.mark.parametrize("name", sorted(NUMPY_CASES))
def test_function_equals_keras_function(keras, name):
    kind = NUMPY_CASES[name][0]
    y_true, y_pred = _inputs(kind, seed=4)
    got = getattr(losses, name)(y_true, y_pred)
    expected = getattr(keras.losses, name)(y_true, y_pred)
    np.testing.assert_allclose(got.numpy(), expected.cpu().numpy(), rtol=1e-6, atol=1e-6)


def test_per_timestep_losses_and_weights_equal_keras(keras):
    y_true, y_pred = _inputs("regression", seed=5, shape=(4, 6, 3))
    weights = torch.rand(4, 6, generator=torch.Generator().manual_seed(0))
    got = losses.MeanSquaredError()(y_true, y_pred, sample_weight=weights)
    expected = keras.losses.MeanSquaredError()(y_true, y_pred, sample_weight=weights)
    np.testing.assert_allclose(got.numpy(), expected.cpu().numpy(), rtol=1e-6)


def test_per_sample_weights_of_a_per_timestep_loss_align_with_the_batch_axis():
    y_true, y_pred = _inputs("regression", seed=5, shape=(4, 6, 3))
    weights = torch.tensor([1.0, 0.0, 2.0, 0.5])
    got = losses.MeanSquaredError()(y_true, y_pred, sample_weight=weights)
    per_step = ((y_true - y_pred) ** 2).mean(-1).double().numpy()
    expected = (per_step * weights.double().numpy()[:, None]).sum() / per_step.size
    np.testing.assert_allclose(got.item(), expected, rtol=1e-6)


def test_label_and_prediction_rank_mismatch_equals_keras(keras):
    y_true, y_pred = _inputs("binary", seed=6, shape=(B, 1))
    for name in ("MeanSquaredError", "BinaryCrossentropy", "Hinge"):
        got = getattr(losses, name)()(y_true[:, 0], y_pred)
        expected = getattr(keras.losses, name)()(y_true[:, 0], y_pred)
        np.testing.assert_allclose(got.numpy(), expected.cpu().numpy(), rtol=1e-6)


@pytest.mark.parametrize("from_logits_case", ["categorical", "sparse", "binary"])
def test_from_logits_equals_keras(keras, from_logits_case):
    g = torch.Generator().manual_seed(8)
    logits = torch.randn(B, C, generator=g) * 3
    if from_logits_case == "binary":
        labels = torch.randint(0, 2, (B, C), generator=g).float()
        pair = (losses.BinaryCrossentropy, keras.losses.BinaryCrossentropy)
    elif from_logits_case == "sparse":
        labels = torch.randint(0, C, (B,), generator=g)
        pair = (losses.SparseCategoricalCrossentropy, keras.losses.SparseCategoricalCrossentropy)
    else:
        labels = torch.eye(C)[torch.randint(0, C, (B,), generator=g)]
        pair = (losses.CategoricalCrossentropy, keras.losses.CategoricalCrossentropy)
    got = pair[0](from_logits=True)(labels, logits)
    expected = pair[1](from_logits=True)(labels, logits)
    np.testing.assert_allclose(got.item(), expected.item(), rtol=1e-6)


# --------------------------------------------------------------------------- logits path


def _softmax_with_logits(logits: torch.Tensor) -> torch.Tensor:
    probabilities = torch.softmax(logits, dim=-1)
    probabilities._keras_logits = logits
    return probabilities


def _sigmoid_with_logits(logits: torch.Tensor) -> torch.Tensor:
    probabilities = torch.sigmoid(logits)
    probabilities._keras_logits = logits
    return probabilities


def test_attached_logits_equal_keras_probability_path_away_from_saturation(keras):
    g = torch.Generator().manual_seed(9)
    logits = torch.randn(B, C, generator=g) * 2
    onehot = torch.eye(C)[torch.randint(0, C, (B,), generator=g)]
    sparse = onehot.argmax(-1)
    probabilities = _softmax_with_logits(logits)
    pairs = [
        (losses.CategoricalCrossentropy()(onehot, probabilities),
         keras.losses.CategoricalCrossentropy()(onehot, probabilities.detach())),
        (losses.SparseCategoricalCrossentropy()(sparse, probabilities),
         keras.losses.SparseCategoricalCrossentropy()(sparse, probabilities.detach())),
    ]
    binary_labels = (onehot > 0).float()
    sigmoid = _sigmoid_with_logits(logits)
    pairs.append((losses.BinaryCrossentropy()(binary_labels, sigmoid),
                  keras.losses.BinaryCrossentropy()(binary_labels, sigmoid.detach())))
    for got, expected in pairs:
        np.testing.assert_allclose(got.item(), expected.item(), rtol=1e-5)


def test_attached_logits_give_the_reference_gradients():
    g = torch.Generator().manual_seed(10)
    labels = torch.randint(0, C, (B,), generator=g)
    logits = (torch.randn(B, C, generator=g) * 2).requires_grad_()
    losses.SparseCategoricalCrossentropy()(labels, _softmax_with_logits(logits)).backward()
    reference = logits.detach().clone().requires_grad_()
    torch.nn.functional.cross_entropy(reference, labels).backward()
    torch.testing.assert_close(logits.grad, reference.grad, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("case", ["categorical", "sparse", "binary"])
def test_attached_logits_stay_finite_at_saturation(case):
    if case == "binary":
        logits = torch.tensor([[100.0], [-100.0]], requires_grad=True)
        y_true, y_pred = torch.tensor([[0.0], [1.0]]), _sigmoid_with_logits(logits)
        loss = losses.BinaryCrossentropy()(y_true, y_pred)
        expected_grad = torch.tensor([[0.5], [-0.5]])
    else:
        logits = torch.tensor([[100.0, -100.0]], requires_grad=True)
        y_pred = _softmax_with_logits(logits)
        if case == "sparse":
            loss = losses.SparseCategoricalCrossentropy()(torch.tensor([1]), y_pred)
        else:
            loss = losses.CategoricalCrossentropy()(torch.tensor([[0.0, 1.0]]), y_pred)
        expected_grad = torch.tensor([[1.0, -1.0]])
    loss.backward()
    assert torch.isfinite(loss) and loss.item() == pytest.approx(100.0 if case == "binary"
                                                                 else 200.0)
    torch.testing.assert_close(logits.grad, expected_grad)


def test_probability_path_clips_like_keras_at_saturation(keras):
    probabilities = torch.softmax(torch.tensor([[100.0, -100.0]]), -1)
    got = losses.CategoricalCrossentropy()(torch.tensor([[0.0, 1.0]]), probabilities)
    expected = keras.losses.CategoricalCrossentropy()(torch.tensor([[0.0, 1.0]]), probabilities)
    assert got.item() == pytest.approx(expected.item(), rel=1e-6)
    assert got.item() == pytest.approx(-np.log(EPS), rel=1e-4)


def test_half_precision_predictions_are_computed_in_float32():
    logits = torch.tensor([[2.0, -1.0, 0.5]] * 4)
    half = torch.softmax(logits.half(), -1)
    half._keras_logits = logits.half()
    got = losses.SparseCategoricalCrossentropy()(torch.tensor([0, 1, 2, 0]), half)
    expected = torch.nn.functional.cross_entropy(logits.half().float(), torch.tensor([0, 1, 2, 0]))
    assert got.dtype == torch.float32
    torch.testing.assert_close(got, expected)


@pytest.mark.parametrize("dtype", [torch.int32, torch.int64, torch.uint8, torch.float32])
@pytest.mark.parametrize("column", [False, True])
def test_sparse_labels_accept_any_dtype_and_a_trailing_axis(dtype, column):
    labels, y_pred = _inputs("sparse", seed=11)
    expected = losses.sparse_categorical_crossentropy(labels, y_pred)
    converted = labels.to(dtype)
    got = losses.sparse_categorical_crossentropy(converted[:, None] if column else converted,
                                                 y_pred)
    torch.testing.assert_close(got, expected)


# --------------------------------------------------------------------------- reduction


def test_reductions_match_hand_computation():
    y_true = torch.zeros(4, 1)
    y_pred = torch.tensor([[1.0], [2.0], [3.0], [4.0]])
    weights = torch.tensor([1.0, 0.0, 1.0, 0.5])

    def mae(reduction):
        return losses.MeanAbsoluteError(reduction=reduction)(y_true, y_pred, sample_weight=weights)

    assert mae("sum_over_batch_size").item() == pytest.approx(6.0 / 4)
    assert mae("mean").item() == pytest.approx(6.0 / 4)
    assert mae("sum").item() == pytest.approx(6.0)
    assert mae("mean_with_sample_weight").item() == pytest.approx(6.0 / 2.5)
    torch.testing.assert_close(mae(None), torch.tensor([1.0, 0.0, 3.0, 2.0]))
    torch.testing.assert_close(mae("none"), torch.tensor([1.0, 0.0, 3.0, 2.0]))


def test_ignore_class_leaves_entries_out_of_the_mean():
    y_pred = torch.tensor([[0.5, 0.5], [0.9, 0.1], [0.2, 0.8]])
    labels = torch.tensor([0, -1, 1])
    got = losses.SparseCategoricalCrossentropy(ignore_class=-1)(labels, y_pred)
    assert got.item() == pytest.approx((-np.log(0.5) - np.log(0.8)) / 2, rel=1e-6)


def test_invalid_arguments_raise_clear_errors():
    with pytest.raises(ValueError, match="reduction.*'auto'"):
        losses.MeanSquaredError(reduction="auto")
    with pytest.raises(ValueError, match=r"y_true.shape=\(2, 3\).*y_pred.shape=\(2, 4\)"):
        losses.categorical_crossentropy(torch.zeros(2, 3), torch.ones(2, 4))
    with pytest.raises(ValueError, match="y_true.shape"):
        losses.sparse_categorical_crossentropy(torch.zeros(3, dtype=torch.long), torch.ones(2, 4))
    with pytest.raises(TypeError, match="axis"):
        losses.categorical_crossentropy(torch.zeros(2, 3), torch.ones(2, 3), axis=True)
    with pytest.raises(ValueError, match="dtype"):
        losses.MeanSquaredError(dtype="int32")


# --------------------------------------------------------------------------- lookup & config


def test_get_resolves_names_configs_objects_and_callables():
    instance = losses.get("MeanSquaredError")
    assert isinstance(instance, losses.MeanSquaredError)
    configured = losses.get({"class_name": "Huber", "config": {"delta": 2.5}})
    assert isinstance(configured, losses.Huber) and configured.delta == 2.5
    loss = losses.BinaryCrossentropy()
    assert losses.get(loss) is loss

    def custom(y_true, y_pred):
        return (y_true - y_pred).abs().mean(-1)

    assert losses.get(custom) is custom
    assert isinstance(losses.get(losses.Poisson), losses.Poisson)
    assert losses.get(None) is None


def test_get_unknown_name_lists_valid_names():
    with pytest.raises(ValueError, match="Unknown loss: 'msee'.*'mean_squared_error'"):
        losses.get("msee")
    with pytest.raises(ValueError, match="Could not interpret loss"):
        losses.get(3)


@pytest.mark.parametrize("shapes, expected", [
    (((B,), (B, C)), losses.sparse_categorical_crossentropy),
    (((B, 1), (B, C)), losses.sparse_categorical_crossentropy),
    (((B, 1), (B, 1)), losses.binary_crossentropy),
    (((B,), (B, 1)), losses.binary_crossentropy),
    (((B, C), (B, C)), losses.categorical_crossentropy),
])
def test_crossentropy_resolution_follows_keras_compile(shapes, expected):
    assert losses.resolve_crossentropy(*shapes) is expected


def test_ce_name_computes_the_resolved_crossentropy():
    labels, y_pred = _inputs("sparse", seed=12)
    loss = losses.get("ce")
    assert loss.name == "ce"
    torch.testing.assert_close(loss(labels, y_pred),
                               losses.SparseCategoricalCrossentropy()(labels, y_pred))
    onehot = torch.eye(C)[labels]
    torch.testing.assert_close(losses.get("crossentropy")(onehot, y_pred),
                               losses.CategoricalCrossentropy()(onehot, y_pred))


CONFIG_CASES = [
    losses.MeanSquaredError(name="m", reduction="sum"),
    losses.MeanAbsoluteError(), losses.MeanAbsolutePercentageError(),
    losses.MeanSquaredLogarithmicError(), losses.LogCosh(), losses.Hinge(),
    losses.SquaredHinge(), losses.CategoricalHinge(), losses.KLDivergence(), losses.Poisson(),
    losses.Huber(delta=0.3), losses.CosineSimilarity(axis=0),
    losses.BinaryCrossentropy(from_logits=True, label_smoothing=0.1),
    losses.CategoricalCrossentropy(label_smoothing=0.2, reduction=None),
    losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=3),
    losses.LossFunctionWrapper(losses.huber, delta=3.0),
]


@pytest.mark.parametrize("loss", CONFIG_CASES, ids=lambda loss: type(loss).__name__)
def test_config_round_trip(loss):
    config = loss.get_config()
    clone = type(loss).from_config(config)
    assert clone.get_config() == config
    restored = losses.deserialize(losses.serialize(loss))
    assert type(restored) is type(loss) and restored.get_config() == config
    kind = "sparse" if isinstance(loss, losses.SparseCategoricalCrossentropy) else "binary"
    y_true, y_pred = _inputs(kind, seed=13)
    torch.testing.assert_close(clone(y_true, y_pred), loss(y_true, y_pred))


def test_serialize_function_matches_keras_format():
    config = losses.serialize(losses.mean_squared_error)
    assert config["class_name"] == "function" and config["config"] == "mean_squared_error"
    assert losses.deserialize(config) is losses.mean_squared_error


# --------------------------------------------------------------------------- device & sync


@contextlib.contextmanager
def _forbid_host_sync():
    names = ["item", "__bool__", "__float__", "__int__", "__index__", "tolist", "numpy", "cpu"]
    saved = {name: getattr(torch.Tensor, name) for name in names}

    def fail(*args, **kwargs):
        raise AssertionError("host sync in a hot path")

    for name in names:
        setattr(torch.Tensor, name, fail)
    try:
        yield
    finally:
        for name, method in saved.items():
            setattr(torch.Tensor, name, method)


def _all_losses_once(device: str):
    y_true, y_pred = (t.to(device) for t in _inputs("binary", seed=14))
    labels = torch.randint(0, C, (B,)).to(device)
    weights = torch.rand(B).to(device)
    outputs = [cls()(y_true, y_pred, sample_weight=weights) for cls in (
        losses.MeanSquaredError, losses.MeanAbsoluteError, losses.MeanAbsolutePercentageError,
        losses.MeanSquaredLogarithmicError, losses.Huber, losses.LogCosh, losses.Hinge,
        losses.SquaredHinge, losses.CategoricalHinge, losses.KLDivergence, losses.Poisson,
        losses.CosineSimilarity, losses.BinaryCrossentropy, losses.CategoricalCrossentropy)]
    probabilities = _softmax_with_logits(y_pred)
    outputs.append(losses.SparseCategoricalCrossentropy(ignore_class=1)(labels, probabilities,
                                                                        weights))
    outputs.append(losses.get("ce")(labels, probabilities))
    outputs.append(losses.MeanSquaredError(reduction="mean_with_sample_weight")(
        y_true, y_pred, weights))
    return outputs


def test_losses_never_sync_with_the_host():
    with _forbid_host_sync():
        outputs = _all_losses_once("cpu")
    assert all(torch.isfinite(out) for out in outputs)


def test_losses_create_tensors_on_the_inputs_device():
    # 'meta' tensors fail loudly when combined with tensors built on another device.
    assert all(out.device.type == "meta" for out in _all_losses_once("meta"))


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_losses_never_synchronize_cuda():
    _all_losses_once("cuda")  # warm-up
    torch.cuda.set_sync_debug_mode("error")
    try:
        _all_losses_once("cuda")
    finally:
        torch.cuda.set_sync_debug_mode("default")
