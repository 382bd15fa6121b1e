"""Render the session statechart (``statecharts/session.yaml``) as Mermaid and as Markdown.

Two files are generated from the YAML and checked in: ``statecharts/session.mmd`` (the Mermaid
diagram) and the part of ``docs/statechart.md`` between the ``BEGIN GENERATED`` and
``END GENERATED`` markers (the diagram again, plus tables of every state, trigger, guard, task,
event and (state, trigger) pair). The prose around the markers is written by hand.

Usage::

    python -m trioconnect.statechart_render            # print the Mermaid diagram
    python -m trioconnect.statechart_render --write    # rewrite both files
    python -m trioconnect.statechart_render --check    # exit 1 if either file is stale
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from importlib import resources
from pathlib import Path

from trioconnect.machine import TASKS, Outcome, SessionState, Statechart, Trigger, load_statechart

__all__ = [
    "BEGIN_MARKER",
    "END_MARKER",
    "FIX_COMMAND",
    "main",
    "render_doc_section",
    "render_mermaid",
    "splice_doc",
]

FIX_COMMAND = "python -m trioconnect.statechart_render --write"
BEGIN_MARKER = "<!-- BEGIN GENERATED from statecharts/session.yaml; edit that file, then run: "
BEGIN_MARKER += FIX_COMMAND + " -->"
END_MARKER = "<!-- END GENERATED -->"
MMD_PATH = Path("statecharts/session.mmd")
DOC_PATH = Path("docs/statechart.md")


def _label(o: Outcome) -> str:
    # Mermaid ends a transition label at ':' or ';', so labels use neither.
    text = o.trigger.value
    if o.guard is not None:
        text += f" [{'' if o.guard_value else 'not '}{o.guard}]"
    if o.emit:
        text += " / " + ", ".join(o.emit)
    return text


def render_mermaid(chart: Statechart) -> str:
    """The statechart as a Mermaid ``stateDiagram-v2``: every transition, no ignores or errors."""
    lines = [
        f"%% Generated from statecharts/session.yaml by `{FIX_COMMAND}`. Do not edit.",
        "%% Only transitions are drawn; docs/statechart.md lists every ignore and error.",
        "stateDiagram-v2",
        f"    [*] --> {chart.initial.name}",
    ]
    lines += [f"    {o.source.name} --> {o.target.name} : {_label(o)}" for o in chart.transitions]
    lines += [f"    {s.name} --> [*]" for s, info in chart.states.items() if info.terminal]
    return "\n".join(lines) + "\n"


def _outcome_cell(o: Outcome) -> str:
    if o.kind == "error":
        return "**error**"
    if o.kind == "ignore":
        return "ignore"
    return "stays (internal)" if o.dest is None else f"→ {o.target.name}"


def _effects_cell(o: Outcome) -> str:
    parts = []
    if o.cancel:
        parts.append(
            "cancel " + ("all tasks" if set(o.cancel) == set(TASKS) else ", ".join(o.cancel))
        )
    if o.start:
        parts.append("start " + ", ".join(o.start))
    if o.emit:
        parts.append("emit " + ", ".join(o.emit))
    if o.socket is not None:
        parts.append("socket " + ("up" if o.socket else "down"))
    if o.reestablished:
        parts.append("re-establishment")
    return "; ".join(parts)


def _matrix_cell(pair: Sequence[Outcome]) -> str:
    def short(o: Outcome) -> str:
        if o.kind != "transition":
            return "·" if o.kind == "ignore" else "✗"
        return "=" if o.dest is None else o.target.name

    if len(pair) == 1:
        return short(pair[0])
    return " / ".join(f"{short(o)} ({'' if o.guard_value else '¬'}{o.guard})" for o in pair)


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return [*lines, ""]


def _pair_rows(chart: Statechart, state: SessionState) -> list[list[str]]:
    rows = []
    for trigger in Trigger:
        for o in chart.table[state, trigger]:
            name = trigger.value
            if o.guard is not None:
                name += f" [{'' if o.guard_value else 'not '}{o.guard}]"
            rows.append([name, _outcome_cell(o), _effects_cell(o), o.why])
    return rows


def render_doc_section(chart: Statechart) -> str:
    """The generated part of ``docs/statechart.md``, markers included."""
    out = [BEGIN_MARKER, "", "```mermaid", render_mermaid(chart).rstrip("\n"), "```", ""]
    out += ["### States", ""]
    out += _table(
        ["State", "Terminal", "Socket may be up", "Meaning"],
        [[s.name, "yes" if i.terminal else "", "yes" if i.holds_socket else "", i.doc]
         for s, i in chart.states.items()],
    )  # fmt: skip
    for title, items in (
        ("Triggers", {t.value: d for t, d in chart.triggers.items()}),
        ("Guards", chart.guards),
        ("Tasks", chart.tasks),
        ("Events", chart.events),
    ):
        rows = [[k, v] for k, v in items.items()]
        out += [f"### {title}", "", *_table(["Name", "Meaning"], rows)]
    out += [
        "### Overview",
        "",
        "`NAME`: transition to NAME; `=`: internal transition (stays); "
        "`·`: ignore; `✗`: error. Two entries: chosen by the guard (`¬`: when false).",
        "",
    ]
    out += _table(
        ["State", *(t.value for t in Trigger)],
        [[s.name, *(_matrix_cell(chart.table[s, t]) for t in Trigger)] for s in SessionState],
    )
    out += ["### Every (state, trigger) pair", ""]
    for state in SessionState:
        out += [f"#### {state.name}", ""]
        out += _table(["Trigger", "Outcome", "Effects", "Why"], _pair_rows(chart, state))
    out.append(END_MARKER)
    return "\n".join(out) + "\n"


def splice_doc(doc: str, section: str) -> str:
    """Replace the generated section of ``doc`` (markers included) with ``section``.

    Raises:
        ValueError: ``doc`` lacks the markers.
    """
    begin, end = doc.find(BEGIN_MARKER), doc.find(END_MARKER)
    if begin < 0 or end < begin:
        raise ValueError(f"{DOC_PATH} lacks the {BEGIN_MARKER!r} ... {END_MARKER!r} markers")
    return doc[:begin] + section.rstrip("\n") + doc[end + len(END_MARKER) :]


def _default_root() -> Path:
    # The packaged YAML is a symlink to statecharts/session.yaml in the source tree.
    packaged = resources.files("trioconnect").joinpath("statecharts", "session.yaml")
    canonical = Path(str(packaged)).resolve()
    return canonical.parent.parent if canonical.parent.name == "statecharts" else Path.cwd()


def _fresh(root: Path, chart: Statechart) -> dict[Path, str]:
    doc_file = root / DOC_PATH
    current = doc_file.read_text(encoding="utf-8") if doc_file.exists() else ""
    return {
        root / MMD_PATH: render_mermaid(chart),
        doc_file: splice_doc(current, render_doc_section(chart)),
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m trioconnect.statechart_render")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--write", action="store_true", help="rewrite the generated files")
    mode.add_argument("--check", action="store_true", help="exit 1 if a generated file is stale")
    parser.add_argument("--root", type=Path, default=None, help="source tree (default: found)")
    args = parser.parse_args(argv)
    chart = load_statechart()
    if not (args.write or args.check):
        sys.stdout.write(render_mermaid(chart))
        return 0
    root: Path = args.root or _default_root()
    try:
        fresh = _fresh(root, chart)
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 1
    stale = [p for p, text in fresh.items() if not p.exists() or p.read_text("utf-8") != text]
    if args.write:
        for path in stale:
            path.write_text(fresh[path], encoding="utf-8")
            print(f"wrote {path}")
        return 0
    for path in stale:
        print(f"{path} is stale; run: {FIX_COMMAND}", file=sys.stderr)
    return 1 if stale else 0


if __name__ == "__main__":
    raise SystemExit(main())
