"""`jit_compile=True` against eager steps on the benchmark workloads, alternating processes.

Modes, each measured in a fresh process (the compile cache is per process, as a user's is):
- eager: deepfit as `make bench` runs it (the fused step for Dense chains);
- autograd: the eager autograd step (the fused Dense step switched off);
- compiled: `jit_compile=True` with the fused step switched off, so torch.compile runs.

Each process reports the first fit (model build, torch.compile's compilation and 4,096
samples; whole-fit workloads: the whole fit) and the steady seconds per epoch (a second fit).
The modes alternate so that machine load affects them alike; medians and ratios are printed.

Usage:
    python benchmarks/compiled_steps.py [--workloads mlp32,convnet] [--repeats 2]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from workloads import WORKLOADS  # noqa: E402

MODES = ("eager", "autograd", "compiled")


def run_one(workload_name: str, mode: str) -> dict:
    """One measurement in this process."""
    import deepfit
    from deepfit.trainer import fused_dense

    fused_dense.enabled = mode == "eager"
    workload = WORKLOADS[workload_name]
    x, y = workload.data()
    optimizer = workload.optimizer
    if isinstance(optimizer, tuple):
        optimizer = deepfit.optimizers.Adam(optimizer[1])
    start = time.perf_counter()
    model = workload.build(deepfit)
    model.compile(optimizer=optimizer, loss=workload.loss, metrics=workload.metrics,
                  jit_compile=mode == "compiled")
    if workload.whole_fit:
        model.fit(x, y, epochs=workload.epochs, batch_size=workload.batch_size, verbose=0)
        first = time.perf_counter() - start
        steady_start = time.perf_counter()
        model.fit(x, y, epochs=workload.epochs, batch_size=workload.batch_size, verbose=0)
        steady = (time.perf_counter() - steady_start) / workload.epochs
    else:
        model.fit(x[:4096], y[:4096], epochs=1, batch_size=workload.batch_size, verbose=0)
        first = time.perf_counter() - start
        steady_start = time.perf_counter()
        model.fit(x, y, epochs=workload.epochs, batch_size=workload.batch_size, verbose=0)
        steady = (time.perf_counter() - steady_start) / workload.epochs
    call = model._trainer_state.compiled_call
    return {"first_fit_s": first, "steady_s_per_epoch": steady,
            "compiled_calls": None if call is None else call.compiled_calls,
            "failure": None if call is None else call.failure}


def measure(workload: str, mode: str) -> dict:
    env = dict(os.environ, PYTHONWARNINGS="ignore", PYTHONPATH=str(HERE.parent))
    proc = subprocess.run([sys.executable, __file__, "--one", workload, mode],
                          capture_output=True, text=True, env=env, check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workloads", default="mlp32,mlp256,celsius,convnet")
    parser.add_argument("--modes", default=",".join(MODES))
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--one", nargs=2, metavar=("WORKLOAD", "MODE"))
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_one(*args.one)))
        return
    modes = args.modes.split(",")
    results = {}
    for workload in args.workloads.split(","):
        samples: dict[str, list[dict]] = {mode: [] for mode in modes}
        for _ in range(args.repeats):
            for mode in modes:
                samples[mode].append(measure(workload, mode))
        medians = {mode: {key: statistics.median(s[key] for s in runs)
                          for key in ("first_fit_s", "steady_s_per_epoch")}
                   for mode, runs in samples.items()}
        results[workload] = {"samples": samples, "medians": medians}
        eager = medians[modes[0]]
        cells = "  ".join(
            f"{mode}: first {m['first_fit_s']:.3g} s, steady {m['steady_s_per_epoch']:.4g} "
            f"s/epoch ({m['steady_s_per_epoch'] / eager['steady_s_per_epoch']:.2f}x)"
            for mode, m in medians.items())
        print(f"{workload:<8} {cells}", flush=True)
    if args.out:
        Path(args.out).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
