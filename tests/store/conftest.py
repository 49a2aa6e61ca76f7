"""Tests of outreach.store: the encrypted database, keys and passphrases, accounts and roles,
migrations, the audit chain, backups and restore, the lock between programs, and the per-user
folders."""
