"""The shared connection pool's lifecycle and the single exception-translation point."""

from __future__ import annotations

import httpx
import pytest
import trio

from trioconnect.aws.codec import codec_for
from trioconnect.aws.http import open_http_pool, shared_http_client, translate_errors
from trioconnect.aws.pool import KeepAlivePool
from trioconnect.errors import (
    RemoteProtocolError,
    RequestTimeoutError,
    ServiceError,
    TransportError,
    ValidationError,
)


def test_one_pool_per_run_closed_when_the_run_ends() -> None:
    seen: list[httpx.AsyncClient] = []

    async def main() -> None:
        first = shared_http_client()
        assert shared_http_client() is first
        insecure = shared_http_client(verify_tls=False)
        assert insecure is not first
        seen.extend([first, insecure])
        assert not first.is_closed

    trio.run(main)
    assert all(client.is_closed for client in seen)

    async def second_run() -> httpx.AsyncClient:
        return shared_http_client()

    assert trio.run(second_run) is not seen[0]


async def test_open_http_pool_closes_on_exit() -> None:
    async with open_http_pool() as client:
        assert not client.is_closed
    assert client.is_closed


async def test_pool_uses_the_keepalive_transport(monkeypatch: pytest.MonkeyPatch) -> None:
    for scheme in ("http", "https", "all"):
        monkeypatch.delenv(f"{scheme}_proxy", raising=False)
        monkeypatch.delenv(f"{scheme.upper()}_PROXY", raising=False)
    async with open_http_pool() as client:
        assert isinstance(client._transport, KeepAlivePool)


async def test_pool_leaves_proxied_traffic_to_httpx(monkeypatch: pytest.MonkeyPatch) -> None:
    # httpx honours HTTPS_PROXY / NO_PROXY only with its own transports: keep them when set.
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:3128")
    async with open_http_pool() as client:
        assert not isinstance(client._transport, KeepAlivePool)
        proxied = client._transport_for_url(httpx.URL("https://participant.example/"))
        assert proxied is not client._transport


@pytest.mark.parametrize(
    ("raised", "expected"),
    [
        (httpx.ConnectError("refused"), TransportError),
        (httpx.ReadTimeout("slow"), RequestTimeoutError),
        (trio.TooSlowError(), RequestTimeoutError),
        (OSError("boom"), TransportError),
        (httpx.InvalidURL("bad"), ValidationError),
        (httpx.DecodingError("gzip"), RemoteProtocolError),
    ],
)
def test_translate_errors(raised: Exception, expected: type[Exception]) -> None:
    with pytest.raises(expected) as info, translate_errors("Op"):
        raise raised
    assert type(info.value) is expected
    assert info.value.__cause__ is raised
    assert str(info.value).startswith("Op")


def test_codec_decode_unparsable_success_body() -> None:
    codec = codec_for("connectparticipant")
    with pytest.raises(RemoteProtocolError):
        codec.decode("SendMessage", 200, [], b"{not json")


def test_codec_decode_returns_error_object_with_request_id_header() -> None:
    codec = codec_for("connectparticipant")
    err = codec.decode(
        "SendMessage",
        429,
        [("X-Amzn-ErrorType", "ThrottlingException"), ("x-amzn-RequestId", "abc")],
        b'{"message":"slow down"}',
    )
    assert isinstance(err, ServiceError)
    assert (err.code, err.status_code, err.request_id, err.message) == (
        "ThrottlingException",
        429,
        "abc",
        "slow down",
    )
    assert err.retryable


def test_codec_truncates_html_error_pages() -> None:
    err = codec_for("connectparticipant").decode("SendMessage", 503, [], b"x" * 5000)
    assert isinstance(err, ServiceError)
    assert len(err.message) <= 500
