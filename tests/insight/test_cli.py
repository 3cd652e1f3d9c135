"""The `deepfit` command: report and doctor on a saved run."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from deepfit.cli import main
from tests.insight.conftest import make_history

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def run_file(tmp_path):
    history = make_history([0.3, 0.2, 0.1, 0.08, 0.06, 0.05, 0.04, 0.03, 0.02],
                           [0.3, 0.2, 0.12, 0.09, 0.081, 0.09, 0.1, 0.12, 0.134])
    path = tmp_path / "run.json"
    history.to_json(path)
    return path


def test_doctor_prints_the_diagnosis(run_file, capsys):
    assert main(["doctor", str(run_file)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("overfitting: Overfitting from epoch 6: val_loss rose from 0.081 "
                          "(epoch 5, the best) to 0.134")


def test_report_writes_html(run_file, tmp_path, capsys):
    output = tmp_path / "out" / "report.html"
    output.parent.mkdir()
    assert main(["report", str(run_file), "-o", str(output)]) == 0
    assert "Report written to" in capsys.readouterr().out
    assert output.read_text().startswith("<!DOCTYPE html>")
    assert main(["report", str(run_file)]) == 0
    assert run_file.with_suffix(".html").is_file()


def test_missing_file_and_bad_arguments(tmp_path, capsys):
    assert main(["doctor", str(tmp_path / "nope.json")]) == 2
    assert "no such run file" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main([])
    with pytest.raises(SystemExit):
        main(["fly"])


def test_python_dash_m_deepfit(run_file):
    result = subprocess.run([sys.executable, "-m", "deepfit", "doctor", str(run_file)],
                            capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("overfitting:")
