"""deepfit.metrics against NumPy references and real Keras (torch backend)."""

from __future__ import annotations

import contextlib
import os

import numpy as np
import pytest
import torch

from deepfit import losses, metrics

B, C = 16, 5


@pytest.fixture(scope="module")
def keras():
    os.environ["KERAS_BACKEND"] = "torch"
    return pytest.importorskip("keras")


def _batches(kind: str, true_shape, pred_shape, seed: int = 0, count: int = 3):
    """`count` batches (y_true, y_pred, sample_weight); the second has no weights."""
    g = torch.Generator().manual_seed(seed)
    out = []
    for i in range(count):
        if kind == "binary":
            y_true = torch.randint(0, 2, true_shape, generator=g).float()
            y_pred = torch.rand(pred_shape, generator=g)
        elif kind == "sparse":
            y_true = torch.randint(0, pred_shape[-1], true_shape, generator=g)
            y_pred = torch.softmax(torch.randn(pred_shape, generator=g), -1)
        elif kind == "onehot":
            y_true = torch.eye(pred_shape[-1])[torch.randint(0, pred_shape[-1], true_shape[:1],
                                                             generator=g)]
            y_pred = torch.softmax(torch.randn(pred_shape, generator=g), -1)
        else:
            y_true = torch.rand(true_shape, generator=g) + 0.1
            y_pred = torch.rand(pred_shape, generator=g) + 0.1
        weight = None if i == 1 else torch.rand(true_shape[:1], generator=g)
        out.append((y_true, y_pred, weight))
    return out


def _feed(metric, batches):
    for y_true, y_pred, weight in batches:
        metric.update_state(y_true, y_pred, sample_weight=weight)
    return metric.result()


# --------------------------------------------------------------------------- Mean and Sum


@pytest.mark.parametrize("weight_shape", [None, (B,), (B, 1), (B, 3), ()])
def test_mean_and_sum_follow_keras_weighting_rule(keras, weight_shape):
    g = torch.Generator().manual_seed(1)
    values = [torch.rand(B, 3, generator=g) for _ in range(3)]
    weights = [None if weight_shape is None else torch.rand(weight_shape, generator=g)
               for _ in range(3)]
    for ours, theirs in ((metrics.Mean(), keras.metrics.Mean()),
                         (metrics.Sum(), keras.metrics.Sum())):
        for v, w in zip(values, weights):
            ours.update_state(v, sample_weight=w)
            theirs.update_state(v, sample_weight=w)
        np.testing.assert_allclose(ours.result().numpy(), theirs.result().cpu().numpy(),
                                   rtol=1e-6)


def test_mean_equals_numpy_weighted_mean_of_per_sample_means():
    g = torch.Generator().manual_seed(2)
    mean, total, count = metrics.Mean(), 0.0, 0.0
    for _ in range(3):
        values, weight = torch.rand(B, 4, generator=g), torch.rand(B, generator=g)
        mean.update_state(values, sample_weight=weight)
        total += float((values.double().mean(-1) * weight.double()).sum())
        count += float(weight.double().sum())
    assert mean.result().item() == pytest.approx(total / count, rel=1e-6)


def test_mean_metric_wrapper_averages_a_function():
    wrapper = metrics.MeanMetricWrapper(losses.mean_absolute_error, name="mae")
    wrapper.update_state([[0.0], [0.0]], [[1.0], [3.0]], sample_weight=[1.0, 3.0])
    wrapper.update_state([[0.0]], [[5.0]])
    assert wrapper.name == "mae"
    assert wrapper.result().item() == pytest.approx((1 + 9 + 5) / 5)


# --------------------------------------------------------------------------- against Keras

KERAS_CASES = [
    ("Accuracy", {}, "sparse", (B,), (B,)),
    ("BinaryAccuracy", {}, "binary", (B, 1), (B, 1)),
    ("BinaryAccuracy", {"threshold": 0.3}, "binary", (B,), (B, 1)),
    ("CategoricalAccuracy", {}, "onehot", (B, C), (B, C)),
    ("SparseCategoricalAccuracy", {}, "sparse", (B,), (B, C)),
    ("SparseCategoricalAccuracy", {}, "sparse", (B, 1), (B, C)),
    ("TopKCategoricalAccuracy", {"k": 2}, "onehot", (B, C), (B, C)),
    ("SparseTopKCategoricalAccuracy", {"k": 3}, "sparse", (B,), (B, C)),
    ("MeanSquaredError", {}, "regression", (B, 3), (B, 3)),
    ("MeanAbsoluteError", {}, "regression", (B, 3), (B, 3)),
    ("MeanAbsolutePercentageError", {}, "regression", (B, 3), (B, 3)),
    ("MeanSquaredLogarithmicError", {}, "regression", (B, 3), (B, 3)),
    ("RootMeanSquaredError", {}, "regression", (B, 3), (B, 3)),
    ("CosineSimilarity", {}, "regression", (B, 3), (B, 3)),
    ("LogCoshError", {}, "regression", (B, 3), (B, 3)),
    ("KLDivergence", {}, "onehot", (B, C), (B, C)),
    ("Poisson", {}, "regression", (B, 3), (B, 3)),
    ("Hinge", {}, "binary", (B, 3), (B, 3)),
    ("SquaredHinge", {}, "binary", (B, 3), (B, 3)),
    ("CategoricalHinge", {}, "onehot", (B, C), (B, C)),
    ("BinaryCrossentropy", {"label_smoothing": 0.1}, "binary", (B, 3), (B, 3)),
    ("CategoricalCrossentropy", {}, "onehot", (B, C), (B, C)),
    ("SparseCategoricalCrossentropy", {}, "sparse", (B,), (B, C)),
    ("SparseCategoricalCrossentropy", {"ignore_class": 1}, "sparse", (B,), (B, C)),
    ("TruePositives", {}, "binary", (B, 1), (B, 1)),
    ("FalsePositives", {"thresholds": [0.3, 0.6]}, "binary", (B, 1), (B, 1)),
    ("TrueNegatives", {}, "binary", (B,), (B,)),
    ("FalseNegatives", {}, "binary", (B, 1), (B, 1)),
    ("Precision", {}, "binary", (B, 1), (B, 1)),
    ("Precision", {"thresholds": [0.2, 0.5, 0.7]}, "binary", (B, 1), (B, 1)),
    ("Precision", {"thresholds": [0.0, 0.5, 1.0]}, "binary", (B, 1), (B, 1)),
    ("Precision", {"class_id": 2}, "onehot", (B, C), (B, C)),
    ("Recall", {}, "binary", (B,), (B,)),
    ("Recall", {"top_k": 2}, "onehot", (B, C), (B, C)),
    ("Recall", {"class_id": 1, "thresholds": 0.1}, "onehot", (B, C), (B, C)),
]


@pytest.mark.parametrize("class_name, options, kind, true_shape, pred_shape", KERAS_CASES,
                         ids=[f"{c[0]}-{c[1]}-{c[3]}" for c in KERAS_CASES])
def test_metric_equals_keras_over_weighted_batches(keras, class_name, options, kind,
                                                   true_shape, pred_shape):
    batches = _batches(kind, true_shape, pred_shape, seed=3)
    if class_name == "Accuracy":
        batches = [(t, torch.randint(0, C, t.shape, generator=torch.Generator().manual_seed(i)),
                    w) for i, (t, _, w) in enumerate(batches)]
    got = _feed(getattr(metrics, class_name)(**options), batches)
    expected = _feed(getattr(keras.metrics, class_name)(**options), batches)
    np.testing.assert_allclose(got.numpy(), expected.cpu().numpy(), rtol=1e-6, atol=1e-6)


AUC_CASES = [
    ({}, (B, 1)),
    ({"curve": "PR"}, (B,)),
    ({"curve": "PR", "summation_method": "minoring"}, (B, 1)),
    ({"summation_method": "majoring", "num_thresholds": 7}, (B, 1)),
    ({"curve": "PRGAIN"}, (B, 1)),
    ({"thresholds": [0.1, 0.35, 0.5, 0.9]}, (B, 1)),
    ({"multi_label": True}, (B, 3)),
    ({"multi_label": True, "label_weights": [0.2, 0.5, 0.3], "curve": "PR"}, (B, 3)),
    ({"label_weights": [0.2, 0.5, 0.3]}, (B, 3)),
    ({}, (B, 3)),
]


@pytest.mark.parametrize("options, shape", AUC_CASES, ids=[str(c) for c in AUC_CASES])
def test_auc_equals_keras(keras, options, shape):
    batches = _batches("binary", shape, shape, seed=4)
    got = _feed(metrics.AUC(**options), batches)
    expected = _feed(keras.metrics.AUC(**options), batches)
    np.testing.assert_allclose(got.item(), expected.item(), atol=1e-4)


def test_auc_from_logits_equals_keras(keras):
    g = torch.Generator().manual_seed(5)
    y_true, logits = torch.randint(0, 2, (B, 1), generator=g), torch.randn(B, 1, generator=g) * 3
    got = metrics.AUC(from_logits=True)(y_true, logits)
    expected = keras.metrics.AUC(from_logits=True)(y_true, logits)
    assert got.item() == pytest.approx(expected.item(), abs=1e-4)


# --------------------------------------------------------------------------- NumPy references


def test_accuracies_equal_numpy():
    batches = _batches("sparse", (B,), (B, C), seed=6)
    sparse, top3, categorical = (metrics.SparseCategoricalAccuracy(),
                                 metrics.SparseTopKCategoricalAccuracy(k=3),
                                 metrics.CategoricalAccuracy())
    hits, top_hits, weights = [], [], []
    for labels, y_pred, weight in batches:
        sparse.update_state(labels, y_pred, weight)
        top3.update_state(labels, y_pred, weight)
        categorical.update_state(torch.eye(C)[labels], y_pred, weight)
        p, t = y_pred.numpy(), labels.numpy()
        hits.append(p.argmax(-1) == t)
        top_hits.append((p >= np.sort(p, -1)[:, -3:-2]).take(t + np.arange(B) * C))
        weights.append(np.ones(B) if weight is None else weight.numpy())
    w = np.concatenate(weights)
    expected = (np.concatenate(hits) * w).sum() / w.sum()
    assert sparse.result().item() == pytest.approx(expected, rel=1e-6)
    assert categorical.result().item() == pytest.approx(expected, rel=1e-6)
    expected_top = (np.concatenate(top_hits) * w).sum() / w.sum()
    assert top3.result().item() == pytest.approx(expected_top, rel=1e-6)


def test_binary_accuracy_and_confusion_metrics_equal_numpy():
    batches = _batches("binary", (B, 1), (B, 1), seed=7)
    accuracy, precision, recall = (metrics.BinaryAccuracy(threshold=0.4), metrics.Precision(),
                                   metrics.Recall())
    tp = fp = fn = correct = total = 0.0
    for y_true, y_pred, weight in batches:
        for m in (accuracy, precision, recall):
            m.update_state(y_true, y_pred, weight)
        t, p = y_true.numpy()[:, 0], y_pred.numpy()[:, 0]
        w = np.ones(B) if weight is None else weight.numpy()
        correct += (w * ((p > 0.4) == t)).sum()
        total += w.sum()
        tp += (w * ((p > 0.5) & (t == 1))).sum()
        fp += (w * ((p > 0.5) & (t == 0))).sum()
        fn += (w * ((p <= 0.5) & (t == 1))).sum()
    assert accuracy.result().item() == pytest.approx(correct / total, rel=1e-6)
    assert precision.result().item() == pytest.approx(tp / (tp + fp), rel=1e-6)
    assert recall.result().item() == pytest.approx(tp / (tp + fn), rel=1e-6)


def test_regression_metrics_equal_numpy():
    batches = _batches("regression", (B, 3), (B, 3), seed=8)
    mse, rmse, mae = (metrics.MeanSquaredError(), metrics.RootMeanSquaredError(),
                      metrics.MeanAbsoluteError())
    sq, ab, weights = [], [], []
    for y_true, y_pred, weight in batches:
        for m in (mse, rmse, mae):
            m.update_state(y_true, y_pred, weight)
        d = (y_true - y_pred).double().numpy()
        sq.append((d**2).mean(-1))
        ab.append(np.abs(d).mean(-1))
        weights.append(np.ones(B) if weight is None else weight.double().numpy())
    w = np.concatenate(weights)
    expected_mse = (np.concatenate(sq) * w).sum() / w.sum()
    assert mse.result().item() == pytest.approx(expected_mse, rel=1e-5)
    assert rmse.result().item() == pytest.approx(np.sqrt(expected_mse), rel=1e-5)
    assert mae.result().item() == pytest.approx((np.concatenate(ab) * w).sum() / w.sum(),
                                                rel=1e-5)


def _numpy_roc_auc(y_true, y_pred, num_thresholds=200):
    eps = 1e-7
    inner = [(i + 1) / (num_thresholds - 1) for i in range(num_thresholds - 2)]
    thresholds = np.array([-eps] + inner + [1 + eps])
    positive = y_pred[None, :] > thresholds[:, None]
    tp = (positive & (y_true == 1)).sum(1)
    fp = (positive & (y_true == 0)).sum(1)
    tpr, fpr = tp / max((y_true == 1).sum(), 1), fp / max((y_true == 0).sum(), 1)
    return float(np.sum((fpr[:-1] - fpr[1:]) * (tpr[:-1] + tpr[1:]) / 2))


def test_auc_equals_numpy_trapezoid_and_approaches_exact_auc():
    sklearn_metrics = pytest.importorskip("sklearn.metrics")
    g = torch.Generator().manual_seed(9)
    y_true = torch.randint(0, 2, (400,), generator=g)
    y_pred = torch.clamp(y_true * 0.3 + torch.rand(400, generator=g) * 0.7, 0, 1)
    got = metrics.AUC()(y_true, y_pred).item()
    assert got == pytest.approx(_numpy_roc_auc(y_true.numpy(), y_pred.numpy()), abs=1e-5)
    assert got == pytest.approx(sklearn_metrics.roc_auc_score(y_true, y_pred), abs=5e-3)
    assert metrics.AUC()([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]).item() == pytest.approx(0.75)


# --------------------------------------------------------------------------- resolution


@pytest.mark.parametrize("true_shape, pred_shape, expected", [
    ((B, 1), (B, 1), metrics.BinaryAccuracy),
    ((B,), (B, 1), metrics.BinaryAccuracy),
    ((B,), (B, C), metrics.SparseCategoricalAccuracy),
    ((B, 1), (B, C), metrics.SparseCategoricalAccuracy),
    ((B, C), (B, C), metrics.CategoricalAccuracy),
])
def test_accuracy_rule_follows_keras_compile(true_shape, pred_shape, expected):
    for name in ("accuracy", "acc", "Accuracy"):
        metric = metrics.get(name, torch.zeros(true_shape), torch.zeros(pred_shape))
        assert type(metric) is expected and metric.name == name
        assert type(metrics.resolve_accuracy(name, true_shape, pred_shape)) is expected


@pytest.mark.parametrize("true_shape, pred_shape, expected", [
    ((B, 1), (B, 1), metrics.BinaryCrossentropy),
    ((B,), (B, C), metrics.SparseCategoricalCrossentropy),
    ((B, C), (B, C), metrics.CategoricalCrossentropy),
])
def test_crossentropy_rule_follows_keras_compile(true_shape, pred_shape, expected):
    metric = metrics.get("ce", np.zeros(true_shape), np.zeros(pred_shape))
    assert type(metric) is expected and metric.name == "ce"


def test_accuracy_without_shapes_resolves_on_the_first_batch():
    metric = metrics.get("acc")
    assert metric.name == "acc" and metric.result().item() == 0.0
    labels, y_pred, _ = _batches("sparse", (B,), (B, C), seed=10)[0]
    metric.update_state(labels, y_pred)
    assert isinstance(metric.resolved, metrics.SparseCategoricalAccuracy)
    expected = metrics.SparseCategoricalAccuracy()(labels, y_pred)
    torch.testing.assert_close(metric.result(), expected)
    metric.reset_state()
    assert metric.result().item() == 0.0


@pytest.mark.parametrize("identifier, expected_type", [
    ("mse", metrics.MeanSquaredError), ("MSE", metrics.MeanSquaredError),
    ("mean_squared_error", metrics.MeanSquaredError), ("mae", metrics.MeanAbsoluteError),
    ("mape", metrics.MeanAbsolutePercentageError), ("msle", metrics.MeanSquaredLogarithmicError),
    ("binary_crossentropy", metrics.BinaryCrossentropy), ("bce", metrics.BinaryCrossentropy),
    ("categorical_crossentropy", metrics.CategoricalCrossentropy),
    ("sparse_categorical_crossentropy", metrics.SparseCategoricalCrossentropy),
    ("kld", metrics.KLDivergence), ("logcosh", metrics.LogCoshError),
    ("cosine_similarity", metrics.CosineSimilarity), ("auc", metrics.AUC),
    ("AUC", metrics.AUC), ("precision", metrics.Precision), ("recall", metrics.Recall),
    ("root_mean_squared_error", metrics.RootMeanSquaredError),
    ("sparse_top_k_categorical_accuracy", metrics.SparseTopKCategoricalAccuracy),
    ("huber", metrics.MeanMetricWrapper),
])
def test_string_names_keep_the_exact_string_as_log_key(identifier, expected_type):
    metric = metrics.get(identifier)
    assert type(metric) is expected_type and metric.name == identifier


def test_loss_named_metric_averages_the_loss_function():
    y_true, y_pred, _ = _batches("regression", (B, 3), (B, 3), seed=11)[0]
    metric = metrics.get("huber")
    metric.update_state(y_true, y_pred)
    torch.testing.assert_close(metric.result(), losses.huber(y_true, y_pred).mean())


def test_get_accepts_objects_classes_configs_and_callables():
    auc = metrics.AUC()
    assert metrics.get(auc) is auc
    assert type(metrics.get(metrics.Recall)) is metrics.Recall
    configured = metrics.get({"class_name": "BinaryAccuracy", "config": {"threshold": 0.7}})
    assert type(configured) is metrics.BinaryAccuracy and configured.threshold == 0.7

    def my_metric(y_true, y_pred):
        return (y_true - y_pred).abs().mean(-1)

    wrapped = metrics.get(my_metric)
    assert type(wrapped) is metrics.MeanMetricWrapper and wrapped.name == "my_metric"
    assert metrics.get(None) is None


def test_unknown_names_list_the_valid_ones():
    with pytest.raises(ValueError, match="Unknown metric: 'acuracy'.*'accuracy'.*'mse'"):
        metrics.get("acuracy")
    with pytest.raises(ValueError, match="Could not interpret metric"):
        metrics.get(5)


def test_invalid_arguments_raise_clear_errors():
    with pytest.raises(ValueError, match="thresholds.*1.5"):
        metrics.Precision(thresholds=[0.5, 1.5])
    with pytest.raises(ValueError, match="curve.*'ROC'"):
        metrics.AUC(curve="ROCK")
    with pytest.raises(ValueError, match="num_thresholds"):
        metrics.AUC(num_thresholds=1)
    with pytest.raises(ValueError, match="class_id"):
        metrics.Precision(class_id=1).update_state(torch.ones(4), torch.ones(4))


CONFIG_CASES = [
    metrics.Mean(name="m"), metrics.Sum(), metrics.Accuracy(),
    metrics.BinaryAccuracy(threshold=0.2),
    metrics.CategoricalAccuracy(), metrics.SparseCategoricalAccuracy(),
    metrics.TopKCategoricalAccuracy(k=2), metrics.SparseTopKCategoricalAccuracy(k=3),
    metrics.MeanSquaredError(), metrics.MeanAbsoluteError(), metrics.RootMeanSquaredError(),
    metrics.MeanAbsolutePercentageError(), metrics.MeanSquaredLogarithmicError(),
    metrics.CosineSimilarity(axis=0), metrics.LogCoshError(), metrics.KLDivergence(),
    metrics.Poisson(), metrics.Hinge(), metrics.SquaredHinge(), metrics.CategoricalHinge(),
    metrics.BinaryCrossentropy(from_logits=True), metrics.CategoricalCrossentropy(axis=0),
    metrics.SparseCategoricalCrossentropy(ignore_class=0), metrics.TruePositives(0.3),
    metrics.FalsePositives(), metrics.TrueNegatives(), metrics.FalseNegatives([0.2, 0.4]),
    metrics.Precision(top_k=2), metrics.Recall(class_id=1, thresholds=[0.1, 0.9]),
    metrics.AUC(curve="PR", num_thresholds=50), metrics.AUC(thresholds=[0.2, 0.7]),
    metrics.AUC(multi_label=True, num_labels=3, label_weights=[1, 2, 3]),
    metrics.MeanMetricWrapper(losses.huber, name="h", delta=2.0),
    metrics.AutoAccuracy(name="acc"),
]


@pytest.mark.parametrize("metric", CONFIG_CASES, ids=lambda m: type(m).__name__)
def test_config_round_trip(metric):
    config = metric.get_config()
    clone = type(metric).from_config(config)
    assert clone.get_config() == config and clone.name == metric.name
    restored = metrics.deserialize(metrics.serialize(metric))
    assert type(restored) is type(metric) and restored.get_config() == config


# --------------------------------------------------------------------------- state handling


def test_reset_state_and_result_before_any_batch():
    metric = metrics.MeanSquaredError()
    assert isinstance(metric.result(), torch.Tensor) and metric.result().item() == 0.0
    metric.update_state([[1.0]], [[3.0]])
    assert metric.result().item() == 4.0
    metric.reset_state()
    assert metric.result().item() == 0.0
    metric.update_state([[1.0]], [[2.0]])
    assert metric.result().item() == 1.0


def test_result_is_a_snapshot_not_a_view_of_the_state():
    metric = metrics.Sum()
    metric.update_state([1.0, 2.0])
    first = metric.result()
    metric.update_state([4.0])
    assert first.item() == 3.0 and metric.result().item() == 7.0


def test_state_is_created_on_the_first_batch_device_and_to_moves_it():
    metric = metrics.AUC()
    metric.update_state(torch.ones(4, device="meta"), torch.ones(4, device="meta"))
    assert metric.device.type == "meta" and metric.result().device.type == "meta"
    pinned = metrics.Mean().to("meta")
    pinned.update_state(torch.ones(3))  # CPU input follows the pinned state
    assert pinned.result().device.type == "meta"


def test_updates_do_not_track_gradients():
    y_pred = torch.rand(B, C, requires_grad=True)
    metric = metrics.CategoricalCrossentropy()
    metric.update_state(torch.eye(C)[torch.zeros(B, dtype=torch.long)], y_pred)
    assert not metric.result().requires_grad


def test_crossentropy_metrics_use_attached_logits():
    logits = torch.tensor([[100.0, -100.0]])
    probabilities = torch.softmax(logits, -1)
    probabilities._keras_logits = logits
    metric = metrics.SparseCategoricalCrossentropy()
    metric.update_state(torch.tensor([1]), probabilities)
    assert metric.result().item() == pytest.approx(200.0)


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


def _metric_suite():
    return [
        (metrics.get("acc"), "sparse"), (metrics.BinaryAccuracy(), "binary"),
        (metrics.CategoricalAccuracy(), "onehot"), (metrics.TopKCategoricalAccuracy(2), "onehot"),
        (metrics.SparseTopKCategoricalAccuracy(2), "sparse"), (metrics.get("mse"), "binary"),
        (metrics.RootMeanSquaredError(), "binary"), (metrics.get("ce"), "sparse"),
        (metrics.SparseCategoricalCrossentropy(ignore_class=1), "sparse"),
        (metrics.Precision(), "binary"), (metrics.Recall(thresholds=[0.2, 0.6]), "binary"),
        (metrics.AUC(), "binary"), (metrics.AUC(curve="PR", thresholds=[0.3, 0.5]), "binary"),
        (metrics.AUC(multi_label=True), "binary"), (metrics.Hinge(), "binary"),
    ]


def _run_suite(device: str, suite):
    for metric, kind in suite:
        true_shape = (B,) if kind == "sparse" else (B, C)
        for y_true, y_pred, weight in _batches(kind, true_shape, (B, C), seed=12):
            weight = None if weight is None else weight.to(device)
            metric.update_state(y_true.to(device), y_pred.to(device), sample_weight=weight)
        yield metric.result()


def test_update_state_and_result_never_sync_with_the_host():
    suite = _metric_suite()
    list(_run_suite("cpu", suite))  # first batches may build state
    with _forbid_host_sync():
        results = list(_run_suite("cpu", suite))
    shapes = [tuple(r.shape) for r in results]
    assert shapes[10] == (2,)  # Recall with two thresholds: one value each
    assert all(isinstance(r, torch.Tensor) for r in results)
    assert all(shape == () for i, shape in enumerate(shapes) if i != 10)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_metrics_never_synchronize_cuda():
    suite = _metric_suite()
    list(_run_suite("cuda", suite))  # first batches may build state and copy thresholds
    torch.cuda.set_sync_debug_mode("error")
    try:
        results = list(_run_suite("cuda", suite))
    finally:
        torch.cuda.set_sync_debug_mode("default")
    assert all(r.device.type == "cuda" for r in results)
