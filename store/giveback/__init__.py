"""Giving back: value logged for an account (its credit on the ledger), the weekly nudge to
owners whose accounts were asked more than given, and the social capital each account received."""
