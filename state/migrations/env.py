"""Alembic environment: migrates the connection that Database.migrate() hands over in config.attributes."""

from alembic import context
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

import state.tables  # noqa: F401  (registers the tables so autogenerate can compare against them)

connection = context.config.attributes.get("connection")
if not isinstance(connection, Connection):
    raise RuntimeError("run the state migrations with state.Database(url).migrate(), not the alembic CLI")

context.configure(connection=connection, target_metadata=SQLModel.metadata)
with context.begin_transaction():
    context.run_migrations()
