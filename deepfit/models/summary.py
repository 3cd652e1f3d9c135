"""`model.summary()`'s table: each layer with its output shape and parameter count, then totals.

Example:
    >>> print(format_summary(model))
"""

from __future__ import annotations

from typing import Any


def _human_bytes(count: int) -> str:
    size = count * 4.0
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.2f} {unit}"
        size /= 1024
    return f"{size:.2f} GB"


def _shape_text(shape: Any) -> str:
    if shape is None:
        return "?"
    if isinstance(shape, list):
        return ", ".join(_shape_text(s) for s in shape)
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + (
        ",)" if len(shape) == 1 else ")")


def _rows(model: Any) -> list[tuple[str, str, int, Any, bool]]:
    rows = []
    for layer in model.layers:
        params = sum(w.numel() for w in layer.weights) if layer.built else 0
        shape = getattr(layer, "_output_shape", None)
        connected = getattr(layer, "_summary_inbound", None)
        rows.append((f"{layer.name} ({type(layer).__name__})", _shape_text(shape), params,
                     connected, layer.trainable))
    return rows


def format_summary(model: Any, line_length: int | None = None,
                   show_trainable: bool = False) -> str:
    """The summary text of a model, Keras's columns and totals.

    Args:
        model: a Sequential, Functional or subclassed model.
        line_length: the table's total width.
        show_trainable: add a 'Trainable' column.

    Returns:
        The table as one string.
    """
    rows = _rows(model)
    graph = any(row[3] is not None for row in rows)
    headers = ["Layer (type)", "Output Shape", "Param #"] + (["Connected to"] if graph else [])
    headers += ["Trainable"] if show_trainable else []
    cells = []
    for name, shape, params, connected, trainable in rows:
        line = [name, shape, f"{params:,}"] + ([connected or "-"] if graph else [])
        line += (["Y" if trainable else "N"] if show_trainable else [])
        cells.append(line)
    widths = [max(len(h), *(len(c[i]) for c in cells)) + 2 if cells else len(h) + 2
              for i, h in enumerate(headers)]
    if line_length:
        widths[0] = max(widths[0], line_length - sum(widths[1:]) - len(widths) - 1)
    total_width = sum(widths) + len(widths) + 1

    def fmt(values: list[str]) -> str:
        parts = []
        for i, (value, width) in enumerate(zip(values, widths)):
            parts.append(f" {value}".ljust(width) if i != 2 else f"{value} ".rjust(width))
        return "│" + "│".join(parts) + "│"

    trainable = sum(w.numel() for w in model.trainable_weights) if model.built else 0
    total = sum(w.numel() for w in model.weights) if model.built else 0
    lines = [f'Model: "{model.name}"',
             "┏" + "┳".join("━" * w for w in widths) + "┓",
             fmt(headers).replace("│", "┃"),
             "┡" + "╇".join("━" * w for w in widths) + "┩"]
    for index, line in enumerate(cells):
        lines.append(fmt(line))
        if index < len(cells) - 1:
            lines.append("├" + "┼".join("─" * w for w in widths) + "┤")
    lines.append("└" + "┴".join("─" * w for w in widths) + "┘")
    lines.append(f" Total params: {total:,} ({_human_bytes(total)})")
    lines.append(f" Trainable params: {trainable:,} ({_human_bytes(trainable)})")
    lines.append(f" Non-trainable params: {total - trainable:,} "
                 f"({_human_bytes(total - trainable)})")
    if not model.built:
        lines.append(" (the model is not built yet: shapes and counts appear after the first "
                     "call or once an input shape is declared)")
    del total_width
    return "\n".join(lines)
