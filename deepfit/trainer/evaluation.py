"""evaluate, predict and the single-batch methods of `Model` (a part of `Trainer`, kept apart
so each file reads on its own).

Example:
    >>> loss, accuracy = model.evaluate(x_test, y_test)
    >>> probabilities = model.predict(x_test)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import torch

from deepfit import backend, tree
from deepfit.callbacks import CallbackList
from deepfit.callbacks.logs import flatten_logs
from deepfit.trainer import data_adapter, execution, runtime, user_loss, validation
from deepfit.trainer.data_adapter import EpochIterator, unpack_x_y_sample_weight
from deepfit.trainer.logs import LazyLogs, flat_step_logs, floats


class EvaluationMethods:
    """evaluate/predict/test_step/predict_step and train/test/predict_on_batch; the rest of
    the training system (`_batches`, `_prepare`, `_total_loss`, ...) comes from `Trainer`."""

    def evaluate(self, x: Any = None, y: Any = None, batch_size: int | None = None,
                 verbose: Any = "auto", sample_weight: Any = None, steps: int | None = None,
                 callbacks: list[Any] | None = None, return_dict: bool = False) -> Any:
        """The loss and metrics on the given data.

        Args:
            x, y, sample_weight: as in `fit`.
            batch_size: samples per batch (default 32).
            verbose: 0 silent, 1 progress bar, 2 one line.
            steps: stop after this many batches.
            callbacks: callbacks receiving the test hooks.
            return_dict: return `{name: value}` instead of a list.

        Returns:
            The loss alone when there are no metrics, else `[loss, *metrics]` (or a dict).

        Example:
            >>> loss, accuracy = model.evaluate(x_test, y_test)
        """
        self._require_compiled("evaluate")
        validation.check_verbose(verbose)
        validation.check_positive_int("batch_size", batch_size)
        validation.check_positive_int("steps", steps)
        # NaN/inf in x or y give NaN results, as in Keras (nothing is trained on them).
        batches = self._batches(x, y, sample_weight, batch_size or 32, False, self._device(),
                                finite=False)
        prepared = self._prepare(batches, finite=False)
        iterator = EpochIterator(batches, steps, self._steps_per_execution())
        callback_list = self._callback_list(callbacks, verbose, 1, iterator.steps,
                                            history=False, mode="test")
        callback_list.on_test_begin()
        with runtime.inference_threads(self._device()) as use_threads:
            if prepared.flops_per_sample is not None:  # counted on the preparation pass
                use_threads(self._flops_per_step(prepared))
            logs = self._evaluate_epoch(iterator, callback_list)
        callback_list.on_test_end(logs)
        if return_dict:
            return logs
        ordered = self._in_keras_order(logs)
        return ordered[0] if len(ordered) == 1 else ordered

    def _evaluate_epoch(self, iterator: EpochIterator,
                        callback_list: CallbackList | None) -> dict[str, Any]:
        self.reset_metrics()
        step_logs: Any = {}
        custom = type(self).test_step is not EvaluationMethods.test_step
        per_execution = iterator.steps_per_execution
        with torch.no_grad(), backend.internal():
            if per_execution > 1:
                step_fn = ((lambda batch: flat_step_logs(self.test_step(_as_data(batch))))
                           if custom else self._default_test_step)
                step_logs = execution.test_epoch(iterator, per_execution, step_fn,
                                                 callback_list)
                return flatten_logs(self._epoch_logs(step_logs))
            for step, batch in iterator:
                if callback_list is not None:
                    callback_list.on_test_batch_begin(step)
                step_logs = (flat_step_logs(self.test_step(_as_data(batch))) if custom
                             else self._default_test_step(batch))
                if callback_list is not None:
                    callback_list.on_test_batch_end(step, step_logs)
        return flatten_logs(self._epoch_logs(step_logs))

    def _steps_per_execution(self) -> int:
        return execution.check_steps_per_execution(getattr(self, "steps_per_execution", 1))

    def _default_test_step(self, batch: tuple) -> LazyLogs:
        x, y, sample_weight = batch
        y_pred = self(x, training=False)
        loss = user_loss.step_loss(self, x, y, y_pred, sample_weight, training=False)
        state = self._trainer_state
        state.loss_tracker.update_state(loss, _batch_size(x))
        self._update_metrics(y, y_pred, sample_weight)
        return state.lazy_logs

    def test_step(self, data: Any) -> dict[str, Any]:
        """One evaluation step on one batch; override to customize evaluation."""
        x, y, sample_weight = unpack_x_y_sample_weight(data)
        self._ready_for_steps("test_step", x, y, sample_weight)
        self._default_test_step((x, y, sample_weight))
        return self.get_metrics_result()

    def predict(self, x: Any, batch_size: int | None = None, verbose: Any = "auto",
                steps: int | None = None, callbacks: list[Any] | None = None) -> Any:
        """The model's outputs for `x`, batch by batch, as NumPy arrays.

        Args:
            x: inputs (arrays, a list/dict of arrays, a dataset or an iterable of batches;
                targets in a dataset's batches are ignored).
            batch_size: samples per batch (default 32).
            verbose: 0 silent, 1 progress bar, 2 one line.
            steps: stop after this many batches.
            callbacks: callbacks receiving the predict hooks.

        Returns:
            A NumPy array (or a list/dict of them for several outputs).

        Example:
            >>> probabilities = model.predict(x_test)
        """
        validation.check_verbose(verbose)
        validation.check_positive_int("batch_size", batch_size)
        validation.check_positive_int("steps", steps)
        # NaN inputs give NaN rows, as in Keras: predicting is not refused for them.
        batches = self._batches(x, None, None, batch_size or 32, False, self._device(),
                                check_values=False)
        first_x = batches.first_batch()[0]
        validation.check_text_inputs(first_x, self._declared_input_dtypes(first_x))
        self._ensure_built(first_x)
        per_execution = self._steps_per_execution()
        iterator = EpochIterator(batches, steps, per_execution)
        callback_list = self._callback_list(callbacks, verbose, 1, iterator.steps,
                                            history=False, mode="predict")
        callback_list.on_predict_begin()
        outputs: list[Any] = []
        custom = type(self).predict_step is not EvaluationMethods.predict_step
        run = ((lambda batch: self.predict_step(_as_data(batch))) if custom
               else (lambda batch: self(batch[0], training=False)))
        with torch.no_grad(), backend.internal(), runtime.inference_threads(
                self._device()) as use_threads:
            if per_execution > 1:
                outputs = execution.predict_batches(iterator, per_execution, run, callback_list)
                iterator = ()  # every batch is done
            counter: runtime.FlopCounter | None = runtime.FlopCounter(self)
            for step, batch in iterator:
                callback_list.on_predict_batch_begin(step)
                if counter is None:
                    batch_out = run(batch)
                else:  # the first batch's real call also measures a step's work
                    with counter:
                        batch_out = run(batch)
                    if counter.per_sample is not None:
                        use_threads(runtime.training_step_flops(counter.per_sample,
                                                                _batch_size(batch[0])))
                    counter = None
                outputs.append(batch_out)
                callback_list.on_predict_batch_end(step, {"outputs": batch_out})
        callback_list.on_predict_end()
        if not outputs:
            raise ValueError("predict: the input produced no batches")
        return _concatenate(outputs)

    def predict_step(self, data: Any) -> Any:
        """The model's outputs for one batch; override to customize predict."""
        x, _, _ = unpack_x_y_sample_weight(data)
        return self(x, training=False)

    # ================================================================= single batches
    def train_on_batch(self, x: Any, y: Any = None, sample_weight: Any = None,
                       class_weight: Mapping[int, float] | None = None,
                       return_dict: bool = False) -> Any:
        """One training step on one batch; returns the loss (and metrics) of this batch — the
        metrics are reset before the step, as in Keras."""
        self._require_compiled("train_on_batch")
        batches = self._batches(x, y, sample_weight, None, False, self._device(), class_weight)
        self._prepare(batches)
        batch = batches.first_batch()
        self.reset_metrics()
        self._select_train_step()(batch)
        return self._batch_result(return_dict)

    def test_on_batch(self, x: Any, y: Any = None, sample_weight: Any = None,
                      return_dict: bool = False) -> Any:
        """The loss (and metrics) on one batch, without updating the weights."""
        self._require_compiled("test_on_batch")
        batches = self._batches(x, y, sample_weight, None, False, self._device(), finite=False)
        self._prepare(batches, finite=False)
        self.reset_metrics()
        with torch.no_grad(), backend.internal():
            self._default_test_step(batches.first_batch())
        return self._batch_result(return_dict)

    def predict_on_batch(self, x: Any) -> Any:
        """The model's outputs for one batch, as NumPy arrays."""
        tensors = data_adapter.structure_to_tensors(x, self._device())
        self._ensure_built(tensors)
        with torch.no_grad():
            return _to_numpy(self(tensors, training=False))

    def _batch_result(self, return_dict: bool) -> Any:
        logs = flatten_logs(floats(self.get_metrics_result()))
        if return_dict:
            return logs
        values = self._in_keras_order(logs)
        return values[0] if len(values) == 1 else values


def _as_data(batch: tuple) -> tuple:
    """A batch as Keras packs it for a custom step: x alone (a tuple or list of inputs as
    (x,)), (x, y) or (x, y, sample_weight)."""
    x, y, sample_weight = batch
    if sample_weight is not None:
        return (x, y, sample_weight)
    if y is not None:
        return (x, y)
    return (x,) if isinstance(x, (list, tuple)) else x


def _batch_size(x: Any) -> int:
    if isinstance(x, torch.Tensor):
        return x.shape[0]
    return tree.first_leaf(x).shape[0]


def _to_numpy(value: Any) -> Any:
    return tree.map_structure(lambda t: t.detach().cpu().numpy(), value)


def _concatenate(outputs: list[Any]) -> Any:
    first = outputs[0]
    if isinstance(first, torch.Tensor):
        return torch.cat(outputs).cpu().numpy()
    if isinstance(first, dict):
        return {key: torch.cat([o[key] for o in outputs]).cpu().numpy() for key in first}
    if isinstance(first, (list, tuple)):
        return [torch.cat([o[i] for o in outputs]).cpu().numpy() for i in range(len(first))]
    return np.concatenate([np.asarray(o) for o in outputs])
