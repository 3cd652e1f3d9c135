"""Image classification with data augmentation (the "flowers" tutorial), in deepfit: an image
folder read with `image_dataset_from_directory`, resized and rescaled, augmented with
RandomFlip/RandomRotation/RandomZoom/RandomContrast while training, then a dense classifier.

Runs offline: it uses the flower_photos folder if one is already in deepfit's or Keras's
dataset cache (or `--data-dir`), and otherwise generates a small folder of five classes of
synthetic "flowers" (colored blobs on a background) to train on.

    python examples/flowers_augmentation.py [--data-dir DIR] [--epochs 15] [--image-size 64]
"""

from __future__ import annotations

import argparse
import os
import pathlib
from collections.abc import Sequence

import numpy as np

import deepfit as keras
from deepfit.layers import (
    RandomContrast,
    RandomFlip,
    RandomRotation,
    RandomZoom,
    Rescaling,
    Resizing,
)
from deepfit.utils.file_utils import deepfit_home

CLASSES = ("daisy", "dandelion", "roses", "sunflowers", "tulips")


def find_flower_photos() -> pathlib.Path | None:
    """An already downloaded flower_photos folder in deepfit's or Keras's cache, if any."""
    roots = [deepfit_home(), os.environ.get("KERAS_HOME") or "", os.path.expanduser("~/.keras")]
    for root in filter(None, roots):
        folder = pathlib.Path(root) / "datasets" / "flower_photos"
        if folder.is_dir() and any(folder.glob("*/*.jpg")):
            return folder
    return None


def generate_flowers(folder: pathlib.Path, per_class: int = 40, size: int = 96,
                     seed: int = 0) -> pathlib.Path:
    """Write `per_class` JPEGs for each of five classes: a blob of the class's color and size
    at a random place, on a noisy green background.

    Returns:
        The folder (with one subfolder per class).
    """
    from PIL import Image

    rng = np.random.default_rng(seed)
    colors = [(250, 250, 245), (250, 220, 30), (200, 20, 60), (255, 180, 0), (220, 80, 160)]
    rows, cols = np.mgrid[0:size, 0:size]
    for k, name in enumerate(CLASSES):
        (folder / name).mkdir(parents=True, exist_ok=True)
        for i in range(per_class):
            image = rng.normal([60, 120, 50], 25, (size, size, 3))
            cy, cx = rng.uniform(0.3, 0.7, 2) * size
            radius = size * (0.12 + 0.05 * k)
            inside = (rows - cy) ** 2 + (cols - cx) ** 2 < radius ** 2
            image[inside] = np.array(colors[k]) + rng.normal(0, 10, (inside.sum(), 3))
            pixels = np.clip(image, 0, 255).astype(np.uint8)
            Image.fromarray(pixels).save(folder / name / f"{name}_{i:03d}.jpg", quality=90)
    return folder


def main(argv: Sequence[str] | None = None) -> dict:
    """Train with augmentation; returns `history.history`."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", help="a folder with one subfolder of images per class")
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--image-size", type=int, default=64)
    parser.add_argument("--per-class", type=int, default=40,
                        help="images per class when generating the folder")
    args = parser.parse_args(argv)

    data_dir = pathlib.Path(args.data_dir) if args.data_dir else find_flower_photos()
    if data_dir is None or not any(data_dir.glob("*/*.jpg")):
        data_dir = data_dir or pathlib.Path(deepfit_home()) / "datasets" / "generated_flowers"
        print(f"No flower photos found: generating a small image folder in {data_dir}")
        generate_flowers(data_dir, per_class=args.per_class)

    keras.utils.set_random_seed(42)
    size = (args.image_size, args.image_size)
    train_ds, val_ds = keras.utils.image_dataset_from_directory(
        data_dir, validation_split=0.2, subset="both", seed=42, image_size=size,
        batch_size=32, label_mode="int")
    print("classes:", train_ds.class_names)
    num_classes = len(train_ds.class_names)

    resize_and_rescale = keras.Sequential([Resizing(*size), Rescaling(1.0 / 255)])
    data_augmentation = keras.Sequential([
        RandomFlip("horizontal"),
        RandomRotation(0.1),
        RandomZoom(0.1),
        RandomContrast(0.1),
    ])
    model = keras.Sequential([
        resize_and_rescale,
        data_augmentation,
        keras.layers.Flatten(),
        keras.layers.Dense(256, activation="relu"),
        keras.layers.Dense(128, activation="relu"),
        keras.layers.Dense(num_classes, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    history = model.fit(train_ds, epochs=args.epochs, validation_data=val_ds)
    print(f"final validation accuracy: {history.history['val_accuracy'][-1]:.4f}")
    return history.history


if __name__ == "__main__":
    main()
