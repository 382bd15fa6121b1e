"""The load generator behind ``trioconnect load``.

It starts many virtual customers against Amazon Connect chat (by default against the embedded
emulator), has each one send messages and wait for replies, measures every step and checks the
measurements against service-level objectives (SLOs). The result is a text summary, a JSON
document and a self-contained HTML report.

Modules::

    plan.py         LoadPlan: how many chats, how fast, what each customer does
    slo.py          Slo, parse_slo: objectives such as "reply.p99<2s" or "failed_chats<1%"
    histogram.py    LatencyHistogram: a latency distribution in fixed memory
    metrics.py      Recorder: latencies, counters, errors, a time series
    result.py       LoadResult, build_result, result_to_json: a run's outcome, SLOs judged
    report.py       render_text: the end-of-run summary
    report_html.py  render_html: the HTML report with inline SVG charts
    runner.py       LoadTarget, run_load: drives a run on trio
    customer.py     one virtual customer's script
    progress.py     live progress lines
    command.py      the ``trioconnect load`` command line

Everything but the last four is sans-I/O: it reads no clock and imports neither trio nor an
HTTP library, so the measurements and reports are plain, testable code. Names are imported on
first use (PEP 562), so ``import trioconnect.load`` is cheap.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from trioconnect.load.histogram import LatencyHistogram as LatencyHistogram
    from trioconnect.load.histogram import LatencySummary as LatencySummary
    from trioconnect.load.metrics import METRICS as METRICS
    from trioconnect.load.metrics import ErrorCount as ErrorCount
    from trioconnect.load.metrics import IntervalRow as IntervalRow
    from trioconnect.load.metrics import Recorder as Recorder
    from trioconnect.load.metrics import Snapshot as Snapshot
    from trioconnect.load.plan import LoadPlan as LoadPlan
    from trioconnect.load.report import render_html as render_html
    from trioconnect.load.report import render_text as render_text
    from trioconnect.load.result import LoadResult as LoadResult
    from trioconnect.load.result import build_result as build_result
    from trioconnect.load.result import result_to_json as result_to_json
    from trioconnect.load.runner import LoadTarget as LoadTarget
    from trioconnect.load.runner import run_load as run_load
    from trioconnect.load.slo import DEFAULT_SLOS as DEFAULT_SLOS
    from trioconnect.load.slo import Slo as Slo
    from trioconnect.load.slo import SloVerdict as SloVerdict
    from trioconnect.load.slo import parse_slo as parse_slo

#: Every public name and the module that defines it.
_NAMES: dict[str, str] = {
    "DEFAULT_SLOS": "trioconnect.load.slo",
    "ErrorCount": "trioconnect.load.metrics",
    "IntervalRow": "trioconnect.load.metrics",
    "LatencyHistogram": "trioconnect.load.histogram",
    "LatencySummary": "trioconnect.load.histogram",
    "LoadPlan": "trioconnect.load.plan",
    "LoadResult": "trioconnect.load.result",
    "LoadTarget": "trioconnect.load.runner",
    "METRICS": "trioconnect.load.metrics",
    "Recorder": "trioconnect.load.metrics",
    "Slo": "trioconnect.load.slo",
    "SloVerdict": "trioconnect.load.slo",
    "Snapshot": "trioconnect.load.metrics",
    "build_result": "trioconnect.load.result",
    "parse_slo": "trioconnect.load.slo",
    "render_html": "trioconnect.load.report",
    "render_text": "trioconnect.load.report",
    "result_to_json": "trioconnect.load.result",
    "run_load": "trioconnect.load.runner",
}

__all__ = sorted(_NAMES)


def __getattr__(name: str) -> Any:
    module = _NAMES.get(name)
    if module is None:
        raise AttributeError(f"module 'trioconnect.load' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # the next access is a plain attribute lookup
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
