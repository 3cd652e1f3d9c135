"""End to end: a model with preprocessing and augmentation stacks (nested Sequentials, as in the
flowers tutorial) learns a generated 3-class image folder read by image_dataset_from_directory.

The classes differ only in their pattern (rows, columns or a checkerboard, with a random period,
phase and color), so the model has to learn shapes, not colors."""

from __future__ import annotations

import numpy as np
import pytest

import deepfit
from deepfit.layers.augmentation import RandomFlip, RandomRotation, RandomZoom
from deepfit.layers.conv import Conv2D
from deepfit.layers.core import Dense
from deepfit.layers.pooling import GlobalAveragePooling2D, MaxPooling2D
from deepfit.layers.preprocessing import Rescaling, Resizing
from deepfit.utils.image_dataset import image_dataset_from_directory

Image = pytest.importorskip("PIL.Image")

CLASSES = ("checks", "columns", "rows")
PER_CLASS = 40


def _picture(kind: str, rng: np.random.Generator) -> np.ndarray:
    """A 28x28 RGB picture: the class's pattern in a random bright color on a dark, noisy field."""
    size, period = 28, int(rng.integers(4, 8))
    yy, xx = np.mgrid[:size, :size] + rng.integers(0, period, size=2)[:, None, None]
    half = period // 2
    on = {"rows": (yy // half) % 2 == 0,
          "columns": (xx // half) % 2 == 0,
          "checks": ((yy // half) + (xx // half)) % 2 == 0}[kind]
    picture = rng.normal(60, 20, (size, size, 3))
    picture[on] = rng.uniform(120, 255, 3) + rng.normal(0, 10, (int(on.sum()), 3))
    return np.clip(picture, 0, 255).astype(np.uint8)


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    root = tmp_path_factory.mktemp("patterns")
    rng = np.random.default_rng(0)
    for kind in CLASSES:
        (root / kind).mkdir()
        for i in range(PER_CLASS):
            Image.fromarray(_picture(kind, rng)).save(root / kind / f"{kind}_{i:03d}.png")
    return str(root)


def test_model_with_augmentation_learns_a_generated_image_folder(folder):
    deepfit.utils.set_random_seed(0)
    train_ds, val_ds = image_dataset_from_directory(
        folder, validation_split=0.25, subset="both", seed=123, image_size=(28, 28),
        batch_size=16, verbose=False)
    assert train_ds.class_names == list(CLASSES)
    assert len(train_ds.file_paths) == 90 and len(val_ds.file_paths) == 30
    resize_and_rescale = deepfit.Sequential([Resizing(24, 24), Rescaling(1.0 / 255)])
    data_augmentation = deepfit.Sequential([
        RandomFlip("horizontal_and_vertical"),
        RandomRotation(0.03),
        RandomZoom(0.1),
    ])
    model = deepfit.Sequential([
        resize_and_rescale,
        data_augmentation,
        Conv2D(8, 3, activation="relu"),
        MaxPooling2D(),
        Conv2D(16, 3, activation="relu"),
        GlobalAveragePooling2D(),
        Dense(3, activation="softmax"),
    ])
    model.compile(optimizer=deepfit.optimizers.Adam(1e-2), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    history = model.fit(train_ds.cache().shuffle(100).prefetch(deepfit.data.AUTOTUNE),
                        validation_data=val_ds, epochs=20, verbose=0)
    assert history.history["val_accuracy"][-1] >= 0.9, history.history
    _, accuracy = model.evaluate(val_ds, verbose=0)
    assert accuracy >= 0.9
    images, labels = next(iter(val_ds))
    predictions = model.predict(images, verbose=0)
    np.testing.assert_array_equal(model.predict(images, verbose=0), predictions)
    assert predictions.shape == (len(labels), 3)
