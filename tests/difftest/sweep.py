"""A large differential sweep: `python -m tests.difftest.sweep --n 2000 [--start 0]`.

Runs `n` generated specs in Keras (one process per chunk) and in deepfit, prints the count of
differences by kind and the specs behind each, and writes the full report as JSON (`--out`).
`make difftest N=2000` runs it.
"""

from __future__ import annotations

import argparse
import collections
import json
import time

from tests.difftest.compare import compare, kind
from tests.difftest.generator import generate_many
from tests.difftest.harness import run_keras, run_ours


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--start", type=int, default=0)
    parser.add_argument("--chunk", type=int, default=100)
    parser.add_argument("--out", default="difftest-report.json")
    args = parser.parse_args(argv)
    began = time.time()
    specs = generate_many(args.start, args.n)
    report = {}
    for offset in range(0, len(specs), args.chunk):
        part = specs[offset:offset + args.chunk]
        theirs = run_keras(part)
        for spec in part:
            report[spec["id"]] = compare(spec, theirs[spec["id"]],
                                         run_ours(spec, theirs[spec["id"]]))
        print(f"{offset + len(part)}/{len(specs)} specs, {time.time() - began:.0f} s",
              flush=True)
    by_kind = collections.defaultdict(list)
    for spec_id, differences in report.items():
        for difference_kind in sorted({kind(d) for d in differences}):
            by_kind[difference_kind].append(spec_id)
    differing = sum(1 for d in report.values() if d)
    print(f"{len(report)} specs, {differing} differ, {time.time() - began:.0f} s")
    for difference_kind, ids in sorted(by_kind.items(), key=lambda item: -len(item[1])):
        more = " ..." if len(ids) > 8 else ""
        print(f"  {difference_kind}: {len(ids)} ({', '.join(ids[:8])}{more})")
    with open(args.out, "w") as f:
        json.dump(report, f, indent=1)
    return 1 if differing else 0


if __name__ == "__main__":
    raise SystemExit(main())
