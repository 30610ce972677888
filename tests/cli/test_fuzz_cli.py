"""A seeded, bounded fuzz run of ``lamlife analyze`` over every input format (issue 11).

Every golden reader input (plus an arrival CSV, a fetch output with its header and a lamlife
CSV) is mutated a few times with a fixed seed: numbers made extreme, years moved out of range,
lines dropped, doubled or swapped, control characters, junk and platform words inserted, deep
JSON, giant fields, truncation, bytes that are not UTF-8. Each run must keep the properties in
``fuzz_inputs.problems``. The long run is ``benchmarks/fuzz_cli.py``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from fuzz_inputs import REPO, cases, problems
from typer.testing import CliRunner

import lamlife.cli.main  # noqa: F401  (registers the commands)
from lamlife.cli.app import app

SEED = 11
PER_SEED = 2


@pytest.fixture(scope="module")
def lamlife_csv() -> str:
    result = CliRunner().invoke(app, ["analyze", str(REPO / "examples" / "orders.log"),
                                      "--format", "csv", "--quiet"])
    assert result.exit_code == 0
    return result.stdout


@pytest.mark.slow  # about 16 s: every format's fuzzed inputs through the CLI
def test_fuzzed_inputs_of_every_format_keep_the_invariants(lamlife_csv: str,
                                                           tmp_path: Path) -> None:
    runner = CliRunner()
    failures: list[str] = []
    formats = set()
    for source, n, data in cases(SEED, PER_SEED, lamlife_csv):
        formats.add(source.format)
        path = tmp_path / f"{n}-{source.name}"
        path.write_bytes(data)
        result = runner.invoke(app, ["analyze", str(path), "--format", "json",
                                     "--invocations", "--quiet"])
        for problem in problems(result.exit_code, result.stdout, result.stderr, data,
                                result.exception):
            failures.append(f"{source.format}/{source.name} #{n}: {problem}")
        path.unlink()
    assert len(formats) >= 12, formats
    assert not failures, "\n".join(failures[:20])


def test_the_properties_catch_what_they_are_for() -> None:
    """The checker itself: each fault the issue found is reported."""
    data = b"2026-07-20T01:00:00Z x"
    ok = '{"input": {"events": 1, "records": 1, "ignored": 0, "malformed": 0}}'
    assert problems(0, ok, "", data) == []
    assert problems(1, "", "Traceback (most recent call last):", data) == ["exit 1", "traceback"]
    assert problems(0, '{"x": NaN}', "", data)[0].startswith("not strict JSON")
    assert "events not accounted for" in problems(
        0, '{"input": {"events": 2, "records": 1, "ignored": 0, "malformed": 0}}', "", data)[0]
    wrapped = ('{"input": {"events": 0}, "invocations": [{"start": "1715-01-01T00:00:00Z", '
               '"cost_usd": -0.62, "duration_ms": 1e400}]}')
    found = problems(0, wrapped.replace("1e400", "Infinity"), "", data)
    assert found and found[0].startswith("not strict JSON")
    found = problems(0, wrapped.replace("1e400", "1.0"), "", data)
    assert any("outside the input's years" in p for p in found)
    assert any("cost_usd = -0.62" in p for p in found)
    assert problems(2, "", "lamlife: error: a\x1b[2K\n", data) == [
        "a control character on stderr"]
