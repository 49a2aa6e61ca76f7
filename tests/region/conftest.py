"""Tests of the regional return: site submissions, checking and trusting them, the roll-up
across sites for each programme, and its formats (CSV, ADX, DHIS2); the simulated sites and
their stores are built by simulated.py and site_stores.py beside these."""
