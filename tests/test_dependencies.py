"""h5py and Pillow are core dependencies (saving and image folders work after a plain
`pip install deepfit`); matplotlib, scikit-learn and TensorBoard stay optional: never imported by
`import deepfit`, and a clear error naming the package when a feature needs a missing one."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _run(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT, timeout=120)


def test_h5py_and_pillow_are_core_dependencies():
    tomllib = pytest.importorskip("tomllib")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    core = " ".join(project["dependencies"]).lower()
    assert "h5py" in core and "pillow" in core
    for optional in ("matplotlib", "scikit-learn", "tensorboard"):
        assert optional not in core


def test_import_deepfit_loads_no_optional_package():
    result = _run("import sys, deepfit, deepfit.callbacks, deepfit.datasets, deepfit.insight\n"
                  "print([m for m in ('matplotlib', 'sklearn', 'tensorboard', 'wandb') "
                  "if m in sys.modules])")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


@pytest.mark.parametrize("blocked, call, package", [
    ("matplotlib", "h.plot('c.png')", "matplotlib"),
    ("sklearn", "deepfit.datasets.digits.load_data()", "scikit-learn"),
])
def test_a_missing_optional_package_is_named(blocked, call, package, tmp_path):
    code = (f"import sys; sys.modules[{blocked!r}] = None\n"
            "import numpy as np, deepfit\n"
            "m = deepfit.Sequential([deepfit.Input((2,)), deepfit.layers.Dense(1)])\n"
            "m.compile(optimizer='sgd', loss='mse')\n"
            "h = m.fit(np.zeros((4, 2)), np.zeros((4, 1)), verbose=0)\n"
            f"try:\n    {call}\nexcept ImportError as err:\n    print('ERR', err)\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=tmp_path, timeout=120,
                            env={**__import__("os").environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("ERR") and package in result.stdout, result.stdout
