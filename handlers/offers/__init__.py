"""Giving first in Slack: the offers admins post, and the seats owners reserve on them."""
