"""``trioconnect demo``: a whole chat against the embedded emulator, printed as it happens."""

from __future__ import annotations

import argparse
from typing import TextIO

import trio

__all__ = ["add_arguments", "run", "run_demo"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``trioconnect demo``."""
    parser.add_argument(
        "--messages", type=int, default=3, help="customer messages to exchange (default 3)"
    )
    parser.add_argument("--name", default="Jane", help="the customer's display name")


def run(args: argparse.Namespace) -> int:
    """Run the demo; exit status 0 when the chat ran start to end."""
    import sys

    return trio.run(run_demo, args.messages, args.name, sys.stdout)


async def run_demo(messages: int, name: str, out: TextIO) -> int:
    """Start the emulator in-process, chat with its simulated agent, end the chat.

    Returns:
        0 when every message was answered and the chat ended, 1 otherwise.
    """
    from trioconnect import emulator, start_chat
    from trioconnect.events import (
        ConnectionEstablishedEvent,
        EndedEvent,
        MessageEvent,
        ReadReceiptEvent,
        TypingEvent,
    )
    from trioconnect.session import open_chat_session

    def say(text: str) -> None:
        print(text, file=out, flush=True)

    async with emulator.serve(port=0) as emu:
        say(f"emulator    {emu.base_url}")
        details = await start_chat(start_chat_url=f"{emu.base_url}/start-chat", display_name=name)
        say(f"chat        contact {details.contact_id}")
        answered = 0
        with trio.fail_after(30):
            async with open_chat_session(details, endpoint=emu.base_url) as session:
                events = session.events()
                await session.connect()
                say(f"connected   state={session.state.value}")
                for n in range(1, messages + 1):
                    sent = await session.send_message(f"Hello #{n} from {name}")
                    say(f"you         Hello #{n} from {name}   (id {sent.id[:8]})")
                    async for event in events:
                        match event:
                            case MessageEvent(item=item) if item.participant_role == "AGENT" and (
                                item.type == "MESSAGE"
                            ):
                                say(f"agent       {item.content}")
                                session.send_read_receipt(item.id)
                                answered += 1
                                break
                            case TypingEvent(item=item) if item.participant_role == "AGENT":
                                say("agent       (typing)")
                            case ReadReceiptEvent():
                                say("agent       (read your message)")
                            case ConnectionEstablishedEvent():
                                pass
                            case MessageEvent(item=item) if item.type == "EVENT":
                                what = (item.content_type or "").rsplit(".", 1)[-1]
                                who = item.display_name or item.participant_role or "someone"
                                say(f"event       {who} {what}")
                await session.disconnect_participant()
                say("you         (left the chat)")
                async for event in events:
                    if isinstance(event, EndedEvent):
                        break
                say(f"ended       state={session.state.value}")
                stats = session.statistics()
        say(
            f"summary     {answered}/{messages} answered, {stats.items_received} items received, "
            f"{stats.duplicates_dropped} duplicates dropped"
        )
    return 0 if answered == messages else 1
