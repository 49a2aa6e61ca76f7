"""The encrypted store: opening it (:mod:`~outreach.store.store`), reading and writing in
audited transactions (:mod:`~outreach.store.transactions`), noticing other programs' changes
(:mod:`~outreach.store.watching`), signing keys and the audit head
(:mod:`~outreach.store.signing`), re-keying (:mod:`~outreach.store.rekeying`), accounts
(:mod:`~outreach.store.accounts`), the audit chain, key slots and passphrases, backup, restore,
checks, migrations and the lock that lets several people share one store."""
