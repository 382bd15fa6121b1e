"""LatencyHistogram accuracy and bounds; Recorder counters, errors, time series and snapshots."""

from __future__ import annotations

import math
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trioconnect.errors import ValidationError
from trioconnect.load.metrics import (
    METRICS,
    ErrorCount,
    IntervalRow,
    LatencyHistogram,
    LatencySummary,
    Recorder,
)


def nearest_rank(sorted_values: list[float], p: float) -> float:
    """The nearest-rank percentile: the value of rank ceil(p/100 * n), at least 1."""
    rank = max(1, math.ceil(round(p * len(sorted_values) / 100, 9)))
    return sorted_values[rank - 1]


# --- LatencyHistogram --------------------------------------------------------------------------

latencies = st.floats(min_value=1e-6, max_value=3600.0, allow_nan=False, allow_infinity=False)


@settings(max_examples=300, deadline=None)
@given(
    values=st.lists(latencies, min_size=1, max_size=300),
    p=st.one_of(st.floats(min_value=0, max_value=100), st.sampled_from([0, 50, 90, 99, 100])),
    precision=st.sampled_from([0.01, 0.05, 0.001]),
)
def test_percentile_is_within_precision_of_the_nearest_rank_sample(
    values: list[float], p: float, precision: float
) -> None:
    histogram = LatencyHistogram(precision=precision)
    for value in values:
        histogram.record(value)
    exact = nearest_rank(sorted(values), p)
    got = histogram.percentile(p)
    assert got is not None
    assert abs(got - exact) <= precision * exact * (1 + 1e-9)
    assert min(values) <= got <= max(values)


@settings(max_examples=100, deadline=None)
@given(values=st.lists(st.floats(min_value=0, max_value=1e5), min_size=1, max_size=100))
def test_min_max_mean_are_exact_and_percentiles_stay_inside_them(values: list[float]) -> None:
    histogram = LatencyHistogram()
    for value in values:
        histogram.record(value)
    assert histogram.count == len(values)
    assert histogram.min() == min(values)
    assert histogram.max() == max(values)
    mean = histogram.mean()
    assert mean is not None
    assert mean == pytest.approx(sum(values) / len(values))
    for p in (0, 1, 50, 99.9, 100):
        got = histogram.percentile(p)
        assert got is not None
        assert min(values) <= got <= max(values)


def test_empty_histogram_answers_none() -> None:
    histogram = LatencyHistogram()
    assert histogram.count == 0
    assert histogram.percentile(50) is None
    assert (histogram.mean(), histogram.min(), histogram.max()) == (None, None, None)
    assert histogram.summary() == LatencySummary(0, None, None, None, None, None, None, None)


def test_extremes_are_the_exact_min_and_max() -> None:
    histogram = LatencyHistogram()
    for value in (0.0123, 0.5, 7.0):
        histogram.record(value)
    assert histogram.percentile(0) == 0.0123
    assert histogram.percentile(100) == 7.0


def test_out_of_range_values_are_clamped_but_counted() -> None:
    histogram = LatencyHistogram(lowest=0.001, highest=10.0)
    for value in (0.0, 1e-9, 99.0, 5000.0, -0.5):
        histogram.record(value)
    assert histogram.count == 5
    assert histogram.min() == 0.0  # the negative value counts as 0
    assert histogram.max() == 5000.0
    median = histogram.percentile(50)
    assert median is not None
    assert 0.0 <= median <= 0.002


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_record_refuses_non_finite(bad: float) -> None:
    with pytest.raises(ValueError, match="finite"):
        LatencyHistogram().record(bad)


@pytest.mark.parametrize("p", [-0.1, 100.1, math.nan])
def test_percentile_refuses_out_of_range(p: float) -> None:
    histogram = LatencyHistogram()
    histogram.record(1.0)
    with pytest.raises(ValueError, match=r"\[0, 100\]"):
        histogram.percentile(p)


@pytest.mark.parametrize(
    ("kwargs", "word"),
    [
        ({"precision": 0}, "precision"),
        ({"precision": 0.5}, "precision"),
        ({"lowest": 0}, "lowest"),
        ({"lowest": 2.0, "highest": 1.0}, "highest"),
        ({"highest": math.inf}, "highest"),
    ],
)
def test_bad_histogram_parameters(kwargs: dict[str, float], word: str) -> None:
    with pytest.raises(ValidationError, match=word):
        LatencyHistogram(**kwargs)


def test_memory_is_fixed() -> None:
    histogram = LatencyHistogram()
    size = len(histogram._buckets)
    assert 1000 < size < 1200  # about ln(3.6e9) / ln(1.0202) buckets
    rng = random.Random(7)
    for _ in range(20_000):
        histogram.record(rng.expovariate(10))
    assert len(histogram._buckets) == size


def test_merge_equals_recording_everything_in_one() -> None:
    rng = random.Random(1)
    a_values = [rng.uniform(0.001, 2) for _ in range(500)]
    b_values = [rng.uniform(0.5, 9) for _ in range(300)]
    a, b, both = LatencyHistogram(), LatencyHistogram(), LatencyHistogram()
    for value in a_values:
        a.record(value)
        both.record(value)
    for value in b_values:
        b.record(value)
        both.record(value)
    a.merge(b)
    merged, direct = a.summary(), both.summary()
    assert (merged.count, merged.min, merged.max) == (direct.count, direct.min, direct.max)
    assert merged.p50 == direct.p50
    assert merged.p99 == direct.p99
    assert merged.mean == pytest.approx(direct.mean)


def test_merge_refuses_a_different_layout() -> None:
    with pytest.raises(ValueError, match="precision"):
        LatencyHistogram().merge(LatencyHistogram(precision=0.02))
    with pytest.raises(ValueError, match="precision"):
        LatencyHistogram().merge(LatencyHistogram(highest=60))


def test_reset_forgets_everything() -> None:
    histogram = LatencyHistogram()
    histogram.record(1.0)
    histogram.reset()
    assert histogram.count == 0
    assert histogram.percentile(50) is None
    histogram.record(0.25)
    assert histogram.min() == histogram.max() == 0.25


def test_summary_fields() -> None:
    histogram = LatencyHistogram()
    for ms in range(1, 101):
        histogram.record(ms / 1000)
    summary = histogram.summary()
    assert summary.count == 100
    assert summary.min == 0.001
    assert summary.max == 0.1
    assert summary.mean == pytest.approx(0.0505)
    for got, exact in ((summary.p50, 0.05), (summary.p90, 0.09), (summary.p95, 0.095)):
        assert got == pytest.approx(exact, rel=0.0101)
    assert summary.p99 == pytest.approx(0.099, rel=0.0101)


# --- Recorder: counters and errors ----------------------------------------------------------


def test_counters_follow_events() -> None:
    recorder = Recorder(chats_total=3, started_at=100.0)
    recorder.chat_started(100.1)
    recorder.chat_started(100.2)
    recorder.message_sent(100.3)
    recorder.reply_received(100.5, 0.2)
    recorder.chat_finished(100.6, failed=False)
    recorder.chat_finished(100.7, failed=True)
    assert recorder.chats_total == 3
    assert (recorder.chats_started, recorder.chats_active) == (2, 0)
    assert (recorder.chats_finished, recorder.chats_failed) == (2, 1)
    assert (recorder.messages_sent, recorder.replies, recorder.errors_total) == (1, 1, 0)
    assert recorder.histograms["reply"].count == 1
    assert list(recorder.histograms) == list(METRICS)


def test_latency_goes_to_its_histogram_and_unknown_names_are_refused() -> None:
    recorder = Recorder(chats_total=1, started_at=0.0)
    recorder.latency("connect", 0.3)
    recorder.latency("connect", 0.5)
    assert recorder.histograms["connect"].count == 2
    with pytest.raises(ValueError, match="unknown metric 'conect'"):
        recorder.latency("conect", 0.1)


def test_finishing_an_unstarted_chat_is_a_bug() -> None:
    recorder = Recorder(chats_total=1, started_at=0.0)
    with pytest.raises(ValueError, match="chat_started"):
        recorder.chat_finished(1.0, failed=False)


def test_errors_are_counted_by_key_with_the_first_example() -> None:
    recorder = Recorder(chats_total=1, started_at=0.0)
    recorder.error(0.1, "send", "ThrottlingError", "Rate exceeded")
    recorder.error(0.2, "send", "ThrottlingError", "Rate exceeded again")
    recorder.error(0.3, "reply", "ReplyTimeout", "x" * 1000)
    errors = recorder.errors
    assert errors["send: ThrottlingError"] == ErrorCount(2, "Rate exceeded")
    example = errors["reply: ReplyTimeout"].example
    assert len(example) == 300
    assert example.endswith("…")
    assert recorder.errors_total == 3
    with pytest.raises(ValueError, match="unknown phase 'round_trip'"):
        recorder.error(0.4, "round_trip", "X", "y")


@pytest.mark.parametrize(
    ("kwargs", "word"),
    [({"interval": 0}, "interval"), ({"max_rows": 0}, "max_rows"), ({"chats_total": -1}, "chats")],
)
def test_bad_recorder_parameters(kwargs: dict[str, float], word: str) -> None:
    arguments: dict[str, float] = {"chats_total": 1, "started_at": 0.0, **kwargs}
    with pytest.raises(ValidationError, match=word):
        Recorder(**arguments)  # type: ignore[arg-type]


# --- Recorder: time series --------------------------------------------------------------------


def test_rows_appear_per_interval_even_when_idle() -> None:
    recorder = Recorder(chats_total=2, started_at=50.0, interval=1.0)
    recorder.tick(50.99)
    assert len(recorder.rows) == 0
    recorder.chat_started(50.5)
    recorder.message_sent(51.2)  # closes [0, 1) first
    recorder.reply_received(51.4, 0.2)
    recorder.reply_received(51.6, 0.4)
    recorder.error(52.5, "send", "ThrottlingError", "slow down")
    recorder.chat_finished(53.0, failed=True)  # exactly at a boundary: lands in [3, 4)
    recorder.tick(55.0)
    rows = recorder.rows
    assert [(r.start, r.length) for r in rows] == [(0, 1), (1, 1), (2, 1), (3, 1), (4, 1)]
    assert [r.chats_active for r in rows] == [1, 1, 1, 0, 0]
    assert [r.chats_started for r in rows] == [1, 0, 0, 0, 0]
    assert [r.messages_sent for r in rows] == [0, 1, 0, 0, 0]
    assert [r.replies for r in rows] == [0, 2, 0, 0, 0]
    assert [r.errors for r in rows] == [0, 0, 1, 0, 0]
    assert [(r.chats_finished, r.chats_failed) for r in rows][3] == (1, 1)
    assert rows[0].reply_p50 is None
    assert rows[1].reply_p50 == pytest.approx(0.2, rel=0.01)
    assert rows[1].reply_p99 == pytest.approx(0.4, rel=0.01)
    assert rows[2].reply_p99 is None  # the interval's own replies only


def test_snapshot_rate_comes_from_the_last_closed_interval() -> None:
    recorder = Recorder(chats_total=5, started_at=0.0, interval=2.0)
    recorder.chat_started(0.1)
    for t in (0.5, 1.0, 1.5):
        recorder.message_sent(t)
    assert recorder.snapshot(1.9).messages_per_second == 0.0  # nothing closed yet
    recorder.message_sent(2.5)
    for seconds in (0.1, 0.2, 0.3):
        recorder.reply_received(2.6, seconds)
    snapshot = recorder.snapshot(2.7)
    assert snapshot.messages_per_second == 1.5  # 3 messages in [0, 2)
    assert snapshot.elapsed == pytest.approx(2.7)
    assert (snapshot.chats_started, snapshot.chats_active, snapshot.chats_total) == (1, 1, 5)
    assert (snapshot.messages_sent, snapshot.replies, snapshot.errors) == (4, 3, 0)
    assert snapshot.reply_p50 == pytest.approx(0.2, rel=0.01)
    assert snapshot.reply_p99 == pytest.approx(0.3, rel=0.01)
    assert recorder.snapshot(4.0).messages_per_second == 0.5  # 1 message in [2, 4)
    assert recorder.snapshot(6.0).messages_per_second == 0.0


def _series(max_rows: int, intervals: int) -> tuple[Recorder, list[int]]:
    """A recorder that sent ``i`` messages in interval ``i``, for ``intervals`` intervals."""
    recorder = Recorder(chats_total=1, started_at=0.0, interval=1.0, max_rows=max_rows)
    for i in range(intervals):
        for _ in range(i):
            recorder.message_sent(i + 0.5)
    recorder.tick(float(intervals))
    return recorder, list(range(intervals))


def test_rows_merge_pairwise_beyond_max_rows() -> None:
    recorder, _ = _series(max_rows=4, intervals=5)
    rows = recorder.rows
    # 5 one-second rows do not fit in 4: pairs merge into 2-second rows, the fifth waits.
    assert [(r.start, r.length) for r in rows] == [(0, 2), (2, 2), (4, 1)]
    assert [r.messages_sent for r in rows] == [0 + 1, 2 + 3, 4]


@pytest.mark.parametrize(("max_rows", "intervals"), [(1, 9), (4, 37), (10, 1000), (7, 64)])
def test_merged_rows_cover_the_run_within_max_rows(max_rows: int, intervals: int) -> None:
    recorder, sent = _series(max_rows=max_rows, intervals=intervals)
    rows = recorder.rows
    assert len(rows) <= max_rows + 1  # the full rows, and at most one partial last row
    assert sum(r.messages_sent for r in rows) == sum(sent)
    assert sum(r.length for r in rows) == intervals
    position = 0.0
    for row in rows:  # contiguous and in order
        assert row.start == position
        assert sum(sent[int(row.start) : int(row.start + row.length)]) == row.messages_sent
        position += row.length
    full = rows[:-1] if rows[-1].length < rows[0].length else rows
    assert len({r.length for r in full}) == 1
    assert len(full) <= max_rows


def test_merged_rows_keep_the_larger_active_count_and_latencies() -> None:
    recorder = Recorder(chats_total=4, started_at=0.0, interval=1.0, max_rows=1)
    recorder.chat_started(0.1)
    recorder.chat_started(0.2)
    recorder.reply_received(0.3, 0.1)
    recorder.chat_finished(1.5, failed=False)
    recorder.reply_received(1.6, 0.9)
    recorder.tick(2.0)
    (row,) = recorder.rows
    assert row == IntervalRow(
        start=0,
        length=2,
        chats_active=2,
        chats_started=2,
        chats_finished=1,
        chats_failed=0,
        messages_sent=0,
        replies=2,
        errors=0,
        reply_p50=pytest.approx(0.9, rel=0.01),  # type: ignore[arg-type]
        reply_p99=pytest.approx(0.9, rel=0.01),  # type: ignore[arg-type]
    )
