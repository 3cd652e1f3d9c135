"""`InputSpec`: what a layer expects of its first input (rank, dtype, shape, axis sizes), checked
at each call as Keras does — a ValueError naming the layer and the input when it does not fit.

Example:
    >>> class Images(deepfit.layers.Layer):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.input_spec = deepfit.layers.InputSpec(ndim=4, axes={-1: 3})
    >>> Images()(torch.zeros(2, 8, 8))   # ValueError: ... expected ndim=4, found ndim=3
"""

from __future__ import annotations

from typing import Any

from deepfit import tree


def _dtype_name(dtype: Any) -> str:
    return str(getattr(dtype, "name", dtype)).removeprefix("torch.")


def _shape_of(value: Any) -> tuple:
    return tuple(None if d is None else int(d) for d in value.shape)


class InputSpec:
    """The rank, dtype and shape every call's first input must have (None matches any size).

    Args:
        dtype: the expected dtype name ('float32', ...).
        shape: the full expected shape, batch axis first (None entries match anything);
            sets `ndim`.
        ndim: the expected rank.
        max_ndim: the largest accepted rank.
        min_ndim: the smallest accepted rank.
        axes: `{axis: size}` for axes whose size is fixed.
        allow_last_axis_squeeze: accept a trailing axis of 1 more or less than `shape`.
        name: the key of this input when inputs come as a dict.
        optional: whether the input may be None.

    Example:
        >>> spec = InputSpec(min_ndim=2, axes={-1: 4})
    """

    def __init__(self, dtype: Any = None, shape: Any = None, ndim: int | None = None,
                 max_ndim: int | None = None, min_ndim: int | None = None,
                 axes: dict | None = None, allow_last_axis_squeeze: bool = False,
                 name: str | None = None, optional: bool = False) -> None:
        self.dtype = _dtype_name(dtype) if dtype is not None else None
        if shape is not None:
            self.shape = tuple(None if d is None else int(d) for d in shape)
            self.ndim = len(self.shape)
        else:
            self.shape = None
            self.ndim = ndim
        self.max_ndim = max_ndim
        self.min_ndim = min_ndim
        self.name = name
        self.optional = optional
        self.allow_last_axis_squeeze = allow_last_axis_squeeze
        try:
            axes = axes or {}
            self.axes = {int(key): axes[key] for key in axes}
        except (ValueError, TypeError):
            raise TypeError(f"InputSpec: axes must be a dict with integer keys, received "
                            f"axes={axes!r}") from None
        limit = self.ndim or self.max_ndim
        if self.axes and limit is not None and max(self.axes) > limit - 1:
            raise ValueError(f"InputSpec: axis {max(self.axes)} is greater than the maximum "
                             f"allowed value: {limit - 1}")

    def __repr__(self) -> str:
        parts = [f"{key}={value}" for key, value in (
            ("dtype", self.dtype), ("shape", self.shape), ("ndim", self.ndim),
            ("max_ndim", self.max_ndim), ("min_ndim", self.min_ndim), ("axes", self.axes))
            if value]
        return f"InputSpec({', '.join(parts)})"

    def get_config(self) -> dict[str, Any]:
        return {"dtype": self.dtype, "shape": self.shape, "ndim": self.ndim,
                "max_ndim": self.max_ndim, "min_ndim": self.min_ndim, "axes": self.axes,
                "optional": self.optional}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> InputSpec:
        return cls(**config)


def assert_input_compatibility(input_spec: Any, inputs: Any, layer_name: str) -> None:
    """Raise Keras's ValueError when `inputs` do not fit `input_spec` (a spec or a structure of
    them, one per input tensor).

    Args:
        input_spec: an `InputSpec`, a list of them, or None (nothing to check).
        inputs: the call's first argument: a tensor or a structure of tensors.
        layer_name: the layer's name, for the message.
    """
    if not input_spec:
        return
    specs = tree.flatten(input_spec)
    if isinstance(inputs, dict):
        inputs = _by_name(specs, inputs)
    flat = tree.flatten(inputs)
    if len(flat) != len(specs):
        names = [spec.name for spec in specs if spec is not None]
        if len(names) == len(specs) and all(names):
            raise ValueError(f'Layer "{layer_name}" expects {len(specs)} named input(s) with '
                             f"keys {names}, but it received {len(flat)} input tensors.")
        raise ValueError(f'Layer "{layer_name}" expects {len(specs)} input(s), but it '
                         f"received {len(flat)} input tensors.")
    for index, (value, spec) in enumerate(zip(flat, specs)):
        if spec is None or (value is None and spec.optional):
            continue
        if not hasattr(value, "shape"):
            raise ValueError(f"Inputs to a layer should be tensors. Got '{value}' (of type "
                             f"{type(value)}) as input for layer '{layer_name}'.")
        _check_one(spec, value, f"Input {index} with name '{spec.name}' of layer "
                                f"'{layer_name}' is incompatible with the layer")


def _by_name(specs: list, inputs: dict) -> Any:
    names = [spec.name for spec in specs]
    if not all(names):
        return inputs
    missing = [name for name in names if name not in inputs]
    if missing:
        raise ValueError(f'Missing data for input "{missing[0]}". You passed a data dictionary '
                         f"with keys {list(inputs)}. Expected the following keys: {names}")
    return [inputs[name] for name in names]


def _check_one(spec: InputSpec, value: Any, prefix: str) -> None:
    shape = _shape_of(value)
    ndim = len(shape)
    if spec.ndim is not None and not spec.allow_last_axis_squeeze and ndim != spec.ndim:
        raise ValueError(f"{prefix}: expected ndim={spec.ndim}, found ndim={ndim}. "
                         f"Full shape received: {shape}")
    if spec.max_ndim is not None and ndim > spec.max_ndim:
        raise ValueError(f"{prefix}: expected max_ndim={spec.max_ndim}, found ndim={ndim}")
    if spec.min_ndim is not None and ndim < spec.min_ndim:
        raise ValueError(f"{prefix}: expected min_ndim={spec.min_ndim}, found ndim={ndim}. "
                         f"Full shape received: {shape}")
    if spec.dtype is not None and _dtype_name(value.dtype) != spec.dtype:
        raise ValueError(f"{prefix}: expected dtype={spec.dtype}, found "
                         f"dtype={_dtype_name(value.dtype)}")
    for axis, size in spec.axes.items():
        if size is not None and -ndim <= axis < ndim and shape[axis] not in (size, None):
            raise ValueError(f"{prefix}: expected axis {axis} of input shape to have value "
                             f"{size}, but received input with shape {shape}")
    if spec.shape is not None:
        expected, found = spec.shape, shape
        if spec.allow_last_axis_squeeze:
            found = found[:-1] if found and found[-1] == 1 else found
            expected = expected[:-1] if expected and expected[-1] == 1 else expected
        for want, got in zip(expected, found):
            if want is not None and got is not None and want != got:
                raise ValueError(f"{prefix}: expected shape={spec.shape}, found shape={shape}")
