"""The optional compiled part of the readers (``_tailscan``, lifecycle/read/_tailscan.c).

setup.py builds it where a C compiler exists; without it, or with ``LAMLIFE_PURE_PYTHON=1``
in the environment, the readers use their pure-Python paths, which give the same results.
"""

from __future__ import annotations

import importlib
import os
from typing import Any

PURE_PYTHON_ENV = "LAMLIFE_PURE_PYTHON"


def _load() -> Any:
    try:
        return importlib.import_module("lamlife.lifecycle.read._tailscan")
    except ImportError:  # a build without a compiler: the Python paths read everything
        return None


tailscan: Any = _load()


def compiled_enabled() -> bool:
    """True when the compiled scanner is built and not switched off by
    ``LAMLIFE_PURE_PYTHON=1``."""
    return tailscan is not None and os.environ.get(PURE_PYTHON_ENV, "") in ("", "0")
