"""Harness-only seams in the proof's throwaway state database (nothing in the product): a trigger that holds the audit
event written right after a decision's compare-and-set, so a kill -9 lands between "status is approved" and "the graph
resumes", the moment no Odoo call marks."""

from __future__ import annotations

import sqlite3

from proof.world import World

TRIGGER = "proof_hold_decision"


def hold_decision(world: World, proposal_id: str) -> None:
    """The next `proposal.approved` audit event of this proposal takes seconds to write (the status is already
    committed): time for the harness to see the status and kill the process."""
    if world.db == "sqlite":
        with sqlite3.connect(_sqlite_path(world)) as conn:
            conn.execute("CREATE TABLE IF NOT EXISTS proof_spin (x INTEGER)")
            if conn.execute("SELECT count(*) FROM proof_spin").fetchone()[0] == 0:
                conn.executemany("INSERT INTO proof_spin VALUES (?)", [(i,) for i in range(700)])
            conn.execute(f"DROP TRIGGER IF EXISTS {TRIGGER}")
            # SQLite cannot sleep in a trigger: a cross join of 700³ rows keeps it busy for several seconds instead.
            conn.execute(f"""CREATE TRIGGER {TRIGGER} BEFORE INSERT ON audit_event
                WHEN NEW.kind = 'proposal.approved' AND NEW.proposal_id = '{proposal_id}'
                BEGIN SELECT count(*) FROM proof_spin a, proof_spin b, proof_spin c; END""")
        return
    with _pg(world) as conn:
        conn.execute(f"""CREATE OR REPLACE FUNCTION {TRIGGER}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              IF NEW.kind = 'proposal.approved' AND NEW.proposal_id = '{proposal_id}' THEN PERFORM pg_sleep(60); END IF;
              RETURN NEW;
            END $$""")
        conn.execute(f"DROP TRIGGER IF EXISTS {TRIGGER} ON audit_event")
        conn.execute(f"CREATE TRIGGER {TRIGGER} BEFORE INSERT ON audit_event FOR EACH ROW EXECUTE FUNCTION {TRIGGER}()")


def release(world: World) -> None:
    """Drop the seam; on PostgreSQL also end the sleeping backend of the killed process (it holds the audit lock)."""
    if world.db == "sqlite":
        with sqlite3.connect(_sqlite_path(world), timeout=30) as conn:
            conn.execute(f"DROP TRIGGER IF EXISTS {TRIGGER}")
        return
    with _pg(world) as conn:
        conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                     "WHERE wait_event = 'PgSleep' AND pid <> pg_backend_pid() AND datname = current_database() "
                     f"AND query ILIKE '%audit_event%'")
        conn.execute(f"DROP TRIGGER IF EXISTS {TRIGGER} ON audit_event")


def _sqlite_path(world: World) -> str:
    return world.db_url.removeprefix("sqlite:///")


def _pg(world: World):  # noqa: ANN202 - a psycopg connection on the world's schema
    import psycopg
    from sqlalchemy import make_url

    url = make_url(world.db_url)
    options = url.query.get("options")
    libpq = url.set(drivername="postgresql", query={}).render_as_string(hide_password=False)
    return psycopg.connect(libpq, autocommit=True, options=options)
