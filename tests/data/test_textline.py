"""`tf.data.TextLineDataset`: lines of text files, TensorFlow's line rules."""

import gzip
import zlib

import pytest

from deepfit.data.textline import TextLineDataset


def _elements(ds):
    return [str(x) for x in ds]


def test_lines_without_endings_in_file_order(tmp_path):
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    # The basics tutorial's file: a last line of spaces without a final newline.
    a.write_text("Line 1\nLine 2\nLine 3\n  ")
    b.write_bytes(b"x\r\ny\n\nz\n")
    assert _elements(TextLineDataset(str(a))) == ["Line 1", "Line 2", "Line 3", "  "]
    assert _elements(TextLineDataset([a, b])) == ["Line 1", "Line 2", "Line 3", "  ",
                                                  "x", "y", "", "z"]
    batches = [b.tolist() for b in TextLineDataset(str(a)).batch(2)]
    assert batches == [["Line 1", "Line 2"], ["Line 3", "  "]]


def test_compressed_files(tmp_path):
    g, z = tmp_path / "g.gz", tmp_path / "z.zz"
    g.write_bytes(gzip.compress(b"one\ntwo\n"))
    z.write_bytes(zlib.compress(b"three\n"))
    assert _elements(TextLineDataset(str(g), compression_type="GZIP")) == ["one", "two"]
    assert _elements(TextLineDataset(str(z), compression_type="ZLIB")) == ["three"]


def test_empty_file_and_bad_input(tmp_path):
    empty = tmp_path / "e.txt"
    empty.write_text("")
    assert _elements(TextLineDataset(str(empty))) == []
    with pytest.raises(FileNotFoundError, match="TextLineDataset: filenames: no such file"):
        TextLineDataset(str(tmp_path / "missing.txt"))
    with pytest.raises(ValueError, match="compression_type must be"):
        TextLineDataset(str(empty), compression_type="BZ2")
