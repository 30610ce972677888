"""The terminal report (rich) at a fixed width, against golden files and by its parts."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from rich.console import Console
from rich.text import Text

from lamlife.lifecycle.analysis import Analysis
from lamlife.lifecycle.errors import InputError
from lamlife.reports import render
from lamlife.reports.sections import Column, Section, percentile_labels
from lamlife.reports.tables import fit_widths, render_terminal

GOLDEN = Path(__file__).resolve().parents[1] / "data" / "reports"


def terminal_text(analysis: Analysis, width: int = 100, **options: object) -> str:
    """What a plain (no colour) terminal of ``width`` columns shows; trailing blanks dropped."""
    console = Console(
        width=width, record=True, color_system=None, force_terminal=False, file=io.StringIO()
    )
    render_terminal(analysis, console, **options)  # type: ignore[arg-type]
    return "\n".join(line.rstrip() for line in console.export_text().split("\n"))


def golden(name: str) -> str:
    return (GOLDEN / name).read_text(encoding="utf-8")


def section_lines(section: Section, width: int) -> list[str]:
    """``section`` drawn on a plain terminal ``width`` cells wide, lines right-stripped."""
    from lamlife.reports.tables import section_renderable

    console = Console(width=width, record=True, color_system=None, force_terminal=False,
                      file=io.StringIO())
    console.print(section_renderable(section))
    return [line.rstrip() for line in console.export_text().splitlines()]


def cost_section(function: str, title: str = "t") -> Section:
    """A cost-by-function table of one row: ``function`` in us-east-1, 28 invocations."""
    return Section(title=title, columns=(
        Column("Function", keep_words=True), Column("Region", keep_words=True),
        Column("Invocations", "right"), Column("Total", "right")),
        rows=((function, "us-east-1", "28", "$0.000118"),))


def env_label(i: int) -> str:
    """The label of environment ``i`` of the ``many`` fixture in its environments table: one
    function and one version, so the table says the version once, in its title."""
    return f"…{i:08x}"


def test_sample_matches_golden(sample: Analysis) -> None:
    assert terminal_text(sample) == golden("sample_table_w100.txt")


def test_empty_says_so_plainly(empty: Analysis) -> None:
    text = terminal_text(empty)
    assert text == golden("empty_table_w100.txt")
    assert text.startswith("No invocations found.\n")
    assert "Functions" not in text and "Environments" not in text


def test_no_line_wider_than_the_console(sample: Analysis) -> None:
    for width in (100, 80, 60):
        text = terminal_text(sample, width=width)
        assert max(len(line) for line in text.split("\n")) <= width, width
        # rich never cuts a cell with an ellipsis: the only "…" are the environment labels
        # (3 environments, 3 events)
        assert text.count("…") == 6, width


def test_environments_top_n_by_invocations(many: Analysis) -> None:
    text = terminal_text(many, top=3)
    assert "Environments: top 3 of 12 by invocations, all version $LATEST" in text
    table = text.split("Environments: top 3")[1].split("Flagged events")[0]
    # invocations: environment 5 has 21, 10 has 20, 3 has 19 (conftest.build_many)
    positions = [table.index(env_label(i)) for i in (5, 10, 3)]
    assert positions == sorted(positions)
    assert env_label(8) not in table  # 18 invocations: 4th
    assert "... 9 more environments" in text


def test_environments_top_n_by_lifetime(many: Analysis) -> None:
    text = terminal_text(many, top=4, sort_by="lifetime")
    assert "Environments: top 4 of 12 by lifetime" in text
    table = text.split("Environments: top 4")[1].split("Flagged events")[0]
    # lifetimes: 7 -> 1107 s, 2 -> 1002 s, 9 -> 909 s, 4 -> 804 s, 11 -> 711 s
    positions = [table.index(env_label(i)) for i in (7, 2, 9, 4)]
    assert positions == sorted(positions)
    assert env_label(11) not in table
    assert "18m27s" in table  # 1107 s
    assert "... 8 more environments" in table


def test_environment_flags_shown(many: Analysis) -> None:
    text = terminal_text(many, top=12, max_events=0)
    assert "Environments (12, by invocations)" in text
    assert "more environments" not in text
    table = text.split("Environments (12")[1].split("Flagged events")[0]
    assert "started_before_window," in table and "reset_loop" in table
    # environment 0 (10 invocations) comes last; its row takes two lines: the flags wrap
    # after the first flag (one function and version: the label is the id alone, never cut)
    first, second = table.rstrip().split("\n")[-2:]
    assert first.split() == [env_label(0), "100.00", "0.0s", "10", "1", "0", "1.0s",
                             "started_before_window,"]
    assert second.split() == ["reset_loop"]


def test_bad_sort_key_is_a_user_error(sample: Analysis) -> None:
    with pytest.raises(InputError, match="invocations, lifetime"):
        terminal_text(sample, sort_by="cold_starts")


def test_events_capped_with_a_more_line(many: Analysis) -> None:
    text = terminal_text(many, max_events=20)
    assert "Flagged events (25)" in text
    assert "event number 19" in text and "event number 20" not in text
    assert text.rstrip().endswith("... 5 more events")
    none_shown = terminal_text(many, max_events=0)
    assert "event number" not in none_shown
    assert none_shown.rstrip().endswith("... 25 more events")


def test_no_events(make_sample: Callable[[], Analysis]) -> None:
    analysis = make_sample()
    analysis.events = analysis.events.iloc[0:0]
    text = terminal_text(analysis)
    assert text.rstrip().endswith("Flagged events (0)\nNo flagged events.")


def test_names_are_not_rich_markup(make_sample: Callable[[], Analysis]) -> None:
    analysis = make_sample()
    analysis.functions.loc[0, "function"] = "[bold]billing[/bold]"
    text = terminal_text(analysis)
    assert "[bold]billing[/bold]" in text


def test_no_init_with_known_duration(make_sample: Callable[[], Analysis]) -> None:
    analysis = make_sample()
    analysis.summary["init_duration_ms"] = {"count": 0, "p50": None, "max": float("nan")}
    text = terminal_text(analysis)
    assert "Init duration\nNo init with a known duration." in text
    assert "p50 (median)" not in text


def test_percentile_table_with_many_inits(make_sample: Callable[[], Analysis]) -> None:
    analysis = make_sample()
    analysis.summary["init_duration_ms"] = {
        "count": 250,
        "p50": 120.5,
        "p90": 300.25,
        "p99": 901.0,
        "max": 1500.0,
    }
    section = terminal_text(analysis).split("Init duration\n")[1].split("\n\n")[0]
    assert section.split("\n")[2:6] == [
        "p50 (median)            120.50",
        "p90                     300.25",
        "p99                     901.00",
        "max                   1,500.00",
    ]
    assert section.split("\n")[6:] == [
        "Over 250 inits with a known duration. Method: linear interpolation between closest "
        "ranks."
    ]


def test_percentile_table_says_which_inits_it_leaves_out(
        make_sample: Callable[[], Analysis]) -> None:
    # the summary's init percentiles are of the inits a caller waited for; provisioned and
    # proactive ones are apart (init_ahead_of_demand_ms) and the section says so
    analysis = make_sample()
    analysis.summary["init_duration_ms"] = {
        "count": 250, "p50": 120.5, "p90": 300.25, "p99": 901.0, "max": 1500.0}
    analysis.summary["init_ahead_of_demand_ms"] = {
        "count": 3, "p50": 1100.0, "p90": 1180.0, "p99": 1198.0, "max": 1200.0}
    section = terminal_text(analysis, width=160).split("Init duration\n")[1].split("\n\n")[0]
    assert section.split("\n")[6:] == [
        "Over 250 inits with a known duration that a caller waited for. Method: linear "
        "interpolation between closest ranks.",
        "Left out: 3 inits ahead of demand (provisioned or proactive: no caller waited), max "
        "1,200.00 ms."]
    analysis.summary["init_duration_ms"] = {"count": 0, "p50": None, "max": float("nan")}
    text = terminal_text(analysis, width=160)
    assert ("Init duration\nNo init a caller waited for with a known duration.\nLeft out: 3 "
            "inits ahead of demand (provisioned or proactive: no caller waited), max 1,200.00 "
            "ms.") in text


@pytest.mark.parametrize(
    ("count", "labels"),
    [
        (1, ("p50 (median)", "p90 (only 1 init)", "p99 (only 1 init)", "max")),
        (10, ("p50 (median)", "p90 (only 10 inits)", "p99 (only 10 inits)", "max")),
        (11, ("p50 (median)", "p90", "p99 (only 11 inits)", "max")),
        (100, ("p50 (median)", "p90", "p99 (only 100 inits)", "max")),
        (101, ("p50 (median)", "p90", "p99", "max")),
    ],
)
def test_percentile_labels(count: int, labels: tuple[str, ...]) -> None:
    assert percentile_labels(count) == labels


def test_percentile_marks_match_linear_interpolation() -> None:
    """A label is marked exactly when the value lies above the second largest value."""
    rng = np.random.default_rng(7)
    for n in range(2, 160):
        values = np.sort(rng.uniform(100, 2000, n))
        labels = percentile_labels(n)
        for label, q in ((labels[1], 90), (labels[2], 99)):
            above_second = np.percentile(values, q, method="linear") > values[-2]
            assert ("only" in label) == above_second, (n, q)


def test_extra_sections_come_before_the_environments(sample: Analysis) -> None:
    cost = Section(
        title="Cost",
        columns=(Column("Item"), Column("USD", "right")),
        rows=(("Total", "$0.000118"),),
    )
    text = terminal_text(sample, extra_sections=[cost, Text("[not markup] cost note")])
    # after the counts and init durations, before the environments and events
    block = text.split("Init duration by function")[1].split("Environments (")[0]
    lines = [line.rstrip() for line in block.rstrip().split("\n")][-7:]
    assert lines == [
        "",
        "Cost",
        "Item         USD",
        "────────────────",
        "Total  $0.000118",
        "",
        "[not markup] cost note",
    ]


def test_fit_widths_wraps_text_before_numbers() -> None:
    section = Section(
        title="t",
        columns=(Column("Name"), Column("Count", "right"), Column("Reason")),
        rows=(("alpha", "12,345", "a fairly long reason that has to wrap somewhere"),),
    )
    assert fit_widths(section, 200) is None  # natural widths fit
    widths = fit_widths(section, 40)
    assert widths is not None
    assert sum(widths) + 5 == 40  # 3 pads and 2 separators
    assert widths[:2] == [5, 6]  # names and numbers keep their width; the reason wraps


def test_render_table_format_is_the_terminal_text(sample: Analysis) -> None:
    text = render(sample, "table", width=100)
    assert "\n".join(line.rstrip() for line in text.split("\n")) == golden(
        "sample_table_w100.txt"
    )


def test_optional_column_gives_way_before_words_fold() -> None:
    from lamlife.reports.sections import Column, Section
    from lamlife.reports.tables import fitted

    section = Section(
        title="Cost by function",
        columns=(Column("Function"), Column("Region"), Column("GB-s", "right", optional=True),
                 Column("Total", "right")),
        rows=(("orders-api", "us-east-1", "6.7275", "$0.000118"),),
    )
    # wide enough for all: nothing is left out
    assert fitted(section, 60) is section
    # too narrow for all four without folding "orders-api" or "us-east-1": GB-s goes
    narrow = fitted(section, 36)
    assert [c.header for c in narrow.columns] == ["Function", "Region", "Total"]
    assert narrow.rows == (("orders-api", "us-east-1", "$0.000118"),)
    # narrower still: words fold either way, fewer without GB-s, so it goes
    assert fitted(section, 30).columns == narrow.columns
    # wide enough for the table without GB-s but not with it: never keep the worse layout
    two = Section(title="t", columns=section.columns,
                  rows=(*section.rows, ("thumbnailer", "us-east-1", "0.5", "$0.01")))
    assert [c.header for c in fitted(two, 37).columns] == ["Function", "Region", "Total"]


def test_ids_stay_whole_and_number_headers_fold_instead() -> None:
    from lamlife.reports.tables import fit_widths

    section = cost_section("thumbnailer", title="t")
    # natural 11 + 9 + 11 + 9 = 40 in 44 - 7 = 37: the number header gives, the ids stay
    assert fit_widths(section, 44) == [11, 9, 8, 9]
    # in 40 - 7 = 33: the header folds to two lines at most ("Invoca/tions"), then the
    # Region breaks after its hyphen ("us-/east-1", 7), so "thumbnailer" (no separator) and
    # the numbers ("$0.000118") stay whole and the table is no records
    assert fit_widths(section, 40) == [11, 7, 6, 9]
    assert section_lines(section, 40)[4:] == ["thumbnailer  us-          28  $0.000118",
                                              "             east-1"]


def test_long_ids_break_after_separators_before_headers_fold() -> None:
    from lamlife.reports.tables import id_lines

    name = "checkout-service-production-eu-west-1-order-processor"
    assert id_lines(name, 20) == ["checkout-service-", "production-eu-west-", "1-order-processor"]
    assert id_lines("2026/04/14/[$LATEST]3f9c2a7e", 21) == ["2026/04/14/[$LATEST]",
                                                            "3f9c2a7e"]
    assert id_lines("abcdefgh", 3) == ["abcdefgh"]  # no separator: left whole (rich folds it)
    section = cost_section(name, title="Cost by function")

    def shown(width: int) -> list[str]:
        return section_lines(section, width)

    # the name spreads over three lines at its hyphens (the fewest cells for three lines);
    # the Region (a short id) and the number header stay whole
    assert shown(55) == [
        "Cost by function",
        "Function             Region     Invocations      Total",
        "─" * 54,
        "checkout-service-    us-east-1           28  $0.000118",
        "production-eu-west-",
        "1-order-processor",
    ]
    # wider: each line takes as many pieces as fit
    assert shown(60)[3:] == ["checkout-service-         us-east-1           28  $0.000118",
                             "production-eu-west-1-", "order-processor"]


def test_number_headers_fold_to_two_lines_whole_words_first() -> None:
    # the trial's cost table at 80 columns: "Cold starts" went to "Col/d/sta/rts" (four
    # lines of a 3-cell column); a two-word header keeps its words on two lines
    from lamlife.reports.sections import Column, Section

    name = "orders-service-production-eu-west-1-checkout-handler-v2"
    section = Section(title="Cost by function", columns=(
        Column("Function", keep_words=True), Column("Region", keep_words=True),
        Column("Invocations", "right"), Column("Cold starts", "right"),
        Column("Total", "right"), Column("INIT", "right"), Column("INIT share", "right"),
        Column("Per 1M", "right")),
        rows=((name, "us-east-1", "28", "5", "$0.000118", "$0.0000104", "8.8%", "$4.20"),))
    lines = section_lines(section, 80)
    assert lines[1:4] == [
        "                            Invoca    Cold                          INIT    Per",
        "Function         Region      tions  starts      Total        INIT  share     1M",
        "─" * 79,
    ]
    # the name breaks only after its hyphens
    assert [line[:17].rstrip() for line in lines[4:]] == [
        "orders-service-", "production-eu-", "west-1-", "checkout-", "handler-v2"]


def test_a_text_column_folds_its_words_but_not_its_header() -> None:
    # "Flags" was drawn one letter a line at 80 columns
    from lamlife.reports.sections import Column, Section
    from lamlife.reports.tables import fit_widths

    section = Section(title="t", columns=(
        Column("Environment", keep_words=True), Column("Invocations", "right"),
        Column("Flags")),
        rows=(("…b4f08c65", "13", "reset_loop;started_before_window"),))
    # the flags fold ("reset_loop;star/ted_before_w/indow"); the header stays whole and a
    # number header folds to two lines before it would go below that
    assert fit_widths(section, 28) == [11, 7, 5]


def test_reasons_stay_readable_while_long_names_break_at_separators() -> None:
    # the trial's flagged events of two long-named functions at 80 and 100 columns: the
    # Reason column got 6 cells ("proact/ive:/initia/lized") while the names kept 53
    from lamlife.reports.sections import Column, Section
    from lamlife.reports.tables import fit_widths, id_lines

    names = ("orders-service-production-eu-west-1-process-payment-v2",
             "orders-service-staging-eu-west-1a-process-payment-v2")
    reason = "proactive: initialized 83.4 s before its first request (INIT_START at 09:15:40)"
    section = Section(title="Flagged events", columns=(
        Column("Time", keep_words=True), Column("Function", keep_words=True),
        Column("Environment", keep_words=True), Column("Event", keep_words=True),
        Column("Reason")),
        rows=tuple(("09:17:03", name, "…b1c06a37", "proactive", reason) for name in names))
    for width, reason_cells in ((80, 18), (100, 24)):
        widths = fit_widths(section, width)
        assert widths is not None
        assert widths[4] >= reason_cells  # a few words a line, not a syllable
        assert all(len(id_lines(name, widths[1])) <= 3 for name in names)


def test_a_short_name_breaks_between_its_words_before_a_header_word_folds() -> None:
    section = cost_section("tenner-notifier", title="Functions")
    # natural 15 + 9 + 11 + 9 = 44 in 44 - 7 = 37: "tenner-notifier" (a name of words, 16
    # cells or fewer, so not broken in the ids' round) breaks after its hyphen (8 cells);
    # "Invocations" and the Region (a code, not words) stay whole
    assert fit_widths(section, 44) == [8, 9, 11, 9]
    # "us-east-1x" and "us-east-1" are codes, not names of words: the header folds as before
    widths = fit_widths(cost_section("us-east-1x"), 40)
    assert widths is not None and widths[2] < len("Invocations")


def test_a_table_that_would_cut_numbers_is_drawn_as_records() -> None:
    section = Section(title="Cost by start type", columns=(
        Column("Start type"), Column("Invocations", "right"), Column("Total", "right"),
        Column("Share of cost", "right"), Column("Mean", "right")),
        rows=(("cold", "3", "$0.0000169", "14.4%", "$0.00000564"),
              ("warm", "22", "$0.0000921", "78.3%", "$0.00000419")),
        notes=("Prices: us-east-1.",))

    def shown(width: int) -> list[str]:
        return section_lines(section, width)

    # natural 10 + 11 + 10 + 13 + 11 = 55; at 40 columns (40 - 9 = 31 cells) the dollars
    # would fold ("$0.0000056/4"): one record a row instead, every value whole
    assert shown(40) == [
        "Cost by start type",
        "Start type     cold",
        "Invocations    3",
        "Total          $0.0000169",
        "Share of cost  14.4%",
        "Mean           $0.00000564",
        "",
        "Start type     warm",
        "Invocations    22",
        "Total          $0.0000921",
        "Share of cost  78.3%",
        "Mean           $0.00000419",
        "Prices: us-east-1.",
    ]
    # where the headers can fold instead, it stays a table
    assert shown(56)[1:4] == [
        "Start                                Share",
        "type      Invocations       Total  of cost         Mean",
        "─" * 55,
    ]
    # an optional column gives way first (Mean left out, the table fits at 40 columns); where
    # even that is not enough, the records show it: they have room for it
    mean = Column("Mean", "right", optional=True)
    section = replace(section, columns=(*section.columns[:4], mean))
    assert "Mean" not in "".join(shown(40)) and "Share" in shown(40)[1]
    assert shown(30)[5] == "Mean           $0.00000564"


def test_a_long_text_word_breaks_after_its_separators_or_goes_to_records() -> None:
    # "started_before_window" folded as "started_b/efore_win/dow" at 80 columns
    section = Section(title="Environments", columns=(
        Column("Environment", keep_words=True), Column("Invocations", "right"),
        Column("Max idle", "right"), Column("Flags")),
        rows=(("…0a1b2c3d", "1", "0.0s", "started_before_window"),
              ("…9d2f7153", "12", "2m21s", "-")))
    assert section_lines(section, 44)[4:7] == [
        "…0a1b2c3d              1   0.0s  started_",
        "                                 before_",
        "                                 window",
    ]
    # narrower than "started_": records, the flag whole
    assert "Flags        started_before_window" in section_lines(section, 40)


def test_a_partly_priced_amount_keeps_the_cost_table_at_80_columns() -> None:
    # Two functions, the first partly priced: its "+" makes Total and INIT 13 cells each.
    # GB-s left out, 8 columns have 80 - 15 = 65 cells: Function 9 ("checkout-"), Region 7
    # ("eu-/west-1"), 6 + 6 (headers over two lines), 13 + 13, 5 and 6 ("$12.34") is 65,
    # so the table fits, no piece of a name and no number folded, once the Regions break
    # after a hyphen. It went to records: "checkout-" folded before a Region broke.
    from lamlife.reports.cost import cost_sections

    by_function = [
        {"function": "checkout-api", "region": "eu-west-1", "invocations": 28,
         "priced_invocations": 27, "unpriced_invocations": 1, "cold_starts": 5,
         "gb_seconds": 6.7275, "total_usd": 7.32e-7, "init_usd": 5.77e-7, "init_share": 0.088,
         "per_million_usd": 12.34},
        {"function": "notifier", "region": "eu-west-1", "invocations": 28,
         "priced_invocations": 28, "unpriced_invocations": 0, "cold_starts": 5,
         "gb_seconds": 6.7275, "total_usd": 1.61e-7, "init_usd": 1.05e-7, "init_share": 0.111,
         "per_million_usd": 12.34},
    ]
    # the summary's figures do not matter here: only the by-function table is drawn
    summary = {"total_usd": 0.0, "requests_usd": 0.0, "duration_usd": 0.0, "init_usd": 0.0,
               "init_share": 0.0, "per_million_invocations_usd": 0.0, "gb_seconds": 0.0,
               "billed_computed": 0, "invocations": 56, "priced_invocations": 55}
    section = cost_sections({**summary, "by_function": by_function})[1]
    assert section_lines(section, 80)[:9] == [
        "Cost by function",
        "                    Invoca    Cold                                 INIT",
        "Function   Region    tions  starts          Total           INIT  share  Per 1M",
        "─" * 79,
        "checkout-  eu-          28       5  $0.000000732+  $0.000000577+   8.8%  $12.34",
        "api        west-1",
        "notifier   eu-          28       5   $0.000000161   $0.000000105  11.1%  $12.34",
        "           west-1",
        "+ partly priced: the amount leaves out the row's unpriced invocations (see the",
    ]
    # the same amounts without the marker: the two cells go back to the Region
    plain = [dict(row, priced_invocations=28, unpriced_invocations=0) for row in by_function]
    section = cost_sections({**summary, "by_function": plain})[1]
    assert section_lines(section, 80)[4:7] == [
        "checkout-  eu-west-1      28       5  $0.000000732  $0.000000577   8.8%  $12.34",
        "api",
        "notifier   eu-west-1      28       5  $0.000000161  $0.000000105  11.1%  $12.34"]


@pytest.mark.parametrize("header, width, top, bottom", [
    # the trial's functions-by-INIT-cost table at 80 columns: one cell short of the word,
    # rich's fold gave "Invocation" / "s"; the fold is the README's "Invoca" / "tions"
    ("Invocations", 10, "Invoca", "tions"),
    ("Invocations", 8, "Invoca", "tions"),
    # variant: an odd split of another header
    ("Environments", 11, "Enviro", "nments"),
])
def test_a_folded_number_header_splits_its_word_evenly(header: str, width: int, top: str,
                                                       bottom: str) -> None:
    from lamlife.reports.tables import header_cell

    assert header_cell(header, width) == f"{top}\n{bottom}"
    section = Section(title="t", columns=(Column("Function", keep_words=True),
                                          Column(header, "right")),
                      rows=(("orders", "13"),))
    # the table is as wide as the console: the number column gets width cells
    lines = section_lines(section, len("Function") + 1 + width)
    assert [line.split()[-1] for line in lines[1:3]] == [top, bottom]


def test_the_trial_functions_table_folds_invocations_as_the_readme_says() -> None:
    from typer.testing import CliRunner

    import lamlife.cli.main  # noqa: F401
    from lamlife.cli.app import app

    result = CliRunner().invoke(app, [
        "analyze", str(GOLDEN / "all-funcs-provisioned.jsonl"), str(GOLDEN / "longname.jsonl"),
        "--format", "table"], env={"COLUMNS": "80"}, terminal_width=80)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("Functions by INIT cost"))
    assert lines[at + 1].split()[0] == "Invoca"
    assert lines[at + 2].split()[:2] == ["Function", "tions"]
    assert "Invocation " not in result.stdout
