"""The transcoding reverse proxy behind ``ucwaformat serve`` (the ``serve`` extra: httpx).

:func:`proxy_app` builds an ASGI application from three layers, outermost first:

1. the front (:class:`ProxyFront`): the health endpoint and the access log;
2. :class:`~ucwaformat.gateway.UcwaGatewayMiddleware`, which does every translation (the
   proxy has no translation logic of its own);
3. :class:`UpstreamProxy`, which forwards each request to the upstream with httpx and streams
   the answer back as it comes.

So a body the middleware does not translate (a photo, a plain JSON token response, an excluded
path, a body already in the client's form) streams through both ways, chunk by chunk; a body
that is translated is buffered as one document, no more (the event channel's long poll is
answered as soon as the upstream's one document is complete). Hop-by-hop headers are dropped
both ways, ``X-Forwarded-For``, ``-Proto`` and ``-Host`` are set, and ``Host`` names the
upstream. Any ASGI server can run the application; ``ucwaformat serve`` runs it on uvicorn.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
import time
from collections.abc import AsyncIterator, Iterable
from typing import Final

import httpx
import orjson

from .._errors import Limits
from .._media import Form
from .._schema import Schema
from ._exchange import (
    DEFAULT_MAX_BODY_SIZE,
    ASGIApp,
    Direction,
    Message,
    OnLoss,
    Receive,
    Scope,
    Send,
    reason_body,
)
from ._proxyconf import CONNECT_TIMEOUT, HEALTH_PATH, MAX_CONNECTIONS, READ_TIMEOUT, WRITE_TIMEOUT
from .asgi import UcwaGatewayMiddleware

__all__ = [
    "HEALTH_PATH",
    "HOP_BY_HOP",
    "ProxyFront",
    "UpstreamProxy",
    "proxy_app",
]

#: Headers that belong to one connection, not to the message (RFC 9110 §7.6.1), plus the
#: non-standard ones that clients still send; each header named in ``Connection`` goes too.
HOP_BY_HOP: Final = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
    }
)

log: Final = logging.getLogger("ucwaformat.gateway")
#: One line per exchange: client, request line, final status, bytes sent, duration.
access_log: Final = logging.getLogger("ucwaformat.gateway.access")


def _headers(raw: Iterable[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """``raw`` without hop-by-hop headers (the fixed list and those named in ``Connection``)."""
    items = [(bytes(name).lower(), bytes(value)) for name, value in raw]
    named = {
        token.strip().lower()
        for name, value in items
        if name == b"connection"
        for token in value.split(b",")
    }
    return [
        (name, value)
        for name, value in items
        if name.decode("latin-1") not in HOP_BY_HOP and name not in named
    ]


def _get(headers: list[tuple[bytes, bytes]], name: bytes) -> bytes | None:
    for key, value in headers:
        if key == name:
            return value
    return None


class ClientGoneError(Exception):
    """The client went away while its request body was being forwarded."""


class UpstreamProxy:
    """An ASGI application that forwards every HTTP request to ``upstream`` and streams the
    answer back (no translation: wrap it in the middleware for that; :func:`proxy_app`).

    ``upstream`` is an ``http`` or ``https`` URL; a path in it is put before every request's
    path. ``verify`` says how an https upstream's certificate is checked: ``True`` (against
    the CAs httpx trusts by default, certifi's), the path of a CA bundle (PEM) or an
    :class:`ssl.SSLContext`, or ``False`` (not at all: for a test server only). A failure to reach the
    upstream is answered ``502 ServiceFailure``, a timeout before its answer ``504
    GatewayTimeout``, as a UCWA error in ``error_form`` (the middleware translates it for the
    client). The httpx client is made on first use and closed at the ``lifespan`` shutdown
    (or by :meth:`aclose`). WebSocket connections are refused.
    """

    def __init__(
        self,
        upstream: str,
        *,
        verify: bool | str | ssl.SSLContext = True,
        connect_timeout: float = CONNECT_TIMEOUT,
        read_timeout: float = READ_TIMEOUT,
        write_timeout: float = WRITE_TIMEOUT,
        error_form: Form = "xml",
        max_connections: int = MAX_CONNECTIONS,
    ) -> None:
        url = httpx.URL(upstream)
        if url.scheme not in ("http", "https") or not url.host:
            raise ValueError(f"the upstream must be an http:// or https:// URL, not {upstream!r}")
        if url.query or url.fragment:
            raise ValueError(f"the upstream URL must have no query or fragment: {upstream!r}")
        self.upstream = upstream
        #: ``scheme://host[:port]`` and the path put before every request's path.
        self.origin = str(url.copy_with(raw_path=b"/")).rstrip("/")
        self.prefix = url.raw_path.rstrip(b"/")
        if isinstance(verify, str):
            verify = ssl.create_default_context(cafile=verify)
        self.verify: bool | ssl.SSLContext = verify
        self.timeout = httpx.Timeout(
            connect=connect_timeout, read=read_timeout, write=write_timeout, pool=connect_timeout
        )
        self.limits = httpx.Limits(
            max_connections=max_connections, max_keepalive_connections=max_connections
        )
        self.error_form: Form = error_form
        self._client: httpx.AsyncClient | None = None

    @property
    def client(self) -> httpx.AsyncClient:
        if self._client is None:
            client = httpx.AsyncClient(
                verify=self.verify,
                timeout=self.timeout,
                limits=self.limits,
                follow_redirects=False,  # a redirect is the client's to follow
                trust_env=False,  # no proxy or CA settings picked up from the environment
            )
            # httpx's defaults (Accept, Accept-Encoding, User-Agent...) would change the
            # client's request: only what the client sent is forwarded.
            client.headers.clear()
            self._client = client
        return self._client

    async def aclose(self) -> None:
        if self._client is not None:
            client, self._client = self._client, None
            await client.aclose()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope.get("type")
        if kind == "lifespan":
            await self._lifespan(receive, send)
        elif kind == "http":
            await self._forward(scope, receive, send)
        elif kind == "websocket":
            await receive()  # websocket.connect
            await send({"type": "websocket.close", "code": 1003})

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.aclose()
                await send({"type": "lifespan.shutdown.complete"})
                return

    def url(self, scope: Scope) -> str:
        raw_path = scope.get("raw_path") or str(scope.get("path", "/")).encode("utf-8")
        target = self.prefix + bytes(raw_path)
        query = bytes(scope.get("query_string", b""))
        if query:
            target += b"?" + query
        return self.origin + target.decode("latin-1")

    def request_headers(self, scope: Scope) -> list[tuple[bytes, bytes]]:
        """The client's headers for the upstream: hop-by-hop ones dropped, ``Host`` left to
        httpx (the upstream's), ``X-Forwarded-For`` extended, ``-Proto`` and ``-Host`` set."""
        headers = _headers(scope.get("headers", ()))
        host = _get(headers, b"host")
        forwarded_for = _get(headers, b"x-forwarded-for")
        headers = [
            (name, value)
            for name, value in headers
            if name not in (b"host", b"x-forwarded-for", b"x-forwarded-proto", b"x-forwarded-host")
        ]
        client = scope.get("client")
        if client:
            address = str(client[0]).encode("latin-1")
            forwarded_for = forwarded_for + b", " + address if forwarded_for else address
        if forwarded_for:
            headers.append((b"x-forwarded-for", forwarded_for))
        headers.append((b"x-forwarded-proto", str(scope.get("scheme", "http")).encode("latin-1")))
        if host:
            headers.append((b"x-forwarded-host", host))
        return headers

    async def _forward(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = self.request_headers(scope)
        length = _get(headers, b"content-length")
        has_body = (length is not None and length.strip() not in (b"", b"0")) or (
            length is None and any(name == b"transfer-encoding" for name, _ in scope["headers"])
        )
        request = self.client.build_request(
            str(scope.get("method", "GET")),
            self.url(scope),
            headers=headers,
            content=_body(receive) if has_body else None,
        )
        try:
            response = await self.client.send(request, stream=True)
        except ClientGoneError:
            return
        except httpx.TimeoutException as exc:
            message = f"the upstream did not answer in time ({exc.__class__.__name__})"
            await self._fail(send, 504, "GatewayTimeout", message)
            return
        except httpx.HTTPError as exc:
            message = f"the upstream could not be reached: {exc or exc.__class__.__name__}"
            await self._fail(send, 502, "ServiceFailure", message)
            return
        try:
            await self._stream(response, receive, send)
        finally:
            await response.aclose()

    async def _stream(self, response: httpx.Response, receive: Receive, send: Send) -> None:
        """The upstream's answer, sent on as it comes; stopped if the client goes away (the
        event channel's long poll must not hold an upstream connection for nobody)."""
        task = asyncio.current_task()
        assert task is not None
        gone = False
        finished = False  # servers answer ``receive`` with a disconnect once the response is sent

        async def watch() -> None:
            nonlocal gone
            while True:
                message = await receive()
                if message.get("type") == "http.disconnect":
                    if not finished:
                        gone = True
                        task.cancel()
                    return

        watcher = asyncio.ensure_future(watch())
        try:
            await send(
                {
                    "type": "http.response.start",
                    "status": response.status_code,
                    "headers": _headers(response.headers.raw),
                }
            )
            async for chunk in response.aiter_raw():
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
            finished = True
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        except asyncio.CancelledError:
            if not gone:
                raise
            task.uncancel()
            log.info("the client went away: the upstream's answer is dropped")
        except httpx.HTTPError as exc:
            # The status is sent: the answer can only end early (the middleware answers 502
            # for a body it was buffering; otherwise the server closes the connection).
            log.warning("the upstream's answer broke off: %s", exc or exc.__class__.__name__)
        finally:
            watcher.cancel()

    async def _fail(self, send: Send, status: int, code: str, message: str) -> None:
        log.warning("%s: %s", status, message)
        body = reason_body(self.error_form, code, message)
        media = f"application/vnd.microsoft.com.ucwa+{self.error_form}; charset=utf-8"
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", media.encode("ascii")),
                    (b"content-length", str(len(body)).encode("ascii")),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body, "more_body": False})


async def _body(receive: Receive) -> AsyncIterator[bytes]:
    """The client's request body, chunk by chunk as it comes."""
    while True:
        message = await receive()
        kind = message.get("type")
        if kind == "http.disconnect":
            raise ClientGoneError
        if kind != "http.request":
            continue
        chunk = bytes(message.get("body", b""))
        if chunk:
            yield chunk
        if not message.get("more_body", False):
            return


class ProxyFront:
    """The outermost layer: ``GET``/``HEAD`` on ``health_path`` is answered here (``200``,
    ``{"status": "ok", "upstream": URL}``: the proxy is up; the upstream is not asked), and
    each exchange is logged on ``ucwaformat.gateway.access`` (INFO) when ``access_log``."""

    def __init__(
        self, app: ASGIApp, *, upstream: str, health_path: str = HEALTH_PATH, access_log: bool = True
    ) -> None:
        self.app = app
        self.health_path = health_path
        self.access_log = access_log
        self.health = orjson.dumps({"status": "ok", "upstream": upstream})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope.get("type") != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 0
        size = 0

        async def counting(message: Message) -> None:
            nonlocal status, size
            if message.get("type") == "http.response.start":
                status = int(message["status"])
            elif message.get("type") == "http.response.body":
                size += len(message.get("body", b""))
            await send(message)

        try:
            if scope.get("path") == self.health_path and scope.get("method") in ("GET", "HEAD"):
                await self._health(scope, counting)
            else:
                await self.app(scope, receive, counting)
        finally:
            if self.access_log:
                client = scope.get("client")
                access_log.info(
                    '%s "%s %s HTTP/%s" %s %d %.1fms',
                    f"{client[0]}:{client[1]}" if client else "-",
                    scope.get("method"),
                    _target(scope),
                    scope.get("http_version", "1.1"),
                    status or "-",
                    size,
                    (time.perf_counter() - started) * 1000,
                )

    async def _health(self, scope: Scope, send: Send) -> None:
        body = self.health
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode("ascii")),
                    (b"cache-control", b"no-store"),
                ],
            }
        )
        if scope.get("method") == "HEAD":
            body = b""
        await send({"type": "http.response.body", "body": body, "more_body": False})


def _target(scope: Scope) -> str:
    path = str(scope.get("path", ""))
    query = bytes(scope.get("query_string", b""))
    return f"{path}?{query.decode('latin-1')}" if query else path


def proxy_app(
    upstream: str,
    *,
    app_form: Form = "xml",
    client_form: Form | None = None,
    plain_json: bool = False,
    schema: Schema | None = None,
    limits: Limits | None = None,
    exclude_paths: Iterable[str] = (),
    max_body_size: int = DEFAULT_MAX_BODY_SIZE,
    strict: bool | Direction = False,
    on_loss: OnLoss | None = None,
    loss_header: str | None = None,
    verify: bool | str | ssl.SSLContext = True,
    connect_timeout: float = CONNECT_TIMEOUT,
    read_timeout: float = READ_TIMEOUT,
    write_timeout: float = WRITE_TIMEOUT,
    max_connections: int = MAX_CONNECTIONS,
    health_path: str = HEALTH_PATH,
    access_log: bool = True,
) -> ProxyFront:
    """The transcoding reverse proxy as an ASGI application: clients speak either form (their
    ``Accept`` decides, else ``client_form``), ``upstream`` speaks ``app_form``.

    The translation options (``app_form``, ``client_form``, ``plain_json``, ``schema``,
    ``limits``, ``exclude_paths``, ``max_body_size``, ``strict``, ``on_loss``,
    ``loss_header``) are the middleware's
    (:class:`~ucwaformat.gateway.UcwaGatewayMiddleware`); the connection options
    (``verify``, the timeouts in seconds, ``max_connections`` to the upstream) are
    :class:`UpstreamProxy`'s; ``health_path`` and ``access_log`` are :class:`ProxyFront`'s.
    """
    forwarder = UpstreamProxy(
        upstream,
        verify=verify,
        connect_timeout=connect_timeout,
        read_timeout=read_timeout,
        write_timeout=write_timeout,
        error_form=app_form,
        max_connections=max_connections,
    )
    gateway = UcwaGatewayMiddleware(
        forwarder,
        app_form=app_form,
        client_form=client_form,
        plain_json=plain_json,
        schema=schema,
        limits=limits,
        exclude_paths=exclude_paths,
        max_body_size=max_body_size,
        strict=strict,
        on_loss=on_loss,
        loss_header=loss_header,
    )
    return ProxyFront(gateway, upstream=upstream, health_path=health_path, access_log=access_log)
