"""Layer assets in `.keras` files: files a layer writes with `save_assets(dir_path)` (such as
a lookup layer's learned `vocabulary.txt`) are stored under `assets/<layer path>/`, the layout
Keras uses, and handed back to `load_assets(dir_path)` when the model is loaded.

Example:
    >>> model.save("classifier.keras")  # doctest: +SKIP  (stores the adapted vocabulary)
"""

from __future__ import annotations

import os
import tempfile
import zipfile
from typing import Any

from deepfit.saving.weights_file import walk

ASSETS = "assets"


def write_assets(model: Any, archive: zipfile.ZipFile) -> None:
    """Add every layer's `save_assets` files to `archive` under `assets/<path>/`."""
    for path, layer, _ in walk(model):
        if not callable(getattr(layer, "save_assets", None)):
            continue
        with tempfile.TemporaryDirectory() as folder:
            layer.save_assets(folder)
            for name in sorted(os.listdir(folder)):
                member = os.path.join(folder, name)
                if os.path.isfile(member):
                    archive.write(member, "/".join(p for p in (ASSETS, path, name) if p))


def read_assets(model: Any, archive: zipfile.ZipFile, max_bytes: int = 256 << 20) -> None:
    """Give each layer with `load_assets` the files stored for it (when there are any)."""
    names = archive.namelist()
    for path, layer, _ in walk(model):
        if not callable(getattr(layer, "load_assets", None)):
            continue
        prefix = "/".join(p for p in (ASSETS, path) if p) + "/"
        members = [n for n in names if n.startswith(prefix) and "/" not in n[len(prefix):]
                   and n != prefix]
        if not members:
            continue
        with tempfile.TemporaryDirectory() as folder:
            for name in members:
                info = archive.getinfo(name)
                if info.file_size > max_bytes:
                    raise ValueError(f"asset {name} is larger than {max_bytes} bytes")
                with open(os.path.join(folder, name[len(prefix):]), "wb") as handle:
                    handle.write(archive.read(name))
            layer.load_assets(folder)
