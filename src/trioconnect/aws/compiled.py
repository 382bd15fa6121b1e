"""Request encoders compiled once per operation from botocore's model.

botocore's :class:`~botocore.validate.ParamValidator` and rest-json serializer walk the operation's
shape on every call, looking members up by name and dispatching on type names through
``getattr``. For operations whose input is "flat" — scalars (string, integer, long, boolean) and
structures of them, in the JSON body or (strings only) in headers, with a fixed request URI — this
module walks the shape once and keeps what the walk decided: for each member its JSON key or
header name, the Python types botocore accepts for it and its ``min`` bound, and for each structure
the required and known member names. Encoding a call is then one pass over the parameters.

The result is the same as botocore's, by construction and by test
(``tests/unit/test_aws_compiled.py`` compares both on Hypothesis-generated parameters):

* :meth:`CompiledEncoder.valid` accepts exactly what ``ParamValidator`` accepts: the parameters
  are a ``dict``; every required member is present; no unknown member; each value is an instance
  of the types botocore checks (``str``; ``int`` for integer and long, so ``True`` passes as
  botocore lets it; ``bool``; ``dict`` for structures) and meets its ``min`` (string length or
  number). Like botocore, it does not check ``max`` or enums: the service does.
* :meth:`CompiledEncoder.encode` gives the request botocore's serializer gives: ``None`` values are
  left out, header members become headers, body members the JSON body (``{}`` when the input has
  body members but none was given, nothing when it has none), and ``Content-Type:
  application/json`` comes with a body.

When :meth:`~CompiledEncoder.valid` says no, the caller runs botocore's validator for its error
report, so error messages are botocore's own. Operations that are not flat (lists, maps, blobs,
timestamps, URI or query-string members, host prefixes, streaming payloads, unions, documents)
are not compiled and keep using botocore for everything.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, cast

from botocore.model import OperationModel, Shape, StructureShape
from botocore.utils import is_json_value_header

__all__ = [
    "CompiledDecoder",
    "CompiledEncoder",
    "FlatRequest",
    "compile_decoder",
    "compile_encoder",
]

#: Python types botocore's ParamValidator accepts for each compiled scalar type.
_SCALAR_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "long": (int,),
    "boolean": (bool,),
}
#: The one Python type a JSON value must have for the compiled decoder to take it as it is.
_EXACT_TYPES: dict[str, type] = {"string": str, "integer": int, "long": int, "boolean": bool}
#: Request-URI characters that mean the URI is a template or carries a query.
_TEMPLATE_CHARS = frozenset("{}?")


class NotCompilable(Exception):
    """The shape uses something the compiled encoder does not handle (botocore is used)."""


@dataclass(frozen=True, slots=True)
class _Field:
    """One member of a compiled structure."""

    name: str  # the parameter name
    key: str  # JSON key or header name
    types: tuple[type, ...]
    minimum: int | None
    structure: _Structure | None  # for a nested structure


@dataclass(frozen=True, slots=True)
class _Structure:
    fields: Mapping[str, _Field]
    required: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class FlatRequest:
    """What the compiled encoder produced (botocore's ``serialize_to_request`` parts)."""

    method: str
    url_path: str
    headers: dict[str, str]
    body: dict[str, Any] | None  # the JSON document, or None for no body


def _min_of(shape: Shape) -> int | None:
    if shape.serialization.get("hostLabel"):
        raise NotCompilable("host label")
    if "min" in shape.metadata:
        minimum = shape.metadata["min"]
        if not isinstance(minimum, int):
            raise NotCompilable(f"non-integer min on {shape.name}")
        return minimum
    return None


def _compile_structure(shape: StructureShape, depth: int = 0) -> _Structure:
    if depth > 4 or shape.is_tagged_union or shape.is_document_type:
        raise NotCompilable(f"structure {shape.name}")
    fields: dict[str, _Field] = {}
    for name, member in shape.members.items():
        fields[name] = _compile_member(name, member, depth)
    required = tuple(shape.metadata.get("required", ()))
    return _Structure(fields=fields, required=required)


def _compile_member(name: str, member: Shape, depth: int) -> _Field:
    if is_json_value_header(member) or member.metadata.get("document"):
        raise NotCompilable(f"special member {name}")
    key = member.serialization.get("name", name)
    if member.type_name == "structure":
        assert isinstance(member, StructureShape)
        if "location" in member.serialization:
            raise NotCompilable(f"structure {name} outside the body")
        nested = _compile_structure(member, depth + 1)
        return _Field(name, key, (dict,), None, nested)
    types = _SCALAR_TYPES.get(member.type_name)
    if types is None:
        raise NotCompilable(f"member {name} of type {member.type_name}")
    minimum = _min_of(member)
    if member.type_name == "boolean":
        minimum = None  # botocore checks only the type of a boolean
    return _Field(name, key, types, minimum, None)


class CompiledEncoder:
    """Validates and serialises one flat rest-json operation (see the module docstring)."""

    __slots__ = ("_body", "_has_body_members", "_headers", "_method", "_top", "_url_path")

    def __init__(self, operation: OperationModel) -> None:
        """Compile ``operation``. Raises NotCompilable when it is not flat."""
        shape = operation.input_shape
        http = operation.http
        uri = http.get("requestUri", "/")
        if shape is None or not isinstance(shape, StructureShape):
            raise NotCompilable("no input structure")
        if _TEMPLATE_CHARS & set(uri) or "authPath" in http:
            raise NotCompilable("templated request URI")
        if operation.endpoint and "hostPrefix" in operation.endpoint:
            raise NotCompilable("host prefix")
        if shape.serialization.get("payload") is not None:
            raise NotCompilable("payload member")
        self._top = _compile_structure(shape)
        self._method = http.get("method", "POST")
        self._url_path = uri
        headers: dict[str, str] = {}
        body: set[str] = set()
        for name, member in shape.members.items():
            location = member.serialization.get("location")
            if location is None:
                body.add(name)
            elif location == "header" and member.type_name == "string":
                header = member.serialization.get("name", name)
                if header.lower() == "content-type":
                    raise NotCompilable("Content-Type as a member")
                headers[name] = header
            else:
                raise NotCompilable(f"member {name} in {location}")
        self._headers = headers
        self._body = frozenset(body)
        self._has_body_members = bool(body)

    def valid(self, params: Any) -> bool:
        """Whether botocore's ParamValidator accepts ``params`` (no report is built)."""
        return _valid_structure(params, self._top)

    def encode(self, params: Mapping[str, Any]) -> FlatRequest:
        """Serialise ``params``, which :meth:`valid` accepted."""
        headers: dict[str, str] = {}
        body: dict[str, Any] = {}
        header_names = self._headers
        fields = self._top.fields
        for name, value in params.items():
            if value is None:
                continue
            header = header_names.get(name)
            if header is not None:
                headers[header] = str(value)
            else:
                field = fields[name]
                body[field.key] = _body_value(value, field)
        document: dict[str, Any] | None = None
        if body or self._has_body_members:
            document = body
            headers["Content-Type"] = "application/json"
        return FlatRequest(self._method, self._url_path, headers, document)


def _valid_structure(params: Any, structure: _Structure) -> bool:
    if not isinstance(params, dict):
        return False
    for required in structure.required:
        if required not in params:
            return False
    fields = structure.fields
    for name, value in params.items():
        field = fields.get(name)
        if field is None or not isinstance(value, field.types):
            return False
        if field.structure is not None:
            if not _valid_structure(value, field.structure):
                return False
        elif field.minimum is not None:
            size = len(value) if isinstance(value, str) else cast("int", value)
            if size < field.minimum:
                return False
    return True


def _body_value(value: Any, field: _Field) -> Any:
    structure = field.structure
    if structure is None:
        return value
    out: dict[str, Any] = {}
    for name, member_value in value.items():
        member = structure.fields[name]
        # botocore's JSON serializer leaves None out only at the top level; inside a structure
        # a None cannot get here because validation rejected it.
        out[member.key] = _body_value(member_value, member)
    return out


def compile_encoder(operation: OperationModel) -> CompiledEncoder | None:
    """The compiled encoder of ``operation``, or ``None`` when it is not flat."""
    try:
        return CompiledEncoder(operation)
    except NotCompilable:
        return None


#: A compiled output member: name, JSON key, and either the exact type or a nested structure.
_OutMember = tuple[str, str, "type | tuple[_OutMember, ...]"]


def _compile_output(shape: StructureShape, depth: int = 0) -> tuple[_OutMember, ...]:
    if depth > 4 or shape.is_tagged_union or shape.is_document_type:
        raise NotCompilable(f"output structure {shape.name}")
    members: list[_OutMember] = []
    for name, member in shape.members.items():
        if set(member.serialization) - {"name"} or is_json_value_header(member):
            raise NotCompilable(f"output member {name}")
        key = member.serialization.get("name", name)
        if isinstance(member, StructureShape):
            members.append((name, key, _compile_output(member, depth + 1)))
            continue
        exact = _EXACT_TYPES.get(member.type_name)
        if exact is None:
            raise NotCompilable(f"output member {name} of type {member.type_name}")
        members.append((name, key, exact))
    return tuple(members)


def _parse_structure(document: dict[str, Any], members: tuple[_OutMember, ...]) -> Any:
    """The members of ``document`` as botocore parses them, or ``_UNSURE``."""
    parsed: dict[str, Any] = {}
    for name, key, kind in members:
        value = document.get(key)
        if value is None:
            continue
        if isinstance(kind, tuple):
            if type(value) is not dict:
                return _UNSURE
            value = _parse_structure(value, kind)
            if value is _UNSURE:
                return _UNSURE
        elif type(value) is not kind:
            return _UNSURE
        parsed[name] = value
    return parsed


#: Returned by :func:`_parse_structure` when botocore must decide.
_UNSURE = object()


class CompiledDecoder:
    """Parses the success answers of an operation whose output is flat JSON.

    :meth:`decode` returns what botocore's rest-json parser returns for the same answer
    (``ResponseMetadata`` with ``RequestId`` (and ``HostId``), ``HTTPStatusCode`` and
    ``HTTPHeaders``, then every member present and not ``null``), or ``None`` when the answer is
    anything but a UTF-8 JSON object whose members have exactly the model's JSON types: botocore
    then parses it (and converts or rejects what it must).
    """

    __slots__ = ("_members",)

    def __init__(self, operation: OperationModel) -> None:
        """Compile ``operation``'s output shape. Raises NotCompilable when it is not flat."""
        shape = operation.output_shape
        if shape is None or not isinstance(shape, StructureShape):
            raise NotCompilable("no output structure")
        if shape.serialization.get("payload") is not None:
            raise NotCompilable("payload output")
        self._members = _compile_output(shape)

    def decode(self, status: int, headers: Mapping[str, str], body: bytes) -> dict[str, Any] | None:
        """Parse a success answer; ``headers`` have lower-case names. ``None``: use botocore."""
        try:
            document = json.loads(body.decode("utf-8"))
        except ValueError:
            return None
        if type(document) is not dict:
            return None
        members = _parse_structure(document, self._members)
        if members is _UNSURE:
            return None
        metadata: dict[str, Any] = {}
        if "x-amzn-requestid" in headers:
            metadata["RequestId"] = headers["x-amzn-requestid"]
        elif "x-amz-request-id" in headers:
            metadata["RequestId"] = headers["x-amz-request-id"]
            metadata["HostId"] = headers.get("x-amz-id-2", "")
        metadata["HTTPStatusCode"] = status
        metadata["HTTPHeaders"] = dict(headers)
        parsed: dict[str, Any] = {"ResponseMetadata": metadata}
        parsed.update(members)
        return parsed


def compile_decoder(operation: OperationModel) -> CompiledDecoder | None:
    """The compiled decoder of ``operation``'s success answers, or ``None`` when not flat."""
    try:
        return CompiledDecoder(operation)
    except NotCompilable:
        return None
