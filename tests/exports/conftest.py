"""Tests of outreach.exports: the published tables, their formats, disclosure control against
an intruder, signing, differencing between exports and the export command.

The store most of them share is built in tests/exports/test_export_store.py, its figures worked
out by hand."""
