"""Alembic migrations of the state schema, run by Database.migrate()."""
