"""Signals during fit: Ctrl-C stops after the step; SIGTERM/SIGUSR1 (preemption) stop after the
step, let BackupAndRestore write its backup, and end the process with exit code 75.

Spot instances and cluster schedulers announce preemption with SIGTERM (SLURM with
`--signal=USR1@90`: SIGUSR1) some seconds before they kill the job. fit finishes the step in
flight, the BackupAndRestore callback writes the exact training state as it does on Ctrl-C, and
fit raises `TrainingPreempted`, a `SystemExit` with code 75 (EX_TEMPFAIL, "try again later") after
printing what happened; the same script started again resumes bit-exactly. Under
torch.distributed every process stops after the same step: the processes agree on the stop flag
after each step.

The handlers are installed only for the duration of fit, from the main thread, and the
previous handlers are put back exactly.

Example:
    $ python train.py          # fit(..., callbacks=[BackupAndRestore("backup")])
    ^ SIGTERM: "deepfit: training stopped by SIGTERM in epoch 3 after step 12; the backup
      in 'backup' resumes it: run the same command again."   (exit status 75)
"""

from __future__ import annotations

import contextlib
import signal
import sys
import threading
from collections.abc import Iterator
from typing import Any

import torch

from deepfit import distribute

PREEMPTION_EXIT_CODE = 75
PREEMPTION_SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGUSR1")
                           if hasattr(signal, name))


class TrainingPreempted(SystemExit):
    """Raised by fit after a preemption signal, once the step and the backup are done.

    Its `code` is 75, the process's exit status when nothing catches it; `message` says which
    signal stopped training where, and where the backup is.
    """

    def __init__(self, message: str) -> None:
        super().__init__(PREEMPTION_EXIT_CODE)
        self.message = message

    def __str__(self) -> str:
        return self.message


@contextlib.contextmanager
def stop_on_signals(model: Any) -> Iterator[None]:
    """Install fit's handlers (main thread only) and restore the previous ones afterwards.

    Ctrl-C sets the trainer state's `interrupted` (a second Ctrl-C interrupts at once); a
    preemption signal also records its name in its `preempted_by`.
    """
    state = model._trainer_state
    state.preempted_by = None
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: Any) -> None:
        if state.interrupted and state.preempted_by is None:
            raise KeyboardInterrupt
        state.interrupted = True

    def preempt(signum: int, frame: Any) -> None:
        state.interrupted = True
        state.preempted_by = state.preempted_by or signal.Signals(signum).name

    handlers = {signal.SIGINT: interrupt, **{number: preempt for number in PREEMPTION_SIGNALS}}
    previous = {number: signal.getsignal(number) for number in handlers}
    try:
        for number, handler in handlers.items():
            signal.signal(number, handler)
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, _restorable(number, handler))


def _restorable(number: int, handler: Any) -> Any:
    """`getsignal` gives None for handlers set outside Python: the default is what was there."""
    if handler is not None:
        return handler
    return signal.default_int_handler if number == signal.SIGINT else signal.SIG_DFL


def agree_to_stop(model: Any) -> None:
    """Under torch.distributed, stop every process when any one of them was signalled."""
    context = distribute.current()
    if context is None:
        return
    import torch.distributed as dist

    state = model._trainer_state
    flag = torch.tensor([1.0 if state.interrupted else 0.0, 1.0 if state.preempted_by else 0.0],
                        device=context.device)
    dist.all_reduce(flag, op=dist.ReduceOp.MAX)
    if flag[0].item() and not state.interrupted:
        state.interrupted = True
    if flag[1].item() and not state.preempted_by:
        state.preempted_by = "SIGTERM"


def raise_if_preempted(model: Any, callbacks: list[Any], epoch: int, step: int) -> None:
    """After fit's loop: tell what happened and end the process with code 75."""
    name = model._trainer_state.preempted_by
    if not name:
        return
    from deepfit.callbacks.backup_and_restore import BackupAndRestore

    backups = [c.backup_dir for c in callbacks if isinstance(c, BackupAndRestore)]
    where = (f"the backup in {backups[0]!r} resumes it: run the same command again"
             if backups else "no BackupAndRestore callback was given, so this run's progress "
             "since its last saved checkpoint is lost")
    place = f"after epoch {epoch}" if step == 0 else f"in epoch {epoch + 1} after step {step}"
    message = f"deepfit: training stopped by {name} {place}; {where}."
    if distribute.is_chief():
        print(message, file=sys.stderr, flush=True)
    raise TrainingPreempted(message)
