"""Finding inputs (files, directories, stdin) and opening them: gzip transparently, binary
files refused, the head kept for format detection."""

from __future__ import annotations

import codecs
import gzip
import io
import sys
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, Any

from lamlife.lifecycle.errors import InputError
from lamlife.lifecycle.read.context import Source

HEAD_BYTES = 64 * 1024


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
            raise InputError(f"{raw}: no such file or directory")
        if path.is_dir():
            found = sorted(
                p for p in path.rglob("*")
                if p.is_file() and not any(part.startswith(".") for part in
                                           p.relative_to(path).parts)
                and p.name != "aws-logs-write-test"
            )
            if not found:
                raise InputError(f"{raw}: directory has no files to read")
            sources.extend(Source(str(p), p, in_directory=True) for p in found)
        elif path.is_file():
            sources.append(Source(raw, path))
        else:
            raise InputError(f"{raw}: not a regular file or directory")
    return sources


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
        data = self._stream.read(len(view))
        view[: len(data)] = data
        return len(data)


class _Counting(io.RawIOBase):
    """Counts compressed/raw bytes read, for progress."""

    def __init__(self, stream: IO[bytes], on_bytes: Callable[[int], None] | None) -> None:
        self._stream = stream
        self._on_bytes = on_bytes

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._stream.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        if self._on_bytes is not None and n:
            self._on_bytes(n)
        return n


def open_binary(source: Source, on_bytes: Callable[[int], None] | None) -> IO[bytes]:
    try:
        if source.opener is not None:
            raw: IO[bytes] = source.opener()
        elif source.path is None:
            raw = sys.stdin.buffer
        else:
            raw = open(source.path, "rb")  # noqa: SIM115
    except OSError as exc:
        raise InputError(f"{source.name}: cannot open ({exc.strerror or exc})") from exc
    counted = io.BufferedReader(_Counting(raw, on_bytes), buffer_size=1 << 20)
    magic = counted.peek(2)[:2]
    if magic == b"\x1f\x8b":
        return io.BufferedReader(gzip.GzipFile(fileobj=counted, mode="rb"),
                                 buffer_size=1 << 20)
    return counted


def read_head(source: Source, stream: IO[bytes]) -> bytes:
    try:
        return stream.read(HEAD_BYTES)
    except (EOFError, OSError, zlib.error, gzip.BadGzipFile) as exc:
        raise InputError(f"{source.name}: cannot decompress ({gzip_problem(exc)})") from exc


def gzip_problem(exc: BaseException) -> str:
    if isinstance(exc, EOFError):
        return "truncated gzip file"
    return str(exc) or type(exc).__name__


def text_stream(head: bytes, stream: IO[bytes], newline: str | None) -> io.TextIOWrapper:
    return io.TextIOWrapper(io.BufferedReader(_Prefixed(head, stream), buffer_size=1 << 20),
                            encoding="utf-8", errors="replace", newline=newline)


def looks_binary(head: bytes) -> bool:
    if b"\x00" in head:
        return True
    sample = head[:4096]
    if not sample:
        return False
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
    except UnicodeDecodeError:
        controls = sum(1 for b in sample if b < 9 or 13 < b < 32)
        return controls > len(sample) // 20
    return False


# ------------------------------------------------------------------------- detection
