"""The text summary and the HTML report: content, alignment, structure, escaping, charts."""

from __future__ import annotations

from dataclasses import replace
from html.parser import HTMLParser

import pytest

from trioconnect.load.metrics import METRICS, ErrorCount, IntervalRow, Recorder
from trioconnect.load.plan import LoadPlan
from trioconnect.load.report import format_ms, render_html, render_text
from trioconnect.load.result import LoadResult, build_result
from trioconnect.load.slo import parse_slo

#: Elements that never have an end tag in HTML.
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
EVIL = "<script>alert('x')</script> & {n}"


def _result(*, failed: int = 0, slos: tuple[str, ...] = ("failed_chats<=0",)) -> LoadResult:
    recorder = Recorder(chats_total=3, started_at=0.0)
    for i in range(3):
        recorder.chat_started(0.2 * i)
        recorder.latency("connect", 0.1 + i / 100)
    recorder.message_sent(1.1)
    recorder.reply_received(1.3, 0.2)
    recorder.error(1.5, "reply", "ReplyTimeout", "no reply <in> 30 s & gave up")
    for i in range(3):
        recorder.chat_finished(2.5, failed=i < failed)
    recorder.tick(3.0)
    return build_result(
        recorder,
        plan=LoadPlan(chats=3, message_text=EVIL, display_name="<b>{chat}</b>"),
        target="https://participant.example <dev> & test",
        started_at="2025-01-01T00:00:00Z",
        duration=3.0,
        interrupted=False,
        slos=[parse_slo(text) for text in slos],
    )


# --- text -------------------------------------------------------------------------------------


def test_text_summary_has_totals_table_errors_verdicts() -> None:
    text = render_text(_result(slos=("failed_chats<=0", "reply.p99<100ms")))
    lines = text.splitlines()
    assert lines[0].endswith(": FAIL")
    assert lines[-1] == "result: FAIL"
    assert "3 started, 3 finished, 0 failed" in text
    assert "1 sent, 1 replies" in text
    header = next(i for i, line in enumerate(lines) if line.startswith("latency (ms)"))
    table = lines[header : header + 1 + len(METRICS)]
    assert [line.split()[0] for line in table[1:]] == list(METRICS)
    assert len({len(line) for line in table}) == 1  # right-aligned columns: equal widths
    assert table[0].split()[2:] == ["count", "min", "mean", "p50", "p90", "p95", "p99", "max"]
    connect = next(line for line in table if line.startswith("connect"))
    assert connect.split()[1:3] == ["3", "100.0"]
    assert "reply: ReplyTimeout  1  no reply <in> 30 s & gave up" in text
    assert any(line.split()[:2] == ["PASS", "failed_chats<=0"] for line in lines)
    assert any(line.split()[:2] == ["FAIL", "reply.p99<100ms"] for line in lines)
    assert text.endswith("\n")


def test_text_summary_pass_and_interrupted() -> None:
    result = replace(_result(), interrupted=True, errors={})
    text = render_text(result)
    assert text.splitlines()[0].endswith(": PASS")
    assert "(interrupted)" in text
    assert "errors" not in text
    assert text.splitlines()[-1] == "result: PASS"


def test_text_summary_flattens_multiline_examples() -> None:
    result = replace(_result(), errors={"send: X": ErrorCount(2, "line one\nline two")})
    assert "send: X  2  line one line two" in render_text(result)


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [(None, "-"), (0.0004567, "0.46"), (0.0123, "12.3"), (1.5, "1500.0"), (12.3456, "12,346")],
)
def test_format_ms(seconds: float | None, shown: str) -> None:
    assert format_ms(seconds) == shown


# --- HTML -------------------------------------------------------------------------------------


class Page(HTMLParser):
    """Checks that every tag opened is closed in order, and collects what the tests look at."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str | None]] = []
        self.doctype = ""
        self.text: list[str] = []
        self.verdict = ""
        self._in_verdict = False
        self.polyline_points: list[int] = []

    def handle_decl(self, decl: str) -> None:
        self.doctype = decl

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs += attrs
        if tag == "polyline":
            self.polyline_points.append(len((dict(attrs)["points"] or "").split()))
        if tag not in VOID:
            self.stack.append(tag)
        self._in_verdict = ("id", "verdict") in attrs

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs += attrs
        if tag == "polyline":
            self.polyline_points.append(len((dict(attrs)["points"] or "").split()))

    def handle_endtag(self, tag: str) -> None:
        assert self.stack, f"</{tag}> closes nothing"
        opened = self.stack.pop()
        assert opened == tag, f"</{tag}> closes <{opened}>"
        self._in_verdict = False

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._in_verdict:
            self.verdict += data


def _parse(page: str) -> Page:
    parser = Page()
    parser.feed(page)
    parser.close()
    assert parser.stack == [], f"unclosed: {parser.stack}"
    assert parser.doctype.lower() == "doctype html"
    return parser


def test_html_is_balanced_self_contained_and_passes() -> None:
    page = _parse(render_html(_result()))
    assert page.verdict.startswith("PASS")
    assert page.tags[:2] == ["html", "head"]
    assert page.tags.count("svg") == 2  # one per chart
    assert page.tags.count("style") == 1
    assert not {"script", "link", "img", "iframe", "object", "embed"} & set(page.tags)
    assert not [name for name, _ in page.attrs if name in {"src", "href"} or name.startswith("on")]
    html = render_html(_result())
    assert "url(" not in html
    assert "@import" not in html
    assert "http://" not in html


def test_html_banner_says_fail_when_an_slo_fails() -> None:
    page = _parse(render_html(_result(failed=1)))
    assert page.verdict.startswith("FAIL")
    assert "FAIL" in "".join(page.text)


def test_html_escapes_every_user_string() -> None:
    html = render_html(_result())
    page = _parse(html)
    text = "".join(page.text)
    assert "script" not in page.tags
    assert "b" not in page.tags  # the display name template
    assert "<script>" not in html
    assert repr(EVIL) in text  # shown as written, as text
    assert "no reply <in> 30 s & gave up" in text
    assert "https://participant.example <dev> & test" in text
    assert "&lt;dev&gt; &amp; test" in html


def test_html_lists_latencies_slos_errors_and_plan() -> None:
    text = "".join(_parse(render_html(_result(slos=("reply.p99<1s",)))).text)
    for name in (*METRICS, "reply.p99<1s", "reply: ReplyTimeout", "drain_timeout", "trioconnect"):
        assert name in text
    no_errors = "".join(_parse(render_html(replace(_result(), errors={}, verdicts=()))).text)
    assert "No errors." in no_errors
    assert "No SLO was set." in no_errors


def _row(i: int, *, length: float = 1.0, reply: float | None = 0.1) -> IntervalRow:
    return IntervalRow(
        start=i * length,
        length=length,
        chats_active=i % 50,
        chats_started=1,
        chats_finished=1,
        chats_failed=0,
        messages_sent=i % 7,
        replies=1,
        errors=0,
        reply_p50=reply,
        reply_p99=None if reply is None else reply * 3,
    )


def test_html_charts_with_no_rows() -> None:
    page = _parse(render_html(replace(_result(), rows=())))
    assert page.tags.count("svg") == 2
    assert "".join(page.text).count("no data") == 2
    assert page.polyline_points == []


def test_html_charts_with_one_row_draw_points() -> None:
    page = _parse(render_html(replace(_result(), rows=(_row(0),))))
    assert page.tags.count("svg") == 2
    assert page.tags.count("circle") == 4  # one point per series
    assert page.polyline_points == []


def test_html_charts_with_thousands_of_rows() -> None:
    rows = tuple(_row(i, length=2.0) for i in range(3000))
    page = _parse(render_html(replace(_result(), rows=rows)))
    assert page.tags.count("svg") == 2
    assert page.polyline_points == [3000] * 4


def test_html_reply_chart_leaves_gaps_without_replies() -> None:
    rows = tuple(_row(i, reply=None if i == 5 else 0.1) for i in range(10))
    page = _parse(render_html(replace(_result(), rows=rows)))
    # Activity series: one line each; reply series: split in two by the gap.
    assert page.polyline_points == [10, 10, 5, 4, 5, 4]
