"""Type stub of the compiled scanner (lifecycle/read/_tailscan.c)."""

def scan(chunk: str, first: bool, /) -> (
    tuple[int, int, int, bool, bytes, list[str], list[str], list[str],
          tuple[bytes, bytes, bytes, list[str]],
          tuple[bytes, bytes, bytes, bytes, bytes, list[str]]] | None): ...
