"""Finding inputs (files, directories, zip archives, stdin) and opening them: gzip, bzip2 and
zstd transparently (by magic bytes, whatever the name), the files inside a zip archive as if it
were a directory, files that are mostly not text refused, the head kept for format detection.

zstd needs Python 3.14's ``compression.zstd`` or the optional ``zstandard`` package
(``pip install 'lamlife[zstd]'``); without either a .zst input is one clear error."""

from __future__ import annotations

import bz2
import errno
import gzip
import io
import os
import sys
import zipfile
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, Any, cast

from lamlife.lifecycle.errors import InputError
from lamlife.lifecycle.read.clean import mostly_not_text
from lamlife.lifecycle.read.context import Source

HEAD_BYTES = 64 * 1024
_GZIP = b"\x1f\x8b"
_BZIP2 = b"BZh"
_ZSTD = b"\x28\xb5\x2f\xfd"
_ZIP = (b"PK\x03\x04", b"PK\x05\x06")


# ------------------------------------------------------------------------- discovery


def discover(paths: Sequence[str | Source]) -> list[Source]:
    """Expand files, directories (recursively) and ``-`` into sources, in a stable order;
    a Source given as such (an S3 object) is kept."""
    if not paths:
        raise InputError("no input given: pass log files, directories or - for stdin")
    sources: list[Source] = []
    for raw in paths:
        if isinstance(raw, Source):
            sources.append(raw)
            continue
        if raw.startswith("s3://"):
            raise InputError(f"{raw}: s3:// inputs are read through lamlife analyze")
        if raw == "-":
            sources.append(Source("<stdin>", None))
            continue
        path = Path(raw)
        if not path.exists():
            raise InputError(f"{raw}: {_missing_why(path)}")
        if path.is_dir():
            found = sorted(
                p for p in path.rglob("*")
                if p.is_file() and not any(part.startswith(".") for part in
                                           p.relative_to(path).parts)
                and p.name != "aws-logs-write-test"
            )
            if not found:
                raise InputError(f"{raw}: directory has no files to read")
            for p in found:
                sources.extend(_expand(Source(str(p), p, in_directory=True)))
        elif path.is_file():
            sources.extend(_expand(Source(raw, path)))
        else:
            raise InputError(f"{raw}: not a regular file or directory")
    return sources


def _expand(source: Source) -> list[Source]:
    """A zip archive becomes its member files (read like a directory); any other file itself."""
    assert source.path is not None
    try:
        with open(source.path, "rb") as f:
            magic = f.read(4)
    except OSError as exc:
        raise InputError(f"{source.name}: cannot open ({exc.strerror or exc})") from exc
    if magic not in _ZIP:
        return [source]
    try:
        with zipfile.ZipFile(source.path) as archive:
            members = sorted(
                info.filename for info in archive.infolist()
                if not info.is_dir() and not any(
                    part.startswith(".") or part == "__MACOSX"
                    for part in info.filename.split("/"))
            )
    except (zipfile.BadZipFile, OSError) as exc:
        raise InputError(f"{source.name}: cannot read the zip archive ({exc})") from exc
    if not members:
        raise InputError(f"{source.name}: zip archive has no files to read")
    return [Source(f"{source.name}/{m}", source.path, in_directory=True, member=m)
            for m in members]


def _missing_why(path: Path) -> str:
    """Why an input path that does not exist cannot be read: a symbolic link loop, a link to
    nothing, or no such file."""
    if path.is_symlink() or any(p.is_symlink() for p in path.parents):
        try:
            path.resolve(strict=True)
        except RuntimeError:
            return "symbolic link loop"
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                return "symbolic link loop"
            if path.is_symlink():
                return f"symbolic link to {os.readlink(path)}, which does not exist"
    return "no such file or directory"


# ------------------------------------------------------------------------- opening


class _Prefixed(io.RawIOBase):
    """A raw stream that replays ``head`` before the rest of ``stream``."""

    def __init__(self, head: bytes, stream: IO[bytes]) -> None:
        self._head = head
        self._stream = stream

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer)
        if self._head:
            n = min(len(view), len(self._head))
            view[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        return _read_into(self._stream, view)


class _Layered(io.BufferedReader):
    """A buffered reader that also closes the streams below the one it reads (a decompressor
    does not close the file it was given; a zip member does not close its archive)."""

    def __init__(self, raw: Any, below: Sequence[Any]) -> None:
        super().__init__(raw, buffer_size=1 << 20)
        self._below = list(below)

    def close(self) -> None:
        try:
            super().close()
        finally:
            for stream in self._below:
                stream.close()


class _Counting(io.RawIOBase):
    """Counts compressed/raw bytes read, for progress."""

    def __init__(self, stream: IO[bytes], on_bytes: Callable[[int], None] | None) -> None:
        self._stream = stream
        self._on_bytes = on_bytes

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        """Close the stream below too (never standard input: it is not ours)."""
        if not self.closed and self._stream is not sys.stdin.buffer:
            self._stream.close()
        super().close()

    def readinto(self, buffer: Any) -> int:
        n = _read_into(self._stream, memoryview(buffer))
        if self._on_bytes is not None and n:
            self._on_bytes(n)
        return n


def _read_into(stream: IO[bytes], view: memoryview) -> int:
    """Fill ``view`` from ``stream`` without an intermediate bytes object where it can."""
    readinto = getattr(stream, "readinto", None)
    if readinto is not None:
        n = readinto(view)
        return n or 0
    data = stream.read(len(view))
    view[: len(data)] = data
    return len(data)


def open_binary(source: Source, on_bytes: Callable[[int], None] | None) -> IO[bytes]:
    """The decompressed bytes of a source (gzip, bzip2, zstd by magic bytes; zip members)."""
    archive: zipfile.ZipFile | None = None
    try:
        raw: IO[bytes]
        if source.opener is not None:  # an S3 object (lifecycle/aws/s3.py)
            raw = source.opener()
        elif source.path is None:
            raw = sys.stdin.buffer
        elif source.member:
            archive = zipfile.ZipFile(source.path)  # noqa: SIM115 (closed with the stream)
            raw = archive.open(source.member)
        else:
            raw = open(source.path, "rb")  # noqa: SIM115
    except (OSError, zipfile.BadZipFile) as exc:
        raise InputError(f"{source.name}: cannot open ({getattr(exc, 'strerror', None) or exc})"
                         ) from exc
    archives = [archive] if archive is not None else []
    counted = _Layered(_Counting(raw, on_bytes), archives)
    magic = counted.peek(4)[:4]
    if magic.startswith(_GZIP):
        return _Layered(gzip.GzipFile(fileobj=counted, mode="rb"), [counted])
    if magic.startswith(_BZIP2):
        return _Layered(bz2.BZ2File(counted, mode="rb"), [counted])
    if magic == _ZSTD:
        return _Layered(_zstd_reader(source, counted), [counted])
    if magic in _ZIP:  # only standard input gets here: files are expanded by ``discover``
        counted.close()
        raise InputError(f"{source.name}: a zip archive on standard input; pass it as a file "
                         "path (its files are read like a directory)")
    return counted


def _zstd_reader(source: Source, stream: IO[bytes]) -> Any:
    """A zstd decompressing reader: Python 3.14's compression.zstd, else ``zstandard``."""
    try:
        from compression import zstd  # Python 3.14+
    except ImportError:
        pass
    else:
        return zstd.ZstdFile(stream, mode="rb")
    try:
        import zstandard
    except ImportError:
        raise InputError(
            f"{source.name}: zstd-compressed; reading it needs Python 3.14+ or the zstandard "
            "package (pip install 'lamlife[zstd]'), or decompress it first (zstd -d)") from None
    return zstandard.ZstdDecompressor().stream_reader(stream, read_across_frames=True)


UTF8_BOM = b"\xef\xbb\xbf"


def read_head(source: Source, stream: IO[bytes]) -> bytes:
    """The first bytes of the input, without the UTF-8 byte order mark some editors and
    Windows tools write at its start: format detection and the readers (``text_stream``
    goes on from the head) never see it, so the first event is read as an event."""
    try:
        head = stream.read(HEAD_BYTES)
    except DECOMPRESS_ERRORS as exc:
        raise InputError(f"{source.name}: cannot decompress ({gzip_problem(exc, stream)})"
                         ) from exc
    return head[len(UTF8_BOM):] if head.startswith(UTF8_BOM) else head


def gzip_problem(exc: BaseException, stream: object = None) -> str:
    """What went wrong while decompressing, in a few words (``stream``: what was read)."""
    if isinstance(exc, EOFError):
        return f"truncated {compression_of(stream)} file"
    return str(exc) or type(exc).__name__


def compression_of(stream: object) -> str:
    """gzip, bzip2 or zstd: the compression under a stream ``open_binary`` returned."""
    raw = getattr(stream, "raw", None)
    if isinstance(raw, gzip.GzipFile):
        return "gzip"
    if isinstance(raw, bz2.BZ2File):
        return "bzip2"
    return "zstd" if raw is not None and not isinstance(raw, _Counting) else "compressed"


TEXT_ERRORS = "replace"  # what text_stream does with bytes that are not UTF-8


def text_stream(head: bytes, stream: IO[bytes], newline: str | None) -> io.TextIOWrapper:
    """The input as text, from its ``read_head`` on: UTF-8, bytes that are not UTF-8 replaced
    by U+FFFD, ``newline`` as ``io.TextIOWrapper`` takes it. ``binary_under`` gives the same
    bytes to the byte readers."""
    return io.TextIOWrapper(io.BufferedReader(_Prefixed(head, stream), buffer_size=1 << 20),
                            encoding="utf-8", errors=TEXT_ERRORS, newline=newline)


def binary_under(text: io.TextIOBase) -> IO[bytes] | None:
    """The byte stream under a ``text_stream`` nothing was read from yet, for readers that
    read UTF-8 bytes themselves and decode only what they must (as ``text_stream`` decodes:
    UTF-8, errors="replace"; the readers that call it are given ``newline="\\n"``, no
    translation); None for any other text stream (a cleaned one, say), which the reader
    reads as text."""
    if (type(text) is not io.TextIOWrapper or text.encoding != "utf-8"
            or text.errors != TEXT_ERRORS):
        return None
    return cast(IO[bytes], text.buffer)


def looks_binary(head: bytes) -> bool:
    """True when the head is mostly not text (see ``clean.mostly_not_text``)."""
    return mostly_not_text(head)


def _zstd_errors() -> tuple[type[BaseException], ...]:
    try:
        import zstandard
    except ImportError:
        return ()
    return (zstandard.ZstdError,)


# errors a decompressing stream raises on damaged input (OSError: bzip2's "Invalid data stream")
STREAM_ERRORS: tuple[type[BaseException], ...] = (
    EOFError, zlib.error, gzip.BadGzipFile, zipfile.BadZipFile, *_zstd_errors())
DECOMPRESS_ERRORS: tuple[type[BaseException], ...] = (*STREAM_ERRORS, OSError)
