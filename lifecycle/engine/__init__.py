"""The lifecycle engine: the per-environment state machine (replay), the invocation table and
its summaries."""
