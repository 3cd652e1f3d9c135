"""Training curves as inline SVG, with no dependency: what the HTML report draws when
matplotlib is not installed.

Example:
    >>> markup = svg_panel(history, "loss")
    >>> markup.startswith("<svg")
    True
"""

from __future__ import annotations

import math
from html import escape
from typing import Any

from deepfit.insight.curves import best_index, direction, epochs_of, values_of
from deepfit.insight.plots import TRAIN_COLOR, VAL_COLOR

WIDTH, HEIGHT = 520, 320
_LEFT, _RIGHT, _TOP, _BOTTOM = 64, 16, 44, 44


def svg_panel(history: Any, name: str) -> str:
    """One metric's training and validation curves, the best epoch marked, as an `<svg>`.

    Args:
        history: a `History`.
        name: the metric (its 'val_' twin is drawn too when present).

    Returns:
        The SVG markup.
    """
    series = [(key, color) for key, color in ((name, TRAIN_COLOR), (f"val_{name}", VAL_COLOR))
              if values_of(history, key)]
    points = [(e, v) for key, _ in series
              for e, v in zip(epochs_of(history, key), values_of(history, key))
              if math.isfinite(v)]
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
             f'viewBox="0 0 {WIDTH} {HEIGHT}" font-family="sans-serif" font-size="11">',
             f'<rect width="{WIDTH}" height="{HEIGHT}" fill="white"/>',
             f'<text x="{WIDTH / 2}" y="18" text-anchor="middle" font-size="14">'
             f'{escape(name)}</text>']
    if points:
        scale = _Scale(points)
        parts += scale.axes()
        for key, color in series:
            parts.append(_polyline(scale, epochs_of(history, key), values_of(history, key),
                                   color))
        parts += _best_marker(history, name, series[-1][0], scale)
        parts += _legend(series)
    parts.append("</svg>")
    return "\n".join(parts)


class _Scale:
    """Maps (epoch, value) to pixels inside the plot area."""

    def __init__(self, points: list[tuple[int, float]]) -> None:
        epochs = [e for e, _ in points]
        values = [v for _, v in points]
        self.x0, self.x1 = min(epochs), max(max(epochs), min(epochs) + 1)
        low, high = min(values), max(values)
        pad = (high - low) * 0.05 or abs(high) * 0.05 or 1.0
        self.y0, self.y1 = low - pad, high + pad

    def x(self, epoch: float) -> float:
        span = WIDTH - _LEFT - _RIGHT
        return _LEFT + (epoch - self.x0) / (self.x1 - self.x0) * span

    def y(self, value: float) -> float:
        span = HEIGHT - _TOP - _BOTTOM
        return HEIGHT - _BOTTOM - (value - self.y0) / (self.y1 - self.y0) * span

    def axes(self) -> list[str]:
        bottom, right = HEIGHT - _BOTTOM, WIDTH - _RIGHT
        parts = [f'<rect x="{_LEFT}" y="{_TOP}" width="{right - _LEFT}" '
                 f'height="{bottom - _TOP}" fill="none" stroke="#999"/>']
        for i in range(5):
            value = self.y0 + (self.y1 - self.y0) * i / 4
            y = self.y(value)
            parts.append(f'<line x1="{_LEFT}" y1="{y:.1f}" x2="{right}" y2="{y:.1f}" '
                         f'stroke="#e5e5e5"/>')
            parts.append(f'<text x="{_LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">'
                         f'{value:.3g}</text>')
        for epoch in _ticks(self.x0, self.x1):
            x = self.x(epoch)
            parts.append(f'<text x="{x:.1f}" y="{bottom + 16}" text-anchor="middle">'
                         f'{epoch}</text>')
        parts.append(f'<text x="{(_LEFT + right) / 2}" y="{HEIGHT - 8}" '
                     f'text-anchor="middle">epoch</text>')
        return parts


def _ticks(first: int, last: int) -> list[int]:
    step = max(1, math.ceil((last - first) / 8))
    return list(range(first, last + 1, step))


def _polyline(scale: _Scale, epochs: list[int], values: list[float], color: str) -> str:
    # A NaN/inf value breaks the line, as matplotlib does.
    runs, current = [], []
    for epoch, value in zip(epochs, values):
        if math.isfinite(value):
            current.append(f"{scale.x(epoch):.1f},{scale.y(value):.1f}")
        elif current:
            runs.append(current)
            current = []
    if current:
        runs.append(current)
    lines = [f'<polyline points="{" ".join(run)}" fill="none" stroke="{color}" '
             f'stroke-width="2"/>' for run in runs if len(run) > 1]
    dots = [f'<circle cx="{run[0].split(",")[0]}" cy="{run[0].split(",")[1]}" r="3" '
            f'fill="{color}"/>' for run in runs if len(run) == 1]
    return "\n".join(lines + dots)


def _best_marker(history: Any, name: str, monitor: str, scale: _Scale) -> list[str]:
    values = values_of(history, monitor)
    best = best_index(values, direction(name))
    if best is None:
        return []
    epoch = epochs_of(history, monitor)[best]
    x, y = scale.x(epoch), scale.y(values[best])
    # The label goes on the side of the line with room for it.
    left = x > (_LEFT + WIDTH - _RIGHT) / 2
    label_x, anchor = (x - 6, "end") if left else (x + 6, "start")
    return [f'<line x1="{x:.1f}" y1="{_TOP}" x2="{x:.1f}" y2="{HEIGHT - _BOTTOM}" '
            f'stroke="#888" stroke-dasharray="4 3"/>',
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="5" fill="#d62728"/>',
            f'<text x="{label_x:.1f}" y="{_TOP + 12}" text-anchor="{anchor}" fill="#555">'
            f'best: epoch {epoch}</text>']


def _legend(series: list[tuple[str, str]]) -> list[str]:
    # One row above the plot area, so that it never hides a curve.
    parts = []
    for index, (key, color) in enumerate(series):
        y = _TOP - 8
        x = _LEFT + index * 100
        label = "validation" if key.startswith("val_") else "training"
        parts.append(f'<line x1="{x}" y1="{y - 4}" x2="{x + 18}" y2="{y - 4}" '
                     f'stroke="{color}" stroke-width="3"/>')
        parts.append(f'<text x="{x + 24}" y="{y}">{label}</text>')
    return parts
