"""Who may pause and resume Sentinel from Slack: SENTINEL_ADMINS (users, user groups) or an approver of a policy.

Fail closed: a look-up that fails (Slack, Odoo) counts as "no".
"""

from __future__ import annotations

import logging
import re

from agents._core.decisions import authorize
from agents._core.engine import Engine
from agents._core.slack.identity import Directory
from state import Proposal

log = logging.getLogger(__name__)

_USER = re.compile(r"^[UW][A-Z0-9]{2,}$")
_GROUP = re.compile(r"^S[A-Z0-9]{2,}$")


class Admins:
    def __init__(self, engine: Engine, directory: Directory, configured: str) -> None:
        self.engine = engine
        self.directory = directory
        ids = [part for part in re.split(r"[\s,]+", configured) if part]
        self.users = {i for i in ids if _USER.match(i)}
        self.groups = {i for i in ids if _GROUP.match(i)}
        for stray in set(ids) - self.users - self.groups:
            log.warning("SENTINEL_ADMINS: %r is neither a Slack user id (U…) nor a user-group id (S…); ignored", stray)

    def allows(self, user_id: str) -> bool:
        try:
            return self._configured(user_id) or self._approver(user_id)
        except Exception:  # noqa: BLE001 - cannot tell who it is: not an admin
            log.exception("could not tell whether %s may pause Sentinel; refused", user_id)
            return False

    def _configured(self, user_id: str) -> bool:
        return user_id in self.users or any(user_id in self.directory.members(g) for g in sorted(self.groups))

    def _approver(self, user_id: str) -> bool:
        """An approver of any agent's policy (slack.approvers), checked by the same authorize() as a click."""
        services = self.engine.services
        for agent in services.agents:
            policy = services.policy(agent)
            approvers = policy.slack.approvers.model_dump()
            # Not stored: a stand-in carrying what authorize() reads (the agent, its connection, its approvers).
            probe = Proposal(agent=agent, connection=policy.odoo, approvers=approvers, subject_user_id=None)
            actor = self.directory.actor(user_id, slack_groups=approvers["slack_groups"],
                                         gateway=lambda conn=policy.odoo: services.gateway(conn),
                                         connection=policy.odoo)
            if authorize(self.engine, probe, actor) is None:
                return True
        return False
