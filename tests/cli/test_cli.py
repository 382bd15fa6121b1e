"""The ``trioconnect`` command, run as a user runs it: a separate process."""

from __future__ import annotations

import subprocess
import sys


def run(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "trioconnect.cli", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_demo_runs_a_whole_chat_and_says_so() -> None:
    done = run("demo", "--messages", "2", "--name", "Ada")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "emulator    http://127.0.0.1:" in out
    assert "connected   state=established" in out
    assert out.count("agent       Echo: Hello #") == 2
    assert "ended       state=ended" in out
    assert "summary     2/2 answered" in out


def test_help_lists_the_commands() -> None:
    done = run("--help")
    assert done.returncode == 0
    assert "demo" in done.stdout
    assert "emulator" in done.stdout


def test_emulator_help_names_its_options() -> None:
    done = run("emulator", "--help")
    assert done.returncode == 0
    for option in ("--host", "--port", "--quotas", "--scenario", "--state", "--public-url"):
        assert option in done.stdout, option


def test_unknown_command_fails_clearly() -> None:
    done = run("frobnicate")
    assert done.returncode == 2
    assert "invalid choice" in done.stderr
