"""Evidence in Slack: the library (`/reference evidence`), **Use this**, the words offered before a
call, and the admins' drafts (the advocate's pages and e-mails are `handlers.advocate`'s)."""
