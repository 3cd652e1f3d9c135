"""The corpus of official programs (tests/corpus/programs/), each run under
`python -m deepfit run` on stand-in data, offline: it must exit 0 and end with the key numbers
Keras with TensorFlow recorded for the same program (reference.json, within `harness.within`'s
tolerance).

Programs that cannot pass yet are listed in XFAIL with the exact failure (strict: the test
fails once the program passes, so the entry must then be removed).
"""

from __future__ import annotations

import concurrent.futures
import json
import pathlib

import pytest

from tests.corpus import harness, make_data
from tests.corpus.manifest import PROGRAMS

pytestmark = pytest.mark.slow

REFERENCE = json.loads((pathlib.Path(__file__).parent / "reference.json").read_text())
WORKERS = 2
TIMEOUT = 200

# name -> why it fails today (the error deepfit raises).
XFAIL: dict[str, str] = {}


@pytest.fixture(scope="session")
def corpus_data(tmp_path_factory: pytest.TempPathFactory):
    """The stand-in data and the URL of the local server holding its downloads."""
    data = make_data.make_all(tmp_path_factory.mktemp("corpus_data"))
    with harness.serve(data / "served") as url:
        yield data, url


@pytest.fixture(scope="session")
def corpus_runs(request: pytest.FixtureRequest, corpus_data, tmp_path_factory):
    """Every selected program started together, WORKERS at a time, the longest first."""
    data, url = corpus_data
    wanted = [item.callspec.params["name"] for item in request.session.items
              if item.get_closest_marker("corpus") is not None]
    wanted.sort(key=lambda n: -REFERENCE.get(n, {}).get("seconds", 0))
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=WORKERS)
    root = tmp_path_factory.mktemp("corpus_runs")
    futures = {name: pool.submit(harness.run, "deepfit", name, root / name, data, url, TIMEOUT)
               for name in dict.fromkeys(wanted)}
    yield futures
    pool.shutdown(wait=True, cancel_futures=True)


def _params():
    for name in PROGRAMS:
        marks = [pytest.mark.corpus]
        if name in XFAIL:
            marks.append(pytest.mark.xfail(reason=XFAIL[name], strict=True))
        yield pytest.param(name, marks=marks, id=name)


@pytest.mark.timeout(1200)  # waits for its program in a queue of all of them
@pytest.mark.parametrize("name", list(_params()))
def test_program(name: str, corpus_runs) -> None:
    result = corpus_runs[name].result()
    assert result["returncode"] == 0, (
        f"{name} exited with {result['returncode']}: {result['error']}\n--- stdout ---\n"
        f"{harness.clean(result['stdout'])[-3000:]}\n--- stderr ---\n{result['stderr'][-5000:]}")
    reference = REFERENCE[name]
    assert reference["returncode"] == 0, f"Keras itself failed: {reference['error']}"
    for key, expected in reference["numbers"].items():
        assert key in result["numbers"], f"{name}: no {key!r} in deepfit's output"
        ours = result["numbers"][key]
        assert harness.within(name, key, ours, expected), (
            f"{name}: {key} = {ours}, Keras (TensorFlow) = {expected}")


def test_every_program_has_a_reference() -> None:
    assert sorted(REFERENCE) == sorted(PROGRAMS)
