"""The TensorFlow tutorial "Basic text classification" (tensorflow/docs
site/en/tutorials/keras/text_classification.ipynb, Apache License 2.0), its code cells verbatim
but for where the data comes from (a generated aclImdb-like folder instead of the download),
run with `python -m deepfit run`: text_dataset_from_directory, TextVectorization with a custom
standardization in Dataset.map, Embedding + GlobalAveragePooling1D, an export model on raw
strings. The generated reviews carry sentiment words, so the model must learn them (> 80 %)."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import numpy as np

from tests.compat.conftest import REPO, assert_ran

PROGRAM = '''\
import matplotlib.pyplot as plt
import os
import re
import shutil
import string
import tensorflow as tf

from tensorflow.keras import layers
from tensorflow.keras import losses

print(tf.__version__)

dataset = "./aclImdb_v1"  # data: a generated folder instead of the download

dataset_dir = os.path.join(os.path.dirname(dataset), 'aclImdb_v1')

os.listdir(dataset_dir)

train_dir = os.path.join(dataset_dir, 'aclImdb', 'train')
test_dir = os.path.join(dataset_dir, 'aclImdb', 'test')
os.listdir(train_dir)

sample_file = os.path.join(train_dir, 'pos', '1181_9.txt')
with open(sample_file) as f:
  print(f.read())

remove_dir = os.path.join(train_dir, 'unsup')
shutil.rmtree(remove_dir)

batch_size = 32
seed = 42

raw_train_ds = tf.keras.utils.text_dataset_from_directory(
    train_dir,
    batch_size=batch_size,
    validation_split=0.2,
    subset='training',
    seed=seed)

for text_batch, label_batch in raw_train_ds.take(1):
  for i in range(3):
    print("Review", text_batch.numpy()[i])
    print("Label", label_batch.numpy()[i])

print("Label 0 corresponds to", raw_train_ds.class_names[0])
print("Label 1 corresponds to", raw_train_ds.class_names[1])

raw_val_ds = tf.keras.utils.text_dataset_from_directory(
    train_dir,
    batch_size=batch_size,
    validation_split=0.2,
    subset='validation',
    seed=seed)

raw_test_ds = tf.keras.utils.text_dataset_from_directory(
    test_dir,
    batch_size=batch_size)

def custom_standardization(input_data):
  lowercase = tf.strings.lower(input_data)
  stripped_html = tf.strings.regex_replace(lowercase, '<br />', ' ')
  return tf.strings.regex_replace(stripped_html,
                                  '[%s]' % re.escape(string.punctuation),
                                  '')

max_features = 10000
sequence_length = 250

vectorize_layer = layers.TextVectorization(
    standardize=custom_standardization,
    max_tokens=max_features,
    output_mode='int',
    output_sequence_length=sequence_length)

# Make a text-only dataset (without labels), then call adapt
train_text = raw_train_ds.map(lambda x, y: x)
vectorize_layer.adapt(train_text)

def vectorize_text(text, label):
  text = tf.expand_dims(text, -1)
  return vectorize_layer(text), label

# retrieve a batch (of 32 reviews and labels) from the dataset
text_batch, label_batch = next(iter(raw_train_ds))
first_review, first_label = text_batch[0], label_batch[0]
print("Review", first_review)
print("Label", raw_train_ds.class_names[first_label])
print("Vectorized review", vectorize_text(first_review, first_label))

print("1287 ---> ",vectorize_layer.get_vocabulary()[1287])
print(" 313 ---> ",vectorize_layer.get_vocabulary()[313])
print('Vocabulary size: {}'.format(len(vectorize_layer.get_vocabulary())))

train_ds = raw_train_ds.map(vectorize_text)
val_ds = raw_val_ds.map(vectorize_text)
test_ds = raw_test_ds.map(vectorize_text)

AUTOTUNE = tf.data.AUTOTUNE

train_ds = train_ds.cache().prefetch(buffer_size=AUTOTUNE)
val_ds = val_ds.cache().prefetch(buffer_size=AUTOTUNE)
test_ds = test_ds.cache().prefetch(buffer_size=AUTOTUNE)

embedding_dim = 16

model = tf.keras.Sequential([
  layers.Embedding(max_features, embedding_dim),
  layers.Dropout(0.2),
  layers.GlobalAveragePooling1D(),
  layers.Dropout(0.2),
  layers.Dense(1, activation='sigmoid')])

model.summary()

model.compile(loss=losses.BinaryCrossentropy(),
              optimizer='adam',
              metrics=[tf.metrics.BinaryAccuracy(threshold=0.5)])

epochs = 10
history = model.fit(
    train_ds,
    validation_data=val_ds,
    epochs=epochs)

loss, accuracy = model.evaluate(test_ds)

print("Loss: ", loss)
print("Accuracy: ", accuracy)

history_dict = history.history
history_dict.keys()

acc = history_dict['binary_accuracy']
val_acc = history_dict['val_binary_accuracy']
loss = history_dict['loss']
val_loss = history_dict['val_loss']

epochs = range(1, len(acc) + 1)

# "bo" is for "blue dot"
plt.plot(epochs, loss, 'bo', label='Training loss')
# b is for "solid blue line"
plt.plot(epochs, val_loss, 'b', label='Validation loss')
plt.title('Training and validation loss')
plt.xlabel('Epochs')
plt.ylabel('Loss')
plt.legend()

plt.show()

plt.plot(epochs, acc, 'bo', label='Training acc')
plt.plot(epochs, val_acc, 'b', label='Validation acc')
plt.title('Training and validation accuracy')
plt.xlabel('Epochs')
plt.ylabel('Accuracy')
plt.legend(loc='lower right')

plt.show()

export_model = tf.keras.Sequential([
  vectorize_layer,
  model,
  layers.Activation('sigmoid')
])

export_model.compile(
    loss=losses.BinaryCrossentropy(from_logits=False), optimizer="adam", metrics=['accuracy']
)

# Test it with `raw_test_ds`, which yields raw strings
metrics = export_model.evaluate(raw_test_ds, return_dict=True)
print(metrics)

examples = tf.constant([
  "The movie was great!",
  "The movie was okay.",
  "The movie was terrible..."
])

print(export_model.predict(examples))
'''

POSITIVE = ["great", "wonderful", "loved", "brilliant", "superb", "enjoyable", "moving", "best"]
NEGATIVE = ["awful", "terrible", "boring", "waste", "worst", "dull", "hated", "poor"]
FILLER = ["the", "movie", "film", "plot", "actor", "story", "was", "and", "a", "it", "this", "of",
          "scene", "director", "music", "ending", "characters", "time", "really", "very"]


def make_acl_imdb(root: str, train_per_class: int = 500, test_per_class: int = 250) -> None:
    """aclImdb/{train,test}/{pos,neg}/<id>_<rating>.txt (+ train/unsup) under `root`: reviews of
    common words, rare made-up words (a vocabulary of thousands, as the tutorial indexes it) and
    5 to 8 sentiment words of their class, sometimes one of the other class."""
    rng = np.random.default_rng(0)
    rare = ["".join(rng.choice(list("bcdfghklmnprstvz"), 3)) + "".join(rng.choice(list("aeiou"),
                                                                                  2))
            for _ in range(4000)]
    for split, count in (("train", train_per_class), ("test", test_per_class)):
        for label in ("pos", "neg"):
            folder = os.path.join(root, "aclImdb", split, label)
            os.makedirs(folder)
            for i in range(count):
                words = list(rng.choice(FILLER, rng.integers(30, 80))) + list(rng.choice(rare, 15))
                own, other = (POSITIVE, NEGATIVE) if label == "pos" else (NEGATIVE, POSITIVE)
                words += list(rng.choice(own, rng.integers(5, 9)))
                if rng.random() < 0.3:
                    words.append(str(rng.choice(other)))
                rng.shuffle(words)
                number = 1181 if (split, label, i) == ("train", "pos", 0) else 2000 + i
                name = f"{number}_{9 if label == 'pos' else 2}.txt"
                with open(os.path.join(folder, name), "w") as handle:
                    handle.write(" ".join(words).capitalize() + ".<br /><br />The End!")
    os.makedirs(os.path.join(root, "aclImdb", "train", "unsup"))
    with open(os.path.join(root, "aclImdb", "train", "unsup", "0_0.txt"), "w") as handle:
        handle.write("unlabelled")


def test_basic_text_classification_tutorial_learns(tmp_path):
    make_acl_imdb(str(tmp_path / "aclImdb_v1"))
    (tmp_path / "text_classification.py").write_text(PROGRAM)
    env = dict(os.environ, MPLBACKEND="Agg", DEEPFIT_DEVICE="cpu", OMP_NUM_THREADS="1",
               PYTHONPATH=str(REPO), DEEPFIT_HOME=str(tmp_path / "home"))
    result = subprocess.run([sys.executable, "-m", "deepfit", "run", "text_classification.py"],
                            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=500)
    assert_ran(result)
    out = result.stdout
    assert "Found 1000 files belonging to 2 classes.\nUsing 800 files for training." in out
    assert "Using 200 files for validation." in out
    assert "Found 500 files belonging to 2 classes." in out
    assert "Label 0 corresponds to neg" in out and "Label 1 corresponds to pos" in out
    vocabulary = int(re.search(r"Vocabulary size: (\d+)", out).group(1))
    assert 3000 < vocabulary <= 10000
    # Printed as TensorFlow prints an eager tensor.
    assert re.search(r"Vectorized review \(<tf.Tensor: shape=\(1, 250\), dtype=int64, "
                     r"numpy=array\(\[\[ *\d+,", out)
    accuracy = float(re.search(r"^Accuracy:  ([\d.]+)$", out, flags=re.MULTILINE).group(1))
    assert accuracy > 0.8
    assert len(re.findall(r"^Epoch \d+/10$", out, flags=re.MULTILINE)) == 10
    # The export model takes raw strings: "great" scores above "terrible".
    scores = [float(v) for v in re.findall(r"[\d.]+(?:e-?\d+)?", out.rsplit("{", 1)[1].split(
        "}", 1)[1])][-3:]
    assert scores[0] > scores[2]
