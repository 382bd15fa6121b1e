"""Retries in the manner of the AWS SDKs' "standard" mode.

* At most ``max_attempts`` attempts (3: the first plus two retries).
* Retried: throttling (HTTP 429 or a throttling error code) and transient failures (HTTP
  500/502/503/504, a transient error code, a transport failure or an attempt timeout).
* Never retried: 400, 403, 404 and 409, quota errors that waiting cannot fix, validation errors.
* Before retry ``k`` (0 for the first retry) the loop sleeps
  ``min(max_delay, rng() * 2**k * base)`` with ``base`` 0.1 s for transient and 0.5 s for
  throttling failures; a ``Retry-After`` header is a lower bound (itself capped at ``max_delay``).
* A retry quota (a token bucket of 500, costing 5 per throttling and 10 per transient retry, with a
  refund of 1 on each success) stops a client from retrying blindly through a long outage.

The caller's ``attempt`` function is called once per attempt and must resend exactly the same
request (the same serialized body and so the same ClientToken), which is what makes a retried
SendMessage safe: the service sees the token again and does not create a second message.
Sleeping uses ``trio.sleep``, so ``trio.testing.MockClock`` drives it in tests.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Literal, TypeVar

import httpx
import trio

from trioconnect.errors import (
    ServiceError,
    ServiceQuotaExceededError,
    TransportError,
    TrioConnectError,
)

__all__ = ["RetryKind", "RetryPolicy", "RetryQuota", "call_with_retries", "classify"]

logger = logging.getLogger("trioconnect.aws")

T = TypeVar("T")
RetryKind = Literal["throttle", "transient"]

_THROTTLE_CODES = frozenset(
    {
        "BandwidthLimitExceeded",
        "EC2ThrottledException",
        "PriorRequestNotComplete",
        "ProvisionedThroughputExceededException",
        "RequestLimitExceeded",
        "RequestThrottled",
        "RequestThrottledException",
        "SlowDown",
        "ThrottledException",
        "Throttling",
        "ThrottlingException",
        "TooManyRequestsException",
        "TransactionInProgressException",
    }
)
_TRANSIENT_CODES = frozenset({"RequestTimeout", "RequestTimeoutException", "TimeoutError"})
_TRANSIENT_STATUS = frozenset({500, 502, 503, 504})
_NEVER_STATUS = frozenset({400, 403, 404, 409})
_PERMANENT_TRANSPORT = (httpx.UnsupportedProtocol, httpx.LocalProtocolError, httpx.ProxyError)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How many attempts, and how long to wait between them.

    Attributes:
        max_attempts: attempts in total, including the first (1 disables retries).
        transient_base: backoff base in seconds for 5xx, timeouts and transport errors.
        throttle_base: backoff base in seconds for throttling.
        max_delay: upper bound of one wait, in seconds.
        rng: returns a float in [0, 1); the jitter source (injectable for tests).
    """

    max_attempts: int = 3
    transient_base: float = 0.1
    throttle_base: float = 0.5
    max_delay: float = 20.0
    rng: Callable[[], float] = field(default=random.random, repr=False, compare=False)

    def delay(self, kind: RetryKind, retry_index: int, retry_after: float | None = None) -> float:
        """Seconds to wait before retry ``retry_index`` (0-based) of a ``kind`` failure."""
        base = self.throttle_base if kind == "throttle" else self.transient_base
        backoff: float = min(self.max_delay, self.rng() * (2**retry_index) * base)
        if retry_after is not None:
            backoff = max(backoff, min(retry_after, self.max_delay))
        return backoff


class RetryQuota:
    """The SDKs' retry token bucket, shared by every call of one client (trio-safe, no locks)."""

    def __init__(self, capacity: int = 500, throttle_cost: int = 5, transient_cost: int = 10):
        """Start full, with ``capacity`` tokens."""
        self.capacity = capacity
        self.available = capacity
        self._costs = {"throttle": throttle_cost, "transient": transient_cost}

    def acquire(self, kind: RetryKind) -> bool:
        """Take the cost of one retry; ``False`` when the bucket cannot pay for it."""
        cost = self._costs[kind]
        if self.available < cost:
            return False
        self.available -= cost
        return True

    def refund(self, amount: int = 1) -> None:
        """Give tokens back after a success."""
        self.available = min(self.capacity, self.available + amount)


def classify(exc: BaseException) -> RetryKind | None:
    """Return which kind of retryable failure ``exc`` is, or ``None`` if it must not be retried."""
    if isinstance(exc, ServiceError):
        if exc.status_code in _NEVER_STATUS or isinstance(exc, ServiceQuotaExceededError):
            return None
        if exc.status_code == 429 or exc.code in _THROTTLE_CODES:
            return "throttle"
        if exc.status_code in _TRANSIENT_STATUS or exc.code in _TRANSIENT_CODES:
            return "transient"
        return None
    if isinstance(exc, TransportError):
        # A request that could not even be formed (bad scheme, proxy misconfiguration) fails the
        # same way every time; anything else on the network may be gone on the next attempt.
        return None if isinstance(exc.__cause__, _PERMANENT_TRANSPORT) else "transient"
    return None


def retry_after_seconds(exc: BaseException) -> float | None:
    """The ``Retry-After`` of a service error, in seconds, if it sent a usable one."""
    if not isinstance(exc, ServiceError):
        return None
    headers = (exc.response.get("ResponseMetadata") or {}).get("HTTPHeaders") or {}
    value = headers.get("retry-after")
    if not isinstance(value, str):
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


async def call_with_retries(
    attempt: Callable[[], Awaitable[T]],
    *,
    policy: RetryPolicy,
    quota: RetryQuota | None = None,
    what: str = "request",
    classifier: Callable[[BaseException], RetryKind | None] = classify,
) -> T:
    """Run ``attempt`` until it succeeds, fails for good, or runs out of attempts.

    Args:
        attempt: performs one attempt; raises a trioconnect error on failure.
        policy: the attempt count and backoff.
        quota: the client's retry bucket (``None`` for unlimited).
        what: a token-free description for logs (e.g. ``"SendMessage"``).
        classifier: decides whether a failure may be retried.

    Raises:
        TrioConnectError: the last attempt's error, unchanged.
    """
    retry_index = 0
    while True:
        try:
            result = await attempt()
        except TrioConnectError as exc:
            kind = classifier(exc)
            if kind is None or retry_index + 1 >= policy.max_attempts:
                raise
            if quota is not None and not quota.acquire(kind):
                logger.info("%s: retry quota exhausted, not retrying", what)
                raise
            delay = policy.delay(kind, retry_index, retry_after_seconds(exc))
            logger.info(
                "%s failed (%s: %s); retry %d in %.3f s",
                what,
                type(exc).__name__,
                exc,
                retry_index + 1,
                delay,
            )
            await trio.sleep(delay)
            retry_index += 1
            continue
        if quota is not None:
            quota.refund()
        return result
