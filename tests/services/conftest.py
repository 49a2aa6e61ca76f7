"""Tests of the use cases in outreach.services: people, conversations, screening, decisions,
follow-ups, search, targets, timelines, and the limits and text checks at their boundary.

Helpers: tests.support.service_helpers (a store per module, row counts, audit rows)."""
