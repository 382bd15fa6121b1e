"""Request-rate quotas (token buckets) and the concurrent-active-chats limit.

With ``mode="aws"`` the emulator enforces the published defaults (limits.md): StartChatContact,
CreateParticipantConnection, GetTranscript and DisconnectParticipant at 2 requests/s with a burst
of 5; SendMessage and SendEvent at 10/s with a burst of 15; at most ``max_active_chats`` chats
active at once. StartChatContact is counted per emulator (the service counts per account and
Region); participant calls per bearer token. ``mode="off"`` disables everything.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal

from trioconnect.emulator.api_error import ApiError, throttled

__all__ = ["DEFAULT_RATES", "QuotaMode", "Quotas", "Rate", "TokenBucket"]

QuotaMode = Literal["off", "aws"]


@dataclass(frozen=True)
class Rate:
    """A sustained rate (requests per second) and a burst size."""

    per_second: float
    burst: float


#: Per-operation rates used with ``mode="aws"``.
DEFAULT_RATES: Mapping[str, Rate] = {
    "StartChatContact": Rate(2, 5),
    "CreateParticipantConnection": Rate(2, 5),
    "GetTranscript": Rate(2, 5),
    "DisconnectParticipant": Rate(2, 5),
    "SendMessage": Rate(10, 15),
    "SendEvent": Rate(10, 15),
}


class TokenBucket:
    """A token bucket refilled continuously at ``rate.per_second`` up to ``rate.burst``."""

    def __init__(self, rate: Rate, now: float) -> None:
        self.rate = rate
        self.tokens = rate.burst
        self.updated = now

    def refill(self, now: float) -> None:
        """Add the tokens earned since the last update."""
        elapsed = max(now - self.updated, 0.0)
        self.tokens = min(self.rate.burst, self.tokens + elapsed * self.rate.per_second)
        self.updated = now

    def take(self, now: float) -> bool:
        """Take one token if available."""
        self.refill(now)
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


class Quotas:
    """Quota enforcement.

    Args:
        mode: ``"aws"`` to enforce, ``"off"`` to allow everything.
        clock: a function returning monotonic seconds (the emulator clock).
        rates: per-operation rates (default :data:`DEFAULT_RATES`).
        max_active_chats: concurrent active chats allowed.
        max_buckets: buckets kept before full (idle) ones are dropped.
    """

    def __init__(
        self,
        mode: QuotaMode,
        clock: Callable[[], float],
        rates: Mapping[str, Rate] | None = None,
        max_active_chats: int = 100,
        max_buckets: int = 50_000,
    ) -> None:
        if mode not in ("off", "aws"):
            raise ValueError(f"quotas must be 'off' or 'aws', not {mode!r}")
        self.mode: QuotaMode = mode
        self.rates = dict(DEFAULT_RATES if rates is None else rates)
        self.max_active_chats = max_active_chats
        self._clock = clock
        self._buckets: dict[tuple[str, str], TokenBucket] = {}
        self._max_buckets = max_buckets

    @property
    def enabled(self) -> bool:
        """Whether quotas are enforced."""
        return self.mode == "aws"

    def check(self, operation: str, key: str) -> None:
        """Take one request of ``operation`` for ``key`` (a token, or ``"account"``).

        Raises:
            ApiError: ThrottlingException when the bucket is empty.
        """
        rate = self.rates.get(operation)
        if not self.enabled or rate is None:
            return
        now = self._clock()
        bucket = self._buckets.get((operation, key))
        if bucket is None:
            self._prune(now)
            bucket = self._buckets[(operation, key)] = TokenBucket(rate, now)
        if not bucket.take(now):
            raise throttled(f"Rate exceeded for {operation}")

    def check_active_chats(self, active: int) -> None:
        """Refuse a new chat when ``active`` chats already run.

        Raises:
            ApiError: LimitExceededException (429).
        """
        if self.enabled and active >= self.max_active_chats:
            raise ApiError(
                "LimitExceededException",
                429,
                f"The limit of {self.max_active_chats} concurrent active chats is reached",
            )

    def _prune(self, now: float) -> None:
        if len(self._buckets) < self._max_buckets:
            return
        for key, bucket in list(self._buckets.items()):
            bucket.refill(now)
            if bucket.tokens >= bucket.rate.burst:
                del self._buckets[key]
