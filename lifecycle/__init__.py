"""lamlife's domain: records, readers, the lifecycle engine, billing, simulation, AWS access."""

__version__ = "0.1.0"
