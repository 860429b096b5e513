"""The ASGI middleware: :class:`UcwaGatewayMiddleware`."""

from __future__ import annotations

from collections.abc import Iterable

from .._media import TooLargeError
from ._exchange import (
    CONDITIONS,
    UNBUFFERABLE,
    ASGIApp,
    Exchange,
    Gateway,
    Headers,
    Message,
    Receive,
    Reply,
    Scope,
    Send,
    content_length,
    get_header,
    set_header,
    strong_etags,
)

# --- ASGI -------------------------------------------------------------------------------------


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
            raise TooLargeError
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def _decode_headers(raw: Iterable[tuple[bytes, bytes]]) -> Headers:
    return [(bytes(k).decode("latin-1"), bytes(v).decode("latin-1")) for k, v in raw]


def _encode_headers(headers: Headers) -> list[tuple[bytes, bytes]]:
    return [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers]


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

    def __init__(self, exchange: Exchange, send: Send, limit: int) -> None:
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

    async def _reply(self, reply: Reply) -> None:
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


async def _send_reply(send: Send, reply: Reply) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": reply.status,
            "headers": _encode_headers(reply.headers),
        }
    )
    await send({"type": "http.response.body", "body": reply.body, "more_body": False})


class UcwaGatewayMiddleware(Gateway[ASGIApp]):
    """ASGI middleware: the wrapped application speaks ``app_form``, clients either form.

    Pure ASGI 3 (no framework needed): wrap any ASGI application, or add it to Starlette or
    FastAPI with ``app.add_middleware(UcwaGatewayMiddleware, app_form="xml")``. ``lifespan`` and
    ``websocket`` scopes pass straight through.

    ``app_form`` is the form the application reads and writes. ``client_form`` is the form of
    responses to clients that prefer none in their ``Accept`` and sent no UCWA body (``None``:
    what the application sent). ``max_body_size`` bounds each buffered body (request: ``413``;
    response: ``502``). ``dialect``, ``pretty``, ``schema`` (a :class:`~ucwaformat.Schema`,
    e.g. the bundled one with overlays: ``Schema.bundled().with_overlay(path)``) and ``limits``
    (a :class:`~ucwaformat.Limits`; None: the defaults) are passed to the conversions; ``strict``
    (``True``, or ``"request"`` / ``"response"`` for one direction) makes a loss an error.
    Every loss is logged (``ucwaformat.gateway``, INFO) and given to ``on_loss(direction,
    loss)``; with ``loss_header`` (e.g. ``"X-UCWA-Losses"``) the response carries their count.
    Paths starting with one of ``exclude_paths`` are not touched at all. Plain
    ``application/json`` bodies pass through unless ``plain_json=True`` (they are not taken for
    UCWA documents: a token endpoint answers such JSON; the precise type always counts).

    The ``http.response.pathsend`` and ``zerocopysend`` extensions are hidden from the
    application, since a response that needs translating must be buffered.
    """

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        config = self._config
        if scope.get("type") != "http" or config.excluded(str(scope.get("path", ""))):
            await self.app(scope, receive, send)
            return
        headers = _decode_headers(scope.get("headers", ()))
        exchange = Exchange(
            config,
            str(scope.get("method", "GET")),
            get_header(headers, "content-type"),
            get_header(headers, "accept"),
            get_header(headers, "content-encoding"),
        )
        if exchange.request_needs_body():
            length = content_length(get_header(headers, "content-length"))
            try:
                if length is not None and length > config.max_body_size:
                    raise TooLargeError
                body = await _read_body(receive, config.max_body_size)
            except TooLargeError:
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
            if isinstance(converted, Reply):
                await _send_reply(send, converted)
                return
            body, content_type = converted
            headers = set_header(headers, "content-type", content_type)
            headers = set_header(headers, "content-encoding", None)  # the body is decoded
            headers = set_header(headers, "transfer-encoding", None)
            headers = set_header(headers, "content-length", str(len(body)))
            receive = _Replay(body, receive)
        accept = exchange.app_accept()
        if accept is not None:
            headers = set_header(headers, "accept", accept)
        for name in CONDITIONS:
            value = get_header(headers, name)
            if value is not None:
                headers = set_header(headers, name, strong_etags(value))
        scope = dict(scope)
        scope["headers"] = _encode_headers(headers)
        extensions = scope.get("extensions")
        if isinstance(extensions, dict) and any(name in extensions for name in UNBUFFERABLE):
            scope["extensions"] = {k: v for k, v in extensions.items() if k not in UNBUFFERABLE}
        responder = _AsgiResponder(exchange, send, config.max_body_size)
        await self.app(scope, receive, responder)
        await responder.finish()
