"""`WandbLogger`: log a fit to Weights & Biases without TensorFlow (W&B's Keras callback
imports it even on other backends).

Example:
    >>> model.fit(x, y, epochs=10, callbacks=[WandbLogger(project="digits")])
"""

from __future__ import annotations

import os
import tempfile
from typing import Any

from deepfit.callbacks.callback import Callback
from deepfit.callbacks.tracking import epoch_metrics, require, run_parameters


class WandbLogger(Callback):
    """Put the run's parameters in the W&B config when fit starts and log every epoch's logs
    (with `epoch`) as one W&B step; optionally upload the model at the end.

    A run already started with `wandb.init(...)` is logged into and left open; otherwise the
    callback starts one with the arguments given and finishes it after fit. `mode='offline'`
    writes the run to disk for a later `wandb sync`. Under torch.distributed only rank 0 logs.
    Needs the optional `wandb` package, imported when fit starts.

    Args:
        project, name, mode, dir: passed to `wandb.init` for the run this callback starts.
        log_model: also save the model (`model.keras`) to the run's files at the end of fit.
        **init_kwargs: any other `wandb.init` argument (entity, tags, group, ...).

    Example:
        >>> WandbLogger(project="mnist", mode="offline")
    """

    chief_only = True

    def __init__(self, project: str | None = None, name: str | None = None,
                 mode: str | None = None, dir: str | os.PathLike | None = None,
                 log_model: bool = False, **init_kwargs: Any) -> None:
        super().__init__()
        self.init_kwargs = {key: value for key, value in
                            {"project": project, "name": name, "mode": mode,
                             "dir": None if dir is None else os.fspath(dir),
                             **init_kwargs}.items() if value is not None}
        self.log_model = bool(log_model)
        self.run: Any = None
        self._started = False

    def on_train_begin(self, logs: dict | None = None) -> None:
        wandb = require("wandb", "WandbLogger")
        self._started = wandb.run is None
        self.run = wandb.init(**self.init_kwargs) if self._started else wandb.run
        parameters = run_parameters(self.model)
        if parameters:
            self.run.config.update(parameters, allow_val_change=True)

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        self.run.log({**epoch_metrics(logs), "epoch": epoch})

    def on_train_end(self, logs: dict | None = None) -> None:
        if self.run is None:
            return
        try:
            if self.log_model:
                folder = tempfile.mkdtemp(prefix="deepfit-wandb-")
                path = os.path.join(folder, "model.keras")
                self.model.save(path)
                self.run.save(path, base_path=folder, policy="now")
        finally:
            if self._started:
                self.run.finish()
