"""Who an action is for, found in Odoo: `subject`, `login:<login>`, `group:<xml id>`, `field:<res.users field>`.

Many references resolve together with one read per kind (users by id, users by login, members of groups), so vetting
every proposal of a scan costs a few round trips, not one per proposal.

A group names people; assigning needs one: `assign_to: group:` resolves to the group's active internal user with the
lowest id (members of groups it implies count), other than the item's subject when the group has anyone else. The same
user each time for the same data, and an escalation never lands on the person it escalates about while someone else
can take it. `notify: [group:…]` tells every active internal member.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from agents._core import messages as m
from agents._core.odoo.gateway import OdooGateway
from agents._core.odoo.values import m2o_id

USERS = "res.users"


@dataclass(frozen=True)
class Request:
    """One reference to resolve, for one record."""

    ref: str  # subject | login:<login> | group:<module.name> | field:<res.users field of the record>
    model: str
    res_id: int
    subject_user_id: int | None = None
    record: Mapping[str, Any] | None = None  # the record's fields as a scan read them; None: read them from Odoo
    everyone: bool = False  # group: every active internal member (notify), not one (assign)
    subject_field: str | None = None  # the rule's subject_field, named when `subject` finds nobody


@dataclass(frozen=True)
class Unresolved:
    reason: str  # one line, for the run log or the action's error


def resolve(gateway: OdooGateway, requests: Sequence[Request]) -> list[list[int] | Unresolved]:
    """Each request's res.users ids (one, or a group's members when `everyone`), or why there is none (nobody there,
    archived, no such login or group)."""
    records = _records(gateway, requests)
    on_record = [i for i, r in enumerate(requests) if r.ref == "subject" or r.ref.startswith("field:")]
    candidates = {i: _candidate(requests[i], records) for i in on_record}
    active = _active_ids(gateway, {uid for uid in candidates.values() if isinstance(uid, int)})
    logins = _by_login(gateway, {r.ref[6:] for r in requests if r.ref.startswith("login:")})
    groups = _members(gateway, sorted({r.ref[6:] for r in requests if r.ref.startswith("group:")}))
    resolved: list[list[int] | Unresolved] = []
    for i, request in enumerate(requests):
        kind, _, value = request.ref.partition(":")
        if kind == "login":
            resolved.append([logins[value]] if value in logins else Unresolved(m.ASSIGNEE_NO_LOGIN.format(login=value)))
        elif kind == "group":
            resolved.append(_pick(groups.get(value), value, request))
        else:
            found = candidates[i]
            if isinstance(found, int) and found not in active:
                found = Unresolved(m.ASSIGNEE_ARCHIVED.format(user=found, where=_where(request)))
            resolved.append([found] if isinstance(found, int) else found)
    return resolved


def _where(request: Request) -> str:
    if request.ref != "subject":
        return f"'{request.ref[6:]}'"
    return f"'{request.subject_field}' (the rule's subject_field)" if request.subject_field else "its subject"


def _candidate(request: Request, records: Mapping[tuple[str, int], Mapping[str, Any]]) -> int | Unresolved:
    if request.ref == "subject":
        user_id = request.subject_user_id
    else:
        row = request.record if request.record is not None else records.get((request.model, request.res_id), {})
        user_id = m2o_id(row.get(request.ref[6:]))
    if user_id is None:
        return Unresolved(m.ASSIGNEE_NOBODY.format(model=request.model, id=request.res_id, where=_where(request)))
    return user_id


def _records(gateway: OdooGateway, requests: Sequence[Request]) -> dict[tuple[str, int], Mapping[str, Any]]:
    """`field:` references whose record the scan did not read: one read per model."""
    wanted: dict[str, tuple[set[int], set[str]]] = {}
    for request in requests:
        if request.ref.startswith("field:") and request.record is None:
            ids, fields = wanted.setdefault(request.model, (set(), set()))
            ids.add(request.res_id)
            fields.add(request.ref[6:])
    return {(model, row["id"]): row for model, (ids, fields) in wanted.items()
            for row in gateway.read(model, sorted(ids), sorted(fields))}


def _active_ids(gateway: OdooGateway, user_ids: set[int]) -> set[int]:
    if not user_ids:
        return set()
    rows = gateway.search_read(USERS, [("id", "in", sorted(user_ids))], ["id"])  # Odoo leaves archived users out
    return {int(row["id"]) for row in rows}


def _by_login(gateway: OdooGateway, logins: set[str]) -> dict[str, int]:
    if not logins:
        return {}
    rows = gateway.search_read(USERS, [("login", "in", sorted(logins))], ["id", "login"])
    return {row["login"]: int(row["id"]) for row in rows}


def _members(gateway: OdooGateway, xmlids: list[str]) -> dict[str, list[int] | None]:
    """Group XML id -> its active internal users by id, or None when the server has no such group.

    XML ids resolve with check_object_reference, which any user may call (reading ir.model.data needs Access
    Rights): one call per group the policy names, however many records ask for it."""
    if not xmlids:
        return {}
    group_ids = {xmlid: gateway.xmlid(xmlid) for xmlid in xmlids}
    known = {gid for gid in group_ids.values() if gid is not None}
    if not known:
        return {xmlid: None for xmlid in xmlids}
    field = _groups_field(gateway)
    rows = gateway.search_read(USERS, [(field, "in", sorted(known)), ("share", "=", False)], ["id", field], order="id")
    return {xmlid: None if gid is None else [int(row["id"]) for row in rows if gid in (row.get(field) or [])]
            for xmlid, gid in group_ids.items()}


def _groups_field(gateway: OdooGateway) -> str:
    """Implied groups included: `all_group_ids` on 19, `groups_id` up to 18 (the version profile knows)."""
    return gateway.profile.user_groups_field


def _pick(members: list[int] | None, xmlid: str, request: Request) -> list[int] | Unresolved:
    if members is None:
        return Unresolved(m.ASSIGNEE_NO_GROUP.format(group=xmlid))
    if not members:
        return Unresolved(m.ASSIGNEE_EMPTY_GROUP.format(group=xmlid))
    if request.everyone:
        return members
    return [next((uid for uid in members if uid != request.subject_user_id), members[0])]
