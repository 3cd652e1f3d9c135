"""A tf.data-style script (a deepfit Dataset, unshuffled) run plainly and under torchrun."""

import json
import sys

import numpy as np

import deepfit as keras

keras.utils.set_random_seed(0)
rng = np.random.default_rng(1)
x = rng.normal(size=(150, 5)).astype("float32")
y = (x[:, 0] - x[:, 1] > 0).astype("float32")
train = keras.data.Dataset.from_tensor_slices((x[:120], y[:120])).batch(16)
val = keras.data.Dataset.from_tensor_slices((x[120:], y[120:])).batch(16)

model = keras.Sequential([keras.layers.Dense(8, activation="relu", input_dim=5),
                          keras.layers.Dense(1, activation="sigmoid")])
model.compile(optimizer=keras.optimizers.Adam(0.02), loss="binary_crossentropy",
              metrics=["accuracy"])
seen = [0]
model.layers[0].register_forward_pre_hook(lambda layer, args: seen.__setitem__(
    0, seen[0] + args[0].shape[0]))
history = model.fit(train, epochs=3, validation_data=val, verbose=1)
with open(f"{sys.argv[1]}.rank{keras.distribute.rank()}", "w") as handle:
    handle.write(str(seen[0]))  # samples this process pushed through the model

if keras.distribute.is_chief():
    np.savez(sys.argv[1], *model.get_weights())
    with open(sys.argv[1] + ".json", "w") as handle:
        json.dump(history.history, handle)
