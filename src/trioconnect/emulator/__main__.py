"""``python -m trioconnect.emulator``: same as ``trioconnect emulator``."""

from __future__ import annotations

import argparse
import sys

from trioconnect.emulator.command import add_arguments, run


def main() -> int:
    """Parse arguments and run the emulator."""
    parser = argparse.ArgumentParser(prog="python -m trioconnect.emulator")
    add_arguments(parser)
    return run(parser.parse_args())


if __name__ == "__main__":
    sys.exit(main())
