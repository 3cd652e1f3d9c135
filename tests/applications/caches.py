"""Point the weights lookup at test folders, with no network: Keras's cache under `home`
(`home/.keras/models`, as `$HOME`), deepfit's at `deepfit_home`, the download origin a closed
port, so only files already cached can be used."""

from __future__ import annotations

UNREACHABLE = "http://127.0.0.1:9/"


def offline_caches(monkeypatch, home, deepfit_home, module, origin="_WEIGHTS_PATH") -> None:
    """`module.<origin>` (the application's download folder) made unreachable and the caches
    moved to `home` and `deepfit_home` for the test."""
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("DEEPFIT_HOME", str(deepfit_home))
    monkeypatch.delenv("KERAS_HOME", raising=False)
    monkeypatch.setattr(module, origin, UNREACHABLE)
