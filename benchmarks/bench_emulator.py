"""Emulator benchmarks: concurrent WebSocket sessions, RSS per session, REST throughput.

1. Sessions: the emulator runs as a subprocess; this process starts chats, connects them, opens
   and subscribes one WebSocket per chat, and keeps ChatJS's heartbeat cadence on each (``aws/ping``
   + ``aws/heartbeat`` every ``--heartbeat-interval`` s, phases spread). Sessions ramp up in steps;
   each step is held for ``--hold`` s, counting live sockets and heartbeats answered within 1 s.
2. RSS per session: the emulator's RSS at each step minus its idle RSS, divided by the sessions.
3. REST: SendMessage and GetTranscript with ``--callers`` concurrent callers sharing one
   httpx.AsyncClient, against the emulator and against a trivial hypercorn/trio ASGI app (the
   baseline, same client, same request); the emulator's rate is reported as a ratio of it.

Run: ``python benchmarks/bench_emulator.py [--quick]``; the JSON goes to
``benchmarks/results/emulator.json``.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import trio

from _common import (
    BENCH_DIR,
    ClientProcess,
    GcPauses,
    Server,
    base_parser,
    call_all,
    cpu_seconds,
    latency_summary,
    merge_gc,
    print_table,
    py_spy_record,
    raise_fd_limit,
    read_gc_stats,
    read_line,
    rss_kib,
    run_emulator,
    run_server,
    write_results,
)
from _raw import HeartbeatStats, RawChat, RawSocket, connect_chat, start_chat

FULL_STEPS = (1000, 2500, 5000, 10000)
#: Attempts per session set-up; a REST call on a keep-alive connection the server closed at the
#: same moment fails with a transport error, which a real client retries too.
SETUP_ATTEMPTS = 3
QUICK_STEPS = (10, 25)
ANSWERED_TARGET = 0.999


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options (``--quick`` shrinks every size)."""
    parser = base_parser(__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--max-sessions", type=int, default=None, help="largest step (10000)")
    parser.add_argument("--steps", default=None, help="comma-separated step sizes")
    parser.add_argument("--heartbeat-interval", type=float, default=None, help="s (ChatJS: 10)")
    parser.add_argument("--hold", type=float, default=None, help="s each step is held (25)")
    parser.add_argument("--setup-concurrency", type=int, default=64, help="parallel set-ups")
    parser.add_argument("--callers", type=int, default=None, help="REST callers (16)")
    parser.add_argument("--rest-seconds", type=float, default=None, help="s per REST run (8)")
    parser.add_argument("--clients", type=int, default=None, help="client processes (2)")
    parser.add_argument(
        "--client-gc-threshold",
        type=int,
        default=20_000,
        help="gen-0 GC threshold of the client processes (0: Python's default)",
    )
    parser.add_argument(
        "--no-rest", action="store_true", help="sessions only (the JSON then has no REST part)"
    )
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--base-url", default="", help=argparse.SUPPRESS)
    parser.add_argument(
        "--py-spy",
        type=Path,
        default=None,
        metavar="DIR",
        help="record the emulator with py-spy during every hold (flame graphs into DIR)",
    )
    args = parser.parse_args(argv)
    quick = args.quick
    if args.steps:
        steps = tuple(int(s) for s in args.steps.split(","))
    else:
        steps = QUICK_STEPS if quick else FULL_STEPS
    if args.max_sessions is not None:
        steps = (*(s for s in steps if s < args.max_sessions), args.max_sessions)
    args.steps = steps
    args.heartbeat_interval = args.heartbeat_interval or (0.5 if quick else 10.0)
    args.hold = args.hold or (1.0 if quick else 25.0)
    args.grace = 0.3 if quick else 1.2
    args.clients = args.clients or (1 if quick else 2)
    args.callers = args.callers or (8 if quick else 16)
    args.rest_seconds = args.rest_seconds or (0.5 if quick else 8.0)
    return args


# --------------------------------------------------------------------------- 1 + 2: sessions
#
# The sockets are spread over ``--clients`` worker processes (this script with ``--worker``), so
# that the load generator is not what limits the measurement on a small machine. The main process
# drives them with one JSON line per command on their stdin and reads one JSON line back.


@dataclass
class Fleet:
    """One worker's open sessions and the heartbeat window they currently count into."""

    base_url: str
    interval: float
    nursery: trio.Nursery
    http: httpx.AsyncClient
    stats: HeartbeatStats = field(default_factory=HeartbeatStats)
    sockets: list[RawSocket] = field(default_factory=list)
    gc_pauses: GcPauses = field(default_factory=GcPauses)
    failures: Counter[str] = field(default_factory=Counter)
    retries: Counter[str] = field(default_factory=Counter)

    def alive(self) -> int:
        """Sockets still open."""
        return sum(not s.closed for s in self.sockets)

    async def add(self, count: int, concurrency: int) -> float:
        """Set up ``count`` more sessions; returns the seconds it took."""
        limiter = trio.CapacityLimiter(concurrency)
        start = trio.current_time()
        async with trio.open_nursery() as batch:
            for _ in range(count):
                batch.start_soon(self._add_one, limiter)
        return trio.current_time() - start

    async def _add_one(self, limiter: trio.CapacityLimiter) -> None:
        async with limiter:
            for attempt in range(1, SETUP_ATTEMPTS + 1):
                try:
                    chat = await start_chat(self.http, self.base_url)
                    await connect_chat(self.http, self.base_url, chat)
                    sock = await RawSocket.open(self.nursery, chat.ws_url, self.stats)
                    break
                except httpx.TransportError as exc:
                    if attempt == SETUP_ATTEMPTS:
                        self.failures[type(exc).__name__] += 1
                        return
                    self.retries[type(exc).__name__] += 1
                except Exception as exc:  # counted and reported; the ramp goes on
                    self.failures[type(exc).__name__] += 1
                    return
        self.sockets.append(sock)
        self.nursery.start_soon(self._beat, sock)

    async def _beat(self, sock: RawSocket) -> None:
        await trio.sleep(random.uniform(0, self.interval))  # sockets do not beat in lockstep
        while not sock.closed:
            sock.stats = self.stats
            await sock.heartbeat()
            await trio.sleep(self.interval)

    def new_window(self) -> HeartbeatStats:
        """Start counting into a fresh window; returns the previous one."""
        previous, self.stats = self.stats, HeartbeatStats()
        return previous


class _Worker:
    """The worker side: serves the main process's commands for one :class:`Fleet`."""

    def __init__(self, fleet: Fleet, concurrency: int) -> None:
        self.fleet = fleet
        self.concurrency = concurrency
        self.window = HeartbeatStats()
        self.cpu = 0.0

    async def handle(self, command: dict[str, Any]) -> dict[str, Any]:
        fleet = self.fleet
        match command["cmd"]:
            case "add":
                cpu = cpu_seconds()
                seconds = await fleet.add(command["count"], self.concurrency)
                return {
                    "seconds": seconds,
                    "cpu_s": cpu_seconds() - cpu,
                    "opened": len(fleet.sockets),
                    "failures": dict(fleet.failures),
                    "retries": dict(fleet.retries),
                }
            case "start":
                # Set-up garbage is frozen so that the collections during the hold, which stall
                # every socket this process holds, only look at what the hold itself allocates.
                gc.collect()
                gc.freeze()
                fleet.gc_pauses.reset()
                fleet.new_window()  # heartbeats sent during set-up are not counted
                self.cpu = cpu_seconds()
                return {}
            case "stop":
                self.window = fleet.new_window()
                self.cpu = cpu_seconds() - self.cpu
                return {}
            case "report":  # after the grace: late answers of the window are counted as such
                window = self.window
                return {
                    "sent": window.sent,
                    "answered": window.answered,
                    "within_1s": window.within_1s,
                    "latencies": [round(x, 6) for x in window.latencies],
                    "cpu_s": self.cpu,
                    "gc": fleet.gc_pauses.summary(),
                    "alive": fleet.alive(),
                    "rss_kib": rss_kib(),
                }
        raise ValueError(f"unknown command {command!r}")


async def worker_main(args: argparse.Namespace) -> None:
    """``--worker``: hold sockets against ``--base-url`` and answer commands on stdin/stdout."""
    if args.client_gc_threshold:
        gc.set_threshold(args.client_gc_threshold, 20, 20)
    stdin = trio.lowlevel.FdStream(os.dup(0))
    stdout = trio.lowlevel.FdStream(os.dup(1))
    limits = httpx.Limits(max_connections=args.setup_concurrency, keepalive_expiry=4.0)
    async with httpx.AsyncClient(limits=limits, timeout=30) as http, trio.open_nursery() as nursery:
        fleet = Fleet(args.base_url, args.heartbeat_interval, nursery, http)
        worker = _Worker(fleet, args.setup_concurrency)
        buffer = bytearray()
        while (line := await read_line(stdin, buffer)) is not None:
            answer = await worker.handle(json.loads(line))
            await stdout.send_all(json.dumps(answer).encode() + b"\n")
        nursery.cancel_scope.cancel()


@asynccontextmanager
async def open_clients(
    args: argparse.Namespace, base_url: str
) -> AsyncIterator[list[ClientProcess]]:
    """Start ``args.clients`` worker processes against ``base_url``; stop them afterwards."""
    per_client = max(1, args.setup_concurrency // args.clients)
    argv = [
        sys.executable,
        str(BENCH_DIR / "bench_emulator.py"),
        "--worker",
        "--base-url",
        base_url,
        "--heartbeat-interval",
        str(args.heartbeat_interval),
        "--setup-concurrency",
        str(per_client),
        "--client-gc-threshold",
        str(args.client_gc_threshold),
    ]
    processes = [
        await trio.lowlevel.open_process(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        for _ in range(args.clients)
    ]
    try:
        yield [ClientProcess(p) for p in processes]
    finally:
        for process in processes:
            if process.stdin is not None:
                await process.stdin.aclose()
            with trio.move_on_after(5):
                await process.wait()
            if process.returncode is None:
                process.kill()


async def _setup_step(
    clients: list[ClientProcess], emulator: Server, adding: int, target: int
) -> dict[str, Any]:
    cpu_server = cpu_seconds(emulator.pid)
    started = trio.current_time()
    answers = await call_all(clients, "add", count=adding)
    setup_s = trio.current_time() - started
    per_session = 1000 / max(adding, 1)
    failures: Counter[str] = Counter()
    retries: Counter[str] = Counter()
    for answer in answers:
        failures.update(answer["failures"])
        retries.update(answer["retries"])
    return {
        "sessions": target,
        "opened": sum(a["opened"] for a in answers),
        "setup_failures": dict(failures),
        "setup_retries": dict(retries),
        "setup_seconds": round(setup_s, 2),
        "setup_rate_per_s": round(adding / setup_s, 1) if setup_s else 0.0,
        "client_setup_cpu_ms_per_session": round(per_session * sum(a["cpu_s"] for a in answers), 3),
        "emulator_setup_cpu_ms_per_session": round(
            per_session * (cpu_seconds(emulator.pid) - cpu_server), 3
        ),
    }


async def _hold_step(
    clients: list[ClientProcess], emulator: Server, args: argparse.Namespace, target: int
) -> dict[str, Any]:
    hold = args.hold
    await read_gc_stats(emulator.pid, args.gc_file)  # starts the emulator's count afresh
    await call_all(clients, "start")
    cpu_server = cpu_seconds(emulator.pid)
    async with trio.open_nursery() as nursery:
        if args.py_spy is not None:
            nursery.start_soon(
                py_spy_record, args.py_spy / f"emulator-{target}.svg", emulator.pid, hold
            )
        await trio.sleep(hold)
    cpu_server = cpu_seconds(emulator.pid) - cpu_server
    await call_all(clients, "stop")
    emulator_gc = await read_gc_stats(emulator.pid, args.gc_file)
    await trio.sleep(
        args.grace
    )  # answers still in flight may arrive (late ones are not "within 1 s")
    reports = await call_all(clients, "report")
    sent = max(sum(r["sent"] for r in reports), 1)
    within = sum(r["within_1s"] for r in reports)
    cpu_client = sum(r["cpu_s"] for r in reports)
    return {
        "alive": sum(r["alive"] for r in reports),
        "heartbeats_sent": sum(r["sent"] for r in reports),
        "heartbeats_answered": sum(r["answered"] for r in reports),
        "answered_within_1s": within,
        "answered_within_1s_ratio": round(within / sent, 5),
        "heartbeat_latency": latency_summary([x for r in reports for x in r["latencies"]]),
        "client_processes": len(reports),
        "client_cpu_percent": round(100 * cpu_client / hold, 1),
        "client_cpu_percent_per_process": [round(100 * r["cpu_s"] / hold, 1) for r in reports],
        "emulator_cpu_percent": round(100 * cpu_server / hold, 1),
        "client_cpu_us_per_heartbeat": round(1e6 * cpu_client / sent, 1),
        "emulator_cpu_us_per_heartbeat": round(1e6 * cpu_server / sent, 1),
        "client_gc_pauses": merge_gc([r["gc"] for r in reports]),
        "emulator_gc_pauses": emulator_gc,
        "client_rss_kib": sum(r["rss_kib"] for r in reports),
    }


async def bench_sessions(args: argparse.Namespace, emulator: Server) -> dict[str, Any]:
    """Ramp the sessions up step by step; the result of every step and the best passing one."""
    await trio.sleep(0.5)
    idle_rss = rss_kib(emulator.pid)
    steps: list[dict[str, Any]] = []
    if args.py_spy is not None:
        args.py_spy.mkdir(parents=True, exist_ok=True)
    async with open_clients(args, emulator.base_url) as clients:
        opened = 0
        for target in args.steps:
            step = await _setup_step(clients, emulator, target - opened, target)
            opened = step["opened"]
            step.update(await _hold_step(clients, emulator, args, target))
            rss = rss_kib(emulator.pid)
            step["emulator_rss_kib"] = rss
            step["rss_per_session_kib"] = round((rss - idle_rss) / max(step["opened"], 1), 2)
            step["passed"] = _passed(step)
            steps.append(step)
            _print_step(step)
            if not step["passed"]:
                break
    passing = [s["sessions"] for s in steps if s["passed"]]
    return {
        "heartbeat_interval_s": args.heartbeat_interval,
        "hold_s": args.hold,
        "client_processes": args.clients,
        "client_gc_threshold0": args.client_gc_threshold,
        "emulator_idle_rss_kib": idle_rss,
        "steps": steps,
        "max_sessions_passed": max(passing, default=0),
        "target_sessions": 10000,
    }


def _passed(step: dict[str, Any]) -> bool:
    return bool(
        step["opened"] == step["sessions"]
        and step["answered_within_1s_ratio"] >= ANSWERED_TARGET
        and step["alive"] == step["sessions"]
    )


def _print_step(step: dict[str, Any]) -> None:
    lat = step["heartbeat_latency"]
    egc = step["emulator_gc_pauses"] or {}
    cgc = step["client_gc_pauses"]
    print(
        f"  {step['sessions']:>6} sessions: alive {step['alive']}, set-up "
        f"{step['setup_rate_per_s']}/s, heartbeats {step['answered_within_1s']}/"
        f"{step['heartbeats_sent']} within 1 s (p50 {lat['p50_ms']} p99 {lat['p99_ms']} ms), "
        f"emulator CPU {step['emulator_cpu_percent']} %, client CPU "
        f"{step['client_cpu_percent_per_process']} %, GC emulator/client "
        f"{egc.get('total_ms')}/{cgc['total_ms']} ms (longest {egc.get('longest_ms')}/"
        f"{cgc['longest_ms']}), RSS/session {step['rss_per_session_kib']} KiB -> "
        f"{'ok' if step['passed'] else 'FAIL'}",
        flush=True,
    )


# --------------------------------------------------------------------------- 3: REST


Request = Callable[[httpx.AsyncClient, int], Awaitable[httpx.Response]]


async def _load(
    http: httpx.AsyncClient, request: Request, callers: int, seconds: float, pid: int
) -> dict[str, Any]:
    """Run ``callers`` loops of ``request`` for ``seconds``; rate, latencies, errors, CPU."""
    latencies: list[float] = []
    errors = 0

    async def caller(n: int, stop_at: float, record: bool) -> None:
        nonlocal errors
        while trio.current_time() < stop_at:
            started = trio.current_time()
            answer = await request(http, n)
            if not record:
                continue
            if answer.status_code == 200:
                latencies.append(trio.current_time() - started)
            else:
                errors += 1

    for record, duration in ((False, min(1.0, seconds / 4)), (True, seconds)):  # warm-up first
        cpu_client, cpu_server = cpu_seconds(), cpu_seconds(pid)
        start = trio.current_time()
        async with trio.open_nursery() as nursery:
            for n in range(callers):
                nursery.start_soon(caller, n, start + duration, record)
        elapsed = trio.current_time() - start
    cpu_client, cpu_server = cpu_seconds() - cpu_client, cpu_seconds(pid) - cpu_server
    done = max(len(latencies) + errors, 1)
    return {
        "requests": len(latencies),
        "errors": errors,
        "seconds": round(elapsed, 3),
        "requests_per_s": round(len(latencies) / elapsed, 1),
        "latency": latency_summary(latencies),
        "client_cpu_percent": round(100 * cpu_client / elapsed, 1),
        "server_cpu_percent": round(100 * cpu_server / elapsed, 1),
        "server_cpu_us_per_request": round(1e6 * cpu_server / done, 1),
        "client_cpu_us_per_request": round(1e6 * cpu_client / done, 1),
    }


async def bench_rest(args: argparse.Namespace, emulator: Server) -> dict[str, Any]:
    """SendMessage and GetTranscript against the emulator, and the baseline app, same load."""
    callers, seconds = args.callers, args.rest_seconds
    limits = httpx.Limits(max_connections=callers, max_keepalive_connections=callers)
    async with httpx.AsyncClient(limits=limits, timeout=30) as http:
        chats: list[RawChat] = []
        for _ in range(callers):
            chat = await start_chat(http, emulator.base_url)
            await connect_chat(http, emulator.base_url, chat)
            chats.append(chat)
        base = emulator.base_url
        message = {"ContentType": "text/plain", "Content": "benchmark message"}
        page = {"MaxResults": 15, "ScanDirection": "BACKWARD", "SortOrder": "ASCENDING"}

        def post(url: str, body: dict[str, Any]) -> Request:
            async def call(client: httpx.AsyncClient, n: int) -> httpx.Response:
                bearer = {"X-Amz-Bearer": chats[n].connection_token}
                return await client.post(url, headers=bearer, json=body)

            return call

        argv = [sys.executable, str(BENCH_DIR / "_baseline_app.py")]
        async with run_server(argv, "listening on") as baseline:
            print(f"  baseline app at {baseline.base_url}", flush=True)
            runs = {
                "baseline": await _load(
                    http,
                    post(f"{baseline.base_url}/participant/message", message),
                    callers,
                    seconds,
                    baseline.pid,
                ),
            }
        runs["send_message"] = await _load(
            http, post(f"{base}/participant/message", message), callers, seconds, emulator.pid
        )
        items = runs["send_message"]["requests"] // callers
        runs["get_transcript"] = await _load(
            http, post(f"{base}/participant/transcript", page), callers, seconds, emulator.pid
        )
    base_rate = max(runs["baseline"]["requests_per_s"], 1e-9)
    return {
        "callers": callers,
        "runs": runs,
        "transcript_items_per_chat_approx": items,
        "send_message_vs_baseline": round(runs["send_message"]["requests_per_s"] / base_rate, 3),
        "get_transcript_vs_baseline": round(
            runs["get_transcript"]["requests_per_s"] / base_rate, 3
        ),
        "client_bound": any(r["client_cpu_percent"] >= 90 for r in runs.values()),
    }


def _print_rest(rest: dict[str, Any]) -> None:
    rows = []
    for name, run in rest["runs"].items():
        lat = run["latency"]
        ratio = run["requests_per_s"] / max(rest["runs"]["baseline"]["requests_per_s"], 1e-9)
        rows.append(
            [
                name,
                run["requests_per_s"],
                round(ratio, 3),
                lat["p50_ms"],
                lat["p90_ms"],
                lat["p99_ms"],
                run["errors"],
                run["server_cpu_percent"],
                run["server_cpu_us_per_request"],
                run["client_cpu_percent"],
            ]
        )
    print_table(
        f"REST, {rest['callers']} concurrent callers, one shared httpx.AsyncClient",
        [
            "target",
            "req/s",
            "x baseline",
            "p50 ms",
            "p90 ms",
            "p99 ms",
            "errors",
            "server CPU %",
            "server CPU us/req",
            "client CPU %",
        ],
        rows,
    )
    if rest["client_bound"]:
        print("  the client (httpx on trio, one process) is the bottleneck: compare server CPU/req")


async def main(args: argparse.Namespace) -> dict[str, Any]:
    """Run all three benchmarks against one emulator subprocess; returns the JSON document."""
    fd_limit = raise_fd_limit()
    with tempfile.TemporaryDirectory() as scratch:
        args.gc_file = Path(scratch) / "emulator-gc.json"
        async with run_emulator(agent="none", gc_stats=args.gc_file) as emulator:
            print(f"emulator pid {emulator.pid} at {emulator.base_url}; fd limit {fd_limit}")
            print(
                f"\nWebSocket sessions, heartbeat every {args.heartbeat_interval} s, "
                f"hold {args.hold} s per step, {args.clients} client process(es)",
                flush=True,
            )
            sessions = await bench_sessions(args, emulator)
            print(
                f"\n  largest step with >= 99.9 % heartbeats answered within 1 s: "
                f"{sessions['max_sessions_passed']} (target 10,000)"
            )
            if args.no_rest:
                return {"quick": args.quick, "fd_limit": fd_limit, "sessions": sessions}
            print("\nREST throughput", flush=True)
            rest = await bench_rest(args, emulator)
    _print_rest(rest)
    return {"quick": args.quick, "fd_limit": fd_limit, "sessions": sessions, "rest": rest}


if __name__ == "__main__":
    arguments = parse_args()
    if arguments.worker:
        trio.run(worker_main, arguments)
    else:
        document = trio.run(main, arguments)
        write_results(arguments.results_dir, "emulator", document)
