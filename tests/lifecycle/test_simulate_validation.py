"""The simulator against real AWS Lambda measurements (tests/data/aws_real/README.md).

The expected numbers come from the measurements themselves (AWS's own cold flags and
environment ids, Shilkov's cold/warm colours, SimFaaS's published aggregates) and from the
independent analysis in the project's data notes ("What it can validate"), not from this
simulator's output.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lamlife.lifecycle.simulate.scheduler import Policy, simulate

DATA = Path(__file__).resolve().parents[1] / "data" / "aws_real"
PACSLAB = DATA / "pacslab_aws_lambda_2020"
FILE_0528 = "res-01-2020-05-28_01-57-40.csv"
FILE_0604 = "res-01-2020-06-04_23-02-14.csv"
FILE_0606 = "res-01-2020-06-06_22-39-19.csv"
FILE_0609 = "res-01-2020-06-09_01-04-58.csv"
FILE_0610 = "res-01-2020-06-10_22-20-08.csv"


def load_pacslab(name: str) -> pd.DataFrame:
    frame = pd.read_csv(PACSLAB / name, index_col=0)
    return frame.sort_values("start_time", kind="stable").reset_index(drop=True)


def replay(frame: pd.DataFrame, keep_alive_s: float, max_lifetime_s: float | None = None):
    """Replay handler start/end with one environment warm at the first request, no init."""
    ids = frame.index.astype(str).to_numpy()
    result = simulate(
        frame["start_time"].to_numpy(),
        (frame["end_time"] - frame["start_time"]).to_numpy(),
        Policy(keep_alive_s=keep_alive_s, max_lifetime_s=max_lifetime_s, prewarmed=1, init_ms=0.0),
        request_id=ids,
    )
    rows = result.invocations.set_index("request_id").loc[ids]
    return result, rows


def same_partition(a, b) -> bool:
    """True when two labelings group the same rows together (labels may differ)."""
    pairs = pd.DataFrame({"a": list(a), "b": list(b)}).drop_duplicates()
    return pairs["a"].is_unique and pairs["b"].is_unique


# --- pacslab 2020: exact environment reconstruction -------------------------------------------


@pytest.mark.parametrize(
    ("name", "cold", "environments"),
    [(FILE_0528, 59, 60), (FILE_0606, 43, 44)],
)
@pytest.mark.parametrize("keep_alive_s", [634.0, 640.0, 646.0])
def test_pacslab_low_rate_runs_are_reproduced_exactly(name, cold, environments, keep_alive_s):
    frame = load_pacslab(name)
    assert int(frame["is_cold"].sum()) == cold  # the data as described
    assert frame["inst_id"].nunique() == environments
    _, rows = replay(frame, keep_alive_s)
    simulated_cold = (rows["start_type"] == "cold").to_numpy()
    assert np.array_equal(simulated_cold, frame["is_cold"].to_numpy())
    assert rows["environment"].nunique() == environments
    assert same_partition(rows["environment"], frame["inst_id"])
    assert set(rows["start_type"]) == {"cold", "warm"}


@pytest.mark.parametrize(
    ("name", "environments_at_600"),
    [(FILE_0528, 65), (FILE_0606, 49)],
)
def test_pacslab_a_ten_minute_keep_alive_does_not_reproduce_them(name, environments_at_600):
    # Guards against a hard-coded "10 minutes": 600 s gets 5 labels wrong in each file.
    frame = load_pacslab(name)
    _, rows = replay(frame, 600.0)
    wrong = int(((rows["start_type"] == "cold").to_numpy() != frame["is_cold"].to_numpy()).sum())
    assert wrong == 5
    assert rows["environment"].nunique() == environments_at_600
    assert not same_partition(rows["environment"], frame["inst_id"])


@pytest.mark.parametrize(
    ("name", "expected_cold", "expected_wrong"),
    [(FILE_0528, 59, 0), (FILE_0604, 51, 1), (FILE_0606, 43, 0), (FILE_0609, 34, 3)],
)
def test_pacslab_four_lowest_rates_within_three_cold_starts(name, expected_cold, expected_wrong):
    frame = load_pacslab(name)
    _, rows = replay(frame, 640.0)
    simulated = (rows["start_type"] == "cold").to_numpy()
    actual = frame["is_cold"].to_numpy()
    assert abs(int(simulated.sum()) - int(actual.sum())) <= 3
    # The reference replay in the data notes: predicted cold starts / wrong labels.
    assert int(simulated.sum()) == expected_cold
    assert int((simulated != actual).sum()) == expected_wrong


def test_pacslab_max_lifetime_two_hours():
    # 06-10 (0.0042 req/s): AWS's longest-lived environment served requests for 1.98 h and
    # AWS made 32 cold starts. Keep-alive alone predicts 26, the 2 h cap 28 (data notes).
    frame = load_pacslab(FILE_0610)
    span = frame.groupby("inst_id")["start_time"].agg(lambda s: (s.max() - s.min()) / 3.6e6)
    assert 1.9 < span.max() < 2.05
    assert int(frame["is_cold"].sum()) == 32

    _, no_cap = replay(frame, 640.0)
    result, capped = replay(frame, 640.0, max_lifetime_s=7200.0)
    assert int((no_cap["start_type"] == "cold").sum()) == 26
    assert int((capped["start_type"] == "cold").sum()) == 28
    assert result.recycled >= 1
    assert (capped["reason"].str.contains("maximum lifetime")).any()
    # No simulated environment lives past the cap (plus the request that crossed it).
    life_h = capped.groupby("environment").apply(
        lambda g: (g["end"].max() - g["start"].min()).total_seconds() / 3600.0,
        include_groups=False,
    )
    longest_request_h = (frame["end_time"] - frame["start_time"]).max() / 3.6e6
    assert life_h.max() <= 2.0 + longest_request_h
    # Without the cap some environment outlives the 2 h AWS never exceeded.
    no_cap_life = no_cap.groupby("environment").apply(
        lambda g: (g["end"].max() - g["start"].min()).total_seconds() / 3600.0,
        include_groups=False,
    )
    assert no_cap_life.max() > 2.05


# --- Shilkov 2019/2021: idle gap vs cold ------------------------------------------------------


def shilkov(name: str) -> tuple[np.ndarray, np.ndarray]:
    points = json.loads((DATA / "shilkov_aws_idle" / name).read_text())["points"]
    idle_min = np.array([p[0] for p in points], dtype=float)
    cold = np.array(["blue" in p[2] for p in points])  # blue = cold, red = warm
    return idle_min, cold


def wrong_labels(idle_min: np.ndarray, cold: np.ndarray, keep_alive_s: float) -> int:
    """Each point is a request arriving idle_min after the previous one on one environment."""
    n = idle_min.size
    starts = np.concatenate([[0.0], np.cumsum(idle_min * 60_000.0)]) + 1_565_000_000_000.0
    ids = [f"p{i}" for i in range(n + 1)]
    result = simulate(
        starts,
        np.zeros(n + 1),  # instantaneous requests: the gap is the idle time
        Policy(keep_alive_s=keep_alive_s, max_lifetime_s=None, prewarmed=1, init_ms=0.0),
        request_id=ids,
    )
    rows = result.invocations.set_index("request_id").loc[ids[1:]]
    return int(((rows["start_type"] == "cold").to_numpy() != cold).sum())


def test_shilkov_aug_2019_exactly_ten_minutes():
    idle_min, cold = shilkov("scatter_2019-08.json")
    assert idle_min.size == 299
    assert wrong_labels(idle_min, cold, 600.0) == 0
    # The 2021 value does not fit 2019: every warm request after 6.33-10 min idle is mislabelled.
    warm_after_long_idle = int(((idle_min > 380.0 / 60.0) & ~cold).sum())
    assert warm_after_long_idle > 20
    assert wrong_labels(idle_min, cold, 380.0) == warm_after_long_idle


def test_shilkov_jan_2021_about_six_point_three_minutes():
    idle_min, cold = shilkov("scatter_2021-01-07.json")
    assert idle_min.size == 300
    assert wrong_labels(idle_min, cold, 6.4 * 60) <= 2
    assert wrong_labels(idle_min, cold, 600.0) == 41


# --- SimFaaS published aggregates -------------------------------------------------------------


def test_simfaas_cold_start_probability_on_seeded_poisson_traces():
    """Poisson arrivals at each of the 20 AWS experiments' rates, 640 s keep-alive.

    SimFaaS's own simulator reported a cold-start MAPE of 12.23 % against these rows (its
    notebook 04); we ask for the same accuracy (MAPE <= 15 %) and no row off by half.
    Horizon: 10^6 s, shortened to about 10^5 arrivals at the high rates to stay fast.
    """
    exp = pd.read_csv(DATA / "simfaas" / "exp.csv", index_col=0)
    assert len(exp) == 20
    errors = []
    for _, row in exp.iterrows():
        rate = float(row["ArrivalRate"])
        horizon_ms = min(1e6, 1e5 / rate) * 1000.0
        rng = np.random.default_rng(2021)
        gaps = rng.exponential(1000.0 / rate, size=int(horizon_ms / 1000.0 * rate * 1.2) + 10)
        starts = np.cumsum(gaps)
        starts = starts[starts < horizon_ms]
        warm = float(row["ServiceTimeWarm"])
        durations = rng.exponential(warm, size=starts.size)
        # The cold service time is warm + init.
        policy = Policy(
            keep_alive_s=640.0,
            max_lifetime_s=None,
            init_ms=max(0.0, float(row["ServiceTimeCold"]) - warm),
            seed=1,
        )
        inv = simulate(starts + 1.6e12, durations, policy).invocations
        p_cold = float((inv["start_type"] == "cold").mean())
        measured = float(row["ColdStartProbability"])
        errors.append(abs(p_cold - measured) / measured)
    errors_arr = np.array(errors)
    assert errors_arr.mean() <= 0.15
    assert errors_arr.max() <= 0.5


def test_simfaas_lowest_rate_matches_the_single_environment_formula():
    # About one environment: P(cold) ~ exp(-rate x (T + service)) = 0.326 for experiment_13
    # at T = 600 s (data notes), against 0.343 measured by AWS.
    exp = pd.read_csv(DATA / "simfaas" / "exp.csv", index_col=0)
    row = exp.loc["experiment_13"]
    rate = float(row["ArrivalRate"])
    rng = np.random.default_rng(13)
    starts = np.cumsum(rng.exponential(1000.0 / rate, size=20_000))
    durations = np.full(starts.size, float(row["ServiceTimeWarm"]))
    inv = simulate(starts, durations, Policy(keep_alive_s=600.0, max_lifetime_s=None, init_ms=0.0))
    p_cold = float((inv.invocations["start_type"] == "cold").mean())
    formula = float(np.exp(-rate * (600.0 + row["ServiceTimeWarm"] / 1000.0)))
    assert formula == pytest.approx(0.326, abs=0.001)
    assert p_cold == pytest.approx(formula, abs=0.01)
    assert p_cold == pytest.approx(float(row["ColdStartProbability"]), rel=0.1)
