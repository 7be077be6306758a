"""What `refdesk` says when it stops, shared by the parser (`bot.cli.main`) and the sub-commands
(`bot.cli.data`) without either importing the other."""

from __future__ import annotations

#: a person can fix it (a setting, an argument, a missing step): one `refdesk: ...` line
EXIT_USAGE = 2
#: the command ran but part of its work was not done (bad rows, a post Slack refused)
EXIT_NOT_DONE = 1


class CliError(Exception):
    """A one-line message for the person at the terminal; `refdesk` exits with EXIT_USAGE."""
