"""The import hook, `deepfit run` (in this process, for exit codes and tracebacks) and the
headless `plt.show()`."""

from __future__ import annotations

import importlib
import sys
import types

import pytest

import deepfit
from deepfit import cli
from deepfit.compat import ModuleNotProvidedError, importer, plotting


@pytest.fixture()
def clean_hook(monkeypatch):
    """Leave sys.argv, sys.path and the import hook as they were."""
    monkeypatch.setattr(sys, "argv", list(sys.argv))
    monkeypatch.setattr(sys, "path", list(sys.path))
    yield
    importer.uninstall()


def _tf_and_keras_modules() -> dict:
    return {name: module for name, module in sys.modules.items()
            if name.partition(".")[0] in importer.ROOTS}


def test_imports_resolve_to_the_compat_namespaces(clean_hook):
    before = _tf_and_keras_modules()  # a real Keras may have been imported by other tests
    with importer.installed():
        import tensorflow as tf
        import tensorflow.keras.layers
        from keras import layers
        from keras.layers import Dense
        from tensorflow.keras.models import Sequential

        assert tf.__name__ == "deepfit.compat.tensorflow"
        assert tensorflow.keras.layers is layers is sys.modules["keras.layers"]
        assert Dense is deepfit.layers.Dense and Sequential is deepfit.Sequential
        assert importlib.import_module("keras.layers.core") is layers
        assert importlib.import_module("tf_keras.datasets.mnist") is deepfit.datasets.mnist
        # The shared module keeps its own spec (the alias's spec is not left on it).
        assert layers.__spec__.name == "deepfit.compat.keras.layers"
    assert _tf_and_keras_modules() == before


def test_missing_modules_raise_an_import_error_that_names_them(clean_hook):
    with importer.installed():
        with pytest.raises(ModuleNotProvidedError) as caught:
            importlib.import_module("tensorflow.lite")
        assert isinstance(caught.value, ImportError) and isinstance(caught.value,
                                                                    NotImplementedError)
        assert str(caught.value).startswith("tf.lite is not provided by deepfit: TensorFlow "
                                            "Lite conversion needs TensorFlow")
        assert caught.value.name == "tensorflow.lite"
        with pytest.raises(ImportError, match="keras.layers.Dense is not a module"):
            importlib.import_module("keras.layers.Dense")


def test_real_packages_are_set_aside_and_restored(clean_hook, monkeypatch):
    real = types.ModuleType("keras")
    monkeypatch.setitem(sys.modules, "keras", real)
    importer.install()
    import keras

    assert keras.__name__ == "deepfit.compat.keras"
    importer.uninstall()
    assert sys.modules["keras"] is real


def _script(tmp_path, text, name="script.py"):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_run_passes_arguments_and_runs_as_main(clean_hook, tmp_path, capsys):
    script = _script(tmp_path, (
        "import sys, tensorflow as tf\n"
        "print(__name__, sys.argv[1:], sys.argv[0] == __file__, sys.path[0])\n"
        "print(tf.keras.layers.Dense.__module__)\n"))
    assert cli.main(["run", script, "--epochs", "3", "-v"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == [f"__main__ ['--epochs', '3', '-v'] True {tmp_path}", "deepfit.layers.core"]


def test_run_exit_status_and_errors(clean_hook, tmp_path, capsys):
    assert cli.main(["run", str(tmp_path / "missing.py")]) == 2
    assert "deepfit run: no such script:" in capsys.readouterr().err
    with pytest.raises(SystemExit) as caught:
        cli.main(["run", _script(tmp_path, "import sys\nsys.exit(3)\n", "exits.py")])
    assert caught.value.code == 3
    failing = _script(tmp_path, "import tensorflow as tf\n\ndef f():\n    tf.image.ssim\n\nf()\n",
                      "fails.py")
    assert cli.main(["run", failing]) == 1
    err = capsys.readouterr().err
    assert err.startswith("Traceback (most recent call last):\n  File \"" + failing)
    assert "line 6, in <module>" in err and "line 4, in f" in err and "runpy" not in err
    assert err.rstrip().endswith("tf.image.ssim is not provided by deepfit")


def test_headless_rule(monkeypatch):
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    assert plotting.headless("agg") and plotting.headless("TkAgg")
    monkeypatch.setenv("DISPLAY", ":0")
    assert plotting.headless("Agg") and not plotting.headless("TkAgg")
    monkeypatch.setattr(sys, "platform", "darwin")
    monkeypatch.delenv("DISPLAY")
    assert not plotting.headless("macosx") and plotting.headless("pdf")


def test_show_saves_numbered_figures_without_a_display(tmp_path, monkeypatch, capsys):
    plt = pytest.importorskip("matplotlib.pyplot")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(plotting, "_counter", iter(range(1, 100)))
    original = plt.show
    plotting.patch_pyplot(plt)
    try:
        plt.plot([1, 2, 3])
        plt.figure()
        plt.plot([3, 2, 1])
        plt.show()
        assert plt.get_fignums() == []  # closed, as after dismissing the windows
        plt.plot([0, 1])
        plt.show()
    finally:
        plotting.unpatch_pyplot(plt)
    assert plt.show is original
    out = capsys.readouterr().out
    for number in (1, 2, 3):
        path = tmp_path / f"figure-{number}.png"
        assert path.read_bytes()[:4] == b"\x89PNG" and str(path) in out


def test_show_with_a_display_is_matplotlibs_own(monkeypatch):
    shown = []
    fake = types.SimpleNamespace(show=lambda *a, **k: shown.append((a, k)))
    plotting.patch_pyplot(fake)
    monkeypatch.setattr(plotting, "headless", lambda backend: False)
    fake.show(block=False)
    assert shown == [((), {"block": False})]


def test_runner_patches_pyplot_when_the_script_imports_it(clean_hook, tmp_path, monkeypatch,
                                                          capsys):
    pytest.importorskip("matplotlib")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(plotting, "_counter", iter(range(1, 100)))
    script = _script(tmp_path, "import matplotlib.pyplot as plt\nplt.plot([1, 2])\nplt.show()\n")
    assert cli.main(["run", script]) == 0
    assert (tmp_path / "figure-1.png").is_file()
    assert "Saved figure 1 to" in capsys.readouterr().out
