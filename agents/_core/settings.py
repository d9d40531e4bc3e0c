"""Runtime settings from the environment and an optional .env file (secrets stay SecretStr)."""

from __future__ import annotations

from pathlib import Path

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from agents._core import messages
from agents._core.odoo import TRANSPORTS, ConnectionSpec, TransportChoice, mb_to_bytes
from agents._core.odoo.limits import DEFAULT_MAX_RESPONSE_MB

DEFAULT_CONNECTION = "default"


class SettingsError(ValueError):
    """A setting has a bad value: one line per problem, naming the variable."""


def _transport(value: Any) -> Any:
    """Before the type check, so a bad value gets our one-line message rather than pydantic's."""
    if isinstance(value, str) and value.strip().lower() in TRANSPORTS:
        return value.strip().lower()
    if value is None:
        return value
    raise ValueError(messages.ODOO_TRANSPORT_BAD.format(value=value))


class OdooConnection(BaseModel):
    """One Odoo server a policy can name in its `odoo:` key."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    url: str
    db: str
    user: str
    password: SecretStr | None = None
    api_key: SecretStr | None = None
    timeout: float = 30.0
    transport: TransportChoice | None = None  # None: ODOO_TRANSPORT's

    _check_transport = field_validator("transport", mode="before")(_transport)

    @model_validator(mode="after")
    def _one_secret(self) -> OdooConnection:
        if self.password is None and self.api_key is None:
            raise ValueError("set a password or an api_key for the Odoo connection")
        return self

    def secret(self) -> str:
        """The credential to log in with: an API key is preferred (Odoo accepts it in place of the password)."""
        chosen = self.api_key or self.password
        assert chosen is not None  # guaranteed by the validator
        return chosen.get_secret_value()

    def spec(self, name: str, *, transport: TransportChoice, max_response_mb: float) -> ConnectionSpec:
        return ConnectionSpec(
            name, self.url, self.db, self.user,
            password=self.password.get_secret_value() if self.password else None,
            api_key=self.api_key.get_secret_value() if self.api_key else None,
            timeout=self.timeout, transport=self.transport or transport, max_response_bytes=mb_to_bytes(max_response_mb),
        )


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore", populate_by_name=True)

    database_url: str = Field(default="", validation_alias="SENTINEL_DATABASE_URL")
    policy_dir: Path = Field(default=Path("policies"), validation_alias="SENTINEL_POLICY_DIR")
    model: str | None = Field(default=None, validation_alias="SENTINEL_MODEL")
    llm_timeout: float = Field(default=20.0, validation_alias="SENTINEL_LLM_TIMEOUT")
    # How often `run` expires overdue proposals and delivers the outbox.
    housekeeping_seconds: float = Field(default=30.0, validation_alias="SENTINEL_HOUSEKEEPING_SECONDS")
    odoo_url: str | None = Field(default=None, validation_alias="ODOO_URL")
    odoo_db: str | None = Field(default=None, validation_alias="ODOO_DB")
    odoo_user: str | None = Field(default=None, validation_alias="ODOO_USER")
    odoo_password: SecretStr | None = Field(default=None, validation_alias="ODOO_PASSWORD")
    odoo_api_key: SecretStr | None = Field(default=None, validation_alias="ODOO_API_KEY")
    odoo_timeout: float = Field(default=30.0, validation_alias="ODOO_TIMEOUT")
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

    def __init__(self, **values: Any) -> None:
        try:
            super().__init__(**values)
        except ValidationError as exc:
            raise SettingsError("\n".join(_problem(error) for error in exc.errors())) from None

    @model_validator(mode="after")
    def _json2_has_keys(self) -> Settings:
        for name, connection in self.connections().items():
            if (connection.transport or self.odoo_transport) == "json2" and connection.api_key is None:
                raise ValueError(messages.ODOO_JSON2_NEEDS_KEY.format(connection=name))
        return self

    def gateway_spec(self, name: str, connection: OdooConnection) -> ConnectionSpec:
        return connection.spec(name, transport=self.odoo_transport, max_response_mb=self.odoo_max_response_mb)

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


def _problem(error: Any) -> str:
    problem = str(error["msg"]).removeprefix("Value error, ")
    where = ".".join(str(part) for part in error["loc"])
    return messages.SETTINGS_INVALID.format(name=where, problem=problem) if where else problem
