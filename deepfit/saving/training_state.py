"""Everything besides the weights that an exact resume needs, stored in an HDF5 group.

A backup taken between two training steps holds: the optimizer state exactly (`get_state()`:
slots, step count, the learning rate as a Python float), every random generator (Python's
`random`, NumPy's global generator, torch's CPU generator and each CUDA device's), where
training stands (epoch, and steps done in it), the current epoch's data order, the running
loss/metric accumulators of the epoch, and the History so far. Restoring all of it and
continuing produces the same numbers, bit for bit, as never having stopped.

Example:
    >>> write_state(h5.create_group("deepfit_training_state"), model, epoch=3, step=10,
    ...             order=order, history={"loss": [0.9, 0.7, 0.6]}, epochs=[0, 1, 2])
    >>> state = read_state(h5["deepfit_training_state"])
    >>> state.epoch, state.step
    (3, 10)
"""

from __future__ import annotations

import dataclasses
import json
import random
from typing import Any

import numpy as np
import torch

FORMAT = 1


@dataclasses.dataclass
class TrainingState:
    """A training position read from a backup.

    Attributes:
        epoch: the epoch to continue with.
        step: the steps of that epoch already done (0: start the epoch afresh).
        order: the epoch's sample order (None: draw it as usual / data not shuffled).
        history: the History's `history` dict so far.
        epochs: the History's `epoch` list so far.
        optimizer: the optimizer's `get_state()` dict (None without an optimizer).
        rng: the random generators' states.
        metrics: per metric of the model, its accumulators (None: start from zero).
        shuffle_passes: the seeded Dataset shuffles' pass counters for the epoch to continue
            (None: the data has none).
    """

    epoch: int
    step: int
    order: torch.Tensor | None
    history: dict[str, list[Any]]
    epochs: list[int]
    optimizer: dict[str, Any] | None
    rng: dict[str, Any]
    metrics: list[dict[str, Any]] | None
    shuffle_passes: list[int] | None = None


# ----------------------------------------------------------------------------- random generators
def capture_rng() -> dict[str, Any]:
    """The states of Python's, NumPy's, torch's CPU and every CUDA generator."""
    version, internal, gauss = random.getstate()
    name, keys, pos, has_gauss, cached = np.random.get_state()
    state = {
        "python": {"version": version, "gauss_next": gauss,
                   "internal": np.asarray(internal, dtype=np.int64)},
        "numpy": {"name": name, "pos": int(pos), "has_gauss": int(has_gauss),
                  "cached_gaussian": float(cached), "keys": np.asarray(keys, dtype=np.uint32)},
        "torch": torch.get_rng_state().numpy().copy(),
        "cuda": [s.numpy().copy() for s in torch.cuda.get_rng_state_all()]
        if torch.cuda.is_available() else [],
    }
    return state


def restore_rng(state: dict[str, Any]) -> None:
    """Put every generator back as `capture_rng` found it."""
    python = state["python"]
    random.setstate((python["version"], tuple(int(v) for v in python["internal"]),
                     python["gauss_next"]))
    numpy = state["numpy"]
    np.random.set_state((numpy["name"], np.asarray(numpy["keys"], dtype=np.uint32),
                         numpy["pos"], numpy["has_gauss"], numpy["cached_gaussian"]))
    torch.set_rng_state(torch.from_numpy(np.asarray(state["torch"], dtype=np.uint8)))
    cuda = state.get("cuda") or []
    if cuda and torch.cuda.is_available() and len(cuda) == torch.cuda.device_count():
        torch.cuda.set_rng_state_all(
            [torch.from_numpy(np.asarray(s, dtype=np.uint8)) for s in cuda])


# ----------------------------------------------------------------------------- metrics
def capture_metrics(model: Any) -> list[dict[str, Any]]:
    """The running accumulators of each metric of the model (the loss tracker first)."""
    from deepfit.trainer.logs import LossTracker

    captured = []
    for metric in model._leaf_metrics():
        if isinstance(metric, LossTracker):
            total = metric.total
            captured.append({"total": None if total is None else total.detach().clone(),
                             "count": int(metric.count)})
        else:
            captured.append({"variables": [v.detach().clone() for v in metric.variables]})
    return captured


def restore_metrics(model: Any, states: list[dict[str, Any]], device: torch.device) -> None:
    """Set the model's metrics' accumulators (freshly reset) to what `capture_metrics` saw.

    Metrics whose state cannot be matched (a different number of metrics, or a metric that
    has not chosen its concrete kind yet) are left at zero.
    """
    metrics = model._leaf_metrics()
    if len(metrics) != len(states):
        return
    for metric, state in zip(metrics, states):
        if "count" in state:
            total = state["total"]
            metric.total = None if total is None else total.to(device).clone()
            metric.count = int(state["count"])
            continue
        saved = state["variables"]
        if not saved:
            continue
        if not metric.variables and hasattr(metric, "prepare"):
            metric.prepare(torch.empty(0, device=device))
        current = metric.variables
        if len(current) != len(saved) or any(c.shape != s.shape for c, s in zip(current, saved)):
            continue
        with torch.no_grad():
            for tensor, value in zip(current, saved):
                tensor.copy_(value.to(tensor.device))


# ----------------------------------------------------------------------------- HDF5
def write_state(group: Any, model: Any, epoch: int, step: int, order: torch.Tensor | None,
                history: dict[str, list[Any]], epochs: list[int],
                shuffle_passes: list[int] | None = None) -> None:
    """Write the training position and the state around it into an empty HDF5 group.

    Args:
        group: an `h5py.Group` opened for writing.
        model: the model being trained.
        epoch: the epoch to continue with.
        step: steps of that epoch already done.
        order: the epoch's sample order, if it was shuffled.
        history: the History so far (`history.history`).
        epochs: the epochs recorded so far (`history.epoch`).
        shuffle_passes: the seeded Dataset shuffles' pass counters for that epoch.
    """
    rng = capture_rng()
    meta: dict[str, Any] = {
        "format": FORMAT, "epoch": int(epoch), "step": int(step),
        "history": history, "epochs": [int(e) for e in epochs],
        "python_rng": {k: v for k, v in rng["python"].items() if k != "internal"},
        "numpy_rng": {k: v for k, v in rng["numpy"].items() if k != "keys"},
        "optimizer": None, "metrics": [],
        "shuffle_passes": None if shuffle_passes is None else [int(p) for p in shuffle_passes],
    }
    group.create_dataset("rng/python", data=rng["python"]["internal"])
    group.create_dataset("rng/numpy", data=rng["numpy"]["keys"])
    group.create_dataset("rng/torch", data=rng["torch"])
    for i, state in enumerate(rng["cuda"]):
        group.create_dataset(f"rng/cuda_{i}", data=state)
    meta["cuda_devices"] = len(rng["cuda"])
    if order is not None:
        group.create_dataset("order", data=order.detach().cpu().numpy().astype(np.int64))
    optimizer = getattr(model, "optimizer", None)
    if optimizer is not None and optimizer.built:
        meta["optimizer"] = _write_tensors(group, "optimizer", optimizer.get_state())
    for i, state in enumerate(capture_metrics(model)):
        meta["metrics"].append(_write_tensors(group, f"metrics/{i}", state))
    data = json.dumps(meta, allow_nan=True).encode("utf-8")
    group.create_dataset("meta", data=np.frombuffer(data, dtype=np.uint8))


def _write_tensors(group: Any, path: str, state: dict[str, Any]) -> dict[str, Any]:
    """Tensors (and lists of them) go to datasets under `path`; the rest is returned for JSON."""
    plain: dict[str, Any] = {}
    for key, value in state.items():
        if isinstance(value, torch.Tensor):
            group.create_dataset(f"{path}/{key}", data=value.detach().cpu().numpy())
            plain[key] = {"tensor": True}
        elif isinstance(value, list):
            for j, tensor in enumerate(value):
                group.create_dataset(f"{path}/{key}.{j}", data=tensor.detach().cpu().numpy())
            plain[key] = {"tensors": len(value)}
        else:
            plain[key] = value
    return plain


def read_state(group: Any) -> TrainingState:
    """Read what `write_state` wrote.

    Args:
        group: the `h5py.Group`.

    Returns:
        The `TrainingState`.

    Raises:
        ValueError: the group is not a deepfit training state of a known format.
    """
    if "meta" not in group:
        raise ValueError("the backup has no training state ('meta' is missing)")
    meta = json.loads(np.asarray(group["meta"][()], dtype=np.uint8).tobytes().decode("utf-8"))
    if meta.get("format") != FORMAT:
        raise ValueError(f"unknown training state format {meta.get('format')!r}")
    rng = {
        "python": {**meta["python_rng"], "internal": group["rng/python"][()]},
        "numpy": {**meta["numpy_rng"], "keys": group["rng/numpy"][()]},
        "torch": group["rng/torch"][()],
        "cuda": [group[f"rng/cuda_{i}"][()] for i in range(meta.get("cuda_devices", 0))],
    }
    order = torch.from_numpy(group["order"][()]) if "order" in group else None
    optimizer = None
    if meta["optimizer"] is not None:
        optimizer = _read_tensors(group, "optimizer", meta["optimizer"])
    metrics = [_read_tensors(group, f"metrics/{i}", plain)
               for i, plain in enumerate(meta["metrics"])]
    return TrainingState(epoch=meta["epoch"], step=meta["step"], order=order,
                         history=meta["history"], epochs=meta["epochs"], optimizer=optimizer,
                         rng=rng, metrics=metrics, shuffle_passes=meta.get("shuffle_passes"))


def _read_tensors(group: Any, path: str, plain: dict[str, Any]) -> dict[str, Any]:
    state: dict[str, Any] = {}
    for key, value in plain.items():
        if isinstance(value, dict) and value.get("tensor"):
            state[key] = torch.from_numpy(np.array(group[f"{path}/{key}"][()]))
        elif isinstance(value, dict) and "tensors" in value:
            state[key] = [torch.from_numpy(np.array(group[f"{path}/{key}.{j}"][()]))
                          for j in range(value["tensors"])]
        else:
            state[key] = value
    return state
