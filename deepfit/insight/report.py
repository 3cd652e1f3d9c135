"""One self-contained HTML page about a run: the diagnosis, the curves (inline PNG from
matplotlib, or inline SVG when matplotlib is missing), the final and best values, the
hyper-parameters and the model summary. No scripts, no external files.

Example:
    >>> history.save_report("report.html")
    PosixPath('report.html')
"""

from __future__ import annotations

import base64
import io
import math
import os
from html import escape
from pathlib import Path
from typing import Any

from deepfit.insight.classification_html import STYLE as _CLASSIFICATION_STYLE
from deepfit.insight.curves import best_index, direction, epochs_of, metric_names, values_of
from deepfit.insight.diagnosis import Diagnosis, diagnose

_VERDICT_COLORS = {"ok": "#2e7d32", "overfitting": "#e65100", "underfitting": "#e65100",
                   "not_learning": "#c62828", "diverging": "#c62828", "noisy": "#f9a825"}

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 24px auto; max-width: 1100px; color: #222; }
h1 { font-size: 22px; } h2 { font-size: 17px; margin-top: 28px; border-bottom: 1px solid #ddd; }
.verdict { display: inline-block; padding: 4px 12px; border-radius: 12px; color: white;
           font-weight: bold; }
.curves img, .curves svg { max-width: 100%; border: 1px solid #eee; margin: 4px; }
table { border-collapse: collapse; font-size: 13px; }
td, th { border: 1px solid #ddd; padding: 4px 10px; text-align: left; }
pre { background: #f6f6f6; padding: 10px; font-size: 12px; overflow-x: auto; }
"""


def save_report(history: Any, path: str | os.PathLike, plots: str = "auto",
                model: Any = None, data: Any = None, class_names: list[str] | None = None
                ) -> Path:
    """Write the report of `history` to `path`.

    Args:
        history: a `History` (from fit, or `History.from_json`).
        path: the HTML file to write.
        plots: 'auto' (matplotlib PNG if installed, else SVG), 'png' or 'svg'.
        model, data: a classifier and `(x, y)` to add a classification section (confusion
            matrix, per-class numbers, highest-loss samples); see `classification_report`.
        class_names: names for the classes in that section.

    Returns:
        The path written.

    Example:
        >>> save_report(history, "report.html", model=model, data=(x_test, y_test))
    """
    target = Path(path)
    from deepfit.saving.atomic import atomic_write_bytes

    page = render_html(history, plots=plots, model=model, data=data, class_names=class_names)
    atomic_write_bytes(target, page.encode("utf-8"))
    return target


def render_html(history: Any, plots: str = "auto", model: Any = None, data: Any = None,
                class_names: list[str] | None = None) -> str:
    """The report as one HTML string.

    Args:
        history: a `History`.
        plots: 'auto', 'png' or 'svg' (see `save_report`).
        model, data, class_names: an optional classification section (see `save_report`).

    Returns:
        The page.

    Raises:
        ValueError: an unknown `plots` value, or only one of `model` and `data`.
        ImportError: `plots='png'` without matplotlib.
    """
    if plots not in ("auto", "png", "svg"):
        raise ValueError(f"plots: expected 'auto', 'png' or 'svg', received {plots!r}")
    classification = _classification_section(model, data, class_names)
    diagnosis = _diagnosis_or_none(history)
    params = getattr(history, "hyperparameters", None) or {}
    title = f"Training report: {params.get('model', 'model')}"
    sections = [f"<h1>{escape(title)}</h1>", _diagnosis_section(diagnosis),
                "<h2>Curves</h2>", f'<div class="curves">{_curves(history, plots)}</div>',
                "<h2>Results</h2>", _results_table(history), classification,
                "<h2>Hyper-parameters</h2>", _mapping_table(params),
                "<h2>Model</h2>",
                f"<pre>{escape(getattr(history, 'model_summary', None) or 'not recorded')}</pre>"]
    body = "\n".join(sections)
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f"<title>{escape(title)}</title><style>{_STYLE}{_CLASSIFICATION_STYLE}</style>"
            f"</head>\n"
            f"<body>\n{body}\n</body></html>\n")


def _classification_section(model: Any, data: Any, class_names: list[str] | None) -> str:
    if model is None and data is None:
        return ""
    if model is None or data is None or not isinstance(data, (tuple, list)) or len(data) != 2:
        raise ValueError("save_report: give both model= and data=(x, y) for the "
                         "classification section")
    from deepfit.insight.classification import classification_report

    return classification_report(model, data[0], data[1], class_names=class_names).to_html()


def _diagnosis_or_none(history: Any) -> Diagnosis | None:
    try:
        return diagnose(history)
    except ValueError:
        return None


def _diagnosis_section(diagnosis: Diagnosis | None) -> str:
    if diagnosis is None:
        return "<h2>Diagnosis</h2><p>No loss values recorded: nothing to judge.</p>"
    color = _VERDICT_COLORS.get(diagnosis.verdict, "#555")
    items = "".join(f"<li>{escape(s)}</li>" for s in diagnosis.suggestions)
    evidence = _mapping_table(diagnosis.evidence)
    return (f'<h2>Diagnosis</h2><p><span class="verdict" style="background:{color}">'
            f"{escape(diagnosis.verdict)}</span></p><p>{escape(diagnosis.message)}</p>"
            + (f"<p>Try:</p><ul>{items}</ul>" if items else "") + evidence)


def _curves(history: Any, plots: str) -> str:
    names = metric_names(history)
    if not names:
        return "<p>No curves recorded.</p>"
    if plots in ("auto", "png"):
        try:
            return _png_images(history, names)
        except ImportError:
            if plots == "png":
                raise
    from deepfit.insight.svg import svg_panel

    return "\n".join(svg_panel(history, name) for name in names)


def _png_images(history: Any, names: list[str]) -> str:
    from deepfit.insight.plots import plot_history

    images = []
    for name in names:
        figure = plot_history(history, metrics=[name])
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=90)
        encoded = base64.b64encode(buffer.getvalue()).decode("ascii")
        images.append(f'<img alt="{escape(name)} curves" src="data:image/png;base64,{encoded}">')
    return "\n".join(images)


def _results_table(history: Any) -> str:
    rows = ["<tr><th>metric</th><th>final</th><th>best</th><th>best epoch</th></tr>"]
    for key in history.history:
        values = values_of(history, key)
        if not values:
            continue
        best = best_index(values, direction(key))
        best_text = ("-", "-") if best is None else (_number(values[best]),
                                                     str(epochs_of(history, key)[best]))
        rows.append(f"<tr><td>{escape(key)}</td><td>{_number(values[-1])}</td>"
                    f"<td>{best_text[0]}</td><td>{best_text[1]}</td></tr>")
    baseline = getattr(history, "baseline", None)
    if isinstance(baseline, (int, float)):
        rows.append(f"<tr><td>baseline (constant prediction)</td><td>{_number(baseline)}</td>"
                    f"<td></td><td></td></tr>")
    return "<table>" + "".join(rows) + "</table>"


def _mapping_table(mapping: dict[str, Any]) -> str:
    if not mapping:
        return "<p>Not recorded.</p>"
    rows = []
    for key, value in mapping.items():
        if isinstance(value, dict):
            value = ", ".join(f"{k}={_number(v)}" for k, v in value.items())
        rows.append(f"<tr><th>{escape(str(key))}</th><td>{escape(_number(value))}</td></tr>")
    return "<table>" + "".join(rows) + "</table>"


def _number(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.6g}" if math.isfinite(value) else str(value)
    return str(value)
