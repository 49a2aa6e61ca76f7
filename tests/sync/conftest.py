"""Tests of sync between laptops: bundles and their chain, conflicts kept for a person, and
the three-laptop convergence walk; paired stores come from tests/support/sync_pairs.py and
tests/support/sync_state.py."""
