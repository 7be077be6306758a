"""Configuration from the environment or a `.env` file.

Slack's own variables keep Slack's names (`SLACK_BOT_TOKEN`, ...); the program's settings carry
the `REFDESK_` prefix. Secrets are `SecretStr` so they never show up in a repr or a log line.
"""

from __future__ import annotations

import zoneinfo
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AliasChoices, Field, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_settings import NoDecode, SettingsConfigDict
from sqlalchemy.engine import make_url

from bot.customer_settings import CustomerSettings
from bot.setting_hints import HINTS, TOKEN_KINDS, TOKEN_PREFIXES, SettingsError
from handlers.outbox.smtp import parse_smtp_url

DEFAULT_DATABASE_URL = "sqlite:///refdesk.db"

#: the longest single wait `bot.slack_client` allows between two tries of one call, beyond the
#: timeout: a `Retry-After` is waited out inside the call only when it is at most the timeout
#: (plus slack_sdk's random second); a longer one is the outbox's to wait.
JITTER_SECONDS = 1.0


def slack_call_seconds(timeout: float) -> float:
    """The longest one Web API call can take: two tries and one wait (≤ timeout + 1 s) between."""
    return 3 * timeout + JITTER_SECONDS


def default_slack_timeout(lease: float) -> float:
    """Unless set: a sixth of the lease (a call then takes at most half the lease plus 1 s), ≤ 10 s."""
    return min(10.0, lease / 6)


class Settings(CustomerSettings):
    """Everything the process needs to know, read once at start-up."""

    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        populate_by_name=True,
        # `SLACK_APP_TOKEN=` in a .env means "not set", not "an empty token"
        env_ignore_empty=True,
    )

    slack_bot_token: SecretStr | None = Field(None, validation_alias="SLACK_BOT_TOKEN")
    slack_signing_secret: SecretStr | None = Field(None, validation_alias="SLACK_SIGNING_SECRET")
    slack_app_token: SecretStr | None = Field(None, validation_alias="SLACK_APP_TOKEN")
    slack_api_url: str = Field("https://slack.com/api/", validation_alias="SLACK_API_URL")
    database_url: str = Field(DEFAULT_DATABASE_URL, validation_alias="DATABASE_URL")
    #: `serve`'s bounds on the database, in seconds (`store.deadlines.Limits`): a database that
    #: stops answering gets "nothing was saved" inside Slack's 3 s, never a stalled app.
    #: Connecting (PostgreSQL counts whole seconds, 2 at least):
    db_connect_timeout: float = Field(
        2, gt=0, validation_alias=AliasChoices("REFDESK_DB_CONNECT_TIMEOUT", "db_connect_timeout")
    )
    #: one statement, lock waits included (PostgreSQL's statement_timeout; SQLite's busy timeout)
    db_statement_timeout: float = Field(
        1.5, gt=0, validation_alias=AliasChoices("REFDESK_DB_STATEMENT_TIMEOUT", "db_statement_timeout")
    )
    #: waiting for a free pooled connection
    db_pool_timeout: float = Field(
        1, gt=0, validation_alias=AliasChoices("REFDESK_DB_POOL_TIMEOUT", "db_pool_timeout")
    )
    #: a whole transaction; past it the connection is cut off and nothing is committed
    db_transaction_budget: float = Field(
        2,
        gt=0,
        lt=3,
        validation_alias=AliasChoices("REFDESK_DB_TRANSACTION_BUDGET", "db_transaction_budget"),
    )

    admins: Annotated[list[str], NoDecode] = Field(
        default_factory=list, validation_alias=AliasChoices("REFDESK_ADMINS", "admins")
    )
    digest_channel: str | None = Field(
        None, validation_alias=AliasChoices("REFDESK_DIGEST_CHANNEL", "digest_channel")
    )
    timezone: str = Field("UTC", validation_alias=AliasChoices("REFDESK_TIMEZONE", "timezone"))
    policy_file: Path | None = Field(
        None, validation_alias=AliasChoices("REFDESK_POLICY_FILE", "policy_file")
    )
    scheduler_enabled: bool = Field(
        True, validation_alias=AliasChoices("REFDESK_SCHEDULER", "scheduler_enabled")
    )
    #: cron expressions (minute hour day month day_of_week), in the program's timezone
    nudge_cron: str = Field("0 9 * * mon", validation_alias=AliasChoices("REFDESK_NUDGE_CRON", "nudge_cron"))
    digest_cron: str = Field(
        "0 9 * * mon", validation_alias=AliasChoices("REFDESK_DIGEST_CRON", "digest_cron")
    )
    sla_check_cron: str = Field(
        "*/15 * * * *", validation_alias=AliasChoices("REFDESK_SLA_CHECK_CRON", "sla_check_cron")
    )
    coverage_gaps_cron: str = Field(
        "0 10 * * mon", validation_alias=AliasChoices("REFDESK_COVERAGE_GAPS_CRON", "coverage_gaps_cron")
    )
    followup_cron: str = Field(
        "0 10 * * *", validation_alias=AliasChoices("REFDESK_FOLLOWUP_CRON", "followup_cron")
    )
    asks_window_cron: str = Field(
        "5 0 * * *", validation_alias=AliasChoices("REFDESK_ASKS_WINDOW_CRON", "asks_window_cron")
    )
    decision_sla_hours: float = Field(
        24, gt=0, validation_alias=AliasChoices("REFDESK_DECISION_SLA_HOURS", "decision_sla_hours")
    )
    escalation_hours: float = Field(
        48, gt=0, validation_alias=AliasChoices("REFDESK_ESCALATION_HOURS", "escalation_hours")
    )
    #: seconds between passes of the delivery worker that retries Slack messages not yet sent
    delivery_interval_seconds: float = Field(
        5, gt=0, validation_alias=AliasChoices("REFDESK_DELIVERY_INTERVAL", "delivery_interval_seconds")
    )

    delivery_retry_seconds: float = Field(
        5, gt=0, validation_alias=AliasChoices("REFDESK_DELIVERY_RETRY", "delivery_retry_seconds")
    )
    #: seconds one try of a Slack Web API call may take; unset: a sixth of the lease, at most 10
    slack_timeout_seconds: float | None = Field(
        None, gt=0, validation_alias=AliasChoices("REFDESK_SLACK_TIMEOUT", "slack_timeout_seconds")
    )
    #: how long a process may hold a claimed message before another replica takes it over
    delivery_lease_seconds: float = Field(
        60, gt=0, validation_alias=AliasChoices("REFDESK_DELIVERY_LEASE", "delivery_lease_seconds")
    )
    #: messages per second the deployment posts at most, all sending processes together (Slack:
    #: ~1/s per channel, workspace capped; booked in the database); 0 switches pacing off
    post_rate: float = Field(10, ge=0, validation_alias=AliasChoices("REFDESK_POST_RATE", "post_rate"))
    #: posts the deployment may send at once above that pace (Slack counts per minute and grants
    #: bursts): a spike goes out at once, a flood is paced; a minute holds at most this many more
    post_burst: int = Field(
        100, ge=1, le=10_000, validation_alias=AliasChoices("REFDESK_POST_BURST", "post_burst")
    )
    #: threads sending Slack messages right after the ack; a thread may sit out Slack's per-channel
    #: second, so there are more than the post rate needs (docs/performance.md: the burst figures)
    delivery_threads: int = Field(
        16, ge=1, le=256, validation_alias=AliasChoices("REFDESK_DELIVERY_THREADS", "delivery_threads")
    )

    # --- processes: who sends, how a stop goes, how the log reads ---
    #: "internal": `serve` sends the outbox and runs the jobs (a laptop, or replicas that each do
    #: everything); "external": `serve` only acks, records and enqueues, `refdesk worker` sends
    worker: Literal["internal", "external"] = Field(
        "internal", validation_alias=AliasChoices("REFDESK_WORKER", "worker")
    )
    #: seconds a stopped process (SIGTERM) may take to finish the sends it started, after its HTTP
    #: requests (given at most 2.5 s, below Slack's 3 s) are answered; below `docker stop`'s 10 s
    stop_seconds: float = Field(
        8, gt=0, validation_alias=AliasChoices("REFDESK_STOP_SECONDS", "stop_seconds")
    )
    log_format: Literal["text", "json"] = Field(
        "text", validation_alias=AliasChoices("REFDESK_LOG_FORMAT", "log_format")
    )

    def link_keys(self) -> tuple[str, ...]:
        """The links' keys, the signing one first: REFDESK_LINK_SECRET's, else the Slack signing
        secret (itsdangerous derives a separate key per purpose from it with its salt, so no Slack
        signature shares it). Empty when neither is set."""
        if self.link_secret is not None:
            return tuple(key.strip() for key in self.link_secret.get_secret_value().split(",") if key.strip())
        if self.slack_signing_secret is not None and self.slack_signing_secret.get_secret_value():
            return (self.slack_signing_secret.get_secret_value(),)
        return ()

    def secrets(self) -> list[str]:
        """Every secret value the settings hold, for `bot.logs` to keep out of every log line."""
        held = [
            self.slack_bot_token,
            self.slack_signing_secret,
            self.slack_app_token,
            self.smtp_url,
            self.erasure_secret,
        ]
        values = [secret.get_secret_value() for secret in held if secret is not None]
        values.extend(self.link_keys())
        if self.smtp_url is not None:
            values.append(parse_smtp_url(self.smtp_url.get_secret_value()).password or "")
        values.append(make_url(self.database_url).password or "")
        return [value for value in values if len(value) >= 4]

    @field_validator("delivery_lease_seconds")
    @classmethod
    def _lease_outlasts_a_slack_call(cls, value: float, info: ValidationInfo) -> float:
        """A sender must hear Slack's answer (or give up) before its claim can be taken over."""
        timeout = info.data.get("slack_timeout_seconds") or default_slack_timeout(value)
        if slack_call_seconds(timeout) >= value:
            raise ValueError(
                f"{value:g} s is too short: one Slack call may take {slack_call_seconds(timeout):.3g} s "
                f"with a {timeout:.3g} s Slack timeout"
            )
        return value

    @field_validator("slack_bot_token", "slack_app_token")
    @classmethod
    def _token_of_its_kind(cls, value: SecretStr | None, info: ValidationInfo) -> SecretStr | None:
        """A token of the wrong kind is refused at start, by name, instead of by Slack later."""
        if value is None or not value.get_secret_value().strip():
            return value  # absent: `require_slack` says so where the token is needed
        expected, other = TOKEN_PREFIXES[info.field_name or ""]
        token = value.get_secret_value().strip()
        if token.startswith(expected):
            return SecretStr(token)
        if token.startswith(other):
            raise ValueError(f"it starts with {other}, {TOKEN_KINDS[other]}")
        raise ValueError(f"it does not start with {expected}")

    @field_validator("admins", mode="before")
    @classmethod
    def _admins_from_csv(cls, value: object) -> object:
        return (
            [part.strip() for part in value.split(",") if part.strip()] if isinstance(value, str) else value
        )

    @field_validator("admins")
    @classmethod
    def _admins_look_like_user_ids(cls, value: list[str]) -> list[str]:
        for user_id in value:
            if user_id[:1] not in ("U", "W") or not user_id.isalnum():
                raise ValueError(f"{user_id!r} is not a Slack user id")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("policy_file")
    @classmethod
    def _readable_policy(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_file():
            raise ValueError(f"no file at {value}")
        return value

    @field_validator("slack_api_url")
    @classmethod
    def _api_url_with_slash(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("not an http(s) URL")
        return value if value.endswith("/") else value + "/"

    @property
    def slack_timeout(self) -> float:
        """The timeout of one try of a Web API call, short enough that the lease outlasts the call."""
        return self.slack_timeout_seconds or default_slack_timeout(self.delivery_lease_seconds)

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)

    def require_slack(self, *, socket_mode: bool) -> None:
        """Fail with one line when the Slack credentials this mode needs are absent."""
        needed = ["SLACK_BOT_TOKEN"] + (["SLACK_APP_TOKEN"] if socket_mode else ["SLACK_SIGNING_SECRET"])
        values = {
            "SLACK_BOT_TOKEN": self.slack_bot_token,
            "SLACK_SIGNING_SECRET": self.slack_signing_secret,
            "SLACK_APP_TOKEN": self.slack_app_token,
        }
        for name in needed:
            secret = values[name]
            if secret is None or not secret.get_secret_value().strip():
                raise SettingsError(f"{name} is missing: {HINTS[name]}")


def load_settings(**overrides: object) -> Settings:
    """Read the settings, turning pydantic's report into one line that says what to set."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        error = exc.errors()[0]
        name = _env_name(error["loc"])
        reason = error["msg"].removeprefix("Value error, ")
        hint = HINTS.get(name, f"check {name}")
        raise SettingsError(f"{name} is invalid ({reason}): {hint}") from None


def _env_name(loc: tuple[int | str, ...]) -> str:
    field = str(loc[0]) if loc else "?"
    info = Settings.model_fields.get(field)
    if info is None:
        return field.upper()
    alias = info.validation_alias
    if isinstance(alias, str):
        return alias
    if isinstance(alias, AliasChoices):
        return str(alias.choices[0])
    return field.upper()
