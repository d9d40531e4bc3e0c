"""Sentinel's command line and composition root: builds the engine from settings and runs what you ask."""

from __future__ import annotations

from agents._core.cli import interrupt

interrupt.during_imports()  # Ctrl-C while the imports below load: one line and exit 130

import gc
import json
import logging
import signal
import sys
import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Annotated, Optional

import typer

from agents._core import messages
from agents._core.cli.failures import ExitCode
from agents._core.cli.group import SentinelGroup, root_options
from agents._core.cli.jsonout import JSON_OPTION
from agents._core.cli.jsonout import echo as json_echo
from agents._core.cli.policy_check import agent_key, check_against_odoo
from agents._core.cli.lifecycle import STOP_BOUND_SECONDS, interrupt_on_signal, replica, stop_run
from agents._core.breaker import CircuitBreaker
from agents._core.console import deliver_outbox
from agents._core.decisions import Actor, decide, recover_stuck
from agents._core.engine import Engine
from agents._core.odoo import OdooGateway, connect
from agents._core.policy import PolicyError, load_policy
from agents._core.policy_book import PolicyBook
from agents._core.registry import RegistryError, discover
from agents._core.render import outcome_text, proposal_text
from agents._core.services import PAUSED_FLAG, Services, utc_now
from agents._core.settings import DEFAULT_CONNECTION, OdooConnection, Settings
from state import Audit, Database, Store
from state.audit_key import AuditKeyError, resolve_audit_key
from state.tables import ProposalStatus

interrupt.imports_done()

app = typer.Typer(cls=SentinelGroup, no_args_is_help=True, help="Sentinel: watch Odoo queues, propose escalations.")
app.callback()(root_options)  # --debug, --version; every command runs inside SentinelGroup's one error wrapper
policy_app = typer.Typer(no_args_is_help=True, help="Check policies.")
proposals_app = typer.Typer(no_args_is_help=True, help="List, show and decide proposals (the manual override).")
audit_app = typer.Typer(no_args_is_help=True, help="The hash-chained audit trail.")
app.add_typer(policy_app, name="policy")
app.add_typer(proposals_app, name="proposals")
app.add_typer(audit_app, name="audit")


# -- composition -------------------------------------------------------------------------------------------

def build_engine(
    settings: Settings | None = None,
    *,
    clock: Callable[[], datetime] = utc_now,
    model=None,  # noqa: ANN001 - a pydantic-ai Model or model string; default: settings.model
    preflight: bool | set[str] = False,  # check policies against Odoo (all, or these agents') at start and on reload
) -> Engine:
    settings = settings or Settings()
    db = Database(settings.resolved_database_url())
    db.migrate()
    store = Store(db)
    connections = settings.connections()
    agents = discover(settings.policy_dir)

    def gateway_factory(name: str):  # noqa: ANN202
        conn: OdooConnection | None = connections.get(name)
        if conn is None:
            raise LookupError(f"Odoo connection '{name}' is not configured (set ODOO_URL… or ODOO_CONNECTIONS)")
        return connect(settings.gateway_spec(name, conn))

    book = PolicyBook(agents, set(connections) | {DEFAULT_CONNECTION})
    if preflight:
        book.checker = policy_checker(settings, agents, connections, gateway_factory)
        book.checked_agents = None if preflight is True else set(preflight)
    book.load_all()
    # An unset ODOO_URL is the environment's fault, not the policy's: say which variables are missing.
    settings.require_connections({loaded.policy.odoo for loaded in book.loaded.values()})
    for name, loaded in book.loaded.items():
        store.record_policy_version(name, str(loaded.path), loaded.sha256, loaded.text)

    services = Services(
        settings=settings, store=store, audit=_audit(db, settings), agents=agents, policies=book,
        gateway_factory=gateway_factory, clock=clock, model=model if model is not None else settings.model,
        llm_breaker=CircuitBreaker(settings.llm_failures_to_open, settings.llm_cool_off),
    )
    engine = Engine(services, db.checkpointer())
    gc.freeze()  # the imports' long-lived objects leave the collector's sight: a full collection then walks only scan data
    return engine


def policy_checker(settings: Settings, entries: dict, connections: dict[str, OdooConnection],  # noqa: ANN201
                   gateway_factory: Callable):
    """The book's preflight: each policy against a fresh gateway on its own connection."""
    from agents._core.preflight import preflight

    def check(agent: str, loaded):  # noqa: ANN001, ANN202 - LoadedPolicy -> (errors, warnings)
        settings.require_connections({loaded.policy.odoo})  # an unset ODOO_URL: the variables to set, in one line
        connection = connections[loaded.policy.odoo]
        verdict = preflight(loaded, entries[agent].watcher, gateway_factory(loaded.policy.odoo), user=connection.user)
        return verdict.errors, verdict.warnings

    return check


def _engine(*, preflight: bool | set[str] = False, plain: bool = False) -> Engine:
    """plain: the command prints the policies' check itself, one line each (`once`), instead of the book's log
    (`run` logs JSON lines)."""
    book_log = logging.getLogger("agents._core.policy_book")
    book_log.disabled = plain
    try:
        engine = build_engine(preflight=preflight)  # its errors (settings, registry, state) become one line in SentinelGroup
    finally:
        book_log.disabled = False
    if preflight:
        _refuse_at_start(engine, set(engine.services.agents) if preflight is True else preflight, plain=plain)
    return engine


def _refuse_at_start(engine: Engine, agents: set[str], *, plain: bool) -> None:
    """A refused policy stops `run` and `once` before anything runs; one Odoo could not be asked: said in one line."""
    book = engine.services.policies
    refused = [str(book.problems[agent]) for agent in sorted(agents) if agent in book.problems]
    if refused:
        _fail("\n".join(refused))
    if not plain:
        return
    for agent in sorted(agents & set(book.unchecked)):
        unchecked = book.unchecked[agent]
        typer.echo(messages.PREFLIGHT_UNREACHABLE_RUN.format(agent=agent, connection=unchecked.connection,
                                                             reason=unchecked.reason), err=True)
    for agent in sorted(agents):
        for warning in book.warnings.get(agent, []):
            typer.echo(str(warning), err=True)


# Exit codes (sysexits, see agents/_core/cli/failures.py): 1 = refused or failed, 2 = usage.
EXIT_FAILED = int(ExitCode.FAILED)
EXIT_USAGE = 2


def _fail(message: str, code: int = EXIT_FAILED) -> None:
    typer.echo(message, err=True)
    raise typer.Exit(int(code))


# -- commands ----------------------------------------------------------------------------------------------

@app.command(epilog=messages.EXIT_CODES_SCAN)
def once(agent: str, dry_run: Annotated[bool, typer.Option("--dry-run", help="Detect and triage only.")] = False,
         as_json: Annotated[bool, JSON_OPTION] = False) -> None:
    """Scan one agent's queue now and print what it found and proposed.

    Its policy is checked against Odoo first: a policy that fails the check is refused (exit 1), and so is a scan
    whose Odoo cannot be reached.
    """
    engine = _engine(preflight={agent}, plain=True)
    if agent not in engine.services.agents:
        _fail(messages.UNKNOWN_AGENT.format(agent=agent, known=", ".join(engine.services.agents)), EXIT_USAGE)
    if not engine.services.policies.ready(agent):
        raise typer.Exit(1)  # the one line saying why was printed at start
    with replica(engine, beat_every=10.0):
        signal.signal(signal.SIGTERM, interrupt_on_signal)  # like Ctrl-C: the run is closed as interrupted, not left running
        report = engine.run_once(agent, dry_run=dry_run, keep_findings=False)
    if as_json:
        json_echo({"agent": agent, "ok": report.ok, "error": report.error, "found": report.found,
                   "proposals": report.proposal_ids, "dropped": report.dropped, "disabled": report.disabled,
                   "skipped": report.skipped, "round_trips": report.round_trips,
                   "kept": [{"rule": f.rule_id, "model": f.model, "res_id": f.res_id, "name": f.name, "step": f.step}
                            for f in report.kept]})
    if not report.ok:
        _fail(f"{agent}: run failed: {report.error}")
    if as_json:
        return
    typer.echo(f"{agent}: {report.finding_count} findings, {len(report.kept)} kept, "
               f"{len(report.proposal_ids)} proposals, {report.round_trips} Odoo round trips")
    for reason, count in sorted(report.dropped.items()):
        typer.echo(f"  dropped {count}: {reason}")
    for rule, why in sorted(report.disabled.items()):
        typer.echo(f"  rule {rule} disabled: {why}")
    for line in report.skipped:
        typer.echo(f"  skipped {line}")
    if report.skipped_count > len(report.skipped):
        typer.echo(f"  … and {report.skipped_count - len(report.skipped)} more skipped")
    if dry_run:
        for finding in report.kept:
            typer.echo(f"  would propose: {finding.model} #{finding.res_id} {finding.name} (rule {finding.rule_id}, "
                       f"step {finding.step + 1})")
    _deliver_here(engine)


@app.command()
def run(
    port: Annotated[int, typer.Option(help="Serves GET /healthz, GET /metrics and, with Slack, POST /slack/events.")] = 3000,
    host: Annotated[str, typer.Option(help="The address the HTTP endpoint listens on; 0.0.0.0 for every interface "
                                      "(then put /healthz and /metrics behind your proxy).")] = "127.0.0.1",
) -> None:
    """Run the scheduler until SIGTERM or Ctrl-C: every agent on its schedule, expiry and delivery in between.

    Every policy is checked against its Odoo at start (a refused one: exit 1) and on each reload (a refused one: the
    previous stays in force). An Odoo that cannot be reached at start is said in one line; its agents' scans wait,
    checking again before each scan until the check passes.

    SIGTERM stops it within 15 seconds: running jobs get 10 seconds to finish; one still running then (a stuck Odoo
    call) is abandoned, named in the log, and the exit code is 1. What it was doing is taken up again at the next start.
    """
    from agents._core import logs
    from agents._core.scheduler import DIGEST_JOB, PRUNE_JOB, build_scheduler

    logs.configure(secrets=_secrets(Settings()))  # JSON lines on stderr, with run and proposal ids; secrets redacted
    for noisy in ("apscheduler", "alembic"):  # every tick and migration step is not news
        logging.getLogger(noisy).setLevel(logging.WARNING)
    engine = _engine(preflight=True)
    stop = threading.Event()
    refused: list[str] = []  # the bot token refused while running: stop, and say so in one line

    def on_refused(line: str) -> None:
        refused.append(line)
        stop.set()

    with replica(engine, beat_every=10.0):
        slack = _start_slack(engine, host, port, on_refused)  # SLACK_BOT_TOKEN set: Slack decides, else the console
        ops = None if slack else _start_ops(engine, host, port)
        deliver = slack.deliver if slack else lambda: deliver_outbox(engine.services.store, typer.echo,
                                                                      odoo_urls=_odoo_urls(engine.services.settings))
        scheduler = build_scheduler(engine, deliver=deliver)
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
        scheduler.start()
        jobs = scheduler.get_jobs()
        names = sorted({j.name for j in jobs if not j.id.startswith((DIGEST_JOB, PRUNE_JOB))})
        typer.echo(f"sentinel running: {', '.join(names)}")
        digests = sorted(f"{j.id.removeprefix(DIGEST_JOB)} at {j.trigger}" for j in jobs if j.id.startswith(DIGEST_JOB))
        if digests:
            typer.echo(f"daily digests: {', '.join(digests)}")
        if scheduler.get_job(PRUNE_JOB):
            settings = engine.services.settings
            typer.echo(messages.RETENTION_ON.format(days=settings.retention_days, hours=f"{settings.prune_hours:g}"))
        stop.wait()
        # The outbox stops taking new messages first: a delivery pacing a long queue ends at once, not after 10 s.
        stop_run(engine, scheduler, [s.stop for s in (slack, ops) if s], quiesce=[slack.outbox.stop] if slack else [])
    if refused:  # Slack refused the bot token: one line, exit 1
        _fail(f"Slack: {refused[0]}")
    typer.echo(messages.RUN_STOPPED)


@app.command()
def sandbox(port: int = 8069, host: str = "127.0.0.1") -> None:
    """Serve the bundled sandbox Odoo (database 'sandbox', login admin / admin) until Ctrl-C."""
    import errno

    from agents._core.odoo.sandbox import serve

    try:
        serve(host, port, seed=True)
    except OSError as exc:
        if exc.errno != errno.EADDRINUSE:
            raise
        _fail(messages.SANDBOX_PORT_BUSY.format(host=host, port=port), ExitCode.UNAVAILABLE)


@app.command()
def demo() -> None:
    """The whole loop on the bundled sandbox: scan, propose, approve one, show the change, verify the audit."""
    from agents._core.demo import run_demo

    raise typer.Exit(run_demo(build_engine, typer.echo))


@app.command()
def digest(
    day: Annotated[Optional[str], typer.Option("--date", help="The day (YYYY-MM-DD) whose digest to build: the 24 "
                                               "hours to its digest time. Default: the last one due.")] = None,
    post: Annotated[bool, typer.Option("--post", help="Queue it for the channel (Slack, or the console).")] = False,
    out: Annotated[Optional[Path], typer.Option("--out", help="Write each channel's chart (PNG) to this folder.")] = None,
    explain: Annotated[bool, typer.Option("--explain", help="Show how each forecast is made and its backtested "
                                          "error against a naive forecast.")] = False,
    channel: Annotated[Optional[str], typer.Option(help="Only this Slack channel's digest.")] = None,
    as_json: Annotated[bool, JSON_OPTION] = False,
) -> None:
    """The daily digest of every Slack channel: runs, queues, decisions, oldest items, forecasts, noise, LLM use."""
    from datetime import date as date_type

    from agents._core.digest import as_text, build, chart_name, chart_png, enqueue, odoo_urls

    settings = Settings()
    try:
        agents = discover(settings.policy_dir)
        policies = {name: load_policy(entry.policy_path, entry.watcher.policy_model,
                                      connections=set(settings.connections()) | {"default"}, expected_agent=name).policy
                    for name, entry in agents.items()}
        when = date_type.fromisoformat(day) if day else None
    except (RegistryError, PolicyError) as exc:
        _fail(str(exc))
    except ValueError:
        _fail(messages.DIGEST_BAD_DATE.format(value=day))
    store = _store()
    digests = build(store, policies, now=utc_now(), day=when, channel=channel, odoo_urls=odoo_urls(settings))
    if not digests:
        known = ", ".join(sorted({p.slack.channel for p in policies.values()}))
        _fail(messages.DIGEST_NO_CHANNEL.format(channel=channel, known=known))
    if as_json:
        json_echo(digests)
    for index, made in enumerate(digests):
        if not as_json:
            typer.echo(("\n" if index else "") + as_text(made, explain=explain))
        if out is not None:
            out.mkdir(parents=True, exist_ok=True)
            path = out / chart_name(made)
            path.write_bytes(chart_png(made))
            typer.echo(f"chart: {path}")
        if post:
            queued = enqueue(store, made, explain=explain)
            typer.echo(f"queued for {made.window.channel}" if queued else f"already queued for {made.window.channel}")
    if post and settings.slack_bot_token is None:
        deliver_outbox(store, typer.echo, odoo_url=None)


@policy_app.command("check")
def policy_check(
    paths: Annotated[Optional[list[Path]], typer.Argument(help="Policy files; default: all.")] = None,
    odoo: Annotated[bool, typer.Option("--odoo", help="Also resolve each policy against its Odoo connection: models, "
                                       "fields, logins, groups, actions, access rights.")] = False,
) -> None:
    """Validate policies: 'OK <file>' each, or '<file>:<line>: <key>: <problem> (<fix>)' on stderr.

    A file's agent is its `agent:` key (else its name). Exit codes: 0 all passed; 1 a policy was refused;
    2 (--odoo) none was refused but an Odoo connection could not be asked, so a policy is not checked.
    """
    settings = Settings()
    try:
        agents = discover(settings.policy_dir)
    except RegistryError as exc:
        _fail(str(exc))
    connections = settings.connections()
    gateways: dict[str, OdooGateway] = {}  # one per connection: its fields are read once for every file
    failed = unreachable = False
    for path in paths or [entry.policy_path for entry in agents.values()]:
        name = agent_key(path) or path.stem
        entry = agents.get(name)
        if entry is None:
            typer.echo(messages.POLICY_NO_AGENT.format(file=path, name=name, known=", ".join(agents)), err=True)
            failed = True
            continue
        try:
            loaded = load_policy(path, entry.watcher.policy_model, connections=set(connections) | {"default"},
                                 expected_agent=entry.name)
        except PolicyError as exc:
            typer.echo(str(exc), err=True)
            failed = True
            continue
        outcome = check_against_odoo(settings, path, loaded, entry, gateways) if odoo else "ok"
        failed |= outcome == "refused"
        unreachable |= outcome == "unchecked"
        if outcome == "ok":
            typer.echo(f"OK {path}")
    raise typer.Exit(1 if failed else 2 if unreachable else 0)


@policy_app.command("backtest", epilog=messages.EXIT_CODES_SCAN)
def policy_backtest(
    agent: str,
    days: Annotated[int, typer.Option(min=0, help="How many days of history to replay (0: as `once` would now).")] = 30,
    policy: Annotated[Optional[Path], typer.Option(help="Replay this policy file instead of the agent's.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Replay the last N days through a policy: what it would have proposed, at which step, to whom, how many messages.

    Read-only against Odoo; nothing is posted or stored.
    """
    from agents._core.backtest import as_json as backtest_json, as_text, backtest

    engine = _engine()
    entry = _agent_entry(engine, agent, policy)
    gateway = engine.services.gateway(engine.services.policy(agent).odoo)
    with typer.progressbar(length=1, label="replaying", file=sys.stderr) as bar:
        def progress(ticks):  # noqa: ANN001, ANN202 - iterator of datetimes
            ticks = list(ticks)
            bar.length = len(ticks)
            for tick in ticks:
                yield tick
                bar.update(1)

        try:
            result = backtest(engine.services.settings, entry, days=days, now=engine.services.clock(), gateway=gateway,
                              progress=progress)
        except PolicyError as exc:
            _fail(str(exc))
    typer.echo(json.dumps(backtest_json(result), indent=2) if as_json else "\n".join(as_text(result)))
    if result.failed_ticks:  # a replay with failed scans under-counts: say so, and exit so a script notices
        _fail(messages.BACKTEST_FAILED.format(failed=len(result.failed_ticks), ticks=result.ticks, first=result.failed_ticks[0]))


@policy_app.command("diff", epilog=messages.EXIT_CODES_SCAN)
def policy_diff_command(
    agent: str,
    against: Annotated[Path, typer.Option("--against", help="The policy file you are about to put in force.")],
    as_json: Annotated[bool, JSON_OPTION] = False,
) -> None:
    """What changing AGENT's policy to FILE would change now: proposals dropped or added, open ones re-stepped."""
    from agents._core.policy_diff import as_data, as_text, policy_diff

    engine = _engine()
    _agent_entry(engine, agent, None)
    try:
        diff = policy_diff(engine, agent, against)
    except PolicyError as exc:
        _fail(str(exc))
    if diff.failed:
        _fail(messages.DIFF_FAILED.format(agent=agent, error=diff.failed))
    json_echo(as_data(diff)) if as_json else typer.echo("\n".join(as_text(diff)))


def _agent_entry(engine: Engine, agent: str, policy: Optional[Path]):  # noqa: ANN202 - AgentEntry
    from agents._core.registry import AgentEntry

    entry = engine.services.agents.get(agent)
    if entry is None:
        _fail(messages.UNKNOWN_AGENT.format(agent=agent, known=", ".join(engine.services.agents)), EXIT_USAGE)
    return AgentEntry(entry.watcher, policy) if policy else entry


@proposals_app.command("list")
def proposals_list(
    status: Annotated[Optional[ProposalStatus], typer.Option(help="Only this status.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    store = _store()
    rows = store.list_proposals(status=status)
    if as_json:
        keys = ("id", "agent", "rule_id", "model", "res_id", "record_name", "step", "status", "action", "created_at",
                "expires_at", "decided_by")
        out = [{("rule" if k == "rule_id" else k): _jsonable(getattr(p, k)) for k in keys} for p in rows]
        typer.echo(json.dumps(out, indent=2))
        return
    for p in rows:
        typer.echo(f"{p.id}  {p.status:<10} {p.agent:<18} {p.rule_id:<26} {p.record_name}  → {p.action}")


@proposals_app.command("precision")
def proposals_precision(
    agent: str,
    days: Annotated[int, typer.Option(min=1, help="Shadow proposals made in the last N days.")] = 30,
    as_json: Annotated[bool, JSON_OPTION] = False,
) -> None:
    """For shadow proposals: how many items were still stuck when the proposal would have expired."""
    from agents._core.precision import as_text, shadow_precision

    engine = _engine()
    _agent_entry(engine, agent, None)
    report = shadow_precision(engine, agent, days)
    if as_json:
        json_echo({"agent": agent, "days": days, "precision": report.precision(),
                   "rules": {rule: report.precision(rule) for rule in report.rules()}, "verdicts": report.verdicts})
        return
    typer.echo("\n".join(as_text(report)))


@proposals_app.command("show")
def proposals_show(proposal_id: str, as_json: Annotated[bool, JSON_OPTION] = False) -> None:
    proposal = _store().get(proposal_id)
    if proposal is None:
        _fail(messages.NO_SUCH_PROPOSAL.format(id=proposal_id), EXIT_USAGE)
    if as_json:
        json_echo(proposal)
        return
    settings = Settings()
    url = _odoo_urls(settings).get(proposal.connection)
    if url:
        _learn_version(settings, proposal.connection, url)
    typer.echo(proposal_text(proposal, odoo_url=url))
    if proposal.status not in ("pending", "shadow"):
        typer.echo(outcome_text(proposal))


@proposals_app.command("approve", epilog=messages.EXIT_CODES_DECIDE)
def proposals_approve(
    proposal_id: str,
    who: Annotated[str, typer.Option("--as", help="An Odoo login or a Slack user id.")],
    reason: Annotated[Optional[str], typer.Option(help="Why (recorded in the audit trail).")] = None,
) -> None:
    _decide(proposal_id, "approve", who, reason)


@proposals_app.command("reject", epilog=messages.EXIT_CODES_DECIDE)
def proposals_reject(
    proposal_id: str,
    who: Annotated[str, typer.Option("--as", help="An Odoo login or a Slack user id.")],
    reason: Annotated[str, typer.Option(help="Why (required).")],
) -> None:
    _decide(proposal_id, "reject", who, reason)


def _decide(proposal_id: str, decision, who: str, reason: Optional[str]) -> None:  # noqa: ANN001
    engine = _engine()
    if engine.services.store.get(proposal_id) is None:
        _fail(messages.NO_SUCH_PROPOSAL.format(id=proposal_id), EXIT_USAGE)
    outcome = decide(engine, proposal_id, decision, Actor.parse(who), reason=reason)
    if not outcome.ok:
        _fail(messages.DECISION_REFUSED.format(why=outcome.message),
              ExitCode.UNAVAILABLE if outcome.unavailable else EXIT_FAILED)
    final = engine.services.store.get(proposal_id)
    failed = final is not None and final.status == "failed"  # recorded, carried to its end, and refused by Odoo
    refused = failed or outcome.status == "failed" or outcome.problem is not None
    if not failed:
        typer.echo(outcome.message, err=refused)
    _deliver_here(engine)
    if failed:
        _fail(messages.ACTION_FAILED.format(id=proposal_id, error=final.error or "unknown error"))
    if refused:  # decided, but the action did not happen (yet): the exit code says so
        raise typer.Exit(EXIT_FAILED)


@audit_app.command("verify")
def audit_verify(as_json: Annotated[bool, JSON_OPTION] = False) -> None:
    """Check the hash chain; exit 1 naming the first broken event."""
    result = _audit(_database()).verify()
    if as_json:
        json_echo(result)
        raise typer.Exit(0 if result.ok else 1)
    if not result.ok:
        _fail(messages.AUDIT_BROKEN.format(seq=result.first_broken_seq, reason=result.reason, checked=result.checked))
    typer.echo(messages.AUDIT_OK.format(checked=result.checked))


@audit_app.command("rekey")
def audit_rekey() -> None:
    """Key a trail written before the audit key existed (once): the plain chain is checked, then signed with the key."""
    result = _audit(_database()).rekey()
    if not result.ok:
        _fail(messages.AUDIT_BROKEN.format(seq=result.first_broken_seq, reason=result.reason, checked=result.checked))
    typer.echo(messages.AUDIT_REKEYED.format(checked=result.checked))


@app.command()
def pause(reason: Annotated[Optional[str], typer.Option(help="Why (audited).")] = None) -> None:
    """Stop all writes to Odoo (detection and proposals go on) until `resume`."""
    _set_paused(True, reason)


@app.command()
def resume() -> None:
    """Allow writes to Odoo again and carry out approved actions that waited."""
    _set_paused(False, None)
    engine = _engine()
    recover_stuck(engine)  # from each stored decision; one still held by a running process is left to it
    _deliver_here(engine)


def _set_paused(paused: bool, reason: Optional[str]) -> None:
    db = _database()
    Store(db).set_flag(PAUSED_FLAG, "true" if paused else "false")
    _audit(db).append("sentinel.paused" if paused else "sentinel.resumed", actor="cli", data={"reason": reason})
    typer.echo(messages.PAUSED if paused else messages.RESUMED)


# -- commands kept in agents/_core/cli/ (explain, prune, proposals snooze, audit export) ----------------------

def _register_more() -> None:
    from agents._core.cli.register import register

    # late-bound, so a test can swap runner's helpers (e.g. an engine on a sandbox clock)
    register(app, proposals=proposals_app, audit=audit_app, engine=lambda: _engine(), database=lambda: _database(),
             deliver=lambda engine: _deliver_here(engine))


_register_more()


# -- helpers -----------------------------------------------------------------------------------------------

def _database() -> Database:
    db = Database(Settings().resolved_database_url())
    db.migrate()
    return db


def _audit(db: Database, settings: Settings | None = None) -> Audit:
    """The audit trail signed with the key kept outside the database (SENTINEL_AUDIT_KEY or its key file)."""
    settings = settings or Settings()
    secret = settings.audit_key.get_secret_value() if settings.audit_key else None
    try:
        return Audit(db, key=resolve_audit_key(key=secret, key_file=settings.audit_key_file, db=db))
    except AuditKeyError as exc:
        _fail(str(exc))
        raise  # unreachable: _fail exits


def _store() -> Store:
    return Store(_database())


def _deliver_here(engine: Engine) -> None:
    """Without Slack the console delivers the outbox now; with Slack the running service's worker posts it (printing
    it here would mark it delivered, and Slack would never see it)."""
    if engine.services.settings.slack_bot_token is None:
        deliver_outbox(engine.services.store, typer.echo, odoo_urls=_odoo_urls(engine.services.settings))


def _start_slack(engine: Engine, host: str, port: int, on_refused: Callable[[str], None]):  # noqa: ANN202
    """SlackService | None. Slack unreachable: it starts degraded (scans go on); a refused token stops here."""
    if engine.services.settings.slack_bot_token is None:
        return None
    from agents._core.slack.server import start

    try:
        service = start(engine, host=host, port=port, on_refused=on_refused)
    except (ValueError, OSError) as exc:
        _fail(f"Slack: {exc}")
    typer.echo(f"slack: {'Socket Mode' if service.mode == 'socket' else service.url + '/slack/events'}, "
               f"health at {service.url}/healthz")
    return service


def _start_ops(engine: Engine, host: str, port: int):  # noqa: ANN202 - OpsService | None
    """Without Slack, /healthz and /metrics still answer; a busy port turns them off with a warning, not the service."""
    from agents._core.slack.server import start_ops

    try:
        service = start_ops(engine, host=host, port=port)
    except (OSError, RuntimeError) as exc:
        typer.echo(messages.OPS_PORT_BUSY.format(host=host, port=port, reason=exc), err=True)
        return None
    typer.echo(f"health at {service.url}/healthz, metrics at {service.url}/metrics")
    return service


def _secrets(settings: Settings) -> list[str]:
    """Every configured secret value, for the log redactor."""
    values = [settings.odoo_password, settings.odoo_api_key, settings.slack_bot_token, settings.slack_signing_secret,
              settings.slack_app_token]
    for connection in settings.odoo_connections.values():
        values += [connection.password, connection.api_key]
    return [v.get_secret_value() for v in values if v is not None]


def _learn_version(settings: Settings, connection: str, url: str) -> None:
    """One login-free version request, so the link has the server's own URL style; unreachable: the style every
    version opens."""
    from agents._core.odoo import OdooError, versions

    try:
        versions.probe(connection, url, timeout=min(settings.odoo_timeout, 3.0))
    except OdooError:
        pass


def _odoo_urls(settings: Settings) -> dict[str, str]:
    """Connection name -> its Odoo URL: links to records are absolute, on the proposal's own server."""
    return {name: conn.url for name, conn in settings.connections().items()}


def _jsonable(value):  # noqa: ANN001, ANN202
    return value.isoformat() if isinstance(value, datetime) else value


def main() -> None:
    app()  # every error, bad settings included, becomes one line and an exit code in SentinelGroup


if __name__ == "__main__":
    sys.exit(main())
