"""The digest's picture: each queue's size and stalled count over the last 7 and 30 days, and where it is heading.

matplotlib with the Agg backend (no display, no GUI toolkit); the PNG is rendered in memory.
"""

from __future__ import annotations

import io
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import matplotlib

matplotlib.use("Agg")  # before pyplot: a server has no display

import matplotlib.dates as mdates  # noqa: E402 - after the backend is chosen
from matplotlib.figure import Figure  # noqa: E402

from agents._core.digest.compute import ChannelDigest  # noqa: E402

SIZE = (10.0, 7.0)  # inches; at DPI: 1000 x 700 pixels, readable in a Slack preview
DPI = 100
PANELS = (7, 30)  # days shown by each panel


def render_png(digest: ChannelDigest) -> bytes:
    """The chart as PNG bytes; a channel with no snapshot yet gets a chart that says so."""
    window = digest.window
    tz = ZoneInfo(window.timezone)
    figure = Figure(figsize=SIZE, dpi=DPI, layout="constrained")
    figure.suptitle(f"{window.channel}: queue size (solid) and stalled items (dashed), "
                    f"to {window.end.astimezone(tz):%a %Y-%m-%d %H:%M} {window.timezone}", fontsize=11)
    axes = figure.subplots(len(PANELS), 1)
    named = len({t.agent for t in digest.trends}) > 1
    for ax, days in zip(axes, PANELS):
        _panel(ax, digest, days, tz, named)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


def _panel(ax, digest: ChannelDigest, days: int, tz: ZoneInfo, named: bool) -> None:  # noqa: ANN001 - Axes
    end = digest.window.end
    start = end - timedelta(days=days)
    ax.set_title(f"last {days} days" + (" and the forecast to the end of the week" if days == PANELS[0] else ""),
                 fontsize=10, loc="left")
    right = end
    shown = 0
    for index, trend in enumerate(digest.trends):
        points = [p for p in trend.points if p[0] >= start]
        if not points:
            continue
        shown += 1
        color = f"C{index % 10}"
        label = f"{trend.agent}/{trend.rule_id}" if named else trend.rule_id
        when = [p[0] for p in points]
        ax.step(when, [p[1] for p in points], where="post", color=color, linewidth=1.8, label=f"{label}: open")
        ax.step(when, [p[2] for p in points], where="post", color=color, linewidth=1.2, linestyle="--",
                label=f"{label}: stalled")
        forecast = digest.forecasts.get((trend.agent, trend.rule_id))
        if days == PANELS[0] and forecast is not None:
            target = datetime.combine(forecast.target, time(18, 0), tz)
            ax.plot([when[-1], target], [points[-1][1], forecast.value], color=color, linestyle=":", linewidth=1.6)
            ax.annotate(str(forecast.value), (target, forecast.value), textcoords="offset points", xytext=(4, 0),
                        color=color, fontsize=9, va="center")
            right = max(right, target + timedelta(hours=12))
    ax.axvspan(digest.window.start, end, color="0.5", alpha=0.08, linewidth=0)  # the day this digest reports
    if not shown:
        ax.text(0.5, 0.5, "no queue snapshot in this period", transform=ax.transAxes, ha="center", va="center")
    ax.set_xlim(start, right)
    ax.set_ylim(bottom=0)
    ax.set_ylabel("items")
    ax.grid(True, alpha=0.3)
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%a %m-%d" if days <= 7 else "%m-%d", tz=tz))
    ax.xaxis.set_major_locator(mdates.DayLocator(interval=1 if days <= 7 else 3, tz=tz))
    if shown and days == PANELS[0]:
        ax.legend(fontsize=8, loc="best", ncols=2, framealpha=0.85)

