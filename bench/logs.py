"""What a server process under benchmark logged: the lines that say something went wrong."""

from __future__ import annotations

from collections import Counter


def log_summary(log: str, top: int = 8) -> str:
    """The server's WARNING and ERROR lines, counted by logger and the first words of the message."""
    kinds: Counter[str] = Counter()
    for line in log.splitlines():
        parts = line.split(" ", 4)
        if len(parts) == 5 and parts[2] in ("WARNING", "ERROR") and parts[3] != "apscheduler.scheduler:":
            words = " ".join(w for w in parts[4].split()[:6] if not any(ch.isdigit() for ch in w))
            kinds[f"{parts[2]} {parts[3]} {words}"] += 1
    return "; ".join(f"{n}× {kind}" for kind, n in kinds.most_common(top)) or "none"


#: how an exception nothing caught starts: a thread's (printed by `threading.excepthook`), or the
#: process's own
UNCAUGHT = ("Exception in thread ", "Traceback (most recent call last):")


def first_error(log: str, lines: int = 30) -> str:
    """The first line of the log that says something went wrong — an ERROR, an exception nothing
    caught — and what follows it (its traceback), or "". A traceback under a WARNING (a retry,
    explained) is not one."""
    text = log.splitlines()
    for i, line in enumerate(text):
        if " ERROR " in line or (line.startswith(UNCAUGHT) and not (i and " WARNING " in text[i - 1])):
            return "\n".join(text[i : i + lines])
    return ""
