"""A training function whose rank 1 crashes after the first epoch (see test_launch.py)."""

import numpy as np

import deepfit as keras


class CrashOnRankOne(keras.callbacks.Callback):
    def on_epoch_end(self, epoch, logs=None):
        if keras.distribute.rank() == 1:
            raise RuntimeError("worker 1 crashed on purpose")


def train() -> None:
    keras.utils.set_random_seed(0)
    x = np.random.default_rng(0).normal(size=(64, 4)).astype("float32")
    model = keras.Sequential([keras.layers.Dense(1, input_dim=4)])
    model.compile(optimizer="sgd", loss="mse")
    model.fit(x, x.sum(axis=1), epochs=50, batch_size=8, verbose=0,
              callbacks=[CrashOnRankOne()])
