"""Accounts in Slack: the account picker every modal shares, and admin adjustments of a balance."""
