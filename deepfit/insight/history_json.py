"""A History as JSON and back: `history.to_json()` / `History.from_json()`.

Strict JSON has no NaN or infinity, yet a diverging run is exactly the one worth saving, so
non-finite numbers are written as the strings "NaN", "Infinity" and "-Infinity" and read back
as floats.

Example:
    >>> text = history.to_json("run.json")
    >>> History.from_json("run.json").history == history.history
    True
"""

from __future__ import annotations

import json
import math
import numbers
import os
from pathlib import Path
from typing import Any

FORMAT = "deepfit.History"
VERSION = 1
_SPECIAL = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}


def history_to_json(history: Any, path: str | os.PathLike | None = None) -> str:
    """Serialize a History.

    Args:
        history: the `History`.
        path: also write the text to this file.

    Returns:
        The JSON text.
    """
    data = {
        "format": FORMAT,
        "version": VERSION,
        "history": {key: [_encode(v) for v in values] for key, values in history.history.items()},
        "epoch": [int(e) for e in history.epoch],
        "params": _encode(getattr(history, "params", None) or {}),
        "baseline": _encode(getattr(history, "baseline", None)),
        "baseline_kind": getattr(history, "baseline_kind", None),
        "model_summary": getattr(history, "model_summary", None),
        "hyperparameters": _encode(getattr(history, "hyperparameters", None) or {}),
    }
    text = json.dumps(data, indent=2, allow_nan=False, ensure_ascii=False)
    if path is not None:
        from deepfit.saving.atomic import atomic_write_bytes

        atomic_write_bytes(path, (text + "\n").encode("utf-8"))
    return text


def history_from_json(source: str | os.PathLike, cls: type) -> Any:
    """Rebuild a History from JSON text or a file path.

    Args:
        source: the text from `to_json`, or the path of a file holding it.
        cls: the History class to build.

    Returns:
        A History with its curves, epochs, baseline, summary and hyper-parameters (no model).

    Raises:
        ValueError: the text is not a History written by `to_json`.
        FileNotFoundError: `source` names a file that does not exist.
    """
    text = _read(source)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise ValueError(f"History.from_json: expected the JSON written by History.to_json, "
                         f"but it does not parse: {err}") from None
    if not isinstance(data, dict) or not isinstance(data.get("history"), dict):
        raise ValueError("History.from_json: expected an object with a 'history' dict (as "
                         f"History.to_json writes), received {type(data).__name__} with keys "
                         f"{sorted(data) if isinstance(data, dict) else []}")
    history = cls()
    history.history = {str(key): [_decode(v) for v in values]
                       for key, values in data["history"].items()}
    history.epoch = [int(e) for e in data.get("epoch") or []]
    history.params = data.get("params") or {}
    history.baseline = _decode(data.get("baseline"))
    history.baseline_kind = data.get("baseline_kind")
    history.model_summary = data.get("model_summary")
    history.hyperparameters = data.get("hyperparameters") or {}
    return history


def _read(source: str | os.PathLike) -> str:
    if isinstance(source, os.PathLike):
        return Path(source).read_text(encoding="utf-8")
    if not isinstance(source, str):
        raise TypeError(f"History.from_json: expected JSON text or a file path, received "
                        f"{type(source).__name__}")
    if source.lstrip().startswith("{"):
        return source
    return Path(source).read_text(encoding="utf-8")


def _encode(value: Any) -> Any:
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        value = float(value)
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
        return value
    if isinstance(value, dict):
        return {str(key): _encode(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_encode(item) for item in value]
    return repr(value)


def _decode(value: Any) -> Any:
    if isinstance(value, str) and value in _SPECIAL:
        return _SPECIAL[value]
    return value
