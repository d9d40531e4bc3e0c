"""Block Kit: the one module that builds what Slack shows (proposal messages, their outcome, the two modals)."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

from agents._core import messages as m
from agents._core.drafting import describe_action
from agents._core.mrkdwn import cut as _cut, escape
from agents._core.odoo.values import display
from agents._core.privacy import MASK
from agents._core.render import odoo_link
from state import Proposal

Block = dict[str, Any]

APPROVE = "sentinel.approve"
REJECT = "sentinel.reject"
SNOOZE = "sentinel.snooze"
OPEN = "sentinel.open"  # a link button: Slack still sends the click, which is acknowledged and ignored
DECIDE_BLOCK = "sentinel.decide"
REASON = "reason"  # block_id and action_id of the reason input in both modals
DURATION = "duration"  # block_id and action_id of the snooze length
SNOOZE_DAYS = {"1d": 1, "3d": 3, "1w": 7}

# Block Kit limits (characters) that the data could exceed; longer text is cut with an ellipsis.
_HEADER_MAX = 150
_TEXT_MAX = 3000
_FIELD_MAX = 2000
_FIELDS_PER_SECTION = 10
_MAX_FIELDS = 20


def proposal_message(proposal: Proposal, *, odoo_url: str | None, paused: bool = False,
                     working: tuple[str, str] | None = None) -> dict[str, Any]:
    """chat.postMessage / chat.update arguments: the buttons while pending, the outcome once decided.

    `working`: (decision, Slack user id) of a click being carried out: "Approving… (by @x)" in place of the buttons,
    so nobody clicks again while the decision is made."""
    blocks: list[Block] = [
        {"type": "header", "text": _plain(escape(f"{proposal.record_name}: {_headline(proposal)}"), _HEADER_MAX)},
        _section(escape(proposal.summary or "")),
        *_facts(proposal),
        _section(_evidence(proposal, odoo_url)),
        _section(f"{m.SLACK_WHY}\n{escape(proposal.rationale or '')}"),
        _section(m.SLACK_PROPOSED.format(action=escape(_action_words(proposal)))),
    ]
    link = odoo_link(odoo_url, proposal.model, proposal.res_id) if odoo_url else None
    if proposal.status == "pending" and working is None:
        blocks.append({"type": "actions", "block_id": DECIDE_BLOCK, "elements": buttons(proposal, link)})
    else:
        shown = outcome(proposal, paused=paused) if working is None else m.SLACK_WORKING[working[0]].format(
            who=who(f"slack:{working[1]}"))
        blocks.append(_section(shown))
        if link:
            blocks.append({"type": "actions", "block_id": DECIDE_BLOCK, "elements": [_link_button(link)]})
    expires = slack_date(proposal.expires_at) if proposal.expires_at else "never"
    context = m.SLACK_CONTEXT.format(id=proposal.id, agent=proposal.agent, expires=expires,
                                     source=proposal.draft_source or "template")
    blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": context}]})
    return {"text": fallback(proposal), 
            "blocks": blocks}


def fallback(proposal: Proposal) -> str:
    """The notification text (also what screen readers read): escaped like the blocks, or it would ping and link."""
    return _cut(m.SLACK_FALLBACK.format(summary=escape(proposal.summary or proposal.record_name)), _TEXT_MAX)


def notice_message(text: str) -> dict[str, Any]:
    """A notice from Sentinel itself (a refused policy edit, …): its text may quote files, so it is escaped."""
    return {"text": _cut(escape(text), _TEXT_MAX), "blocks": [_section(escape(text))]}


def outcome(proposal: Proposal, *, paused: bool = False) -> str:
    """Who decided, when, why, and the result in Odoo (or the error), as one mrkdwn text."""
    result = proposal.result or {}
    until = result.get("snoozed_until")
    line = m.SLACK_OUTCOME.get(proposal.status, proposal.status).format(
        who=who(proposal.decided_by), when=slack_date(proposal.decided_at) if proposal.decided_at else "",
        result=escape(str(result.get("summary", ""))), error=escape(proposal.error or ""),
        until=slack_date(datetime.fromisoformat(str(until))) if until else "",
    )
    lines = [line]
    if proposal.decision_reason:
        lines.append(m.SLACK_OUTCOME_REASON.format(reason=escape(proposal.decision_reason)))
    if proposal.status == "snoozed" and result.get("summary"):
        lines.append(m.SLACK_OUTCOME_ODOO.format(result=escape(str(result["summary"]))))
    if proposal.status in ("approved", "executing") and proposal.next_attempt_at is not None:
        lines.append(m.SLACK_WAITING_FOR_ODOO.format(error=escape(proposal.error or ""), attempt=proposal.attempts,
                                                     when=slack_date(proposal.next_attempt_at)))
    elif proposal.error and proposal.status not in ("failed", "superseded"):
        lines.append(m.SLACK_OUTCOME_ERROR.format(error=escape(proposal.error)))
    if paused and proposal.status == "approved":
        lines.append(m.SLACK_PAUSED)
    return _cut("\n".join(lines), _TEXT_MAX)


def reject_modal(proposal: Proposal, origin: dict[str, str]) -> Block:
    """The reason is required: Slack's client refuses an empty input, and the submission is checked again."""
    return _modal(REJECT, m.SLACK_REJECT_TITLE, m.SLACK_SUBMIT_REJECT, proposal, origin, [
        _reason_input(m.SLACK_REJECT_LABEL, m.SLACK_REASON_HINT),
    ])


def snooze_modal(proposal: Proposal, origin: dict[str, str]) -> Block:
    options = [{"text": _plain(label), "value": key} for key, label in m.SLACK_SNOOZE_CHOICES.items()]
    duration = {
        "type": "input", "block_id": DURATION, "label": _plain(m.SLACK_SNOOZE_FOR),
        "element": {"type": "static_select", "action_id": DURATION, "options": options, "initial_option": options[0]},
    }
    return _modal(SNOOZE, m.SLACK_SNOOZE_TITLE, m.SLACK_SUBMIT_SNOOZE, proposal, origin, [
        duration, _reason_input(m.SLACK_SNOOZE_LABEL, m.SLACK_SNOOZE_HINT),
    ])


def who(decided_by: str | None) -> str:
    """'slack:U123' -> a mention; 'odoo:grace' -> 'grace (Odoo)'; 'system:expiry' -> 'expiry (Sentinel)'."""
    if not decided_by:
        return "Sentinel"
    kind, _, ident = decided_by.partition(":")
    if kind == "slack":
        return f"<@{ident}>"
    return escape(f"{ident} ({'Odoo' if kind == 'odoo' else 'Sentinel'})")


def slack_date(when: datetime) -> str:
    """Shown in each reader's own time zone by Slack; the UTC text is the fallback."""
    aware = when if when.tzinfo else when.replace(tzinfo=timezone.utc)
    fallback = aware.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return f"<!date^{int(aware.timestamp())}^{{date_short_pretty}} at {{time}}|{fallback}>"


# -- parts ---------------------------------------------------------------------------------------------------

def _facts(proposal: Proposal) -> list[Block]:
    """Only privacy.share fields: masked ones are left out and counted, never shown."""
    shown = [(name, value) for name, value in proposal.facts.items() if value != MASK]
    masked = len(proposal.facts) - len(shown)
    fields = [_mrkdwn(_cut(f"*{escape(_label(name))}*\n{escape(display(value))}", _FIELD_MAX)) for name, value in shown]
    blocks: list[Block] = [{"type": "section", "fields": fields[i:i + _FIELDS_PER_SECTION]}
                           for i in range(0, min(len(fields), _MAX_FIELDS), _FIELDS_PER_SECTION)]
    if masked:
        blocks.append({"type": "context", "elements": [_mrkdwn(m.SLACK_MASKED_NOTE.format(count=masked))]})
    return blocks


def _evidence(proposal: Proposal, odoo_url: str | None) -> str:
    evidence = proposal.evidence
    lines = [m.SLACK_EVIDENCE.format(rule=escape(proposal.rule_id), rule_type=escape(proposal.rule_type),
                                     step=proposal.step + 1)]
    for label, value in evidence.get("measured", {}).items():
        lines.append(f"• {escape(label)}: *{escape(str(value))}*")
    for label, value in evidence.get("thresholds", {}).items():
        lines.append(f"• {escape(label)}: {escape(str(value))}")
    for label, ref in evidence.get("related", {}).items():
        model, res_id = ref
        target = f"<{odoo_link(odoo_url, model, res_id)}|{escape(f'{model} #{res_id}')}>" if odoo_url else escape(f"{model} #{res_id}")
        lines.append(f"• {escape(label)}: {target}")
    return "\n".join(lines)


def _headline(proposal: Proposal) -> str:
    return str(proposal.evidence.get("headline", proposal.rule_id))


def _action_words(proposal: Proposal) -> str:
    args = ", ".join(f"{k} {v}" for k, v in (proposal.action_args or {}).items())
    return describe_action(proposal.action) + (f" ({args})" if args else "")


def buttons(proposal: Proposal, link: str | None) -> list[Block]:
    confirm = {
        "title": _plain(m.SLACK_CONFIRM_TITLE, 100),
        "text": _plain(m.SLACK_CONFIRM_TEXT.format(action=describe_action(proposal.action)), 300),
        "confirm": _plain(m.SLACK_CONFIRM_YES, 30), "deny": _plain(m.SLACK_CONFIRM_NO, 30), "style": "primary",
    }
    buttons: list[Block] = [
        {"type": "button", "action_id": APPROVE, "text": _plain(m.SLACK_APPROVE), "style": "primary",
         "value": proposal.id, "confirm": confirm},
        {"type": "button", "action_id": REJECT, "text": _plain(m.SLACK_REJECT), "style": "danger", "value": proposal.id},
        {"type": "button", "action_id": SNOOZE, "text": _plain(m.SLACK_SNOOZE), "value": proposal.id},
    ]
    if link:
        buttons.append(_link_button(link))
    return buttons


def _link_button(link: str) -> Block:
    return {"type": "button", "action_id": OPEN, "text": _plain(m.SLACK_OPEN_IN_ODOO), "url": link}


def _modal(callback_id: str, title: str, submit: str, proposal: Proposal, origin: dict[str, str],
           inputs: list[Block]) -> Block:
    return {
        "type": "modal", "callback_id": callback_id,
        "private_metadata": json.dumps({"proposal_id": proposal.id, **origin}),
        "title": _plain(title, 24), "submit": _plain(submit, 24), "close": _plain(m.SLACK_CANCEL, 24),
        "blocks": [_section(escape(proposal.summary or proposal.record_name)), *inputs],
    }


def _reason_input(label: str, hint: str) -> Block:
    return {
        "type": "input", "block_id": REASON, "label": _plain(label), "hint": _plain(hint),
        "element": {"type": "plain_text_input", "action_id": REASON, "multiline": True, "min_length": 1,
                    "max_length": 500},
    }


def _label(field: str) -> str:
    """partner_id -> Partner, amount_total -> Amount total."""
    words = field.removesuffix("_ids").removesuffix("_id").replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def section(text: str) -> Block:
    """A mrkdwn section; `text` must be escaped already (it may hold our own mentions, dates and links)."""
    return _section(text)


def plain(text: str, limit: int = 75) -> Block:
    return _plain(text, limit)


def _section(text: str) -> Block:
    return {"type": "section", "text": _mrkdwn(_cut(text or " ", _TEXT_MAX))}


def _mrkdwn(text: str) -> Block:
    return {"type": "mrkdwn", "text": text}


def _plain(text: str, limit: int = 75) -> Block:
    return {"type": "plain_text", "text": _cut(text, limit), "emoji": True}

