"""Coverage in Slack: **Nothing fits** on find's answer and the admins' daily DM about it, the
weekly gap ask with **Nominate**, the digest's coverage part, its heat map, and the words all of
them (and `refdesk coverage`) share."""
