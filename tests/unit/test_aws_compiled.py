"""The compiled encoders and decoders agree with botocore's validator, serializer and parser.

Parameters and answers are generated from the model itself, mixing well-typed values (around each
``min`` bound) with values of the wrong type, ``None``, unknown members and missing required ones,
so that both the accepted and the rejected sides are exercised.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from botocore.model import OperationModel, Shape, StructureShape
from botocore.parsers import create_parser
from botocore.serialize import create_serializer
from botocore.validate import ParamValidator
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trioconnect.aws.codec import ServiceCodec, _service_model, codec_for
from trioconnect.aws.compiled import CompiledDecoder, CompiledEncoder, compile_decoder
from trioconnect.aws.compiled import compile_encoder as compile_encoder_for
from trioconnect.errors import TrioConnectError, ValidationError

MODEL = _service_model("connectparticipant")
FAST = codec_for("connectparticipant")
SLOW = ServiceCodec(MODEL, compiled=False)
VALIDATOR = ParamValidator()
SERIALIZER = create_serializer("rest-json", include_validation=False)
PARSER = create_parser("rest-json")

ENCODED_OPERATIONS = sorted(
    name
    for name in MODEL.operation_names
    if compile_encoder_for(MODEL.operation_model(name)) is not None
)
DECODED_OPERATIONS = sorted(
    name for name in MODEL.operation_names if compile_decoder(MODEL.operation_model(name))
)

_ANY_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-3, 3)
    | st.floats(allow_nan=False)
    | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=2) | st.dictionaries(st.text(max_size=3), inner, max_size=2)
    ),
    max_leaves=4,
)


def _value_for(shape: Shape) -> st.SearchStrategy[Any]:
    """Mostly values of the member's type near its ``min``, sometimes anything at all."""
    minimum = int(shape.metadata.get("min", 0))
    typed: st.SearchStrategy[Any]
    if shape.type_name == "string":
        typed = st.text(min_size=max(0, minimum - 2), max_size=minimum + 3) | st.text(max_size=2)
    elif shape.type_name in ("integer", "long"):
        typed = st.integers(minimum - 3, minimum + 300) | st.booleans()
    elif shape.type_name == "boolean":
        typed = st.booleans()
    elif isinstance(shape, StructureShape):
        typed = _params_for(shape)
    else:
        typed = _ANY_JSON
    return st.one_of(typed, typed, typed, _ANY_JSON)


def _params_for(shape: StructureShape) -> st.SearchStrategy[dict[str, Any]]:
    members = {name: _value_for(member) for name, member in shape.members.items()}
    known = st.fixed_dictionaries({}, optional=members)
    unknown = st.dictionaries(st.sampled_from(["Bogus", "connectionToken"]), _ANY_JSON, max_size=1)
    return st.one_of(known, known, known, st.builds(lambda a, b: {**a, **b}, known, unknown))


@st.composite
def _operation_and_params(draw: st.DrawFn) -> tuple[OperationModel, dict[str, Any]]:
    name = draw(st.sampled_from(ENCODED_OPERATIONS))
    op = MODEL.operation_model(name)
    assert isinstance(op.input_shape, StructureShape)
    return op, draw(_params_for(op.input_shape))


def _outcome(call: Callable[..., Any], *args: Any) -> tuple[str, Any]:
    """The result of ``call(*args)``, or the type and message of the trioconnect error it raised."""
    try:
        return ("result", call(*args))
    except TrioConnectError as exc:
        return (type(exc).__name__, str(exc))


def test_the_flat_operations_are_compiled() -> None:
    assert {"SendMessage", "SendEvent", "GetTranscript"} <= set(ENCODED_OPERATIONS)
    assert {"SendMessage", "SendEvent", "CreateParticipantConnection"} <= set(DECODED_OPERATIONS)
    # Lists, URI members: left to botocore.
    assert "CreateParticipantConnection" not in ENCODED_OPERATIONS
    assert "DescribeView" not in ENCODED_OPERATIONS
    assert "GetTranscript" not in DECODED_OPERATIONS


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_operation_and_params())
def test_encoder_accepts_and_serialises_what_botocore_does(
    case: tuple[OperationModel, dict[str, Any]],
) -> None:
    op, params = case
    encoder = CompiledEncoder(op)
    accepted = not VALIDATOR.validate(params, op.input_shape).has_errors()
    assert encoder.valid(params) is accepted
    if not accepted:
        return
    flat = encoder.encode(params)
    parts = SERIALIZER.serialize_to_request(dict(params), op)
    assert flat.method == parts["method"]
    assert flat.url_path == parts["url_path"]
    assert parts["query_string"] == {}
    assert flat.headers == {str(k): str(v) for k, v in parts["headers"].items()}
    if parts["body"] == b"":
        assert flat.body is None
    else:
        assert flat.body == json.loads(parts["body"])


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_operation_and_params())
def test_codec_encode_is_the_same_with_and_without_compilation(
    case: tuple[OperationModel, dict[str, Any]],
) -> None:
    op, params = case
    assert _outcome(FAST.encode, op.name, params) == _outcome(SLOW.encode, op.name, params)


def test_send_message_wire_form() -> None:
    encoded = FAST.encode(
        "SendMessage",
        {
            "ConnectionToken": "tok",
            "ClientToken": "c-1",
            "Content": "hé",
            "ContentType": "text/plain",
        },
    )
    assert encoded.method == "POST"
    assert encoded.path == "/participant/message"
    assert dict(encoded.headers) == {"X-Amz-Bearer": "tok", "Content-Type": "application/json"}
    assert (
        encoded.body == '{"ClientToken":"c-1","Content":"hé","ContentType":"text/plain"}'.encode()
    )


@pytest.mark.parametrize("codec", [FAST, SLOW], ids=["compiled", "botocore"])
def test_text_that_is_not_unicode_is_a_validation_error(codec: ServiceCodec) -> None:
    params = {"ConnectionToken": "t", "Content": "bad \ud800", "ContentType": "text/plain"}
    with pytest.raises(ValidationError, match="not valid Unicode"):
        codec.encode("SendMessage", params)


def test_a_wrong_parameter_gets_botocore_s_report() -> None:
    with pytest.raises(ValidationError) as info:
        FAST.encode("SendMessage", {"ConnectionToken": "", "Content": 5})
    report = str(info.value)
    assert "ContentType" in report  # missing
    assert "Invalid length for parameter ConnectionToken" in report
    assert "Invalid type for parameter Content" in report


# --------------------------------------------------------------------------- decoding


def _member_json(shape: Shape) -> st.SearchStrategy[Any]:
    if isinstance(shape, StructureShape):
        return st.one_of(_document_for(shape), _ANY_JSON)
    typed = {
        "string": st.text(max_size=8),
        "integer": st.integers(-5, 5),
        "long": st.integers(-5, 5),
        "boolean": st.booleans(),
    }.get(shape.type_name, _ANY_JSON)
    return st.one_of(typed, typed, typed, _ANY_JSON)


def _document_for(shape: StructureShape) -> st.SearchStrategy[dict[str, Any]]:
    members = {
        member.serialization.get("name", name): _member_json(member)
        for name, member in shape.members.items()
    }
    known = st.fixed_dictionaries({}, optional=members)
    extra = st.dictionaries(st.sampled_from(["Other", "__type"]), _ANY_JSON, max_size=1)
    return st.builds(lambda a, b: {**b, **a}, known, extra)


_HEADER_NAMES = ["x-amzn-requestid", "x-amz-request-id", "x-amz-id-2", "content-type", "date"]


@st.composite
def _answers(draw: st.DrawFn) -> tuple[OperationModel, int, dict[str, str], bytes]:
    op = MODEL.operation_model(draw(st.sampled_from(DECODED_OPERATIONS)))
    assert isinstance(op.output_shape, StructureShape)
    document = draw(st.one_of(_document_for(op.output_shape), _ANY_JSON))
    body = json.dumps(document).encode()
    body = draw(st.sampled_from([body, body, body, b"{not json", b"", b"\xff\xfe{}"]))
    headers = draw(st.dictionaries(st.sampled_from(_HEADER_NAMES), st.text(max_size=6)))
    status = draw(st.sampled_from([200, 200, 202]))
    return op, status, headers, body


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_answers())
def test_decoder_parses_what_botocore_parses(
    answer: tuple[OperationModel, int, dict[str, str], bytes],
) -> None:
    op, status, headers, body = answer
    parsed = CompiledDecoder(op).decode(status, headers, body)
    if parsed is None:
        return  # botocore decides
    expected = PARSER.parse(
        {"status_code": status, "headers": dict(headers), "body": body}, op.output_shape
    )
    assert parsed == expected


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_answers())
def test_codec_decode_is_the_same_with_and_without_compilation(
    answer: tuple[OperationModel, int, dict[str, str], bytes],
) -> None:
    op, status, headers, body = answer
    pairs = list(headers.items())
    fast = _outcome(FAST.decode, op.name, status, pairs, body)
    assert fast == _outcome(SLOW.decode, op.name, status, pairs, body)


def test_decoder_takes_a_typical_send_message_answer() -> None:
    body = b'{"AbsoluteTime":"2026-11-25T16:18:27.123Z","Id":"i-1"}'
    parsed = CompiledDecoder(MODEL.operation_model("SendMessage")).decode(
        200, {"x-amzn-requestid": "r-1"}, body
    )
    assert parsed == {
        "ResponseMetadata": {
            "RequestId": "r-1",
            "HTTPStatusCode": 200,
            "HTTPHeaders": {"x-amzn-requestid": "r-1"},
        },
        "Id": "i-1",
        "AbsoluteTime": "2026-11-25T16:18:27.123Z",
    }


def test_decoder_leaves_a_wrongly_typed_member_to_botocore() -> None:
    decoder = CompiledDecoder(MODEL.operation_model("SendMessage"))
    assert decoder.decode(200, {}, b'{"Id": 5}') is None
    assert decoder.decode(200, {}, b'{"MessageMetadata": "x"}') is None
    assert decoder.decode(200, {}, b"[1]") is None
