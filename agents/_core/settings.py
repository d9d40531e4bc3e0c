"""Runtime settings from the environment and an optional .env file (secrets stay SecretStr).

Every mistake in them is caught when they are read and reported as one line in the operator's words: which variable,
what is wrong with it, and an example of a good value (BadSettings); a traceback of pydantic internals helps no one.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlsplit

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from pydantic_settings import SettingsError as _SourceError

from agents._core import messages as m
from agents._core.odoo import TRANSPORTS, ConnectionSpec, TransportChoice, mb_to_bytes
from agents._core.odoo.limits import DEFAULT_MAX_RESPONSE_MB

DEFAULT_CONNECTION = "default"
DATABASE_SCHEMES = ("sqlite", "postgresql", "postgres")


class BadSettings(ValueError):
    """A setting is wrong: the message is one line naming the variable, the problem and a good value."""


def _check_url(value: str, variable: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        hint = m.SETTING_URL_NO_SCHEME if "://" not in value else m.SETTING_URL_SCHEME
        raise ValueError(hint.format(variable=variable, value=value))
    return value


def _transport(value: Any) -> Any:
    """Before the type check, so a bad value gets our one-line message rather than pydantic's."""
    if isinstance(value, str) and value.strip().lower() in TRANSPORTS:
        return value.strip().lower()
    if value is None:
        return value
    raise ValueError(m.ODOO_TRANSPORT_BAD.format(value=value))


class OdooConnection(BaseModel):
    """One Odoo server a policy can name in its `odoo:` key."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    url: str
    db: str
    user: str
    password: SecretStr | None = None
    api_key: SecretStr | None = None
    timeout: float = Field(default=30.0, gt=0)
    transport: TransportChoice | None = None  # None: ODOO_TRANSPORT's

    _check_transport = field_validator("transport", mode="before")(_transport)

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        return _check_url(value, "url")

    @model_validator(mode="after")
    def _one_secret(self) -> OdooConnection:
        if self.password is None and self.api_key is None:
            raise ValueError("set a password or an api_key for the Odoo connection")
        return self

    def spec(self, name: str, *, transport: TransportChoice, max_response_mb: float) -> ConnectionSpec:
        return ConnectionSpec(
            name, self.url, self.db, self.user,
            password=self.password.get_secret_value() if self.password else None,
            api_key=self.api_key.get_secret_value() if self.api_key else None,
            timeout=self.timeout, transport=self.transport or transport, max_response_bytes=mb_to_bytes(max_response_mb),
        )


class Settings(BaseSettings):
    """Each field's alias is the environment variable; deploy/.env.example lists them all (a test keeps it in step)."""

    # env_ignore_empty: `ODOO_URL=` (as in an EnvironmentFile left blank) means unset, not an empty URL.
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore", populate_by_name=True,
                                      env_ignore_empty=True)

    database_url: str = Field(default="", validation_alias="SENTINEL_DATABASE_URL")
    policy_dir: Path = Field(default=Path("policies"), validation_alias="SENTINEL_POLICY_DIR")
    model: str | None = Field(default=None, validation_alias="SENTINEL_MODEL")
    llm_timeout: float = Field(default=20.0, gt=0, validation_alias="SENTINEL_LLM_TIMEOUT")
    # How often `run` expires overdue proposals, delivers the outbox and prunes old state.
    housekeeping_seconds: float = Field(default=30.0, gt=0, validation_alias="SENTINEL_HOUSEKEEPING_SECONDS")
    # Checkpoints of finished proposals and queue snapshots older than this are deleted (0: keep everything);
    # the audit trail is never pruned.
    retention_days: int = Field(default=90, ge=0, validation_alias="SENTINEL_RETENTION_DAYS")
    # How often `run` prunes (several replicas may all prune: the deletions are idempotent).
    prune_hours: float = Field(default=6.0, gt=0, validation_alias="SENTINEL_PRUNE_HOURS")
    # /healthz answers 503 for an agent whose last N runs all failed.
    health_failed_runs: int = Field(default=3, ge=1, validation_alias="SENTINEL_HEALTH_FAILED_RUNS")
    # How long /healthz reuses an Odoo reachability check, so a busy probe never hammers Odoo.
    health_cache_seconds: float = Field(default=15.0, ge=0, validation_alias="SENTINEL_HEALTH_CACHE_SECONDS")
    # After this many LLM failures or timeouts in a row, drafts use the template for SENTINEL_LLM_COOL_OFF seconds.
    llm_failures_to_open: int = Field(default=3, ge=1, validation_alias="SENTINEL_LLM_FAILURES")
    llm_cool_off: float = Field(default=300.0, ge=0, validation_alias="SENTINEL_LLM_COOL_OFF")
    # The audit chain's HMAC key, kept out of the database; unset: a key file (created 0600 on first use).
    audit_key: SecretStr | None = Field(default=None, validation_alias="SENTINEL_AUDIT_KEY")
    audit_key_file: Path | None = Field(default=None, validation_alias="SENTINEL_AUDIT_KEY_FILE")
    # A periodic job (scan, sweep, delivery, reload, digest) running longer than this is reported stuck in /healthz.
    stuck_job_seconds: float = Field(default=600.0, gt=0, validation_alias="SENTINEL_STUCK_JOB_SECONDS")
    odoo_url: str | None = Field(default=None, validation_alias="ODOO_URL")
    odoo_db: str | None = Field(default=None, validation_alias="ODOO_DB")
    odoo_user: str | None = Field(default=None, validation_alias="ODOO_USER")
    odoo_password: SecretStr | None = Field(default=None, validation_alias="ODOO_PASSWORD")
    odoo_api_key: SecretStr | None = Field(default=None, validation_alias="ODOO_API_KEY")
    odoo_timeout: float = Field(default=30.0, gt=0, validation_alias="ODOO_TIMEOUT")
    # Odoo's own limit on one request (its limit_time_real, 120 s by default): a write that timed out on our side may
    # still land until then, so its marker is looked for, and the write tried again, only after this long.
    odoo_request_limit: float = Field(default=120.0, gt=0, validation_alias="ODOO_REQUEST_LIMIT")
    # How long the process carrying out a decision holds it; if that process dies, another takes it over after this.
    lease_seconds: float = Field(default=600.0, gt=0, validation_alias="SENTINEL_LEASE_SECONDS")
    # auto: JSON-2 on Odoo 19+ when an API key is set, JSON-RPC otherwise; json2 or jsonrpc to force one.
    odoo_transport: TransportChoice = Field(default="auto", validation_alias="ODOO_TRANSPORT")
    # One Odoo answer larger than this fails its call instead of filling the process's memory.
    odoo_max_response_mb: float = Field(default=DEFAULT_MAX_RESPONSE_MB, gt=0, validation_alias="ODOO_MAX_RESPONSE_MB")
    # Further named connections as JSON: {"clinic2": {"url": "...", "db": "...", "user": "...", "password": "..."}}
    odoo_connections: dict[str, OdooConnection] = Field(default_factory=dict, validation_alias="ODOO_CONNECTIONS")
    # Slack: with a bot token `run` confirms proposals in Slack (HTTP endpoint, or Socket Mode with an app token).
    slack_bot_token: SecretStr | None = Field(default=None, validation_alias="SLACK_BOT_TOKEN")
    slack_signing_secret: SecretStr | None = Field(default=None, validation_alias="SLACK_SIGNING_SECRET")
    slack_app_token: SecretStr | None = Field(default=None, validation_alias="SLACK_APP_TOKEN")
    slack_api_url: str = Field(default="https://slack.com/api/", validation_alias="SLACK_API_URL")
    # Who may `/sentinel pause|resume` besides the policies' approvers: Slack user ids (U…) and user-group ids (S…),
    # separated by commas or spaces. Empty: the approvers only.
    sentinel_admins: str = Field(default="", validation_alias="SENTINEL_ADMINS")

    _check_transport = field_validator("odoo_transport", mode="before")(_transport)

    @model_validator(mode="after")
    def _json2_has_keys(self) -> Settings:
        for name, connection in self.connections().items():
            if (connection.transport or self.odoo_transport) == "json2" and connection.api_key is None:
                raise ValueError(m.ODOO_JSON2_NEEDS_KEY.format(connection=name))
        return self

    def gateway_spec(self, name: str, connection: OdooConnection) -> ConnectionSpec:
        return connection.spec(name, transport=self.odoo_transport, max_response_mb=self.odoo_max_response_mb)

    def __init__(self, **values: object) -> None:
        try:
            super().__init__(**values)
        except ValidationError as exc:
            raise BadSettings(_first_problem(exc)) from None
        except _SourceError as exc:  # the environment could not even be parsed (bad JSON in ODOO_CONNECTIONS)
            raise BadSettings(_source_problem(exc)) from None

    @field_validator("odoo_url")
    @classmethod
    def _odoo_url(cls, value: str | None) -> str | None:
        return _check_url(value, "ODOO_URL") if value else None

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        if not value:
            return value
        scheme = value.split("://", 1)[0].split("+", 1)[0].lower() if "://" in value else None
        if scheme is None:
            raise ValueError(m.SETTING_DATABASE_NOT_URL.format(value=value))
        if scheme not in DATABASE_SCHEMES:
            raise ValueError(m.SETTING_DATABASE_UNSUPPORTED.format(scheme=scheme))
        return value

    @model_validator(mode="after")
    def _odoo_complete(self) -> Settings:
        """ODOO_URL and its companions come as a set: half a connection is a mistake, not 'no connection'."""
        if self.odoo_url:
            missing = self.missing_odoo_variables()
            if missing:
                raise ValueError(m.SETTING_ODOO_INCOMPLETE.format(missing=_listed(missing)))
        return self

    def missing_odoo_variables(self) -> list[str]:
        """The variables still needed for the default Odoo connection, in the order an operator sets them."""
        needed = [("ODOO_URL", self.odoo_url), ("ODOO_DB", self.odoo_db), ("ODOO_USER", self.odoo_user),
                  ("ODOO_PASSWORD or ODOO_API_KEY", self.odoo_password or self.odoo_api_key)]
        return [name for name, value in needed if not value]

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{Path.cwd() / '.sentinel' / 'sentinel.db'}"

    def connections(self) -> dict[str, OdooConnection]:
        named = dict(self.odoo_connections)
        if self.odoo_url and self.odoo_db and self.odoo_user and (self.odoo_password or self.odoo_api_key):
            named.setdefault(
                DEFAULT_CONNECTION,
                OdooConnection(
                    url=self.odoo_url,
                    db=self.odoo_db,
                    user=self.odoo_user,
                    password=self.odoo_password,
                    api_key=self.odoo_api_key,
                    timeout=self.odoo_timeout,
                ),
            )
        return named

    def require_connections(self, names: set[str]) -> None:
        """Fail with the missing variables when a policy names a connection these settings do not define."""
        defined = self.connections()
        for name in sorted(names - set(defined)):
            if name == DEFAULT_CONNECTION:
                raise BadSettings(m.SETTING_ODOO_UNSET.format(missing=_listed(self.missing_odoo_variables())))
            raise BadSettings(m.SETTING_CONNECTION_UNDEFINED.format(name=name, known=", ".join(defined) or "none"))


def _listed(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _first_problem(exc: ValidationError) -> str:
    """The first error, as `VARIABLE: problem (e.g. VARIABLE=good value)`; values of secrets are never quoted."""
    error = exc.errors(include_url=False)[0]
    loc = [str(part) for part in error["loc"]]
    if not loc:  # a check across variables names them itself
        return _problem(error, quote=False)
    variable = loc[0]
    if variable == "ODOO_CONNECTIONS" and len(loc) > 1:
        where = ".".join(loc[1:])
        return m.SETTING_CONNECTIONS_ENTRY.format(where=where, problem=_problem(error, quote=False))
    example = m.SETTING_EXAMPLES.get(variable)
    line = f"{variable}: {_problem(error, quote=variable not in m.SETTING_SECRETS)}"
    return line + (f" (e.g. {variable}={example})" if example and "e.g." not in line else "")


def _problem(error: dict, *, quote: bool) -> str:
    kind, value = error["type"], error.get("input")
    shown = f"{value!r} " if quote and isinstance(value, (str, int, float)) else ""
    if kind == "value_error":
        return str(error["ctx"]["error"])
    if kind in ("float_parsing", "int_parsing", "float_type", "int_type", "int_from_float"):
        return m.SETTING_NOT_NUMBER.format(shown=shown)
    if kind == "greater_than":
        return m.SETTING_NOT_ABOVE.format(shown=shown, limit=f"{error['ctx']['gt']:g}")
    if kind == "greater_than_equal":
        return m.SETTING_BELOW.format(shown=shown, limit=f"{error['ctx']['ge']:g}")
    if kind == "missing":
        return m.SETTING_MISSING_KEY
    if kind == "extra_forbidden":
        return m.SETTING_UNKNOWN_KEY
    return f"{shown}{error['msg']}"


def _source_problem(exc: _SourceError) -> str:
    cause = exc.__cause__
    if isinstance(cause, json.JSONDecodeError):
        return m.SETTING_CONNECTIONS_JSON.format(reason=f"{cause.msg} at line {cause.lineno}, column {cause.colno}")
    return m.SETTING_CONNECTIONS_JSON.format(reason=str(exc))
