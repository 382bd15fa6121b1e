"""SLO expressions: what parses, into what, and how bad input is explained."""

from __future__ import annotations

import pytest

from trioconnect.errors import ValidationError
from trioconnect.load.metrics import METRICS
from trioconnect.load.slo import DEFAULT_SLOS, LATENCY_STATISTICS, Slo, parse_slo


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("reply.p99<2s", Slo("reply.p99<2s", "reply", "p99", "<", 2.0)),
        ("connect.p95 <= 500ms", Slo("connect.p95 <= 500ms", "connect", "p95", "<=", 0.5)),
        ("  chat.max<1.5s ", Slo("chat.max<1.5s", "chat", "max", "<", 1.5)),
        ("send.mean< .25s", Slo("send.mean< .25s", "send", "mean", "<", 0.25)),
        ("round_trip.p50<=20 ms", Slo("round_trip.p50<=20 ms", "round_trip", "p50", "<=", 0.02)),
        ("failed_chats<=0", Slo("failed_chats<=0", "failed_chats", "count", "<=", 0.0)),
        ("failed_chats < 3", Slo("failed_chats < 3", "failed_chats", "count", "<", 3.0)),
        ("failed_chats<1%", Slo("failed_chats<1%", "failed_chats", "percent", "<", 1.0)),
        ("failed_chats<=2.5 %", Slo("failed_chats<=2.5 %", "failed_chats", "percent", "<=", 2.5)),
    ],
)
def test_valid_expressions_parse(text: str, expected: Slo) -> None:
    assert parse_slo(text) == expected


@pytest.mark.parametrize("metric", METRICS)
@pytest.mark.parametrize("statistic", LATENCY_STATISTICS)
def test_every_metric_and_statistic_parses(metric: str, statistic: str) -> None:
    slo = parse_slo(f"{metric}.{statistic}<=250ms")
    assert (slo.subject, slo.statistic, slo.operator) == (metric, statistic, "<=")
    assert slo.threshold == pytest.approx(0.25)


@pytest.mark.parametrize(
    ("text", "complaint", "example"),
    [
        ("replies.p99<2s", "unknown metric 'replies'", "reply.p99<2s"),
        ("reply.p98<2s", "unknown statistic 'p98'", "reply.p99<2s"),
        ("reply<2s", "no statistic for reply", "reply.p99<2s"),
        ("reply.p99>2s", "operator '>' is not supported", "reply.p99<2s"),
        ("reply.p99>=2s", "operator '>='", "reply.p99<2s"),
        ("failed_chats=0", "operator '='", "failed_chats<=0"),
        ("failed_chats==0", "operator '=='", "failed_chats<=0"),
        ("reply.p99<2", "no unit for a latency", "reply.p99<500ms"),
        ("reply.p99<2min", "unit 'min'", "reply.p99<500ms"),
        ("reply.p99<2%", "unit '%'", "reply.p99<500ms"),
        ("failed_chats<1s", "unit 's' for failed_chats", "failed_chats<1%"),
        ("failed_chats.count<1", "takes no statistic", "failed_chats<1%"),
        ("reply.p99<-1s", "must not be negative", "reply.p99<2s"),
        ("", "expected <metric>.<statistic>", "reply.p99<2s"),
        ("reply.p99 2s", "expected <metric>.<statistic>", "reply.p99<2s"),
        ("reply.p99<twos", "expected <metric>.<statistic>", "reply.p99<2s"),
    ],
)
def test_bad_expressions_say_what_is_wrong_with_an_example(
    text: str, complaint: str, example: str
) -> None:
    with pytest.raises(ValidationError) as info:
        parse_slo(text)
    message = str(info.value)
    assert repr(text.strip()) in message
    assert complaint in message
    assert f"for example {example!r}" in message
    parse_slo(example)  # the example offered is itself valid


def test_holds_for_respects_strictness() -> None:
    assert parse_slo("reply.p99<2s").holds_for(1.999)
    assert not parse_slo("reply.p99<2s").holds_for(2.0)
    assert parse_slo("reply.p99<=2s").holds_for(2.0)
    assert not parse_slo("reply.p99<=2s").holds_for(2.001)


def test_default_is_no_failed_chat() -> None:
    assert list(DEFAULT_SLOS) == [Slo("failed_chats<=0", "failed_chats", "count", "<=", 0.0)]
