"""Governance exports: one aggregate table, published through a disclosure policy, written as
CSV, XLSX, JSON, FHIR and an HTML report, with a signed manifest.

Raw counts live only in :class:`~outreach.exports.table.AggregateTable`, in memory; every writer
takes a :class:`~outreach.exports.table.PublishedSummary`, which holds published figures only.
"""
