"""Deterministic generator of realistic Lambda platform logs (``aws logs tail`` detailed format).

Writes what ``aws logs tail /aws/lambda/<fn>`` prints by default: one physical line per log
event, ``<isoformat(timespec='microseconds')> <log stream> <message, right-stripped>``. A
message that embeds ``\\n`` (REPORT + X-Ray part, a runtime crash) spans two physical lines,
the second with no prefix. Source of the layout: github.com/aws/aws-cli
``awscli/customizations/logs/tail.py`` (DetailedLogEventsFormatter); line shapes and lifecycle
rules: the project's ``docs/platform.md`` sections 1, 2, 4, 5 and 6.

The traffic model is a small simulation, so the expected answer is known exactly:

- arrivals: Poisson, with a rate that varies over the day and short bursts;
- scheduling: the most recently used idle environment, a new one (cold start) if none;
  environments are reclaimed after an idle keep-alive or a maximum lifetime (section 7);
- a few new environments are *proactive* (INIT_START more than 10 s before the first START,
  REPORT without Init Duration);
- failures: timeouts (``Status: timeout`` with Duration = timeout, or the old style with a
  ``Task timed out after`` line and Billed < Duration) and runtime crashes (``RequestId: <id>
  Error: Runtime exited ...`` + ``Runtime.ExitError``); the next invocation on that stream is a
  *reinit* (no Init Duration, the re-init inside Duration). An invocation right after a
  failure never fails itself, so no reset loop is generated;
- halfway through, a deploy replaces the Node.js code by a Python one with an extension
  layer: every later request goes to new environments (INIT_START + EXTENSION lines).

Billing follows section 6.1 for 2026 dates (after the 2025-08-01 INIT change): cold
``ceil(Duration + Init Duration)``, everything else ``ceil(Duration)``, timeouts capped at the
timeout.

Usage::

    python benchmarks/generate_logs.py --invocations 1000000 --seed 1 --output big.log

A one-line ``key=value`` summary of what was written (and the counts an analyzer should
find) goes to stderr; ``--expected FILE`` also writes it as JSON.
"""

from __future__ import annotations

import argparse
import heapq
import json
import math
import random
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

# 2026-03-02T00:00:00Z, a Monday after the 2025-08-01 INIT billing change.
DEFAULT_EPOCH_S = 1772409600
FUNCTION = "orders-api"
STATUS_TIMEOUT_SHARE = 0.7  # of timeouts, the new style; the rest print "Task timed out after"
OOM_SHARE = 0.75  # of crashes, "signal: killed" with Max Memory Used = Memory Size
MAX_PROACTIVE_GAP_MS = 240_000
FLUSH_EVERY = 20_000  # arrivals between two sorted flushes of the line buffer


@dataclass(frozen=True)
class Version:
    """The deployed code: runtime line shapes, memory and init cost."""

    name: str  # "nodejs" or "python"
    init_start: str
    memory_mb: int
    timeout_ms: int
    init_median_ms: float
    extension: str  # "" or an EXTENSION message (section 2.5)


def _arn_hex(rng: random.Random) -> str:
    return f"{rng.getrandbits(256):064x}"


@dataclass
class Env:
    stream: str
    version: Version
    created_ms: int
    lifetime_ms: int
    keepalive_ms: int
    free_at_ms: int = 0
    invocations: int = 0
    must_reinit: bool = False
    retired: bool = False
    max_mem: int = 0


@dataclass
class Counts:
    invocations: int = 0
    environments: int = 0
    start_types: dict[str, int] = field(
        default_factory=lambda: {"cold": 0, "warm": 0, "proactive": 0, "reinit": 0}
    )
    timeouts: int = 0
    status_timeout: int = 0
    task_timed_out: int = 0
    errors: int = 0
    out_of_memory: int = 0
    crashes: int = 0
    xray: int = 0
    extension_lines: int = 0
    init_start_lines: int = 0
    lines: int = 0
    bytes: int = 0


class _Clock:
    """Fast ISO formatting of epoch milliseconds, cached per second."""

    def __init__(self) -> None:
        self._sec: dict[int, str] = {}

    def second(self, sec: int) -> str:
        text = self._sec.get(sec)
        if text is None:
            text = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(sec))
            if len(self._sec) > 4096:
                self._sec.clear()
            self._sec[sec] = text
        return text

    def tail(self, ms: int) -> str:
        """``2026-03-02T00:00:01.234000+00:00`` as ``aws logs tail`` prints it."""
        sec, frac = divmod(ms, 1000)
        return f"{self.second(sec)}.{frac:03d}000+00:00"

    def zulu(self, ms: int) -> str:
        """``2026-03-02T00:00:01.234Z`` as the runtimes print it inside messages."""
        sec, frac = divmod(ms, 1000)
        return f"{self.second(sec)}.{frac:03d}Z"


def _dec(centi: int) -> str:
    """Hundredths of a millisecond to the two-decimal text Lambda prints."""
    return f"{centi // 100}.{centi % 100:02d}"


class Generator:
    """Streams one function's log group, in time order, to ``out``."""

    def __init__(
        self,
        out: TextIO,
        *,
        invocations: int,
        seed: int,
        rate: float,
        timeout_prob: float,
        crash_prob: float,
        proactive_prob: float,
        xray_prob: float,
        app_prob: float,
        start_epoch_s: int = DEFAULT_EPOCH_S,
    ) -> None:
        self.out = out
        self.n = invocations
        self.rng = random.Random(seed)
        self.rate = rate
        self.timeout_prob = timeout_prob
        self.crash_prob = crash_prob
        self.proactive_prob = proactive_prob
        self.xray_prob = xray_prob
        self.app_prob = app_prob
        self.t0_ms = start_epoch_s * 1000
        self.clock = _Clock()
        self.counts = Counts()
        self._buf: list[tuple[int, str]] = []
        self._seq = 0
        rng = self.rng
        # Runtime versions as seen in INIT_START lines (section 2.3).
        self.versions = (
            Version(
                "nodejs",
                "INIT_START Runtime Version: nodejs:22.mainline.v122\tRuntime Version ARN: "
                f"arn:aws:lambda:us-east-1::runtime:{_arn_hex(rng)}",
                memory_mb=512,
                timeout_ms=6000,
                init_median_ms=260.0,
                extension="",
            ),
            Version(
                "python",
                "INIT_START Runtime Version: python:3.12.mainlinev2.v7\tRuntime Version ARN: "
                f"arn:aws:lambda:us-east-1::runtime:{_arn_hex(rng)}",
                memory_mb=1024,
                timeout_ms=10000,
                init_median_ms=540.0,
                extension="EXTENSION\tName: AWSParametersAndSecretsLambdaExtension\t"
                "State: Ready\tEvents: [INVOKE, SHUTDOWN]",
            ),
        )

    # -- output ---------------------------------------------------------------------------

    def _emit(self, ms: int, stream: str, message: str) -> None:
        self._seq += 1
        self._buf.append(
            ((ms << 32) | (self._seq & 0xFFFFFFFF), f"{self.clock.tail(ms)} {stream} {message}\n")
        )

    def _flush(self, upto_ms: int | None) -> None:
        """Write every buffered line up to ``upto_ms`` (all when None), in time order."""
        buf = self._buf
        if upto_ms is None:
            ready, keep = buf, []
        else:
            limit = (upto_ms + 1) << 32
            ready = [x for x in buf if x[0] < limit]
            keep = [x for x in buf if x[0] >= limit]
        ready.sort()
        text = "".join([x[1] for x in ready])
        self.out.write(text)
        self.counts.lines += text.count("\n")
        self.counts.bytes += len(text.encode())
        self._buf = keep

    # -- random pieces -------------------------------------------------------------------

    def _uuid(self) -> str:
        h = f"{self.rng.getrandbits(128):032x}"
        return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[int(h[16], 16) & 3]}{h[17:20]}-{h[20:]}"

    def _stream(self, created_ms: int, version_label: str = "$LATEST") -> str:
        day = self.clock.second(created_ms // 1000)[:10].replace("-", "/")
        return f"{day}/[{version_label}]{self.rng.getrandbits(128):032x}"

    def _rate_at(self, ms: int) -> float:
        """Arrivals per second: a daily cycle (peak mid-afternoon) plus a one-minute burst
        every 20 minutes (a batch job fanning out), which brings a wave of cold starts."""
        hours = (ms - self.t0_ms) / 3_600_000.0
        daily = 1.0 + 0.6 * math.sin((hours - 9.0) / 24.0 * 2 * math.pi)
        burst = 6.0 if (ms // 60_000) % 20 == 13 else 1.0
        return self.rate * daily * burst

    # -- one invocation ------------------------------------------------------------------

    def _invoke(self, env: Env, arrival_ms: int, kind: str, init_c: int) -> None:
        """Emit one invocation; ``kind`` is cold | proactive | warm | reinit."""
        rng = self.rng
        c = self.counts
        v = env.version
        stream = env.stream
        rid = self._uuid()
        start = arrival_ms + (init_c + 99) // 100 if kind == "cold" else arrival_ms
        # Duration in hundredths of ms: lognormal, median ~90 ms, long tail.
        dur_c = int(rng.lognormvariate(9.1, 0.8))
        reinit_c = 0
        if kind == "reinit":
            reinit_c = int(rng.lognormvariate(math.log(v.init_median_ms * 100), 0.3))
            dur_c += reinit_c  # the suppressed init runs inside the invocation (section 5.3)
        if kind == "reinit":
            env.max_mem = 0  # a new runtime process: the running maximum starts again
        env.max_mem = min(v.memory_mb, max(env.max_mem, rng.randint(70, 150)))
        outcome = "success"
        if not env.must_reinit:
            r = rng.random()
            if r < self.timeout_prob:
                old = kind != "cold" and rng.random() >= STATUS_TIMEOUT_SHARE
                outcome = "timeout_old" if old else "timeout"
            elif r < self.timeout_prob + self.crash_prob:
                outcome = "oom" if rng.random() < OOM_SHARE else "crash"
        env.must_reinit = outcome != "success"

        self._emit(start, stream, f"START RequestId: {rid} Version: $LATEST")
        if rng.random() < self.app_prob:
            t = start + rng.randint(0, 3)
            order = rng.randint(10000, 99999)
            if v.name == "nodejs":
                msg = f"{self.clock.zulu(t)}\t{rid}\tINFO\tprocessing order ord-{order}"
            else:
                msg = f"[INFO]\t{self.clock.zulu(t)}\t{rid}\tprocessing order ord-{order}"
            self._emit(t, stream, msg)
        if outcome in ("timeout", "timeout_old"):
            dur_c = v.timeout_ms * 100
            if outcome == "timeout_old":
                dur_c += rng.randint(100, 600)  # the old lines print the overrun
                elapsed = f"{dur_c / 100_000:.2f}"
                t = start + dur_c // 100
                msg = f"{self.clock.zulu(t)} {rid} Task timed out after {elapsed} seconds"
                self._emit(t, stream, msg)
        elif outcome in ("oom", "crash"):
            t = start + dur_c // 100
            reason = "signal: killed" if outcome == "oom" else "exit status 1"
            # Two physical lines: the message embeds "\n" before the error type (section 2.6).
            msg = f"RequestId: {rid} Error: Runtime exited with error: {reason}\nRuntime.ExitError"
            self._emit(t, stream, msg)
            if outcome == "oom":
                env.max_mem = v.memory_mb
        elif rng.random() < self.app_prob * 0.2:
            t = start + dur_c // 100
            if v.name == "nodejs":
                msg = f"{self.clock.zulu(t)}\t{rid}\tWARN\tslow downstream call to inventory"
            else:
                msg = f"[WARNING]\t{self.clock.zulu(t)}\t{rid}\tslow downstream call to inventory"
            self._emit(t, stream, msg)
        end = start + dur_c // 100 + (1 if outcome != "success" else 0)
        self._emit(end, stream, f"END RequestId: {rid}")

        if outcome == "timeout_old":
            billed = v.timeout_ms  # capped at the timeout: Billed < Duration (section 6.1)
        elif kind == "cold":
            billed = (dur_c + init_c + 99) // 100
        else:
            billed = (dur_c + 99) // 100
        parts = [
            f"REPORT RequestId: {rid}\tDuration: {_dec(dur_c)} ms\tBilled Duration: {billed} ms"
            f"\tMemory Size: {v.memory_mb} MB\tMax Memory Used: {env.max_mem} MB"
        ]
        if kind == "cold":
            parts.append(f"\tInit Duration: {_dec(init_c)} ms")
        if outcome == "timeout":
            parts.append("\tStatus: timeout")
        elif outcome == "oom":
            parts.append("\tStatus: error\tError Type: Runtime.OutOfMemory")
        elif outcome == "crash":
            parts.append("\tStatus: error\tError Type: Runtime.ExitError")
        if rng.random() < self.xray_prob:
            # Seen only when the caller sends a trace header (PassThrough tracing mode).
            sampled = "true" if rng.random() < 0.2 else "false"
            parts.append(
                f"\t\nXRAY TraceId: 1-{end // 1000:08x}-{rng.getrandbits(96):024x}"
                f"\tSegmentId: {rng.getrandbits(64):016x}\tSampled: {sampled}"
            )
            c.xray += 1
        self._emit(end, stream, "".join(parts))

        c.invocations += 1
        c.start_types[kind] += 1
        if outcome in ("timeout", "timeout_old"):
            c.timeouts += 1
            if outcome == "timeout":
                c.status_timeout += 1
            else:
                c.task_timed_out += 1
        elif outcome in ("oom", "crash"):
            c.errors += 1
            c.crashes += 1
            if outcome == "oom":
                c.out_of_memory += 1
        env.invocations += 1
        env.free_at_ms = end + 1

    def _new_env(self, arrival_ms: int, version: Version) -> tuple[Env, str, int]:
        rng = self.rng
        c = self.counts
        init_c = int(rng.lognormvariate(math.log(version.init_median_ms * 100), 0.35))
        proactive = rng.random() < self.proactive_prob
        gap_ms = rng.randint(15_000, MAX_PROACTIVE_GAP_MS) if proactive else 0
        init_ms = arrival_ms - gap_ms
        env = Env(
            stream=self._stream(init_ms),
            version=version,
            created_ms=init_ms,
            lifetime_ms=rng.randint(100, 130) * 60_000,  # about 2 h (section 7)
            keepalive_ms=rng.randint(330, 420) * 1000,  # 5.5-7 min idle (section 7)
        )
        self._emit(init_ms, env.stream, version.init_start)
        c.init_start_lines += 1
        if version.extension:
            self._emit(init_ms + init_c // 200, env.stream, version.extension)
            c.extension_lines += 1
        c.environments += 1
        return env, ("proactive" if proactive else "cold"), init_c

    # -- the simulation ------------------------------------------------------------------

    def run(self) -> Counts:
        rng = self.rng
        idle: list[Env] = []  # MRU stack: the last one freed is on top
        busy: list[tuple[int, int, Env]] = []  # heap of (free_at, tie, env)
        now = self.t0_ms
        deploy_at = self.n // 2
        version = self.versions[0]
        for i in range(self.n):
            now += max(1, int(rng.expovariate(self._rate_at(now)) * 1000))
            if i == deploy_at and self.n >= 4:
                version = self.versions[1]
                idle.clear()
                for _, _, e in busy:
                    e.retired = True
            while busy and busy[0][0] <= now:
                e = heapq.heappop(busy)[2]
                if not e.retired:
                    idle.append(e)
            env = None
            while idle:
                e = idle.pop()
                if now - e.free_at_ms <= e.keepalive_ms and now - e.created_ms <= e.lifetime_ms:
                    env = e
                    break
            if env is None:
                env, kind, init_c = self._new_env(now, version)
            else:
                kind, init_c = ("reinit" if env.must_reinit else "warm"), 0
            self._invoke(env, now, kind, init_c)
            heapq.heappush(busy, (env.free_at_ms, i, env))
            if i % FLUSH_EVERY == FLUSH_EVERY - 1:
                # Nothing generated later can be older than a proactive INIT_START gap.
                self._flush(now - MAX_PROACTIVE_GAP_MS - 1000)
        self._flush(None)
        return self.counts


def summary_dict(counts: Counts, path: str) -> dict[str, object]:
    st = counts.start_types
    cold_starts = st["cold"] + st["reinit"]
    return {
        "file": path,
        "function": FUNCTION,
        "invocations": counts.invocations,
        "environments": counts.environments,
        "cold_starts": cold_starts,
        "start_types": dict(st),
        "timeouts": counts.timeouts,
        "status_timeout": counts.status_timeout,
        "task_timed_out": counts.task_timed_out,
        "errors": counts.errors,
        "out_of_memory": counts.out_of_memory,
        "crash_lines": counts.crashes,
        "init_failures": 0,
        "reset_loops": 0,
        "init_duration_lines": st["cold"],
        "init_start_lines": counts.init_start_lines,
        "extension_lines": counts.extension_lines,
        "xray_lines": counts.xray,
        "lines": counts.lines,
        "bytes": counts.bytes,
    }


def summary_line(summary: dict[str, object]) -> str:
    parts: list[str] = []
    for key, value in summary.items():
        if isinstance(value, dict):
            parts.extend(f"{k}={v}" for k, v in value.items())
        else:
            parts.append(f"{key}={value}")
    return "generate_logs: " + " ".join(parts)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--invocations", type=int, required=True)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--output", required=True, help="file to write ('-' for stdout)")
    p.add_argument("--rate", type=float, default=20.0, help="mean arrivals per second")
    p.add_argument("--timeout-prob", type=float, default=0.002)
    p.add_argument("--crash-prob", type=float, default=0.0005)
    p.add_argument("--proactive-prob", type=float, default=0.05, help="of new environments")
    p.add_argument("--xray-prob", type=float, default=0.2, help="REPORTs with an XRAY line")
    p.add_argument("--app-prob", type=float, default=0.35, help="invocations with app output")
    p.add_argument("--expected", help="also write the summary as JSON to this file")
    args = p.parse_args(argv)
    if args.invocations < 1:
        p.error("--invocations must be at least 1")

    began = time.perf_counter()
    out: TextIO
    if args.output == "-":
        out = sys.stdout
    else:
        out = open(args.output, "w", encoding="utf-8", newline="\n", buffering=1 << 20)  # noqa: SIM115
    try:
        counts = Generator(
            out,
            invocations=args.invocations,
            seed=args.seed,
            rate=args.rate,
            timeout_prob=args.timeout_prob,
            crash_prob=args.crash_prob,
            proactive_prob=args.proactive_prob,
            xray_prob=args.xray_prob,
            app_prob=args.app_prob,
        ).run()
    finally:
        if out is not sys.stdout:
            out.close()
    summary = summary_dict(counts, args.output)
    if args.expected:
        Path(args.expected).write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    print(f"{summary_line(summary)} seconds={time.perf_counter() - began:.1f}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
