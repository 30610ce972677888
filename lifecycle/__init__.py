"""lamlife's domain: records, readers, the lifecycle engine, billing, simulation, AWS access."""

from lamlife import __version__  # the package's one version (api/__init__.py)

__all__ = ["__version__"]
