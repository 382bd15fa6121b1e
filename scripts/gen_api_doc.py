"""Render docs/api.md from the public API's signatures and docstrings.

    python scripts/gen_api_doc.py            # rewrite docs/api.md
    python scripts/gen_api_doc.py --check    # exit 1 if docs/api.md is stale

tests/unit/test_api_doc.py runs the check, so the reference cannot drift from the code.
"""

from __future__ import annotations

import argparse
import inspect
import pathlib
import re
import sys
from collections.abc import Iterator
from typing import Any

ROOT = pathlib.Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "api.md"

HEADER = """# API reference

Generated from the code by `python scripts/gen_api_doc.py`; do not edit by hand.
Everything here is importable from `trioconnect` unless another module is named.
See [quickstart.md](quickstart.md) for a tour and [events.md](events.md) for when each event fires.
"""


def _doc(obj: Any) -> str:
    return inspect.cleandoc(obj.__doc__ or "").strip()


def _signature(obj: Any) -> str:
    try:
        try:
            signature = inspect.signature(obj, eval_str=True)
        except NameError:  # an annotation only imported for type checking
            signature = inspect.signature(obj)
    except (TypeError, ValueError):
        return "(...)"
    text = str(signature).replace("self, ", "").replace("(self)", "()")
    text = re.sub(r"\btrioconnect(\.\w+)*\.(?=[A-Z])|\btyping\.", "", text)
    return text.replace("'", "") if "Literal" not in text else text


def _docblock(obj: Any) -> Iterator[str]:
    """The first paragraph as prose, the rest (Args, Returns, ...) verbatim in a text block."""
    doc = _doc(obj)
    if not doc:
        return
    first, _, rest = doc.partition("\n\n")
    yield first
    yield ""
    if rest.strip():
        yield "```text"
        yield rest.rstrip()
        yield "```"
        yield ""


def _function(name: str, obj: Any, level: str = "###") -> Iterator[str]:
    prefix = "async " if inspect.iscoroutinefunction(obj) else ""
    yield f"{level} `{prefix}{name}{_signature(obj)}`"
    yield ""
    yield from _docblock(obj)


def _class(name: str, cls: type, *, members: bool = True) -> Iterator[str]:
    yield f"### `class {name}`"
    yield ""
    yield from _docblock(cls)
    if not members:
        return
    for attr, value in _public_members(cls):
        if isinstance(value, property):
            yield f"#### `{name}.{attr}` (property)"
            yield ""
            yield from _docblock(value)
        else:
            yield from _function(f"{name}.{attr}", value, "####")


def _public_members(cls: type) -> list[tuple[str, Any]]:
    seen: dict[str, Any] = {}
    for klass in reversed(cls.__mro__):
        if klass.__module__.startswith("trioconnect"):
            for attr, value in vars(klass).items():
                if not attr.startswith("_") and (callable(value) or isinstance(value, property)):
                    seen[attr] = value
    return sorted(seen.items())


def render() -> str:
    import trioconnect
    from trioconnect import config, emulator, errors, events
    from trioconnect.session import ChatSession

    out = [HEADER, ""]
    out += ["## Sessions", ""]
    out += list(_function("open_chat_session", trioconnect.open_chat_session))
    out += list(_class("ChatSession", ChatSession))
    out += ["## Chat details", ""]
    out += list(_function("start_chat", trioconnect.start_chat))
    out += list(_function("create_participant", trioconnect.create_participant))
    out += list(_class("ChatDetails", trioconnect.ChatDetails, members=False))
    out += list(_class("ConnectConfig", trioconnect.ConnectConfig, members=False))
    out += ["## Results", ""]
    for name in ("ConnectResult", "MessageResult", "TranscriptResult", "SessionStatistics"):
        out += list(_class(name, getattr(trioconnect, name), members=False))
    out += list(_class("SessionState", trioconnect.SessionState, members=False))
    out += ["## Configuration", ""]
    for name in ("ClientConfig", "ReceiptConfig", "ReconnectConfig"):
        out += list(_class(name, getattr(config, name), members=False))
    out += list(_function("set_global_config", config.set_global_config))
    out += list(_function("get_global_config", config.get_global_config))
    out += ["## Events (`trioconnect.events`)", ""]
    for name in sorted(events.__all__):
        out += list(_class(name, getattr(events, name), members=False))
    out += ["## Errors (`trioconnect.errors`)", ""]
    out += list(_docblock(errors))
    for name in sorted(n for n in errors.__all__ if n[0].isupper()):
        out += list(_class(name, getattr(errors, name), members=False))
    out += ["## Emulator (`trioconnect.emulator`)", ""]
    out += list(_function("serve", emulator.serve))
    return "\n".join(line.rstrip() for line in out).rstrip() + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail if docs/api.md is stale")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        if DOC.read_text(encoding="utf-8") != text:
            print("docs/api.md is stale: run `python scripts/gen_api_doc.py`", file=sys.stderr)
            return 1
        return 0
    DOC.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
