"""The outbox: what the app owes people (Slack messages, e-mails) and claims on scheduled work.

`kinds` and `payloads` say what a delivery is and carries; `queue` writes, claims and settles
rows (always inside the caller's transaction or one of its own); `listing` reads them back.
Sending is not the store's business: the sender lives in `handlers.outbox`.
"""
