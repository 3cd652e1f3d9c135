"""get_file returns what real Keras 3's returns — archives and plain files, with and without
`fname`, `extract`, `untar`, `cache_subdir` and `archive_format` — and the returned folder holds
the same files. Both run on the same archives served from 127.0.0.1 (Keras in its own process).
"""

from __future__ import annotations

import io
import os
import warnings
import zipfile

import pytest

from deepfit.utils.file_utils import get_file
from tests.datasets.test_get_file import make_tar
from tests.trainer.keras_process import run_keras

CASES = [
    {"fname": "data.csv.zip", "origin": "data.csv.zip", "extract": True},
    {"fname": "pack.tar.gz", "origin": "pack.tar.gz", "extract": True},
    {"origin": "pack.tar.gz", "extract": True},
    {"origin": "data.csv.zip", "extract": True},
    {"fname": "mypack", "origin": "pack.tar.gz", "extract": True},
    {"fname": "heart.csv", "origin": "heart.csv"},
    {"origin": "heart.csv"},
    {"fname": "pack.tar.gz", "origin": "pack.tar.gz", "extract": True, "cache_subdir": ""},
    {"fname": "pack.tar.gz", "origin": "pack.tar.gz", "untar": True, "cache_subdir": "sub"},
    {"origin": "pack.tar.gz", "untar": True},
    {"fname": "data.csv.zip", "origin": "data.csv.zip", "extract": True,
     "archive_format": "tar"},
    {"fname": "heart.csv", "origin": "heart.csv", "extract": True},
]

_KERAS = """
import os, warnings
def tree(path):
    if not os.path.exists(path):
        return None
    if os.path.isfile(path):
        return {".": open(path).read()}
    found = {}
    for folder, _, files in os.walk(path, followlinks=True):
        for name in files:
            full = os.path.join(folder, name)
            found[os.path.relpath(full, path)] = open(full).read()
    return found
out = []
for index, case in enumerate(CASES):
    case = dict(case, origin=URL + "/" + case["origin"])
    cache = os.path.join(ROOT, "keras", str(index))
    os.makedirs(cache)  # Keras falls back to /tmp/.keras for a cache_dir that does not exist
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        path = keras.utils.get_file(cache_dir=cache, **case)
    out.append([os.path.relpath(path, cache), tree(path)])
result["cases"] = out
"""


def _tree(path: str):
    if not os.path.exists(path):
        return None
    if os.path.isfile(path):
        with open(path) as handle:
            return {".": handle.read()}
    found = {}
    for folder, _, files in os.walk(path, followlinks=True):
        for name in files:
            full = os.path.join(folder, name)
            with open(full) as handle:
                found[os.path.relpath(full, path)] = handle.read()
    return found


@pytest.fixture
def archives(server):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("data.csv", "a,b\n1,2\n")
    server.add("data.csv.zip", buffer.getvalue())
    server.add("pack.tar.gz", make_tar([({"name": "pack/one.txt"}, b"1"),
                                        ({"name": "pack/sub/two.txt"}, b"2"),
                                        ({"name": "top.txt"}, b"t")]))
    server.add("heart.csv", b"age,target\n63,1\n")
    return server


def test_get_file_returns_what_keras_3_returns(archives, tmp_path, homes):
    code = f"CASES = {CASES!r}\nURL = {archives.url!r}\nROOT = {str(tmp_path)!r}\n" + _KERAS
    expected = run_keras(code)["cases"]
    for index, case in enumerate(CASES):
        cache = str(tmp_path / "deepfit" / str(index))
        os.makedirs(cache)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            path = get_file(cache_dir=cache, **dict(case, origin=f"{archives.url}/"
                                                             f"{case['origin']}"))
        ours = [os.path.relpath(path, cache), _tree(path)]
        assert ours == expected[index], (case, ours, expected[index])


def test_a_file_that_is_no_archive_warns_and_returns_keras_3s_folder(archives, homes):
    with pytest.warns(UserWarning, match="Could not extract archive"):
        path = get_file("heart.csv", origin=f"{archives.url}/heart.csv", extract=True)
    assert path == str(homes["deepfit"] / "datasets" / "heart_extracted")
    assert not os.path.exists(path)
    assert os.path.isfile(homes["deepfit"] / "datasets" / "heart.csv")
