"""Rendering of lamlife analyses: rich tables, JSON, CSV, Markdown. No domain logic."""
