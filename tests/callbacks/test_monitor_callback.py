"""How mode='auto' chooses min or max, and the improvement test with min_delta."""

import pytest

from deepfit.callbacks import MonitorCallback
from deepfit.callbacks.monitor_callback import metric_direction


@pytest.mark.parametrize(
    "monitor,direction",
    [
        ("loss", "min"), ("val_loss", "min"), ("val_accuracy", "max"), ("acc", "max"),
        ("auc_2", "max"), ("val_precision", "max"), ("output_a_accuracy", "max"),
        ("output_a_loss", "min"), ("mean_absolute_error", "min"), ("val_mse", "min"),
        ("r2_score", "max"), ("sparse_categorical_crossentropy", "min"),
        ("kl_divergence", None), ("my_metric", None),
    ],
)  # fmt: skip
def test_metric_direction_from_keras_names(monitor, direction):
    assert metric_direction(monitor) == direction


def test_model_metrics_declare_their_direction():
    class Metric:
        def __init__(self, name, direction):
            self.name = name
            self._direction = direction

    class Container:
        metrics = [Metric("my_metric", "up"), Metric("accuracy", "down")]

    class Model:
        metrics = [Container()]

    assert metric_direction("val_my_metric", Model()) == "max"
    assert metric_direction("accuracy", Model()) == "min"  # the model's word comes first


def _monitor(**kwargs):
    callback = MonitorCallback(**kwargs)
    callback._set_monitor_op()
    return callback


def test_improvement_with_min_delta():
    minimize = _monitor(monitor="val_loss", min_delta=0.1)
    assert minimize._is_improvement(0.5, None)
    assert minimize._is_improvement(0.39, 0.5) and not minimize._is_improvement(0.41, 0.5)
    maximize = _monitor(monitor="val_auc", min_delta=-0.1)
    assert maximize._is_improvement(0.61, 0.5) and not maximize._is_improvement(0.59, 0.5)


def test_unknown_direction_and_mode():
    with pytest.raises(ValueError, match="monitor=my_metric, but deepfit isn't able to"):
        _monitor(monitor="my_metric")
    assert _monitor(monitor="my_metric", mode="max").monitor_op(2, 1)
    with pytest.warns(UserWarning, match="mode 'maximum' is unknown, fallback to auto mode"):
        callback = MonitorCallback(monitor="loss", mode="maximum")
    assert callback.mode == "auto"
    with pytest.raises(TypeError, match="monitor must be a log key"):
        MonitorCallback(monitor=3)
