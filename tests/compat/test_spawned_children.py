"""`deepfit run` of a script whose workers are started with multiprocessing's 'spawn' method:
the children re-import the script in fresh interpreters and get the import hook too, so
`import keras` there is deepfit's (not a real Keras, not an ImportError that hangs a Pool)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = textwrap.dedent("""
    import multiprocessing as mp
    import keras
    import tensorflow as tf

    def where(_):
        import keras
        return keras.layers.Dense.__module__.split(".")[0], tf.__name__

    if __name__ == "__main__":
        with mp.get_context("spawn").Pool(2) as pool:
            print("CHILDREN", sorted(set(pool.map_async(where, range(4)).get(timeout=120))))
        print("PARENT", where(0))
""")


def test_spawned_workers_get_the_import_hook(tmp_path):
    script = tmp_path / "spawning.py"
    script.write_text(SCRIPT)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("DEEPFIT_RUN_HOOK", None)
    result = subprocess.run([sys.executable, "-m", "deepfit", "run", str(script)],
                            capture_output=True, text=True, cwd=tmp_path, env=env, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    expected = "('deepfit', 'deepfit.compat.tensorflow')"
    assert f"CHILDREN [{expected}]" in result.stdout, result.stdout
    assert f"PARENT {expected}" in result.stdout


def test_the_environment_is_restored_after_an_in_process_run(tmp_path, monkeypatch):
    from deepfit.compat import importer, runner

    monkeypatch.setattr(sys, "argv", list(sys.argv))
    monkeypatch.setattr(sys, "path", list(sys.path))
    monkeypatch.setenv("PYTHONPATH", "/somewhere")
    monkeypatch.delenv("DEEPFIT_RUN_HOOK", raising=False)
    script = tmp_path / "env.py"
    script.write_text("import os\nprint(os.environ['DEEPFIT_RUN_HOOK'])\n")
    try:
        runner.run_script(script)
    finally:
        importer.uninstall()
    assert os.environ["PYTHONPATH"] == "/somewhere"
    assert "DEEPFIT_RUN_HOOK" not in os.environ
