"""Helpers every command shares: error reporting, output writing, progress on stderr."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

import typer
from rich.console import Console

from lamlife.lifecycle.errors import InputError, LamlifeError
from lamlife.reports import FORMATS

if TYPE_CHECKING:
    from lamlife.lifecycle.analysis import InputStats

PROGRESS_MIN_BYTES = 50 * 1024 * 1024  # show progress for inputs larger than this


def lazy_module(name: str) -> ModuleType:
    """The module ``name``, executed on first attribute access (importlib's LazyLoader): a
    command module can name a heavy module at its top without loading it for --help."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None:
        raise ImportError(name)
    loader = importlib.util.LazyLoader(spec.loader)
    spec.loader = loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    loader.exec_module(module)
    return module


def stderr_console() -> Console:
    return Console(stderr=True, highlight=False)


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn a LamlifeError into one line on stderr and its exit code (no traceback)."""
    try:
        yield
    except LamlifeError as exc:
        typer.echo(f"lamlife: error: {exc}", err=True)
        raise typer.Exit(exc.exit_code) from None


def warn(text: str, quiet: bool = False) -> None:
    """One warning, one line on stderr (never wrapped: CI logs keep it whole)."""
    if not quiet:
        typer.echo(f"lamlife: warning: {text}", err=True)


def warn_input(stats: InputStats, quiet: bool, extra: Sequence[str] = ()) -> None:
    """The input's warnings, then the malformed-line count with the first examples."""
    for text in [*stats.warnings, *extra]:
        warn(text, quiet)
    if stats.malformed:
        first = "; ".join(stats.malformed_examples[:3])
        warn(f"{stats.malformed} malformed platform line(s), first: {first}", quiet)


# --output FILE picks the format from the file's extension unless --format says otherwise.
EXTENSION_FORMATS: dict[str, str] = {
    ".json": "json",
    ".csv": "csv",
    ".md": "markdown",
    ".markdown": "markdown",
    ".html": "html",
    ".htm": "html",
    ".xml": "junit",
}
_FORMAT_WORDS = frozenset({*EXTENSION_FORMATS.values(), "md"})


def resolve_format(fmt: str | None, output: Path | None,
                   formats: Sequence[str] = FORMATS) -> str:
    """The report format: --format when given; else from --output's extension (.json, .csv,
    .md, .html, ...); else table on a terminal and json when piped or written to a file.

    ``--output json`` (a bare format name, no extension) is refused: it would write a file
    called ``json``. Raises InputError (exit 2) for an unknown format or an extension whose
    format this command does not write.
    """
    if output is not None and not output.suffix and output.name.lower() in _FORMAT_WORDS \
            and str(output) == output.name:
        word = "markdown" if output.name.lower() == "md" else output.name.lower()
        raise InputError(f"--output {output} would write a file named {output.name!r}: "
                         f"use --format {word} (and --output FILE.ext to write a file)")
    if fmt is not None:
        if fmt not in formats:
            raise InputError(f"unknown format {fmt!r}: use one of {', '.join(formats)}")
        return fmt
    if output is not None:
        by_extension = EXTENSION_FORMATS.get(output.suffix.lower())
        if by_extension is not None:
            if by_extension not in formats:
                raise InputError(f"--output {output}: this command cannot write {by_extension} "
                                 f"(formats: {', '.join(formats)}); pass --format")
            return by_extension
    if output is None and sys.stdout.isatty():
        return "table"
    return "json"


def write_output(text: str, output: Path | None) -> None:
    """Data to --output FILE, else stdout."""
    if output is None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        return
    try:
        output.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
    except OSError as exc:
        raise LamlifeError(f"{output}: cannot write ({exc.strerror or exc})") from exc


def input_size(paths: list[str]) -> int:
    total = 0
    for raw in paths:
        path = Path(raw)
        if path.is_file():
            total += path.stat().st_size
        elif path.is_dir():
            total += sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    return total


@contextmanager
def byte_progress(paths: list[str], quiet: bool) -> Iterator[Callable[[int], None] | None]:
    """A progress bar on stderr (terminal only) for large inputs; yields the callback or None."""
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TextColumn,
        TransferSpeedColumn,
    )

    total = 0 if quiet or "-" in paths else input_size(paths)
    console = stderr_console()
    if total < PROGRESS_MIN_BYTES or not console.is_terminal:
        yield None
        return
    with Progress(TextColumn("reading"), BarColumn(), DownloadColumn(), TransferSpeedColumn(),
                  console=console, transient=True) as progress:
        task = progress.add_task("read", total=total)
        last = [0]

        def update(done: int) -> None:
            if done - last[0] >= 4 * 1024 * 1024:
                last[0] = done
                progress.update(task, completed=done)

        yield update
