"""The five tutorial scripts of issue 6, unchanged but for where the data comes from, run with
`python -m deepfit run` in a subprocess on generated data (see conftest.py)."""

from __future__ import annotations

import re

import pytest

from tests.compat.conftest import BAR, assert_ran, epoch_logs, tutorial, tutorial_if_provided

NUM = r"[-\d.e+]+"

MNIST_MLP = """\
import tensorflow as tf

mnist = tf.keras.datasets.mnist
(x_train, y_train), (x_test, y_test) = mnist.load_data()
x_train, x_test = x_train / 255.0, x_test / 255.0
x_train = x_train.reshape((-1, 784))
x_test = x_test.reshape((-1, 784))

model = tf.keras.models.Sequential([
    tf.keras.layers.Dense(128, activation='relu', input_dim=784),
    tf.keras.layers.Dense(10, activation='softmax')
])

model.compile(optimizer='adam',
              loss='sparse_categorical_crossentropy',
              metrics=['accuracy'])

model.fit(x_train, y_train, epochs=10, batch_size=32)
model.evaluate(x_test, y_test, verbose=2)
"""


@tutorial("mnist_mlp.py", MNIST_MLP)
def test_mnist_mlp(tutorial_run):
    result, _ = tutorial_run
    assert_ran(result)
    out = result.stdout
    for epoch in range(1, 11):
        assert f"Epoch {epoch}/10\n" in out
    # 600 images in batches of 32: 19 steps, the finished bar with Keras's layout.
    bars = re.findall(rf"^19/19 {BAR} \d+m?s \d+[mu]?s/step - accuracy: {NUM} - loss: {NUM}$",
                      out, flags=re.MULTILINE)
    assert len(bars) == 10
    logs = epoch_logs(out)
    assert logs[-1]["accuracy"] > 0.95 and logs[-1]["loss"] < logs[0]["loss"]
    # evaluate(verbose=2): one line for the 100 test images (4 steps).
    evaluation = re.search(rf"^4/4 - \d+m?s - \d+[mu]?s/step - accuracy: ({NUM}) - loss: {NUM}$",
                           out, flags=re.MULTILINE)
    assert evaluation and float(evaluation.group(1)) > 0.9


FLOWERS = """\
import pathlib

import tensorflow as tf
from keras import layers

dataset_url = "{flowers_url}"
archive = tf.keras.utils.get_file(origin=dataset_url, extract=True)
data_dir = pathlib.Path(archive).with_suffix('')

image_count = len(list(data_dir.glob('*/*.jpg')))
print(image_count)

batch_size = 32
img_height = 256
img_width = 256

train_dataset = tf.keras.preprocessing.image_dataset_from_directory(
    data_dir,
    validation_split=0.2,
    subset="training",
    seed=42,
    image_size=(img_height, img_width),
    batch_size=batch_size,
    label_mode="int")

val_dataset = tf.keras.preprocessing.image_dataset_from_directory(
    data_dir,
    validation_split=0.2,
    subset="validation",
    seed=42,
    image_size=(img_height, img_width),
    batch_size=batch_size,
    label_mode="int")

class_names = train_dataset.class_names
print(class_names)

resize_and_rescale = tf.keras.Sequential([
    layers.Resizing(img_height, img_width),
    layers.Rescaling(1./255)
])

data_augmentation = tf.keras.Sequential([
    layers.RandomFlip("horizontal"),
    layers.RandomRotation(0.1),
    layers.RandomZoom(0.1),
    layers.RandomContrast(0.1),
])

model = tf.keras.Sequential([
    resize_and_rescale,
    data_augmentation,
    layers.Flatten(),
    layers.Dense(256, activation='relu'),
    layers.Dense(128, activation='relu'),
    layers.Dense(5, activation='softmax')
])

model.compile(optimizer='adam',
              loss='sparse_categorical_crossentropy',
              metrics=['accuracy'])

history = model.fit(train_dataset, epochs=15, batch_size=batch_size,
                    validation_data=val_dataset)
"""


@tutorial_if_provided(
    "layers", ["Resizing", "Rescaling", "RandomFlip", "RandomRotation", "RandomZoom",
               "RandomContrast"], "flowers.py", FLOWERS, cost=4)
def test_flowers_with_augmentation(tutorial_run, tutorial_home):
    result, _ = tutorial_run
    assert_ran(result)
    out = result.stdout
    assert "\n20\n" in out
    assert "Found 20 files belonging to 5 classes." in out
    assert "Using 16 files for training." in out and "Using 4 files for validation." in out
    assert "['daisy', 'dandelion', 'roses', 'sunflowers', 'tulips']" in out
    assert "Epoch 15/15" in out
    logs = epoch_logs(out)
    assert len(logs) == 15
    assert set(logs[0]) == {"accuracy", "loss", "val_accuracy", "val_loss"}
    extracted = tutorial_home["deepfit_home"] / "datasets" / "flower_photos"
    assert sorted(p.name for p in extracted.iterdir()) == [
        "daisy", "dandelion", "roses", "sunflowers", "tulips"]


DIGITS_SIGMOID = """\
import numpy as np
import tensorflow as tf
from tensorflow.keras.models import Sequential
from tensorflow.keras.layers import Dense
from sklearn.datasets import load_digits

digits = load_digits()
is_zero_or_one = digits.target < 2
X = digits.data[is_zero_or_one] / 16.0
Y = digits.target[is_zero_or_one].reshape(-1, 1)
print('The shape of X is: ' + str(X.shape))
print('The shape of Y is: ' + str(Y.shape))

tf.random.set_seed(1234)
model = Sequential(
    [
        Dense(25, activation='sigmoid'),
        Dense(15, activation='sigmoid'),
        Dense(1, activation='sigmoid'),
    ]
)

model.compile(loss='binary_crossentropy')
model.fit(X, Y, epochs=100)

prediction = model.predict(X[0].reshape(1, 64))
print(f" predicting a zero: {prediction}")
yhat = (model.predict(X) >= 0.5).astype(int)
print(f"training accuracy: {np.mean(yhat == Y)}")
print(f"optimizer: {model.optimizer.__class__.__name__}")
"""


@tutorial("digits_sigmoid.py", DIGITS_SIGMOID, cost=2)
def test_digits_sigmoid_network(tutorial_run):
    result, _ = tutorial_run
    assert_ran(result)
    out = result.stdout
    assert "The shape of X is: (360, 64)" in out
    assert "Epoch 100/100" in out
    # 360 samples in batches of 32: 12 steps; no metrics, so only the loss.
    assert len(re.findall(rf"^12/12 {BAR} .* - loss: {NUM}$", out, flags=re.MULTILINE)) == 100
    accuracy = float(re.search(r"training accuracy: ([\d.]+)", out).group(1))
    assert accuracy > 0.95
    assert "optimizer: RMSprop" in out  # compile()'s default, as in Keras


CELSIUS = """\
import tensorflow as tf
import numpy as np
import logging
logger = tf.get_logger()
logger.setLevel(logging.ERROR)

celsius_q    = np.array([-40, -10,  0,  8, 15, 22,  38],  dtype=float)
fahrenheit_a = np.array([-40,  14, 32, 46, 59, 72, 100],  dtype=float)

for i,c in enumerate(celsius_q):
  print("{} degrees Celsius = {} degrees Fahrenheit".format(c, fahrenheit_a[i]))

l0 = tf.keras.layers.Dense(units=1, input_shape=[1])
model = tf.keras.Sequential([l0])
model.compile(loss='mean_squared_error',
              optimizer=tf.keras.optimizers.Adam(0.1))
history = model.fit(celsius_q, fahrenheit_a, epochs=500, verbose=False)
print("Finished training the model")

print(model.predict([100.0]))
print("These are the layer variables: {}".format(l0.get_weights()))
"""


@tutorial("celsius.py", CELSIUS)
def test_celsius_to_fahrenheit(tutorial_run):
    result, _ = tutorial_run
    assert_ran(result)
    out = result.stdout
    assert "Epoch" not in out  # verbose=False
    assert "-40.0 degrees Celsius = -40.0 degrees Fahrenheit" in out
    prediction = float(re.search(r"^\[\[([-\d.e+]+)\]\]$", out, flags=re.MULTILINE).group(1))
    assert abs(prediction - 212.0) < 5.0
    weights = re.search(r"array\(\[\[([-\d.e+]+)\]\], dtype=float32\), array\(\[([-\d.e+]+)\]",
                        out)
    assert abs(float(weights.group(1)) - 1.8) < 0.1 and abs(float(weights.group(2)) - 32) < 4


TRAINING_CURVES = """\
import tensorflow as tf
import matplotlib.pyplot as plt

(x_train, y_train), (x_test, y_test) = tf.keras.datasets.mnist.load_data()
x_train = x_train.reshape(-1, 784).astype("float32") / 255.0
x_test = x_test.reshape(-1, 784).astype("float32") / 255.0

model = tf.keras.Sequential([
    tf.keras.layers.Dense(64, activation='relu', input_shape=(784,)),
    tf.keras.layers.Dropout(0.2),
    tf.keras.layers.Dense(10, activation='softmax'),
])
model.compile(optimizer='adam', loss='sparse_categorical_crossentropy', metrics=['accuracy'])

history = model.fit(x_train, y_train, epochs=10, batch_size=32, validation_split=0.1,
                    learning_rate=0.001)

loss = history.history['loss']
val_loss = history.history['val_loss']
epochs = range(1, len(loss) + 1)

plt.plot(epochs, loss, 'bo', label='Training loss')
plt.plot(epochs, val_loss, 'b', label='Validation loss')
plt.title('Training and validation loss')
plt.xlabel('Epochs')
plt.ylabel('Loss')
plt.legend()
plt.show()

plt.clf()
acc = history.history['accuracy']
val_acc = history.history['val_accuracy']
plt.plot(epochs, acc, 'bo', label='Training acc')
plt.plot(epochs, val_acc, 'b', label='Validation acc')
plt.title('Training and validation accuracy')
plt.legend()
plt.show()
print("final val_loss", val_loss[-1])
"""


@tutorial("training_curves.py", TRAINING_CURVES, cost=2)
def test_training_curves_are_saved_without_a_display(tutorial_run):
    result, workdir = tutorial_run
    assert_ran(result)
    out = result.stdout
    # 540 training images (10% kept for validation): 17 steps, with val_ metrics.
    bars = re.findall(rf"^17/17 {BAR} .* - accuracy: {NUM} - loss: {NUM} - "
                      rf"val_accuracy: {NUM} - val_loss: {NUM}$", out, flags=re.MULTILINE)
    assert len(bars) == 10
    for number in (1, 2):
        path = workdir / f"figure-{number}.png"
        assert path.is_file() and path.read_bytes().startswith(b"\x89PNG")
        assert f"Saved figure 1 to {path}" in out
    assert epoch_logs(out)[-1]["val_loss"] == pytest.approx(
        float(re.search(r"final val_loss ([\d.e-]+)", out).group(1)), abs=1e-4)
