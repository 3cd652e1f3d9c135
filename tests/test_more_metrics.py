"""IoU, BinaryIoU, MeanIoU, OneHotIoU, OneHotMeanIoU, the rate-at-rate metrics
(PrecisionAtRecall, RecallAtPrecision, SensitivityAtSpecificity, SpecificityAtSensitivity) and
PearsonCorrelation / ConcordanceCorrelation against real Keras: streamed over two batches
(result after each), with and without sample weights, after reset_state, and their configs."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest

import deepfit
from deepfit import metrics
from tests.trainer.keras_process import run_keras

RNG = np.random.default_rng(7)
IDS_TRUE = RNG.integers(0, 4, (2, 6, 5)).astype("int32")
IDS_TRUE[0, 0, :2] = 7  # out of range: left out
IDS_PRED = RNG.integers(0, 4, (2, 6, 5)).astype("int32")
INT_W = RNG.integers(0, 3, (2, 6, 5)).astype("int32")
HOT_TRUE = np.eye(4, dtype="float32")[IDS_TRUE.clip(0, 3)]
SCORES = RNG.random((2, 6, 5, 4)).astype("float32")
BIN_TRUE = RNG.integers(0, 2, (2, 40)).astype("float32")
BIN_PRED = np.clip(BIN_TRUE * 0.3 + RNG.random((2, 40)) * 0.7, 0, 1).astype("float32")
MULTI_TRUE = RNG.integers(0, 2, (2, 20, 3)).astype("float32")
MULTI_PRED = RNG.random((2, 20, 3)).astype("float32")
FLOAT_W = RNG.random((2, 40)).astype("float32")
REG_TRUE = RNG.normal(size=(2, 8, 5)).astype("float32")
REG_PRED = (REG_TRUE * 0.7 + RNG.normal(size=(2, 8, 5)) * 0.5).astype("float32")
REG_W = RNG.random((2, 8)).astype("float32")

# name: (class, kwargs, y_true key, y_pred key, weight key or None)
CASES = {
    "iou": ("IoU", {"num_classes": 4, "target_class_ids": [0, 2]}, "ids_true", "ids_pred",
            "int_w"),
    "iou_ignore": ("IoU", {"num_classes": 4, "target_class_ids": [1, 3], "ignore_class": 2},
                   "ids_true", "ids_pred", None),
    "iou_float": ("IoU", {"num_classes": 4, "target_class_ids": [1], "dtype": "float32"},
                  "ids_true", "ids_pred", "int_w"),
    "mean_iou": ("MeanIoU", {"num_classes": 4}, "ids_true", "ids_pred", "int_w"),
    "mean_iou_scores": ("MeanIoU", {"num_classes": 4, "sparse_y_pred": False}, "ids_true",
                        "scores", None),
    "binary_iou": ("BinaryIoU", {"threshold": 0.4}, "bin_true", "bin_pred", None),
    "binary_iou_one": ("BinaryIoU", {"target_class_ids": [1]}, "bin_true", "bin_pred", None),
    "one_hot_iou": ("OneHotIoU", {"num_classes": 4, "target_class_ids": [0, 3]}, "hot_true",
                    "scores", None),
    "one_hot_mean_iou": ("OneHotMeanIoU", {"num_classes": 4}, "hot_true", "scores", None),
    "p_at_r": ("PrecisionAtRecall", {"recall": 0.6}, "bin_true", "bin_pred", "float_w"),
    "p_at_r_few": ("PrecisionAtRecall", {"recall": 0.9, "num_thresholds": 7}, "bin_true",
                   "bin_pred", None),
    "r_at_p": ("RecallAtPrecision", {"precision": 0.7}, "bin_true", "bin_pred", "float_w"),
    "r_at_p_one": ("RecallAtPrecision", {"precision": 0.5, "num_thresholds": 1}, "bin_true",
                   "bin_pred", None),
    "sens_at_spec": ("SensitivityAtSpecificity", {"specificity": 0.5}, "bin_true", "bin_pred",
                     "float_w"),
    "spec_at_sens": ("SpecificityAtSensitivity", {"sensitivity": 0.8, "class_id": 1},
                     "multi_true", "multi_pred", None),
    "pearson": ("PearsonCorrelation", {}, "reg_true", "reg_pred", "reg_w"),
    "pearson_axis": ("PearsonCorrelation", {"axis": 0}, "reg_true", "reg_pred", None),
    "concordance": ("ConcordanceCorrelation", {}, "reg_true", "reg_pred", "reg_w"),
}
ARRAYS = {"ids_true": IDS_TRUE, "ids_pred": IDS_PRED, "int_w": INT_W, "hot_true": HOT_TRUE,
          "scores": SCORES, "bin_true": BIN_TRUE, "bin_pred": BIN_PRED, "float_w": FLOAT_W,
          "multi_true": MULTI_TRUE, "multi_pred": MULTI_PRED, "reg_true": REG_TRUE,
          "reg_pred": REG_PRED, "reg_w": REG_W}


@pytest.fixture(scope="module")
def theirs():
    return run_keras(f"""
import warnings
warnings.simplefilter("ignore")
for name, (cls, kwargs, yk, pk, wk) in {CASES!r}.items():
    m = getattr(keras.metrics, cls)(**kwargs)
    steps = []
    for i in range(2):
        w = None if wk is None else inputs[wk][i]
        m.update_state(inputs[yk][i], inputs[pk][i], sample_weight=w)
        steps.append(float(keras.ops.convert_to_numpy(m.result())))
    m.reset_state()
    m.update_state(inputs[yk][1], inputs[pk][1])
    steps.append(float(keras.ops.convert_to_numpy(m.result())))
    result[name] = np.array(steps)
    result[name + "_config"] = json.dumps(m.get_config())
y = keras.ops.convert_to_tensor(inputs["reg_true"][0])
p = keras.ops.convert_to_tensor(inputs["reg_pred"][0])
result["fn_pearson"] = keras.ops.convert_to_numpy(keras.metrics.pearson_correlation(y, p))
result["fn_concordance"] = keras.ops.convert_to_numpy(
    keras.metrics.concordance_correlation(y, p, axis=0))
""", **ARRAYS)


def _streamed(cls, kwargs, yk, pk, wk):
    metric = getattr(metrics, cls)(**kwargs)
    steps = []
    for i in range(2):
        w = None if wk is None else ARRAYS[wk][i]
        metric.update_state(ARRAYS[yk][i], ARRAYS[pk][i], sample_weight=w)
        steps.append(float(np.asarray(metric.result())))
    metric.reset_state()
    metric.update_state(ARRAYS[yk][1], ARRAYS[pk][1])
    steps.append(float(np.asarray(metric.result())))
    return metric, steps


def test_streamed_results_and_configs_equal_keras(theirs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, case in CASES.items():
            metric, steps = _streamed(*case)
            np.testing.assert_allclose(steps, theirs[name], rtol=1e-5, atol=1e-6,
                                       err_msg=name)
            config = metric.get_config()
            expected = json.loads(theirs[name + "_config"])
            # Keras numbers default names per process ('io_u', 'io_u_1', ...).
            assert expected.pop("name").startswith(config["name"]), name
            assert {k: v for k, v in config.items() if k != "name"} == expected, name
            cls = type(metric)
            assert cls.from_config(config).get_config() == config
            assert type(metrics.deserialize(metrics.serialize(metric))) is cls


def test_functions_equal_keras(theirs):
    np.testing.assert_allclose(
        np.asarray(metrics.pearson_correlation(REG_TRUE[0], REG_PRED[0])),
        theirs["fn_pearson"], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(
        np.asarray(metrics.concordance_correlation(REG_TRUE[0], REG_PRED[0], axis=0)),
        theirs["fn_concordance"], rtol=1e-5, atol=1e-6)


def test_names_identifiers_and_compat_namespace():
    from deepfit.compat.keras import metrics as keras_metrics

    assert metrics.MeanIoU(3).name == "mean_io_u"
    assert metrics.BinaryIoU().name == "binary_io_u"
    assert metrics.MeanIoU(3).dtype == "int32"
    assert isinstance(metrics.get("pearson_correlation"), metrics.PearsonCorrelation)
    assert metrics.get("pearson_correlation").name == "pearson_correlation"
    for name in ("IoU", "BinaryIoU", "MeanIoU", "OneHotIoU", "OneHotMeanIoU",
                 "PrecisionAtRecall", "RecallAtPrecision", "SensitivityAtSpecificity",
                 "SpecificityAtSensitivity", "PearsonCorrelation", "ConcordanceCorrelation",
                 "pearson_correlation", "concordance_correlation"):
        assert getattr(keras_metrics, name) is getattr(metrics, name)


def test_float_weights_on_an_integer_matrix_warn_as_keras():
    metric = metrics.MeanIoU(num_classes=2)
    with pytest.warns(UserWarning, match="dtype is `int`"):
        metric.update_state([0, 1], [0, 1], sample_weight=np.array([1.5, 2.5]))
    np.testing.assert_array_equal(np.asarray(metric.total_cm), [[1, 0], [0, 2]])


def test_in_compile_and_fit():
    deepfit.utils.set_random_seed(0)
    x = RNG.normal(size=(128, 4)).astype("float32")
    y = (x[:, :1] > 0).astype("float32")
    model = deepfit.Sequential([deepfit.Input((4,)), deepfit.layers.Dense(1, "sigmoid")])
    model.compile("adam", "binary_crossentropy",
                  metrics=[metrics.BinaryIoU(), metrics.PrecisionAtRecall(0.5),
                           metrics.PearsonCorrelation()])
    logs = model.fit(x, y, epochs=2, verbose=0).history
    assert {"binary_io_u", "precision_at_recall", "pearson_correlation"} <= set(logs)
    assert 0 < logs["binary_io_u"][-1] <= 1


def test_bad_arguments():
    with pytest.raises(ValueError, match="Target class id 5 is out of range"):
        metrics.IoU(num_classes=3, target_class_ids=[5])
    with pytest.raises(ValueError, match="num_classes"):
        metrics.MeanIoU(num_classes=0)
    with pytest.raises(ValueError, match="`recall` must be in the range"):
        metrics.PrecisionAtRecall(1.5)
    with pytest.raises(ValueError, match="num_thresholds"):
        metrics.SensitivityAtSpecificity(0.5, num_thresholds=0)
