"""The `deepfit` command (also `python -m deepfit`).

Subcommands:
    deepfit report run.json -o report.html   the HTML report of a run saved by history.to_json
    deepfit doctor run.json                  print the diagnosis of a saved run
    deepfit run script.py [args...]          run a Keras/TensorFlow script on deepfit

Example:
    $ deepfit doctor run.json
    overfitting: Overfitting from epoch 6: val_loss rose from 0.081 (epoch 5, the best) ...
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

Handler = Callable[[argparse.Namespace], int]


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with one sub-parser per subcommand."""
    parser = argparse.ArgumentParser(
        prog="deepfit", description="deepfit: Keras-style training on PyTorch.")
    subcommands = parser.add_subparsers(dest="command", metavar="COMMAND")
    subcommands.required = True
    _add_report(subcommands)
    _add_doctor(subcommands)
    _add_run(subcommands)
    # Further subcommands register here the same way: an `_add_<name>(subcommands)` that
    # sets `handler=` through set_defaults.
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line.

    Args:
        argv: the arguments (default: `sys.argv[1:]`).

    Returns:
        The exit status: 0 on success, 2 for bad arguments or an unreadable run file.
    """
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except (OSError, ValueError, ImportError) as err:
        print(f"deepfit {args.command}: error: {err}", file=sys.stderr)
        return 2


def _add_report(subcommands: Any) -> None:
    parser = subcommands.add_parser(
        "report", help="write the HTML report of a saved run",
        description="Write one self-contained HTML page (curves, diagnosis, model summary, "
                    "hyper-parameters) from a run saved with history.to_json(path).")
    parser.add_argument("run", help="the run's JSON file (from history.to_json)")
    parser.add_argument("-o", "--output", help="the HTML file (default: the run's name "
                                               "with .html)")
    parser.set_defaults(handler=_report)


def _report(args: argparse.Namespace) -> int:
    from deepfit.insight.report import save_report

    history = _load(args.run)
    output = Path(args.output) if args.output else Path(args.run).with_suffix(".html")
    written = save_report(history, output)
    print(f"Report written to {written}")
    return 0


def _add_doctor(subcommands: Any) -> None:
    parser = subcommands.add_parser(
        "doctor", help="print the diagnosis of a saved run",
        description="Judge a run saved with history.to_json(path): ok, overfitting, "
                    "underfitting, not_learning, diverging or noisy, with suggestions.")
    parser.add_argument("run", help="the run's JSON file (from history.to_json)")
    parser.set_defaults(handler=_doctor)


def _doctor(args: argparse.Namespace) -> int:
    diagnosis = _load(args.run).diagnose()
    print(f"{diagnosis.verdict}: {diagnosis}")
    return 0


def _add_run(subcommands: Any) -> None:
    parser = subcommands.add_parser(
        "run", help="run a Keras/TensorFlow script unchanged on deepfit",
        description="Run a script as __main__ with `import tensorflow`/`import keras` resolved "
                    "to deepfit; plt.show() saves figures when there is no display.")
    parser.add_argument("script", help="the Python script to run (e.g. a Keras tutorial)")
    parser.add_argument("args", nargs=argparse.REMAINDER,
                        help="arguments passed to the script as sys.argv[1:]")
    parser.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    from deepfit.compat import runner

    return runner.main_from_args(args)


def _load(path: str) -> Any:
    from deepfit.callbacks.history import History

    if not Path(path).is_file():
        raise FileNotFoundError(f"no such run file: {path}")
    return History.from_json(Path(path))


if __name__ == "__main__":
    raise SystemExit(main())
