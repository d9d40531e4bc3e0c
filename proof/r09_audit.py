"""R9: every single-row edit, deletion, insertion, reorder and tail truncation of the audit table is detected by
`audit verify`, on SQLite and PostgreSQL; also when the tamperer recomputes the chain's hashes with the published
formula (they can write the database, but hold no key kept outside it).

The tamperer first drops the table's append-only triggers (anyone who can write the database can). Each tampering is done on the trail, verified, then undone (the rows are restored exactly) before the next one. The
bulk goes through the verifier `audit verify` calls; the CLI itself is run on an intact and on a tampered trail.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from sqlalchemy import MetaData, Table, select, text

from proof.procs import python, run_once
from proof.table import Row, attempt
from proof.world import World

CLAIM = "every single-row edit/delete/insert/reorder/truncation of the audit trail detected (also re-hashed)"


def run(ctx) -> list[Row]:  # noqa: ANN001 - proof.__main__.Context
    return [attempt(Row(f"R9 {db}", CLAIM, ctx.seed), lambda row, db=db: _one(ctx, db, row)) for db in ctx.dbs]


def _one(ctx, db: str, row: Row) -> None:  # noqa: ANN001
    from state import Audit, Database

    rng = ctx.rng(row.id)
    world = World(ctx.tmp / f"r9-{db}", db=db)
    world.root.mkdir(parents=True, exist_ok=True)
    world.db_url = world.open_database()  # only the database: no Odoo, no Slack, no replica
    try:
        database = Database(world.db_url)
        database.migrate()
        audit = Audit(database)
        n = ctx.size(12, 40)
        for i in range(n):
            audit.append(rng.choice(["proposal.created", "proposal.approved", "proposal.executed", "run.finished"]),
                         actor=rng.choice(["system:scan", "slack:U0PGRACE1", "odoo:dr.patel"]),
                         proposal_id=f"p-{rng.randrange(10**6)}", data={"n": i, "note": rng.choice(["a", "é", "x" * 30])})
        _unguard(database)  # whoever can write the database can also drop its append-only triggers
        trail = _Trail(database)
        if not audit.verify().ok:
            raise RuntimeError("the intact trail does not verify")
        tamperings = _tamperings(n)
        ctx.say(f"{db}: {len(tamperings)} tamperings of a {n}-event trail")
        for name, tamper in tamperings:
            row.tried += 1
            with database.engine.begin() as conn:
                tamper(conn, trail)
            result = audit.verify()
            if result.ok:
                row.fail(f"undetected: {name.split(' @')[0]}", name)
            trail.restore()
        row.tried += 2
        cli_ok = _cli(world)
        if cli_ok != 0:
            row.fail(f"`audit verify` exits {cli_ok} on an intact trail")
        with database.engine.begin() as conn:
            conn.execute(text("UPDATE audit_event SET actor = 'forged' WHERE seq = 2"))
        if _cli(world) == 0:
            row.fail("`audit verify` exits 0 on an edited trail")
    finally:
        world.drop_database()


def _unguard(database: Any) -> None:
    with database.engine.begin() as conn:
        if database.is_postgres:
            conn.execute(text("ALTER TABLE audit_event DISABLE TRIGGER USER"))
            return
        names = conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_event'"))
        for (name,) in list(names):
            conn.execute(text(f'DROP TRIGGER "{name}"'))


class _Trail:
    """The intact rows and head flag, to put back after each tampering."""

    def __init__(self, database: Any) -> None:
        self.db = database
        with database.engine.connect() as conn:
            # Reflected, so each column's type (JSON on both stores) converts values both ways.
            self.table = Table("audit_event", MetaData(), autoload_with=conn)
            self.rows = [dict(r._mapping) for r in conn.execute(select(self.table).order_by(self.table.c.seq))]
            self.head = conn.execute(text("SELECT value FROM flag WHERE key = 'audit.head'")).scalar_one()
        self.columns = list(self.rows[0])

    def restore(self) -> None:
        with self.db.engine.begin() as conn:
            conn.execute(text("DELETE FROM audit_event"))
            conn.execute(self.table.insert(), self.rows)
            conn.execute(text("UPDATE flag SET value = :v WHERE key = 'audit.head'"), {"v": self.head})


Tamper = Callable[[Any, _Trail], None]


def _tamperings(n: int) -> list[tuple[str, Tamper]]:
    found: list[tuple[str, Tamper]] = []
    for seq in range(1, n + 1):
        found += [
            (f"edit @{seq}", lambda c, t, s=seq: _edit(c, s)),
            (f"edit, chain re-hashed @{seq}", lambda c, t, s=seq: (_edit(c, s), _rehash(c, t))),
            (f"delete @{seq}", lambda c, t, s=seq: c.execute(text("DELETE FROM audit_event WHERE seq = :s"), {"s": s})),
            (f"delete, renumbered and re-hashed @{seq}", lambda c, t, s=seq: (_delete_renumber(c, s), _rehash(c, t))),
            (f"insert @{seq}", lambda c, t, s=seq: _insert(c, t, s)),
            (f"insert, re-hashed @{seq}", lambda c, t, s=seq: (_insert(c, t, s), _rehash(c, t))),
        ]
        if seq < n:
            found.append((f"swap with next @{seq}", lambda c, t, s=seq: _swap(c, t, s)))
    for k in (1, 2, n // 2):
        found.append((f"tail of {k} truncated @{n - k + 1}",
                      lambda c, t, k=k: c.execute(text("DELETE FROM audit_event WHERE seq > :s"), {"s": n - k})))
        found.append((f"tail of {k} truncated, head re-written @{n - k + 1}",
                      lambda c, t, k=k: (c.execute(text("DELETE FROM audit_event WHERE seq > :s"), {"s": n - k}),
                                         _rehash(c, t))))
    return found


def _edit(conn: Any, seq: int) -> None:
    conn.execute(text("UPDATE audit_event SET actor = actor || '!' WHERE seq = :s"), {"s": seq})


def _delete_renumber(conn: Any, seq: int) -> None:
    conn.execute(text("DELETE FROM audit_event WHERE seq = :s"), {"s": seq})
    later = [r[0] for r in conn.execute(text("SELECT seq FROM audit_event WHERE seq > :s ORDER BY seq"), {"s": seq})]
    for old in later:
        conn.execute(text("UPDATE audit_event SET seq = :new WHERE seq = :old"), {"new": old - 1, "old": old})


def _insert(conn: Any, trail: _Trail, seq: int) -> None:
    """A forged event at `seq`, the later ones moved up by one; its own hash is right, the chain after it is not."""
    later = [r[0] for r in conn.execute(text("SELECT seq FROM audit_event WHERE seq >= :s ORDER BY seq DESC"), {"s": seq})]
    for old in later:
        conn.execute(text("UPDATE audit_event SET seq = :new WHERE seq = :old"), {"new": old + 1, "old": old})
    template = dict(trail.rows[seq - 1])
    template.update(seq=seq, actor="slack:U0FORGED1", kind="proposal.approved",
                    prev_hash=trail.rows[seq - 2]["hash"] if seq > 1 else "0" * 64,
                    hash=hashlib.sha256(f"forged {seq}".encode()).hexdigest())
    if "id" in template:
        template["id"] = max(r.get("id") or 0 for r in trail.rows) + 1
    conn.execute(trail.table.insert(), template)


def _swap(conn: Any, trail: _Trail, seq: int) -> None:
    """Two neighbouring events change places (their numbers are swapped, their contents kept)."""
    for old, new in ((seq, -1), (seq + 1, seq), (-1, seq + 1)):
        conn.execute(text("UPDATE audit_event SET seq = :new WHERE seq = :old"), {"new": new, "old": old})


def _rehash(conn: Any, trail: _Trail) -> None:
    """What someone who can write the database does next: recompute every hash with the published, unkeyed formula
    (sha256 of the event's canonical JSON) and rewrite the head flag to the new last event."""
    from sqlmodel import Session, col
    from sqlmodel import select as select_model

    from state.tables import AuditEvent

    prev = "0" * 64
    last_seq = 0
    with Session(bind=conn) as session:
        for event in list(session.exec(select_model(AuditEvent).order_by(col(AuditEvent.seq)))):
            body = {"seq": event.seq, "at": event.at.isoformat(timespec="microseconds"), "kind": event.kind,
                    "actor": event.actor, "proposal_id": event.proposal_id, "data": event.data, "prev_hash": prev}
            digest = hashlib.sha256(_canonical(body).encode()).hexdigest()
            conn.execute(text("UPDATE audit_event SET prev_hash = :p, hash = :h WHERE seq = :s"),
                         {"p": prev, "h": digest, "s": event.seq})
            prev, last_seq = digest, event.seq
    conn.execute(text("UPDATE flag SET value = :v WHERE key = 'audit.head'"), {"v": f"{last_seq}:{prev}"})


def _canonical(body: dict[str, Any]) -> str:
    try:
        from state import _json

        return _json.canonical(body)
    except (ImportError, AttributeError):  # the published form: sorted keys, no spaces
        return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _cli(world: World) -> int:
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith(("ODOO_", "SENTINEL_", "SLACK_"))}
    env["SENTINEL_DATABASE_URL"] = world.db_url
    return run_once(python("runner.py", "audit", "verify"), env=env, timeout=60).returncode
