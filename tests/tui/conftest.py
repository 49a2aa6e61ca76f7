"""Tests of the terminal application, driven headless by Pilot at 80x24, and its snapshots
(tests/tui/__snapshots__/, keyed by test module; update with --snapshot-update and look at every
changed SVG).

Helpers: tests.support.tui_helpers (waiting, typing) and tests.support.tui_store (the small
deterministic store the screens are tested on)."""
