"""The rendered statechart (Mermaid diagram and docs tables) must match statecharts/session.yaml."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from trioconnect.machine import SessionState, Trigger, load_statechart
from trioconnect.statechart_render import (
    BEGIN_MARKER,
    END_MARKER,
    FIX_COMMAND,
    main,
    render_doc_section,
    render_mermaid,
    splice_doc,
)

ROOT = Path(__file__).parents[2]
MMD = ROOT / "statecharts" / "session.mmd"
DOC = ROOT / "docs" / "statechart.md"


def test_checked_in_mermaid_is_fresh() -> None:
    fresh = render_mermaid(load_statechart())
    assert MMD.read_text(encoding="utf-8") == fresh, (
        f"statecharts/session.mmd is stale; run: {FIX_COMMAND}"
    )


def test_checked_in_doc_section_is_fresh() -> None:
    doc = DOC.read_text(encoding="utf-8")
    assert doc.count(BEGIN_MARKER) == 1
    assert doc.count(END_MARKER) == 1
    section = doc[doc.index(BEGIN_MARKER) : doc.index(END_MARKER) + len(END_MARKER)] + "\n"
    assert section == render_doc_section(load_statechart()), (
        f"docs/statechart.md is stale; run: {FIX_COMMAND}"
    )


def test_doc_embeds_the_same_diagram() -> None:
    doc = DOC.read_text(encoding="utf-8")
    block = re.search(r"```mermaid\n(.*?)```", doc, re.S)
    assert block is not None
    assert block.group(1) == MMD.read_text(encoding="utf-8")


def test_every_transition_is_an_edge_and_nothing_else_is() -> None:
    chart = load_statechart()
    edges = [line for line in render_mermaid(chart).splitlines() if " --> " in line]
    transitions = [line for line in edges if "[*]" not in line]
    assert len(transitions) == len(chart.transitions)
    for o in chart.transitions:
        assert any(line.startswith(f"    {o.source.name} --> {o.target.name} : {o.trigger.value}")
                   for line in transitions), o  # fmt: skip
    for line in transitions:  # Mermaid ends a label at ':' or ';'
        assert ";" not in line
        assert line.count(":") == 1


def test_doc_lists_every_pair() -> None:
    section = render_doc_section(load_statechart())
    for state in SessionState:
        body = section.split(f"#### {state.name}\n", 1)[1].split("####", 1)[0]
        for trigger in Trigger:
            assert f"\n| {trigger.value} " in body, (state, trigger)


def _tree(tmp_path: Path) -> Path:
    (tmp_path / "statecharts").mkdir()
    (tmp_path / "docs").mkdir()
    shutil.copy(MMD, tmp_path / "statecharts" / "session.mmd")
    shutil.copy(DOC, tmp_path / "docs" / "statechart.md")
    return tmp_path


def test_check_passes_on_a_fresh_tree(tmp_path: Path) -> None:
    assert main(["--check", "--root", str(_tree(tmp_path))]) == 0


def test_check_fails_on_a_stale_tree_and_write_repairs_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _tree(tmp_path)
    mmd = root / "statecharts" / "session.mmd"
    mmd.write_text(mmd.read_text(encoding="utf-8").replace("connect", "konnect"), encoding="utf-8")
    doc = root / "docs" / "statechart.md"
    doc.write_text(splice_doc(doc.read_text("utf-8"), f"{BEGIN_MARKER}\nold\n{END_MARKER}\n"))
    assert main(["--check", "--root", str(root)]) == 1
    err = capsys.readouterr().err
    assert "session.mmd is stale" in err
    assert "statechart.md is stale" in err
    assert FIX_COMMAND in err
    assert main(["--write", "--root", str(root)]) == 0
    assert main(["--check", "--root", str(root)]) == 0
    assert doc.read_text("utf-8") == DOC.read_text("utf-8")  # hand-written prose kept


def test_doc_without_markers_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _tree(tmp_path)
    (root / "docs" / "statechart.md").write_text("# no markers\n", encoding="utf-8")
    assert main(["--write", "--root", str(root)]) == 1
    assert "markers" in capsys.readouterr().err


def test_default_prints_the_diagram(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 0
    assert capsys.readouterr().out == render_mermaid(load_statechart())


def test_packaged_yaml_is_the_canonical_file() -> None:
    packaged = ROOT / "src" / "trioconnect" / "statecharts" / "session.yaml"
    assert packaged.resolve() == (ROOT / "statecharts" / "session.yaml").resolve()
