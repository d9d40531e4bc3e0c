"""The people the shipped policies name resolve on every target: each `group:` to an active internal user, with one
read per kind; a name the server lacks is a reason, not an error. Runs on the sandbox, and on a real Odoo when set."""

from __future__ import annotations

import re
from pathlib import Path

from agents._core.assignees import Request, Unresolved, resolve
from agents._core.odoo import OdooGateway
from tests.contract.conftest import Target

SHIPPED_REFS = sorted({ref for path in Path("policies").glob("*.yaml")
                       for ref in re.findall(r"(?:group|login):[\w.]+", path.read_text())})


def test_the_shipped_policies_name_only_groups(target: Target) -> None:
    assert SHIPPED_REFS and all(ref.startswith("group:") for ref in SHIPPED_REFS), SHIPPED_REFS


def test_every_group_the_shipped_policies_name_has_an_active_internal_user(target: Target, gateway: OdooGateway) -> None:
    requests = [Request(ref, "res.partner", 1) for ref in SHIPPED_REFS]
    found = resolve(gateway, requests)
    assert all(isinstance(users, list) and len(users) == 1 for users in found), dict(zip(SHIPPED_REFS, found))
    users = gateway.read("res.users", sorted({users[0] for users in found if isinstance(users, list)}), ["active", "share"])
    assert users and all(user["active"] and not user["share"] for user in users)


def test_one_read_per_kind_however_many_references(target: Target, gateway: OdooGateway) -> None:
    requests = [Request(ref, "res.partner", 1, everyone=True) for ref in SHIPPED_REFS * 5]
    requests += [Request(f"login:{target.user}", "res.partner", 1)] * 5
    found = resolve(gateway, requests)
    assert not [f for f in found if isinstance(f, Unresolved)]
    calls = gateway.stats.calls
    assert calls.count(("res.users", "search_read")) == 2  # by login, and the members of every group together
    assert calls.count(("ir.model.data", "check_object_reference")) == len(SHIPPED_REFS)  # once per group named


def test_names_the_server_lacks_are_reasons(target: Target, gateway: OdooGateway) -> None:
    found = resolve(gateway, [Request("group:base.group_no_such_group", "res.partner", 1),
                              Request("login:no.such.login", "res.partner", 1)])
    assert found == [Unresolved("no Odoo group with XML id 'base.group_no_such_group' on this server"),
                     Unresolved("no active Odoo user with login 'no.such.login'")]
