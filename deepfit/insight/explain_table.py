"""The printed form of a `StepExplanation`: a forward-pass table, the loss, a table of the
weights' gradients and updates, then the flags.

Example:
    >>> print(format_explanation(explanation))
"""

from __future__ import annotations

from typing import Any


def format_explanation(explanation: Any) -> str:
    """The explanation as text tables.

    Args:
        explanation: a `StepExplanation`.

    Returns:
        The text `explain_step` prints.
    """
    status = "applied" if explanation.applied else "not applied: weights restored"
    lines = [f"One training step on a batch of {explanation.batch_size} ({status})", "",
             "Forward pass"]
    rows = [[f"{layer.name} ({layer.type})", _shape(layer.output_shape), _num(layer.mean),
             _num(layer.std), _note(layer)] for layer in explanation.layers]
    lines += _table(["Layer (type)", "Output shape", "Mean", "Std", "Note"], rows)
    lines += ["", f"Loss: {_num(explanation.loss)}", "", "Backward pass and update"]
    rows = [[weight.name, _shape(weight.shape), _num(weight.weight_norm),
             _num(weight.grad_norm), _num(weight.update_norm), _num(weight.relative_update),
             weight.flag or ""] for weight in explanation.weights]
    lines += _table(["Weight", "Shape", "|w|", "|grad|", "|update|", "update/|w|", "Flag"],
                    rows)
    lines.append("")
    if explanation.flags:
        lines += ["Flags:"] + [f"  - {flag}" for flag in explanation.flags]
    else:
        lines.append("No flags: gradients and activations look healthy.")
    return "\n".join(lines)


def _table(headers: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(headers[i]), *(len(row[i]) for row in rows)) if rows else len(headers[i])
              for i in range(len(headers))]

    def line(cells: list[str]) -> str:
        return "  ".join(cell.ljust(width) for cell, width in zip(cells, widths)).rstrip()

    return [line(headers), line(["-" * w for w in widths])] + [line(row) for row in rows]


def _shape(shape: tuple[int, ...]) -> str:
    return "(" + ", ".join(str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"


def _num(value: float) -> str:
    return f"{value:.4g}"


def _note(layer: Any) -> str:
    if layer.dead_fraction is not None:
        return f"dead ReLUs {layer.dead_fraction:.0%}"
    if layer.saturated_fraction is not None:
        return f"saturated {layer.saturated_fraction:.0%}"
    return ""
