"""The settings of the program's side that reaches customers: the advocate's pages and e-mails,
their links, how long an answer waits, and the jobs of the bench and the evidence. `Settings`
(`bot.settings`) is built on them, so every setting is still read once, from one place."""

from __future__ import annotations

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings

from bot.setting_hints import HINTS, SettingsError
from handlers.outbox.smtp import parse_smtp_url


class CustomerSettings(BaseSettings):
    """The advocate's pages and e-mails (all three of public_url, smtp_url, mail_from set: the
    program mails)."""

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

    @field_validator("link_secret")
    @classmethod
    def _some_link_key(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().replace(",", "").strip():
            raise ValueError("no key in it")
        return value
