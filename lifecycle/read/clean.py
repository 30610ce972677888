"""Copy and capture artefacts removed before any reader sees the text.

- ANSI escape sequences (``aws logs tail --color on`` captured to a file, terminal copies): the
  colour codes are removed, the text between them is kept.
- Junk lines: a line holding NUL or other control bytes (binary output written by an
  application into its log) is blanked and counted as a malformed event; the rest of the file
  is read. Only a file that is mostly not text (see :func:`mostly_not_text`) is refused.

The cleaning is switched on per file when its first 64 KiB hold an escape or a junk byte, so
clean files (nearly all) are read untouched and at full speed.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator

# ESC [ parameters intermediates final (CSI), or ESC and one character (other escapes)
_ANSI = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-Z\\-_])")
# control characters no text log holds (tab, newlines, vertical tab, form feed are text);
# ESC (27) is among them: one left after the escape sequences are removed is junk
_JUNK_CHARS = "".join(chr(c) for c in (*range(0, 9), *range(14, 32), 127))
_JUNK = re.compile("[" + re.escape(_JUNK_CHARS) + "]")
MOSTLY_NOT_TEXT = 0.3  # share of junk characters that makes a file binary

JunkLine = Callable[[int, str], None]  # called with (line number, line) for each junk line


def needs_cleaning(head_text: str) -> bool:
    """True when the decoded head holds an escape sequence or a control character."""
    return _JUNK.search(head_text) is not None


def mostly_not_text(head: bytes) -> bool:
    """True when more than 30 % of the decoded head is control bytes or invalid UTF-8.

    A text log with a few lines of binary junk is read (the junk lines are counted malformed);
    an executable, an image, a compressed format lamlife does not know, or UTF-16 text is not.
    """
    if not head:
        return False
    text = head.decode("utf-8", errors="replace")
    bad = text.count("\ufffd") + sum(text.count(c) for c in _JUNK_CHARS if c != "\x1b")
    return bad > len(text) * MOSTLY_NOT_TEXT


def clean_line(line: str) -> tuple[str, bool]:
    """A line without escape sequences, and whether it is junk (control bytes remain)."""
    if "\x1b" in line:
        line = _ANSI.sub("", line)
    return line, _JUNK.search(line) is not None


class CleanText:
    """A read-only text stream over ``text`` with ANSI codes removed and junk lines blanked.

    Offers what the readers use: ``read(size)`` (whole lines, at least ``size`` characters
    unless the stream ends), iteration and ``readline``. A junk line becomes an empty line (so
    line numbers stay right) and is reported through ``on_junk``.
    """

    def __init__(self, text: io.TextIOBase, on_junk: JunkLine) -> None:
        self._text = text
        self._on_junk = on_junk
        self._line = 0

    def _clean(self, block: str) -> str:
        out: list[str] = []
        pieces = block.split("\n")
        for k, piece in enumerate(pieces):
            if k == len(pieces) - 1 and not piece:
                break
            raw = piece if k == len(pieces) - 1 else piece + "\n"
            self._line += 1
            body = raw.rstrip("\r\n")
            ending = raw[len(body):]
            if _JUNK.search(body) is None:
                out.append(raw)
                continue
            line, junk = clean_line(body)
            if junk:
                self._on_junk(self._line, body)
                line = ""
            out.append(line + ending)
        return "".join(out)

    def read(self, size: int = -1) -> str:
        while True:
            block = self._text.read(size)
            if not block:
                return ""
            if not block.endswith(("\n", "\r")):
                block += self._text.readline()
            cleaned = self._clean(block)
            if cleaned:
                return cleaned

    def readline(self, size: int = -1) -> str:
        raw = self._text.readline(size)
        return self._clean(raw) if raw else ""

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        line = self.readline()
        if not line:
            raise StopIteration
        return line

    def close(self) -> None:
        self._text.close()
