"""`DeviceName`: a tensor's device as TensorFlow spells it, still usable as a torch device.

In TensorFlow `tensor.device` is a string, '/job:localhost/replica:0/task:0/device:CPU:0', and
tutorials test it with `x.device.endswith('GPU:0')`. torch code needs `tensor.device` to be
something torch takes as a device. A `DeviceName` is both: a `str` whose characters are torch's
spelling ('cpu', 'cuda:0') — what torch reads wherever a device is expected (`device=`,
`.to()`, `torch.device()`) — with `.type` and `.index` as on `torch.device`, equal to the
matching `torch.device`, and which *shows and matches* as TensorFlow's name: `str`, `repr`,
formatting, `==` with a string, `startswith`, `endswith` and `in` use TensorFlow's spelling.

Eager tensors hand it out only while TensorFlow programs run (`deepfit run`, the import hook:
`context.tensorflow_names()`); otherwise `tensor.device` is torch's own `torch.device`.

Example:
    >>> import torch
    >>> name = DeviceName(torch.device("cpu"))
    >>> name.endswith("CPU:0"), name == torch.device("cpu"), torch.zeros(1, device=name).device
    (True, True, device(type='cpu'))
    >>> print(name)
    /job:localhost/replica:0/task:0/device:CPU:0
"""

from __future__ import annotations

from typing import Any, SupportsIndex

import torch

_PREFIX = "/job:localhost/replica:0/task:0/device:"


def tensorflow_device_name(device: torch.device) -> str:
    """TensorFlow's full name of a torch device ('cuda:1' -> '.../device:GPU:1')."""
    kind = "GPU" if device.type in ("cuda", "mps") else device.type.upper()
    return f"{_PREFIX}{kind}:{device.index or 0}"


class DeviceName(str):
    """A torch device string ('cpu', 'cuda:0') that shows and matches as TensorFlow's name.

    Args:
        device: the torch device.
    """

    _tf_name: str
    _device: torch.device

    def __new__(cls, device: torch.device) -> DeviceName:
        name = super().__new__(cls, str(device))
        name._device = device
        name._tf_name = tensorflow_device_name(device)
        return name

    @property
    def type(self) -> str:
        """torch's device type ('cpu', 'cuda')."""
        return self._device.type

    @property
    def index(self) -> int | None:
        """torch's device index (None for the CPU)."""
        return self._device.index

    def __str__(self) -> str:
        return self._tf_name

    def __repr__(self) -> str:
        return repr(self._tf_name)

    def __format__(self, spec: str) -> str:
        return self._tf_name.__format__(spec)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, DeviceName):
            return self._device == other._device
        if isinstance(other, torch.device):
            return self._device == other
        if isinstance(other, str):
            return self._tf_name == other
        return NotImplemented

    def __ne__(self, other: object) -> bool:
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal

    def __hash__(self) -> int:
        return hash(self._tf_name)

    def __contains__(self, key: object) -> bool:
        return self._tf_name.__contains__(key)  # type: ignore[operator]

    def startswith(self, prefix: Any, start: SupportsIndex | None = None,
                   end: SupportsIndex | None = None) -> bool:
        """`str.startswith` on TensorFlow's name."""
        return self._tf_name.startswith(prefix, start, end)

    def endswith(self, suffix: Any, start: SupportsIndex | None = None,
                 end: SupportsIndex | None = None) -> bool:
        """`str.endswith` on TensorFlow's name."""
        return self._tf_name.endswith(suffix, start, end)

    def __reduce__(self) -> Any:
        return (DeviceName, (self._device,))
