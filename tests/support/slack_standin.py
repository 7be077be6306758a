"""The tests' Slack, run by hand: try `refdesk serve` in Socket Mode on a machine with no Slack.

    .venv/bin/python -m tests.support.slack_standin [--connections-error missing_scope]

starts the emulator (Web API), the proxy (which answers `apps.connections.open`) and the Socket
Mode server, prints the `.env` lines that point `refdesk` at them, waits for `refdesk serve` to
connect, sends it `/reference help` as Alice and prints the ack, then runs until Ctrl-C.
"""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
import tempfile
import time
from pathlib import Path

from tests.support.emulator import BOT_TOKEN, Emulator
from tests.support.slack_proxy import SlackProxy
from tests.support.socket_mode import APP_TOKEN, SocketModeServer


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--connections-error", help="what apps.connections.open answers, e.g. missing_scope")
    args = parser.parse_args()
    # `kill` stops it as Ctrl-C does: the emulator it started is stopped too
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    with tempfile.TemporaryDirectory() as workdir:
        emulator = Emulator(Path(workdir)).start()
        proxy = SlackProxy(emulator.api_url)
        socket = SocketModeServer()
        proxy.socket_mode_url, proxy.app_token = socket.url, APP_TOKEN
        proxy.connections_error = args.connections_error
        try:
            print("# the Slack stand-in is up; put these in .env:")
            print(f"SLACK_API_URL={proxy.api_url}")
            print(f"SLACK_BOT_TOKEN={BOT_TOKEN}")
            print(f"SLACK_APP_TOKEN={APP_TOKEN}")
            print(f"REFDESK_ADMINS={emulator.ids['admin']}")
            print(f"REFDESK_DIGEST_CHANNEL={emulator.ids['channel']}", flush=True)
            while socket.wait_connections(1, timeout=3600) < 1:
                pass
            print("# refdesk connected over Socket Mode; sending /reference help as alice", flush=True)
            time.sleep(0.5)
            ack = socket.wait_ack(socket.command("help", user_id=emulator.ids["requester"]))
            print(
                "# ack:",
                (ack.payload or {}).get("text", ack.payload) if ack else "none within 10 s",
                flush=True,
            )
            with contextlib.suppress(KeyboardInterrupt, SystemExit):
                while True:
                    time.sleep(3600)
        finally:
            socket.close()
            proxy.close()
            emulator.stop()


if __name__ == "__main__":
    main()
