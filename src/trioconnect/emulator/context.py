"""What every request handler gets: the emulator's parts and how to build public URLs."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from trioconnect.emulator.asgi import Request
from trioconnect.emulator.config import EmulatorConfig
from trioconnect.emulator.faults import Faults
from trioconnect.emulator.hub import Hub
from trioconnect.emulator.model import Codec
from trioconnect.emulator.quotas import Quotas
from trioconnect.emulator.state import ChatState

__all__ = ["EmulatorContext"]

_HOST = re.compile(r"^[A-Za-z0-9.\-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$")
_LOOPBACK_NAMES = ("localhost", "[::1]", "0.0.0.0", "[::]")


@dataclass
class EmulatorContext:
    """The emulator's parts, shared by the ASGI handlers.

    Attributes:
        public_url: if set, the base of every URL handed out (e.g. behind a TLS proxy);
            otherwise URLs are built from the request's Host header.
        ipv4_loopback_ports: ports on which ``127.0.0.1`` is served (None: unknown, e.g. the
            app driven in-process; then loopback names are always rewritten).
    """

    state: ChatState
    codec: Codec
    hub: Hub
    faults: Faults
    quotas: Quotas
    config: EmulatorConfig
    public_url: str | None = None
    ipv4_loopback_ports: frozenset[int] | None = None

    def http_base(self, request: Request) -> str:
        """``scheme://host[:port]`` as the client reached the emulator."""
        if self.public_url:
            return self.public_url.rstrip("/")
        host = request.headers.get("host", "")
        if not _HOST.match(host):
            host = request.server
        return f"{request.scheme}://{host}"

    def ws_base(self, request: Request) -> str:
        """The WebSocket base URL.

        A plain ``ws://`` URL uses the literal host ``127.0.0.1`` for loopback names (ChatJS
        accepts only ``wss://...`` or ``ws://127.0.0.1:...``), but only when ``127.0.0.1`` is
        actually served on that port; otherwise (bound to ``::1`` or to another ``127.x``
        address) the host is kept, since the rewritten URL would not connect.
        """
        parts = urlsplit(self.http_base(request))
        scheme = "wss" if parts.scheme == "https" else "ws"
        netloc = parts.netloc
        if scheme == "ws":
            host, _, port = netloc.rpartition(":") if not netloc.endswith("]") else (netloc, "", "")
            if not host:
                host, port = netloc, ""
            if (host in _LOOPBACK_NAMES or host.startswith("127.")) and self._serves_127(port):
                netloc = "127.0.0.1" + (f":{port}" if port else "")
        return f"{scheme}://{netloc}{parts.path.rstrip('/')}"

    def _serves_127(self, port: str) -> bool:
        if self.ipv4_loopback_ports is None:
            return True
        number = int(port) if port.isdigit() else 80
        return number in self.ipv4_loopback_ports
