"""The daily digest: per Slack channel, what the agents did, what people decided, where work piles up, what comes next.

compute.py reads the figures from state, forecast.py and tuning.py interpret them, render.py writes them for people
(text and Block Kit), chart.py draws them, daily.py builds the day's digests and queues them for delivery.
"""

from agents._core.digest.compute import ChannelDigest, channels, compute, latest_day, window
from agents._core.digest.daily import KIND, build, chart_name, chart_png, enqueue, odoo_urls
from agents._core.digest.render import as_blocks, as_text

__all__ = ["KIND", "ChannelDigest", "as_blocks", "as_text", "build", "channels", "chart_name", "chart_png", "compute",
           "enqueue", "latest_day", "odoo_urls", "window"]
