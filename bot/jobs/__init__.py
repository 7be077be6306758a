"""The scheduled jobs: the one registry (what each job claims, on which cron setting) and the
scheduler that runs them and the outbox's periodic sends."""
