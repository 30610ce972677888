"""Simulation: the scheduler of arrivals onto execution environments under a lifecycle policy,
and what-if runs and sweeps."""
