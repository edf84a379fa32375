"""Alembic environment: run by api.storage.migrate() with an open connection (no alembic.ini)."""
from __future__ import annotations

from alembic import context

from api.storage import Base

config = context.config
connection = config.attributes.get("connection")
if connection is None:  # `alembic` command line: build a connection from the configured URL
    from api.storage import make_engine

    connection = make_engine(config.get_main_option("sqlalchemy.url")).connect()

context.configure(connection=connection, target_metadata=Base.metadata,
                  render_as_batch=connection.dialect.name == "sqlite")  # SQLite needs batch ALTERs
with context.begin_transaction():
    context.run_migrations()
