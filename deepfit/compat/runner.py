"""`deepfit run script.py [args...]`: run a Keras/TensorFlow script unchanged on deepfit.

The script runs as `__main__` with `sys.argv = [script, *args]` and its folder first on
`sys.path`, exactly as `python script.py` would run it, with the import hook installed
(`import tensorflow as tf`, `from keras import layers`, ... resolve to deepfit) and
`plt.show()` saving figures when there is no display. Python child processes the script starts
(multiprocessing 'spawn' workers, which re-import the script) get the hook too.

Example:
    >>> run_script("mnist_tutorial.py", ["--epochs", "3"])  # doctest: +SKIP
"""

from __future__ import annotations

import argparse
import builtins
import contextlib
import os
import sys
import traceback
import types
from collections.abc import Iterator, Sequence

from deepfit.compat import augmented_assignment, importer


def run_script(path: str | os.PathLike, args: Sequence[str] = ()) -> None:
    """Run the script at `path` as `__main__` with the compat import hook installed.

    Args:
        path: the script file.
        args: its command-line arguments (`sys.argv[1:]`).

    Raises:
        FileNotFoundError: there is no such file.
        SystemExit: whatever the script exits with.
    """
    script = os.path.abspath(os.fspath(path))
    if not os.path.isfile(script):
        raise FileNotFoundError(f"deepfit run: no such script: {os.fspath(path)}")
    importer.install(patch_pyplot=True)
    sys.argv = [script, *args]
    sys.path.insert(0, os.path.dirname(script))
    with hooked_child_processes():
        _run_as_main(script)


def _run_as_main(script: str) -> None:
    """`runpy.run_path(script, run_name="__main__")` with TensorFlow's meaning of `x += y`
    for tensors (see `augmented_assignment`)."""
    with open(script, "rb") as handle:
        code = augmented_assignment.compile_script(handle.read(), script)
    module = types.ModuleType("__main__")
    module.__dict__.update({"__file__": script, "__cached__": None, "__loader__": None,
                            "__package__": None, "__spec__": None, "__builtins__": builtins,
                            augmented_assignment.HELPER: augmented_assignment.augmented})
    saved = sys.modules.get("__main__")
    sys.modules["__main__"] = module
    try:
        exec(code, module.__dict__)  # noqa: S102 - running the user's script is the point
    finally:
        if saved is not None:
            sys.modules["__main__"] = saved


@contextlib.contextmanager
def hooked_child_processes() -> Iterator[None]:
    """Python child processes started in the block (multiprocessing 'spawn' workers included)
    start with the import hook: a `sitecustomize` on `PYTHONPATH` installs it when
    `DEEPFIT_RUN_HOOK=1`. The environment is put back afterwards."""
    saved = {key: os.environ.get(key) for key in ("PYTHONPATH", "DEEPFIT_RUN_HOOK")}
    folder = os.path.join(os.path.dirname(os.path.abspath(__file__)), "child")
    package_root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    entries = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    wanted = [folder, package_root]  # the children must find deepfit itself too
    os.environ["PYTHONPATH"] = os.pathsep.join(
        wanted + [p for p in entries if p not in wanted])
    os.environ["DEEPFIT_RUN_HOOK"] = "1"
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def main_from_args(args: argparse.Namespace) -> int:
    """Run `args.script` (see `run_script`); returns the exit status."""
    if not os.path.isfile(args.script):
        print(f"deepfit run: no such script: {args.script}", file=sys.stderr)
        return 2
    try:
        run_script(args.script, args.args)
    except (SystemExit, KeyboardInterrupt):
        raise
    except BaseException as err:  # noqa: BLE001 - reported like Python reports a script's error
        _print_script_traceback(err, os.path.abspath(args.script))
        return 1
    return 0


def _print_script_traceback(err: BaseException, script: str) -> None:
    """The traceback from the script's own frames on, as `python script.py` would print it."""
    tb = err.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename != script:
        tb = tb.tb_next
    traceback.print_exception(type(err), err, tb or err.__traceback__, file=sys.stderr)
