"""The sender: claims what the outbox owes and sends it, to Slack or by SMTP, by the route each
delivery kind has (`handlers.routes`). It reads everything from the desk it is handed and
imports no surface, so every surface can hand it their messages."""
