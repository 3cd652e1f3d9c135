"""Learning-rate schedules: Keras 3's `keras.optimizers.schedules`, evaluated on the host.

A schedule maps the optimizer's step count (a Python int) to a Python float. Optimizers evaluate
it once per step on the host, so a schedule never touches a tensor and never syncs a device.

Example:
    >>> from deepfit import schedules
    >>> decay = schedules.ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5)
    >>> decay(10)
    0.05
"""

from __future__ import annotations

import bisect
import math
import numbers
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from deepfit.identifiers import register, resolve

_REGISTRY: dict[str, Any] = {}


class LearningRateSchedule:
    """Base class: subclasses implement `__call__(step) -> float` and `get_config()`.

    Example:
        >>> class Halving(LearningRateSchedule):
        ...     def __call__(self, step):
        ...         return 0.1 * 0.5 ** step
        ...     def get_config(self):
        ...         return {}
        >>> Halving()(2)
        0.025
    """

    def __call__(self, step: int) -> float:
        raise NotImplementedError(
            f"Learning rate schedule '{type(self).__name__}' must override `__call__(self, step)`."
        )

    def get_config(self) -> dict[str, Any]:
        """The constructor arguments, so that `from_config(get_config())` rebuilds the schedule."""
        raise NotImplementedError(
            f"Learning rate schedule '{type(self).__name__}' must override `get_config()` "
            "in order to be serializable."
        )

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> LearningRateSchedule:
        """Build a schedule from the dict `get_config()` returned."""
        return cls(**config)

    def __repr__(self) -> str:
        try:
            args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        except NotImplementedError:
            args = "..."
        return f"{type(self).__name__}({args})"


def _number(argument: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{argument}: expected a number, received {value!r}")
    return float(value)


def _positive(argument: str, value: Any) -> Any:
    if _number(argument, value) <= 0:
        raise ValueError(f"Argument `{argument}` must be > 0. Received: {argument}={value!r}")
    return value


def _step(step: Any) -> float:
    # Accepts ints, numpy integers and 0-d tensors (host tensors only: this is host math).
    return float(step)


@register(_REGISTRY)
class ExponentialDecay(LearningRateSchedule):
    """`initial_learning_rate * decay_rate ** (step / decay_steps)`.

    Args:
        initial_learning_rate: the rate at step 0.
        decay_steps: steps per decay period (> 0).
        decay_rate: the factor applied per period.
        staircase: decay in whole periods (`floor(step / decay_steps)`).
        name: the schedule's name.

    Example:
        >>> ExponentialDecay(1.0, 2, 0.5, staircase=True)(3)
        0.5
    """

    def __init__(
        self,
        initial_learning_rate: float,
        decay_steps: int,
        decay_rate: float,
        staircase: bool = False,
        name: str = "ExponentialDecay",
    ) -> None:
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = _positive("decay_steps", decay_steps)
        self.decay_rate = decay_rate
        self.staircase = staircase
        self.name = name
        _number("initial_learning_rate", initial_learning_rate)
        _number("decay_rate", decay_rate)

    def __call__(self, step: int) -> float:
        p = _step(step) / self.decay_steps
        if self.staircase:
            p = math.floor(p)
        return float(self.initial_learning_rate) * float(self.decay_rate) ** p

    def get_config(self) -> dict[str, Any]:
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "decay_rate": self.decay_rate,
            "staircase": self.staircase,
            "name": self.name,
        }


@register(_REGISTRY)
class PiecewiseConstantDecay(LearningRateSchedule):
    """`values[0]` while `step <= boundaries[0]`, `values[i]` while
    `boundaries[i-1] < step <= boundaries[i]`, and `values[-1]` after the last boundary.

    Args:
        boundaries: increasing step boundaries.
        values: one more value than boundaries.
        name: the schedule's name.

    Example:
        >>> s = PiecewiseConstantDecay([10, 20], [1.0, 0.5, 0.1])
        >>> s(10), s(11), s(21)
        (1.0, 0.5, 0.1)
    """

    def __init__(
        self,
        boundaries: Sequence[float],
        values: Sequence[float],
        name: str = "PiecewiseConstant",
    ) -> None:
        if len(boundaries) != len(values) - 1:
            raise ValueError(
                "The length of boundaries should be 1 less than the length of values. "
                f"Received: boundaries={boundaries} of length {len(boundaries)}, and "
                f"values={values} of length {len(values)}."
            )
        if any(low > high for low, high in zip(boundaries, boundaries[1:])):
            raise ValueError(f"boundaries: expected increasing values, received {boundaries}")
        for value in values:
            _number("values", value)
        self.boundaries = boundaries
        self.values = values
        self.name = name
        self._sorted = [float(b) for b in boundaries]

    def __call__(self, step: int) -> float:
        return float(self.values[bisect.bisect_left(self._sorted, _step(step))])

    def get_config(self) -> dict[str, Any]:
        return {"boundaries": self.boundaries, "values": self.values, "name": self.name}


@register(_REGISTRY)
class PolynomialDecay(LearningRateSchedule):
    """Polynomial decay: `(initial - end) * (1 - step/decay_steps) ** power + end`.

    Args:
        initial_learning_rate: the rate at step 0.
        decay_steps: steps to reach `end_learning_rate` (> 0).
        end_learning_rate: the final rate.
        power: the polynomial's power.
        cycle: restart the decay past `decay_steps` (with a longer period) instead of holding.
        name: the schedule's name.

    Example:
        >>> PolynomialDecay(1.0, 10, end_learning_rate=0.0)(5)
        0.5
    """

    def __init__(
        self,
        initial_learning_rate: float,
        decay_steps: int,
        end_learning_rate: float = 0.0001,
        power: float = 1.0,
        cycle: bool = False,
        name: str = "PolynomialDecay",
    ) -> None:
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = _positive("decay_steps", decay_steps)
        self.end_learning_rate = end_learning_rate
        self.power = power
        self.cycle = cycle
        self.name = name
        _number("initial_learning_rate", initial_learning_rate)
        _number("end_learning_rate", end_learning_rate)
        _number("power", power)

    def __call__(self, step: int) -> float:
        step = _step(step)
        decay_steps = float(self.decay_steps)
        if self.cycle:
            decay_steps *= 1.0 if step == 0 else math.ceil(step / self.decay_steps)
        else:
            step = min(step, decay_steps)
        end = float(self.end_learning_rate)
        fraction = 1.0 - step / decay_steps
        return (float(self.initial_learning_rate) - end) * fraction ** float(self.power) + end

    def get_config(self) -> dict[str, Any]:
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "end_learning_rate": self.end_learning_rate,
            "power": self.power,
            "cycle": self.cycle,
            "name": self.name,
        }


@register(_REGISTRY)
class InverseTimeDecay(LearningRateSchedule):
    """`initial_learning_rate / (1 + decay_rate * step / decay_steps)`.

    Args:
        initial_learning_rate: the rate at step 0.
        decay_steps: steps per decay period (> 0).
        decay_rate: the decay rate.
        staircase: decay in whole periods (`floor(step / decay_steps)`).
        name: the schedule's name.

    Example:
        >>> InverseTimeDecay(1.0, 1, 0.5)(2)
        0.5
    """

    def __init__(
        self,
        initial_learning_rate: float,
        decay_steps: int,
        decay_rate: float,
        staircase: bool = False,
        name: str = "InverseTimeDecay",
    ) -> None:
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = _positive("decay_steps", decay_steps)
        self.decay_rate = decay_rate
        self.staircase = staircase
        self.name = name
        _number("initial_learning_rate", initial_learning_rate)
        _number("decay_rate", decay_rate)

    def __call__(self, step: int) -> float:
        p = _step(step) / self.decay_steps
        if self.staircase:
            p = math.floor(p)
        return float(self.initial_learning_rate) / (1.0 + float(self.decay_rate) * p)

    def get_config(self) -> dict[str, Any]:
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "decay_rate": self.decay_rate,
            "staircase": self.staircase,
            "name": self.name,
        }


def _cosine(fraction: float, alpha: float) -> float:
    return (1.0 - alpha) * 0.5 * (1.0 + math.cos(math.pi * fraction)) + alpha


@register(_REGISTRY)
class CosineDecay(LearningRateSchedule):
    """Optional linear warmup to `warmup_target`, then cosine decay to `alpha` times the peak.

    Without `warmup_target` the decay starts at step 0 from `initial_learning_rate`; with it the
    rate rises linearly from `initial_learning_rate` to `warmup_target` over `warmup_steps`, then
    decays from `warmup_target` over `decay_steps`.

    Args:
        initial_learning_rate: the rate at step 0.
        decay_steps: length of the cosine decay (> 0).
        alpha: the floor, as a fraction of the decay's starting rate.
        name: the schedule's name.
        warmup_target: the rate reached at the end of warmup, or None for no warmup.
        warmup_steps: length of the warmup.

    Example:
        >>> CosineDecay(1.0, 10)(5)
        0.5
    """

    def __init__(
        self,
        initial_learning_rate: float,
        decay_steps: int,
        alpha: float = 0.0,
        name: str = "CosineDecay",
        warmup_target: float | None = None,
        warmup_steps: int = 0,
    ) -> None:
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = _positive("decay_steps", decay_steps)
        self.alpha = alpha
        self.name = name
        self.warmup_steps = warmup_steps
        self.warmup_target = warmup_target
        _number("initial_learning_rate", initial_learning_rate)
        _number("alpha", alpha)
        if warmup_target is not None:
            _number("warmup_target", warmup_target)
        if _number("warmup_steps", warmup_steps) < 0:
            raise ValueError(f"warmup_steps: expected a number >= 0, received {warmup_steps!r}")

    def __call__(self, step: int) -> float:
        step = _step(step)
        initial = float(self.initial_learning_rate)
        decay_steps = float(self.decay_steps)
        alpha = float(self.alpha)
        if self.warmup_target is None:
            return initial * _cosine(min(step, decay_steps) / decay_steps, alpha)
        target = float(self.warmup_target)
        warmup = float(self.warmup_steps)
        step = min(step, decay_steps + warmup)
        if step < warmup:
            return (target - initial) * (step / warmup) + initial
        return target * _cosine((step - warmup) / decay_steps, alpha)

    def get_config(self) -> dict[str, Any]:
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "alpha": self.alpha,
            "name": self.name,
            "warmup_target": self.warmup_target,
            "warmup_steps": self.warmup_steps,
        }


@register(_REGISTRY)
class CosineDecayRestarts(LearningRateSchedule):
    """Cosine decay with warm restarts (SGDR): each period is `t_mul` times longer than the
    last and starts `m_mul` times lower.

    Args:
        initial_learning_rate: the rate at step 0.
        first_decay_steps: length of the first period (> 0).
        t_mul: growth of the period length per restart.
        m_mul: change of the starting rate per restart.
        alpha: the floor, as a fraction of `initial_learning_rate`.
        name: the schedule's name.

    Example:
        >>> CosineDecayRestarts(1.0, 10, t_mul=1.0)(10)
        1.0
    """

    def __init__(
        self,
        initial_learning_rate: float,
        first_decay_steps: int,
        t_mul: float = 2.0,
        m_mul: float = 1.0,
        alpha: float = 0.0,
        name: str = "SGDRDecay",
    ) -> None:
        self.initial_learning_rate = initial_learning_rate
        self.first_decay_steps = _positive("first_decay_steps", first_decay_steps)
        self._t_mul = _number("t_mul", t_mul)
        self._m_mul = _number("m_mul", m_mul)
        self.alpha = alpha
        self.name = name
        _number("initial_learning_rate", initial_learning_rate)
        _number("alpha", alpha)

    def __call__(self, step: int) -> float:
        fraction = _step(step) / float(self.first_decay_steps)
        t_mul = self._t_mul
        if t_mul == 1.0:
            restart = math.floor(fraction)
            fraction -= restart
        else:
            restart = math.floor(math.log(1.0 - fraction * (1.0 - t_mul)) / math.log(t_mul))
            done = (1.0 - t_mul**restart) / (1.0 - t_mul)
            fraction = (fraction - done) / t_mul**restart
        peak = self._m_mul**restart
        alpha = float(self.alpha)
        decayed = (1.0 - alpha) * 0.5 * peak * (1.0 + math.cos(math.pi * fraction)) + alpha
        return float(self.initial_learning_rate) * decayed

    def get_config(self) -> dict[str, Any]:
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "first_decay_steps": self.first_decay_steps,
            "t_mul": self._t_mul,
            "m_mul": self._m_mul,
            "alpha": self.alpha,
            "name": self.name,
        }


@register(_REGISTRY)
class OneCycle(LearningRateSchedule):
    """The one-cycle policy: the rate rises from `max_learning_rate / div_factor` to
    `max_learning_rate` over the first `pct_start` of `total_steps`, then anneals to
    `initial / final_div_factor`, both phases on a half cosine (as `torch.optim.lr_scheduler.
    OneCycleLR` with `three_phase=False`). Steps past `total_steps` keep the final rate.

    Pair it with `model.find_learning_rate`: its suggestion, or a little above, makes a good
    `max_learning_rate`.

    Args:
        max_learning_rate: the peak rate.
        total_steps: the length of the cycle in optimizer steps (epochs × steps per epoch).
        pct_start: the fraction of the cycle spent rising.
        div_factor: the starting rate is `max_learning_rate / div_factor`.
        final_div_factor: the final rate is the starting rate / `final_div_factor`.
        name: the schedule's name.

    Example:
        >>> OneCycle(0.1, total_steps=100)(29)
        0.1
    """

    def __init__(self, max_learning_rate: float, total_steps: int, pct_start: float = 0.3,
                 div_factor: float = 25.0, final_div_factor: float = 1e4,
                 name: str = "OneCycle") -> None:
        if _number("max_learning_rate", max_learning_rate) <= 0:
            raise ValueError(f"max_learning_rate: expected a number > 0, "
                             f"received {max_learning_rate!r}")
        if not 0 < _number("pct_start", pct_start) < 1:
            raise ValueError(f"pct_start: expected a number in (0, 1), received {pct_start!r}")
        for argument, value in (("div_factor", div_factor),
                                ("final_div_factor", final_div_factor)):
            if _number(argument, value) <= 0:
                raise ValueError(f"{argument}: expected a number > 0, received {value!r}")
        self.max_learning_rate = max_learning_rate
        self.total_steps = _positive("total_steps", total_steps)
        self.pct_start = pct_start
        self.div_factor = div_factor
        self.final_div_factor = final_div_factor
        self.name = name

    def __call__(self, step: int) -> float:
        step = min(_step(step), float(self.total_steps) - 1)
        peak = float(self.max_learning_rate)
        initial = peak / float(self.div_factor)
        final = initial / float(self.final_div_factor)
        rise_end = float(self.pct_start) * self.total_steps - 1
        if step <= rise_end:
            return _anneal(initial, peak, step / rise_end if rise_end > 0 else 1.0)
        fall = (step - rise_end) / max(self.total_steps - 1 - rise_end, 1e-12)
        return _anneal(peak, final, fall)

    def get_config(self) -> dict[str, Any]:
        return {"max_learning_rate": self.max_learning_rate, "total_steps": self.total_steps,
                "pct_start": self.pct_start, "div_factor": self.div_factor,
                "final_div_factor": self.final_div_factor, "name": self.name}


def _anneal(start: float, end: float, fraction: float) -> float:
    return end + (start - end) / 2.0 * (math.cos(math.pi * fraction) + 1)


def serialize(schedule: LearningRateSchedule) -> dict[str, Any]:
    """The `{'class_name', 'config'}` dict that `deserialize`/`get` turn back into a schedule.

    Args:
        schedule: a `LearningRateSchedule`.

    Returns:
        A dict with the class name and the schedule's config.

    Example:
        >>> serialize(InverseTimeDecay(0.1, 10, 0.5))["class_name"]
        'InverseTimeDecay'
    """
    if not isinstance(schedule, LearningRateSchedule):
        raise TypeError(
            f"schedule: expected a LearningRateSchedule, received {schedule!r} "
            f"of type {type(schedule).__name__}"
        )
    return {"class_name": type(schedule).__name__, "config": schedule.get_config()}


def deserialize(
    config: Mapping[str, Any], custom_objects: Mapping[str, Any] | None = None
) -> LearningRateSchedule:
    """Rebuild a schedule from `serialize`'s dict (Keras's own serialized form works too).

    Args:
        config: a `{'class_name', 'config'}` dict.
        custom_objects: extra schedule classes by name.

    Returns:
        The schedule.
    """
    return resolve(
        "learning rate schedule",
        config,
        _REGISTRY,
        base_class=LearningRateSchedule,
        allow_callable=False,
        custom_objects=custom_objects,
    )


def get(identifier: Any) -> LearningRateSchedule | Callable[[int], float]:
    """A schedule from a schedule object, a config dict or a callable `step -> learning rate`.

    Args:
        identifier: a `LearningRateSchedule`, a `{'class_name', 'config'}` dict or a callable.

    Returns:
        The schedule (or the callable, unchanged).

    Example:
        >>> get({"class_name": "ExponentialDecay",
        ...      "config": {"initial_learning_rate": 1.0, "decay_steps": 1, "decay_rate": 0.5}})(1)
        0.5
    """
    return resolve(
        "learning rate schedule", identifier, _REGISTRY, base_class=LearningRateSchedule
    )
