"""What every AWS call of lamlife shares: clients with adaptive retries, one clear line per
failure (credentials never shown), a client-side rate limit and full-jitter backoff.

This room (``lifecycle/aws/``) is the only code that calls AWS. Nothing here prints.
"""

from __future__ import annotations

import math
import os
import random
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from lamlife.lifecycle.environ import environment_region
from lamlife.lifecycle.errors import AwsAccessError, LamlifeError

# ---------------------------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------------------------

THROTTLE_CODES = frozenset(
    {
        "ThrottlingException",
        "Throttling",
        "ThrottledException",
        "RequestLimitExceeded",
        "TooManyRequestsException",
        "RequestThrottled",
        "RequestThrottledException",
        "LimitExceededException",  # StartQuery: too many concurrent Insights queries
        "ServiceUnavailableException",
    }
)
_DENIED_CODES = frozenset(
    {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "UnauthorizedException"}
)
_BAD_CREDENTIAL_CODES = frozenset(
    {
        "UnrecognizedClientException",
        "InvalidClientTokenId",
        "InvalidSignatureException",
        "SignatureDoesNotMatch",
        "ExpiredToken",
        "ExpiredTokenException",
        "InvalidAccessKeyId",
        "IncompleteSignature",
        "MissingAuthenticationToken",
    }
)
_KEY_ID = re.compile(r"\b(?:AKIA|ASIA|AROA|AIDA)[A-Z0-9]{12,}\b")


class FetchInterrupted(LamlifeError):
    """The user interrupted the fetch; what was fetched is kept for ``--resume``."""

    exit_code = 130


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` without any credential value and without anything shaped like an access key."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "***")
    return _KEY_ID.sub("***", text)


def error_code(exc: BaseException) -> str:
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        return str((response.get("Error") or {}).get("Code", ""))
    return ""


def is_throttle(exc: BaseException) -> bool:
    return error_code(exc) in THROTTLE_CODES


def aws_error(
    exc: BaseException, *, action: str, subject: str = "", region: str = "",
    secrets: Iterable[str] = (),
) -> LamlifeError:
    """One clear line for a boto failure. ``action`` is the API call (e.g.
    ``logs:FilterLogEvents``); ``subject`` what it was about (``log group /aws/lambda/x``)."""
    import botocore.exceptions as bex

    where = f" in {region}" if region else ""
    about = f" {subject}" if subject else ""
    if isinstance(exc, bex.NoRegionError):
        message = (
            "no AWS region: pass --region or set AWS_REGION / AWS_DEFAULT_REGION "
            "(or a region in your profile)"
        )
    elif isinstance(exc, bex.ProfileNotFound):
        message = f"AWS profile not found: {getattr(exc, 'kwargs', {}).get('profile', '')}"
    elif isinstance(exc, bex.NoCredentialsError | bex.PartialCredentialsError):
        message = (
            "no AWS credentials found: pass --profile, or set AWS_PROFILE or "
            "AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY"
        )
    elif isinstance(exc, bex.CredentialRetrievalError | bex.TokenRetrievalError):
        message = "cannot obtain AWS credentials from the configured provider (see your profile)"
    elif isinstance(exc, bex.EndpointConnectionError | bex.ConnectTimeoutError):
        endpoint = getattr(exc, "kwargs", {}).get("endpoint_url", "")
        message = f"cannot reach the AWS endpoint {endpoint}"
    elif isinstance(exc, bex.ClientError):
        code = error_code(exc)
        detail = str((exc.response.get("Error") or {}).get("Message", "")).strip()
        detail = detail.splitlines()[0][:300] if detail else ""
        if code in _DENIED_CODES:
            message = (
                f"access denied: {action} on{about or ' the resource'}{where} "
                "(the IAM policy lamlife fetch needs is in docs/fetch.md)"
            )
        elif code in _BAD_CREDENTIAL_CODES:
            message = f"AWS rejected the credentials ({code}) calling {action}"
        elif code in ("ResourceNotFoundException", "ResourceNotFound", "404", "NoSuchBucket",
                      "NoSuchKey"):
            message = f"{subject or 'resource'} not found{where} ({action})"
        elif code in THROTTLE_CODES:
            message = (
                f"{action} kept being throttled after retries ({code}); "
                "try again later or with a smaller --parallel"
            )
        else:
            message = f"{action} failed{where}: {code or 'error'}" + (
                f": {detail}" if detail else ""
            )
    elif isinstance(exc, bex.BotoCoreError):
        message = f"{action} failed: {exc}"
    else:
        message = f"{action} failed: {type(exc).__name__}: {exc}"
    message = message.strip().splitlines()[0] if message.strip() else f"{action} failed"
    return AwsAccessError(redact(message, secrets))


# ---------------------------------------------------------------------------------------------
# Rate limiting and backoff
# ---------------------------------------------------------------------------------------------


class RateLimiter:
    """At most ``rate`` acquisitions per second, shared by threads (even spacing)."""

    def __init__(
        self,
        rate: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._next = -math.inf

    def acquire(self) -> float:
        """Wait for a slot; returns the time waited."""
        if self.interval == 0.0:
            return 0.0
        with self._lock:
            now = self._clock()
            slot = max(now, self._next)
            self._next = slot + self.interval
        delay = slot - now
        if delay > 0:
            self._sleep(delay)
        return max(delay, 0.0)


def pages(client: Any, operation: str, limiter: RateLimiter | None = None,
          page_size: int | None = None, **params: Any) -> Iterator[dict[str, Any]]:
    """Every page of a paginated AWS call (boto3's own paginator for ``operation``), waiting
    for ``limiter`` before each request (one wait more after the last page, which asks for
    nothing). botocore errors propagate to the caller, which names the action."""
    config = {"PageSize": page_size} if page_size else {}
    iterator = iter(client.get_paginator(operation).paginate(PaginationConfig=config, **params))
    while True:
        if limiter is not None:
            limiter.acquire()
        page = next(iterator, None)
        if page is None:
            return
        yield page


def backoff_delay(
    attempt: int, base: float = 1.0, cap: float = 30.0, rand: Callable[[], float] = random.random
) -> float:
    """Full-jitter exponential backoff: uniform in [base*2^attempt/2, base*2^attempt], capped."""
    ceiling = min(cap, base * (2**attempt))
    return ceiling / 2 + rand() * ceiling / 2


# ---------------------------------------------------------------------------------------------
# Client side
# ---------------------------------------------------------------------------------------------


@dataclass
class AwsClients:
    logs: Any
    lambda_: Any
    region: str
    secrets: tuple[str, ...] = ()
    s3: Any = None


def connect(
    profile: str | None,
    region: str | None,
    endpoint_url: str | None,
    max_pool_connections: int = 10,
    max_attempts: int = 10,
    services: tuple[str, ...] = ("logs", "lambda"),
    default_region: str | None = None,
) -> AwsClients:
    """Clients (Logs and Lambda by default; ``services`` may name ``s3``) with adaptive
    retries. Honours AWS_* variables and profiles the way boto3 does; fails with one line
    when region or credentials are missing."""
    import boto3
    import botocore.exceptions as bex
    from botocore.config import Config

    try:
        # AWS_REGION before AWS_DEFAULT_REGION, as the AWS CLI reads them (boto3 reads only
        # the second); --region wins over both.
        region = region or environment_region()[1]
        session = boto3.Session(profile_name=profile or None, region_name=region)
        if not session.region_name and default_region:
            session = boto3.Session(profile_name=profile or None, region_name=default_region)
    except bex.ProfileNotFound as exc:
        raise aws_error(exc, action="session") from None
    if not session.region_name:
        raise aws_error(bex.NoRegionError(), action="session")
    try:
        credentials = session.get_credentials()
    except bex.BotoCoreError as exc:
        raise aws_error(exc, action="session") from None
    if credentials is None:
        raise aws_error(bex.NoCredentialsError(), action="session")
    frozen = credentials.get_frozen_credentials()
    secrets = tuple(s for s in (frozen.access_key, frozen.secret_key, frozen.token) if s)
    # Adaptive retries (client-side rate limiting plus backoff on throttling) unless the user
    # chose a retry mode or attempt count (AWS_RETRY_MODE / AWS_MAX_ATTEMPTS or the profile).
    try:
        profile_config = session._session.get_scoped_config()
    except bex.BotoCoreError:
        profile_config = {}
    mode = os.environ.get("AWS_RETRY_MODE") or profile_config.get("retry_mode") or "adaptive"
    if os.environ.get("AWS_MAX_ATTEMPTS") or profile_config.get("max_attempts"):
        retries = {"mode": mode}
    else:
        retries = {"mode": mode, "total_max_attempts": max_attempts}
    config = Config(
        retries=retries,  # type: ignore[arg-type]  # mode is a user string, checked by botocore
        max_pool_connections=max_pool_connections,
        user_agent_extra="lamlife-fetch",
    )
    kwargs: dict[str, Any] = {"config": config}
    if endpoint_url:
        kwargs["endpoint_url"] = endpoint_url
    try:
        made = {name: session.client(name, **kwargs)  # type: ignore[call-overload]
                for name in services}
    except (bex.BotoCoreError, ValueError) as exc:
        raise aws_error(exc, action="client", secrets=secrets) from None
    return AwsClients(logs=made.get("logs"), lambda_=made.get("lambda"),
                      region=session.region_name, secrets=secrets, s3=made.get("s3"))


