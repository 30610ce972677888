"""Type stub of the compiled scanner (lifecycle/read/_tailscan.c)."""

from collections.abc import Sequence

from typing_extensions import Buffer

# (streams, versions, error types,
#  starts: (stream, time, version, RequestId bytes, RequestId offsets, RequestId hashes,
#          place),
#  reports: (stream, time, numbers, status, error type, RequestId bytes, offsets, hashes,
#            place))
_Columns = tuple[list[str], list[str], list[str],
                 tuple[bytes, bytes, bytes, bytes, bytes, bytes, bytes],
                 tuple[bytes, bytes, bytes, bytes, bytes, bytes, bytes, bytes, bytes]]

def scan(chunk: Buffer, first: bool, /) -> tuple[int, int, int, bool, bytes, _Columns]: ...

def scan_jsonl(chunk: Buffer, /) -> tuple[int, int, int, int, bytes, bytes, _Columns]: ...

def hash_ids(ids: Sequence[str], /) -> bytes: ...

def find_line_start(buffer: Buffer, value: int, end: int, line_start: bool, /) -> int: ...

# the bulk exports (filter-log-events JSON pages, Logs Insights CSV): see the section at the
# end of _tailscan.c
def scan_events(chunk: str, pos: int, first: bool, /) -> (
    tuple[int, int, bool, list[str], bytes, int, int, int, _Columns, bytes] | None): ...

def scan_csv(chunk: str, pos: int, final: bool, columns: int, ts_i: int, msg_i: int,
             stream_i: int, group_i: int, /) -> (
    tuple[int, int, int, int, int, int, int, int, _Columns, bytes, bytes] | None): ...
