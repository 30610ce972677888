"""Budgets (YAML), baselines (JSON) and the verdicts of evaluate, on hand-built metrics."""

from __future__ import annotations

import json
import math
from datetime import datetime, timezone
from pathlib import Path

import pytest

from lamlife.lifecycle.check.budget import (
    BASELINE_FORMAT,
    Budget,
    Limit,
    baseline_document,
    budget_warnings,
    check_metric_names,
    evaluate,
    failed,
    load_baseline,
    load_budget,
    parse_budget,
    relative_increase,
    save_baseline,
)
from lamlife.lifecycle.errors import ConfigError

REPO = Path(__file__).resolve().parents[2]

METRICS = {
    "invocations": 200.0,
    "cold_start_rate": 0.05,
    "init_p95_ms": 750.0,
    "timeouts": 0.0,
    "reset_loops": 0.0,
    "cost_per_million_usd": 2.75,
}


def write(tmp_path: Path, text: str, name: str = "budget.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def budget(*limits: tuple[str, str, float]) -> Budget:
    return Budget(limits=tuple(Limit(metric=m, kind=k, limit=v) for k, m, v in limits))  # type: ignore[arg-type]


# --- loading -------------------------------------------------------------------------------


def test_the_issue_example_loads(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
function: orders
max:
  cold_start_rate: 0.05
  init_p95_ms: 800
  cost_per_million_usd: 2.50
  init_cost_share: 0.10
  timeouts: 0
  reset_loops: 0
max_increase:
  cost_per_million_usd: 0.10
  cold_start_rate: 0.20
""",
    )
    b = load_budget(path)
    assert b.functions == ("orders",)
    assert b.source == str(path)
    assert [(x.kind, x.metric, x.limit) for x in b.limits] == [
        ("max", "cold_start_rate", 0.05),
        ("max", "init_p95_ms", 800.0),
        ("max", "cost_per_million_usd", 2.5),
        ("max", "init_cost_share", 0.1),
        ("max", "timeouts", 0.0),
        ("max", "reset_loops", 0.0),
        ("max_increase", "cost_per_million_usd", 0.1),
        ("max_increase", "cold_start_rate", 0.2),
    ]
    assert b.needs_baseline


def test_the_shipped_example_budget_loads() -> None:
    b = load_budget(REPO / "examples" / "budget.yaml")
    assert b.functions == ("orders",)
    assert {x.kind for x in b.limits} == {"max", "min", "max_increase"}


def test_function_may_be_a_list_and_is_optional() -> None:
    b = parse_budget({"function": ["orders", "billing", "orders"], "max": {"timeouts": 0}})
    assert b.functions == ("orders", "billing")
    assert parse_budget({"max": {"timeouts": 0}}).functions is None
    assert not parse_budget({"max": {"timeouts": 0}}).needs_baseline


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"maximum": {"timeouts": 0}}, "unknown key 'maximum'"),
        ({"max": {"timeouts": "zero"}}, "max.timeouts must be a number"),
        ({"max": {"timeouts": True}}, "max.timeouts must be a number"),
        ({"max": {"timeouts": None}}, "max.timeouts must be a number"),
        ({"max_increase": {"cold_start_rate": "20%"}}, "max_increase.cold_start_rate"),
        # a percentage written as a number could never fail: 5 meant as 5 %
        ({"max": {"cold_start_rate": 5}}, "max.cold_start_rate is a fraction from 0 to 1"),
        ({"min": {"init_cost_share": 10}}, "min.init_cost_share is a fraction from 0 to 1"),
        # no metric is below 0: such a max always fails, such a min always holds
        ({"max": {"cold_start_rate": -0.1}}, "max.cold_start_rate is never negative"),
        ({"min": {"invocations": -1}}, "would always hold"),
        # YAML 1.1 reads 1e-1 (no dot) as text
        ({"max": {"cold_start_rate": "1e-1"}}, "YAML reads '1e-1' as text, not a number; "
                                               "write it as 0.1"),
        ({"max": [1, 2]}, "'max' must be a mapping"),
        ({"min": {3: 1}}, "metric names are strings"),
        ({"function": 3, "max": {"timeouts": 0}}, "'function' must be"),
        ({"function": [], "max": {"timeouts": 0}}, "'function' must be"),
        ({"function": "orders"}, "no limits"),
        ({"max": {}}, "no limits"),
        (None, "empty"),
        (["max"], "a budget is a mapping"),
    ],
)
def test_bad_budgets_name_the_bad_key(data: object, expected: str) -> None:
    with pytest.raises(ConfigError, match=None) as info:
        parse_budget(data, "b.yaml")
    assert expected in str(info.value)
    assert str(info.value).startswith("b.yaml: ")
    assert info.value.exit_code == 2


def test_fraction_limits_up_to_one_and_increases_past_one_are_accepted() -> None:
    budget = parse_budget({"max": {"cold_start_rate": 1, "timeouts": 5},
                           "max_increase": {"cold_start_rate": 2.5}})
    assert sorted(limit.limit for limit in budget.limits) == [1.0, 2.5, 5.0]


def test_unknown_key_lists_the_valid_keys() -> None:
    with pytest.raises(ConfigError) as info:
        parse_budget({"limits": {}})
    assert "function, max, min, max_increase" in str(info.value)


def test_invalid_yaml_names_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, "max:\n  timeouts: 0\n  bad: [\n")
    with pytest.raises(ConfigError) as info:
        load_budget(path)
    assert "not valid YAML" in str(info.value)
    assert "line" in str(info.value)


def test_duplicate_keys_are_an_error(tmp_path: Path) -> None:
    path = write(tmp_path, "max:\n  timeouts: 0\n  timeouts: 5\n")
    with pytest.raises(ConfigError) as info:
        load_budget(path)
    assert "duplicate key 'timeouts' (line 3)" in str(info.value)


def test_a_missing_budget_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_budget(tmp_path / "nope.yaml")
    assert "cannot read the budget" in str(info.value)


def test_infinite_limits_are_allowed(tmp_path: Path) -> None:
    b = load_budget(write(tmp_path, "max_increase:\n  timeouts: .inf\n"))
    assert b.limits[0].limit == math.inf


# --- metric names --------------------------------------------------------------------------


def test_unknown_metric_lists_the_valid_ones() -> None:
    b = budget(("max", "init_p95", 800))
    with pytest.raises(ConfigError) as info:
        check_metric_names(b, METRICS)
    text = str(info.value)
    assert "unknown metric 'init_p95'; did you mean 'init_p95_ms'? valid metrics: " in text
    assert "init_p95_ms" in text and "cold_start_rate" in text and "start_type_cold" in text
    with pytest.raises(ConfigError, match="did you mean 'cold_start_rate'"):
        check_metric_names(budget(("max", "cold_start_ratio", 0.1)), METRICS)
    with pytest.raises(ConfigError, match="unknown metric 'xyzzy'; valid metrics"):
        check_metric_names(budget(("max", "xyzzy", 1)), METRICS)


def test_cost_metric_without_billing_says_why() -> None:
    b = budget(("max", "init_cost_share", 0.1))
    with pytest.raises(ConfigError) as info:
        check_metric_names(b, METRICS)  # no init_cost_share: no billing
    assert "max.init_cost_share: cost metrics need billing" in str(info.value)


def test_undocumented_metrics_the_analysis_produced_are_valid() -> None:
    check_metric_names(budget(("max", "unused_inits", 3)), {"unused_inits": 1.0})


# --- evaluate: absolute limits ---------------------------------------------------------------


def test_max_and_min() -> None:
    b = budget(
        ("max", "init_p95_ms", 800),  # 750 <= 800
        ("max", "cold_start_rate", 0.05),  # equal: holds
        ("max", "cost_per_million_usd", 2.5),  # 2.75 > 2.5
        ("min", "invocations", 100),  # 200 >= 100
        ("min", "init_p95_ms", 751),  # 750 < 751
    )
    verdicts = evaluate(METRICS, b)
    assert [v.ok for v in verdicts] == [True, True, False, True, False]
    assert [v.status for v in verdicts] == ["pass", "pass", "fail", "pass", "fail"]
    assert [v.metric for v in failed(verdicts)] == ["cost_per_million_usd", "init_p95_ms"]
    assert verdicts[2].value == 2.75 and verdicts[2].limit == 2.5


def test_float_rounding_at_the_limit_is_not_a_failure() -> None:
    metrics = {"cost_total_usd": 0.1 + 0.2}  # 0.30000000000000004
    assert evaluate(metrics, budget(("max", "cost_total_usd", 0.3)))[0].ok
    assert not evaluate({"cost_total_usd": 0.3001}, budget(("max", "cost_total_usd", 0.3)))[0].ok


@pytest.mark.parametrize("kind", ["max", "min"])
def test_a_limit_without_data_does_not_hold(kind: str) -> None:
    """No data is not a pass: an empty or broken log window must not turn a check green."""
    v = evaluate({"init_p95_ms": math.nan}, budget((kind, "init_p95_ms", 800)))[0]
    assert not v.ok and v.no_data and v.status == "no_data"
    assert failed([v]) == [v]


def test_allow_no_data_lets_chosen_limits_pass_without_data() -> None:
    every = Budget(limits=(Limit("init_p95_ms", "max", 800.0),), allow_no_data=frozenset("*"))
    v = evaluate({"init_p95_ms": math.nan}, every)[0]
    assert v.ok and v.no_data and v.status == "no_data"
    parsed = parse_budget({"max": {"init_p95_ms": 800, "cold_start_rate": 0.1},
                           "allow_no_data": ["init_p95_ms"]})
    verdicts = evaluate({"init_p95_ms": math.nan, "cold_start_rate": math.nan}, parsed)
    assert [(v.metric, v.ok, v.status) for v in verdicts] == [
        ("init_p95_ms", True, "no_data"), ("cold_start_rate", False, "no_data")]
    # data, when there is some, is still checked against the limit
    assert not evaluate({"init_p95_ms": 900.0, "cold_start_rate": 0.0}, parsed)[0].ok


@pytest.mark.parametrize("value, allowed", [
    (True, {"*"}), (False, None), (None, None), ("init_p95_ms", {"init_p95_ms"}),
    (["init_p95_ms"], {"init_p95_ms"}),
])
def test_allow_no_data_values(value: object, allowed: set[str] | None) -> None:
    parsed = parse_budget({"max": {"init_p95_ms": 800}, "allow_no_data": value})
    assert parsed.allow_no_data == (None if allowed is None else frozenset(allowed))


@pytest.mark.parametrize("value, words", [
    (["cold_start_rate"], "has no limit in this budget"),
    ([], "must be true, false or a list"),
    (3, "must be true, false or a list"),
    ([""], "must be true, false or a list"),
])
def test_allow_no_data_mistakes_are_named(value: object, words: str) -> None:
    with pytest.raises(ConfigError, match=words):
        parse_budget({"max": {"init_p95_ms": 800}, "allow_no_data": value})


# --- evaluate: relative to a baseline --------------------------------------------------------


def test_max_increase_against_a_baseline() -> None:
    base = {"cost_per_million_usd": 2.5, "cold_start_rate": 0.05, "init_p95_ms": 800.0}
    b = budget(
        ("max_increase", "cost_per_million_usd", 0.10),  # 2.5 -> 2.75: +10 %, holds (equal)
        ("max_increase", "cold_start_rate", 0.0),  # unchanged: +0 %
        ("max_increase", "init_p95_ms", 0.10),  # 800 -> 750: a decrease
    )
    verdicts = evaluate(METRICS, b, base)
    assert [v.ok for v in verdicts] == [True, True, True]
    assert verdicts[0].increase == pytest.approx(0.10)
    assert verdicts[0].baseline == 2.5
    assert verdicts[2].increase == pytest.approx(-0.0625)

    tighter = budget(("max_increase", "cost_per_million_usd", 0.05))
    v = evaluate(METRICS, tighter, base)[0]
    assert not v.ok and v.status == "fail"


def test_max_increase_from_a_zero_baseline() -> None:
    assert relative_increase(0.0, 0.0) == 0.0
    assert relative_increase(1.0, 0.0) == math.inf
    assert relative_increase(3.0, 2.0) == 0.5
    b = budget(("max_increase", "timeouts", 0.5))
    assert evaluate({"timeouts": 0.0}, b, {"timeouts": 0.0})[0].ok
    assert not evaluate({"timeouts": 1.0}, b, {"timeouts": 0.0})[0].ok
    unlimited = budget(("max_increase", "timeouts", math.inf))
    assert evaluate({"timeouts": 5.0}, unlimited, {"timeouts": 0.0})[0].ok


def test_max_increase_without_a_baseline_is_a_usage_error() -> None:
    with pytest.raises(ConfigError) as info:
        evaluate(METRICS, budget(("max_increase", "cold_start_rate", 0.2)))
    assert "needs a baseline" in str(info.value)


def test_baseline_without_the_metric_is_an_error() -> None:
    with pytest.raises(ConfigError) as info:
        evaluate(METRICS, budget(("max_increase", "cost_per_million_usd", 0.1)), {"x": 1.0})
    assert "has no metric 'cost_per_million_usd'" in str(info.value)
    assert "billing" in str(info.value)


def test_nan_baseline_is_no_data() -> None:
    v = evaluate(METRICS, budget(("max_increase", "init_p95_ms", 0.1)), {"init_p95_ms": math.nan})[
        0
    ]
    assert not v.ok and v.no_data and v.increase is None
    allowing = Budget(limits=(Limit("init_p95_ms", "max_increase", 0.1),),
                      allow_no_data=frozenset({"init_p95_ms"}))
    v = evaluate(METRICS, allowing, {"init_p95_ms": math.nan})[0]
    assert v.ok and v.no_data and v.increase is None


# --- baseline files --------------------------------------------------------------------------


def test_baseline_round_trip(tmp_path: Path) -> None:
    when = datetime(2026, 8, 1, 12, 0, tzinfo=timezone.utc)  # noqa: UP017 (3.10)
    doc = baseline_document(
        {"invocations": 200.0, "init_p95_ms": math.nan},
        inputs=["logs.jsonl"],
        functions=["orders"],
        created=when,
        lamlife_version="0.1.0",
    )
    path = tmp_path / "baseline.json"
    save_baseline(path, doc)
    raw = json.loads(path.read_text())
    assert raw[BASELINE_FORMAT] == 1
    assert raw["metrics"] == {"init_p95_ms": None, "invocations": 200.0}
    assert raw["created"] == "2026-08-01T12:00:00+00:00"
    assert raw["inputs"] == ["logs.jsonl"]

    loaded = load_baseline(path)
    assert loaded.metrics["invocations"] == 200.0
    assert math.isnan(loaded.metrics["init_p95_ms"])
    assert loaded.functions == ("orders",)
    assert loaded.inputs == ("logs.jsonl",)
    assert loaded.created == "2026-08-01T12:00:00+00:00"
    assert loaded.source == str(path)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{not json", "not valid JSON"),
        ('{"metrics": {}}', "not a lamlife baseline"),
        ('{"lamlife_baseline": 9, "metrics": {}}', "version 9 is not supported"),
        ('{"lamlife_baseline": 1, "metrics": []}', "'metrics' must be a mapping"),
        ('{"lamlife_baseline": 1, "metrics": {"x": "1"}}', "metrics.x must be a number"),
    ],
)
def test_bad_baselines(tmp_path: Path, text: str, expected: str) -> None:
    path = write(tmp_path, text, "baseline.json")
    with pytest.raises(ConfigError) as info:
        load_baseline(path)
    assert expected in str(info.value)


def test_evaluate_accepts_a_loaded_baseline(tmp_path: Path) -> None:
    path = tmp_path / "b.json"
    save_baseline(path, baseline_document({"cold_start_rate": 0.04}, inputs=[]))
    v = evaluate(METRICS, budget(("max_increase", "cold_start_rate", 0.2)), load_baseline(path))[0]
    # 0.04 -> 0.05 is +25 %: over the +20 % limit
    assert not v.ok
    assert v.increase == pytest.approx(0.25)


def test_loose_increases_are_warned_about_once_each() -> None:
    budget = parse_budget({"max_increase": {"cold_start_rate": 20, "init_p95_ms": 1.5,
                                            "timeouts": float("inf"), "cost_per_million_usd": 2}},
                          "b.yaml")
    assert budget_warnings(budget) == [
        "b.yaml: max_increase.cold_start_rate: 20 allows +2,000 %; if you meant 20 %, write 0.2",
        "b.yaml: max_increase.cost_per_million_usd: 2 allows +200 %; if you meant 2 %, write 0.02",
    ]
    assert budget_warnings(parse_budget({"max": {"cold_start_rate": 0.5}})) == []
