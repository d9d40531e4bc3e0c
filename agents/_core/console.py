"""The console channel adapter: delivers outbox rows by printing them (the demo, and Slack-less installs)."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from agents._core.render import outcome_text, proposal_text
from agents._core.services import REPLICA, utc_now
from state import Store


def deliver_outbox(store: Store, emit: Callable[[str], None] = print, *, odoo_url: str | None = None,
                   odoo_urls: Mapping[str, str] | None = None, owner: str = REPLICA) -> int:
    """Print every undelivered message in order and mark it delivered; returns how many.

    `odoo_urls` (connection name -> URL) links each proposal to its own server; `odoo_url` serves a single one."""
    delivered = 0
    for message in store.pending_outbox():
        if not store.claim_outbox(message.id, owner, now=utc_now()):
            continue  # another replica is delivering it
        proposal = store.get(message.proposal_id) if message.proposal_id else None
        if proposal is None:
            text = f"→ {message.payload.get('channel') or 'log'}\n{message.payload.get('text', message.payload)}"
        elif message.kind == "proposal.posted":
            url = (odoo_urls or {}).get(proposal.connection, odoo_url)
            text = f"→ {message.payload.get('channel', '')}\n" + proposal_text(proposal, odoo_url=url)
        else:
            text = "↻ " + outcome_text(proposal)
        emit(text)
        store.mark_delivered(message.id, channel="console")
        delivered += 1
    return delivered
