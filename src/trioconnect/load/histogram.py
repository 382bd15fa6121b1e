"""A latency distribution in fixed memory: log buckets with a bounded relative error.

A run of millions of messages costs the same memory as a run of ten; recording is O(1) and a
percentile is within the histogram's relative precision of the exact one. No I/O, no clock.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from trioconnect.errors import ValidationError

__all__ = ["LatencyHistogram", "LatencySummary"]


@dataclass(frozen=True, slots=True)
class LatencySummary:
    """The usual statistics of one latency distribution, in seconds (None when empty)."""

    count: int
    min: float | None
    mean: float | None
    p50: float | None
    p90: float | None
    p95: float | None
    p99: float | None
    max: float | None


class LatencyHistogram:
    """Log-bucketed latency histogram: O(1) record, fixed memory, percentiles within `precision`.

    Bucket ``i`` covers ``[lowest * g**i, lowest * g**(i + 1))`` with ``g = (1 + p) / (1 - p)``
    for precision ``p``, and stands for the value ``lowest * g**i * (1 + p)``. Every value of the
    bucket is within ``p`` (relative) of that representative, so a percentile is too. With the
    defaults (1 %, 1 µs to an hour) that is about 1,100 buckets.

    Percentiles use the **nearest-rank** definition: for ``n`` recorded values sorted
    ascending, ``percentile(p)`` is the value of rank ``max(1, ceil(p / 100 * n))`` (ranks from
    1), so ``percentile(0)`` is the smallest value and ``percentile(100)`` the largest. The
    answer is that value to within ``precision`` (up to floating-point rounding), and is always
    clamped to the exact ``[min, max]`` recorded. Values below ``lowest`` or above ``highest``
    share the first or last bucket: they are counted, and min, max and mean stay exact, but
    percentiles among them lose the precision guarantee.

    Args:
        precision: the relative error allowed, in (0, 0.5).
        lowest: the smallest value measured precisely, in seconds (> 0).
        highest: the largest value measured precisely, in seconds (> ``lowest``).

    Raises:
        ValidationError: for a precision or range that breaks those rules.
    """

    __slots__ = (
        "_buckets",
        "_count",
        "_growth",
        "_highest",
        "_inv_log_growth",
        "_lowest",
        "_max",
        "_min",
        "_precision",
        "_total",
    )

    def __init__(
        self, precision: float = 0.01, lowest: float = 1e-6, highest: float = 3600.0
    ) -> None:
        if not 0 < precision < 0.5:
            raise ValidationError(f"precision must be in (0, 0.5), got {precision!r}")
        if not 0 < lowest < highest or not math.isfinite(highest):
            raise ValidationError(
                f"lowest and highest must satisfy 0 < lowest < highest < inf, "
                f"got lowest={lowest!r}, highest={highest!r}"
            )
        self._precision = precision
        self._lowest = lowest
        self._highest = highest
        self._growth = (1 + precision) / (1 - precision)
        self._inv_log_growth = 1 / math.log(self._growth)
        size = self._index(highest) + 1
        self._buckets = [0] * size
        self._count = 0
        self._total = 0.0
        self._min = math.inf
        self._max = -math.inf

    def _lower_bound(self, index: int) -> float:
        return self._lowest * self._growth**index

    def _index(self, value: float) -> int:
        if value <= self._lowest:
            return 0
        index = int(math.log(value / self._lowest) * self._inv_log_growth)
        # The logarithm may land one bucket off at a boundary; settle it against the bounds.
        if value < self._lower_bound(index):
            index -= 1
        elif value >= self._lower_bound(index + 1):
            index += 1
        return index

    def record(self, seconds: float) -> None:
        """Count one latency.

        Negative values (a clock that went backwards) count as 0.

        Raises:
            ValueError: for NaN or an infinite value.
        """
        if not math.isfinite(seconds):
            raise ValueError(f"a latency must be a finite number of seconds, got {seconds!r}")
        seconds = max(seconds, 0.0)
        index = min(self._index(seconds), len(self._buckets) - 1)
        self._buckets[index] += 1
        self._count += 1
        self._total += seconds
        self._min = min(self._min, seconds)
        self._max = max(self._max, seconds)

    @property
    def count(self) -> int:
        """How many values were recorded."""
        return self._count

    @property
    def precision(self) -> float:
        """The relative error of a percentile."""
        return self._precision

    def percentile(self, p: float) -> float | None:
        """The nearest-rank ``p``-th percentile, p in [0, 100]; None when empty.

        Raises:
            ValueError: when ``p`` is outside [0, 100].
        """
        if not 0 <= p <= 100:
            raise ValueError(f"a percentile must be in [0, 100], got {p!r}")
        if self._count == 0:
            return None
        # Rounding p * n / 100 first keeps e.g. 7.000000000000001 from becoming rank 8.
        rank = max(1, math.ceil(round(p * self._count / 100, 9)))
        seen = 0
        for index, bucket in enumerate(self._buckets):
            seen += bucket
            if seen >= rank:
                value = self._lower_bound(index) * (1 + self._precision)
                return min(max(value, self._min), self._max)
        return self._max  # unreachable: the buckets add up to count

    def mean(self) -> float | None:
        """The exact arithmetic mean; None when empty."""
        return self._total / self._count if self._count else None

    def min(self) -> float | None:
        """The exact smallest value recorded; None when empty."""
        return self._min if self._count else None

    def max(self) -> float | None:
        """The exact largest value recorded; None when empty."""
        return self._max if self._count else None

    def merge(self, other: LatencyHistogram) -> None:
        """Add every value of ``other`` to this histogram.

        Raises:
            ValueError: when the two differ in precision, lowest or highest.
        """
        mine = (self._precision, self._lowest, self._highest)
        theirs = (other._precision, other._lowest, other._highest)
        if mine != theirs:
            raise ValueError(
                f"cannot merge histograms with different (precision, lowest, highest): "
                f"{mine} and {theirs}"
            )
        for index, bucket in enumerate(other._buckets):
            self._buckets[index] += bucket
        self._count += other._count
        self._total += other._total
        self._min = min(self._min, other._min)
        self._max = max(self._max, other._max)

    def reset(self) -> None:
        """Forget every value."""
        self._buckets = [0] * len(self._buckets)
        self._count = 0
        self._total = 0.0
        self._min = math.inf
        self._max = -math.inf

    def summary(self) -> LatencySummary:
        """Count, min, mean, p50, p90, p95, p99 and max, in seconds."""
        return LatencySummary(
            count=self._count,
            min=self.min(),
            mean=self.mean(),
            p50=self.percentile(50),
            p90=self.percentile(90),
            p95=self.percentile(95),
            p99=self.percentile(99),
            max=self.max(),
        )

    def __repr__(self) -> str:
        return f"<LatencyHistogram count={self._count} precision={self._precision}>"
