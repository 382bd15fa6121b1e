"""The ``trioconnect`` command: ``demo``, ``emulator`` and ``load``.

Each subcommand lives in its own module (``demo``, ``emulator.command``, ``load.command``) with
``add_arguments(parser)`` and ``run(args) -> int``; modules are imported only when needed.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

__all__ = ["main"]


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="trioconnect",
        description="Amazon Connect chat on trio: client, local emulator, demo, load generator.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    from trioconnect.emulator.command import add_arguments as add_emulator_arguments

    add_emulator_arguments(
        sub.add_parser("emulator", help="run the local Amazon Connect chat emulator")
    )
    from trioconnect.demo import add_arguments as add_demo_arguments

    add_demo_arguments(
        sub.add_parser("demo", help="run a whole chat against the embedded emulator")
    )
    from trioconnect.load.command import add_arguments as add_load_arguments

    add_load_arguments(
        sub.add_parser(
            "load",
            help="load-test Amazon Connect chat (or the emulator) and report latencies",
            description="Start many customer chats, measure every step, check SLOs.",
        )
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``trioconnect`` console script."""
    parser = _build_parser()
    args = parser.parse_args(argv)
    if args.command == "emulator":
        from trioconnect.emulator.command import run as run_emulator

        return run_emulator(args)
    if args.command == "demo":
        from trioconnect.demo import run as run_demo

        return run_demo(args)
    if args.command == "load":
        from trioconnect.load.command import run as run_load

        return run_load(args)
    parser.error(f"unknown command {args.command!r}")
    return 2


if __name__ == "__main__":
    sys.exit(main())
