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


def test_sweep_headers_take_two_lines_at_most_at_80_columns() -> None:
    # "p99 added ms" was drawn over three lines (p99/added/ms)
    from lamlife.reports.simulate import sweep_section

    rows = [{"parameter": "keep_alive_s", "value": v, "invocations": 28, "environments": 4,
             "cold_starts": 6, "cold_start_rate": 0.214, "added_latency_p99_ms": 433.09,
             "added_latency_max_ms": 433.09, "init_wait_s": 1.0, "cost_usd": 0.000122,
             "provisioned_allocation_usd": None, "init_cost_usd": None} for v in (300.0, 600.0)]
    console = Console(width=80, record=True, color_system=None, force_terminal=False,
                      file=io.StringIO())
    console.print(section_renderable(sweep_section(rows)))
    lines = console.export_text().splitlines()
    rule = next(i for i, line in enumerate(lines) if line.startswith("─"))
    assert rule - 1 <= 2  # the title line, then at most two header lines
    assert "added ms" in lines[rule - 1]
