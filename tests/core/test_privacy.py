"""privacy: shared fields leave Odoo, others are masked; people named in a pseudonymized field leave under a pseudonym."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pydantic import ValidationError

from agents._core.odoo import open_gateway
from agents._core.odoo.gateway import OdooGateway
from agents._core.odoo.sandbox import Sandbox
from agents._core.policy_sections import Privacy
from agents._core.privacy import MASK, pseudonymize, shared_view
from agents._core.watcher import Evidence, Finding

PATIENTS = {"share": ["partner_id", "invoice_user_id"],
            "pseudonymize": [{"field": "partner_id", "when_partner_tags": ["Patient"], "show_as": "patient #{id}"}]}


@pytest.fixture(scope="module")
def people() -> Iterator[tuple[Sandbox, dict[str, int]]]:
    with Sandbox(seed=False) as sb:
        tags, partners = sb.env("res.partner.category"), sb.env("res.partner")
        patient = tags.create({"name": "Patient"})
        pediatric = tags.create({"name": "Pediatric", "parent_id": patient})
        payer = tags.create({"name": "Payer"})
        ids = {
            "patient": partners.create({"name": "Avery Thompson", "category_id": [patient]}),
            "child": partners.create({"name": "Mia Lopez", "category_id": [pediatric]}),
            "family": partners.create({"name": "Lopez family", "is_company": True, "category_id": [patient]}),
            "payer": partners.create({"name": "BlueCross Harbor", "is_company": True, "category_id": [payer]}),
            "untagged": partners.create({"name": "Walk-in"}),
            "archived": partners.create({"name": "Lena Fischer", "category_id": [patient], "active": False}),
        }
        ids["guardian"] = partners.create({"name": "Ana Lopez", "parent_id": ids["family"]})
        yield sb, ids


def gateway(sb: Sandbox) -> OdooGateway:
    return open_gateway("default", sb.url or "", "sandbox", "admin", "admin", timeout=10)


def finding(res_id: int, **record: object) -> Finding:
    return Finding("r", "overdue", "account.move", res_id, f"INV/{res_id}", 0, Evidence("late", {}, {}), dict(record))


def test_patients_get_a_pseudonym_and_everyone_else_keeps_their_name(people: tuple[Sandbox, dict[str, int]]) -> None:
    sb, ids = people
    names = {key: sb.env("res.partner").read([pid], ["display_name"])[0]["display_name"] for key, pid in ids.items()}
    findings = [finding(i, partner_id=[pid, names[key]], amount_total=10.0) for i, (key, pid) in enumerate(ids.items(), 1)]
    out = pseudonymize(gateway(sb), Privacy.model_validate(PATIENTS), findings)
    shown = {key: f.record["partner_id"][1] for key, f in zip(ids, out)}
    assert shown == {
        "patient": f"patient #{ids['patient']}",
        "child": f"patient #{ids['child']}",          # a sub-tag of Patient
        "family": f"patient #{ids['family']}",
        "payer": "BlueCross Harbor",
        "untagged": "Walk-in",
        "archived": f"patient #{ids['archived']}",    # archived people are people too
        "guardian": f"patient #{ids['guardian']}",    # a contact of a company tagged Patient
    }
    assert all(f.record["amount_total"] == 10.0 for f in out)
    assert shared_view(out[0].record, {"partner_id"}) == {"partner_id": [ids["patient"], f"patient #{ids['patient']}"],
                                                           "amount_total": MASK}


def test_it_is_idempotent_batched_and_free_when_nothing_is_pseudonymized(people: tuple[Sandbox, dict[str, int]]) -> None:
    sb, ids = people
    gw = gateway(sb)
    privacy = Privacy.model_validate(PATIENTS)
    many = [finding(i, partner_id=[ids["patient"], "Avery Thompson"]) for i in range(1, 300)]
    once = pseudonymize(gw, privacy, many)
    trips = gw.stats.round_trips
    assert trips <= 5, "partners, their companies, tags and fields: a few calls for all findings"
    assert pseudonymize(gw, privacy, once) == once
    without = [finding(1, invoice_user_id=[2, "Mitchell Admin"])]
    before = gw.stats.round_trips
    assert pseudonymize(gw, Privacy.model_validate({"share": ["invoice_user_id"]}), without) == without
    assert gw.stats.round_trips == before


def test_what_cannot_be_checked_is_masked(people: tuple[Sandbox, dict[str, int]]) -> None:
    sb, ids = people
    privacy = Privacy.model_validate({"share": ["invoice_user_id", "partner_id"], "pseudonymize": [
        {"field": "invoice_user_id", "when_partner_tags": ["Patient"], "show_as": "patient #{id}"},
        {"field": "partner_id", "when_partner_tags": ["Patient"], "show_as": "patient #{id}"}]})
    out = pseudonymize(gateway(sb), privacy, [
        finding(1, invoice_user_id=[2, "Mitchell Admin"], partner_id=[999_999, "Deleted Person"]),
        finding(2, partner_id=False),
    ])
    assert out[0].record == {"invoice_user_id": MASK, "partner_id": MASK}  # not a partner field; an unreadable partner
    assert out[1].record == {"partner_id": False}


def test_the_policy_shape_is_checked() -> None:
    with pytest.raises(ValidationError, match="is not listed under privacy.share"):
        Privacy.model_validate({"share": [], "pseudonymize": PATIENTS["pseudonymize"]})
    with pytest.raises(ValidationError, match=r"must contain \{id\} and no other"):
        Privacy.model_validate({**PATIENTS, "pseudonymize": [{**PATIENTS["pseudonymize"][0], "show_as": "{name}"}]})
    with pytest.raises(ValidationError, match="is listed twice"):
        Privacy.model_validate({**PATIENTS, "pseudonymize": PATIENTS["pseudonymize"] * 2})
    with pytest.raises(ValidationError):
        Privacy.model_validate({**PATIENTS, "pseudonymize": [{**PATIENTS["pseudonymize"][0], "when_partner_tags": []}]})
