"""KeepAlivePool against a small HTTP/1.1 server on loopback that counts its connections."""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass, field
from functools import partial

import h11
import httpx
import pytest
import trio
import trio.testing

from trioconnect.aws.pool import KeepAlivePool


@dataclass
class CountingServer:
    """Answers by path; counts accepted connections and requests in flight."""

    port: int = 0
    accepted: int = 0
    in_flight: int = 0
    most_in_flight: int = 0
    gate: trio.Event = field(default_factory=trio.Event)
    arrived: trio.Semaphore = field(default_factory=lambda: trio.Semaphore(0))
    closed: trio.Event = field(default_factory=trio.Event)

    async def serve_connection(self, stream: trio.SocketStream) -> None:
        self.accepted += 1
        # A client that went away (cancelled request) is not the server's failure.
        with suppress(trio.BrokenResourceError, trio.ClosedResourceError):
            await self._serve(stream)

    async def _serve(self, stream: trio.SocketStream) -> None:
        conn = h11.Connection(h11.SERVER)
        async with stream:
            while True:
                event = conn.next_event()
                if event is h11.NEED_DATA:
                    data = await stream.receive_some(65536)
                    if not data:
                        return
                    conn.receive_data(data)
                    continue
                if isinstance(event, h11.Request):
                    if not await self._answer(conn, stream, event.target):
                        return
                    if conn.our_state is h11.MUST_CLOSE:
                        return
                    if event.target == b"/ok-then-close":
                        await stream.aclose()
                        self.closed.set()
                        return
                    conn.start_next_cycle()
                    continue
                if event is h11.PAUSED or isinstance(event, h11.ConnectionClosed):
                    return

    async def _answer(self, conn: h11.Connection, stream: trio.SocketStream, target: bytes) -> bool:
        while not isinstance(conn.next_event(), h11.EndOfMessage):
            conn.receive_data(await stream.receive_some(65536))
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            if target == b"/drop":
                return False
            if target == b"/slow":
                self.arrived.release()
                await self.gate.wait()
            body = b"x" * 1_000_000 if target == b"/big" else b"ok"
            headers = [("Content-Length", str(len(body)))]
            if target == b"/close":
                headers.append(("Connection", "close"))
            await stream.send_all(conn.send(h11.Response(status_code=200, headers=headers)))
            await stream.send_all(conn.send(h11.Data(data=body)))
            await stream.send_all(conn.send(h11.EndOfMessage()))
            return True
        finally:
            self.in_flight -= 1


@pytest.fixture
async def server(nursery: trio.Nursery) -> CountingServer:
    srv = CountingServer()
    serve = partial(trio.serve_tcp, host="127.0.0.1")
    listeners = await nursery.start(serve, srv.serve_connection, 0)
    srv.port = listeners[0].socket.getsockname()[1]
    return srv


def pool(
    max_connections: int = 10, max_keepalive: int = 10, keepalive_expiry: float = 20.0
) -> httpx.AsyncClient:
    transport = KeepAlivePool(
        ssl_context=httpx.create_ssl_context(),
        max_connections=max_connections,
        max_keepalive=max_keepalive,
        keepalive_expiry=keepalive_expiry,
    )
    return httpx.AsyncClient(transport=transport, timeout=5)


def transport_of(client: httpx.AsyncClient) -> KeepAlivePool:
    transport = client._transport
    assert isinstance(transport, KeepAlivePool)
    return transport


async def test_sequential_requests_share_one_connection(server: CountingServer) -> None:
    async with pool() as client:
        for _ in range(5):
            answer = await client.get(f"http://127.0.0.1:{server.port}/ok")
            assert answer.content == b"ok"
        assert server.accepted == 1
        assert transport_of(client).idle_connections == 1
        assert transport_of(client).active_connections == 0


async def test_large_bodies_stream_through(server: CountingServer) -> None:
    async with pool() as client:
        answer = await client.get(f"http://127.0.0.1:{server.port}/big")
        assert len(answer.content) == 1_000_000
        assert (await client.get(f"http://127.0.0.1:{server.port}/ok")).content == b"ok"
        assert server.accepted == 1


async def test_requests_in_flight_are_bounded_and_idle_ones_capped(
    server: CountingServer,
) -> None:
    async with pool(max_connections=2, max_keepalive=1) as client, trio.open_nursery() as n:
        for _ in range(5):
            n.start_soon(client.get, f"http://127.0.0.1:{server.port}/slow")
        for _ in range(2):
            await server.arrived.acquire()
        await trio.testing.wait_all_tasks_blocked()
        assert server.in_flight == 2
        server.gate.set()
    assert server.most_in_flight == 2
    assert transport_of(client).idle_connections == 0  # closed with the client
    assert transport_of(client).active_connections == 0


async def test_only_max_keepalive_connections_stay_idle(server: CountingServer) -> None:
    async with pool(max_connections=3, max_keepalive=1) as client:
        async with trio.open_nursery() as n:
            for _ in range(3):
                n.start_soon(client.get, f"http://127.0.0.1:{server.port}/slow")
            for _ in range(3):
                await server.arrived.acquire()
            server.gate.set()
        assert server.accepted == 3
        assert transport_of(client).idle_connections == 1
        assert transport_of(client).active_connections == 0


async def test_connections_idle_past_their_keepalive_are_closed(
    server: CountingServer, mock_clock: trio.testing.MockClock
) -> None:
    async with pool(keepalive_expiry=20.0) as client:
        async with trio.open_nursery() as n:
            for _ in range(2):
                n.start_soon(client.get, f"http://127.0.0.1:{server.port}/slow")
            for _ in range(2):
                await server.arrived.acquire()
            server.gate.set()
        assert transport_of(client).idle_connections == 2
        mock_clock.jump(30)  # both are now idle for longer than the keep-alive
        await client.get(f"http://127.0.0.1:{server.port}/ok")
        # The request reused the newest; giving it back closed the oldest.
        assert transport_of(client).idle_connections == 1
        assert server.accepted == 2


async def test_pool_timeout_when_every_slot_is_busy(server: CountingServer) -> None:
    async with pool(max_connections=1) as client, trio.open_nursery() as n:
        n.start_soon(client.get, f"http://127.0.0.1:{server.port}/slow")
        await server.arrived.acquire()
        with pytest.raises(httpx.PoolTimeout):
            await client.get(
                f"http://127.0.0.1:{server.port}/ok", timeout=httpx.Timeout(5, pool=0.05)
            )
        server.gate.set()


async def test_connection_closed_by_the_server_is_not_reused(server: CountingServer) -> None:
    async with pool() as client:
        assert (await client.get(f"http://127.0.0.1:{server.port}/close")).content == b"ok"
        assert (await client.get(f"http://127.0.0.1:{server.port}/ok")).content == b"ok"
        assert server.accepted == 2


async def test_idle_connection_the_server_dropped_is_replaced(server: CountingServer) -> None:
    async with pool() as client:
        # A keep-alive answer, then the server closes the connection (as a server's keep-alive
        # timeout does): the next request must open a new connection instead of failing.
        await client.get(f"http://127.0.0.1:{server.port}/ok-then-close")
        await server.closed.wait()
        assert transport_of(client).idle_connections == 1
        assert (await client.get(f"http://127.0.0.1:{server.port}/ok")).content == b"ok"
        assert server.accepted == 2


async def test_dropped_request_raises_httpx_error_and_frees_its_slot(
    server: CountingServer,
) -> None:
    async with pool(max_connections=1) as client:
        with pytest.raises(httpx.RemoteProtocolError):
            await client.get(f"http://127.0.0.1:{server.port}/drop")
        assert transport_of(client).active_connections == 0
        assert (await client.get(f"http://127.0.0.1:{server.port}/ok")).content == b"ok"


async def test_cancelled_request_frees_its_slot_and_connection(server: CountingServer) -> None:
    async with pool(max_connections=1) as client:
        async with trio.open_nursery() as n:
            n.start_soon(client.get, f"http://127.0.0.1:{server.port}/slow")
            await server.arrived.acquire()
            n.cancel_scope.cancel()
        assert transport_of(client).active_connections == 0
        assert (await client.get(f"http://127.0.0.1:{server.port}/ok")).content == b"ok"
        assert server.accepted == 2  # the cancelled request's connection was not reused
        server.gate.set()


async def test_connect_failure_is_httpx_connect_error() -> None:
    with trio.socket.socket() as sock:
        await sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # bound, not listening: connections are refused
        async with pool() as client:
            with pytest.raises(httpx.ConnectError):
                await client.get(f"http://127.0.0.1:{port}/ok")
            assert transport_of(client).active_connections == 0
            assert transport_of(client).idle_connections == 0


async def test_closed_pool_refuses_requests(server: CountingServer) -> None:
    client = pool()
    async with client:
        await client.get(f"http://127.0.0.1:{server.port}/ok")
    assert transport_of(client).idle_connections == 0
    with pytest.raises(RuntimeError):
        await client.get(f"http://127.0.0.1:{server.port}/ok")


def test_limits_are_checked() -> None:
    with pytest.raises(ValueError, match="pool limits"):
        KeepAlivePool(
            ssl_context=httpx.create_ssl_context(),
            max_connections=0,
            max_keepalive=1,
            keepalive_expiry=1,
        )
