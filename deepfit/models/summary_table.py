"""The box-drawn table of `model.summary()`, laid out as Keras's (which draws it with `rich`):
fixed column widths from `line_length` and `positions`, evenly narrowed when borders and
padding do not fit, cells word-wrapped (a word too long for its column ends in '…'), header
cells aligned to the bottom of their row, body cells to the top.

Example:
    >>> print(render_table(["A", "B"], ["left", "right"], [10, 6], 20, [["x", "1"]]))
"""

from __future__ import annotations

import re

_WORD = re.compile(r"\s*\S+\s*")


def _ratio_reduce(total: int, widths: list[int]) -> list[int]:
    """Take `total` away from `widths`, shared evenly (rounding as Python's round)."""
    remaining, parts = total, len(widths)
    result = []
    for width in widths:
        taken = min(width, round(remaining / parts))
        result.append(width - taken)
        remaining -= taken
        parts -= 1
    return result


def column_widths(line_length: int, positions: list[float]) -> list[int]:
    """Each column's text width from Keras's relative (or absolute) `positions`."""
    widths, current = [], 0
    for position in positions:
        end = int(position * line_length) if position <= 1 else int(position)
        width = end - current
        if width < 4:
            raise ValueError("Insufficient console width to print summary.")
        widths.append(width)
        current += width
    return widths


def _fitted(widths: list[int], line_length: int) -> list[int]:
    """Text widths once one space of padding each side and the borders fit `line_length`."""
    padded = [width + 2 for width in widths]
    budget = line_length - (len(widths) + 1)
    if sum(padded) > budget:
        padded = _ratio_reduce(sum(padded) - budget, padded)
    return [max(width - 2, 0) for width in padded]


def _break_positions(text: str, width: int) -> list[int]:
    """Where the lines of a wrapped cell start, as rich breaks them (without folding words)."""
    breaks, offset = [], 0
    for match in _WORD.finditer(text):
        word, start = match.group(0), match.start()
        length = len(word.rstrip())
        if width - offset >= length:
            offset += len(word)
            continue
        if length > width or (offset and start):
            if start:
                breaks.append(start)
            offset = len(word)
    return breaks


def _truncate(line: str, width: int) -> str:
    if len(line) > width:
        trailing = len(line) - len(line.rstrip())
        line = line[:len(line) - min(trailing, len(line) - width)]
    return line if len(line) <= width else line[:max(width - 1, 0)] + "…"


def wrap_cell(text: str, width: int, justify: str) -> list[str]:
    """The cell's lines, each exactly `width` characters."""
    if width <= 0:
        return [""]
    ends = [*_break_positions(text, width), len(text)]
    starts = [0, *ends[:-1]]
    lines = []
    for start, end in zip(starts, ends):
        line = _truncate(text[start:end], width)
        if justify == "left":
            lines.append(line.ljust(width))
            continue
        line = _truncate(line.rstrip(), width)
        if justify == "right":
            lines.append(line.rjust(width))
        else:
            left = (width - len(line)) // 2
            lines.append((" " * left + line).ljust(width))
    return lines or [" " * width]


def _row(cells: list[str], justify: list[str], widths: list[int], bar: str,
         bottom: bool) -> list[str]:
    wrapped = [wrap_cell(cell, width, how) for cell, width, how in zip(cells, widths, justify)]
    height = max(len(lines) for lines in wrapped)
    for lines, width in zip(wrapped, widths):
        blank = [" " * width] * (height - len(lines))
        lines[:] = blank + lines if bottom else lines + blank
    return [bar + bar.join(f" {lines[i]} " for lines in wrapped) + bar for i in range(height)]


def render_table(header: list[str], justify: list[str], widths: list[int], line_length: int,
                 rows: list[list[str]]) -> str:
    """The table: a heavy header, then the rows separated by light rules.

    Args:
        header: the column titles.
        justify: 'left', 'right' or 'center' per column.
        widths: the text widths from `column_widths`.
        line_length: the table's total width.
        rows: the cells, one list of strings per row.

    Returns:
        The table's lines joined with newlines.
    """
    widths = _fitted(widths, line_length)
    rule = ["━" * (w + 2) for w in widths]
    thin = ["─" * (w + 2) for w in widths]
    lines = ["┏" + "┳".join(rule) + "┓", *_row(header, justify, widths, "┃", True),
             "┡" + "╇".join(rule) + "┩"]
    for index, row in enumerate(rows):
        if index:
            lines.append("├" + "┼".join(thin) + "┤")
        lines.extend(_row(row, justify, widths, "│", False))
    lines.append("└" + "┴".join(thin) + "┘")
    return "\n".join(lines)
