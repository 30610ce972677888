"""Text from logs made safe to keep and to show.

- ``printable``: control characters escaped, so that text quoted from a log (a malformed
  line, a file name) cannot move the cursor, erase a line or change colours on the user's
  terminal: ``"\\x1b[2K"`` is shown as the six characters ``\\x1b[2K``.
- ``one_line``: ``printable`` on one line (an error message from a library with a newline).
- ``valid_unicode``: lone UTF-16 surrogates (``"\\ud800"`` from a JSON escape) replaced by
  U+FFFD, so that hashing, CSV and any encoder see valid text.
"""

from __future__ import annotations

import re

# C0 controls but tab, DEL, C1 controls, line/paragraph separators and the bidirectional
# overrides and isolates (they reorder what a terminal or an editor shows).
_CONTROL = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_NAMED = {"\n": "\\n", "\r": "\\r"}
_SURROGATE = re.compile("[\ud800-\udfff]")


def _escape(match: re.Match[str]) -> str:
    char = match.group(0)
    code = ord(char)
    return _NAMED.get(char) or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")


def printable(text: str) -> str:
    """``text`` with every control character written as an escape (tabs kept)."""
    return text if text.isprintable() else _CONTROL.sub(_escape, text)


def one_line(text: str) -> str:
    """``text`` as one printable line: line breaks (and the blanks around them) become one
    space, other control characters escapes."""
    return printable(re.sub(r"\s*[\r\n]+\s*", " ", text).strip())


def valid_unicode(text: str) -> str:
    """``text`` without lone surrogates (each becomes U+FFFD); other text unchanged."""
    if text.isascii():
        return text
    return _SURROGATE.sub("\ufffd", text)
