"""Connectionist Temporal Classification ops of `keras.ops` (`keras.ops.nn`): `ctc_loss` and
`ctc_decode` (greedy and beam search), with Keras 3's arguments, shapes and output format.

Both take logits of shape `(batch, time, classes)`. `ctc_loss` is torch's CTC on their
log-softmax (Keras's torch backend does the same); `ctc_decode` returns Keras's pair: the decoded
label sequences padded with -1, shape `(paths, batch, time)`, and their scores.

Example:
    >>> logits = torch.log(torch.tensor([[[0.1, 0.8, 0.1], [0.7, 0.2, 0.1]]]))
    >>> paths, scores = ctc_decode(logits, [2])
    >>> paths.tolist()
    [[[1, -1]]]
"""

from __future__ import annotations

from typing import Any

import torch

from deepfit.ops.core import convert_to_tensor as _t
from deepfit.ops.symbolic import op

__all__ = ["ctc_decode", "ctc_loss"]

_PAD = -1
# A large odd multiplier for the polynomial hash of beam paths (int64 overflow is harmless:
# equal hashes are checked row by row).
_HASH_BASE = 2654435769


def _float_logits(x: Any, argument: str) -> torch.Tensor:
    # Keras computes CTC in result_type(dtype, "float32"), which is float32 for every dtype.
    logits = _t(x).to(torch.float32)
    if logits.dim() != 3:
        raise ValueError(f"{argument}: expected logits of shape (batch_size, max_length, "
                         f"num_classes), received shape {tuple(logits.shape)}")
    return logits


def _lengths(x: Any, batch: int, argument: str, device: torch.device) -> torch.Tensor:
    lengths = _t(x)
    if lengths.is_floating_point() or lengths.dtype == torch.bool:
        lengths = lengths.round()
    lengths = lengths.to(device=device, dtype=torch.long).reshape(-1)
    if lengths.numel() != batch:
        raise ValueError(f"{argument}: expected one length per batch entry ({batch}), "
                         f"received shape {tuple(_t(x).shape)}")
    return lengths


@op
def ctc_loss(target: Any, output: Any, target_length: Any, output_length: Any,
             mask_index: int = 0) -> torch.Tensor:
    """The CTC loss (negative log-likelihood of each target sequence), per batch entry.

    Args:
        target: integer labels, shape `(batch_size, max_label_length)`.
        output: logits (not softmaxed), shape `(batch_size, max_length, num_classes)`.
        target_length: the label lengths, shape `(batch_size,)`.
        output_length: the output lengths, shape `(batch_size,)`.
        mask_index: the blank class. Defaults to 0.

    Returns:
        The losses, shape `(batch_size,)`, float32.

    Example:
        >>> ctc_loss([[1]], torch.zeros(1, 2, 3), [1], [2]).shape
        torch.Size([1])
    """
    logits = _float_logits(output, "output")
    batch, steps, classes = logits.shape
    labels = _t(target)
    if labels.dim() != 2 or labels.shape[0] != batch:
        raise ValueError(f"target: expected integer labels of shape ({batch}, max_length), "
                         f"received shape {tuple(labels.shape)}")
    if not -classes <= int(mask_index) < classes:
        raise ValueError(f"mask_index: expected a class index below {classes}, "
                         f"received {mask_index}")
    labels = labels.to(device=logits.device, dtype=torch.long)
    log_probs = torch.log_softmax(logits.transpose(0, 1), dim=-1)
    return torch.nn.functional.ctc_loss(
        log_probs, labels, _lengths(output_length, batch, "output_length", logits.device),
        _lengths(target_length, batch, "target_length", logits.device),
        blank=int(mask_index) % classes, reduction="none")


@op
def ctc_decode(inputs: Any, sequence_lengths: Any, strategy: str = "greedy",
               beam_width: int = 100, top_paths: int = 1, merge_repeated: bool = True,
               mask_index: int | None = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Decode CTC logits into label sequences.

    Args:
        inputs: logits, shape `(batch_size, max_length, num_classes)`.
        sequence_lengths: the valid lengths, shape `(batch_size,)`.
        strategy: 'greedy' (the best class per step) or 'beam_search'.
        beam_width: the number of beams kept per step (beam search).
        top_paths: how many of the best sequences to return (beam search).
        merge_repeated: merge repeated classes (greedy).
        mask_index: the blank class; None means the last class.

    Returns:
        `(paths, scores)`: int32 paths of shape `(top_paths, batch_size, max_length)` (1 path
        for greedy) holding the decoded labels first, then -1; scores of shape
        `(batch_size, top_paths)`: for greedy minus the sum of each step's largest logit,
        for beam search the log probability of each sequence.

    Example:
        >>> paths, _ = ctc_decode(torch.randn(2, 5, 4), [5, 3], strategy="beam_search",
        ...                       beam_width=8, top_paths=2)
        >>> tuple(paths.shape)
        (2, 2, 5)
    """
    logits = _float_logits(inputs, "inputs")
    batch, _, classes = logits.shape
    lengths = _lengths(sequence_lengths, batch, "sequence_lengths", logits.device)
    if mask_index is None:
        mask_index = classes - 1
    if not -classes <= int(mask_index) < classes:
        raise ValueError(f"mask_index: expected a class index below {classes}, "
                         f"received {mask_index}")
    mask_index = int(mask_index) % classes
    if strategy == "greedy":
        return _greedy(logits, lengths, bool(merge_repeated), mask_index)
    if strategy == "beam_search":
        for argument, value in (("beam_width", beam_width), ("top_paths", top_paths)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{argument}: expected a positive integer, received {value!r}")
        return _beam_search(logits, lengths, beam_width, top_paths, mask_index)
    raise ValueError(f"Invalid strategy {strategy}. Supported values are 'greedy' and "
                     "'beam_search'.")


# ----------------------------------------------------------------------------- greedy


def _greedy(logits: torch.Tensor, lengths: torch.Tensor, merge_repeated: bool,
            blank: int) -> tuple[torch.Tensor, torch.Tensor]:
    batch, steps, _ = logits.shape
    labels = logits.argmax(dim=-1).to(torch.int32)
    best = logits.amax(dim=-1)
    beyond = torch.arange(steps, device=logits.device)[None, :] >= lengths[:, None]
    labels = torch.where(beyond, blank, labels)
    best = torch.where(beyond, 0.0, best)
    if merge_repeated:
        repeat = torch.zeros_like(beyond)
        repeat[:, 1:] = labels[:, 1:] == labels[:, :-1]
        labels = torch.where(repeat, blank, labels)
    dropped = labels == blank
    # Kept labels move to the front in their order; the dropped ones become -1 at the end.
    order = torch.where(dropped, steps, torch.arange(steps, device=logits.device))
    order = torch.argsort(order, dim=-1, stable=True)
    labels = torch.where(dropped, _PAD, labels).gather(1, order)
    return labels[None], -best.sum(dim=1, keepdim=True)


# ----------------------------------------------------------------------------- beam search


def _dedup(paths: torch.Tensor, size: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The distinct rows of `paths` (ordered by their hash, first occurrence kept), padded
    with rows of -1 to `size` rows, and the index of each input row among them."""
    hashes = ((paths.long() + 1) * _HASH_BASE ** torch.arange(
        paths.shape[1], dtype=torch.long, device=paths.device)).sum(dim=1)
    order = torch.argsort(hashes, stable=True)
    rows, keys = paths[order], hashes[order]
    repeat = (keys[1:] == keys[:-1]) & (rows[1:] == rows[:-1]).all(dim=1)
    first = torch.cat([repeat.new_ones(1), ~repeat])
    inverse = torch.empty_like(order)
    inverse[order] = torch.cumsum(first.long(), dim=0) - 1
    unique = rows[first]
    if unique.shape[0] < size:
        unique = torch.cat([unique, unique.new_full((size - unique.shape[0], paths.shape[1]),
                                                    _PAD)])
    return unique, inverse


def _log_merge(inverse: torch.Tensor, scores: torch.Tensor, n: int) -> torch.Tensor:
    """Log of the summed probabilities of the scores that `inverse` sends to each bucket."""
    top = scores.max()
    sums = scores.new_zeros(n).scatter_add_(0, inverse, torch.exp(scores - top))
    return torch.log(sums) + top


def _extend(paths, scores, blank_track, step_scores, classes, blank):
    """Every beam followed by every class: a blank or a repeat of the last label (right after
    it was emitted) leaves the path as it is."""
    rows = paths.shape[0]
    paths = paths.repeat_interleave(classes, dim=0)
    scores = scores.repeat_interleave(classes)
    was_blank = blank_track.repeat_interleave(classes)
    end = (paths == _PAD).to(torch.int32).argmax(dim=1)
    index = torch.arange(paths.shape[0], device=paths.device)
    last = torch.where(end == 0, _PAD, paths[index, end - 1])
    new = torch.arange(classes, device=paths.device, dtype=paths.dtype)
    new[blank] = _PAD
    new = new.repeat(rows)
    is_blank = new == _PAD
    new = torch.where(~was_blank & (last == new), _PAD, new)
    paths[index, end] = new
    return paths, scores + step_scores.repeat(rows), is_blank


def _prune(paths, scores, blank_track, beam_width, size):
    """Merge equal paths (summing their emit and blank tracks apart) and keep the best
    `beam_width`, each as an emit track then a blank track."""
    unique, inverse = _dedup(paths, size)
    inf = torch.tensor(float("-inf"), dtype=scores.dtype, device=scores.device)
    emit = _log_merge(inverse, torch.where(blank_track, inf, scores), size)
    blanks = _log_merge(inverse, torch.where(blank_track, scores, inf), size)
    best = torch.argsort(torch.logaddexp(emit, blanks), stable=True)[-beam_width:]
    track = torch.cat([torch.zeros(beam_width, dtype=torch.bool, device=paths.device),
                       torch.ones(beam_width, dtype=torch.bool, device=paths.device)])
    return unique[best].repeat(2, 1), torch.cat([emit[best], blanks[best]]), track


def _beam_search(logits, lengths, beam_width, top_paths, blank):
    batch, steps, classes = logits.shape
    # Classes reversed, so that ties between equal scores resolve as in Keras.
    log_probs = torch.log_softmax(logits, dim=-1).flip(2)
    blank = classes - blank - 1
    size = 2 * classes * beam_width
    n_init = min(classes, beam_width)
    all_paths, all_scores = [], []
    for b, length in enumerate(lengths.tolist()):
        x = log_probs[b]
        paths = torch.full((2 * beam_width, steps), _PAD, dtype=torch.int32,
                           device=logits.device)
        first = torch.argsort(x[0], stable=True)[-n_init:]
        paths[:n_init, 0] = torch.where(first == blank, _PAD, first.to(torch.int32))
        scores = torch.full((2 * beam_width,), float("-inf"), dtype=x.dtype, device=x.device)
        scores[:n_init] = x[0, first]
        blank_track = paths[:, 0] == _PAD
        for t in range(1, length):
            paths, scores, blank_track = _extend(paths, scores, blank_track, x[t], classes,
                                                 blank)
            paths, scores, blank_track = _prune(paths, scores, blank_track, beam_width, size)
        unique, inverse = _dedup(paths, size)
        merged = _log_merge(inverse, scores, size)
        best = torch.argsort(merged, stable=True)[-top_paths:].flip(0)
        all_paths.append(unique[best])
        all_scores.append(merged[best])
    paths = torch.stack(all_paths)
    paths = torch.where(paths == _PAD, _PAD, classes - paths - 1)
    return paths.permute(1, 0, 2), torch.stack(all_scores)
