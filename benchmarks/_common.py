"""Helpers shared by the benchmarks: arguments, processes, memory, statistics, JSON, tables.

Every benchmark runs its servers as subprocesses bound to 127.0.0.1, so their memory and CPU can
be read from ``/proc/<pid>`` apart from the benchmark client's own.
"""

from __future__ import annotations

import argparse
import datetime
import gc
import json
import os
import platform
import resource
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import trio

__all__ = [
    "BENCH_DIR",
    "ClientProcess",
    "GcPauses",
    "Server",
    "base_parser",
    "call_all",
    "cpu_seconds",
    "latency_summary",
    "merge_gc",
    "percentile",
    "print_table",
    "py_spy_record",
    "raise_fd_limit",
    "read_gc_stats",
    "read_line",
    "rss_kib",
    "run_emulator",
    "run_server",
    "serve_with_gc_stats",
    "write_results",
]

BENCH_DIR = Path(__file__).resolve().parent
RESULTS_DIR = BENCH_DIR / "results"
_CLK_TCK = os.sysconf("SC_CLK_TCK")


def base_parser(description: str) -> argparse.ArgumentParser:
    """The options every benchmark takes (``--quick``, ``--results-dir``)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument(
        "--quick", action="store_true", help="a small smoke-test size (a few seconds)"
    )
    parser.add_argument(
        "--results-dir",
        type=Path,
        default=RESULTS_DIR,
        help=f"where the JSON goes (default {RESULTS_DIR})",
    )
    return parser


def raise_fd_limit() -> int:
    """Raise the soft open-files limit to the hard limit (children inherit it); returns it."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        soft = hard
    return soft


def rss_kib(pid: int | None = None) -> int:
    """Resident set size (``VmRSS``) of ``pid`` (default: this process) in KiB."""
    status = Path(f"/proc/{pid or os.getpid()}/status").read_text()
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for pid {pid}")


def cpu_seconds(pid: int | None = None) -> float:
    """User + system CPU time consumed so far by ``pid`` (default: this process)."""
    if pid is None:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return usage.ru_utime + usage.ru_stime
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _CLK_TCK  # utime, stime (fields 14, 15)


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q`` quantile (0..1) of ``values`` by nearest rank; 0.0 when empty."""
    if not values:
        return 0.0
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * len(ordered) + 0.5) - 1))
    return ordered[index]


def latency_summary(seconds: Sequence[float]) -> dict[str, float]:
    """p50/p90/p99/max of latencies given in seconds, reported in milliseconds."""
    return {
        "p50_ms": round(percentile(seconds, 0.50) * 1000, 3),
        "p90_ms": round(percentile(seconds, 0.90) * 1000, 3),
        "p99_ms": round(percentile(seconds, 0.99) * 1000, 3),
        "max_ms": round(max(seconds, default=0.0) * 1000, 3),
        "mean_ms": round(statistics.fmean(seconds) * 1000, 3) if seconds else 0.0,
    }


def print_table(title: str, header: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Print an aligned text table."""
    cells = [[str(h) for h in header]] + [[_cell(v) for v in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    print(f"\n{title}")
    for n, row in enumerate(cells):
        print(
            "  "
            + "  ".join(c.rjust(w) if n else c.ljust(w) for c, w in zip(row, widths, strict=True))
        )
        if n == 0:
            print("  " + "  ".join("-" * w for w in widths))


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.3f}" if abs(value) < 10 else f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def write_results(results_dir: Path, name: str, data: dict[str, Any]) -> Path:
    """Write ``data`` (plus machine facts) to ``<results_dir>/<name>.json``; returns the path."""
    results_dir.mkdir(parents=True, exist_ok=True)
    document = {
        "benchmark": name,
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
        **data,
    }
    path = results_dir / f"{name}.json"
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(document, indent=2, sort_keys=False) + "\n")
    tmp.replace(path)
    print(f"\nresults written to {path}")
    return path


class GcPauses:
    """Times this process's garbage collections (all generations) while installed."""

    def __init__(self) -> None:
        self.count = 0
        self.total = 0.0
        self.longest = 0.0
        self.by_generation = [0, 0, 0]
        self.cpu = 0.0
        self._started = 0.0
        self._started_cpu = 0.0
        gc.callbacks.append(self._callback)

    def reset(self) -> None:
        """Forget what was recorded so far."""
        self.count, self.total, self.longest, self.cpu = 0, 0.0, 0.0, 0.0
        self.by_generation = [0, 0, 0]

    def summary(self) -> dict[str, Any]:
        """Collections, their total and longest pause (ms) since the last reset.

        ``cpu_ms`` is the CPU time spent in them: much less than ``total_ms`` means the process
        was waiting for a core (other processes) rather than collecting.
        """
        return {
            "collections": self.count,
            "by_generation": list(self.by_generation),
            "total_ms": round(self.total * 1000, 1),
            "longest_ms": round(self.longest * 1000, 1),
            "cpu_ms": round(self.cpu * 1000, 1),
        }

    def _callback(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
            self._started_cpu = time.thread_time()
            return
        pause = time.perf_counter() - self._started
        self.cpu += time.thread_time() - self._started_cpu
        self.count += 1
        self.by_generation[info.get("generation", 0)] += 1
        self.total += pause
        self.longest = max(self.longest, pause)


@dataclass
class Server:
    """A server subprocess and the base URL it printed."""

    process: trio.Process
    base_url: str

    @property
    def pid(self) -> int:
        """The server's process id."""
        return self.process.pid


@asynccontextmanager
async def run_server(
    argv: Sequence[str], marker: str, ready_within: float = 20.0
) -> AsyncIterator[Server]:
    """Start ``argv``, wait for a stdout line with ``marker`` and a URL; stop the process after.

    The URL is the first ``http://`` word on that line; it must appear within ``ready_within`` s.
    """
    async with trio.open_nursery() as nursery:
        process: trio.Process = await nursery.start(
            partial(trio.run_process, list(argv), stdout=subprocess.PIPE, check=False)
        )
        assert process.stdout is not None
        try:
            with trio.fail_after(ready_within):
                base_url = await _read_url(process.stdout, marker)
            nursery.start_soon(_drain, process.stdout)
            yield Server(process, base_url)
        finally:
            process.terminate()
            with trio.move_on_after(5):
                await process.wait()
            if process.returncode is None:
                process.kill()


async def _read_url(stream: trio.abc.ReceiveStream, marker: str) -> str:
    buffer = b""
    while True:
        chunk = await stream.receive_some(4096)
        if not chunk:
            raise RuntimeError("server exited before printing its URL")
        buffer += chunk
        for line in buffer.decode(errors="replace").splitlines():
            if marker in line:
                for word in line.split():
                    if word.startswith("http://"):
                        return word.rstrip("/")


async def _drain(stream: trio.abc.ReceiveStream) -> None:
    while await stream.receive_some(65536):
        pass


def run_emulator(
    agent: str = "none", gc_stats: Path | None = None
) -> AbstractAsyncContextManager[Server]:
    """Run ``trioconnect emulator`` (port 0, quotas off, no agent by default) as a subprocess.

    With ``gc_stats`` the emulator runs under :func:`serve_with_gc_stats` (this file as a script),
    which times its garbage collections; :func:`read_gc_stats` collects them.
    """
    cli = ["emulator", "--host", "127.0.0.1", "--port", "0", "--quotas", "off", "--agent", agent]
    if gc_stats is None:
        argv = [sys.executable, "-m", "trioconnect.cli", *cli]
    else:
        argv = [sys.executable, str(Path(__file__).resolve()), str(gc_stats), *cli]
    return run_server(argv, "listening on")


async def read_line(stream: trio.abc.ReceiveStream, buffer: bytearray) -> bytes | None:
    """The next line from ``stream`` (without its newline), None at the end of it."""
    while b"\n" not in buffer:
        chunk = await stream.receive_some(1 << 20)
        if not chunk:
            return None
        buffer += chunk
    line, _, rest = bytes(buffer).partition(b"\n")
    buffer[:] = rest
    return line


class ClientProcess:
    """A load-generating worker process, driven by one JSON line per command and answer."""

    def __init__(self, process: trio.Process) -> None:
        assert process.stdin is not None
        assert process.stdout is not None
        self.process = process
        self._stdin = process.stdin
        self._stdout = process.stdout
        self._buffer = bytearray()

    async def call(self, cmd: str, **fields: Any) -> dict[str, Any]:
        """Send one command and wait for its answer."""
        await self._stdin.send_all(json.dumps({"cmd": cmd, **fields}).encode() + b"\n")
        line = await read_line(self._stdout, self._buffer)
        if line is None:
            raise RuntimeError(f"client process {self.process.pid} exited")
        answer: dict[str, Any] = json.loads(line)
        return answer


async def call_all(
    clients: list[ClientProcess], cmd: str, count: int | None = None
) -> list[dict[str, Any]]:
    """The same command to every client at the same time (``count`` shared out); the answers."""
    answers: list[dict[str, Any]] = [{} for _ in clients]

    async def one(n: int, client: ClientProcess) -> None:
        if count is None:
            answers[n] = await client.call(cmd)
        else:
            share = count // len(clients) + (n < count % len(clients))
            answers[n] = await client.call(cmd, count=share)

    async with trio.open_nursery() as nursery:
        for n, client in enumerate(clients):
            nursery.start_soon(one, n, client)
    return answers


def merge_gc(pauses: list[dict[str, Any]]) -> dict[str, Any]:
    """Several processes' :meth:`GcPauses.summary` as one."""
    return {
        "collections": sum(p["collections"] for p in pauses),
        "by_generation": [sum(p["by_generation"][g] for p in pauses) for g in range(3)],
        "total_ms": round(sum(p["total_ms"] for p in pauses), 1),
        "longest_ms": max((p["longest_ms"] for p in pauses), default=0.0),
        "cpu_ms": round(sum(p["cpu_ms"] for p in pauses), 1),
    }


async def py_spy_record(output: Path, pid: int, seconds: float) -> None:
    """Record ``pid`` with py-spy (installed next to this interpreter) for ``seconds``."""
    py_spy = Path(sys.executable).with_name("py-spy")
    argv = [str(py_spy), "record", "--nonblocking", "-r", "200", "-d", str(int(seconds))]
    argv += ["-p", str(pid), "-o", str(output)]
    await trio.run_process(argv, capture_stdout=True, capture_stderr=True, check=False)


async def read_gc_stats(pid: int, path: Path, wait: float = 0.5) -> dict[str, Any] | None:
    """Ask a server run by :func:`serve_with_gc_stats` for its GC pauses since the last ask.

    The server writes them to ``path`` when it gets SIGUSR1 (and starts counting afresh).
    """
    _ask_gc_stats(pid, path)
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        data = _gc_stats_written(path)
        if data is not None:
            return data
        await trio.sleep(0.02)
    return None


def _ask_gc_stats(pid: int, path: Path) -> None:
    path.unlink(missing_ok=True)
    os.kill(pid, signal.SIGUSR1)


def _gc_stats_written(path: Path) -> dict[str, Any] | None:
    try:
        data: dict[str, Any] = json.loads(path.read_text())
    except (OSError, ValueError):
        return None  # not written yet
    return data


def serve_with_gc_stats(argv: Sequence[str]) -> int:
    """Run the ``trioconnect`` CLI with ``argv[1:]``, timing its GC pauses.

    On SIGUSR1 the pauses since the previous signal are written as JSON to the file ``argv[0]``.
    With ``BENCH_GC_DEBUG`` set in the environment, CPython describes every collection on stderr.
    """
    from trioconnect.cli import main as cli_main

    path = Path(argv[0])
    pauses = GcPauses()
    if os.environ.get("BENCH_GC_DEBUG"):
        gc.set_debug(gc.DEBUG_STATS)  # every collection described on stderr

    def dump(signum: int, frame: object) -> None:
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(pauses.summary()))
        tmp.replace(path)
        pauses.reset()

    signal.signal(signal.SIGUSR1, dump)
    return cli_main(list(argv[1:]))


if __name__ == "__main__":
    sys.exit(serve_with_gc_stats(sys.argv[1:]))
