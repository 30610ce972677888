"""A moto server on 127.0.0.1 for the fetch tests, fake credentials, and setup helpers.

Import it from a test module (tests/ is not a package, so the module puts its own folder on
sys.path first):

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from moto_server import aws_env, moto_endpoint  # noqa: F401  (fixtures)

Every test creates its own uniquely named resources, so tests are independent even though
they share one server (moto keeps its backends in process-wide state).
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import uuid
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

REGION = "us-east-1"
FAKE_KEY_ID = "testing"
FAKE_SECRET = "testing-secret-9f8e7d6c5b4a"  # distinctive, so tests can look for leaks


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """``http://127.0.0.1:<port>`` of a moto server running in a thread for this session."""
    from moto.server import ThreadedMotoServer

    # Werkzeug logs every request to stderr; keep it quiet so CLI tests see only lamlife's
    # own stderr (a NullHandler also stops werkzeug from adding its own stream handler).
    werkzeug = logging.getLogger("werkzeug")
    werkzeug.setLevel(logging.ERROR)
    werkzeug.addHandler(logging.NullHandler())
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> dict[str, str]:
    """Fake credentials and region in the environment; no real config, profile or IMDS."""
    for name in (
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_SESSION_TOKEN",
        "AWS_SECURITY_TOKEN",
        "AWS_ENDPOINT_URL",
        "AWS_ENDPOINT_URL_LOGS",
        "AWS_ENDPOINT_URL_LAMBDA",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
        "AWS_ROLE_ARN",
        "AWS_REGION",
    ):
        monkeypatch.delenv(name, raising=False)
    env = {
        "AWS_ACCESS_KEY_ID": FAKE_KEY_ID,
        "AWS_SECRET_ACCESS_KEY": FAKE_SECRET,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_EC2_METADATA_DISABLED": "true",  # never probe 169.254.169.254
        "AWS_CONFIG_FILE": str(tmp_path / "no-aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "no-aws-credentials"),
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return env


def clients(endpoint: str, region: str = REGION) -> dict[str, Any]:
    """boto3 clients for setting up test data on the moto server."""
    kwargs = {
        "endpoint_url": endpoint,
        "region_name": region,
        "aws_access_key_id": FAKE_KEY_ID,
        "aws_secret_access_key": FAKE_SECRET,
    }
    return {name: boto3.client(name, **kwargs)  # type: ignore[call-overload]
            for name in ("iam", "lambda", "logs", "s3")}


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def create_function(endpoint: str, name: str, region: str = REGION,
                    **config: Any) -> dict[str, Any]:
    """A Lambda function (and the IAM role moto requires for it)."""
    c = clients(endpoint, region)
    role = c["iam"].create_role(
        RoleName=unique("lamlife-test-role"), AssumeRolePolicyDocument="{}"
    )["Role"]["Arn"]
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as archive:
        archive.writestr("handler.py", "def handler(event, context):\n    return 1\n")
    spec: dict[str, Any] = {
        "FunctionName": name,
        "Runtime": "python3.12",
        "Role": role,
        "Handler": "handler.handler",
        "Code": {"ZipFile": code.getvalue()},
    }
    spec.update(config)
    result: dict[str, Any] = c["lambda"].create_function(**spec)
    return result


def put_events(endpoint: str, group: str, events: list[dict[str, Any]],
               region: str = REGION) -> None:
    """Create ``group`` (if needed), its streams, and put ``events`` (dicts with logStreamName,
    timestamp, message) in time order per stream."""
    logs = clients(endpoint, region)["logs"]
    with contextlib.suppress(logs.exceptions.ResourceAlreadyExistsException):
        logs.create_log_group(logGroupName=group)
    by_stream: dict[str, list[dict[str, Any]]] = {}
    for event in events:
        by_stream.setdefault(event["logStreamName"], []).append(event)
    for stream, items in by_stream.items():
        logs.create_log_stream(logGroupName=group, logStreamName=stream)
        items = sorted(items, key=lambda e: e["timestamp"])
        for i in range(0, len(items), 1000):
            batch = items[i : i + 1000]
            logs.put_log_events(
                logGroupName=group,
                logStreamName=stream,
                logEvents=[{"timestamp": e["timestamp"], "message": e["message"]} for e in batch],
            )


# ------------------------------------------------------------------------------ sample logs

RUNTIME_ARN = "arn:aws:lambda:us-east-1::runtime:" + "b46f7bc0f3da8071" * 4


def _rid(stream: int, n: int) -> str:
    return f"{stream:08x}-{n:04x}-4000-8000-{stream * 1000 + n:012x}"


def _stream_name(t0_ms: int, n: int, function: str = "") -> str:
    """Default groups: ``YYYY/MM/DD/[$LATEST]<32 hex>``; custom groups put the function name
    before ``[`` (docs/platform.md §4)."""
    from datetime import UTC, datetime

    day = datetime.fromtimestamp(t0_ms / 1000, tz=UTC).strftime("%Y/%m/%d")
    return f"{day}/{function}[$LATEST]{uuid.UUID(int=n).hex}"


def _iso(ms: int) -> str:
    from datetime import UTC, datetime

    t = datetime.fromtimestamp(ms / 1000, tz=UTC)
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


def _report(rid: str, duration: float, billed: int, extra: str = "") -> str:
    return (
        f"REPORT RequestId: {rid}\tDuration: {duration:.2f} ms\tBilled Duration: {billed} ms"
        f"\tMemory Size: 256 MB\tMax Memory Used: 71 MB{extra}"
    )


def sample_events(
    t0_ms: int, warm_invocations: int = 0, custom_group_function: str = ""
) -> list[dict[str, Any]]:
    """Realistic text-format Lambda logs of one function (docs/platform.md §2, §2.7).

    Four environments (streams), application lines in between:
    - s1: cold start (INIT_START, Init Duration), then 2 warm invocations
      (+ ``warm_invocations`` more, for pagination tests);
    - s2: cold start, a warm invocation that times out (Task timed out line, Status: timeout),
      then a reinit (suppressed init after the timeout);
    - s3: cold start after an extension registered, then 1 warm invocation;
    - s4: init fails (INIT_REPORT Phase: init error), is retried in the invoke phase and fails
      again (Phase: invoke), then the invocation errors: a reinit with 2 init failures.

    ``custom_group_function`` names the function in the stream names, as Lambda does in a
    custom log group.

    By hand: 9 + warm_invocations invocations, 4 environments, start types cold 3,
    warm 4 + warm_invocations, reinit 2; cold_starts 5; timeouts 1; errors 1;
    init_failures 2.
    """
    events: list[dict[str, Any]] = []

    def add(stream: str, ms: int, message: str) -> None:
        events.append({"logStreamName": stream, "timestamp": ms, "message": message})

    def app(stream: str, ms: int, rid: str, text: str) -> None:
        add(stream, ms, f"[INFO]\t{_iso(ms)}\t{rid}\t{text}\n")

    def invoke(stream: str, ms: int, rid: str, duration: float, billed: int,
               extra: str = "", between: list[tuple[int, str]] | None = None) -> int:
        add(stream, ms, f"START RequestId: {rid} Version: $LATEST\n")
        app(stream, ms + 2, rid, "handling order")
        for offset, line in between or []:
            add(stream, ms + offset, line)
        end = ms + int(duration) + 1
        add(stream, end, f"END RequestId: {rid}\n")
        add(stream, end, _report(rid, duration, billed, extra) + ("\t" if not extra else ""))
        return end

    # s1: cold + warm
    s1 = _stream_name(t0_ms, 1, custom_group_function)
    t = t0_ms
    add(s1, t, f"INIT_START Runtime Version: python:3.12.v38\tRuntime Version ARN: {RUNTIME_ARN}")
    app(s1, t + 100, "", "loading config")
    invoke(s1, t + 181, _rid(1, 0), 48.31, 229, "\tInit Duration: 180.12 ms\t")
    for n in range(1, 3 + warm_invocations):
        invoke(s1, t + 60_000 * n, _rid(1, n), 12.5 + n % 7, 13 + n % 7)

    # s2: cold, timeout, reinit
    s2 = _stream_name(t0_ms, 2, custom_group_function)
    t = t0_ms + 5_000
    add(s2, t, f"INIT_START Runtime Version: python:3.12.v38\tRuntime Version ARN: {RUNTIME_ARN}")
    invoke(s2, t + 240, _rid(2, 0), 31.07, 266, "\tInit Duration: 234.50 ms\t")
    timeout_rid = _rid(2, 1)
    start = t + 90_000
    invoke(
        s2, start, timeout_rid, 3000.0, 3000, "\tStatus: timeout",
        between=[
            (2999, f"{_iso(start + 2999)} {timeout_rid} Task timed out after 3.00 seconds\n\n")
        ],
    )
    invoke(s2, t + 150_000, _rid(2, 2), 210.4, 211)

    # s3: extension + cold, warm
    s3 = _stream_name(t0_ms, 3, custom_group_function)
    t = t0_ms + 20_000
    add(s3, t, f"INIT_START Runtime Version: python:3.12.v38\tRuntime Version ARN: {RUNTIME_ARN}")
    add(s3, t + 40, "EXTENSION\tName: AppConfigAgent\tState: Ready\tEvents: [INVOKE, SHUTDOWN]")
    invoke(s3, t + 400, _rid(3, 0), 22.0, 420, "\tInit Duration: 397.35 ms\t")
    invoke(s3, t + 30_000, _rid(3, 1), 9.99, 10)

    # s4: init error, retried in the invoke phase, invocation error
    s4 = _stream_name(t0_ms, 4, custom_group_function)
    t = t0_ms + 40_000
    add(s4, t, f"INIT_START Runtime Version: python:3.12.v38\tRuntime Version ARN: {RUNTIME_ARN}")
    add(s4, t + 10, "[ERROR] Runtime.ImportModuleError: Unable to import module 'handler'")
    add(s4, t + 229, "INIT_REPORT Init Duration: 229.04 ms\tPhase: init\tStatus: error"
        "\tError Type: Runtime.ImportModuleError")
    add(s4, t + 377, "INIT_REPORT Init Duration: 129.89 ms\tPhase: invoke\tStatus: error"
        "\tError Type: Runtime.ImportModuleError")
    invoke(s4, t + 377, _rid(4, 0), 143.12, 144,
           "\tStatus: error\tError Type: Runtime.ImportModuleError")
    return events


# ------------------------------------------------------------------------------ throttling


@contextlib.contextmanager
def throttling_proxy(target: str, throttled: set[int]) -> Iterator[tuple[str, list[str]]]:
    """A 127.0.0.1 HTTP proxy in front of the moto server at ``target`` that answers the n-th
    FilterLogEvents request (counting from 1) with HTTP 400 ThrottlingException, as CloudWatch
    Logs does over its 5 TPS quota, for every n in ``throttled``; every other request is
    forwarded. Yields (proxy URL, the list of operations it saw, "!" marking throttled ones)."""
    import http.client
    import http.server
    import threading
    from urllib.parse import urlsplit

    upstream = urlsplit(target)
    seen: list[str] = []
    lock = threading.Lock()

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            operation = (self.headers.get("X-Amz-Target") or self.path).rsplit(".", 1)[-1]
            with lock:
                filters = sum(1 for s in seen if s.rstrip("!") == "FilterLogEvents")
                throttle = operation == "FilterLogEvents" and filters + 1 in throttled
                seen.append(operation + ("!" if throttle else ""))
            if throttle:
                data = json.dumps({"__type": "ThrottlingException",
                                   "message": "Rate exceeded"}).encode()
                self.send_response(400)
                self.send_header("Content-Type", "application/x-amz-json-1.1")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                return
            conn = http.client.HTTPConnection(upstream.hostname, upstream.port, timeout=60)
            headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
            conn.request(self.command, self.path, body=body, headers=headers)
            response = conn.getresponse()
            data = response.read()
            self.send_response(response.status)
            for key, value in response.getheaders():
                if key.lower() not in ("content-length", "transfer-encoding", "connection"):
                    self.send_header(key, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            conn.close()

        do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _handle  # noqa: N815

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", seen
    finally:
        server.shutdown()
        server.server_close()
