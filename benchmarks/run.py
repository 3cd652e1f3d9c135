"""`make bench`: deepfit against Keras (TensorFlow, torch and JAX backends), a plain PyTorch loop
and hand-written JAX, on the same workloads in one run, alternating systems so that machine load
affects all of them alike. Prints a table of seconds per epoch and deepfit/peer ratios, the
machine's matmul floor for each workload, and writes everything to JSON.

Usage:
    python benchmarks/run.py [--peers-python .venv-peers/bin/python] [--repeats 3]
                             [--workloads mlp32,celsius] [--out bench-results] [--busy-core]

`--busy-core` measures beside a process spinning on one core (`busy.py`), as on a laptop that
runs other things; `make bench-busy` runs that second pass.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from busy import busy_core  # noqa: E402
from workloads import WORKLOADS  # noqa: E402

PEERS = ["keras-tensorflow", "keras-torch", "keras-jax", "torch-loop", "lightning", "jax-scan"]
KERAS = ["deepfit", "keras-tensorflow", "keras-torch", "keras-jax"]
TORCH_PEERS = ["torch-loop", "lightning"]
SYSTEMS_FOR = {
    "mlp32": ["deepfit", *PEERS],
    "mlp256": ["deepfit", *PEERS],
    "sigmoid": KERAS,
    "celsius": KERAS,
    "convnet": [*KERAS, *TORCH_PEERS],
    "flowers": KERAS,
    **{name: [*KERAS, *TORCH_PEERS] for name in ("lstm", "gru", "bigru", "bow", "resnet")},
}
FLOWERS_TITLE = ("Flowers: 2,000 JPEGs 256x256 from a folder, 4 augmentation layers, "
                 "Flatten → 256 → 128 → 5")
NEEDS = {"keras-tensorflow": "tensorflow", "keras-torch": "torch", "keras-jax": "jax",
         "torch-loop": "torch", "lightning": "lightning", "jax-scan": "jax"}

CELSIUS_SCRIPT = """
import numpy as np
import {module} as k
c = np.array([-40, -10, 0, 8, 15, 22, 38], dtype='float32')
m = k.Sequential([k.layers.Dense(units=1, input_shape=[1])])
m.compile(loss='mean_squared_error', optimizer=k.optimizers.Adam(0.1))
m.fit(c, c * 1.8 + 32, epochs=500, verbose=0)
print(float(m.predict(np.array([100.0]), verbose=0)[0, 0]))
"""


def python_for(system: str, peers_python: str | None) -> str | None:
    if system == "deepfit":
        return sys.executable
    return peers_python


def available(system: str, peers_python: str | None) -> tuple[bool, str]:
    python = python_for(system, peers_python)
    if python is None or not Path(python).exists():
        return False, "no peers venv (run `make bench-peers`)"
    if system == "deepfit":
        return True, ""
    module = NEEDS[system]
    probe = subprocess.run([python, "-c", f"import {module}, keras" if system.startswith(
        "keras") else f"import {module}"], capture_output=True, text=True)
    return probe.returncode == 0, f"{module} is not importable in {python}"


def _environment() -> dict[str, str]:
    """The measured processes' environment: as a user's shell has it, with bytecode caching on
    (a PYTHONDONTWRITEBYTECODE inherited from a tool would recompile deepfit at every start)."""
    env = dict(os.environ, PYTHONWARNINGS="ignore", TF_CPP_MIN_LOG_LEVEL="3")
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def measure(system: str, workload: str, python: str, max_samples: int | None = None,
            device: str | None = None, timeout: float | None = None) -> dict:
    """One worker process's result, or {"error": its last line}."""
    env = _environment()
    extra = ["--max-samples", str(max_samples)] if max_samples else []
    extra += ["--device", device] if device else []
    try:
        proc = subprocess.run([python, str(HERE / "worker.py"), "--system", system,
                               "--workload", workload, *extra], capture_output=True, text=True,
                              env=env, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout:.0f} s"}
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["?"]
        return {"error": tail[0]}
    # Lightning's progress bar may share stdout: the result is the last JSON line.
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    return json.loads(lines[-1]) if lines else {"error": "no result printed"}


def matmul_gflops() -> float:
    import torch

    a = torch.randn(2048, 2048)
    b = torch.randn(2048, 2048)
    a @ b
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        a @ b
        best = min(best, time.perf_counter() - start)
    return 2 * 2048**3 / best / 1e9


def timed_command(argv: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, capture_output=True, check=False, env=_environment())
    return time.perf_counter() - start


def end_to_end(peers_python: str | None, repeats: int) -> dict:
    """Whole-script seconds: the Celsius tutorial, and `import` alone."""
    rows = {}
    candidates = [("deepfit", sys.executable, "deepfit")]
    if peers_python and Path(peers_python).exists():
        candidates += [("keras-tensorflow", peers_python, "tensorflow.keras"),
                       ("keras-jax", peers_python, "keras")]
    for name, python, module in candidates:
        env_prefix = ["env", "KERAS_BACKEND=jax"] if name == "keras-jax" else ["env"]
        script = CELSIUS_SCRIPT.format(module=module)
        rows[name] = {
            "celsius_script": statistics.median(
                timed_command(env_prefix + [python, "-c", script]) for _ in range(repeats)),
            "import": statistics.median(
                timed_command(env_prefix + [python, "-c", f"import {module}"])
                for _ in range(repeats)),
        }
    rows["torch"] = {"import": statistics.median(
        timed_command([sys.executable, "-c", "import torch"]) for _ in range(repeats))}
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--peers-python", default=str(HERE.parent / ".venv-peers/bin/python"))
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--workloads", default=",".join(SYSTEMS_FOR),
                        help=f"comma-separated, from: {', '.join(SYSTEMS_FOR)}")
    parser.add_argument("--out", default="bench-results")
    parser.add_argument("--max-samples", type=int, default=None,
                        help="a smoke run: each workload on its first N samples only")
    parser.add_argument("--busy-core", action="store_true",
                        help="measure beside a process that keeps one core busy")
    args = parser.parse_args()
    with busy_core() if args.busy_core else contextlib.nullcontext():
        run(args, parser)


def run(args: argparse.Namespace, parser: argparse.ArgumentParser) -> None:
    """Measure the chosen workloads and write the results (see the module docstring)."""

    gflops = matmul_gflops()
    results: dict = {"machine": {"cpu_count": os.cpu_count(), "platform": platform.platform(),
                                 "matmul_gflops": gflops, "busy_core": args.busy_core},
               "workloads": {}, "skipped": {}}
    status = {s: available(s, args.peers_python) for s in ["deepfit", *PEERS]}
    for system, (ok, why) in status.items():
        if not ok:
            results["skipped"][system] = why
            print(f"note: skipping {system}: {why}")
    names = [w for w in args.workloads.split(",") if w and w != "none"]
    unknown = [w for w in names if w not in SYSTEMS_FOR]
    if unknown:
        parser.error(f"unknown workload(s) {unknown}; choose from {list(SYSTEMS_FOR)}")
    for name in names:
        systems = [s for s in SYSTEMS_FOR[name] if status[s][0]]
        samples: dict[str, list[float]] = {s: [] for s in systems}
        errors: dict[str, str] = {}
        # The flowers workload takes minutes per run and varies little between runs.
        for _ in range(1 if name == "flowers" else args.repeats):
            for system in systems:
                if system in errors:
                    continue
                outcome = measure(system, name, python_for(system, args.peers_python),
                                  args.max_samples)
                if "error" in outcome:
                    errors[system] = outcome["error"]
                else:
                    samples[system].append(outcome["seconds_per_epoch"])
        medians = {s: statistics.median(v) for s, v in samples.items() if v}
        flops = _flops_per_epoch(name, args.max_samples)
        floor = flops / (gflops * 1e9)
        title = FLOWERS_TITLE if name == "flowers" else WORKLOADS[name].title
        results["workloads"][name] = {"title": title, "seconds_per_epoch": medians,
                                      "samples": samples, "errors": errors,
                                      "flops_per_epoch": flops, "matmul_floor_s": floor}
        print_workload(name, title, medians, errors, floor)
    for python in {sys.executable, args.peers_python}:  # compile bytecode before timing
        subprocess.run([python, "-c", "import deepfit" if python == sys.executable
                        else "import keras, tensorflow"], capture_output=True, env=_environment())
    results["end_to_end"] = end_to_end(args.peers_python, args.repeats)
    print_end_to_end(results["end_to_end"])
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(results, indent=2))
    print(f"\nwrote {out / 'results.json'} (matmul peak here: {gflops:.0f} GFLOP/s)")


def _flops_per_epoch(name: str, max_samples: int | None = None) -> float:
    if name == "flowers":
        dense = 256 * 256 * 3 * 256 + 256 * 128 + 128 * 5
        return 6.0 * dense * 2000
    workload = WORKLOADS[name]
    x, _ = workload.data()
    return workload.flops_per_sample * min(len(x), max_samples or len(x))


def print_workload(name: str, title: str, medians: dict, errors: dict, floor: float) -> None:
    print(f"\n{title}")
    ours = medians.get("deepfit")
    print(f"  {'system':<18}{'s/epoch':>11}{'deepfit/peer':>14}")
    for system, seconds in sorted(medians.items(), key=lambda kv: kv[1]):
        ratio = f"{ours / seconds:.2f}" if ours and system != "deepfit" else ""
        print(f"  {system:<18}{seconds:>11.4g}{ratio:>14}")
    for system, error in errors.items():
        print(f"  {system:<18}{'failed':>11}  {error[:60]}")
    if ours and floor > 1e-3:  # a floor of microseconds says nothing about overhead-bound runs
        print(f"  matmul floor: {floor:.4g} s/epoch; deepfit at {ours / floor:.1f}x the floor")


def print_end_to_end(rows: dict) -> None:
    print("\nWhole scripts (seconds, including interpreter start):")
    for name, row in rows.items():
        parts = [f"{key} {value:.2f}" for key, value in row.items()]
        print(f"  {name:<18}" + ", ".join(parts))


if __name__ == "__main__":
    main()
