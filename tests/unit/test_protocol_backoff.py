"""Backoff: exact sequences without jitter, bounds with jitter, exhaustion, reset."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trioconnect.protocol.backoff import Backoff


class FixedUniform(random.Random):
    """A Random whose ``uniform(a, b)`` always returns one end of the range."""

    def __init__(self, high: bool) -> None:
        super().__init__(0)
        self.high = high

    def uniform(self, a: float, b: float) -> float:
        return b if self.high else a


def delays(backoff: Backoff, rng: random.Random, n: int) -> list[float | None]:
    return [backoff.next_delay(rng) for _ in range(n)]


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({}, [1, 2, 4, 8, 16, 30, 30, 30]),
        ({"initial": 2.0, "maximum": 30.0}, [2, 4, 8, 16, 30, 30, 30, 30]),
        ({"multiplier": 1.0}, [1] * 8),
        ({"multiplier": 3.0, "maximum": 10.0}, [1, 3, 9, 10, 10, 10, 10, 10]),
        ({"initial": 0.5, "maximum": 0.5}, [0.5] * 8),
        ({"max_attempts": 3}, [1, 2, 4, None, None, None, None, None]),
        ({"max_attempts": 0}, [None] * 8),
    ],
)
def test_sequences_without_jitter(kwargs: dict[str, float], expected: list[float | None]) -> None:
    backoff = Backoff(jitter=0.0, **kwargs)  # type: ignore[arg-type]
    assert delays(backoff, random.Random(1), 8) == expected


def test_jitter_extremes() -> None:
    low = Backoff(jitter=0.3)
    assert delays(low, FixedUniform(high=False), 7) == pytest.approx(
        [0.7, 1.4, 2.8, 5.6, 11.2, 21.0, 21.0]
    )
    high = Backoff(jitter=0.3)
    assert delays(high, FixedUniform(high=True), 7) == pytest.approx(
        [1.3, 2.6, 5.2, 10.4, 20.8, 30.0, 30.0]  # never above maximum
    )


def test_same_seed_same_delays() -> None:
    assert delays(Backoff(), random.Random(42), 10) == delays(Backoff(), random.Random(42), 10)
    assert delays(Backoff(), random.Random(42), 10) != delays(Backoff(), random.Random(43), 10)


def test_attempts_exhaustion_and_reset() -> None:
    backoff = Backoff(jitter=0.0, max_attempts=2)
    rng = random.Random(0)
    assert backoff.attempts == 0
    assert not backoff.exhausted
    assert delays(backoff, rng, 3) == [1.0, 2.0, None]
    assert backoff.attempts == 2
    assert backoff.exhausted
    backoff.reset()
    assert backoff.attempts == 0
    assert delays(backoff, rng, 1) == [1.0]


def test_no_overflow_after_many_attempts() -> None:
    backoff = Backoff(multiplier=10.0, jitter=0.0)
    rng = random.Random(0)
    for _ in range(5000):
        delay = backoff.next_delay(rng)
    assert delay == 30.0
    assert backoff.attempts == 5000


@pytest.mark.parametrize(
    "kwargs",
    [
        {"initial": 0.0},
        {"initial": -1.0},
        {"initial": float("inf")},
        {"initial": 5.0, "maximum": 1.0},
        {"maximum": float("inf")},
        {"multiplier": 0.5},
        {"jitter": -0.1},
        {"jitter": 1.0},
        {"max_attempts": -1},
    ],
)
def test_invalid_parameters(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError, match="must"):
        Backoff(**kwargs)  # type: ignore[arg-type]


@given(
    initial=st.floats(0.001, 10),
    span=st.floats(0, 100),
    multiplier=st.floats(1, 5),
    jitter=st.floats(0, 0.99),
    seed=st.integers(),
    count=st.integers(1, 40),
)
def test_delays_stay_within_bounds(
    initial: float, span: float, multiplier: float, jitter: float, seed: int, count: int
) -> None:
    maximum = initial + span
    backoff = Backoff(initial, maximum, multiplier, jitter)
    rng = random.Random(seed)
    base = initial
    for _ in range(count):
        delay = backoff.next_delay(rng)
        assert delay is not None
        assert base * (1 - jitter) * (1 - 1e-12) <= delay <= maximum
        assert delay <= base * (1 + jitter) * (1 + 1e-12)
        base = min(maximum, base * multiplier)
