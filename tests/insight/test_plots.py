"""history.plot / deepfit.utils.plot_history: real, non-blank images in PNG, SVG and PDF."""

from __future__ import annotations

import sys

import numpy as np
import pytest

import deepfit
from deepfit.insight import svg
from tests.insight.conftest import make_history

pytest.importorskip("matplotlib")
Image = pytest.importorskip("PIL.Image")


def test_plot_png_is_a_non_blank_image_with_one_panel_per_metric(fitted_history, tmp_path):
    path = tmp_path / "curves.png"
    figure = fitted_history.plot(path)
    assert len([ax for ax in figure.axes if ax.get_visible()]) == 2   # loss, accuracy
    assert [ax.get_title() for ax in figure.axes] == ["loss", "accuracy"]
    pixels = np.asarray(Image.open(path).convert("RGB"), dtype=float)
    assert pixels.shape[0] > 200 and pixels.shape[1] > 400
    assert pixels.std() > 20
    # Both curve colors are drawn: training blue and validation orange.
    blue = ((pixels[..., 2] > 150) & (pixels[..., 0] < 80)).sum()
    orange = ((pixels[..., 0] > 200) & (pixels[..., 1] > 100) & (pixels[..., 2] < 60)).sum()
    assert blue > 100 and orange > 100


def test_panels_show_training_validation_and_the_best_epoch(fitted_history):
    figure = fitted_history.plot(metrics=["val_accuracy"])
    (ax,) = figure.axes
    lines = {line.get_label(): line for line in ax.get_lines()}
    val = fitted_history.history["val_accuracy"]
    best = int(np.argmax(val))                      # accuracy improves upwards
    assert list(lines["training"].get_xdata()) == list(range(1, 9))
    assert list(lines["validation"].get_ydata()) == pytest.approx(val)
    assert list(lines[f"best: epoch {best + 1}"].get_xdata()) == [best + 1]


def test_plot_history_in_utils_saves_svg_and_pdf(fitted_history, tmp_path):
    deepfit.utils.plot_history(fitted_history, tmp_path / "c.svg")
    deepfit.utils.plot_history(fitted_history, tmp_path / "c.pdf")
    assert (tmp_path / "c.svg").read_text().count("<path") > 10
    assert (tmp_path / "c.pdf").read_bytes().startswith(b"%PDF")


def test_bad_arguments_are_clear(fitted_history, tmp_path):
    with pytest.raises(ValueError, match=r"path: expected a file name ending in one of"):
        fitted_history.plot(tmp_path / "c.gif")
    with pytest.raises(ValueError, match=r"metrics: 'auc' is not in the history"):
        fitted_history.plot(metrics=["auc"])
    with pytest.raises(ValueError, match="history is empty"):
        make_history([]).plot()


def test_nan_values_and_log_scale():
    history = make_history([10.0, 1.0, 0.01, float("nan")])
    (ax,) = history.plot().axes
    assert ax.get_yscale() == "log"


def test_without_matplotlib_the_error_says_how_to_install(monkeypatch, fitted_history):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    with pytest.raises(ImportError, match=r"pip install matplotlib \(or pip install "
                                          r"deepfit\[plots\]\)"):
        fitted_history.plot()


def test_svg_panel_draws_both_curves_and_the_best_epoch():
    history = make_history([1.0, 0.5, 0.3, 0.2], [1.1, 0.6, 0.5, 0.7])
    markup = svg.svg_panel(history, "loss")
    assert markup.startswith("<svg") and markup.endswith("</svg>")
    assert markup.count("<polyline") == 2
    assert "best: epoch 3" in markup
    # A NaN splits the line in two.
    broken = svg.svg_panel(make_history([1.0, 0.8, float("nan"), 0.5, 0.4]), "loss")
    assert broken.count("<polyline") == 2
