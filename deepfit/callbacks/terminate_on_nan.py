"""`TerminateOnNaN`: stop training as soon as the loss becomes NaN or infinite.

Example:
    >>> model.fit(x, y, epochs=10, callbacks=[TerminateOnNaN()])
"""

from __future__ import annotations

import math
from collections import deque

import torch

from deepfit.callbacks.callback import Callback
from deepfit.callbacks.logs import to_float
from deepfit.io_utils import print_msg

# At most this many CUDA losses wait to be checked before the oldest is waited for.
_MAX_PENDING = 64


class TerminateOnNaN(Callback):
    """Stop training (or raise) when a training batch's loss is NaN or infinite.

    A loss on a CUDA device is not read at once, which would stall the device every step:
    its value is copied to the host in the background and checked a batch or a few later,
    when the copy has landed, and always before the epoch ends. The batch reported is the
    one whose loss was bad.

    Args:
        raise_error: raise RuntimeError instead of setting `model.stop_training`.
        localize: deepfit's own: on the first bad loss, put the weights back to the last good
            step, replay the batch layer by layer and print (or, with `raise_error`, raise
            `NonFiniteLossError` with) the layer and pass that produced the first NaN/inf —
            see `deepfit.trainer.nan_guard`. It copies the weights before every step.

    Example:
        >>> stopper = TerminateOnNaN(raise_error=True)
        >>> finder = TerminateOnNaN(localize=True)
    """

    def __init__(self, raise_error: bool = False, localize: bool = False) -> None:
        super().__init__()
        self.raise_error = raise_error
        self.localize_nan = bool(localize)
        self._pending: deque[_PendingLoss] = deque()

    def on_train_begin(self, logs: dict | None = None) -> None:
        self._pending.clear()

    def on_batch_end(self, batch: int, logs: dict | None = None) -> None:
        loss = (logs or {}).get("loss")
        if loss is None:
            return
        if _read_later(loss):
            self._pending.append(_PendingLoss(batch, loss))
            self._check_pending(wait=False)
        else:
            self._check(batch, to_float(loss))

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        self._check_pending(wait=True)

    def on_train_end(self, logs: dict | None = None) -> None:
        self._check_pending(wait=True)

    def _check_pending(self, wait: bool) -> None:
        while self._pending:
            oldest = self._pending[0]
            if not (wait or oldest.ready() or len(self._pending) > _MAX_PENDING):
                return
            self._pending.popleft()
            if self._check(oldest.batch, oldest.value()):
                self._pending.clear()
                return

    def _check(self, batch: int, loss: float) -> bool:
        if math.isfinite(loss):
            return False
        if self.raise_error:
            raise RuntimeError(
                f"NaN or Inf loss encountered at batch {batch}. "
                f"Loss value: {loss}. Terminating training immediately."
            )
        print_msg(f"Batch {batch}: Invalid loss, terminating training")
        self.model.stop_training = True
        return True


def _read_later(loss: object) -> bool:
    return isinstance(loss, torch.Tensor) and loss.device.type == "cuda"


class _PendingLoss:
    """A loss on its way from a CUDA device to pinned host memory."""

    def __init__(self, batch: int, loss: torch.Tensor) -> None:
        self.batch = batch
        with torch.cuda.device(loss.device):
            self._host = torch.empty(loss.shape, dtype=loss.dtype, pin_memory=True)
            self._host.copy_(loss.detach(), non_blocking=True)
            self._event = torch.cuda.Event()
            self._event.record()

    def ready(self) -> bool:
        return self._event.query()

    def value(self) -> float:
        self._event.synchronize()
        return to_float(self._host)
