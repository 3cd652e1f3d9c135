"""The process group and the facts a training loop needs from it: rank, world size, device.

Example:
    >>> ctx = current()          # None when the script runs as a single process
    >>> ctx.rank, ctx.world_size
    (0, 2)
"""

from __future__ import annotations

import atexit
import datetime
import os
import socket
from collections.abc import Callable
from typing import Any

import torch
import torch.distributed as dist

from deepfit import config

#: How long a collective waits for the other processes before failing with an error
#: (instead of hanging when a worker crashed). Override with DEEPFIT_DIST_TIMEOUT seconds.
DEFAULT_TIMEOUT_S = 300


class DistributedContext:
    """This process's place in the job.

    Args:
        rank: the global rank.
        world_size: the number of processes.
        local_rank: the rank on this machine (selects the GPU).
        device: the device this process trains on.
    """

    def __init__(self, rank: int, world_size: int, local_rank: int,
                 device: torch.device) -> None:
        self.rank = rank
        self.world_size = world_size
        self.local_rank = local_rank
        self.device = device

    @property
    def is_chief(self) -> bool:
        return self.rank == 0

    def all_reduce_sum(self, tensors: list[torch.Tensor]) -> None:
        """Sum each tensor over all processes, in place, in one collective."""
        if not tensors:
            return
        flat = torch.cat([t.detach().reshape(-1).to(torch.float64) for t in tensors])
        dist.all_reduce(flat)
        offset = 0
        for tensor in tensors:
            count = tensor.numel()
            tensor.copy_(flat[offset:offset + count].view_as(tensor).to(tensor.dtype))
            offset += count

    def broadcast(self, tensor: torch.Tensor) -> torch.Tensor:
        """Rank 0's value of `tensor` on every process."""
        moved = tensor.to(self.device) if self.device.type == "cuda" else tensor
        dist.broadcast(moved, src=0)
        return moved.to(tensor.device)

    def __repr__(self) -> str:
        return (f"<DistributedContext rank={self.rank} world_size={self.world_size} "
                f"device={self.device}>")


_context: DistributedContext | None = None


def _env_int(name: str) -> int | None:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else None


def current() -> DistributedContext | None:
    """The distributed context, starting the process group on first use; None for one process."""
    global _context
    if _context is not None:
        return _context
    world = _env_int("WORLD_SIZE")
    if not world or world <= 1:
        return None
    rank = _env_int("RANK") or 0
    local_rank = _env_int("LOCAL_RANK") or 0
    if torch.cuda.is_available():
        torch.cuda.set_device(local_rank)
        device = torch.device("cuda", local_rank)
        backend = "nccl"
    else:
        device = torch.device("cpu")
        backend = "gloo"
    if not dist.is_initialized():
        timeout = float(os.environ.get("DEEPFIT_DIST_TIMEOUT", DEFAULT_TIMEOUT_S))
        dist.init_process_group(backend=backend, rank=rank, world_size=world,
                                timeout=datetime.timedelta(seconds=timeout))
        # Started here, so closed here: a group left open at exit can abort the process.
        atexit.register(_shutdown)
    config.set_device(device)
    _context = DistributedContext(rank, world, local_rank, device)
    return _context


def _shutdown() -> None:
    global _context
    if dist.is_initialized():
        dist.destroy_process_group()
    _context = None


def rank() -> int:
    """This process's rank (0 when not distributed)."""
    context = current()
    return context.rank if context else 0


def world_size() -> int:
    """The number of training processes (1 when not distributed)."""
    context = current()
    return context.world_size if context else 1


def is_chief() -> bool:
    """True on the process that prints and writes files (rank 0, or the only process)."""
    return rank() == 0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _worker(local_rank: int, fn: Callable[..., Any], args: tuple, nprocs: int,
            port: int) -> None:
    os.environ.update({"RANK": str(local_rank), "LOCAL_RANK": str(local_rank),
                       "WORLD_SIZE": str(nprocs), "MASTER_ADDR": "127.0.0.1",
                       "MASTER_PORT": str(port)})
    try:
        fn(*args)
    finally:
        if dist.is_initialized():
            dist.destroy_process_group()


def launch(fn: Callable[..., Any], nprocs: int, args: tuple = ()) -> None:
    """Run `fn(*args)` in `nprocs` processes on this machine, as torchrun would.

    Args:
        fn: a picklable top-level function that builds and fits a model.
        nprocs: the number of processes.
        args: arguments for `fn`.

    Raises:
        torch.multiprocessing.ProcessRaisedException: when a worker fails (the job stops).
    """
    if not isinstance(nprocs, int) or nprocs < 1:
        raise ValueError(f"launch: nprocs must be a positive int, received {nprocs!r}")
    import torch.multiprocessing as mp

    mp.start_processes(_worker, args=(fn, args, nprocs, _free_port()), nprocs=nprocs,
                       join=True, start_method="spawn")
