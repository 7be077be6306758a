"""A reference request in Slack, from ask to close: the request modal, find, status, deciding,
the customer's say recorded by the owner, SLA reminders and follow-ups, and the outbox renderers of
the lifecycle's messages."""
