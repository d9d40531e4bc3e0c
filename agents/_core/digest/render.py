"""The digest as people read it: plain text (the console, `runner.py digest`) and Block Kit (Slack), from one outline."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from agents._core.digest.compute import AgentDigest, ChannelDigest, OUTCOMES
from agents._core.digest.forecast import METHOD, Forecast
from agents._core.mrkdwn import cut as _cut, escape as _escape, split

Block = dict[str, Any]
_TEXT_MAX = 3000  # Block Kit's limit for a section's text


@dataclass(frozen=True)
class Line:
    text: str
    link: str | None = None  # shown after the text in plain text, as the text's link in Slack
    indent: int = 1


def title(digest: ChannelDigest) -> str:
    w = digest.window
    return f"Sentinel daily digest for {w.channel}: {w.day:%a %Y-%m-%d}, the 24 hours to {w.at} {w.timezone}"


def as_text(digest: ChannelDigest, *, explain: bool = False) -> str:
    lines = [title(digest)]
    for agent in digest.agents:
        lines.append("")
        for line in outline(agent, digest, explain=explain):
            text = f"{line.text}: {line.link}" if line.link else line.text
            lines.append("  " * line.indent + text)
    return "\n".join(lines)


def as_blocks(digest: ChannelDigest, *, explain: bool = False, chart: str | None = None) -> list[Block]:
    """Each agent after a divider, in as many sections as its lines need (nothing is cut off); `chart`: the uploaded
    chart's file name, mentioned under the header. The outbox splits a digest longer than one message allows."""
    blocks: list[Block] = [{"type": "header", "text": {"type": "plain_text", "text": _cut(_escape(title(digest)), 150)}}]
    if chart:
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": f"Chart: {_escape(chart)} (below)"}]})
    for agent in digest.agents:
        rows = []
        for line in outline(agent, digest, explain=explain):
            text = f"<{line.link}|{_escape(line.text)}>" if line.link else _escape(line.text)
            rows.append(f"*{text}*" if line.indent == 0 else "   " * (line.indent - 1) + text)
        blocks.append({"type": "divider"})
        blocks += [{"type": "section", "text": {"type": "mrkdwn", "text": piece}}
                   for piece in split("\n".join(rows), _TEXT_MAX)]
    return blocks


def outline(agent: AgentDigest, digest: ChannelDigest, *, explain: bool) -> list[Line]:
    lines = [Line(f"{agent.agent} ({agent.mode})", indent=0), _runs(agent), *_queues(agent)]
    if agent.findings:
        lines.append(Line("Findings in the last scan: " + ", ".join(f"{rule} {n}" for rule, n in agent.findings.items())))
    lines += [_proposals(agent), _decision_times(agent)]
    if agent.oldest:
        lines.append(Line("Oldest open items:"))
        lines += [Line(f"{item.label} ({item.rule_id}), {_age(item.age_hours)}", item.link, indent=2) for item in agent.oldest]
    for made in agent.forecasts:
        lines.append(Line(_forecast(made)))
        if explain:
            lines += _explain(made)
    lines += _noise(agent)
    lines.append(_llm(agent))
    return lines


def _runs(agent: AgentDigest) -> Line:
    runs = agent.runs
    text = f"Runs: {runs.ok} ok, {runs.failed} failed"
    if runs.unfinished:
        text += f", {runs.unfinished} unfinished"
    if runs.causes:
        text += "; " + "; ".join(f"{cause} ({_n(n, 'run')})" for cause, n in runs.causes)
    return Line(text)


def _queues(agent: AgentDigest) -> list[Line]:
    if not agent.queues:
        return [Line("Watching: no queue snapshot yet")]
    total = sum(q.open_items for q in agent.queues)
    stalled = sum(q.stalled_items for q in agent.queues)
    lines = [Line(f"Watching {_n(total, 'item')} in {_n(len(agent.queues), 'queue')}, {stalled} stalled:")]
    for q in agent.queues:
        ages = f", median age {_age(q.age_p50)}, p90 {_age(q.age_p90)}" if q.age_p50 is not None else ""
        lines.append(Line(f"{q.rule_id}: {q.open_items} open, {q.stalled_items} stalled{ages}", indent=2))
    return lines


def _proposals(agent: AgentDigest) -> Line:
    counts = ", ".join(f"{agent.outcomes[k]} {k}" for k in OUTCOMES)
    shadow = f" ({agent.shadow} recorded in shadow mode)" if agent.shadow else ""
    return Line(f"Proposals: {counts}{shadow}")


def _decision_times(agent: AgentDigest) -> Line:
    t = agent.decision_times
    if not t.count:
        return Line("Time to decision: no decision by a person")
    return Line(f"Time to decision: median {_hours(t.median_hours)}, p90 {_hours(t.p90_hours)} "
                f"({_n(t.count, 'decision')} by people)")


def _forecast(f: Forecast) -> str:
    if f.value == f.now:
        move = f"stays at about {f.value}"
    else:
        move = f"{'reaches' if f.value > f.now else 'falls to'} about {f.value}"
    if f.inflow_per_day is not None and f.clearance_per_day is not None:
        pace = (f"this week {f.inflow_per_day:.1f} a day came in and {max(f.clearance_per_day, 0):.1f} a day were "
                "cleared")
    else:
        pace = f"this week it changed by {f.net_per_day:+.1f} a day"
    held = f"; {f.at_pace} if that pace held every day" if f.at_pace != f.value else ""
    return (f"Forecast: the {f.rule_id} queue {move} by {_day(f.target)} ({f.now} at the close of {_day(f.as_of)}): "
            f"{pace}{held}")


def _explain(f: Forecast) -> list[Line]:
    lines = [Line(f"method: {METHOD}", indent=2),
             Line(f"this week's net: {f.net_per_day:+.2f} items per business day over {_n(f.days, 'business day')}; "
                  f"{_n(f.ahead, 'business day')} to {_day(f.target)}", indent=2)]
    b = f.backtest
    if b is None:
        lines.append(Line("backtest: not enough history yet (needs a business week and one more day)", indent=2))
    else:
        verdict = "better than" if b.mae < b.naive_mae else "the same as" if b.mae == b.naive_mae else "worse than"
        lines.append(Line(f"backtest on this queue's history: {b.forecasts} forecasts 1-5 business days ahead, mean "
                          f"absolute error {b.mae:.2f} items vs {b.naive_mae:.2f} for the naive last value "
                          f"({verdict} naive, skill {b.skill:+.0%})", indent=2))
    return lines


def _noise(agent: AgentDigest) -> list[Line]:
    if not agent.noise:
        return []
    lines = [Line("Noise, last 30 days (decisions by people):")]
    for rule in agent.noise:
        reasons = ", ".join(f"'{reason}' {n}" for reason, n in rule.reasons[:3])
        text = f"{rule.rule_id}: {rule.rejected} of {rule.decided} rejected ({rule.reject_rate:.0%})"
        lines.append(Line(text + (f": {reasons}" if reasons else ""), indent=2))
        if rule.hint:
            lines.append(Line(f"Hint: {rule.hint}", indent=3))
    return lines


def _llm(agent: AgentDigest) -> Line:
    llm = agent.llm
    if not llm.calls:
        return Line(f"LLM: not used, {_n(llm.drafts, 'draft')} from the template")
    text = (f"LLM: {_n(llm.calls, 'draft')} asked of the model ({_n(llm.requests, 'request')}, "
            f"{llm.input_tokens + llm.output_tokens:,} tokens: {llm.input_tokens:,} in, {llm.output_tokens:,} out), "
            f"{llm.fallbacks} fell back to the template")
    if llm.fallback_reasons:
        text += " (" + ", ".join(f"{reason} {n}" for reason, n in llm.fallback_reasons) + ")"
    return Line(text)


def _age(hours: float | None) -> str:
    if hours is None:
        return "-"
    return f"{hours:.0f} h" if hours < 48 else f"{hours / 24:.1f} days"


def _hours(hours: float | None) -> str:
    return "-" if hours is None else f"{hours:.1f} h"


def _day(day: date) -> str:
    return f"{day:%a %Y-%m-%d}"


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"

