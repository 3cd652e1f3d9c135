"""`steps_per_execution=N`: several batches per "execution", callbacks once per execution.

Keras runs N batches inside one compiled function call and calls the batch-level callbacks
(`on_*_batch_begin/end`, the progress bar) only around it. deepfit has no compiled loop to
amortise, but it keeps the observable behaviour of the option exactly as Keras 3 (JAX and
TensorFlow backends) has it:

- an execution starts at every N-th step: `on_train_batch_begin(begin)` with `begin` in
  `0, N, 2N, ...`, and `on_train_batch_end(begin + N - 1, logs)` with the logs after its last
  batch — also when the data runs out inside it (the progress bar then reads e.g. 9/7 for a
  moment, as Keras's does);
- every batch is still one optimizer step: the weights after each batch, the epoch's History
  and the validation results are those of `steps_per_execution=1` whenever N divides the
  epoch;
- with `steps_per_epoch` not a multiple of N, Keras lets the last execution of an epoch run
  all its N batches: an epoch trains `steps_per_epoch` rounded up to a multiple of N batches
  (the data continues from there in the next epoch). deepfit does the same (see
  `EpochIterator`);
- `predict` hands `on_predict_batch_end` the outputs of the whole execution, concatenated.

`model.stop_training` set by a callback is seen after the execution, as in Keras.

Example:
    >>> model.compile(optimizer="sgd", loss="mse", steps_per_execution=4)
    >>> model.fit(x, y, batch_size=16)       # callbacks see batches 3, 7, 11, ...
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import torch


def check_steps_per_execution(value: Any) -> int:
    """`value` as a positive int, or a ValueError naming compile's argument.

    Args:
        value: compile's `steps_per_execution`.

    Returns:
        The number of batches per execution.
    """
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        hint = (" (Keras 3 has no 'auto' value for it; TF-Keras 2's tuner is not part of "
                "Keras 3)") if isinstance(value, str) else ""
        raise ValueError(f"compile(steps_per_execution=...): expected a positive int, "
                         f"received {value!r}{hint}")
    return int(value)


def executions(steps: Any, per_execution: int) -> Iterator[tuple[int, int, Iterator[Any]]]:
    """Group an epoch's `(step, batch)` pairs into executions of up to `per_execution`.

    Args:
        steps: an iterable of `(step, batch)` (an `EpochIterator`).
        per_execution: N.

    Returns:
        An iterator of `(begin, end, batches)`: Keras's callback indices `begin` and
        `begin + N - 1`, and the execution's batches (read lazily, up to N).
    """
    pairs = iter(steps)
    for begin, first in pairs:
        yield begin, begin + per_execution - 1, _batches_of(first, pairs, per_execution - 1)


def _batches_of(first: Any, pairs: Iterator[tuple[int, Any]], more: int) -> Iterator[Any]:
    yield first
    for _, (_, batch) in zip(range(more), pairs):
        yield batch


def train_epoch(model: Any, steps: Any, per_execution: int, step_fn: Callable[[Any], Any],
                callback_list: Any, epoch: int, agree_to_stop: Callable[[Any], None] | None
                ) -> Any:
    """One epoch of fit in executions of `per_execution` batches.

    Args:
        model: the model being fitted.
        steps: the epoch's `(step, batch)` pairs.
        per_execution: N.
        step_fn: the train step (one batch → logs).
        callback_list: the fit's CallbackList.
        epoch: the epoch's index (for where a stopped fit stopped).
        agree_to_stop: when distributed, the function making every process agree to stop.

    Returns:
        The logs of the last step.
    """
    state = model._trainer_state
    step_logs: Any = state.lazy_logs
    for begin, end, batches in executions(steps, per_execution):
        callback_list.on_train_batch_begin(begin)
        done = begin
        for batch in batches:
            step_logs = step_fn(batch)
            done += 1
        callback_list.on_train_batch_end(end, step_logs)
        if agree_to_stop is not None:
            agree_to_stop(model)
        if model.stop_training or state.interrupted:
            state.stopped_at = (epoch, done)
            break
    return step_logs


def test_epoch(steps: Any, per_execution: int, step_fn: Callable[[Any], Any],
               callback_list: Any) -> Any:
    """The batches of one evaluation in executions; returns the logs of the last step."""
    step_logs: Any = {}
    for begin, end, batches in executions(steps, per_execution):
        if callback_list is not None:
            callback_list.on_test_batch_begin(begin)
        for batch in batches:
            step_logs = step_fn(batch)
        if callback_list is not None:
            callback_list.on_test_batch_end(end, step_logs)
    return step_logs


def predict_batches(steps: Any, per_execution: int, step_fn: Callable[[Any], Any],
                    callback_list: Any) -> list[Any]:
    """The outputs of predict in executions: each execution's outputs concatenated, handed
    to `on_predict_batch_end` as `{"outputs": ...}` (as Keras does) and returned in order."""
    outputs: list[Any] = []
    for begin, end, batches in executions(steps, per_execution):
        callback_list.on_predict_batch_begin(begin)
        joined = concatenate_outputs([step_fn(batch) for batch in batches])
        outputs.append(joined)
        callback_list.on_predict_batch_end(end, {"outputs": joined})
    return outputs


def concatenate_outputs(outputs: list[Any]) -> Any:
    """Batch outputs (tensors, arrays, or lists/tuples/dicts of them) joined along the first
    axis, keeping their kind."""
    if len(outputs) == 1:
        return outputs[0]
    first = outputs[0]
    if isinstance(first, dict):
        return {key: concatenate_outputs([o[key] for o in outputs]) for key in first}
    if isinstance(first, (list, tuple)):
        return type(first)(concatenate_outputs([o[i] for o in outputs])
                           for i in range(len(first)))
    if isinstance(first, torch.Tensor):
        return torch.cat(outputs)
    return np.concatenate([np.asarray(part) for part in outputs])
