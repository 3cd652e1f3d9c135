"""get_file: downloads from a local server, hashes, caching, safe extraction, failures."""

import hashlib
import io
import os
import pathlib
import tarfile
import zipfile

import pytest

from deepfit.utils.file_utils import (
    DownloadError,
    extract_archive,
    get_file,
    hash_file,
    validate_file,
)

PAYLOAD = bytes(range(256)) * 4000  # ~1 MB, several read chunks


def leftovers(folder):
    """Everything in a cache folder except locks and markers (to prove nothing partial stays)."""
    return sorted(p.name for p in pathlib.Path(folder).iterdir()
                  if not p.name.endswith((".lock", ".done", ".extracted")))


def make_tar(entries, mode="w:gz"):
    """entries: list of (TarInfo-like dict, bytes or None)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode=mode) as archive:
        for spec, data in entries:
            info = tarfile.TarInfo(spec["name"])
            info.type = spec.get("type", tarfile.REGTYPE)
            info.linkname = spec.get("linkname", "")
            info.mode = spec.get("mode", 0o644)
            info.size = len(data) if data is not None else 0
            archive.addfile(info, io.BytesIO(data) if data is not None else None)
    return buffer.getvalue()


def flower_tar():
    return make_tar([
        ({"name": "flower_photos", "type": tarfile.DIRTYPE, "mode": 0o755}, None),
        ({"name": "flower_photos/daisy", "type": tarfile.DIRTYPE, "mode": 0o755}, None),
        ({"name": "flower_photos/daisy/a.jpg"}, b"daisy-a"),
        ({"name": "flower_photos/roses/b.jpg"}, b"roses-b"),
        ({"name": "flower_photos/LICENSE.txt"}, b"license"),
    ])


def test_download_verifies_sha256_and_caches(server, homes):
    digest = server.add("data.bin", PAYLOAD)
    path = get_file("data.bin", origin=f"{server.url}/data.bin", file_hash=digest)
    assert path == str(homes["deepfit"] / "datasets" / "data.bin")
    assert pathlib.Path(path).read_bytes() == PAYLOAD
    assert hash_file(path) == digest and validate_file(path, digest)
    assert leftovers(homes["deepfit"] / "datasets") == ["data.bin"]
    server.stop()  # the second call must not touch the network
    again = get_file("data.bin", origin=f"{server.url}/data.bin", file_hash=digest)
    assert again == path and server.requests == ["/data.bin"]


def test_md5_and_name_from_url_and_custom_cache(server, tmp_path, monkeypatch):
    monkeypatch.setenv("DEEPFIT_HOME", str(tmp_path / "unused"))
    server.add("weights.h5", PAYLOAD)
    md5 = hashlib.md5(PAYLOAD).hexdigest()
    path = get_file(origin=f"{server.url}/weights.h5", md5_hash=md5,
                    cache_dir=tmp_path / "mine", cache_subdir="models")
    assert path == str(tmp_path / "mine" / "models" / "weights.h5")
    assert validate_file(path, md5, algorithm="md5")


def test_hash_mismatch_leaves_nothing(server, homes):
    server.add("data.bin", PAYLOAD)
    with pytest.raises(ValueError, match="hash"):
        get_file("data.bin", origin=f"{server.url}/data.bin", file_hash="0" * 64)
    assert leftovers(homes["deepfit"] / "datasets") == []


def test_outdated_cached_file_is_downloaded_again(server, homes, capsys):
    digest = server.add("data.bin", PAYLOAD)
    cached = homes["deepfit"] / "datasets" / "data.bin"
    cached.parent.mkdir(parents=True)
    cached.write_bytes(b"old version")
    path = get_file("data.bin", origin=f"{server.url}/data.bin", file_hash=digest)
    assert pathlib.Path(path).read_bytes() == PAYLOAD
    assert "hash does not match" in capsys.readouterr().out
    get_file("data.bin", origin=f"{server.url}/data.bin", file_hash=digest, force_download=True)
    assert len(server.requests) == 2


def test_connection_dropped_half_way_leaves_nothing(server, homes):
    server.add("big.bin", PAYLOAD)
    origin = f"{server.url}/drop/big.bin"
    with pytest.raises(DownloadError) as caught:
        get_file("big.bin", origin=origin)
    message = str(caught.value)
    assert origin in message and str(homes["deepfit"] / "datasets" / "big.bin") in message
    assert leftovers(homes["deepfit"] / "datasets") == []


def test_offline_error_names_url_and_path(closed_port_url, homes):
    origin = f"{closed_port_url}/mnist.npz"
    with pytest.raises(DownloadError) as caught:
        get_file("mnist.npz", origin=origin)
    message = str(caught.value)
    assert origin in message
    assert f"place it at {homes['deepfit'] / 'datasets' / 'mnist.npz'}" in message
    assert leftovers(homes["deepfit"] / "datasets") == []


def test_http_404_is_a_download_error(server, homes):
    with pytest.raises(DownloadError, match="404"):
        get_file("nothing.bin", origin=f"{server.url}/nothing.bin")


def test_file_origin(tmp_path, homes):
    source = tmp_path / "local.bin"
    source.write_bytes(PAYLOAD)
    path = get_file(origin=source.as_uri(), file_hash=hashlib.sha256(PAYLOAD).hexdigest())
    assert pathlib.Path(path).read_bytes() == PAYLOAD


def test_extract_next_to_archive_and_return_archive(server, homes):
    digest = server.add("flower_photos.tgz", flower_tar())
    archive = get_file(origin=f"{server.url}/flower_photos.tgz", extract=True, file_hash=digest)
    assert archive == str(homes["deepfit"] / "datasets" / "flower_photos.tgz")
    data_dir = pathlib.Path(archive).with_suffix("")
    assert data_dir == homes["deepfit"] / "datasets" / "flower_photos"
    assert (data_dir / "daisy" / "a.jpg").read_bytes() == b"daisy-a"
    assert sorted(p.name for p in data_dir.iterdir()) == ["LICENSE.txt", "daisy", "roses"]
    # a second call finds the marker and does not unpack again (a user file survives)
    (data_dir / "mine.txt").write_text("kept")
    server.stop()
    assert get_file(origin=f"{server.url}/flower_photos.tgz", extract=True) == archive
    assert (data_dir / "mine.txt").exists()


def test_untar_and_extension_less_names(server, homes):
    server.add("flower_photos.tgz", flower_tar())
    url = f"{server.url}/flower_photos.tgz"
    data_dir = get_file("flower_photos", origin=url, untar=True)
    assert data_dir == str(homes["deepfit"] / "datasets" / "flower_photos")
    assert os.path.isfile(os.path.join(data_dir, "roses", "b.jpg"))
    assert os.path.isfile(data_dir + ".tar.gz")
    other = get_file("flower_photos", origin=url, extract=True, cache_subdir="again")
    assert other == str(homes["deepfit"] / "again" / "flower_photos")
    assert os.path.isfile(other + "_archive") and os.path.isdir(os.path.join(other, "daisy"))


def test_zip_extraction(server, homes):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("pack/one.txt", "1")
        archive.writestr("pack/sub/two.txt", "2")
    server.add("pack.zip", buffer.getvalue())
    archive = get_file(origin=f"{server.url}/pack.zip", extract=True)
    assert (pathlib.Path(archive).with_suffix("") / "sub" / "two.txt").read_text() == "2"


@pytest.mark.parametrize("name", ["../escaped.txt", "ok/../../escaped.txt", "/tmp/escaped.txt"])
def test_refuses_members_outside_the_folder(tmp_path, name):
    archive = tmp_path / "bad.tar.gz"
    archive.write_bytes(make_tar([({"name": "fine.txt"}, b"x"), ({"name": name}, b"evil")]))
    target = tmp_path / "target"
    with pytest.raises(ValueError, match="Refusing to extract"):
        extract_archive(archive, target)
    assert not (tmp_path / "escaped.txt").exists() and not pathlib.Path("/tmp/escaped.txt").exists()
    assert list(target.iterdir()) == []  # checked before anything was written


def test_refuses_links_pointing_outside(tmp_path):
    for index, (link_type, linkname) in enumerate([
        (tarfile.SYMTYPE, "../../etc"), (tarfile.SYMTYPE, "/etc/passwd"),
        (tarfile.LNKTYPE, "../outside.txt"),
    ]):
        archive = tmp_path / f"links{index}.tar"
        archive.write_bytes(make_tar(
            [({"name": "link", "type": link_type, "linkname": linkname}, None)], mode="w"))
        with pytest.raises(ValueError, match="outside"):
            extract_archive(archive, tmp_path / f"target{index}")
    through = tmp_path / "through.tar"
    through.write_bytes(make_tar([
        ({"name": "inner", "type": tarfile.SYMTYPE, "linkname": "."}, None),
        ({"name": "inner/file.txt"}, b"via a link"),
    ], mode="w"))
    with pytest.raises(ValueError, match="symbolic link"):
        extract_archive(through, tmp_path / "target_through")


def test_refuses_absolute_zip_member(tmp_path):
    archive = tmp_path / "bad.zip"
    with zipfile.ZipFile(archive, "w") as opened:
        info = zipfile.ZipInfo("/abs.txt")
        opened.writestr(info, "x")
    with pytest.raises(ValueError, match="absolute path"):
        extract_archive(archive, tmp_path / "target")


def test_unsafe_archive_via_get_file_leaves_no_extraction(server, homes):
    server.add("bad.tgz", make_tar([({"name": "../evil.txt"}, b"evil")]))
    with pytest.raises(ValueError, match="Refusing to extract"):
        get_file(origin=f"{server.url}/bad.tgz", extract=True)
    assert not (homes["deepfit"] / "evil.txt").exists()
    assert leftovers(homes["deepfit"] / "datasets") == ["bad.tgz_archive"]


def test_argument_errors(homes):
    with pytest.raises(ValueError, match="origin"):
        get_file("x.bin")
    with pytest.raises(ValueError, match="without a folder"):
        get_file("sub/x.bin", origin="http://127.0.0.1:1/x.bin")
    with pytest.raises(ValueError, match="fname"):
        get_file(origin="http://127.0.0.1:1/")
