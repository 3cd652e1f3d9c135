"""The HTML report: self-contained, and rendered by headless Chromium with its plots visible."""

from __future__ import annotations

import shutil
import subprocess

import numpy as np
import pytest

from deepfit.insight import render_html
from tests.insight.conftest import make_history

TRAIN_BLUE = np.array([31, 119, 180])
VAL_ORANGE = np.array([255, 127, 14])


def _chromium() -> str | None:
    for name in ("/usr/bin/chromium", "chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None


def _screenshot(html_path, tmp_path):
    browser = _chromium()
    if browser is None:
        pytest.skip("no Chromium found (/usr/bin/chromium or chromium on PATH); install "
                    "Debian's chromium package to render the report")
    Image = pytest.importorskip("PIL.Image")
    shot = tmp_path / "shot.png"
    command = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
               "--no-first-run", "--disable-background-networking",
               "--disable-component-update", "--disable-sync",
               f"--user-data-dir={tmp_path / 'profile'}", f"--screenshot={shot}",
               "--window-size=1200,2000", html_path.resolve().as_uri()]
    subprocess.run(command, check=True, capture_output=True, timeout=60)
    return np.asarray(Image.open(shot).convert("RGB")).astype(int)


def _near(image, color, tolerance=40):
    return np.abs(image - color).max(axis=-1) < tolerance


def test_report_is_self_contained_html(fitted_history, tmp_path):
    path = fitted_history.save_report(tmp_path / "report.html")
    page = path.read_text()
    assert page.startswith("<!DOCTYPE html>")
    assert page.count("data:image/png;base64,") == 2          # loss and accuracy panels
    assert "<script" not in page and "http://" not in page and "https://" not in page
    assert fitted_history.diagnose().message.split(":")[0] in page
    # the summary as Keras prints it after fit: the optimizer's state counts in the total
    assert "sparse_categorical_crossentropy" in page and "Trainable params: 114" in page


def test_svg_report_needs_no_matplotlib():
    history = make_history([1.0, 0.5, 0.4], [1.1, 0.7, 0.6], accuracy=[0.5, 0.7, 0.8],
                           val_accuracy=[0.4, 0.6, 0.7])
    page = render_html(history, plots="svg")
    assert page.count("<svg") == 2 and "base64" not in page
    with pytest.raises(ValueError, match="plots: expected 'auto', 'png' or 'svg'"):
        render_html(history, plots="jpeg")


def test_report_escapes_text():
    history = make_history([1.0, 0.5])
    history.model_summary = "<script>alert(1)</script>"
    assert "<script>" not in render_html(history, plots="svg")


@pytest.mark.parametrize("plots", ["png", "svg"])
def test_chromium_renders_the_plots(fitted_history, tmp_path, plots):
    if plots == "png":
        pytest.importorskip("matplotlib")
    from deepfit.insight.report import save_report

    path = save_report(fitted_history, tmp_path / "report.html", plots=plots)
    image = _screenshot(path, tmp_path)
    assert image.shape[:2] == (2000, 1200)
    # The curves: training blue and validation orange pixels, drawn over a band of rows as
    # tall as a plot (text or a badge would be a thin strip).
    blue, orange = _near(image, TRAIN_BLUE), _near(image, VAL_ORANGE)
    rows = np.flatnonzero(blue.sum(axis=1))
    assert rows.size and rows[-1] - rows[0] > 150
    band = slice(rows[0], rows[-1] + 1)
    assert blue[band].sum() > 400 and orange[band].sum() > 400
    colored = (image[band].max(axis=-1) - image[band].min(axis=-1)) > 60
    assert colored.sum() > 2000
