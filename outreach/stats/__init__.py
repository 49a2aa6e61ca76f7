"""Measures computed from the store alone, for any as-of date and any calendar period.

Each measure is defined exactly once, in ``outreach/stats/definitions.md`` (shipped with the
package). Aggregates run in SQL; Python only assembles their grouped rows.
:func:`outreach.stats.dashboard.dashboard` is the entry point the CLI, TUI and export share.
"""
