"""Blocks of an input's bytes for the compiled scanners, and scanning them on worker threads.

The readers of ``aws logs tail`` text and JSON lines hand the compiled scanner whole events
(whole lines) of the input's UTF-8 bytes. ``tail_blocks`` and ``line_blocks`` read the input
into a few buffers used in turn (no copy of a block, no new buffer per block), and
``scan_ahead`` reads the next block and runs the scanner on this one on worker threads while
the caller hands the results of the previous one to the sink: reading, decompressing and the
scanner release the GIL, so they overlap with the sink's Python work on a machine with
several cores. Each block is also cut in two at an event boundary, so two threads scan one
block. Results come back in read order; what is read does not depend on where blocks are cut
(events stay whole).
"""

from __future__ import annotations

import os
import sys
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import IO, TypeVar

Block = memoryview | bytes
Result = TypeVar("Result")

# buffers used in turn: the block being filled, the one being scanned, the one whose results
# the caller reads, and one spare
_BUFFERS = 4
# blocks of at least this many bytes are scanned in two parts, one a thread
_HALVES_FROM = 256 * 1024
_SWITCH_INTERVAL = 0.0002  # seconds


# worker threads for the scanner; None: ``scan_threads`` decides (0: no worker thread, the
# benchmarks' reference)
THREADS: int | None = None


def scan_threads() -> int:
    """Worker threads for the scanner: two where there are two cores or more, else one (it
    still overlaps reading with scanning)."""
    if THREADS is not None:
        return THREADS
    return 2 if (os.cpu_count() or 1) >= 2 else 1


def scan_ahead(blocks: Iterator[Block], scan: Callable[[Block], Result],
               split: Callable[[Block], list[Block]]) -> Iterator[tuple[Block, Result]]:
    """(part, scan(part)) for the parts (``split``) of every block, in read order. Worker
    threads read the next block (reading and decompressing release the GIL) and scan the
    parts of this one while the caller reads the results of the block before it. ``blocks``
    may reuse a buffer once the caller has moved two blocks past it (the block producers
    here use ``_BUFFERS`` buffers in turn); it is advanced by one thread at a time."""
    if scan_threads() == 0:
        for whole in blocks:
            for part in split(whole):
                yield part, scan(part)
        return
    queue: deque[list[tuple[Block, Future[Result]]]] = deque()
    # a worker that finishes a scan needs the GIL a moment to return its result: hand it
    # over sooner than Python's default 5 ms while the caller runs Python code
    interval = sys.getswitchinterval()
    sys.setswitchinterval(min(interval, _SWITCH_INTERVAL))
    try:
        with ThreadPoolExecutor(max_workers=scan_threads() + 1,
                                thread_name_prefix="lamlife-scan") as pool:
            following: Future[Block | None] = pool.submit(next, blocks, None)
            while (block := following.result()) is not None:
                queue.append([(part, pool.submit(scan, part)) for part in split(block)])
                following = pool.submit(next, blocks, None)
                if len(queue) > 1:
                    yield from _results(queue.popleft())
            while queue:
                yield from _results(queue.popleft())
    finally:
        sys.setswitchinterval(interval)


def _results(parts: list[tuple[Block, Future[Result]]]) -> Iterator[tuple[Block, Result]]:
    for part, future in parts:
        yield part, future.result()


def halves(block: Block, boundary: Callable[[Block, int], int]) -> list[Block]:
    """The block in two at ``boundary(block, middle)`` (the offset where the second part
    starts, -1 for none), or whole when it is small or has no boundary after its middle."""
    if len(block) < _HALVES_FROM:
        return [block]
    cut = boundary(block, len(block) // 2)
    if cut <= 0 or cut >= len(block):
        return [block]
    return [block[:cut], block[cut:]]


def line_boundary(block: Block, start: int) -> int:
    """The start of the first line after ``start`` (within 64 KiB)."""
    newline = bytes(block[start:start + 65536]).find(b"\n")
    return -1 if newline < 0 else start + newline + 1


def event_boundary(block: Block, start: int) -> int:
    """The start of the first event line after ``start`` (``event_at``), within 64 KiB."""
    window = bytes(block[start:start + 65536])
    cut = window.find(b"\n2")
    while cut >= 0 and not event_at(window, cut + 1, len(window)):
        cut = window.find(b"\n2", cut + 1)
    return -1 if cut < 0 else start + cut + 1


def event_at(buf: bytes | bytearray, pos: int, end: int) -> bool:
    """Does the line at ``pos`` start an event, judged on its first 11 bytes when they are
    ASCII (``DDDD-DD-DDT``: character 4 '-', character 10 'T', a digit first)? False when
    they are not ASCII: a cut there is never needed, any event boundary will do."""
    return (pos + 11 <= end and 0x30 <= buf[pos] <= 0x39 and buf[pos + 4] == 0x2D
            and buf[pos + 10] == 0x54 and buf[pos:pos + 11].isascii())


def _fill(raw: IO[bytes], buf: bytearray, start: int, size: int) -> int:
    """Read up to ``size`` bytes into ``buf[start:]`` (fewer only at the end of the input)."""
    got = 0
    with memoryview(buf) as view:
        while got < size:
            n = raw.readinto(view[start + got:start + size])  # type: ignore[attr-defined]
            if not n:
                break
            got += n
    return got


def _room(buf: bytearray, size: int, keep: int) -> bytearray:
    """``buf`` with room for ``size`` bytes, its first ``keep`` bytes kept: grown in place,
    or a new buffer when a block of it is still held (a buffer cannot grow then)."""
    if len(buf) >= size:
        return buf
    try:
        buf.extend(bytes(size - len(buf)))
        return buf
    except BufferError:
        grown = bytearray(size)
        grown[:keep] = buf[:keep]
        return grown


def tail_blocks(raw: IO[bytes], chunk: int, max_event: int) -> Iterator[Block]:
    """Blocks of whole events of ``aws logs tail`` text, by the rules of the text reader
    (``tail.read_tail``) on bytes: ``chunk`` bytes are read at a time, a block ends before
    its last event line and the rest starts the next block. Text with no event boundary is
    cut at a newline once it is longer than ``max_event`` bytes, and a line longer than that
    keeps its first ``max_event`` bytes (cut before a character). Every block but the last
    ends with a newline; the last gets one. A block is valid until the caller has taken
    ``_BUFFERS - 1`` more (its buffer is then filled again)."""
    buffers = [bytearray(chunk) for _ in range(_BUFFERS)]
    turn = 0
    buf = buffers[0]
    kept = 0  # bytes carried at the front of the buffer (the start of an unfinished event)
    skipping = False  # inside a line longer than max_event: drop the rest of it
    while True:
        buf = buffers[turn] = _room(buf, kept + chunk, kept)
        n = _fill(raw, buf, kept, chunk)
        if not n:
            break
        filled = kept + n
        if skipping:
            newline = buf.find(b"\n", kept, filled)
            if newline < 0:
                continue
            rest = filled - newline  # from the newline on (moved, the buffer keeps its size)
            buf[kept:kept + rest] = buf[newline:filled]
            filled = kept + rest
            skipping = False
        cut = buf.rfind(b"\n2", 0, filled)
        while cut >= 0 and not event_at(buf, cut + 1, filled):
            cut = buf.rfind(b"\n2", 0, cut)
        if cut < 0:  # no event boundary
            if filled <= max_event:  # carry it while it is short
                kept = filled
                continue
            cut = buf.rfind(b"\n", 0, filled)
            if cut < 0:  # one line longer than any event: keep its head, whole characters
                kept = max_event
                while kept > 0 and buf[kept] & 0xC0 == 0x80:
                    kept -= 1
                skipping = True
                continue
        yield memoryview(buf)[:cut + 1]
        turn = (turn + 1) % _BUFFERS
        kept = filled - cut - 1
        following = buffers[turn] = _room(buffers[turn], kept + chunk, 0)
        following[:kept] = buf[cut + 1:filled]
        buf = following
    if kept:
        yield bytes(buf[:kept]) + (b"" if buf[kept - 1] == 0x0A else b"\n")


def line_blocks(raw: IO[bytes], chunk: int) -> Iterator[Block]:
    """Blocks of whole lines read ``chunk`` bytes at a time (the last may lack its newline); a
    line longer than ``chunk`` is gathered in pieces into a block of its own making. A block
    is valid until the caller has taken ``_BUFFERS - 1`` more."""
    buffers = [bytearray(chunk) for _ in range(_BUFFERS)]
    turn = 0
    buf = buffers[0]
    kept = 0  # bytes of an unfinished line at the front of the buffer
    long: list[bytes] = []  # the pieces of a line longer than the buffer
    while True:
        n = _fill(raw, buf, kept, chunk - kept)
        if not n:
            break
        filled = kept + n
        cut = buf.rfind(b"\n", 0, filled)
        if cut < 0:
            if filled == chunk:
                long.append(bytes(buf[:filled]))
                filled = 0
            kept = filled
            continue
        if long:
            yield b"".join(long) + bytes(buf[:cut + 1])
            long = []
        else:
            yield memoryview(buf)[:cut + 1]
        turn = (turn + 1) % _BUFFERS
        following = buffers[turn]
        kept = filled - cut - 1
        following[:kept] = buf[cut + 1:filled]
        buf = following
    if long or kept:
        yield b"".join(long) + bytes(buf[:kept])
