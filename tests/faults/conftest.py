"""Fault injection: processes killed mid-write, a full disk, interrupted re-keying and restore,
many programs writing at once, and what stays in memory after a lock.

The child processes are in tests/support (fault_worker.py, many_hands_worker.py)."""
