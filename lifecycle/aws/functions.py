"""Lambda functions: which ones a fetch covers (one, several, a prefix, every function of the
Region) and the configuration each fetch header records.

ListFunctions pages through every function of the Region (``Marker`` / ``NextMarker``, at most
50 a page: Lambda API reference, ListFunctions) and returns each function's configuration, so
a fetch of all functions needs no GetFunctionConfiguration per function. Nothing here prints.
"""

from __future__ import annotations

from typing import Any

from lamlife.lifecycle.aws.common import (
    AwsClients,
    RateLimiter,
    aws_error,
    error_code,
    pages,
    redact,
)

# Lambda control-plane calls other than GetFunction / GetPolicy: 15 requests per second per
# Region (Lambda quotas, "API request rate").
LAMBDA_CONTROL_TPS = 15.0
LIST_FUNCTIONS_PAGE = 50


def function_name(identifier: str) -> str:
    """The plain function name from a name, ``name:qualifier``, or (partial) function ARN."""
    value = identifier.strip()
    if value.startswith("arn:"):
        parts = value.split(":")
        # arn:partition:lambda:region:account:function:name[:qualifier]
        return parts[6] if len(parts) > 6 else value
    parts = value.split(":")
    if len(parts) >= 3 and parts[1] == "function":  # account:function:name[:qualifier]
        return parts[2]
    return parts[0]


def default_log_group(name: str) -> str:
    """The default log group of a function (docs monitoring-cloudwatchlogs-loggroups.html)."""
    return f"/aws/lambda/{name}"


def configuration_from_api(
    config: dict[str, Any],
    pc_configs: list[dict[str, Any]] | None,
) -> dict[str, Any]:
    """The header's ``configuration`` from GetFunctionConfiguration and the provisioned
    concurrency configs (None when they could not be listed)."""
    logging = config.get("LoggingConfig") or {}
    snap = config.get("SnapStart") or {}
    architectures = config.get("Architectures") or ["x86_64"]
    name = config.get("FunctionName", "")
    pcs = None
    pc_total = None
    if pc_configs is not None:
        pcs = [
            {
                "qualifier": str(c.get("FunctionArn", "")).rsplit(":", 1)[-1],
                "requested": c.get("RequestedProvisionedConcurrentExecutions"),
                "allocated": c.get("AllocatedProvisionedConcurrentExecutions"),
                "available": c.get("AvailableProvisionedConcurrentExecutions"),
                "status": c.get("Status"),
            }
            for c in pc_configs
        ]
        pc_total = sum(int(c["requested"] or 0) for c in pcs)
    return {
        "function_name": name,
        "function_arn": config.get("FunctionArn"),
        "version": config.get("Version"),
        "memory_mb": config.get("MemorySize"),
        "architecture": architectures[0],
        "runtime": config.get("Runtime"),  # None for container images
        "package_type": config.get("PackageType", "Zip"),
        "timeout_s": config.get("Timeout"),
        "ephemeral_storage_mb": (config.get("EphemeralStorage") or {}).get("Size"),
        # SnapStart applies to published versions only; $LATEST always reports Off.
        "snap_start": snap.get("ApplyOn") == "PublishedVersions",
        "provisioned_concurrency": pc_total,
        "provisioned_concurrency_configs": pcs,
        "log_format": logging.get("LogFormat", "Text"),
        "log_group": logging.get("LogGroup") or default_log_group(name),
        "system_log_level": logging.get("SystemLogLevel"),
        "application_log_level": logging.get("ApplicationLogLevel"),
        "last_modified": config.get("LastModified"),
        # Charges lamlife does not price, named in the report when in use (docs/billing.md).
        "tenant_isolation_mode": (config.get("TenancyConfig") or {}).get("TenantIsolationMode"),
        "durable": bool(config.get("DurableConfig")),
    }




def read_function_configuration(
    clients: AwsClients, function: str
) -> tuple[dict[str, Any], list[str]]:
    """The header configuration of a function and warnings (provisioned concurrency unknown)."""
    import botocore.exceptions as bex

    warnings: list[str] = []
    try:
        config = clients.lambda_.get_function_configuration(FunctionName=function)
    except (bex.ClientError, bex.BotoCoreError) as exc:
        raise aws_error(
            exc, action="lambda:GetFunctionConfiguration", subject=f"function {function}",
            region=clients.region, secrets=clients.secrets,
        ) from None
    pcs: list[dict[str, Any]] | None
    try:
        pcs = list_provisioned_concurrency(clients, function)
    except (bex.ClientError, bex.BotoCoreError) as exc:
        pcs = None
        code = error_code(exc) or type(exc).__name__
        warnings.append(
            redact(
                f"cannot list provisioned concurrency of {function} ({code}); "
                "recorded as unknown",
                clients.secrets,
            )
        )
    return configuration_from_api(config, pcs), warnings



def list_functions(clients: AwsClients, prefix: str | None = None,
                   limiter: RateLimiter | None = None) -> list[dict[str, Any]]:
    """Every function of the Region (ListFunctions, all pages) whose name starts with
    ``prefix`` (all when None), as ListFunctions returns their configurations, by name.
    Raises AwsAccessError (exit 3) when the listing fails."""
    import botocore.exceptions as bex

    found: list[dict[str, Any]] = []
    try:
        for page in pages(clients.lambda_, "list_functions", limiter, LIST_FUNCTIONS_PAGE):
            for config in page.get("Functions") or []:
                name = str(config.get("FunctionName", ""))
                if name and (prefix is None or name.startswith(prefix)):
                    found.append(config)
    except (bex.ClientError, bex.BotoCoreError) as exc:
        raise aws_error(exc, action="lambda:ListFunctions", subject="functions",
                        region=clients.region, secrets=clients.secrets) from None
    return sorted(found, key=lambda c: str(c["FunctionName"]))


def list_provisioned_concurrency(
    clients: AwsClients, function: str, limiter: RateLimiter | None = None
) -> list[dict[str, Any]]:
    """Every provisioned concurrency config of a function (all pages). Raises botocore errors."""
    configs: list[dict[str, Any]] = []
    for page in pages(clients.lambda_, "list_provisioned_concurrency_configs", limiter,
                      FunctionName=function_name(function)):
        configs.extend(page.get("ProvisionedConcurrencyConfigs") or [])
    return configs


def discovered_configurations(
    clients: AwsClients, listed: list[dict[str, Any]], read_provisioned: bool = True,
    limiter: RateLimiter | None = None,
) -> tuple[list[dict[str, Any]], list[str]]:
    """Header configurations of listed functions (ListFunctions entries), with provisioned
    concurrency when ``read_provisioned``; and the warnings, one line per kind of failure."""
    import botocore.exceptions as bex

    limiter = limiter or RateLimiter(LAMBDA_CONTROL_TPS)
    configs: list[dict[str, Any]] = []
    failed: dict[str, list[str]] = {}
    for raw in listed:
        name = str(raw["FunctionName"])
        pcs: list[dict[str, Any]] | None = None
        if read_provisioned:
            try:
                pcs = list_provisioned_concurrency(clients, name, limiter)
            except (bex.ClientError, bex.BotoCoreError) as exc:
                failed.setdefault(error_code(exc) or type(exc).__name__, []).append(name)
        configs.append(configuration_from_api(raw, pcs))
    warnings = [
        redact(f"cannot list provisioned concurrency of {_some(names)} ({code}); "
               "recorded as unknown", clients.secrets)
        for code, names in failed.items()
    ]
    return configs, warnings


def _some(names: list[str], shown: int = 3) -> str:
    if len(names) == 1:
        return names[0]
    head = ", ".join(names[:shown])
    more = f" and {len(names) - shown} more" if len(names) > shown else ""
    return f"{len(names)} functions ({head}{more})"


def existing_log_groups(clients: AwsClients, prefix: str,
                        limiter: RateLimiter | None = None) -> set[str]:
    """Names of the log groups whose name starts with ``prefix`` (DescribeLogGroups, all
    pages of up to 50): one listing instead of one check per function."""
    import botocore.exceptions as bex

    names: set[str] = set()
    try:
        for page in pages(clients.logs, "describe_log_groups", limiter, 50,
                          logGroupNamePrefix=prefix):
            names.update(str(g["logGroupName"]) for g in page.get("logGroups") or [])
    except (bex.ClientError, bex.BotoCoreError) as exc:
        raise aws_error(exc, action="logs:DescribeLogGroups", subject=f"log groups {prefix}*",
                        region=clients.region, secrets=clients.secrets) from None
    return names
