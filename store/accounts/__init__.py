"""Accounts as people look them up: the type-ahead and lists, find (which accounts fit a deal and
can afford it), and admin adjustments of a balance."""
