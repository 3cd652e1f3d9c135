"""The optimizer base class: Keras 3's optimizer API over flat buffers, built for a cheap step.

`build(variables)` lays the parameters of each (device, dtype) out in ONE flat buffer: every
parameter's `.data` becomes a view into it, every `.grad` a view into one flat gradient buffer,
and each optimizer state (momentum, velocity, ...) is flat too. An update is then a handful of
whole-buffer tensor ops whatever the number of layers, with the learning rate and bias
corrections computed as Python floats from a host-side step counter: no host sync per step.

Example:
    >>> import torch
    >>> from deepfit import optimizers
    >>> layer = torch.nn.Linear(3, 1)
    >>> opt = optimizers.get("adam")
    >>> opt.build(list(layer.parameters()))
    >>> layer(torch.ones(2, 3)).sum().backward()
    >>> opt.step(); opt.zero_grad()
    >>> int(opt.iterations)
    1
"""

from __future__ import annotations

import collections
import inspect
import numbers
import re
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import torch

from deepfit import schedules
from deepfit.backend.grad_mode import without_grad
from deepfit.optimizers.buffers import (
    _copy_all,
    _FlatGroup,
    _global_norm,
    _move_in,
    _unique_tensors,
)
from deepfit.optimizers.scalars import OptimizerScalar

_REGISTRY: dict[str, Any] = {}
_NAME_UIDS: collections.defaultdict[str, int] = collections.defaultdict(int)

LearningRate = float | schedules.LearningRateSchedule | Callable[..., float]
_EMA = "average"
_HAS_FUSED_ADAM = hasattr(torch, "_fused_adam_")
_ACCUMULATOR = "gradient_accumulator"


def _auto_name(class_name: str) -> str:
    # Keras's naming: snake case of the class name, then a per-name counter suffix.
    name = re.sub(r"\W+", "", class_name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    name = re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()
    count = _NAME_UIDS[name]
    _NAME_UIDS[name] += 1
    return f"{name}_{count}" if count else name


def _real(argument: str, value: Any, optional: bool = False) -> float | None:
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        expected = "a number or None" if optional else "a number"
        raise TypeError(f"{argument}: expected {expected}, received {value!r}")
    return float(value)


def _unit_interval(argument: str, value: Any) -> float:
    value = _real(argument, value)
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"`{argument}` must be a float between [0, 1]. Received: {value!r}")
    return value


class Optimizer:
    """Base class: the Keras optimizer API over flat buffers.

    Subclasses define `_slot_specs()` (state buffers and their initial values),
    `_step_scalars(lr, t)` (host-side floats for one step) and `_update_group(group, grad, s)`
    (the in-place update of one flat group).

    Args:
        learning_rate: a float, a `deepfit.schedules.LearningRateSchedule` or a callable
            `step -> learning rate` (or a no-argument callable, as Keras allows).
        weight_decay: decoupled decay: `p -= p * weight_decay * lr` before each update.
        clipnorm: clip each variable's gradient to this L2 norm.
        clipvalue: clip gradients elementwise to `[-clipvalue, clipvalue]`.
        global_clipnorm: clip all gradients together to this global L2 norm.
        use_ema: keep an exponential moving average of the variables.
        ema_momentum: the average's momentum.
        ema_overwrite_frequency: every this many steps, overwrite the variables with the average.
        loss_scale_factor: gradients are divided by this (see `scale_loss`).
        gradient_accumulation_steps: update once every this many steps with the mean gradient.
        name: the optimizer's name (default: the class name in snake case, made unique).

    Example:
        >>> from deepfit.optimizers import SGD
        >>> w = torch.nn.Parameter(torch.tensor([1.0, -1.0]))
        >>> opt = SGD(learning_rate=0.1, weight_decay=0.5)
        >>> opt.build([w])
        >>> _ = w.grad.fill_(1.0)
        >>> opt.step()
        >>> [round(v, 6) for v in w.tolist()]  # w - w*0.5*0.1 - 0.1*grad
        [0.85, -1.05]
    """

    _n_scratch = 1

    def __init__(
        self,
        learning_rate: LearningRate,
        weight_decay: float | None = None,
        clipnorm: float | None = None,
        clipvalue: float | None = None,
        global_clipnorm: float | None = None,
        use_ema: bool = False,
        ema_momentum: float = 0.99,
        ema_overwrite_frequency: int | None = None,
        loss_scale_factor: float | None = None,
        gradient_accumulation_steps: int | None = None,
        name: str | None = None,
        **kwargs: Any,
    ) -> None:
        if kwargs.pop("decay", None) is not None:
            warnings.warn("Argument `decay` is no longer supported and will be ignored.",
                          stacklevel=2)
        if kwargs:
            raise ValueError(f"Argument(s) not recognized: {kwargs}")
        self.name = _auto_name(type(self).__name__) if name is None else str(name)
        self.weight_decay = _real("weight_decay", weight_decay, optional=True)
        self._set_clipping(clipnorm, clipvalue, global_clipnorm)
        self._set_ema(use_ema, ema_momentum, ema_overwrite_frequency)
        self.loss_scale_factor = _real("loss_scale_factor", loss_scale_factor, optional=True)
        if gradient_accumulation_steps is not None and (
            not isinstance(gradient_accumulation_steps, int) or gradient_accumulation_steps < 2
        ):
            raise ValueError(
                "`gradient_accumulation_steps` must be an integer >= 2. "
                f"Received: gradient_accumulation_steps={gradient_accumulation_steps!r}"
            )
        self.gradient_accumulation_steps = gradient_accumulation_steps
        self._lr_value: float = 0.0
        self._lr_schedule: Any = None
        self._lr_fn: Callable[[int], Any] | None = None
        self._set_learning_rate(learning_rate)
        self._iterations = 0
        self._built = False
        self._vars: list[torch.Tensor] = []
        self._groups: list[_FlatGroup] = []
        self._where: list[tuple[_FlatGroup, int]] = []
        self._index: dict[int, int] = {}
        self._links: tuple[tuple[torch.Tensor, int, torch.Tensor], ...] = ()
        self._constraints: list[tuple[torch.Tensor, Callable]] = []
        self._parked: dict[int, tuple[torch.Tensor, dict[str, torch.Tensor]]] = {}
        self._pending_state: dict[str, Any] | None = None
        self._exclude_vars: dict[int, torch.Tensor] = {}
        self._exclude_pattern: re.Pattern | None = None
        self._stale = False

    # ----------------------------------------------------------------- configuration
    def _set_clipping(self, clipnorm, clipvalue, global_clipnorm) -> None:
        if sum(a is not None for a in (clipnorm, clipvalue, global_clipnorm)) > 1:
            raise ValueError(
                "Only one of `clipnorm`, `clipvalue` and `global_clipnorm` can be set. "
                f"Received: clipnorm={clipnorm}, clipvalue={clipvalue}, "
                f"global_clipnorm={global_clipnorm}"
            )
        self.clipnorm = _real("clipnorm", clipnorm, optional=True)
        self.clipvalue = _real("clipvalue", clipvalue, optional=True)
        self.global_clipnorm = _real("global_clipnorm", global_clipnorm, optional=True)

    def _set_ema(self, use_ema, ema_momentum, ema_overwrite_frequency) -> None:
        self.use_ema = bool(use_ema)
        self.ema_momentum = _real("ema_momentum", ema_momentum)
        self.ema_overwrite_frequency = ema_overwrite_frequency
        if not use_ema:
            return
        if not 0.0 <= self.ema_momentum <= 1.0:
            raise ValueError(
                f"`ema_momentum` must be in the range [0, 1]. Received: ema_momentum={ema_momentum}"
            )
        if ema_overwrite_frequency is not None and (
            not isinstance(ema_overwrite_frequency, int) or ema_overwrite_frequency < 1
        ):
            raise ValueError(
                "`ema_overwrite_frequency` must be an integer >= 1 or None. "
                f"Received: ema_overwrite_frequency={ema_overwrite_frequency!r}"
            )

    def _set_learning_rate(self, learning_rate: Any) -> None:
        if isinstance(learning_rate, schedules.LearningRateSchedule):
            self._lr_schedule, self._lr_fn = learning_rate, learning_rate
        elif callable(learning_rate) and not isinstance(learning_rate, torch.Tensor):
            self._lr_schedule, self._lr_fn = learning_rate, _step_function(learning_rate)
        elif isinstance(learning_rate, numbers.Real | torch.Tensor) and not isinstance(
            learning_rate, bool
        ):
            self._lr_schedule, self._lr_fn = None, None
            self._lr_value = float(learning_rate)
        else:
            raise ValueError(
                "Argument `learning_rate` should be float, or an instance of "
                "LearningRateSchedule, or a callable (that takes in the current iteration value "
                f"and returns the corresponding learning rate value). Received instead: "
                f"learning_rate={learning_rate!r}"
            )

    @property
    def learning_rate(self) -> OptimizerScalar:
        """The current learning rate as a Keras Variable (`.numpy()`, `float()`, `.assign()`);
        a schedule is evaluated at the current step (and cannot be assigned)."""
        scalar = self.__dict__.get("_lr_variable")
        if scalar is None:
            scalar = self._lr_variable = OptimizerScalar.make(
                self._lr_at(self._iterations), torch.float32, "learning_rate",
                f"{self.name}/learning_rate", self._assign_learning_rate)
        return scalar.refresh(self._lr_at(self._iterations))

    @learning_rate.setter
    def learning_rate(self, value: LearningRate) -> None:
        if isinstance(self._lr_schedule, schedules.LearningRateSchedule) and not callable(value):
            raise TypeError(
                "This optimizer was created with a `LearningRateSchedule` object as its "
                "`learning_rate` constructor argument, hence its learning rate is not settable. "
                "If you need the learning rate to be settable, you should instantiate the "
                "optimizer with a float `learning_rate` argument."
            )
        self._set_learning_rate(value)

    def _assign_learning_rate(self, value: float) -> None:
        self.learning_rate = value

    lr = learning_rate

    def _lr_at(self, step: int) -> float:
        if self._lr_fn is None:
            return self._lr_value
        return float(self._lr_fn(step))

    @property
    def iterations(self) -> OptimizerScalar:
        """The number of update steps taken (with gradient accumulation: of real updates), as
        a Keras Variable (int64; `int()`, `.numpy()`, `.assign()`)."""
        scalar = self.__dict__.get("_iterations_variable")
        if scalar is None:
            scalar = self._iterations_variable = OptimizerScalar.make(
                0, torch.int64, "iteration", f"{self.name}/iteration", self._assign_iterations)
        return scalar.refresh(self._steps_done())

    def _steps_done(self) -> int:
        if self.gradient_accumulation_steps:
            return self._iterations // self.gradient_accumulation_steps
        return self._iterations

    def _assign_iterations(self, value: float) -> None:
        steps = int(value) * (self.gradient_accumulation_steps or 1)
        self._iterations = steps

    @property
    def built(self) -> bool:
        """Whether `build` has run."""
        return self._built

    def get_config(self) -> dict[str, Any]:
        """The constructor arguments; a schedule appears as its `{'class_name', 'config'}` dict.

        Returns:
            A dict that `from_config` turns back into an equivalent (unbuilt) optimizer.
        """
        lr = self._lr_schedule
        if isinstance(lr, schedules.LearningRateSchedule):
            lr = schedules.serialize(lr)
        elif lr is None:
            lr = self._lr_value
        return {
            "name": self.name,
            "learning_rate": lr,
            "weight_decay": self.weight_decay,
            "clipnorm": self.clipnorm,
            "global_clipnorm": self.global_clipnorm,
            "clipvalue": self.clipvalue,
            "use_ema": self.use_ema,
            "ema_momentum": self.ema_momentum,
            "ema_overwrite_frequency": self.ema_overwrite_frequency,
            "loss_scale_factor": self.loss_scale_factor,
            "gradient_accumulation_steps": self.gradient_accumulation_steps,
        }

    @classmethod
    def from_config(
        cls, config: Mapping[str, Any], custom_objects: Mapping[str, Any] | None = None
    ) -> Optimizer:
        """Build an optimizer from `get_config()`'s dict.

        Args:
            config: the config dict.
            custom_objects: extra schedule classes by name.

        Returns:
            A new, unbuilt optimizer.
        """
        config = dict(config)
        if isinstance(config.get("learning_rate"), Mapping):
            config["learning_rate"] = schedules.deserialize(config["learning_rate"],
                                                            custom_objects)
        return cls(**config)

    def __repr__(self) -> str:
        rate = self._lr_at(self._iterations)
        return f"<{type(self).__name__} name={self.name!r} learning_rate={rate}>"

    # ----------------------------------------------------------------- per-class rule
    def _slot_specs(self) -> list[tuple[str, float]]:
        return []

    def _step_scalars(self, lr: float, t: int) -> Any:
        return lr

    def _update_group(self, group: _FlatGroup, grad: torch.Tensor, scalars: Any) -> None:
        raise NotImplementedError(f"{type(self).__name__} must implement `_update_group`.")

    def _all_slot_specs(self) -> list[tuple[str, float]]:
        specs = list(self._slot_specs())
        if self.use_ema:
            specs.append((_EMA, 0.0))
        if self.gradient_accumulation_steps:
            specs.append((_ACCUMULATOR, 0.0))
        return specs

    # ----------------------------------------------------------------- layout
    @torch.no_grad()
    def build(self, variables: Sequence[torch.Tensor]) -> None:
        """Lay `variables` out in flat buffers and create the optimizer state.

        Calling it again with the same list is a no-op; a different list rebuilds the layout,
        keeping the state of variables seen before.

        Args:
            variables: the trainable parameters (floating-point tensors, usually
                `torch.nn.Parameter`s).
        """
        variables = _unique_tensors(variables)
        if (
            not self._stale
            and len(variables) == len(self._vars)
            and all(a is b for a, b in zip(variables, self._vars))
            and all(p.data_ptr() == ptr for p, ptr, _ in self._links)
        ):
            return
        self._flatten(variables)

    def _flatten(self, variables: list[torch.Tensor]) -> None:
        state = self._state_by_variable()
        by_key: dict[tuple[torch.device, torch.dtype], list[torch.Tensor]] = {}
        for p in variables:
            by_key.setdefault((p.device, p.dtype), []).append(p)
        specs, groups, where = self._all_slot_specs(), [], {}
        for params in by_key.values():
            # Decayed variables first, so that weight decay is one op on a prefix of the buffer.
            params.sort(key=self._excluded_from_decay)
            n_decay = sum(p.numel() for p in params if not self._excluded_from_decay(p))
            group = _FlatGroup(params, n_decay, specs, self._n_scratch)
            _move_in(group, state)
            groups.append(group)
            where.update({id(p): (group, j) for j, p in enumerate(params)})
        kept = {id(p) for p in variables}
        for key, (p, slots) in state.items():
            if key not in kept:
                self._parked[key] = (p, {name: t.clone() for name, t in slots.items()})
        for key in kept:
            self._parked.pop(key, None)
        self._vars, self._groups = variables, groups
        self._where = [where[id(p)] for p in variables]
        self._index = {id(p): i for i, p in enumerate(variables)}
        self._links = tuple((p, p.data_ptr(), p.grad) for p in variables)
        self._constraints = [(p, p.constraint) for p in variables
                             if getattr(p, "constraint", None) is not None]
        self._stale = False
        self._built = True
        if self._pending_state is not None:
            pending, self._pending_state = self._pending_state, None
            self._load_state(pending)

    def _state_by_variable(self) -> dict[int, tuple[torch.Tensor, dict[str, torch.Tensor]]]:
        state = dict(self._parked)
        for p, (group, j) in zip(self._vars, self._where):
            state[id(p)] = (p, {name: group.view(buf, j) for name, buf in group.slots.items()})
        return state

    def _excluded_from_decay(self, p: torch.Tensor) -> bool:
        if id(p) in self._exclude_vars:
            return True
        if self._exclude_pattern is None:
            return False
        name = getattr(p, "path", None) or getattr(p, "name", None) or ""
        return self._exclude_pattern.search(str(name)) is not None

    def exclude_from_weight_decay(
        self, var_list: Iterable[torch.Tensor] | None = None, var_names: Iterable[str] | None = None
    ) -> None:
        """Exempt variables from weight decay.

        Args:
            var_list: variables to exempt.
            var_names: substrings (regular expressions); a variable whose `path` or `name`
                attribute contains one is exempt, e.g. `var_names=['bias']`.
        """
        self._exclude_vars = {id(v): v for v in (var_list or ())}
        names = list(var_names or ())
        self._exclude_pattern = re.compile("|".join(sorted(set(names)))) if names else None
        self._stale = self.built

    # ----------------------------------------------------------------- gradients
    @without_grad
    def zero_grad(self) -> None:
        """Zero every gradient: one op per flat buffer."""
        for p, _, gv in self._links:
            if p.grad is not gv:
                p.grad = gv
        for group in self._groups:
            group.grad.zero_()

    @property
    def _scales_loss(self) -> bool:
        """Whether training must multiply the loss by `scale_loss` before backward."""
        return self.loss_scale_factor is not None

    def scale_loss(self, loss: torch.Tensor) -> torch.Tensor:
        """Multiply the loss by `loss_scale_factor` (gradients are divided back in the update)."""
        return loss if self.loss_scale_factor is None else loss * self.loss_scale_factor

    @without_grad
    def step(self) -> None:
        """Apply one update from the variables' current `.grad` (no host sync).

        A variable whose `.grad` is None is left untouched, as Keras does for missing gradients.
        """
        if not self._groups:
            return
        self._update(self._sync_links())

    def _check_layout(self) -> None:
        if self._stale or any(p.data_ptr() != ptr for p, ptr, _ in self._links):
            self._flatten(self._vars)

    def _sync_links(self) -> list[int] | None:
        for p, ptr, gv in self._links:
            if p.grad is not gv or p.data_ptr() != ptr:
                break
        else:
            if not self._stale:
                return None
        missing = [i for i, (p, _, _) in enumerate(self._links) if p.grad is None]
        self._check_layout()
        for p, _, gv in self._links:
            grad = p.grad
            if grad is None:
                gv.zero_()
            elif grad is not gv:
                gv.copy_(grad)
            p.grad = gv
        return self._missing(missing, none_given=len(missing) == len(self._vars))

    def _missing(self, missing: list[int], none_given: bool) -> list[int] | None:
        if none_given:
            raise ValueError("No gradients provided for any variable.")
        if not missing:
            return None
        names = [getattr(self._vars[i], "path", None) or f"variables[{i}]" for i in missing]
        warnings.warn(
            f"Gradients do not exist for variables {names} when minimizing the loss. "
            "If using `model.compile()`, did you forget to provide a `loss` argument?",
            stacklevel=3,
        )
        return missing

    def apply_gradients(
        self, grads_and_vars: Iterable[tuple[Any, torch.Tensor]]
    ) -> OptimizerScalar:
        """Keras's `apply_gradients`: `apply` on `(gradient, variable)` pairs.

        Args:
            grads_and_vars: pairs of a gradient (or None) and its variable.

        Returns:
            The iteration count (a Variable) after the update.
        """
        pairs = list(grads_and_vars)
        if pairs:
            grads, variables = zip(*pairs)
            self.apply(grads, variables)
        return self.iterations

    def minimize(self, loss: Any, var_list: Any, tape: Any = None) -> OptimizerScalar:
        """Compute the gradients of `loss` and apply them (TensorFlow's custom-loop idiom).

        Args:
            loss: a callable returning the loss, or a loss tensor recorded by `tape`.
            var_list: the variables to update (or a callable returning them).
            tape: the `GradientTape` that recorded a tensor `loss`.

        Returns:
            The iteration count (a Variable) after the update.

        Example:
            >>> from deepfit.backend import Variable
            >>> from deepfit.optimizers import SGD
            >>> w = Variable([1.0])
            >>> _ = SGD(learning_rate=0.5).minimize(lambda: (w * w).sum(), [w])
            >>> w.numpy()
            array([0.], dtype=float32)
        """
        from deepfit.backend import GradientTape

        variables = list(var_list() if callable(var_list) else var_list)
        if callable(loss):
            with GradientTape() as tape:
                loss = loss()
        elif tape is None:
            raise ValueError("minimize: pass the GradientTape that recorded `loss` as `tape=`, "
                             "or pass `loss` as a callable")
        grads = tape.gradient(loss, variables)
        return self.apply_gradients(zip(grads, variables))

    @torch.no_grad()
    def apply(
        self, grads: Sequence[Any], trainable_variables: Sequence[torch.Tensor] | None = None
    ) -> None:
        """Update variables from the given gradients (builds on first use).

        Args:
            grads: one gradient (or None to leave the variable untouched) per variable.
            trainable_variables: the variables; None means the list the optimizer was built on.

        Example:
            >>> w = torch.nn.Parameter(torch.ones(2))
            >>> from deepfit.optimizers import SGD
            >>> SGD(learning_rate=0.5).apply([torch.ones(2)], [w])
            >>> w.tolist()
            [0.5, 0.5]
        """
        grads = list(grads)
        if not grads:
            return
        indices = self._indices_for(grads, trainable_variables)
        self._check_layout()
        dst, src, nones = [], [], []
        for i, grad in zip(indices, grads):
            if grad is None:
                nones.append(i)
                continue
            group, j = self._where[i]
            view = group.views(group.grad)[j]
            grad = grad if isinstance(grad, torch.Tensor) else torch.as_tensor(grad)
            if grad.shape != view.shape:
                raise ValueError(f"grads: expected shape {tuple(view.shape)} for variables[{i}], "
                                 f"received {tuple(grad.shape)}")
            dst.append(view)
            src.append(grad)
        _copy_all(dst, src)
        self._missing(nones, none_given=not dst)
        skipped = sorted(set(range(len(self._vars))) - {i for i in indices if i not in nones})
        for i in skipped:
            group, j = self._where[i]
            group.views(group.grad)[j].zero_()
        self._update(skipped or None)

    def _indices_for(self, grads: list, variables: Sequence[torch.Tensor] | None) -> list[int]:
        if variables is None:
            if not self.built:
                raise ValueError(
                    "When passing `grads` without `variables`, the optimizer must already be "
                    "built on a list of variables. Call `optimizer.build(trainable_variables)` "
                    "first."
                )
            if len(grads) != len(self._vars):
                raise ValueError(
                    f"grads: expected one gradient per variable ({len(self._vars)}), "
                    f"received {len(grads)}"
                )
            return list(range(len(grads)))
        variables = list(variables)
        if len(variables) != len(grads):
            raise ValueError(f"grads: expected one gradient per variable ({len(variables)}), "
                             f"received {len(grads)}")
        if not self.built or any(id(v) not in self._index for v in variables):
            self.build(variables)
        return [self._index[id(v)] for v in variables]

    # ----------------------------------------------------------------- the update
    def _update(self, skipped: list[int] | None) -> None:
        it = self._iterations
        lr = self._lr_at(it)
        groups = self._groups
        saved = self._snapshot(skipped) if skipped else None
        if self.loss_scale_factor is not None:
            for group in groups:
                group.grad.div_(self.loss_scale_factor)
        grads = [group.grad for group in groups]
        steps = self.gradient_accumulation_steps
        if steps:
            grads = [group.slots[_ACCUMULATOR].add_(group.grad) for group in groups]
        if not steps or (it + 1) % steps == 0:
            if steps:
                grads = [g.div_(steps) for g in grads]
            self._clip(grads)
            if self.weight_decay is not None:
                factor = 1.0 - self.weight_decay * lr
                for group in groups:
                    if group.decay is not None:
                        group.decay.mul_(factor)
            scalars = self._step_scalars(lr, self._steps_done() + 1)
            for group, grad in zip(groups, grads):
                self._update_group(group, grad, scalars)
            if steps:
                for grad in grads:
                    grad.zero_()
        if saved:
            for view, copy in saved:
                view.copy_(copy)
        for p, constraint in self._constraints:
            p.copy_(constraint(p))
        if self.use_ema:
            self._update_average()
        self._iterations = it + 1

    def _snapshot(self, skipped: list[int]) -> list[tuple[torch.Tensor, torch.Tensor]]:
        names = [name for name, _ in self._slot_specs()]
        saved = []
        for i in skipped:
            group, j = self._where[i]
            for buf in [group.param] + [group.slots[name] for name in names]:
                view = group.view(buf, j)
                saved.append((view, view.clone()))
        return saved

    def _clip(self, grads: list[torch.Tensor]) -> None:
        if self.clipnorm and self.clipnorm > 0:
            clip = self.clipnorm
            for group, grad in zip(self._groups, grads):
                norms = torch.stack(torch._foreach_norm(group.views(grad)))
                scale = clip / torch.clamp(norms, min=clip)
                grad.mul_(torch.repeat_interleave(scale, group.counts, output_size=group.total))
        elif self.global_clipnorm and self.global_clipnorm > 0:
            clip = self.global_clipnorm
            norm = _global_norm(grads)
            # NaN/inf norms make the scale NaN, as in Keras.
            scale = torch.clamp(norm.reciprocal(), max=1.0 / clip) * clip + (norm - norm)
            for grad in grads:
                grad.mul_(scale.to(device=grad.device, dtype=grad.dtype))
        elif self.clipvalue and self.clipvalue > 0:
            for grad in grads:
                grad.clamp_(-self.clipvalue, self.clipvalue)

    def _update_average(self) -> None:
        momentum = self.ema_momentum if self._steps_done() != 0 else 0.0
        for group in self._groups:
            group.slots[_EMA].lerp_(group.param, 1.0 - momentum)
        every = self.ema_overwrite_frequency
        if every and (self._steps_done() + 1) % every == 0:
            for group in self._groups:
                group.param.copy_(group.slots[_EMA])

    @torch.no_grad()
    def swap_average(self) -> None:
        """With `use_ema`, exchange the variables and their moving average (`SwapEMAWeights`
        evaluates on the average, then swaps back).

        Raises:
            ValueError: the optimizer keeps no average (`use_ema=False`) or is not built.
        """
        if not self.use_ema or not self._groups:
            raise ValueError("SwapEMAWeights must be used when `use_ema=True` is set on the "
                             f"optimizer (and it has been built). Received: use_ema={self.use_ema}")
        self._check_layout()
        for group in self._groups:
            average = group.slots[_EMA]
            kept = group.param.clone()
            group.param.copy_(average)
            average.copy_(kept)

    @torch.no_grad()
    def set_average_to_variables(self) -> None:
        """With `use_ema`, make the moving average equal to the variables (after a swap put the
        average into the variables, so that `finalize_variable_values` keeps them)."""
        if self.use_ema:
            for group in self._groups:
                group.slots[_EMA].copy_(group.param)

    @torch.no_grad()
    def finalize_variable_values(self, var_list: Sequence[torch.Tensor] | None = None) -> None:
        """With `use_ema`, overwrite the variables with their moving average.

        Args:
            var_list: unused; the variables the optimizer was built on are finalized.
        """
        if self.use_ema:
            self._check_layout()
            for group in self._groups:
                group.param.copy_(group.slots[_EMA])

    # ----------------------------------------------------------------- state
    @property
    def variables(self) -> list[torch.Tensor]:
        """The state tensors, variable by variable (views: they change as training runs)."""
        views = []
        for group, j in self._where:
            views.extend(group.view(buf, j) for buf in group.slots.values())
        return views

    def get_state(self) -> dict[str, torch.Tensor | int | float]:
        """Everything needed to resume training bitwise-exactly.

        Returns:
            `{'iterations': int, 'learning_rate': float (when not a schedule),
            '<slot>.<i>': tensor}` where `i` indexes the variables `build` got.
        """
        state: dict[str, Any] = {"iterations": self._iterations}
        if self._lr_fn is None:
            state["learning_rate"] = self._lr_value
        for i, (group, j) in enumerate(self._where):
            for name, buf in group.slots.items():
                state[f"{name}.{i}"] = group.view(buf, j).detach().clone()
        return state

    @torch.no_grad()
    def set_state(self, state: Mapping[str, Any]) -> None:
        """Restore `get_state()`'s dict; before `build`, the tensors are loaded at build time.

        Args:
            state: the dict from `get_state()`.
        """
        if not isinstance(state, Mapping) or "iterations" not in state:
            raise ValueError(
                "state: expected the dict from get_state() with an 'iterations' entry, "
                f"received {type(state).__name__}"
            )
        if self.built:
            self._load_state(state)
        else:
            self._pending_state = dict(state)
            self._iterations = int(state["iterations"])

    def _load_state(self, state: Mapping[str, Any]) -> None:
        self._check_layout()
        expected = {f"{name}.{i}": (group, j, name)
                    for i, (group, j) in enumerate(self._where) for name in group.slots}
        given = set(state) - {"iterations", "learning_rate"}
        if given != set(expected):
            raise ValueError(
                f"state: does not match this optimizer's variables; missing "
                f"{sorted(set(expected) - given)}, unexpected {sorted(given - set(expected))}"
            )
        for key, (group, j, name) in expected.items():
            view = group.view(group.slots[name], j)
            value = torch.as_tensor(state[key])
            if value.shape != view.shape:
                raise ValueError(f"state[{key!r}]: expected shape {tuple(view.shape)}, "
                                 f"received {tuple(value.shape)}")
            view.copy_(value)
        self._iterations = int(state["iterations"])
        if "learning_rate" in state and self._lr_fn is None:
            self._lr_value = float(state["learning_rate"])


def _step_function(fn: Callable) -> Callable[[int], Any]:
    try:
        takes_step = bool(inspect.signature(fn).parameters)
    except (TypeError, ValueError):
        takes_step = True
    return fn if takes_step else (lambda step: fn())
