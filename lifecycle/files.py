"""Writing files so that a failure never leaves a truncated or empty file behind.

``write_atomic`` writes to a temporary file beside the target, flushes it to disk and renames
it over the target (``os.replace`` is atomic on POSIX and Windows). On any failure (a full
disk, a lost permission, Ctrl-C) the temporary file is removed and the target keeps its old
content, or stays absent: a report or a baseline is either whole or not written at all.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path

from lamlife.lifecycle.errors import ConfigError


def write_atomic(path: str | Path, data: str | bytes, encoding: str = "utf-8") -> None:
    """Write ``data`` to ``path`` through a temporary file and a rename.

    The new file gets the old file's permission bits, or the usual ones (0o666 less the
    umask) when there was none. Raises OSError (the target untouched) when anything fails;
    a string that cannot be encoded raises UnicodeEncodeError, also before the target changes.
    """
    target = Path(path)
    if target.is_symlink():  # write where the link points, and keep the link
        target = Path(os.path.realpath(target))
    payload = data.encode(encoding, "replace") if isinstance(data, str) else data
    try:
        status = target.stat()
    except OSError:
        status = None
    if status is not None and not stat.S_ISREG(status.st_mode) and not stat.S_ISDIR(
            status.st_mode):
        # /dev/stdout, a named pipe: nothing to replace, write straight through
        with open(target, "wb") as out:
            out.write(payload)
        return
    if status is not None:
        mode = status.st_mode & 0o7777
    else:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    handle, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp",
                                        dir=target.parent if str(target.parent) else ".")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(payload)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp_name, mode)
        os.replace(tmp_name, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
        raise


def read_config_text(path: str | Path, what: str) -> str:
    """The text of a UTF-8 configuration file (budget, baseline, price table).

    ConfigError naming the file and ``what`` it is when it cannot be read or is not UTF-8
    text (a Latin-1 ``# café`` comment, a binary file given by mistake).
    """
    source = str(path)
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise ConfigError(f"{source}: cannot read the {what}: {exc.strerror or exc}") from exc
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ConfigError(
            f"{source}: the {what} is not UTF-8 text (byte 0x{data[exc.start]:02x} on line "
            f"{line}); save it as UTF-8"
        ) from None
