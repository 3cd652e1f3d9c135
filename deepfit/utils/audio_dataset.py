"""`audio_dataset_from_directory`: `(audio, labels)` batches from a folder of class subfolders
of `.wav` files, with Keras's file order, shuffling, validation split and label modes.

Audio is float32 of shape (batch, samples, channels), decoded as `tf.audio.decode_wav` does
(16-bit PCM); without `output_sequence_length` each batch is zero-padded to its longest file.
The same seed gives the same training and validation files as
`keras.utils.audio_dataset_from_directory`.

Example:
    >>> train, val = audio_dataset_from_directory("speech", batch_size=64,  # doctest: +SKIP
    ...     validation_split=0.2, seed=0, output_sequence_length=16000, subset="both")
    >>> audio, labels = next(iter(train))  # doctest: +SKIP
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np

from deepfit.data import AUTOTUNE, Dataset
from deepfit.data.directory import index_subsets
from deepfit.data.file_datasets import no_files_message, subset_datasets
from deepfit.utils import wav
from deepfit.utils.image_dataset import _check_labels

ALLOWED_FORMATS = (".wav",)


class _WavReader:
    """Reads one file path into float32 audio (samples, channels), cut or padded to
    `samples` when given."""

    def __init__(self, samples: int | None):
        self.samples = -1 if samples is None else samples

    def _read(self, path: Any) -> np.ndarray:
        with open(str(path), "rb") as handle:
            audio, _ = wav.decode_wav(handle.read(), desired_samples=self.samples)
        return audio

    def __call__(self, path: Any, label: Any = None) -> Any:
        audio = self._read(np.asarray(path).reshape(()).item())
        return audio if label is None else (audio, label)


def _check_audio_arguments(sampling_rate: Any, output_sequence_length: Any, ragged: bool,
                           format: str) -> None:
    if format not in ("tf", "grain"):
        raise ValueError(f'`format` should be either "tf" or "grain". Received: '
                         f"format={format}")
    if ragged and output_sequence_length is not None:
        raise ValueError("Cannot set both `ragged` and `output_sequence_length`")
    if ragged:
        raise NotImplementedError("audio_dataset_from_directory(ragged=True) is not provided "
                                  "by deepfit (torch has no ragged tensors): leave ragged=False "
                                  "to zero-pad each batch, or set output_sequence_length")
    if sampling_rate is not None:
        if isinstance(sampling_rate, bool) or not isinstance(sampling_rate, int):
            raise ValueError(f"`sampling_rate` should have an integer value. Received: "
                             f"sampling_rate={sampling_rate}")
        if sampling_rate <= 0:
            raise ValueError(f"`sampling_rate` should be higher than 0. Received: "
                             f"sampling_rate={sampling_rate}")
        raise NotImplementedError("audio_dataset_from_directory(sampling_rate=...) is not "
                                  "provided by deepfit (Keras resamples with tensorflow-io); "
                                  "resample the files beforehand")
    if output_sequence_length is not None and (
            isinstance(output_sequence_length, bool) or int(output_sequence_length) < 1):
        raise ValueError(f"output_sequence_length must be a positive int or None, received "
                         f"{output_sequence_length!r}")


def audio_dataset_from_directory(
    directory: str | os.PathLike,
    labels: Any = "inferred",
    label_mode: str | None = "int",
    class_names: Sequence[str] | None = None,
    batch_size: int | None = 32,
    sampling_rate: int | None = None,
    output_sequence_length: int | None = None,
    ragged: bool = False,
    shuffle: bool = True,
    seed: int | None = None,
    validation_split: float | None = None,
    subset: str | None = None,
    follow_links: bool = False,
    format: str = "tf",
    verbose: bool = True,
) -> Dataset | tuple[Dataset, Dataset]:
    """A dataset of `(audio, labels)` batches read from the `.wav` files under `directory`.

    Args:
        directory: with labels='inferred', a folder holding one subfolder per class.
        labels: 'inferred', None, or a list of int labels for the sorted files.
        label_mode: 'int' (int32), 'categorical' (float32 one-hot), 'binary' (float32,
            (batch, 1), exactly two classes) or None (audio only).
        class_names: with labels='inferred', the subfolders to use, in label order.
        batch_size: files per batch; None yields single files.
        sampling_rate: not provided (Keras needs tensorflow-io to resample).
        output_sequence_length: cut or zero-pad every file to this many samples; None pads
            each batch to its longest file.
        ragged: not provided (torch has no ragged tensors).
        shuffle: shuffle the files (and the elements on each pass); else sorted order.
        seed: seed of the shuffles; required with validation_split when shuffling.
        validation_split: fraction of the files kept for validation.
        subset: 'training', 'validation' or 'both' (returns `(train, validation)`).
        follow_links: descend into symlinked subfolders.
        format: 'tf' or 'grain', accepted for Keras compatibility.
        verbose: print how many files and classes were found.

    Returns:
        A `deepfit.data.Dataset` (a tuple of two for subset='both') with `.class_names`;
        audio is float32 of shape (batch, samples, channels).
    """
    labels, label_mode = _check_labels(labels, label_mode, class_names)
    _check_audio_arguments(sampling_rate, output_sequence_length, ragged, format)
    paths, found_labels, class_names, seed = index_subsets(
        directory, labels, label_mode, ALLOWED_FORMATS, class_names, shuffle, seed,
        follow_links, verbose, validation_split, subset)
    reader = _WavReader(output_sequence_length)

    def finish(dataset: Dataset) -> Dataset:
        dataset = dataset.map(reader, num_parallel_calls=AUTOTUNE).prefetch(AUTOTUNE)
        if batch_size is None:
            return dataset
        return (dataset.padded_batch(batch_size) if output_sequence_length is None
                else dataset.batch(batch_size))

    found = subset_datasets(paths, found_labels, class_names, label_mode, validation_split,
                            subset, shuffle, seed, batch_size, finish,
                            no_files_message("audio", directory,
                                             f"Allowed format(s): {ALLOWED_FORMATS}"))
    return tuple(found) if subset == "both" else found
