"""The benchmarks still run: each script's ``--quick`` mode, checked for keys and sane values.

Both scripts run at the same time, each in its own interpreter, writing into a temporary
directory (the committed results under ``benchmarks/results/`` are left alone). Servers bind
127.0.0.1 only.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import trio

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


async def _run(script: str, results: Path, outputs: dict[str, str]) -> None:
    argv = [sys.executable, str(BENCHMARKS / script), "--quick", "--results-dir", str(results)]
    done = await trio.run_process(argv, capture_stdout=True, capture_stderr=True, check=False)
    outputs[script] = done.stdout.decode() + done.stderr.decode()
    assert done.returncode == 0, outputs[script]


def _latency_ok(latency: dict[str, float]) -> bool:
    return 0 < latency["p50_ms"] <= latency["p90_ms"] <= latency["p99_ms"] <= latency["max_ms"]


def _check_emulator(doc: dict[str, Any]) -> None:
    sessions = doc["sessions"]
    assert sessions["max_sessions_passed"] > 0
    for step in sessions["steps"]:
        assert step["opened"] == step["alive"] == step["sessions"]
        assert step["heartbeats_sent"] > 0
        assert step["answered_within_1s"] <= step["heartbeats_answered"] <= step["heartbeats_sent"]
        assert 0 < step["answered_within_1s_ratio"] <= 1
        assert step["setup_rate_per_s"] > 0
        assert 0 < step["rss_per_session_kib"] < 10_000
        assert _latency_ok(step["heartbeat_latency"])
    rest = doc["rest"]
    for name in ("baseline", "send_message", "get_transcript"):
        run = rest["runs"][name]
        assert run["requests"] > 0
        assert run["errors"] == 0
        assert _latency_ok(run["latency"])
    assert 0 < rest["send_message_vs_baseline"] < 100
    assert 0 < rest["get_transcript_vs_baseline"] < 100


def _check_session(doc: dict[str, Any]) -> None:
    rt = doc["roundtrip"]
    expected = rt["sessions"] * rt["messages_per_session"]
    for kind in ("raw", "engine"):
        assert rt[kind]["messages"] == expected
        assert rt[kind]["messages_per_s"] > 0
        assert _latency_ok(rt[kind]["latency"])
    assert 0 < rt["engine_vs_raw"] < 100
    for kind in ("raw", "engine"):
        rss = doc["rss"][kind]
        assert rss["established"] == rss["sessions"]
        assert rss["rss_after_kib"] > 0
        assert -1_000 < rss["kib_per_session"] < 10_000
    imports = doc["import"]
    for module in ("trio", "trioconnect"):
        assert 0 < imports[module]["min_ms"] <= imports[module]["median_ms"] < 10_000
    assert imports["trioconnect_vs_trio"] > 0


async def test_benchmarks_run_in_quick_mode(tmp_path: Path) -> None:
    outputs: dict[str, str] = {}
    with trio.fail_after(60):
        async with trio.open_nursery() as nursery:
            for script in ("bench_emulator.py", "bench_session.py"):
                nursery.start_soon(_run, script, tmp_path, outputs)
    emulator = json.loads((tmp_path / "emulator.json").read_text())
    session = json.loads((tmp_path / "session.json").read_text())
    assert emulator["quick"] is True
    assert session["quick"] is True
    _check_emulator(emulator)
    _check_session(session)
