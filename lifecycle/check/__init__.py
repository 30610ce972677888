"""The CI gate: metrics of an analysis, budgets and baselines, and their verdicts."""
