"""The files of a store folder that several modules name."""

DATA = "data.db"
"""The encrypted database."""
KEYS = "keys.json"
"""The key slots: the data key sealed to each account's passphrase."""
