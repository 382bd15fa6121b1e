"""``trioconnect emulator``: run the emulator from the command line until Ctrl-C."""

from __future__ import annotations

import argparse
import logging
import sys

import trio

from trioconnect.emulator.agent import AgentConfig
from trioconnect.emulator.gc_tuning import GcPolicy, freeze_startup
from trioconnect.emulator.items import Item
from trioconnect.emulator.records import Contact
from trioconnect.emulator.scenario_schema import ScenarioError
from trioconnect.emulator.server import serve

__all__ = ["add_arguments", "log_item", "run"]

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
    parser.add_argument(
        "--scenario",
        default=None,
        metavar="FILE_OR_NAME",
        help="scenario for chats that name none (a YAML file or a built-in: "
        "echo, every-event, authentication, lex-streaming, transfer, idle-timeout, agent-ends); "
        "replaces the default agent",
    )
    parser.add_argument(
        "--state",
        default=None,
        metavar="FILE.sqlite",
        help="keep contacts, tokens, transcripts and attachments in this SQLite file "
        "across restarts",
    )
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="log one line per chat item (no content)"
    )


async def _main(args: argparse.Namespace) -> None:
    agent: AgentConfig | bool = AgentConfig() if args.agent == "echo" else False
    async with serve(
        args.host,
        args.port,
        quotas=args.quotas,
        public_url=args.public_url,
        agent=agent,
        scenario=getattr(args, "scenario", None),
        state_path=getattr(args, "state", None),
    ) as emu:
        if args.verbose:
            emu.state.hooks.on_item(log_item)
        # This process does nothing but serve: tune its collector for thousands of sockets.
        hub = emu.hub
        freeze_startup()
        emu.nursery.start_soon(GcPolicy(lambda: hub.open_count, lambda: hub.closed_count).run)
        print(f"trioconnect emulator listening on {emu.base_url}", flush=True)
        print(f"  start-chat: {emu.base_url}/start-chat   (Ctrl-C to stop)", flush=True)
        await trio.sleep_forever()


def log_item(contact: Contact, item: Item) -> None:
    """Item hook of ``-v``: one INFO line per item with ids and types only.

    Message content, attachment names and tokens never reach the log.
    """
    log.info(
        "contact %s: %s %s id=%s by %s",
        contact.contact_id,
        item.get("Type"),
        item.get("ContentType", ""),
        item.get("Id"),
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
    except ScenarioError as error:
        print(f"invalid scenario: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        pass
    except BaseExceptionGroup as group:
        # Ctrl-C may surface inside the server's task groups; anything else is a real failure.
        _, others = group.split(KeyboardInterrupt)
        if others is not None:
            bad, _ = others.split(ScenarioError)
            if bad is not None:
                print(f"invalid scenario: {_first_leaf(bad)}", file=sys.stderr)
                return 2
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
