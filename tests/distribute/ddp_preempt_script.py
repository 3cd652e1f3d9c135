"""Trained under torchrun by test_ddp.py: with TERM_RANK set, that rank alone gets SIGTERM after
step 3 of epoch 1; every rank must stop after the same step and back up once."""

import json
import os
import signal
import sys

import numpy as np

import deepfit as keras

keras.utils.set_random_seed(0)
rng = np.random.default_rng(0)
x = rng.normal(size=(160, 6)).astype("float32")
y = (x[:, 0] + x[:, 1] * x[:, 2] > 0).astype("int64")
model = keras.Sequential([keras.layers.Dense(8, activation="tanh", input_dim=6),
                          keras.layers.Dense(2, activation="softmax")])
model.compile(optimizer=keras.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy")
term_rank = os.environ.get("TERM_RANK")


class Term(keras.callbacks.Callback):
    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if term_rank == str(keras.distribute.rank()) and (self.epoch, batch) == (1, 3):
            os.kill(os.getpid(), signal.SIGTERM)


history = model.fit(x, y, batch_size=16, epochs=3, verbose=0, shuffle=False,
                    callbacks=[keras.callbacks.BackupAndRestore(sys.argv[2], save_freq=100),
                               Term()])
if keras.distribute.is_chief():
    np.savez(sys.argv[1], *model.get_weights())
    with open(sys.argv[1] + ".json", "w") as handle:
        json.dump(history.history, handle)
