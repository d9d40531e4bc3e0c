"""R8: no value of a field the policy does not share appears in anything sent out: Slack messages and updates, and
the model's prompts; with the shipped `share` lists and with stricter ones.

For each proposal, the record's unshared fields are read from Odoo (names of linked records, text, amounts in their
usual spellings) and looked for in every payload about that agent's proposals; a value that is also part of a shared
value of the same record (a vendor inside an order's name) does not count.
"""

from __future__ import annotations

import json
import re
from typing import Any

from proof.model_server import ModelServer
from proof.table import Row, attempt
from proof.world import World

CLAIM = "0 values of unshared fields in any outbound payload (Slack, model prompts)"
STRICT_KEEP = ("name", "state")  # the stricter lists: only these of the shipped ones stay shared


def _strict(agent: str, data: dict[str, Any]) -> None:
    privacy = data["privacy"]
    privacy["share"] = [f for f in privacy["share"] if f in STRICT_KEEP]
    if "pseudonymize" in privacy:  # a pseudonym is for a shared field only
        kept = [p for p in privacy["pseudonymize"] if p.get("field") in privacy["share"]]
        if kept:
            privacy["pseudonymize"] = kept
        else:
            del privacy["pseudonymize"]


def run(ctx) -> list[Row]:  # noqa: ANN001 - proof.__main__.Context
    return [attempt(Row(f"R8 {label.split()[0]}", f"{CLAIM}, {label}", ctx.seed),
                    lambda row, label=label, edit=edit: _one(ctx, label, edit, row))
            for label, edit in (("shipped share lists", None), ("stricter share lists", _strict))]


def _one(ctx, label: str, edit, row: Row) -> None:  # noqa: ANN001
    model = ModelServer(seed=ctx.seed)
    folder = ctx.tmp / f"r8-{label.split()[0]}"
    with World(folder, waiting=ctx.size(6, 20), model=model, policy_edits=edit) as world:
        replica = world.start_replica()
        world.settle(replica, timeout=300)
        policies = _policies(world)
        gateway = world.gateway()
        slack = [json.dumps(c.args, ensure_ascii=False) for c in world.slack.calls
                 if c.method in ("chat.postMessage", "chat.update", "chat.postEphemeral")]
        prompts = model.texts()
        proposals = [p for p in world.store().list_proposals() if p.status != "shadow"]
        ctx.say(f"{label}: {len(proposals)} proposals, {len(slack)} Slack payloads, {len(prompts)} prompts")
        for proposal in proposals:
            policy = policies[proposal.agent]
            secrets = _unshared_values(gateway, proposal, policy)
            mine = [t for t in slack if proposal.id in t]
            theirs = [t for t in prompts if f'\\"rule\\": \\"{proposal.rule_id}\\"' in t or
                      f'"rule": "{proposal.rule_id}"' in t]
            row.tried += len(mine) + len(theirs)
            for where, payloads in (("Slack", mine), ("model prompt", theirs)):
                for field, value in secrets:
                    pattern = _standalone(value)
                    hits = sum(bool(pattern.search(text)) for text in payloads)
                    if hits:
                        row.fail(f"{proposal.agent}: unshared {field} in a {where}", f"{value!r} in {proposal.id}", hits)


def _policies(world: World) -> dict[str, dict[str, Any]]:
    from ruamel.yaml import YAML

    return {p.stem: YAML().load(p.read_text()) for p in world.policy_dir.glob("*.yaml")}


def _unshared_values(gateway: Any, proposal: Any, policy: dict[str, Any]) -> list[tuple[str, str]]:
    shared = set(policy["privacy"]["share"])
    rule = next((r for r in policy["rules"] if r["id"] == proposal.rule_id), None)
    if rule is None:
        return []
    fields = {*rule.get("fields", []), *([rule["subject_field"]] if rule.get("subject_field") else [])}
    group = rule.get("group_by")
    fields |= set(group if isinstance(group, list) else [group] if group else [])
    unshared = sorted(f for f in fields - shared)
    wanted = sorted(fields)
    try:
        rows = gateway.read(proposal.model, [proposal.res_id], wanted)
    except Exception:  # noqa: BLE001 - a field this model lacks: read what there is
        rows = gateway.read(proposal.model, [proposal.res_id], unshared)
    if not rows:
        return []
    record = rows[0]
    shared_text = " ".join(str(_spellings(record.get(f))) for f in shared if f in record)
    found = []
    for field in unshared:
        for spelling in _spellings(record.get(field)):
            if spelling not in shared_text:
                found.append((field, spelling))
    return found


def _standalone(value: str) -> re.Pattern[str]:
    """The value, not as part of a longer number or word ('930' is not found in a timestamp '….000930')."""
    return re.compile(rf"(?<![\w.,]){re.escape(value)}(?![\w]|[.,]\d)")


def _spellings(value: Any) -> list[str]:
    """How a value could appear in a message: a linked record's name, a text, an amount as people write it."""
    if isinstance(value, list) and len(value) == 2 and isinstance(value[1], str):
        value = value[1]
    if isinstance(value, str):
        return [value] if len(value.strip()) >= 4 else []
    if isinstance(value, bool) or value is None:
        return []
    if isinstance(value, int | float) and abs(value) >= 100:
        return sorted({f"{value:,.2f}", f"{value:.2f}", f"{value:,.0f}"})
    return []
