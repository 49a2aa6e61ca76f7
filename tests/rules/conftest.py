"""Tests of outreach.rules: the programme file, screening intervals and actions, disclosure control.

No store: these are pure functions checked against cases worked out by hand."""
