"""The advocate's side, outside Slack: the pages they open from an e-mail (answer an ask, rate an
activity, answer an offer's invitation), the e-mails themselves, and their templates."""
