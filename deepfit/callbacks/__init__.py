"""Callbacks: hooks into fit, evaluate and predict, with Keras's names and behaviour.

Example:
    >>> from deepfit.callbacks import EarlyStopping, ReduceLROnPlateau
    >>> callbacks = [EarlyStopping(patience=3), ReduceLROnPlateau(patience=2)]
"""

from deepfit.callbacks.backup_and_restore import BackupAndRestore
from deepfit.callbacks.callback import Callback
from deepfit.callbacks.callback_list import CallbackList
from deepfit.callbacks.csv_logger import CSVLogger
from deepfit.callbacks.early_stopping import EarlyStopping
from deepfit.callbacks.history import History
from deepfit.callbacks.lambda_callback import LambdaCallback
from deepfit.callbacks.learning_rate_scheduler import LearningRateScheduler
from deepfit.callbacks.logs import to_float
from deepfit.callbacks.mlflow_logger import MLflowLogger
from deepfit.callbacks.model_checkpoint import ModelCheckpoint
from deepfit.callbacks.monitor_callback import MonitorCallback
from deepfit.callbacks.progbar_logger import ProgbarLogger
from deepfit.callbacks.reduce_lr_on_plateau import ReduceLROnPlateau
from deepfit.callbacks.swap_ema_weights import SwapEMAWeights
from deepfit.callbacks.tensorboard import TensorBoard
from deepfit.callbacks.terminate_on_nan import TerminateOnNaN
from deepfit.callbacks.wandb_logger import WandbLogger

__all__ = [
    "BackupAndRestore",
    "CSVLogger",
    "Callback",
    "CallbackList",
    "EarlyStopping",
    "History",
    "LambdaCallback",
    "LearningRateScheduler",
    "MLflowLogger",
    "ModelCheckpoint",
    "MonitorCallback",
    "ProgbarLogger",
    "ReduceLROnPlateau",
    "TensorBoard",
    "SwapEMAWeights",
    "TerminateOnNaN",
    "WandbLogger",
    "to_float",
]
