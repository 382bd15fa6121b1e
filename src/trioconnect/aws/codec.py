"""Model-driven request encoding and response decoding for AWS rest-json services.

botocore supplies the service models, the parameter validator, the rest-json serializer and the
rest-json parser; none of them does I/O, so this module is pure and synchronous. What it adds:

* validation happens before anything else and raises :class:`~trioconnect.errors.ValidationError`;
* the JSON body is re-encoded compactly with sorted keys, which is byte for byte what ChatJS's SDK
  sends (``{"ClientToken":"…","Content":"…","ContentType":"text/plain"}``);
* an error response becomes the matching :class:`~trioconnect.errors.ServiceError` subclass
  (returned, not raised, so the retry loop can look at it first).

Service models are loaded from botocore's data files once per process (a few milliseconds of file
reading the first time an operation of that service is used).
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

import botocore.session
from botocore.model import OperationModel, ServiceModel
from botocore.parsers import create_parser
from botocore.serialize import create_serializer
from botocore.validate import ParamValidator

from trioconnect.aws.compiled import (
    CompiledDecoder,
    CompiledEncoder,
    compile_decoder,
    compile_encoder,
)
from trioconnect.errors import RemoteProtocolError, ServiceError, ValidationError, service_error_for

__all__ = ["EncodedRequest", "ServiceCodec", "codec_for", "quiet_botocore"]

#: Error messages from non-AWS front ends (HTML error pages) are cut to this many characters.
_MAX_MESSAGE = 500


# botocore's parser logs whole response bodies (which carry ConnectionTokens) and its signer logs
# the canonical request (which carries X-Amz-Bearer) at DEBUG. Those records are dropped while
# trioconnect itself is calling botocore; other users of botocore (other contexts, other threads)
# keep their logs.
_quiet: ContextVar[bool] = ContextVar("trioconnect_quiet_botocore", default=False)
_NOISY_LOGGERS = ("botocore.parsers", "botocore.auth")


class _DropWhileQuiet(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not _quiet.get()


for _name in _NOISY_LOGGERS:
    _logger = logging.getLogger(_name)
    if not any(isinstance(f, _DropWhileQuiet) for f in _logger.filters):
        _logger.addFilter(_DropWhileQuiet())


@contextmanager
def quiet_botocore() -> Iterator[None]:
    """Silence botocore's token-revealing DEBUG lines for the (synchronous) block."""
    reset = _quiet.set(True)
    try:
        yield
    finally:
        _quiet.reset(reset)


@dataclass(frozen=True, slots=True)
class EncodedRequest:
    """The HTTP parts of one operation call. ``headers`` may hold a token: never log them raw."""

    operation: str
    method: str
    path: str
    query: Mapping[str, Any]
    headers: Mapping[str, str] = field(repr=False)
    body: bytes = field(repr=False)


@functools.cache
def _service_model(service: str) -> ServiceModel:
    session = botocore.session.get_session()
    return session.get_service_model(service)


@functools.cache
def codec_for(service: str) -> ServiceCodec:
    """Return the (cached, immutable) codec for ``service``, e.g. ``"connectparticipant"``."""
    return ServiceCodec(_service_model(service))


class ServiceCodec:
    """Encodes calls to and decodes answers from one rest-json service. Thread-safe, no I/O."""

    def __init__(self, model: ServiceModel, *, compiled: bool = True) -> None:
        """Wrap a botocore ``ServiceModel`` whose protocol is rest-json.

        Args:
            model: the service model.
            compiled: use the encoders and decoders compiled from the model for flat operations
                (same results as botocore's, faster); ``False`` uses botocore for every call.
        """
        if model.protocol != "rest-json":
            raise ValueError(f"{model.service_name} is not a rest-json service")
        self.model = model
        self._validator = ParamValidator()
        self._serializer = create_serializer("rest-json", include_validation=False)
        self._parser = create_parser("rest-json")
        self._use_compiled = compiled
        self._compiled: dict[str, CompiledEncoder | None] = {}
        self._decoders: dict[str, CompiledDecoder | None] = {}

    def operation(self, name: str) -> OperationModel:
        """Return the model of operation ``name`` (e.g. ``"SendMessage"``)."""
        return self.model.operation_model(name)

    def encode(self, operation: str, params: Mapping[str, Any]) -> EncodedRequest:
        """Validate ``params`` against the model and serialise them.

        Flat operations (SendMessage, SendEvent, GetTranscript, ...) go through an encoder
        compiled once from the model (:mod:`trioconnect.aws.compiled`), which accepts and
        produces exactly what botocore does; anything it does not accept, and every other
        operation, goes through botocore's validator and serializer.

        Raises:
            ValidationError: the parameters do not fit the operation's input shape.
        """
        values = params if type(params) is dict else dict(params)
        compiled = self._compiled_encoder(operation)
        if compiled is not None and compiled.valid(values):
            flat = compiled.encode(values)
            document = b"" if flat.body is None else _json_bytes(operation, flat.body)
            return EncodedRequest(
                operation=operation,
                method=flat.method,
                path=flat.url_path,
                query={},
                headers=flat.headers,
                body=document,
            )
        return self._encode_with_botocore(operation, values)

    def _compiled_encoder(self, operation: str) -> CompiledEncoder | None:
        try:
            return self._compiled[operation]
        except KeyError:
            op = self.operation(operation)
            compiled = compile_encoder(op) if self._use_compiled else None
            self._compiled[operation] = compiled
            return compiled

    def _compiled_decoder(self, operation: str) -> CompiledDecoder | None:
        try:
            return self._decoders[operation]
        except KeyError:
            op = self.operation(operation)
            decoder = compile_decoder(op) if self._use_compiled else None
            self._decoders[operation] = decoder
            return decoder

    def _encode_with_botocore(self, operation: str, params: dict[str, Any]) -> EncodedRequest:
        op = self.operation(operation)
        if op.input_shape is not None:
            report = self._validator.validate(params, op.input_shape)
            if report.has_errors():
                raise ValidationError(f"{operation}: {report.generate_report()}")
        try:
            parts = self._serializer.serialize_to_request(dict(params), op)
        except (ValueError, TypeError) as exc:
            raise ValidationError(f"{operation}: {exc}") from exc
        return EncodedRequest(
            operation=operation,
            method=parts["method"],
            path=parts["url_path"],
            query=dict(parts["query_string"]),
            headers={str(k): str(v) for k, v in parts["headers"].items()},
            body=_canonical_json(operation, parts["body"]),
        )

    def decode(
        self, operation: str, status: int, headers: Iterable[tuple[str, str]], body: bytes
    ) -> dict[str, Any] | ServiceError:
        """Parse one HTTP answer.

        Returns:
            The output dict (with ``ResponseMetadata``) for a 2xx/3xx answer, or the
            :class:`ServiceError` describing an error answer.

        Raises:
            RemoteProtocolError: a success answer whose body is not valid for the operation.
        """
        lowered = {k.lower(): v for k, v in headers}
        if 200 <= status < 300 and body:
            decoder = self._compiled_decoder(operation)
            if decoder is not None:
                fast = decoder.decode(status, lowered, body)
                if fast is not None:
                    return fast
        op = self.operation(operation)
        response = {"status_code": status, "headers": lowered, "body": body}
        try:
            with quiet_botocore():
                parsed: dict[str, Any] = self._parser.parse(response, op.output_shape)
        except Exception as exc:  # botocore raises several unrelated types here
            raise RemoteProtocolError(f"{operation}: unparsable response ({status})") from exc
        if status < 300:
            _check_json(operation, body)
            return parsed
        return _error_from(parsed, status, lowered)


def _check_json(operation: str, body: bytes) -> None:
    # botocore's parser quietly turns an unparsable success body into an empty result.
    if body.strip():
        try:
            json.loads(body)
        except ValueError as exc:
            raise RemoteProtocolError(f"{operation}: response body is not JSON") from exc


def _canonical_json(operation: str, body: bytes | str) -> bytes:
    if not body:
        return b""
    return _json_bytes(operation, json.loads(body))


def _json_bytes(operation: str, document: Any) -> bytes:
    text = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError as exc:  # a lone surrogate in a string
        raise ValidationError(f"{operation}: text that is not valid Unicode") from exc


def _error_from(parsed: Mapping[str, Any], status: int, headers: Mapping[str, str]) -> ServiceError:
    error = parsed.get("Error") or {}
    code = str(error.get("Code") or status)
    message = str(error.get("Message") or "")[:_MAX_MESSAGE]
    metadata = parsed.get("ResponseMetadata") or {}
    request_id = metadata.get("RequestId") or headers.get("x-amzn-requestid")
    cls = service_error_for(code, status)
    return cls(message, code=code, status_code=status, request_id=request_id, response=parsed)
