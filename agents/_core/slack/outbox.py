"""The Slack channel adapter: delivers outbox rows in order, once, paced per channel; Slack down loses nothing."""

from __future__ import annotations

import base64
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from collections.abc import Callable
from typing import Any, get_args
from urllib.error import URLError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from tenacity import Retrying, retry_if_exception, stop_after_attempt, wait_exponential

from agents._core.mrkdwn import cut, escape
from agents._core.services import REPLICA, utc_now
from agents._core.slack.connection import UNREACHABLE
from agents._core.slack.blocks import notice_message, proposal_message
from state import OutboxMessage, Proposal, ProposalStatus, Store

log = logging.getLogger(__name__)

UPDATES = ("proposal.updated",)
UPDATE_WORKERS = 4  # messages updated side by side; Retry-After still paces them if Slack says so
MAX_BLOCKS = 50  # per message (Block Kit)
DIGEST = "digest"  # agents._core.digest.KIND: the adapter knows the kind, not the digest package

ANY_STATUS: tuple[ProposalStatus, ...] = get_args(ProposalStatus)  # channel+ts are stored whatever happened meanwhile
# Errors about one message only: retrying cannot help, so the row is closed with the error (and audited) instead of
# holding up every later message. Anything else (auth, channel, unknown) keeps the row and stops the pass.
_GIVE_UP = frozenset({"message_not_found", "cant_update_message", "edit_window_closed", "msg_too_long",
                      "invalid_blocks", "invalid_blocks_format", "no_text"})
_TRANSIENT = frozenset({"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"})


def transient(exc: BaseException) -> bool:
    """Worth retrying now: the network or Slack's side, not our request."""
    if isinstance(exc, SlackApiError):
        status = getattr(exc.response, "status_code", 200)
        return status >= 500 or status == 429 or exc.response.get("error") in _TRANSIENT
    return isinstance(exc, (URLError, OSError, TimeoutError))


class OutboxWorker:
    """Posts `proposal.posted` rows (then stores channel+ts on the proposal) and `proposal.updated` rows (chat.update).

    Two lanes, each one pass at a time: updates of messages already in Slack (someone just clicked: it must show at
    once), and everything else (new posts, notices, digests, updates of messages not posted yet), paced per channel.
    The update lane never waits behind posts: its own thread, its own lock, no per-channel pacing (chat.update is not
    under the one-post-per-second guidance; a 429 is honoured through Retry-After). In a lane: oldest row first, stop at
    the first failure so order is kept, count the attempt and try again at the next pass; tenacity retries transient
    failures a few times.
    """

    def __init__(self, store: Store, client: WebClient, *, odoo_url: Callable[[Proposal], str | None],
                 paused: Callable[[], bool] = lambda: False, audit: Callable[..., Any] | None = None,
                 per_channel: float = 1.0, attempts: int = 3, retry_wait: float = 0.5,
                 report: Callable[..., None] | None = None) -> None:
        self.store = store
        self.client = client
        self.odoo_url = odoo_url
        self.paused = paused
        self.audit = audit
        self.per_channel = per_channel
        self.attempts = attempts
        self.retry_wait = retry_wait
        self.report = report  # SlackConnection.report: what each delivery met (answered, an error code, unreachable)
        self._lock = threading.Lock()  # the post lane
        self._updates_lock = threading.Lock()
        self._update_pool = ThreadPoolExecutor(max_workers=UPDATE_WORKERS, thread_name_prefix="slack-update")
        self._last_sent: dict[str, float] = {}
        self._channel_ids: dict[str, str] = {}  # "#name" -> "C…", learnt from chat.postMessage answers
        self._digests_posted: dict[int, list[tuple[str, str]]] = {}  # outbox row -> its posts so far (channel, ts)
        self._wake = threading.Event()
        self._wake_updates = threading.Event()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    # -- running ---------------------------------------------------------------------------------------------

    def deliver(self) -> int:
        """One pass over the undelivered rows, updates first; returns how many were delivered."""
        return self.deliver_updates() + self.deliver_posts()

    def deliver_updates(self) -> int:
        """The update lane: chat.update of messages already posted. Each message's updates in order; different
        messages side by side (a burst of clicks on fifty proposals is fifty independent updates)."""
        with self._updates_lock:
            by_message: dict[str, list[OutboxMessage]] = {}
            for row in self.store.pending_outbox(kinds=UPDATES):
                if self._is_update(row):
                    by_message.setdefault(str(row.proposal_id), []).append(row)
            if len(by_message) <= 1:
                return sum(self._pass(rows) for rows in by_message.values())
            return sum(self._update_pool.map(self._pass, by_message.values()))

    def deliver_posts(self) -> int:
        """The post lane: everything the update lane does not take, paced per channel."""
        with self._lock:
            return self._pass([m for m in self.store.pending_outbox() if not self._is_update(m)])

    def _pass(self, rows: list[OutboxMessage]) -> int:
        delivered = 0
        for message in rows:
            if self._stop.is_set():
                break  # stopping: the rest waits for the next start, in order
            if not self.store.claim_outbox(message.id, REPLICA, now=utc_now()):
                break  # another replica is delivering it: stop here, so messages keep their order
            try:
                result = self._retrying(lambda: self._deliver(message))  # noqa: B023 - called at once
            except SlackApiError as exc:
                error = str(exc.response.get("error") or exc)
                self._report(error)
                if error in _GIVE_UP:
                    self._give_up(message, error)
                    continue
                self._failed(message, error)
                break
            except Exception as exc:  # noqa: BLE001 - Slack unreachable: keep the row, keep the order
                self._report(UNREACHABLE, detail=f"{type(exc).__name__}: {exc}")
                self._failed(message, f"{type(exc).__name__}: {exc}")
                break
            self._report(None)
            self.store.mark_delivered(message.id, **result)
            delivered += 1
        return delivered

    def _report(self, error: str | None, *, detail: str | None = None) -> None:
        if self.report is not None:
            self.report(error, detail=detail)

    def _is_update(self, message: OutboxMessage) -> bool:
        if message.kind not in UPDATES or not message.proposal_id:
            return False
        proposal = self.store.get(message.proposal_id)
        return proposal is not None and bool(proposal.slack_ts and proposal.slack_channel)

    def start(self, every: float = 30.0) -> None:
        """Both lanes in the background: a pass now and then, and at once when kick() is called (after a click)."""
        for name, wake, work in (("slack-outbox", self._wake, self.deliver_posts),
                                 ("slack-updates", self._wake_updates, self.deliver_updates)):
            thread = threading.Thread(target=self._loop, args=(wake, work, every), name=name, daemon=True)
            thread.start()
            self._threads.append(thread)

    def _loop(self, wake: threading.Event, work: Callable[[], int], every: float) -> None:
        while not self._stop.is_set():
            wake.wait(every)
            wake.clear()
            if self._stop.is_set():
                break
            try:
                work()
            except Exception:  # noqa: BLE001 - the next pass tries again
                log.exception("outbox pass failed")

    def kick(self) -> None:
        self._wake_updates.set()
        self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self.kick()
        for thread in self._threads:
            thread.join(timeout=30)
        self._update_pool.shutdown(wait=True)

    # -- one row ---------------------------------------------------------------------------------------------

    def _deliver(self, message: OutboxMessage) -> dict[str, Any]:
        if message.kind == DIGEST:
            return self._digest(message)
        proposal = self.store.get(message.proposal_id) if message.proposal_id else None
        if proposal is None or message.kind not in ("proposal.posted", "proposal.updated"):
            if message.payload.get("text"):
                return self._notice(message)
            log.warning("outbox row %s (%s) has nothing to show in Slack; skipped", message.id, message.kind)
            return {"channel": "slack", "skipped": message.kind}
        if message.kind == "proposal.posted" and proposal.slack_ts:
            return {"channel": proposal.slack_channel, "ts": proposal.slack_ts, "already": True}
        working = message.payload.get("working")
        content = proposal_message(proposal, odoo_url=self.odoo_url(proposal), paused=self.paused(),
                                   working=(str(working["decision"]), str(working["by"]))
                                   if isinstance(working, dict) and proposal.status == "pending" else None)
        if proposal.slack_ts and proposal.slack_channel:
            self.client.chat_update(channel=proposal.slack_channel, ts=proposal.slack_ts, **content)
            return {"channel": proposal.slack_channel, "ts": proposal.slack_ts, "updated": True}
        # Never posted (Slack was down, or it was decided before its turn): post it as it stands now.
        channel = str(message.payload.get("channel") or "")
        self._pace(self._channel_ids.get(channel, channel))
        response = self.client.chat_postMessage(channel=channel, unfurl_links=False, unfurl_media=False, **content)
        channel_id, ts = str(response["channel"]), str(response["ts"])
        self._channel_ids[channel] = channel_id
        self._last_sent[channel_id] = time.monotonic()
        self.store.update_fields(proposal.id, ANY_STATUS, slack_channel=channel_id, slack_ts=ts)
        return {"channel": channel_id, "ts": ts}

    def _notice(self, message: OutboxMessage) -> dict[str, Any]:
        """A row with a text and no proposal (a refused policy edit, …) is posted as it is to its channel."""
        channel = str(message.payload.get("channel") or "")
        if not channel:
            log.warning("notice without a channel, not posted: %s", message.payload.get("text"))
            return {"channel": "slack", "skipped": "no channel"}
        self._pace(self._channel_ids.get(channel, channel))
        response = self.client.chat_postMessage(channel=channel, unfurl_links=False, unfurl_media=False,
                                                **notice_message(str(message.payload.get("text") or "")))
        return {"channel": str(response["channel"]), "ts": str(response["ts"])}

    def _digest(self, message: OutboxMessage) -> dict[str, Any]:
        """The daily digest (Block Kit, in as many messages as its blocks need), then its chart (files_upload_v2).

        A retry after some posts succeeded goes on from the first one missing: the posts are remembered per row in this
        process (a crash in between would post the text again on restart, which is the lesser loss).
        """
        payload = message.payload
        channel = str(payload.get("channel") or "")
        parts = _blocks_in_messages(list(payload.get("blocks") or []))
        posted = self._digests_posted.setdefault(message.id or 0, [])
        for number, part in enumerate(parts[len(posted):], start=len(posted) + 1):
            title = escape(str(payload.get("title") or ""))
            text = title if len(parts) == 1 else f"{title} ({number}/{len(parts)})"
            self._pace(self._channel_ids.get(channel, channel))
            response = self.client.chat_postMessage(channel=channel, text=cut(text, 3000), blocks=part,
                                                    unfurl_links=False, unfurl_media=False)
            posted.append((str(response["channel"]), str(response["ts"])))
            self._channel_ids[channel] = posted[-1][0]
        result: dict[str, Any] = {"channel": posted[0][0], "ts": posted[0][1], "messages": len(posted)}
        chart = payload.get("chart")
        if isinstance(chart, dict) and chart.get("png_base64"):
            upload = self.client.files_upload_v2(channel=posted[0][0], file=base64.b64decode(str(chart["png_base64"])),
                                                 filename=str(chart.get("filename") or "digest.png"),
                                                 title=str(chart.get("title") or "Sentinel digest"))
            result["file"] = str((upload.get("files") or [{}])[0].get("id") or upload.get("file", {}).get("id") or "")
        self._digests_posted.pop(message.id or 0, None)
        return result

    def _retrying(self, call: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        retrying = Retrying(stop=stop_after_attempt(self.attempts),
                            wait=wait_exponential(multiplier=self.retry_wait, max=10 * self.retry_wait),
                            retry=retry_if_exception(transient), reraise=True)
        return retrying(call)

    def _pace(self, channel: str) -> None:
        """About one message per second per channel (Slack's guidance for chat.postMessage)."""
        wait = self._last_sent.get(channel, float("-inf")) + self.per_channel - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        self._last_sent[channel] = time.monotonic()

    def _failed(self, message: OutboxMessage, error: str) -> None:
        self.store.mark_failed_attempt(message.id, error)
        log.warning("Slack delivery of outbox row %s (%s, proposal %s) failed, attempt %d: %s; retried at the next pass",
                    message.id, message.kind, message.proposal_id, message.attempts + 1, error)

    def _give_up(self, message: OutboxMessage, error: str) -> None:
        self.store.mark_delivered(message.id, channel="slack", error=error)
        log.error("Slack refused outbox row %s (%s, proposal %s) for good: %s", message.id, message.kind,
                  message.proposal_id, error)
        if self.audit is not None:
            self.audit("slack.delivery_failed", actor="system:slack", proposal_id=message.proposal_id,
                       data={"kind": message.kind, "error": error})


def _blocks_in_messages(blocks: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Slack takes 50 blocks per message: a longer digest goes on in further messages, none lost. A message never
    starts with a divider, and the header stays with the first."""
    parts: list[list[dict[str, Any]]] = [[]]
    for block in blocks:
        if len(parts[-1]) == MAX_BLOCKS:
            parts.append([])
        if block.get("type") == "divider" and not parts[-1]:
            continue
        parts[-1].append(block)
    return parts
