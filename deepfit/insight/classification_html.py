"""The HTML section of a `ClassificationReport`: the confusion matrix as a shaded table, the
per-class numbers, the most-confused pairs and the highest-loss samples (thumbnails for images).

Example:
    >>> html = report_section(classification_report(model, x, y))
"""

from __future__ import annotations

from html import escape
from typing import Any

STYLE = """
table.confusion td { text-align: right; min-width: 28px; }
.thumbs { display: flex; flex-wrap: wrap; gap: 10px; }
.thumbs figure { margin: 0; text-align: center; font-size: 12px; }
.thumbs img { width: 64px; height: 64px; image-rendering: pixelated; border: 1px solid #ccc; }
"""


def report_section(report: Any) -> str:
    """The whole section, headed 'Classification'."""
    parts = ["<h2>Classification</h2>",
             f"<p>Accuracy {report.accuracy:.4f} on {int(report.support.sum())} samples.</p>",
             "<h3>Confusion matrix</h3>", _confusion_table(report),
             "<h3>Per class</h3>", _class_table(report)]
    if report.most_confused:
        items = "".join(f"<li>{escape(report.class_names[t])} → "
                        f"{escape(report.class_names[p])}: {c}</li>"
                        for t, p, c in report.most_confused)
        parts += ["<h3>Most confused (true → predicted)</h3>", f"<ul>{items}</ul>"]
    parts += ["<h3>Highest losses</h3>", _top_losses(report)]
    return "\n".join(parts)


def _confusion_table(report: Any) -> str:
    names = [escape(n) for n in report.class_names]
    rows_total = report.confusion.sum(axis=1)
    header = "<tr><th>true \\ predicted</th>" + "".join(f"<th>{n}</th>" for n in names) + "</tr>"
    rows = [header]
    for i, name in enumerate(names):
        cells = []
        for j, count in enumerate(report.confusion[i]):
            share = count / rows_total[i] if rows_total[i] else 0.0
            color = _shade(share, diagonal=i == j)
            text = "#fff" if share > 0.5 else "#000"
            cells.append(f'<td style="background:{color};color:{text}">{int(count)}</td>')
        rows.append(f"<tr><th>{name}</th>{''.join(cells)}</tr>")
    return '<table class="confusion">' + "".join(rows) + "</table>"


def _shade(share: float, diagonal: bool) -> str:
    """Blue for right answers, red for mistakes, darker for larger shares of the row."""
    base = (31, 119, 180) if diagonal else (214, 39, 40)
    if share == 0:
        return "#ffffff"
    mix = 0.15 + 0.85 * share
    r, g, b = (round(255 + (c - 255) * mix) for c in base)
    return f"#{r:02x}{g:02x}{b:02x}"


def _class_table(report: Any) -> str:
    rows = ["<tr><th>class</th><th>precision</th><th>recall</th><th>F1</th>"
            "<th>support</th></tr>"]
    for i, name in enumerate(report.class_names):
        rows.append(f"<tr><td>{escape(name)}</td><td>{report.precision[i]:.3f}</td>"
                    f"<td>{report.recall[i]:.3f}</td><td>{report.f1[i]:.3f}</td>"
                    f"<td>{int(report.support[i])}</td></tr>")
    for label, avg in (("macro avg", report.macro_avg), ("weighted avg", report.weighted_avg)):
        rows.append(f"<tr><th>{label}</th><td>{avg['precision']:.3f}</td>"
                    f"<td>{avg['recall']:.3f}</td><td>{avg['f1']:.3f}</td>"
                    f"<td>{int(report.support.sum())}</td></tr>")
    return "<table>" + "".join(rows) + "</table>"


def _top_losses(report: Any) -> str:
    names = report.class_names
    if report.images is not None:
        try:
            return _thumbnails(report)
        except ImportError:  # Pillow missing: the table below says the same
            pass
    rows = ["<tr><th>sample</th><th>true</th><th>predicted</th><th>loss</th>"
            "<th>p(true)</th></tr>"]
    rows += [f"<tr><td>{i}</td><td>{escape(names[t])}</td><td>{escape(names[p])}</td>"
             f"<td>{loss:.3f}</td><td>{prob:.3f}</td></tr>"
             for i, t, p, loss, prob in report.top_losses]
    return "<table>" + "".join(rows) + "</table>"


def _thumbnails(report: Any) -> str:
    from deepfit.insight.classification import png_data_uri, thumbnail_png

    names = report.class_names
    figures = []
    for (index, true, predicted, loss, _), image in zip(report.top_losses, report.images):
        caption = (f"#{index}<br>true {escape(names[true])}, predicted "
                   f"{escape(names[predicted])}<br>loss {loss:.2f}")
        figures.append(f'<figure><img alt="sample {index}" '
                       f'src="{png_data_uri(thumbnail_png(image))}"><figcaption>{caption}'
                       f"</figcaption></figure>")
    return '<div class="thumbs">' + "".join(figures) + "</div>"
