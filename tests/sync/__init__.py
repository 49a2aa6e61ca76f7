"""Sync between paired stores as a whole: stores that exchange bundles end alike."""
