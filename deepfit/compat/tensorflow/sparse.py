"""`tf.SparseTensor`, `tf.sparse.to_dense` and the TensorFlow 1 ops that Keras 2's CTC helper
code calls (`tf.compat.v1.scan`, `gather_nd`, `boolean_mask`, `nn.ctc_loss` with sparse labels).

A `SparseTensor` keeps its `indices` (N, rank), `values` (N,) and `dense_shape` as torch
tensors; `keras.ops.cast` casts its values, as Keras does on TensorFlow.

Example:
    >>> sparse = SparseTensor([[0, 0], [1, 2]], [3, 4], [2, 3])
    >>> to_dense(sparse).tolist()
    [[3, 0, 0], [0, 0, 4]]
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from deepfit.backend.tensor import returns_for_user
from deepfit.ops.core import convert_to_tensor as _t

__all__ = ["SparseTensor", "ctc_loss_v1", "gather_nd", "scan", "to_dense"]


class SparseTensor:
    """TensorFlow's sparse tensor: the non-default entries of a dense tensor.

    Args:
        indices: int64 coordinates, shape (N, rank).
        values: the entries, shape (N,).
        dense_shape: the dense tensor's shape, shape (rank,).
    """

    _is_sparse_tensor = True

    def __init__(self, indices: Any, values: Any, dense_shape: Any) -> None:
        self.indices = _t(indices).long().reshape(-1, len(_t(dense_shape).reshape(-1)))
        self.values = _t(values).reshape(-1)
        self.dense_shape = _t(dense_shape).long().reshape(-1)
        if self.indices.shape[0] != self.values.shape[0]:
            raise ValueError(f"SparseTensor: {self.indices.shape[0]} indices but "
                             f"{self.values.shape[0]} values")

    @property
    def dtype(self) -> torch.dtype:
        return self.values.dtype

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(int(d) for d in self.dense_shape.tolist())

    def with_values(self, values: Any) -> SparseTensor:
        """The same coordinates holding `values`."""
        return SparseTensor(self.indices, values, self.dense_shape)

    def __repr__(self) -> str:
        return (f"SparseTensor(indices={self.indices.tolist()}, values={self.values.tolist()}, "
                f"dense_shape={self.dense_shape.tolist()})")


@returns_for_user
def to_dense(sp_input: Any, default_value: Any = None, validate_indices: bool = True,
             name: str | None = None) -> torch.Tensor:
    """`tf.sparse.to_dense`: the dense tensor, `default_value` (0) where no entry is given.

    Raises:
        TypeError: `sp_input` is not a SparseTensor (as TensorFlow).
    """
    if not getattr(sp_input, "_is_sparse_tensor", False):
        raise TypeError("Input must be a SparseTensor.")
    values = sp_input.values
    dense = torch.full(sp_input.shape, 0 if default_value is None else default_value,
                       dtype=values.dtype, device=values.device)
    if sp_input.indices.numel():
        dense[tuple(sp_input.indices.to(values.device).T)] = values
    return dense


@returns_for_user
def gather_nd(params: Any, indices: Any, name: str | None = None,
              batch_dims: int = 0) -> torch.Tensor:
    """`tf.gather_nd`: the slices of `params` at the coordinates along `indices`' last axis."""
    if batch_dims:
        raise NotImplementedError("tf.gather_nd with batch_dims is not provided by deepfit")
    x = _t(params)
    index = _t(indices).long().to(x.device)
    depth = index.shape[-1]
    if depth > x.dim():
        raise ValueError(f"indices: the last axis ({depth}) is longer than params' rank "
                         f"({x.dim()})")
    flat = index.reshape(-1, depth)
    picked = x[tuple(flat.T)]
    return picked.reshape(*index.shape[:-1], *x.shape[depth:])


@returns_for_user
def scan(fn: Callable[[Any, Any], Any], elems: Any, initializer: Any = None,
         parallel_iterations: int = 10, back_prop: bool = True, swap_memory: bool = False,
         infer_shape: bool = True, reverse: bool = False, name: str | None = None) -> Any:
    """`tf.scan` for one tensor of `elems` and one accumulator: `acc = fn(acc, elems[i])`,
    the accumulators stacked (without `initializer`, `elems[0]` starts and is the first)."""
    items = _t(elems)
    order = range(items.shape[0] - 1, -1, -1) if reverse else range(items.shape[0])
    order = list(order)
    if initializer is None:
        accumulator, order = items[order[0]], order[1:]
        outputs = [accumulator]
    else:
        accumulator, outputs = _t(initializer), []
    for i in order:
        accumulator = _t(fn(accumulator, items[i]))
        outputs.append(accumulator)
    if reverse:
        outputs.reverse()
    return torch.stack(outputs)


@returns_for_user
def ctc_loss_v1(labels: Any, inputs: Any = None, sequence_length: Any = None,
                preprocess_collapse_repeated: bool = False, ctc_merge_repeated: bool = True,
                ignore_longer_outputs_than_inputs: bool = False, time_major: bool = True,
                logits: Any = None) -> torch.Tensor:
    """`tf.compat.v1.nn.ctc_loss`: the CTC loss of sparse `labels` given logits (the last
    class is the blank), one value per batch entry.

    Args:
        labels: a `SparseTensor` of int labels, dense shape (batch, max_label_length).
        inputs: logits, (time, batch, classes) when `time_major` else (batch, time, classes).
        sequence_length: the valid steps of each batch entry, shape (batch,).
        preprocess_collapse_repeated, ctc_merge_repeated, ignore_longer_outputs_than_inputs:
            only TensorFlow's defaults (False, True, False) are provided.
        time_major: the layout of `inputs`.
        logits: another name for `inputs`.
    """
    if preprocess_collapse_repeated or not ctc_merge_repeated or (
            ignore_longer_outputs_than_inputs):
        raise NotImplementedError("tf.compat.v1.nn.ctc_loss: deepfit provides only "
                                  "preprocess_collapse_repeated=False, ctc_merge_repeated=True "
                                  "and ignore_longer_outputs_than_inputs=False")
    if not getattr(labels, "_is_sparse_tensor", False):
        raise TypeError("labels: expected a SparseTensor (tf.compat.v1.nn.ctc_loss)")
    from deepfit.ops.ctc import ctc_loss

    x = _t(inputs if inputs is not None else logits)
    if time_major:
        x = x.transpose(0, 1)
    batch = x.shape[0]
    rows = labels.indices[:, 0].to(x.device)
    lengths = torch.bincount(rows, minlength=batch)
    dense = torch.zeros((batch, max(int(lengths.max()) if batch else 0, 1)),
                        dtype=torch.long, device=x.device)
    # Each row's entries in their column order, packed to the left.
    order = torch.argsort(rows * labels.dense_shape[1].item() + labels.indices[:, 1].to(
        x.device), stable=True)
    starts = torch.cumsum(lengths, 0) - lengths
    positions = torch.arange(rows.numel(), device=x.device) - starts[rows[order]]
    dense[rows[order], positions] = labels.values.to(x.device)[order].long()
    return ctc_loss(dense, x, lengths, _t(sequence_length).reshape(-1),
                    mask_index=x.shape[-1] - 1)
