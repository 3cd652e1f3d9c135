"""One measurement of one system on one workload, printed as JSON on the last line.

Run by benchmarks/run.py in a fresh process per measurement:
    python benchmarks/worker.py --system deepfit --workload mlp32
Systems: deepfit, keras-tensorflow, keras-torch, keras-jax, torch-loop, jax-scan.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from workloads import WORKLOADS, Workload  # noqa: E402


def _keras_like(system: str):
    if system == "deepfit":
        import deepfit

        return deepfit
    os.environ["KERAS_BACKEND"] = system.split("-", 1)[1]
    import keras

    return keras


def _optimizer(k, spec):
    if isinstance(spec, tuple):
        name, rate = spec
        return {"adam": k.optimizers.Adam}[name](rate)
    return spec


def run_keras_like(system: str, workload: Workload) -> dict:
    k = _keras_like(system)
    x, y = workload.data()

    def fresh_model():
        model = workload.build(k)
        model.compile(optimizer=_optimizer(k, workload.optimizer), loss=workload.loss,
                      metrics=workload.metrics)
        return model

    if workload.whole_fit:
        start = time.perf_counter()
        model = fresh_model()
        model.fit(x, y, epochs=workload.epochs, batch_size=workload.batch_size, verbose=0)
        seconds = time.perf_counter() - start
        return {"seconds": seconds, "seconds_per_epoch": seconds / workload.epochs}
    model = fresh_model()
    model.fit(x[:4096], y[:4096], epochs=1, batch_size=workload.batch_size, verbose=0)
    start = time.perf_counter()
    model.fit(x, y, epochs=workload.epochs, batch_size=workload.batch_size, verbose=0)
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "seconds_per_epoch": seconds / workload.epochs}


def run_torch_loop(workload: Workload) -> dict:
    """The plain PyTorch loop a tutorial writes: TensorDataset + DataLoader, default threads."""
    import torch
    from torch.utils.data import DataLoader, TensorDataset

    if not workload.name.startswith("mlp"):
        raise NotImplementedError("the plain torch loop is written for the MLP workloads")
    x, y = workload.data()
    loader = DataLoader(TensorDataset(torch.from_numpy(x), torch.from_numpy(y)),
                        batch_size=workload.batch_size, shuffle=True)
    model = torch.nn.Sequential(torch.nn.Linear(784, 128), torch.nn.ReLU(),
                                torch.nn.Linear(128, 10))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
    loss_fn = torch.nn.CrossEntropyLoss()

    def epoch(limit=None):
        total, correct, seen = 0.0, 0, 0
        for step, (xb, yb) in enumerate(loader):
            if limit is not None and step >= limit:
                break
            optimizer.zero_grad()
            logits = model(xb)
            loss = loss_fn(logits, yb)
            loss.backward()
            optimizer.step()
            total += loss.item() * len(xb)
            correct += (logits.argmax(1) == yb).sum().item()
            seen += len(xb)
        return total / seen, correct / seen

    epoch(limit=100)
    start = time.perf_counter()
    for _ in range(workload.epochs):
        epoch()
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "seconds_per_epoch": seconds / workload.epochs}


def run_jax_scan(workload: Workload) -> dict:
    """Hand-written JAX: a whole epoch jit-compiled with lax.scan, Adam written out."""
    import jax
    import jax.numpy as jnp

    if not workload.name.startswith("mlp"):
        raise NotImplementedError("the hand-written JAX epoch is written for the MLP workloads")
    x, y = workload.data()
    batch = workload.batch_size
    steps = len(x) // batch
    key = jax.random.PRNGKey(0)
    k1, k2 = jax.random.split(key)
    params = {"w1": jax.random.normal(k1, (784, 128)) * 0.05, "b1": jnp.zeros(128),
              "w2": jax.random.normal(k2, (128, 10)) * 0.05, "b2": jnp.zeros(10)}
    zeros = jax.tree_util.tree_map(jnp.zeros_like, params)
    state = (params, zeros, zeros, 0)

    def loss_fn(p, xb, yb):
        h = jax.nn.relu(xb @ p["w1"] + p["b1"])
        logits = h @ p["w2"] + p["b2"]
        return -jnp.mean(jax.nn.log_softmax(logits)[jnp.arange(xb.shape[0]), yb])

    def step(carry, batch_data):
        p, m, v, t = carry
        xb, yb = batch_data
        loss, grads = jax.value_and_grad(loss_fn)(p, xb, yb)
        t = t + 1
        m = jax.tree_util.tree_map(lambda a, g: 0.9 * a + 0.1 * g, m, grads)
        v = jax.tree_util.tree_map(lambda a, g: 0.999 * a + 0.001 * g * g, v, grads)
        alpha = 1e-3 * jnp.sqrt(1 - 0.999 ** t) / (1 - 0.9 ** t)
        p = jax.tree_util.tree_map(lambda w, a, b: w - alpha * a / (jnp.sqrt(b) + 1e-7), p, m, v)
        return (p, m, v, t), loss

    @jax.jit
    def epoch(carry, xs, ys):
        return jax.lax.scan(step, carry, (xs, ys))

    xs = jnp.asarray(x[: steps * batch].reshape(steps, batch, 784))
    ys = jnp.asarray(y[: steps * batch].reshape(steps, batch))
    state, losses = epoch(state, xs, ys)
    losses.block_until_ready()
    start = time.perf_counter()
    for _ in range(workload.epochs):
        state, losses = epoch(state, xs, ys)
    losses.block_until_ready()
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "seconds_per_epoch": seconds / workload.epochs}


def run_flowers(system: str) -> dict:
    """The flowers tutorial: JPEG folder → image_dataset_from_directory → augmentation → fit."""
    import tempfile

    from bench_image_folder import run

    workdir = Path(tempfile.gettempdir()) / "deepfit-bench-images"
    return run(_keras_like(system), workdir, images=2000, epochs=2)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--system", required=True)
    parser.add_argument("--workload", required=True, choices=sorted([*WORKLOADS, "flowers"]))
    args = parser.parse_args()
    if args.workload == "flowers":
        print(json.dumps(run_flowers(args.system)))
        return
    workload = WORKLOADS[args.workload]
    if args.system == "torch-loop":
        result = run_torch_loop(workload)
    elif args.system == "jax-scan":
        result = run_jax_scan(workload)
    else:
        result = run_keras_like(args.system, workload)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
