"""The AWS Region the environment names, read the way the AWS CLI reads it: ``AWS_REGION``
first, then ``AWS_DEFAULT_REGION`` (boto3 alone reads only the second; AWS CLI User Guide,
"Environment variables to configure the AWS CLI"). Shared by billing defaults, the Price List
endpoint and the AWS clients."""

from __future__ import annotations

import os

REGION_VARIABLES: tuple[str, ...] = ("AWS_REGION", "AWS_DEFAULT_REGION")


def environment_region() -> tuple[str, str | None]:
    """(variable, Region) from AWS_REGION, else AWS_DEFAULT_REGION; ("", None) when unset."""
    for name in REGION_VARIABLES:
        value = os.environ.get(name, "").strip()
        if value:
            return name, value
    return "", None
