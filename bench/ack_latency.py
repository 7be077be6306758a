"""How fast the running server acks: `/reference`, a modal submit and an Approve click.

Starts the Slack emulator and the real `refdesk serve --http` on loopback (SQLite by default,
`--postgres` for a private PostgreSQL cluster), sends signed requests one at a time, and prints
p50/p99 of the time from sending each request to its HTTP answer (Slack's 3-second ack budget).

    .venv/bin/python -m bench.ack_latency [--n 200] [--postgres]   (from the repository root)
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path

from tests.support.emulator import BOT_TOKEN, SIGNING_SECRET, Emulator
from tests.support.payloads import block_actions, select, text, view_submission
from tests.support.postgres import create_database, postgres_server
from tests.support.program import seed_program
from tests.support.server import RefdeskServer, run_cli
from tests.support.slack_proxy import SlackProxy


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def timed(call: Callable[[], object]) -> float:
    started = time.perf_counter()
    reply = call()
    elapsed = (time.perf_counter() - started) * 1000
    assert reply.status == 200, reply
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200, help="requests per measurement (max 1000)")
    parser.add_argument("--debug", action="store_true", help="print the server log at the end")
    parser.add_argument("--postgres", action="store_true", help="use a private PostgreSQL cluster")
    args = parser.parse_args()
    n = max(10, min(args.n, 1000))
    with ExitStack() as stack, tempfile.TemporaryDirectory(prefix="refdesk-bench-") as tmp:
        workdir = Path(tmp)
        emulator = Emulator(workdir).start()
        stack.callback(emulator.stop)
        proxy = SlackProxy(emulator.api_url)
        stack.callback(proxy.close)
        if args.postgres:
            url = create_database(stack.enter_context(postgres_server()), "refdesk_bench")
        else:
            url = f"sqlite:///{workdir / 'bench.db'}"
        env = {
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": proxy.api_url,
            "DATABASE_URL": url,
            "REFDESK_ADMINS": emulator.ids["admin"],
            "REFDESK_SCHEDULER": "false",
        }
        assert run_cli(env, "db", "upgrade").returncode == 0
        program = seed_program(env, workdir)
        server = RefdeskServer(env, workdir, SIGNING_SECRET).start()
        stack.callback(
            lambda: print(server.log()[-3000:], file=sys.stderr) if "--debug" in sys.argv else None
        )
        stack.callback(server.stop)
        requester, owner = emulator.ids["requester"], emulator.ids["owner"]
        program.adjust("Acme Corp", 10 * n, emulator.ids["admin"], "bench: room for many asks")

        open_modal = []
        for _ in range(n):
            trigger = emulator.trigger_id(requester)
            open_modal.append(timed(lambda t=trigger: server.command("", user_id=requester, trigger_id=t)))
        submits = []
        for i in range(n):
            view = {
                "id": f"VBENCH{i}",
                "type": "modal",
                "callback_id": "request_modal",
                "hash": "h",
                "private_metadata": "{}",
            }
            values = {
                "account": {"account": select(str(program.accounts["Acme Corp"]))},
                "activity": {"activity": select("logo")},
                "opportunity_name": {"value": text(f"Deal {i}")},
            }
            submits.append(timed(lambda v=view, s=values: server.interact(view_submission(requester, v, s))))
        db = program.database()
        with db.transaction() as session:
            from sqlalchemy import select as sql_select

            from store.models import ReferenceRequest

            ids = list(session.scalars(sql_select(ReferenceRequest.id).order_by(ReferenceRequest.id)))
        db.dispose()
        approves = [
            timed(lambda r=r: server.interact(block_actions(owner, "approve", str(r)))) for r in ids[:n]
        ]

        print(
            f"refdesk serve --http on {'PostgreSQL' if args.postgres else 'SQLite'}, "
            f"{n} signed requests each, sent one at a time over loopback (ms)"
        )
        print(f"{'request':<22}{'p50':>8}{'p99':>8}{'max':>8}{'mean':>8}")
        for name, samples in (
            ("/reference (modal)", open_modal),
            ("modal submit", submits),
            ("Approve click", approves),
        ):
            print(
                f"{name:<22}{percentile(samples, 0.5):>8.1f}{percentile(samples, 0.99):>8.1f}"
                f"{max(samples):>8.1f}{statistics.fmean(samples):>8.1f}"
            )


if __name__ == "__main__":
    main()
