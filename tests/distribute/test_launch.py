"""deepfit.distribute.launch: start processes from Python; a crashed worker ends the job."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import deepfit

HERE = Path(__file__).resolve().parent


def test_crashed_worker_ends_the_job_with_an_error_not_a_hang():
    code = (f"import sys; sys.path.insert(0, {str(HERE)!r}); import crash_worker, deepfit; "
            "deepfit.distribute.launch(crash_worker.train, nprocs=2)")
    env = dict(os.environ, DEEPFIT_DIST_TIMEOUT="20", OMP_NUM_THREADS="1")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=180, env=env)
    assert proc.returncode != 0
    assert "worker 1 crashed on purpose" in proc.stderr


def test_launch_rejects_a_bad_process_count():
    with pytest.raises(ValueError, match="nprocs must be a positive int, received 0"):
        deepfit.distribute.launch(print, nprocs=0)


def test_single_process_is_not_distributed():
    assert deepfit.distribute.current() is None
    assert deepfit.distribute.rank() == 0 and deepfit.distribute.world_size() == 1
    assert deepfit.distribute.is_chief()
