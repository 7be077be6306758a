"""Configuration from the environment or a `.env` file.

Slack's own variables keep Slack's names (`SLACK_BOT_TOKEN`, ...); the program's settings carry
the `REFDESK_` prefix. Secrets are `SecretStr` so they never show up in a repr or a log line.
"""

from __future__ import annotations

import zoneinfo
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AliasChoices, Field, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from sqlalchemy.engine import make_url

from handlers.outbox.smtp import parse_smtp_url

DEFAULT_DATABASE_URL = "sqlite:///refdesk.db"

#: What to tell a person who got a setting wrong: one line each, naming the fix.
HINTS: dict[str, str] = {
    "SLACK_BOT_TOKEN": "set SLACK_BOT_TOKEN to the app's Bot User OAuth Token (xoxb-...)",
    "SLACK_SIGNING_SECRET": "set SLACK_SIGNING_SECRET to the app's Signing Secret (Basic Information page)",
    "SLACK_APP_TOKEN": "set SLACK_APP_TOKEN to an app-level token (xapp-...) with "
    "connections:write, or unset it to serve over HTTP",
    "SLACK_API_URL": "set SLACK_API_URL to a Web API base URL such as https://slack.com/api/",
    "DATABASE_URL": "set DATABASE_URL to an SQLAlchemy URL, e.g. sqlite:///refdesk.db or "
    "postgresql+psycopg://user:pass@host/db",
    "REFDESK_ADMINS": "set REFDESK_ADMINS to comma-separated Slack user ids, e.g. U012AB3CD,U045EF6GH",
    "REFDESK_TIMEZONE": "set REFDESK_TIMEZONE to an IANA time zone name, e.g. Europe/Paris",
    "REFDESK_POLICY_FILE": "set REFDESK_POLICY_FILE to the path of a readable TOML policy file",
    "REFDESK_PUBLIC_URL": "set REFDESK_PUBLIC_URL to the HTTPS address the advocate's page is served at, "
    "e.g. https://refdesk.example.com",
    "REFDESK_SMTP_URL": "set REFDESK_SMTP_URL to smtp://user:pass@host:587 (STARTTLS) or "
    "smtps://user:pass@host:465",
    "REFDESK_MAIL_FROM": "set REFDESK_MAIL_FROM to the program's address, e.g. refdesk@example.com "
    "(e-mails go from the account owner's name at it)",
    "REFDESK_COMPANY_NAME": "set REFDESK_COMPANY_NAME to your company's name as customers know it, "
    "e.g. Northwind: the advocate's e-mails and pages say who asks",
    "REFDESK_PRIVACY_URL": "set REFDESK_PRIVACY_URL to your privacy notice's https:// address, or unset it",
    "REFDESK_DELIVERY_LEASE": "set REFDESK_DELIVERY_LEASE above 3 × REFDESK_SLACK_TIMEOUT + 1 seconds, "
    "or lower REFDESK_SLACK_TIMEOUT",
    "REFDESK_WORKER": "set REFDESK_WORKER to internal (serve sends and runs the jobs itself) or external "
    "(a `refdesk worker` process does)",
    "REFDESK_LOG_FORMAT": "set REFDESK_LOG_FORMAT to text or json",
    "REFDESK_LINK_SECRET": "set REFDESK_LINK_SECRET to one secret, or several separated by commas "
    "(the first signs, all verify)",
}

#: each Slack token's prefix, and the prefix of the token it is most often mixed up with
TOKEN_PREFIXES: dict[str, tuple[str, str]] = {
    "slack_bot_token": ("xoxb-", "xapp-"),
    "slack_app_token": ("xapp-", "xoxb-"),
}
TOKEN_KINDS = {
    "xapp-": "an app-level token, which belongs in SLACK_APP_TOKEN",
    "xoxb-": "a bot token, which belongs in SLACK_BOT_TOKEN",
}

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


class SettingsError(Exception):
    """A setting is missing or malformed; the message is one line a person can act on."""


class Settings(BaseSettings):
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

    # --- the customer's say: the advocate's page and e-mails (all three set: the program mails) ---
    #: the HTTPS base of the advocate's page (this server, as the advocate's browser reaches it)
    public_url: str | None = Field(None, validation_alias=AliasChoices("REFDESK_PUBLIC_URL", "public_url"))
    #: smtp://user:pass@host:port (STARTTLS when offered, required on 587) or smtps://...; secret
    smtp_url: SecretStr | None = Field(None, validation_alias=AliasChoices("REFDESK_SMTP_URL", "smtp_url"))
    mail_from: str | None = Field(None, validation_alias=AliasChoices("REFDESK_MAIL_FROM", "mail_from"))
    #: the company as its customers know it: who asks, in the advocate's e-mails and on their pages
    company_name: str | None = Field(
        None, validation_alias=AliasChoices("REFDESK_COMPANY_NAME", "company_name")
    )
    #: the privacy notice the advocate's e-mails and pages link to (none: no link)
    privacy_url: str | None = Field(None, validation_alias=AliasChoices("REFDESK_PRIVACY_URL", "privacy_url"))
    #: the keys the advocate's links are signed with, comma-separated: the first signs, all verify
    #: (rotation); unset: derived from SLACK_SIGNING_SECRET
    link_secret: SecretStr | None = Field(
        None, validation_alias=AliasChoices("REFDESK_LINK_SECRET", "link_secret")
    )
    #: how long a link in an e-mail works
    link_max_age_days: float = Field(
        30, gt=0, validation_alias=AliasChoices("REFDESK_LINK_MAX_AGE_DAYS", "link_max_age_days")
    )
    #: days without an answer before the owner is asked to record what the customer said
    consent_remind_days: float = Field(
        5, gt=0, validation_alias=AliasChoices("REFDESK_CONSENT_REMIND_DAYS", "consent_remind_days")
    )
    #: minutes an advocate's answer stays as it is before it may change again (0: no pause); each
    #: change tells the requester and the owner, so a link clicked thirty times owes two DMs
    answer_change_minutes: float = Field(
        10, ge=0, validation_alias=AliasChoices("REFDESK_ANSWER_CHANGE_MINUTES", "answer_change_minutes")
    )
    consent_remind_cron: str = Field(
        "0 * * * *", validation_alias=AliasChoices("REFDESK_CONSENT_REMIND_CRON", "consent_remind_cron")
    )
    #: when advocates whose approved words expire soon are e-mailed to Renew, edit or Withdraw them
    evidence_renew_cron: str = Field(
        "0 8 * * *", validation_alias=AliasChoices("REFDESK_EVIDENCE_RENEW_CRON", "evidence_renew_cron")
    )
    #: seconds one SMTP conversation may take
    smtp_timeout_seconds: float = Field(
        10, gt=0, validation_alias=AliasChoices("REFDESK_SMTP_TIMEOUT", "smtp_timeout_seconds")
    )
    #: the key removed people's addresses are fingerprinted with (HMAC); unset: from the link key
    erasure_secret: SecretStr | None = Field(
        None, validation_alias=AliasChoices("REFDESK_ERASURE_SECRET", "erasure_secret")
    )
    nomination_remind_cron: str = Field(
        "0 10 * * *",
        validation_alias=AliasChoices("REFDESK_NOMINATION_REMIND_CRON", "nomination_remind_cron"),
    )

    @field_validator("public_url", "privacy_url")
    @classmethod
    def _public_url_is_http(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError("not an http(s) URL")
        return value.rstrip("/") if value else value

    @field_validator("smtp_url")
    @classmethod
    def _smtp_url_parses(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            parse_smtp_url(value.get_secret_value())
        return value

    @property
    def mail_ready(self) -> bool:
        """The program can e-mail advocates: a page address, an SMTP server and a sender."""
        return bool(self.public_url and self.smtp_url and self.mail_from)

    def require_company(self) -> None:
        """A program that mails advocates says who asks: without the company's name, one line."""
        if self.mail_ready and not (self.company_name or "").strip():
            raise SettingsError(f"REFDESK_COMPANY_NAME is missing: {HINTS['REFDESK_COMPANY_NAME']}")

    @property
    def missing_mail_settings(self) -> list[str]:
        values = {
            "REFDESK_PUBLIC_URL": self.public_url,
            "REFDESK_SMTP_URL": self.smtp_url,
            "REFDESK_MAIL_FROM": self.mail_from,
        }
        return [name for name, value in values.items() if not value]

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

    @field_validator("link_secret")
    @classmethod
    def _some_link_key(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().replace(",", "").strip():
            raise ValueError("no key in it")
        return value

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
