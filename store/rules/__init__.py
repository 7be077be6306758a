"""The program's rules: the policy (costs, credits, thresholds), the pure checklist that judges an
ask, the facts it judges it on, and who may be approached at all.

Everything that decides whether an ask is fair lives here, once: requests, find, the App Home,
the replay and the simulator all read the same checklist on the same facts.
"""
