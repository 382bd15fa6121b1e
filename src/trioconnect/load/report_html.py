"""The HTML report of a load run: one self-contained page with inline SVG charts.

The page needs nothing but itself: the style sheet is inline, the charts are SVG drawn here, and
there is no script. Every string that comes from the user or from the service (the target, the
plan's templates, SLO texts, error keys and examples) is HTML-escaped.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape
from typing import TYPE_CHECKING

from trioconnect.load.report import (
    LATENCY_COLUMNS,
    format_measured,
    latency_cells,
    messages_per_second,
)
from trioconnect.load.result import failed_percent

if TYPE_CHECKING:
    from trioconnect.load.metrics import IntervalRow
    from trioconnect.load.result import LoadResult

__all__ = ["render_html"]

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 0 auto; max-width: 60rem; padding: 1rem;
       color: #222; background: #fff; line-height: 1.4; }
h1 { font-size: 1.4rem; } h2 { font-size: 1.1rem; margin-top: 2rem; }
.banner { padding: 0.8rem 1rem; border-radius: 0.3rem; font-size: 1.3rem; font-weight: bold; }
.pass { background: #dff3e0; color: #14532d; } .fail { background: #fde2e1; color: #7f1d1d; }
table { border-collapse: collapse; margin: 0.5rem 0; }
th, td { padding: 0.2rem 0.6rem; border-bottom: 1px solid #ddd; text-align: left; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.example { font-family: ui-monospace, monospace; font-size: 0.85rem; word-break: break-word; }
svg { width: 100%; height: auto; max-width: 48rem; }
svg text { font-size: 11px; fill: #444; }
figure { margin: 1rem 0; } figcaption { font-size: 0.9rem; color: #555; }
"""

# Chart geometry, in SVG user units.
_WIDTH, _HEIGHT = 720, 240
_LEFT, _RIGHT, _TOP, _BOTTOM = 56, 16, 28, 36


@dataclass(frozen=True, slots=True)
class _Series:
    label: str
    color: str
    points: list[tuple[float, float | None]]  # (seconds, value); None leaves a gap


def _nice_ceiling(value: float) -> float:
    """The smallest of 1, 2, 5 x 10**k that is >= ``value`` (1 for nothing positive)."""
    if value <= 0:
        return 1.0
    power = 10.0 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if step * power >= value * (1 - 1e-12):
            return step * power
    return 10 * power  # pragma: no cover - the loop always returns


def _label(value: float) -> str:
    return f"{value:g}" if abs(value) < 1e6 else f"{value:.2e}"


def _segments(points: Sequence[tuple[float, float | None]]) -> list[list[tuple[float, float]]]:
    """Runs of consecutive points that have a value."""
    runs: list[list[tuple[float, float]]] = [[]]
    for x, y in points:
        if y is None:
            if runs[-1]:
                runs.append([])
        else:
            runs[-1].append((x, y))
    return [run for run in runs if run]


def _axes(x_end: float, y_top: float, y_unit: str) -> list[str]:
    inner_w, inner_h = _WIDTH - _LEFT - _RIGHT, _HEIGHT - _TOP - _BOTTOM
    parts = ['<g stroke="#ccc" stroke-width="1">']
    labels = []
    for i in range(5):
        y = _TOP + inner_h - inner_h * i / 4
        parts.append(f'<line x1="{_LEFT}" y1="{y:.1f}" x2="{_WIDTH - _RIGHT}" y2="{y:.1f}"/>')
        labels.append(
            f'<text x="{_LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">'
            f"{_label(y_top * i / 4)}</text>"
        )
    x_step = _nice_ceiling(x_end / 6)
    ticks = int(x_end // x_step) + 1
    for i in range(ticks):
        x = _LEFT + inner_w * (i * x_step) / x_end
        labels.append(
            f'<text x="{x:.1f}" y="{_HEIGHT - _BOTTOM + 16}" text-anchor="middle">'
            f"{_label(i * x_step)}</text>"
        )
    parts.append("</g>")
    labels.append(
        f'<text x="{_WIDTH - _RIGHT}" y="{_HEIGHT - 4}" text-anchor="end">seconds</text>'
        f'<text x="{_LEFT}" y="{_TOP - 12}" text-anchor="start">{escape(y_unit)}</text>'
    )
    return parts + labels


def _chart(title: str, series: Sequence[_Series], x_end: float, y_unit: str) -> str:
    """An SVG line chart of ``series`` over ``[0, x_end]`` seconds."""
    head = (
        f'<svg viewBox="0 0 {_WIDTH} {_HEIGHT}" '
        f'role="img" aria-label="{escape(title)}"><title>{escape(title)}</title>'
    )
    values = [y for s in series for _, y in s.points if y is not None]
    if not values or x_end <= 0:
        middle = f'x="{_WIDTH / 2}" y="{_HEIGHT / 2}" text-anchor="middle"'
        return f"{head}<text {middle}>no data</text></svg>"
    y_top = _nice_ceiling(max(values))
    inner_w, inner_h = _WIDTH - _LEFT - _RIGHT, _HEIGHT - _TOP - _BOTTOM
    parts = [head, *_axes(x_end, y_top, y_unit)]
    for index, one in enumerate(series):
        legend_x = _LEFT + 120 + index * 150
        parts.append(
            f'<rect x="{legend_x}" y="{_TOP - 20}" width="12" height="4" fill="{one.color}"/>'
            f'<text x="{legend_x + 16}" y="{_TOP - 15}">{escape(one.label)}</text>'
        )
        for run in _segments(one.points):
            xy = [(_LEFT + inner_w * x / x_end, _TOP + inner_h * (1 - y / y_top)) for x, y in run]
            if len(xy) == 1:
                (cx, cy) = xy[0]
                parts.append(f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="3" fill="{one.color}"/>')
            else:
                coords = " ".join(f"{x:.1f},{y:.1f}" for x, y in xy)
                parts.append(
                    f'<polyline fill="none" stroke="{one.color}" stroke-width="1.5" '
                    f'points="{coords}"/>'
                )
    parts.append("</svg>")
    return "".join(parts)


def _points(
    rows: Sequence[IntervalRow], value: Callable[[IntervalRow], float | None]
) -> list[tuple[float, float | None]]:
    """One point per row, at the row's middle."""
    return [(row.start + row.length / 2, value(row)) for row in rows]


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else seconds * 1000


def _charts(rows: Sequence[IntervalRow]) -> list[str]:
    x_end = max((row.start + row.length for row in rows), default=0.0)
    activity = [
        _Series("chats active", "#1f77b4", _points(rows, lambda r: r.chats_active)),
        _Series("messages sent/s", "#ff7f0e", _points(rows, lambda r: r.messages_sent / r.length)),
    ]
    replies = [
        _Series("reply p50", "#2ca02c", _points(rows, lambda r: _ms(r.reply_p50))),
        _Series("reply p99", "#d62728", _points(rows, lambda r: _ms(r.reply_p99))),
    ]
    activity_chart = _chart("Chats active and messages sent per second", activity, x_end, "count")
    reply_chart = _chart("Reply latency p50 and p99", replies, x_end, "ms")
    return [
        _figure(
            activity_chart, "Chats open at the end of each interval; messages sent per second."
        ),
        _figure(reply_chart, "Reply latency within each interval, in ms (a gap: no reply)."),
    ]


def _figure(svg: str, caption: str) -> str:
    return f"<figure>{svg}<figcaption>{escape(caption)}</figcaption></figure>"


def _html_table(header: Sequence[str], rows: Sequence[Sequence[str]], numeric: set[int]) -> str:
    """A table of already-escaped cells; columns in ``numeric`` are right-aligned."""

    def cell(tag: str, index: int, text: str) -> str:
        css = ' class="num"' if index in numeric else ""
        return f"<{tag}{css}>{text}</{tag}>"

    head = "".join(cell("th", i, text) for i, text in enumerate(header))
    body = "".join(
        "<tr>" + "".join(cell("td", i, text) for i, text in enumerate(row)) + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _summary_section(result: LoadResult) -> str:
    percent = failed_percent(result.chats_failed, result.chats_started)
    facts = [
        ("Target", result.target),
        ("Started", result.started_at),
        ("Duration", f"{result.duration:.1f} s" + (" (interrupted)" if result.interrupted else "")),
        ("Chats", f"{result.chats_started} started, {result.chats_finished} finished, "
                  f"{result.chats_failed} failed ({percent:.2f} %)"),
        ("Messages", f"{result.messages_sent} sent, {result.replies} replies, "
                     f"{messages_per_second(result):.1f} sent/s"),
        ("Errors", str(result.errors_total)),
        ("trioconnect", result.version),
    ]  # fmt: skip
    rows = [[escape(name), escape(value)] for name, value in facts]
    return "<h2>Run</h2>" + _html_table(["", ""], rows, set())


def _latency_section(result: LoadResult) -> str:
    rows = [[escape(name), *latency_cells(s)] for name, s in result.latencies.items()]
    header = ["metric", *LATENCY_COLUMNS]
    return "<h2>Latency (ms)</h2>" + _html_table(header, rows, set(range(1, len(header))))


def _slo_section(result: LoadResult) -> str:
    if not result.verdicts:
        return "<h2>SLOs</h2><p>No SLO was set.</p>"
    rows = [
        ["PASS" if v.passed else "FAIL", escape(v.slo.text), escape(format_measured(v))]
        for v in result.verdicts
    ]
    return "<h2>SLOs</h2>" + _html_table(["verdict", "objective", "measured"], rows, {2})


def _error_section(result: LoadResult) -> str:
    if not result.errors:
        return "<h2>Errors</h2><p>No errors.</p>"
    body = "".join(
        f'<tr><td>{escape(key)}</td><td class="num">{error.count}</td>'
        f'<td class="example">{escape(error.example)}</td></tr>'
        for key, error in result.errors.items()
    )
    head = '<th>error</th><th class="num">count</th><th>first example</th>'
    return f"<h2>Errors</h2><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _plan_section(result: LoadResult) -> str:
    rows = [[escape(name), escape(repr(value))] for name, value in result.plan.describe().items()]
    return "<h2>Plan</h2>" + _html_table(["field", "value"], rows, set())


def render_html(result: LoadResult) -> str:
    """One self-contained HTML5 page: no external CSS, scripts, fonts or images; inline SVG charts.

    The page holds a PASS/FAIL banner, the run's target and totals, a latency table (ms), the
    SLO verdicts, the errors, two charts from ``result.rows`` (chats active and messages sent
    per second; reply p50 and p99) and the plan.

    Args:
        result: the run.

    Returns:
        The page's text.
    """
    passed = result.passed
    verdict = "PASS" if passed else "FAIL"
    detail = "every SLO held" if passed else "an SLO failed"
    sections = [
        _summary_section(result),
        _latency_section(result),
        _slo_section(result),
        _error_section(result),
        "<h2>Over time</h2>" + "".join(_charts(result.rows)),
        _plan_section(result),
    ]
    body = "\n".join(f"<section>{section}</section>" for section in sections)
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>trioconnect load: {verdict}</title>\n<style>{_STYLE}</style>\n</head>\n<body>\n"
        f"<h1>trioconnect load report</h1>\n"
        f'<p id="verdict" class="banner {verdict.lower()}">{verdict}: {detail}</p>\n'
        f"<main>\n{body}\n</main>\n</body>\n</html>\n"
    )
