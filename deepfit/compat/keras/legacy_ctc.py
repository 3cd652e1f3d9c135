"""The Keras 2 CTC helpers of `tf.keras.backend` (`K.ctc_batch_cost`, `K.ctc_decode`), which
take softmax probabilities and use the LAST class as the blank, as TensorFlow's CTC does.

Example:
    >>> probabilities = torch.softmax(torch.randn(2, 6, 4), dim=-1)
    >>> ctc_batch_cost([[1, 2], [2, 0]], probabilities, [[6], [6]], [[2], [1]]).shape
    torch.Size([2, 1])
"""

from __future__ import annotations

from typing import Any

import torch

from deepfit import config
from deepfit.backend.tensor import returns_for_user
from deepfit.ops.core import convert_to_tensor
from deepfit.ops.ctc import ctc_decode as _decode
from deepfit.ops.ctc import ctc_loss


def _log_probabilities(y_pred: Any) -> torch.Tensor:
    probabilities = convert_to_tensor(y_pred)
    if not probabilities.is_floating_point():
        probabilities = probabilities.to(torch.float32)
    if probabilities.dim() != 3:
        raise ValueError("y_pred: expected softmax outputs of shape (samples, time_steps, "
                         f"num_categories), received shape {tuple(probabilities.shape)}")
    return torch.log(probabilities + config.epsilon())


def _column(lengths: Any, argument: str) -> torch.Tensor:
    lengths = convert_to_tensor(lengths)
    if lengths.dim() == 2 and lengths.shape[-1] == 1:
        return lengths[:, 0]
    raise ValueError(f"{argument}: expected shape (samples, 1), received "
                     f"{tuple(lengths.shape)}")


@returns_for_user
def ctc_batch_cost(y_true: Any, y_pred: Any, input_length: Any,
                   label_length: Any) -> torch.Tensor:
    """The CTC loss of each batch element, Keras 2 style.

    Args:
        y_true: labels, shape `(samples, max_string_length)`; only the first `label_length`
            of each row count.
        y_pred: softmax outputs, shape `(samples, time_steps, num_categories)`; the last
            category is the blank.
        input_length: the steps of `y_pred` that count, shape `(samples, 1)`.
        label_length: the labels of `y_true` that count, shape `(samples, 1)`.

    Returns:
        The losses, shape `(samples, 1)`.
    """
    logits = _log_probabilities(y_pred)
    labels = convert_to_tensor(y_true)
    loss = ctc_loss(labels.to(logits.device).round().long() if labels.is_floating_point()
                    else labels, logits, _column(label_length, "label_length"),
                    _column(input_length, "input_length"), mask_index=logits.shape[-1] - 1)
    return loss[:, None]


@returns_for_user
def ctc_decode(y_pred: Any, input_length: Any, greedy: bool = True, beam_width: int = 100,
               top_paths: int = 1) -> tuple[list[torch.Tensor], torch.Tensor]:
    """Decode softmax outputs, Keras 2 style (the last category is the blank).

    Args:
        y_pred: softmax outputs, shape `(samples, time_steps, num_categories)`.
        input_length: the steps that count, shape `(samples,)`.
        greedy: the best category per step (True) or a beam search.
        beam_width: the beams kept per step (beam search).
        top_paths: how many sequences to return (beam search).

    Returns:
        `(decoded, log_probabilities)`: a list of `top_paths` int tensors of shape
        `(samples, time_steps)` holding each decoded sequence followed by -1, and their
        scores, shape `(samples, top_paths)`.
    """
    logits = _log_probabilities(y_pred)
    lengths = convert_to_tensor(input_length).reshape(-1)
    blank = logits.shape[-1] - 1
    if greedy:
        paths, scores = _decode(logits, lengths, mask_index=blank)
    else:
        paths, scores = _decode(logits, lengths, strategy="beam_search", beam_width=beam_width,
                                top_paths=top_paths, mask_index=blank)
        paths = _merge_repeats(paths)
    return [path.long() for path in paths], scores


def _merge_repeats(paths: torch.Tensor) -> torch.Tensor:
    """TensorFlow's beam search decoder (merge_repeated=True) also merges equal neighbours
    of a decoded sequence: 'a a' becomes 'a'. Kept labels move to the front, -1 fills."""
    repeat = torch.zeros_like(paths, dtype=torch.bool)
    repeat[..., 1:] = (paths[..., 1:] == paths[..., :-1]) & (paths[..., 1:] != -1)
    steps = paths.shape[-1]
    order = torch.where(repeat | (paths == -1), steps,
                        torch.arange(steps, device=paths.device))
    order = torch.argsort(order, dim=-1, stable=True)
    return torch.where(repeat, -1, paths).gather(-1, order)
