"""What keeps the emulator cheap at thousands of sockets, with its behaviour unchanged.

The heartbeat fast path, the constant-time count of active chats, the hub's socket counters and
the garbage-collector policy of the command line.
"""

from __future__ import annotations

import gc
import json

import httpx
import pytest
import trio
from trio_websocket import open_websocket_url

from trioconnect.emulator import ChatState, Emulator, SqliteStore, gc_tuning
from trioconnect.emulator.gc_tuning import GcPolicy, freeze_startup

COMPACT_PING = '{"topic":"aws/ping"}'  # as ChatJS (JSON.stringify) sends them
COMPACT_HEARTBEAT = '{"topic":"aws/heartbeat"}'
PING_OK = {"topic": "aws/ping", "statusCode": 200, "statusContent": "OK"}


async def _socket_url(emu: Emulator, kit) -> tuple[str, str]:
    async with httpx.AsyncClient(base_url=emu.base_url) as http:
        started = await kit.start_chat(http)
        conn = await kit.connect(http, started["ParticipantToken"])
    return started["ContactId"], conn["Websocket"]["Url"]


async def test_every_spelling_of_ping_and_heartbeat_gets_the_same_answer(
    quiet_emu: Emulator, kit
) -> None:
    _, url = await _socket_url(quiet_emu, kit)
    frames = [COMPACT_PING, COMPACT_HEARTBEAT, '{ "topic" : "aws/ping" }', '{"topic": "aws/ping"}']
    async with open_websocket_url(url) as ws:
        for frame in frames:
            await ws.send_message(frame)
        with trio.fail_after(5):
            answers = [json.loads(await ws.get_message()) for _ in frames]
    assert answers == [PING_OK, {"topic": "aws/heartbeat"}, PING_OK, PING_OK]


async def test_ignored_heartbeats_stay_unanswered_in_the_compact_spelling(
    quiet_emu: Emulator, kit
) -> None:
    contact_id, url = await _socket_url(quiet_emu, kit)
    quiet_emu.faults.ignore_heartbeats(contact_id)
    async with open_websocket_url(url) as ws:
        await ws.send_message(COMPACT_HEARTBEAT)
        await ws.send_message(COMPACT_PING)  # still answered, and after the silent heartbeat
        with trio.fail_after(5):
            assert json.loads(await ws.get_message()) == PING_OK


async def test_half_open_drops_compact_frames_too(quiet_emu: Emulator, kit) -> None:
    contact_id, url = await _socket_url(quiet_emu, kit)
    quiet_emu.faults.half_open(contact_id)
    async with open_websocket_url(url) as ws:
        await ws.send_message(COMPACT_PING)
        await ws.send_message(COMPACT_HEARTBEAT)
        with trio.move_on_after(0.3):  # asserting an absence: a bounded look
            pytest.fail(f"a half-open socket answered: {await ws.get_message()}")
    assert quiet_emu.faults.half_open_dropped == 2


async def test_hub_counts_open_and_closed_sockets(quiet_emu: Emulator, kit) -> None:
    _, url = await _socket_url(quiet_emu, kit)
    hub = quiet_emu.hub
    async with open_websocket_url(url) as ws:
        await kit.subscribe(ws)
        assert (hub.open_count, hub.closed_count) == (1, 0)
    with trio.fail_after(5):
        while hub.open_count:
            await trio.sleep(0.01)
    assert hub.closed_count == 1


async def test_active_chats_follow_starts_and_ends() -> None:
    state = ChatState()
    contacts = [state.start_chat(display_name=f"c{n}")[0] for n in range(3)]
    assert state.active_chats() == state.store.active_contacts() == 3
    state.end_chat(contacts[0].contact_id)
    state.end_chat(contacts[0].contact_id)  # idempotent: counted once
    assert state.active_chats() == state.store.active_contacts() == 2


async def test_active_chats_start_from_what_a_persistent_store_holds(tmp_path) -> None:
    path = tmp_path / "state.sqlite"
    first = ChatState(SqliteStore(path))
    ended, _ = first.start_chat(display_name="a")
    first.start_chat(display_name="b")
    first.end_chat(ended.contact_id)
    first.store.close()  # type: ignore[attr-defined]
    again = ChatState(SqliteStore(path))
    assert again.active_chats() == 1
    again.start_chat(display_name="c")
    assert again.active_chats() == 2


def test_full_collection_waits_for_churn() -> None:
    open_now, closed = [0], [0]
    runs: list[int] = []
    policy = GcPolicy(lambda: open_now[0], lambda: closed[0], lambda: runs.append(1) or 0)
    open_now[0] = 5_000  # many sockets open: a steady set never pays for a full collection
    assert not policy.check()
    closed[0] = 4_999  # churn below the number of open sockets
    assert not policy.check()
    closed[0] = 5_000
    assert policy.check()
    assert (runs, policy.collections) == ([1], 1)
    assert not policy.check()  # counted afresh from the last collection
    open_now[0] = 10
    closed[0] = 5_000 + gc_tuning.MIN_CHURN - 1  # few sockets: the minimum applies
    assert not policy.due()
    closed[0] += 1
    assert policy.due()


async def test_policy_checks_periodically(autojump_clock) -> None:
    closed = [0]
    runs: list[float] = []
    policy = GcPolicy(lambda: 0, lambda: closed[0], lambda: runs.append(trio.current_time()) or 0)
    async with trio.open_nursery() as nursery:
        nursery.start_soon(policy.run, 10.0)
        await trio.sleep(15)
        closed[0] = gc_tuning.MIN_CHURN
        await trio.sleep(10)
        nursery.cancel_scope.cancel()
    assert runs == [20.0]


def test_freeze_startup_sets_the_thresholds() -> None:
    before = gc.get_threshold()
    try:
        freeze_startup()
        assert gc.get_threshold() == (
            gc_tuning.GEN0_THRESHOLD,
            gc_tuning.GEN1_THRESHOLD,
            gc_tuning.GEN2_THRESHOLD,
        )
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
