"""The CPU settings a fit runs under, restored afterwards: a thread count chosen from the size
of the work, and flush-to-zero for denormals.

Why: on a shared 2-core machine, small matrix products on two threads can run 30x slower when
the other core is busy, while one thread is barely affected; and Adam's second moments decay
into float32 denormals that make CPU steps about twice as slow late in training.

Example:
    >>> with training_runtime(flops_per_step=2e7, device=torch.device("cpu")):
    ...     train()
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import torch

#: Below this many floating-point operations per step, one thread is faster or as fast.
SINGLE_THREAD_FLOPS = 6e7


def estimate_flops_per_sample(model: torch.nn.Module, sample: Any) -> float:
    """Forward multiply-adds x2 for one sample, from the layers' kernels and output sizes.

    Args:
        model: a built model.
        sample: a batch of one sample to trace the output sizes with.

    Returns:
        Approximate forward FLOPs per sample (layers without a `kernel` count as free).
    """
    total = 0.0
    handles = []

    def count(layer: torch.nn.Module, _inputs: Any, output: Any) -> None:
        nonlocal total
        kernel = getattr(layer, "kernel", None)
        if isinstance(kernel, torch.Tensor) and isinstance(output, torch.Tensor):
            positions = output[0].numel() / max(1, output.shape[-1])
            total += 2.0 * kernel.numel() * positions

    for module in model.modules():
        if isinstance(getattr(module, "kernel", None), torch.Tensor):
            handles.append(module.register_forward_hook(count))
    try:
        with torch.no_grad():
            model(sample, training=False)
    finally:
        for handle in handles:
            handle.remove()
    return total


def choose_threads(flops_per_step: float, available: int) -> int:
    """One thread for small steps, all available threads for large ones."""
    if flops_per_step < SINGLE_THREAD_FLOPS:
        return 1
    return available


@contextlib.contextmanager
def training_runtime(flops_per_step: float, device: torch.device) -> Iterator[None]:
    """Set the thread count and flush-to-zero for the duration of a fit, then restore them."""
    if device.type != "cpu":
        yield
        return
    previous = torch.get_num_threads()
    threads = choose_threads(flops_per_step, previous)
    torch.set_num_threads(threads)
    flushing = torch.set_flush_denormal(True)
    try:
        yield
    finally:
        torch.set_num_threads(previous)
        if flushing:
            torch.set_flush_denormal(False)
