"""`Trainer`: compile, fit, evaluate and predict — the Keras training loop on PyTorch.

`Model` inherits these methods. The loop is split into a data adapter (data_adapter.py), a
CallbackList, a short `train_step` and a `fit` that reads top to bottom. Losses and metrics
accumulate on the device; nothing syncs with the host inside an epoch unless a callback asks for
a value.

Example:
    >>> model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
    ...               metrics=["accuracy"])
    >>> history = model.fit(x_train, y_train, epochs=5, validation_split=0.1)
    >>> model.evaluate(x_test, y_test)
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

import torch

from deepfit import backend, distribute, mixed_precision, optimizers, tree
from deepfit.backend.grad_mode import without_grad
from deepfit.callbacks import CallbackList
from deepfit.distribute import training as distribute_training
from deepfit.layers import tracking
from deepfit.trainer import (
    batch_checks,
    compiled_step,
    data_adapter,
    execution,
    fused_dense,
    nan_guard,
    profiler,
    runtime,
    signals,
    user_loss,
    validation,
)
from deepfit.trainer.compile_utils import CompileLoss, CompileMetrics, waits_for_outputs
from deepfit.trainer.data_adapter import (
    ArrayBatches,
    EpochIterator,
    IterableBatches,
    unpack_x_y_sample_weight,
)
from deepfit.trainer.evaluation import EvaluationMethods, _as_data, _batch_size
from deepfit.trainer.logs import LazyLogs, flat_step_logs, floats
from deepfit.trainer.preparation import Preparation, first_pass
from deepfit.trainer.state import TrainerState, layer_states_kept


class Trainer(EvaluationMethods):
    """The training methods of `Model`: compile, fit, evaluate, predict and the batch variants."""

    def _init_trainer(self) -> None:
        self.compiled = False
        self.optimizer: Any = None
        self.compiled_loss: CompileLoss | None = None
        self.compiled_metrics: CompileMetrics | None = None
        self.loss: Any = None  # compile's `loss` argument (None before compile, as in Keras)
        self.stop_training = False
        self.history: Any = None
        self._compile_config: dict[str, Any] | None = None
        self.steps_per_execution = 1  # batches per execution (see deepfit.trainer.execution)
        self.jit_compile = False  # compile's jit_compile, resolved (see .compiled_step)
        self.__dict__["_trainer_state"] = None  # a TrainerState from compile on

    # ================================================================= compile
    def compile(
        self,
        optimizer: Any = "rmsprop",
        loss: Any = None,
        metrics: Any = None,
        loss_weights: Any = None,
        weighted_metrics: Any = None,
        run_eagerly: bool = False,
        steps_per_execution: int = 1,
        jit_compile: Any = "auto",
        auto_scale_loss: bool = True,
    ) -> None:
        """Configure the model for training.

        Args:
            optimizer: a name ('adam', 'sgd', ...), a config dict or an Optimizer.
            loss: a loss name, object or callable `(y_true, y_pred)`; a list or dict for
                several outputs.
            metrics: metric names or objects ('accuracy' is resolved from the label shapes).
            loss_weights: scalar weights for the losses of several outputs.
            weighted_metrics: metrics that take `sample_weight`/`class_weight` into account.
            run_eagerly: accepted for Keras compatibility (deepfit's steps run eagerly
                unless `jit_compile=True`).
            steps_per_execution: batches per execution, as in Keras: the batch-level
                callbacks and the progress bar see every N-th batch (with the logs of the
                last one); every batch is still one optimizer step.
            jit_compile: True to run the training step's forward pass through
                `torch.compile` (falling back to eager, with one warning, when it cannot
                compile); "auto" (the default) and False run eagerly — compiling was not
                faster on CPU (benchmarks/NOTES.md).
            auto_scale_loss: accepted for Keras compatibility (mixed_float16 scales the loss).

        Example:
            >>> model.compile(optimizer="adam", loss="mse", metrics=["mae"])
        """
        per_execution = execution.check_steps_per_execution(steps_per_execution)
        compiled_steps = compiled_step.resolve_jit_compile(jit_compile, run_eagerly)
        resolved_optimizer = optimizers.get(optimizer)
        # A subclassed model's outputs are known on its first call: per-output arguments wait.
        deferred = waits_for_outputs(self, loss, loss_weights)
        compiled_loss = (CompileLoss(loss, loss_weights, self.output_names)
                         if loss is not None and not deferred else None)
        self.optimizer = resolved_optimizer
        self.compiled_loss = compiled_loss
        self.compiled_metrics = CompileMetrics(metrics, weighted_metrics, self.output_names)
        self.loss = loss
        self.steps_per_execution = per_execution
        self.jit_compile = compiled_steps
        self.__dict__["_trainer_state"] = None
        self._compile_config = {
            "optimizer": optimizer if isinstance(optimizer, str) else None,
            "loss": loss, "metrics": metrics, "loss_weights": loss_weights,
            "weighted_metrics": weighted_metrics, "run_eagerly": run_eagerly,
            "steps_per_execution": steps_per_execution, "jit_compile": jit_compile,
        }
        self.compiled = True
        state = self.__dict__["_trainer_state"] = TrainerState(self)
        state.deferred_compile = (loss, loss_weights, metrics, weighted_metrics) if deferred else (
            None)

    @property
    def metrics(self) -> list[Any]:
        """As Keras 3 lists them: once compiled, the loss tracker ('loss'), the compiled
        metrics as one `CompileMetrics` ('compile_metrics', when compile was given metrics;
        its `.metrics` are the metric objects, from the first batch on) and each output's loss
        tracker for several outputs (from the first batch on); then the metrics kept in the
        model's attributes and its layers' (not those of nested models)."""
        found: list[Any] = []
        state = self._trainer_state
        if self.compiled and state is not None:
            found.append(state.loss_tracker)
            if self.compiled_metrics is not None and self.compiled_metrics.configured:
                found.append(self.compiled_metrics)
            if self.compiled_loss is not None:
                found += self.compiled_loss.metrics
        if tracking.metrics_seen:
            found += tracking.own_metrics(self)
            found += [metric for layer in self._flatten_layers()[1:]
                      if not isinstance(layer, Trainer) for metric in tracking.own_metrics(layer)]
        return found

    def _leaf_metrics(self) -> list[Any]:
        """`metrics` with the compiled metrics' own metrics in place of their container (the
        objects that hold state: to save, restore or sum over processes)."""
        return [leaf for metric in self.metrics
                for leaf in (metric.metrics if isinstance(metric, CompileMetrics) else [metric])]

    def _in_keras_order(self, logs: Mapping[str, Any]) -> list[Any]:
        """Log values as a list, as Keras's evaluate/train_on_batch return them: the values of
        the names of `metrics` (the compiled metrics' own names, unprefixed) in that order,
        then every other key sorted. A name two metrics share gives its value once (Keras
        repeats it: docs/differences.md)."""
        names: dict[str, None] = {}
        for metric in self.metrics:
            if isinstance(metric, CompileMetrics):
                names.update(dict.fromkeys(inner.name for inner in metric.metrics))
            else:
                names[metric.name] = None
        ordered = [logs[name] for name in names if name in logs]
        return ordered + [logs[key] for key in sorted(logs) if key not in names]

    @property
    def metrics_names(self) -> list[str]:
        """The names of `metrics` ('loss', 'compile_metrics', ...), as in Keras 3."""
        return [metric.name for metric in self.metrics]

    def reset_metrics(self) -> None:
        """Reset every metric of `metrics`."""
        for metric in self.metrics:
            metric.reset_state()

    # ================================================================= fit
    def fit(
        self,
        x: Any = None,
        y: Any = None,
        batch_size: int | None = None,
        epochs: int = 1,
        verbose: Any = "auto",
        callbacks: list[Any] | None = None,
        validation_split: float = 0.0,
        validation_data: Any = None,
        shuffle: bool | str = True,
        class_weight: Mapping[int, float] | None = None,
        sample_weight: Any = None,
        initial_epoch: int = 0,
        steps_per_epoch: int | None = None,
        validation_steps: int | None = None,
        validation_batch_size: int | None = None,
        validation_freq: int = 1,
        learning_rate: float | None = None,
        checks: bool = True,
        debug_nan: bool = False,
        profile: bool = False,
    ) -> Any:
        """Train the model for `epochs` epochs.

        Args:
            x: inputs — arrays, tensors, a list/dict of them, a Dataset, a DataLoader or an
                iterable of `(x, y[, sample_weight])` batches.
            y: targets, when `x` is an array.
            batch_size: samples per step (default 32); not for datasets, which batch themselves.
            epochs: the index of the last epoch (counting from `initial_epoch`).
            verbose: 'auto' or 1 — progress bar; 2 — one line per epoch; 0 — silent.
            callbacks: `deepfit.callbacks.Callback` objects.
            validation_split: the fraction of the arrays, taken from the end before shuffling,
                to validate on.
            validation_data: `(x_val, y_val[, sample_weight])` or a dataset.
            shuffle: shuffle the arrays before each epoch (True, False or 'batch').
            class_weight: class index → weight for the loss.
            sample_weight: one weight per sample.
            initial_epoch: the epoch to start from (to resume a run).
            steps_per_epoch: batches per epoch (default: the whole data).
            validation_steps, validation_batch_size, validation_freq: as in Keras.
            learning_rate: deepfit's own: set the optimizer's learning rate from this fit on.
            checks: run the pre-flight checks for common mistakes (see deepfit.insight).
            debug_nan: deepfit's own: on the first NaN/inf loss, replay that batch layer by
                layer, raise `NonFiniteLossError` naming the layer that produced it, and leave
                the weights at the last good step (costs a copy of the weights per step).
            profile: deepfit's own: time data loading, forward, backward, optimizer,
                callbacks and validation, print a verdict on what limits speed and keep the
                report as `history.profile` (see `deepfit.trainer.profiler`).

        Returns:
            A `History` whose `.history` maps 'loss', each metric and 'val_' + each to lists
            of per-epoch values.

        Example:
            >>> history = model.fit(x, y, epochs=10, batch_size=32, validation_split=0.1)
        """
        self._require_compiled("fit")
        validation.check_fit_arguments(
            batch_size=batch_size, epochs=epochs, validation_split=validation_split,
            initial_epoch=initial_epoch, validation_freq=validation_freq,
            steps_per_epoch=steps_per_epoch, validation_steps=validation_steps,
            validation_batch_size=validation_batch_size, learning_rate=learning_rate,
            shuffle=shuffle,
        )
        validation.check_verbose(verbose)
        validation.check_class_weight(class_weight)
        validation.check_validation_arity(validation_data)
        epochs = validation.capped_epochs(epochs)
        device = self._device()
        train_batches, val_batches = self._fit_data(
            x, y, sample_weight, class_weight, batch_size, shuffle, validation_split,
            validation_data, validation_batch_size, device,
        )
        with layer_states_kept(self):
            prepared = self._prepare(train_batches, val_batches)  # the one forward pass
            if checks:
                self._preflight(train_batches, val_batches, learning_rate, prepared.y_pred)
        if learning_rate is not None:
            self.optimizer.learning_rate = float(learning_rate)

        per_execution = execution.check_steps_per_execution(self.steps_per_execution)
        epoch_iterator = EpochIterator(train_batches, steps_per_epoch, per_execution)
        val_iterator = None if val_batches is None else EpochIterator(
            val_batches, validation_steps, per_execution)
        callback_list = self._callback_list(callbacks, verbose, epochs, epoch_iterator.steps)
        state = self._trainer_state
        state.nan_guard = nan_guard.guard_for(self, callback_list.callbacks, debug_nan)
        if not isinstance(profile, bool):
            raise TypeError(f"profile: expected True or False, received {profile!r}")
        state.profiler = profiler.Profiler() if profile else None
        from deepfit.insight.record import record_run  # baseline, summary, hyper-parameters

        with layer_states_kept(self):
            record_run(self, callback_list, train_batches, val_batches, prepared.y_pred)
            flops = self._flops_per_step(prepared)
        try:
            with signals.stop_on_signals(self), runtime.training_runtime(
                    flops, device, state.thread_tuners) as tuner:
                self._train_epochs(epoch_iterator, val_iterator, callback_list, initial_epoch,
                                   epochs, validation_freq, tuner)
        except BaseException:
            self._release_distributed(wait=False)  # the error, not a barrier timeout, surfaces
            raise
        self._release_distributed(wait=True)
        signals.raise_if_preempted(self, callback_list.callbacks, *state.stopped_at)
        if state.profiler is not None:
            profiler.publish(state.profiler, self.history)
        return self.history

    def _release_distributed(self, wait: bool) -> None:
        """End a distributed fit with every process in step and no DDP wrapper left holding
        communication work (gloo can abort at exit while such work is alive)."""
        if not self._trainer_state.release():
            return
        if wait:
            distribute_training.finish()

    def _train_epochs(self, epoch_iterator: EpochIterator, val_iterator: EpochIterator | None,
                      callback_list: CallbackList, initial_epoch: int, epochs: int,
                      validation_freq: Any, tuner: runtime.ThreadTuner | None = None) -> None:
        state = self._trainer_state
        step_fn = self._select_train_step()
        guard = state.nan_guard
        if guard is not None:
            step_fn = guard.wrap(step_fn)
        if tuner is not None:
            step_fn = tuner.wrap(step_fn)
        timing = state.profiler
        evaluate_epoch = self._evaluate_epoch
        batches: Any = epoch_iterator
        if timing is not None:
            step_fn = timing.wrap_step(step_fn, self)
            callback_list = timing.timed_callbacks(callback_list)
            evaluate_epoch = timing.timed("validation", evaluate_epoch)
        self.stop_training = False
        state.interrupted = False
        callback_list.on_train_begin()
        initial_epoch = self._resume(callback_list, epoch_iterator, initial_epoch)
        training_logs: dict[str, Any] = {}
        distributed = distribute.current() is not None
        per_execution = epoch_iterator.steps_per_execution
        state.stopped_at = (initial_epoch, 0)
        for epoch in range(initial_epoch, epochs):
            self.reset_metrics()
            if guard is not None:
                guard.new_epoch(epoch)
            callback_list.on_epoch_begin(epoch)
            step_logs: Any = state.lazy_logs
            if timing is not None:
                batches = timing.timed_batches(epoch_iterator)
            if per_execution > 1:
                step_logs = execution.train_epoch(
                    self, batches, per_execution, step_fn, callback_list, epoch,
                    signals.agree_to_stop if distributed else None)
            else:
                for step, batch in batches:
                    callback_list.on_train_batch_begin(step)
                    step_logs = step_fn(batch)
                    callback_list.on_train_batch_end(step, step_logs)
                    if distributed:
                        signals.agree_to_stop(self)
                    if self.stop_training or state.interrupted:
                        state.stopped_at = (epoch, step + 1)
                        break
            if state.interrupted:  # Ctrl-C or preemption: no partial epoch in the History
                break
            training_logs = self._epoch_logs(step_logs)
            if val_iterator is not None and _should_validate(epoch, validation_freq):
                callback_list.on_test_begin()
                val_logs = evaluate_epoch(val_iterator, callback_list)
                callback_list.on_test_end(val_logs)
                training_logs.update({f"val_{k}": v for k, v in val_logs.items()})
            callback_list.on_epoch_end(epoch, training_logs)
            state.stopped_at = (epoch + 1, 0)
            if self.stop_training or state.interrupted:
                break
        finalize = getattr(self.optimizer, "finalize_variable_values", None)
        if finalize is not None and epochs > 0:  # Keras: the EMA weights replace the raw ones
            finalize(self.trainable_weights)
        callback_list.on_train_end(training_logs)

    def _resume(self, callback_list: CallbackList, epoch_iterator: EpochIterator,
                initial_epoch: int) -> int:
        """The epoch to start with: where a restored backup says (a callback's
        `resume_state(epoch_iterator)` returning epoch, steps done, data order and History),
        else `initial_epoch`. Every such callback gets the iterator, to record the data order."""
        found = None
        for callback in callback_list.callbacks:
            ask = getattr(callback, "resume_state", None)
            state = ask(epoch_iterator) if callable(ask) else None
            found = found or state
        if found is None:
            return initial_epoch
        epoch_iterator.start_at(found.step, found.order,
                                getattr(found, "shuffle_passes", None))
        if self.history is not None:
            self.history.history, self.history.epoch = found.history, list(found.epochs)
        return found.epoch

    def _select_train_step(self) -> Any:
        # Steps run library-internally: the model's outputs stay plain torch tensors.
        if type(self).train_step is not Trainer.train_step:
            return backend.internal_step(
                lambda batch: flat_step_logs(self.train_step(_as_data(batch))))
        return backend.internal_step(self._default_train_step)

    def _default_train_step(self, batch: tuple) -> LazyLogs:
        state = self._trainer_state
        if state.fused is not None and state.fused(batch):  # Dense chains: no autograd
            return state.lazy_logs
        x, y, sample_weight = batch
        self.optimizer.zero_grad()
        with mixed_precision.autocast(state.step_device):
            y_pred = state.step_module(x, training=True)
            loss = user_loss.step_loss(self, x, y, y_pred, sample_weight, training=True)
        if loss.requires_grad and self._backward(loss, _batch_size(x)):  # else: all frozen
            self.optimizer.step()
            if state.constrained:
                self._apply_constraints()
        state.loss_tracker.update_state(loss, _batch_size(x))
        self._update_metrics(y, y_pred, sample_weight)
        return state.lazy_logs

    def _backward(self, loss: torch.Tensor, local_batch: int) -> bool:
        """Backpropagate — weighted by this process's share of the global batch when
        distributed, scaled when float16 needs it — and say whether the step may be applied."""
        state = self._trainer_state
        if state.distributed is not None:
            share = distribute_training.loss_share(local_batch, state.sharded.current_global,
                                                   state.distributed)
            loss = loss if share == 1.0 else loss * share
        if getattr(self.optimizer, "_scales_loss", False):  # as Keras's train_step
            loss = self.optimizer.scale_loss(loss)
        if state.loss_scaler is None:
            loss.backward()
            return True
        (loss * state.loss_scaler.scale).backward()
        return state.loss_scaler.unscale_and_check(
            [w.grad for w in self.trainable_weights if w.grad is not None])

    def train_step(self, data: Any) -> dict[str, Any]:
        """One optimization step on one batch; override to customize training (as in Keras).

        Args:
            data: the batch, `(x, y)` or `(x, y, sample_weight)`.

        Returns:
            The metric results (a dict of 0-d tensors).
        """
        x, y, sample_weight = unpack_x_y_sample_weight(data)
        self._ready_for_steps("train_step", x, y, sample_weight)
        self._default_train_step((x, y, sample_weight))
        return self.get_metrics_result()

    def compute_loss(self, x: Any = None, y: Any = None, y_pred: Any = None,
                     sample_weight: Any = None, training: bool = True) -> torch.Tensor:
        """The compiled loss plus regularization and `add_loss` penalties (Keras's rule).

        Args:
            x: the inputs (unused by the default rule).
            y: the targets.
            y_pred: the model's outputs.
            sample_weight: optional per-sample weights.
            training: whether this is a training step.

        Returns:
            The scalar loss tensor.
        """
        return self._total_loss(y, y_pred, sample_weight)

    def _total_loss(self, y: Any, y_pred: Any, sample_weight: Any) -> torch.Tensor:
        # Keras's rule: the compiled loss plus each of `model.losses` summed to a scalar.
        loss = None if self.compiled_loss is None else self.compiled_loss(y, y_pred,
                                                                          sample_weight)
        if self._trainer_state.may_have_losses or self._last_call_losses:
            for penalty in self.losses:
                penalty = penalty.float().sum()
                loss = penalty if loss is None else loss + penalty
        if loss is None:  # compiled without a loss and no add_loss either
            raise ValueError("No loss to compute: pass `loss=` to compile() (or add losses "
                             "with add_loss() in call(), or override train_step)")
        return loss

    def compute_metrics(self, x: Any, y: Any, y_pred: Any,
                        sample_weight: Any = None) -> dict[str, torch.Tensor]:
        """Update the compiled metrics with one batch and return all results (Keras's API)."""
        self._update_metrics(y, y_pred, sample_weight)
        return self.get_metrics_result()

    def _update_metrics(self, y: Any, y_pred: Any, sample_weight: Any) -> None:
        if self._trainer_state.has_metrics:
            self._update_compiled_metrics(y, y_pred, sample_weight)

    @without_grad
    def _update_compiled_metrics(self, y: Any, y_pred: Any, sample_weight: Any) -> None:
        pairs = self.compiled_loss.flat_targets(y, y_pred) if self.compiled_loss else (
            [(y, y_pred)])
        self.compiled_metrics.update_pairs(pairs, sample_weight)

    def get_metrics_result(self) -> dict[str, torch.Tensor]:
        """Each metric's current result by name, a metric whose result is a dict (the compiled
        metrics) giving its entries (values stay on the device).

        Returns:
            `{'loss': ..., 'accuracy': ...}`.
        """
        found: dict[str, Any] = {}
        for metric in self.metrics:
            result = metric.result()
            if isinstance(result, Mapping):
                found.update(result)
            else:
                found[metric.name] = result
        return found

    def _epoch_logs(self, step_logs: Any) -> dict[str, Any]:
        """The logs of an epoch as Keras makes them: the metrics' results, or a custom step's
        last logs when their keys differ from those (nested dicts stay nested until the
        callbacks flatten them), as Python numbers."""
        # Library-internal: metric results stay plain tensors (an eager tensor's TensorFlow
        # manners cost ~5 us an op, a fifth of a tiny model's epoch).
        with backend.internal():
            distributed = self._trainer_state.distributed
            if distributed is not None and isinstance(step_logs, LazyLogs):
                distribute_training.all_reduce_metrics(self._leaf_metrics(), distributed)
            if isinstance(step_logs, LazyLogs):
                return floats(step_logs)
            step_logs = getattr(step_logs, "nested", step_logs)
            results = self.get_metrics_result()
            if isinstance(step_logs, Mapping) and set(step_logs) == set(results):
                return floats(results)
            return floats(step_logs) if isinstance(step_logs, Mapping) else step_logs

    # ================================================================= preparation
    def _require_compiled(self, method: str) -> None:
        if not self.compiled or self._trainer_state is None:
            raise RuntimeError(f"You must call compile() before {method}(): e.g. "
                               f"model.compile(optimizer='adam', loss='mse')")

    def _fit_data(self, x, y, sample_weight, class_weight, batch_size, shuffle,
                  validation_split, validation_data, validation_batch_size, device):
        """Training and validation batches, with the validation split taken before shuffling."""
        if validation_split and validation_data is None:
            if not data_adapter.is_array(x):
                raise ValueError("validation_split is only supported for arrays and tensors; "
                                 "for a dataset, pass validation_data instead")
            x, y, sample_weight = (data_adapter.structure_to_tensors(v, device, name)
                                   if v is not None else None
                                   for v, name in zip((x, y, sample_weight), _DATA_NAMES))
            validation.check_lengths(x, y, sample_weight)
            total = data_adapter.num_samples(x)
            split_at = int(math.floor(total * (1.0 - validation_split)))
            if split_at == 0 or split_at == total:
                raise ValueError(f"validation_split={validation_split} leaves an empty training "
                                 f"or validation set for {total} samples")
            head, tail = slice(0, split_at), slice(split_at, total)
            validation_data = tuple(data_adapter.take(v, tail) for v in (x, y, sample_weight)
                                    if v is not None)
            x, y, sample_weight = (data_adapter.take(v, head) if v is not None else None
                                   for v in (x, y, sample_weight))
        train = self._batches(x, y, sample_weight, batch_size or 32, shuffle, device,
                              class_weight)
        val = None
        if validation_data is not None:
            if isinstance(validation_data, (tuple, list)) and len(validation_data) in (2, 3):
                vx, vy, vw = unpack_x_y_sample_weight(tuple(validation_data))
            else:
                vx, vy, vw = validation_data, None, None
            val = self._batches(vx, vy, vw, validation_batch_size or batch_size or 32, False,
                                device, prefix="validation_data ")
        return train, val

    def _batches(self, x, y, sample_weight, batch_size, shuffle, device,
                 class_weight=None, check_values=True, prefix="", finite=True
                 ) -> ArrayBatches | IterableBatches:
        if x is None:
            raise ValueError("x is required: pass input arrays or a dataset")
        if not data_adapter.is_array(x):
            if y is not None:
                raise ValueError("y must not be given when x is a dataset, generator or "
                                 "DataLoader (the targets come from the dataset's batches)")
            return IterableBatches(x, device, class_weight, shard=distribute.current())
        x, y, sample_weight = (data_adapter.structure_to_tensors(v, device, name)
                               if v is not None else None
                               for v, name in zip((x, y, sample_weight), _DATA_NAMES))
        if sample_weight is not None:
            sample_weight = tree.map_structure(lambda w: w.float(), sample_weight)
        validation.check_lengths(x, y, sample_weight)
        if check_values:
            if finite:
                validation.check_finite(x, y, prefix)
            validation.check_sample_weight(sample_weight, y, f"{prefix}sample_weight")
        if class_weight is not None and y is not None:
            sample_weight = data_adapter.combine_class_weight(y, sample_weight, class_weight)
        size = batch_size or data_adapter.num_samples(x)
        return ArrayBatches(x, y, sample_weight, batch_size=size, shuffle=shuffle,
                            shard=distribute.current())

    def _prepare(self, batches: ArrayBatches | IterableBatches,
                 val_batches: ArrayBatches | IterableBatches | None = None,
                 finite: bool = True) -> Preparation:
        """Build the model, optimizer and metrics on the first batch and check the targets (and
        the validation data's) — everything that can reject the data happens here, before any
        weight changes. The model runs once, here; what that pass gave is returned.
        `finite=False` (evaluation) lets NaN/inf in x and y through: the results are NaN, as
        in Keras."""
        first = batches.first_batch()
        x, y, sample_weight = first
        validation.check_text_inputs(x, self._declared_input_dtypes(x))
        if isinstance(batches, IterableBatches) and finite:
            validation.check_finite(x, y)
        if isinstance(batches, IterableBatches):
            validation.check_sample_weight(sample_weight, y)
        callless = _without_call(self)
        if callless:  # only a custom train_step (Keras's GAN): nothing to call or check
            self.built = True
            prepared = Preparation(x, y, sample_weight)
        else:
            prepared = first_pass(self, first)  # builds the model on its first call
            y_pred = prepared.y_pred
            self._compile_for_outputs(y_pred)
        if callless:
            pass
        elif self.compiled_loss is not None and y is not None:
            pairs = self.compiled_loss.flat_targets(y, y_pred)
            whole_y = getattr(batches, "y", None)
            whole = self.compiled_loss.flat_targets(whole_y, y_pred) if whole_y is not None else (
                pairs)
            validation.check_targets(self.compiled_loss.losses, whole, self.output_names)
            if val_batches is not None:
                self._check_validation_data(val_batches, x, y_pred)
            for source in (batches, val_batches):
                if isinstance(source, IterableBatches):
                    source.monitor = batch_checks.BatchMonitor(validation.sparse_classes(
                        self.compiled_loss.losses, pairs), data=finite or source is val_batches)
            if not self.compiled_metrics.built:
                self.compiled_metrics.build(pairs)
            self.compiled_loss.built = True
        elif self.compiled_metrics is not None and not self.compiled_metrics.built and (
            y is not None
        ):
            self.compiled_metrics.build([(y, y_pred)])
        if self.optimizer is not None:
            self.optimizer.build(self.trainable_weights)
        state = self._trainer_state
        state.sync()
        state.attach(batches)
        state.fused = fused_dense.plan(self)
        compiled_step.attach(self)
        state.ready = True
        return prepared

    def _compile_for_outputs(self, y_pred: Any) -> None:
        """Resolve compile's per-output arguments of a subclassed model now that its outputs
        are known, named as Keras names them (by the dict's keys; a tuple's outputs have no
        names: their loss trackers are named by the loss, their metrics plainly)."""
        deferred = self._trainer_state.deferred_compile
        if deferred is None:
            return
        loss, loss_weights, metrics, weighted_metrics = deferred
        named = not isinstance(y_pred, (list, tuple))
        if isinstance(y_pred, dict):  # in Keras's flattening order: sorted keys
            names = list(y_pred) if isinstance(y_pred, OrderedDict) else sorted(y_pred)
        elif isinstance(y_pred, (list, tuple)):
            names = [f"output_{index + 1}" for index in range(len(y_pred))]
        else:
            names = self.output_names
        self.compiled_loss = (CompileLoss(loss, loss_weights, names, named)
                              if loss is not None else None)
        self.compiled_metrics = CompileMetrics(metrics, weighted_metrics, names, named)
        self._trainer_state.deferred_compile = None

    def _ready_for_steps(self, method: str, x: Any, y: Any, sample_weight: Any) -> None:
        """Prepare on this batch when a step is called before fit/evaluate prepared (Keras
        builds the model, metrics and optimizer on the first step the same way)."""
        self._require_compiled(method)
        if not self._trainer_state.ready:
            self._prepare(self._batches(x, y, sample_weight, None, False, self._device()))

    def _declared_input_dtypes(self, x: Any = None) -> list[Any] | None:
        """The dtypes of the model's declared inputs (Input layers), or None if undeclared;
        for a dict `x`, in the order of its keys (matched to the inputs by name, as the model
        reads them), or None when its keys are not the inputs' names."""
        tensors = getattr(self, "_input_tensors", None)
        if tensors and isinstance(x, dict):
            struct = getattr(self, "_inputs_struct", None)
            names = list(struct) if isinstance(struct, dict) else [
                layer.name for layer in getattr(self, "_input_layers", ())]
            by_name = dict(zip(names, (t.dtype for t in tensors)))
            if set(x) != set(by_name) or any(isinstance(v, (dict, list, tuple))
                                             for v in x.values()):
                return None
            return [by_name[key] for key in x]
        if tensors:
            return [t.dtype for t in tensors]
        layer = getattr(self, "_input_layer", None)
        return None if layer is None else [layer.input_dtype]

    def _check_validation_data(self, val_batches: Any, train_x: Any, y_pred: Any) -> None:
        """Validation data that would fail (or mislead) only after a full epoch of training:
        its feature shapes and label ranges, checked against the model before the first step."""
        vx, vy, vw = val_batches.first_batch()
        if isinstance(val_batches, IterableBatches):
            validation.check_finite(vx, vy, "validation_data ")
            validation.check_sample_weight(vw, vy, "validation_data sample_weight")
        inputs = getattr(self, "_input_tensors", None)
        shapes = [tuple(t.shape) for t in inputs] if inputs else None
        validation.check_same_features(train_x, vx, shapes)
        whole_y = getattr(val_batches, "y", None)
        whole_y = vy if whole_y is None else whole_y
        if whole_y is not None:
            pairs = self.compiled_loss.flat_targets(whole_y, y_pred)
            validation.check_targets(self.compiled_loss.losses, pairs, self.output_names,
                                     argument="validation_data")

    def _ensure_built(self, x: Any) -> None:
        if not self.built and _without_call(self):
            # A model that only composes built models in its train_step (Keras's GAN): its
            # sublayers are its weights, there is nothing to call.
            self.built = True
            return
        if not self.built or not self.weights:
            with layer_states_kept(self), torch.no_grad():  # a stateful RNN keeps its state
                self(x, training=False)

    def _flops_per_step(self, prepared: Preparation) -> float:
        x = prepared.x
        if _without_call(self):
            return 0.0
        per_sample = prepared.flops_per_sample
        if per_sample is None:  # layers made during the first call: count on one sample
            per_sample = runtime.estimate_flops_per_sample(self, data_adapter.take(x, slice(0, 1)))
        return runtime.training_step_flops(per_sample, _batch_size(x))

    def _preflight(self, train_batches: Any, val_batches: Any, learning_rate: Any,
                   y_pred: Any) -> None:
        try:
            from deepfit.insight import preflight
        except ImportError:
            return
        preflight.run(self, train_batches, val_batches, learning_rate, y_pred=y_pred)

    def _callback_list(self, callbacks: list[Any] | None, verbose: Any, epochs: int,
                       steps: int | None, history: bool = True, mode: str = "train"
                       ) -> CallbackList:
        verbose = 1 if verbose == "auto" else int(verbose)
        if not distribute.is_chief():
            verbose = 0
        if isinstance(callbacks, CallbackList):
            return callbacks
        return CallbackList(callbacks, add_history=history, add_progbar=verbose != 0,
                            model=self, verbose=verbose, epochs=epochs, steps=steps)


def prepared_batch(model: Any, x: Any, y: Any = None, sample_weight: Any = None) -> tuple:
    """One batch as the training step takes it, with `model` prepared on it — the entry point
    for tools that run single steps (deepfit.insight's explain_step).

    Args:
        model: a compiled model.
        x, y, sample_weight: one batch (arrays or tensors).

    Returns:
        `(x, y, sample_weight)` as tensors on the model's device.
    """
    model._require_compiled("explain_step")
    batches = model._batches(x, y, sample_weight, None, False, model._device())
    model._prepare(batches)
    return batches.first_batch()


def run_train_step(model: Any, batch: tuple) -> Any:
    """One training step on a prepared batch, exactly as fit would run it (the model's own
    train_step when overridden); returns the step's logs."""
    return model._select_train_step()(batch)


_DATA_NAMES = ("x", "y", "sample_weight")


def _should_validate(epoch: int, validation_freq: Any) -> bool:
    if isinstance(validation_freq, int):
        return (epoch + 1) % validation_freq == 0
    return (epoch + 1) in validation_freq


def _without_call(model: Any) -> bool:
    """A subclassed model that defines no `call` and whose sublayers are all built."""
    from deepfit.layers.layer import Layer

    sublayers = [m for m in model.modules() if m is not model and isinstance(m, Layer)]
    return type(model).call is Layer.call and bool(sublayers) and all(
        layer.built for layer in sublayers)

