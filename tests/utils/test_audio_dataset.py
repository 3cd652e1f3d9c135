"""Audio as TensorFlow reads it: tf.audio.decode_wav/encode_wav (byte-identical files, bit-equal
samples), tf.signal.stft/frame/linear_to_mel_weight_matrix/mfccs and the windows' odd-length
rule, keras.utils.audio_dataset_from_directory (the same files, labels, shapes and padded
batches as Keras-TF), and Dataset.padded_batch — each against TensorFlow."""

from __future__ import annotations

import os

import numpy as np
import pytest

from deepfit.compat import tensorflow as tf
from deepfit.data import Dataset
from deepfit.utils import audio_dataset_from_directory, wav
from tests.trainer.keras_process import run_keras

PEERS_PYTHON = "/work/main/.venv-peers/bin/python"
needs_tf = pytest.mark.skipif(not os.path.exists(PEERS_PYTHON), reason="needs the peers venv")


def _tf(code: str, **arrays):
    return run_keras("import tensorflow as tf\n" + code, python=PEERS_PYTHON,
                     backend="tensorflow", **arrays)


@needs_tf
def test_wav_files_and_signal_functions_match_tensorflow():
    rng = np.random.default_rng(0)
    audio = rng.uniform(-1, 1, (50, 2)).astype("float32")
    signals = rng.standard_normal((2, 1000)).astype("float32")
    log_mel = rng.standard_normal((3, 5, 40)).astype("float32")
    found = _tf("""
audio, signals, log_mel = inputs["audio"], inputs["signals"], inputs["log_mel"]
encoded = tf.audio.encode_wav(audio, 8000).numpy()
result["encoded"] = np.frombuffer(encoded, np.uint8)
for ch, n in [(-1, -1), (1, -1), (3, -1), (2, 30), (1, 70)]:
    result[f"decoded_{ch}_{n}"] = tf.audio.decode_wav(encoded, ch, n)[0].numpy()
result["stft"] = np.abs(tf.signal.stft(signals, frame_length=255, frame_step=128).numpy())
result["stft_pad"] = np.abs(tf.signal.stft(signals, 256, 100, fft_length=300,
                                           pad_end=True).numpy())
result["frame_pad"] = tf.signal.frame(signals, 64, 50, pad_end=True, pad_value=7).numpy()
result["mel"] = tf.signal.linear_to_mel_weight_matrix(40, 129, 16000, 80.0, 7600.0).numpy()
result["mfcc"] = tf.signal.mfccs_from_log_mel_spectrograms(log_mel).numpy()
result["hann_odd"] = tf.signal.hann_window(7).numpy()
result["hamming_odd"] = tf.signal.hamming_window(9).numpy()
""", audio=audio, signals=signals, log_mel=log_mel)
    encoded = wav.encode_wav(audio, 8000)
    assert np.array_equal(np.frombuffer(encoded, np.uint8), found["encoded"])
    for ch, n in [(-1, -1), (1, -1), (3, -1), (2, 30), (1, 70)]:
        decoded, rate = tf.audio.decode_wav(encoded, ch, n)
        np.testing.assert_array_equal(np.asarray(decoded), found[f"decoded_{ch}_{n}"])
        assert int(rate) == 8000
    ours = {
        "stft": np.abs(np.asarray(tf.signal.stft(signals, frame_length=255, frame_step=128))),
        "stft_pad": np.abs(np.asarray(tf.signal.stft(signals, 256, 100, fft_length=300,
                                                     pad_end=True))),
        "frame_pad": tf.signal.frame(signals, 64, 50, pad_end=True, pad_value=7),
        "mel": tf.signal.linear_to_mel_weight_matrix(40, 129, 16000, 80.0, 7600.0),
        "mfcc": tf.signal.mfccs_from_log_mel_spectrograms(log_mel),
        "hann_odd": tf.signal.hann_window(7), "hamming_odd": tf.signal.hamming_window(9)}
    for key, value in ours.items():
        np.testing.assert_allclose(np.asarray(value), found[key], rtol=1e-5, atol=2e-5,
                                   err_msg=key)


def _write_folder(root, lengths_by_class):
    rng = np.random.default_rng(1)
    for label, lengths in lengths_by_class.items():
        os.makedirs(root / label, exist_ok=True)
        for k, length in enumerate(lengths):
            audio = rng.uniform(-0.9, 0.9, (length, 1)).astype("float32")
            (root / label / f"clip{k}.wav").write_bytes(wav.encode_wav(audio, 16000))


_KERAS_AUDIO = """
directory = str(inputs["directory"])
kw = dict(batch_size=3, shuffle=False, verbose=False)
plain = keras.utils.audio_dataset_from_directory(directory, **kw)
result["class_names"] = list(plain.class_names)
result["padded"] = [np.asarray(a) for a, _ in plain]
result["labels"] = [np.asarray(y) for _, y in plain]
fixed = keras.utils.audio_dataset_from_directory(directory, output_sequence_length=120,
                                                 label_mode="categorical", **kw)
result["fixed"] = [np.asarray(a) for a, _ in fixed]
result["onehot"] = [np.asarray(y) for _, y in fixed]
train, val = keras.utils.audio_dataset_from_directory(
    directory, batch_size=4, validation_split=0.25, subset="both", seed=3,
    output_sequence_length=100, verbose=False)
result["train_sums"] = sorted(float(s) for a, _ in train for s in np.asarray(a).sum(axis=(1, 2)))
result["val_sums"] = sorted(float(s) for a, _ in val for s in np.asarray(a).sum(axis=(1, 2)))
"""


@needs_tf
def test_audio_dataset_matches_keras_tensorflow(tmp_path):
    _write_folder(tmp_path, {"no": [80, 150, 60, 200], "yes": [90, 120, 100, 40]})
    found = run_keras(_KERAS_AUDIO, python=PEERS_PYTHON, backend="tensorflow",
                      directory=np.array(str(tmp_path)))
    namespace = {"keras": tf.keras, "np": np, "inputs": {"directory": np.array(str(tmp_path))},
                 "result": {}}
    exec(_KERAS_AUDIO, namespace)
    ours = namespace["result"]
    assert ours["class_names"] == found["class_names"] == ["no", "yes"]
    for key in ("padded", "labels", "fixed", "onehot"):
        assert len(ours[key]) == len(found[key]), key
        for a, b in zip(ours[key], found[key]):
            assert a.shape == b.shape and a.dtype == b.dtype, key
            np.testing.assert_array_equal(a, b, err_msg=key)
    np.testing.assert_allclose(ours["train_sums"], found["train_sums"], rtol=1e-6)
    np.testing.assert_allclose(ours["val_sums"], found["val_sums"], rtol=1e-6)


def test_audio_dataset_refuses_what_it_cannot_do(tmp_path):
    _write_folder(tmp_path, {"a": [10], "b": [12]})
    with pytest.raises(ValueError, match="Cannot set both `ragged` and"):
        audio_dataset_from_directory(tmp_path, ragged=True, output_sequence_length=5)
    with pytest.raises(NotImplementedError, match="ragged"):
        audio_dataset_from_directory(tmp_path, ragged=True)
    with pytest.raises(NotImplementedError, match="tensorflow-io"):
        audio_dataset_from_directory(tmp_path, sampling_rate=8000)
    with pytest.raises(ValueError, match="`sampling_rate` should be higher than 0"):
        audio_dataset_from_directory(tmp_path, sampling_rate=0)
    (tmp_path / "a" / "clip0.wav").write_bytes(b"not a wav file")
    with pytest.raises(ValueError, match="not a readable WAV file"):
        list(audio_dataset_from_directory(tmp_path, verbose=False))


@needs_tf
def test_padded_batch_matches_tf_data():
    found = _tf("""
ds = tf.data.Dataset.range(1, 6).map(
    lambda x: (tf.range(x), tf.fill([x, 2], tf.cast(x, tf.float32)), x))
result["default"] = [np.asarray(c) for b in ds.padded_batch(2) for c in b]
shaped = ds.padded_batch(2, padded_shapes=([6], [None, 3], []),
                         padding_values=(tf.constant(-1, tf.int64), 9.0, tf.constant(0, tf.int64)),
                         drop_remainder=True)
result["shaped"] = [np.asarray(c) for b in shaped for c in b]
""")
    ds = Dataset.range(1, 6).map(lambda x: (np.arange(x), np.full((x, 2), x, "float32"), x))
    ours = {"default": [c for b in ds.padded_batch(2) for c in b],
            "shaped": [c for b in ds.padded_batch(
                2, padded_shapes=([6], [None, 3], []), padding_values=(-1, 9.0, 0),
                drop_remainder=True) for c in b]}
    for key in ours:
        assert len(ours[key]) == len(found[key]), key
        for a, b in zip(ours[key], found[key]):
            np.testing.assert_array_equal(np.asarray(a), b, err_msg=key)
    with pytest.raises(ValueError, match="smaller size than the input element"):
        list(ds.padded_batch(2, padded_shapes=([2], [None, 2], [])))


@needs_tf
def test_shard_matches_tf_data():
    found = _tf("""
ds = tf.data.Dataset.range(11)
for n, i in [(2, 0), (2, 1), (3, 2), (4, 3), (20, 5)]:
    part = ds.shard(n, i)
    result[f"{n}_{i}"] = np.array(list(part.as_numpy_iterator()), np.int64)
    result[f"{n}_{i}_card"] = np.array(int(part.cardinality()))
""")
    ds = Dataset.range(11)
    for n, i in [(2, 0), (2, 1), (3, 2), (4, 3), (20, 5)]:
        part = ds.shard(n, i)
        assert [int(v) for v in part] == found[f"{n}_{i}"].tolist()
        assert part.cardinality() == int(found[f"{n}_{i}_card"])
    with pytest.raises(ValueError, match="index must be an int in"):
        ds.shard(2, 2)
