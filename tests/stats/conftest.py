"""Tests of outreach.stats: coverage, uptake, activity, pathway and the dashboard, against a slow
reference written out person by person."""
