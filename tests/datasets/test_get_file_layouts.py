"""get_file serves the archive idioms of both generations' official tutorials at once, looks in
Keras's cache first, and is safe to share: several processes extracting together, a killed
download's `.part` cleaned up, a dropped connection without Content-Length never cached.

The idioms, from tensorflow/docs (site/en/...) and our own examples (call -> then uses):

- tutorials/images/classification: ("flower_photos.tgz", extract=True)
  -> Path(r).parent / "flower_photos_extracted" / "flower_photos"
- tutorials/load_data/images: (origin=url, extract=True) -> Path(r) / "flower_photos"
- examples/flowers_augmentation (tf.keras 2): (origin=url, extract=True)
  -> Path(r).with_suffix("")
- guide/data: ("flower_photos", url, untar=True) -> Path(r) holds the class folders
- tutorials/images/transfer_learning: ("cats_and_dogs.zip", extract=True)
  -> dirname(r) / "cats_and_dogs_filtered"
- tutorials/keras/text_classification: ("aclImdb_v1", untar=True, cache_subdir="")
  -> dirname(r) / "aclImdb_v1" / "aclImdb" / "train"
- tutorials/load_data/text: (origin=url, untar=True, cache_subdir="") -> Path(r).parent / "train"
- structured_data/preprocessing_layers: ("petfinder_mini.zip", extract=True, cache_dir=".")
  -> "datasets/petfinder-mini/petfinder-mini.csv"
- structured_data/time_series: (fname="jena_climate_2009_2016.csv.zip", extract=True)
  -> os.path.join(r, "jena_climate_2009_2016.csv") (Keras 3 returns the `_extracted` folder;
  the tf.keras 2 idiom `os.path.splitext(r)[0]` cannot hold at the same time)
- generative/pix2pix: (fname="facades.tar.gz", extract=True)
  -> Path(r).parent / "facades_extracted/facades"
- audio/simple_audio: ("mini_speech_commands.zip", extract=True, cache_dir=".",
  cache_subdir="data") -> "data/mini_speech_commands"
"""

import importlib.util
import io
import os
import pathlib
import subprocess
import sys
import zipfile

import pytest

from deepfit.utils.file_utils import DownloadError, get_file
from tests.datasets.test_get_file import PAYLOAD, flower_tar, leftovers, make_tar


def _zip(entries):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.fixture
def served(server):
    server.add("flower_photos.tgz", flower_tar())
    server.add("cats_and_dogs_filtered.zip", _zip({
        "cats_and_dogs_filtered/train/cats/1.jpg": "c",
        "cats_and_dogs_filtered/validation/dogs/2.jpg": "d"}))
    server.add("aclImdb_v1.tar.gz", make_tar([({"name": "aclImdb/train/pos/1.txt"}, b"good"),
                                              ({"name": "aclImdb/test/neg/2.txt"}, b"bad")]))
    server.add("stack_overflow_16k.tar.gz", make_tar([
        ({"name": "train/python/1.txt"}, b"py"), ({"name": "test/java/2.txt"}, b"jv")]))
    server.add("petfinder-mini.zip", _zip({"petfinder-mini/petfinder-mini.csv": "a,b\n1,2\n"}))
    server.add("jena_climate_2009_2016.csv.zip", _zip({"jena_climate_2009_2016.csv": "t\n1\n"}))
    server.add("facades.tar.gz", make_tar([({"name": "facades/train/1.jpg"}, b"f")]))
    server.add("mini_speech_commands.zip", _zip({"mini_speech_commands/yes/1.wav": "w"}))
    return server


def _flowers_ok(folder):
    folder = pathlib.Path(folder)
    assert (folder / "daisy" / "a.jpg").read_bytes() == b"daisy-a", folder
    assert sorted(p.name for p in folder.iterdir()) == ["LICENSE.txt", "daisy", "roses"]


def test_classification_tutorial(served, homes):
    r = get_file("flower_photos.tgz", origin=f"{served.url}/flower_photos.tgz", extract=True)
    _flowers_ok(pathlib.Path(r).parent / "flower_photos_extracted" / "flower_photos")


def test_load_data_images_and_tf2_with_suffix_idioms(served, homes):
    url = f"{served.url}/flower_photos.tgz"
    r = get_file(origin=url, extract=True)
    _flowers_ok(pathlib.Path(r) / "flower_photos")
    _flowers_ok(pathlib.Path(get_file(origin=url, extract=True)).with_suffix(""))
    assert len(served.requests) == 1


def test_guide_data_untar(served, homes):
    _flowers_ok(get_file("flower_photos", f"{served.url}/flower_photos.tgz", untar=True))


def test_transfer_learning_tutorial(served, homes):
    r = get_file("cats_and_dogs.zip", origin=f"{served.url}/cats_and_dogs_filtered.zip",
                 extract=True)
    path = os.path.join(os.path.dirname(r), "cats_and_dogs_filtered")
    assert os.listdir(os.path.join(path, "train")) == ["cats"]
    assert os.path.isfile(os.path.join(path, "validation", "dogs", "2.jpg"))


def test_text_classification_tutorial(served, tmp_path, homes, monkeypatch):
    monkeypatch.chdir(tmp_path)
    r = get_file("aclImdb_v1", f"{served.url}/aclImdb_v1.tar.gz", untar=True, cache_dir=".",
                 cache_subdir="")
    dataset_dir = os.path.join(os.path.dirname(r), "aclImdb_v1")
    assert os.listdir(os.path.join(dataset_dir, "aclImdb", "train")) == ["pos"]


def test_load_data_text_tutorial(served, tmp_path, homes, monkeypatch):
    monkeypatch.chdir(tmp_path)
    r = get_file(origin=f"{served.url}/stack_overflow_16k.tar.gz", untar=True,
                 cache_dir="stack_overflow", cache_subdir="")
    dataset_dir = pathlib.Path(r).parent
    assert [p.name for p in (dataset_dir / "train").iterdir()] == ["python"]


def test_preprocessing_layers_and_simple_audio_tutorials(served, tmp_path, homes, monkeypatch):
    monkeypatch.chdir(tmp_path)
    get_file("petfinder_mini.zip", f"{served.url}/petfinder-mini.zip", extract=True,
             cache_dir=".")
    assert pathlib.Path("datasets/petfinder-mini/petfinder-mini.csv").read_text() == "a,b\n1,2\n"
    get_file("mini_speech_commands.zip", origin=f"{served.url}/mini_speech_commands.zip",
             extract=True, cache_dir=".", cache_subdir="data")
    assert pathlib.Path("data/mini_speech_commands/yes/1.wav").read_text() == "w"


def test_time_series_and_pix2pix_tutorials(served, homes):
    zip_path = get_file(origin=f"{served.url}/jena_climate_2009_2016.csv.zip",
                        fname="jena_climate_2009_2016.csv.zip", extract=True)
    assert zip_path == str(homes["deepfit"] / "datasets" / "jena_climate_2009_2016_extracted")
    csv_path = os.path.join(zip_path, "jena_climate_2009_2016.csv")
    assert pathlib.Path(csv_path).read_text() == "t\n1\n"
    r = pathlib.Path(get_file(fname="facades.tar.gz", origin=f"{served.url}/facades.tar.gz",
                              extract=True))
    assert (r.parent / "facades_extracted/facades" / "train" / "1.jpg").read_bytes() == b"f"


def test_keras_cache_is_used_before_downloading(closed_port_url, homes, monkeypatch, tmp_path):
    keras_datasets = homes["home"] / ".keras" / "datasets"
    keras_datasets.mkdir(parents=True)
    (keras_datasets / "data.bin").write_bytes(PAYLOAD)
    assert get_file("data.bin", origin=f"{closed_port_url}/data.bin") == str(
        keras_datasets / "data.bin")
    keras_home = tmp_path / "keras_home"
    (keras_home / "datasets").mkdir(parents=True)
    (keras_home / "datasets" / "flower_photos.tgz").write_bytes(flower_tar())
    monkeypatch.setenv("KERAS_HOME", str(keras_home))
    r = get_file("flower_photos.tgz", origin=f"{closed_port_url}/x.tgz", extract=True)
    _flowers_ok(pathlib.Path(r).parent / "flower_photos_extracted" / "flower_photos")


# ----------------------------------------------------------------------------- safety
@pytest.mark.parametrize("fname", ["..", ".", "..."])
def test_dot_names_are_refused(fname, homes):
    with pytest.raises(ValueError, match="fname must name a file"):
        get_file(fname, origin="http://127.0.0.1:1/x.bin")


@pytest.mark.parametrize("route", ["chunked-drop", "reset"])
def test_a_drop_without_content_length_or_hash_is_not_cached(server, homes, route):
    server.add("big.bin", PAYLOAD)
    with pytest.raises(DownloadError):
        get_file("big.bin", origin=f"{server.url}/{route}/big.bin")
    assert leftovers(homes["deepfit"] / "datasets") == []
    assert [p for p in (homes["deepfit"] / "datasets").iterdir()
            if p.name.endswith(".part")] == []


def test_a_killed_downloads_part_file_is_removed_next_time(server, homes):
    folder = homes["deepfit"] / "datasets"
    folder.mkdir(parents=True)
    stale = folder / ".data.bin.k1ll3d.part"
    stale.write_bytes(PAYLOAD[:1000])
    digest = server.add("data.bin", PAYLOAD)
    get_file("data.bin", origin=f"{server.url}/data.bin", file_hash=digest)
    assert not stale.exists()
    assert leftovers(folder) == ["data.bin"]


_WORKER = """
import importlib.util, json, sys
spec = importlib.util.spec_from_file_location("file_utils", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
print(json.dumps(module.get_file(origin=sys.argv[2], extract=True, cache_dir=sys.argv[3])))
"""


def test_several_processes_extracting_at_once(server, tmp_path):
    entries = [({"name": f"many/{i:03d}.txt"}, str(i).encode() * 200) for i in range(300)]
    server.add("many.tgz", make_tar(entries))
    source = importlib.util.find_spec("deepfit.utils.file_utils").origin
    workers = [subprocess.Popen(
        [sys.executable, "-c", _WORKER, source, f"{server.url}/many.tgz", str(tmp_path / "c")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(4)]
    results = [worker.communicate(timeout=120) for worker in workers]
    assert all(worker.returncode == 0 for worker in workers), [err for _, err in results]
    returned = {out.strip().splitlines()[-1] for out, _ in results}
    assert len(returned) == 1 and len(server.requests) == 1
    data = pathlib.Path(returned.pop().strip('"')).with_suffix("")
    files = sorted(p.name for p in data.iterdir())
    assert len(files) == 300 and (data / "123.txt").read_bytes() == b"123" * 200
    datasets = tmp_path / "c" / "datasets"
    assert sorted(leftovers(datasets)) == ["many", "many.tgz", "many.tgz_archive",
                                           "many_extracted"]
    assert not [p for p in (datasets / "many_extracted").iterdir() if p.name.startswith(".")]
