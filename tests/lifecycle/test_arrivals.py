"""The arrival CSV reader (lamlife.lifecycle.read.arrivals) and observed traces as arrivals."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lamlife.lifecycle.errors import InputError
from lamlife.lifecycle.read.arrivals import (
    ArrivalColumns,
    arrivals_from_invocations,
    epoch_unit,
    is_arrival_header,
    read_arrivals,
    sniff_arrival_csv,
)
from lamlife.lifecycle.schema import INVOCATION_COLUMNS

# 2024-01-02T03:04:05.250Z = 1704164645.25 s (date -u -d @1704164645.25 checks it).
EPOCH_S = 1704164645.25


def write(tmp_path: Path, text: str, name: str = "trace.csv") -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


@pytest.mark.parametrize(
    "start",
    [
        "2024-01-02T03:04:05.250Z",
        "2024-01-02 03:04:05.250",  # naive: UTC
        "2024-01-02T04:04:05.250+01:00",
        f"{EPOCH_S}",
        f"{EPOCH_S * 1000:.0f}",
        f"{EPOCH_S * 1e6:.0f}",
        f"{EPOCH_S * 1e9:.0f}",
    ],
)
def test_start_times_in_every_form_give_the_same_epoch_ms(tmp_path, start):
    path = write(tmp_path, f"start,duration_ms\n{start},120.5\n")
    arrivals = read_arrivals(path)
    assert arrivals.start_ms.tolist() == [pytest.approx(EPOCH_S * 1000.0, abs=1e-3)]
    assert arrivals.duration_ms.tolist() == [120.5]


def test_epoch_unit_by_magnitude():
    assert epoch_unit(np.array([1.7e9])) == "s"
    assert epoch_unit(np.array([1.7e12])) == "ms"
    assert epoch_unit(np.array([1.7e15])) == "us"
    assert epoch_unit(np.array([1.7e18])) == "ns"


def test_end_column_and_unreadable_rows_are_counted_not_fatal(tmp_path):
    path = write(
        tmp_path,
        "timestamp,end\n"
        "2024-01-02T03:04:05Z,2024-01-02T03:04:05.300Z\n"
        "nonsense,2024-01-02T03:04:06Z\n"
        "2024-01-02T03:04:07Z,2024-01-02T03:04:06Z\n"  # ends before it starts
        "2024-01-02T03:04:08Z,2024-01-02T03:04:08.050Z\n",
    )
    arrivals = read_arrivals(path)
    assert arrivals.duration_ms.tolist() == [
        pytest.approx(300.0, abs=1e-3), pytest.approx(50.0, abs=1e-3)
    ]
    assert arrivals.stats.malformed == 2
    # every row is an event: 2 records and 2 malformed (issue 11: events stayed 0)
    assert arrivals.stats.records == 2 and arrivals.stats.events == 4
    assert arrivals.stats.malformed_examples[0].startswith(f"{path}:3: unreadable timestamp")
    assert arrivals.stats.malformed_examples[1].startswith(f"{path}:4: unreadable end")
    assert arrivals.time_unit == "iso"


def test_user_named_columns(tmp_path):
    path = write(tmp_path, "t0,lat,who\n1704164645,5,a\n1704164646,7,b\n")
    arrivals = read_arrivals(
        path, ArrivalColumns(start="t0", duration="lat", environment="who")
    )
    assert arrivals.start_ms.tolist() == [1704164645000.0, 1704164646000.0]
    assert arrivals.duration_ms.tolist() == [5.0, 7.0]
    assert arrivals.environment is not None
    assert arrivals.environment.tolist() == ["a", "b"]
    assert arrivals.time_unit == "s"


def test_missing_columns_name_the_file_and_the_problem(tmp_path):
    path = write(tmp_path, "when,lat\n1,2\n")
    with pytest.raises(InputError, match=r"trace\.csv: no start column .*when, lat.*--start-col"):
        read_arrivals(path)
    path = write(tmp_path, "start,lat\n1,2\n")
    with pytest.raises(InputError, match=r"trace\.csv: no end or duration column"):
        read_arrivals(path)
    with pytest.raises(InputError, match=r"trace\.csv: no start column 'begin'"):
        read_arrivals(path, ArrivalColumns(start="begin"))


def test_unusable_files_are_input_errors(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        read_arrivals(str(tmp_path / "absent.csv"))
    with pytest.raises(InputError, match="empty file"):
        read_arrivals(write(tmp_path, ""))
    with pytest.raises(InputError, match="only a header"):
        read_arrivals(write(tmp_path, "start,duration_ms\n"))
    with pytest.raises(InputError, match=r"no readable arrival in 2 rows .*line 2"):
        read_arrivals(write(tmp_path, "start,duration_ms\nx,1\ny,2\n"))


def test_optional_columns_and_sorting(tmp_path):
    path = write(
        tmp_path,
        "start,duration_ms,function,status,memory_mb,init_duration_ms,request_id,is_cold\n"
        "2000,10,f,Timeout,256,,r2,False\n"
        "1000,20,g,,512,300,r1,True\n"
        "3000,30,,error,,250.5,r3,0\n"
        "4000,40,f,crashed,,,r4,1\n",
    )
    arrivals = read_arrivals(path)
    assert arrivals.start_ms.tolist() == [1000.0 * 1000, 2000.0 * 1000, 3000.0 * 1000]
    assert arrivals.function.tolist() == ["g", "f", "trace"]  # empty: the file's name
    assert arrivals.status is not None
    assert arrivals.status.tolist() == ["success", "timeout", "error"]
    assert arrivals.request_id is not None
    assert arrivals.request_id.tolist() == ["r1", "r2", "r3"]
    assert arrivals.memory_mb is not None
    assert arrivals.memory_mb[:2].tolist() == [512.0, 256.0]
    assert math.isnan(arrivals.memory_mb[2])
    assert sorted(arrivals.init_samples_ms.tolist()) == [250.5, 300.0]
    assert arrivals.cold is not None
    assert arrivals.cold.tolist() == [True, False, False]
    assert arrivals.stats.malformed == 1  # the unknown status
    assert "unknown status" in arrivals.stats.malformed_examples[0]


def test_header_detection(tmp_path):
    assert is_arrival_header(["start", "duration_ms"])
    assert is_arrival_header(["Timestamp", "End"])
    assert is_arrival_header(["start_time", "end_time", "inst_id"])
    assert not is_arrival_header(["start", "latency"])
    assert is_arrival_header(["start", "latency"], ArrivalColumns(duration="latency"))
    assert not is_arrival_header(["@timestamp", "@message", "duration"])  # Insights export
    assert not is_arrival_header(["timestamp", "message"])  # console export
    assert not is_arrival_header(list(INVOCATION_COLUMNS))  # lamlife's own CSV
    assert sniff_arrival_csv(write(tmp_path, "start,end\n1,2\n"))
    assert not sniff_arrival_csv(write(tmp_path, '{"start": 1}\n', "x.json"))
    assert not sniff_arrival_csv(str(tmp_path / "absent.csv"))
    assert not sniff_arrival_csv(str(tmp_path))


def _observed_row(**values):
    row = {c: "" for c in INVOCATION_COLUMNS}
    row.update(
        function="f", version="$LATEST", environment="e1", status="success",
        duration_ms=100.0, billed_duration_ms=math.nan, init_duration_ms=math.nan,
        restore_duration_ms=math.nan, billed_restore_duration_ms=math.nan, memory_mb=256.0,
        max_memory_used_mb=math.nan, init_failures=0,
    )
    row.update(values)
    return row


def test_observed_invocations_become_arrivals():
    t = pd.Timestamp("2024-01-02T03:04:05Z")
    ms = pd.Timedelta(milliseconds=1)
    inv = pd.DataFrame(
        [
            _observed_row(start=t, end=t + 100 * ms, start_type="cold", init_duration_ms=400.0,
                          request_id="a"),
            _observed_row(start=t + 5000 * ms, end=t + 6000 * ms, start_type="warm",
                          status="timeout", duration_ms=1000.0, request_id="b"),
            _observed_row(start=t + 9000 * ms, end=t + 9700 * ms, start_type="reinit",
                          duration_ms=700.0, request_id="c"),
            _observed_row(start=t + 20000 * ms, end=t + 20200 * ms, start_type="restore",
                          restore_duration_ms=150.0, duration_ms=200.0, request_id="d"),
        ],
        columns=list(INVOCATION_COLUMNS),
    )
    arrivals = arrivals_from_invocations(inv)
    t_ms = t.value / 1e6
    # The cold caller arrived before its 400 ms init; the restore caller before its restore.
    assert arrivals.start_ms.tolist() == [
        pytest.approx(t_ms - 400.0), pytest.approx(t_ms + 5000.0),
        pytest.approx(t_ms + 9000.0), pytest.approx(t_ms + 20000.0 - 150.0),
    ]
    # The reinit's 700 ms held a re-init: the median observed init (400 ms) comes off.
    assert arrivals.duration_ms.tolist() == [100.0, 1000.0, 300.0, 200.0]
    assert arrivals.status is not None
    assert arrivals.status.tolist() == ["success", "timeout", "success", "success"]
    assert arrivals.init_samples_ms.tolist() == [400.0]
    assert arrivals.restore_samples_ms.tolist() == [150.0]
    assert arrivals.cold is not None
    assert arrivals.cold.tolist() == [True, False, True, True]
    assert arrivals.request_id is not None
    assert arrivals.request_id.tolist() == ["a", "b", "c", "d"]


@pytest.mark.parametrize(("name", "function"), [("orders-2026-11-20.csv", "orders"),
                                                 ("v1.2-orders.csv", "orders"),
                                                 ("checkout.arrivals.csv", "checkout")])
def test_a_file_without_function_column_is_named_as_analyze_names_it(tmp_path, name, function):
    # the same file-name rule as analyze's (lifecycle/read/context.py: file_function)
    arrivals = read_arrivals(write(tmp_path, "start,duration_ms\n1000,10\n", name=name))
    assert arrivals.function.tolist() == [function]
