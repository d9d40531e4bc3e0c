"""The App Home tab for on-call admins: what waits for me (with the buttons), open proposals per agent, paused or not,
last runs and failures, the next digest. Drawn when someone opens it, and again after they decide from it."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from agents._core import messages as m
from agents._core.decisions import authorize
from agents._core.engine import Engine
from agents._core.mrkdwn import cut, escape
from agents._core.render import odoo_link
from agents._core.slack import blocks
from agents._core.slack.command import SentinelCommand
from agents._core.slack.identity import Directory
from state import Proposal

log = logging.getLogger(__name__)

MINE_SHOWN = 10  # proposals with buttons at most (a view holds 100 blocks)
MINE_CHECKED = 50  # pending proposals checked for "mine", newest first (each check may ask Odoo)


class HomeTab:
    def __init__(self, engine: Engine, client: WebClient, directory: Directory, command: SentinelCommand, *,
                 odoo_url: Callable[[Proposal], str | None]) -> None:
        self.engine = engine
        self.client = client
        self.directory = directory
        self.command = command
        self.odoo_url = odoo_url

    def publish(self, user_id: str) -> None:
        try:
            self.client.views_publish(user_id=user_id, view=self.view(user_id))
        except SlackApiError as exc:
            log.warning("views.publish for %s failed: %s", user_id, exc.response.get("error"))

    def view(self, user_id: str) -> dict[str, Any]:
        mine = self.mine(user_id)
        parts: list[blocks.Block] = [
            {"type": "header", "text": blocks.plain(m.SLACK_HOME_TITLE)},
            blocks.section(self.command.status()),
            {"type": "header", "text": blocks.plain(m.SLACK_HOME_MINE.format(count=len(mine)))},
        ]
        for proposal in mine[:MINE_SHOWN]:
            parts += self._proposal(proposal)
        if not mine:
            parts.append(blocks.section(m.SLACK_HOME_NOTHING_MINE))
        elif len(mine) > MINE_SHOWN:
            parts.append(blocks.section(m.SLACK_HOME_MORE.format(count=len(mine) - MINE_SHOWN)))
        parts += [{"type": "header", "text": blocks.plain(m.SLACK_HOME_DIGESTS)}, blocks.section(self._digests())]
        return {"type": "home", "callback_id": "sentinel.home", "blocks": parts}

    def mine(self, user_id: str) -> list[Proposal]:
        """Pending proposals this person may decide, newest first (authorize() decides, as for a click)."""
        services = self.engine.services
        pending = sorted(services.store.list_proposals(status="pending"), key=lambda p: p.created_at, reverse=True)
        found = []
        for proposal in pending[:MINE_CHECKED]:
            actor = self.directory.actor(user_id, slack_groups=(proposal.approvers or {}).get("slack_groups", []),
                                         gateway=lambda p=proposal: services.gateway(p.connection),
                                         connection=proposal.connection)
            try:
                if authorize(self.engine, proposal, actor) is None:
                    found.append(proposal)
            except Exception:  # noqa: BLE001 - Odoo unreachable for this one: not shown as decidable (fail closed)
                log.warning("could not tell whether %s may decide %s", user_id, proposal.id)
        return found

    def _proposal(self, proposal: Proposal) -> list[blocks.Block]:
        url = self.odoo_url(proposal)
        link = odoo_link(url, proposal.model, proposal.res_id) if url else None
        context = m.SLACK_CONTEXT.format(id=proposal.id, agent=proposal.agent, source=proposal.draft_source or "template",
                                         expires=blocks.slack_date(proposal.expires_at) if proposal.expires_at else "never")
        return [
            {"type": "divider"},
            blocks.section(f"*{escape(cut(proposal.record_name, 150))}*\n{escape(proposal.summary or '')}"),
            {"type": "context", "elements": [{"type": "mrkdwn", "text": context}]},
            # block ids are unique within a view; the buttons are the message's own (same action ids and values)
            {"type": "actions", "block_id": f"{blocks.DECIDE_BLOCK}.{proposal.id}",
             "elements": blocks.buttons(proposal, link)},
        ]

    def _digests(self) -> str:
        from agents._core.scheduler import digest_times  # the same times the scheduler uses

        now = self.engine.services.clock()
        lines = []
        for channel, (tz, at) in sorted(digest_times(self.engine).items()):
            local = now.astimezone(tz)
            due = local.replace(hour=at.hour, minute=at.minute, second=0, microsecond=0)
            if due <= local:
                due += timedelta(days=1)
            lines.append(m.SLACK_HOME_DIGEST.format(channel=escape(channel), when=blocks.slack_date(due)))
        return "\n".join(lines) or m.SLACK_HOME_NO_DIGEST

