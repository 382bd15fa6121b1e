"""build_result, SLO evaluation and the JSON document."""

from __future__ import annotations

import importlib.metadata
import json
from dataclasses import replace

import pytest

from trioconnect.load.metrics import METRICS, LatencySummary, Recorder
from trioconnect.load.plan import LoadPlan
from trioconnect.load.result import (
    JSON_FORMAT,
    LoadResult,
    build_result,
    evaluate,
    result_to_json,
)
from trioconnect.load.slo import DEFAULT_SLOS, parse_slo


def _run(*, failed: int = 1, started: int = 4, replies: tuple[float, ...] = (0.1, 0.2)) -> Recorder:
    """A small recorded run: ``started`` chats, ``failed`` of them failed, some replies."""
    recorder = Recorder(chats_total=started, started_at=10.0)
    for i in range(started):
        recorder.chat_started(10.0 + i / 10)
        recorder.latency("connect", 0.05 * (i + 1))
    for seconds in replies:
        recorder.message_sent(11.0)
        recorder.reply_received(11.0 + seconds, seconds)
    recorder.error(11.5, "send", "ThrottlingError", "Rate exceeded")
    for _ in range(3):
        recorder.error(11.6, "reply", "ReplyTimeout", "no reply in 30 s")
    for i in range(started):
        recorder.chat_finished(12.0, failed=i < failed)
    recorder.tick(12.5)
    return recorder


def _build(recorder: Recorder, slos: tuple[str, ...] = ()) -> LoadResult:
    return build_result(
        recorder,
        plan=LoadPlan(chats=4),
        target="embedded emulator http://127.0.0.1:1",
        started_at="2025-01-01T00:00:00Z",
        duration=2.5,
        interrupted=False,
        slos=[parse_slo(text) for text in slos],
    )


def test_build_result_copies_the_recorder() -> None:
    result = _build(_run())
    assert (result.chats_started, result.chats_finished, result.chats_failed) == (4, 4, 1)
    assert (result.messages_sent, result.replies) == (2, 2)
    assert list(result.latencies) == list(METRICS)
    assert result.latencies["connect"].count == 4
    assert result.latencies["send"] == LatencySummary(0, None, None, None, None, None, None, None)
    assert list(result.errors) == ["reply: ReplyTimeout", "send: ThrottlingError"]  # by count
    assert result.errors_total == 4
    assert [row.start for row in result.rows] == [0.0, 1.0]
    assert result.verdicts == ()
    assert result.passed  # no SLO, nothing to fail


def test_version_is_the_installed_distribution() -> None:
    assert _build(_run()).version == importlib.metadata.version("trioconnect")


def test_version_falls_back_to_zero(monkeypatch: pytest.MonkeyPatch) -> None:
    def missing(name: str) -> str:
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "version", missing)
    assert _build(_run()).version == "0"


@pytest.mark.parametrize(
    ("slo", "failed", "started", "measured", "passed"),
    [
        ("failed_chats<=0", 0, 4, 0.0, True),
        ("failed_chats<=0", 1, 4, 1.0, False),
        ("failed_chats<2", 1, 4, 1.0, True),
        ("failed_chats<25%", 1, 4, 25.0, False),
        ("failed_chats<=25%", 1, 4, 25.0, True),
        ("failed_chats<1%", 0, 0, 0.0, True),  # nothing started: 0 %
    ],
)
def test_failed_chat_slos(
    slo: str, failed: int, started: int, measured: float, passed: bool
) -> None:
    (verdict,) = _build(_run(failed=failed, started=started), (slo,)).verdicts
    assert verdict.measured == measured
    assert verdict.passed is passed


def test_latency_slos_use_the_summary_in_seconds() -> None:
    result = _build(_run(), ("reply.max<=200ms", "reply.p50<0.1s", "connect.mean<1s"))
    max_verdict, p50_verdict, mean_verdict = result.verdicts
    assert max_verdict.measured == 0.2
    assert max_verdict.passed
    assert p50_verdict.measured == pytest.approx(0.1, rel=0.01)
    assert mean_verdict.measured == pytest.approx(0.125)
    assert mean_verdict.passed
    assert not result.passed  # one failed verdict fails the run (p50 0.1 is not < 0.1 ...)


def test_nothing_measured_fails_with_none() -> None:
    result = _build(_run(replies=()), ("reply.p99<2s", "failed_chats<100%"))
    assert result.verdicts[0].measured is None
    assert not result.verdicts[0].passed
    assert result.verdicts[1].passed
    assert not result.passed


def test_evaluate_takes_any_record_with_the_measurements() -> None:
    result = _build(_run())
    (verdict,) = evaluate(DEFAULT_SLOS, replace(result, chats_failed=0))
    assert verdict.passed


def test_json_document_is_versioned_serialisable_and_round_trips() -> None:
    plan = LoadPlan(chats=4, message_text="<script>alert({n})</script>")
    result = replace(_build(_run(), ("reply.p99<2s", "failed_chats<30%")), plan=plan)
    document = result_to_json(result)
    loaded = json.loads(json.dumps(document))
    assert loaded == document
    assert loaded["format"] == JSON_FORMAT == "trioconnect-load/1"
    assert loaded["version"] == result.version
    assert loaded["passed"] is True
    assert loaded["plan"]["message_text"] == "<script>alert({n})</script>"
    assert loaded["totals"] == {
        "chats_started": 4,
        "chats_finished": 4,
        "chats_failed": 1,
        "failed_percent": 25.0,
        "messages_sent": 2,
        "replies": 2,
        "errors": 4,
    }
    assert list(loaded["latencies_ms"]) == list(METRICS)
    assert loaded["latencies_ms"]["reply"]["max"] == 200.0
    assert loaded["latencies_ms"]["connect"]["min"] == 50.0
    assert loaded["latencies_ms"]["send"] == dict.fromkeys(
        ("min", "mean", "p50", "p90", "p95", "p99", "max"), None
    ) | {"count": 0}
    assert loaded["slos"][0]["unit"] == "ms"
    assert loaded["slos"][0]["threshold"] == 2000.0
    assert loaded["slos"][1] == {
        "slo": "failed_chats<30%",
        "subject": "failed_chats",
        "statistic": "percent",
        "operator": "<",
        "unit": "%",
        "threshold": 30.0,
        "measured": 25.0,
        "passed": True,
    }
    assert loaded["errors"][0] == {
        "key": "reply: ReplyTimeout",
        "count": 3,
        "example": "no reply in 30 s",
    }
    assert [row["start"] for row in loaded["rows"]] == [0.0, 1.0]
    assert loaded["rows"][1]["replies"] == 2
    assert loaded["rows"][1]["reply_p99_ms"] == pytest.approx(200.0, rel=0.01)


def test_json_latencies_have_three_decimals() -> None:
    recorder = Recorder(chats_total=1, started_at=0.0)
    recorder.latency("send", 0.123456789)
    document = result_to_json(_build(recorder))
    assert document["latencies_ms"]["send"]["min"] == 123.457
    assert document["latencies_ms"]["send"]["mean"] == 123.457
