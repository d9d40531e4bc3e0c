"""The policy models and loader outside the goldens: the shipped file, durations, ladders, domains, edge files."""

from __future__ import annotations

import hashlib
from datetime import time, timedelta
from pathlib import Path

import pytest
from pydantic import TypeAdapter, ValidationError

from agents._core.policy import (
    ACTION_TYPES, Duration, Limits, OdooDomain, PolicyError, PolicyProblem, ScheduleActivitySpec, format_duration,
    load_policy, parse_duration,
)  # fmt: skip
from agents.approval_watcher.policy import (
    POLICY_MODEL, RULE_TYPES, AmountOutlierRule, ApprovalWatcherPolicy, SplitPurchaseRule, StalledRule,
)  # fmt: skip

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "policies" / "approval_watcher.yaml"


def _load(path: Path, **kwargs: object):
    options = {"connections": {"default"}, "expected_agent": "approval_watcher", **kwargs}
    return load_policy(path, POLICY_MODEL, **options)  # type: ignore[arg-type]


def test_the_shipped_policy_loads() -> None:
    loaded = _load(SHIPPED)
    policy = loaded.policy
    assert isinstance(policy, ApprovalWatcherPolicy)
    assert policy.mode == "live" and policy.schedule.cron == "*/15 7-18 * * mon-fri"
    assert [rule.id for rule in policy.rules] == ["po_waiting_approval", "expense_waiting_approval",
                                                  "expense_report_waiting_approval", "split_orders", "unusual_amount"]
    po, expense, expense_report, split, outlier = policy.rules
    assert (expense.odoo_version, expense.model) == (">=19", "hr.expense")
    assert (expense_report.odoo_version, expense_report.model) == ("<19", "hr.expense.sheet")
    assert isinstance(split, SplitPurchaseRule) and split.window == timedelta(days=7) and split.approval_amount == 5000
    assert isinstance(outlier, AmountOutlierRule) and outlier.z_threshold == 3.5
    assert po.ladder[1].after == timedelta(hours=40)
    assert po.ladder[1].approvers is not None and po.ladder[1].approvers.odoo_users == ["admin"]
    assert po.ladder[1].actions[0] == ScheduleActivitySpec(
        assign_to="group:purchase.group_purchase_manager", deadline_days=1, max_deadline_days=3)
    assert expense.ladder[1].actions[0].max_deadline_days == 2
    assert policy.limits.proposal_ttl == timedelta(hours=8)
    hours = policy.business_hours
    assert (hours.start, hours.end, hours.tz.key) == (time(8), time(18), "America/New_York")
    assert [str(day) for day in hours.holidays] == ["2026-12-25", "2027-01-01"]


def test_sha256_and_text_are_the_files() -> None:
    loaded = _load(SHIPPED)
    assert loaded.sha256 == hashlib.sha256(SHIPPED.read_bytes()).hexdigest()
    assert loaded.text == SHIPPED.read_text(encoding="utf-8")
    assert loaded.path == SHIPPED


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("90m", timedelta(minutes=90)),
        ("16h", timedelta(hours=16)),
        ("2d", timedelta(days=2)),
        ("1w", timedelta(weeks=1)),
        ("1h30m", timedelta(hours=1, minutes=30)),
        ("1w2d3h4m", timedelta(weeks=1, days=2, hours=3, minutes=4)),
        ("30s", timedelta(seconds=30)),
        ("0m", timedelta(0)),
    ],
)
def test_durations_parse(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected
    assert parse_duration(format_duration(expected)) == expected


@pytest.mark.parametrize("text", ["2 days", "16", "", "1.5h", "30m1h", "16H", "h", " 16h", "1h 30m", "-1h"])
def test_bad_durations_are_refused_with_the_fix(text: str) -> None:
    with pytest.raises(ValueError, match=r"is not a duration \(use 48h, 2d, 90m\)$"):
        parse_duration(text)


def test_a_bare_number_is_not_a_duration() -> None:
    with pytest.raises(ValidationError, match=r"16 is not a duration \(use 48h, 2d, 90m\)"):
        TypeAdapter(Duration).validate_python(16)
    assert str(pytest.raises(ValueError, parse_duration, "2 days").value) == "'2 days' is not a duration (use 48h, 2d, 90m)"


def test_durations_format_in_hours_unless_whole_days() -> None:
    # "1d16h" would read as calendar days next to business hours.
    assert [format_duration(timedelta(hours=h)) for h in (16, 40, 48, 168)] == ["16h", "40h", "2d", "1w"]
    assert format_duration(timedelta(minutes=90)) == "1h30m"


def test_step_for_is_the_highest_step_reached() -> None:
    rule = _load(SHIPPED).policy.rules[0]  # steps after 16h and 40h
    ages = [0, 15.9, 16, 39, 40, 400]
    assert [rule.step_for(timedelta(hours=h)) for h in ages] == [None, None, 0, 0, 1, 1]


def test_fields_read_cover_fields_subject_and_age() -> None:
    po, expense, _, split, outlier = _load(SHIPPED).policy.rules
    assert split.fields_read() == {"name", "partner_id", "amount_total", "user_id", "state", "date_order"}
    assert outlier.fields_read() == {"name", "partner_id", "amount_total", "user_id", "state", "date_order"}
    assert po.fields_read() == {"name", "partner_id", "amount_total", "user_id", "state"}
    assert expense.fields_read() == {"name", "employee_id", "total_amount", "state", "manager_id"}
    dated = po.model_copy(update={"age_source": "field:date_approve"})
    assert "date_approve" in dated.fields_read()


def test_type_names() -> None:
    assert RULE_TYPES == ("stalled", "split_purchase", "amount_outlier")
    assert ACTION_TYPES[:4] == ("post_note", "schedule_activity", "reassign", "flag_for_review")  # agents add theirs after


def test_max_deadline_defaults_to_deadline() -> None:
    spec = TypeAdapter(ScheduleActivitySpec).validate_python({"type": "schedule_activity", "deadline_days": 3})
    assert spec.max_deadline_days == 3


@pytest.mark.parametrize("assign_to", ["subject", "login:grace.finance", "group:account.group_account_manager",
                                       "group:hr_expense.group_hr_expense_manager", "field:user_id"])
def test_assignees_a_clinic_can_name(assign_to: str) -> None:
    spec = ScheduleActivitySpec.model_validate({"assign_to": assign_to})
    assert spec.assign_to == assign_to


@pytest.mark.parametrize("assign_to", ["group:account", "group:", "group:account.group manager", "group:Account.x",
                                       "group:.group_account_manager", "groups:account.group_account_manager",
                                       "grace.finance", "field:User"])
def test_a_malformed_assignee_is_refused_with_every_form_named(assign_to: str) -> None:
    with pytest.raises(ValidationError) as caught:
        ScheduleActivitySpec.model_validate({"assign_to": assign_to})
    assert f"'{assign_to}' is not an assignee (use subject, login:<odoo login>, group:<XML id of an Odoo group, e.g. " \
           "account.group_account_manager> or field:<res.users field of the record>)" in str(caught.value)


def test_models_are_readable_outside_the_loader_too() -> None:
    with pytest.raises(ValidationError, match=r"'2 days' is not a duration \(use 48h, 2d, 90m\)"):
        Limits.model_validate({"cooldown": "2 days"})


@pytest.mark.parametrize(
    "domain",
    [
        [],
        [["state", "=", "to approve"]],
        ["|", ["state", "=", "to approve"], "!", ["amount_total", "<", 100]],
        [["partner_id.country_id.code", "in", ["US", "CA"]], ["user_id", "!=", False]],
        [["order_line", "any", [["product_id.default_code", "=like", "MED-%"]]]],
    ],
)
def test_valid_domains(domain: list) -> None:
    assert TypeAdapter(OdooDomain).validate_python(domain) == domain


@pytest.mark.parametrize(
    ("domain", "message"),
    [
        (["&", ["state", "=", "x"]], "'&' needs 2 terms after it, found 1"),
        (["!"], "'!' needs 1 terms after it, found 0"),
        ([["state", "in", "draft"]], "'in' needs a list, got 'draft'"),
        ([["state", "="]], "is not a domain term"),
        (["and", ["state", "=", "x"]], "'and' is not a domain term"),
        ([["State", "=", "x"]], "'State' is not a field path"),
        ([["order_line", "any", [["x", "~", 1]]]], "'~' is not an Odoo domain operator"),
    ],
)
def test_bad_domains(domain: list, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        TypeAdapter(OdooDomain).validate_python(domain)


def _variant(tmp_path: Path, old: str, new: str) -> Path:
    text = SHIPPED.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "approval_watcher.yaml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def _problems(path: Path, **kwargs: object) -> list[str]:
    with pytest.raises(PolicyError) as caught:
        _load(path, **kwargs)
    return [f"{p.line}: {p.key_path}: {p.problem} ({p.fix})" for p in caught.value.errors]


def test_live_mode_needs_an_approver_for_every_step(tmp_path: Path) -> None:
    # slack.approvers empty; only po step 2 names its own approvers: every other step has no one.
    path = _variant(tmp_path, "odoo_groups: [purchase.group_purchase_manager]   #", "odoo_groups: []   #")
    problems = _problems(path)
    assert len(problems) == 8
    assert all("this step names no approvers" in p for p in problems)
    assert [p.split(":")[1].strip() for p in problems] == ["rules[0].ladder[0]", "rules[1].ladder[0]", "rules[1].ladder[1]",
                                                           "rules[2].ladder[0]", "rules[2].ladder[1]", "rules[3].ladder[0]",
                                                           "rules[3].ladder[1]", "rules[4].ladder[0]"]


def test_shadow_mode_needs_no_approvers(tmp_path: Path) -> None:
    path = _variant(tmp_path, "odoo_groups: [purchase.group_purchase_manager]   #", "odoo_groups: []   #")
    shadow = path.read_text(encoding="utf-8").replace("mode: live", "mode: shadow", 1)
    path.write_text(shadow, encoding="utf-8")
    assert _load(path).policy.mode == "shadow"


def test_no_connections_defined(tmp_path: Path) -> None:
    assert _problems(SHIPPED, connections=set()) == [
        "7: odoo: 'default' is not a defined Odoo connection (define ODOO_CONNECTIONS; none is defined)"
    ]


def test_unreadable_and_odd_files(tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    assert _problems(missing)[0].startswith("1: : cannot read the file: No such file or directory")
    empty = tmp_path / "empty.yaml"
    empty.write_text("# nothing yet\n", encoding="utf-8")
    assert _problems(empty) == ["1: : the file is empty (start from the shipped policies/<agent>.yaml)"]
    listing = tmp_path / "list.yaml"
    listing.write_text("- agent: approval_watcher\n", encoding="utf-8")
    assert "expected a mapping of keys at the top level" in _problems(listing)[0]
    latin = tmp_path / "latin.yaml"
    latin.write_bytes(b"agent: approval_watcher\nslack:\n  channel: caf\xe9\n")
    assert _problems(latin) == ["3: : the file is not UTF-8 text (save it as UTF-8)"]


def test_problem_text_format() -> None:
    problem = PolicyProblem("policies/a.yaml", 14, "rules[0].ladder[1].after", "'2 days' is not a duration", "use 48h, 2d, 90m")
    assert str(problem) == "policies/a.yaml:14: rules[0].ladder[1].after: '2 days' is not a duration (use 48h, 2d, 90m)"
    error = PolicyError([problem, PolicyProblem("policies/a.yaml", 3, "odoo", "p", "f")])
    assert str(error).splitlines()[0] == "policies/a.yaml:3: odoo: p (f)"


def test_each_rule_type_has_its_model() -> None:
    rules = _load(SHIPPED).policy.rules
    assert [type(rule) for rule in rules] == [StalledRule, StalledRule, StalledRule, SplitPurchaseRule, AmountOutlierRule]


@pytest.mark.parametrize("spec", ['"19+"', '">= nineteen"', '">=19,"', "19.0.1"])
def test_odoo_version_is_a_strict_range(tmp_path: Path, spec: str) -> None:
    path = _variant(tmp_path, 'odoo_version: ">=19"', f"odoo_version: {spec}")
    line = path.read_text().splitlines().index(f"    odoo_version: {spec}         # Odoo 19 approves expenses one by one; "
                                               "elsewhere this rule is skipped (run log says so)") + 1
    value = spec.strip('"')
    assert _problems(path) == [f"{line}: rules[1].odoo_version: '{value}' is not a range of Odoo versions "
                               "(write e.g. \">=19\", \"<19\" or \">=17,<19\" (quoted))"]


def test_an_odoo_version_range_that_matches_nothing_is_refused(tmp_path: Path) -> None:
    path = _variant(tmp_path, 'odoo_version: ">=19"', 'odoo_version: ">=19,<18"')
    assert [p.split(": ", 1)[1] for p in _problems(path)] == [
        "rules[1].odoo_version: '>=19,<18' matches no Odoo version (loosen it, e.g. \">=17,<19\")"]


@pytest.mark.parametrize(("spec", "matching"), [
    (">=19", ["19.0", "saas~19.2", "20.0"]),
    ("<19", ["17.0", "saas~17.2", "18.0"]),
    (">=17,<19", ["17.0", "saas~17.2", "18.0"]),
    ("18", ["18.0"]),
    (">18", ["19.0", "saas~19.2", "20.0"]),  # a bare major compares majors: 18.2 is not above 18
    ("<=18", ["17.0", "saas~17.2", "18.0"]),
    (">=17.2,<19", ["saas~17.2", "18.0"]),
])
def test_odoo_version_ranges_match_server_versions(spec: str, matching: list[str]) -> None:
    from agents._core.odoo_versions import parse_server_version, version_matches

    servers = ["17.0", "saas~17.2", "18.0", "19.0", "saas~19.2", "20.0"]
    assert [s for s in servers if version_matches(spec, parse_server_version(s))] == matching
