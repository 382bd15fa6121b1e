"""A server-side rest-json codec driven by botocore's service models.

Nothing here is written by hand per operation: routes, input members, their locations (header,
URI label, query string, JSON body), validation and output shapes all come from the models
botocore ships for ``connectparticipant`` (2018-09-07) and ``connect``.

* :meth:`Codec.match` routes ``(method, path)`` to an operation, using each operation's
  ``requestUri`` template (``{Label}`` and greedy ``{Label+}`` segments).
* :meth:`Codec.decode` builds the operation's input dict and validates it with botocore's
  ``ParamValidator`` plus the constraints it leaves out (maximum lengths and ranges, enums).
* :meth:`Codec.encode` writes header-located output members as headers and the rest as JSON.
* :meth:`Codec.encode_error` renders an :class:`~.api_error.ApiError` the way botocore's
  rest-json parser reads it: ``x-amzn-ErrorType: <Code>`` and a body ``{"message": ...}``.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import functools
import json
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

import botocore.session
from botocore.model import OperationModel, ServiceModel, Shape
from botocore.validate import ParamValidator

from trioconnect.emulator.api_error import ApiError, validation
from trioconnect.emulator.asgi import Request, Response, json_response

__all__ = ["CONNECT_OPERATIONS", "Codec", "Route", "service_model"]

#: The Connect API operations the emulator serves.
CONNECT_OPERATIONS = frozenset(
    {"StartChatContact", "CreateParticipant", "StopContact", "DescribeContact"}
)
_API_VERSIONS = {"connectparticipant": "2018-09-07", "connect": None}

# When an operation does not model a code, the closest one it does model is used.
_EQUIVALENT_CODES: dict[str, tuple[str, ...]] = {
    "ValidationException": (
        "ValidationException",
        "InvalidRequestException",
        "InvalidParameterException",
    ),
    "InternalServerException": ("InternalServerException", "InternalServiceException"),
    "ThrottlingException": ("ThrottlingException", "LimitExceededException"),
    "ServiceQuotaExceededException": ("ServiceQuotaExceededException", "LimitExceededException"),
    "LimitExceededException": ("LimitExceededException", "ServiceQuotaExceededException"),
    "ResourceNotFoundException": ("ResourceNotFoundException", "ContactNotFoundException"),
}


@functools.cache
def service_model(service: str) -> ServiceModel:
    """botocore's model of ``service`` (cached)."""
    session = botocore.session.get_session()
    return session.get_service_model(service, api_version=_API_VERSIONS.get(service))


@dataclass(frozen=True)
class Route:
    """An operation reachable at ``method`` + a compiled ``requestUri`` template."""

    service: str
    operation: OperationModel
    method: str
    pattern: re.Pattern[str]


def _compile(template: str) -> re.Pattern[str]:
    path = template.split("?", 1)[0]
    parts: list[str] = []
    for piece in re.split(r"(\{[^}]+\})", path):
        if piece.startswith("{") and piece.endswith("}"):
            name = piece[1:-1]
            if name.endswith("+"):
                parts.append(f"(?P<{name[:-1]}>.+)")
            else:
                parts.append(f"(?P<{name}>[^/]+)")
        else:
            parts.append(re.escape(piece))
    return re.compile("^" + "".join(parts) + "$")


class Codec:
    """Routes, decodes, validates and encodes rest-json requests for the given services.

    Args:
        services: service name → the operation names to serve (None: every operation).
    """

    def __init__(self, services: Mapping[str, Collection[str] | None] | None = None) -> None:
        if services is None:
            services = {"connectparticipant": None, "connect": CONNECT_OPERATIONS}
        self.routes: list[Route] = []
        for service, names in services.items():
            model = service_model(service)
            for name in names if names is not None else model.operation_names:
                op = model.operation_model(name)
                self.routes.append(
                    Route(service, op, op.http["method"].upper(), _compile(op.http["requestUri"]))
                )
        self._validator = ParamValidator()

    def match(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        """The route for ``method`` and ``path`` and its URI labels, or None."""
        for route in self.routes:
            if route.method != method:
                continue
            found = route.pattern.match(path)
            if found is not None:
                return route, {k: unquote(v) for k, v in found.groupdict().items()}
        return None

    def path_known(self, path: str) -> bool:
        """Whether some operation lives at ``path`` (for any method)."""
        return any(route.pattern.match(path) for route in self.routes)

    def decode(
        self, op: OperationModel, request: Request, labels: Mapping[str, str], body: bytes
    ) -> dict[str, Any]:
        """Build and validate an operation's input from a request.

        Raises:
            ApiError: ValidationException (malformed JSON, wrong types, constraint violations).
        """
        shape = op.input_shape
        if shape is None:
            return {}
        document = _parse_json(body)
        params: dict[str, Any] = {}
        for name, member in shape.members.items():
            value = _locate(member, name, request, labels, document)
            if value is not None:
                params[name] = value
        report = self._validator.validate(params, shape)
        if report.has_errors():
            raise validation(report.generate_report())
        problems: list[str] = []
        _check_constraints(shape, params, "", problems)
        if problems:
            raise validation("; ".join(problems[:5]))
        return params

    def encode(self, op: OperationModel, output: Mapping[str, Any]) -> Response:
        """Encode an operation's output: header members as headers, the rest as JSON."""
        shape = op.output_shape
        if shape is None:
            return json_response(200, {})
        headers: list[tuple[str, str]] = []
        status = 200
        body: dict[str, Any] = {}
        for name, member in shape.members.items():
            value = output.get(name)
            if value is None:
                continue
            location = member.serialization.get("location")
            if location == "header":
                headers.append((member.serialization.get("name", name), str(value)))
            elif location == "statusCode":
                status = int(value)
            else:
                body[member.serialization.get("name", name)] = _to_json(member, value)
        return json_response(status, body, headers)

    def encode_error(self, op: OperationModel | None, error: ApiError) -> Response:
        """Render an error with the code the operation models (see module docstring)."""
        code, status, shape = error.code, error.status, None
        if op is not None:
            modelled = {s.name: s for s in op.error_shapes}
            for candidate in _EQUIVALENT_CODES.get(error.code, (error.code,)):
                if candidate in modelled:
                    shape = modelled[candidate]
                    if candidate != code and status != 413:
                        status = int(shape.metadata.get("error", {}).get("httpStatusCode", status))
                    code = candidate
                    break
        body: dict[str, Any] = {"message": error.message}
        for key, value in error.extra.items():
            if shape is None or key in shape.members:
                body[key] = value
        return json_response(status, body, [("x-amzn-errortype", code)])


def _parse_json(body: bytes) -> dict[str, Any]:
    if not body.strip():
        return {}
    try:
        document = json.loads(body)
    except (ValueError, RecursionError):
        raise validation("The request body is not valid JSON") from None
    if not isinstance(document, dict):
        raise validation("The request body must be a JSON object")
    return document


def _locate(
    member: Shape,
    name: str,
    request: Request,
    labels: Mapping[str, str],
    document: Mapping[str, Any],
) -> Any:
    location = member.serialization.get("location")
    wire = member.serialization.get("name", name)
    if location == "header":
        raw = request.headers.get(wire.lower())
        return _from_text(member, raw) if raw is not None else None
    if location == "uri":
        return labels.get(wire)
    if location == "querystring":
        values = request.query.get(wire)
        if not values:
            return None
        if member.type_name == "list":
            return list(values)
        return _from_text(member, values[0])
    if location is None:
        return _from_json(member, document.get(wire))
    return None


def _from_text(shape: Shape, raw: str) -> Any:
    if shape.type_name in ("integer", "long"):
        return int(raw) if re.fullmatch(r"-?\d{1,18}", raw) else raw
    if shape.type_name == "boolean":
        return {"true": True, "false": False}.get(raw.lower(), raw)
    return raw


def _from_json(shape: Shape, value: Any) -> Any:
    if value is None:
        return None
    kind = shape.type_name
    if kind == "structure" and isinstance(value, dict):
        out = {}
        for name, member in shape.members.items():
            converted = _from_json(member, value.get(member.serialization.get("name", name)))
            if converted is not None:
                out[name] = converted
        return out
    if kind == "list" and isinstance(value, list):
        return [_from_json(shape.member, v) for v in value]
    if kind == "map" and isinstance(value, dict):
        return {k: _from_json(shape.value, v) for k, v in value.items()}
    if kind == "timestamp" and isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return dt.datetime.fromtimestamp(value, dt.UTC)
        except (OverflowError, OSError, ValueError):
            return value
    if kind == "blob" and isinstance(value, str):
        try:
            return base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            return value
    return value


def _check_constraints(shape: Shape, value: Any, path: str, problems: list[str]) -> None:
    """Check what ParamValidator does not: maximum lengths/values and enums."""
    meta = shape.metadata
    kind = shape.type_name
    label = path or "input"
    if kind == "string" and isinstance(value, str):
        enum = getattr(shape, "enum", None)
        if enum and value not in enum:
            problems.append(f"Invalid value for {label}: {value[:50]!r}, valid values: {enum}")
        if "max" in meta and len(value) > meta["max"]:
            problems.append(f"Invalid length for {label}, valid max length: {meta['max']}")
    elif kind in ("integer", "long") and isinstance(value, int):
        if "max" in meta and value > meta["max"]:
            problems.append(f"Invalid range for {label}, valid max value: {meta['max']}")
    elif kind == "list" and isinstance(value, list):
        if "max" in meta and len(value) > meta["max"]:
            problems.append(f"Invalid length for {label}, valid max length: {meta['max']}")
        for index, item in enumerate(value):
            _check_constraints(shape.member, item, f"{label}[{index}]", problems)
    elif kind == "map" and isinstance(value, dict):
        for key, item in value.items():
            _check_constraints(shape.value, item, f"{label}.{key}", problems)
    elif kind == "structure" and isinstance(value, dict):
        for name, member in shape.members.items():
            if name in value:
                _check_constraints(
                    member, value[name], f"{path}.{name}" if path else name, problems
                )


def _to_json(shape: Shape, value: Any) -> Any:
    kind = shape.type_name
    if kind == "structure" and isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for name, member in shape.members.items():
            if value.get(name) is not None:
                out[member.serialization.get("name", name)] = _to_json(member, value[name])
        return out
    if kind == "list" and isinstance(value, list | tuple):
        return [_to_json(shape.member, v) for v in value]
    if kind == "map" and isinstance(value, Mapping):
        return {k: _to_json(shape.value, v) for k, v in value.items()}
    if kind == "timestamp" and isinstance(value, dt.datetime):
        if shape.serialization.get("timestampFormat") == "iso8601":
            return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
        return value.timestamp()
    if kind == "blob" and isinstance(value, bytes):
        return base64.b64encode(value).decode()
    return value
