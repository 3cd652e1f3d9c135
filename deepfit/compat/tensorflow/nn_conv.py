"""`tf.nn`'s convolution and pooling functions (conv1d/2d, depthwise_conv2d, max_pool*,
avg_pool*) over `deepfit.ops`' versions, with TensorFlow's arguments: 'SAME'/'VALID'
padding, strides and window sizes given as one int, one per spatial axis, or one per axis of
the input (`[1, s, s, 1]`), and data formats 'NHWC'/'NCHW' (or 'NWC'/'NCW').

Example:
    >>> conv2d(tf.ones((1, 4, 4, 1)), tf.ones((2, 2, 1, 1)), strides=1, padding="VALID").shape
    TensorShape([1, 3, 3, 1])
"""

from __future__ import annotations

from typing import Any

import torch

from deepfit import ops

__all__ = ["avg_pool", "avg_pool1d", "avg_pool2d", "conv1d", "conv2d", "depthwise_conv2d",
           "max_pool", "max_pool1d", "max_pool2d"]


def _padding(function: str, padding: Any) -> str:
    if isinstance(padding, str) and padding.upper() in ("SAME", "VALID"):
        if padding != padding.upper():
            raise ValueError(f"tf.nn.{function}: padding must be 'SAME' or 'VALID' (upper case, "
                             f"as TensorFlow requires), received {padding!r}")
        return padding.lower()
    raise NotImplementedError(f"tf.nn.{function}(padding={padding!r}): explicit padding is "
                              f"not provided by deepfit; pad with tf.pad, then use 'VALID'")


def _channels_last(function: str, data_format: str | None) -> bool:
    if data_format is None or data_format in ("NHWC", "NWC", "NDHWC"):
        return True
    if data_format in ("NCHW", "NCW", "NCDHW"):
        return False
    raise ValueError(f"tf.nn.{function}: unknown data_format {data_format!r}")


def _spatial(name: str, value: Any, rank: int, channels_last: bool) -> tuple[int, ...]:
    """TensorFlow's 1, N or N+2 values → one per spatial axis."""
    values = (int(value),) if isinstance(value, int) else tuple(int(v) for v in value)
    if len(values) == 1:
        return values * rank
    if len(values) == rank:
        return values
    if len(values) == rank + 2:
        return values[1:-1] if channels_last else values[2:]
    raise ValueError(f"{name}: expected 1, {rank} or {rank + 2} values, received {value!r}")


def _fmt(channels_last: bool) -> str:
    return "channels_last" if channels_last else "channels_first"


def _dilations(dilations: Any, rank: int, channels_last: bool) -> Any:
    return 1 if dilations is None else _spatial("dilations", dilations, rank, channels_last)


def conv2d(input: Any, filters: Any, strides: Any, padding: Any, data_format: str = "NHWC",
           dilations: Any = None, name: str | None = None) -> torch.Tensor:
    """`tf.nn.conv2d`: filters `(height, width, in_channels, out_channels)`."""
    last = _channels_last("conv2d", data_format)
    return ops.conv(input, filters, _spatial("strides", strides, 2, last),
                    _padding("conv2d", padding), _fmt(last), _dilations(dilations, 2, last))


def conv1d(input: Any, filters: Any, stride: Any, padding: Any, data_format: str = "NWC",
           dilations: Any = None, name: str | None = None) -> torch.Tensor:
    """`tf.nn.conv1d`: filters `(width, in_channels, out_channels)`."""
    last = _channels_last("conv1d", data_format)
    return ops.conv(input, filters, _spatial("stride", stride, 1, last),
                    _padding("conv1d", padding), _fmt(last), _dilations(dilations, 1, last))


def depthwise_conv2d(input: Any, filter: Any, strides: Any, padding: Any,
                     data_format: str | None = None, dilations: Any = None,
                     name: str | None = None) -> torch.Tensor:
    """`tf.nn.depthwise_conv2d`: filter `(height, width, in_channels, multiplier)`."""
    last = _channels_last("depthwise_conv2d", data_format)
    return ops.depthwise_conv(input, filter, _spatial("strides", strides, 2, last),
                              _padding("depthwise_conv2d", padding), _fmt(last),
                              _dilations(dilations, 2, last))


def _pool(kind: str, function: str, input: Any, ksize: Any, strides: Any, padding: Any,
          data_format: str | None) -> torch.Tensor:
    last = _channels_last(function, data_format)
    rank = ops.convert_to_tensor(input).dim() - 2
    pool = ops.max_pool if kind == "max" else ops.average_pool
    return pool(input, _spatial("ksize", ksize, rank, last),
                _spatial("strides", strides, rank, last), _padding(function, padding),
                _fmt(last))


def max_pool2d(input: Any, ksize: Any, strides: Any, padding: Any, data_format: str = "NHWC",
               name: str | None = None) -> torch.Tensor:
    """`tf.nn.max_pool2d`."""
    return _pool("max", "max_pool2d", input, ksize, strides, padding, data_format)


def max_pool1d(input: Any, ksize: Any, strides: Any, padding: Any, data_format: str = "NWC",
               name: str | None = None) -> torch.Tensor:
    """`tf.nn.max_pool1d`."""
    return _pool("max", "max_pool1d", input, ksize, strides, padding, data_format)


def max_pool(input: Any, ksize: Any, strides: Any, padding: Any, data_format: str | None = None,
             name: str | None = None) -> torch.Tensor:
    """`tf.nn.max_pool` (N-D, from the input's rank)."""
    return _pool("max", "max_pool", input, ksize, strides, padding, data_format)


def avg_pool2d(input: Any, ksize: Any, strides: Any, padding: Any, data_format: str = "NHWC",
               name: str | None = None) -> torch.Tensor:
    """`tf.nn.avg_pool2d` ('SAME': padded positions do not count)."""
    return _pool("avg", "avg_pool2d", input, ksize, strides, padding, data_format)


def avg_pool1d(input: Any, ksize: Any, strides: Any, padding: Any, data_format: str = "NWC",
               name: str | None = None) -> torch.Tensor:
    """`tf.nn.avg_pool1d`."""
    return _pool("avg", "avg_pool1d", input, ksize, strides, padding, data_format)


def avg_pool(input: Any, ksize: Any, strides: Any, padding: Any, data_format: str | None = None,
             name: str | None = None) -> torch.Tensor:
    """`tf.nn.avg_pool` (N-D, from the input's rank)."""
    return _pool("avg", "avg_pool", input, ksize, strides, padding, data_format)
