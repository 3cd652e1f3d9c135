"""The tf/keras namespaces: deepfit's own objects under Keras's names, lazy lookup of new ones,
and NotImplementedError naming whatever is missing."""

from __future__ import annotations

import importlib
import sys
import textwrap

import pytest

import deepfit
import deepfit.compat.tensorflow as tf
from deepfit.compat import NotProvidedError, keras, namespace


def test_names_are_deepfits_own_objects():
    assert tf.keras is keras
    assert keras.Sequential is deepfit.Sequential and keras.Model is deepfit.Model
    assert keras.layers.Dense is deepfit.layers.Dense
    assert keras.Input is deepfit.layers.Input and keras.layers.Input is deepfit.layers.Input
    assert keras.models.Sequential is deepfit.Sequential
    assert keras.optimizers.Adam is deepfit.optimizers.Adam
    assert keras.optimizers.legacy.Adam is deepfit.optimizers.Adam
    assert keras.optimizers.schedules.ExponentialDecay is deepfit.schedules.ExponentialDecay
    assert keras.losses.SparseCategoricalCrossentropy is (
        deepfit.losses.SparseCategoricalCrossentropy)
    assert keras.metrics.SparseCategoricalAccuracy is deepfit.metrics.SparseCategoricalAccuracy
    assert keras.callbacks.EarlyStopping is deepfit.callbacks.EarlyStopping
    assert keras.datasets.mnist is deepfit.datasets.mnist
    assert keras.datasets.fashion_mnist is deepfit.datasets.fashion_mnist
    assert keras.utils.to_categorical is deepfit.utils.to_categorical
    assert keras.utils.get_file is deepfit.utils.get_file
    assert keras.utils.FeatureSpace is deepfit.utils.FeatureSpace
    assert keras.layers.HashedCrossing is deepfit.layers.HashedCrossing
    assert keras.preprocessing.image_dataset_from_directory is (
        deepfit.utils.image_dataset_from_directory)
    assert keras.activations.relu is deepfit.activations.relu
    assert keras.backend.epsilon is deepfit.config.epsilon
    assert tf.data.Dataset is deepfit.data.Dataset and tf.data.AUTOTUNE == deepfit.data.AUTOTUNE
    assert tf.data.experimental.AUTOTUNE == tf.data.AUTOTUNE


def test_keras_aliases():
    assert keras.losses.mse is keras.losses.MSE is deepfit.losses.mean_squared_error
    assert keras.losses.mae is deepfit.losses.mean_absolute_error
    assert keras.losses.kld is deepfit.losses.kl_divergence
    assert keras.metrics.mse is deepfit.losses.mean_squared_error  # loss functions are metrics
    assert keras.initializers.glorot_uniform is deepfit.initializers.GlorotUniform
    assert keras.initializers.he_normal is deepfit.initializers.HeNormal
    assert keras.regularizers.l2 is deepfit.regularizers.L2
    assert keras.regularizers.l1_l2 is deepfit.regularizers.L1L2
    assert keras.constraints.max_norm is deepfit.constraints.MaxNorm
    assert keras.activations.swish is deepfit.activations.silu
    assert keras.utils.np_utils.to_categorical is deepfit.utils.to_categorical
    assert keras.layers.core is keras.layers  # Keras 2's module paths
    assert keras.layers.experimental.preprocessing is keras.layers


def test_layers_deepfit_has_in_submodules_are_found():
    pytest.importorskip("deepfit.layers.conv")
    from deepfit.layers.conv import Conv2D

    assert keras.layers.Conv2D is Conv2D
    assert keras.layers.Convolution2D is Conv2D


def test_helpers_that_are_not_keras_api_stay_hidden():
    for hidden in ("reduce_weighted_values", "squeeze_or_expand_to_same_rank"):
        with pytest.raises(NotImplementedError):
            getattr(keras.losses, hidden)
    with pytest.raises(NotImplementedError):
        keras.metrics.Huber  # a loss class, not a metric  # noqa: B018
    with pytest.raises(NotImplementedError):
        keras.callbacks.to_float  # noqa: B018


def test_missing_names_raise_not_implemented_error_naming_them():
    with pytest.raises(NotImplementedError) as caught:
        tf.image.ssim  # noqa: B018
    assert str(caught.value) == "tf.image.ssim is not provided by deepfit"
    assert isinstance(caught.value, NotProvidedError)
    with pytest.raises(NotImplementedError, match=r"keras.layers.Dense2 is not provided by "
                                                  r"deepfit \(did you mean 'Dense'\?\)"):
        keras.layers.Dense2  # noqa: B018
    with pytest.raises(NotImplementedError, match="ImageDataGenerator is not provided by "
                                                  "deepfit: use image_dataset_from_directory"):
        keras.preprocessing.image.ImageDataGenerator  # noqa: B018
    with pytest.raises(NotImplementedError, match="tf.RaggedTensor is not provided"):
        tf.RaggedTensor  # noqa: B018
    with pytest.raises(NotImplementedError, match="keras.applications.ResNeXt50"):
        keras.applications.ResNeXt50  # noqa: B018
    with pytest.raises(NotImplementedError, match="tf.io.parse_single_example"):
        tf.io.parse_single_example  # noqa: B018


def test_dunder_and_private_lookups_stay_attribute_errors():
    # Python's own probing (hasattr, copy, pickle, inspect) must keep working.
    assert not hasattr(tf, "__wrapped__") and not hasattr(keras.layers, "_private")
    assert hasattr(keras.layers, "__path__")  # a package to the import system


def test_star_import_and_dir():
    scope: dict = {}
    exec("from deepfit.compat.keras.layers import *", scope)
    assert scope["Dense"] is deepfit.layers.Dense and "core" not in scope
    assert {"constant", "keras", "float32", "reduce_mean"} <= set(dir(tf))
    assert {"Dense", "Conv2D", "MaxPool2D"} <= set(dir(keras.layers))
    assert "torch" not in dir(keras.backend) and "np" not in dir(tf)


def _write(path, text):
    path.write_text(textwrap.dedent(text))


def test_lookup_finds_objects_added_later_and_reports_broken_modules(tmp_path, monkeypatch):
    package = tmp_path / "fakelayers"
    package.mkdir()
    _write(package / "__init__.py", """\
        from fakelayers.base import Base
        __all__ = ["Base"]
    """)
    _write(package / "base.py", "class Base:\n    pass\n")
    _write(package / "first.py", "from fakelayers.base import Base\nclass One(Base):\n    pass\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    lookup = namespace.Lookup(
        "fake.layers", sources=["fakelayers"], scan=["fakelayers"],
        aliases={"Uno": "One"},
        accept=lambda name, obj: isinstance(obj, type) and issubclass(
            obj, importlib.import_module("fakelayers").Base))
    module = namespace.make("fake.layers", sources=["fakelayers"], scan=["fakelayers"])
    assert lookup.find("One").__module__ == "fakelayers.first"
    assert lookup.find("Uno") is lookup.find("One")
    assert module.One is lookup.find("One")
    with pytest.raises(NotImplementedError, match="fake.layers.Two is not provided"):
        lookup.find("Two")
    # A colleague adds a module: its classes appear without any registration.
    _write(package / "second.py", "from fakelayers.base import Base\nclass Two(Base):\n    pass\n")
    importlib.invalidate_caches()
    assert lookup.find("Two").__name__ == "Two"
    # A module that fails to import is named in the error for what it might have held.
    _write(package / "third.py", "raise RuntimeError('half written')\n")
    importlib.invalidate_caches()
    with pytest.raises(NotImplementedError, match=r"fakelayers.third: RuntimeError: half written"):
        lookup.find("Three")
    for name in [name for name in sys.modules if name.partition(".")[0] == "fakelayers"]:
        del sys.modules[name]
