"""Content negotiation and middleware for gateways between UCWA clients and servers.

:func:`transcode` turns one HTTP body into the form an ``Accept`` header asks for;
:class:`UcwaGatewayMiddleware` (ASGI) and :class:`UcwaGatewayWSGIMiddleware` (WSGI) put it in
front of an application that speaks one form (``app_form``) so that clients may speak either.

**Accept semantics.** Only the ranges that select a UCWA form count: the UCWA types (precise,
generic ``application/json`` / ``application/xml``, the ``vnd.microsoft.ucwa+xml``
misspelling), ``application/*`` and ``*/*``. Each form gets the quality of the most specific
range that matches one of its types (RFC 9110 §12.5.1); the form with the higher quality wins,
and at equal quality the one named by an exact type beats one reached through a wildcard (so
``application/json, */*`` asks for JSON). When neither form wins (both equal, both ``q=0``,
only wildcards, or no UCWA/JSON/XML range at all, e.g. ``multipart/batching`` or ``image/png``)
the body keeps its form, unless ``default_form=`` says otherwise. Ranges with a malformed ``q``
are ignored.

**Batches.** The parts of a ``multipart/batching`` body go to the form the ``Accept`` prefers
(:func:`~ucwaformat.convert_batch`, which also rewrites the parts' ``Content-Type`` and, in
request parts, ``Accept``). ``Accept: multipart/batching`` alone prefers no form, so the parts
are kept as they are, unless ``default_form=`` names one. The middlewares pass as
``default_form`` the form the client's own request parts used (their ``Accept``, else their
``Content-Type``), so a JSON client's batch comes back with JSON parts.

**Bodies.** UCWA bodies are read as UTF-8 unless the ``charset`` parameter names another
encoding; the output is always UTF-8, so a ``charset`` other than UTF-8 is rewritten to
``utf-8`` (one that says UTF-8 is kept as written). The precise or generic spelling and every
other parameter of the media type are kept (:func:`~ucwaformat.convert_media_type`). Bodies
that are not UCWA documents (images, SDP, HTML, text, anything without a UCWA or batch media
type) pass through byte for byte, and so does a body already in the target form. An empty body
only has its ``Content-Type`` switched.

**Middleware.** Request bodies that need translating are buffered (at most ``max_body_size``
bytes, else ``413``) and translated to ``app_form``; the ``Accept`` header the application sees
names ``app_form`` in place of each UCWA type. Responses that need translating are buffered
whole before anything is sent and translated to the form the client's ``Accept`` prefers (else
the form of the client's request body, else ``client_form``, else left alone); ``Content-Length``
is recomputed and ``Vary: Accept`` added to UCWA responses. Everything else streams through
untouched: non-UCWA bodies, bodies already in the wanted form, responses with a
``Content-Encoding`` (put compression outside the gateway), paths under ``exclude_paths``
(e.g. the OAuth token endpoint, whose JSON is not a UCWA document). A body that does not
translate gets a UCWA error ``reason`` in the client's form: ``400 BadRequest`` for a request,
``502 ServiceFailure`` for an application's response (``413 EntityTooLarge`` for a request
over the limit; a response over it is a ``502``); its message carries the
:class:`~ucwaformat.UcwaFormatError` position. Exceptions raised by the application itself are
re-raised unchanged, and since a translated response is sent only once complete, the server
can still answer ``500``. Translation runs synchronously, in the event loop for ASGI, so the
middleware needs no particular async library; UCWA bodies are small.
"""

from __future__ import annotations

import codecs
import http
import io
import logging
from collections.abc import Awaitable, Callable, Iterable, Iterator, MutableMapping
from typing import TYPE_CHECKING, Any, Final, Literal, TypeAlias

from ._api import json_to_xml, to_json, to_xml, xml_to_json
from ._batch import batch_form, convert_batch, split_batch
from ._errors import Loss, UcwaFormatError
from ._media import (
    FORMS,
    WS,
    Form,
    accept_ranges,
    charset,
    convert_accept,
    convert_media_type,
    is_utf8,
    media_kind,
    media_name,
    preferred_form,
    utf8_media_type,
)
from ._model import Dto

if TYPE_CHECKING:
    from types import TracebackType
    from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

__all__ = [
    "UcwaGatewayMiddleware",
    "UcwaGatewayWSGIMiddleware",
    "media_kind",
    "preferred_form",
    "transcode",
]

Dialect = Literal["server", "docs"]

#: ASGI types (kept local: the module depends on no ASGI package).
Scope: TypeAlias = MutableMapping[str, Any]
Message: TypeAlias = MutableMapping[str, Any]
Receive: TypeAlias = Callable[[], Awaitable[Message]]
Send: TypeAlias = Callable[[Message], Awaitable[None]]
ASGIApp: TypeAlias = Callable[[Scope, Receive, Send], Awaitable[None]]

Headers: TypeAlias = list[tuple[str, str]]

_log: Final = logging.getLogger(__name__)

#: 10 MiB: far above any UCWA document (a photo is not translated and streams through).
DEFAULT_MAX_BODY_SIZE: Final = 10 * 1024 * 1024
#: Extensions that would let an application send a response the middleware cannot buffer.
_UNBUFFERABLE: Final = ("http.response.pathsend", "http.response.zerocopysend")


def _target_media_type(content_type: str, to: Form) -> str:
    return convert_media_type(utf8_media_type(content_type), to)


def _decode(body: bytes, content_type: str) -> bytes | str:
    """The body as UTF-8 bytes as sent, or as text when ``charset`` names another encoding."""
    name = charset(content_type)
    if name is None or is_utf8(name):
        return body
    try:
        return body.decode(codecs.lookup(name).name)
    except (LookupError, ValueError, TypeError) as exc:
        if isinstance(exc, UnicodeDecodeError):
            line = body.count(b"\n", 0, exc.start) + 1
            column = exc.start - (body.rfind(b"\n", 0, exc.start) + 1) + 1
            raise UcwaFormatError(
                f"invalid {name} text: {exc.reason}", line=line, column=column
            ) from None
        raise UcwaFormatError(f"unknown charset {name!r}") from None


# --- transcoding ------------------------------------------------------------------------------


def _convert(
    body: bytes,
    content_type: str,
    to: Form,
    *,
    strict: bool,
    report: list[Loss] | None,
    dialect: Dialect,
    pretty: bool,
) -> tuple[bytes, str]:
    """The body and its media type in the ``to`` form (the kind of ``content_type`` is known)."""
    kind = media_kind(content_type)
    if not body.strip(b" \t\r\n"):
        # Nothing to translate (a GET, a 204): only the media type says which form.
        if kind in (None, "batch"):
            return body, content_type
        return body, _target_media_type(content_type, to)
    if kind == "batch":
        if _batch_in_form(body, content_type, to):
            return body, content_type
        new = convert_batch(
            body, content_type, to=to, strict=strict, report=report, dialect=dialect, pretty=pretty
        )
        return new, content_type
    if kind is None or kind == to:
        return body, content_type
    data = _decode(body, content_type)
    if kind == "xml":
        new = xml_to_json(data, strict=strict, report=report, pretty=pretty)
    else:
        new = json_to_xml(data, strict=strict, report=report, dialect=dialect, pretty=pretty)
    return new, _target_media_type(content_type, to)


def transcode(
    body: bytes,
    content_type: str | None,
    accept: str | None,
    /,
    *,
    default_form: Form | None = None,
    strict: bool = False,
    report: list[Loss] | None = None,
    dialect: Dialect = "server",
    pretty: bool = False,
) -> tuple[bytes, str | None]:
    """The body and its ``Content-Type`` in the UCWA form ``accept`` prefers.

    ``content_type`` is the body's ``Content-Type`` (``None`` when it has none); ``accept`` an
    ``Accept`` value (see the module docstring for how it is read; :func:`preferred_form`).
    When ``accept`` prefers neither form, ``default_form`` decides, and when that is ``None``
    the body keeps its form. Resources, inputs, events and DTOs (error ``reason``,
    ``optionsMetadata``, ``operationsQueued``) are translated as a whole, a
    ``multipart/batching`` body part by part. Bodies that are not UCWA documents, and bodies
    already in the wanted form, are returned unchanged, with their ``Content-Type``. The
    returned ``Content-Type`` keeps the precise or generic spelling and the parameters; a
    ``charset`` other than UTF-8 becomes ``utf-8``, the encoding of the output.

    ``strict``, ``report``, ``dialect`` and ``pretty`` are passed to the conversion.
    Raises :class:`UcwaFormatError` when a UCWA body (or a batch part) does not translate.
    """
    if content_type is None or media_kind(content_type) is None:
        return body, content_type
    target = preferred_form(accept) or default_form
    if target is None:
        return body, content_type
    return _convert(
        bytes(body),
        content_type,
        target,
        strict=strict,
        report=report,
        dialect=dialect,
        pretty=pretty,
    )


def _batch_in_form(body: bytes, content_type: str, to: Form) -> bool:
    """Whether :func:`convert_batch` would change nothing but line ends (the body is kept)."""
    for part in split_batch(body, content_type):
        for name, value in part.headers:
            name = name.lower()
            if name == "content-type" and convert_media_type(value, to) != value:
                return False
            if name == "accept" and convert_accept(value, to) != value:
                return False
    return True


# --- the exchange, independent of ASGI and WSGI -----------------------------------------------


def _get(headers: Headers, name: str) -> str | None:
    for key, value in headers:
        if key.lower() == name:
            return value
    return None


def _set(headers: Headers, name: str, value: str | None) -> Headers:
    """``headers`` with ``name`` set to ``value`` once, at its first place (dropped if None)."""
    out: Headers = []
    done = value is None
    for key, old in headers:
        if key.lower() != name:
            out.append((key, old))
        elif not done:
            assert value is not None
            out.append((key, value))
            done = True
    if not done:
        assert value is not None
        out.append((name, value))
    return out


def _with_vary(headers: Headers) -> Headers:
    vary = _get(headers, "vary")
    if vary is None:
        return [*headers, ("vary", "Accept")]
    names = {item.strip(WS).lower() for item in vary.split(",")}
    if "accept" in names or "*" in names:
        return headers
    return _set(headers, "vary", f"{vary}, Accept")


def _clean(text: str) -> str:
    """``text`` without the characters XML cannot carry (control characters, surrogates)."""
    return "".join(
        ch
        if (ch >= " " or ch in "\t\n\r")
        and not ("\ud800" <= ch <= "\udfff" or ch in "\ufffe\uffff")
        else "\ufffd"
        for ch in text
    )


class _Reply:
    """A whole response: status, headers, body."""

    __slots__ = ("body", "headers", "status", "translated")

    def __init__(self, status: int, headers: Headers, body: bytes, translated: bool) -> None:
        self.status = status
        self.headers = headers
        self.body = body
        self.translated = translated  # False: an error the gateway made up


class _Config:
    __slots__ = (
        "app_form",
        "client_form",
        "dialect",
        "exclude_paths",
        "max_body_size",
        "pretty",
        "strict",
    )

    def __init__(
        self,
        app_form: Form,
        client_form: Form | None,
        max_body_size: int,
        strict: bool,
        dialect: Dialect,
        pretty: bool,
        exclude_paths: Iterable[str],
    ) -> None:
        if app_form not in FORMS:
            raise ValueError(f"app_form must be 'json' or 'xml', not {app_form!r}")
        if client_form not in (None, *FORMS):
            raise ValueError(f"client_form must be 'json', 'xml' or None, not {client_form!r}")
        if dialect not in ("server", "docs"):
            raise ValueError(f"dialect must be 'server' or 'docs', not {dialect!r}")
        if isinstance(max_body_size, bool) or not isinstance(max_body_size, int):
            raise TypeError("max_body_size must be an int")
        if max_body_size < 0:
            raise ValueError("max_body_size must not be negative")
        self.app_form: Form = app_form
        self.client_form: Form | None = client_form
        self.max_body_size = max_body_size
        self.strict = strict
        self.dialect: Dialect = dialect
        self.pretty = pretty
        paths = (exclude_paths,) if isinstance(exclude_paths, str) else tuple(exclude_paths)
        self.exclude_paths: tuple[str, ...] = paths

    def excluded(self, path: str) -> bool:
        return any(path.startswith(prefix) for prefix in self.exclude_paths)


class _Exchange:
    """One request and its response, as the gateway sees them (no I/O here)."""

    __slots__ = ("accept", "config", "hint", "method", "request_type")

    def __init__(
        self, config: _Config, method: str, content_type: str | None, accept: str | None
    ) -> None:
        self.config = config
        self.method = method.upper()
        self.request_type = content_type
        self.accept = accept
        kind = media_kind(content_type)
        # The form the client's request body speaks: a fallback for the response's form.
        self.hint: Form | None = kind if kind != "batch" else None

    # requests

    def request_needs_body(self) -> bool:
        kind = media_kind(self.request_type)
        return kind == "batch" or (kind is not None and kind != self.config.app_form)

    def app_accept(self) -> str | None:
        """The ``Accept`` value the application receives."""
        if self.accept is None:
            return None
        return convert_accept(self.accept, self.config.app_form)

    def convert_request(self, body: bytes) -> tuple[bytes, str | None] | _Reply:
        """The request body and Content-Type for the application, or the error to answer."""
        content_type = self.request_type
        assert content_type is not None
        config = self.config
        if media_kind(content_type) == "batch":
            self.hint = batch_form(body, content_type)
        try:
            return _convert(
                body,
                content_type,
                config.app_form,
                strict=config.strict,
                report=None,
                dialect=config.dialect,
                pretty=config.pretty,
            )
        except UcwaFormatError as exc:
            return self.error(
                400,
                "BadRequest",
                f"the request body could not be translated to UCWA {config.app_form.upper()}: "
                f"{exc}",
            )
        except Exception:
            _log.exception("translating a request body failed")
            return self.error(500, "ServiceFailure", "the gateway failed to translate the request")

    # responses

    def response_form(self) -> Form | None:
        return preferred_form(self.accept) or self.hint or self.config.client_form

    def response_start(self, status: int, headers: Headers) -> tuple[bool, Headers]:
        """Whether the response must be buffered, and the headers to send if not."""
        content_type = _get(headers, "content-type")
        kind = media_kind(content_type)
        if kind is None or content_type is None:
            return False, headers
        headers = _with_vary(headers)
        encoding = _get(headers, "content-encoding")
        if encoding is not None and encoding.strip(WS).lower() not in ("", "identity"):
            return False, headers
        target = self.response_form()
        if target is None or kind == target:
            return False, headers
        bodiless = self.method == "HEAD" or status < 200 or status in (204, 304)
        if not bodiless:
            return True, headers
        if kind == "batch":
            return False, headers
        headers = _set(headers, "content-type", _target_media_type(content_type, target))
        if self.method == "HEAD":  # the length of a translation is unknown without the body
            headers = _set(headers, "content-length", None)
        return False, headers

    def convert_response(self, status: int, headers: Headers, body: bytes) -> _Reply:
        content_type = _get(headers, "content-type")
        target = self.response_form()
        assert content_type is not None and target is not None
        config = self.config
        try:
            new, new_type = _convert(
                body,
                content_type,
                target,
                strict=config.strict,
                report=None,
                dialect=config.dialect,
                pretty=config.pretty,
            )
        except UcwaFormatError as exc:
            return self.error(
                502,
                "ServiceFailure",
                f"the application's response body could not be translated to UCWA "
                f"{target.upper()}: {exc}",
            )
        except Exception:
            _log.exception("translating a response body failed")
            return self.error(502, "ServiceFailure", "the gateway failed to translate the response")
        headers = _set(headers, "content-type", new_type)
        headers = _set(headers, "transfer-encoding", None)
        headers = _set(headers, "content-length", str(len(new)))
        return _Reply(status, headers, new, True)

    # errors

    def error(self, status: int, code: str, message: str) -> _Reply:
        """A UCWA error ``reason`` in the client's form."""
        form = preferred_form(self.accept) or self.hint or self.config.client_form
        form = form or self.config.app_form
        precise = f"application/vnd.microsoft.com.ucwa+{form}"
        generic = f"application/{form}"
        accepted = {name for name, q in accept_ranges(self.accept or "") if q > 0}
        if "application/vnd.microsoft.ucwa+xml" in accepted:
            accepted.add("application/vnd.microsoft.com.ucwa+xml")
        sent_generic = self.request_type is not None and media_name(self.request_type) == generic
        # Precise unless the client named (or sent) only the generic type of the form.
        media = (
            generic
            if precise not in accepted and (generic in accepted or sent_generic)
            else precise
        )
        doc = Dto("reason", (("code", code), ("message", _clean(message))))
        try:
            body = to_json(doc) if form == "json" else to_xml(doc)
        except UcwaFormatError:  # pragma: no cover - _clean leaves nothing XML refuses
            doc = Dto("reason", (("code", code),))
            body = to_json(doc) if form == "json" else to_xml(doc)
        headers: Headers = [
            ("content-type", f"{media}; charset=utf-8"),
            ("content-length", str(len(body))),
        ]
        if self.method == "HEAD":
            body = b""
        return _Reply(status, headers, body, False)


# --- ASGI -------------------------------------------------------------------------------------


class _TooLargeError(Exception):
    pass


async def _read_body(receive: Receive, limit: int) -> bytes | None:
    """The whole request body; ``None`` if the client went away first."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        kind = message.get("type")
        if kind == "http.disconnect":
            return None
        if kind != "http.request":
            continue
        chunk = bytes(message.get("body", b""))
        size += len(chunk)
        if size > limit:
            raise _TooLargeError
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def _decode_headers(raw: Iterable[tuple[bytes, bytes]]) -> Headers:
    return [(bytes(k).decode("latin-1"), bytes(v).decode("latin-1")) for k, v in raw]


def _encode_headers(headers: Headers) -> list[tuple[bytes, bytes]]:
    return [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers]


def _content_length(value: str | None) -> int | None:
    if value is None:
        return None
    value = value.strip(WS)
    return int(value) if value.isdigit() and value.isascii() else None


class _Replay:
    """A ``receive`` that gives the buffered body once, then defers to the server's."""

    __slots__ = ("body", "receive", "sent")

    def __init__(self, body: bytes, receive: Receive) -> None:
        self.body = body
        self.receive = receive
        self.sent = False

    async def __call__(self) -> Message:
        if not self.sent:
            self.sent = True
            return {"type": "http.request", "body": self.body, "more_body": False}
        return await self.receive()


class _AsgiResponder:
    """The ``send`` given to the application: passes a response through or buffers it."""

    __slots__ = (
        "chunks",
        "exchange",
        "forward_trailers",
        "headers",
        "limit",
        "send",
        "size",
        "state",
        "status",
        "trailers",
    )

    def __init__(self, exchange: _Exchange, send: Send, limit: int) -> None:
        self.exchange = exchange
        self.send = send
        self.limit = limit
        self.state = "idle"  # idle | pass | buffer | done
        self.status = 200
        self.headers: Headers = []
        self.trailers = False
        self.forward_trailers = False
        self.chunks: list[bytes] = []
        self.size = 0

    async def __call__(self, message: Message) -> None:
        state = self.state
        if state == "pass":
            await self.send(message)
            return
        kind = message.get("type")
        if state == "idle":
            if kind != "http.response.start":
                raise RuntimeError(f"expected 'http.response.start', got {kind!r}")
            self.status = int(message["status"])
            headers = _decode_headers(message.get("headers", ()))
            buffer, headers = self.exchange.response_start(self.status, headers)
            if not buffer:
                self.state = "pass"
                await self.send({**message, "headers": _encode_headers(headers)})
                return
            self.state = "buffer"
            self.headers = headers
            self.trailers = bool(message.get("trailers", False))
            return
        if state == "done":
            if kind == "http.response.trailers" and self.forward_trailers:
                await self.send(message)
            return
        # buffering
        if kind != "http.response.body":
            return
        chunk = bytes(message.get("body", b""))
        self.size += len(chunk)
        if self.size > self.limit:
            self.chunks = []
            await self._reply(
                self.exchange.error(
                    502,
                    "ServiceFailure",
                    f"the application's response is larger than {self.limit} bytes",
                )
            )
            return
        self.chunks.append(chunk)
        if not message.get("more_body", False):
            body = b"".join(self.chunks)
            self.chunks = []
            await self._reply(self.exchange.convert_response(self.status, self.headers, body))

    async def _reply(self, reply: _Reply) -> None:
        self.state = "done"
        trailers = self.trailers and reply.translated
        self.forward_trailers = trailers
        start: Message = {
            "type": "http.response.start",
            "status": reply.status,
            "headers": _encode_headers(reply.headers),
        }
        if trailers:
            start["trailers"] = True
        await self.send(start)
        await self.send({"type": "http.response.body", "body": reply.body, "more_body": False})

    async def finish(self) -> None:
        """After the application returned: a response still being buffered never ended."""
        if self.state == "buffer":
            self.chunks = []
            await self._reply(
                self.exchange.error(
                    502, "ServiceFailure", "the application's response ended before its body did"
                )
            )


async def _send_reply(send: Send, reply: _Reply) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": reply.status,
            "headers": _encode_headers(reply.headers),
        }
    )
    await send({"type": "http.response.body", "body": reply.body, "more_body": False})


class UcwaGatewayMiddleware:
    """ASGI middleware: the wrapped application speaks ``app_form``, clients either form.

    Pure ASGI 3 (no framework needed): wrap any ASGI application, or add it to Starlette or
    FastAPI with ``app.add_middleware(UcwaGatewayMiddleware, app_form="xml")``. ``lifespan`` and
    ``websocket`` scopes pass straight through.

    ``app_form`` is the form the application reads and writes. ``client_form`` is the form of
    responses to clients that prefer none in their ``Accept`` and sent no UCWA body (``None``:
    what the application sent). ``max_body_size`` bounds each buffered body (request: ``413``;
    response: ``502``). ``strict``, ``dialect`` and ``pretty`` are passed to the conversions.
    Paths starting with one of ``exclude_paths`` are not touched at all.

    The ``http.response.pathsend`` and ``zerocopysend`` extensions are hidden from the
    application, since a response that needs translating must be buffered.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        app_form: Form = "xml",
        client_form: Form | None = None,
        max_body_size: int = DEFAULT_MAX_BODY_SIZE,
        strict: bool = False,
        dialect: Dialect = "server",
        pretty: bool = False,
        exclude_paths: Iterable[str] = (),
    ) -> None:
        self.app = app
        self._config = _Config(
            app_form, client_form, max_body_size, strict, dialect, pretty, exclude_paths
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        config = self._config
        if scope.get("type") != "http" or config.excluded(str(scope.get("path", ""))):
            await self.app(scope, receive, send)
            return
        headers = _decode_headers(scope.get("headers", ()))
        exchange = _Exchange(
            config,
            str(scope.get("method", "GET")),
            _get(headers, "content-type"),
            _get(headers, "accept"),
        )
        if exchange.request_needs_body():
            length = _content_length(_get(headers, "content-length"))
            try:
                if length is not None and length > config.max_body_size:
                    raise _TooLargeError
                body = await _read_body(receive, config.max_body_size)
            except _TooLargeError:
                await _send_reply(
                    send,
                    exchange.error(
                        413,
                        "EntityTooLarge",
                        f"the request body is larger than {config.max_body_size} bytes",
                    ),
                )
                return
            if body is None:  # the client went away
                return
            converted = exchange.convert_request(body)
            if isinstance(converted, _Reply):
                await _send_reply(send, converted)
                return
            body, content_type = converted
            headers = _set(headers, "content-type", content_type)
            headers = _set(headers, "transfer-encoding", None)
            headers = _set(headers, "content-length", str(len(body)))
            receive = _Replay(body, receive)
        accept = exchange.app_accept()
        if accept is not None:
            headers = _set(headers, "accept", accept)
        scope = dict(scope)
        scope["headers"] = _encode_headers(headers)
        extensions = scope.get("extensions")
        if isinstance(extensions, dict) and any(name in extensions for name in _UNBUFFERABLE):
            scope["extensions"] = {k: v for k, v in extensions.items() if k not in _UNBUFFERABLE}
        responder = _AsgiResponder(exchange, send, config.max_body_size)
        await self.app(scope, receive, responder)
        await responder.finish()


# --- WSGI -------------------------------------------------------------------------------------


def _reason_phrase(status: int) -> str:
    try:
        return f"{status} {http.HTTPStatus(status).phrase}"
    except ValueError:
        return str(status)


def _read_wsgi_body(environ: WSGIEnvironment, limit: int) -> bytes:
    """The request body (``_TooLargeError`` beyond ``limit``)."""
    stream = environ.get("wsgi.input")
    if stream is None:
        return b""
    length = _content_length(environ.get("CONTENT_LENGTH"))
    if length is not None:
        if length > limit:
            raise _TooLargeError
        return bytes(stream.read(length)) if length else b""
    if not environ.get("wsgi.input_terminated"):
        return b""  # no length and no terminated stream: no body (PEP 3333)
    chunks: list[bytes] = []
    size = 0
    while True:
        chunk = stream.read(65536)
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > limit:
            raise _TooLargeError
        chunks.append(bytes(chunk))


class _PassThrough:
    """The application's body iterable, with the items read ahead put back in front."""

    def __init__(self, ahead: list[bytes], rest: Iterator[bytes], result: Iterable[bytes]) -> None:
        self._ahead = ahead
        self._rest = rest
        self._result = result

    def __iter__(self) -> Iterator[bytes]:
        yield from self._ahead
        self._ahead = []
        yield from self._rest

    def close(self) -> None:
        close = getattr(self._result, "close", None)
        if close is not None:
            close()


def _close(result: Iterable[bytes]) -> None:
    close = getattr(result, "close", None)
    if close is not None:
        close()


class UcwaGatewayWSGIMiddleware:
    """WSGI middleware with the behaviour and options of :class:`UcwaGatewayMiddleware`."""

    def __init__(
        self,
        app: WSGIApplication,
        *,
        app_form: Form = "xml",
        client_form: Form | None = None,
        max_body_size: int = DEFAULT_MAX_BODY_SIZE,
        strict: bool = False,
        dialect: Dialect = "server",
        pretty: bool = False,
        exclude_paths: Iterable[str] = (),
    ) -> None:
        self.app = app
        self._config = _Config(
            app_form, client_form, max_body_size, strict, dialect, pretty, exclude_paths
        )

    @staticmethod
    def _reply(start_response: StartResponse, reply: _Reply) -> list[bytes]:
        start_response(_reason_phrase(reply.status), reply.headers)
        return [reply.body]

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        config = self._config
        path = str(environ.get("SCRIPT_NAME", "")) + str(environ.get("PATH_INFO", ""))
        if config.excluded(path):
            return self.app(environ, start_response)
        exchange = _Exchange(
            config,
            str(environ.get("REQUEST_METHOD", "GET")),
            environ.get("CONTENT_TYPE") or None,
            environ.get("HTTP_ACCEPT"),
        )
        environ = dict(environ)
        if exchange.request_needs_body():
            try:
                body = _read_wsgi_body(environ, config.max_body_size)
            except _TooLargeError:
                return self._reply(
                    start_response,
                    exchange.error(
                        413,
                        "EntityTooLarge",
                        f"the request body is larger than {config.max_body_size} bytes",
                    ),
                )
            converted = exchange.convert_request(body)
            if isinstance(converted, _Reply):
                return self._reply(start_response, converted)
            body, content_type = converted
            environ["wsgi.input"] = io.BytesIO(body)
            environ["CONTENT_LENGTH"] = str(len(body))
            if content_type is not None:
                environ["CONTENT_TYPE"] = content_type
            environ.pop("HTTP_TRANSFER_ENCODING", None)
        accept = exchange.app_accept()
        if accept is not None:
            environ["HTTP_ACCEPT"] = accept
        return self._respond(exchange, environ, start_response)

    def _respond(
        self, exchange: _Exchange, environ: WSGIEnvironment, start_response: StartResponse
    ) -> Iterable[bytes]:
        captured: list[tuple[str, Headers]] = []
        collected: list[bytes] = []  # body written or yielded while not passing through
        downstream: list[Callable[[bytes], object]] = []

        def write(data: bytes) -> None:
            if downstream:
                downstream[0](data)
            else:
                collected.append(bytes(data))

        def capture(
            status: str,
            headers: list[tuple[str, str]],
            exc_info: tuple[type[BaseException], BaseException, TracebackType]
            | tuple[None, None, None]
            | None = None,
        ) -> Callable[[bytes], object]:
            if exc_info is not None and exc_info[1] is not None and downstream:
                raise exc_info[1].with_traceback(exc_info[2])
            captured[:] = [(status, list(headers))]
            return write

        result = self.app(environ, capture)
        try:
            rest = iter(result)
            while not captured:  # start_response may come with the first item (PEP 3333)
                item = next(rest, None)
                if item is None:
                    break
                collected.append(bytes(item))
            if not captured:
                raise RuntimeError("the application did not call start_response")
            status_line, headers = captured[0]
            buffering, headers = exchange.response_start(_status(status_line), headers)
            if not buffering:
                downstream.append(start_response(status_line, headers))
                ahead = collected[:]
                collected.clear()
                return _PassThrough(ahead, rest, result)
            limit = self._config.max_body_size
            size = sum(map(len, collected))
            for item in rest:
                collected.append(bytes(item))
                size += len(item)
                if size > limit:
                    break
        except BaseException:
            _close(result)
            raise
        _close(result)
        if size > limit:
            message = f"the application's response is larger than {limit} bytes"
            return self._reply(start_response, exchange.error(502, "ServiceFailure", message))
        body = b"".join(collected)
        # start_response called again (with exc_info) before the body ended replaces the first.
        status_line, headers = captured[0]
        status = _status(status_line)
        buffering, headers = exchange.response_start(status, headers)
        if not buffering:
            start_response(status_line, headers)
            return [body]
        reply = exchange.convert_response(status, headers, body)
        line = status_line if reply.translated else _reason_phrase(reply.status)
        start_response(line, reply.headers)
        return [reply.body]


def _status(status_line: str) -> int:
    try:
        return int(status_line.split(None, 1)[0])
    except (ValueError, IndexError):
        raise RuntimeError(f"bad WSGI status line {status_line!r}") from None
