"""A pytest plugin that keeps only the CUDA tests: those skipped when no CUDA device is present
(a `skipif` whose reason names CUDA) or marked `cuda`. Used by benchmarks/gpu_check.sh:

    PYTHONPATH=.:benchmarks python -m pytest tests -p cuda_tests
"""

from __future__ import annotations


def _needs_cuda(item) -> bool:
    for mark in item.iter_markers():
        if mark.name == "cuda":
            return True
        if mark.name == "skipif" and "cuda" in str(mark.kwargs.get("reason", "")).lower():
            return True
    return False


def pytest_collection_modifyitems(config, items) -> None:
    keep = [item for item in items if _needs_cuda(item)]
    dropped = [item for item in items if not _needs_cuda(item)]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
    items[:] = keep
