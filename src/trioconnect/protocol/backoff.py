"""Capped exponential backoff with jitter, with randomness passed in.

Delay number ``n`` (0-based) is ``base_n = min(maximum, initial * multiplier**n)`` scaled by a
uniform factor in ``[1 - jitter, 1 + jitter]``, then capped again at ``maximum``. So every delay
lies in ``[base_n * (1 - jitter), min(maximum, base_n * (1 + jitter))]`` and never exceeds
``maximum``. With ``max_attempts`` set, :meth:`Backoff.next_delay` returns None once that many
delays were given.
"""

from __future__ import annotations

import math
import random
from typing import final

__all__ = ["Backoff"]


@final
class Backoff:
    """Delays between retries. Call :meth:`reset` after a success.

    Args:
        initial: the first base delay, seconds (> 0).
        maximum: the largest delay, seconds (>= initial).
        multiplier: growth per attempt (>= 1).
        jitter: relative spread, 0 <= jitter < 1 (0.3 means ±30 %, as ChatJS's socket retries).
        max_attempts: how many delays to give before giving up (None: never give up).

    Raises:
        ValueError: a parameter is out of range.
    """

    __slots__ = ("_attempts", "_base", "initial", "jitter", "max_attempts", "maximum", "multiplier")

    def __init__(
        self,
        initial: float = 1.0,
        maximum: float = 30.0,
        multiplier: float = 2.0,
        jitter: float = 0.3,
        max_attempts: int | None = None,
    ) -> None:
        if not (initial > 0 and math.isfinite(initial)):
            raise ValueError(f"initial must be positive and finite, got {initial!r}")
        if not (maximum >= initial and math.isfinite(maximum)):
            raise ValueError(f"maximum must be finite and >= initial, got {maximum!r}")
        if not (multiplier >= 1 and math.isfinite(multiplier)):
            raise ValueError(f"multiplier must be >= 1 and finite, got {multiplier!r}")
        if not 0 <= jitter < 1:
            raise ValueError(f"jitter must be in [0, 1), got {jitter!r}")
        if max_attempts is not None and max_attempts < 0:
            raise ValueError(f"max_attempts must be >= 0 or None, got {max_attempts!r}")
        self.initial = float(initial)
        self.maximum = float(maximum)
        self.multiplier = float(multiplier)
        self.jitter = float(jitter)
        self.max_attempts = max_attempts
        self._attempts = 0
        self._base = self.initial

    @property
    def attempts(self) -> int:
        """How many delays were given since construction or the last :meth:`reset`."""
        return self._attempts

    @property
    def exhausted(self) -> bool:
        """Whether :meth:`next_delay` would return None."""
        return self.max_attempts is not None and self._attempts >= self.max_attempts

    def next_delay(self, rng: random.Random) -> float | None:
        """Return the next delay in seconds, or None when ``max_attempts`` delays were given.

        Args:
            rng: the source of jitter (one ``uniform`` draw per call when jitter > 0).
        """
        if self.exhausted:
            return None
        base = self._base
        factor = 1.0 + rng.uniform(-self.jitter, self.jitter) if self.jitter else 1.0
        self._attempts += 1
        # Grow incrementally and stop at the cap, so no power ever overflows.
        self._base = min(self.maximum, base * self.multiplier)
        return min(self.maximum, base * factor)

    def reset(self) -> None:
        """Start again from ``initial`` (after a success)."""
        self._attempts = 0
        self._base = self.initial
