"""Billing: the dated, regional price table (data and loader, Price List update) and the pricing
rules applied to invocations and INIT/restore phases."""
