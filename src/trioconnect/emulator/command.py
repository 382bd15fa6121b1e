"""``trioconnect emulator``: run the emulator from the command line until Ctrl-C."""

from __future__ import annotations

import argparse
import logging
import sys

import trio

from trioconnect.emulator.agent import AgentConfig
from trioconnect.emulator.items import Item
from trioconnect.emulator.records import Contact
from trioconnect.emulator.server import serve

__all__ = ["add_arguments", "run"]

log = logging.getLogger("trioconnect.emulator")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the emulator's options to ``parser``."""
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to bind (default 127.0.0.1, loopback only)"
    )
    parser.add_argument("--port", type=int, default=8080, help="TCP port (0: any free port)")
    parser.add_argument(
        "--public-url", default=None, help="base of the URLs handed out (when behind a proxy)"
    )
    parser.add_argument(
        "--quotas",
        choices=("aws", "off"),
        default="off",
        help="enforce the published Amazon Connect quotas (default off)",
    )
    parser.add_argument(
        "--agent",
        choices=("echo", "none"),
        default="echo",
        help="simulated agent joining every chat (default echo)",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log each chat event")


async def _main(args: argparse.Namespace) -> None:
    agent: AgentConfig | bool = AgentConfig() if args.agent == "echo" else False
    async with serve(
        args.host, args.port, quotas=args.quotas, public_url=args.public_url, agent=agent
    ) as emu:
        if args.verbose:
            emu.state.hooks.on_item(_log_item)
        print(f"trioconnect emulator listening on {emu.base_url}", flush=True)
        print(f"  start-chat: {emu.base_url}/start-chat   (Ctrl-C to stop)", flush=True)
        await trio.sleep_forever()


def _log_item(contact: Contact, item: Item) -> None:
    # Only ids and types: message content and tokens stay out of the log.
    log.info(
        "contact %s: %s %s by %s",
        contact.contact_id,
        item.get("Type"),
        item.get("ContentType", ""),
        item.get("ParticipantRole", "-"),
    )


def run(args: argparse.Namespace) -> int:
    """Run until interrupted; returns the process exit status."""
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        trio.run(_main, args)
    except KeyboardInterrupt:
        pass
    except BaseExceptionGroup as group:
        # Ctrl-C may surface inside the server's task groups; anything else is a real failure.
        _, others = group.split(KeyboardInterrupt)
        if others is not None:
            failed, rest = others.split(OSError)
            if rest is None and failed is not None:
                print(f"cannot start the emulator: {_first_leaf(failed)}", file=sys.stderr)
                return 1
            raise
    except OSError as error:
        print(f"cannot start the emulator: {error}", file=sys.stderr)
        return 1
    print("emulator stopped", file=sys.stderr)
    return 0


def _first_leaf(group: BaseExceptionGroup[BaseException]) -> BaseException:
    error: BaseException = group
    while isinstance(error, BaseExceptionGroup):
        error = error.exceptions[0]
    return error
