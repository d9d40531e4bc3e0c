"""References a policy makes to people and rights on the server: logins, group XML ids, and the service user's access.

Each kind costs one round trip however many references there are (access: one per model and operation).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from agents._core import messages as m
from agents._core.odoo.errors import OdooAccessError
from agents._core.odoo.gateway import OdooGateway
from agents._core.policy_errors import quote
from agents._core.policy_locate import Path
from agents._core.preflight.needs import AccessNeed
from agents._core.preflight.schema import Found

TRACKING = "mail.tracking.value"


def check_logins(gateway: OdooGateway, refs: list[tuple[str, Path]]) -> list[Found]:
    """Every login names an active user: all users read in one search_read (archived ones too, to say so)."""
    if not refs:
        return []
    rows = gateway.search_read("res.users", [("active", "in", [True, False])], ["login", "active"])
    active = {row["login"]: bool(row["active"]) for row in rows}
    found: list[Found] = []
    for login, at in refs:
        if active.get(login):
            continue
        if login in active:
            found.append((at, m.PREFLIGHT_ARCHIVED_LOGIN, {"value": quote(login)}))
            continue
        guess = difflib.get_close_matches(login, sorted(name for name, on in active.items() if on), n=1)
        message = m.PREFLIGHT_NO_LOGIN if guess else m.PREFLIGHT_NO_LOGIN_NO_GUESS
        found.append((at, message, {"value": quote(login), "guess": quote(guess[0]) if guess else ""}))
    return found


def check_groups(gateway: OdooGateway, refs: list[tuple[str, Path]]) -> list[Found]:
    """Every XML id names a group: the groups of the modules named, in one read of ir.model.data."""
    if not refs:
        return []
    modules = sorted({xmlid.partition(".")[0] for xmlid, _ in refs})
    try:
        rows = gateway.search_read("ir.model.data", [("model", "=", "res.groups"), ("module", "in", modules)],
                                   ["module", "name"])
        known = {f"{row['module']}.{row['name']}" for row in rows}
    except OdooAccessError:  # ir.model.data is for Access Rights users: ask per XML id, as any user may
        known = {xmlid for xmlid in {x for x, _ in refs} if gateway.xmlid(xmlid) is not None}
    found: list[Found] = []
    for xmlid, at in refs:
        if xmlid in known:
            continue
        guess = difflib.get_close_matches(xmlid, sorted(known), n=1)
        message = m.PREFLIGHT_NO_GROUP if guess else m.PREFLIGHT_NO_GROUP_NO_GUESS
        found.append((at, message, {"value": quote(xmlid), "guess": quote(guess[0]) if guess else ""}))
    return found


def check_access(gateway: OdooGateway, needs: Iterable[AccessNeed], *, user: str,
                 tracking: list[Path]) -> list[Found]:
    """The service user's access rights, asked once per model and operation; state_change's tracking values too.

    A right that is missing is said once, where it is first needed: one grant fixes every place.
    """
    answers: dict[tuple[str, str], bool] = {}
    found: list[Found] = []
    wanted = [(need.model, need.operation, need.at) for need in needs if need.model != TRACKING]
    wanted += [(TRACKING, "read", at) for at in tracking]
    for model, operation, at in wanted:
        if (model, operation) in answers:
            continue
        answers[model, operation] = gateway.has_access(model, operation)
        if answers[model, operation]:
            continue
        if model == TRACKING:
            found.append((at, m.PREFLIGHT_NO_TRACKING, {"user": quote(user)}))
        else:
            found.append((at, m.PREFLIGHT_NO_ACCESS, {"user": quote(user), "operation": operation, "model": model}))
    return found
