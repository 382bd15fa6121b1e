"""``trioconnect load``: run a load test from the command line.

Progress goes to stderr, the end-of-run summary to stdout, and ``--report`` / ``--json`` write the
HTML report and the JSON document. Exit status: 0 when every SLO held, 1 when one failed or the
run was interrupted (Ctrl-C), 2 for bad usage.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import signal
import sys
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Literal, TextIO

import trio

from trioconnect.errors import ValidationError
from trioconnect.load.plan import LoadPlan
from trioconnect.load.progress import ProgressPrinter
from trioconnect.load.slo import DEFAULT_SLOS, FAILED_CHATS, Slo, parse_slo

if TYPE_CHECKING:
    # The runner loads the HTTP and WebSocket stack: imported when a run starts, not when the
    # ``trioconnect`` parser is built.
    from trioconnect.load.result import LoadResult
    from trioconnect.load.runner import LoadTarget

__all__ = ["add_arguments", "run"]

_EPILOG = """\
target: none of --endpoint/--start-chat-url/--instance-id runs the embedded emulator
in-process (tune it with --quotas and --agent). --start-chat-url URL uses a start-chat
backend; --instance-id ID --contact-flow-id ID calls StartChatContact with AWS credentials
from the usual chain. --endpoint URL sets the Participant Service (default: the one of
--region). Example: trioconnect load --chats 100 --concurrency 20 --slo 'reply.p99<2s'
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the options of ``trioconnect load`` to ``parser``."""
    parser.epilog = _EPILOG
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    plan = parser.add_argument_group("what each run does")
    plan.add_argument(
        "--chats", type=int, default=10, metavar="N", help="chats in total (default 10)"
    )
    plan.add_argument(
        "--concurrency",
        type=int,
        default=10,
        metavar="N",
        help="chats open at once at most (default 10)",
    )
    plan.add_argument(
        "--rate",
        type=float,
        default=None,
        metavar="PER_SECOND",
        help="chats started per second (default: as fast as --concurrency allows)",
    )
    plan.add_argument(
        "--messages",
        type=int,
        default=3,
        metavar="N",
        help="messages each customer sends (default 3)",
    )
    plan.add_argument(
        "--think-time",
        type=float,
        default=1.0,
        metavar="SECONDS",
        help="pause between a reply and the next message (default 1)",
    )
    plan.add_argument(
        "--no-reply-wait", action="store_true", help="do not wait for a reply to each message"
    )
    plan.add_argument(
        "--reply-timeout",
        type=float,
        default=30.0,
        metavar="SECONDS",
        help="how long to wait for each reply (default 30)",
    )
    plan.add_argument(
        "--message",
        default="load test message {n} of chat {chat}",
        metavar="TEMPLATE",
        help="message text; {n} is the message number, {chat} the chat index",
    )
    plan.add_argument(
        "--display-name", default="Load {chat}", metavar="TEMPLATE", help="customer name template"
    )
    plan.add_argument(
        "--no-disconnect", action="store_true", help="leave chats open (no DisconnectParticipant)"
    )
    plan.add_argument(
        "--end-timeout",
        type=float,
        default=15.0,
        metavar="SECONDS",
        help="wait for the chat-ended event after leaving (default 15)",
    )
    plan.add_argument(
        "--duration",
        type=float,
        default=None,
        metavar="SECONDS",
        help="start no new chat after this long (default: no limit)",
    )
    plan.add_argument(
        "--drain-timeout",
        type=float,
        default=60.0,
        metavar="SECONDS",
        help="with --duration: time the chats in flight get after it before they are "
        "cancelled (default 60)",
    )
    _add_target_arguments(parser)
    out = parser.add_argument_group("output")
    out.add_argument(
        "--slo",
        action="append",
        default=[],
        metavar="EXPR",
        help="an objective such as 'reply.p99<2s' or 'failed_chats<1%%' (repeatable; "
        "'failed_chats<=0' applies unless an SLO on failed_chats is given)",
    )
    out.add_argument("--report", default=None, metavar="FILE.html", help="write the HTML report")
    out.add_argument("--json", default=None, metavar="FILE.json", help="write the JSON document")
    out.add_argument("--quiet", action="store_true", help="no live progress on stderr")


def _add_target_arguments(parser: argparse.ArgumentParser) -> None:
    target = parser.add_argument_group("target")
    target.add_argument("--endpoint", default=None, metavar="URL", help="Participant Service URL")
    target.add_argument("--start-chat-url", default=None, metavar="URL", help="start-chat backend")
    target.add_argument("--instance-id", default=None, help="Connect instance (StartChatContact)")
    target.add_argument("--contact-flow-id", default=None, help="contact flow of every chat")
    target.add_argument(
        "--connect-endpoint",
        default=None,
        metavar="URL",
        help="Connect API URL for StartChatContact (default: the one of --region)",
    )
    target.add_argument("--region", default="us-west-2", help="AWS Region (default us-west-2)")
    target.add_argument(
        "--attribute",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a contact attribute for every chat (repeatable)",
    )
    target.add_argument(
        "--quotas",
        choices=("off", "aws"),
        default=None,
        help="embedded emulator: enforce Amazon Connect's published quotas (default off)",
    )
    target.add_argument(
        "--agent",
        choices=("echo", "none"),
        default=None,
        help="embedded emulator: its simulated agent (default echo)",
    )


def run(args: argparse.Namespace) -> int:
    """Run ``trioconnect load``; returns the exit status."""
    try:
        plan = LoadPlan(
            chats=args.chats,
            concurrency=args.concurrency,
            arrival_rate=args.rate,
            messages=args.messages,
            think_time=args.think_time,
            wait_for_reply=not args.no_reply_wait,
            reply_timeout=args.reply_timeout,
            message_text=args.message,
            display_name=args.display_name,
            disconnect=not args.no_disconnect,
            end_timeout=args.end_timeout,
            duration=args.duration,
            drain_timeout=args.drain_timeout,
        )
        slos = _slos(args.slo)
        _check_target(args)
        attributes = _attributes(args.attribute)
    except ValidationError as error:
        print(f"trioconnect load: error: {error}", file=sys.stderr)
        return 2
    try:
        return trio.run(_main, args, plan, slos, attributes, sys.stdout, sys.stderr)
    except KeyboardInterrupt:
        print("trioconnect load: aborted", file=sys.stderr)
        return 130
    except BaseExceptionGroup as group:
        _, rest = group.split(KeyboardInterrupt)
        if rest is not None:
            raise
        print("trioconnect load: aborted", file=sys.stderr)
        return 130


def _slos(texts: Sequence[str]) -> list[Slo]:
    slos = [parse_slo(text) for text in texts]
    if not any(slo.subject == FAILED_CHATS for slo in slos):
        slos = [*DEFAULT_SLOS, *slos]
    return slos


def _check_target(args: argparse.Namespace) -> None:
    external = args.endpoint or args.start_chat_url or args.instance_id
    if not external:
        if args.contact_flow_id or args.connect_endpoint:
            raise ValidationError("--contact-flow-id and --connect-endpoint need --instance-id")
        return
    if args.quotas is not None or args.agent is not None:
        raise ValidationError("--quotas and --agent apply only to the embedded emulator")
    if args.start_chat_url and args.instance_id:
        raise ValidationError("give either --start-chat-url or --instance-id, not both")
    if not (args.start_chat_url or args.instance_id):
        raise ValidationError(
            "--endpoint needs a way to start chats: --start-chat-url URL "
            "(for a `trioconnect emulator`: URL/start-chat) or --instance-id and --contact-flow-id"
        )
    if args.instance_id and not args.contact_flow_id:
        raise ValidationError("--instance-id needs --contact-flow-id")


def _attributes(pairs: Sequence[str]) -> dict[str, str] | None:
    attributes: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise ValidationError(f"--attribute takes KEY=VALUE, got {pair!r}")
        attributes[key] = value
    return attributes or None


@contextlib.asynccontextmanager
async def _target(
    args: argparse.Namespace, attributes: dict[str, str] | None
) -> AsyncIterator[LoadTarget]:
    from trioconnect.aws.connect import ConnectConfig
    from trioconnect.config import ClientConfig
    from trioconnect.load.runner import LoadTarget

    if args.endpoint or args.start_chat_url or args.instance_id:
        endpoint = args.endpoint or f"https://participant.connect.{args.region}.amazonaws.com"
        connect = None
        if args.instance_id:
            connect = ConnectConfig(region=args.region, endpoint=args.connect_endpoint)
        yield LoadTarget(
            endpoint=endpoint,
            start_chat_url=args.start_chat_url,
            connect=connect,
            instance_id=args.instance_id,
            contact_flow_id=args.contact_flow_id,
            attributes=attributes,
            config=ClientConfig(region=args.region, fetch_history_on_connect=False),
        )
        return
    from trioconnect.emulator import AgentConfig, serve

    quotas: Literal["off", "aws"] = "aws" if args.quotas == "aws" else "off"
    agent = args.agent or "echo"
    simulated = AgentConfig() if agent == "echo" else False
    async with serve(port=0, quotas=quotas, agent=simulated) as emu:
        yield LoadTarget(
            endpoint=emu.base_url,
            start_chat_url=f"{emu.base_url}/start-chat",
            attributes=attributes,
            description=f"embedded emulator {emu.base_url} (quotas {quotas}, agent {agent})",
        )


async def _main(
    args: argparse.Namespace,
    plan: LoadPlan,
    slos: Sequence[Slo],
    attributes: dict[str, str] | None,
    out: TextIO,
    err: TextIO,
) -> int:
    from trioconnect.load.runner import run_load

    stop = trio.Event()
    printer = None if args.quiet else ProgressPrinter(err)
    async with trio.open_nursery() as nursery:
        nursery.start_soon(_watch_interrupts, stop, err)
        try:
            async with _target(args, attributes) as target:
                result = await run_load(plan, target, slos=slos, progress=printer, stop=stop)
        finally:
            if printer is not None:
                printer.close()
        nursery.cancel_scope.cancel()
    return _finish(result, args, out, err)


async def _watch_interrupts(stop: trio.Event, err: TextIO) -> None:
    """First Ctrl-C: stop the run gently (summary still printed). Second: abort."""
    with trio.open_signal_receiver(signal.SIGINT) as signals:
        async for _ in signals:
            if stop.is_set():
                raise KeyboardInterrupt
            print(
                "\ntrioconnect load: stopping (chats in flight are cancelled; "
                "Ctrl-C again to abort)",
                file=err,
                flush=True,
            )
            stop.set()


def _finish(result: LoadResult, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from trioconnect.load.report import render_html, render_text
    from trioconnect.load.result import result_to_json

    out.write(render_text(result).rstrip("\n") + "\n")
    status = 0 if result.passed and not result.interrupted else 1
    outputs: list[tuple[str, str, str]] = []
    if args.report:
        outputs.append(("HTML report", args.report, render_html(result)))
    if args.json:
        document = json.dumps(result_to_json(result), indent=2, ensure_ascii=False)
        outputs.append(("JSON", args.json, document + "\n"))
    for what, name, text in outputs:
        path = Path(name)
        try:
            path.write_text(text, encoding="utf-8")
        except OSError as error:
            print(f"trioconnect load: cannot write {what} to {name}: {error}", file=err)
            status = 1
        else:
            out.write(f"{what} written to {path.resolve()}\n")
    out.flush()
    return status
