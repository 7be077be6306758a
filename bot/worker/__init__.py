"""The `refdesk worker` process: the scheduled jobs and the outbox's sends, no Slack listener."""
