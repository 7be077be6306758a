"""What `refdesk` says when a setting is missing or wrong: one line a person can act on, naming
the variable and the fix. Read by `bot.settings` and `bot.customer_settings`."""

from __future__ import annotations


class SettingsError(Exception):
    """A setting is missing or malformed; the message is one line a person can act on."""


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
