"""Convolution layers: shapes and parameter counts, forwards against NumPy references of
TensorFlow's definitions, parity with real Keras, the channels-last no-copy path, and errors."""

from __future__ import annotations

import math
import os

import numpy as np
import pytest
import torch

from deepfit.layers.conv import (
    Conv1D,
    Conv1DTranspose,
    Conv2D,
    Conv2DTranspose,
    Conv3D,
    Conv3DTranspose,
    DepthwiseConv1D,
    DepthwiseConv2D,
    SeparableConv1D,
    SeparableConv2D,
)
from deepfit.layers.conv.utils import same_padding
from deepfit.layers.pooling import MaxPooling2D
from tests.layer_test_utils import run_layer_test

# ----------------------------------------------------------------------------- references


def _tf_same(size: int, kernel: int, stride: int, dilation: int = 1) -> tuple[int, int]:
    """TensorFlow: output ceil(n/s); missing padding split with the extra element after."""
    total = max((math.ceil(size / stride) - 1) * stride + (kernel - 1) * dilation + 1 - size, 0)
    return total // 2, total - total // 2


def reference_conv2d(x, kernel, bias=None, strides=(1, 1), padding="valid", dilation=(1, 1),
                     groups=1):
    """Channels-last cross-correlation, one kernel tap at a time."""
    kh, kw, cin, cout = kernel.shape
    if padding == "same":
        pads = [_tf_same(x.shape[1 + i], kernel.shape[i], strides[i], dilation[i])
                for i in range(2)]
        x = np.pad(x, ((0, 0), pads[0], pads[1], (0, 0)))
    out_h = (x.shape[1] - (kh - 1) * dilation[0] - 1) // strides[0] + 1
    out_w = (x.shape[2] - (kw - 1) * dilation[1] - 1) // strides[1] + 1
    out = np.zeros((x.shape[0], out_h, out_w, cout), dtype=np.float64)
    gout = cout // groups
    for i in range(kh):
        for j in range(kw):
            r, c = i * dilation[0], j * dilation[1]
            patch = x[:, r:r + strides[0] * (out_h - 1) + 1:strides[0],
                      c:c + strides[1] * (out_w - 1) + 1:strides[1], :]
            for g in range(groups):
                out[..., g * gout:(g + 1) * gout] += (
                    patch[..., g * cin:(g + 1) * cin] @ kernel[i, j, :, g * gout:(g + 1) * gout])
    return out + (0 if bias is None else bias)


def reference_depthwise(x, kernel, bias=None, **kwargs):
    """Output channel c * multiplier + m filters input channel c with kernel[..., c, m]."""
    kh, kw, channels, multiplier = kernel.shape
    grouped = kernel.reshape(kh, kw, 1, channels * multiplier)
    return reference_conv2d(x, grouped, bias, groups=channels, **kwargs)


def reference_conv_transpose1d(x, kernel, bias, stride, padding):
    """TensorFlow's transposed conv: scatter every input step, keep the window of the forward
    conv whose gradient it is (output n*s for 'same', (n-1)*s + max(k, s) for 'valid')."""
    batch, steps, _ = x.shape
    k = kernel.shape[0]
    full = np.zeros((batch, (steps - 1) * stride + k, kernel.shape[1]))
    for i in range(steps):
        for a in range(k):
            full[:, i * stride + a] += x[:, i] @ kernel[a].T
    if padding == "same":
        length, start = steps * stride, max(k - stride, 0) // 2
    else:
        length, start = (steps - 1) * stride + max(k, stride), 0
    full = np.pad(full, ((0, 0), (0, length), (0, 0)))
    return full[:, start:start + length] + bias


def _forward(layer, x: np.ndarray) -> np.ndarray:
    with torch.no_grad():
        return layer(torch.tensor(x, dtype=torch.float32)).numpy()


def _randomize(layer, seed: int = 0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    weights = [rng.standard_normal(w.shape).astype("float32") for w in layer.get_weights()]
    layer.set_weights(weights)
    return weights


# ----------------------------------------------------------------------------- contract checks


@pytest.mark.parametrize("cls, kwargs, input_shape, output_shape, params", [
    (Conv2D, {"filters": 32, "kernel_size": 3, "activation": "relu"}, (2, 28, 28, 1),
     (2, 26, 26, 32), 3 * 3 * 1 * 32 + 32),
    (Conv2D, {"filters": 6, "kernel_size": (3, 2), "strides": 2, "padding": "same",
              "groups": 2}, (2, 7, 8, 4), (2, 4, 4, 6), 3 * 2 * 2 * 6 + 6),
    (Conv2D, {"filters": 3, "kernel_size": 3, "dilation_rate": 2, "use_bias": False,
              "data_format": "channels_first"}, (2, 4, 9, 9), (2, 3, 5, 5), 3 * 3 * 4 * 3),
    (Conv1D, {"filters": 16, "kernel_size": 3, "padding": "causal"}, (2, 10, 8),
     (2, 10, 16), 3 * 8 * 16 + 16),
    (Conv1D, {"filters": 4, "kernel_size": 4, "strides": 3, "padding": "same"}, (2, 10, 2),
     (2, 4, 4), 4 * 2 * 4 + 4),
    (Conv3D, {"filters": 4, "kernel_size": 3}, (2, 5, 6, 7, 2), (2, 3, 4, 5, 4),
     27 * 2 * 4 + 4),
    (Conv2DTranspose, {"filters": 8, "kernel_size": 3, "strides": 2, "padding": "same"},
     (2, 5, 5, 16), (2, 10, 10, 8), 3 * 3 * 8 * 16 + 8),
    (Conv2DTranspose, {"filters": 2, "kernel_size": 3, "strides": 2, "output_padding": 1},
     (2, 4, 5, 3), (2, 10, 12, 2), 3 * 3 * 2 * 3 + 2),
    (Conv1DTranspose, {"filters": 4, "kernel_size": 3, "strides": 2}, (2, 5, 3), (2, 11, 4),
     3 * 4 * 3 + 4),
    (Conv3DTranspose, {"filters": 2, "kernel_size": 2, "strides": 2}, (1, 3, 3, 3, 4),
     (1, 6, 6, 6, 2), 8 * 2 * 4 + 2),
    (DepthwiseConv2D, {"kernel_size": 3, "depth_multiplier": 2, "padding": "same"},
     (2, 6, 6, 4), (2, 6, 6, 8), 3 * 3 * 4 * 2 + 8),
    (DepthwiseConv1D, {"kernel_size": 3, "strides": 2}, (2, 9, 3), (2, 4, 3), 3 * 3 + 3),
    (SeparableConv2D, {"filters": 8, "kernel_size": 3, "depth_multiplier": 2},
     (2, 6, 6, 4), (2, 4, 4, 8), 3 * 3 * 4 * 2 + 8 * 8 + 8),
    (SeparableConv1D, {"filters": 5, "kernel_size": 2, "padding": "same"}, (2, 7, 3),
     (2, 7, 5), 2 * 3 + 3 * 5 + 5),
])
def test_layer_contract(cls, kwargs, input_shape, output_shape, params):
    n_weights = 2 if kwargs.get("use_bias", True) else 1
    if cls in (SeparableConv1D, SeparableConv2D):
        n_weights += 1
    run_layer_test(cls, kwargs, input_shape, output_shape,
                   expected_trainable_weights=n_weights, expected_non_trainable_weights=0,
                   expected_params=params)


def test_weight_names_and_layouts_are_keras():
    conv = Conv2D(5, (3, 2))
    conv(torch.zeros(1, 6, 6, 4))
    assert [tuple(w.shape) for w in conv.weights] == [(3, 2, 4, 5), (5,)]
    assert list(dict(conv.named_parameters())) == ["kernel", "bias"]
    separable = SeparableConv2D(6, 3, depth_multiplier=2)
    separable(torch.zeros(1, 6, 6, 4))
    assert list(dict(separable.named_parameters())) == [
        "depthwise_kernel", "pointwise_kernel", "bias"]
    assert separable.pointwise_kernel.shape == (1, 1, 8, 6)
    transpose = Conv2DTranspose(7, 3)
    transpose(torch.zeros(1, 4, 4, 2))
    assert transpose.kernel.shape == (3, 3, 7, 2)


# ----------------------------------------------------------------------------- forward values


def test_same_padding_puts_the_extra_row_and_column_at_the_bottom_right():
    x = np.arange(1, 10, dtype=np.float32).reshape(1, 3, 3, 1)
    layer = Conv2D(1, 2, padding="same", use_bias=False)
    layer(torch.zeros(1, 3, 3, 1))
    layer.set_weights([np.ones((2, 2, 1, 1), np.float32)])
    # Each output sums the 2x2 window starting at it; the last row/column see zero padding.
    expected = [[1 + 2 + 4 + 5, 2 + 3 + 5 + 6, 3 + 6],
                [4 + 5 + 7 + 8, 5 + 6 + 8 + 9, 6 + 9],
                [7 + 8, 8 + 9, 9]]
    np.testing.assert_array_equal(_forward(layer, x)[0, :, :, 0], expected)
    assert same_padding(5, 3, 2) == (1, 1) and same_padding(6, 3, 2) == (0, 1)


@pytest.mark.parametrize("kwargs", [
    {"kernel_size": 3},
    {"kernel_size": (2, 3), "strides": (2, 1), "padding": "same"},
    {"kernel_size": 4, "strides": 3, "padding": "same"},
    {"kernel_size": 3, "dilation_rate": (2, 1), "padding": "same"},
    {"kernel_size": 2, "groups": 2},
])
def test_conv2d_matches_reference(kwargs):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 9, 8, 4)).astype(np.float32)
    layer = Conv2D(6, activation="relu", **kwargs)
    layer(torch.zeros(1, 9, 8, 4))
    kernel, bias = _randomize(layer)
    expected = reference_conv2d(
        x, kernel, bias, strides=layer.strides, padding=layer.padding,
        dilation=layer.dilation_rate, groups=layer.groups)
    np.testing.assert_allclose(_forward(layer, x), np.maximum(expected, 0), atol=1e-5)


def test_channels_first_equals_channels_last():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((2, 7, 6, 3)).astype(np.float32)
    last = Conv2D(4, 3, strides=2, padding="same")
    first = Conv2D(4, 3, strides=2, padding="same", data_format="channels_first")
    last(torch.zeros(1, 7, 6, 3))
    first(torch.zeros(1, 3, 7, 6))
    first.set_weights(_randomize(last))
    np.testing.assert_allclose(_forward(first, x.transpose(0, 3, 1, 2)),
                               _forward(last, x).transpose(0, 3, 1, 2), atol=1e-5)


@pytest.mark.parametrize("padding, dilation", [("valid", 1), ("same", 2), ("causal", 2)])
def test_conv1d_matches_reference(padding, dilation):
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 11, 3)).astype(np.float32)
    layer = Conv1D(5, 3, padding=padding, dilation_rate=dilation)
    layer(torch.zeros(1, 11, 3))
    kernel, bias = _randomize(layer)
    x4 = x[:, None]
    if padding == "causal":
        x4 = np.pad(x4, ((0, 0), (0, 0), (2 * dilation, 0), (0, 0)))
    expected = reference_conv2d(x4, kernel[None], bias, padding=padding.replace("causal", "valid"),
                                dilation=(1, dilation))[:, 0]
    np.testing.assert_allclose(_forward(layer, x), expected, atol=1e-5)


def test_causal_output_ignores_the_future():
    layer = Conv1D(2, 4, padding="causal", dilation_rate=2)
    x = torch.randn(1, 12, 3)
    changed = x.clone()
    changed[:, 7:] += 1.0
    with torch.no_grad():
        np.testing.assert_array_equal(layer(x)[:, :7].numpy(), layer(changed)[:, :7].numpy())


@pytest.mark.parametrize("kwargs", [
    {"kernel_size": 3, "depth_multiplier": 2},
    {"kernel_size": (2, 3), "strides": 2, "padding": "same"},
])
def test_depthwise_and_separable_match_reference(kwargs):
    rng = np.random.default_rng(4)
    x = rng.standard_normal((2, 7, 8, 3)).astype(np.float32)
    geometry = {"strides": (2, 2) if "strides" in kwargs else (1, 1),
                "padding": kwargs.get("padding", "valid")}
    depthwise = DepthwiseConv2D(**kwargs)
    depthwise(torch.zeros(1, 7, 8, 3))
    kernel, bias = _randomize(depthwise)
    np.testing.assert_allclose(_forward(depthwise, x),
                               reference_depthwise(x, kernel, bias, **geometry), atol=1e-5)
    separable = SeparableConv2D(4, **kwargs)
    separable(torch.zeros(1, 7, 8, 3))
    dw, pw, bias = _randomize(separable, seed=1)
    expected = reference_depthwise(x, dw, **geometry) @ pw[0, 0] + bias
    np.testing.assert_allclose(_forward(separable, x), expected, atol=1e-5)


@pytest.mark.parametrize("kernel, stride, padding", [
    (3, 2, "same"), (4, 2, "same"), (2, 3, "same"), (3, 2, "valid"), (2, 3, "valid"),
    (5, 1, "same"),
])
def test_conv1d_transpose_matches_reference(kernel, stride, padding):
    rng = np.random.default_rng(5)
    x = rng.standard_normal((2, 5, 3)).astype(np.float32)
    layer = Conv1DTranspose(4, kernel, strides=stride, padding=padding)
    layer(torch.zeros(1, 5, 3))
    weights, bias = _randomize(layer)
    np.testing.assert_allclose(_forward(layer, x),
                               reference_conv_transpose1d(x, weights, bias, stride, padding),
                               atol=1e-5)


def test_conv2d_transpose_is_the_gradient_of_conv2d():
    x = torch.randn(2, 4, 5, 3)
    layer = Conv2DTranspose(6, 3, strides=2, padding="same", use_bias=False)
    y = layer(x)
    # d/dz <conv2d(z, K), x> is the transposed convolution of x with the same kernel.
    forward = Conv2D(3, 3, strides=2, padding="same", use_bias=False)
    z = torch.zeros(2, 8, 10, 6, requires_grad=True)
    forward(z)
    forward.set_weights([layer.get_weights()[0]])
    (forward(z) * x).sum().backward()
    np.testing.assert_allclose(y.detach().numpy(), z.grad.numpy(), atol=1e-5)


def test_activity_and_kernel_regularizers_add_losses():
    layer = Conv2D(2, 2, kernel_regularizer="l2", activity_regularizer="l1")
    x = torch.ones(4, 3, 3, 1)
    out = layer(x)
    activity_loss, kernel_loss = layer.losses  # Keras: activity first
    torch.testing.assert_close(kernel_loss, 0.01 * (layer.kernel ** 2).sum())
    torch.testing.assert_close(activity_loss, 0.01 * out.abs().sum() / 4)


# ----------------------------------------------------------------------------- layout and speed


def test_conv_and_pool_chain_stays_channels_last_without_copies():
    x = torch.randn(4, 12, 12, 3)
    conv, pool = Conv2D(8, 3, activation="relu"), MaxPooling2D()
    hidden = conv(x)
    # The NHWC result is a free view of a torch.channels_last output: dense in NHWC order.
    assert hidden.is_contiguous()
    pooled = pool(hidden)
    assert pooled.is_contiguous()
    assert pooled.reshape(4, -1).data_ptr() == pooled.data_ptr()
    assert Conv1D(4, 3)(torch.randn(2, 10, 5)).is_contiguous()


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_runs_on_cuda():
    layer = Conv2D(4, 3, padding="same")
    layer.to("cuda")
    x = torch.randn(2, 6, 6, 3)
    layer(x.cuda())
    cpu = Conv2D(4, 3, padding="same")
    cpu(x)
    cpu.set_weights(layer.get_weights())
    with torch.no_grad():
        np.testing.assert_allclose(layer(x.cuda()).cpu().numpy(), cpu(x).numpy(), atol=1e-4)


# ----------------------------------------------------------------------------- errors


@pytest.mark.parametrize("make, argument", [
    (lambda: Conv2D(0, 3), "filters"),
    (lambda: Conv2D(4, (3, 3, 3)), "kernel_size"),
    (lambda: Conv2D(4, 0), "kernel_size"),
    (lambda: Conv2D(4, 3, padding="full"), "padding"),
    (lambda: Conv2D(4, 3, padding="causal"), "padding"),
    (lambda: Conv2D(4, 3, data_format="nhwc"), "data_format"),
    (lambda: Conv2D(4, 3, strides=2, dilation_rate=2), "dilation_rate"),
    (lambda: Conv2D(5, 3, groups=2), "groups"),
    (lambda: Conv2DTranspose(4, 3, strides=2, output_padding=2), "output_padding"),
    (lambda: DepthwiseConv2D(3, depth_multiplier=0), "depth_multiplier"),
])
def test_bad_arguments_raise_value_error_naming_them(make, argument):
    with pytest.raises(ValueError, match=argument):
        make()


def test_wrong_input_rank_and_channels():
    layer = Conv2D(4, 3, name="conv2d")
    with pytest.raises(ValueError, match=r"Input 0 of layer 'conv2d' is incompatible with the "
                                         r"layer: expected ndim=4, found ndim=2"):
        layer(torch.zeros(32, 784))
    layer(torch.zeros(2, 5, 5, 3))
    with pytest.raises(ValueError, match=r"expected axis -1 of input shape to have value 3"):
        layer(torch.zeros(2, 5, 5, 4))
    with pytest.raises(ValueError, match="expected ndim=4, found ndim=3"):
        layer(torch.zeros(5, 5, 3))
    with pytest.raises(ValueError, match="zero or negative"):
        Conv2D(4, 5)(torch.zeros(1, 3, 3, 1))
    with pytest.raises(ValueError, match="divisible by groups"):
        Conv2D(4, 1, groups=2)(torch.zeros(1, 3, 3, 3))


# ----------------------------------------------------------------------------- real Keras


KERAS_CASES = [
    ("Conv1D", {"filters": 4, "kernel_size": 3, "padding": "causal", "dilation_rate": 2},
     (2, 9, 3)),
    ("Conv1D", {"filters": 4, "kernel_size": 4, "strides": 2, "padding": "same"}, (2, 9, 3)),
    ("Conv1D", {"filters": 4, "kernel_size": 2, "data_format": "channels_first"}, (2, 3, 9)),
    ("Conv2D", {"filters": 6, "kernel_size": 3, "strides": 2, "padding": "same", "groups": 2},
     (2, 8, 9, 4)),
    ("Conv2D", {"filters": 5, "kernel_size": (2, 3), "padding": "same", "dilation_rate": 2},
     (2, 8, 9, 4)),
    ("Conv2D", {"filters": 5, "kernel_size": 4, "strides": 3, "padding": "same",
                "data_format": "channels_first"}, (2, 4, 8, 9)),
    ("Conv3D", {"filters": 3, "kernel_size": 2, "strides": 2, "padding": "same"},
     (2, 5, 6, 7, 2)),
    ("Conv1DTranspose", {"filters": 3, "kernel_size": 4, "strides": 3, "padding": "same",
                         "output_padding": 2}, (2, 5, 4)),
    ("Conv2DTranspose", {"filters": 3, "kernel_size": 3, "strides": 2, "padding": "same"},
     (2, 5, 6, 4)),
    ("Conv2DTranspose", {"filters": 3, "kernel_size": 5, "strides": 2, "padding": "same",
                         "output_padding": 1}, (2, 5, 6, 4)),
    ("Conv2DTranspose", {"filters": 3, "kernel_size": 2, "strides": 3, "padding": "valid",
                         "output_padding": 2}, (2, 5, 6, 4)),
    ("Conv2DTranspose", {"filters": 3, "kernel_size": 3, "dilation_rate": 2,
                         "padding": "same", "data_format": "channels_first"}, (2, 4, 5, 6)),
    ("Conv3DTranspose", {"filters": 2, "kernel_size": 3, "strides": 2, "padding": "same"},
     (1, 3, 4, 5, 2)),
    ("DepthwiseConv1D", {"kernel_size": 3, "depth_multiplier": 2, "padding": "same"},
     (2, 9, 3)),
    ("DepthwiseConv2D", {"kernel_size": (3, 2), "strides": 2, "depth_multiplier": 3,
                         "padding": "same"}, (2, 8, 9, 4)),
    ("SeparableConv1D", {"filters": 4, "kernel_size": 3, "strides": 2}, (2, 9, 3)),
    ("SeparableConv2D", {"filters": 5, "kernel_size": 3, "depth_multiplier": 2,
                         "padding": "same", "dilation_rate": 2}, (2, 8, 9, 4)),
]


@pytest.fixture(scope="module")
def keras():
    os.environ["KERAS_BACKEND"] = "torch"
    return pytest.importorskip("keras")


@pytest.mark.parametrize("name, kwargs, input_shape", KERAS_CASES)
def test_matches_keras(keras, name, kwargs, input_shape):
    import deepfit.layers.conv as conv

    ours = getattr(conv, name)(**kwargs)
    theirs = getattr(keras.layers, name)(**kwargs)
    theirs.build(input_shape)
    x = np.random.default_rng(6).standard_normal(input_shape).astype(np.float32)
    ours(torch.tensor(x))
    assert ours.count_params() == theirs.count_params()
    assert [w.shape for w in ours.get_weights()] == [tuple(w.shape) for w in theirs.weights]
    assert ours.compute_output_shape((None, *input_shape[1:])) == tuple(
        theirs.compute_output_shape((None, *input_shape[1:])))
    config = ours.get_config()
    keras_config = theirs.get_config()
    assert set(config) == set(keras_config)
    for key in ("kernel_size", "strides", "padding", "data_format", "dilation_rate"):
        assert config[key] == keras_config[key]
    assert type(ours).from_config(keras_config).get_config()["kernel_size"] == config[
        "kernel_size"]
    theirs.set_weights(_randomize(ours))
    expected = keras.ops.convert_to_numpy(theirs(x))
    np.testing.assert_allclose(_forward(ours, x), expected, rtol=1e-5, atol=1e-5)
