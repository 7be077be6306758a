"""How long one weekly nudge run takes for N owners against the Slack emulator (loopback only).

    .venv/bin/python bench/nudge_fanout.py [--owners 1000] [--rate 10]

Starts the emulator with N extra users, a SQLite database with one over-asked account per owner,
runs `refdesk jobs run nudge` and prints the elapsed time and messages per second, beside the
rate Slack allows. `--rate 0` switches pacing off to show the raw speed of the app + emulator.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from store.db import Database
from store.deadlines import BATCH
from tests.support.emulator import BOT_TOKEN, SIGNING_SECRET, Emulator
from tests.support.program import over_asked_accounts
from tests.support.server import run_cli

#: Slack's chat.postMessage is "special" tier: about 1 message per second per channel (bursts
#: allowed), under a workspace-wide ceiling Slack does not publish. A nudge run writes one DM per
#: owner, each its own channel, so the per-channel limit never binds; the app paces itself.
SLACK_PER_CHANNEL = 1.0


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--owners", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=10, help="REFDESK_POST_RATE (0: no pacing)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        people = [(f"owner{i}", f"Owner {i}", f"owner{i}@example.com") for i in range(args.owners)]
        emulator = Emulator(workdir, extra_users=people).start(timeout=120)
        try:
            url = f"sqlite:///{workdir / 'refdesk.db'}"
            env = {
                "SLACK_BOT_TOKEN": BOT_TOKEN,
                "SLACK_SIGNING_SECRET": SIGNING_SECRET,
                "SLACK_API_URL": emulator.api_url,
                "DATABASE_URL": url,
                "REFDESK_POST_RATE": str(args.rate),
            }
            assert run_cli(env, "db", "upgrade").returncode == 0
            users: dict[str, str] = {}
            cursor = None
            for _ in range(args.owners):  # pages of users.list, bounded
                page = emulator.bot.users_list(limit=200, cursor=cursor)
                users.update({u["name"]: u["id"] for u in page["members"]})
                cursor = (page.get("response_metadata") or {}).get("next_cursor")
                if not cursor:
                    break
            now = dt.datetime.now(dt.UTC)
            db = Database(url, limits=BATCH)
            over_asked_accounts(db, [users[f"owner{i}"] for i in range(args.owners)], now)
            db.dispose()
            started = time.monotonic()
            done = run_cli(env, "jobs", "run", "nudge", timeout=3600)
            elapsed = time.monotonic() - started
            if done.returncode != 0:
                print(done.stderr[-3000:], file=sys.stderr)
                return 1
        finally:
            emulator.stop()
    print(done.stdout.strip())
    rate = args.owners / elapsed
    pacing = f"paced at {args.rate:g}/s" if args.rate > 0 else "pacing off"
    print(f"{args.owners} owners, {pacing}: {elapsed:.1f} s for the run, {rate:.1f} messages/s")
    print(
        f"Slack chat.postMessage: ~{SLACK_PER_CHANNEL:g} message/s per channel (each nudge is its own DM "
        "channel), workspace ceiling unpublished; a 429 is waited out with Retry-After"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
