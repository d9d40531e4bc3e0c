"""Invariant 6 end to end: with stricter `share` lists, no value of an unshared field read for a record reaches any
outbound payload — the proposal as stored, the Slack message, the console text, the drafter's prompt, the audit trail."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from pydantic_ai.messages import ModelMessage, ModelResponse, ToolCallPart
from pydantic_ai.models.function import AgentInfo, FunctionModel

from agents._core.console import deliver_outbox
from agents._core.odoo.sandbox import Sandbox
from agents._core.slack.blocks import proposal_message
from runner import build_engine
from tests.loop.conftest import settings_for

SHARE = re.compile(r"share: \[[^\]]*\]", re.DOTALL)
PSEUDONYMS = re.compile(r"  pseudonymize:\n(    .*\n)+")
STRICTER = {  # agent -> share lists stricter than the shipped one
    "approval_watcher": ["[name, amount_total, user_id, state]", "[name, state]", "[state]"],
    "billing_exceptions": ["[name, state]", "[move_type]"],
    "supply_watcher": ["[name]", "[warehouse_id]"],
}


def renderings(value: object) -> set[str]:
    """How a value would show in text: strings and many2one names as written, amounts as code formats them."""
    if isinstance(value, (list, tuple)) and len(value) == 2 and isinstance(value[1], str):
        value = value[1]
    if isinstance(value, str) and len(value.strip()) >= 4:
        return {value.strip()}
    if isinstance(value, (int, float)) and not isinstance(value, bool) and abs(value) >= 100:
        return {f"{value:,.2f}", f"{value:g}"}
    return set()


@pytest.mark.parametrize(("agent", "share"), [(a, s) for a, shares in STRICTER.items() for s in shares])
def test_no_unshared_value_leaves_in_any_payload(sandbox: Sandbox, tmp_path: Path, agent: str, share: str) -> None:
    policy_dir = tmp_path / "policies"
    shutil.copytree("policies", policy_dir)
    path = policy_dir / f"{agent}.yaml"
    path.write_text(PSEUDONYMS.sub("", SHARE.sub(f"share: {share}", path.read_text(), count=1)))
    prompts: list[str] = []

    def model_reply(messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
        prompts.extend(part.content for message in messages for part in message.parts
                       if isinstance(getattr(part, "content", None), str))  # system and user prompts: what the model reads
        return ModelResponse(parts=[ToolCallPart(info.output_tools[0].name, {
            "summary": "This item needs attention.", "rationale": "It is past the policy's threshold.",
            "action": None, "deadline_days": None})])

    engine = build_engine(settings_for(sandbox, tmp_path / "s.db", SENTINEL_POLICY_DIR=str(policy_dir)),
                          clock=sandbox.clock.now, model=FunctionModel(model_reply))
    shared = set(engine.services.policy(agent).privacy.share)
    report = engine.run_once(agent)
    assert report.ok and report.proposal_ids, report.error
    secrets: set[str] = set()
    visible: set[str] = set()  # a value a shared field shows anyway (the same person in two fields) is not a leak
    for finding in report.kept:
        for field, value in finding.record.items():
            (visible if field in shared else secrets).update(renderings(value))
    secrets -= visible
    secrets -= {s for s in secrets if s in path.read_text()}  # words the policy itself spells (rule ids: "..._in_draft")
    assert secrets, "the stricter share list must hide something that the records hold"

    store = engine.services.store
    proposals = [store.get(pid) for pid in report.proposal_ids]
    payloads = {
        "stored proposal": [json.dumps([p.record_name, p.summary, p.rationale, p.facts, p.evidence]) for p in proposals],
        "slack message": [json.dumps(proposal_message(p, odoo_url="http://odoo.example")) for p in proposals],
        "outbox rows": [json.dumps(m.payload) for m in store.pending_outbox(limit=10_000)],
        "drafter prompt": prompts,
        "audit trail": [json.dumps(e.data) for p in proposals for e in engine.services.audit.events(p.id)],
    }
    printed: list[str] = []
    deliver_outbox(store, printed.append, odoo_url="http://odoo.example")
    payloads["console"] = printed
    assert prompts and printed
    leaks = {(where, secret) for where, texts in payloads.items() for text in texts for secret in secrets if secret in text}
    if leaks:
        where, secret = sorted(leaks)[0]
        text = next(x for x in payloads[where] if secret in x)
        i = text.index(secret)
        raise AssertionError(f"{len(leaks)} leaks, e.g. {secret!r} in the {where}: …{text[max(0, i - 300):i + 100]}…")
