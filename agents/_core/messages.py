"""User-facing message templates, one section per concern, so wording is reviewed and changed in one place."""

from __future__ import annotations

from typing import NamedTuple


# --- POLICY: problems in a policy file, each printed as `<file>:<line>: <key path>: <problem> (<fix>)` ---

class PolicyMessage(NamedTuple):
    """A problem and its fix, as `str.format` templates over the same named values."""

    problem: str
    fix: str

    def format(self, **values: object) -> tuple[str, str]:
        return self.problem.format(**values), self.fix.format(**values)


_DURATION_FIX = "use 48h, 2d, 90m"
_ASSIGNEE_FIX = "use subject, login:<odoo login> or field:<res.users field of the record>"

# The file itself
POLICY_UNREADABLE = PolicyMessage("cannot read the file: {reason}", "check the path and its permissions")
POLICY_NOT_UTF8 = PolicyMessage("the file is not UTF-8 text", "save it as UTF-8")
POLICY_YAML_SYNTAX = PolicyMessage("not valid YAML: {reason}", "check indentation, brackets and quotes near line {line}, column {column}")
POLICY_YAML_DUPLICATE_KEY = PolicyMessage("key {key} is set twice in the same mapping", "keep one of them")
POLICY_EMPTY_FILE = PolicyMessage("the file is empty", "start from the shipped policies/<agent>.yaml")
POLICY_YAML_TAG = PolicyMessage("YAML tag {tag} is not supported in policies", "remove it and write the plain value")
POLICY_TOO_BIG = PolicyMessage("the file has {size} bytes, more than the {limit} a policy may have", "keep only this agent's policy in it")
POLICY_YAML_EXPANSION = PolicyMessage("holds more than {limit} values once its YAML aliases (*name) are expanded", "write fewer values, or fewer aliases")
POLICY_YAML_RECURSIVE = PolicyMessage("a YAML alias (*name) refers to the mapping or list it is in", "write the values out")
POLICY_YAML_DEPTH = PolicyMessage("nested deeper than {limit} levels", "flatten it: a policy needs a few levels of keys and lists")
POLICY_YAML_SLOW = PolicyMessage("reading the YAML took over {seconds}s", "shorten or simplify the file")
POLICY_NOT_MAPPING = PolicyMessage("expected a mapping of keys at the top level, got {got}", "write agent:, mode:, schedule:, ... one per line")

# Shape (translated from pydantic's errors)
POLICY_UNKNOWN_KEY = PolicyMessage("unknown key {key}", "remove it; did you mean {guess}?")
POLICY_UNKNOWN_KEY_NO_GUESS = PolicyMessage("unknown key {key}", "remove it; keys allowed here: {allowed}")
POLICY_UNKNOWN_KEY_OF_TYPE = PolicyMessage("unknown key {key} for {tag}", "remove it; {tag} takes: {allowed}")
POLICY_MISSING_KEY = PolicyMessage("required key {key} is missing", "add it, e.g. {example}")
POLICY_WRONG_TYPE = PolicyMessage("expected {expected}, got {got}", "{how}")
POLICY_NOT_ONE_OF = PolicyMessage("{value} is not {noun}", "use one of: {choices}")
POLICY_NOT_ONE_OF_GUESS = PolicyMessage("{value} is not {noun}", "did you mean {guess}? use one of: {choices}")
POLICY_TAG_MISSING = PolicyMessage("this item has no type", "add type: with one of: {choices}")
POLICY_EMPTY_LIST = PolicyMessage("the list is empty", "list at least one item")
POLICY_TOO_SMALL = PolicyMessage("{value} is too small", "use {minimum} or more")
POLICY_TOO_LARGE = PolicyMessage("{value} is too large", "use {maximum} or less")
POLICY_NOT_FINITE = PolicyMessage("{value} is not a finite number", "write a number, e.g. 5000")
POLICY_OTHER = PolicyMessage("{value} is not accepted here: {reason}", "correct the value")

# Kinds of value, for POLICY_WRONG_TYPE: what was expected and how to write it
POLICY_EXPECTED = {
    "list": ("a list", "write it as [a, b]"),
    "mapping": ("a mapping", "write it as key: value lines indented under it, or as {key: value}"),
    "text": ("text", "write text; quote it if it looks like a number or a date"),
    "number": ("a whole number", "write a number such as 20"),
    "boolean": ("true or false", "write true or false"),
}
POLICY_EMPTY_TEXT_FIX = "write a value after the colon; quote text that starts with #, e.g. \"#clinic-approvals\", or YAML reads it as a comment"

# Names for the allowed values of a closed set, by key: "'dry' is not a mode"
POLICY_NOUNS = {
    "mode": "a mode",
    "days": "a day",
    "type": "a type",
}
POLICY_RULE_NOUN = "a rule type of {agent}"
POLICY_ACTION_NOUN = "an action"

# Values
POLICY_NOT_DURATION = PolicyMessage("{value} is not a duration", _DURATION_FIX)
POLICY_DURATION_NEGATIVE = PolicyMessage("{value} is negative", _DURATION_FIX)
POLICY_DURATION_TOO_LONG = PolicyMessage("{value} is longer than {maximum}", "use {maximum} or less")
POLICY_NOT_DATE = PolicyMessage("{value} is not a date", "write it as YYYY-MM-DD, e.g. 2026-12-25")
POLICY_NOT_TIMEZONE = PolicyMessage("{value} is not a time zone", "use an IANA name such as America/New_York")
POLICY_NOT_TIMEZONE_GUESS = PolicyMessage("{value} is not a time zone", "did you mean {guess}?")
POLICY_NOT_HOURS = PolicyMessage("{value} is not a range of hours", "write it as \"HH:MM-HH:MM\", e.g. \"08:00-18:00\"")
POLICY_HOURS_ORDER = PolicyMessage("{value} ends before it starts", "write the opening time first, e.g. \"08:00-18:00\"")
POLICY_NOT_TIME_OF_DAY = PolicyMessage("{value} is not a time of day", "write it as \"HH:MM\" on the 24-hour clock, e.g. \"08:30\"")
POLICY_REPEATED = PolicyMessage("{value} is listed twice", "list it once")
POLICY_NOT_FIELD = PolicyMessage("{value} is not an Odoo field name", "use the technical name, e.g. partner_id")
POLICY_NOT_MODEL = PolicyMessage("{value} is not an Odoo model name", "use the technical name, e.g. purchase.order")
POLICY_NOT_XML_ID = PolicyMessage("{value} is not an XML id of an Odoo group", "write module.name, e.g. purchase.group_purchase_manager")
POLICY_NOT_LOGIN = PolicyMessage("{value} is not an Odoo login", "write the login without spaces, e.g. grace.finance")
POLICY_NOT_SLACK_USER = PolicyMessage("{value} is not a Slack user id", "use the member id from the user's profile, e.g. U0123ABC")
POLICY_NOT_SLACK_GROUP = PolicyMessage("{value} is not a Slack user group id", "use the group's id, e.g. S0123ABC")
POLICY_NOT_CHANNEL = PolicyMessage("{value} is not a Slack channel", "write \"#name\" in quotes, or a channel id such as C0123ABC")
POLICY_NOT_SLUG = PolicyMessage("{value} is not a valid {what}", "use lowercase letters, digits and _, e.g. {example}")

# Schedule
POLICY_SCHEDULE_BOTH = PolicyMessage("both every and cron are set", "keep one of them")
POLICY_SCHEDULE_NEITHER = PolicyMessage("neither every nor cron is set", "write {{every: 15m}} or {{cron: \"*/15 7-19 * * mon-fri\"}}")
POLICY_EVERY_TOO_SHORT = PolicyMessage("{value} is too frequent", "use 1m or more")
POLICY_CRON_FIELDS = PolicyMessage("{value} has {count} fields", "use 5: minute hour day month weekday, e.g. \"*/15 7-19 * * mon-fri\"")
POLICY_CRON_BAD = PolicyMessage("{value} is not a cron expression: {reason}", "use 5 fields: minute hour day month weekday, e.g. \"*/15 7-19 * * mon-fri\"")
POLICY_CRON_WEEKDAY_NUMBER = PolicyMessage(
    "weekday {value} counts days by number, and cron counts 0 as Sunday but the scheduler as Monday",
    "write day names, e.g. mon-fri",
)

# Rules, ladders, actions
POLICY_LADDER_ORDER = PolicyMessage("{value} is not later than the previous step's {before}", "order the steps so each after is later than the one before")
POLICY_AGE_SOURCE = PolicyMessage("{value} is not an age source", "use state_change, create_date, write_date or field:<date field>")
POLICY_NOT_ASSIGNEE = PolicyMessage("{value} is not an assignee", _ASSIGNEE_FIX)
POLICY_ASSIGNEE_UNREAD = PolicyMessage("{value} names a field this rule does not read", "add {field} to the rule's fields, or use subject or login:<odoo login>")
POLICY_ASSIGNEE_NO_SUBJECT = PolicyMessage("'subject' needs the rule's subject_field, which is not set", "set subject_field, or use login:<odoo login>")
POLICY_DEADLINE_BOUNDS = PolicyMessage("max_deadline_days {maximum} is less than deadline_days {days}", "raise max_deadline_days to at least {days}, or lower deadline_days")
POLICY_STEP_APPROVERS_EMPTY = PolicyMessage("approvers is empty", "name who may decide at this step, or remove approvers to use slack.approvers")
POLICY_DUPLICATE_RULE = PolicyMessage("rule id {value} is already used by {first}", "give each rule its own id")
POLICY_NOT_LOGIN_REF = PolicyMessage("{value} is not a login reference", "write login:<odoo login>, e.g. login:grace.finance")
POLICY_ACTION_NOT_FOR_RULE = PolicyMessage("{value} cannot run on {target}", "use one of: {choices}")
POLICY_ONE_STEP_ONLY = PolicyMessage(
    "a {rule_type} rule measures no waiting time, so its ladder has a single step at after: 0h",
    "keep one step and write after: 0h",
)
POLICY_NOT_WHOLE_DAYS = PolicyMessage("{value} is not a whole number of days", "use days, e.g. 28d")
POLICY_MORE_THAN = PolicyMessage("{value} is more than {other} ({limit})", "lower it to {limit} or less, or raise {other}")

# Cross-field and cross-file references
POLICY_LIVE_NO_APPROVERS = PolicyMessage(
    "mode is live but no one may approve",
    "list slack_users, slack_groups, odoo_groups or odoo_users here, or set mode: shadow",
)
POLICY_LIVE_STEP_NO_APPROVERS = PolicyMessage(
    "mode is live, slack.approvers is empty and this step names no approvers",
    "add approvers: to this step, or fill slack.approvers",
)
POLICY_SHARE_UNREAD = PolicyMessage("{value} is not read by any rule", "remove it, or add it to a rule's fields")
POLICY_SHARE_UNREAD_GUESS = PolicyMessage("{value} is not read by any rule", "did you mean {guess}? or add it to a rule's fields")
POLICY_PSEUDONYM_NOT_SHARED = PolicyMessage(
    "{value} is not listed under privacy.share, so it never leaves Odoo and needs no pseudonym",
    "add it to share to show it under a pseudonym, or remove this entry",
)
POLICY_PSEUDONYM_TEMPLATE = PolicyMessage("{value} must contain {{id}} and no other {{...}} placeholder", "write it like \"patient #{{id}}\"")
POLICY_CONNECTION = PolicyMessage("{value} is not a defined Odoo connection", "define ODOO_CONNECTIONS or use one of: {choices}")
POLICY_NO_CONNECTIONS = PolicyMessage("{value} is not a defined Odoo connection", "define ODOO_CONNECTIONS; none is defined")
POLICY_AGENT_MISMATCH = PolicyMessage("{value} does not match this file, which belongs to {expected}", "write agent: {expected}")

# Odoo domains
POLICY_DOMAIN_TERM = PolicyMessage("{value} is not a domain term", "write a term as [field, operator, value], or use \"&\", \"|\", \"!\"")
POLICY_DOMAIN_FIELD = PolicyMessage("{value} is not a field path", "write a field name such as state or partner_id.name")
POLICY_DOMAIN_OPERATOR = PolicyMessage("{value} is not an Odoo domain operator", "use one of: {choices}")
POLICY_DOMAIN_LIST_VALUE = PolicyMessage("{operator} needs a list, got {value}", "write it as [a, b]")
POLICY_DOMAIN_ARITY = PolicyMessage("{value} needs {needed} terms after it, found {found}", "add the missing term, or remove the {value}")


# --- DECISIONS: what a person sees when deciding a proposal (CLI now, Slack ephemerals later) ---

NO_SUCH_PROPOSAL = "no proposal {id} (list them with: runner.py proposals list)"
REASON_REQUIRED = "a reason is required to reject (add --reason \"…\")"
ALREADY_DECIDED = "already {status} by {who}"
DECIDED = "{id}: {status}"
NOT_ALLOWED = "{who} is not allowed to decide this proposal (approvers: {approvers})"
SHADOW_ONLY = "this proposal was recorded in shadow mode and cannot be decided (set `mode: live` in policies/{agent}.yaml)"
FOUR_EYES = "{who} is the person this item is about and may not decide its escalation (four-eyes rule)"
SNOOZE_NEEDS = "a reason and an end are required to snooze"


# --- CLI ---

POLICY_REFUSED = "The new policy for {agent} was refused; the previous one stays in force until the file is fixed:\n{problems}"
UNKNOWN_AGENT = "no agent named '{agent}' (agents: {known})"
POLICY_NO_AGENT = "{file}: no agent of that name (agents: {known}); a policy file is named after its agent folder"
AUDIT_OK = "audit trail intact: {checked} events verified"
AUDIT_REKEYED = "audit trail keyed: {checked} events verified and signed with the audit key"
AUDIT_BROKEN = "audit trail broken at event {seq}: {reason} ({checked} events checked before it)"
PAUSED = "paused: nothing will be written to Odoo until `runner.py resume` (detection and proposals go on)"
RESUMED = "resumed: approved actions that waited will now be carried out"
RUN_STOPPED = "sentinel stopped"
RUNS_INTERRUPTED = "{count} scan(s) left running by a process that stopped or died were closed as interrupted"
RUN_STOP_ABANDONED = ("stopping with jobs still running after {seconds:g}s, abandoned: {jobs} (what they were doing is taken "
                      "up at the next start; see /healthz for a job that is stuck)")
RUN_STOP_FORCED = "sentinel stopped: the stop took longer than {seconds:g}s and was forced"


# --- SLACK: what approvers see in Slack (message text, buttons, modals, ephemerals; mrkdwn) ---

SLACK_FALLBACK = "Sentinel proposes: {summary}"  # the notification text, shown where blocks are not
SLACK_APPROVE = "Approve"
SLACK_REJECT = "Reject"
SLACK_SNOOZE = "Snooze"
SLACK_OPEN_IN_ODOO = "Open in Odoo"
SLACK_CONFIRM_TITLE = "Approve this escalation?"
SLACK_CONFIRM_TEXT = "Sentinel re-checks the record, then will {action} in Odoo."
SLACK_CONFIRM_YES = "Approve"
SLACK_CONFIRM_NO = "Cancel"
SLACK_EVIDENCE = "*Evidence* · rule `{rule}` ({rule_type}), step {step}"
SLACK_WHY = "*Why*"
SLACK_PROPOSED = "*Proposed action*: {action}"
SLACK_CONTEXT = "{id} · {agent} · expires {expires} · drafted by {source}"
SLACK_MASKED_NOTE = "{count} more field(s) not shared outside Odoo (privacy.share)"
SLACK_REJECT_TITLE = "Reject proposal"
SLACK_SNOOZE_TITLE = "Snooze proposal"
SLACK_SUBMIT_REJECT = "Reject"
SLACK_SUBMIT_SNOOZE = "Snooze"
SLACK_CANCEL = "Cancel"
SLACK_REJECT_LABEL = "Why reject it?"
SLACK_SNOOZE_LABEL = "Why snooze it?"
SLACK_SNOOZE_FOR = "Snooze for"
SLACK_REASON_HINT = "Recorded with your name in the audit trail."
SLACK_SNOOZE_HINT = "No new proposal for this item until then; an internal note in Odoo says so."
SLACK_REASON_REQUIRED = "Say why: the reason is recorded with your decision."
SLACK_SNOOZE_CHOICES = {"1d": "1 day", "3d": "3 days", "1w": "1 week"}

# The message after a decision: who, when, why, and the result in Odoo
SLACK_OUTCOME = {
    "approved": ":hourglass_flowing_sand: Approved by {who} {when}; acting in Odoo…",
    "executing": ":hourglass_flowing_sand: Approved by {who} {when}; acting in Odoo…",
    "executed": ":white_check_mark: Approved by {who} {when}. Done in Odoo: {result}",
    "failed": ":warning: Approved by {who} {when}, but the Odoo action failed: {error}",
    "superseded": ":leftwards_arrow_with_hook: Approved by {who} {when}, but nothing was written: {error}",
    "rejected": ":x: Rejected by {who} {when}",
    "snoozed": ":zzz: Snoozed by {who} {when} until {until}",
    "expired": ":hourglass: Expired unanswered {when}: nothing was written in Odoo",
}
SLACK_OUTCOME_REASON = "Reason: {reason}"
SLACK_OUTCOME_ODOO = "Odoo: {result}"
SLACK_OUTCOME_ERROR = ":warning: {error}"
SLACK_PAUSED = ":double_vertical_bar: Sentinel is paused: the approved action waits until it is resumed"

# Ephemerals (only the clicking person sees them)
SLACK_ALREADY_DECIDED = "This proposal was already {verb} by {who} {when}."
SLACK_NO_SUCH_PROPOSAL = "This proposal no longer exists in Sentinel."
SLACK_DECISION_FAILED = "Your decision could not be recorded ({error}); nothing changed. Try again in a minute."
SLACK_SERVICE_MISCONFIGURED = "Slack is configured without {missing}: set it, or set SLACK_APP_TOKEN for Socket Mode"

# --- LLM drafting (logs and the audit trail's fallback reason) ---

LLM_BREAKER_OPENED = "the LLM failed {count} times in a row: drafts use the template for {seconds}s, then one trial call"
LLM_BREAKER_OPEN = "the LLM failed {count} times in a row; template drafts for {seconds}s more"
LLM_BREAKER_CLOSED = "the LLM answered again: drafting with it resumes"

# --- DIGEST and operations: the `digest` command and the HTTP endpoint of `run` ---

DIGEST_BAD_DATE = "--date {value!r} is not a date: write it as YYYY-MM-DD, e.g. 2026-11-26"
DIGEST_NO_CHANNEL = "no agent posts to {channel}: the policies' channels are {known}"
OPS_PORT_BUSY = ("cannot serve /healthz and /metrics on {host}:{port} ({reason}): running without them; "
                 "choose another port with --port")
