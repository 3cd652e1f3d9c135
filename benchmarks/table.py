"""The README's Performance table from `bench-results/results.json` (written by run.py).

Usage:
    python benchmarks/table.py [bench-results/results.json]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

COLUMNS = ["deepfit", "keras-tensorflow", "keras-torch", "keras-jax", "torch-loop", "lightning",
           "jax-scan"]


def markdown(results: dict) -> str:
    """One row per workload: s/epoch for each system and deepfit's ratio to each peer."""
    lines = ["| workload | " + " | ".join(COLUMNS) + " |",
             "|---|" + "---:|" * len(COLUMNS)]
    for row in results["workloads"].values():
        seconds = row["seconds_per_epoch"]
        ours = seconds.get("deepfit")
        cells = []
        for system in COLUMNS:
            value = seconds.get(system)
            if value is None:
                cells.append("–")
            elif system == "deepfit" or ours is None:
                cells.append(f"**{value:.3g}**")
            else:
                cells.append(f"{value:.3g} ({ours / value:.2f})")
        lines.append(f"| {row['title']} | " + " | ".join(cells) + " |")
    machine = results["machine"]
    lines.append("")
    lines.append(f"Seconds per epoch (whole fit for sigmoid and Celsius, divided by their epochs); "
                 f"in brackets deepfit/peer, below 1 means deepfit is faster. Medians of "
                 f"alternating runs on {machine['cpu_count']} CPU cores "
                 f"(matmul peak {machine['matmul_gflops']:.0f} GFLOP/s)"
                 + (", one of them kept busy by another process." if machine.get("busy_core")
                    else "."))
    scripts = results.get("end_to_end", {})
    if scripts:
        parts = [f"{name} {row['celsius_script']:.2f} s" for name, row in scripts.items()
                 if "celsius_script" in row]
        imports = [f"{name} {row['import']:.2f} s" for name, row in scripts.items()]
        lines.append("")
        lines.append("Whole Celsius script including interpreter start: " + ", ".join(parts)
                     + ". `import` alone: " + ", ".join(imports) + ".")
    return "\n".join(lines)


def main() -> None:
    path = Path(sys.argv[1] if len(sys.argv) > 1 else "bench-results/results.json")
    print(markdown(json.loads(path.read_text())))


if __name__ == "__main__":
    main()
