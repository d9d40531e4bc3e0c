"""Preflight: a loaded policy resolved against the Odoo it runs on, before anyone is asked to approve anything.

Problems are PolicyProblems (`file:line: key: problem (fix)`), so a policy that fails here is refused exactly like a
malformed one. A rule whose model's module is not installed, or whose odoo_version excludes the server, is not a problem:
it is reported as a warning line and skipped by the scans. Round trips are bounded by the models and the kinds of
reference, never by the number of references: one fields_get per model, one search for all logins, one for all groups,
one access question per model and operation.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from agents._core import messages as m
from agents._core.odoo.gateway import OdooGateway
from agents._core.odoo_versions import format_version, parse_server_version, version_matches
from agents._core.policy_errors import PolicyError, PolicyProblem, quote
from agents._core.policy_loader import LoadedPolicy, parse_tree
from agents._core.policy_locate import key_path, line_of
from agents._core.preflight.needs import RuleNeeds, policy_refs, rule_needs
from agents._core.preflight.refs import check_access, check_groups, check_logins
from agents._core.preflight.schema import Found, Schema, check_action, check_code_field, check_field
from agents._core.watcher import Watcher

__all__ = ["Verdict", "preflight", "skipped_rules"]


@dataclass
class Verdict:
    errors: list[PolicyProblem] = field(default_factory=list)
    warnings: list[PolicyProblem] = field(default_factory=list)  # rules disabled or skipped on this server
    round_trips: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors

    def error(self) -> PolicyError:
        return PolicyError(self.errors)


def skipped_rules(policy_rules: list, server_version: str | None) -> dict[str, str]:  # noqa: ANN001 - RuleBase list
    """Rule id -> why it does not apply to this server (its odoo_version), for the scan's run log."""
    version = parse_server_version(server_version)
    if version is None:
        return {}
    return {rule.id: f"applies to Odoo {rule.odoo_version} only; this server runs {format_version(version)}"
            for rule in policy_rules if rule.odoo_version and not version_matches(rule.odoo_version, version)}


def preflight(loaded: LoadedPolicy, watcher: Watcher, gateway: OdooGateway, *, user: str) -> Verdict:
    """Raises the gateway's OdooError when the server cannot be asked (unreachable, login refused)."""
    started = gateway.stats.round_trips
    file, tree = str(loaded.path), parse_tree(loaded.text, str(loaded.path))
    verdict = Verdict()

    def place(found: list[Found], into: list[PolicyProblem]) -> None:
        for at, message, values in found:
            into.append(PolicyProblem(file, line_of(tree, at), key_path(at), *message.format(**values)))

    server = gateway.server_version()  # logs in: the version decides which rules apply and how access is asked
    version = parse_server_version(server)
    skipped = skipped_rules(loaded.policy.rules, server)
    schema = Schema(gateway)
    rules: list[RuleNeeds] = []
    for index, rule in enumerate(loaded.policy.rules):
        if rule.id in skipped:
            place([(["rules", index, "odoo_version"], m.PREFLIGHT_VERSION_SKIP,
                    {"rule": rule.id, "spec": rule.odoo_version, "version": format_version(version or (0, 0))})],
                  verdict.warnings)
            continue
        needs = rule_needs(index, rule, watcher)
        schema.load(needs.models)
        missing = sorted(model for model in needs.models if schema.models[model] is None)
        if missing:
            typos = [(needs.at, m.PREFLIGHT_NO_MODEL, {"value": quote(model), "guess": quote(guess)})
                     for model in missing if (guess := schema.close_model(model))]
            # No close name: the module is not installed, and the scans run without this rule (not a refusal).
            disabled = [(needs.at, m.PREFLIGHT_MODEL_MISSING, {"rule": rule.id, "value": quote(missing[0])})]
            place(typos or disabled, verdict.errors if typos else verdict.warnings)
            continue
        rules.append(needs)
    everyone = [policy_refs(loaded.policy), *rules]
    found: list[Found] = []
    for needs in rules:
        found += [problem for need in needs.fields for problem in check_field(schema, need)]
        found += [problem for need in needs.code_fields for problem in check_code_field(schema, need, user=user)]
        found += [problem for need in needs.actions for problem in check_action(schema, need)]
    found += check_logins(gateway, [ref for needs in everyone for ref in needs.logins])
    found += check_groups(gateway, [ref for needs in everyone for ref in needs.groups])
    found += check_access(gateway, [need for needs in rules for need in needs.access], user=user,
                          tracking=[needs.tracking_at for needs in rules if needs.tracking_at])
    place(found, verdict.errors)
    verdict.errors = PolicyError(verdict.errors).errors  # one line per mistake, by line
    verdict.round_trips = gateway.stats.round_trips - started
    return verdict

