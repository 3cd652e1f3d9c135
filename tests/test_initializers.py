"""Initializers: fans, Keras's distributions (stats on large tensors), seeds, orthogonality,
get/serialize/config."""

import math
import os

import numpy as np
import pytest
import torch

from deepfit import initializers as init

os.environ["KERAS_BACKEND"] = "torch"

TRUNC = 0.87962566103423978
DENSE = (500, 300)
CONV = (3, 3, 64, 128)


@pytest.fixture(scope="module")
def keras():
    return pytest.importorskip("keras")


@pytest.mark.parametrize(
    "shape, fans",
    [
        ((), (1, 1)),
        ((7,), (7, 7)),
        ((20, 30), (20, 30)),
        ((5, 16, 32), (80, 160)),
        ((3, 3, 16, 32), (144, 288)),
        ((2, 3, 3, 4, 8), (72, 144)),
    ],
)
def test_compute_fans_keras_layout(shape, fans):
    assert init.compute_fans(shape) == fans


def test_compute_fans_matches_keras(keras):
    from keras.src.initializers.random_initializers import compute_fans

    for shape in [(7,), (20, 30), (5, 16, 32), (3, 3, 16, 32), (2, 3, 3, 4, 8)]:
        assert init.compute_fans(shape) == compute_fans(shape)
    assert init.compute_fans((4, 5, 6), [0, 1], [2]) == compute_fans((4, 5, 6), [0, 1], [2])


def _fans(shape):
    return init.compute_fans(shape)


# name → (scale, n from fans, distribution)
VARIANCE_SCALING = {
    "glorot_uniform": (1.0, lambda i, o: (i + o) / 2, "uniform"),
    "glorot_normal": (1.0, lambda i, o: (i + o) / 2, "truncated_normal"),
    "he_uniform": (2.0, lambda i, o: i, "uniform"),
    "he_normal": (2.0, lambda i, o: i, "truncated_normal"),
    "lecun_uniform": (1.0, lambda i, o: i, "uniform"),
    "lecun_normal": (1.0, lambda i, o: i, "truncated_normal"),
}


def _check_variance_scaling(w, variance, distribution):
    std = math.sqrt(variance)
    assert abs(w.mean().item()) < 0.02 * std
    assert w.std().item() == pytest.approx(std, rel=0.02)
    bound = w.abs().max().item()
    if distribution == "uniform":
        limit = math.sqrt(3 * variance)
        assert limit * 0.999 < bound <= limit
    elif distribution == "truncated_normal":
        assert bound <= 2 * std / TRUNC + 1e-6
        assert bound > 1.99 * std / TRUNC
    else:
        assert bound > 4 * std  # an untruncated normal of this size reaches past 4 sigma


@pytest.mark.parametrize("name", sorted(VARIANCE_SCALING))
@pytest.mark.parametrize("shape", [DENSE, CONV])
def test_variance_scaling_family_statistics(name, shape):
    scale, n, distribution = VARIANCE_SCALING[name]
    torch.manual_seed(0)
    w = init.get(name)(shape)
    assert w.shape == shape and w.dtype == torch.float32
    _check_variance_scaling(w.double(), scale / n(*_fans(shape)), distribution)


@pytest.mark.parametrize("mode", ["fan_in", "fan_out", "fan_avg"])
@pytest.mark.parametrize("distribution", ["truncated_normal", "untruncated_normal", "uniform"])
def test_variance_scaling_modes(mode, distribution):
    fan_in, fan_out = _fans(CONV)
    n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[mode]
    w = init.VarianceScaling(3.0, mode, distribution, seed=1)(CONV)
    _check_variance_scaling(w.double(), 3.0 / n, distribution)


def test_variance_scaling_normal_alias_and_validation():
    assert init.VarianceScaling(distribution="Normal").distribution == "truncated_normal"
    with pytest.raises(ValueError, match="scale"):
        init.VarianceScaling(scale=0)
    with pytest.raises(ValueError, match="mode.*fan_in.*'fan_sum'"):
        init.VarianceScaling(mode="fan_sum")
    with pytest.raises(ValueError, match="distribution"):
        init.VarianceScaling(distribution="cauchy")


def test_statistics_match_keras(keras):
    for name in VARIANCE_SCALING:
        cls_name = type(init.get(name)).__name__
        ours = getattr(init, cls_name)(seed=0)(CONV).double()
        theirs = getattr(keras.initializers, cls_name)(seed=0)(CONV)
        theirs = torch.as_tensor(keras.ops.convert_to_numpy(theirs))
        assert ours.std().item() == pytest.approx(theirs.double().std().item(), rel=0.03)
        # Keras's torch backend keeps a rare out-of-range draw, so compare a high quantile.
        assert ours.abs().quantile(0.999).item() == pytest.approx(
            theirs.abs().double().quantile(0.999).item(), rel=0.03
        )


def test_random_normal_uniform_truncated():
    w = init.RandomNormal(mean=1.0, stddev=2.0, seed=3)((400, 400)).double()
    assert w.mean().item() == pytest.approx(1.0, abs=0.02)
    assert w.std().item() == pytest.approx(2.0, rel=0.01)
    u = init.RandomUniform(-3.0, 5.0, seed=3)((400, 400)).double()
    assert -3.0 <= u.min().item() < -2.99 and 4.99 < u.max().item() < 5.0
    assert u.mean().item() == pytest.approx(1.0, abs=0.02)
    t = init.TruncatedNormal(mean=0.5, stddev=0.1, seed=3)((400, 400)).double()
    assert 0.3 <= t.min().item() < 0.302 and 0.698 < t.max().item() <= 0.7
    assert t.std().item() == pytest.approx(0.1 * TRUNC, rel=0.01)
    assert init.RandomNormal().stddev == 0.05 and init.RandomUniform().minval == -0.05


def test_seeded_initializers_repeat_and_unseeded_follow_torch_seed():
    for cls in (init.RandomNormal, init.RandomUniform, init.TruncatedNormal, init.HeNormal,
                init.GlorotUniform, init.Orthogonal):
        a, b = cls(seed=7)((6, 5)), cls(seed=7)((6, 5))
        assert torch.equal(a, b) and torch.equal(a, cls(seed=7)((6, 5)))
        assert not torch.equal(a, cls(seed=8)((6, 5)))
        unseeded = cls()
        torch.manual_seed(123)
        first, second = unseeded((6, 5)), unseeded((6, 5))
        assert not torch.equal(first, second)
        torch.manual_seed(123)
        assert torch.equal(unseeded((6, 5)), first)


def test_seed_validation():
    with pytest.raises(ValueError, match="seed: expected an integer"):
        init.RandomNormal(seed=1.5)
    with pytest.raises(ValueError, match="seed"):
        init.GlorotUniform(seed="a")


@pytest.mark.parametrize("shape", [(6, 6), (4, 10), (10, 4), (3, 3, 4, 8), (2, 2, 8, 4)])
def test_orthogonal(shape):
    w = init.Orthogonal(gain=2.0, seed=0)(shape)
    assert w.shape == shape
    m = w.reshape(-1, shape[-1]).double()
    gram = m @ m.T if m.shape[0] < m.shape[1] else m.T @ m
    torch.testing.assert_close(gram, 4 * torch.eye(gram.shape[0], dtype=torch.float64),
                               atol=1e-5, rtol=0)
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        init.Orthogonal()((5,))


def test_constant_zeros_ones_identity():
    assert torch.equal(init.Zeros()((2, 3)), torch.zeros(2, 3))
    assert torch.equal(init.Ones()((2,), dtype=torch.int64), torch.ones(2, dtype=torch.int64))
    assert torch.equal(init.Constant(2.5)((3,)), torch.full((3,), 2.5))
    assert init.Constant(torch.tensor(4.0)).value == 4.0
    assert torch.equal(init.Identity(gain=3.0)((2, 3)), 3 * torch.eye(2, 3))
    with pytest.raises(ValueError, match="2D"):
        init.Identity()((2, 2, 2))
    with pytest.raises(ValueError, match="value: expected a number or a numeric array"):
        init.Constant("two")


def test_dtypes_and_shapes():
    assert init.HeNormal(seed=0)((3, 4), dtype=torch.float64).dtype == torch.float64
    half = init.GlorotUniform(seed=0)(CONV, dtype="bfloat16")
    assert half.dtype == torch.bfloat16 and half.shape == CONV
    torch.testing.assert_close(half, init.GlorotUniform(seed=0)(CONV).bfloat16())
    assert init.Orthogonal(seed=0)((4, 4), dtype=torch.float16).dtype == torch.float16
    assert init.Zeros()(5).shape == (5,)
    assert init.RandomNormal(seed=0)(torch.Size([2, 3]), device="cpu").device.type == "cpu"
    with pytest.raises(ValueError, match="dtype: RandomNormal draws floats"):
        init.RandomNormal()((2,), dtype=torch.int32)
    with pytest.raises(ValueError, match="shape: expected a tuple of non-negative integers"):
        init.Zeros()((2, -1))


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_device():
    w = init.GlorotNormal(seed=1)(CONV, device="cuda")
    assert w.device.type == "cuda"
    assert torch.equal(w, init.GlorotNormal(seed=1)(CONV, device="cuda"))
    q = init.Orthogonal(seed=1)((8, 8), device="cuda")
    torch.testing.assert_close(q.T @ q, torch.eye(8, device="cuda"), atol=1e-5, rtol=0)


KERAS_NAMES = [
    "zeros", "ones", "constant", "random_normal", "random_uniform", "truncated_normal",
    "glorot_uniform", "glorot_normal", "he_uniform", "he_normal", "lecun_uniform",
    "lecun_normal", "orthogonal", "identity", "variance_scaling", "normal", "uniform", "zero",
    "one", "GlorotUniform", "HeNormal", "Orthogonal", "OrthogonalInitializer",
]


def test_get_names_configs_classes_values():
    for name in KERAS_NAMES:
        assert isinstance(init.get(name), init.Initializer), name
    assert isinstance(init.get("glorot_uniform"), init.GlorotUniform)
    assert init.get(None) is None
    got = init.get({"class_name": "RandomNormal", "config": {"stddev": 1.0, "seed": 2}})
    assert (got.stddev, got.seed) == (1.0, 2)
    assert isinstance(init.get(init.HeUniform), init.HeUniform)
    instance = init.Ones()
    assert init.get(instance) is instance
    fn = lambda shape, dtype=None, device=None: torch.ones(shape)  # noqa: E731
    assert init.get(fn) is fn
    values = np.arange(6.0).reshape(2, 3)
    out = init.get(values)((2, 3))
    assert out.dtype == torch.float32 and torch.equal(out, torch.arange(6.0).reshape(2, 3))
    with pytest.raises(ValueError, match=r"expected \(2, 3\)"):
        init.get(values)((3, 2))


def test_get_unknown_name_lists_valid_ones():
    with pytest.raises(ValueError, match="Unknown initializer: 'glorot'.*'glorot_uniform'"):
        init.get("glorot")
    with pytest.raises(ValueError, match="initializer"):
        init.get(42)


def test_config_roundtrip_and_keras_keys(keras):
    objects = [
        init.Zeros(), init.Ones(), init.Constant(3.0), init.Identity(),
        init.RandomNormal(1.0, 2.0, seed=3), init.RandomUniform(-1, 1, seed=4),
        init.TruncatedNormal(seed=5), init.VarianceScaling(2.0, "fan_out", "uniform", seed=6),
        init.GlorotUniform(seed=7), init.GlorotNormal(), init.HeNormal(), init.HeUniform(),
        init.LecunNormal(), init.LecunUniform(), init.Orthogonal(gain=2.0, seed=8),
    ]
    for obj in objects:
        config = init.serialize(obj)
        assert config["class_name"] == type(obj).__name__
        clone = init.deserialize(config)
        assert type(clone) is type(obj) and clone.get_config() == obj.get_config()
        if hasattr(obj, "seed") and obj.seed is not None:
            assert torch.equal(clone((4, 3)), obj((4, 3)))
        theirs = getattr(keras.initializers, type(obj).__name__)().get_config()
        if not isinstance(obj, init.Identity):  # Keras forgets Identity's gain
            assert set(obj.get_config()) == set(theirs), type(obj).__name__
    assert init.VarianceScaling.from_config(init.VarianceScaling(seed=1).get_config()).seed == 1
    with pytest.raises(ValueError, match="named function"):
        init.serialize(lambda shape: shape)
