"""The Bolt app: verifies each request, acks at once, and decides off the request path through decisions.decide()."""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from slack_bolt import Ack, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.signature import Clock, SignatureVerifier

from agents._core import messages as m
from agents._core.decisions import Actor, Outcome, authorize, decide
from agents._core.engine import Engine
from agents._core.mrkdwn import visible
from agents._core.nodes.proposal_state import Decision
from agents._core.slack import blocks
from agents._core.slack.admins import Admins
from agents._core.slack.bolt import AckFirst, Verifier, bolt_app, web_client  # noqa: F401 - web_client re-exported
from agents._core.slack.command import SentinelCommand
from agents._core.slack.connection import SlackConnection
from agents._core.slack.home import HomeTab
from agents._core.slack.identity import Directory
from agents._core.slack.outbox import OutboxWorker
from state import Proposal

log = logging.getLogger(__name__)

COMMAND = "/sentinel"

_APPROVED_STATUSES = ("approved", "executing", "executed", "failed", "superseded")
_USER_ID = re.compile(r"\b([UW][A-Z0-9]{6,})\b")
_GROUP_ID = re.compile(r"\b(S[A-Z0-9]{6,})\b")


class SlackEdge:
    """Inbound Slack: buttons and modals become decide() calls. Bolt acks within milliseconds (process_before_response,
    and every listener only acks and hands over); a small thread pool resolves the clicker and decides."""

    def __init__(self, engine: Engine, client: WebClient, *, signing_secret: str | None, outbox: OutboxWorker,
                 directory: Directory | None = None, workers: int = 8, clock: Clock | None = None,
                 connection: SlackConnection | None = None,
                 odoo_url: Callable[[Proposal], str | None] = lambda proposal: None) -> None:
        self.engine = engine
        self.client = client
        self.outbox = outbox
        self.directory = directory or Directory(client)
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="slack-click")  # checks, feedback
        self._deciders = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="slack-decide")  # decide()
        self._working: set[str] = set()  # proposals whose "…ing" this process has shown and is deciding
        self._pending: set[Future[None]] = set()
        self._pending_lock = threading.Lock()
        self.gate = AckFirst()
        # Decisions wait while clicks are being checked and shown: feedback first, Odoo's re-check and write after.
        self.feedback_first = AckFirst(quiet=0.02, patience=1.0)
        self._turns: dict[str, tuple[threading.Lock, int]] = {}  # proposal id -> (its lock, clicks holding or waiting)
        self.verifier: SignatureVerifier = Verifier(signing_secret or "socket-mode-only", clock=clock or Clock())
        self.app = bolt_app(client, signing_secret or "socket-mode-only", clock or Clock(),
                             lambda: connection.identity if connection else {})
        self.app.action(blocks.APPROVE)(self._on_approve)
        self.app.action(blocks.REJECT)(self._on_open_modal)
        self.app.action(blocks.SNOOZE)(self._on_open_modal)
        self.app.action(blocks.OPEN)(lambda ack: ack())
        self.app.view(blocks.REJECT)(self._on_reject_submitted)
        self.app.view(blocks.SNOOZE)(self._on_snooze_submitted)
        admins = Admins(engine, self.directory, engine.services.settings.sentinel_admins)
        self.command = SentinelCommand(engine, self.directory, admins)
        self.home = HomeTab(engine, client, self.directory, self.command, odoo_url=odoo_url)
        self.app.command(COMMAND)(self._on_command)
        self.app.event("app_home_opened")(self._on_home_opened)

    # -- listeners: ack, then hand over ------------------------------------------------------------------------

    def _on_approve(self, ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        if action.get("value"):  # a button without its proposal (not one Sentinel made) decides nothing
            self._submit(self._decide, action["value"], "approve", _origin(body))

    def _on_open_modal(self, ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        decision: Decision = "reject" if action["action_id"] == blocks.REJECT else "snooze"
        if action.get("value"):
            self._submit(self._open_modal, action["value"], decision, _origin(body), str(body.get("trigger_id") or ""))

    def _on_reject_submitted(self, ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        meta = _meta(view)
        if meta is None:
            ack()  # not a modal Sentinel opened: closed, nothing decided
            return
        reason = _reason_or_error(ack, view)
        if reason is None:
            return
        self._submit(self._decide, meta["proposal_id"], "reject", _modal_origin(body, meta), reason)

    def _on_snooze_submitted(self, ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        meta = _meta(view)
        if meta is None:
            ack()
            return
        if _selected(view, blocks.DURATION) not in blocks.SNOOZE_DAYS:  # only the modal's choices, never a default
            ack(response_action="errors", errors={blocks.DURATION: m.SLACK_SNOOZE_UNKNOWN})
            return
        reason = _reason_or_error(ack, view)
        if reason is None:
            return
        days = blocks.SNOOZE_DAYS[_selected(view, blocks.DURATION) or ""]
        self._submit(self._decide, meta["proposal_id"], "snooze", _modal_origin(body, meta), reason, days)

    def _on_command(self, ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()  # the answer follows through the response_url: checking an admin may ask Slack and Odoo
        origin = {"user": body["user_id"], "channel": body.get("channel_id") or "", "ts": "", "surface": "command"}
        self._submit(self._command, origin, str(body.get("text") or ""), respond)

    def _on_home_opened(self, ack: Ack, event: dict[str, Any]) -> None:
        ack()
        if event.get("tab", "home") == "home" and event.get("user"):
            self._submit(self.home.publish, event["user"])

    # -- the work, off the request path ------------------------------------------------------------------------

    def _decide(self, proposal_id: str, decision: Decision, origin: dict[str, str], reason: str | None = None,
                snooze_days: int | None = None) -> None:
        """Stage one, for every click at once: may this person decide, then "Approving… (by @x)" on the message. The
        decision itself (Odoo's re-check and the write) takes its turn on the second pool: a burst of clicks is shown
        within a second even while earlier decisions are still writing to Odoo."""
        self.feedback_first.request_started()
        try:
            proposal = self.engine.services.store.get(proposal_id)
            actor: Actor | None = None
            if proposal is not None and proposal.status == "pending" and _from_its_message(proposal, origin) \
                    and self._claim_working(proposal_id):  # later clicks on it go straight to their turn
                actor = self._actor(origin["user"], proposal)
                if self._refused(proposal, actor, decision, origin, stage="click"):
                    self._release_working(proposal_id)
                    return
                self._show(proposal, working=(decision, origin["user"]))
        finally:
            self.feedback_first.request_finished()
        self._submit(self._decide_in_turn, proposal_id, decision, origin, reason, snooze_days, actor, pool=self._deciders)

    def _decide_in_turn(self, proposal_id: str, decision: Decision, origin: dict[str, str], reason: str | None,
                        snooze_days: int | None, actor: Actor | None) -> None:
        self.feedback_first.wait()
        try:
            with self._turn(proposal_id):
                self._decide_now(proposal_id, decision, origin, reason, snooze_days, actor)
        finally:
            if actor is not None:
                self._release_working(proposal_id)
            if origin.get("surface") == "home":
                self.home.publish(origin["user"])  # the tab shows what is left to decide

    def _decide_now(self, proposal_id: str, decision: Decision, origin: dict[str, str], reason: str | None,
                    snooze_days: int | None, actor: Actor | None) -> None:
        """`actor`: resolved and authorized in stage one, with the progress shown; None: not yet."""
        proposal = self.engine.services.store.get(proposal_id)
        if proposal is None:
            self._ephemeral(origin, m.SLACK_NO_SUCH_PROPOSAL)
            return
        if proposal.status != "pending":  # decided while this click waited its turn: nothing to look up in Odoo
            if actor is not None:
                self._show(proposal)  # our "Approving…" must not outlive a decision made elsewhere
            self._ephemeral(origin, _already(proposal))
            return
        if not _from_its_message(proposal, origin):
            self._ephemeral(origin, m.SLACK_WRONG_MESSAGE)
            return
        if actor is None:
            actor = self._actor(origin["user"], proposal)
            if self._refused(proposal, actor, decision, origin, stage="click"):
                return
            self._show(proposal, working=(decision, origin["user"]))
        until = self.engine.services.clock() + timedelta(days=snooze_days) if snooze_days else None
        outcome = decide(self.engine, proposal_id, decision, actor, reason=reason, until=until)
        if outcome.ok:
            if outcome.status in ("approved", "executing"):  # paused, or stopped: the message says it waits meanwhile
                self._show(proposal, dedup=f"{proposal_id}:approved")
            if outcome.problem:  # it was recorded: never let the person believe that nothing changed
                self._ephemeral(origin, m.SLACK_RECORDED_BUT.format(error=outcome.problem))
            self.outbox.kick()  # the message shows the outcome now, not at the next housekeeping tick
        else:
            self._show(proposal)  # the "…ing" goes: the buttons are back, or whoever won shows
            self._ephemeral(origin, self._refusal(proposal_id, outcome))

    def _command(self, origin: dict[str, str], text: str, respond: Respond) -> None:
        answer = self.command.answer(origin["user"], text)
        self.outbox.kick()  # a snooze or a resume changed messages
        if respond.response_url:
            respond(text=answer, response_type="ephemeral", replace_original=False)
        else:
            self._ephemeral(origin, answer)

    def _claim_working(self, proposal_id: str) -> bool:
        with self._pending_lock:
            if proposal_id in self._working:
                return False
            self._working.add(proposal_id)
            return True

    def _release_working(self, proposal_id: str) -> None:
        with self._pending_lock:
            self._working.discard(proposal_id)

    def _refused(self, proposal: Proposal, actor: Actor, decision: Decision, origin: dict[str, str], *,
                 stage: str) -> bool:
        """Checked before anything shows in the channel; decide() checks again (and audits) when it decides."""
        refusal = authorize(self.engine, proposal, actor)
        if refusal:
            self.engine.services.audit.append("decision.refused", actor=str(actor), proposal_id=proposal.id,
                                              data={"decision": decision, "why": refusal, "stage": stage})
            self._ephemeral(origin, _mentions(refusal))
        return refusal is not None

    def _show(self, proposal: Proposal, *, working: tuple[Decision, str] | None = None, dedup: str | None = None) -> None:
        """An update of the proposal's message through the outbox's update lane, which never waits behind posts."""
        if not proposal.slack_ts:
            return  # not in Slack yet: its post will show it as it stands
        channel = self.engine.services.policy(proposal.agent).slack.channel
        payload: dict[str, Any] = {"channel": channel}
        if working is not None:
            payload["working"] = {"decision": working[0], "by": working[1]}
        once = dedup or f"{proposal.id}:shown:{time.time_ns()}:{threading.get_ident()}"
        self.engine.services.store.enqueue("proposal.updated", proposal.id, payload, dedup=once)
        self.outbox.kick()

    def _open_modal(self, proposal_id: str, decision: Decision, origin: dict[str, str], trigger_id: str) -> None:
        """Refuse before the modal when the clicker may not decide or it is decided; decide() checks again on submit."""
        services = self.engine.services
        proposal = services.store.get(proposal_id)
        if proposal is None:
            self._ephemeral(origin, m.SLACK_NO_SUCH_PROPOSAL)
            return
        if proposal.status != "pending":
            self._ephemeral(origin, _already(proposal))
            return
        if not _from_its_message(proposal, origin):
            self._ephemeral(origin, m.SLACK_WRONG_MESSAGE)
            return
        actor = self._actor(origin["user"], proposal)
        if self._refused(proposal, actor, decision, origin, stage="modal"):
            return
        view = (blocks.reject_modal if decision == "reject" else blocks.snooze_modal)(proposal, _channel_ts(origin))
        self.client.views_open(trigger_id=trigger_id, view=view)

    @contextmanager
    def _turn(self, proposal_id: str) -> Iterator[None]:
        """Clicks on one proposal take turns in this process, so a burst of them costs one decision and quick
        "already decided" answers, not one Odoo authorization each. Between processes the compare-and-set decides."""
        with self._pending_lock:
            lock, users = self._turns.get(proposal_id, (threading.Lock(), 0))
            self._turns[proposal_id] = (lock, users + 1)
        try:
            with lock:
                yield
        finally:
            with self._pending_lock:
                lock, users = self._turns[proposal_id]
                if users == 1:
                    del self._turns[proposal_id]
                else:
                    self._turns[proposal_id] = (lock, users - 1)

    def _actor(self, user_id: str, proposal: Proposal) -> Actor:
        services = self.engine.services
        return self.directory.actor(user_id, slack_groups=(proposal.approvers or {}).get("slack_groups", []),
                                    gateway=lambda: services.gateway(proposal.connection),
                                    connection=proposal.connection)

    def _refusal(self, proposal_id: str, outcome: Outcome) -> str:
        current = self.engine.services.store.get(proposal_id)
        if outcome.already and current is not None:
            return _already(current)
        return _mentions(outcome.message)

    def _ephemeral(self, origin: dict[str, str], text: str) -> None:
        """Only the clicker sees it; from the Home tab (no channel) it comes in the app's messages tab instead."""
        try:
            if not origin.get("channel"):
                self.client.chat_postMessage(channel=origin["user"], text=text)
                return
            self.client.chat_postEphemeral(channel=origin["channel"], user=origin["user"], text=text)
        except SlackApiError as exc:
            log.warning("could not tell %s: %s (%s)", origin.get("user"), text, exc.response.get("error"))

    def _submit(self, work: Any, *args: Any, pool: ThreadPoolExecutor | None = None) -> None:
        def run() -> None:
            self.gate.wait()
            try:
                work(*args)
            except Exception as exc:  # noqa: BLE001 - the clicker is told; nothing was decided unless decide() said so
                log.exception("Slack %s failed", getattr(work, "__name__", "work"))
                origin = next((a for a in args if isinstance(a, dict)), None)
                if origin:
                    self._ephemeral(origin, m.SLACK_DECISION_FAILED.format(error=type(exc).__name__))

        future = (pool or self._pool).submit(run)
        with self._pending_lock:
            self._pending.add(future)
        future.add_done_callback(self._done)

    def _done(self, future: Future[None]) -> None:
        with self._pending_lock:
            self._pending.discard(future)

    def drain(self, timeout: float = 30.0) -> None:
        """Wait for the work already handed over, and for what it hands over in turn (tests, shutdown)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._pending_lock:
                pending = set(self._pending)
            if not pending:
                return
            wait(pending, timeout=max(0.0, deadline - time.monotonic()))

    def close(self) -> None:
        self._pool.shutdown(wait=True)
        self._deciders.shutdown(wait=True)


def _origin(body: dict[str, Any]) -> dict[str, str]:
    container = body.get("container") or {}
    message = body.get("message") or {}
    return {"user": body["user"]["id"], "channel": (body.get("channel") or {}).get("id") or container.get("channel_id", ""),
            "ts": message.get("ts") or container.get("message_ts", ""),
            "surface": "home" if container.get("type") == "view" else "message"}


def _meta(view: dict[str, Any]) -> dict[str, str] | None:
    """The modal's private_metadata (checked to be a JSON object of strings at the door), if it names a proposal."""
    meta = json.loads(view.get("private_metadata") or "{}")
    return meta if meta.get("proposal_id") else None


def _modal_origin(body: dict[str, Any], meta: dict[str, str]) -> dict[str, str]:
    return {"user": body["user"]["id"], "channel": meta.get("channel", ""), "ts": meta.get("ts", ""),
            "surface": meta.get("surface", "message")}


def _channel_ts(origin: dict[str, str]) -> dict[str, str]:
    """Where the modal was opened from, carried through its private_metadata."""
    return {"channel": origin["channel"], "ts": origin["ts"], "surface": origin.get("surface", "message")}


def _from_its_message(proposal: Proposal, origin: dict[str, str]) -> bool:
    """A click on a message must come from the message posted for this proposal (the button's value names it): a
    value that does not belong to the message decides nothing. Clicks from the App Home tab carry no message."""
    if not origin.get("ts"):
        return True
    return (origin.get("channel"), origin["ts"]) == (proposal.slack_channel, proposal.slack_ts)


def _input(view: dict[str, Any], block: str) -> str:
    value = _element(view, block).get("value")
    return value.strip() if isinstance(value, str) else ""


def _selected(view: dict[str, Any], block: str) -> str | None:
    option = _element(view, block).get("selected_option")
    value = option.get("value") if isinstance(option, dict) else None
    return value if isinstance(value, str) else None


def _element(view: dict[str, Any], block: str) -> dict[str, Any]:
    """One input's state, {} when absent or of another shape (a signed payload can still be odd)."""
    element = ((view.get("state") or {}).get("values") or {}).get(block, {}).get(block)
    return element if isinstance(element, dict) else {}


def _already(proposal: Proposal) -> str:
    verb = "approved" if proposal.status in _APPROVED_STATUSES else proposal.status
    when = blocks.slack_date(proposal.decided_at) if proposal.decided_at else ""
    return m.SLACK_ALREADY_DECIDED.format(verb=verb, who=blocks.who(proposal.decided_by), when=when)


def _mentions(text: str) -> str:
    """Slack ids in a refusal become mentions, so the clicker sees who may decide by name."""
    text = _USER_ID.sub(r"<@\1>", blocks.escape(text))
    return _GROUP_ID.sub(r"<!subteam^\1>", text)


def _reason_or_error(ack: Ack, view: dict[str, Any]) -> str | None:
    """A modal's required reason; without one, the modal stays open with the error under the field."""
    reason = _input(view, blocks.REASON)
    if not visible(reason):
        ack(response_action="errors", errors={blocks.REASON: m.SLACK_REASON_REQUIRED})
        return None
    ack()
    return reason

