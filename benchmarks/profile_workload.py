"""Where deepfit's training step spends its time on one benchmark workload: torch.profiler's
operators (self CPU time, as a share of the profiled fit's wall time) and cProfile's Python
frames (own time). The notes in benchmarks/NOTES.md come from this script.

Usage:
    python benchmarks/profile_workload.py lstm [--steps 20] [--threads 1] [--top 15]
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from workloads import WORKLOADS  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("workload", choices=sorted(WORKLOADS))
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--threads", type=int, default=1,
                        help="torch threads (1 gives stable shares on a loaded machine)")
    parser.add_argument("--top", type=int, default=15)
    args = parser.parse_args()

    import torch
    from torch.profiler import ProfilerActivity, profile

    import deepfit

    workload = WORKLOADS[args.workload]
    x, y = workload.data()
    samples = args.steps * workload.batch_size
    x, y = x[:samples], y[:samples]
    model = workload.build(deepfit)
    model.compile(optimizer=workload.optimizer if isinstance(workload.optimizer, str) else
                  deepfit.optimizers.Adam(workload.optimizer[1]), loss=workload.loss,
                  metrics=workload.metrics)
    model.fit(x, y, batch_size=workload.batch_size, epochs=1, verbose=0)  # warm-up
    torch.set_num_threads(args.threads)  # deepfit's thread tuner keeps within this

    def fit() -> float:
        start = time.perf_counter()
        model.fit(x, y, batch_size=workload.batch_size, epochs=1, verbose=0)
        return time.perf_counter() - start

    plain = min(fit() for _ in range(2))
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        profiled = fit()
    print(f"{workload.title}\n{args.steps} steps: {plain / args.steps * 1e3:.2f} ms/step "
          f"unprofiled ({profiled / args.steps * 1e3:.2f} profiled), {args.threads} thread(s)")
    print("\ntorch ops by self CPU time (% of the profiled fit's wall time):")
    events = sorted(prof.key_averages(), key=lambda e: e.self_cpu_time_total, reverse=True)
    for event in events[:args.top]:
        share = event.self_cpu_time_total / 1e6 / profiled * 100
        print(f"  {share:5.1f}%  {event.count:6d} calls  {event.key}")
    ops = sum(e.self_cpu_time_total for e in events) / 1e6
    print(f"  all ops: {ops / profiled * 100:.1f}% of wall time; the rest is Python")

    profiler = cProfile.Profile()
    profiler.enable()
    fit()
    profiler.disable()
    print("\nPython frames by own time (cProfile, its overhead included):")
    stats = pstats.Stats(profiler)
    rows = sorted(stats.stats.items(), key=lambda kv: kv[1][2], reverse=True)
    total = sum(v[2] for _, v in rows)
    for (filename, line, function), (_, calls, own, _, _) in rows[:args.top]:
        where = filename.split("site-packages/")[-1].split("deepfit/", 1)[-1]
        print(f"  {own / total * 100:5.1f}%  {calls:7d} calls  {function} ({where}:{line})")


if __name__ == "__main__":
    main()
