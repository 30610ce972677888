"""Seeded mutations of every input format lamlife reads, and the properties every run must keep.

Shared by the bounded in-suite fuzz test (tests/cli/test_fuzz_cli.py) and the long run
(benchmarks/fuzz_cli.py). A run of ``lamlife analyze`` on any mutated file must:

- exit 0 or 2 (never 1, which ``check`` documents as "a limit was exceeded"), with no traceback
  and at most one error line;
- on exit 0, print strict JSON (no NaN or Infinity), account for every event
  (events = records + ignored + malformed), hold no negative or non-finite figure, and hold no
  date outside the input's years (a wrapped time shows as 1715 or 2185).
"""

from __future__ import annotations

import json
import math
import random
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
READERS = REPO / "tests" / "data" / "readers"

EXTREME_NUMBERS = ("-1", "-0.5", "0", "1e308", "9" * 400, "inf", "NaN", "1e-320",
                   "99999999999", "-99999999999999", "18446744073709551616")
EXTREME_YEARS = ("2300", "1600", "0001", "9999", "1969", "2262", "1677")
CONTROL = ("\x1b[2K\r", "\x07", "\u202e", "\x1b]0;title\x07", "\r", "\x00", "\x7f", "\x85")
JSON_ESCAPES = ("\\ud800", "\\udfff", "\\u0000", "\\u001b[31m")

ARRIVALS = ("start,duration_ms,status\n2026-07-20T01:00:00Z,120,success\n"
            "2026-07-20T01:00:01.5Z,80,error\n2026-07-20T01:00:09Z,300,timeout\n"
            "2026-07-20T01:02:00Z,95,success\n")


@dataclass(frozen=True)
class Seed:
    format: str  # what the file is (for reports)
    name: str  # file name to write (the extension matters for nothing but naming)
    text: str


def seeds(lamlife_csv: str | None = None) -> list[Seed]:
    """One or more real-shaped inputs per format: the readers' golden inputs, an arrival
    CSV, a fetch output with its header, and (when given) a lamlife CSV."""
    found: list[Seed] = []
    for path in sorted(READERS.rglob("*")):
        if not path.is_file() or path.name == "expected.json" or path.suffix == ".gz":
            continue
        found.append(Seed(path.parent.name if path.parent.parent == READERS
                          else path.relative_to(READERS).parts[0], path.name,
                          path.read_text(encoding="utf-8", errors="replace")))
    found.append(Seed("arrival-csv", "arrivals.csv", ARRIVALS))
    header = {"lamlife_fetch": 1, "function": "orders", "region": "us-east-1",
              "configuration": {"memory_mb": 512, "provisioned_concurrency": 2,
                                "architecture": "x86_64"}}
    events = (REPO / "tests" / "data" / "readers" / "jsonl" / "events.jsonl").read_text()
    found.append(Seed("fetch-jsonl", "fetched.jsonl", json.dumps(header) + "\n" + events))
    if lamlife_csv is not None:
        found.append(Seed("lamlife-csv", "invocations.csv", lamlife_csv))
    return found


# ----------------------------------------------------------------------------- mutations

_NUMBER = re.compile(r"(?<![\w.])\d+(?:\.\d+)?(?:[eE][+-]?\d+)?")
_DATE = re.compile(r"\b\d{4}(?=-\d\d-\d\d)")


def _lines(text: str) -> list[str]:
    return text.split("\n")


def _pick_line(rng: random.Random, text: str) -> tuple[list[str], int]:
    lines = _lines(text)
    return lines, rng.randrange(len(lines))


def _number(rng: random.Random, text: str) -> str:
    spots = list(_NUMBER.finditer(text))
    if not spots:
        return text
    m = rng.choice(spots)
    return text[: m.start()] + rng.choice(EXTREME_NUMBERS) + text[m.end():]


def _year(rng: random.Random, text: str) -> str:
    spots = list(_DATE.finditer(text))
    if not spots:
        return text
    m = rng.choice(spots)
    return text[: m.start()] + rng.choice(EXTREME_YEARS) + text[m.end():]


def _delete_line(rng: random.Random, text: str) -> str:
    lines, i = _pick_line(rng, text)
    del lines[i]
    return "\n".join(lines)


def _duplicate_line(rng: random.Random, text: str) -> str:
    lines, i = _pick_line(rng, text)
    lines.insert(i, lines[i])
    return "\n".join(lines)


def _swap_lines(rng: random.Random, text: str) -> str:
    lines = _lines(text)
    i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
    lines[i], lines[j] = lines[j], lines[i]
    return "\n".join(lines)


def _control(rng: random.Random, text: str) -> str:
    pos = rng.randrange(len(text) + 1)
    pool = CONTROL + (JSON_ESCAPES if text.lstrip().startswith(("{", "[")) else ())
    return text[:pos] + rng.choice(pool) + text[pos:]


def _truncate(rng: random.Random, text: str) -> str:
    return text[: rng.randrange(len(text) + 1)]


def _junk_line(rng: random.Random, text: str) -> str:
    lines, i = _pick_line(rng, text)
    junk = "".join(chr(rng.choice([rng.randrange(32, 127), rng.randrange(0xA0, 0x3000)]))
                   for _ in range(rng.randrange(1, 80)))
    lines.insert(i, junk)
    return "\n".join(lines)


def _deep(rng: random.Random, text: str) -> str:
    depth = rng.choice((50, 1200))
    pos = rng.randrange(len(text) + 1)
    return text[:pos] + "[" * depth + "]" * depth + text[pos:]


def _char(rng: random.Random, text: str) -> str:
    if not text:
        return text
    pos = rng.randrange(len(text))
    return text[:pos] + rng.choice('{}[],:"\\\t\n -.0123456789eE') + text[pos + 1:]


def _giant_field(rng: random.Random, text: str) -> str:
    lines, i = _pick_line(rng, text)
    lines[i] = lines[i] + "x" * rng.choice((140_000, 300_000))
    return "\n".join(lines)


def _platform_word(rng: random.Random, text: str) -> str:
    lines, i = _pick_line(rng, text)
    word = rng.choice(("START RequestId: ", "REPORT RequestId: x\tDuration: ", "END RequestId: ",
                       "INIT_REPORT Init Duration: ", "RESTORE_REPORT Restore Duration: ",
                       "Task timed out after ", '{"type":"platform.report","record":'))
    pos = rng.randrange(len(lines[i]) + 1)
    lines[i] = lines[i][:pos] + word + lines[i][pos:]
    return "\n".join(lines)


def _blank(rng: random.Random, text: str) -> str:
    lines, i = _pick_line(rng, text)
    lines.insert(i, rng.choice(("", " ", "\t", "   \t ")))
    return "\n".join(lines)


MUTATIONS: tuple[Callable[[random.Random, str], str], ...] = (
    _number, _number, _number, _year, _year, _delete_line, _duplicate_line, _swap_lines,
    _control, _truncate, _junk_line, _deep, _char, _char, _giant_field, _platform_word, _blank,
)


def mutate(rng: random.Random, text: str) -> bytes:
    """One to four mutations of ``text``, as the bytes of a file (now and then with a byte
    that is not UTF-8)."""
    for _ in range(rng.randint(1, 4)):
        text = rng.choice(MUTATIONS)(rng, text)
    data = text.encode("utf-8", "surrogatepass")
    if rng.random() < 0.1:
        pos = rng.randrange(len(data) + 1)
        data = data[:pos] + rng.choice((b"\xe9", b"\xff\xfe", b"\xc3")) + data[pos:]
    return data


def cases(seed: int, per_seed: int, lamlife_csv: str | None = None
          ) -> Iterator[tuple[Seed, int, bytes]]:
    """``per_seed`` mutants of every seed input, reproducible from ``seed``."""
    rng = random.Random(seed)
    for source in seeds(lamlife_csv):
        for n in range(per_seed):
            yield source, n, mutate(rng, source.text)


# ------------------------------------------------------------------------------ properties

_ISO = re.compile(r"^(\d{4})-\d\d-\d\d[T ]\d\d:\d\d")
_INPUT_YEAR = re.compile(rb"(?<!\d)(\d{4})-\d\d-\d\d")
_EPOCH = re.compile(rb"(?<![\d.])\d{9,13}(?![\d])")  # epoch seconds or ms, by magnitude


def _reject_constant(name: str) -> Any:
    raise ValueError(f"non-standard JSON constant {name}")


def input_years(data: bytes) -> set[int]:
    years = {int(m.group(1)) for m in _INPUT_YEAR.finditer(data)}
    for m in _EPOCH.finditer(data):
        number = int(m.group())
        for unit_ms in (1, 1000):  # read as ms and as seconds
            years.add(1970 + number * unit_ms // 31_556_952_000)
    return years


def _walk(value: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from _walk(inner, f"{path}.{key}")
    elif isinstance(value, list):
        for i, inner in enumerate(value):
            yield from _walk(inner, f"{path}[{i}]")
    else:
        yield path, value


def problems(exit_code: int, stdout: str, stderr: str, data: bytes,
             exception: BaseException | None = None) -> list[str]:
    """What is wrong with one run of ``lamlife analyze FILE --format json --invocations`` on
    the input ``data`` (empty when nothing is)."""
    found: list[str] = []
    if exception is not None and not isinstance(exception, SystemExit):
        found.append(f"exception {type(exception).__name__}: {exception}")
    if exit_code not in (0, 2):
        found.append(f"exit {exit_code}")
    if "Traceback" in stderr or "Traceback" in stdout:
        found.append("traceback")
    if exit_code == 2 and len(stderr.splitlines()) != 1:
        found.append(f"{len(stderr.splitlines())} error lines")
    if any(c in stderr for c in "\x1b\r\x07"):
        found.append("a control character on stderr")
    if exit_code != 0:
        return found
    try:
        document = json.loads(stdout, parse_constant=_reject_constant)
    except ValueError as exc:
        return [*found, f"not strict JSON: {exc}"]
    counts = document.get("input", {})
    if counts.get("events") != (counts.get("records", 0) + counts.get("ignored", 0)
                                + counts.get("malformed", 0)):
        found.append(f"events not accounted for: {counts}")
    years = input_years(data)
    allowed = {1969, 1970} | {y + d for y in years for d in (-1, 0, 1)}
    for path, value in _walk(document):
        if isinstance(value, bool):
            continue
        if isinstance(value, (int, float)):
            if not math.isfinite(value) or value < 0:
                found.append(f"figure {path} = {value}")
        elif isinstance(value, str):
            m = _ISO.match(value)
            if m and int(m.group(1)) not in allowed:
                found.append(f"date {path} = {value} outside the input's years "
                             f"{sorted(years)}")
    return found
