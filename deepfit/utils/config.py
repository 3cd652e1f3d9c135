"""`keras.utils.Config`: a dict of named values, also read and written as attributes, that
can be frozen and written as JSON.

Example:
    >>> config = Config(learning_rate=0.1)
    >>> config.seed = 123
    >>> config["learning_rate"], config.seed
    (0.1, 123)
    >>> config.freeze()
    >>> config.seed = 0
    Traceback (most recent call last):
    ValueError: Cannot mutate attribute(s) because the config is frozen.
"""

from __future__ import annotations

import copy
import difflib
import json
from collections.abc import Iterator
from typing import Any

__all__ = ["Config"]

_OWN = frozenset({"_values", "_frozen"})


class Config:
    """A dict-like container of named values with attribute access.

    Args:
        **kwargs: the first values.
    """

    def __init__(self, **kwargs: Any) -> None:
        object.__setattr__(self, "_values", dict(kwargs))
        object.__setattr__(self, "_frozen", False)

    @property
    def frozen(self) -> bool:
        """Whether the config refuses changes."""
        return self._frozen

    def freeze(self) -> None:
        """Refuse any later change."""
        object.__setattr__(self, "_frozen", True)

    def unfreeze(self) -> None:
        """Accept changes again."""
        object.__setattr__(self, "_frozen", False)

    def _check_mutable(self) -> None:
        if self._frozen:
            raise ValueError("Cannot mutate attribute(s) because the config is frozen.")

    def as_dict(self) -> dict[str, Any]:
        """A shallow copy of the values as a plain dict."""
        return copy.copy(self._values)

    def to_json(self) -> str:
        """The values as a JSON string."""
        return json.dumps(self._values)

    def keys(self) -> Any:
        return self._values.keys()

    def values(self) -> Any:
        return self._values.values()

    def items(self) -> Any:
        return self._values.items()

    def get(self, keyname: str, value: Any = None) -> Any:
        return self._values.get(keyname, value)

    def pop(self, *args: Any) -> Any:
        self._check_mutable()
        return self._values.pop(*args)

    def update(self, *args: Any, **kwargs: Any) -> None:
        self._check_mutable()
        self._values.update(*args, **kwargs)

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _OWN or hasattr(type(self), name):
            object.__setattr__(self, name, value)
            return
        self._check_mutable()
        self._values[name] = value

    def __getattr__(self, name: str) -> Any:
        values = object.__getattribute__(self, "_values")
        if name in values:
            return values[name]
        message = f"Unknown attribute: '{name}'."
        close = difflib.get_close_matches(name, list(values), n=1, cutoff=0.7)
        if close:
            message += f" Did you mean '{close[0]}'?"
        raise AttributeError(message)

    def __setitem__(self, key: str, value: Any) -> None:
        self._check_mutable()
        self._values[key] = value

    def __getitem__(self, key: str) -> Any:
        return self._values[key]

    def __delitem__(self, key: str) -> None:
        self._check_mutable()
        del self._values[key]

    def __contains__(self, key: object) -> bool:
        return key in self._values

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._values))

    def __len__(self) -> int:
        return len(self._values)

    def __repr__(self) -> str:
        return f"<Config {self._values}>"
