"""CSVLogger: the file's exact bytes, Keras's columns, appending, and whole rows after a crash."""

import os

import numpy as np
import pytest
import torch

from deepfit.callbacks import CallbackList, CSVLogger


def train(logger, epoch_logs, end=True):
    callbacks = CallbackList([logger])
    callbacks.on_train_begin()
    for epoch, logs in enumerate(epoch_logs):
        callbacks.on_epoch_end(epoch, logs)
    if end:
        callbacks.on_train_end()


def read(path):
    with open(path, "rb") as file:
        return file.read().decode()


def test_columns_sorted_values_as_logged(tmp_path):
    path = tmp_path / "log.csv"
    train(
        CSVLogger(path),
        [
            {"loss": torch.tensor(0.5), "accuracy": 0.25, "val_loss": np.float32(0.75),
             "val_accuracy": 0.125},
            {"loss": torch.tensor(0.1), "accuracy": 3, "val_loss": 0.5, "val_accuracy": 0.25},
        ],
    )  # fmt: skip
    # A float32 0.1 is written as the double it is, as Keras writes it.
    assert read(path) == (
        "epoch,accuracy,loss,val_accuracy,val_loss\r\n"
        "0,0.25,0.5,0.125,0.75\r\n"
        "1,3.0,0.10000000149011612,0.25,0.5\r\n"
    )


def test_val_columns_added_and_filled_with_na_until_validation_runs(tmp_path):
    path = tmp_path / "log.csv"
    train(CSVLogger(str(path)), [{"loss": 1.0}, {"loss": 0.5, "val_loss": 0.75}])
    assert read(path) == "epoch,loss,val_loss\r\n0,1.0,NA\r\n1,0.5,0.75\r\n"


def test_append_writes_the_header_once_and_separator(tmp_path):
    path = tmp_path / "log.csv"
    train(CSVLogger(path, separator=";", append=True), [{"loss": 1.0}])
    train(CSVLogger(path, separator=";", append=True), [{"loss": 0.5}])
    assert read(path) == "epoch;loss;val_loss\r\n0;1.0;NA\r\n0;0.5;NA\r\n"
    train(CSVLogger(path), [{"loss": 0.25}])
    assert read(path) == "epoch,loss,val_loss\r\n0,0.25,NA\r\n"


def test_rows_are_complete_on_disk_after_each_epoch(tmp_path):
    path = tmp_path / "log.csv"
    logger = CSVLogger(path)
    train(logger, [{"loss": 1.0}, {"loss": 0.5}], end=False)  # as if the process died here
    assert read(path) == "epoch,loss,val_loss\r\n0,1.0,NA\r\n1,0.5,NA\r\n"
    logger.on_train_end()
    assert logger.csv_file.closed


def test_bad_separator():
    with pytest.raises(ValueError, match="separator must be a single character, received ', '"):
        CSVLogger("x.csv", separator=", ")


def test_matches_keras_file(tmp_path):
    os.environ["KERAS_BACKEND"] = "torch"
    keras = pytest.importorskip("keras")
    from keras.src.utils.python_utils import pythonify_logs

    epochs = [
        {"loss": torch.tensor(0.1), "mae": torch.tensor(1e-9), "note": "a,b", "val_loss": 2.5},
        {"loss": torch.tensor(0.2), "mae": np.float32(3.3), "note": "x", "val_loss": 1},
    ]
    ours, theirs = tmp_path / "ours.csv", tmp_path / "theirs.csv"
    train(CSVLogger(ours, append=True), epochs)
    train(CSVLogger(ours, append=True), epochs[1:])
    keras_logger = keras.callbacks.CSVLogger(str(theirs), append=True)
    for run in (epochs, epochs[1:]):
        keras_logger.on_train_begin()
        for epoch, logs in enumerate(run):
            keras_logger.on_epoch_end(epoch, pythonify_logs(logs))
        keras_logger.on_train_end()
    assert read(ours) == read(theirs)
