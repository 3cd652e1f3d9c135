"""Run the corpus programs on real Keras with TensorFlow (the reference) or on deepfit, record
their key numbers, and regenerate the results table.

    python tests/corpus/record_reference.py [--engine keras|deepfit] [NAME ...]

`--engine keras` (default) writes tests/corpus/reference.json; it needs the Keras/TensorFlow
interpreter (`CORPUS_KERAS_PYTHON`, default /work/main/.venv-peers/bin/python, as made by
`make bench-peers`). `--engine deepfit` writes tests/corpus/deepfit.json. Either way
tests/corpus/REFERENCE.md (and the table in README.md) is rewritten from both files: per
program, its source, Keras's numbers, deepfit's, and whether deepfit passes (test_corpus.py's
rule and XFAIL list).
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import pathlib
import sys
import tempfile
import time

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

from tests.corpus import harness, make_data  # noqa: E402
from tests.corpus.manifest import PROGRAMS, SOURCES  # noqa: E402

FILES = {"keras": HERE / "reference.json", "deepfit": HERE / "deepfit.json"}


def record(engine: str, names: list[str], logs: pathlib.Path | None = None) -> float:
    """Run `names` on `engine` two at a time; returns the wall time in seconds."""
    path = FILES[engine]
    results = json.loads(path.read_text()) if path.exists() else {}
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        root = pathlib.Path(tmp)
        data = make_data.make_all(root / "data")
        with harness.serve(data / "served") as url:
            with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
                futures = {name: pool.submit(harness.run, engine, name, root / name, data,
                                             url, 600) for name in names}
                for name, future in futures.items():
                    result = future.result()
                    results[name] = {key: result[key] for key in
                                     ("returncode", "seconds", "numbers", "error")}
                    print(name, results[name], flush=True)
                    if logs is not None:
                        logs.mkdir(parents=True, exist_ok=True)
                        (logs / f"{name}.{engine}.log").write_text(
                            harness.clean(result["stdout"]) + "\n--- stderr ---\n"
                            + result["stderr"])
                    path.write_text(json.dumps(dict(sorted(results.items())), indent=1) + "\n")
    path.write_text(json.dumps(dict(sorted(results.items())), indent=1) + "\n")
    return time.perf_counter() - start


def _numbers(numbers: dict) -> str:
    return ", ".join(f"{key} {value:.4g}" for key, value in numbers.items()) or "(none printed)"


def verdict(name: str, keras: dict, ours: dict | None, xfail: dict) -> str:
    if ours is None:
        return "not run"
    if ours["returncode"] == 0 and keras["returncode"] is None:
        return "runs (no Keras reference yet)"
    if keras["returncode"] not in (0, None):
        if ours["returncode"] == 0:
            return "runs (Keras itself fails)"
        return ("same error as Keras" if ours["error"] == keras["error"]
                else f"fails: `{ours['error']}` (Keras itself fails)")
    if ours["returncode"] != 0:
        return f"fails: `{ours['error']}`" if name not in xfail else f"xfail: {xfail[name]}"
    far = [key for key, value in keras["numbers"].items()
           if key not in ours["numbers"]
           or not harness.within(name, key, ours["numbers"][key], value)]
    return "pass" if not far else f"numbers differ: {', '.join(far)}"


def table() -> str:
    """REFERENCE.md: the corpus results table."""
    from tests.corpus.test_corpus import XFAIL

    keras = json.loads(FILES["keras"].read_text())
    ours = json.loads(FILES["deepfit"].read_text()) if FILES["deepfit"].exists() else {}
    rows, passed, comparable = [], 0, 0
    for name, spec in PROGRAMS.items():
        repo = SOURCES[spec["repo"]][0].split(" ")[0]
        ref = keras.get(name, {"returncode": None, "numbers": {}, "error": "not recorded"})
        keras_cell = _numbers(ref["numbers"]) if ref["returncode"] == 0 else ref["error"]
        if spec.get("backend", "tensorflow") != "tensorflow":
            keras_cell = f"(Keras on {spec['backend']}) {keras_cell}"
        mine = ours.get(name)
        mine_cell = ("" if mine is None else _numbers(mine["numbers"])
                     if mine["returncode"] == 0 else "error")
        result = verdict(name, ref, mine, XFAIL)
        passed += result == "pass"
        comparable += ref["returncode"] in (0, None)
        rows.append(f"| `{name}` | {repo} `{spec['path']}` | {keras_cell} | {mine_cell} | "
                    f"{result} |")
    head = [
        "# Corpus results", "",
        "Official programs (tests/corpus/programs/, made by convert.py from the sources in "
        "manifest.py) on stand-in data (make_data.py), the last epoch's numbers of each. "
        "Keras: real Keras 3 with TensorFlow (or the backend a program picks itself), "
        "recorded by `python tests/corpus/record_reference.py`; deepfit: `python -m "
        "deepfit run`, recorded by `record_reference.py --engine deepfit` and checked by "
        "test_corpus.py. Tolerance "
        "(harness.within; wide, as the runs are tiny and short; each run is seeded with "
        "CORPUS_SEED, 0 by default): accuracy-like metrics within 0.2 (validation 0.3), "
        "losses within a factor of 2 or 0.1, or a program's stated tolerance where runs with "
        "other seeds showed wider noise. A program that exits 0 but prints no fit progress "
        "is checked for its exit status only. A program real Keras cannot run either passes "
        "when deepfit runs it or stops with Keras's error; it is left out of the count.", "",
        f"**{passed} of the {comparable} programs Keras runs pass** "
        f"({len(PROGRAMS) - comparable} of the {len(PROGRAMS)} stop on Keras too).", "",
        "| program | source | Keras (TensorFlow) | deepfit | result |",
        "|---|---|---|---|---|"]
    return "\n".join(head + rows) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", choices=sorted(FILES), default="keras")
    parser.add_argument("--logs", type=pathlib.Path, help="folder for each run's output")
    parser.add_argument("names", nargs="*")
    args = parser.parse_args()
    seconds = record(args.engine, args.names or list(PROGRAMS), args.logs)
    print(f"{args.engine}: {len(args.names or PROGRAMS)} programs in {seconds:.0f} s")
    write_tables()


def write_tables() -> None:
    """REFERENCE.md and the table in README.md, from reference.json and deepfit.json."""
    markdown = table()
    (HERE / "REFERENCE.md").write_text(markdown)
    readme = HERE.parents[1] / "README.md"
    text = readme.read_text()
    start, end = "<!-- corpus-table -->\n", "<!-- /corpus-table -->"
    lines = markdown.splitlines()
    rows = "\n".join([line for line in lines if line.startswith("**")] + [""]
                     + [line for line in lines if line.startswith("|")]) + "\n"
    head, rest = text.split(start)
    readme.write_text(head + start + rows + end + rest.split(end, 1)[1])


if __name__ == "__main__":
    main()
