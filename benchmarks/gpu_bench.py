"""The GPU benchmark run by benchmarks/gpu_check.sh: deepfit (eager, and compiled with
`jit_compile=True`) against Keras on JAX and a plain torch loop, all on the same CUDA device,
on the MLP, MNIST convnet, LSTM and ResNet workloads. Alternates systems like run.py, one fresh
process per measurement, and prints one table of milliseconds per training step with the
deepfit/peer ratios.

Every system runs in this script's Python (the GPU machine's, with torch and JAX for CUDA and
Keras installed beside them).

Usage:
    python benchmarks/gpu_bench.py [--repeats 1] [--budget 300] [--out gpu-results]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from run import measure  # noqa: E402

WORKLOADS = ["mlp32", "convnet", "lstm", "resnet"]
SYSTEMS = ["deepfit", "deepfit-jit", "keras-jax", "torch-loop"]


def cuda_device_name() -> str | None:
    import torch

    return torch.cuda.get_device_name(0) if torch.cuda.is_available() else None


def bench(workloads: list[str], systems: list[str], repeats: int, budget: float,
          device: str = "cuda", max_samples: int | None = None) -> dict:
    """ms/step medians {workload: {system: ms}} and errors, within `budget` seconds overall
    (a measurement that would start after the budget is skipped and reported)."""
    deadline = time.monotonic() + budget
    rows: dict = {}
    for name in workloads:
        samples: dict[str, list[float]] = {s: [] for s in systems}
        errors: dict[str, str] = {}
        for _ in range(repeats):
            for system in systems:
                left = deadline - time.monotonic()
                if system in errors:
                    continue
                if left < 5:
                    errors[system] = "skipped: out of time"
                    continue
                outcome = measure(system, name, sys.executable, max_samples, device=device,
                                  timeout=left)
                if "error" in outcome:
                    errors[system] = outcome["error"]
                else:
                    samples[system].append(
                        outcome["seconds_per_epoch"] / outcome["steps_per_epoch"] * 1e3)
        rows[name] = {"ms_per_step": {s: statistics.median(v) for s, v in samples.items() if v},
                      "errors": errors}
        print(f"  {name}: " + ", ".join(f"{s} {v:.3g} ms" for s, v in
                                        rows[name]["ms_per_step"].items()), flush=True)
    return rows


def table(rows: dict, systems: list[str], device: str | None) -> str:
    """A markdown table: ms/step per system, deepfit/peer in brackets."""
    lines = [f"GPU: {device}. Milliseconds per training step (median), deepfit/peer in "
             f"brackets (below 1: deepfit faster).", "",
             "| workload | " + " | ".join(systems) + " |", "|---|" + "---:|" * len(systems)]
    for name, row in rows.items():
        ms, ours = row["ms_per_step"], row["ms_per_step"].get("deepfit")
        cells = []
        for system in systems:
            if system not in ms:
                error = row["errors"].get(system, "")
                cells.append("skipped" if error.startswith("skipped") else
                             "failed" if error else "–")
            elif system == "deepfit" or ours is None:
                cells.append(f"**{ms[system]:.3g}**")
            else:
                cells.append(f"{ms[system]:.3g} ({ours / ms[system]:.2f})")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    for name, row in rows.items():
        for system, error in row["errors"].items():
            lines.append(f"- {name} / {system}: {error[:150]}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--budget", type=float, default=300.0,
                        help="seconds for all measurements together")
    parser.add_argument("--workloads", default=",".join(WORKLOADS))
    parser.add_argument("--systems", default=",".join(SYSTEMS))
    parser.add_argument("--out", default="gpu-results")
    parser.add_argument("--dry-run-cpu", action="store_true",
                        help="check the plumbing on the CPU with 256 samples per workload")
    args = parser.parse_args()
    device = "cpu (dry run)" if args.dry_run_cpu else cuda_device_name()
    if device is None:
        print("gpu_bench: no CUDA device is visible to torch; nothing measured")
        return
    systems = args.systems.split(",")
    rows = bench(args.workloads.split(","), systems, args.repeats, args.budget,
                 "cpu" if args.dry_run_cpu else "cuda", 256 if args.dry_run_cpu else None)
    text = table(rows, systems, device)
    print("\n" + text)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "gpu-results.json").write_text(json.dumps({"device": device, "rows": rows}, indent=2))
    (out / "gpu-table.md").write_text(text + "\n")


if __name__ == "__main__":
    main()
