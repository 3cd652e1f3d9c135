"""`import deepfit as keras` exposes Keras 3's top level: every public name of real Keras
either exists or raises NotImplementedError naming it; `keras.random`, `keras.backend`,
`keras.tree` behave as Keras's."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys

import pytest
import torch

import deepfit as keras


@pytest.fixture(scope="module")
def keras_names():
    if importlib.util.find_spec("keras") is None:
        pytest.skip("real Keras is not installed")
    env = {**os.environ, "KERAS_BACKEND": "torch", "CUDA_VISIBLE_DEVICES": ""}
    env.pop("PYTHONPATH", None)
    script = ("import json, keras; print(json.dumps({'top': dir(keras), "
              "'random': dir(keras.random), 'backend': dir(keras.backend), "
              "'tree': dir(keras.tree)}))")
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                          text=True, timeout=300, cwd="/")
    assert done.returncode == 0, done.stderr[-2000:]
    names = json.loads(done.stdout.strip().splitlines()[-1])
    return {k: [n for n in v if not n.startswith("_")] for k, v in names.items()}


def test_every_keras_top_level_name_exists_or_names_itself(keras_names):
    missing = []
    for name in keras_names["top"]:
        if name == "src":  # Keras's private source package
            continue
        try:
            getattr(keras, name)
        except NotImplementedError as err:
            assert f"keras.{name}" in str(err)
            assert isinstance(err, AttributeError)
        except AttributeError:
            missing.append(name)
    assert missing == []
    for name in ("ops", "random", "backend", "tree", "saving", "KerasTensor", "Loss", "Metric",
                 "Optimizer", "Initializer", "Regularizer"):
        assert name in dir(keras) and getattr(keras, name) is not None


@pytest.mark.parametrize("module", ["random", "backend"])
def test_keras_functions_of_random_and_backend_exist(keras_names, module):
    ours = getattr(keras, module)
    assert [n for n in keras_names[module] if not hasattr(ours, n)] == []


def test_tree_functions_used_by_examples_exist(keras_names):
    for name in ("flatten", "map_structure", "pack_sequence_as", "is_nested",
                 "assert_same_structure", "flatten_with_path", "lists_to_tuples"):
        assert name in keras_names["tree"] and callable(getattr(keras.tree, name))
    assert keras.tree.pack_sequence_as({"a": 0, "b": [0, 0]}, [1, 2, 3]) == {"a": 1, "b": [2, 3]}
    with pytest.raises(ValueError, match="same nested structure"):
        keras.tree.assert_same_structure([1, 2], [1])


def test_random_draws_follow_their_seeds_and_distributions():
    a = keras.random.normal((4000,), mean=2.0, stddev=0.5, seed=1)
    assert torch.equal(a, keras.random.normal((4000,), mean=2.0, stddev=0.5, seed=1))
    assert a.mean().item() == pytest.approx(2.0, abs=0.05)
    assert a.std().item() == pytest.approx(0.5, abs=0.05)
    u = keras.random.uniform((1000,), minval=-1, maxval=3, seed=2)
    assert u.min() >= -1 and u.max() < 3 and u.dtype == torch.float32
    t = keras.random.truncated_normal((5000,), stddev=2.0, seed=3)
    assert t.abs().max() <= 4.0
    r = keras.random.randint((100,), 0, 5, seed=4)
    assert r.dtype == torch.int32 and set(r.tolist()) == {0, 1, 2, 3, 4}
    generator = keras.random.SeedGenerator(7)
    first, second = keras.random.uniform((3,), seed=generator), keras.random.uniform(
        (3,), seed=generator)
    assert not torch.equal(first, second)
    again = keras.random.SeedGenerator(7)
    assert torch.equal(first, keras.random.uniform((3,), seed=again))
    dropped = keras.random.dropout(torch.ones(10000), 0.25, seed=5)
    assert torch.isin(dropped.unique(), torch.tensor([0.0, 1.0 / 0.75])).all()
    assert (dropped == 0).float().mean().item() == pytest.approx(0.25, abs=0.02)
    assert sorted(keras.random.shuffle(torch.arange(10), seed=6).tolist()) == list(range(10))
    draws = keras.random.categorical(torch.tensor([[0.0, 20.0], [20.0, 0.0]]), 5, seed=1)
    assert draws.tolist() == [[1] * 5, [0] * 5]


def test_backend_functions():
    assert keras.backend.backend() == "torch"
    assert keras.backend.standardize_dtype("int") == "int32"
    assert keras.backend.result_type("int32", "float16") == "float16"
    assert keras.backend.is_keras_tensor(keras.Input((3,)))
    keras.backend.clear_session()
    assert keras.backend.get_uid("x") == 1 and keras.backend.get_uid("x") == 2
    with pytest.raises(NotImplementedError, match="channels_first"):
        keras.backend.set_image_data_format("channels_first")
