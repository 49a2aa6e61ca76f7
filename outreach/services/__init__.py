"""Use cases: one function per user action, each one transaction with its audit row.

Every public service is ``fn(store, *, ...)``; its session-level twin ``fn_in(session, *,
actor_id, ...)`` does the same work inside a caller's transaction without writing audit, so a
CSV import or the demo generator can apply many rows in one transaction.
"""
