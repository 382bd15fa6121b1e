"""Garbage-collector settings for the ``trioconnect emulator`` process.

Why: an emulator holding thousands of WebSockets keeps millions of objects the cycle collector
tracks (per socket: hypercorn's protocol objects, h11 and wsproto state, trio tasks and scopes,
the chat's records). With CPython's defaults a full (generation 2) collection walks all of them
whenever the older generations have grown by a quarter: at 5,000 sockets that was a 1.2 s pause
every few seconds, during which no heartbeat is answered, and 47 % of the process's CPU time.

The policy, applied by the command line only (a program that runs :func:`~.server.serve` in
its own process keeps its own settings):

* at start-up everything that exists (modules, the built-in scenarios, config) is collected once
  and frozen: no collection looks at it again;
* young collections run less often (:data:`GEN0_THRESHOLD` allocations instead of 700);
* automatic full collections are off; :class:`GcPolicy` runs one itself when sockets have been
  closed since the previous one at least as many times as there are sockets open (and at least
  :data:`MIN_CHURN` times), which is when the cyclic garbage that closed sockets leave behind can
  have grown to the size of what is alive. Memory stays bounded by about twice the live set; a
  steady set of open sockets never pays for a full collection. Reference counting frees most
  objects anyway; only reference cycles wait for a full collection.
"""

from __future__ import annotations

import gc
import logging
import time
from collections.abc import Callable

import trio

__all__ = ["GEN0_THRESHOLD", "MIN_CHURN", "GcPolicy", "freeze_startup"]

log = logging.getLogger(__name__)

#: Allocations (net) between young collections.
GEN0_THRESHOLD = 20_000
#: Young collections between generation-1 collections (CPython's default).
GEN1_THRESHOLD = 10
#: Generation-1 collections between automatic full collections: never, in practice.
GEN2_THRESHOLD = 1_000_000_000
#: Closed sockets that always justify a full collection.
MIN_CHURN = 1_000
#: Seconds between checks.
CHECK_INTERVAL = 10.0


def freeze_startup() -> None:
    """Collect once, freeze what survives and set the thresholds above."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(GEN0_THRESHOLD, GEN1_THRESHOLD, GEN2_THRESHOLD)


class GcPolicy:
    """Runs full collections when socket churn calls for one.

    Args:
        open_sockets: how many sockets are open now.
        closed_sockets: how many sockets have been closed so far (grows only).
        collect: the full collection (``gc.collect``; replaceable in tests).
    """

    def __init__(
        self,
        open_sockets: Callable[[], int],
        closed_sockets: Callable[[], int],
        collect: Callable[[], int] = gc.collect,
    ) -> None:
        self._open = open_sockets
        self._closed = closed_sockets
        self._collect = collect
        self._closed_at_last = closed_sockets()
        #: Full collections run so far.
        self.collections = 0

    def due(self) -> bool:
        """Whether enough sockets closed since the last full collection."""
        churn = self._closed() - self._closed_at_last
        return churn >= max(MIN_CHURN, self._open())

    def check(self) -> bool:
        """Run a full collection if :meth:`due`; returns whether one ran."""
        if not self.due():
            return False
        self._closed_at_last = self._closed()
        started = time.perf_counter()
        found = self._collect()
        self.collections += 1
        log.info(
            "full garbage collection: %d unreachable objects, %.0f ms",
            found,
            1000 * (time.perf_counter() - started),
        )
        return True

    async def run(self, interval: float = CHECK_INTERVAL) -> None:
        """Check every ``interval`` seconds, forever."""
        while True:
            await trio.sleep(interval)
            self.check()
