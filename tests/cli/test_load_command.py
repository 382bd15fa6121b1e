"""``trioconnect load`` run as a user runs it: a separate process, embedded emulator."""

from __future__ import annotations

import io
import json
from html.parser import HTMLParser
from pathlib import Path

from test_cli import run

from trioconnect.load.metrics import Snapshot
from trioconnect.load.progress import ProgressPrinter, format_progress


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)


def test_a_small_run_prints_a_summary_and_writes_both_files(tmp_path: Path) -> None:
    report, document = tmp_path / "r.html", tmp_path / "r.json"
    done = run(
        "load", "--chats", "3", "--messages", "1", "--think-time", "0",
        "--report", str(report), "--json", str(document), "--quiet",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""  # --quiet: no progress
    assert "PASS" in done.stdout
    assert "embedded emulator http://127.0.0.1:" in done.stdout
    assert f"HTML report written to {report}" in done.stdout
    assert f"JSON written to {document}" in done.stdout

    data = json.loads(document.read_text(encoding="utf-8"))
    assert data["format"] == "trioconnect-load/1"
    assert data["passed"] is True
    assert data["interrupted"] is False
    totals = data["totals"]
    assert (totals["chats_started"], totals["chats_finished"], totals["chats_failed"]) == (3, 3, 0)
    assert (totals["messages_sent"], totals["replies"]) == (3, 3)
    assert data["latencies_ms"]["reply"]["count"] == 3
    assert data["plan"]["chats"] == 3

    page = report.read_text(encoding="utf-8")
    assert page.lstrip().lower().startswith("<!doctype html>")
    tags = _Tags()
    tags.feed(page)
    tags.close()
    assert {"html", "body", "table", "svg"} <= set(tags.tags)


def test_a_failed_slo_exits_1_and_progress_goes_to_stderr() -> None:
    done = run(
        "load", "--chats", "2", "--messages", "1", "--agent", "none",
        "--reply-timeout", "0.2", "--slo", "reply.p99<2s",
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    assert "reply: ReplyTimeout" in done.stdout
    assert "FAIL" in done.stdout
    # Not a terminal: whole lines, the last one with the totals.
    assert done.stderr.splitlines()[-1].lstrip().startswith(tuple("0123456789"))
    assert "chats 2/2 (0 active, 2 done, 2 failed)" in done.stderr
    assert "Traceback" not in done.stderr


def test_bad_usage_exits_2_with_a_clear_message() -> None:
    cases = {
        ("--chats", "0"): "chats must be >= 1",
        ("--slo", "nonsense"): "nonsense",
        ("--endpoint", "http://127.0.0.1:9"): "--start-chat-url",
        ("--start-chat-url", "http://x/start", "--quotas", "aws"): "embedded emulator",
        ("--instance-id", "i-1"): "--contact-flow-id",
        ("--attribute", "novalue"): "KEY=VALUE",
        ("--chats", "many"): "invalid int value",
    }
    for args, message in cases.items():
        done = run("load", *args)
        assert done.returncode == 2, args
        assert message in done.stderr, (args, done.stderr)
        assert "Traceback" not in done.stderr, args
        assert done.stdout == "", args


def test_load_help_names_its_options() -> None:
    done = run("load", "--help")
    assert done.returncode == 0
    for option in (
        "--chats", "--concurrency", "--rate", "--messages", "--think-time", "--no-reply-wait",
        "--reply-timeout", "--message", "--no-disconnect", "--duration", "--drain-timeout",
        "--endpoint", "--start-chat-url", "--instance-id", "--contact-flow-id", "--region",
        "--quotas", "--agent", "--slo", "--report", "--json", "--quiet",
    ):  # fmt: skip
        assert option in done.stdout, option
    assert "load" in run("--help").stdout


def _snapshot(elapsed: float, finished: int) -> Snapshot:
    return Snapshot(
        elapsed=elapsed, chats_started=4, chats_active=4 - finished, chats_finished=finished,
        chats_failed=0, chats_total=4, messages_sent=finished, replies=finished, errors=0,
        messages_per_second=1.0, reply_p50=0.25, reply_p99=None,
    )  # fmt: skip


def test_progress_lines_say_what_the_run_is_doing() -> None:
    line = format_progress(_snapshot(12.0, 3))
    assert "\n" not in line
    assert "12.0s" in line
    assert "chats 4/4 (1 active, 3 done, 0 failed)" in line
    assert "p50 250ms p99 -" in line


def test_progress_on_a_terminal_rewrites_one_line() -> None:
    stream = io.StringIO()
    printer = ProgressPrinter(stream, tty=True)
    for second in range(3):
        printer(_snapshot(float(second + 1), second))
    printer.close()
    text = stream.getvalue()
    assert text.count("\r") == 3
    assert text.count("\n") == 1
    assert text.endswith("\n")


def test_progress_elsewhere_prints_a_line_every_five_seconds_and_the_last_one() -> None:
    stream = io.StringIO()
    printer = ProgressPrinter(stream, tty=False)
    for second in range(1, 13):
        printer(_snapshot(float(second), 0))
    printer.close()
    lines = stream.getvalue().splitlines()
    assert [line.split()[0] for line in lines] == ["1.0s", "6.0s", "11.0s", "12.0s"]
    assert "\r" not in stream.getvalue()
