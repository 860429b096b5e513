"""The WSGI middleware: :class:`UcwaGatewayWSGIMiddleware`."""

from __future__ import annotations

import http
import io
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from types import TracebackType
    from wsgiref.types import (  # noqa: F401 (WSGIApplication: the base class, as a string)
        StartResponse,
        WSGIApplication,
        WSGIEnvironment,
    )

from .._media import TooLargeError
from ._exchange import (
    Exchange,
    Gateway,
    Headers,
    Reply,
    content_length,
    strong_etags,
)

# --- WSGI -------------------------------------------------------------------------------------


def _reason_phrase(status: int) -> str:
    try:
        return f"{status} {http.HTTPStatus(status).phrase}"
    except ValueError:
        return str(status)


def _read_wsgi_body(environ: WSGIEnvironment, limit: int) -> bytes:
    """The request body (``TooLargeError`` beyond ``limit``)."""
    stream = environ.get("wsgi.input")
    if stream is None:
        return b""
    length = content_length(environ.get("CONTENT_LENGTH"))
    if length is not None:
        if length > limit:
            raise TooLargeError
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
            raise TooLargeError
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


class UcwaGatewayWSGIMiddleware(Gateway["WSGIApplication"]):
    """WSGI middleware with the behaviour and options of :class:`UcwaGatewayMiddleware`."""

    @staticmethod
    def _reply(start_response: StartResponse, reply: Reply) -> list[bytes]:
        start_response(_reason_phrase(reply.status), reply.headers)
        return [reply.body]

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        config = self._config
        path = str(environ.get("SCRIPT_NAME", "")) + str(environ.get("PATH_INFO", ""))
        if config.excluded(path):
            return self.app(environ, start_response)
        exchange = Exchange(
            config,
            str(environ.get("REQUEST_METHOD", "GET")),
            environ.get("CONTENT_TYPE") or None,
            environ.get("HTTP_ACCEPT"),
            environ.get("HTTP_CONTENT_ENCODING"),
        )
        environ = dict(environ)
        if exchange.request_needs_body():
            try:
                body = _read_wsgi_body(environ, config.max_body_size)
            except TooLargeError:
                return self._reply(
                    start_response,
                    exchange.error(
                        413,
                        "EntityTooLarge",
                        f"the request body is larger than {config.max_body_size} bytes",
                    ),
                )
            converted = exchange.convert_request(body)
            if isinstance(converted, Reply):
                return self._reply(start_response, converted)
            body, content_type = converted
            environ["wsgi.input"] = io.BytesIO(body)
            environ["CONTENT_LENGTH"] = str(len(body))
            if content_type is not None:
                environ["CONTENT_TYPE"] = content_type
            environ.pop("HTTP_TRANSFER_ENCODING", None)
            environ.pop("HTTP_CONTENT_ENCODING", None)  # the body is decoded
        accept = exchange.app_accept()
        if accept is not None:
            environ["HTTP_ACCEPT"] = accept
        for key in ("HTTP_IF_MATCH", "HTTP_IF_NONE_MATCH"):
            value = environ.get(key)
            if value is not None:
                environ[key] = strong_etags(value)
        return self._respond(exchange, environ, start_response)

    def _respond(
        self, exchange: Exchange, environ: WSGIEnvironment, start_response: StartResponse
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
