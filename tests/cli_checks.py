"""What a CLI test checks of a failed run: one line on stderr, the exit code, no traceback."""

from __future__ import annotations

from click.testing import Result


def one_error_line(result: Result, code: int = 2) -> str:
    """The one stderr line of a run that exited with ``code`` and printed no traceback."""
    assert result.exit_code == code, (result.exit_code, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr + result.stdout
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]
