"""`MLflowLogger`: log a fit to MLflow — parameters, per-epoch metrics, the model — with no
TensorFlow anywhere (MLflow's own Keras integration expects it).

Example:
    >>> model.fit(x, y, epochs=10, callbacks=[MLflowLogger(experiment_name="digits")])
"""

from __future__ import annotations

import os
import tempfile
from typing import Any

from deepfit.callbacks.callback import Callback
from deepfit.callbacks.tracking import epoch_metrics, flat_parameters, require, run_parameters


class MLflowLogger(Callback):
    """Log the run's parameters when fit starts, every epoch's logs as metrics (step = epoch),
    and the trained model as a `.keras` artifact when fit ends.

    A run already active (`with mlflow.start_run():`) is logged into and left open; otherwise
    the callback starts a run and ends it after fit. Under torch.distributed only rank 0 logs.
    Needs the optional `mlflow` package (`mlflow-skinny` is enough), imported when fit starts.

    Args:
        tracking_uri: where MLflow stores runs (e.g. 'sqlite:///mlflow.db'); MLflow's default
            (or `MLFLOW_TRACKING_URI`) when None.
        experiment_name: the experiment to log into; created if missing.
        run_name: the name of the run this callback starts.
        log_model: also store the model (`model.keras`) as an artifact at the end of fit.
        tags: tags set on the run.

    Example:
        >>> MLflowLogger("sqlite:///runs.db", experiment_name="mnist", run_name="mlp")
    """

    chief_only = True

    def __init__(self, tracking_uri: str | None = None, experiment_name: str | None = None,
                 run_name: str | None = None, log_model: bool = True,
                 tags: dict[str, str] | None = None) -> None:
        super().__init__()
        self.tracking_uri = tracking_uri
        self.experiment_name = experiment_name
        self.run_name = run_name
        self.log_model = bool(log_model)
        self.tags = dict(tags or {})
        self.run_id: str | None = None
        self._started = False
        self._mlflow: Any = None

    def on_train_begin(self, logs: dict | None = None) -> None:
        mlflow = self._mlflow = require("mlflow", "MLflowLogger")
        if self.tracking_uri is not None:
            mlflow.set_tracking_uri(self.tracking_uri)
        if self.experiment_name is not None:
            mlflow.set_experiment(self.experiment_name)
        run = mlflow.active_run()
        self._started = run is None
        if run is None:
            run = mlflow.start_run(run_name=self.run_name, tags=self.tags or None)
        self.run_id = run.info.run_id
        parameters = flat_parameters(run_parameters(self.model))
        if parameters:
            mlflow.log_params(parameters)

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        metrics = epoch_metrics(logs)
        if metrics:
            self._mlflow.log_metrics(metrics, step=epoch, run_id=self.run_id)

    def on_train_end(self, logs: dict | None = None) -> None:
        if self._mlflow is None:
            return
        try:
            if self.log_model:
                with tempfile.TemporaryDirectory() as folder:
                    path = os.path.join(folder, "model.keras")
                    self.model.save(path)
                    self._mlflow.log_artifact(path, run_id=self.run_id)
        finally:
            if self._started:
                self._mlflow.end_run()
