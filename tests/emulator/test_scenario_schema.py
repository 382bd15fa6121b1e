"""Scenario documents: validation (with line numbers), built-ins, the library."""

from __future__ import annotations

from pathlib import Path

import pytest

from trioconnect.emulator import ScenarioError, ScenarioLibrary, load_yaml, parse_scenario
from trioconnect.emulator import scenario_schema as sc
from trioconnect.emulator.scenario_library import load_file

BUILTINS = [
    "agent-ends",
    "authentication",
    "echo",
    "every-event",
    "idle-timeout",
    "lex-streaming",
    "transfer",
]


def test_builtins_are_packaged_and_valid() -> None:
    library = ScenarioLibrary.builtin()
    assert library.names() == BUILTINS
    for name in BUILTINS:
        scenario = library.get(name)
        assert scenario is not None
        assert scenario.name == name
        assert scenario.steps


def test_a_document_with_every_step_kind() -> None:
    scenario = load_yaml(
        """
name: all
steps:
  - wait: 0.5
  - wait: {seconds: 1}
  - wait_for_message: {regex: "^hi", timeout: 5}
  - join: {role: CUSTOM_BOT, name: Bot, id: bot}
  - message: {by: bot, type: application/json, content: {a: 1}}
  - event: {by: bot, type: participant.invited}
  - receipt: {by: bot, kind: delivered}
  - stream: {chunks: [a, b]}
  - attachment: {by: bot, name: x.png, type: image/png, base64: iVBORw0K}
  - authenticate: {outcome: failed, wait_for_url: false}
  - transfer: {from: bot, to: {name: B2, id: bot2}, outcome: failed}
  - idle_timeout: {idle: 5, disconnect: 5}
  - repeat: {times: 2, steps: [{leave: bot2}]}
  - choose:
      - when: {text: "yes"}
        steps: [{end: {by: bot}}]
      - steps: [{end: null}]
"""
    )
    kinds = [type(step).__name__ for step in scenario.steps]
    assert kinds == [
        "Wait",
        "Wait",
        "WaitForMessage",
        "Join",
        "Message",
        "Event",
        "Receipt",
        "Stream",
        "Attachment",
        "Authenticate",
        "Transfer",
        "IdleTimeout",
        "Repeat",
        "Choose",
    ]
    message = scenario.steps[4]
    assert isinstance(message, sc.Message)
    assert message.content == '{"a": 1}'
    event = scenario.steps[5]
    assert isinstance(event, sc.Event)
    assert event.content_type == "application/vnd.amazonaws.connect.event.participant.invited"
    attachment = scenario.steps[8]
    assert isinstance(attachment, sc.Attachment)
    assert attachment.data.startswith(b"\x89PNG")


@pytest.mark.parametrize(
    ("document", "line", "fragment"),
    [
        ("steps:\n  - wait: 1\n  - nope: 2\n", 3, "unknown step 'nope'"),
        ("steps:\n  - wait: -1\n", 2, "'wait' must be >= 0"),
        ("steps:\n  - wait: .inf\n", 2, "at most"),
        ("steps:\n  - message: {by: ghost, content: hi}\n", 2, "'ghost' never joins"),
        ("steps:\n  - message: {content: hi, colour: red}\n", 2, "unknown field(s) ['colour']"),
        ("steps:\n  - message: {type: image/png, content: hi}\n", 2, "message 'type'"),
        ("steps:\n\n  - event: {type: chat.ended}\n", 3, "use an 'end' step"),
        ("steps:\n  - event: {type: message.read}\n", 2, "use a 'receipt' step"),
        ("steps:\n  - event: {type: bogus}\n", 2, "unknown event type"),
        ("steps:\n  - wait_for_message: {regex: '('}\n", 2, "does not compile"),
        ("steps:\n  - repeat: {steps: [{message: {content: x}}]}\n", 2, "must contain a step"),
        ("steps:\n  - repeat: {times: 0, steps: [{wait: 1}]}\n", 2, "'times'"),
        ("steps:\n  - join: {role: CUSTOMER}\n", 2, "'role' must be one of"),
        ("steps:\n  - attachment: {name: a.pdf, type: image/png, text: x}\n", 2, "extension"),
        ("steps:\n  - {wait: 1, end: null}\n", 2, "exactly one"),
        ("steps:\n  - message: {content: ''}\n", 2, "must not be empty"),
        ("steps: [\n", 2, "not valid YAML"),
        ("name: x\n", 1, "'steps' is required"),
        ("colour: x\nsteps: []\n", 1, "unknown top-level"),
    ],
)
def test_invalid_documents_name_the_line(document: str, line: int, fragment: str) -> None:
    with pytest.raises(ScenarioError) as info:
        load_yaml(document, "flow.yaml")
    message = str(info.value)
    assert message.startswith(f"flow.yaml:{line}:"), message
    assert fragment in message


def test_content_over_the_limit_is_refused() -> None:
    with pytest.raises(ScenarioError, match="16384"):
        parse_scenario({"steps": [{"message": {"content": "x" * 16_385}}]})


def test_documents_built_in_python_have_no_line() -> None:
    with pytest.raises(ScenarioError) as info:
        parse_scenario({"steps": [{"wait": "soon"}]}, "inline")
    assert str(info.value).startswith("inline: ")
    assert parse_scenario({"steps": []}, name="empty").name == "empty"
    with pytest.raises(ScenarioError):
        parse_scenario(["not", "a", "mapping"])


def test_match_semantics() -> None:
    assert sc.Match(text="Bye").matches("  bye ")
    assert not sc.Match(text="bye").matches("goodbye")
    assert sc.Match().matches("anything")


def test_library_resolves_names_files_and_objects(tmp_path: Path) -> None:
    library = ScenarioLibrary.builtin()
    assert library.resolve("echo").name == "echo"
    path = tmp_path / "custom-flow.yaml"
    path.write_text("steps:\n  - wait: 1\n")
    loaded = library.resolve(str(path))
    assert loaded.name == "custom-flow"
    assert library.get("custom-flow") is loaded
    made = parse_scenario({"name": "made", "steps": []})
    assert library.resolve(made) is made
    with pytest.raises(ScenarioError, match="unknown scenario 'nothing-here'"):
        library.resolve("nothing-here")
    broken = tmp_path / "broken.yaml"
    broken.write_bytes(b"\xff\xfe")
    with pytest.raises(ScenarioError, match="cannot read"):
        load_file(broken)
