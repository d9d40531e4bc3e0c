"""Runtime settings from the environment and an optional .env file (secrets stay SecretStr)."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_CONNECTION = "default"


class OdooConnection(BaseModel):
    """One Odoo server a policy can name in its `odoo:` key."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    url: str
    db: str
    user: str
    password: SecretStr | None = None
    api_key: SecretStr | None = None
    timeout: float = 30.0

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


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore", populate_by_name=True)

    database_url: str = Field(default="", validation_alias="SENTINEL_DATABASE_URL")
    policy_dir: Path = Field(default=Path("policies"), validation_alias="SENTINEL_POLICY_DIR")
    model: str | None = Field(default=None, validation_alias="SENTINEL_MODEL")
    llm_timeout: float = Field(default=20.0, validation_alias="SENTINEL_LLM_TIMEOUT")
    # After this many LLM failures or timeouts in a row, drafts use the template for SENTINEL_LLM_COOL_OFF seconds.
    llm_failures_to_open: int = Field(default=3, ge=1, validation_alias="SENTINEL_LLM_FAILURES")
    llm_cool_off: float = Field(default=300.0, ge=0, validation_alias="SENTINEL_LLM_COOL_OFF")
    # How often `run` expires overdue proposals and delivers the outbox.
    housekeeping_seconds: float = Field(default=30.0, validation_alias="SENTINEL_HOUSEKEEPING_SECONDS")
    # The audit chain's HMAC key, kept out of the database; unset: a key file (created 0600 on first use).
    audit_key: SecretStr | None = Field(default=None, validation_alias="SENTINEL_AUDIT_KEY")
    audit_key_file: Path | None = Field(default=None, validation_alias="SENTINEL_AUDIT_KEY_FILE")
    # A periodic job (scan, sweep, delivery, reload, digest) running longer than this is reported stuck in /healthz.
    stuck_job_seconds: float = Field(default=600.0, validation_alias="SENTINEL_STUCK_JOB_SECONDS")
    odoo_url: str | None = Field(default=None, validation_alias="ODOO_URL")
    odoo_db: str | None = Field(default=None, validation_alias="ODOO_DB")
    odoo_user: str | None = Field(default=None, validation_alias="ODOO_USER")
    odoo_password: SecretStr | None = Field(default=None, validation_alias="ODOO_PASSWORD")
    odoo_api_key: SecretStr | None = Field(default=None, validation_alias="ODOO_API_KEY")
    odoo_timeout: float = Field(default=30.0, validation_alias="ODOO_TIMEOUT")
    # Further named connections as JSON: {"clinic2": {"url": "...", "db": "...", "user": "...", "password": "..."}}
    odoo_connections: dict[str, OdooConnection] = Field(default_factory=dict, validation_alias="ODOO_CONNECTIONS")
    # Slack: with a bot token `run` confirms proposals in Slack (HTTP endpoint, or Socket Mode with an app token).
    slack_bot_token: SecretStr | None = Field(default=None, validation_alias="SLACK_BOT_TOKEN")
    slack_signing_secret: SecretStr | None = Field(default=None, validation_alias="SLACK_SIGNING_SECRET")
    slack_app_token: SecretStr | None = Field(default=None, validation_alias="SLACK_APP_TOKEN")
    slack_api_url: str = Field(default="https://slack.com/api/", validation_alias="SLACK_API_URL")

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
