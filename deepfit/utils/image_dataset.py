"""`image_dataset_from_directory`: a batched `deepfit.data.Dataset` of images from class folders.

Keras's signature and rules: classes are the sorted subfolders; files are shuffled with the
seed and split deterministically, so a seed gives the same training/validation files as Keras
and the subsets never overlap. Images come out float32 0..255, channels-last. Batches are
decoded on a thread pool and prefetched in the background while the model trains.

Example:
    >>> train_ds, val_ds = image_dataset_from_directory(  # doctest: +SKIP
    ...     "flower_photos", validation_split=0.2, subset="both", seed=123,
    ...     image_size=(180, 180), batch_size=32)
    >>> train_ds.class_names  # doctest: +SKIP
    ['daisy', 'dandelion', 'roses', 'sunflowers', 'tulips']
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np

from deepfit.data import AUTOTUNE, Dataset
from deepfit.data.directory import encode_labels, index_subsets, split_subset
from deepfit.data.images import ImageBatchLoader, check_interpolation, pil_image_module

ALLOWLIST_FORMATS = (".bmp", ".gif", ".jpeg", ".jpg", ".png")


def image_dataset_from_directory(
    directory: str | os.PathLike,
    labels: Any = "inferred",
    label_mode: str | None = "int",
    class_names: Sequence[str] | None = None,
    color_mode: str = "rgb",
    batch_size: int | None = 32,
    image_size: int | Sequence[int] = (256, 256),
    shuffle: bool = True,
    seed: int | None = None,
    validation_split: float | None = None,
    subset: str | None = None,
    interpolation: str = "bilinear",
    follow_links: bool = False,
    crop_to_aspect_ratio: bool = False,
    pad_to_aspect_ratio: bool = False,
    data_format: str | None = None,
    format: str = "tf",
    verbose: bool = True,
) -> Dataset | list[Dataset]:
    """A dataset of `(images, labels)` batches read from `directory`.

    Args:
        directory: with labels='inferred', a folder holding one subfolder per class.
        labels: 'inferred', None, or a list of int labels for the sorted files.
        label_mode: 'int' (int32, (batch,)), 'categorical' (float32 one-hot, (batch, classes)),
            'binary' (float32, (batch, 1), exactly two classes) or None (images only).
        class_names: with labels='inferred', the subfolders to use, in label order.
        color_mode: 'rgb' (3 channels), 'rgba' (4) or 'grayscale' (1).
        batch_size: images per batch; None yields single images.
        image_size: (height, width) the images are resized to (an int means square).
        shuffle: shuffle the files (and the batches on each pass); else sorted order.
        seed: seed of the shuffles; required with validation_split when shuffling.
        validation_split: fraction of the files kept for validation.
        subset: 'training', 'validation' or 'both' (returns [train, validation]).
        interpolation: 'bilinear', 'nearest', 'bicubic' or 'area'.
        follow_links: descend into symlinked subfolders.
        crop_to_aspect_ratio: resize without distortion by cropping to the target aspect.
        pad_to_aspect_ratio: resize without distortion by padding to the target aspect.
        data_format: 'channels_last' (default) or 'channels_first'.
        format: 'tf' or 'grain', accepted for Keras compatibility; a deepfit Dataset is
            returned either way.
        verbose: print how many files and classes were found.

    Returns:
        A `deepfit.data.Dataset` (a list of two for subset='both') with `.class_names` and
        `.file_paths`; images are float32 0..255 of shape (batch, height, width, channels).

    Example:
        >>> ds = image_dataset_from_directory("photos", image_size=(64, 64))  # doctest: +SKIP
        >>> images, labels = next(iter(ds))  # doctest: +SKIP
    """
    pil_image_module()
    labels, label_mode = _check_labels(labels, label_mode, class_names)
    num_channels = _channels(color_mode)
    image_size = _size(image_size)
    interpolation = check_interpolation(interpolation)
    channels_first = _channels_first(data_format)
    if format not in ("tf", "grain"):
        raise ValueError(f"format must be 'tf' or 'grain', received {format!r}")
    if crop_to_aspect_ratio and pad_to_aspect_ratio:
        raise ValueError("Only one of crop_to_aspect_ratio and pad_to_aspect_ratio can be True")
    paths, found_labels, class_names, seed = index_subsets(
        directory, labels, label_mode, ALLOWLIST_FORMATS, class_names, shuffle, seed,
        follow_links, verbose, validation_split, subset)
    loader = ImageBatchLoader(image_size, num_channels, interpolation, crop_to_aspect_ratio,
                              pad_to_aspect_ratio, channels_first)

    def build(part: str | None, shuffled: bool) -> Dataset:
        part_paths, part_labels = split_subset(paths, found_labels, validation_split, part)
        if not part_paths:
            which = f"{part} " if part else ""
            raise ValueError(
                f"No {which}images found in directory {os.fspath(directory)}. "
                f"Allowed formats: {ALLOWLIST_FORMATS}"
            )
        encoded = None
        if label_mode is not None:
            encoded = encode_labels(part_labels, label_mode, len(class_names))
        return _pipeline(part_paths, encoded, loader, batch_size, shuffled, seed, class_names)

    if subset == "both":
        return [build("training", shuffle), build("validation", False)]
    return build(subset, shuffle)


def _pipeline(
    paths: list[str],
    labels: np.ndarray | None,
    loader: ImageBatchLoader,
    batch_size: int | None,
    shuffle: bool,
    seed: int,
    class_names: list[str] | None,
) -> Dataset:
    path_array = np.array(paths, dtype=str)
    dataset = Dataset.from_tensor_slices(path_array if labels is None else (path_array, labels))
    if shuffle:
        dataset = dataset.shuffle(batch_size * 8 if batch_size else 1024, seed=seed)
    if batch_size is not None:
        # Batching the paths first lets one map call decode a whole batch on the thread pool.
        dataset = dataset.batch(batch_size).map(loader)
    else:
        dataset = dataset.map(loader, num_parallel_calls=AUTOTUNE)
    dataset = dataset.prefetch(AUTOTUNE)
    dataset.class_names = class_names
    dataset.file_paths = paths
    return dataset


def _check_labels(labels: Any, label_mode: str | None, class_names: Any) -> tuple[Any, Any]:
    if labels not in ("inferred", None):
        if not isinstance(labels, (list, tuple, np.ndarray)):
            raise ValueError(
                "labels must be 'inferred', None, or a list/tuple of int labels (one per "
                f"file, in sorted order); received labels={labels!r}"
            )
        if class_names:
            raise ValueError(
                "class_names can only be given with labels='inferred'; received a labels list "
                f"and class_names={class_names}"
            )
    if label_mode not in ("int", "categorical", "binary", None):
        raise ValueError(
            "label_mode must be 'int', 'categorical', 'binary' or None, "
            f"received label_mode={label_mode!r}"
        )
    if labels is None or label_mode is None:
        return None, None
    return labels, label_mode


def _channels(color_mode: str) -> int:
    channels = {"grayscale": 1, "rgb": 3, "rgba": 4}
    if color_mode not in channels:
        raise ValueError(
            f"color_mode must be 'rgb', 'rgba' or 'grayscale', received {color_mode!r}"
        )
    return channels[color_mode]


def _size(image_size: Any) -> tuple[int, int]:
    if isinstance(image_size, (int, np.integer)) and not isinstance(image_size, bool):
        return int(image_size), int(image_size)
    if isinstance(image_size, (list, tuple)) and len(image_size) == 2:
        return int(image_size[0]), int(image_size[1])
    raise ValueError(
        f"image_size must be a (height, width) tuple of 2 ints, received {image_size!r}"
    )


def _channels_first(data_format: str | None) -> bool:
    if data_format in (None, "channels_last"):
        return False
    if data_format == "channels_first":
        return True
    raise ValueError(
        f"data_format must be 'channels_last' or 'channels_first', received {data_format!r}"
    )
