"""Settings from the environment: sensible defaults, one clear line for a bad value, secrets
that never show up in a repr."""

from __future__ import annotations

import os
import re
import zoneinfo
from pathlib import Path

import pytest
from pydantic import AliasChoices, SecretStr

from bot.settings import DEFAULT_DATABASE_URL, Settings, SettingsError, load_settings
from handlers.outbox.smtp import parse_smtp_url
from tests.support.paths import ROOT


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No setting inherited from the shell, and no `.env` in the working directory."""
    for name in list(os.environ):
        if name.startswith(("SLACK_", "REFDESK_")) or name == "DATABASE_URL":
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def test_defaults_need_nothing_set() -> None:
    settings = load_settings()

    assert settings.slack_bot_token is None
    assert settings.slack_signing_secret is None
    assert settings.slack_app_token is None
    assert settings.slack_api_url == "https://slack.com/api/"
    assert settings.database_url == DEFAULT_DATABASE_URL == "sqlite:///refdesk.db"
    assert settings.admins == []
    assert settings.digest_channel is None
    assert settings.timezone == "UTC"
    assert settings.tz == zoneinfo.ZoneInfo("UTC")
    assert settings.policy_file is None
    assert settings.scheduler_enabled is True
    assert (settings.nudge_cron, settings.digest_cron) == ("0 9 * * mon", "0 9 * * mon")
    assert (settings.decision_sla_hours, settings.escalation_hours) == (24, 48)


def test_everything_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text("opening_balance = 5\n")
    values = {
        "SLACK_BOT_TOKEN": "xoxb-1-2-3",
        "SLACK_SIGNING_SECRET": "s3cr3t",
        "SLACK_APP_TOKEN": "xapp-1-2-3",
        "SLACK_API_URL": "http://127.0.0.1:9999/api",
        "DATABASE_URL": "postgresql+psycopg://refdesk:pw@db/refdesk",
        "REFDESK_ADMINS": " U012AB3CD, W045EF6GH ,",
        "REFDESK_DIGEST_CHANNEL": "C0PROGRAM",
        "REFDESK_TIMEZONE": "Europe/Paris",
        "REFDESK_POLICY_FILE": str(policy),
        "REFDESK_SCHEDULER": "false",
        "REFDESK_DECISION_SLA_HOURS": "12",
        "REFDESK_ESCALATION_HOURS": "36",
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)

    settings = load_settings()

    assert settings.slack_bot_token is not None
    assert settings.slack_bot_token.get_secret_value() == "xoxb-1-2-3"
    assert settings.slack_api_url == "http://127.0.0.1:9999/api/"
    assert settings.database_url == "postgresql+psycopg://refdesk:pw@db/refdesk"
    assert settings.admins == ["U012AB3CD", "W045EF6GH"]
    assert settings.digest_channel == "C0PROGRAM"
    assert settings.tz == zoneinfo.ZoneInfo("Europe/Paris")
    assert settings.policy_file == policy
    assert settings.scheduler_enabled is False
    assert (settings.decision_sla_hours, settings.escalation_hours) == (12, 36)


def test_a_dot_env_file_in_the_working_directory_is_read(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("REFDESK_ADMINS=U012AB3CD\nREFDESK_TIMEZONE=America/New_York\n")

    settings = load_settings()

    assert settings.admins == ["U012AB3CD"]
    assert settings.timezone == "America/New_York"


def test_the_environment_wins_over_the_dot_env_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("REFDESK_TIMEZONE=America/New_York\n")
    monkeypatch.setenv("REFDESK_TIMEZONE", "Asia/Tokyo")

    assert load_settings().timezone == "Asia/Tokyo"


@pytest.mark.parametrize(
    ("variable", "value", "says"),
    [
        ("REFDESK_TIMEZONE", "Mars/Olympus_Mons", "IANA time zone name"),
        ("REFDESK_ADMINS", "U012AB3CD,alice", "comma-separated Slack user ids"),
        ("SLACK_API_URL", "slack.com/api", "Web API base URL"),
        ("REFDESK_POLICY_FILE", "/nonexistent/policy.toml", "readable TOML policy file"),
        ("REFDESK_DECISION_SLA_HOURS", "0", "REFDESK_DECISION_SLA_HOURS"),
        ("REFDESK_SCHEDULER", "sometimes", "REFDESK_SCHEDULER"),
        ("REFDESK_DELIVERY_THREADS", "0", "REFDESK_DELIVERY_THREADS"),
    ],
)
def test_a_malformed_setting_is_one_line_naming_the_variable_and_the_fix(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, says: str
) -> None:
    monkeypatch.setenv(variable, value)

    with pytest.raises(SettingsError) as raised:
        load_settings()

    message = str(raised.value)
    assert "\n" not in message
    assert message.startswith(f"{variable} is invalid")
    assert says in message


def test_the_message_quotes_the_bad_admin_id(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REFDESK_ADMINS", "U012AB3CD,alice")

    with pytest.raises(SettingsError, match="'alice' is not a Slack user id"):
        load_settings()


def test_an_empty_variable_counts_as_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_APP_TOKEN", "")
    monkeypatch.setenv("REFDESK_DIGEST_CHANNEL", "")

    settings = load_settings()

    assert settings.slack_app_token is None
    assert settings.digest_channel is None


def test_overrides_take_the_place_of_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REFDESK_TIMEZONE", "Asia/Tokyo")

    settings = load_settings(timezone="Europe/Paris", admins="U012AB3CD")

    assert (settings.timezone, settings.admins) == ("Europe/Paris", ["U012AB3CD"])


def test_secrets_are_secret_and_stay_out_of_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-very-secret-token")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "signing-very-secret")
    monkeypatch.setenv("SLACK_APP_TOKEN", "xapp-very-secret-token")

    settings = load_settings()

    for secret in (settings.slack_bot_token, settings.slack_signing_secret, settings.slack_app_token):
        assert isinstance(secret, SecretStr)
    shown = repr(settings) + str(settings)
    for value in ("xoxb-very-secret-token", "signing-very-secret", "xapp-very-secret-token"):
        assert value not in shown


@pytest.mark.parametrize(
    ("present", "socket_mode", "missing"),
    [
        ({}, False, "SLACK_BOT_TOKEN"),
        ({"slack_bot_token": "xoxb-1"}, False, "SLACK_SIGNING_SECRET"),
        ({"slack_bot_token": "xoxb-1", "slack_signing_secret": "  "}, False, "SLACK_SIGNING_SECRET"),
        ({"slack_bot_token": "xoxb-1", "slack_signing_secret": "s"}, True, "SLACK_APP_TOKEN"),
        ({"slack_signing_secret": "s", "slack_app_token": "xapp-1"}, True, "SLACK_BOT_TOKEN"),
    ],
)
def test_require_slack_names_the_missing_credential(
    present: dict[str, str], socket_mode: bool, missing: str
) -> None:
    settings = Settings(**present)

    with pytest.raises(SettingsError) as raised:
        settings.require_slack(socket_mode=socket_mode)

    message = str(raised.value)
    assert message.startswith(f"{missing} is missing: set {missing} to ")
    assert "\n" not in message


def test_require_slack_is_satisfied_by_the_credentials_of_the_mode() -> None:
    http = Settings(slack_bot_token="xoxb-1", slack_signing_secret="s")
    socket = Settings(slack_bot_token="xoxb-1", slack_app_token="xapp-1")

    http.require_slack(socket_mode=False)
    socket.require_slack(socket_mode=True)
    with pytest.raises(SettingsError, match="SLACK_APP_TOKEN"):
        http.require_slack(socket_mode=True)


@pytest.mark.parametrize(
    ("setting", "token", "reason"),
    [
        ("slack_bot_token", "xoxp-a-user-token", "(it does not start with xoxb-)"),
        (
            "slack_bot_token",
            "xapp-1-A1-2",
            "(it starts with xapp-, an app-level token, which belongs in SLACK_APP_TOKEN)",
        ),
        (
            "slack_app_token",
            "xoxb-1-2",
            "(it starts with xoxb-, a bot token, which belongs in SLACK_BOT_TOKEN)",
        ),
        ("slack_app_token", "1-A1-2", "(it does not start with xapp-)"),
    ],
)
def test_a_token_of_the_wrong_kind_is_one_line_naming_the_setting_and_never_the_token(
    setting: str, token: str, reason: str
) -> None:
    with pytest.raises(SettingsError) as raised:
        load_settings(**{setting: token})

    message = str(raised.value)
    name = setting.upper()
    assert message.startswith(f"{name} is invalid {reason}: set {name} to ")
    assert token not in message and "\n" not in message


def test_a_token_keeps_no_surrounding_blanks() -> None:
    settings = load_settings(slack_bot_token=" xoxb-1-2 ", slack_app_token="xapp-1-2\n")

    assert settings.slack_bot_token is not None and settings.slack_app_token is not None
    assert settings.slack_bot_token.get_secret_value() == "xoxb-1-2"
    assert settings.slack_app_token.get_secret_value() == "xapp-1-2"


# --- the documentation of the settings -----------------------------------------------------------


def variable_names() -> list[str]:
    """The environment variable of every setting, as `load_settings` reads it."""
    names = []
    for field in Settings.model_fields.values():
        alias = field.validation_alias
        names.append(str(alias.choices[0]) if isinstance(alias, AliasChoices) else str(alias))
    return names


def test_every_setting_is_in_the_docs_and_the_env_example() -> None:
    docs = (ROOT / "docs" / "operating.md").read_text(encoding="utf-8")
    example = (ROOT / ".env.example").read_text(encoding="utf-8")

    undocumented = [name for name in variable_names() if f"| `{name}` |" not in docs]
    missing = [name for name in variable_names() if not re.search(rf"^# {name}=", example, re.MULTILINE)]

    assert not undocumented, f"add {undocumented} to docs/operating.md's Configuration table"
    assert not missing, f"add {missing} to .env.example"


def test_the_env_example_with_every_line_uncommented_is_valid(tmp_path: Path) -> None:
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    policy = tmp_path / "policy.toml"
    policy.write_text("opening_balance = 3\n")
    lines = [m.group(1) for m in re.finditer(r"^# ([A-Z_]+=.*)$", example, re.MULTILINE)]
    lines = [
        f"REFDESK_POLICY_FILE={policy}" if line.startswith("REFDESK_POLICY_FILE=") else line for line in lines
    ]
    (tmp_path / ".env").write_text("\n".join(lines) + "\n")

    settings = load_settings()

    assert len(lines) == len(variable_names())
    assert settings.admins == ["U012AB3CD", "U045EF6GH"]
    assert settings.slack_app_token is not None
    assert settings.database_url == DEFAULT_DATABASE_URL


def test_mail_settings_make_the_program_mail_and_keep_the_smtp_password_secret() -> None:
    settings = load_settings(
        smtp_url="smtp://refdesk:s3cr%40t@mail.example.com:587",
        public_url="https://refdesk.example.com/",
        mail_from="refdesk@example.com",
    )
    assert settings.mail_ready and settings.missing_mail_settings == []
    assert settings.public_url == "https://refdesk.example.com"
    assert "s3cr" not in repr(settings) and "s3cr" not in str(settings.model_dump())
    server = parse_smtp_url(settings.smtp_url.get_secret_value())  # type: ignore[union-attr]
    assert (server.host, server.port, server.username, server.password) == (
        "mail.example.com",
        587,
        "refdesk",
        "s3cr@t",
    )
    assert server.requires_starttls and "s3cr" not in repr(server)
    assert parse_smtp_url("smtps://mail.example.com").port == 465
    assert not load_settings(public_url="https://x.example").mail_ready


def test_a_bad_smtp_url_is_one_line_that_does_not_repeat_the_password() -> None:
    with pytest.raises(SettingsError) as error:
        load_settings(smtp_url="http://user:hunter2@mail.example.com")
    assert str(error.value).startswith("REFDESK_SMTP_URL is invalid (the scheme must be smtp:// or smtps://)")
    assert "hunter2" not in str(error.value)
