"""A reference request from ask to close: submitting it, deciding it once, its card (what the
decider reads), the lists of who waits for what, the SLA reminders and follow-ups, and the App
Homes a decision owes."""
