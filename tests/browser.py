"""Headless Chromium for the HTML report tests: the system browser, started per page.

``find_browser()`` looks for the Debian ``chromium`` (or ``chromium-browser``,
``google-chrome``) on PATH, or the one named by ``LAMLIFE_CHROMIUM``. ``load(path)`` opens a
local file with networking features off, lets the page's scripts run (virtual time), and
returns the DOM as serialized after the scripts ran plus every console message the page
produced (Chromium writes them to stderr as ``INFO:CONSOLE`` lines with --enable-logging).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
FLAGS = (
    "--headless",
    "--no-sandbox",  # CI runs as root, where Chromium's sandbox cannot start
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--no-first-run",
    "--no-default-browser-check",
    "--mute-audio",
    "--hide-scrollbars",
    "--enable-logging=stderr",
    "--v=0",
)
# A console message: "[pid:tid:date:INFO:CONSOLE:line] "text", source: url (line)"
_CONSOLE = re.compile(r":CONSOLE(?:\(\d+\)|:\d+)?\] (.*)$")
TIMEOUT_S = 240


def find_browser() -> str | None:
    """The path of a Chromium to run, or None."""
    named = os.environ.get("LAMLIFE_CHROMIUM")
    if named:
        return named if shutil.which(named) or Path(named).is_file() else None
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


@dataclass
class Loaded:
    dom: str
    console: list[str]
    stderr: str


def _run(browser: str, args: list[str], budget_ms: int) -> subprocess.CompletedProcess[str]:
    with tempfile.TemporaryDirectory(prefix="lamlife-chromium-") as profile:
        return subprocess.run(
            [browser, *FLAGS, f"--user-data-dir={profile}",
             f"--virtual-time-budget={budget_ms}", *args],
            capture_output=True, text=True, timeout=TIMEOUT_S, check=False,
        )


def load(browser: str, page: Path, budget_ms: int = 30000) -> Loaded:
    """Open ``page`` (a local file) and return its DOM after the scripts ran."""
    done = _run(browser, ["--dump-dom", page.resolve().as_uri()], budget_ms)
    console = [m.group(1) for line in done.stderr.splitlines() if (m := _CONSOLE.search(line))]
    if done.returncode != 0 and not done.stdout:
        raise RuntimeError(f"{browser} exited {done.returncode}: {done.stderr[-2000:]}")
    return Loaded(dom=done.stdout, console=console, stderr=done.stderr)


def screenshot(browser: str, page: Path, out: Path, width: int = 1040, height: int = 2400,
               budget_ms: int = 30000) -> None:
    """A PNG of ``page`` as a ``width`` x ``height`` window shows it."""
    done = _run(browser, [f"--window-size={width},{height}", f"--screenshot={out.resolve()}",
                          page.resolve().as_uri()], budget_ms)
    if not out.is_file():
        raise RuntimeError(f"{browser} wrote no screenshot: {done.stderr[-2000:]}")
