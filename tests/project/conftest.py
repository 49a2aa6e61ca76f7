"""Checks on the whole project: ruff and mypy, help text and the README, no network access,
and an install from the offline wheelhouse."""
