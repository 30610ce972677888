"""Logs where they live: ``s3://bucket/prefix/`` inputs streamed from S3 with boto3.

Two kinds of trees end up in S3 (docs/lifecycle.md, "S3"):

- CloudWatch Logs export tasks (CreateExportTask): ``<prefix>/<task id>/<log stream>/000000.gz``,
  gzip text lines ``<ISO time> <message>`` (the stream is in the key);
- subscription filters delivered through Amazon Data Firehose: objects holding the
  subscription payloads (``{"messageType": "DATA_MESSAGE", "logGroup", "logStream",
  "logEvents": [...]}``), each gzip-compressed by CloudWatch Logs, so an object is several
  gzip members (or several JSON documents) one after the other.

This module lists the objects (ListObjectsV2, all pages) and hands the readers one
``Source`` per object whose ``opener`` streams the object's body (GetObject): nothing is
downloaded whole, and the readers see a binary stream exactly as they would from a file
(gzip members are joined by Python's gzip reader). No s3fs. Nothing here prints.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import IO, Any

from lamlife.lifecycle.aws.common import AwsClients, aws_error, connect, pages
from lamlife.lifecycle.errors import InputError
from lamlife.lifecycle.read.context import Source

SCHEME = "s3://"
EXPORT_TEST_OBJECT = "aws-logs-write-test"  # written by CloudWatch Logs when an export starts


def is_s3_url(path: str) -> bool:
    return path.startswith(SCHEME)


@dataclass(frozen=True)
class S3Options:
    """``--profile`` and ``--endpoint-url``. The S3 client's Region is the profile's or
    AWS_REGION/AWS_DEFAULT_REGION, else us-east-1: S3 answers a request sent to another
    Region with the bucket's Region, and botocore follows it. ``--region`` is not used here:
    on analyze it chooses the prices, and a bucket's Region says nothing of where the
    functions ran."""

    profile: str | None = None
    endpoint_url: str | None = None


def parse_url(url: str) -> tuple[str, str]:
    """(bucket, key or prefix) of ``s3://bucket/key``. Raises InputError on a bad URL."""
    if not is_s3_url(url):
        raise InputError(f"{url}: not an s3:// URL")
    bucket, _, key = url[len(SCHEME):].partition("/")
    if not bucket:
        raise InputError(f"{url}: no bucket in the S3 URL (use s3://bucket/prefix/)")
    return bucket, key


class _Body(io.RawIOBase):
    """A GetObject body as a raw stream; botocore's read failures become OSError, which the
    readers report as a read failure of this input."""

    def __init__(self, body: Any, name: str) -> None:
        self._body = body
        self._name = name

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        import botocore.exceptions as bex

        try:
            data = self._body.read(len(buffer))
        except (bex.BotoCoreError, bex.ClientError) as exc:
            raise OSError(f"{self._name}: S3 read failed: {exc}") from None
        n = len(data)
        buffer[:n] = data
        return n

    def close(self) -> None:
        try:
            self._body.close()
        finally:
            super().close()


def open_object(clients: AwsClients, bucket: str, key: str) -> IO[bytes]:
    """A stream of one object's bytes (GetObject). Raises AwsAccessError (exit 3)."""
    import botocore.exceptions as bex

    name = f"{SCHEME}{bucket}/{key}"
    try:
        response = clients.s3.get_object(Bucket=bucket, Key=key)
    except (bex.ClientError, bex.BotoCoreError) as exc:
        raise aws_error(exc, action="s3:GetObject", subject=f"object {name}",
                        region=clients.region, secrets=clients.secrets) from None
    return io.BufferedReader(_Body(response["Body"], name), buffer_size=1 << 20)


def list_keys(clients: AwsClients, bucket: str, prefix: str) -> list[str]:
    """Every key under ``prefix`` (ListObjectsV2, all pages of up to 1,000)."""
    import botocore.exceptions as bex

    keys: list[str] = []
    try:
        for page in pages(clients.s3, "list_objects_v2", Bucket=bucket, Prefix=prefix):
            keys.extend(str(item["Key"]) for item in page.get("Contents") or [])
    except (bex.ClientError, bex.BotoCoreError) as exc:
        raise aws_error(exc, action="s3:ListBucket", subject=f"bucket {bucket}",
                        region=clients.region, secrets=clients.secrets) from None
    return keys


def _readable(key: str, prefix: str) -> bool:
    """Keys a directory read would read: no folder markers, nothing hidden below the prefix,
    not the export task's write test."""
    if key.endswith("/"):
        return False
    parts = key[len(prefix):].split("/")
    return not any(p.startswith(".") for p in parts if p) and parts[-1] != EXPORT_TEST_OBJECT


def sources(url: str, clients: AwsClients) -> list[Source]:
    """The inputs of one ``s3://`` URL: the object itself, or every object under the prefix
    (in path order, like a directory). Raises InputError when there is nothing there."""
    bucket, key = parse_url(url)
    keys = list_keys(clients, bucket, key)
    if key and not key.endswith("/") and key in keys:
        return [_source(clients, bucket, key, in_directory=False)]
    prefix = key if not key or key.endswith("/") else key + "/"
    found = sorted((k for k in keys if k.startswith(prefix) and _readable(k, prefix)),
                   key=lambda k: k.split("/"))
    if not found:
        raise InputError(f"{url}: no such object, and no objects under it")
    return [_source(clients, bucket, k, in_directory=True) for k in found]


def _source(clients: AwsClients, bucket: str, key: str, *, in_directory: bool) -> Source:
    opener: Callable[[], IO[bytes]] = lambda: open_object(clients, bucket, key)  # noqa: E731
    return Source(f"{SCHEME}{bucket}/{key}", PurePosixPath(bucket, key),
                  in_directory=in_directory, opener=opener)


def resolve(paths: Sequence[str], options: S3Options | None = None
            ) -> list[str | Source]:
    """``paths`` with every ``s3://`` URL replaced by the Sources of its objects (one S3
    client for all of them); other paths are kept for the local readers."""
    if not any(is_s3_url(p) for p in paths):
        return list(paths)
    options = options or S3Options()
    clients = connect(options.profile, None, options.endpoint_url, services=("s3",),
                      default_region="us-east-1")
    out: list[str | Source] = []
    for path in paths:
        if is_s3_url(path):
            out.extend(sources(path, clients))
        else:
            out.append(path)
    return out
