"""What the benchmarks read about the processes they started, from `/proc` (Linux), while they run."""

from __future__ import annotations

import os
from pathlib import Path


def peak_rss_mib(pid: int) -> float:
    """The process's high-water mark of resident memory (VmHWM), read before it exits."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def cpu_seconds(pid: int) -> float:
    """The CPU time the process used so far, user and system (read before it exits)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
