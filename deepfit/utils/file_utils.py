"""`get_file`: download a file into the deepfit cache once, verify it, optionally unpack it.

Keras's semantics with these guarantees: downloads are atomic (a temporary file in the cache
folder, hash-checked, then renamed: an interrupted or corrupt download leaves nothing behind,
and a killed one's `.part` is removed by the next call); processes sharing a cache take turns
(a lock file per archive), so several workers may download and unpack at once; archives are
unpacked in the layouts of both Keras 3 and tf.keras 2 (see `archive_layout`), refusing absolute
paths, `..` members, links pointing outside and device files; a network failure names the URL
and the path where the file can be placed by hand.

Example:
    >>> import pathlib
    >>> archive = get_file(  # doctest: +SKIP
    ...     origin="https://storage.googleapis.com/download.tensorflow.org/"
    ...     "example_images/flower_photos.tgz",
    ...     extract=True,
    ... )
    >>> data_dir = pathlib.Path(archive).with_suffix("")  # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import json
import os
import posixpath
import shutil
import stat
import sys
import tarfile
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import warnings
import zipfile
from collections.abc import Iterator
from typing import Any, NamedTuple

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None

DOWNLOAD_TIMEOUT_SECONDS = 60
_CHUNK_BYTES = 1 << 20


class DownloadError(OSError):
    """A file could not be fetched from its origin (network, HTTP or truncated transfer)."""


def deepfit_home() -> str:
    """The cache root: `$DEEPFIT_HOME`, else `~/.deepfit` (`/tmp/.deepfit` if home is read-only).

    Returns:
        An absolute path (not necessarily existing yet).
    """
    configured = os.environ.get("DEEPFIT_HOME")
    if configured:
        return os.path.abspath(os.path.expanduser(configured))
    home = os.path.expanduser("~")
    if not os.access(home, os.W_OK):
        home = tempfile.gettempdir()
    return os.path.join(home, ".deepfit")


def get_file(
    fname: str | os.PathLike | None = None,
    origin: str | None = None,
    untar: bool = False,
    md5_hash: str | None = None,
    file_hash: str | None = None,
    cache_subdir: str = "datasets",
    hash_algorithm: str = "auto",
    extract: bool = False,
    archive_format: str | list[str] | None = "auto",
    cache_dir: str | os.PathLike | None = None,
    force_download: bool = False,
) -> str:
    """Download `origin` into `cache_dir/cache_subdir/fname` unless it is already there.

    Args:
        fname: the local file name; defaults to the last part of the URL. A name without
            a path separator.
        origin: the URL (http, https or file).
        untar: deprecated (tf.keras 2): the file is a tar archive saved as `fname + '.tar.gz'`;
            it is unpacked and `cache_subdir/fname` is returned (see `extract`).
        md5_hash: deprecated; the file's md5 (use `file_hash`).
        file_hash: the expected sha256 or md5 of the file, checked after download and on
            cache hits (a mismatching cached file is downloaded again).
        cache_subdir: folder under the cache root; an absolute path is used as is.
        hash_algorithm: 'sha256', 'md5' or 'auto' (sha256 for 64-character hashes).
        extract: unpack a tar/tar.gz/tgz/tar.bz2/zip archive, in the layouts of Keras 3 and
            tf.keras 2 at once: unpacked into `<stem>_extracted/` (Keras 3), each top-level
            member linked next to the archive (tf.keras 2: `Path(archive).with_suffix('')`).
            Returns what Keras 3 returns: with a dotted `fname` (`'data.csv.zip'`) the folder
            `cache_subdir/<fname up to its first dot>_extracted`; with no `fname`, or one
            without a dot, the archive is stored as `<name>_archive` and the folder
            `cache_subdir/<name>` is returned; with `untar`, when the archive's top folder is
            `fname`, that folder is returned (as tf.keras 2 did).
        archive_format: 'auto' (tar then zip), 'tar', 'zip', a list of them, or None.
        cache_dir: the cache root; defaults to `deepfit_home()`, after a look in Keras's
            cache (`$KERAS_HOME`, `~/.keras`) for a copy of the file.
        force_download: download again even when the file is cached.

    Returns:
        The local path (see `extract` and `untar`).

    Raises:
        DownloadError: the download failed; the message names the URL and where to put the
            file by hand.
        ValueError: bad arguments, a hash mismatch after download, or an unsafe archive.

    Example:
        >>> path = get_file("mnist.npz", origin="https://storage.googleapis.com/"  # doctest: +SKIP
        ...                 "tensorflow/tf-keras-datasets/mnist.npz")
    """
    if not origin:
        raise ValueError('get_file: please specify the "origin" argument (the URL of the file)')
    if md5_hash is not None and file_hash is None:
        file_hash, hash_algorithm = md5_hash, "md5"
    datadir = _cache_folder(cache_dir, cache_subdir)
    given = fname
    fname = _file_name(fname, origin)
    layout = archive_layout(datadir, fname, given is not None and os.fspath(given) != "", untar,
                            extract)
    with cache_lock(layout.archive):
        remove_stale_parts(layout.archive)
        found = None if force_download else _in_keras_cache(cache_dir, cache_subdir, layout,
                                                             file_hash, hash_algorithm)
        if found is not None:
            layout = layout._replace(archive=found,
                                     returned=layout.returned if untar or extract else found)
        else:
            _ensure_downloaded(layout.archive, origin, file_hash, hash_algorithm, force_download)
        if untar or extract:
            formats = "tar" if untar else archive_format
            _extract_once(layout, formats)
    return layout.returned


def _cache_folder(cache_dir: str | os.PathLike | None, cache_subdir: str) -> str:
    base = os.path.expanduser(os.fspath(cache_dir)) if cache_dir is not None else deepfit_home()
    try:
        os.makedirs(base, exist_ok=True)
        writable = os.access(base, os.W_OK)
    except OSError:
        writable = False
    if not writable:
        base = os.path.join(tempfile.gettempdir(), ".deepfit")
    datadir = os.path.join(base, os.fspath(cache_subdir))
    os.makedirs(datadir, exist_ok=True)
    return datadir


def _file_name(fname: str | os.PathLike | None, origin: str) -> str:
    if fname:
        name = os.fspath(fname)
        if os.sep in name or (os.altsep and os.altsep in name):
            raise ValueError(
                "get_file: fname must be a file name without a folder; use cache_dir and "
                f"cache_subdir to choose the folder. Received fname={name!r}"
            )
        if name in (os.curdir, os.pardir) or not name.strip("."):
            raise ValueError(f"get_file: fname must name a file, received fname={name!r}")
        return name
    name = os.path.basename(urllib.parse.urlsplit(origin).path)
    if not name or name in (os.curdir, os.pardir):
        raise ValueError(
            f"get_file: can't take a file name from origin={origin!r}; pass the fname argument"
        )
    return name


class Layout(NamedTuple):
    """Where get_file keeps an archive and its contents, and what it returns."""

    archive: str  #: the downloaded file
    returned: str  #: the path get_file returns
    extracted: str  #: the folder the archive is unpacked into ('' when not unpacked)
    alias: str  #: a link to `extracted` named as Keras 3 names its folder ('' if none)


def archive_layout(datadir: str, fname: str, named: bool, untar: bool, extract: bool) -> Layout:
    """Both generations' layouts at once (see `_link_members`).

    Keras 3 unpacks `x.tgz` into `x_extracted/` (or into `fname/` for a name without a dot, or
    for no name into a folder named like the URL's file); tf.keras 2 unpacked next to the
    archive, so `Path(archive).with_suffix('')` or `dirname(archive)/member` found the data.
    deepfit unpacks once into `<stem>_extracted/` and links each top-level member next to the
    archive, so the idioms of both generations' tutorials find their files.
    """
    path = os.path.join(datadir, fname)
    if not (untar or extract):
        return Layout(path, path, "", "")
    stem = fname.split(".", 1)[0] or fname
    extracted = os.path.join(datadir, f"{stem}_extracted")
    if untar and named and "." not in fname:  # tf.keras 2: fname + '.tar.gz', returns fname
        return Layout(path + ".tar.gz", path, extracted, path)
    if named and "." in fname:  # Keras 3 unpacks into, and returns, <stem>_extracted
        return Layout(path, extracted, extracted, "")
    # No dot or no name: Keras 3 keeps `<fname>_archive` and returns the folder `<fname>`.
    return Layout(path + "_archive", path, extracted, path)


def _in_keras_cache(cache_dir: Any, cache_subdir: str, layout: Layout, file_hash: str | None,
                    algorithm: str) -> str | None:
    """A valid copy of the archive in Keras's cache ($KERAS_HOME, ~/.keras), used in place."""
    if cache_dir is not None or os.path.isabs(os.fspath(cache_subdir)):
        return None
    if os.path.exists(layout.archive):
        return None
    name = os.path.basename(layout.archive)
    roots = [os.environ.get("KERAS_HOME"), os.path.join(os.path.expanduser("~"), ".keras")]
    for root in [r for r in roots if r]:
        candidate = os.path.join(os.path.expanduser(root), os.fspath(cache_subdir), name)
        if os.path.isfile(candidate) and (
                file_hash is None or validate_file(candidate, file_hash, algorithm)):
            return candidate
    return None


@contextlib.contextmanager
def cache_lock(path: str) -> Iterator[None]:
    """Hold an exclusive lock on `<path>.lock` (processes sharing a cache take turns)."""
    lock_path = os.path.join(os.path.dirname(path), f".{os.path.basename(path)}.lock")
    with open(lock_path, "a+b") as handle:
        if fcntl is not None:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            if fcntl is not None:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def remove_stale_parts(target: str) -> list[str]:
    """Delete `.part` files a killed download of `target` left (call with the lock held)."""
    directory, prefix = os.path.dirname(target), f".{os.path.basename(target)}."
    removed = []
    for name in os.listdir(directory):
        if name.startswith(prefix) and name.endswith(".part"):
            with contextlib.suppress(OSError):
                os.remove(os.path.join(directory, name))
                removed.append(name)
    return removed


def _ensure_downloaded(
    target: str, origin: str, file_hash: str | None, algorithm: str, force: bool
) -> None:
    mismatch = None
    if os.path.exists(target) and not force:
        if file_hash is None or validate_file(target, file_hash, algorithm):
            return
        mismatch = (
            f"local file was found at {target}, but its {_algorithm_name(algorithm, file_hash)} "
            f"hash does not match the expected {file_hash}"
        )
        print(f"A {mismatch}; downloading it again.")
    print(f"Downloading data from {origin}")
    try:
        download(origin, target, file_hash=file_hash, hash_algorithm=algorithm)
    except DownloadError as err:
        if mismatch is None:
            raise
        raise DownloadError(f"{err} (Also, a {mismatch}.)") from err


def download(
    origin: str,
    target: str,
    file_hash: str | None = None,
    hash_algorithm: str = "auto",
    progress: bool = True,
) -> None:
    """Fetch `origin` into `target` atomically, checking `file_hash` before the final rename.

    Args:
        origin: an http, https or file URL.
        target: the final path; its folder must exist.
        file_hash: the expected sha256 or md5, or None.
        hash_algorithm: 'sha256', 'md5' or 'auto'.
        progress: draw a progress bar on stderr.

    Raises:
        DownloadError: network or HTTP failure, or a transfer shorter than announced.
        ValueError: the downloaded file does not match `file_hash`.
    """
    handle, partial = tempfile.mkstemp(
        prefix=f".{os.path.basename(target)}.", suffix=".part", dir=os.path.dirname(target)
    )
    try:
        with os.fdopen(handle, "wb") as out:
            digest = _stream(origin, target, out, resolve_hasher(hash_algorithm, file_hash),
                             progress)
        if file_hash is not None and digest != str(file_hash).lower():
            raise ValueError(
                f"Incomplete or corrupted file downloaded from {origin}: its "
                f"{_algorithm_name(hash_algorithm, file_hash)} hash is {digest}, expected "
                f"{file_hash}. Nothing was saved."
            )
        os.replace(partial, target)
    except BaseException:
        if os.path.exists(partial):
            os.remove(partial)
        raise


def _stream(origin: str, target: str, out, hasher, progress: bool) -> str:
    def failure(reason: Any) -> DownloadError:
        return DownloadError(
            f"URL fetch failure on {origin}: {reason}. If this machine is offline, download the "
            f"file by other means and place it at {target}"
        )

    received, total = 0, None
    try:
        with urllib.request.urlopen(origin, timeout=DOWNLOAD_TIMEOUT_SECONDS) as response:
            length = response.headers.get("Content-Length")
            total = int(length) if length and length.isdigit() else None
            bar = _ProgressBar(total) if progress else None
            while chunk := response.read(_CHUNK_BYTES):
                out.write(chunk)
                hasher.update(chunk)
                received += len(chunk)
                if bar is not None:
                    bar.update(received)
            if bar is not None:
                bar.finish(received)
    except urllib.error.HTTPError as err:
        raise failure(f"HTTP {err.code} {err.reason}") from err
    except urllib.error.URLError as err:
        raise failure(err.reason) from err
    except (OSError, ValueError, http.client.HTTPException) as err:
        # ValueError: malformed URL; OSError: resets and timeouts; HTTPException: truncation.
        raise failure(f"{type(err).__name__}: {err}") from err
    if total is not None and received != total:
        raise failure(f"the connection closed after {received} of {total} bytes")
    return hasher.hexdigest()


class _ProgressBar:
    """A one-line download progress bar on stderr, redrawn at most ten times a second."""

    def __init__(self, total: int | None, width: int = 30):
        self.total = total
        self.width = width
        self.last_draw = 0.0

    def update(self, received: int) -> None:
        now = time.monotonic()
        if now - self.last_draw >= 0.1:
            self.last_draw = now
            self._draw(received)

    def finish(self, received: int) -> None:
        self._draw(received)
        sys.stderr.write("\n")
        sys.stderr.flush()

    def _draw(self, received: int) -> None:
        megabytes = received / 1e6
        if self.total:
            done = min(1.0, received / self.total)
            filled = int(done * self.width)
            bar = "=" * filled + (">" if filled < self.width else "") + "." * (
                self.width - filled - 1
            )
            line = f"{megabytes:.1f}/{self.total / 1e6:.1f} MB [{bar}] {done:4.0%}"
        else:
            line = f"{megabytes:.1f} MB"
        sys.stderr.write("\r" + line)
        sys.stderr.flush()


def resolve_hasher(algorithm: str, file_hash: str | None = None):
    """The hashlib object for 'sha256', 'md5' or 'auto' (sha256 for a 64-character hash)."""
    if algorithm == "sha256":
        return hashlib.sha256()
    if algorithm == "auto" and (file_hash is None or len(str(file_hash)) == 64):
        return hashlib.sha256()
    if algorithm in ("md5", "auto"):
        return hashlib.md5()
    raise ValueError(
        f"hash_algorithm must be 'auto', 'sha256' or 'md5', received {algorithm!r}"
    )


def _algorithm_name(algorithm: str, file_hash: str | None) -> str:
    return resolve_hasher(algorithm, file_hash).name


def hash_file(fpath: str | os.PathLike, algorithm: Any = "sha256", chunk_size: int = 65535) -> str:
    """The hex digest of a file.

    Args:
        fpath: the file.
        algorithm: 'sha256', 'md5', 'auto', or a hashlib object.
        chunk_size: bytes read at a time.

    Returns:
        The hex digest string.

    Example:
        >>> hash_file("/dev/null")
        'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'
    """
    hasher = resolve_hasher(algorithm) if isinstance(algorithm, str) else algorithm
    with open(fpath, "rb") as handle:
        for chunk in iter(lambda: handle.read(chunk_size), b""):
            hasher.update(chunk)
    return hasher.hexdigest()


def validate_file(
    fpath: str | os.PathLike, file_hash: str, algorithm: str = "auto", chunk_size: int = 65535
) -> bool:
    """Whether the file's sha256 or md5 equals `file_hash` (case-insensitive hex)."""
    hasher = resolve_hasher(algorithm, file_hash)
    return hash_file(fpath, hasher, chunk_size) == str(file_hash).lower()


# ----- archives --------------------------------------------------------------------------------


def _extract_once(layout: Layout, archive_format: Any) -> None:
    """Unpack unless a marker shows this exact archive was already unpacked; then (re)make the
    links of both generations' layouts."""
    archive, extracted = layout.archive, layout.extracted
    datadir = os.path.dirname(extracted)
    marker = os.path.join(datadir, f".{os.path.basename(extracted)}.done")
    state = os.stat(archive)
    signature = {"size": state.st_size, "mtime_ns": state.st_mtime_ns}
    previous = _read_marker(marker)
    members = previous.get("members", []) if previous else []
    if not (previous and previous.get("archive") == signature and all(
            os.path.lexists(os.path.join(extracted, name)) for name in members)):
        os.makedirs(extracted, exist_ok=True)
        try:
            members = _extract(archive, extracted, archive_format)
        finally:
            with contextlib.suppress(OSError):
                os.rmdir(extracted)  # only if nothing was unpacked
        if members is None:
            warnings.warn(f"Could not extract archive {archive}: not a tar or zip file",
                          stacklevel=3)
            return
        with open(marker, "w") as handle:
            json.dump({"archive": signature, "members": members}, handle)
    _link_members(datadir, extracted, members, layout.alias)


def _link_members(datadir: str, extracted: str, members: list[str], alias: str) -> None:
    """tf.keras 2's layout as links: each top-level member next to the archive; and the folder
    Keras 3 returns (`alias`), unless a member of that name already stands there."""
    folder = os.path.basename(extracted)
    for name in members:
        _link(os.path.join(datadir, name), os.path.join(folder, name))
    if alias and not os.path.lexists(alias):
        _link(alias, folder)


def _link(path: str, relative_target: str) -> None:
    if os.path.lexists(path):
        return  # ours from an earlier call, or the user's: never replaced
    try:
        os.symlink(relative_target, path, target_is_directory=True)
    except OSError:  # no symlinks (some Windows setups): a copy
        source = os.path.join(os.path.dirname(path), relative_target)
        if os.path.isdir(source):
            shutil.copytree(source, path)
        elif os.path.exists(source):
            shutil.copy2(source, path)


def _read_marker(marker: str) -> dict | None:
    try:
        with open(marker) as handle:
            return json.load(handle)
    except (OSError, ValueError):
        return None


def extract_archive(
    file_path: str | os.PathLike, path: str | os.PathLike = ".", archive_format: Any = "auto"
) -> bool:
    """Safely unpack a tar (.tar, .tar.gz, .tgz, .tar.bz2) or zip archive into `path`.

    Every member is checked before anything is written: absolute names, names leaving `path`
    (`..`), links whose target is outside `path` and device files raise a ValueError.
    Members are unpacked into a temporary folder inside `path`, then moved into place.

    Args:
        file_path: the archive.
        path: the destination folder (created if needed).
        archive_format: 'auto' (tar, then zip), 'tar', 'zip', a list of them, or None.

    Returns:
        True if the file was an archive of an accepted format and was unpacked.
    """
    os.makedirs(path, exist_ok=True)
    return _extract(os.fspath(file_path), os.fspath(path), archive_format) is not None


def _extract(archive: str, destination: str, archive_format: Any) -> list[str] | None:
    """Unpack and return the top-level names written, or None if not an accepted archive."""
    for kind in _formats(archive_format):
        if kind == "tar" and tarfile.is_tarfile(archive):
            return _extract_tar(archive, destination)
        if kind == "zip" and zipfile.is_zipfile(archive):
            return _extract_zip(archive, destination)
    return None


def _extract_tar(archive: str, destination: str) -> list[str]:
    with tarfile.open(archive) as opened:
        members = opened.getmembers()
        _check_tar_members(archive, members)

        def write(staging: str) -> None:
            if not hasattr(tarfile, "data_filter"):  # Python without extraction filters
                opened.extractall(staging, members=members)
                return
            try:
                opened.extractall(staging, members=members, filter="data")
            except tarfile.FilterError as err:
                raise ValueError(f"Refusing to extract {archive}: {err}") from err

        return _unpack_staged(archive, destination, write)


def _extract_zip(archive: str, destination: str) -> list[str]:
    with zipfile.ZipFile(archive) as opened:
        for name in opened.namelist():
            _check_member_path(archive, name)
        return _unpack_staged(archive, destination, opened.extractall)


def _formats(archive_format: Any) -> list[str]:
    if archive_format is None:
        return []
    if archive_format == "auto":
        return ["tar", "zip"]
    formats = [archive_format] if isinstance(archive_format, str) else list(archive_format)
    for kind in formats:
        if kind not in ("tar", "zip"):
            raise ValueError(
                f"archive_format must be 'auto', 'tar', 'zip', a list of them or None, "
                f"received {archive_format!r}"
            )
    return formats


def _unpack_staged(archive: str, destination: str, extract_into) -> list[str]:
    staging = tempfile.mkdtemp(prefix=".extracting-", dir=destination)
    try:
        extract_into(staging)
        names = sorted(os.listdir(staging))
        for name in names:
            final = os.path.join(destination, name)
            if os.path.abspath(final) == os.path.abspath(archive):
                raise ValueError(
                    f"Refusing to extract {archive}: member {name!r} would overwrite the archive"
                )
        for name in names:
            final = os.path.join(destination, name)
            _remove(final)
            os.replace(os.path.join(staging, name), final)
        return names
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _remove(path: str) -> None:
    if os.path.islink(path) or os.path.isfile(path):
        os.remove(path)
    elif os.path.isdir(path):
        shutil.rmtree(path)


def _check_member_path(archive: str, name: str) -> str:
    """The member's normalized path inside the destination, or a ValueError."""
    unified = name.replace("\\", "/")
    if unified.startswith("/") or (len(unified) > 1 and unified[1] == ":"):
        raise ValueError(
            f"Refusing to extract {archive}: member {name!r} has an absolute path"
        )
    normalized = posixpath.normpath(unified)
    if normalized == ".." or normalized.startswith("../"):
        raise ValueError(
            f"Refusing to extract {archive}: member {name!r} would be written outside the "
            f"destination folder"
        )
    return normalized


def _check_tar_members(archive: str, members: list[tarfile.TarInfo]) -> None:
    links = {posixpath.normpath(m.name.replace("\\", "/")) for m in members if m.issym()}
    for member in members:
        location = _check_tar_member(archive, member)
        parent = posixpath.dirname(location)
        while parent:
            if parent in links:
                raise ValueError(
                    f"Refusing to extract {archive}: member {member.name!r} is written through "
                    f"the symbolic link {parent!r}"
                )
            parent = posixpath.dirname(parent)


def _check_tar_member(archive: str, member: tarfile.TarInfo) -> str:
    location = _check_member_path(archive, member.name)
    if member.ischr() or member.isblk() or member.isfifo():
        raise ValueError(f"Refusing to extract {archive}: member {member.name!r} is a device file")
    if member.issym() or member.islnk():
        link = member.linkname.replace("\\", "/")
        # Symbolic links resolve from the link's folder, hard links from the archive root.
        start = posixpath.dirname(location) if member.issym() else ""
        target = posixpath.normpath(posixpath.join(start, link))
        if link.startswith("/") or target == ".." or target.startswith("../"):
            raise ValueError(
                f"Refusing to extract {archive}: link {member.name!r} -> {member.linkname!r} "
                f"points outside the destination folder"
            )
    if member.mode & (stat.S_ISUID | stat.S_ISGID) and not member.isdir():
        member.mode &= ~(stat.S_ISUID | stat.S_ISGID)
    return location
