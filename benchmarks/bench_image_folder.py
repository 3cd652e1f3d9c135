"""Images per second from `image_dataset_from_directory` into `fit`, on a generated folder of
JPEGs (256×256, five classes) with the flowers tutorial's model: Rescaling, four augmentation
layers (RandomFlip, RandomRotation, RandomZoom, RandomContrast), Flatten → Dense 256 → 128 → 5.

The model and the pipeline are written against the Keras API (`build_flowers_model(k, ...)`,
`k` being deepfit or keras), so a peer run can reuse them unchanged. The first epoch (thread
pools starting, first allocations) is reported apart and left out of the throughput.

Usage:
    python benchmarks/bench_image_folder.py [--workdir /tmp/bench-images] [--images 2000]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

CLASSES = ("daisy", "dandelion", "roses", "sunflowers", "tulips")


def make_image_folder(root: str | Path, images: int = 2000, size: int = 256, seed: int = 0
                      ) -> Path:
    """Write `images` JPEGs (size×size, spread over five class folders) unless already there.

    Each class has its own hue and stripe direction, with noise, so the files are realistic
    JPEG sizes and a model can learn them.

    Returns:
        The folder's path.
    """
    from PIL import Image

    root = Path(root) / f"flowers_{images}_{size}"
    done = root / ".complete"
    if done.exists():
        return root
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:size, :size]
    for index in range(images):
        label = index % len(CLASSES)
        folder = root / CLASSES[label]
        folder.mkdir(parents=True, exist_ok=True)
        period = int(rng.integers(8, 32))
        phase = xx if label % 2 else yy
        stripes = ((phase + rng.integers(0, period)) // (period // 2)) % 2
        color = np.roll(np.array([220.0, 120.0, 40.0]), label) + rng.normal(0, 20, 3)
        picture = rng.normal(90, 30, (size, size, 3)) + stripes[..., None] * (color - 90)
        picture = np.clip(picture, 0, 255).astype(np.uint8)
        Image.fromarray(picture).save(folder / f"{index:05d}.jpg", quality=90)
    done.write_text("ok")
    return root


def build_flowers_model(k: Any, image_size: tuple[int, int], num_classes: int = 5) -> Any:
    """The flowers tutorial's dense model with its preprocessing and augmentation layers."""
    layers = k.layers
    return k.Sequential([
        layers.Input((*image_size, 3)),
        layers.Rescaling(1.0 / 255),
        layers.RandomFlip("horizontal"),
        layers.RandomRotation(0.1),
        layers.RandomZoom(0.1),
        layers.RandomContrast(0.1),
        layers.Flatten(),
        layers.Dense(256, activation="relu"),
        layers.Dense(128, activation="relu"),
        layers.Dense(num_classes),
    ])


def _epoch_timer(k: Any) -> Any:
    class EpochTimer(k.callbacks.Callback):
        def __init__(self) -> None:
            super().__init__()
            self.seconds: list[float] = []

        def on_epoch_begin(self, epoch: int, logs: Any = None) -> None:
            self._start = time.perf_counter()

        def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
            self.seconds.append(time.perf_counter() - self._start)

    return EpochTimer()


def run(k: Any, workdir: str | Path, images: int = 2000, epochs: int = 2,
        batch_size: int = 32, image_size: tuple[int, int] = (256, 256)) -> dict[str, Any]:
    """Time `k` (deepfit or keras) reading a generated JPEG folder into `fit`.

    Args:
        k: the Keras-like module (deepfit, or keras with any backend).
        workdir: where the image folder is generated (and reused by later runs).
        images: how many JPEGs (256×256).
        epochs: epochs to train; the first is a warm-up.
        batch_size: images per batch.
        image_size: the size `image_dataset_from_directory` resizes to.

    Returns:
        A dict with `images_per_second` and `seconds_per_epoch` (epochs after the first),
        the per-epoch seconds and the settings.
    """
    k.utils.set_random_seed(0)
    folder = make_image_folder(workdir, images)
    train_ds = k.utils.image_dataset_from_directory(
        str(folder), image_size=image_size, batch_size=batch_size, seed=123, verbose=False)
    autotune = k.data.AUTOTUNE if hasattr(k, "data") else -1
    train_ds = train_ds.prefetch(autotune)
    model = build_flowers_model(k, image_size, len(CLASSES))
    model.compile(optimizer="adam",
                  loss=k.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    timer = _epoch_timer(k)
    model.fit(train_ds, epochs=epochs, verbose=0, callbacks=[timer])
    timed = timer.seconds[1:] or timer.seconds
    per_epoch = sum(timed) / len(timed)
    return {"images": images, "image_size": list(image_size), "batch_size": batch_size,
            "epoch_seconds": [round(s, 3) for s in timer.seconds],
            "seconds_per_epoch": per_epoch, "images_per_second": images / per_epoch}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", default="/tmp/deepfit-bench-images")
    parser.add_argument("--images", type=int, default=2000)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--image-size", type=int, nargs=2, default=(256, 256))
    args = parser.parse_args(argv)
    import deepfit

    result = run(deepfit, args.workdir, args.images, args.epochs, args.batch_size,
                 tuple(args.image_size))
    json.dump(result, sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()
