"""lamlife: AWS Lambda cold and warm starts, INIT billing and lifecycle from platform logs.

The Python API for notebooks and scripts (docs/api.md)::

    import lamlife

    result = lamlife.analyze(["examples/orders.log"])
    result.summary["cold_starts"]          # the JSON summary, as a dict
    result.invocations                     # pandas DataFrames: .invocations, .environments,
                                           # .functions, .events
    whatif = lamlife.simulate(["examples/orders.log"], keep_alive="5m")

Importing ``lamlife`` is cheap: pandas and the engine load on first use of these names.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"  # the one version of the package (pyproject.toml reads it from here)

__all__ = ["AnalysisResult", "SimulationResult", "__version__", "analyze", "simulate"]

if TYPE_CHECKING:
    from lamlife._api import AnalysisResult, SimulationResult, analyze, simulate


def __getattr__(name: str) -> Any:
    """Load the API (and pandas with it) only when one of its names is used."""
    if name in __all__:
        from lamlife import _api

        return getattr(_api, name)
    raise AttributeError(f"module 'lamlife' has no attribute {name!r}")
