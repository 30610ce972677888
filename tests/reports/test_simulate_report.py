"""The text of ``lamlife simulate``'s sections at a fixed width."""

from __future__ import annotations

import io

from rich.console import Console

from lamlife.reports.simulate import policy_section
from lamlife.reports.tables import section_renderable


def test_a_swept_setting_lists_its_values_in_the_policy_block() -> None:
    policy = {"keep_alive_s": 300.0, "max_lifetime_s": 7200.0, "provisioned": 0,
              "prewarmed": 0, "init": {"fixed_ms": 250.0}, "reset_on_failure": True,
              "routing": "most recently used idle environment", "seed": 0}
    console = Console(width=60, record=True, color_system=None, force_terminal=False,
                      file=io.StringIO())
    swept = ("keep_alive_s", [300.0, 600.0, 1200.0])
    console.print(section_renderable(policy_section(policy, (), swept)))
    lines = [line.rstrip() for line in console.export_text().splitlines()]
    assert lines[:3] == ["Simulated policy",
                         "Keep-alive           swept: 5m00s, 10m00s, 20m00s",
                         "Max lifetime         2h00m"]


def _sweep_text(rows: list[dict[str, object]], width: int) -> list[str]:
    from lamlife.reports.simulate import sweep_section

    console = Console(width=width, record=True, color_system=None, force_terminal=False,
                      file=io.StringIO())
    console.print(section_renderable(sweep_section(rows)))
    return [line.rstrip() for line in console.export_text().splitlines()]


def _sweep_row(parameter: str, value: float, allocation: float | None) -> dict[str, object]:
    return {"parameter": parameter, "value": value, "invocations": 28, "environments": 4,
            "cold_starts": 6, "cold_start_rate": 0.214, "added_latency_p99_ms": 433.09,
            "added_latency_max_ms": 433.09, "init_wait_s": 1.0, "cost_usd": 0.000122,
            "provisioned_allocation_usd": allocation, "init_cost_usd": None}


def test_a_keep_alive_sweep_fits_80_columns_without_folding_a_word() -> None:
    # "p99 added ms" was drawn over three lines (p99/added/ms); "Environments" folded
    # ("Environme/nts") to make room for a provisioned-concurrency column of dashes
    rows = [_sweep_row("keep_alive_s", v, None) for v in (300.0, 600.0)]
    assert _sweep_text(rows, 80) == [
        "Sweep: keep-alive",
        "                                               p99 added   Max added",
        "Keep-alive  Cold starts   Rate  Environments          ms          ms       Cost",
        "─" * 79,
        "     5m00s            6  21.4%             4      433.09      433.09  $0.000122",
        "    10m00s            6  21.4%             4      433.09      433.09  $0.000122",
    ]


def test_a_provisioned_sweep_leaves_out_the_max_column_rather_than_fold_headers() -> None:
    rows = [_sweep_row("provisioned", 0, None), _sweep_row("provisioned", 1, 0.00188)]
    assert _sweep_text(rows, 80) == [
        "Sweep: provisioned",
        "                   Cold                        p99 added                     PC",
        "Provisioned      starts   Rate  Environments          ms       Cost  allocation",
        "─" * 79,
        "          0           6  21.4%             4      433.09  $0.000122           -",
        "          1           6  21.4%             4      433.09  $0.000122    $0.00188",
    ]
    # with room, the Max column is there
    assert "Max added ms" in _sweep_text(rows, 120)[1]


def test_a_partial_allocation_is_marked_like_a_partial_cost() -> None:
    # ledger's allocation is not priced (no provisioned-concurrency price for its Region):
    # the allocation shown is the other functions' only, so it reads "at least" as the
    # cost does (a trial saw Cost $0.00158+ beside PC allocation $0.00156)
    missing = ["ledger: no requests_per_million price for il-central-1 x86_64",
               "ledger: provisioned concurrency allocation not priced: no "
               "provisioned_concurrency_per_gb_s price for il-central-1 x86_64"]
    rows = [{**_sweep_row("provisioned", 0, None), "cost_incomplete": missing[:1]},
            {**_sweep_row("provisioned", 1, 0.00156), "cost_incomplete": missing},
            _sweep_row("provisioned", 2, 0.00188)]
    assert _sweep_text(rows, 80)[4:] == [
        "          0           6  21.4%             4     433.09  $0.000122+           -",
        "          1           6  21.4%             4     433.09  $0.000122+   $0.00156+",
        "          2           6  21.4%             4     433.09   $0.000122    $0.00188",
    ]


def test_a_difference_of_points_that_is_not_zero_never_reads_as_zero() -> None:
    from lamlife.reports.simulate import fmt_difference

    # pc/pricing.jsonl of a trial: INIT share 0.025 % observed, 0 % simulated
    assert fmt_difference(0.00025, 0.0, "share") == "-<0.1 pt"
    assert fmt_difference(0.0, 0.00025, "share") == "+<0.1 pt"
    assert fmt_difference(0.1, 0.1, "share") == "+0.0 pt"
    assert fmt_difference(0.5, 0.25, "share") == "-25.0 pt"
    assert fmt_difference(0.25, 0.2505, "share") == "+0.1 pt"
