"""LoadPlan: defaults, validation messages, templates, describe(); the package's lazy surface."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from typing import Any

import pytest

import trioconnect.load as load
from trioconnect.errors import ValidationError
from trioconnect.load.plan import LoadPlan


def test_defaults_are_valid_and_match_the_contract() -> None:
    plan = LoadPlan()
    assert (plan.chats, plan.concurrency, plan.arrival_rate, plan.messages) == (10, 10, None, 3)
    assert (plan.think_time, plan.wait_for_reply, plan.reply_timeout) == (1.0, True, 30.0)
    assert (plan.disconnect, plan.end_timeout, plan.duration, plan.drain_timeout) == (
        True,
        15.0,
        None,
        60.0,
    )


@pytest.mark.parametrize(
    ("changes", "field", "rule"),
    [
        ({"chats": 0}, "chats", ">= 1"),
        ({"chats": 2.5}, "chats", "integer"),
        ({"chats": True}, "chats", "integer"),
        ({"concurrency": 0}, "concurrency", ">= 1"),
        ({"messages": -1}, "messages", ">= 0"),
        ({"arrival_rate": 0}, "arrival_rate", "> 0"),
        ({"arrival_rate": float("nan")}, "arrival_rate", "finite"),
        ({"think_time": -0.5}, "think_time", ">= 0"),
        ({"reply_timeout": 0.0}, "reply_timeout", "> 0"),
        ({"reply_timeout": float("inf")}, "reply_timeout", "finite"),
        ({"reply_timeout": "5"}, "reply_timeout", "number"),
        ({"end_timeout": -1}, "end_timeout", "> 0"),
        ({"duration": 0}, "duration", "> 0"),
        ({"drain_timeout": -1}, "drain_timeout", ">= 0"),
        ({"wait_for_reply": 1}, "wait_for_reply", "True or False"),
        ({"disconnect": "no"}, "disconnect", "True or False"),
        ({"message_text": "hi {name}"}, "message_text", "{name}"),
        ({"message_text": "hi {}"}, "message_text", "{n}"),
        ({"message_text": "hi {"}, "message_text", "valid template"),
        ({"message_text": "hi {n:q}"}, "message_text", "format spec"),
        ({"message_text": 3}, "message_text", "string"),
        ({"display_name": "Load {n}"}, "display_name", "{chat}"),
        ({"display_name": "{chat.real}"}, "display_name", "{chat.real}"),
    ],
)
def test_bad_values_are_refused_naming_field_and_rule(
    changes: dict[str, Any], field: str, rule: str
) -> None:
    with pytest.raises(ValidationError) as info:
        LoadPlan(**changes)
    assert str(info.value).startswith(field)
    assert rule in str(info.value)


def test_replace_revalidates() -> None:
    with pytest.raises(ValidationError, match="concurrency"):
        dataclasses.replace(LoadPlan(), concurrency=-3)


def test_optional_fields_and_integers_for_floats_are_accepted() -> None:
    plan = LoadPlan(arrival_rate=5, duration=2.5, think_time=0, drain_timeout=0, messages=0)
    assert plan.arrival_rate == 5
    assert plan.messages == 0


def test_templates_format_with_their_fields() -> None:
    plan = LoadPlan(message_text="m{n:02d} c{chat} {{literal}}", display_name="Customer {chat}")
    assert plan.message_for(7, 3) == "m03 c7 {literal}"
    assert plan.display_name_for(41) == "Customer 41"
    assert LoadPlan().message_for(0, 1) == "load test message 1 of chat 0"


def test_describe_is_every_field_and_json_ready() -> None:
    plan = LoadPlan(chats=3, arrival_rate=2.0, message_text="<script>{n}</script>")
    described = plan.describe()
    assert list(described) == [f.name for f in dataclasses.fields(LoadPlan)]
    assert described["chats"] == 3
    assert described["arrival_rate"] == 2.0
    assert json.loads(json.dumps(described)) == described


def test_package_exports_resolve_lazily_without_io_libraries() -> None:
    # A fresh interpreter, so that other tests' imports do not hide an eager import of trio.
    code = (
        "import sys, trioconnect.load as load\n"
        "names = [n for n in load.__all__ if n not in ('LoadTarget', 'run_load')]\n"
        "values = [getattr(load, n) for n in names]\n"
        "bad = sorted({'trio', 'httpx', 'botocore'} & set(sys.modules))\n"
        "print(len(values), bad)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.split(None, 1)[1].strip() == "[]", out


def test_package_all_and_dir() -> None:
    expected = {
        "LoadPlan", "Slo", "SloVerdict", "parse_slo", "DEFAULT_SLOS", "LatencyHistogram",
        "LatencySummary", "Recorder", "Snapshot", "IntervalRow", "ErrorCount", "METRICS",
        "LoadResult", "build_result", "result_to_json", "render_text", "render_html",
        "LoadTarget", "run_load",
    }  # fmt: skip
    assert set(load.__all__) == expected
    assert expected <= set(dir(load))
    assert load.LoadPlan is LoadPlan
    with pytest.raises(AttributeError, match="nope"):
        _ = load.nope
