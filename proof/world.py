"""One proof scenario's world: the sandbox Odoo behind the fault proxy, the local Slack Web API, optionally the local
model, a state database (SQLite file or a fresh PostgreSQL schema), a policy folder, and `runner.py run` replicas."""

from __future__ import annotations

import json
import os
import shutil
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote

from slack_sdk.signature import SignatureVerifier

from proof.model_server import ModelServer
from proof.procs import ROOT, Child, python
from proof.proxy import FaultProxy

try:  # the fake may move into the package; the tests' copy otherwise
    from agents._core.slack.fake import BOT_TOKEN, TEAM, FakeSlack  # type: ignore[import-not-found]
except ImportError:
    from tests.slack.fake_slack import BOT_TOKEN, TEAM, FakeSlack

Db = Literal["sqlite", "postgres"]
PG_URL = os.environ.get("SENTINEL_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
SECRET = "proof-signing-secret-0123456789abcdef"
# Slack users of the seeded Odoo people (their Slack e-mail is their Odoo login's e-mail).
PEOPLE = {"U0PGRACE1": "grace.finance", "U0PPATEL1": "dr.patel", "U0PADMIN1": "admin", "U0PNINA01": "nina.buyer",
          "U0POMAR01": "omar.buyer", "U0PLUCY01": "lucy.buyer", "U0PTOM001": "tom.tech", "U0PSAM001": "sam.nurse",
          "U0PAUDIT1": "auditor"}
APPROVERS = ("U0PGRACE1", "U0PPATEL1", "U0PADMIN1")  # purchase managers: approvers under the shipped policy
STRANGER = "U0PSTRANG"  # a Slack user with no Odoo account
ENDED = ("executed", "failed", "superseded", "rejected", "expired", "snoozed")


@dataclass
class Replica:
    child: Child
    url: str

    def health(self, timeout: float = 5.0) -> dict[str, Any] | None:
        try:
            with urllib.request.urlopen(self.url + "/healthz", timeout=timeout) as response:  # noqa: S310 - loopback
                return json.loads(response.read())
        except (OSError, ValueError):
            return None


@dataclass
class World:
    root: Path
    db: Db = "sqlite"
    odoo_timeout: float = 3.0
    model: ModelServer | None = None
    waiting: int = 0
    inject: list[str] | None = None
    policy_edits: Callable[[str, dict[str, Any]], None] | None = None  # (agent, parsed YAML) -> edit in place
    slack_users: dict[str, str] = field(default_factory=dict)
    replicas: list[Replica] = field(default_factory=list)
    db_url: str = ""
    _schema: str | None = None

    def __enter__(self) -> World:
        self.root.mkdir(parents=True, exist_ok=True)
        inject_file = None
        if self.inject:
            inject_file = self.root / "inject.json"
            inject_file.write_text(json.dumps(self.inject))
        argv = python("proof/odoo_child.py", "--waiting", str(self.waiting))
        self.odoo = Child(argv + (["--inject", str(inject_file)] if inject_file else []), name="sandbox")
        self.odoo_url = self.odoo.wait_for(lambda line: line.startswith("READY "), 120).split()[1]
        self.proxy = FaultProxy(self.odoo_url, slow_by=self.odoo_timeout + 2)
        self.proxy.start()
        users = {sid: f"{login}@harborhealth.example" for sid, login in PEOPLE.items()}
        users[STRANGER] = "someone@elsewhere.example"
        self.slack = FakeSlack(users={**users, **self.slack_users}).start()
        if self.model is not None:
            self.model.start()
        self.db_url = self.open_database()
        self.policy_dir = self._policies()
        return self

    def __exit__(self, *exc: object) -> None:
        for replica in self.replicas:
            replica.child.stop(timeout=10)
        self.proxy.stop()
        self.slack.stop()
        if self.model is not None:
            self.model.stop()
        self.odoo.stop()
        self.drop_database()

    def drop_database(self) -> None:
        if self._schema:
            _pg_execute(f'DROP SCHEMA IF EXISTS "{self._schema}" CASCADE')
            self._schema = None

    # -- set-up ----------------------------------------------------------------------------------------------

    def open_database(self) -> str:
        """A fresh state database for this world (an SQLite file, or a new PostgreSQL schema); its URL."""
        if self.db == "sqlite":
            return f"sqlite:///{self.root / 'sentinel.db'}"
        from sqlalchemy import make_url

        self._schema = f"proof_{uuid.uuid4().hex[:12]}"
        _pg_execute(f'CREATE SCHEMA "{self._schema}"')
        return make_url(PG_URL).update_query_dict({"options": f"-csearch_path={self._schema}"}).render_as_string(
            hide_password=False)

    def _policies(self) -> Path:
        """The shipped policies, scanned once a day (no tick in the middle of a scenario) and without daily caps."""
        from ruamel.yaml import YAML

        yaml = YAML()
        target = self.root / "policies"
        target.mkdir(exist_ok=True)
        for source in sorted((ROOT / "policies").glob("*.yaml")):
            data = yaml.load(source.read_text())
            data["schedule"] = {"every": "1d"}
            data["limits"]["per_run"] = 200
            data["limits"]["per_day"] = 1000
            data.pop("digest", None)
            if self.policy_edits:
                self.policy_edits(source.stem, data)
            with (target / source.name).open("w") as out:
                yaml.dump(data, out)
        _check_policies(target)
        return target

    def env(self, **extra: str) -> dict[str, str]:
        base = {k: v for k, v in os.environ.items() if not k.startswith(("ODOO_", "SENTINEL_", "SLACK_", "OPENAI_"))}
        values = {
            "SENTINEL_DATABASE_URL": self.db_url, "SENTINEL_POLICY_DIR": str(self.policy_dir),
            "SENTINEL_HOUSEKEEPING_SECONDS": "1", "ODOO_URL": self.proxy.url, "ODOO_DB": "sandbox",
            "ODOO_USER": "admin", "ODOO_PASSWORD": "admin", "ODOO_TIMEOUT": str(self.odoo_timeout),
            "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": self.slack.url,
        }
        if self.model is not None:
            values |= {"SENTINEL_MODEL": "openai-chat:proof", "OPENAI_BASE_URL": self.model.base_url,
                       "OPENAI_API_KEY": "proof-local", "SENTINEL_LLM_TIMEOUT": "3"}
        return base | values | extra

    # -- replicas --------------------------------------------------------------------------------------------

    def start_replica(self, *, timeout: float = 150.0) -> Replica:
        """`runner.py run` on this world; ready once it prints its Slack endpoint. RuntimeError (with its output)
        when it exits or stays silent past `timeout`."""
        return self.start_replicas(1, timeout=timeout)[0]

    def start_replicas(self, count: int, *, timeout: float = 150.0) -> list[Replica]:
        """`count` processes started at the same instant (on an empty database they race through its set-up)."""
        children = [Child(python("runner.py", "run", "--host", "127.0.0.1", "--port", "0"), env=self.env(),
                          name=f"run#{len(self.replicas) + i + 1}") for i in range(count)]
        started = []
        for child in children:
            try:
                line = child.wait_for(lambda l: l.startswith("slack: http://"), timeout)
            except RuntimeError as exc:
                state = "still running" if child.alive() else f"exited {child.process.returncode}"
                for other in children:
                    other.stop(timeout=5)
                raise RuntimeError(f"{exc} ({state})") from None
            started.append(Replica(child, line.split()[1].split("/slack/events")[0]))
        self.replicas += started
        return started

    def restart(self, replica: Replica) -> Replica:
        self.replicas.remove(replica)
        return self.start_replica()

    def settle(self, replica: Replica, *, timeout: float = 180.0, outbox: bool = True) -> bool:
        """Wait until the first scans are done (and, with `outbox`, their messages posted)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            health = replica.health()
            if health:
                runs = list(health["agents"].values())
                if all(r and r["status"] != "running" for r in runs) and (not outbox or health["outbox_pending"] == 0):
                    return True
            time.sleep(0.5)
        return False

    # -- what the harness reads and does ---------------------------------------------------------------------

    def store(self):  # noqa: ANN201 - state.Store
        from state import Database, Store

        return Store(Database(self.db_url))

    def gateway(self):  # noqa: ANN201 - straight to the sandbox, never through the proxy
        from agents._core.odoo import open_gateway

        return open_gateway("proof", self.odoo_url, "sandbox", "admin", "admin", timeout=30)

    def marks(self, gateway: Any, proposal_id: str) -> int:
        """Odoo records carrying the proposal's marker: notes, activities, requests for quotation."""
        mark = f"[sentinel:{proposal_id}]"
        return (gateway.search_count("mail.message", [("body", "ilike", mark)])
                + gateway.search_count("mail.activity", [("note", "ilike", mark)])
                + gateway.search_count("purchase.order", [("origin", "ilike", mark)]))

    def click(self, replica: Replica, proposal_id: str, user: str, action: str = "sentinel.approve",
              timeout: float = 10) -> int:
        body = click_body(proposal_id, user, action)
        return post(replica.url + "/slack/events", body, signed(body), timeout=timeout)[0]

    def age(self, statuses: tuple[str, ...] = ("approved", "executing"), by: timedelta = timedelta(hours=2)) -> int:
        """Move the last update of in-flight proposals back in time: recovery treats them as long stuck (instead of
        the proof waiting its real ten minutes)."""
        from sqlalchemy import bindparam, text

        store = self.store()
        when = datetime.now(timezone.utc) - by
        statement = text("UPDATE proposal SET updated_at = :when WHERE status IN :statuses").bindparams(
            bindparam("statuses", expanding=True))
        with store.db.session(write=True) as session:
            result = session.connection().execute(
                statement, {"when": when.replace(tzinfo=None) if self.db == "sqlite" else when, "statuses": list(statuses)})
            return result.rowcount or 0

    def wait_ended(self, proposal_ids: list[str], timeout: float, *, aging: bool = True) -> dict[str, str]:
        """Statuses once every proposal has ended or time ran out (aging stuck ones so recovery may pick them up)."""
        store = self.store()
        deadline = time.monotonic() + timeout
        while True:
            found = {pid: store.get(pid) for pid in proposal_ids}
            statuses = {pid: proposal.status if proposal else "missing" for pid, proposal in found.items()}
            if all(s in ENDED for s in statuses.values()) or time.monotonic() > deadline:
                return statuses
            if aging:
                self.age()
            time.sleep(0.5)


def _check_policies(folder: Path) -> None:
    """A scenario's own policies must be valid, or its replicas would quietly leave an agent unscheduled."""
    from agents._core.policy import PolicyError, load_policy
    from agents._core.registry import discover

    for name, entry in discover(folder).items():
        try:
            load_policy(entry.policy_path, entry.watcher.policy_model, connections={"default"}, expected_agent=name)
        except PolicyError as exc:
            raise RuntimeError(f"the proof's policy for {name} is invalid: {exc}") from None


def click_body(proposal_id: str, user: str, action: str = "sentinel.approve") -> str:
    payload = {
        "type": "block_actions", "team": {"id": TEAM, "domain": "sentinel-proof"},
        "user": {"id": user, "username": user.lower(), "team_id": TEAM}, "api_app_id": "A0SENTINEL",
        "token": "legacy", "trigger_id": f"{int(time.time())}.1.{proposal_id}",
        "container": {"type": "message", "message_ts": "1764082800.000001", "channel_id": "C0PROOF01",
                      "is_ephemeral": False},
        "channel": {"id": "C0PROOF01", "name": "clinic-approvals"},
        "message": {"type": "message", "ts": "1764082800.000001", "text": "Sentinel proposes"},
        "response_url": "https://hooks.slack.com/actions/T0/1/x",
        "actions": [{"type": "button", "action_id": action, "block_id": "sentinel.decide", "value": proposal_id,
                     "action_ts": f"{time.time():.6f}"}],
    }
    return "payload=" + quote(json.dumps(payload))


def signed(body: str, *, secret: str = SECRET, timestamp: int | None = None) -> dict[str, str]:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    return {"Content-Type": "application/x-www-form-urlencoded", "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": SignatureVerifier(secret).generate_signature(timestamp=ts, body=body) or ""}


def post(url: str, body: str | bytes, headers: dict[str, str], *, timeout: float = 10) -> tuple[int, str]:
    data = body.encode() if isinstance(body, str) else body
    request = urllib.request.Request(url, data=data, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - loopback
            return response.status, response.read().decode(errors="replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode(errors="replace")
    except OSError as exc:
        return 0, str(exc)


def _pg_execute(sql: str) -> None:
    import psycopg
    from sqlalchemy import make_url

    libpq = make_url(PG_URL).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(libpq, autocommit=True, connect_timeout=5) as connection:
        connection.execute(sql)


def approver_for(subject_user_id: Any, uids: dict[str, int]) -> str:
    """A purchase manager's Slack id who is not the item's subject (four-eyes lets them through)."""
    subject = subject_user_id[0] if isinstance(subject_user_id, list | tuple) else subject_user_id
    return next(s for s in APPROVERS if uids.get(PEOPLE[s]) != subject)


def user_ids(gateway: Any) -> dict[str, int]:
    rows = gateway.search_read("res.users", [("login", "in", list(PEOPLE.values()))], ["login"])
    return {r["login"]: r["id"] for r in rows}
