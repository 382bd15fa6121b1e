"""Property tests: random request bodies never make the REST layer answer 5xx or hang.

The ASGI application is driven in-process (no sockets) so that each example is fast; the routes,
codec, validation and handlers are exactly those the server runs.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import trio
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trioconnect.emulator.app import EmulatorApp
from trioconnect.emulator.model import Codec
from trioconnect.emulator.server import build_context

CODEC = Codec()
ROUTES = sorted((r.operation.name, r) for r in CODEC.routes)
MEMBER_NAMES = sorted(
    {
        name
        for _, route in ROUTES
        if route.operation.input_shape is not None
        for name in route.operation.input_shape.members
    }
    | {"Type", "Content", "StartPosition", "Id", "MostRecent"}
)

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=30)
    | st.sampled_from(["WEBSOCKET", "text/plain", "FORWARD", "2026-01-01T00:00:00Z"])
)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.sampled_from(MEMBER_NAMES) | st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
bodies = (
    st.dictionaries(
        st.sampled_from(MEMBER_NAMES) | st.text(max_size=10), json_values, max_size=6
    ).map(lambda d: json.dumps(d).encode())
    | json_values.map(lambda v: json.dumps(v).encode())
    | st.binary(max_size=40)
)


async def _request(
    app: EmulatorApp, method: str, path: str, headers: list[tuple[bytes, bytes]], body: bytes
) -> tuple[int, dict[bytes, bytes]]:
    scope = {
        "type": "http",
        "method": method,
        "path": path,
        "query_string": b"",
        "headers": headers,
        "server": ("127.0.0.1", 8080),
        "scheme": "http",
    }
    sent: list[dict[str, Any]] = []
    chunks = [{"type": "http.request", "body": body, "more_body": False}]

    async def receive() -> dict[str, Any]:
        if chunks:
            return chunks.pop()
        await trio.sleep_forever()
        raise AssertionError("unreachable")

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    with trio.fail_after(5):
        await app(scope, receive, send)
    start = next(m for m in sent if m["type"] == "http.response.start")
    return start["status"], dict(start["headers"])


def _path(route: Any, label: str) -> str:
    template = route.operation.http["requestUri"]
    for name in ("ViewToken", "InstanceId", "ContactId"):
        template = template.replace("{" + name + "}", quote(label or "x", safe=""))
    return str(template)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    pick=st.integers(min_value=0, max_value=len(ROUTES) - 1),
    body=bodies,
    bearer=st.sampled_from(["none", "participant", "connection", "garbage"]),
    label=st.text(max_size=12),
)
def test_random_bodies_never_cause_a_server_error(
    pick: int, body: bytes, bearer: str, label: str
) -> None:
    name, route = ROUTES[pick]

    async def scenario() -> None:
        ctx = build_context()
        _, customer = ctx.state.start_chat(display_name="Prop")
        grant = ctx.state.create_connection(customer.participant_token, ["WEBSOCKET"])
        assert grant is not None
        tokens = {
            "participant": customer.participant_token,
            "connection": grant.connection.connection_token,
            "garbage": "x" * 20,
        }
        headers = [(b"content-type", b"application/json")]
        if bearer in tokens:
            headers.append((b"x-amz-bearer", tokens[bearer].encode()))
        status, answer = await _request(
            EmulatorApp(ctx), route.method, _path(route, label), headers, body
        )
        assert status < 500, (name, body, status)
        if status >= 400:
            assert answer.get(b"x-amzn-errortype"), (name, status)

    trio.run(scenario)


@settings(max_examples=30, deadline=None)
@given(body=bodies, path=st.sampled_from(["/start-chat", "/_emulator/faults", "/nowhere"]))
def test_other_endpoints_never_cause_a_server_error(body: bytes, path: str) -> None:
    async def scenario() -> None:
        app = EmulatorApp(build_context())
        status, answer = await _request(app, "POST", path, [], body)
        assert status < 500
        if status >= 400:
            assert answer.get(b"x-amzn-errortype")

    trio.run(scenario)
