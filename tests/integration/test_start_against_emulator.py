"""Chat details from the Connect API (StartChatContact, CreateParticipant, StopContact), for real.

The Connect API calls are SigV4-signed by trioconnect's own client and answered by the emulator over
loopback; the sessions then chat with the details they returned.
"""

from __future__ import annotations

import trio
from conftest import Collector, session_config

from trioconnect import (
    ConnectConfig,
    SessionState,
    create_participant,
    open_chat_session,
    start_chat,
)
from trioconnect.aws.connect import ConnectClient
from trioconnect.emulator import Emulator
from trioconnect.events import EndedEvent, Event, MessageEvent

INSTANCE = "00000000-0000-4000-8000-000000000001"
FLOW = "11111111-0000-4000-8000-000000000002"


def connect_config(emu: Emulator) -> ConnectConfig:
    return ConnectConfig(endpoint=emu.base_url, credentials=("AKIDEXAMPLE", "secret", None))


async def test_start_chat_contact_then_a_custom_bot_joins_and_stop_contact_ends_it(
    quiet_emu: Emulator,
) -> None:
    emu = quiet_emu
    connect = connect_config(emu)
    customer = await start_chat(
        connect=connect, instance_id=INSTANCE, contact_flow_id=FLOW, display_name="Jane"
    )
    assert customer.participant_role == "CUSTOMER"
    bot = await create_participant(
        connect=connect, instance_id=INSTANCE, contact_id=customer.contact_id, display_name="Bot"
    )
    assert bot.contact_id == customer.contact_id
    assert bot.participant_role == "CUSTOM_BOT"
    with trio.fail_after(10):
        async with (
            open_chat_session(customer, config=session_config(emu.base_url)) as c,
            open_chat_session(bot, config=session_config(emu.base_url)) as b,
        ):
            seen = Collector()
            c.on(Event, seen)
            await c.connect()
            await b.connect()
            await b.send_message("Hello, I am the bot")
            await seen.wait_for(
                lambda: any(
                    e.item.content == "Hello, I am the bot"
                    and e.item.participant_role == "CUSTOM_BOT"
                    for e in seen.of(MessageEvent)
                )
            )
            await ConnectClient(connect).stop_contact(
                instance_id=INSTANCE, contact_id=customer.contact_id
            )
            await seen.wait_for(lambda: bool(seen.of(EndedEvent)))
            assert c.state is SessionState.ENDED
            await b.wait_ended()
            assert b.state is SessionState.ENDED
