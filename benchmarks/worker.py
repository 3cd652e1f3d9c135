"""One measurement of one system on one workload, printed as JSON on the last line.

Run by benchmarks/run.py in a fresh process per measurement:
    python benchmarks/worker.py --system deepfit --workload mlp32
Systems: deepfit, deepfit-jit, keras-tensorflow, keras-torch, keras-jax, torch-loop,
lightning, jax-scan.
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


def _keras_like(system: str, device: str | None = None):
    if system.startswith("deepfit"):
        import deepfit

        if device:
            deepfit.config.set_device(device)
        return deepfit
    os.environ["KERAS_BACKEND"] = system.split("-", 1)[1]
    import keras

    if device and device.startswith("cuda") and system == "keras-jax":
        import jax

        if jax.default_backend() != "gpu":
            raise RuntimeError(f"keras-jax: JAX runs on {jax.default_backend()}, not a GPU")
    return keras


def _optimizer(k, spec):
    if isinstance(spec, tuple):
        name, rate = spec
        return {"adam": k.optimizers.Adam}[name](rate)
    return spec


def run_keras_like(system: str, workload: Workload, device: str | None = None) -> dict:
    """deepfit or Keras: a warm-up fit, then the timed fit. `deepfit-jit` compiles with
    `jit_compile=True` (the training step through torch.compile; CUDA graphs on a GPU)."""
    k = _keras_like(system, device)
    x, y = workload.data()
    extra = {"jit_compile": True} if system == "deepfit-jit" else {}

    def fresh_model():
        model = workload.build(k)
        model.compile(optimizer=_optimizer(k, workload.optimizer), loss=workload.loss,
                      metrics=workload.metrics, **extra)
        return model

    if workload.whole_fit:
        start = time.perf_counter()
        model = fresh_model()
        model.fit(x, y, epochs=workload.epochs, batch_size=workload.batch_size, verbose=0)
        seconds = time.perf_counter() - start
        return {"seconds": seconds, "seconds_per_epoch": seconds / workload.epochs}
    model = fresh_model()
    warm = workload.warmup
    model.fit(x[:warm], y[:warm], epochs=1, batch_size=workload.batch_size, verbose=0)
    timed = workload.partial.get(system, len(x))
    start = time.perf_counter()
    model.fit(x[:timed], y[:timed], epochs=workload.epochs, batch_size=workload.batch_size,
              verbose=0)
    seconds = (time.perf_counter() - start) * len(x) / timed
    result = {"seconds": seconds, "seconds_per_epoch": seconds / workload.epochs}
    return result if timed == len(x) else {**result, "timed_samples": timed}


def _loader(workload: Workload):
    from torch.utils.data import DataLoader, TensorDataset
    from torch_models import tensors

    return DataLoader(TensorDataset(*tensors(workload)), batch_size=workload.batch_size,
                      shuffle=True)


def run_torch_loop(workload: Workload, device: str | None = None) -> dict:
    """The plain PyTorch loop a tutorial writes: TensorDataset + DataLoader, default threads;
    on `device` the model moves there and each batch is copied over."""
    import torch
    from torch_models import build, correct, loss_fn

    loader = _loader(workload)
    device = torch.device(device or "cpu")
    model = build(workload.name).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
    criterion = loss_fn(workload)

    def epoch(limit=None):
        model.train()
        total, right, seen = 0.0, 0, 0
        for step, (xb, yb) in enumerate(loader):
            if limit is not None and step >= limit:
                break
            xb, yb = xb.to(device, non_blocking=True), yb.to(device, non_blocking=True)
            optimizer.zero_grad()
            logits = model(xb)
            loss = criterion(logits, yb)
            loss.backward()
            optimizer.step()
            total += loss.item() * len(xb)
            right += correct(logits, yb).item()
            seen += len(xb)
        return total / seen, right / seen

    epoch(limit=_warmup_steps(workload))
    start = time.perf_counter()
    for _ in range(workload.epochs):
        epoch()
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "seconds_per_epoch": seconds / workload.epochs}


def _warmup_steps(workload: Workload) -> int:
    steps = max(1, workload.warmup // workload.batch_size)
    return min(100, steps) if workload.name.startswith("mlp") else steps


def run_lightning(workload: Workload) -> dict:
    """PyTorch Lightning: the torch loop's module inside a LightningModule, fitted by a CPU
    Trainer with its progress bar and with logging and checkpointing off."""
    import lightning
    import torch
    from torch_models import build, loss_fn

    class Module(lightning.LightningModule):
        def __init__(self) -> None:
            super().__init__()
            self.net = build(workload.name)
            self.criterion = loss_fn(workload)

        def training_step(self, batch, batch_idx):
            xb, yb = batch
            return self.criterion(self.net(xb), yb)

        def configure_optimizers(self):
            return torch.optim.Adam(self.parameters(), lr=1e-3, eps=1e-7)

    def trainer(epochs: int, limit: int | None = None):
        return lightning.Trainer(accelerator="cpu", devices=1, max_epochs=epochs,
                                 limit_train_batches=limit, enable_progress_bar=True,
                                 logger=False, enable_checkpointing=False,
                                 enable_model_summary=False)

    loader = _loader(workload)
    module = Module()
    trainer(1, limit=_warmup_steps(workload)).fit(module, loader)
    start = time.perf_counter()
    trainer(workload.epochs).fit(module, loader)
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
    parser.add_argument("--max-samples", type=int, default=None,
                        help="use only the first N samples (a smoke run of the harness)")
    parser.add_argument("--device", default=None,
                        help="'cuda' for the GPU benchmark (deepfit, deepfit-jit, keras-jax, "
                             "torch-loop); by default each system's own choice")
    args = parser.parse_args()
    if args.workload == "flowers":
        print(json.dumps(run_flowers(args.system)))
        return
    workload = WORKLOADS[args.workload]
    if args.max_samples:
        workload = workload.limited(args.max_samples)
    if args.system == "torch-loop":
        result = run_torch_loop(workload, args.device)
    elif args.system == "lightning":
        result = run_lightning(workload)
    elif args.system == "jax-scan":
        result = run_jax_scan(workload)
    else:
        result = run_keras_like(args.system, workload, args.device)
    result["steps_per_epoch"] = -(-len(workload.data()[0]) // workload.batch_size)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
