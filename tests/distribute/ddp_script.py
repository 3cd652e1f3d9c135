"""A training script run unchanged as one process and under torchrun (see test_ddp.py)."""

import json
import sys

import numpy as np

import deepfit as keras

keras.utils.set_random_seed(0)
rng = np.random.default_rng(0)
x = rng.normal(size=(203, 6)).astype("float32")
y = (x[:, 0] + x[:, 1] * x[:, 2] > 0).astype("int64") + (x[:, 3] > 1).astype("int64")

model = keras.Sequential([
    keras.layers.Dense(16, activation="tanh", input_dim=6),
    keras.layers.Dense(3, activation="softmax"),
])
model.compile(optimizer=keras.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy",
              metrics=["accuracy"])
epochs = int(sys.argv[2]) if len(sys.argv) > 2 else 3
callbacks = []
if len(sys.argv) > 3:  # a backup directory: resume from it, keep it at the end
    callbacks.append(keras.callbacks.BackupAndRestore(sys.argv[3], delete_checkpoint=False))
history = model.fit(x, y, batch_size=16, epochs=epochs, validation_split=0.2, verbose=1,
                    callbacks=callbacks)

if keras.distribute.is_chief():
    out = sys.argv[1]
    np.savez(out, *model.get_weights())
    with open(out + ".json", "w") as handle:
        json.dump(history.history, handle)
