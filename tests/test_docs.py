"""The project's docs stand alone (issue 13): every rule's citation points at docs/platform.md
(no file outside the repository), and every section a citation names exists there."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PLATFORM = ROOT / "docs" / "platform.md"
# a citation: "docs/platform.md" then, within the same sentence, §N, §N.M, "section N" or
# "N.M" section numbers (ranges like "§2.1-§2.6" or "6.3-6.5" give both ends)
CITATION = re.compile(r"docs/platform\.md(?P<tail>[^\n]{0,60})")
SECTION = re.compile(r"(?:§|section |\b)(\d(?:\.\d)?)\b")


def tracked_text_files() -> list[Path]:
    names = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True,
                           check=True).stdout.split()
    out = []
    for name in names:
        path = ROOT / name
        if path.suffix in (".py", ".md", ".yaml", ".yml", ".toml", ".txt", ".cfg") or \
                name.startswith(".ci/"):
            out.append(path)
    return out


def headings() -> set[str]:
    found = set()
    for line in PLATFORM.read_text(encoding="utf-8").split("\n"):
        m = re.match(r"#{2,3} (\d(?:\.\d)?)\.? ", line)
        if m:
            found.add(m.group(1))
    return found


def test_platform_doc_has_the_team_section_numbers() -> None:
    expected = {"1", "2", "3", "4", "5", "6", "7", "8",
                *(f"2.{i}" for i in range(1, 8)), *(f"3.{i}" for i in range(1, 4)),
                *(f"5.{i}" for i in range(1, 9)), *(f"6.{i}" for i in range(1, 6))}
    assert headings() == expected


def test_no_citation_points_outside_the_repository() -> None:
    old_name = "lambda" + "-platform"  # the team reference outside the repository
    offenders = [str(path.relative_to(ROOT)) for path in tracked_text_files()
                 if path.is_file() and old_name in path.read_text(encoding="utf-8",
                                                                   errors="replace")]
    assert offenders == []


def test_every_cited_section_exists() -> None:
    known = headings()
    missing = []
    for path in tracked_text_files():
        if not path.is_file() or path == PLATFORM:
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        for match in CITATION.finditer(text):
            tail = re.split(r"[)\"'`]|\. ", match.group("tail"))[0]
            for number in SECTION.findall(tail):
                if number not in known:
                    missing.append(f"{path.relative_to(ROOT)}: {match.group(0)!r}")
    assert missing == []
    assert known  # the check above can fail: there are sections to find
