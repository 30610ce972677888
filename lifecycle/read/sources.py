"""Finding inputs (files, directories, zip archives, stdin) and opening them: gzip, bzip2 and
zstd transparently (by magic bytes, whatever the name), the files inside a zip archive as if it
were a directory, files that are mostly not text refused, the head kept for format detection.

zstd needs Python 3.14's ``compression.zstd`` or the optional ``zstandard`` package
(``pip install 'lamlife[zstd]'``); without either a .zst input is one clear error."""

from __future__ import annotations

import bz2
import codecs
import errno
import gzip
import io
import os
import re
import sys
import zipfile
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, Any, cast

import numpy as np

from lamlife.lifecycle.errors import InputError
from lamlife.lifecycle.read import compiled
from lamlife.lifecycle.read.clean import mostly_not_text
from lamlife.lifecycle.read.compiled import tailscan
from lamlife.lifecycle.read.context import Source

HEAD_BYTES = 64 * 1024
UTF8_BOM = b"\xef\xbb\xbf"
_GZIP = b"\x1f\x8b"
_BZIP2 = b"BZh"
_ZSTD = b"\x28\xb5\x2f\xfd"
_ZIP = (b"PK\x03\x04", b"PK\x05\x06")


# ------------------------------------------------------------------------- discovery


def discover(paths: Sequence[str | Source], skipped: list[str] | None = None
             ) -> list[Source]:
    """Expand files, directories (recursively) and ``-`` into sources, in a stable order;
    a Source given as such (an S3 object) is kept. Entries of a directory that cannot be
    read as files, symbolic links to nothing (or in a loop), are left out, one line each
    added to ``skipped`` (the reader's warnings) saying why."""
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
            found, dangling = [], []
            for p in sorted(path.rglob("*")):
                if any(part.startswith(".") for part in p.relative_to(path).parts) \
                        or p.name == "aws-logs-write-test":
                    continue
                if p.is_file():
                    found.append(p)
                elif p.is_symlink() and not p.exists():  # a link to nothing, or a loop
                    dangling.append(f"{p}: skipped, {_missing_why(p)}")
            if skipped is not None:
                skipped.extend(dangling)
            if not found:
                why = f" ({dangling[0]})" if dangling else ""
                raise InputError(f"{raw}: directory has no files to read{why}")
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
    """A raw stream that replays ``head`` (``read_head``'s) before the rest of ``stream``,
    without the UTF-8 byte order marks that start a line after it: files joined with ``cat``,
    each saved with a mark, carry one at the start of every file but the first, and a mark
    before an event would make it unreadable (the event joined to the one above, or an
    ignored JSON line). Only the marks are dropped, so line numbers do not change."""

    def __init__(self, head: bytes, stream: IO[bytes]) -> None:
        self._head = head
        self._stream = cast(IO[bytes], _Utf16Watch(stream, len(head)))
        # the next byte of ``stream`` starts a line (read_head dropped the head's marks)
        self._line_start = not head or head.endswith(b"\n")
        self._carry = b""  # the start of a possible mark, held back until the next read
        self._ready = b""  # read and cleaned, not yet given

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer)
        if self._head:
            n = min(len(view), len(self._head))
            view[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        if not self._ready and not self._carry:
            n = _read_into(self._stream, view)
            if n == 0:
                return 0
            if _mark_start(view, n, self._line_start) < 0:  # nearly always: no mark
                self._line_start = view[n - 1] == 0x0A
                return n
            self._ready, self._carry, self._line_start = drop_line_start_marks(
                bytes(view[:n]), self._line_start)
        while not self._ready:  # a read that held only marks gives nothing: read on
            if not self._fill(max(len(view), 1 << 16)):
                return 0
        n = min(len(view), len(self._ready))
        view[:n] = self._ready[:n]
        self._ready = self._ready[n:]
        return n

    def _fill(self, size: int) -> bool:
        """Read up to ``size`` more bytes of ``stream`` after a held-back start of a mark
        into ``_ready``, line-start marks dropped; False at the end."""
        data = self._stream.read(size)
        if not data:  # the end: a held-back start of a mark was not one
            self._ready, self._carry = self._carry, b""
            return bool(self._ready)
        self._ready, self._carry, self._line_start = drop_line_start_marks(
            self._carry + data, self._line_start)
        return True


class Utf16Inside(InputError):
    """UTF-16 text found past the head (``_Utf16Watch``): ``offset`` is where it starts in
    the (decompressed) input; the reader names the input and says how to convert it."""

    def __init__(self, offset: int) -> None:
        super().__init__(f"UTF-16 text near byte {offset}")
        self.offset = offset


_RUN_CONTEXT = 64  # bytes of the block before kept to find a UTF-16 run cut by a block's end


class _Utf16Watch:
    """The bytes of ``stream`` after the head (at ``offset``), as they are, raising
    ``Utf16Inside`` where UTF-16 text starts among them (``utf16_inside``): a UTF-16 file
    joined after more than the head of UTF-8 text, which the head's check cannot see. A
    block without a NUL byte (UTF-8 text never has one; counted without a copy) costs one
    pass of ``count_nonzero``."""

    def __init__(self, stream: IO[bytes], offset: int) -> None:
        self._stream = stream
        self._offset = offset
        self._before = b""  # the last bytes of the block before

    def readinto(self, view: memoryview) -> int:
        n = _read_into(self._stream, view)
        self._check(view, n)
        return n

    def read(self, size: int = -1) -> bytes:
        data = self._stream.read(size)
        self._check(data, len(data))
        return data

    def _check(self, data: bytes | memoryview, n: int) -> None:
        if not n:
            return
        if int(np.count_nonzero(np.frombuffer(data, dtype=np.uint8, count=n))) != n:
            window = self._before + bytes(data[:n])
            at = utf16_inside(window)
            if at is not None:
                raise Utf16Inside(self._offset - len(self._before) + at)
        self._before = bytes(data[max(0, n - _RUN_CONTEXT):n])
        self._offset += n


def _mark_start(view: memoryview, end: int, line_start: bool) -> int:
    """The first position in ``view[:end]`` of a 0xEF byte (a mark's first) that starts a
    line (position 0 when ``line_start``), -1 when none: the compiled scanner's memchr loop
    (no copy, so text full of other 0xEF characters costs nothing) when it is built and not
    switched off, else a search of a copy."""
    if compiled.compiled_enabled() and hasattr(tailscan, "find_line_start"):
        return int(tailscan.find_line_start(view, UTF8_BOM[0], end, line_start))
    return _next_mark_start(bytes(view[:end]), 0, line_start)


def _next_mark_start(data: bytes, start: int, line_start: bool) -> int:
    """The first position from ``start`` of a 0xEF byte that starts a line (``line_start``:
    position 0 does), -1 when none."""
    if start == 0 and line_start and data[:1] == UTF8_BOM[:1]:
        return 0
    found = data.find(b"\n" + UTF8_BOM[:1], max(start - 1, 0))
    return found + 1 if found >= 0 else -1


def drop_line_start_marks(data: bytes, line_start: bool) -> tuple[bytes, bytes, bool]:
    """``data`` without the UTF-8 byte order marks that start a line (a run of them too;
    ``line_start``: the first byte of ``data`` starts a line). Returns (what is kept, the tail
    held back because it may be a mark cut short by the end of ``data``, to go before the
    next bytes, and whether the byte after ``data`` starts a line)."""
    pieces: list[bytes] = []
    at = 0  # the start of what is not yet kept; after a dropped mark, a line start
    pos = _next_mark_start(data, 0, line_start)
    while pos >= 0:
        if data.startswith(UTF8_BOM, pos):
            pieces.append(data[at:pos])
            at = pos + len(UTF8_BOM)
            # a run of marks: the byte after a dropped one starts the line as well
            pos = at if data[at:at + 1] == UTF8_BOM[:1] else _next_mark_start(data, at, False)
            continue
        if UTF8_BOM.startswith(data[pos:]):  # cut short: held back, at a line start
            pieces.append(data[at:pos])
            return b"".join(pieces), data[pos:], True
        pos = _next_mark_start(data, pos + 1, False)
    pieces.append(data[at:])
    ends_a_line = data.endswith(b"\n") or (at == len(data) and (at > 0 or line_start))
    return b"".join(pieces), b"", ends_a_line


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
        return _as_utf8(_Layered(gzip.GzipFile(fileobj=counted, mode="rb"), [counted]))
    if magic.startswith(_BZIP2):
        return _as_utf8(_Layered(bz2.BZ2File(counted, mode="rb"), [counted]))
    if magic == _ZSTD:
        return _as_utf8(_Layered(_zstd_reader(source, counted), [counted]))
    if magic in _ZIP:  # only standard input gets here: files are expanded by ``discover``
        counted.close()
        raise InputError(f"{source.name}: a zip archive on standard input; pass it as a file "
                         "path (its files are read like a directory)")
    return _as_utf8(counted)


_UTF16_MARKS = (b"\xff\xfe", b"\xfe\xff")  # UTF-16 little- and big-endian byte order marks


def _as_utf8(stream: _Layered) -> IO[bytes]:
    """``stream``, or its text as UTF-8 when it is UTF-16 text: with a byte order mark (what
    Windows PowerShell 5.1's ``>`` and ``Out-File`` write: ``aws logs tail ... > x.log``), or
    without one when every other byte of its head is NUL (``utf16_order``). Bytes after a
    UTF-16 mark that are not UTF-16 text (``utf16_text``) are left as they are: the binary
    check judges them."""
    try:
        head = stream.peek(HEAD_BYTES)[:HEAD_BYTES]
    except DECOMPRESS_ERRORS:
        return stream  # read_head reports it
    mark = head[:2]
    if mark in _UTF16_MARKS:
        marked = "utf-16-le" if mark == b"\xff\xfe" else "utf-16-be"
        if not utf16_text(head[2:], marked):
            return stream
        return _Layered(_Utf16AsUtf8(stream, "utf-16"), [stream])
    order = utf16_order(head)
    if order is None:
        return stream
    return _Layered(_Utf16AsUtf8(stream, order), [stream])


def utf16_order(head: bytes) -> str | None:
    """``"utf-16-le"`` or ``"utf-16-be"`` when ``head`` is UTF-16 text without a byte order
    mark: the high byte of (nearly) every code unit is NUL, as in UTF-16 text that is mostly
    ASCII (a log's times, streams and platform lines are), and never the low byte, and the
    text decoded is text (``utf16_text``); None for anything else (UTF-8 text has no NUL)."""
    n = len(head) & ~1
    if n < 16:
        return None
    pairs = n // 2
    low_nul = head[0:n:2].count(0)
    high_nul = head[1:n:2].count(0)
    for order, ascii_nul, other_nul in (("utf-16-le", high_nul, low_nul),
                                        ("utf-16-be", low_nul, high_nul)):
        if ascii_nul >= 0.9 * pairs and other_nul <= 0.01 * pairs \
                and utf16_text(head[:n], order):
            return order
    return None


def utf16_text(data: bytes, encoding: str) -> bool:
    """Does ``data`` decode as ``encoding`` (a UTF-16) to text, at least half of it ASCII and
    under 30 % control characters? (Random bytes decode to code points all over the range.)"""
    text = data[: len(data) & ~1].decode(encoding, errors="replace")
    if not text:
        return True
    ascii_chars = len(text.encode("ascii", errors="ignore"))
    controls = sum(text.count(chr(c)) for c in range(32) if chr(c) not in "\t\n\r")
    return ascii_chars >= 0.5 * len(text) and controls < 0.3 * len(text)


# UTF-16 text (of ASCII characters) among other bytes: 16 code units in a row with one NUL byte
_UTF16_RUN = re.compile(rb"(?:[\t\n\r\x20-\x7e]\x00){16,}|(?:\x00[\t\n\r\x20-\x7e]){16,}")


def utf16_inside(head: bytes) -> int | None:
    """The offset of UTF-16 text inside a head that is not UTF-16 as a whole (UTF-8 text
    joined to a UTF-16 file, or a UTF-16 file saved without a byte order mark that
    ``utf16_order`` could not tell), None when there is none, or when the bytes around the
    UTF-16 text are mostly not text (``looks_binary``): an executable or a database holds
    UTF-16 strings too, and is a binary file, not a file to convert."""
    if 0 not in head:
        return None
    found = _UTF16_RUN.search(head)
    if found is None or looks_binary(_UTF16_RUN.sub(b"", head)):
        return None
    start = found.start()
    return start - 2 if head[max(start - 2, 0):start] in _UTF16_MARKS else start


class _Utf16AsUtf8(io.RawIOBase):
    """UTF-16 text as UTF-8 bytes (``encoding``: ``utf-16`` where a byte order mark says the
    order, else ``utf-16-le`` or ``utf-16-be``); a lone surrogate becomes U+FFFD, as bytes
    that are not UTF-8 do in UTF-8 input."""

    def __init__(self, stream: IO[bytes], encoding: str = "utf-16") -> None:
        self.stream = stream
        self._decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
        self._ready = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer)
        while not self._ready:
            raw = self.stream.read(1 << 16)
            self._ready = self._decoder.decode(raw, final=not raw).encode("utf-8")
            if not raw and not self._ready:
                return 0
        n = min(len(view), len(self._ready))
        view[:n] = self._ready[:n]
        self._ready = self._ready[n:]
        return n


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


def read_head(source: Source, stream: IO[bytes]) -> bytes:
    """The first bytes of the input, without the UTF-8 byte order marks some editors and
    Windows tools write at the start of a file, here or at the start of a later line (files
    joined with ``cat``): format detection and the readers (``text_stream`` goes on from the
    head, dropping later marks the same way) never see them, so the event after one is read
    as an event."""
    try:
        head, cut_short, _ = drop_line_start_marks(stream.read(HEAD_BYTES), line_start=True)
        while cut_short:  # a mark cut by the head's end: read on until it is whole or not one
            more = stream.read(len(UTF8_BOM))
            if not more:
                break
            kept, cut_short, _ = drop_line_start_marks(cut_short + more, line_start=True)
            head += kept
    except DECOMPRESS_ERRORS as exc:
        raise InputError(f"{source.name}: cannot decompress ({gzip_problem(exc, stream)})"
                         ) from exc
    return head + cut_short  # at the end of the input: not a mark after all


def gzip_problem(exc: BaseException, stream: object = None) -> str:
    """What went wrong while decompressing, in a few words (``stream``: what was read)."""
    if isinstance(exc, EOFError):
        return f"truncated {compression_of(stream)} file"
    return str(exc) or type(exc).__name__


def compression_of(stream: object) -> str:
    """gzip, bzip2 or zstd: the compression under a stream ``open_binary`` returned."""
    raw = getattr(stream, "raw", None)
    if isinstance(raw, _Utf16AsUtf8):  # UTF-16 text: the compression is under the decoder
        raw = getattr(raw.stream, "raw", None)
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
