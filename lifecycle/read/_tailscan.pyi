"""Type stub of the compiled scanner (lifecycle/read/_tailscan.c)."""

from collections.abc import Sequence

_Columns = tuple[list[str], list[str], list[str],
                 tuple[bytes, bytes, bytes, list[str]],
                 tuple[bytes, bytes, bytes, bytes, bytes, list[str]]]

def scan(chunk: str, first: bool, /) -> (
    tuple[int, int, int, bool, bytes, _Columns] | None): ...

def scan_jsonl(chunk: str | bytes | bytearray | memoryview, /) -> (
    tuple[int, int, int, int, bytes, bytes, _Columns] | None): ...

def hash_ids(ids: Sequence[str], /) -> bytes: ...

# the bulk exports (filter-log-events JSON pages, Logs Insights CSV): see the section at the
# end of _tailscan.c
def scan_events(chunk: str, pos: int, first: bool, /) -> (
    tuple[int, int, bool, list[str], bytes, int, int, int, _Columns, bytes] | None): ...

def scan_csv(chunk: str, pos: int, final: bool, columns: int, ts_i: int, msg_i: int,
             stream_i: int, group_i: int, /) -> (
    tuple[int, int, int, int, int, int, int, int, _Columns, bytes, bytes] | None): ...
