"""The gateway's exchange, independent of ASGI and WSGI: what a request and its response become
(transcoding one body, the headers that go with it, the error bodies)."""

from __future__ import annotations

import codecs
import logging
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from typing import Any, Final, Generic, Literal, TypeAlias, TypeVar

from .._api import json_to_xml, to_json, to_xml, xml_to_json
from .._batch import batch_form, convert_batch, split_batch
from .._errors import Limits, Loss, UcwaFormatError
from .._kinds import request_kind
from .._media import (
    FORMS,
    WS,
    CodingError,
    Dialect,
    Form,
    TooLargeError,
    accept_ranges,
    charset,
    check_dialect,
    check_form,
    coding,
    convert_accept,
    convert_media_type,
    decode_body,
    encode_body,
    handled,
    is_utf8,
    media_kind,
    media_name,
    preferred_form,
    utf8_media_type,
)
from .._model import Dto
from .._schema import Schema

#: ASGI types (kept local: the module depends on no ASGI package).
Scope: TypeAlias = MutableMapping[str, Any]
Message: TypeAlias = MutableMapping[str, Any]
Receive: TypeAlias = Callable[[], Awaitable[Message]]
Send: TypeAlias = Callable[[Message], Awaitable[None]]
ASGIApp: TypeAlias = Callable[[Scope, Receive, Send], Awaitable[None]]

Headers: TypeAlias = list[tuple[str, str]]

#: The gateway's logger (one for the package, whichever module logs).
log: Final = logging.getLogger("ucwaformat.gateway")

#: 10 MiB: far above any UCWA document (a photo is not translated and streams through).
DEFAULT_MAX_BODY_SIZE: Final = 10 * 1024 * 1024
#: Extensions that would let an application send a response the middleware cannot buffer.
UNBUFFERABLE: Final = ("http.response.pathsend", "http.response.zerocopysend")

#: Which way a body goes: from the client to the application, or back.
Direction: TypeAlias = Literal["request", "response"]
#: Called with each loss of a translation (see ``on_loss``).
OnLoss: TypeAlias = Callable[[Direction, Loss], object]

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
    kind: Form | Literal["batch"] | None,
    schema: Schema | None = None,
    request: bool = False,
    limits: Limits | None = None,
) -> tuple[bytes, str]:
    """The body and its media type in the ``to`` form; ``kind`` is what the body is taken for
    (:meth:`Config.kind`: a UCWA form, a batch, or ``None`` for a body that is not UCWA);
    ``request``: the body is a request's, which keeps the input kind its XML said."""
    if not body.strip(b" \t\r\n"):
        # Nothing to translate (a GET, a 204): only the media type says which form.
        if kind in (None, "batch"):
            return body, content_type
        return body, _target_media_type(content_type, to)
    if kind == "batch":
        if _batch_in_form(body, content_type, to):
            return body, content_type
        new = convert_batch(
            body,
            content_type,
            to=to,
            strict=strict,
            report=report,
            dialect=dialect,
            pretty=pretty,
            schema=schema,
            limits=limits,
        )
        return new, content_type
    if kind is None or kind == to:
        return body, content_type
    data = _decode(body, content_type)
    if kind == "xml":
        new = xml_to_json(
            data, strict=strict, report=report, pretty=pretty, schema=schema, limits=limits
        )
    else:
        new = json_to_xml(
            data,
            strict=strict,
            report=report,
            dialect=dialect,
            pretty=pretty,
            schema=schema,
            kind=request_kind(data) if request else None,
            limits=limits,
        )
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
    schema: Schema | None = None,
    limits: Limits | None = None,
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

    ``strict``, ``report``, ``dialect``, ``pretty``, ``schema`` and ``limits`` are passed to the
    conversion.
    Raises :class:`UcwaFormatError` when a UCWA body (or a batch part) does not translate.
    """
    kind = media_kind(content_type)
    if content_type is None or kind is None:
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
        kind=kind,
        schema=schema,
        limits=limits,
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


def get_header(headers: Headers, name: str) -> str | None:
    for key, value in headers:
        if key.lower() == name:
            return value
    return None


def set_header(headers: Headers, name: str, value: str | None) -> Headers:
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


def weak_etag(headers: Headers) -> Headers:
    """A translated response's ``ETag``, made weak: the other form is another representation
    (not the same bytes), equivalent in meaning (RFC 9110 §8.8.1)."""
    etag = get_header(headers, "etag")
    if etag is None:
        return headers
    etag = etag.strip(WS)
    if etag.startswith("W/") or not etag:
        return headers
    return set_header(headers, "etag", "W/" + etag)


def strong_etags(value: str) -> str:
    """An ``If-Match``/``If-None-Match`` value for the application: the entity tags the
    gateway made weak are the application's own again (``*`` and others are kept)."""
    return ", ".join(
        tag[2:] if tag.startswith("W/") else tag for tag in (t.strip(WS) for t in value.split(","))
    )


#: The request headers that carry entity tags back to the application.
CONDITIONS: Final = ("if-match", "if-none-match")


def _with_vary(headers: Headers) -> Headers:
    vary = get_header(headers, "vary")
    if vary is None:
        return [*headers, ("vary", "Accept")]
    names = {item.strip(WS).lower() for item in vary.split(",")}
    if "accept" in names or "*" in names:
        return headers
    return set_header(headers, "vary", f"{vary}, Accept")


def _clean(text: str) -> str:
    """``text`` without the characters XML cannot carry (control characters, surrogates)."""
    return "".join(
        ch
        if (ch >= " " or ch in "\t\n\r")
        and not ("\ud800" <= ch <= "\udfff" or ch in "\ufffe\uffff")
        else "\ufffd"
        for ch in text
    )


def reason_body(form: Form, code: str, message: str) -> bytes:
    """A UCWA error ``reason`` document in ``form``: what the gateway (and the proxy) answer
    when they fail themselves."""
    doc = Dto("reason", (("code", code), ("message", _clean(message))))
    try:
        return to_json(doc) if form == "json" else to_xml(doc)
    except UcwaFormatError:  # pragma: no cover - _clean leaves nothing XML refuses
        doc = Dto("reason", (("code", code),))
        return to_json(doc) if form == "json" else to_xml(doc)


class Reply:
    """A whole response: status, headers, body."""

    __slots__ = ("body", "headers", "status", "translated")

    def __init__(self, status: int, headers: Headers, body: bytes, translated: bool) -> None:
        self.status = status
        self.headers = headers
        self.body = body
        self.translated = translated  # False: an error the gateway made up


class Config:
    __slots__ = (
        "app_form",
        "client_form",
        "dialect",
        "exclude_paths",
        "limits",
        "loss_header",
        "max_body_size",
        "on_loss",
        "plain_json",
        "pretty",
        "schema",
        "strict",
    )

    def __init__(
        self,
        app_form: Form,
        client_form: Form | None,
        max_body_size: int,
        strict: bool | Direction,
        dialect: Dialect,
        pretty: bool,
        exclude_paths: Iterable[str],
        on_loss: OnLoss | None = None,
        loss_header: str | None = None,
        plain_json: bool = False,
        schema: Schema | None = None,
        limits: Limits | None = None,
    ) -> None:
        check_form(app_form, "app_form")
        if schema is not None and not isinstance(schema, Schema):
            raise TypeError(f"schema must be a Schema or None, not {type(schema).__name__!r}")
        if limits is not None and not isinstance(limits, Limits):
            raise TypeError(f"limits must be a Limits or None, not {type(limits).__name__!r}")
        if client_form not in (None, *FORMS):
            raise ValueError(f"client_form must be 'json', 'xml' or None, not {client_form!r}")
        check_dialect(dialect)
        if isinstance(max_body_size, bool) or not isinstance(max_body_size, int):
            raise TypeError("max_body_size must be an int")
        if max_body_size < 0:
            raise ValueError("max_body_size must not be negative")
        if strict not in (True, False, "request", "response"):
            raise ValueError(f"strict must be a bool, 'request' or 'response', not {strict!r}")
        if on_loss is not None and not callable(on_loss):
            raise TypeError("on_loss must be callable")
        if loss_header is not None and (
            not isinstance(loss_header, str)
            or not loss_header
            or not all(c.isascii() and (c.isalnum() or c in "!#$%&'*+-.^_`|~") for c in loss_header)
        ):
            raise ValueError(f"loss_header must be a header name, not {loss_header!r}")
        self.app_form: Form = app_form
        self.client_form: Form | None = client_form
        self.max_body_size = max_body_size
        #: The directions translated strictly (an error instead of a loss).
        self.strict: frozenset[str] = frozenset(
            ("request", "response") if strict is True else () if strict is False else (strict,)
        )
        self.on_loss = on_loss
        self.loss_header = loss_header
        self.dialect: Dialect = dialect
        self.pretty = pretty
        self.schema = schema
        self.limits = limits
        paths = (exclude_paths,) if isinstance(exclude_paths, str) else tuple(exclude_paths)
        self.exclude_paths: tuple[str, ...] = paths
        self.plain_json = bool(plain_json)

    def kind(self, content_type: str | None) -> Form | Literal["batch"] | None:
        """What a body of ``content_type`` is taken for: a UCWA form, a batch, or ``None`` (not
        UCWA: it passes through). Plain ``application/json`` is not UCWA unless ``plain_json``:
        a UCWA server sends other JSON too (its OAuth token endpoint), and UCWA clients and
        servers name their documents by the precise type. (``application/xml`` stays UCWA: no
        other XML is exchanged with a UCWA server.)"""
        kind = media_kind(content_type)
        if kind == "json" and not self.plain_json and media_name(content_type or "") == _PLAIN_JSON:
            return None
        return kind

    def excluded(self, path: str) -> bool:
        return any(path.startswith(prefix) for prefix in self.exclude_paths)


#: The generic JSON type, UCWA for the gateway only when asked (``plain_json``).
_PLAIN_JSON: Final = "application/json"

App = TypeVar("App")


class Gateway(Generic[App]):
    """What both middlewares are built from: the wrapped application and the options (their
    meaning is documented on :class:`~ucwaformat.gateway.UcwaGatewayMiddleware`)."""

    def __init__(
        self,
        app: App,
        *,
        app_form: Form = "xml",
        client_form: Form | None = None,
        max_body_size: int = DEFAULT_MAX_BODY_SIZE,
        strict: bool | Direction = False,
        dialect: Dialect = "server",
        pretty: bool = False,
        exclude_paths: Iterable[str] = (),
        on_loss: OnLoss | None = None,
        loss_header: str | None = None,
        plain_json: bool = False,
        schema: Schema | None = None,
        limits: Limits | None = None,
    ) -> None:
        self.app = app
        self._config = Config(
            app_form,
            client_form,
            max_body_size,
            strict,
            dialect,
            pretty,
            exclude_paths,
            on_loss,
            loss_header,
            plain_json,
            schema,
            limits,
        )


class Exchange:
    """One request and its response, as the gateway sees them (no I/O here)."""

    __slots__ = ("accept", "config", "hint", "losses", "method", "request_coding", "request_type")

    def __init__(
        self,
        config: Config,
        method: str,
        content_type: str | None,
        accept: str | None,
        content_encoding: str | None = None,
    ) -> None:
        self.config = config
        self.method = method.upper()
        self.request_type = content_type
        self.accept = accept
        #: The request body's content coding (see :func:`coding`); once the body is translated
        #: the application receives it decoded, without ``Content-Encoding``.
        self.request_coding = coding(content_encoding)
        self.losses = 0  # what the translations of this exchange could not carry
        kind = config.kind(content_type)
        # The form the client's request body speaks: a fallback for the response's form.
        self.hint: Form | None = kind if kind != "batch" else None

    # requests

    def request_needs_body(self) -> bool:
        kind = self.config.kind(self.request_type)
        needs = kind == "batch" or (kind is not None and kind != self.config.app_form)
        if needs and not handled(self.request_coding):
            log.warning(
                "a %s request body with Content-Encoding %r passes untranslated",
                kind,
                self.request_coding,
            )
            return False
        return needs

    def app_accept(self) -> str | None:
        """The ``Accept`` value the application receives."""
        if self.accept is None:
            return None
        return convert_accept(self.accept, self.config.app_form)

    def convert_request(self, body: bytes) -> tuple[bytes, str | None] | Reply:
        """The request body and Content-Type for the application, or the error to answer."""
        content_type = self.request_type
        assert content_type is not None
        done = self.translate(
            "request", body, self.request_coding, content_type, self.config.app_form
        )
        if isinstance(done, Reply):
            return done
        _decoded, new, new_type = done
        return new, new_type

    def translate(
        self, direction: Direction, body: bytes, name: str, content_type: str, to: Form
    ) -> tuple[bytes, bytes, str] | Reply:
        """One body decoded from its coding ``name`` and translated to ``to``, its losses made
        visible: (the decoded body, the translation, its media type), or the error to answer
        (a request's is the client's fault, 4xx; a response's is the application's, 502)."""
        config = self.config
        request = direction == "request"
        what = "the request body" if request else "the application's response"
        try:
            body = decode_body(body, name, config.max_body_size)
        except TooLargeError:
            return self.error(
                413 if request else 502,
                "EntityTooLarge" if request else "ServiceFailure",
                f"{what} is larger than {config.max_body_size} bytes once decoded",
            )
        except CodingError as exc:
            return self.error(400 if request else 502, self._fault(request), f"{what}: {exc}")
        kind = config.kind(content_type)
        if request and kind == "batch":
            self.hint = batch_form(body, content_type)
        report: list[Loss] = []
        try:
            new, new_type = _convert(
                body,
                content_type,
                to,
                strict=direction in config.strict,
                report=report,
                dialect=config.dialect,
                pretty=config.pretty,
                kind=kind,
                schema=config.schema,
                request=request,
                limits=config.limits,
            )
        except UcwaFormatError as exc:
            return self.error(
                400 if request else 502,
                self._fault(request),
                f"{what} could not be translated to UCWA {to.upper()}: {exc}",
            )
        except Exception:
            log.exception("translating %s failed", what)
            return self.error(
                500 if request else 502, "ServiceFailure", f"the gateway failed to translate {what}"
            )
        self.report(direction, report)
        return body, new, new_type

    @staticmethod
    def _fault(request: bool) -> str:
        return "BadRequest" if request else "ServiceFailure"

    def report(self, direction: Direction, losses: list[Loss]) -> None:
        """Make a translation's losses visible: the log, ``on_loss``, the count for the header."""
        if not losses:
            return
        self.losses += len(losses)
        on_loss = self.config.on_loss
        for loss in losses:
            log.info("%s %s body: %s", self.method, direction, loss)
            if on_loss is not None:
                try:
                    on_loss(direction, loss)
                except Exception:
                    log.exception("on_loss failed")

    def with_loss_count(self, headers: Headers) -> Headers:
        """The headers, with the loss count if the gateway was asked to send one."""
        name = self.config.loss_header
        if name is None or not self.losses:
            return headers
        return set_header(headers, name, str(self.losses))

    # responses

    def response_form(self) -> Form | None:
        return preferred_form(self.accept) or self.hint or self.config.client_form

    def response_start(self, status: int, headers: Headers) -> tuple[bool, Headers]:
        """Whether the response must be buffered, and the headers to send if not."""
        content_type = get_header(headers, "content-type")
        kind = self.config.kind(content_type)
        if kind is None or content_type is None:
            return False, self.with_loss_count(headers)
        headers = _with_vary(headers)
        target = self.response_form()
        if target is None or kind == target:
            return False, self.with_loss_count(headers)
        name = coding(get_header(headers, "content-encoding"))
        if not handled(name):
            log.warning("a %s response with Content-Encoding %r passes untranslated", kind, name)
            return False, self.with_loss_count(headers)
        bodiless = self.method == "HEAD" or status < 200 or status in (204, 304)
        if not bodiless:
            return True, headers
        if kind == "batch":
            return False, headers
        headers = set_header(headers, "content-type", _target_media_type(content_type, target))
        if self.method == "HEAD":  # the length of a translation is unknown without the body
            headers = set_header(headers, "content-length", None)
        return False, self.with_loss_count(weak_etag(headers))

    def convert_response(self, status: int, headers: Headers, body: bytes) -> Reply:
        content_type = get_header(headers, "content-type")
        target = self.response_form()
        assert content_type is not None and target is not None
        name = coding(get_header(headers, "content-encoding"))
        done = self.translate("response", body, name, content_type, target)
        if isinstance(done, Reply):
            return done
        body, new, new_type = done
        changed = new != body  # another representation (the form of a batch's parts too)
        new = encode_body(new, name)  # in the coding it came in, which the client accepted
        headers = set_header(headers, "content-type", new_type)
        headers = set_header(headers, "transfer-encoding", None)
        headers = set_header(headers, "content-length", str(len(new)))
        if changed:
            headers = weak_etag(headers)
        return Reply(status, self.with_loss_count(headers), new, True)

    # errors

    def error(self, status: int, code: str, message: str) -> Reply:
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
        body = reason_body(form, code, message)
        headers: Headers = [
            ("content-type", f"{media}; charset=utf-8"),
            ("content-length", str(len(body))),
        ]
        if self.method == "HEAD":
            body = b""
        return Reply(status, headers, body, False)


def content_length(value: str | None) -> int | None:
    if value is None:
        return None
    value = value.strip(WS)
    return int(value) if value.isdigit() and value.isascii() else None
