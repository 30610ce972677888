"""Per-group reductions over codes (engine.groups) and the derived tables and cold-cause steps
built on them: each checked against a plain pandas/numpy computation of the same thing, on
hand-made and hypothesis-built tables with missing values, "" names, NaT times and any row
order."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from lamlife.lifecycle.engine import causes, groups, summarize
from lamlife.lifecycle.engine.coded import coded_by_code, compact_columns, plain_columns
from lamlife.lifecycle.engine.groups import (
    ValueCodes,
    distinct_pairs,
    first_valid_rows,
    group_blocks,
    group_counts,
    group_means,
)
from lamlife.lifecycle.engine.summarize import (
    environments_table,
    functions_table,
    summary_dict,
)
from lamlife.lifecycle.schema import (
    COLD_START_TYPES,
    ENVIRONMENT_COLUMNS,
    FLAG_SEPARATOR,
    INVOCATION_COLUMNS,
)


def test_value_codes_of_a_categorical_are_its_own_codes() -> None:
    column = pd.Series(pd.Categorical(["b", None, "a", "b"]))
    codes = ValueCodes(column)
    assert codes.codes.tolist() == [1, -1, 0, 1]
    assert list(codes.names) == ["a", "b"]
    assert np.shares_memory(codes.codes, column.array.codes)  # no copy of the rows
    assert codes.where(lambda name: name == "b").tolist() == [True, False, False, True]


def test_value_codes_of_strings_keep_missing_apart_from_empty() -> None:
    codes = ValueCodes(pd.Series(["x", None, "", "x", np.nan], dtype=object))
    assert list(codes.names) == ["", "x"]
    assert codes.codes.tolist() == [1, -1, 0, 1, -1]
    assert codes.where(lambda name: name != "x").tolist() == [False, False, True, False, False]


def test_first_valid_rows_per_run() -> None:
    starts = np.array([0, 3, 5])
    valid = np.array([False, True, True, False, False, True, True])
    assert first_valid_rows(valid, starts).tolist() == [1, -1, 5]
    assert first_valid_rows(None, starts).tolist() == [0, 3, 5]


def test_distinct_pairs_in_any_row_order() -> None:
    groups, codes = distinct_pairs(np.array([1, 0, 1, 1, 0, 1]), np.array([2, 5, 2, -1, 5, 0]))
    assert list(zip(groups.tolist(), codes.tolist(), strict=True)) == [
        (0, 5), (1, -1), (1, 0), (1, 2)]


def test_group_counts_per_run() -> None:
    hits = np.array([True, False, True, False, False, True])
    assert group_counts(hits, np.array([0, 2, 4])).tolist() == [1, 1, 1]
    assert group_counts(hits, np.array([0, 5])).tolist() == [2, 1]


def compensated_means(values: np.ndarray, sizes: list[int]) -> list[float]:
    """Per group of ``sizes`` consecutive values, the mean of its numbers (NaN skipped) summed
    in order with compensation (Kahan, as pandas' cython ``group_mean`` writes it), or NaN:
    the oracle for group_means, in plain Python."""
    out, lo = [], 0
    for size in sizes:
        total = compensation = 0.0
        count = 0
        for value in values[lo:lo + size].tolist():
            if value != value:  # NaN
                continue
            y = value - compensation
            t = total + y
            compensation = t - total - y
            total = t
            count += 1
        out.append(total / count if count else float("nan"))
        lo += size
    return out


@settings(max_examples=120, deadline=None)
@given(st.lists(st.integers(1, 9), min_size=1, max_size=12), st.sampled_from(
    ["first", "some", "none"]), st.randoms(use_true_random=False))
def test_group_means_are_compensated_sums_in_row_order_bit_for_bit(
        sizes: list[int], missing: str, rng: Any) -> None:
    """Blocks or not, NaN in the values or not, each group's mean is its numbers summed in
    row order with compensation: what pandas' groupby mean gives for values holding a NaN
    (group_means' docstring). With values holding none pandas 3.1 sums another way, which
    group_means used to follow when a whole input held no NaN. A pandas release that sums
    otherwise fails here."""
    values = np.array([rng.choice([rng.uniform(0, 1e4), rng.random() * 1e-3, rng.random(),
                                   rng.uniform(1e5, 1e6)]) for _ in range(sum(sizes))])
    starts = np.cumsum([0, *sizes[:-1]])
    if missing == "first":  # the idle times: each group's first invocation follows none
        values[starts] = np.nan
    elif missing == "some":
        values[[i for i in range(len(values)) if rng.random() < 0.3]] = np.nan
    with_blocks_of = groups.group_blocks.__defaults__
    try:
        groups.group_blocks.__defaults__ = (3,)  # blocks of about 3 rows: many
        got = group_means(values, starts)
    finally:
        groups.group_blocks.__defaults__ = with_blocks_of
    np.testing.assert_array_equal(got, compensated_means(values, sizes))  # NaN: no number
    if missing != "none":  # values holding a NaN, as the idle times always do: today's JSON
        group = np.repeat(np.arange(len(sizes)), sizes)
        np.testing.assert_array_equal(got, pd.Series(values).groupby(group).mean().to_numpy())


def test_group_means_of_long_groups_without_a_nan_are_the_compensated_sums() -> None:
    # 0.1 ten thousand times: a plain running sum drifts (1000.0000000001588) and pandas 3.1
    # sums values without a NaN to a mean of 0.09999999999999999; the compensated sum stays
    # the nearest float to 1000, so the mean is 0.1
    values = np.full(20_000, 0.1)
    assert group_means(values, np.array([0, 10_000])).tolist() == [0.1, 0.1]
    assert compensated_means(values, [10_000, 10_000]) == [0.1, 0.1]


def test_group_blocks_cover_every_group_once() -> None:
    starts = np.array([0, 2, 3, 10, 11])
    blocks = list(group_blocks(starts, 14, block=3))
    assert blocks == [(0, 2, 0, 3), (2, 3, 3, 10), (3, 4, 10, 11), (4, 5, 11, 14)]


# ------------------------------------------------------------------ the derived tables

def _reference_environments(inv: pd.DataFrame) -> pd.DataFrame:
    """The environments table as a plain pandas groupby computes it (the implementation before
    engine.groups), the oracle for environments_table."""
    inv = plain_columns(inv)
    inv = inv[inv["environment"] != ""]
    if inv.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in ENVIRONMENT_COLUMNS})
    key = inv["function"].fillna("").astype(str) + "\0" + inv["environment"].fillna("")
    order = np.lexsort((inv["start"].to_numpy(dtype="datetime64[ns]").astype(np.int64),
                        inv["start"].isna().to_numpy(),  # unknown starts last
                        key.to_numpy(dtype=str)))
    inv, key = inv.iloc[order], key.iloc[order].to_numpy()
    same = np.zeros(len(inv), dtype=bool)
    same[1:] = key[1:] == key[:-1]
    idle = (inv["start"] - inv["end"].shift()).dt.total_seconds().where(same)
    work = pd.DataFrame({"key": key, "idle": idle.clip(lower=0),
                         "cold": inv["start_type"].isin(COLD_START_TYPES),
                         "reinit": inv["start_type"] == "reinit",
                         "failed": inv["status"] != "success"})
    for flag in summarize.ENVIRONMENT_FLAGS:
        work[flag] = inv["flags"].map(lambda f, flag=flag: isinstance(f, str) and flag in
                                      f.split(FLAG_SEPARATOR)).to_numpy(dtype=bool)
    agg = work.groupby("key", sort=False).agg(
        max_idle_s=("idle", "max"), mean_idle_s=("idle", "mean"), cold_starts=("cold", "sum"),
        resets=("reinit", "sum"), failures=("failed", "sum"),
        **{flag: (flag, "any") for flag in summarize.ENVIRONMENT_FLAGS})
    g = inv.assign(key=key).groupby("key", sort=False)
    first = g[["function", "environment", "version", "init_type", "runtime_version",
               "init_duration_ms"]].first()
    out = pd.DataFrame({
        "function": pd.Index(first["function"].to_numpy(dtype=object)),
        "environment": pd.Index(first["environment"].to_numpy(dtype=object)),
        "version": first["version"].astype(object),
        "init_type": first["init_type"].astype(object),
        "runtime_version": first["runtime_version"].astype(object),
        "init_duration_ms": first["init_duration_ms"],
        "first_start": g["start"].min(), "last_end": g["end"].max(), "invocations": g.size()})
    out["lifetime_s"] = (out["last_end"] - out["first_start"]).dt.total_seconds()
    out = out.join(agg)
    text = pd.Series("", index=out.index, dtype=object)
    for flag in summarize.ENVIRONMENT_FLAGS:
        text = text + np.where(out[flag], flag + FLAG_SEPARATOR, "")
    out["flags"] = text.str.rstrip(FLAG_SEPARATOR)
    out = out.reset_index(drop=True)
    for c in ("invocations", "cold_starts", "resets", "failures"):
        out[c] = out[c].astype(np.int64)
    out = out.sort_values(["function", "first_start", "environment"], kind="stable")
    return out[list(ENVIRONMENT_COLUMNS)].reset_index(drop=True)


_T0 = pd.Timestamp("2026-03-01T00:00:00Z")
rows = st.lists(st.fixed_dictionaries({
    "function": st.sampled_from(["fn-a", "fn-b", None]),
    "version": st.sampled_from(["1", "2", "$LATEST", "", None]),
    "environment": st.sampled_from(["env-1", "env-2", "env-3", "", None]),
    "start_ms": st.one_of(st.none(), st.integers(0, 5_000)),
    "took_ms": st.one_of(st.none(), st.integers(0, 3_000)),
    "start_type": st.sampled_from(["cold", "warm", "warm", "reinit", "restore", None]),
    "status": st.sampled_from(["success", "success", "timeout", "error", None]),
    "flags": st.sampled_from(["", "reset_loop", "out_of_memory;started_before_window", None]),
    "init_duration_ms": st.one_of(st.none(), st.floats(1, 900, allow_nan=False)),
    "runtime_version": st.sampled_from(["python:3.12.v1", "python:3.12.v2", "", None]),
    "init_failures": st.integers(0, 2),
}), min_size=1, max_size=40)


def _table(drawn: list[dict[str, Any]]) -> pd.DataFrame:
    """An invocation table (INVOCATION_COLUMNS, plain object strings) from drawn rows."""
    frame = pd.DataFrame({c: pd.Series([None] * len(drawn), dtype=object)
                          for c in INVOCATION_COLUMNS})
    for column in ("function", "version", "environment", "start_type", "status", "flags",
                   "runtime_version"):
        frame[column] = pd.Series([r[column] for r in drawn], dtype=object)
    start = [None if r["start_ms"] is None else _T0 + pd.Timedelta(milliseconds=r["start_ms"])
             for r in drawn]
    end = [None if s is None or r["took_ms"] is None else s + pd.Timedelta(
        milliseconds=r["took_ms"]) for s, r in zip(start, drawn, strict=True)]
    frame["start"] = pd.to_datetime(pd.Series(start, dtype=object), utc=True).dt.as_unit("us")
    frame["end"] = pd.to_datetime(pd.Series(end, dtype=object), utc=True).dt.as_unit("us")
    frame["request_id"] = [f"r{k}" for k in range(len(drawn))]
    frame["reason"] = ""
    frame["error_type"] = ""
    frame["init_type"] = "on-demand"
    for column in ("duration_ms", "billed_duration_ms", "restore_duration_ms",
                   "billed_restore_duration_ms", "memory_mb", "max_memory_used_mb"):
        frame[column] = np.nan
    frame["duration_ms"] = [np.nan if r["took_ms"] is None else float(r["took_ms"])
                            for r in drawn]
    frame["init_duration_ms"] = [np.nan if r["init_duration_ms"] is None
                                 else r["init_duration_ms"] for r in drawn]
    frame["init_failures"] = np.array([r["init_failures"] for r in drawn], dtype=np.int8)
    # a restore's Restore Duration: the drawn init duration (some missing), NaN elsewhere
    frame["restore_duration_ms"] = [np.nan if r["start_type"] != "restore"
                                    or r["init_duration_ms"] is None
                                    else r["init_duration_ms"] for r in drawn]
    return frame


@settings(max_examples=80, deadline=None)
@given(rows)
def test_environments_table_is_the_plain_groupby(drawn: list[dict[str, Any]]) -> None:
    table = _table(drawn)
    shuffled = table.sample(frac=1.0, random_state=3).reset_index(drop=True)
    for variant in (table, compact_columns(table.copy()), shuffled):
        pd.testing.assert_frame_equal(environments_table(variant),
                                      _reference_environments(variant), check_exact=True,
                                      check_dtype=False)


@settings(max_examples=80, deadline=None)
@given(rows)
def test_function_rows_are_the_plain_groupby(drawn: list[dict[str, Any]]) -> None:
    table = _table(drawn)
    got = functions_table(table, environments_table(table))
    expected = []
    for (function, version), part in table.groupby(["function", "version"], sort=True):
        n = len(part)
        cold = int(part["start_type"].isin(COLD_START_TYPES).sum())
        expected.append({
            "function": function, "version": version, "invocations": n,
            "environments": part.loc[part["environment"] != "", "environment"].nunique(),
            "cold_starts": cold, "cold": int((part["start_type"] == "cold").sum()),
            "timeouts": int((part["status"] == "timeout").sum()),
            "out_of_memory": int(part["flags"].map(
                lambda f: isinstance(f, str) and "out_of_memory" in f.split(";")).sum()),
            "init_failures": int(part["init_failures"].sum()),
            "init_count": int(part["init_duration_ms"].notna().sum()),
            "duration_p50_ms": summarize.percentiles(part["duration_ms"])["p50"],
            "runtime_versions": ";".join(sorted(
                {r for r in part["runtime_version"].dropna() if r}))})
    assert len(got) == len(expected)
    for row, want in zip(got.to_dict("records"), expected, strict=True):
        assert {k: _none(row[k]) for k in want} == {k: _none(v) for k, v in want.items()}


def _none(value: Any) -> Any:
    """A missing number as None (a DataFrame holds it as NaN)."""
    return None if value is None or (isinstance(value, float) and np.isnan(value)) else value


@settings(max_examples=60, deadline=None)
@given(rows)
def test_summary_counts_known_environments_as_pandas_does(drawn: list[dict[str, Any]]) -> None:
    table = _table(drawn)
    for variant in (table, compact_columns(table.copy())):
        summary = summary_dict(variant, environments_table(variant))
        known = variant.loc[variant["environment"] != "", ["function", "environment"]]
        assert summary["environments"] == len(known.drop_duplicates())


@settings(max_examples=60, deadline=None)
@given(rows)
def test_percentiles_are_computed_once_per_column_and_group(drawn: list[dict[str, Any]]
                                                            ) -> None:
    """build_analysis computes the init, restore and duration percentiles of the whole table
    once, for the summary and for a (function, version) that holds every row: 4 calls then
    (the inits a caller waited for, those ahead of demand, restores, durations), 4 + 3 a
    group otherwise (they were computed twice for one group). Same figures."""
    table = _table(drawn)
    calls: list[int] = []
    real = summarize.percentiles

    def counted(values: Any) -> dict[str, Any]:
        calls.append(len(values))
        return real(values)

    summarize.percentiles = counted  # type: ignore[assignment]
    try:
        analysis = summarize.build_analysis(table)
    finally:
        summarize.percentiles = real  # type: ignore[assignment]
    keys = table[["function", "version"]]
    whole_group = len(keys.drop_duplicates()) == 1 and not keys.isna().any(axis=None)
    groups_seen = len(analysis.functions)
    assert len(calls) == (4 if whole_group else 4 + 3 * groups_seen)
    waited, ahead = summarize.split_inits(table)
    assert analysis.summary["init_duration_ms"] == real(waited)
    assert analysis.summary["init_ahead_of_demand_ms"] == real(ahead)
    assert analysis.summary["duration_ms"] == real(table["duration_ms"])
    assert analysis.summary["restore_duration_ms"] == real(summarize.restore_samples(table))
    restores = table[table["start_type"] == "restore"].dropna(subset=["restore_duration_ms"])
    for row in analysis.functions.itertuples():
        mine = restores[(restores["function"] == row.function)
                        & (restores["version"] == row.version)]["restore_duration_ms"]
        assert row.restore_count == len(mine)
        assert _none(row.restore_max_ms) == real(mine)["max"]
    if whole_group:
        row = analysis.functions.iloc[0]
        assert _none(row["duration_p50_ms"]) == real(table["duration_ms"])["p50"]
        assert _none(row["init_p99_ms"]) == real(waited)["p99"]


# ------------------------------------------------------------------ cold causes in blocks

@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.just(np.nan), st.integers(0, 30).map(float)), min_size=1,
                max_size=50),
       st.lists(st.one_of(st.just(np.nan), st.integers(-1, 31).map(float)), min_size=1,
                max_size=10))
def test_counts_around_a_time_are_those_of_one_sorted_array(times: list[float],
                                                           at: list[float]) -> None:
    frame = pd.DataFrame({
        "start": pd.to_datetime(pd.Series(times) * 1e6, utc=True).dt.as_unit("us"),
        "end": pd.Series(pd.NaT, index=range(len(times)), dtype="datetime64[us, UTC]"),
        "init_duration_ms": np.nan})
    table = causes._TableTimes(frame)
    probe = np.asarray(at)
    block, causes._BLOCK = causes._BLOCK, 4  # many blocks
    try:
        before, up_to, latest = table.around(slice(0, len(times)), "start", probe)
    finally:
        causes._BLOCK = block
    ordered = np.sort(np.asarray(times))
    assert before.tolist() == np.searchsorted(ordered, probe, side="left").tolist()
    found = np.searchsorted(ordered, probe, side="right")
    assert up_to.tolist() == found.tolist()
    known = ~np.isnan(probe)  # the latest time is read for a known arrival only
    expected = np.where(found > 0, ordered[np.maximum(found - 1, 0)], np.nan)
    np.testing.assert_array_equal(latest[known], expected[known])


@settings(max_examples=80, deadline=None)
@given(st.lists(st.sampled_from(["", "b", "a", "warm", None]), min_size=1, max_size=30),
       st.data())
def test_recoded_reasons_are_coded_as_coded_by_code_codes_them(
        values: list[str | None], data: st.DataObject) -> None:
    column = pd.Series(pd.Categorical(values))
    rows = sorted(data.draw(st.sets(st.integers(0, len(values) - 1))))
    texts = [data.draw(st.sampled_from(["a", "cold: new", "zz", ""])) for _ in rows]
    got = causes._recoded(column, np.asarray(rows, dtype=np.int64), texts)
    names = [*column.cat.categories, *texts, ""]
    codes = column.array.codes.astype(np.int64)
    codes = np.where(codes < 0, len(names) - 1, codes)
    codes[rows] = np.arange(len(column.cat.categories), len(column.cat.categories) + len(rows))
    expected = coded_by_code(names, codes)
    assert list(got) == list(expected)
    assert list(got.categories) == list(expected.categories)
    assert got.codes.dtype == expected.codes.dtype
