"""``import trioconnect`` loads none of the heavy dependencies; they load on first use."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ("botocore", "httpx", "yaml", "transitions", "trio_websocket", "hypercorn")


def _loaded_after(code: str) -> set[str]:
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    modules = set(json.loads(out.stdout.strip().splitlines()[-1]))
    return {name for name in HEAVY if name in modules}


def test_import_trioconnect_loads_no_heavy_dependency() -> None:
    assert _loaded_after("import trioconnect") == set()


def test_heavy_dependencies_load_on_first_use() -> None:
    code = (
        "import trioconnect\n"
        "assert callable(trioconnect.start_chat)\n"
        "from trioconnect.machine import SessionMachine\n"
        "SessionMachine()\n"
        "from trioconnect.aws import ParticipantClient\n"
        "ParticipantClient()\n"
    )
    assert _loaded_after(code) == {"botocore", "httpx", "yaml", "transitions"}


def test_every_public_name_resolves_and_is_listed() -> None:
    code = (
        "import trioconnect\n"
        "missing = [n for n in trioconnect.__all__ if not hasattr(trioconnect, n)]\n"
        "assert missing == [], missing\n"
        "assert set(trioconnect.__all__) <= set(dir(trioconnect))\n"
        "from trioconnect import MessageEvent, open_chat_session, errors\n"
        "assert MessageEvent is trioconnect.events.MessageEvent\n"
        "try:\n"
        "    trioconnect.no_such_name\n"
        "except AttributeError:\n"
        "    pass\n"
        "else:\n"
        "    raise AssertionError('no AttributeError')\n"
    )
    assert _loaded_after(code) >= {"botocore", "httpx", "hypercorn"}  # everything was touched


def test_import_trioconnect_does_not_load_trio() -> None:
    probe = "import sys, trioconnect\nprint('trio' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == "False"
