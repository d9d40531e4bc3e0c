"""Block Kit: what a proposal looks like in Slack, pending and decided; only shared fields; Odoo text cannot format."""

from __future__ import annotations

import json
from datetime import datetime, timezone

from agents._core.privacy import MASK
from agents._core.slack import blocks
from state import Proposal

AT = datetime(2026, 11, 25, 15, 0, tzinfo=timezone.utc)


def proposal(**changes: object) -> Proposal:
    values: dict[str, object] = dict(
        id="P1X96SRN1", agent="approval_watcher", connection="default", rule_id="po_waiting_approval",
        rule_type="stalled", model="purchase.order", res_id=50, record_name="P00050", dedup_key="k", step=1,
        action="schedule_activity", action_args={"assign_to": "login:grace.finance", "deadline_days": 1},
        status="pending", mode="live", policy_sha256="0" * 64, draft_source="template",
        summary="P00050: waiting 40.0 business hours (rule po_waiting_approval).",
        rationale="It has passed the policy's threshold (stalled after 16 business hours, step 2 after 40 business hours).",
        facts={"name": "P00050", "partner_id": [7, "Henry Schein <!channel> & Co"], "amount_total": 5820.0,
               "notes": MASK, "user_id": [9, "Lucy Chen"]},
        evidence={"headline": "waiting 40.0 business hours",
                  "thresholds": {"stalled after": "16 business hours", "step 2 after": "40 business hours"},
                  "measured": {"waiting": "40.0 business hours", "since": "2026-11-19 15:00 UTC"},
                  "numbers": {"age_business_hours": 40.0}},
        created_at=AT, expires_at=datetime(2026, 11, 25, 23, 0, tzinfo=timezone.utc),
    )
    values.update(changes)
    return Proposal(**values)


def elements(message: dict) -> list[dict]:
    return [e for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]]


def test_a_pending_proposal_has_the_evidence_the_action_and_the_four_buttons() -> None:
    message = blocks.proposal_message(proposal(), odoo_url="https://odoo.example.org")
    assert message["text"].startswith("Sentinel proposes: P00050: waiting 40.0 business hours")
    assert message["blocks"][0] == {"type": "header", "text": {"type": "plain_text", "emoji": True,
                                                               "text": "P00050: waiting 40.0 business hours"}}
    text = json.dumps(message)
    assert "rule `po_waiting_approval` (stalled), step 2" in text and "stalled after: 16 business hours" in text
    assert "*Proposed action*: schedule a to-do activity (assign_to login:grace.finance, deadline_days 1)" in text
    approve, reject, snooze, link = elements(message)
    assert (approve["action_id"], approve["style"], approve["value"]) == ("sentinel.approve", "primary", "P1X96SRN1")
    assert approve["confirm"]["title"]["text"] == "Approve this escalation?"
    assert (reject["action_id"], reject["style"]) == ("sentinel.reject", "danger")
    assert snooze["action_id"] == "sentinel.snooze"
    assert link["url"] == "https://odoo.example.org/web#id=50&model=purchase.order&view_type=form"


def test_only_shared_fields_are_shown_and_odoo_text_cannot_mention_or_format() -> None:
    text = json.dumps(blocks.proposal_message(proposal(), odoo_url=None))
    assert "Notes" not in text and MASK not in text and "1 more field(s) not shared" in text
    assert "Henry Schein &lt;!channel&gt; &amp; Co" in text and "<!channel>" not in text
    assert "sentinel.open" not in text  # no Odoo URL known: no link button


def test_a_decided_proposal_shows_who_when_why_and_the_result_without_buttons() -> None:
    decided = proposal(status="executed", decided_by="slack:U0GRACE01", decided_at=AT, decision_reason="urgent",
                       result={"done": True, "summary": "activity 12 scheduled for user 7, due 2026-11-26"})
    message = blocks.proposal_message(decided, odoo_url="https://odoo.example.org")
    assert [e["action_id"] for e in elements(message)] == ["sentinel.open"]
    text = json.dumps(message)
    assert ("Approved by <@U0GRACE01> <!date^1795618800^{date_short_pretty} at {time}|2026-11-25 15:00 UTC>. "
            "Done in Odoo: activity 12 scheduled for user 7, due 2026-11-26") in text
    assert "Reason: urgent" in text


def test_every_ending_reads_plainly() -> None:
    cases = {
        "rejected": ({"decided_by": "odoo:grace.finance", "decision_reason": "vendor called"},
                     ["Rejected by grace.finance (Odoo)", "Reason: vendor called"]),
        "expired": ({"decided_by": "system:expiry"}, ["Expired unanswered", "nothing was written"]),
        "superseded": ({"decided_by": "slack:U1ABCDEFG", "error": "the record no longer matches the rule"},
                       ["but nothing was written: the record no longer matches the rule"]),
        "failed": ({"decided_by": "slack:U1ABCDEFG", "error": "Odoo connection 'default': no user"},
                   ["the Odoo action failed: Odoo connection 'default': no user"]),
        "snoozed": ({"decided_by": "slack:U1ABCDEFG", "decision_reason": "holiday",
                     "result": {"snoozed_until": "2026-11-28T15:00:00+00:00", "summary": "internal note posted"}},
                    ["Snoozed by <@U1ABCDEFG>", "2026-11-28 15:00 UTC", "Reason: holiday", "Odoo: internal note posted"]),
    }
    for status, (changes, expected) in cases.items():
        text = blocks.outcome(proposal(status=status, decided_at=AT, **changes))
        for part in expected:
            assert part in text, (status, text)


def test_modals_carry_the_proposal_and_where_it_was_clicked() -> None:
    origin = {"channel": "C0APPROVE", "ts": "1764082800.000001"}
    reject = blocks.reject_modal(proposal(), origin)
    assert reject["callback_id"] == "sentinel.reject" and len(reject["title"]["text"]) <= 24
    assert json.loads(reject["private_metadata"]) == {"proposal_id": "P1X96SRN1", **origin}
    assert reject["blocks"][-1]["element"]["min_length"] == 1
    snooze = blocks.snooze_modal(proposal(), origin)
    options = snooze["blocks"][1]["element"]["options"]
    assert [o["value"] for o in options] == ["1d", "3d", "1w"]
    assert [o["text"]["text"] for o in options] == ["1 day", "3 days", "1 week"]
