"""image_dataset_from_directory on generated folders of small PNG/JPEG files."""

import os

import numpy as np
import pytest

from deepfit.data import AUTOTUNE
from deepfit.utils.image_dataset import ALLOWLIST_FORMATS, image_dataset_from_directory

Image = pytest.importorskip("PIL.Image")

# Each class has its own flat color, so a label can be checked against its image.
COLORS = {"cats": (200, 30, 30), "dogs": (30, 200, 30), "eels": (30, 30, 200)}
COUNTS = {"cats": 7, "dogs": 5, "eels": 6}


@pytest.fixture()
def folder(tmp_path):
    root = tmp_path / "photos"
    for name, count in COUNTS.items():
        (root / name).mkdir(parents=True)
        for i in range(count):
            image = Image.new("RGB", (12 + i, 9), COLORS[name])
            extension = "png" if i % 2 else "jpg"
            image.save(root / name / f"img_{i}.{extension}", quality=100)
    (root / "cats" / "notes.txt").write_text("ignored: not an image")
    (root / ".hidden").mkdir()
    return str(root)


def class_of(path):
    return os.path.basename(os.path.dirname(path))


def collect(dataset):
    images, labels = [], []
    for batch in dataset:
        images.append(batch[0])
        labels.append(batch[1])
    return np.concatenate(images), np.concatenate(labels)


def test_counts_class_order_and_messages(folder, capsys):
    ds = image_dataset_from_directory(folder, image_size=(8, 8), batch_size=4, seed=1)
    assert capsys.readouterr().out == "Found 18 files belonging to 3 classes.\n"
    assert ds.class_names == ["cats", "dogs", "eels"]
    assert len(ds.file_paths) == 18 and len(ds) == 5
    assert sorted(ds.file_paths) == sorted(
        os.path.join(folder, c, f"img_{i}.{'png' if i % 2 else 'jpg'}")
        for c, n in COUNTS.items() for i in range(n)
    )


def test_images_labels_shapes_and_values(folder):
    ds = image_dataset_from_directory(folder, image_size=(6, 10), batch_size=5, seed=3)
    images, labels = next(iter(ds))
    assert images.shape == (5, 6, 10, 3) and images.dtype == np.float32
    assert labels.shape == (5,) and labels.dtype == np.int32
    images, labels = collect(ds)
    assert images.shape == (18, 6, 10, 3)
    for image, label in zip(images, labels):
        expected = COLORS[ds.class_names[label]]
        # flat colors survive resizing; JPEG may move a value by a few levels
        assert np.abs(image - np.array(expected, np.float32)).max() <= 4
    assert np.bincount(labels).tolist() == [7, 5, 6]


def test_label_modes(folder):
    common = dict(image_size=(4, 4), batch_size=18, shuffle=False, verbose=False)
    _, ints = next(iter(image_dataset_from_directory(folder, label_mode="int", **common)))
    assert ints.tolist() == [0] * 7 + [1] * 5 + [2] * 6  # unshuffled: sorted order
    _, onehot = next(iter(image_dataset_from_directory(folder, label_mode="categorical", **common)))
    assert onehot.dtype == np.float32 and onehot.shape == (18, 3)
    assert np.array_equal(onehot, np.eye(3, dtype=np.float32)[ints])
    only_images = next(iter(image_dataset_from_directory(folder, label_mode=None, **common)))
    assert isinstance(only_images, np.ndarray) and only_images.shape == (18, 4, 4, 3)
    binary_ds = image_dataset_from_directory(
        folder, label_mode="binary", class_names=["eels", "cats"], **common)
    _, binary = next(iter(binary_ds))
    assert binary.dtype == np.float32 and binary.shape == (13, 1)
    assert binary[:, 0].tolist() == [0.0] * 6 + [1.0] * 7  # order follows class_names
    with pytest.raises(ValueError, match="exactly 2 class_names"):
        image_dataset_from_directory(folder, label_mode="binary", **common)


def test_color_modes_and_channels_first(folder):
    common = dict(image_size=(5, 5), batch_size=2, seed=0, verbose=False)
    gray, _ = next(iter(image_dataset_from_directory(folder, color_mode="grayscale", **common)))
    rgba, _ = next(iter(image_dataset_from_directory(folder, color_mode="rgba", **common)))
    first, _ = next(iter(image_dataset_from_directory(folder, data_format="channels_first",
                                                      **common)))
    assert gray.shape == (2, 5, 5, 1) and rgba.shape == (2, 5, 5, 4) and first.shape == (2, 3, 5, 5)
    assert np.allclose(rgba[..., 3], 255.0)


def test_split_sizes_non_overlap_and_determinism(folder, capsys):
    kwargs = dict(image_size=(4, 4), batch_size=4, validation_split=0.25, seed=11)
    train, val = image_dataset_from_directory(folder, subset="both", **kwargs)
    out = capsys.readouterr().out
    assert "Using 14 files for training." in out and "Using 4 files for validation." in out
    assert len(train.file_paths) == 14 and len(val.file_paths) == 4
    assert not set(train.file_paths) & set(val.file_paths)
    assert len(set(train.file_paths) | set(val.file_paths)) == 18
    alone = image_dataset_from_directory(folder, subset="validation", **kwargs)
    assert alone.file_paths == val.file_paths
    again = image_dataset_from_directory(folder, subset="training", **kwargs)
    assert again.file_paths == train.file_paths
    # the labels of each subset follow its files
    _, labels = collect(val)
    assert sorted(labels.tolist()) == sorted(
        train.class_names.index(class_of(p)) for p in val.file_paths)
    other = image_dataset_from_directory(folder, subset="validation",
                                         **{**kwargs, "seed": 12, "verbose": False})
    assert other.file_paths != val.file_paths


def test_split_follows_keras_rule(folder):
    """The shuffle (RandomState(seed) over the sorted listing) and the tail split, by hand."""
    seed, split = 5, 0.3
    listing = [os.path.join(folder, c, f) for c in sorted(COUNTS)
               for f in sorted(os.listdir(os.path.join(folder, c)))
               if f.endswith(ALLOWLIST_FORMATS)]
    np.random.RandomState(seed).shuffle(listing)
    num_val = int(split * len(listing))
    val = image_dataset_from_directory(folder, validation_split=split, subset="validation",
                                       seed=seed, verbose=False)
    assert val.file_paths == listing[-num_val:]


def test_file_lists_match_real_keras(folder):
    os.environ["KERAS_BACKEND"] = "torch"
    pytest.importorskip("keras")
    from keras.src.utils import dataset_utils

    for seed in (0, 7, 1234):
        paths, labels, names = dataset_utils.index_directory(
            folder, "inferred", formats=ALLOWLIST_FORMATS, shuffle=True, seed=seed, verbose=False)
        for subset in ("training", "validation"):
            keras_paths, keras_labels = dataset_utils.get_training_or_validation_split(
                paths, labels, 0.2, subset)
            ours = image_dataset_from_directory(
                folder, validation_split=0.2, subset=subset, seed=seed, verbose=False,
                label_mode="int", batch_size=100, shuffle=True)
            assert ours.file_paths == list(keras_paths)
            assert ours.class_names == names


def test_explicit_labels_match_keras(folder):
    os.environ["KERAS_BACKEND"] = "torch"
    pytest.importorskip("keras")
    from keras.src.utils import dataset_utils

    given = [i % 4 for i in range(18)]
    ours = image_dataset_from_directory(folder, labels=given, seed=9, verbose=False,
                                        batch_size=18, shuffle=True)
    paths, labels, names = dataset_utils.index_directory(
        folder, list(given), formats=ALLOWLIST_FORMATS, shuffle=True, seed=9, verbose=False)
    assert ours.file_paths == list(paths) and ours.class_names == names == ["0", "1", "2", "3"]


def test_unbatched_and_tutorial_idiom(folder):
    single = image_dataset_from_directory(folder, image_size=(3, 3), batch_size=None, seed=2,
                                          verbose=False)
    image, label = next(iter(single))
    assert image.shape == (3, 3, 3) and np.ndim(label) == 0 and len(single) == 18
    train = image_dataset_from_directory(folder, image_size=(3, 3), batch_size=4, seed=2,
                                         verbose=False)
    train = train.cache().shuffle(1000).prefetch(buffer_size=AUTOTUNE)
    assert train.class_names == ["cats", "dogs", "eels"] and len(train.file_paths) == 18
    for _ in range(2):
        _, labels = collect(train)
        assert np.bincount(labels).tolist() == [7, 5, 6]


def test_crop_to_aspect_ratio_keeps_center(tmp_path):
    root = tmp_path / "d"
    (root / "a").mkdir(parents=True)
    pixels = np.zeros((4, 12, 3), np.uint8)
    pixels[:, 4:8] = 255  # a white centered 4x4 square inside a black 4x12 image
    Image.fromarray(pixels).save(root / "a" / "x.png")
    ds = image_dataset_from_directory(str(root), image_size=(4, 4), crop_to_aspect_ratio=True,
                                      verbose=False)
    images, _ = next(iter(ds))
    assert np.array_equal(images[0], np.full((4, 4, 3), 255.0, np.float32))


def test_bad_file_raises_naming_it(folder):
    with open(os.path.join(folder, "dogs", "zz_corrupt.png"), "wb") as handle:
        handle.write(b"\x89PNG not really")
    ds = image_dataset_from_directory(folder, image_size=(4, 4), seed=0, verbose=False)
    with pytest.raises(ValueError, match="zz_corrupt.png"):
        for _ in ds:
            pass


def test_argument_errors(folder, tmp_path):
    with pytest.raises(ValueError, match="seed"):
        image_dataset_from_directory(folder, validation_split=0.2, subset="training")
    with pytest.raises(ValueError, match="validation_split must be set"):
        image_dataset_from_directory(folder, subset="training", seed=1)
    with pytest.raises(ValueError, match="color_mode"):
        image_dataset_from_directory(folder, color_mode="cmyk")
    with pytest.raises(ValueError, match="label_mode"):
        image_dataset_from_directory(folder, label_mode="sparse")
    with pytest.raises(ValueError, match="class_names did not match"):
        image_dataset_from_directory(folder, class_names=["cats", "birds"])
    with pytest.raises(ValueError, match="one label per file"):
        image_dataset_from_directory(folder, labels=[0, 1], verbose=False)
    (tmp_path / "empty" / "a").mkdir(parents=True)
    with pytest.raises(ValueError, match="No images found"):
        image_dataset_from_directory(str(tmp_path / "empty"), verbose=False)
    with pytest.raises(ValueError, match="existing folder"):
        image_dataset_from_directory(str(tmp_path / "missing"))
