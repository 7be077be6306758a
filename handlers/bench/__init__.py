"""Growing the bench in Slack: nominating a contact (`/reference nominate`, **Nominate**), the
owner's decision (**Invite them** / **Not now**), and the messages about nominations."""
