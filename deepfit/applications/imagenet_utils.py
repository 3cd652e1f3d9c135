"""What every `deepfit.applications` model shares: ImageNet preprocessing, `decode_predictions`,
the input-shape rules and the pretrained-weights lookup.

Pretrained weights are Keras's own published `.h5` files (legacy HDF5, loaded by position, as
Keras loads them). They are looked up in deepfit's and Keras's caches
(`$DEEPFIT_HOME/models`, `$KERAS_HOME/models`, `~/.keras/models`) and downloaded with
`get_file` otherwise; offline, the error names the file and where to put it.

Example:
    >>> x = preprocess_input(images, mode="tf")  # scaled to [-1, 1]
"""

from __future__ import annotations

import json
import os
from typing import Any

import numpy as np

WEIGHTS_ORIGIN = "https://storage.googleapis.com/tensorflow/keras-applications/"
CLASS_INDEX_ORIGIN = ("https://storage.googleapis.com/download.tensorflow.org/data/"
                      "imagenet_class_index.json")
_CAFFE_MEAN = np.array([103.939, 116.779, 123.68], dtype="float32")
_TORCH_MEAN = np.array([0.485, 0.456, 0.406], dtype="float32")
_TORCH_STD = np.array([0.229, 0.224, 0.225], dtype="float32")


def preprocess_input(x: Any, data_format: str | None = None, mode: str = "caffe") -> Any:
    """Keras's ImageNet preprocessing of 0..255 RGB images (channels last).

    Args:
        x: images, a NumPy array or torch tensor (a float array is changed in place, as Keras
            does for NumPy input).
        data_format: 'channels_last' (the default) or 'channels_first'.
        mode: 'tf' (to [-1, 1]), 'torch' (to [0, 1] then ImageNet mean/std) or 'caffe' (RGB to
            BGR, then the ImageNet BGR mean subtracted).

    Returns:
        The preprocessed images, float32.
    """
    import torch

    if mode not in ("caffe", "tf", "torch"):
        raise ValueError(f"mode: expected 'caffe', 'tf' or 'torch', received {mode!r}")
    if data_format not in (None, "channels_last", "channels_first"):
        raise ValueError(f"data_format: expected 'channels_last' or 'channels_first', "
                         f"received {data_format!r}")
    first = data_format == "channels_first"
    if isinstance(x, torch.Tensor):
        return torch.as_tensor(_preprocess(x.detach().cpu().numpy().astype("float32"), mode,
                                           first), device=x.device)
    array = np.asarray(x)
    if not np.issubdtype(array.dtype, np.floating):
        array = array.astype("float32")
    return _preprocess(array, mode, first)


def _preprocess(x: np.ndarray, mode: str, channels_first: bool) -> np.ndarray:
    axis = -3 if channels_first and x.ndim >= 3 else -1
    shape = [1] * x.ndim
    shape[axis] = 3
    if mode == "tf":
        x /= 127.5
        x -= 1.0
        return x
    if mode == "torch":
        x /= 255.0
        x -= _TORCH_MEAN.reshape(shape)
        x /= _TORCH_STD.reshape(shape)
        return x
    x = np.flip(x, axis=axis).copy() if x.shape[axis] == 3 else x  # RGB -> BGR
    x -= _CAFFE_MEAN.reshape(shape)
    return x


def decode_predictions(preds: Any, top: int = 5) -> list[list[tuple[str, str, float]]]:
    """The `top` ImageNet classes of each row of 1000-class predictions.

    Args:
        preds: (samples, 1000) scores.
        top: how many classes per sample.

    Returns:
        One list per sample of `(class_id, class_name, score)`, best first.

    Raises:
        ValueError: `preds` is not (samples, 1000).
        DownloadError: the class index (`imagenet_class_index.json`, Keras's file) is neither
            cached nor downloadable; the message says where to put it.
    """
    array = np.asarray(preds.detach().cpu() if hasattr(preds, "detach") else preds)
    if array.ndim != 2 or array.shape[1] != 1000:
        raise ValueError("decode_predictions expects a batch of ImageNet predictions (an "
                         f"array of shape (samples, 1000)), received shape {array.shape}")
    index = _class_index()
    results = []
    for row in array:
        best = row.argsort()[-top:][::-1]
        results.append([(*index[str(i)], float(row[i])) for i in best])
    return results


def _class_index() -> dict[str, list[str]]:
    path = cached_or_download("imagenet_class_index.json", CLASS_INDEX_ORIGIN,
                              "c2c37ea517e94d9795004a39431a14cb", "models")
    with open(path) as handle:
        return {key: tuple(value) for key, value in json.load(handle).items()}


def cached_or_download(fname: str, origin: str, file_hash: str | None, subdir: str) -> str:
    """A file from deepfit's or Keras's cache, else downloaded into deepfit's cache."""
    from deepfit.datasets.storage import cached_copy
    from deepfit.utils.file_utils import get_file

    found = cached_copy(os.path.join(subdir, fname), file_hash)
    if found is not None:
        return found
    return get_file(fname, origin=origin, file_hash=file_hash, cache_subdir=subdir)


def check_weights_argument(weights: Any, include_top: bool, classes: int) -> None:
    """Keras's rules for `weights` and `classes`."""
    if not (weights in ("imagenet", None) or (isinstance(weights, (str, os.PathLike))
                                              and os.path.exists(weights))):
        raise ValueError("The `weights` argument should be either `None` (random "
                         "initialization), 'imagenet' (pre-training on ImageNet), or the path "
                         f"to the weights file to be loaded. Received: weights={weights}")
    if weights == "imagenet" and include_top and classes != 1000:
        raise ValueError('If using `weights="imagenet"` with `include_top=True`, `classes` '
                         f"should be 1000. Received classes={classes}")


def input_shape_for(input_shape: Any, default_size: int, min_size: int, require_flatten: bool,
                    weights: Any) -> tuple[Any, Any, int]:
    """Keras's `obtain_input_shape` for channels-last images."""
    if weights == "imagenet" and require_flatten and input_shape is not None:
        if tuple(input_shape) != (default_size, default_size, 3):
            raise ValueError("When setting `include_top=True` and loading `imagenet` "
                             f"weights, `input_shape` should be "
                             f"{(default_size, default_size, 3)}. Received: "
                             f"input_shape={tuple(input_shape)}")
        return tuple(input_shape)
    if input_shape is None:
        return (default_size, default_size, 3) if require_flatten else (None, None, 3)
    shape = tuple(input_shape)
    if len(shape) != 3:
        raise ValueError(f"`input_shape` must be a tuple of three integers, received "
                         f"input_shape={input_shape}")
    if weights == "imagenet" and shape[-1] != 3:
        raise ValueError(f"The input must have 3 channels; Received input_shape={shape}")
    for side in shape[:2]:
        if side is not None and side < min_size:
            raise ValueError(f"Input size must be at least {min_size}x{min_size}; Received: "
                             f"input_shape={shape}")
    if require_flatten and None in shape[:2]:
        raise ValueError("If `include_top` is True, you should specify a static "
                         f"`input_shape`. Received: input_shape={shape}")
    return shape


def correct_pad(shape: tuple[Any, ...], kernel_size: int) -> tuple[tuple[int, int], ...]:
    """Keras's padding before a stride-2 'valid' convolution (same output as TF 'same')."""
    rows, cols = shape[0], shape[1]
    adjust = (1, 1) if rows is None else (1 - rows % 2, 1 - cols % 2)
    half = kernel_size // 2
    return ((half - adjust[0], half), (half - adjust[1], half))


def make_divisible(value: float, divisor: int = 8) -> int:
    """`value` rounded to the nearest multiple of `divisor` (at least `divisor`), one step up
    where rounding would lose more than 10 %: the channel counts of MobileNet and EfficientNet."""
    new = max(divisor, int(value + divisor / 2) // divisor * divisor)
    return new + divisor if new < 0.9 * value else new


def load_pretrained(model: Any, fname: str, origin: str, file_hash: str | None) -> None:
    """Load Keras's published weights file `fname` into `model` (by position)."""
    path = cached_or_download(fname, origin, file_hash, "models")
    model.load_weights(path)


def validate_activation(classifier_activation: Any, weights: Any) -> None:
    """Keras's rule: with pretrained weights the top's activation is softmax or None."""
    from deepfit import activations

    if weights is None:
        return
    chosen = activations.get(classifier_activation)
    if chosen not in (activations.get("softmax"), activations.get(None)):
        raise ValueError("Only `None` and `softmax` activations are allowed for the "
                         "`classifier_activation` argument when using pretrained weights, "
                         f"with `include_top=True`; Received: "
                         f"classifier_activation={classifier_activation}")


def image_input(input_tensor: Any, input_shape: Any, default_size: int, min_size: int,
                include_top: bool, weights: Any) -> tuple[Any, Any]:
    """(the checked input shape, the KerasTensor the model starts from): `input_tensor`
    when given, else a new `Input`."""
    import deepfit

    if input_tensor is not None and input_shape is None:
        input_shape = tuple(input_tensor.shape[1:])
    shape = input_shape_for(input_shape, default_size, min_size, include_top, weights)
    return shape, input_tensor if input_tensor is not None else deepfit.Input(shape)


def pooled(x: Any, pooling: str | None, avg_name: str | None = None,
           max_name: str | None = None) -> Any:
    """The headless model's end: global average or max pooling, or the feature map as is."""
    from deepfit import layers

    if pooling == "avg":
        return layers.GlobalAveragePooling2D(name=avg_name)(x)
    if pooling == "max":
        return layers.GlobalMaxPooling2D(name=max_name)(x)
    return x


CLASSIC_DOC = """Keras's `keras.applications.{name}`.

    Args:
        include_top: end with the classifier ({top}; then the input must be {size}x{size}x3
            with ImageNet weights).
        weights: None (random), 'imagenet' (Keras's published file, from the Keras cache or
            downloaded with `get_file`), or a weights file path.
        input_tensor: a KerasTensor to build on (e.g. `deepfit.Input(...)`).
        input_shape: (rows, cols, 3), at least {min_size}x{min_size}; default ({size}, {size}, 3).
        pooling: without the top, 'avg' or 'max' global pooling (None: the 4-D feature map).
        classes: the number of classes of the top.
        classifier_activation: the top's activation (softmax or None with ImageNet weights).
        name: the model's name.

    Returns:
        A Functional model.

    Example:
        >>> model = {name}(weights=None, include_top=False,
        ...                input_shape=({min_size}, {min_size}, 3))
    """


def caffe_preprocess_input(x: Any, data_format: str | None = None) -> Any:
    """RGB to BGR, then the ImageNet mean subtracted ('caffe' mode: VGG, ResNet)."""
    return preprocess_input(x, data_format=data_format, mode="caffe")


def tf_preprocess_input(x: Any, data_format: str | None = None) -> Any:
    """0..255 images scaled to [-1, 1] ('tf' mode: MobileNetV2, Xception)."""
    return preprocess_input(x, data_format=data_format, mode="tf")


def apply_weights(model: Any, weights: Any, weights_file: tuple[str, str | None],
                  origin_folder: str) -> Any:
    """`model` with its `weights`: None leaves it as built, 'imagenet' loads Keras's published
    `weights_file` (file name, md5 or None) from the caches or `origin_folder`, anything
    else is a weights file path."""
    if weights == "imagenet":
        fname, md5 = weights_file
        load_pretrained(model, fname, origin_folder + fname, md5)
    elif weights is not None:
        model.load_weights(weights)
    return model


def weights_path(weights: Any, weights_file: tuple[str, str | None],
                 origin_folder: str) -> Any:
    """The file `weights` stands for, found before the model is built (so that a missing
    ImageNet file fails at once): None for None, Keras's published `weights_file` (file name,
    md5 or None) from the caches or `origin_folder` for 'imagenet', else the path itself."""
    if weights == "imagenet":
        fname, md5 = weights_file
        return cached_or_download(fname, origin_folder + fname, md5, "models")
    return weights


def loaded(model: Any, path: Any) -> Any:
    """`model` with the weights file at `path` loaded (by position), if any."""
    if path is not None:
        model.load_weights(path)
    return model


def classic_model(features: Any, *, include_top: bool, weights: Any, input_tensor: Any,
                  input_shape: Any, pooling: str | None, classes: int,
                  classifier_activation: Any, name: str, default_size: int, min_size: int,
                  weights_file: tuple[str, str | None], origin_folder: str,
                  pool_names: tuple[str | None, str | None] = (None, None)) -> Any:
    """The model of the classic applications: Keras's argument checks, the input, the
    ImageNet file looked up before building, `features(input)`, then either the top (global
    average pooling `avg_pool` and the `predictions` Dense layer) or the chosen pooling
    (named `pool_names`), and the weights loaded.

    Args:
        features: builds the convolutional base on the input KerasTensor.
        include_top, weights, input_tensor, input_shape, pooling, classes,
        classifier_activation, name: the application's arguments.
        default_size, min_size: the input side with the top, and the smallest.
        weights_file: (file name, md5 or None) of Keras's published ImageNet file.
        origin_folder: where that file is downloaded from.
        pool_names: the names of the headless model's average and max pooling layers.

    Returns:
        A Functional model.
    """
    import deepfit
    from deepfit import layers

    check_weights_argument(weights, include_top, classes)
    if include_top:
        validate_activation(classifier_activation, weights)
    _, img_input = image_input(input_tensor, input_shape, default_size, min_size, include_top,
                               weights)
    path = weights_path(weights, weights_file, origin_folder)
    x = features(img_input)
    if include_top:
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
        x = layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
    else:
        x = pooled(x, pooling, *pool_names)
    return loaded(deepfit.Model(img_input, x, name=name), path)


def passthrough_preprocess_input(x: Any, data_format: str | None = None) -> Any:
    """Returns `x` unchanged: the model preprocesses its 0..255 input inside (as in Keras's
    EfficientNet, EfficientNetV2, MobileNetV3 and ConvNeXt).

    Args:
        x: 0..255 images.
        data_format: accepted for Keras compatibility.

    Returns:
        `x` itself.

    Example:
        >>> passthrough_preprocess_input(images) is images
        True
    """
    return x
