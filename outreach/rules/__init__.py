"""Pure domain rules: eligibility, coverage, result -> action, next test due, and the like.

Nothing here touches the store or the clock; the only input read from disk is a programme file.
"""
