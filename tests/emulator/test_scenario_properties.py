"""Property tests over scenario documents.

* Any document either validates or raises :class:`ScenarioError` (never another exception).
* Any valid document runs in a chat without an exception escaping the engine, on virtual time,
  while the customer writes and then leaves.
"""

from __future__ import annotations

import logging
from typing import Any

import trio
import trio.testing
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trioconnect.emulator import (
    SCENARIO_ATTRIBUTE,
    ScenarioError,
    ScenarioLibrary,
    ScenarioRunner,
    load_yaml,
    parse_scenario,
)
from trioconnect.emulator.scenario_schema import EVENT_TYPES, Scenario
from trioconnect.emulator.server import build_context

ALIASES = ["agent", "bot", "customer", "system"]
seconds = st.sampled_from([0, 0.01, 0.5, 3])
alias = st.sampled_from(ALIASES)
text = st.text(max_size=12)
match = st.fixed_dictionaries({}, optional={"text": text, "regex": st.sampled_from(["a", "^h"])})
event_type = st.sampled_from(sorted(t.rsplit(".event.", 1)[1] for t in EVENT_TYPES))

leaf_steps = st.one_of(
    seconds.map(lambda s: {"wait": s}),
    match.map(lambda m: {"wait_for_message": {**m, "timeout": 2}}),
    st.builds(
        lambda role, name: {"join": {"role": role, "id": name}},
        st.sampled_from(["AGENT", "CUSTOM_BOT", "SYSTEM"]),
        st.sampled_from(["agent", "bot"]),
    ),
    alias.map(lambda a: {"leave": a}),
    st.builds(
        lambda by, kind, content: {"message": {"by": by, "type": kind, "content": content}},
        alias,
        st.sampled_from(
            [
                "text/plain",
                "application/json",
                "application/vnd.amazonaws.connect.message.interactive",
            ]
        ),
        st.text(min_size=1, max_size=20) | st.just("Echo {message}"),
    ),
    st.builds(lambda by, kind: {"event": {"by": by, "type": kind}}, alias, event_type),
    st.builds(
        lambda by, kind: {"receipt": {"by": by, "kind": kind}},
        alias,
        st.sampled_from(["read", "delivered"]),
    ),
    st.lists(st.text(min_size=1, max_size=5), min_size=1, max_size=3).map(
        lambda chunks: {"stream": {"chunks": chunks, "delay": 0.01}}
    ),
    alias.map(lambda a: {"attachment": {"by": a, "name": "a.txt", "text": "x"}}),
    st.sampled_from(["succeeded", "failed", "expired"]).map(
        lambda o: {"authenticate": {"outcome": o, "timeout": 1}}
    ),
    st.just({"idle_timeout": {"idle": 5, "disconnect": 5}}),
    alias.map(lambda a: {"transfer": {"from": a, "to": {"id": "bot", "name": "B"}}}),
    st.one_of(st.just({"end": None}), alias.map(lambda a: {"end": {"by": a}})),
)

steps = st.recursive(
    st.lists(leaf_steps, max_size=5),
    lambda inner: st.lists(
        leaf_steps
        | st.builds(
            lambda times, body: {"repeat": {"times": times, "steps": body}},
            st.integers(1, 3),
            inner,
        )
        | st.builds(
            lambda body: {"repeat": {"steps": [{"wait_for_message": {"timeout": 1}}, *body]}},
            inner,
        )
        | st.builds(lambda m, body: {"choose": [{"when": m, "steps": body}]}, match, inner),
        max_size=4,
    ),
    max_leaves=12,
)
# Always declare the aliases the steps may use, so that most documents are valid.
valid_documents = steps.map(
    lambda body: {"steps": [{"join": {"id": "agent"}}, {"join": {"id": "bot"}}, *body]}
)

junk = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.sampled_from(
                ["steps", "wait", "join", "message", "by", "repeat", "times", "content"]
            )
            | st.text(max_size=5),
            inner,
            max_size=3,
        )
    ),
    max_leaves=10,
)


@settings(max_examples=150, deadline=None)
@given(document=junk | valid_documents.map(lambda d: mutate(d)))
def test_any_document_validates_or_raises_a_scenario_error(document: Any) -> None:
    for source, parse in (
        ("doc", lambda: parse_scenario(document, "doc")),
        ("doc.yaml", lambda: load_yaml(yaml.safe_dump(document), "doc.yaml")),
    ):
        outcome: Scenario | ScenarioError
        try:
            outcome = parse()
        except ScenarioError as error:
            outcome = error
        if isinstance(outcome, ScenarioError):
            assert str(outcome).startswith(f"{source}:")
        else:
            assert isinstance(outcome, Scenario)


def mutate(document: dict[str, Any]) -> Any:
    """Break a valid document in a typical way (or not at all)."""
    body = document["steps"]
    if len(body) > 2:
        step = body[-1]
        (kind,) = step
        body[-1] = {kind: {"unexpected": 1}} if isinstance(step[kind], dict) else {kind: "??"}
    return document


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(
    document=valid_documents, messages=st.lists(st.sampled_from(["hi", "bye", "ha"]), max_size=3)
)
def test_valid_documents_never_crash_the_engine(
    document: dict[str, Any], messages: list[str]
) -> None:
    try:
        scenario = parse_scenario(document, "doc", name="random")
    except ScenarioError:
        return  # e.g. a repeat without times whose first step does not wait

    failures: list[logging.LogRecord] = []
    handler = logging.Handler(logging.ERROR)
    handler.emit = failures.append  # type: ignore[method-assign]

    async def chat() -> None:
        ctx = build_context()
        library = ScenarioLibrary([scenario])
        async with trio.open_nursery() as nursery:
            runner = ScenarioRunner(ctx.state, nursery, library)
            contact, customer = ctx.state.start_chat(
                display_name="P", attributes={SCENARIO_ATTRIBUTE: "random"}
            )
            for message in messages:
                await trio.sleep(1)
                if not ctx.state.contact(contact.contact_id).ended:
                    ctx.state.send_message_as(customer.participant_id, "text/plain", message)
            with trio.move_on_after(600):
                await runner.finished(contact.contact_id).wait()
            if not ctx.state.contact(contact.contact_id).ended:
                ctx.state.end_chat(contact.contact_id)
            with trio.fail_after(1):
                await runner.finished(contact.contact_id).wait()
            nursery.cancel_scope.cancel()

    logger = logging.getLogger("trioconnect.emulator")
    logger.addHandler(handler)
    try:
        trio.run(chat, clock=trio.testing.MockClock(autojump_threshold=0))
    finally:
        logger.removeHandler(handler)
    # The runner logs (at ERROR) any exception a step raised; there must be none.
    assert not failures, [r.getMessage() for r in failures]
