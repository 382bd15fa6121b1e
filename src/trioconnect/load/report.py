"""Human-readable reports of a :class:`~trioconnect.load.result.LoadResult`.

:func:`render_text` is the summary ``trioconnect load`` prints when a run ends;
:func:`render_html` (implemented in :mod:`trioconnect.load.report_html`) is the standalone page
written by ``--report``. Latencies are shown in milliseconds.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from trioconnect.load.result import failed_percent, slo_unit

if TYPE_CHECKING:
    from trioconnect.load.metrics import LatencySummary
    from trioconnect.load.result import LoadResult
    from trioconnect.load.slo import SloVerdict

__all__ = [
    "LATENCY_COLUMNS",
    "format_measured",
    "format_ms",
    "latency_cells",
    "messages_per_second",
    "render_html",
    "render_text",
]

#: The columns of the latency table, after the metric's name.
LATENCY_COLUMNS: tuple[str, ...] = ("count", "min", "mean", "p50", "p90", "p95", "p99", "max")


def format_ms(seconds: float | None) -> str:
    """A latency in milliseconds, with fewer decimals as it grows; ``"-"`` for None."""
    if seconds is None:
        return "-"
    ms = seconds * 1000
    if ms < 10:
        return f"{ms:.2f}"
    if ms < 10_000:
        return f"{ms:.1f}"
    return f"{ms:,.0f}"


def latency_cells(summary: LatencySummary) -> list[str]:
    """One latency table row's cells, in the order of :data:`LATENCY_COLUMNS`."""
    values = (summary.min, summary.mean, summary.p50, summary.p90, summary.p95)
    return [str(summary.count), *(format_ms(v) for v in (*values, summary.p99, summary.max))]


def format_measured(verdict: SloVerdict) -> str:
    """What an SLO measured, with its unit: ``"123.4 ms"``, ``"2.5 %"``, ``"3 chats"``."""
    if verdict.measured is None:
        return "nothing measured"
    unit = slo_unit(verdict.slo)
    if unit == "ms":
        return f"{format_ms(verdict.measured)} ms"
    if unit == "%":
        return f"{verdict.measured:.2f} %"
    return f"{verdict.measured:g} chats"


def messages_per_second(result: LoadResult) -> float:
    """Messages sent per second over the whole run (0 for a run of no length)."""
    return result.messages_sent / result.duration if result.duration > 0 else 0.0


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    """Rows aligned in columns: the first left-aligned, the others right-aligned."""
    widths = [max(len(row[i]) for row in (header, *rows)) for i in range(len(header))]
    lines = []
    for row in (header, *rows):
        cells = [row[0].ljust(widths[0])]
        cells += [cell.rjust(width) for cell, width in zip(row[1:], widths[1:], strict=True)]
        lines.append("  ".join(cells).rstrip())
    return lines


def _headline(result: LoadResult) -> list[str]:
    verdict = "PASS" if result.passed else "FAIL"
    ran = f"ran {result.duration:.1f} s" + (" (interrupted)" if result.interrupted else "")
    percent = failed_percent(result.chats_failed, result.chats_started)
    return [
        f"trioconnect load {result.version}: {verdict}",
        f"target    {result.target}",
        f"started   {result.started_at}, {ran}",
        f"chats     {result.chats_started} started, {result.chats_finished} finished, "
        f"{result.chats_failed} failed ({percent:.2f} %)",
        f"messages  {result.messages_sent} sent, {result.replies} replies, "
        f"{messages_per_second(result):.1f} sent/s",
    ]


def render_text(result: LoadResult) -> str:
    """The end-of-run summary: totals, a latency table in ms, errors, SLO verdicts, PASS/FAIL.

    Args:
        result: the run.

    Returns:
        Several lines of plain text, ending with a newline.
    """
    lines = _headline(result)
    lines.append("")
    rows = [[name, *latency_cells(summary)] for name, summary in result.latencies.items()]
    lines += _table(["latency (ms)", *LATENCY_COLUMNS], rows)
    if result.errors:
        lines += ["", f"errors ({result.errors_total})"]
        error_rows = [[f"  {key}", str(error.count)] for key, error in result.errors.items()]
        table = _table(["", ""], error_rows)[1:]
        for line, error in zip(table, result.errors.values(), strict=True):
            lines.append(f"{line}  {' '.join(error.example.split())}".rstrip())
    if result.verdicts:
        lines += ["", "SLOs"]
        slo_rows = [
            [f"  {'PASS' if v.passed else 'FAIL'}  {v.slo.text}", format_measured(v)]
            for v in result.verdicts
        ]
        lines += _table(["", ""], slo_rows)[1:]
    lines += ["", f"result: {'PASS' if result.passed else 'FAIL'}"]
    return "\n".join(lines) + "\n"


def render_html(result: LoadResult) -> str:
    """One self-contained HTML page: no external CSS, scripts, fonts or images; inline SVG charts.

    See :func:`trioconnect.load.report_html.render_html`.
    """
    # Imported here: the HTML module uses this module's helpers.
    from trioconnect.load.report_html import render_html as render

    return render(result)
