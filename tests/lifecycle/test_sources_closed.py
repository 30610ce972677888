"""Closing what open_binary returns closes every stream below it: the file (or S3 body) under a
decompressor and the zip archive under a member (no file left for the garbage collector)."""

from __future__ import annotations

import bz2
import gzip
import io
import zipfile
from pathlib import Path, PurePath

import pytest

from lamlife.lifecycle.read.context import Source
from lamlife.lifecycle.read.sources import open_binary

TEXT = b"2026-03-01T10:00:00.000000+00:00 s START RequestId: r1 Version: $LATEST\n"


@pytest.mark.parametrize("pack", [lambda b: b, gzip.compress, bz2.compress],
                         ids=["plain", "gzip", "bzip2"])
def test_closing_closes_the_stream_below(pack: object) -> None:
    body = io.BytesIO(pack(TEXT))  # type: ignore[operator]
    stream = open_binary(Source("s3://b/k", PurePath("b/k"), opener=lambda: body), None)
    assert stream.read() == TEXT
    stream.close()
    assert body.closed


def test_closing_a_zip_member_closes_its_archive(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "logs.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("orders.log", TEXT)
    opened: list[zipfile.ZipFile] = []
    real = zipfile.ZipFile

    def recording(*args: object, **kwargs: object) -> zipfile.ZipFile:
        archive = real(*args, **kwargs)  # type: ignore[arg-type]
        opened.append(archive)
        return archive

    monkeypatch.setattr(zipfile, "ZipFile", recording)
    stream = open_binary(Source("logs.zip:orders.log", path, member="orders.log"), None)
    assert stream.read() == TEXT
    stream.close()
    assert len(opened) == 1 and opened[0].fp is None  # ZipFile.close() drops its file
