"""Alembic environment: runs only on a keyed connection handed over by the application.

The key never goes into alembic.ini or a URL; ``outreach.store.migrations`` passes the open
connection through ``config.attributes["connection"]``.
"""

from alembic import context
from sqlmodel import SQLModel

import outreach.model  # noqa: F401  (registers every table on the metadata)
from outreach.model.people import SEARCH_INDEX_TABLES

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("migrations run through outreach, which hands over a keyed connection")

context.configure(
    connection=connection,
    target_metadata=context.config.attributes.get("target_metadata", SQLModel.metadata),
    render_as_batch=True,
    compare_type=True,
    # The FTS5 table and its shadow tables (migration 0013) cannot be declared in the models.
    include_name=lambda name, kind, parents: not (kind == "table" and name in SEARCH_INDEX_TABLES),
)
with context.begin_transaction():
    context.run_migrations()
