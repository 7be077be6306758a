"""The domain and its persistence: each function one transaction, plain data in and out, no Slack.

Features (requests, offers, the customer's say, giving back, accounts, the digest) stand on the
rules, the ledger, the outbox and the models; the tools (imports, what-if) stand on the features."""
