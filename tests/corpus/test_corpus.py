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

# name -> why it fails today: the error deepfit raises, or the numbers that differ. An error
# entry is strict (once the program passes, the suite fails until the entry is removed); a
# numbers entry is not, as another machine's float rounding may land inside the band.
XFAIL: dict[str, str] = {
    "tf_images_classification": "NotProvidedError: tf.lite is not provided (the last cells "
                                "convert to TensorFlow Lite and run its interpreter; deepfit "
                                "does not fake the .tflite format)",
}


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
            strict = not XFAIL[name].startswith("numbers differ")
            marks.append(pytest.mark.xfail(reason=XFAIL[name], strict=strict))
        yield pytest.param(name, marks=marks, id=name)


@pytest.mark.timeout(1200)  # waits for its program in a queue of all of them
@pytest.mark.parametrize("name", list(_params()))
def test_program(name: str, corpus_runs) -> None:
    result = corpus_runs[name].result()
    reference = REFERENCE.get(name)
    if reference is not None and reference["returncode"] != 0:
        _check_where_keras_fails(name, result, reference)
        return
    assert result["returncode"] == 0, (
        f"{name} exited with {result['returncode']}: {result['error']}\n--- stdout ---\n"
        f"{harness.clean(result['stdout'])[-3000:]}\n--- stderr ---\n{result['stderr'][-5000:]}")
    if reference is None:
        pytest.skip(f"{name}: no Keras reference recorded yet (record_reference.py)")
    for key, expected in reference["numbers"].items():
        assert key in result["numbers"], f"{name}: no {key!r} in deepfit's output"
        ours = result["numbers"][key]
        assert harness.within(name, key, ours, expected), (
            f"{name}: {key} = {ours}, Keras (TensorFlow) = {expected}")


def _check_where_keras_fails(name: str, result: dict, reference: dict) -> None:
    """An official program that real Keras (with TensorFlow) cannot run either: there are no
    numbers to compare, so deepfit must run it or stop with the same error as Keras."""
    if result["returncode"] == 0:
        return
    assert result["error"] == reference["error"], (
        f"{name}: Keras stops with {reference['error']!r}, deepfit with {result['error']!r}")


def test_references_are_of_corpus_programs() -> None:
    assert set(REFERENCE) <= set(PROGRAMS)
