"""More beginner scripts in the keras.io / TensorFlow-tutorial style, run unchanged with
`python -m deepfit run` on generated data: Fashion-MNIST, tabular regression with a Keras 2
backend metric, callbacks, tf.data pipelines, a convnet, the Functional API with `import keras`,
and what a script sees of its own arguments and of missing names."""

from __future__ import annotations

import csv
import re

import numpy as np
import pytest

from tests.compat.conftest import (
    BAR,
    assert_ran,
    corpus_program,
    epoch_logs,
    tutorial,
    tutorial_if_provided,
)

NUM = r"[-\d.e+]+"


FASHION = """\
# TensorFlow and tf.keras
import tensorflow as tf

# Helper libraries
import numpy as np

print(tf.__version__)

fashion_mnist = tf.keras.datasets.fashion_mnist
(train_images, train_labels), (test_images, test_labels) = fashion_mnist.load_data()

class_names = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat',
               'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot']

print(train_images.shape, len(train_labels))
train_images = train_images / 255.0
test_images = test_images / 255.0

model = tf.keras.Sequential([
    tf.keras.layers.Flatten(input_shape=(28, 28)),
    tf.keras.layers.Dense(128, activation='relu'),
    tf.keras.layers.Dense(10)
])

model.compile(optimizer='adam',
              loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
              metrics=['accuracy'])

model.fit(train_images, train_labels, epochs=10)

test_loss, test_acc = model.evaluate(test_images,  test_labels, verbose=2)
print('\\nTest accuracy:', test_acc)

predictions = tf.nn.softmax(model.predict(test_images)).numpy()
print(predictions[0].sum().round(4), np.argmax(predictions[0]), test_labels[0])
print("first prediction:", class_names[np.argmax(predictions[0])])
img = np.expand_dims(test_images[1], 0)
print(img.shape)
"""


@tutorial("fashion.py", FASHION)
def test_fashion_mnist_classifier(tutorial_run, tutorial_home):
    result, _ = tutorial_run
    assert_ran(result)
    out = result.stdout
    assert "(600, 28, 28) 600" in out and "Epoch 10/10" in out
    assert len(re.findall(rf"^19/19 {BAR} .* - accuracy: {NUM} - loss: {NUM}$", out,
                          flags=re.MULTILINE)) == 10
    accuracy = float(re.search(r"Test accuracy: ([\d.]+)", out).group(1))
    assert accuracy > 0.9
    total, predicted, label = re.search(r"^([\d.]+) (\d) (\d)$", out, flags=re.MULTILINE).groups()
    assert float(total) == pytest.approx(1.0) and predicted == label
    assert "(1, 28, 28)" in out


REGRESSION = """\
import numpy as np
import tensorflow as tf
from sklearn.datasets import load_diabetes
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
from tensorflow import keras
from tensorflow.keras import backend as K
from tensorflow.keras import layers

X, y = load_diabetes(return_X_y=True)
y = y.reshape(-1, 1)  # targets shaped like the model's output, for the custom metric
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=42)
scaler = StandardScaler()
X_train = scaler.fit_transform(X_train)
X_test = scaler.transform(X_test)


def r2_score(y_true, y_pred):
    ss_res = K.sum(K.square(y_true - y_pred))
    ss_tot = K.sum(K.square(y_true - K.mean(y_true)))
    return 1 - ss_res / (ss_tot + K.epsilon())


tf.random.set_seed(0)
model = keras.Sequential([
    layers.Dense(64, activation='relu', input_shape=[X_train.shape[1]]),
    layers.Dense(64, activation='relu'),
    layers.Dense(1)
])
optimizer = tf.keras.optimizers.RMSprop(0.01)
model.compile(loss='mse', optimizer=optimizer, metrics=['mae', r2_score])
model.summary()

history = model.fit(X_train, y_train, epochs=60, validation_split=0.2, verbose=0)
print("epochs run:", len(history.history['loss']))
print("history keys:", sorted(history.history.keys()))

loss, mae, r2 = model.evaluate(X_test, y_test, verbose=0)
print("Testing set Mean Abs Error: {:5.2f}".format(mae))
print("Testing set R2: {:5.3f}".format(r2))
test_predictions = model.predict(X_test).flatten()
print("baseline MAE: {:5.2f}".format(np.mean(np.abs(y_test - y_train.mean()))))
"""


@tutorial("regression.py", REGRESSION, cost=1.5)
def test_tabular_regression_with_a_backend_metric(tutorial_run):
    result, _ = tutorial_run
    assert_ran(result)
    out = result.stdout
    assert "Epoch" not in out  # verbose=0
    assert "Total params: 4,929" in out  # 10*64+64 + 64*64+64 + 64+1
    assert "epochs run: 60" in out
    assert "history keys: ['loss', 'mae', 'r2_score', 'val_loss', 'val_mae', 'val_r2_score']" in out
    mae = float(re.search(r"Testing set Mean Abs Error: +([\d.]+)", out).group(1))
    baseline = float(re.search(r"baseline MAE: +([\d.]+)", out).group(1))
    assert mae < 0.8 * baseline
    assert float(re.search(r"Testing set R2: +([-\d.]+)", out).group(1)) > 0.2


CALLBACKS = """\
import numpy as np
import tensorflow as tf

# Pure noise: the validation loss soon stops improving and training stops early.
rng = np.random.default_rng(0)
x = rng.normal(size=(200, 20)).astype("float32")
y = rng.integers(0, 2, size=(200,))

class PrintEpoch(tf.keras.callbacks.Callback):
    def on_train_begin(self, logs=None):
        print("starting training")

    def on_epoch_end(self, epoch, logs=None):
        print(f"callback: epoch {epoch} val_loss {logs['val_loss']:.4f}")

model = tf.keras.Sequential([
    tf.keras.layers.Dense(64, activation='relu', input_shape=(20,)),
    tf.keras.layers.Dense(64, activation='relu'),
    tf.keras.layers.Dense(1, activation='sigmoid'),
])
model.compile(optimizer=tf.keras.optimizers.Adam(learning_rate=0.01),
              loss='binary_crossentropy', metrics=['accuracy'])

early_stopping = tf.keras.callbacks.EarlyStopping(monitor='val_loss', patience=3,
                                                  restore_best_weights=True, verbose=1)
reduce_lr = tf.keras.callbacks.ReduceLROnPlateau(monitor='val_loss', factor=0.5, patience=2,
                                                 verbose=1)
csv_logger = tf.keras.callbacks.CSVLogger('training.log')
batch_counter = []
count_batches = tf.keras.callbacks.LambdaCallback(
    on_train_batch_end=lambda batch, logs: batch_counter.append(batch))

history = model.fit(x, y, epochs=100, validation_split=0.25, batch_size=50,
                    callbacks=[early_stopping, reduce_lr, csv_logger, count_batches,
                               PrintEpoch()])
print("epochs run:", len(history.history['loss']))
print("stopped epoch:", early_stopping.stopped_epoch)
print("batches seen:", len(batch_counter))
best = int(np.argmin(history.history['val_loss']))
print("best epoch:", best + 1)
print("restored val_loss: {:.4f}".format(model.evaluate(x[150:], y[150:], verbose=0)[0]))
print("best val_loss: {:.4f}".format(history.history['val_loss'][best]))
"""


@tutorial("callbacks.py", CALLBACKS)
def test_callbacks_stop_early_and_log(tutorial_run):
    result, workdir = tutorial_run
    assert_ran(result)
    out = result.stdout
    assert "starting training" in out
    epochs = int(re.search(r"epochs run: (\d+)", out).group(1))
    assert 4 <= epochs < 100
    assert f"Epoch {epochs}: early stopping" in out
    assert "Restoring model weights from the end of the best epoch" in out
    assert f"batches seen: {3 * epochs}" in out  # 150 training samples in batches of 50
    assert re.search(r"restored val_loss: ([\d.]+)", out).group(1) == re.search(
        r"best val_loss: ([\d.]+)", out).group(1)
    assert len(re.findall(r"^callback: epoch \d+ val_loss", out, flags=re.MULTILINE)) == epochs
    with open(workdir / "training.log", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == epochs and {"epoch", "loss", "val_loss"} <= set(rows[0])
    logs = epoch_logs(out)
    assert [float(r["val_loss"]) for r in rows] == pytest.approx(
        [e["val_loss"] for e in logs], abs=1.5e-4)


CHECKPOINT = """\
import numpy as np
import tensorflow as tf

rng = np.random.default_rng(0)
x = rng.normal(size=(64, 4)).astype("float32")
y = x @ np.array([1.0, -2.0, 0.5, 3.0], dtype="float32")

model = tf.keras.Sequential([tf.keras.layers.Dense(1, input_shape=(4,))])
model.compile(optimizer=tf.keras.optimizers.SGD(0.05), loss='mse')
checkpoint = tf.keras.callbacks.ModelCheckpoint('best.weights.h5', monitor='loss',
                                                save_best_only=True, save_weights_only=True)
model.fit(x, y, epochs=5, verbose=0, callbacks=[checkpoint])
model.save_weights('last.weights.h5')
fresh = tf.keras.Sequential([tf.keras.layers.Dense(1, input_shape=(4,))])
fresh.load_weights('best.weights.h5')
same = np.allclose(fresh.predict(x, verbose=0), model.predict(x, verbose=0), atol=1e-5)
print("best weights restored:", same)
"""


@tutorial_if_provided("callbacks", ["ModelCheckpoint"], "checkpoint.py", CHECKPOINT)
def test_model_checkpoint(tutorial_run):
    result, workdir = tutorial_run
    assert_ran(result)
    assert (workdir / "best.weights.h5").is_file()
    assert "best weights restored: True" in result.stdout  # loss falls every epoch


TF_DATA = """\
import tensorflow as tf

(x_train, y_train), (x_test, y_test) = tf.keras.datasets.mnist.load_data()

def normalize_img(image, label):
    return tf.cast(image, tf.float32) / 255., label

AUTOTUNE = tf.data.AUTOTUNE
ds_train = tf.data.Dataset.from_tensor_slices((x_train, y_train))
ds_train = ds_train.map(normalize_img, num_parallel_calls=AUTOTUNE)
ds_train = ds_train.cache()
ds_train = ds_train.shuffle(len(x_train))
ds_train = ds_train.batch(64)
ds_train = ds_train.prefetch(AUTOTUNE)

ds_test = tf.data.Dataset.from_tensor_slices((x_test, y_test))
ds_test = ds_test.map(normalize_img).batch(64).cache().prefetch(tf.data.experimental.AUTOTUNE)

for images, labels in ds_train.take(1):
    print("batch:", images.shape, images.dtype, labels.shape)
print("test batches:", tf.data.experimental.cardinality(ds_test).numpy())

model = tf.keras.models.Sequential([
  tf.keras.layers.Flatten(input_shape=(28, 28)),
  tf.keras.layers.Dense(128, activation='relu'),
  tf.keras.layers.Dense(10)
])
model.compile(
    optimizer=tf.keras.optimizers.Adam(0.001),
    loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    metrics=[tf.keras.metrics.SparseCategoricalAccuracy()],
)
model.fit(ds_train, epochs=6, validation_data=ds_test)

probabilities = tf.nn.softmax(model.predict(ds_test), axis=-1)
predicted = tf.argmax(probabilities, axis=1)
correct = tf.reduce_mean(tf.cast(tf.equal(predicted, tf.cast(y_test, tf.int64)), tf.float32))
print("accuracy from predict:", round(float(correct.numpy()), 4))
print(tf.math.confusion_matrix(y_test, predicted, num_classes=10).numpy().trace())
"""


@tutorial("tf_data.py", TF_DATA)
def test_tf_data_pipeline(tutorial_run, tutorial_home):
    result, _ = tutorial_run
    assert_ran(result)
    out = result.stdout
    assert "batch: (64, 28, 28) float32 (64,)" in out
    assert "test batches: 2" in out
    # 600 images in batches of 64: 10 steps, validation on the 2 test batches.
    bars = re.findall(rf"^10/10 {BAR} .* - loss: {NUM} - sparse_categorical_accuracy: {NUM} - "
                      rf"val_loss: {NUM} - val_sparse_categorical_accuracy: ({NUM})$", out,
                      flags=re.MULTILINE)
    assert len(bars) == 6 and float(bars[-1]) > 0.9
    accuracy = float(re.search(r"accuracy from predict: ([\d.]+)", out).group(1))
    assert accuracy == pytest.approx(float(bars[-1]), abs=1e-3)
    trace = int(re.search(r"^(\d+)$", out.split("accuracy from predict")[1],
                          flags=re.MULTILINE).group(1))
    assert trace == round(accuracy * 100)




@tutorial_if_provided("layers", ["Conv2D", "MaxPooling2D"], "convnet.py",
                      corpus_program("kio_mnist_convnet"), cost=2)
def test_convnet(tutorial_run):
    result, _ = tutorial_run
    assert_ran(result)
    out = result.stdout
    assert "x_train shape: (600, 28, 28, 1)" in out and "100 test samples" in out
    assert "Total params: 34,826" in out  # as keras.io's "Simple MNIST convnet"
    assert len(re.findall(rf"^5/5 {BAR} .* - val_accuracy: {NUM} - val_loss: {NUM}$", out,
                          flags=re.MULTILINE)) == 8
    assert float(re.search(r"Test accuracy: ([\d.]+)", out).group(1)) > 0.8


FUNCTIONAL = """\
import numpy as np
import keras
from keras import layers

inputs = keras.Input(shape=(784,))
x = layers.Dense(64, activation="relu")(inputs)
x = layers.Dense(64, activation="relu")(x)
outputs = layers.Dense(10)(x)
model = keras.Model(inputs=inputs, outputs=outputs, name="mnist_model")
model.summary()

(x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
x_train = x_train.reshape(600, 784).astype("float32") / 255
x_test = x_test.reshape(100, 784).astype("float32") / 255

model.compile(
    loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    optimizer=keras.optimizers.RMSprop(),
    metrics=[keras.metrics.SparseCategoricalAccuracy()],
)

history = model.fit(x_train, y_train, batch_size=64, epochs=4, validation_split=0.2)

test_scores = model.evaluate(x_test, y_test, verbose=2)
print("Test loss:", test_scores[0])
print("Test accuracy:", test_scores[1])
keras.backend.clear_session()
print("after clear_session:", layers.Dense(3).name)
"""


@tutorial("functional.py", FUNCTIONAL)
def test_functional_api_with_import_keras(tutorial_run):
    result, _ = tutorial_run
    assert_ran(result)
    out = result.stdout
    assert "mnist_model" in out and "Total params: 55,050" in out
    # 480 training images in batches of 64: 8 steps.
    assert len(re.findall(rf"^8/8 {BAR} .* - val_sparse_categorical_accuracy: {NUM}$", out,
                          flags=re.MULTILINE)) == 4
    assert float(re.search(r"Test accuracy: ([\d.]+)", out).group(1)) > 0.8
    assert "after clear_session: dense\n" in out


IMPORTS_OK = """\
import sys
import argparse

import tensorflow as tf
import tensorflow.keras
from tensorflow.keras.models import Sequential
from tensorflow.keras import layers as tf_layers
import keras
from keras import layers
from keras.layers import Dense
from keras.layers.core import Dense as CoreDense
from tensorflow.keras.layers.experimental.preprocessing import Rescaling
import deepfit

parser = argparse.ArgumentParser()
parser.add_argument("--epochs", type=int, default=1)
args = parser.parse_args()
print("argv:", sys.argv[1:], "epochs:", args.epochs, "name:", __name__)
print("script dir on path:", sys.path[0] == __file__.rsplit("/", 1)[0])
print("same Dense:", Dense is layers.Dense is tf_layers.Dense is CoreDense is deepfit.layers.Dense)
print("same Sequential:", Sequential is tf.keras.Sequential is keras.Sequential)
print("same module:", tensorflow.keras is tf.keras is keras)
print("Rescaling:", Rescaling.__name__)
try:
    import tensorflow_datasets
except ImportError:
    print("no tensorflow_datasets")
try:
    from tensorflow.keras.applications import ResNeXt50
except NotImplementedError as err:
    print("error:", err)
try:
    import keras.no_such_module
except ImportError as err:
    print("import error:", err)
print(tf.image.ssim)
"""


@tutorial("imports_ok.py", IMPORTS_OK, args=("--epochs", "3"))
def test_imports_resolve_to_deepfit(tutorial_run):
    result, _ = tutorial_run
    out, err = result.stdout, result.stderr
    assert result.returncode == 1, err
    assert "argv: ['--epochs', '3'] epochs: 3 name: __main__" in out
    assert "script dir on path: True" in out
    assert "same Dense: True" in out and "same Sequential: True" in out
    assert "same module: True" in out and "Rescaling: Rescaling" in out
    assert "no tensorflow_datasets" in out
    assert "error: keras.applications.ResNeXt50 is not provided by deepfit" in out
    assert "import error: keras.no_such_module is not provided by deepfit" in out
    # The last line fails like an uncaught exception in `python script.py`: the script's
    # traceback, not the runner's frames.
    assert err.strip().endswith("NotProvidedError: tf.image.ssim is not provided by deepfit")
    assert 'imports_ok.py", line' in err and "runpy" not in err


def test_generated_mnist_is_what_the_scripts_load(tutorial_home):
    (x_train, y_train), (x_test, _) = tutorial_home["mnist"]
    assert x_train.shape == (600, 28, 28) and x_test.shape == (100, 28, 28)
    assert x_train.dtype == np.uint8 and set(np.unique(y_train)) == set(range(10))
