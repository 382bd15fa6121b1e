"""The real ChatJS 5.0.0, run by Node, holds a whole customer chat with the in-process emulator.

The emulator is started once for this module on 127.0.0.1 (port 0, default echo agent), and
``node tests/chatjs/run_chat.mjs <base_url>`` drives one CUSTOMER chat with ChatJS: connect,
send, typing, receipts, transcript, attachment, disconnect. The driver prints one JSON object with
everything ChatJS reported; each test below checks one step of it.

Node and the pinned npm packages are a hard requirement: when they are missing every test fails
with the command that installs them (``scripts/test`` runs it).
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import trio

from trioconnect.emulator import serve
from trioconnect.emulator.records import ContactStatus

ROOT = Path(__file__).resolve().parents[2]
CHATJS_DIR = ROOT / "tests" / "chatjs"
DRIVER = CHATJS_DIR / "run_chat.mjs"
SETUP = "npm ci --prefix tests/chatjs --no-audit --no-fund"
CHATJS_VERSION = "5.0.0"
DRIVER_TIMEOUT = 20.0  # the driver gives up on its own after this many seconds
PROCESS_TIMEOUT = 40.0  # and the test kills it after this many

TYPING = "application/vnd.amazonaws.connect.event.typing"
CHAT_ENDED = "application/vnd.amazonaws.connect.event.chat.ended"
TEXT = "Hello from ChatJS"
MARKDOWN = "**bold** _markdown_ text"

Observation = dict[str, Any]


@dataclass
class ChatRun:
    """What one driver run produced, or why it could not run."""

    problem: str | None = None
    observed: Observation | None = None
    ended_on_emulator: bool = False

    def require(self) -> Observation:
        """The observation of a completed chat; fails the calling test otherwise."""
        if self.problem is not None:
            pytest.fail(self.problem, pytrace=False)
        assert self.observed is not None
        return self.observed


def _missing_setup() -> str | None:
    if shutil.which("node") is None:
        return f"node is not on PATH: install Node 20+ and run `{SETUP}`"
    manifest = CHATJS_DIR / "node_modules" / "amazon-connect-chatjs" / "package.json"
    if not manifest.is_file() or not (CHATJS_DIR / "node_modules" / "ws").is_dir():
        return f"tests/chatjs/node_modules is missing or incomplete: run `{SETUP}`"
    version = json.loads(manifest.read_text(encoding="utf-8")).get("version")
    if version != CHATJS_VERSION:
        return f"amazon-connect-chatjs {version} installed, {CHATJS_VERSION} wanted: run `{SETUP}`"
    return None


def _tail(data: bytes, lines: int = 40) -> str:
    return "\n".join(data.decode("utf-8", "replace").splitlines()[-lines:])


async def _drive() -> ChatRun:
    node = shutil.which("node")
    assert node is not None
    async with serve(port=0) as emu:
        command = [node, str(DRIVER), emu.base_url, "--timeout", str(DRIVER_TIMEOUT)]
        with trio.fail_after(PROCESS_TIMEOUT):
            done = await trio.run_process(
                command, cwd=CHATJS_DIR, check=False, capture_stdout=True, capture_stderr=True
            )
        lines = done.stdout.decode("utf-8", "replace").strip().splitlines()
        try:
            observed = json.loads(lines[-1])
        except (IndexError, ValueError):
            return ChatRun(
                problem=f"the driver printed no JSON (exit {done.returncode}); stderr:\n"
                + _tail(done.stderr)
            )
        if not observed.get("ok"):
            return ChatRun(
                problem=f"ChatJS chat failed at step {observed.get('step')!r}: "
                f"{observed.get('error')}\nobserved: {json.dumps(observed)[:4000]}\n"
                f"stderr:\n{_tail(done.stderr)}"
            )
        contact = emu.state.contact(observed["contact_id"])
        return ChatRun(observed=observed, ended_on_emulator=contact.status is ContactStatus.ENDED)


@pytest.fixture(scope="module")
def chat_run() -> ChatRun:
    """One ChatJS chat against a fresh emulator, shared by the tests of this module."""
    problem = _missing_setup()
    return ChatRun(problem=problem) if problem else trio.run(_drive)


def _items(observed: Observation, callback: str) -> list[Observation]:
    items: list[Observation] = observed["callbacks"][callback]
    return items


def _calls(observed: Observation, path: str) -> list[Observation]:
    return [call for call in observed["http"] if call["path"] == path]


def test_connects_over_websocket(chat_run: ChatRun) -> None:
    observed = chat_run.require()
    assert observed["chatjs_version"] == CHATJS_VERSION
    established = _items(observed, "connection_established")
    assert established[0]["connectSuccess"] is True
    assert len(established) >= 2  # connect() resolved, then the socket opened
    assert observed["callbacks"]["deep_heartbeat_success"] >= 1
    assert not observed["callbacks"]["deep_heartbeat_failure"]
    assert [c["websocket_url_prefix"] for c in observed["connections"]] == [
        f"{observed['base_url'].replace('http://', 'ws://')}/ws"
    ]
    # One CreateParticipantConnection: an unusable Expiry would make ChatJS loop on it.
    assert len(_calls(observed, "/participant/connection")) == 1
    frames_in = observed["websocket"]["frames_in"]
    for topic in ("aws/subscribe", "aws/ping", "aws/heartbeat"):
        assert frames_in.get(topic) == 1, topic


def test_sent_messages_come_back_with_ids(chat_run: ChatRun) -> None:
    observed = chat_run.require()
    mine = [m for m in _items(observed, "message") if m["ParticipantRole"] == "CUSTOMER"]
    by_id = {m["Id"]: m for m in mine if m["Type"] == "MESSAGE"}
    text, markdown = observed["sent"]["text"]["Id"], observed["sent"]["markdown"]["Id"]
    assert by_id[text]["Content"] == TEXT
    assert by_id[text]["ContentType"] == "text/plain"
    assert by_id[markdown]["Content"] == MARKDOWN
    assert by_id[markdown]["ContentType"] == "text/markdown"
    assert all(m["ContactId"] == observed["contact_id"] for m in mine)


def test_agent_echo_arrives_through_on_message(chat_run: ChatRun) -> None:
    observed = chat_run.require()
    agent = [m for m in _items(observed, "message") if m["ParticipantRole"] == "AGENT"]
    contents = [m.get("Content") for m in agent if m["Type"] == "MESSAGE"]
    assert any(TEXT in str(c) for c in contents), contents
    assert any(MARKDOWN in str(c) for c in contents), contents


def test_typing_arrives_through_on_typing(chat_run: ChatRun) -> None:
    observed = chat_run.require()
    typing = _items(observed, "typing")
    assert observed["sent"]["typing"]["Id"]
    assert any(t["ParticipantRole"] == "AGENT" and t["ContentType"] == TYPING for t in typing)


def test_agent_receipts_arrive_for_customer_messages(chat_run: ChatRun) -> None:
    observed = chat_run.require()
    text_id = observed["sent"]["text"]["Id"]
    for callback, stamp in (
        ("read_receipt", "ReadTimestamp"),
        ("delivered_receipt", "DeliveredTimestamp"),
    ):
        receipts = [
            r for r in _items(observed, callback) if r["MessageMetadata"]["MessageId"] == text_id
        ]
        assert receipts, callback
        assert stamp in receipts[0]["MessageMetadata"]["Receipts"][0]
        # ChatJS hides receipts this customer sent itself.
        recipients = {
            r["MessageMetadata"]["Receipts"][0]["RecipientParticipantId"] for r in receipts
        }
        assert observed["participant_id"] not in recipients


def test_customer_receipts_are_accepted_despite_shared_client_token(chat_run: ChatRun) -> None:
    observed = chat_run.require()
    sent = observed["sent"]["receipts"]
    assert len(sent) == 4  # delivered and read, for two agent messages
    assert all(receipt["Id"] for receipt in sent)
    assert len({receipt["Id"] for receipt in sent}) == 4  # no replayed answer
    assert all(call["status"] == 200 for call in _calls(observed, "/participant/event"))
    in_transcript = {
        item["MessageId"]
        for item in observed["transcript"]["items"]
        if item["Type"] == "MESSAGEMETADATA"
    }
    assert {receipt["for_message"] for receipt in sent} <= in_transcript


def test_transcript_holds_the_conversation(chat_run: ChatRun) -> None:
    observed = chat_run.require()
    transcript = observed["transcript"]
    assert transcript["InitialContactId"] == observed["contact_id"]
    assert transcript["length"] == len(transcript["items"]) >= 6
    ids = [item["Id"] for item in transcript["items"]]
    assert observed["sent"]["text"]["Id"] in ids
    assert observed["sent"]["markdown"]["Id"] in ids
    assert ids.index(observed["sent"]["text"]["Id"]) < ids.index(observed["sent"]["markdown"]["Id"])
    echoes = [
        i
        for i in transcript["items"]
        if i.get("ParticipantRole") == "AGENT" and i["Type"] == "MESSAGE"
    ]
    assert any(TEXT in str(i.get("Content")) for i in echoes)


def test_attachment_round_trip_is_byte_identical(chat_run: ChatRun) -> None:
    observed = chat_run.require()
    attachment = observed["attachment"]
    assert attachment["name"] == "notes.txt"
    assert attachment["status"] == "APPROVED"
    assert attachment["received_size"] == attachment["sent_size"] > 0
    assert attachment["received_sha256"] == attachment["sent_sha256"]
    uploads = [c for c in observed["http"] if c["method"] == "PUT"]
    assert [c["status"] for c in uploads] == [200]  # ChatJS itself never checks this status
    completed = _calls(observed, "/participant/complete-attachment-upload")
    assert [c["status"] for c in completed] == [200]


def test_disconnect_ends_the_chat(chat_run: ChatRun) -> None:
    observed = chat_run.require()
    ended = _items(observed, "ended")
    assert len(ended) == 1
    called = next(m["t"] for m in observed["timeline"] if m["what"] == "disconnect called")
    chat_ended = [m for m in _items(observed, "message") if m["ContentType"] == CHAT_ENDED]
    assert chat_ended, "chat.ended never reached onMessage"
    assert ended[0]["t"] >= chat_ended[0]["t"] >= called
    sockets = observed["websocket"]
    assert [c["code"] for c in sockets["closed"]] == [1000] * len(sockets["opened"])
    assert chat_run.ended_on_emulator


def test_connection_never_broke(chat_run: ChatRun) -> None:
    observed = chat_run.require()
    assert observed["callbacks"]["connection_broken"] == []
    assert observed["callbacks"]["connection_lost"] == []
    assert observed["websocket"]["errors"] == []
    assert len(observed["websocket"]["opened"]) == 1
    failed = [c for c in observed["http"] if c.get("status") != 200]
    assert failed == []
