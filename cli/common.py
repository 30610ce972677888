"""Helpers every command shares: error reporting, output writing, progress on stderr, and a
stdout that a closed pipe cannot crash."""

from __future__ import annotations

import importlib.util
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

import typer
from rich.console import Console

from lamlife.lifecycle.errors import InputError, LamlifeError
from lamlife.lifecycle.files import write_atomic
from lamlife.lifecycle.text import one_line
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


INTERRUPTED_EXIT = 130  # 128 + SIGINT, what shells report for Ctrl-C


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn a LamlifeError into one line on stderr and its exit code (no traceback), and
    Ctrl-C into one line and exit 130. Lines are printable: text quoted from the input
    cannot drive the terminal (``lamlife.lifecycle.text.one_line``)."""
    try:
        yield
    except LamlifeError as exc:
        typer.echo(f"lamlife: error: {one_line(str(exc))}", err=True)
        raise typer.Exit(exc.exit_code) from None
    except KeyboardInterrupt:
        typer.echo("lamlife: interrupted (Ctrl-C); no report was written, run the same "
                   "command again for one", err=True)
        raise typer.Exit(INTERRUPTED_EXIT) from None


def warn(text: str, quiet: bool = False) -> None:
    """One warning, one printable line on stderr (never wrapped: CI logs keep it whole)."""
    if not quiet:
        typer.echo(f"lamlife: warning: {one_line(text)}", err=True)


def warn_unused_invocations(chosen: str, invocations: bool, quiet: bool) -> None:
    """``--invocations`` adds the per-invocation list to JSON only: say so where it does
    nothing, rather than ignore it."""
    if not invocations or chosen == "json":
        return
    if chosen == "csv":
        warn("--invocations changes nothing: CSV output is one row per invocation already",
             quiet)
    else:
        warn(f"--invocations adds the per-invocation list to JSON output only (--format json); "
             f"the {chosen} report does not list invocations, CSV output does", quiet)


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
    ".txt": "table",  # the terminal report as plain text
}
_FORMAT_WORDS = frozenset({*EXTENSION_FORMATS.values(), "md"})


def resolve_format(fmt: str | None, output: Path | None,
                   formats: Sequence[str] = FORMATS) -> str:
    """The report format: --format when given; else from --output's extension (.json, .csv,
    .md, .html, .txt for the plain-text table, ...); else table on a terminal and json when
    piped or written to a file.

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
    """Data to --output FILE, else stdout. The file is written whole or not at all
    (``write_atomic``): a full disk leaves the old file, never a truncated one."""
    if output is None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        return
    try:
        write_atomic(output, text if text.endswith("\n") else text + "\n")
    except OSError as exc:
        raise LamlifeError(f"{output}: cannot write ({exc.strerror or exc}); "
                           "nothing was written") from exc


class _QuietWhenReaderGone:
    """``sys.stdout`` for the process: when the reader of a pipe goes away (``| head``), the
    rest of the output is dropped without an error, and the command goes on to its own exit
    code (0 for a report; ``check`` still exits 1 on a failed limit)."""

    def __init__(self, stream: object) -> None:
        self._stream = stream
        self.reader_gone = False

    def write(self, text: str) -> int:
        if not self.reader_gone:
            try:
                return int(self._stream.write(text))  # type: ignore[attr-defined]
            except BrokenPipeError:
                self._drop_the_rest()
        return len(text)

    def flush(self) -> None:
        if not self.reader_gone:
            try:
                self._stream.flush()  # type: ignore[attr-defined]
            except BrokenPipeError:
                self._drop_the_rest()

    def _drop_the_rest(self) -> None:
        self.reader_gone = True
        # Point the descriptor at /dev/null, so that the interpreter's final flush of what is
        # still buffered does not fail again (Python docs, "Note on SIGPIPE").
        try:
            null = os.open(os.devnull, os.O_WRONLY)
            os.dup2(null, self._stream.fileno())  # type: ignore[attr-defined]
            os.close(null)
        except (OSError, ValueError, AttributeError):
            pass

    def __getattr__(self, name: str) -> object:
        return getattr(self._stream, name)


def guard_standard_streams() -> None:
    """Called once by the entry point, before any command runs.

    A closed stdout or stderr (``lamlife analyze x >&-``) is replaced by /dev/null (the
    output has no reader, as with a closed pipe); stdout then drops output quietly once its
    reader has gone (``lamlife analyze x | head``). Neither prints a traceback or changes
    the exit code.
    """
    for name in ("stdout", "stderr"):
        if getattr(sys, name) is None:
            fd = os.open(os.devnull, os.O_WRONLY)  # the lowest free descriptor: the closed one
            setattr(sys, name, open(fd, "w", encoding="utf-8"))  # noqa: SIM115
    if not isinstance(sys.stdout, _QuietWhenReaderGone):
        sys.stdout = _QuietWhenReaderGone(sys.stdout)


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
