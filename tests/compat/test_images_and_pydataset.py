"""Keras's single-image helpers and `keras.utils.PyDataset`, as scripts use them."""

from __future__ import annotations

import numpy as np
import pytest

import deepfit
from deepfit.compat import keras

pytest.importorskip("PIL")


def test_image_round_trip(tmp_path):
    pixels = np.random.default_rng(0).integers(0, 256, (6, 8, 3)).astype("float32")
    path = tmp_path / "image.png"
    keras.utils.save_img(path, pixels, scale=False)
    image = keras.utils.load_img(path)
    assert image.size == (8, 6) and image.mode == "RGB"
    array = keras.utils.img_to_array(image)
    assert array.dtype == np.float32 and array.shape == (6, 8, 3)
    np.testing.assert_array_equal(array, pixels)  # PNG is lossless
    small = keras.preprocessing.image.load_img(path, target_size=(3, 4), color_mode="grayscale")
    assert keras.preprocessing.image.img_to_array(small).shape == (3, 4, 1)
    assert keras.utils.img_to_array(image, data_format="channels_first").shape == (3, 6, 8)


def test_array_to_img_scales_to_the_full_range():
    image = keras.utils.array_to_img(np.array([[[0.0], [0.5]], [[1.0], [0.25]]]))
    assert image.mode == "L"
    assert np.asarray(image).tolist() == [[0, 127], [255, 63]]
    with pytest.raises(ValueError, match="expected 1, 3 or 4 channels"):
        keras.utils.array_to_img(np.zeros((2, 2, 2)))


def test_load_img_rejects_bad_arguments(tmp_path):
    path = tmp_path / "image.png"
    keras.utils.save_img(path, np.zeros((2, 2, 3)))
    with pytest.raises(ValueError, match="color_mode must be one of"):
        keras.utils.load_img(path, color_mode="cmyk")
    with pytest.raises(ValueError, match="interpolation must be one of"):
        keras.utils.load_img(path, target_size=(1, 1), interpolation="magic")


def test_a_pydataset_subclass_trains_like_in_keras(digits_data):
    (x, y), _ = digits_data

    class Batches(keras.utils.PyDataset):
        def __init__(self, batch_size, **kwargs):
            super().__init__(**kwargs)
            self.batch_size = batch_size

        def __len__(self):
            return len(x) // self.batch_size

        def __getitem__(self, index):
            window = slice(index * self.batch_size, (index + 1) * self.batch_size)
            return x[window], y[window]

    assert keras.utils.Sequence is keras.utils.PyDataset
    data = Batches(128, workers=2)
    model = deepfit.Sequential([deepfit.layers.Dense(10, activation="softmax", input_dim=64)])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    history = model.fit(data, epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2
    assert history.history["loss"][1] < history.history["loss"][0]
    assert data.num_batches == len(x) // 128
