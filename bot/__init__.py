"""The processes: configuration (`settings`), time (`clock`), the Bolt app and the desk built from
the settings (`app`), the `refdesk` command (`cli`), the server (`serve`) and the jobs (`jobs`)."""
