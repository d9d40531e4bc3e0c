"""Building the day's digests and queueing them for delivery: one per Slack channel, the chart with it."""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping
from datetime import date, datetime

from agents._core.digest.compute import ChannelDigest, channels, compute, latest_day, window
from agents._core.digest.render import as_blocks, as_text, title
from agents._core.policy import AgentPolicy
from agents._core.settings import Settings
from state import OutboxMessage, Store

KIND = "digest"


def odoo_urls(settings: Settings) -> dict[str, str | None]:
    """Connection name -> its Odoo URL: the digest's links to records."""
    return {name: connection.url for name, connection in settings.connections().items()}


def build(store: Store, policies: Mapping[str, AgentPolicy], *, now: datetime, day: date | None = None,
          channel: str | None = None, odoo_urls: Mapping[str, str | None] | None = None) -> list[ChannelDigest]:
    """The digests of `day` (default: the last one due at `now`), per channel, or of one channel."""
    result = []
    for name, agents in channels(policies).items():
        if channel is not None and name != channel:
            continue
        mine = [policies[a] for a in agents]
        when = day or latest_day(mine, now)
        result.append(compute(store, window(name, mine, when), {a: policies[a] for a in agents}, odoo_urls=odoo_urls))
    return result


def chart_name(digest: ChannelDigest) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", digest.window.channel.lower()).strip("-")
    return f"sentinel-digest-{slug}-{digest.window.day.isoformat()}.png"


def chart_png(digest: ChannelDigest) -> bytes:
    from agents._core.digest.chart import render_png  # matplotlib is loaded only when a chart is drawn

    return render_png(digest)


def enqueue(store: Store, digest: ChannelDigest, *, explain: bool = False) -> OutboxMessage | None:
    """An outbox row of kind `digest`: the channel adapter posts the text (Block Kit in Slack) and uploads the chart.

    Once per channel and day (dedup): two replicas, or a rerun, do not post it twice. None when already queued.
    """
    png = chart_png(digest)
    name = chart_name(digest)
    payload = {
        "channel": digest.window.channel,
        "day": digest.window.day.isoformat(),
        "text": as_text(digest, explain=explain),
        "title": title(digest),
        "blocks": as_blocks(digest, explain=explain, chart=name),
        "chart": {"filename": name, "title": title(digest), "png_base64": base64.b64encode(png).decode()},
    }
    return store.enqueue(KIND, None, payload, dedup=f"{KIND}:{digest.window.channel}:{digest.window.day.isoformat()}")
