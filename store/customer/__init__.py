"""The customer's say: the named advocate answers each approved ask (by e-mail or through the
owner), and rates the activity afterwards."""
