"""Conv2D/Conv1D(activation="relu") through one oneDNN call (backend/conv_relu.py): the same
values and gradients, bit for bit, as the convolution followed by a separate ReLU."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import deepfit as keras
from deepfit.backend import conv_relu

pytestmark = pytest.mark.skipif(not conv_relu.applies(torch.ones(1, 1, 1, 1), torch.ones(1)),
                                reason="torch here has no oneDNN convolution with post-ops")

CASES = [
    (keras.layers.Conv2D, dict(filters=6, kernel_size=3), (4, 9, 9, 3)),
    (keras.layers.Conv2D, dict(filters=6, kernel_size=3, strides=2, padding="same"),
     (4, 10, 10, 3)),  # TensorFlow's asymmetric 'same' padding
    (keras.layers.Conv2D, dict(filters=4, kernel_size=3, dilation_rate=2, padding="same",
                               groups=2, use_bias=False), (2, 11, 11, 4)),
    (keras.layers.Conv2D, dict(filters=5, kernel_size=2, data_format="channels_first"),
     (3, 2, 7, 7)),
    (keras.layers.Conv1D, dict(filters=5, kernel_size=3, padding="causal"), (3, 12, 4)),
]


def _pair(cls, kwargs, shape):
    """The fused layer and the same layer with its ReLU applied separately, same weights."""
    fused = cls(activation="relu", **kwargs)
    plain = cls(activation=None, **kwargs)
    fused.build(shape)
    plain.build(shape)
    plain.set_weights(fused.get_weights())
    return fused, lambda x: torch.relu(plain(x)), plain


@pytest.mark.parametrize("cls,kwargs,shape", CASES)
def test_values_and_gradients_equal_the_separate_relu(cls, kwargs, shape, monkeypatch):
    calls = []
    original = conv_relu._ConvReLU.apply
    monkeypatch.setattr(conv_relu._ConvReLU, "apply", lambda *a: calls.append(1) or original(*a))
    fused, separate, plain = _pair(cls, kwargs, shape)
    x = torch.randn(shape, generator=torch.Generator().manual_seed(0), requires_grad=True)
    results = []
    for layer, run in ((fused, fused), (plain, separate)):
        y = run(x)
        grads = torch.autograd.grad((y * y.detach().cos()).sum(), [x, *layer.trainable_weights])
        results.append([y.detach(), *grads])
    assert calls  # the fused call really ran
    assert (results[0][0] > 0).any() and (results[0][0] == 0).any()  # the ReLU bites
    for ours, theirs in zip(*results):
        assert torch.equal(ours, theirs)


def test_a_gradient_penalty_differentiates_the_backward_again():
    """A WGAN-GP style penalty needs the gradient of the input gradient: the fused backward is
    built of differentiable kernels, so it equals the separate ReLU's here too."""
    fused, separate, plain = _pair(*CASES[0])
    x = torch.randn(CASES[0][2], generator=torch.Generator().manual_seed(1), requires_grad=True)
    results = []
    for layer, run in ((fused, fused), (plain, separate)):
        (grad_x,) = torch.autograd.grad(run(x).sum(), x, create_graph=True)
        penalty = ((grad_x.flatten(1).norm(dim=1) - 1) ** 2).mean()
        results.append(torch.autograd.grad(penalty, layer.trainable_weights))
    for ours, theirs in zip(*results):
        torch.testing.assert_close(ours, theirs, rtol=1e-5, atol=1e-6)


@pytest.mark.filterwarnings("ignore:TF32 acceleration")
def test_not_taken_where_it_does_not_apply():
    x, w = torch.ones(1, 2, 4, 4), torch.ones(3, 2, 2, 2)
    assert conv_relu.applies(x, w)
    assert not conv_relu.applies(x.double(), w.double())
    assert not conv_relu.applies(torch.ones(1, 2, 4, 4, 4), torch.ones(3, 2, 2, 2, 2))  # 3D
    with torch.backends.mkldnn.flags(enabled=False):
        assert not conv_relu.applies(x, w)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        assert not conv_relu.applies(x, w)


def _convnet():
    keras.utils.set_random_seed(4)
    model = keras.Sequential([
        keras.Input((12, 12, 1)), keras.layers.Conv2D(4, 3, activation="relu"),
        keras.layers.MaxPooling2D(), keras.layers.Conv2D(6, 3, activation="relu"),
        keras.layers.Flatten(), keras.layers.Dropout(0.3), keras.layers.Dense(3, "softmax")])
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model


def test_fit_gives_the_unfused_history(monkeypatch):
    rng = np.random.default_rng(0)
    x = rng.random((96, 12, 12, 1), dtype=np.float32)
    y = rng.integers(0, 3, 96)
    for sample, label in enumerate(y):  # the class is the band of rows that is brighter
        x[sample, 4 * label:4 * label + 4] += 1.0
    histories = []
    for fused in (True, False):
        if not fused:
            monkeypatch.setattr(conv_relu, "applies", lambda x, w: False)
        model = _convnet()
        keras.utils.set_random_seed(0)
        histories.append(model.fit(x, y, batch_size=16, epochs=8, verbose=0).history)
    assert histories[0] == histories[1]
    assert histories[0]["accuracy"][-1] > 0.8
