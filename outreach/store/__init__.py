"""The encrypted store: opening and keying it (:mod:`~outreach.store.store`), the audit chain,
key slots and passphrases, backup, restore, checks, migrations and the lock that lets several
people share one store."""
