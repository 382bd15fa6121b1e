"""Client benchmarks: message round trips, RSS per idle session, ``import trioconnect`` time.

1. Round trips: ``--sessions`` chats each send ``--messages`` messages one after the other; a
   message's round trip is the time from sending it to seeing it come back on the session's own
   WebSocket (the emulator echoes every item to its sender). Done with the trioconnect engine and
   with a raw httpx + trio-websocket loop (the baseline), against the same emulator subprocess
   (no agent), alternating rounds. The raw loop also runs on the engine's connection pool
   (``raw_pool``), which separates the pool's effect from the rest of the engine's. Reported:
   messages/s (engine / raw) and latency percentiles.
2. RSS per idle established session: a fresh interpreter opens ``--rss-sessions`` sessions (engine
   or raw), waits until all are established and idle, and reports its RSS delta / sessions.
3. Import time: ``import trioconnect`` and ``import trio`` in fresh interpreters (median).

Run: ``python benchmarks/bench_session.py [--quick]``; JSON in ``benchmarks/results/session.json``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from contextlib import AbstractAsyncContextManager
from typing import Any

import httpx
import trio

from _common import (
    base_parser,
    cpu_seconds,
    latency_summary,
    print_table,
    raise_fd_limit,
    run_emulator,
    write_results,
)
from _raw import HeartbeatStats, RawChat, RawSocket, connect_chat, send_message, start_chat
from _session_rss import rss_worker
from trioconnect.aws.http import open_http_pool

ROUNDTRIP_TARGET = 0.8
#: The round-trip clients, in the order they alternate.
ROUNDTRIP_KINDS = ("raw", "raw_pool", "engine")
RSS_TARGET_KIB = 64.0
IMPORT_TARGET_MS = 150.0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options (``--quick`` shrinks every size)."""
    parser = base_parser(__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--sessions", type=int, default=None, help="round-trip sessions (50)")
    parser.add_argument("--messages", type=int, default=None, help="messages per session (40)")
    parser.add_argument("--rounds", type=int, default=None, help="rounds of raw + engine (3)")
    parser.add_argument("--rss-sessions", type=int, default=None, help="idle sessions (1000)")
    parser.add_argument("--import-runs", type=int, default=None, help="interpreters (11)")
    parser.add_argument("--idle", type=float, default=None, help="s idle before RSS (3)")
    parser.add_argument("--rss-worker", choices=("engine", "raw"), help=argparse.SUPPRESS)
    parser.add_argument("--base-url", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    quick = args.quick
    args.sessions = args.sessions or (4 if quick else 50)
    args.messages = args.messages or (5 if quick else 40)
    args.rounds = args.rounds or (1 if quick else 3)
    args.rss_sessions = args.rss_sessions or (20 if quick else 1000)
    args.import_runs = args.import_runs or (2 if quick else 11)
    args.idle = args.idle or (0.3 if quick else 3.0)
    return args


# --------------------------------------------------------------------------- 1: round trips


async def _engine_session(
    base_url: str,
    chat: RawChat,
    messages: int,
    go: trio.Event,
    ready: trio.Semaphore,
    latencies: list[float],
    finished: list[float],
) -> None:
    from trioconnect import ChatDetails, MessageEvent, open_chat_session

    details = ChatDetails(chat.contact_id, chat.participant_id, chat.participant_token)
    arrivals: dict[str, float] = {}
    waiters: dict[str, trio.Event] = {}

    async def consume(stream: Any) -> None:
        async for event in stream:
            if isinstance(event, MessageEvent):
                arrivals[event.item.id] = trio.current_time()
                waiter = waiters.pop(event.item.id, None)
                if waiter is not None:
                    waiter.set()

    async with open_chat_session(details, endpoint=base_url) as session, trio.open_nursery() as n:
        n.start_soon(consume, session.events())
        await session.connect()
        ready.release()
        await go.wait()
        for i in range(messages):
            started = trio.current_time()
            sent = await session.send_message(f"round trip {i}")
            if sent.id not in arrivals:
                await waiters.setdefault(sent.id, trio.Event()).wait()
            latencies.append(arrivals.pop(sent.id) - started)
        finished.append(trio.current_time())
        n.cancel_scope.cancel()


async def _raw_session(
    base_url: str,
    chat: RawChat,
    messages: int,
    go: trio.Event,
    ready: trio.Semaphore,
    latencies: list[float],
    finished: list[float],
    http: httpx.AsyncClient,
) -> None:
    async with trio.open_nursery() as nursery:
        await connect_chat(http, base_url, chat)
        sock = await RawSocket.open(nursery, chat.ws_url, HeartbeatStats(), track_items=True)
        ready.release()
        await go.wait()
        for i in range(messages):
            started = trio.current_time()
            item_id = await send_message(http, base_url, chat, f"round trip {i}")
            latencies.append(await sock.wait_item(item_id) - started)
        finished.append(trio.current_time())
        nursery.cancel_scope.cancel()


async def _roundtrip_run(
    base_url: str, kind: str, sessions: int, messages: int, server_pid: int | None = None
) -> dict[str, Any]:
    latencies: list[float] = []
    finished: list[float] = []
    go, ready = trio.Event(), trio.Semaphore(0)
    # "raw" is httpx as it comes; "raw_pool" is the same loop on trioconnect's KeepAlivePool
    # transport, which the engine uses: the difference between it and the engine is the engine.
    pool: AbstractAsyncContextManager[httpx.AsyncClient] = (
        open_http_pool() if kind == "raw_pool" else httpx.AsyncClient(timeout=30)
    )
    async with pool as http:
        chats = [await start_chat(http, base_url) for _ in range(sessions)]
        with trio.fail_after(120):
            async with trio.open_nursery() as nursery:
                for chat in chats:
                    if kind == "engine":
                        nursery.start_soon(
                            _engine_session,
                            base_url,
                            chat,
                            messages,
                            go,
                            ready,
                            latencies,
                            finished,
                        )
                    else:
                        nursery.start_soon(
                            _raw_session,
                            base_url,
                            chat,
                            messages,
                            go,
                            ready,
                            latencies,
                            finished,
                            http,
                        )
                for _ in chats:
                    await ready.acquire()
                started, cpu = trio.current_time(), cpu_seconds()
                server_cpu = cpu_seconds(server_pid) if server_pid else 0.0
                go.set()
            # Throughput ends with the last round trip; leaving the sessions is timed apart.
            elapsed = max(finished) - started
            cpu = cpu_seconds() - cpu
            window = trio.current_time() - started  # the CPU figures include the teardown
            server_cpu = (cpu_seconds(server_pid) - server_cpu) if server_pid else 0.0
            teardown = trio.current_time() - max(finished)
    return {
        "messages": len(latencies),
        "seconds": round(elapsed, 3),
        "teardown_seconds": round(teardown, 3),
        "messages_per_s": round(len(latencies) / elapsed, 1),
        "client_cpu_ms_per_message": round(1000 * cpu / max(len(latencies), 1), 3),
        # Which process limits the round: a client near 100 % with the emulator well below is
        # client-bound (the ratio measures the engine); the other way round, emulator-bound.
        "client_cpu_percent": round(100 * cpu / max(window, 1e-9), 1),
        "emulator_cpu_percent": round(100 * server_cpu / max(window, 1e-9), 1),
        "emulator_cpu_ms_per_message": round(1000 * server_cpu / max(len(latencies), 1), 3),
        "latency": latency_summary(latencies),
    }


async def bench_roundtrips(
    args: argparse.Namespace, base_url: str, server_pid: int | None = None
) -> dict[str, Any]:
    """Alternate raw, raw on the engine's pool, and engine rounds; the median of each is kept."""
    runs: dict[str, list[dict[str, Any]]] = {kind: [] for kind in ROUNDTRIP_KINDS}
    for n in range(args.rounds):
        for kind in ROUNDTRIP_KINDS:
            run = await _roundtrip_run(base_url, kind, args.sessions, args.messages, server_pid)
            runs[kind].append(run)
            print(
                f"  round {n + 1} {kind:>8}: {run['messages_per_s']} msg/s, "
                f"p50 {run['latency']['p50_ms']} ms, p99 {run['latency']['p99_ms']} ms, "
                f"client {run['client_cpu_ms_per_message']} ms CPU/msg "
                f"({run['client_cpu_percent']} %), emulator {run['emulator_cpu_percent']} %",
                flush=True,
            )
    median = {kind: _median_run(rs) for kind, rs in runs.items()}
    engine_rate = median["engine"]["messages_per_s"]
    ratio = engine_rate / max(median["raw"]["messages_per_s"], 1e-9)
    same_pool = engine_rate / max(median["raw_pool"]["messages_per_s"], 1e-9)
    return {
        "sessions": args.sessions,
        "messages_per_session": args.messages,
        "rounds": runs,
        "raw": median["raw"],
        "raw_pool": median["raw_pool"],
        "engine": median["engine"],
        "engine_vs_raw": round(ratio, 3),
        "engine_vs_raw_pool": round(same_pool, 3),
        "target_ratio": ROUNDTRIP_TARGET,
        "meets_target": ratio >= ROUNDTRIP_TARGET,
    }


def _median_run(runs: list[dict[str, Any]]) -> dict[str, Any]:
    ordered = sorted(runs, key=lambda r: float(r["messages_per_s"]))
    return ordered[len(ordered) // 2]


# --------------------------------------------------------------------------- 2: RSS


async def _rss_in_subprocess(
    kind: str, args: argparse.Namespace, base_url: str, results: dict[str, dict[str, Any]]
) -> None:
    argv = [
        sys.executable,
        __file__,
        "--rss-worker",
        kind,
        "--base-url",
        base_url,
        "--rss-sessions",
        str(args.rss_sessions),
        "--idle",
        str(args.idle),
    ]
    done = await trio.run_process(argv, capture_stdout=True, check=True)
    results[kind] = json.loads(done.stdout.decode().strip().splitlines()[-1])


async def bench_rss(args: argparse.Namespace, base_url: str) -> dict[str, Any]:
    """RSS per idle established session, engine and raw, each in its own fresh interpreter.

    The two interpreters run at the same time: each reads only its own RSS.
    """
    results: dict[str, dict[str, Any]] = {}
    async with trio.open_nursery() as nursery:
        for kind in ("engine", "raw"):
            nursery.start_soon(_rss_in_subprocess, kind, args, base_url, results)
    engine, raw = results["engine"], results["raw"]
    return {
        "engine": engine,
        "raw": raw,
        "engine_vs_raw": round(engine["kib_per_session"] / max(raw["kib_per_session"], 1e-9), 3),
        "target_kib_per_session": RSS_TARGET_KIB,
        "meets_target": engine["kib_per_session"] <= RSS_TARGET_KIB,
    }


# --------------------------------------------------------------------------- 3: import time

_IMPORT_PROBE = "import time; t = time.perf_counter(); {statement}; print(time.perf_counter() - t)"
#: What is timed: the baseline, the bare package, and the package with its session engine loaded.
_IMPORTS = {
    "trio": "import trio",
    "trioconnect": "import trioconnect",
    "trioconnect_engine": "from trioconnect import open_chat_session",
}


def _import_seconds(statement: str) -> float:
    code = _IMPORT_PROBE.format(statement=statement)
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    return float(done.stdout.strip())


def bench_import(runs: int) -> dict[str, Any]:
    """Median wall time of each of :data:`_IMPORTS` in fresh interpreters."""
    result: dict[str, Any] = {"runs": runs}
    for key, statement in _IMPORTS.items():
        _import_seconds(statement)  # compiles stale bytecode; not counted
        times = [_import_seconds(statement) for _ in range(runs)]
        result[key] = {
            "median_ms": round(1000 * statistics.median(times), 1),
            "min_ms": round(1000 * min(times), 1),
            "max_ms": round(1000 * max(times), 1),
        }
    trio_ms, ours_ms = result["trio"]["median_ms"], result["trioconnect"]["median_ms"]
    result["trioconnect_vs_trio"] = round(ours_ms / max(trio_ms, 1e-9), 2)
    engine_ms = result["trioconnect_engine"]["median_ms"]
    result["trioconnect_engine_vs_trio"] = round(engine_ms / max(trio_ms, 1e-9), 2)
    result["target_ms"] = IMPORT_TARGET_MS
    result["meets_target"] = ours_ms < IMPORT_TARGET_MS
    return result


# --------------------------------------------------------------------------- report


def _print_report(doc: dict[str, Any]) -> None:
    rt = doc["roundtrip"]
    rows = [
        [
            kind,
            rt[kind]["messages_per_s"],
            rt[kind]["latency"]["p50_ms"],
            rt[kind]["latency"]["p90_ms"],
            rt[kind]["latency"]["p99_ms"],
            rt[kind]["client_cpu_ms_per_message"],
            rt[kind]["client_cpu_percent"],
            rt[kind]["emulator_cpu_percent"],
        ]
        for kind in ROUNDTRIP_KINDS
    ]
    print_table(
        f"Round trips: {rt['sessions']} sessions x {rt['messages_per_session']} messages "
        f"(median of {len(rt['rounds']['raw'])} rounds)",
        [
            "client",
            "msg/s",
            "p50 ms",
            "p90 ms",
            "p99 ms",
            "client CPU ms/msg",
            "client CPU %",
            "emulator CPU %",
        ],
        rows,
    )
    print(f"  engine / raw throughput: {rt['engine_vs_raw']} (target >= {ROUNDTRIP_TARGET})")
    print(f"  engine / raw on the engine's pool: {rt['engine_vs_raw_pool']}")
    rss = doc["rss"]
    print_table(
        "RSS per idle established session",
        ["client", "sessions", "KiB/session"],
        [[k, rss[k]["sessions"], rss[k]["kib_per_session"]] for k in ("raw", "engine")],
    )
    print(f"  engine: {rss['engine']['kib_per_session']} KiB (target <= {RSS_TARGET_KIB})")
    imp = doc["import"]
    print_table(
        f"Import time in a fresh interpreter (median of {imp['runs']})",
        ["module", "median ms", "min ms", "max ms"],
        [[_IMPORTS[m], imp[m]["median_ms"], imp[m]["min_ms"], imp[m]["max_ms"]] for m in _IMPORTS],
    )
    print(
        f"  import trioconnect: {imp['trioconnect']['median_ms']} ms (target < {IMPORT_TARGET_MS})"
    )
    print(f"  with the session engine / trio alone: {imp['trioconnect_engine_vs_trio']}")


async def main(args: argparse.Namespace) -> dict[str, Any]:
    """Run the three benchmarks; returns the JSON document."""
    raise_fd_limit()
    async with run_emulator(agent="none") as emulator:
        print(f"emulator pid {emulator.pid} at {emulator.base_url}")
        print("\nRound trips", flush=True)
        roundtrip = await bench_roundtrips(args, emulator.base_url, emulator.pid)
        print("\nRSS per idle session", flush=True)
        rss = await bench_rss(args, emulator.base_url)
    print("\nImport time", flush=True)
    imports = await trio.to_thread.run_sync(bench_import, args.import_runs)
    doc = {"quick": args.quick, "roundtrip": roundtrip, "rss": rss, "import": imports}
    _print_report(doc)
    return doc


if __name__ == "__main__":
    arguments = parse_args()
    if arguments.rss_worker:
        raise_fd_limit()
        report = trio.run(
            rss_worker,
            arguments.rss_worker,
            arguments.base_url,
            arguments.rss_sessions,
            arguments.idle,
        )
        print(json.dumps(report))
    else:
        document = trio.run(main, arguments)
        write_results(arguments.results_dir, "session", document)
