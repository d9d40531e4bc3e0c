"""The drafter inside the loop: only shared fields reach the model, its use is audited, facts stay code-rendered."""

from __future__ import annotations

import shutil
from pathlib import Path

from pydantic_ai.messages import ModelMessage, ModelResponse, ToolCallPart
from pydantic_ai.models.function import AgentInfo, FunctionModel

from agents._core.odoo.sandbox import Sandbox
from runner import build_engine
from tests.loop.conftest import settings_for

SHIPPED = Path("policies/approval_watcher.yaml")


def test_llm_drafts_are_bounded_audited_and_see_only_shared_fields(sandbox: Sandbox, tmp_path: Path) -> None:
    policy_dir = tmp_path / "policies"
    shutil.copytree("policies", policy_dir)  # every agent needs its policy
    # amount_total is no longer shared: it must not reach the model (nor the message)
    text = SHIPPED.read_text().replace("share: [name, partner_id, amount_total, user_id,", "share: [name, partner_id, user_id,")
    (policy_dir / "approval_watcher.yaml").write_text(text)
    prompts: list[str] = []

    def model_reply(messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
        prompts.append(str(messages))
        return ModelResponse(parts=[ToolCallPart(info.output_tools[0].name, {
            "summary": "This order waits for a manager.", "rationale": "It is past the policy's threshold.",
            "action": "post_note", "deadline_days": None})])

    engine = build_engine(settings_for(sandbox, tmp_path / "s.db", SENTINEL_POLICY_DIR=str(policy_dir)),
                          clock=sandbox.clock.now, model=FunctionModel(model_reply))
    report = engine.run_once("approval_watcher")
    assert report.ok and prompts
    amounts = {f"{r['amount_total']}" for r in sandbox.env("purchase.order").search_read([], ["amount_total"])}
    assert not any(amount in prompt for prompt in prompts for amount in amounts if len(amount) > 4)
    stalled = [engine.services.store.get(pid) for pid in report.proposal_ids]
    drafted = [p for p in stalled if p.rule_id == "po_waiting_approval"]
    assert drafted and all(p.draft_source == "llm" and p.summary == "This order waits for a manager." for p in drafted)
    assert all(p.facts["amount_total"] == "[masked]" for p in drafted)
    step2 = [p for p in drafted if p.step == 1]
    assert step2 and all(p.action == "post_note" for p in step2)  # an allowed alternative at that step
    events = [e for e in engine.services.audit.events(drafted[0].id) if e.kind == "proposal.drafted"]
    assert events[0].data["source"] == "llm"
    assert events[0].data["usage"]["requests"] == 1
    assert "<record_data>" in events[0].data["prompt"]


def test_a_failing_model_is_called_until_the_breaker_opens_then_proposals_use_the_template(
        sandbox: Sandbox, tmp_path: Path) -> None:
    calls: list[int] = []

    def broken(messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
        calls.append(1)
        raise TimeoutError("the model did not answer")

    settings = settings_for(sandbox, tmp_path / "s.db", SENTINEL_LLM_FAILURES=2, SENTINEL_LLM_COOL_OFF=600)
    engine = build_engine(settings, clock=sandbox.clock.now, model=FunctionModel(broken))
    report = engine.run_once("approval_watcher")
    assert report.ok and len(report.proposal_ids) > 2
    assert len(calls) == 2, "after two failures in a row the model is left alone for the cool-off"
    sources = [engine.services.store.get(pid).draft_source for pid in report.proposal_ids]
    assert sources == ["template"] * len(report.proposal_ids)
    reasons = [e.data["fallback_reason"] for pid in report.proposal_ids for e in engine.services.audit.events(pid)
               if e.kind == "proposal.drafted"]
    assert sum(r.startswith("the LLM failed 2 times in a row") for r in reasons) == len(report.proposal_ids) - 2
