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
_ASSIGNEE_FIX = ("use subject, login:<odoo login>, group:<XML id of an Odoo group, e.g. account.group_account_manager> "
                 "or field:<res.users field of the record>")

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
POLICY_ASSIGNEE_UNREAD = PolicyMessage("{value} names a field this rule does not read", "add {field} to the rule's fields, or use subject, group:<XML id of an Odoo group> or login:<odoo login>")
POLICY_ASSIGNEE_NO_SUBJECT = PolicyMessage("'subject' needs the rule's subject_field, which is not set", "set subject_field, or use group:<XML id of an Odoo group> or login:<odoo login>")
POLICY_DEADLINE_BOUNDS = PolicyMessage("max_deadline_days {maximum} is less than deadline_days {days}", "raise max_deadline_days to at least {days}, or lower deadline_days")
POLICY_STEP_APPROVERS_EMPTY = PolicyMessage("approvers is empty", "name who may decide at this step, or remove approvers to use slack.approvers")
POLICY_DUPLICATE_RULE = PolicyMessage("rule id {value} is already used by {first}", "give each rule its own id")
POLICY_NOT_PERSON_REF = PolicyMessage(
    "{value} is neither a login nor a group reference",
    "write login:<odoo login> or group:<XML id of an Odoo group>, e.g. group:purchase.group_purchase_manager",
)
POLICY_ACTION_NOT_FOR_RULE = PolicyMessage("{value} cannot run on {target}", "use one of: {choices}")
POLICY_ONE_STEP_ONLY = PolicyMessage(
    "a {rule_type} rule measures no waiting time, so its ladder has a single step at after: 0h",
    "keep one step and write after: 0h",
)
POLICY_NOT_WHOLE_DAYS = PolicyMessage("{value} is not a whole number of days", "use days, e.g. 28d")
POLICY_MORE_THAN = PolicyMessage("{value} is more than {other} ({limit})", "lower it to {limit} or less, or raise {other}")
POLICY_NOT_VERSION_RANGE = PolicyMessage(
    "{value} is not a range of Odoo versions", "write e.g. \">=19\", \"<19\" or \">=17,<19\" (quoted)"
)
POLICY_EMPTY_VERSION_RANGE = PolicyMessage("{value} matches no Odoo version", "loosen it, e.g. \">=17,<19\"")

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

# Preflight: the policy against the Odoo it runs on (`policy check --odoo`, start of run/once, hot reload)
_FIELDS_FIX = "use a field of {model}"
PREFLIGHT_NO_MODEL = PolicyMessage("model {value} does not exist on this Odoo", "did you mean {guess}?")
PREFLIGHT_MODEL_MISSING = PolicyMessage(
    "warning: rule {rule} is disabled on this Odoo: model {value} does not exist",
    "install its Odoo module to enable it, or limit the rule with odoo_version",
)
PREFLIGHT_VERSION_SKIP = PolicyMessage(
    "note: rule {rule} applies to Odoo {spec} only; this server runs {version}", "it is skipped here, as intended"
)
PREFLIGHT_NO_FIELD = PolicyMessage("{model} has no field {value}", _FIELDS_FIX)
PREFLIGHT_NO_FIELD_GUESS = PolicyMessage("{model} has no field {value}", "did you mean {guess}?")
PREFLIGHT_FIELD_TYPE = PolicyMessage("{model}.{field} is {actual}, not {wanted}", "use {wanted} field of {model}")
PREFLIGHT_CODE_FIELD = PolicyMessage(
    "a {rule_type} rule reads {model}.{field}, which this Odoo lacks or hides from the Odoo user {user}",
    "limit the rule with odoo_version, or give that user the group the field requires",
)
PREFLIGHT_NOT_SELECTION = PolicyMessage("{value} is not a value of {model}.{field}", "use one of: {choices}")
PREFLIGHT_NOT_SELECTION_GUESS = PolicyMessage("{value} is not a value of {model}.{field}", "did you mean {guess}? use one of: {choices}")
PREFLIGHT_NO_GROUP = PolicyMessage("no Odoo group has the XML id {value}", "check Settings > Users & Companies > Groups; did you mean {guess}?")
PREFLIGHT_NO_GROUP_NO_GUESS = PolicyMessage("no Odoo group has the XML id {value}", "check Settings > Users & Companies > Groups")
PREFLIGHT_NO_LOGIN = PolicyMessage("no Odoo user has the login {value}", "did you mean {guess}?")
PREFLIGHT_NO_LOGIN_NO_GUESS = PolicyMessage("no Odoo user has the login {value}", "create the user, or name an existing login")
PREFLIGHT_ARCHIVED_LOGIN = PolicyMessage("the Odoo user {value} is archived", "unarchive the user, or name an active login")
PREFLIGHT_ACTION_MODEL = PolicyMessage("{action} cannot run on {model}", "{fix}")
PREFLIGHT_ACTION_ONLY_ON = "{action} runs only on {models}: use post_note or schedule_activity here"
PREFLIGHT_ACTION_NO_CHATTER = "{model} has no chatter (message_ids): use an action of the rule's own kind"
PREFLIGHT_NO_ACCESS = PolicyMessage(
    "the Odoo user {user} may not {operation} {model}", "grant it {operation} access to {model} (Settings > Users)"
)
PREFLIGHT_NO_TRACKING = PolicyMessage(
    "ages from state changes read tracking values (mail.tracking.value), which the Odoo user {user} may not read",
    "give that user Administration / Settings, or use age_source: write_date",
)
PREFLIGHT_UNREACHABLE = "{file}: not checked against Odoo connection '{connection}': {reason}"
PREFLIGHT_UNREACHABLE_RUN = (
    "{agent}: not checked against Odoo connection '{connection}' yet ({reason}): its scans wait until the check passes"
)

# Odoo domains
POLICY_DOMAIN_TERM = PolicyMessage("{value} is not a domain term", "write a term as [field, operator, value], or use \"&\", \"|\", \"!\"")
POLICY_DOMAIN_FIELD = PolicyMessage("{value} is not a field path", "write a field name such as state or partner_id.name")
POLICY_DOMAIN_OPERATOR = PolicyMessage("{value} is not an Odoo domain operator", "use one of: {choices}")
POLICY_DOMAIN_LIST_VALUE = PolicyMessage("{operator} needs a list, got {value}", "write it as [a, b]")
POLICY_DOMAIN_ARITY = PolicyMessage("{value} needs {needed} terms after it, found {found}", "add the missing term, or remove the {value}")


# --- SETTINGS: one line per mistake in the environment, naming the variable and a good value ---

SETTING_URL_NO_SCHEME = "{value!r} has no scheme (write http:// or https:// in front, e.g. {variable}=http://{value})"
SETTING_URL_SCHEME = "{value!r} is not an http:// or https:// address (e.g. {variable}=https://odoo.example.com)"
SETTING_DATABASE_NOT_URL = ("{value!r} is not a database URL (e.g. SENTINEL_DATABASE_URL=sqlite:///var/lib/sentinel/sentinel.db "
                            "or postgresql://sentinel@127.0.0.1:5432/sentinel)")
SETTING_DATABASE_UNSUPPORTED = ("{scheme} databases are not supported: use SQLite or PostgreSQL "
                                "(e.g. SENTINEL_DATABASE_URL=postgresql://sentinel@127.0.0.1:5432/sentinel)")
SETTING_ODOO_INCOMPLETE = ("ODOO_URL is set but not {missing}: set them together "
                           "(e.g. ODOO_DB=clinic ODOO_USER=sentinel ODOO_API_KEY=...)")
SETTING_ODOO_UNSET = ("{missing} not set, but the policies use the Odoo connection 'default': "
                      "set it (e.g. ODOO_URL=http://127.0.0.1:8069 ODOO_DB=sandbox ODOO_USER=admin ODOO_PASSWORD=admin)")
SETTING_CONNECTION_UNDEFINED = ("a policy names the Odoo connection '{name}', which ODOO_CONNECTIONS does not define "
                                "(defined: {known}): add it to ODOO_CONNECTIONS")
SETTING_CONNECTIONS_JSON = ("ODOO_CONNECTIONS is not valid JSON ({reason}): write an object, e.g. ODOO_CONNECTIONS="
                            "'{{\"clinic2\": {{\"url\": \"https://clinic2.example.com\", \"db\": \"clinic2\", "
                            "\"user\": \"sentinel\", \"api_key\": \"...\"}}}}'")
SETTING_CONNECTIONS_ENTRY = "ODOO_CONNECTIONS: {where}: {problem} (each connection takes url, db, user, password or api_key, timeout, transport)"
SETTING_NOT_NUMBER = "{shown}is not a number"
SETTING_NOT_ABOVE = "{shown}is too small: use more than {limit}"
SETTING_BELOW = "{shown}is too small: use {limit} or more"
SETTING_MISSING_KEY = "required key is missing"
SETTING_UNKNOWN_KEY = "unknown key"
# A good value for each variable, shown after its problem (never for secrets, whose values are not echoed either)
SETTING_EXAMPLES = {
    "ODOO_TIMEOUT": "30",
    "SENTINEL_LLM_TIMEOUT": "20",
    "SENTINEL_HOUSEKEEPING_SECONDS": "30",
    "SENTINEL_RETENTION_DAYS": "90",
    "SENTINEL_PRUNE_HOURS": "6",
    "SENTINEL_HEALTH_FAILED_RUNS": "3",
    "SENTINEL_HEALTH_CACHE_SECONDS": "15",
}
SETTING_SECRETS = {"ODOO_PASSWORD", "ODOO_API_KEY", "ODOO_CONNECTIONS", "SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET",
                   "SLACK_APP_TOKEN"}


# --- DECISIONS: what a person sees when deciding a proposal (CLI now, Slack ephemerals later) ---

NO_SUCH_PROPOSAL = "no proposal {id} (list them with: runner.py proposals list)"
REASON_REQUIRED = "a reason is required to reject (add --reason \"…\")"
ALREADY_DECIDED = "already {status} by {who}"
DECIDED = "{id}: {status}"
DECIDED_FAILED = "{id}: approved, but Odoo refused the action: {error}"
DECIDED_WAITING = ("{id}: approved and waiting for Odoo ({error}). Sentinel checks what was written and tries again "
                   "after {when}; nothing is written twice")
DECIDED_NOT_CARRIED = "{id}: {status} and recorded, but carrying it out stopped ({error}); Sentinel takes it up again"
NOT_ALLOWED = "{who} is not allowed to decide this proposal (approvers: {approvers})"
SHADOW_ONLY = "this proposal was recorded in shadow mode and cannot be decided (set `mode: live` in policies/{agent}.yaml)"
FOUR_EYES = "{who} is the person this item is about and may not decide its escalation (four-eyes rule)"
FOUR_EYES_UNKNOWN = ("{who} has no Odoo user, so the four-eyes rule cannot check that this item is not about them: "
                     "nothing was decided (give them an Odoo user with their Slack e-mail)")
IDENTITY_UNKNOWN = "cannot check who {who} is in Odoo right now ({error}); nothing was decided, try again in a few minutes"
SNOOZE_NEEDS = "a reason and an end are required to snooze"
DECISION_REFUSED = "refused: {why}"
ACTION_FAILED = "failed: {id}: the decision is recorded but its action failed in Odoo: {error}"


# --- ASSIGNEES: why an action's person cannot be found (run log: the proposal is not offered; or the action's error) ---

ASSIGNEE_NO_LOGIN = "no active Odoo user with login '{login}'"
ASSIGNEE_NO_GROUP = "no Odoo group with XML id '{group}' on this server"
ASSIGNEE_EMPTY_GROUP = "Odoo group '{group}' has no active internal user"
ASSIGNEE_NOBODY = "{model} #{id} has no user in {where}"
ASSIGNEE_ARCHIVED = "res.users #{user} in {where} is archived"
NOT_OFFERED = "not proposed ({action} for rule {rule}): {reason}"
RECORD_LOCKED = "{model} #{id} is locked in Odoo ({field} is set): unlock it there for {action} to change it"


# --- CLI ---

# Errors any command can end with (agents/_core/cli/failures.py): one line each, on stderr
CLI_INTERRUPTED = "interrupted"
CLI_USAGE = "{problem} (see: {command} --help)"
CLI_ODOO_DOWN = "{error} (is Odoo running? check ODOO_URL, or ODOO_CONNECTIONS for a named connection)"
CLI_ODOO_AUTH = "{error} (check ODOO_DB, ODOO_USER and ODOO_PASSWORD or ODOO_API_KEY)"
SANDBOX_PORT_BUSY = "port {port} on {host} is already taken: stop what listens there, or choose another with --port"
CLI_PORT_BUSY = "the port is already taken ({reason}): stop what listens there, or choose another with --port"
CLI_CANNOT_WRITE = "cannot write {path}: {reason} (let this user write there, or choose another place)"
CLI_OS_ERROR = "{path}: {reason}"
CLI_UNEXPECTED = "unexpected error: {kind}: {error} (run again with --debug for the traceback, and report it)"
POLICY_REFUSED = "The new policy for {agent} was refused; the previous one stays in force until the file is fixed:\n{problems}"
UNKNOWN_AGENT = "no agent named '{agent}' (agents: {known})"
BACKTEST_FAILED = "{failed} of {ticks} replayed scans failed; first: {first}"
DIFF_FAILED = "policy diff {agent}: a scan failed, so the comparison would not be true: {error}"
# `--help` epilogs: what each exit code means for that command
EXIT_CODES_SCAN = ("Exit codes: 0 the scan ran (rules that could not run are listed as disabled); 1 a scan failed "
                   "(Odoo unreachable, login refused, no rule could run, policy refused); 2 usage (unknown agent, bad option).")
EXIT_CODES_DECIDE = ("Exit codes: 0 decided (an approval's action ran, or waits while paused, or found the record no longer "
                     "matching); 1 refused (not an approver, four-eyes, already decided or expired, shadow mode, no reason) "
                     "or the approved action failed, each line saying which; 2 usage (unknown proposal, bad option).")
POLICY_NO_AGENT = "{file}: no agent named '{name}' (agents: {known}); write agent: <one of them> in the file"
EXPLAIN_NO_RULE = "no rule of any policy reads {model}: nothing would flag it (check the model name, e.g. purchase.order)"
AUDIT_EXPORTED = "{count} audit events written to {path}"
PRUNED = ("pruned state older than {days} days: {checkpoint_threads} proposal threads' checkpoints, {snapshots} queue "
          "snapshots, {run_slots} run slots, {outbox_messages} delivered messages (the audit trail is kept)")
RETENTION_ON = "retention: state older than {days} days pruned every {hours}h (the audit trail is kept)"
PRUNE_OFF = "retention is off (SENTINEL_RETENTION_DAYS=0): nothing pruned"
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


# --- ODOO connection: settings and transports (JSON-RPC, JSON-2) ---

SETTINGS_INVALID = "{name}: {problem}"
ODOO_TRANSPORT_BAD = "'{value}' is not an Odoo transport (use auto, json2 or jsonrpc)"
ODOO_JSON2_NEEDS_KEY = (
    "Odoo connection '{connection}': ODOO_TRANSPORT=json2 needs an API key (set ODOO_API_KEY, or api_key in ODOO_CONNECTIONS)"
)
ODOO_JSON2_TOO_OLD = "{where} runs Odoo {version}, which has no JSON-2 (19+ only): set ODOO_TRANSPORT=auto or jsonrpc"
ODOO_API_KEY_REFUSED = "API key refused on database '{db}' (check ODOO_API_KEY: a key of an active user of that database)"
ODOO_NO_DATABASE = "no database '{db}' on {where} (check ODOO_DB)"
ODOO_ANSWER_TOO_LARGE = (
    "the answer from {where} is larger than {mb:g} MB, so it was dropped: ask for fewer records or fields, "
    "or raise ODOO_MAX_RESPONSE_MB"
)


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
SLACK_SNOOZE_UNKNOWN = "Choose one of the listed lengths."

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
SLACK_WORKING = {  # at once after a click, until the outcome replaces it
    "approve": ":hourglass_flowing_sand: Approving… (by {who})",
    "reject": ":hourglass_flowing_sand: Rejecting… (by {who})",
    "snooze": ":hourglass_flowing_sand: Snoozing… (by {who})",
}
SLACK_OUTCOME_REASON = "Reason: {reason}"
SLACK_OUTCOME_ODOO = "Odoo: {result}"
SLACK_OUTCOME_ERROR = ":warning: {error}"
SLACK_PAUSED = ":double_vertical_bar: Sentinel is paused: the approved action waits until it is resumed"
SLACK_WAITING_FOR_ODOO = (":hourglass: Waiting for Odoo ({error}): Sentinel checks what was written and tries again "
                          "after {when} (attempt {attempt} so far); nothing is written twice")

# Ephemerals (only the clicking person sees them)
SLACK_ALREADY_DECIDED = "This proposal was already {verb} by {who} {when}."
SLACK_NO_SUCH_PROPOSAL = "This proposal no longer exists in Sentinel."
SLACK_WRONG_MESSAGE = "This button does not belong to the proposal's message; nothing was decided."
SLACK_DECISION_FAILED = "Your decision could not be recorded ({error}); nothing changed. Try again in a minute."
SLACK_RECORDED_BUT = "Your decision is recorded, but carrying it out stopped ({error}); Sentinel takes it up again by itself."
SLACK_TOKEN_REFUSED = ("the bot token was refused ({error}): set a valid SLACK_BOT_TOKEN (the app's OAuth & Permissions "
                       "page) and start again")
SLACK_DEGRADED = ("Slack is unreachable ({reason}): scans, proposals and the CLI go on, messages wait in the outbox; "
                  "retrying with backoff")

# The App Home tab and the /sentinel slash command (on-call admins)
SLACK_HOME_TITLE = "Sentinel"
SLACK_HOME_RUNNING = ":large_green_circle: *Running*: approved actions are carried out in Odoo."
SLACK_HOME_PAUSED = (":double_vertical_bar: *Paused*: nothing is written to Odoo until `/sentinel resume` "
                     "(scans and proposals go on).")
SLACK_HOME_MINE = "Waiting for you ({count})"
SLACK_HOME_NOTHING_MINE = "Nothing waits for your decision."
SLACK_HOME_MORE = "… and {count} more: see them in the channel or with `runner.py proposals list`."
SLACK_HOME_DIGESTS = "Next digests"
SLACK_HOME_DIGEST = "• {channel}: {when}"
SLACK_HOME_NO_DIGEST = "No policy asks for a daily digest."
SLACK_STATUS_AGENT = "• *{agent}*: {pending} pending, {approved} approved and not yet done, {failed} failed; last run {last}"
SLACK_STATUS_RUN = "{status} {when}{error}"
SLACK_STATUS_NO_RUN = "none yet"
SLACK_COMMAND_USAGE = ("Use `/sentinel status`, `/sentinel pause`, `/sentinel resume` or "
                       "`/sentinel snooze <proposal id> <duration, e.g. 3d> <reason>`.")
SLACK_COMMAND_NOT_ADMIN = ("You may not {verb} Sentinel: only the policies' approvers and SENTINEL_ADMINS may. "
                           "Ask an on-call admin.")
SLACK_COMMAND_PAUSED = ":double_vertical_bar: Paused: nothing will be written to Odoo until `/sentinel resume`."
SLACK_COMMAND_RESUMED = ":arrow_forward: Resumed: approved actions that waited are carried out now."
SLACK_COMMAND_BAD_DURATION = "{value} is not a snooze length: write 2h, 3d or 1w (at most 90 days)."
SLACK_COMMAND_SNOOZED = ":zzz: {id} snoozed until {until}."
SLACK_SERVICE_MISCONFIGURED = "Slack is configured without {missing}: set it, or set SLACK_APP_TOKEN for Socket Mode"

# --- LLM drafting (logs and the audit trail's fallback reason) ---

LLM_BREAKER_OPENED = "the LLM failed {count} times in a row: drafts use the template for {seconds}s, then one trial call"
LLM_BREAKER_OPEN = "the LLM failed {count} times in a row; template drafts for {seconds}s more"
LLM_BREAKER_CLOSED = "the LLM answered again: drafting with it resumes"

# --- DIGEST and operations: the `digest` command and the HTTP endpoint of `run` ---

DIGEST_BAD_DATE = "--date {value!r} is not a date: write it as YYYY-MM-DD, e.g. 2026-11-26"
DIGEST_NO_CHANNEL = "no agent posts to {channel}: the policies' channels are {known}"
# /healthz: each problem in one line, for the probe's log and the person reading it
HEALTH_SLACK = "Slack is unreachable ({state}): messages wait in the outbox and go out once it answers"
HEALTH_STUCK = "jobs running far longer than usual (stuck?): {jobs}"
HEALTH_DATABASE = "state database: {error}"
HEALTH_ODOO = "Odoo connection '{name}' unreachable: {error}"
HEALTH_ODOO_UNDEFINED = "a policy uses it, but it is not configured"
HEALTH_RUNS_FAILING = "{agent}: its last {count} run(s) failed (last error: {error})"
HEALTH_NO_POLICY = "{agent}: no valid policy loaded, so it does not run"
HEALTH_POLICIES_DISAGREE = "{agent}: replicas run different policies ({replicas}); copy the same file to every replica"
OPS_PORT_BUSY = ("cannot serve /healthz and /metrics on {host}:{port} ({reason}): running without them; "
                 "choose another port with --port")
