"""tf.summary (keras-io's scikit-learn metric callback writes its Jaccard score with
`tf.summary.create_file_writer` and `tf.summary.scalar`): the event files TensorBoard reads hold
the same tags, steps and values as TensorFlow's; the default writer and step rules and errors
are TensorFlow's."""

from __future__ import annotations

import glob
import os

import numpy as np
import pytest

from deepfit.compat.tensorflow import summary
from tests.trainer.keras_process import run_keras

PEERS_PYTHON = "/work/main/.venv-peers/bin/python"

_WRITE = """
writer = tf.summary.create_file_writer(LOGDIR)
with writer.as_default():
    for epoch in range(1, 4):
        tf.summary.scalar("jaccard_score", 0.25 * epoch, step=epoch)
    writer.flush()
with writer.as_default(step=7):
    tf.summary.scalar("loss", np.float32(0.5))
    tf.summary.histogram("weights", np.arange(10, dtype="float32"), step=2)
writer.set_as_default()
tf.summary.experimental.set_step(9)
tf.summary.scalar("late", tf.constant(1.5))
writer.flush()
"""


def _events(logdir: str) -> list[tuple[str, int, float]]:
    """Every scalar in the event files under `logdir`: (tag, step, value), as TensorBoard
    reads them (TensorFlow stores scalars as tensors, torch as simple values)."""
    from tensorboard.backend.event_processing.event_file_loader import EventFileLoader
    from tensorboard.util import tensor_util

    found = []
    for path in sorted(glob.glob(os.path.join(logdir, "events.out.tfevents.*"))):
        for event in EventFileLoader(path).Load():
            for value in event.summary.value:
                if value.HasField("simple_value"):
                    found.append((value.tag, event.step, float(value.simple_value)))
                elif value.metadata.plugin_data.plugin_name == "scalars":
                    array = tensor_util.make_ndarray(value.tensor)
                    found.append((value.tag, event.step, float(array)))
    return sorted(found)


@pytest.fixture(autouse=True)
def _no_default_writer():
    summary._state.update(writer=None, step=None)
    yield
    summary._state.update(writer=None, step=None)


def _write_ours(logdir: str) -> None:
    import deepfit.compat.tensorflow as tf

    exec(_WRITE, {"tf": tf, "np": np, "LOGDIR": logdir})


@pytest.mark.skipif(not os.path.exists(PEERS_PYTHON), reason="needs the peers venv (TF)")
def test_scalars_read_back_as_tensorflow_writes_them(tmp_path):
    theirs, ours = str(tmp_path / "tf"), str(tmp_path / "ours")
    code = "import tensorflow as tf\nLOGDIR = " + repr(theirs) + "\n" + _WRITE
    run_keras(code, python=PEERS_PYTHON, backend="tensorflow")
    _write_ours(ours)
    expected = _events(theirs)
    assert [tag for tag, _, _ in expected] == ["jaccard_score"] * 3 + ["late", "loss"]
    assert _events(ours) == expected


def test_histogram_is_written(tmp_path):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    _write_ours(str(tmp_path))
    accumulator = EventAccumulator(str(tmp_path))
    accumulator.Reload()
    (histogram,) = accumulator.Histograms("weights")
    assert histogram.step == 2
    assert histogram.histogram_value.num == 10
    assert histogram.histogram_value.sum == 45.0


def test_without_a_default_writer_nothing_is_written():
    assert summary.scalar("loss", 1.0, step=1) is False
    noop = summary.create_noop_writer()
    with noop.as_default():
        assert summary.scalar("loss", 1.0, step=1) is False


def test_a_missing_step_raises_tensorflows_error(tmp_path):
    writer = summary.create_file_writer(str(tmp_path))
    with writer.as_default(), pytest.raises(ValueError, match="No step set"):
        summary.scalar("loss", 1.0)


def test_as_default_restores_the_previous_writer_and_step(tmp_path):
    outer = summary.create_file_writer(str(tmp_path / "a"))
    inner = summary.create_file_writer(str(tmp_path / "b"))
    with outer.as_default(step=3):
        with inner.as_default(step=5):
            assert summary._state == {"writer": inner, "step": 5}
        assert summary._state == {"writer": outer, "step": 3}
    assert summary._state == {"writer": None, "step": None}


def test_a_one_element_vector_is_refused_as_in_tensorflow(tmp_path):
    with summary.create_file_writer(str(tmp_path)).as_default(), \
            pytest.raises(ValueError, match=r"Expected scalar shape, saw shape: \(1,\)"):
        summary.scalar("loss", [1.0], step=1)


def test_unknown_names_say_they_are_not_provided():
    with pytest.raises(NotImplementedError, match="tf.summary.audio is not provided"):
        summary.audio  # noqa: B018
