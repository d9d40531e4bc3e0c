"""Who clicked: Slack user -> e-mail (users.info) -> Odoo login, and Slack user-group membership; cached with a TTL."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from typing import Generic, TypeVar

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from agents._core.decisions import Actor
from agents._core.odoo.errors import OdooError
from agents._core.odoo.gateway import OdooGateway

log = logging.getLogger(__name__)

T = TypeVar("T")
DEFAULT_TTL = 300.0  # seconds: a person removed from a group or given a new e-mail counts within five minutes


class TtlCache(Generic[T]):
    """Successful look-ups only: a failed one is asked again next time."""

    def __init__(self, ttl: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self._clock = clock
        self._lock = threading.Lock()
        self._items: dict[str, tuple[float, T]] = {}

    def get(self, key: str, load: Callable[[], T]) -> T:
        now = self._clock()
        with self._lock:
            hit = self._items.get(key)
        if hit is not None and hit[0] > now:
            return hit[1]
        value = load()  # outside the lock: a slow Slack call must not hold up other look-ups
        with self._lock:
            self._items[key] = (now + self.ttl, value)
        return value


class Directory:
    def __init__(self, client: WebClient, *, ttl: float = DEFAULT_TTL, clock: Callable[[], float] = time.monotonic) -> None:
        self.client = client
        self._emails: TtlCache[str | None] = TtlCache(ttl, clock)
        self._groups: TtlCache[frozenset[str]] = TtlCache(ttl, clock)
        self._logins: TtlCache[str | None] = TtlCache(ttl, clock)

    def actor(self, user_id: str, *, slack_groups: Iterable[str], gateway: Callable[[], OdooGateway],
              connection: str) -> Actor:
        """The clicking user with what decide() needs to authorize them; what cannot be resolved stays empty, and
        an Odoo look-up that failed says so (identity_error), so decide() fails closed instead of guessing."""
        groups = frozenset(g for g in slack_groups if user_id in self.members(g))
        email = self.email(user_id)
        try:
            login = self.odoo_login(email, gateway=gateway, connection=connection) if email else None
        except OdooError as exc:
            log.warning("Odoo user look-up for %s failed: %s", email, exc)
            return Actor("slack", user_id, slack_groups=groups, identity_error=exc.message)
        return Actor("slack", user_id, odoo_login=login, slack_groups=groups)

    def email(self, user_id: str) -> str | None:
        def load() -> str | None:
            response = self.client.users_info(user=user_id)
            user = response.get("user") or {}
            if user.get("deleted") or user.get("is_bot"):
                return None
            return (user.get("profile") or {}).get("email") or None

        try:
            return self._emails.get(user_id, load)
        except SlackApiError as exc:  # fail closed: without an e-mail no Odoo identity, so fewer rights
            log.warning("users.info %s failed: %s", user_id, exc.response.get("error"))
            return None

    def members(self, group_id: str) -> frozenset[str]:
        def load() -> frozenset[str]:
            return frozenset(self.client.usergroups_users_list(usergroup=group_id).get("users") or ())

        try:
            return self._groups.get(group_id, load)
        except SlackApiError as exc:
            log.warning("usergroups.users.list %s failed: %s", group_id, exc.response.get("error"))
            return frozenset()

    def odoo_login(self, email: str, *, gateway: Callable[[], OdooGateway], connection: str) -> str | None:
        """The Odoo user whose login or e-mail is this address (case-insensitive); none if absent or ambiguous.
        Raises OdooError when Odoo cannot tell (unreachable): that is not the same as "no such user"."""
        def load() -> str | None:
            wanted = email.strip().casefold()
            rows = gateway().search_read("res.users", ["|", ("login", "=ilike", email), ("email", "=ilike", email)],
                                         ["login", "email"], limit=5)
            by_login = [r for r in rows if str(r.get("login") or "").casefold() == wanted]
            by_email = [r for r in rows if str(r.get("email") or "").casefold() == wanted]
            chosen = by_login or by_email
            if len(chosen) != 1:
                if chosen:
                    log.warning("%d Odoo users have the e-mail %s; none is used", len(chosen), email)
                return None
            return str(chosen[0]["login"])

        return self._logins.get(f"{connection}\0{email.casefold()}", load)  # a failed look-up raises, uncached
