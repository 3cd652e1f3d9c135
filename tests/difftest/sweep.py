"""A large differential sweep: `python -m tests.difftest.sweep --n 2000 [--start 0]`.

Runs `n` generated specs in one streaming Keras process and in deepfit (this process, at the
same time), prints the count of differences by kind with the specs behind each, then which
differing specs a known cause explains (tests/difftest/known.py) and which none does. Writes
the report as JSON (`--out`; rewritten every `--every` specs, so an interrupted sweep leaves
its partial result). Exits 1 if a difference is unexplained. `make difftest N=2000` runs it.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import time
from typing import Any

from tests.difftest.compare import compare, kind
from tests.difftest.generator import generate, generate_many
from tests.difftest.harness import one_thread, run_ours, stream_keras
from tests.difftest.known import known_causes


def _summary(report: dict[str, Any], specs: dict[str, dict]) -> dict[str, Any]:
    by_kind, by_cause, unexplained = (collections.defaultdict(list),
                                      collections.defaultdict(list), [])
    for spec_id, entry in report.items():
        differences = entry["differences"]
        for difference_kind in sorted({kind(d) for d in differences}):
            by_kind[difference_kind].append(spec_id)
        if differences:
            causes = known_causes(specs[spec_id], differences)
            for cause in causes:
                by_cause[cause].append(spec_id)
            if not causes:
                unexplained.append(spec_id)
    return {"specs": len(report), "differ": sum(1 for e in report.values() if e["differences"]),
            "by_kind": dict(by_kind), "by_cause": dict(by_cause), "unexplained": unexplained}


def _ids(ids: list[str]) -> str:
    return f"{len(ids)} ({', '.join(ids[:8])}{' ...' if len(ids) > 8 else ''})"


def _print(summary: dict[str, Any], seconds: dict[str, float]) -> None:
    print(f"{summary['specs']} specs, {summary['differ']} differ, "
          f"{len(summary['unexplained'])} unexplained; wall {seconds['wall']:.0f} s "
          f"(Keras {seconds['keras']:.0f} s, deepfit {seconds['deepfit']:.0f} s)")
    print("by kind:")
    for name, ids in sorted(summary["by_kind"].items(), key=lambda item: -len(item[1])):
        print(f"  {name}: {_ids(ids)}")
    print("explained by a known cause:")
    for cause, ids in sorted(summary["by_cause"].items(), key=lambda item: -len(item[1])):
        print(f"  {cause}: {_ids(ids)}")
    print(f"unexplained: {_ids(summary['unexplained'])}")


def _write(path: str, report: dict, summary: dict, seconds: dict) -> None:
    with open(path + ".part", "w") as f:
        json.dump({"summary": summary, "seconds": seconds, "specs": report}, f, indent=1)
    os.replace(path + ".part", path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--start", type=int, default=0)
    parser.add_argument("--seeds", default="",
                        help="comma-separated seeds to run instead of --start/--n (triage)")
    parser.add_argument("--every", type=int, default=50, help="progress and report interval")
    parser.add_argument("--out", default="difftest-report.json")
    args = parser.parse_args(argv)
    began = time.time()
    if args.seeds:
        specs = [generate(int(seed)) for seed in args.seeds.split(",")]
    else:
        specs = generate_many(args.start, args.n)
    by_id = {spec["id"]: spec for spec in specs}
    report: dict[str, Any] = {}
    seconds = {"wall": 0.0, "keras": 0.0, "deepfit": 0.0}
    with one_thread():
        for spec, theirs, keras_seconds in stream_keras(specs):
            start = time.perf_counter()
            ours = run_ours(spec, theirs)
            ours_seconds = time.perf_counter() - start
            report[spec["id"]] = {"differences": compare(spec, theirs, ours),
                                  "keras_s": round(keras_seconds, 3),
                                  "deepfit_s": round(ours_seconds, 3)}
            seconds["keras"] += keras_seconds
            seconds["deepfit"] += ours_seconds
            seconds["wall"] = time.time() - began
            if len(report) % args.every == 0 or len(report) == len(specs):
                summary = _summary(report, by_id)
                print(f"{len(report)}/{len(specs)} specs, {summary['differ']} differ "
                      f"({len(summary['unexplained'])} unexplained), {seconds['wall']:.0f} s",
                      flush=True)
                _write(args.out, report, summary, seconds)
    summary = _summary(report, by_id)
    _print(summary, seconds)
    return 1 if summary["unexplained"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
