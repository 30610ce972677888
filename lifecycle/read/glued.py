"""Log events glued into one line: a file without a final newline joined to the next one
(``cat a.log b.log``, or a copy pasted after a line without its newline) puts the next file's
first event on the same line as the last event of the one before.

The line formats cut such a line before an embedded event header only where the header cannot
be anything else (docs/lifecycle.md, "Lines glued together"):

- ``aws logs tail`` text: a whole tail header, ``<ISO time with offset or Z> <Lambda log
  stream> `` (the stream ``YYYY/MM/DD/[version]id`` or ``YYYY/MM/DD/function[version]id``,
  docs/platform.md §4), followed on its line by a platform keyword (``RequestId:``, ``INIT_``,
  ``RESTORE_``, ``EXTENSION``, ``TELEMETRY``, ``LOGS``, ``"platform.``, ``Task timed out
  after``): the events the tail scanners leave to the general parser, so the compiled and the
  Python scanner cut the same lines;
- ``<time> <message>`` text (S3 exports, ``--format short``, console copies): a time of the
  format's shape followed by a blank and the first word of a platform line (``START
  RequestId:``, ``END RequestId:``, ``REPORT RequestId:``, ``INIT_START``, ...). Application
  lines that quote a time (Python's ``[INFO]<tab><time><tab>...``, the old timeout line
  ``<time> <id> Task timed out``) are not cut: no platform word follows their time;
- ``sam logs``: ``<Lambda log stream> <time> `` followed by the first word of a platform line;
- JSON lines: a line that is two or more whole JSON objects one after the other (``}{``);
- CSV exports: the next export's header row glued after the last row
  (``insights_csv.without_glued_header``).

Every cut is counted (``SinkCounts.glued``) and reported in one warning naming the first line.
"""

from __future__ import annotations

import re

_TIME = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:[.,]\d{1,9})?(?:Z|[+-]\d\d:\d\d)"
_LAMBDA_STREAM = r"\d{4}/\d\d/\d\d/[^\s\[\]]*\[[^\s\]]+\][^\s\[\]]+"
# the words the tail scanners look for (tail._RARE_KEYWORDS, "RequestId:" with a blank after)
_KEYWORD = r'(?=[^\n]*?(?:RequestId:[ \t]|INIT_|RESTORE_|EXTENSION|TELEMETRY|LOGS|"platform\.' \
           r"|Task timed out after))"
TAIL_HEADER = re.compile(r"(?<!\n)" + _TIME + " " + _LAMBDA_STREAM + " " + _KEYWORD)

# the first words of a platform line (docs/platform.md §1: how platform lines begin)
PLATFORM_START = (r"(?:(?:START|END|REPORT) RequestId:[ \t]|INIT_START[ \t]|INIT_REPORT[ \t]"
                  r"|RESTORE_START[ \t]|RESTORE_REPORT[ \t]|EXTENSION[ \t]|TELEMETRY[ \t]"
                  r"|LOGS[ \t])")
# a line can hold a glued platform line only if it holds one of these (a quick filter)
GLUE_WORDS = ("RequestId:", "INIT_", "RESTORE_", "EXTENSION", "TELEMETRY", "LOGS")
STAMPED_HEADER = re.compile(
    r"(?<!\n)\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)?[ \t]+"
    + PLATFORM_START)

# ``sam logs``: ``<Lambda log stream> <naive ISO time> `` and a platform word
SAM_HEADER = re.compile(r"(?<!\n)" + _LAMBDA_STREAM + r" \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)? "
                        + PLATFORM_START)


def glued_parts(text: str, header: re.Pattern[str]) -> list[str]:
    """``text`` (one event: a line and its continuation lines) cut before every ``header``
    that starts after other text on its line; ``[text]`` when there is none. A continuation
    line stays with the part above it."""
    if len(text) < 40:
        return [text]
    cuts = [m.start() for m in header.finditer(text, 1)]
    if not cuts:
        return [text]
    bounds = [0, *cuts, len(text)]
    return [text[a:b] for a, b in zip(bounds, bounds[1:], strict=False)]


def json_objects(line: str) -> list[str] | None:
    """A line of two or more whole JSON objects one after another (blanks or a byte order
    mark between them allowed): the objects' texts; None for anything else."""
    from json import JSONDecoder

    decoder = JSONDecoder()
    parts: list[str] = []
    pos = 0
    n = len(line)
    try:
        while pos < n:
            if line[pos] != "{":
                return None
            _obj, end = decoder.raw_decode(line, pos)
            parts.append(line[pos:end])
            pos = end
            while pos < n and line[pos] in " \t\r\ufeff":
                pos += 1
    except (ValueError, RecursionError):
        return None
    return parts if len(parts) > 1 else None
