"""/sentinel: status | pause | resume | snooze <proposal> <duration> <reason>; each answer is one ephemeral text."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from agents._core import messages as m
from agents._core.decisions import decide
from agents._core.durations import parse_duration
from agents._core.engine import Engine
from agents._core.mrkdwn import cut, escape, visible
from agents._core.services import PAUSED_FLAG
from agents._core.slack import blocks
from agents._core.slack.admins import Admins
from agents._core.slack.identity import Directory

MAX_SNOOZE = timedelta(days=90)
OPEN_STATUSES = ("pending", "approved", "executing")


class SentinelCommand:
    def __init__(self, engine: Engine, directory: Directory, admins: Admins) -> None:
        self.engine = engine
        self.directory = directory
        self.admins = admins

    def answer(self, user_id: str, text: str) -> str:
        words = text.split(maxsplit=3)
        verb = words[0].lower() if words else "status"
        if verb == "status":
            return self.status()
        if verb in ("pause", "resume"):
            if not self.admins.allows(user_id):
                self._audit("sentinel.command_refused", user_id, {"command": verb})
                return m.SLACK_COMMAND_NOT_ADMIN.format(verb=verb)
            return self.pause(user_id) if verb == "pause" else self.resume(user_id)
        if verb == "snooze":
            return self.snooze(user_id, words[1:])
        return m.SLACK_COMMAND_USAGE

    def status(self) -> str:
        services = self.engine.services
        counts = services.store.proposal_counts()
        runs = services.store.last_runs()
        lines = [m.SLACK_HOME_PAUSED if services.paused() else m.SLACK_HOME_RUNNING]
        for agent in services.agents:
            open_now = Counter({s: counts.get((agent, s), 0) for s in OPEN_STATUSES})
            run = runs.get(agent)
            last = (m.SLACK_STATUS_NO_RUN if run is None else m.SLACK_STATUS_RUN.format(
                status=run.status, when=blocks.slack_date(run.started_at),
                error=f": {escape(cut(run.error, 200))}" if run.error else ""))
            lines.append(m.SLACK_STATUS_AGENT.format(agent=agent, pending=open_now["pending"],
                                                     approved=open_now["approved"] + open_now["executing"],
                                                     failed=counts.get((agent, "failed"), 0), last=last))
        return "\n".join(lines)

    def pause(self, user_id: str) -> str:
        self.engine.services.store.set_flag(PAUSED_FLAG, "true")
        self._audit("sentinel.paused", user_id, {"reason": "/sentinel pause"})
        return m.SLACK_COMMAND_PAUSED

    def resume(self, user_id: str) -> str:
        services = self.engine.services
        services.store.set_flag(PAUSED_FLAG, "false")
        self._audit("sentinel.resumed", user_id, {"reason": "/sentinel resume"})
        for proposal in services.store.list_proposals(status="approved"):
            self.engine.unpause(proposal.id)
        return m.SLACK_COMMAND_RESUMED

    def snooze(self, user_id: str, args: list[str]) -> str:
        if len(args) < 3:
            return m.SLACK_COMMAND_USAGE
        proposal_id, duration, reason = args
        try:
            length = parse_duration(duration)
        except ValueError:
            length = timedelta(0)
        if not timedelta(0) < length <= MAX_SNOOZE:
            return m.SLACK_COMMAND_BAD_DURATION.format(value=escape(cut(duration, 40)))
        if not visible(reason):
            return m.SLACK_REASON_REQUIRED
        services = self.engine.services
        proposal = services.store.get(proposal_id)
        if proposal is None:
            return m.SLACK_NO_SUCH_PROPOSAL
        actor = self.directory.actor(user_id, slack_groups=(proposal.approvers or {}).get("slack_groups", []),
                                     gateway=lambda: services.gateway(proposal.connection),
                                     connection=proposal.connection)
        outcome = decide(self.engine, proposal.id, "snooze", actor, reason=reason, until=services.clock() + length)
        if not outcome.ok:
            return escape(outcome.message)
        return m.SLACK_COMMAND_SNOOZED.format(id=proposal.id, until=blocks.slack_date(services.clock() + length))

    def _audit(self, kind: str, user_id: str, data: dict[str, str]) -> None:
        self.engine.services.audit.append(kind, actor=f"slack:{user_id}", data=data)
