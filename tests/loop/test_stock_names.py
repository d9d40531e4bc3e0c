"""The shipped policies run on a stock Odoo: they name no sandbox-only user, and the tags and categories a clinic
creates itself (partner tag Patient, product category Critical, product tag Crash cart) only match when they exist."""

from __future__ import annotations

import re
from pathlib import Path

from agents._core.engine import Engine
from agents._core.odoo.sandbox import Sandbox

POLICIES = sorted(Path("policies").glob("*.yaml"))
STOCK_LOGINS = {"admin"}  # the one login every Odoo has


def test_the_shipped_policies_name_no_sandbox_user(sandbox: Sandbox) -> None:
    sandbox_only = {u["login"] for u in sandbox.env("res.users").search_read([], ["login"])} - STOCK_LOGINS
    text = "\n".join(path.read_text() for path in POLICIES)
    assert sandbox_only >= {"grace.finance", "pat.procurement"}
    assert not [login for login in sandbox_only if re.search(rf"(?<![\w.]){re.escape(login)}(?![\w.])", text)]


def test_tags_and_categories_a_clinic_has_not_created_match_nothing(sandbox: Sandbox, engine: Engine) -> None:
    for model, name in (("res.partner.category", "Patient"), ("product.category", "Critical"), ("product.tag", "Crash cart")):
        ids = [row["id"] for row in sandbox.env(model).search_read([("name", "=", name)], ["id"])]
        assert ids, (model, name)
        sandbox.env(model).write(ids, {"name": f"{name} (renamed)"})  # as if this Odoo never had it
    for agent in ("billing_exceptions", "supply_watcher"):
        report = engine.run_once(agent)
        assert report.ok and not report.disabled, (agent, report.error, report.disabled)
        assert report.proposal_ids
