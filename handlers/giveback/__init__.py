"""Giving back in Slack: logging value delivered to an account, and the weekly nudge to owners."""
