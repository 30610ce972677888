"""Column contracts of the tables the engine produces.

The engine (observed or simulated driver) returns pandas DataFrames with exactly these
columns; billing adds the cost columns; reports and check read them. Times are
``datetime64[ns, UTC]``; durations are float milliseconds with NaN where unknown. The
observed engine's table holds the CODED_COLUMNS as Categoricals of their strings (sorted
categories, ``engine.coded``); every reader of these tables accepts them as plain strings too.
"""

START_TYPES: tuple[str, ...] = ("cold", "warm", "proactive", "provisioned", "restore", "reinit")
COLD_START_TYPES: tuple[str, ...] = ("cold", "restore", "reinit")
STATUSES: tuple[str, ...] = ("success", "timeout", "error")

# One row per invocation, ordered by (function, environment, start).
INVOCATION_COLUMNS: tuple[str, ...] = (
    "function",  # str
    "version",  # str: "$LATEST" or a version number; "" when unknown
    "environment",  # str: log stream name (or JSON instanceId); "" when the input has none
    "request_id",  # str
    "start",  # datetime64[ns, UTC]: START time (or REPORT time - Duration without START)
    "end",  # datetime64[ns, UTC]: REPORT time (or start + Duration)
    "start_type",  # one of START_TYPES
    "reason",  # str: why this start type / what went wrong, "" for a plain warm start
    "status",  # one of STATUSES
    "error_type",  # str, "" when none
    "duration_ms",  # float
    "billed_duration_ms",  # float, NaN when the log had none (Insights rows, LMI, traces)
    "init_duration_ms",  # float: the init this invocation followed (Init Duration or INIT_REPORT)
    "restore_duration_ms",  # float: SnapStart Restore Duration
    "billed_restore_duration_ms",  # float: SnapStart Billed Restore Duration
    "memory_mb",  # float: Memory Size
    "max_memory_used_mb",  # float: Max Memory Used (a running maximum of the environment)
    "init_type",  # str: on-demand | provisioned-concurrency | snap-start |
    #               lambda-managed-instances | "" when unknown
    "runtime_version",  # str, "" when unknown
    "init_failures",  # int (the narrowest that holds the largest, int8 mostly): failed init
    #                   reports (INIT_REPORT error/timeout) just before it
    "flags",  # str: ";"-joined snake_case flags (timeout, out_of_memory, init_timeout, ...)
)

# Text columns with few distinct values, held as pandas Categoricals with sorted categories
# (lifecycle/engine/coded.py); compare, group and sort them as strings. ``reason`` has about
# one distinct text per non-warm start, far fewer than rows: codes of 2 or 4 bytes a row.
CODED_COLUMNS: tuple[str, ...] = (
    "function", "version", "environment", "start_type", "reason", "status", "error_type",
    "init_type", "runtime_version", "flags",
)

# Billing (lifecycle/billing/rules.py) adds these to the invocation table.
COST_COLUMNS: tuple[str, ...] = (
    "cost_usd",  # float: request + billed GB-s x duration price
    "init_cost_usd",  # float: the INIT/restore share of cost_usd
)

# One row per execution environment that served at least one invocation.
ENVIRONMENT_COLUMNS: tuple[str, ...] = (
    "function",
    "version",
    "environment",
    "init_type",
    "runtime_version",
    "init_duration_ms",  # float: the environment's first init, NaN when not seen
    "first_start",  # datetime64[ns, UTC]
    "last_end",  # datetime64[ns, UTC]
    "lifetime_s",  # float: last_end - first_start
    "invocations",  # int
    "cold_starts",  # int: cold + restore + reinit
    "resets",  # int: reinit invocations
    "failures",  # int: timeout + error invocations
    "max_idle_s",  # float: longest gap between one invocation's end and the next start
    "mean_idle_s",  # float
    "flags",  # str: ";"-joined (reset_loop, started_before_window, ...)
)

FLAG_SEPARATOR = ";"

# One row per (function, version).
FUNCTION_COLUMNS: tuple[str, ...] = (
    "function",
    "version",
    "invocations",
    "environments",
    "cold_starts",
    "cold_start_rate",
    *START_TYPES,  # one int column per start type
    "timeouts",
    "errors",
    "out_of_memory",
    "init_failures",
    "init_count",  # inits with a known duration
    "init_p50_ms",
    "init_p90_ms",
    "init_p95_ms",
    "init_p99_ms",
    "init_max_ms",
    "restore_count",  # SnapStart restores with a known Restore Duration
    "restore_p50_ms",
    "restore_p90_ms",
    "restore_p95_ms",
    "restore_p99_ms",
    "restore_max_ms",
    "duration_p50_ms",
    "duration_p99_ms",
    "runtime_versions",  # ";"-joined, sorted
)

# Flagged lifecycle events, one row each, ordered by time.
EVENT_COLUMNS: tuple[str, ...] = (
    "time",  # datetime64[ns, UTC]
    "function",
    "environment",
    "request_id",  # "" for environment-level events
    "event",  # timeout | error | out_of_memory | reinit | init_failure | reset_loop | ...
    "reason",  # human sentence, e.g. "reinit: previous invocation timed out at 10:01:03"
)
