"""Image decoding and resizing: exact pixels, hand-computed resizes and Keras's torch backend."""

import os

import numpy as np
import pytest

from deepfit.data.images import ImageBatchLoader, decode_image, load_image, resize_image

Image = pytest.importorskip("PIL.Image")


def keras_ops():
    os.environ["KERAS_BACKEND"] = "torch"
    keras = pytest.importorskip("keras")

    if keras.backend.backend() != "torch":
        pytest.skip("keras was imported with another backend")
    return keras.ops


def test_png_decodes_to_exact_float_pixels(tmp_path):
    pixels = np.random.default_rng(0).integers(0, 256, (5, 7, 3), dtype=np.uint8)
    Image.fromarray(pixels).save(tmp_path / "a.png")
    image = decode_image(tmp_path / "a.png", 3)
    assert image.dtype == np.float32 and image.shape == (5, 7, 3)
    assert np.array_equal(image, pixels.astype(np.float32))
    # same size: no resampling at all
    assert np.array_equal(load_image(tmp_path / "a.png", (5, 7)), pixels.astype(np.float32))


def test_color_modes(tmp_path):
    rgba = np.random.default_rng(1).integers(0, 256, (4, 4, 4), dtype=np.uint8)
    Image.fromarray(rgba, "RGBA").save(tmp_path / "a.png")
    assert np.array_equal(decode_image(tmp_path / "a.png", 4), rgba)
    assert np.array_equal(decode_image(tmp_path / "a.png", 3), rgba[..., :3])
    gray = decode_image(tmp_path / "a.png", 1)
    r, g, b = (rgba[..., i].astype(np.int64) for i in range(3))
    luma = (r * 299 + g * 587 + b * 114 + 500) // 1000  # ITU-R 601-2, what Pillow's "L" computes
    assert gray.shape == (4, 4, 1) and np.abs(gray[..., 0] - luma).max() <= 1
    sixteen = np.array([[0, 65535], [32768, 257]], dtype=np.uint16)
    Image.fromarray(sixteen).save(tmp_path / "b.png")
    assert np.allclose(decode_image(tmp_path / "b.png", 1)[..., 0], sixteen / 257.0, atol=1e-3)


def test_first_gif_frame_and_bmp(tmp_path):
    frames = [Image.new("RGB", (3, 2), color) for color in [(255, 0, 0), (0, 0, 255)]]
    frames[0].save(tmp_path / "a.gif", save_all=True, append_images=frames[1:])
    first = decode_image(tmp_path / "a.gif", 3)
    assert first.shape == (2, 3, 3) and np.array_equal(first[0, 0], [255, 0, 0])
    Image.new("RGB", (2, 2), (10, 20, 30)).save(tmp_path / "a.bmp")
    assert np.array_equal(decode_image(tmp_path / "a.bmp", 3)[1, 1], [10, 20, 30])


def test_bad_file_error_names_file(tmp_path):
    (tmp_path / "broken.jpg").write_bytes(b"not an image at all")
    with pytest.raises(ValueError, match="broken.jpg"):
        decode_image(tmp_path / "broken.jpg", 3)


def test_bilinear_matches_hand_computation():
    # 1x2 -> 1x4 with half-pixel centers: x_src = (x + 0.5) / 2 - 0.5, clamped at the edges
    image = np.array([[[0.0], [100.0]]], dtype=np.float32)
    out = resize_image(image, (1, 4), "bilinear")
    assert np.allclose(out[0, :, 0], [0.0, 25.0, 75.0, 100.0])
    nearest = resize_image(np.arange(4, dtype=np.float32).reshape(1, 4, 1), (1, 2), "nearest")
    assert nearest[0, :, 0].tolist() == [1.0, 3.0]  # centers 1.0 and 3.0 of the source grid
    area = resize_image(np.arange(16, dtype=np.float32).reshape(4, 4, 1), (2, 2), "area")
    assert area[..., 0].tolist() == [[2.5, 4.5], [10.5, 12.5]]


def test_crop_and_pad_to_aspect_ratio_geometry():
    image = np.arange(4 * 8, dtype=np.float32).reshape(4, 8, 1)
    cropped = resize_image(image, (4, 4), crop_to_aspect_ratio=True)
    assert np.array_equal(cropped, image[:, 2:6])  # centered 4x4 crop, no resampling needed
    padded = resize_image(image, (8, 8), pad_to_aspect_ratio=True)
    assert np.array_equal(padded[2:6], image) and padded[:2].sum() == 0 and padded[6:].sum() == 0
    with pytest.raises(ValueError, match="Only one"):
        resize_image(image, (4, 4), crop_to_aspect_ratio=True, pad_to_aspect_ratio=True)


@pytest.mark.parametrize("interpolation", ["bilinear", "nearest", "bicubic"])
@pytest.mark.parametrize("mode", ["plain", "crop", "pad"])
def test_resize_matches_keras_torch_backend(interpolation, mode):
    ops = keras_ops()
    image = np.random.default_rng(2).uniform(0, 255, (13, 21, 3)).astype(np.float32)
    crop, pad = mode == "crop", mode == "pad"
    for size in [(8, 8), (20, 30), (5, 11)]:
        ours = resize_image(image, size, interpolation, crop, pad)
        theirs = ops.convert_to_numpy(ops.image.resize(
            image, size, interpolation=interpolation, crop_to_aspect_ratio=crop,
            pad_to_aspect_ratio=pad, data_format="channels_last"))
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-3)


def test_unsupported_interpolation_is_explained():
    with pytest.raises(ValueError, match="lanczos3.*not supported"):
        resize_image(np.zeros((4, 4, 1), np.float32), (2, 2), "lanczos3")
    with pytest.raises(ValueError, match="interpolation must be one of"):
        resize_image(np.zeros((4, 4, 1), np.float32), (2, 2), "cubic-ish")


def test_batch_loader_decodes_a_batch(tmp_path):
    paths = []
    for i in range(5):
        Image.new("RGB", (6 + i, 4), (i * 10, 50, 200)).save(tmp_path / f"{i}.png")
        paths.append(str(tmp_path / f"{i}.png"))
    loader = ImageBatchLoader((3, 3), 3)
    images, labels = loader(np.array(paths), np.arange(5))
    assert images.shape == (5, 3, 3, 3) and images.dtype == np.float32
    assert np.allclose(images[:, 1, 1], [[i * 10, 50, 200] for i in range(5)], atol=1e-4)
    assert labels.tolist() == list(range(5))
    first = ImageBatchLoader((3, 3), 1, channels_first=True)(np.array(paths))
    assert first.shape == (5, 1, 3, 3)
