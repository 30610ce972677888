"""fetch and HTTP 200 answers that are not the API's: an empty ``{}``, a proxy's HTML page, a
truncated body. Through the real HTTP stack against a stub server on 127.0.0.1 (never AWS):
such a page is asked again, and when it keeps coming the fetch stops with exit 3 naming the
window, resumable, instead of writing "done" over a window it did not read."""

from __future__ import annotations

import calendar
import http.server
import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from moto_server import aws_env  # noqa: F401  (fixture)

from lamlife.lifecycle.aws import fetch as af
from lamlife.lifecycle.errors import AwsAccessError

NOW_MS = calendar.timegm((2026, 7, 20, 12, 0, 0)) * 1000
GROUP = "/aws/lambda/orders"

# Bodies a proxy or a broken connection can hand back with status 200.
NOT_THE_API = {
    "empty object": b"{}",
    "html page": b"<html><body>Service temporarily unavailable</body></html>",
    "truncated body": b'{"events": [{"logStreamName": "s1", "timestamp": 17',
    "events not a list": b'{"events": {"0": 1}}',
    "event without message": b'{"events": [{"timestamp": 1784548800000}]}',
}


def _state() -> af.FetchState:
    window = af.Window(NOW_MS - 60_000, NOW_MS)
    return af.FetchState(
        functions=["orders"], log_groups=[GROUP], function_groups=[0], window=window,
        mode="filter", region="us-east-1",
        headers=[af.fetch_header("orders", GROUP, "us-east-1", window, {}, "x")],
        units=[af.Unit(0, window.start_ms, window.end_ms)],
        filter_pattern=af.platform_filter_pattern(),
    )


def _event(n: int, message: str) -> dict[str, Any]:
    return {"logStreamName": "s1", "timestamp": NOW_MS - 50_000 + n, "message": message,
            "ingestionTime": NOW_MS, "eventId": f"ev{n}"}


PAGES = [  # the good answers, in order: two pages of platform events
    {"events": [_event(1, "START RequestId: r1 Version: $LATEST\n"),
                _event(2, "END RequestId: r1\n")], "nextToken": "page-2"},
    {"events": [_event(3, "REPORT RequestId: r1\tDuration: 1.00 ms\tBilled Duration: 1 ms\t"
                          "Memory Size: 128 MB\tMax Memory Used: 60 MB\t")]},
]


@contextmanager
def _server(answer: Callable[[dict[str, Any]], bytes]) -> Iterator[str]:
    """A stub CloudWatch Logs endpoint: ``answer(request body)`` gives each 200 body."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            length = int(self.headers.get("Content-Length", 0))
            data = answer(json.loads(self.rfile.read(length)))
            self.send_response(200)
            self.send_header("Content-Type", "application/x-amz-json-1.1")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _good(body: dict[str, Any]) -> bytes:
    return json.dumps(PAGES[1] if body.get("nextToken") == "page-2" else PAGES[0]).encode()


def _written(path: Path) -> list[str]:
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    return [r["eventId"] for r in rows if "lamlife_fetch" not in r]


@pytest.mark.parametrize("kind", sorted(NOT_THE_API))
def test_a_page_that_is_not_the_apis_answer_is_asked_again(
    kind: str, aws_env: dict[str, str], tmp_path: Path  # noqa: F811
) -> None:
    """Every request is first answered with the bad body, then with the good one: nothing is
    lost, and the retries are counted."""
    seen: dict[str, int] = {}

    def answer(body: dict[str, Any]) -> bytes:
        key = str(body.get("nextToken"))
        seen[key] = seen.get(key, 0) + 1
        return NOT_THE_API[kind] if seen[key] == 1 else _good(body)

    out = tmp_path / "o.jsonl"
    with _server(answer) as endpoint:
        clients = af.connect(None, None, endpoint)
        result = af.run_fetch(_state(), clients, out, sleep=lambda s: None,
                              rate_limiter=af.RateLimiter(0))
    assert _written(out) == ["ev1", "ev2", "ev3"]
    assert result.progress.invalid_pages == 2
    assert seen == {"None": 2, "page-2": 2}


def test_bad_pages_that_persist_stop_with_exit_3_naming_the_window_and_resume(
    aws_env: dict[str, str], tmp_path: Path  # noqa: F811
) -> None:
    """The first page is good, the second keeps coming back as an HTML page: exit 3, the
    window named, nothing marked done; --resume with a healthy path fetches the rest once."""
    out = tmp_path / "o.jsonl"
    slept: list[float] = []

    def broken(body: dict[str, Any]) -> bytes:
        return NOT_THE_API["html page"] if body.get("nextToken") else _good(body)

    with _server(broken) as endpoint, pytest.raises(AwsAccessError) as info:
        af.run_fetch(_state(), af.connect(None, None, endpoint), out, sleep=slept.append,
                     max_throttle_retries=3, rate_limiter=af.RateLimiter(0))
    text = str(info.value)
    assert info.value.exit_code == 3
    assert "logs:FilterLogEvents on log group /aws/lambda/orders" in text
    assert "not the API's answer (no events list in the answer)" in text
    assert f"{af.ms_to_iso(NOW_MS - 60_000)} to {af.ms_to_iso(NOW_MS)}" in text
    assert "--resume" in text and "\n" not in text
    assert len(slept) == 3  # asked again 3 times, with backoff
    assert not out.exists()
    saved = af.load_state(af.state_path(out))
    assert [u.status for u in saved.units] == ["partial"] and saved.units[0].token == "page-2"

    with _server(_good) as endpoint:
        resumed = af.run_fetch(saved, af.connect(None, None, endpoint), out, resumed=True,
                               rate_limiter=af.RateLimiter(0))
    assert _written(out) == ["ev1", "ev2", "ev3"]
    assert resumed.progress.finished and not af.state_path(out).exists()


@pytest.mark.parametrize("page, problem", [
    ({"events": []}, None),
    ({"events": [], "nextToken": "t"}, None),
    ({}, "no events list in the answer"),
    ({"message": "<html>"}, "no events list in the answer"),
    ({"events": [{"timestamp": True, "message": "x"}]},
     "an event without a timestamp and a message"),
    ({"events": [], "nextToken": 5}, "a nextToken that is not a string"),
])
def test_filter_page_problem(page: dict[str, Any], problem: str | None) -> None:
    assert af.filter_page_problem(page) == problem


@pytest.mark.parametrize("page, problem", [
    ({"status": "Running"}, None),
    ({"status": "Complete", "results": []}, None),
    ({}, "no query status in the answer"),
    ({"status": "Complete"}, "a complete query without a results list"),
])
def test_query_results_problem(page: dict[str, Any], problem: str | None) -> None:
    assert af.query_results_problem(page) == problem
