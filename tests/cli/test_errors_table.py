"""Every operator mistake, through the real CLI in a fresh process: one line on stderr, no traceback, the right exit code.

Each row is a mistake an IT person makes in the first hour (issue 13) or one of its siblings; the exact line (or a
stable prefix, where the driver's wording follows) and the exit code are pinned."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from agents._core.cli.failures import ExitCode
from state import Database, Store
from tests.pg import DEFAULT_URL, URL_ENV

REPO = Path(__file__).resolve().parents[2]
RUNNER = REPO / "runner.py"
POLICIES = REPO / "policies"
DEAD_ODOO = "http://127.0.0.1:9"  # the discard port: nothing listens
ODOO = {"ODOO_URL": DEAD_ODOO, "ODOO_DB": "clinic", "ODOO_USER": "admin", "ODOO_PASSWORD": "admin"}
PG = os.environ.get(URL_ENV, DEFAULT_URL)
PG_BASE = PG.rsplit("/", 1)[0]  # postgresql+psycopg://postgres@127.0.0.1:5432


@dataclass(frozen=True)
class Case:
    name: str
    args: tuple[str, ...]
    code: int
    line: str  # the exact line, or its stable beginning when prefix=True
    env: dict[str, str] = field(default_factory=dict)
    prefix: bool = False
    setup: Callable[[Path], dict[str, str] | None] | None = None  # may return more {placeholders}
    needs: str | None = None  # "postgres", "chattr": skipped with the reason when the machine lacks it


def _sentinel_file(cwd: Path) -> None:
    (cwd / ".sentinel").write_text("not a folder\n")


def _read_only_state(cwd: Path) -> None:
    (cwd / "state").mkdir()
    subprocess.run(["chattr", "+i", str(cwd / "state")], check=True)  # root ignores chmod; the immutable flag it obeys


def _one_proposal(cwd: Path) -> dict[str, str]:
    store = Store(_db(cwd))
    proposal = store.create_proposal(
        agent="approval_watcher", connection="default", rule_id="po_waiting_approval",
        rule_type="stalled", model="purchase.order", res_id=51, record_name="P00051",
        dedup_key="approval_watcher:po_waiting_approval:purchase.order:51", action="post_note",
        policy_sha256="0" * 64, approvers={"odoo_users": ["admin"]},
    )
    return {"proposal": proposal.id}


def _db(cwd: Path) -> Database:
    db = Database(f"sqlite:///{cwd / '.sentinel' / 'sentinel.db'}")
    db.migrate()
    return db


CONNECTION_EXAMPLE = ('\'{"clinic2": {"url": "https://clinic2.example.com", "db": "clinic2", "user": "sentinel", '
                      '"api_key": "..."}}\'')
ODOO_UNSET = ("ODOO_URL, ODOO_DB, ODOO_USER and ODOO_PASSWORD or ODOO_API_KEY not set, but the policies use the Odoo "
              "connection 'default': set it (e.g. ODOO_URL=http://127.0.0.1:8069 ODOO_DB=sandbox ODOO_USER=admin "
              "ODOO_PASSWORD=admin)")
ODOO_DOWN = ("Odoo connection 'default': cannot reach 127.0.0.1:9: [Errno 111] Connection refused (is Odoo running? "
             "check ODOO_URL, or ODOO_CONNECTIONS for a named connection)")

CASES = [
    # -- settings, checked before any command runs
    Case("odoo url without scheme", ("once", "approval_watcher"), ExitCode.CONFIG,
         "ODOO_URL: '127.0.0.1:8069' has no scheme (write http:// or https:// in front, e.g. ODOO_URL=http://127.0.0.1:8069)",
         env=ODOO | {"ODOO_URL": "127.0.0.1:8069"}),
    Case("odoo url not http", ("proposals", "list"), ExitCode.CONFIG,
         "ODOO_URL: 'ftp://odoo.example.com' is not an http:// or https:// address (e.g. ODOO_URL=https://odoo.example.com)",
         env=ODOO | {"ODOO_URL": "ftp://odoo.example.com"}),
    Case("odoo timeout not a number", ("once", "approval_watcher"), ExitCode.CONFIG,
         "ODOO_TIMEOUT: 'abc' is not a number (e.g. ODOO_TIMEOUT=30)", env=ODOO | {"ODOO_TIMEOUT": "abc"}),
    Case("odoo timeout zero", ("once", "approval_watcher"), ExitCode.CONFIG,
         "ODOO_TIMEOUT: '0' is too small: use more than 0 (e.g. ODOO_TIMEOUT=30)", env=ODOO | {"ODOO_TIMEOUT": "0"}),
    Case("connections bad json", ("policy", "check"), ExitCode.CONFIG,
         "ODOO_CONNECTIONS is not valid JSON (Expecting property name enclosed in double quotes at line 1, column 2): "
         f"write an object, e.g. ODOO_CONNECTIONS={CONNECTION_EXAMPLE}", env={"ODOO_CONNECTIONS": "{clinic2: 1}"}),
    Case("connections missing key", ("policy", "check"), ExitCode.CONFIG,
         "ODOO_CONNECTIONS: clinic2.db: required key is missing (each connection takes url, db, user, password or "
         "api_key, timeout, transport)",
         env={"ODOO_CONNECTIONS": '{"clinic2": {"url": "https://c2.example.com", "user": "s", "api_key": "k"}}'}),
    Case("connections url without scheme", ("policy", "check"), ExitCode.CONFIG,
         "ODOO_CONNECTIONS: clinic2.url: 'c2.example.com' has no scheme", prefix=True,
         env={"ODOO_CONNECTIONS": '{"clinic2": {"url": "c2.example.com", "db": "c2", "user": "s", "api_key": "k"}}'}),
    Case("connections no secret", ("policy", "check"), ExitCode.CONFIG,
         "ODOO_CONNECTIONS: clinic2: set a password or an api_key for the Odoo connection (each connection takes url, "
         "db, user, password or api_key, timeout, transport)",
         env={"ODOO_CONNECTIONS": '{"clinic2": {"url": "https://c2.example.com", "db": "c2", "user": "s"}}'}),
    Case("database url not a url", ("proposals", "list"), ExitCode.CONFIG,
         "SENTINEL_DATABASE_URL: 'foo' is not a database URL (e.g. SENTINEL_DATABASE_URL=sqlite:///var/lib/sentinel/"
         "sentinel.db or postgresql://sentinel@127.0.0.1:5432/sentinel)", env={"SENTINEL_DATABASE_URL": "foo"}),
    Case("database mysql", ("audit", "verify"), ExitCode.CONFIG,
         "SENTINEL_DATABASE_URL: mysql databases are not supported: use SQLite or PostgreSQL (e.g. "
         "SENTINEL_DATABASE_URL=postgresql://sentinel@127.0.0.1:5432/sentinel)",
         env={"SENTINEL_DATABASE_URL": "mysql://sentinel@db.example.com/sentinel"}),
    Case("llm timeout not a number", ("proposals", "list"), ExitCode.CONFIG,
         "SENTINEL_LLM_TIMEOUT: 'fast' is not a number (e.g. SENTINEL_LLM_TIMEOUT=20)",
         env={"SENTINEL_LLM_TIMEOUT": "fast"}),
    Case("housekeeping negative", ("proposals", "list"), ExitCode.CONFIG,
         "SENTINEL_HOUSEKEEPING_SECONDS: '-5' is too small: use more than 0 (e.g. SENTINEL_HOUSEKEEPING_SECONDS=30)",
         env={"SENTINEL_HOUSEKEEPING_SECONDS": "-5"}),
    Case("retention not a number", ("proposals", "list"), ExitCode.CONFIG,
         "SENTINEL_RETENTION_DAYS: 'soon' is not a number (e.g. SENTINEL_RETENTION_DAYS=90)",
         env={"SENTINEL_RETENTION_DAYS": "soon"}),
    Case("prune interval zero", ("proposals", "list"), ExitCode.CONFIG,
         "SENTINEL_PRUNE_HOURS: '0' is too small: use more than 0 (e.g. SENTINEL_PRUNE_HOURS=6)",
         env={"SENTINEL_PRUNE_HOURS": "0"}),
    Case("settings are checked up front, whatever the command", ("audit", "verify"), ExitCode.CONFIG,
         "ODOO_TIMEOUT: 'soon' is not a number (e.g. ODOO_TIMEOUT=30)", env={"ODOO_TIMEOUT": "soon"}),
    Case("odoo url unset is not the policy's fault", ("once", "approval_watcher"), ExitCode.CONFIG, ODOO_UNSET),
    Case("odoo url without its companions", ("once", "approval_watcher"), ExitCode.CONFIG,
         "ODOO_URL is set but not ODOO_DB and ODOO_PASSWORD or ODOO_API_KEY: set them together (e.g. ODOO_DB=clinic "
         "ODOO_USER=sentinel ODOO_API_KEY=...)", env={"ODOO_URL": DEAD_ODOO, "ODOO_USER": "admin"}),
    Case("policy folder missing", ("once", "approval_watcher"), ExitCode.CONFIG,
         "the policy folder /nonexistent/policies does not exist: run from the folder that holds policies/, or set "
         "SENTINEL_POLICY_DIR (e.g. SENTINEL_POLICY_DIR=/etc/sentinel/policies)",
         env=ODOO | {"SENTINEL_POLICY_DIR": "/nonexistent/policies"}),
    # -- the state database
    Case("postgres wrong database", ("proposals", "list"), ExitCode.UNAVAILABLE,
         f"cannot reach the state database {PG_BASE}/sentinel_no_such_db: ", prefix=True,
         env={"SENTINEL_DATABASE_URL": f"{PG_BASE}/sentinel_no_such_db"}, needs="postgres"),
    Case("postgres wrong port", ("audit", "verify"), ExitCode.UNAVAILABLE,
         "cannot reach the state database postgresql+psycopg://postgres@127.0.0.1:1/test: connection to server at "
         "\"127.0.0.1\", port 1 failed: Connection refused", prefix=True,
         env={"SENTINEL_DATABASE_URL": "postgresql://postgres@127.0.0.1:1/test"}),
    Case("state path is a file", ("proposals", "list"), ExitCode.CANNOT_CREATE,
         "cannot create the state folder {cwd}/.sentinel: a file is in the way (move that file away, or point "
         "SENTINEL_DATABASE_URL elsewhere)", setup=_sentinel_file),
    Case("state folder read-only", ("pause",), ExitCode.CANNOT_CREATE,
         "cannot write the state database {cwd}/state/sentinel.db: unable to open database file (let this user write "
         "to its folder, or point SENTINEL_DATABASE_URL elsewhere)",
         env={"SENTINEL_DATABASE_URL": "sqlite:///{cwd}/state/sentinel.db"}, setup=_read_only_state, needs="chattr"),
    # -- usage
    Case("unknown status", ("proposals", "list", "--status", "bogus"), ExitCode.USAGE,
         "Invalid value for '--status': 'bogus' is not one of 'shadow', 'pending', 'approved', 'rejected', 'expired', "
         "'superseded', 'executing', 'executed', 'failed', 'snoozed' (see: runner.py proposals list --help)"),
    Case("unknown command", ("nosuch",), ExitCode.USAGE, "No such command 'nosuch' (see: runner.py --help)"),
    Case("unknown global option", ("--bogus",), ExitCode.USAGE, "No such option: --bogus (see: runner.py --help)"),
    Case("reject without reason", ("proposals", "reject", "P1", "--as", "admin"), ExitCode.USAGE,
         "Missing option '--reason' (see: runner.py proposals reject --help)"),
    Case("backtest negative days", ("policy", "backtest", "approval_watcher", "--days", "-1"), ExitCode.USAGE,
         "Invalid value for '--days': Input should be greater than or equal to 0 (see: runner.py policy backtest --help)"),
    Case("digest bad date", ("digest", "--date", "2026-13-01"), ExitCode.FAILED,
         "--date '2026-13-01' is not a date: write it as YYYY-MM-DD, e.g. 2026-11-26"),
    Case("no such proposal", ("proposals", "show", "P0NOPE"), ExitCode.USAGE,
         "no proposal P0NOPE (list them with: runner.py proposals list)"),
    Case("no such agent", ("once", "nobody_watcher"), ExitCode.USAGE,
         "no agent named 'nobody_watcher' (agents: approval_watcher, billing_exceptions, supply_watcher)", env=ODOO),
    # -- Odoo down
    # Identity fails closed: Odoo cannot say who admin is, so nothing is decided (and the code says: try again)
    Case("approve while odoo is down", ("proposals", "approve", "{proposal}", "--as", "admin"), ExitCode.UNAVAILABLE,
         "refused: cannot check who admin is in Odoo right now (cannot reach 127.0.0.1:9: [Errno 111] Connection "
         "refused); nothing was decided, try again in a few minutes", env=ODOO, setup=_one_proposal),
    Case("policy diff while odoo is down",
         ("policy", "diff", "approval_watcher", "--against", str(POLICIES / "approval_watcher.yaml")),
         ExitCode.UNAVAILABLE, ODOO_DOWN, env=ODOO),
    Case("sandbox on a busy port", ("sandbox", "--port", "{busy_port}"), ExitCode.UNAVAILABLE,
         "port {busy_port} on 127.0.0.1 is already taken: stop what listens there, or choose another with --port"),
]


@dataclass
class Outcome:
    code: int
    stderr: str
    fill: dict[str, str]  # the placeholders' values in this case's run


def _available(need: str | None) -> str | None:
    """Why a case cannot run on this machine, or None."""
    if need == "postgres":
        from tests.pg import _unreachable

        return _unreachable(PG)
    if need == "chattr":
        if shutil.which("chattr") is None or os.geteuid() != 0:
            return "chattr +i (as root) is how a read-only folder is made here"
    return None


def _fill(text: str, values: dict[str, str]) -> str:
    """Named placeholders only ({cwd}, {busy_port}, ...): JSON in the environment has braces of its own."""
    for key, value in values.items():
        text = text.replace("{" + key + "}", value)
    return text


@pytest.fixture(scope="module")
def busy_port() -> Iterator[int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory: pytest.TempPathFactory, busy_port: int) -> Iterator[dict[str, Outcome]]:
    """All rows run at once (each a fresh process with a fresh environment and working folder)."""
    cwds: list[Path] = []

    def run(case: Case) -> Outcome:
        cwd = tmp_path_factory.mktemp("cli")
        cwds.append(cwd)
        fill = {"cwd": str(cwd), "busy_port": str(busy_port)}
        if case.setup:
            fill |= case.setup(cwd) or {}
        env = {"PATH": os.environ["PATH"], "HOME": str(cwd), "SENTINEL_POLICY_DIR": str(POLICIES)}
        env |= {key: _fill(value, fill) for key, value in case.env.items()}
        args = [_fill(arg, fill) for arg in case.args]
        done = subprocess.run([sys.executable, str(RUNNER), *args], cwd=cwd, env=env, capture_output=True, text=True,
                              timeout=120)
        return Outcome(done.returncode, done.stderr, fill)

    runnable = [case for case in CASES if _available(case.needs) is None]
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = dict(zip((c.name for c in runnable), pool.map(run, runnable)))
    yield results
    for cwd in cwds:  # an immutable folder outlives pytest's clean-up otherwise
        subprocess.run(["chattr", "-R", "-i", str(cwd)], check=False, capture_output=True)


def test_the_table_covers_at_least_25_mistakes() -> None:
    assert len(CASES) >= 25
    assert len({case.name for case in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_one_line_and_the_right_exit_code(case: Case, outcomes: dict[str, Outcome]) -> None:
    missing = _available(case.needs)
    if missing:
        pytest.skip(missing)
    outcome = outcomes[case.name]
    expected = _fill(case.line, outcome.fill)
    assert "Traceback" not in outcome.stderr and "│" not in outcome.stderr, outcome.stderr
    assert outcome.stderr.count("\n") == 1 and outcome.stderr.endswith("\n"), outcome.stderr
    line = outcome.stderr.rstrip("\n")
    if case.prefix:
        assert line.startswith(expected), line
    else:
        assert line == expected
    assert outcome.code == case.code, (outcome.code, line)
