"""The SQLite store: records survive a restart; persistent chat across a restart."""

from __future__ import annotations

import stat
import time
from pathlib import Path

import httpx
import trio

from trioconnect.emulator import ChatState, SqliteStore, serve
from trioconnect.emulator.clock import Clock
from trioconnect.emulator.records import AttachmentStatus, Role
from trioconnect.emulator.scenario_actions import attachment

REHYDRATED = "application/vnd.amazonaws.connect.event.chat.rehydrated"


async def test_records_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"
    store = SqliteStore(path)
    state = ChatState(store, store.clock)
    contact, customer = state.start_chat(display_name="Jane", attributes={"a": "b"})
    grant = state.create_connection(
        customer.participant_token, ["WEBSOCKET", "CONNECTION_CREDENTIALS"]
    )
    assert grant is not None
    agent = state.add_participant(contact.contact_id, state_role("AGENT"), "Agent")
    message = state.send_message_as(customer.participant_id, "text/plain", "hello")
    shared = attachment(state, contact, agent, "a.txt", "text/plain", b"bytes")
    expiry = grant.connection.expires_mono
    store.close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600

    again = SqliteStore(path, Clock())
    loaded = again.contact(contact.contact_id)
    assert loaded is not None
    assert loaded.attributes == {"a": "b"}
    assert loaded.participant_ids == [customer.participant_id, agent.participant_id]
    assert loaded.created_at == contact.created_at
    assert again.participant_by_token(customer.participant_token) is not None
    connection = again.connection_by_token(grant.connection.connection_token)
    assert connection is not None
    # Expiries keep their wall-clock meaning (the new clock starts elsewhere).
    remaining = connection.expires_mono - again.clock.monotonic()
    assert abs(remaining - (expiry - store.clock.monotonic())) < 1
    assert grant.url_token is not None
    assert again.ticket(grant.url_token) is not None
    items = again.items(contact.contact_id)
    assert [i["Id"] for i in items][-2] == message["Id"]
    record = again.attachment(shared["Attachments"][0]["AttachmentId"])
    assert record is not None
    assert record.data == b"bytes"
    assert record.status is AttachmentStatus.APPROVED
    again.close()


def state_role(name: str) -> Role:
    return Role(name)


async def test_writes_are_quick(tmp_path: Path) -> None:
    # The store writes synchronously inside request handlers; each write must stay cheap.
    store = SqliteStore(tmp_path / "speed.sqlite")
    state = ChatState(store, store.clock)
    _, customer = state.start_chat(display_name="Speedy")
    started = time.perf_counter()
    for n in range(200):
        state.send_message_as(customer.participant_id, "text/plain", f"message {n}")
    elapsed = time.perf_counter() - started
    store.close()
    assert elapsed < 1.0, f"200 messages took {elapsed:.3f} s"


async def test_persistent_chat_across_a_restart(tmp_path: Path, kit) -> None:
    path = tmp_path / "chats.sqlite"
    async with serve(agent=False, config=kit.fast_config(), state_path=path) as emu:
        connect = kit.boto_client(emu.base_url, "connect")
        participant = kit.boto_client(emu.base_url, "connectparticipant")
        first = await kit.call(
            connect,
            "start_chat_contact",
            InstanceId=emu.context.config.default_instance_id,
            ContactFlowId="flow",
            ParticipantDetails={"DisplayName": "Jane"},
        )
        conn = await kit.call(
            participant,
            "create_participant_connection",
            Type=["CONNECTION_CREDENTIALS"],
            ParticipantToken=first["ParticipantToken"],
        )
        token = conn["ConnectionCredentials"]["ConnectionToken"]
        for text in ("my order is late", "number 42"):
            await kit.call(
                participant,
                "send_message",
                ConnectionToken=token,
                ContentType="text/plain",
                Content=text,
            )
        await kit.call(participant, "disconnect_participant", ConnectionToken=token)
        old_token = token

    async with serve(agent=False, config=kit.fast_config(), state_path=path) as emu:
        connect = kit.boto_client(emu.base_url, "connect")
        participant = kit.boto_client(emu.base_url, "connectparticipant")
        second = await kit.call(
            connect,
            "start_chat_contact",
            InstanceId=emu.context.config.default_instance_id,
            ContactFlowId="flow",
            ParticipantDetails={"DisplayName": "Jane"},
            PersistentChat={
                "SourceContactId": first["ContactId"],
                "RehydrationType": "ENTIRE_PAST_SESSION",
            },
        )
        assert second["ContinuedFromContactId"] == first["ContactId"]
        conn = await kit.call(
            participant,
            "create_participant_connection",
            Type=["CONNECTION_CREDENTIALS"],
            ParticipantToken=second["ParticipantToken"],
        )
        token = conn["ConnectionCredentials"]["ConnectionToken"]
        transcript = await kit.call(
            participant,
            "get_transcript",
            ConnectionToken=token,
            ScanDirection="FORWARD",
            MaxResults=100,
        )
        items = transcript["Transcript"]
        texts = [i.get("Content") for i in items]
        assert texts.index("my order is late") < texts.index("number 42")
        assert {i["ContactId"] for i in items} == {first["ContactId"], second["ContactId"]}
        assert items[-1]["ContentType"] == REHYDRATED
        assert items[-1]["ContactId"] == second["ContactId"]
        # The old contact's tokens are still refused after the restart: it ended.
        async with httpx.AsyncClient(base_url=emu.base_url) as http:
            old = await kit.rest(http, "/participant/transcript", old_token, {})
            assert old.status_code == 403
            assert "ended" in old.json()["message"]


async def test_active_chats_keep_their_deadline_after_a_restart(
    tmp_path: Path, autojump_clock
) -> None:
    path = tmp_path / "timer.sqlite"
    async with serve(agent=False, state_path=path) as emu:
        contact, _ = emu.state.start_chat(display_name="J", chat_duration_minutes=60)
    # (Virtual time does not move the wall clock, so the restart happens "at once".)
    async with serve(agent=False, state_path=path) as emu:
        loaded = emu.state.contact(contact.contact_id)
        await trio.sleep(3500)
        assert not loaded.ended
        await trio.sleep(200)
        assert loaded.ended
