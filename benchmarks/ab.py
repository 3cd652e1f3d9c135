"""deepfit against an earlier deepfit: the same workloads, alternating the two trees.

`make bench` compares deepfit with its peers; this answers "did a change slow deepfit down?".
The baseline revision is checked out into a temporary git worktree, and each measurement is a
fresh `benchmarks/worker.py` process (the current tree's worker) whose `deepfit` comes from
either tree, alternating so that machine load affects both alike.

Usage:
    python benchmarks/ab.py --baseline e49eccc~1 [--workloads mlp32,celsius] [--repeats 5]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DEFAULT_WORKLOADS = "mlp32,mlp256,sigmoid,celsius,convnet"


def measure(tree: Path, workload: str) -> float:
    """Seconds per epoch of one fresh worker process whose deepfit is imported from `tree`."""
    env = dict(os.environ, PYTHONPATH=str(tree), PYTHONWARNINGS="ignore")
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    proc = subprocess.run([sys.executable, str(HERE / "worker.py"), "--system", "deepfit",
                           "--workload", workload], capture_output=True, text=True, env=env,
                          check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])["seconds_per_epoch"]


def compare(baseline: Path, workloads: list[str], repeats: int) -> dict[str, dict]:
    """Median seconds per epoch of both trees per workload, measured alternately."""
    trees = {"baseline": baseline, "current": ROOT}
    results = {}
    for workload in workloads:
        for tree in trees.values():  # compile bytecode and warm the file cache first
            measure(tree, workload)
        samples: dict[str, list[float]] = {name: [] for name in trees}
        for _ in range(repeats):
            for name, tree in trees.items():
                samples[name].append(measure(tree, workload))
        medians = {name: statistics.median(values) for name, values in samples.items()}
        results[workload] = {"median": medians, "samples": samples,
                             "ratio": medians["current"] / medians["baseline"]}
        print(f"{workload:<10} baseline {medians['baseline']:.4g} s/epoch   current "
              f"{medians['current']:.4g}   current/baseline {results[workload]['ratio']:.3f}",
              flush=True)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--baseline", required=True, help="a git revision, e.g. HEAD~3")
    parser.add_argument("--workloads", default=DEFAULT_WORKLOADS)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--out", default=None, help="write the samples as JSON here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        baseline = Path(tmp) / "baseline"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "-q", "--detach",
                        str(baseline), args.baseline], check=True)
        try:
            results = compare(baseline, args.workloads.split(","), args.repeats)
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force",
                            str(baseline)], check=False)
    if args.out:
        Path(args.out).write_text(json.dumps({"baseline": args.baseline, **results}, indent=2))


if __name__ == "__main__":
    main()
