"""State variables of user metrics: Keras 3's `Metric.add_variable`.

Keras's own metrics here keep lazily created state tensors (`Metric.add_state`); metrics
written for Keras create Variables in `__init__` and update them with `assign_add`. Those are
made here: non-trainable `deepfit.Variable`s on the configured device, named
`<metric>/<name>` as Keras names them.

Example:
    >>> variable = make_variable(metric, (), "zeros", None, "sum", "tp")
    >>> variable.path
    'categorical_true_positives/tp'
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch

from deepfit import config

_AGGREGATIONS = ("none", "mean", "sum", "only_first_replica")


def make_variable(metric: Any, shape: Sequence[int] | int, initializer: Any, dtype: Any,
                  aggregation: str, name: str | None) -> torch.Tensor:
    """A new non-trainable Variable for `metric` (checked before anything is created).

    Args:
        metric: the metric that will own it.
        shape: its shape; an int means a vector of that length.
        initializer: an initializer name, object, callable or array (required).
        dtype: a dtype name or torch dtype; `config.floatx()` by default.
        aggregation: one of Keras's aggregation names.
        name: its name; "variable" by default.

    Returns:
        The `deepfit.Variable`, with `.aggregation` set.

    Raises:
        RuntimeError: the metric's `__init__` did not call `super().__init__()`.
        ValueError: no initializer, an unknown aggregation or dtype.
    """
    from deepfit import initializers
    from deepfit.backend.variable import Variable
    from deepfit.ops.dtypes import to_torch

    kind = type(metric).__name__
    if "_variables" not in vars(metric):
        raise RuntimeError(f"{kind}: call `super().__init__()` in `__init__()` before "
                           f"add_variable()")
    if initializer is None:
        raise ValueError(f"{kind}.add_variable: `initializer` is required (for example "
                         f"initializer='zeros'), received None")
    if aggregation not in _AGGREGATIONS:
        raise ValueError(f"{kind}.add_variable: `aggregation` must be one of {_AGGREGATIONS}, "
                         f"received {aggregation!r}")
    shape = (shape,) if isinstance(shape, int) else tuple(int(d) for d in shape)
    torch_dtype = to_torch(dtype)  # None: floatx
    init = initializers.get(initializer)
    value = init(shape, dtype=torch_dtype, device=config.get_device())
    name = name or "variable"
    variable = Variable(value.detach().to(torch_dtype), trainable=False, name=name)
    variable._path = f"{metric.name}/{name}"
    variable.aggregation = aggregation
    return variable
