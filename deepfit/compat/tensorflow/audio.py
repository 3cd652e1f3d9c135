"""`tf.audio`: 16-bit PCM WAV files to float32 tensors and back (`deepfit.utils.wav`).

Example:
    >>> audio, rate = decode_wav(tf.io.read_file("yes.wav"), desired_channels=1)  # doctest: +SKIP
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from deepfit.compat import namespace as _namespace
from deepfit.compat.tensorflow.eager import for_user_functions
from deepfit.utils import wav

__all__ = ["decode_wav", "encode_wav"]


def _contents(value: Any) -> bytes:
    array = value if isinstance(value, np.ndarray) else None
    if array is not None and array.size == 1:
        value = array.reshape(()).item()
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    raise TypeError(f"tf.audio.decode_wav: contents must be the bytes of a WAV file (from "
                    f"tf.io.read_file), received {type(value).__name__}")


def decode_wav(contents: Any, desired_channels: int = -1, desired_samples: int = -1,
               name: str | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """`tf.audio.decode_wav`: float32 audio (samples, channels) in [-1, 1) and the sample rate
    (an int32 scalar) of a 16-bit PCM WAV file's bytes."""
    audio, rate = wav.decode_wav(_contents(contents), int(desired_channels),
                                 int(desired_samples))
    return torch.from_numpy(audio), torch.tensor(rate, dtype=torch.int32)


def encode_wav(audio: Any, sample_rate: Any, name: str | None = None) -> np.ndarray:
    """`tf.audio.encode_wav`: the bytes of a 16-bit PCM WAV file holding float `audio` of
    shape (samples, channels) (a 0-d string tensor, as `tf.io.write_file` takes)."""
    values = audio.detach().cpu().numpy() if isinstance(audio, torch.Tensor) else audio
    encoded = np.empty((), dtype=object)
    encoded[()] = wav.encode_wav(np.asarray(values), int(sample_rate))
    return encoded


for_user_functions(globals())
_namespace.install(globals(), _namespace.Lookup("tf.audio"))
