"""Socket Mode end to end: the real `refdesk serve --socket` against Slack's side on loopback."""

from __future__ import annotations

from tests.support.emulator import Emulator
from tests.support.server import RefdeskServer, http
from tests.support.socket_mode import SocketModeServer


def test_help_over_socket_mode(socket_server: RefdeskServer, socket_slack: SocketModeServer, emulator: Emulator) -> None:
    envelope = socket_slack.command("help", user_id=emulator.ids["requester"])
    ack = socket_slack.wait_ack(envelope)
    assert ack is not None, socket_server.log()
    print(ack)
    print(http("GET", socket_server.url + "/healthz").body)
    print(socket_server.log())
