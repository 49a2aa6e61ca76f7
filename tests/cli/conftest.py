"""Tests of the outreach command line (outreach.cli) that are about the commands themselves; the
commands of one layer (import, export, demo) are tested beside that layer."""
