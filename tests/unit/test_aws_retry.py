"""Retry behaviour, in virtual time (autojump_clock): backoff bounds, ClientToken reuse, what is
never retried, Retry-After, per-attempt timeouts and the retry quota."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import trio
import trio.testing

from trioconnect.aws import ParticipantClient, ParticipantServiceConfig
from trioconnect.aws.retry import RetryPolicy, RetryQuota, call_with_retries, classify
from trioconnect.errors import (
    AccessDeniedError,
    ConflictError,
    InternalServerError,
    RequestTimeoutError,
    ResourceNotFoundError,
    ServiceError,
    ServiceQuotaExceededError,
    ServiceValidationError,
    ThrottlingError,
    TransportError,
)

CT = "conn-token"
OK = {"Id": "m-1", "AbsoluteTime": "2026-11-25T15:15:40.217Z"}


class Script:
    """Answers requests from a list of (status, error code) steps, then 200; records times."""

    def __init__(self, steps: list[Any], headers: dict[str, str] | None = None) -> None:
        self.steps = list(steps)
        self.headers = headers or {}
        self.times: list[float] = []
        self.bodies: list[bytes] = []

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        self.times.append(trio.current_time())
        self.bodies.append(request.content)
        step = self.steps.pop(0) if self.steps else None
        if step is None:
            return httpx.Response(200, json=OK)
        if isinstance(step, BaseException):
            raise step
        if step == "hang":
            await trio.sleep_forever()
        status, code = step
        return httpx.Response(
            status, json={"message": "nope"}, headers={"x-amzn-ErrorType": code, **self.headers}
        )

    def client(self, **config: Any) -> ParticipantClient:
        http = httpx.AsyncClient(transport=httpx.MockTransport(self))
        cfg = ParticipantServiceConfig(endpoint="https://p.test", **config)
        return ParticipantClient(cfg, http=http)

    def gaps(self) -> list[float]:
        return [b - a for a, b in zip(self.times, self.times[1:], strict=False)]


def pin_rng(client: ParticipantClient, value: float) -> None:
    # The jitter source is injectable; pinning it makes the delays exact.
    client._endpoint.policy = RetryPolicy(
        max_attempts=client.config.max_attempts, rng=lambda: value
    )


async def test_throttling_backs_off_exactly_and_reuses_client_token(
    autojump_clock: trio.testing.MockClock,
) -> None:
    script = Script([(429, "ThrottlingException"), (429, "ThrottlingException")])
    client = script.client()
    pin_rng(client, 0.999)
    result = await client.send_message(CT, content="hello")
    assert result.id == "m-1"
    assert script.gaps() == pytest.approx([0.999 * 0.5, 0.999 * 1.0])
    # Three attempts, one serialized body: the service sees one ClientToken.
    assert len(script.bodies) == 3
    assert len(set(script.bodies)) == 1
    assert json.loads(script.bodies[0])["ClientToken"]


async def test_transient_backoff_stays_within_bounds(
    autojump_clock: trio.testing.MockClock,
) -> None:
    for _ in range(20):
        script = Script([(500, "InternalServerException"), (503, "ServiceUnavailable")])
        await script.client().send_event(CT, content_type="text/plain", content="x")
        first, second = script.gaps()
        assert 0.0 <= first <= 0.1
        assert 0.0 <= second <= 0.2


async def test_gives_up_after_max_attempts(autojump_clock: trio.testing.MockClock) -> None:
    script = Script([(503, "ServiceUnavailable")] * 5)
    with pytest.raises(InternalServerError) as info:
        await script.client().get_transcript(CT)
    assert info.value.status_code == 503
    assert len(script.times) == 3


async def test_max_attempts_is_configurable(autojump_clock: trio.testing.MockClock) -> None:
    script = Script([(503, "x")] * 5)
    with pytest.raises(InternalServerError):
        await script.client(max_attempts=5).get_transcript(CT)
    assert len(script.times) == 5


@pytest.mark.parametrize(
    ("status", "code", "cls"),
    [
        (403, "AccessDeniedException", AccessDeniedError),
        (400, "ValidationException", ServiceValidationError),
        (404, "ResourceNotFoundException", ResourceNotFoundError),
        (409, "ConflictException", ConflictError),
        (402, "ServiceQuotaExceededException", ServiceQuotaExceededError),
        (429, "LimitExceededException", ServiceQuotaExceededError),
    ],
)
async def test_never_retried(
    autojump_clock: trio.testing.MockClock, status: int, code: str, cls: type[ServiceError]
) -> None:
    script = Script([(status, code)] * 3)
    with pytest.raises(cls):
        await script.client().send_message(CT, content="hi")
    assert len(script.times) == 1
    assert trio.current_time() == 0


async def test_retry_after_is_a_lower_bound(autojump_clock: trio.testing.MockClock) -> None:
    script = Script([(429, "ThrottlingException")], headers={"Retry-After": "3"})
    client = script.client()
    pin_rng(client, 0.5)
    await client.send_message(CT, content="hi")
    assert script.gaps() == [3.0]


async def test_delay_is_capped_at_twenty_seconds() -> None:
    policy = RetryPolicy(rng=lambda: 0.99)
    assert policy.delay("throttle", 10) == 20.0
    assert policy.delay("throttle", 0, retry_after=600.0) == 20.0
    assert policy.delay("transient", 2) == pytest.approx(0.99 * 4 * 0.1)


async def test_transport_errors_are_retried_with_cause(
    autojump_clock: trio.testing.MockClock,
) -> None:
    refused = httpx.ConnectError("connection refused")
    script = Script([refused, refused, refused])
    with pytest.raises(TransportError) as info:
        await script.client().send_message(CT, content="hi")
    assert type(info.value) is TransportError
    assert isinstance(info.value.__cause__, httpx.ConnectError)
    assert len(script.times) == 3
    ok = Script([httpx.ReadError("reset")])
    assert (await ok.client().send_message(CT, content="hi")).id == "m-1"
    assert len(set(ok.bodies)) == 1
    assert len(ok.bodies) == 2


async def test_unsupported_scheme_is_not_retried() -> None:
    script = Script([httpx.UnsupportedProtocol("bad scheme")] * 3)
    with pytest.raises(TransportError):
        await script.client().send_message(CT, content="hi")
    assert len(script.times) == 1


async def test_each_attempt_has_its_own_timeout(autojump_clock: trio.testing.MockClock) -> None:
    script = Script(["hang", "hang", "hang"])
    client = script.client(timeout=2.0)
    pin_rng(client, 0.0)
    with pytest.raises(RequestTimeoutError) as info:
        await client.send_message(CT, content="hi")
    assert info.value.__cause__ is not None
    assert script.times == [0.0, 2.0, 4.0]
    assert trio.current_time() == pytest.approx(6.0)


async def test_hanging_attempt_then_success(autojump_clock: trio.testing.MockClock) -> None:
    script = Script(["hang"])
    client = script.client(timeout=1.5)
    pin_rng(client, 1.0)
    result = await client.send_message(CT, content="hi")
    assert result.id == "m-1"
    assert script.times == [0.0, pytest.approx(1.6)]


def test_classify() -> None:
    def err(cls: type[ServiceError], status: int, code: str) -> ServiceError:
        return cls("m", code=code, status_code=status)

    assert classify(err(ThrottlingError, 429, "ThrottlingException")) == "throttle"
    assert classify(err(ServiceError, 503, "SlowDown")) == "throttle"
    assert classify(err(InternalServerError, 504, "GatewayTimeout")) == "transient"
    assert classify(err(InternalServerError, 501, "NotImplemented")) is None
    assert classify(err(ServiceValidationError, 400, "ThrottlingException")) is None
    assert classify(RequestTimeoutError("t")) == "transient"
    assert classify(ValueError("x")) is None


async def test_quota_stops_retries_when_exhausted(autojump_clock: trio.testing.MockClock) -> None:
    quota = RetryQuota(capacity=10)
    calls: list[float] = []

    async def failing() -> None:
        calls.append(trio.current_time())
        raise InternalServerError("down", code="InternalServerException", status_code=500)

    policy = RetryPolicy(max_attempts=3)
    with pytest.raises(InternalServerError):
        await call_with_retries(failing, policy=policy, quota=quota)
    assert len(calls) == 2  # the bucket paid for one transient retry (10), not two
    assert quota.available == 0
    quota.refund(25)
    assert quota.available == 10


async def test_success_refunds_quota(autojump_clock: trio.testing.MockClock) -> None:
    quota = RetryQuota(capacity=500)
    outcomes: list[Callable[[], None]] = [
        lambda: (_ for _ in ()).throw(
            ThrottlingError("t", code="ThrottlingException", status_code=429)
        ),
        lambda: None,
    ]

    async def attempt() -> str:
        outcomes.pop(0)()
        return "done"

    assert await call_with_retries(attempt, policy=RetryPolicy(), quota=quota) == "done"
    assert quota.available == 500 - 5 + 1
