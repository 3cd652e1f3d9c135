"""What the training loop does differently in a multi-process job: run the forward pass through
DistributedDataParallel, give each process its share of every global batch, and sum the
metric statistics of all processes before they are read.

`batch_size` stays the global batch, as with Keras's distribution strategies: each process
takes a contiguous slice of it, and each process's loss is weighted by its share so that the
averaged gradients equal those of one process training on the whole batch.
"""

from __future__ import annotations

import numbers
from typing import Any

import torch

from deepfit.distribute.context import DistributedContext


def wrap(model: torch.nn.Module, context: DistributedContext) -> torch.nn.Module:
    """The model inside DistributedDataParallel (parameters broadcast from rank 0)."""
    from torch.nn.parallel import DistributedDataParallel

    device_ids = [context.local_rank] if context.device.type == "cuda" else None
    return DistributedDataParallel(model, device_ids=device_ids, broadcast_buffers=True)


def shard(index: torch.Tensor | slice, total: int, context: DistributedContext) -> Any:
    """This process's contiguous part of one global batch's sample indices."""
    if isinstance(index, slice):
        index = torch.arange(index.start, min(index.stop, total))
    return torch.tensor_split(index, context.world_size)[context.rank]


def loss_share(local: int, global_size: int, context: DistributedContext) -> float:
    """The factor that makes DDP's average of per-process mean losses the global mean loss
    (1 when every process holds the whole batch, as in `train_on_batch`)."""
    if local == global_size:
        return 1.0
    return local * context.world_size / max(global_size, 1)


def all_reduce_metrics(metrics: list[Any], context: DistributedContext) -> None:
    """Sum every metric's statistics over the processes, in place (one collective)."""
    tensors = []
    for metric in metrics:
        tensors += list(getattr(metric, "variables", []))
    counts = [m for m in metrics if isinstance(getattr(m, "count", None), numbers.Real)]
    count_tensor = torch.tensor([float(m.count) for m in counts], dtype=torch.float64)
    totals = [m.total for m in counts if isinstance(getattr(m, "total", None), torch.Tensor)]
    context.all_reduce_sum(tensors + totals + [count_tensor])
    for metric, value in zip(counts, count_tensor.tolist()):
        metric.count = int(round(value))


def broadcast_order(order: torch.Tensor | None, context: DistributedContext) -> Any:
    """Rank 0's shuffle order on every process, so the shards never overlap."""
    if order is None:
        return None
    return context.broadcast(order.cpu()).to(order.device)


def finish() -> None:
    """Wait for every process at the end of a fit (within the group's timeout)."""
    import torch.distributed as dist

    if dist.is_initialized():
        dist.barrier()
