"""The deepfit-native tutorial programs in examples/, run in this process with few epochs."""

from __future__ import annotations

import importlib.util
import pathlib

import numpy as np
import pytest

EXAMPLES = pathlib.Path(__file__).resolve().parents[2] / "examples"


def load(name: str):
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_mnist_mlp_on_digits(capsys):
    accuracy = load("mnist_mlp").main(["--epochs", "3"])
    out = capsys.readouterr().out
    assert "Epoch 3/3" in out and f"Test accuracy: {accuracy:.4f}" in out
    assert accuracy > 0.85


def test_digits_sigmoid(capsys):
    accuracy = load("digits_sigmoid").main(["--epochs", "15"])
    out = capsys.readouterr().out
    assert "The shape of X is: (360, 64), the shape of Y is: (360, 1)" in out
    # 64*25+25 + 25*15+15 + 15+1; printed after fit, so (as Keras) the total adds Adam's state
    assert "Trainable params: 2,031" in out and "Optimizer params: 2,033" in out
    assert accuracy > 0.95


def test_celsius(capsys):
    prediction, slope, intercept = load("celsius").main(["--epochs", "500"])
    assert prediction == pytest.approx(212.0, abs=5.0)
    assert slope == pytest.approx(1.8, abs=0.1) and intercept == pytest.approx(32.0, abs=4.0)
    assert prediction == pytest.approx(100 * slope + intercept, rel=1e-5)


def test_training_curves_saved(tmp_path, monkeypatch):
    pytest.importorskip("matplotlib")
    monkeypatch.chdir(tmp_path)
    history = load("training_curves").main(["--epochs", "2", "--save", "curves.png"])
    assert sorted(history) == ["accuracy", "loss", "val_accuracy", "val_loss"]
    assert (tmp_path / "curves.png").read_bytes()[:4] == b"\x89PNG"


def test_flowers_generates_a_folder_and_trains(tmp_path, monkeypatch):
    pytest.importorskip("PIL")
    example = load("flowers_augmentation")
    monkeypatch.setenv("DEEPFIT_HOME", str(tmp_path / "home"))
    folder = tmp_path / "flowers"
    history = example.main(["--data-dir", str(folder), "--epochs", "2", "--image-size", "32",
                            "--per-class", "6"])
    assert sorted(p.name for p in folder.iterdir()) == list(example.CLASSES)
    assert len(list(folder.glob("*/*.jpg"))) == 30
    assert len(history["val_accuracy"]) == 2 and np.isfinite(history["loss"]).all()
