"""WAV files as TensorFlow reads and writes them (`tf.audio.decode_wav` / `encode_wav`): 16-bit
PCM samples scaled to float32 in [-1, 1), shaped (samples, channels).

Example:
    >>> audio, rate = decode_wav(encode_wav(np.zeros((4, 1), "float32"), 16000))
    >>> audio.shape, rate
    ((4, 1), 16000)
"""

from __future__ import annotations

import io
import wave

import numpy as np

_SCALE = 32768.0


def decode_wav(contents: bytes, desired_channels: int = -1, desired_samples: int = -1
               ) -> tuple[np.ndarray, int]:
    """Decode a 16-bit PCM WAV file.

    Args:
        contents: the file's bytes.
        desired_channels: channels to return (-1: the file's): the last channel is repeated
            when the file has fewer, extra ones are dropped.
        desired_samples: samples to return (-1: the file's): cut, or padded with zeros.

    Returns:
        `(audio, sample_rate)`: float32 of shape (samples, channels), and an int.

    Raises:
        ValueError: not a WAV file, or not 16-bit PCM.
    """
    try:
        with wave.open(io.BytesIO(bytes(contents)), "rb") as reader:
            channels, width = reader.getnchannels(), reader.getsampwidth()
            rate, frames = reader.getframerate(), reader.readframes(reader.getnframes())
    except (wave.Error, EOFError) as err:
        raise ValueError(f"decode_wav: the contents are not a readable WAV file ({err})"
                         ) from None
    if width != 2:
        raise ValueError(f"decode_wav: only 16-bit PCM WAV files can be decoded (as in "
                         f"TensorFlow); this file has {8 * width}-bit samples")
    samples = np.frombuffer(frames, dtype="<i2").reshape(-1, channels)
    audio = samples.astype(np.float32) / _SCALE
    if desired_channels > 0 and desired_channels != channels:
        picked = [min(k, channels - 1) for k in range(desired_channels)]
        audio = audio[:, picked]
    if desired_samples >= 0:
        audio = audio[:desired_samples]
        if len(audio) < desired_samples:
            audio = np.pad(audio, ((0, desired_samples - len(audio)), (0, 0)))
    return np.ascontiguousarray(audio), int(rate)


def encode_wav(audio: np.ndarray, sample_rate: int) -> bytes:
    """Encode float audio of shape (samples, channels) in [-1, 1] as a 16-bit PCM WAV file
    (values outside are clipped).

    Args:
        audio: float array (samples, channels).
        sample_rate: samples per second.

    Returns:
        The file's bytes.
    """
    values = np.asarray(audio, dtype=np.float32)
    if values.ndim != 2:
        raise ValueError(f"encode_wav: audio must have shape (samples, channels), received "
                         f"shape {values.shape}")
    pcm = np.clip(np.round(values * _SCALE), -_SCALE, _SCALE - 1).astype("<i2")
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as writer:
        writer.setnchannels(values.shape[1])
        writer.setsampwidth(2)
        writer.setframerate(int(sample_rate))
        writer.writeframes(pcm.tobytes())
    return buffer.getvalue()
