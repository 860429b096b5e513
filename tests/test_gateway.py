"""``ucwaformat.gateway``: content negotiation, ``transcode`` and the ASGI/WSGI middlewares.

The middlewares run against in-process fakes: the ASGI one is called with a scope and
``receive``/``send`` callables, the WSGI one with a small environ. Documents come from the
corpus in ``tests/data/corpus``.
"""

from __future__ import annotations

import asyncio
import gzip
import io
import logging
import zlib
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import orjson
import pytest
from data_paths import CORPUS

import ucwaformat
from ucwaformat import Loss, UcwaFormatError, json_to_xml, xml_to_json
from ucwaformat import gateway as gw
from ucwaformat._batch import split_batch
from ucwaformat._diff import diff
from ucwaformat.gateway import (
    UcwaGatewayMiddleware,
    UcwaGatewayWSGIMiddleware,
    media_kind,
    preferred_form,
    transcode,
)

PRECISE_JSON = "application/vnd.microsoft.com.ucwa+json"
PRECISE_XML = "application/vnd.microsoft.com.ucwa+xml"

#: One XML sample per document kind (FORMAT.md §1).
KINDS = {
    "resource": "myAssignedOnlineMeeting/get-xml-response.xml",
    "input": "applications/post-xml-request.xml",
    "events": "_concepts/EventChannelDetails/02-xml.xml",
    "reason": "_concepts/ErrorsAndInformationalMessages/02-xml.xml",
    "optionsMetadata": "applications/options-xml-response.xml",
    "operationsQueued": "makeMeAvailable2/post-xml-response.xml",
}
MEETING_XML = (CORPUS / KINDS["resource"]).read_bytes()
MEETING_JSON = xml_to_json(MEETING_XML)
INPUT_XML = (CORPUS / KINDS["input"]).read_bytes()
INPUT_JSON = xml_to_json(INPUT_XML)
BATCH_RESPONSE = (CORPUS / "batch/post-xml-response.mime").read_bytes()
BATCH_RESPONSE_TYPE = 'multipart/batching; boundary="0cac9abd"'
BATCH_REQUEST = (CORPUS / "batch/post-xml-request.mime").read_bytes()
BATCH_REQUEST_TYPE = 'multipart/batching; boundary="EA370946"'
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))
BROKEN_XML = b'<?xml version="1.0"?>\n<resource rel="me">\n  <property name="x">1</resource>'
BROKEN_JSON = b'{"rel": "me",\n "name": }'


def xml_doc(kind: str) -> bytes:
    return (CORPUS / KINDS[kind]).read_bytes()


def same(a: bytes, b: bytes) -> None:
    """``a`` and ``b`` mean the same UCWA document, whatever their forms."""
    assert diff(a, b) == []


def is_json(body: bytes) -> bool:
    return body.lstrip()[:1] == b"{"


# --- media types and Accept -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content_type", "kind"),
    [
        (PRECISE_JSON, "json"),
        (PRECISE_XML + "; charset=utf-8", "xml"),
        ("application/json", "json"),
        ("Application/XML ; charset=UTF-8", "xml"),
        ("application/vnd.microsoft.ucwa+xml", "xml"),
        ('multipart/batching; boundary="x"', "batch"),
        ("Multipart/Batching;boundary=x", "batch"),
        ("image/png", None),
        ("application/sdp", None),
        ("text/html; charset=utf-8", None),
        ("text/plain", None),
        ("application/http; msgtype=response", None),
        ("", None),
        (None, None),
    ],
)
def test_media_kind(content_type: str | None, kind: str | None) -> None:
    assert media_kind(content_type) == kind


@pytest.mark.parametrize(
    ("accept", "form"),
    [
        (PRECISE_JSON, "json"),
        (PRECISE_XML, "xml"),
        ("application/json", "json"),
        ("application/xml", "xml"),
        ("application/vnd.microsoft.ucwa+xml", "xml"),
        ("APPLICATION/JSON", "json"),
        (f"{PRECISE_JSON}; charset=utf-8", "json"),
        # quality values
        ("application/xml;q=0.5, application/json", "json"),
        ("application/json;q=0.4, application/xml;q=0.6", "xml"),
        (f"{PRECISE_XML};q=0.9, {PRECISE_JSON};q=0.91", "json"),
        ("application/json; q=0", None),
        ("application/json;q=0, application/xml;q=0", None),
        ("application/json;q=0.001", "json"),
        ('application/json;q="0.5", application/xml;q=0.2', "json"),
        # an exact type beats a wildcard at the same quality; a higher quality beats both
        ("application/json, */*", "json"),
        ("application/json, text/plain, */*", "json"),
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "xml"),
        ("application/json;q=0.5, */*", None),
        # A form refused by name is refused, whatever a wildcard says of its other type.
        (f"{PRECISE_JSON};q=0, */*", "xml"),
        ("application/json;q=0, */*", "xml"),
        (f"{PRECISE_XML};q=0, application/*", "json"),
        ("application/json;q=0, application/xml;q=0, */*", None),
        ("application/xml;q=0.5, application/*", None),
        ("application/json;q=0.5, application/*;q=0.4", "json"),
        # both named alike, or only wildcards, or nothing UCWA: no preference
        (f"{PRECISE_JSON}, {PRECISE_XML}", None),
        ("application/json, application/xml", None),
        ("*/*", None),
        ("application/*", None),
        ("multipart/batching", None),
        ("image/png, text/html", None),
        ("", None),
        (None, None),
        # malformed ranges are ignored; accept-ext after q does not count
        ("application/json;q=abc", None),
        ("application/json;q=1.5, application/xml;q=0.1", "xml"),
        ("application/json;q=nan", None),
        ("application/json;q=0.8;level=1, application/xml;q=0.5", "json"),
        (" , ;q=1, application/json", "json"),
    ],
)
def test_preferred_form(accept: str | None, form: str | None) -> None:
    assert preferred_form(accept) == form


# --- transcode: every kind, every media type --------------------------------------------------


@pytest.mark.parametrize("kind", sorted(KINDS))
@pytest.mark.parametrize(
    ("source_type", "accept", "expected_type"),
    [
        (PRECISE_XML, PRECISE_JSON, PRECISE_JSON),
        (f"{PRECISE_XML}; charset=utf-8", PRECISE_JSON, f"{PRECISE_JSON}; charset=utf-8"),
        ("application/xml", PRECISE_JSON, "application/json"),
        ("application/xml;charset=UTF-8", "application/json", "application/json;charset=UTF-8"),
        ("application/vnd.microsoft.ucwa+xml", "application/json", PRECISE_JSON),
    ],
)
def test_xml_to_json_every_kind(
    kind: str, source_type: str, accept: str, expected_type: str
) -> None:
    body = xml_doc(kind)
    new, new_type = transcode(body, source_type, accept)
    assert new_type == expected_type  # precise stays precise, generic stays generic
    assert is_json(new)
    assert new == xml_to_json(body)
    same(new, body)


@pytest.mark.parametrize("kind", sorted(KINDS))
@pytest.mark.parametrize(
    ("source_type", "accept", "expected_type"),
    [
        (PRECISE_JSON, PRECISE_XML, PRECISE_XML),
        (f"{PRECISE_JSON}; charset=utf-8", "application/xml", f"{PRECISE_XML}; charset=utf-8"),
        ("application/json", "application/vnd.microsoft.ucwa+xml", "application/xml"),
    ],
)
def test_json_to_xml_every_kind(
    kind: str, source_type: str, accept: str, expected_type: str
) -> None:
    body = xml_to_json(xml_doc(kind))
    new, new_type = transcode(body, source_type, accept)
    assert new_type == expected_type
    assert new.startswith(b"<?xml")
    assert new == json_to_xml(body)
    same(new, body)


def test_corpus_json_twin_to_xml() -> None:
    twin = (CORPUS / "myAssignedOnlineMeeting/get-json-response.json").read_bytes()
    new, new_type = transcode(twin, "application/json", PRECISE_XML)
    assert new_type == "application/xml"
    same(new, twin)
    error = (CORPUS / "_concepts/ErrorsAndInformationalMessages/01-json.json").read_bytes()
    new, _ = transcode(error, PRECISE_JSON, "application/xml")
    doc = ucwaformat.from_xml(new)
    assert isinstance(doc, ucwaformat.Dto)
    assert doc.kind == "reason" and doc.get("code") == "Conflict"


@pytest.mark.parametrize(
    ("body", "content_type", "accept"),
    [
        (MEETING_XML, PRECISE_XML, PRECISE_XML),  # already in the wanted form
        (MEETING_XML, PRECISE_XML, "application/xml"),
        (MEETING_JSON, "application/json", PRECISE_JSON),
        (MEETING_XML, PRECISE_XML, "*/*"),  # no preference: keep
        (MEETING_XML, PRECISE_XML, None),
        (MEETING_XML, PRECISE_XML, ""),
        (MEETING_JSON, PRECISE_JSON, f"{PRECISE_XML}, {PRECISE_JSON}"),
        (MEETING_XML, PRECISE_XML, "application/json;q=0"),
        (MEETING_XML, PRECISE_XML, "image/png"),
        (MEETING_XML, PRECISE_XML, "application/json;q=0.5, */*"),
    ],
)
def test_kept_form_is_returned_unchanged(body: bytes, content_type: str, accept: str) -> None:
    new, new_type = transcode(body, content_type, accept)
    assert new is body and new_type is content_type


def test_default_form_when_accept_prefers_none() -> None:
    new, new_type = transcode(MEETING_XML, PRECISE_XML, "*/*", default_form="json")
    assert new_type == PRECISE_JSON and new == MEETING_JSON
    # a preference in Accept beats default_form
    new, new_type = transcode(MEETING_XML, PRECISE_XML, PRECISE_XML, default_form="json")
    assert new is MEETING_XML


@pytest.mark.parametrize(
    "content_type",
    [
        "image/png",
        "image/jpeg",
        "application/sdp",
        "text/html; charset=utf-8",
        "text/plain",
        "application/octet-stream",
        "application/x-www-form-urlencoded",
        None,
    ],
)
@pytest.mark.parametrize("body", [PNG, MEETING_XML, b"v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\n", b""])
def test_non_ucwa_bodies_pass_through(content_type: str | None, body: bytes) -> None:
    for accept in (PRECISE_JSON, PRECISE_XML, "*/*"):
        new, new_type = transcode(body, content_type, accept, default_form="json")
        assert new is body and new_type is content_type


@pytest.mark.parametrize("body", [b"", b"  \r\n"])
def test_empty_body_switches_the_type_only(body: bytes) -> None:
    assert transcode(body, f"{PRECISE_XML}; charset=utf-8", PRECISE_JSON) == (
        body,
        f"{PRECISE_JSON}; charset=utf-8",
    )
    assert transcode(body, "application/json", "application/xml") == (body, "application/xml")
    batch_type = "multipart/batching; boundary=x"
    assert transcode(body, batch_type, PRECISE_JSON) == (body, batch_type)


# --- charset ----------------------------------------------------------------------------------

LATIN1_XML = (
    '<?xml version="1.0" encoding="iso-8859-1"?><resource rel="me" href="/me" '
    'xmlns="http://schemas.microsoft.com/rtc/2012/03/ucwa">'
    '<property name="name">José Müller</property></resource>'
).encode("latin-1")


def test_charset_utf8_is_kept_as_written() -> None:
    for written in ("utf-8", "UTF-8", '"utf-8"', "utf8"):
        new, new_type = transcode(MEETING_XML, f"{PRECISE_XML}; charset={written}", PRECISE_JSON)
        assert new_type == f"{PRECISE_JSON}; charset={written}"
        assert new == MEETING_JSON


def test_other_charset_is_decoded_and_becomes_utf8() -> None:
    new, new_type = transcode(LATIN1_XML, f"{PRECISE_XML}; charset=ISO-8859-1", "application/json")
    assert new_type == f"{PRECISE_JSON}; charset=utf-8"
    assert orjson.loads(new)["name"] == "José Müller"
    body = '{"rel": "me", "name": "Zoë"}'.encode("utf-16")
    new, new_type = transcode(body, 'application/json;charset="utf-16"', "application/xml")
    assert new_type == "application/xml;charset=utf-8"
    assert "Zoë".encode() in new and new.startswith(b'<?xml version="1.0" encoding="utf-8"?>')


def test_bad_charset_is_a_format_error() -> None:
    with pytest.raises(UcwaFormatError, match="unknown charset 'klingon'"):
        transcode(MEETING_XML, f"{PRECISE_XML}; charset=klingon", PRECISE_JSON)
    with pytest.raises(UcwaFormatError, match="unknown charset"):
        transcode(MEETING_XML, f"{PRECISE_XML}; charset=rot13", PRECISE_JSON)
    with pytest.raises(UcwaFormatError, match="invalid ascii text") as info:
        transcode(
            b'{"rel":"me",\n"name":"\xff"}', "application/json; charset=ascii", "application/xml"
        )
    assert (info.value.line, info.value.column) == (2, 9)


def test_bom_and_utf16_xml_without_charset() -> None:
    new, _ = transcode(b"\xef\xbb\xbf" + MEETING_JSON, PRECISE_JSON, PRECISE_XML)
    same(new, MEETING_XML)
    new, _ = transcode(MEETING_XML.decode().encode("utf-16"), PRECISE_XML, PRECISE_JSON)
    assert new == MEETING_JSON


# --- batches ----------------------------------------------------------------------------------


def test_batch_parts_go_to_the_accepted_form() -> None:
    new, new_type = transcode(BATCH_RESPONSE, BATCH_RESPONSE_TYPE, PRECISE_JSON)
    assert new_type == BATCH_RESPONSE_TYPE  # the boundary stays valid
    parts = split_batch(new, new_type)
    assert len(parts) == 2
    for number, part in enumerate(parts, 1):
        assert part.header("content-type") == f"{PRECISE_JSON}; charset=utf-8"
        assert is_json(part.body)
        same(part.body, (CORPUS / f"batch/post-xml-response.part{number}.xml").read_bytes())


@pytest.mark.parametrize("accept", ["multipart/batching", None, "*/*", "application/*"])
def test_batch_parts_are_kept_without_a_preference(accept: str | None) -> None:
    new, new_type = transcode(BATCH_RESPONSE, BATCH_RESPONSE_TYPE, accept)
    assert new is BATCH_RESPONSE and new_type is BATCH_RESPONSE_TYPE


def test_batch_default_form_and_accept_list() -> None:
    by_option, _ = transcode(
        BATCH_RESPONSE, BATCH_RESPONSE_TYPE, "multipart/batching", default_form="json"
    )
    by_accept, _ = transcode(
        BATCH_RESPONSE, BATCH_RESPONSE_TYPE, f"multipart/batching, {PRECISE_JSON}"
    )
    assert by_option == by_accept
    assert all(is_json(p.body) for p in split_batch(by_accept, BATCH_RESPONSE_TYPE))
    # parts already in the accepted form: the body is returned as it is
    as_xml, _ = transcode(BATCH_RESPONSE, BATCH_RESPONSE_TYPE, f"multipart/batching, {PRECISE_XML}")
    assert as_xml is BATCH_RESPONSE


def test_batch_request_rewrites_inner_headers() -> None:
    new, _ = transcode(BATCH_REQUEST, BATCH_REQUEST_TYPE, "application/json")
    for part in split_batch(new, BATCH_REQUEST_TYPE):
        assert part.header("accept") == PRECISE_JSON
        assert part.header("content-type") == PRECISE_JSON


def test_batch_with_a_bad_part_or_envelope() -> None:
    broken = BATCH_RESPONSE.replace(b'<property name="logging">', b'<property name="logging>', 1)
    with pytest.raises(UcwaFormatError, match=r"^part 1: .*\(at line 1, column \d+\)"):
        transcode(broken, BATCH_RESPONSE_TYPE, PRECISE_JSON)
    with pytest.raises(UcwaFormatError, match="no boundary parameter"):
        transcode(BATCH_RESPONSE, "multipart/batching", PRECISE_JSON)


# --- errors and options -----------------------------------------------------------------------


def test_malformed_bodies_raise_with_a_position() -> None:
    with pytest.raises(UcwaFormatError) as info:
        transcode(BROKEN_XML, PRECISE_XML, PRECISE_JSON)
    assert info.value.line == 3 and info.value.column is not None
    with pytest.raises(UcwaFormatError) as info:
        transcode(BROKEN_JSON, "application/json", "application/xml")
    assert info.value.line == 2
    with pytest.raises(UcwaFormatError):
        transcode(b"[1, 2]", "application/json", "application/xml")
    with pytest.raises(UcwaFormatError, match="DOCTYPE"):
        transcode(b'<!DOCTYPE x [<!ENTITY a "b">]><resource/>', PRECISE_XML, PRECISE_JSON)


def test_options_reach_the_conversion() -> None:
    losses: list[Loss] = []
    transcode(MEETING_XML, PRECISE_XML, PRECISE_JSON, report=losses)
    assert any(loss.kind == "sub-ms" for loss in losses)
    with pytest.raises(UcwaFormatError, match="millisecond"):
        transcode(MEETING_XML, PRECISE_XML, PRECISE_JSON, strict=True)
    pretty, _ = transcode(MEETING_XML, PRECISE_XML, PRECISE_JSON, pretty=True)
    assert b"\n  " in pretty
    docs, _ = transcode(MEETING_JSON, PRECISE_JSON, PRECISE_XML, dialect="docs")
    assert b'<property name="rel">myAssignedOnlineMeeting</property>' in docs


# --- ASGI middleware ----------------------------------------------------------------------------


class FakeApp:
    """An ASGI application that records what it received and answers as told."""

    def __init__(
        self,
        body: bytes = MEETING_XML,
        content_type: str | None = f"{PRECISE_XML}; charset=utf-8",
        status: int = 200,
        chunks: int = 1,
        headers: Iterable[tuple[bytes, bytes]] = (),
        finish: bool = True,
        raise_after_start: bool = False,
        trailers: bool = False,
    ) -> None:
        self.response = body
        self.content_type = content_type
        self.status = status
        self.chunks = chunks
        self.extra_headers = list(headers)
        self.finish = finish
        self.raise_after_start = raise_after_start
        self.trailers = trailers
        self.calls = 0
        self.scope: dict[str, Any] = {}
        self.body = b""
        self.messages: list[dict[str, Any]] = []

    def header(self, name: str) -> str | None:
        for key, value in self.scope["headers"]:
            if key.decode("latin-1") == name:
                return str(value.decode("latin-1"))
        return None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        self.calls += 1
        self.scope = scope
        if scope["type"] != "http":
            self.messages.append(await receive())
            return
        while True:
            message = await receive()
            self.messages.append(message)
            self.body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = list(self.extra_headers)
        if self.content_type is not None:
            headers.append((b"content-type", self.content_type.encode()))
        headers.append((b"content-length", str(len(self.response)).encode()))
        start: dict[str, Any] = {
            "type": "http.response.start",
            "status": self.status,
            "headers": headers,
        }
        if self.trailers:
            start["trailers"] = True
        await send(start)
        if self.raise_after_start:
            raise RuntimeError("the application broke")
        size = max(1, -(-len(self.response) // self.chunks))
        pieces = [self.response[i : i + size] for i in range(0, len(self.response), size)] or [b""]
        for i, piece in enumerate(pieces):
            last = i == len(pieces) - 1
            if last and not self.finish:
                return
            await send({"type": "http.response.body", "body": piece, "more_body": not last})
        if self.trailers:
            await send({"type": "http.response.trailers", "headers": [(b"x-t", b"1")]})


class Result:
    def __init__(self, messages: list[dict[str, Any]]) -> None:
        self.messages = messages
        starts = [m for m in messages if m["type"] == "http.response.start"]
        assert len(starts) == 1, messages
        self.status: int = starts[0]["status"]
        self.headers = {k.decode(): v.decode() for k, v in starts[0]["headers"]}
        assert len(self.headers) == len(starts[0]["headers"]), "a header repeats"
        bodies = [m for m in messages if m["type"] == "http.response.body"]
        self.body = b"".join(m.get("body", b"") for m in bodies)
        assert not bodies[-1].get("more_body", False)
        self.body_messages = len(bodies)

    def reason(self) -> ucwaformat.Dto:
        ct = self.headers["content-type"]
        doc = ucwaformat.from_json(self.body) if "json" in ct else ucwaformat.from_xml(self.body)
        assert isinstance(doc, ucwaformat.Dto) and doc.kind == "reason"
        return doc


def call_asgi(
    app: Any,
    method: str = "GET",
    headers: Iterable[tuple[str, str]] = (),
    body: bytes = b"",
    *,
    chunks: int = 1,
    path: str = "/ucwa/v1/applications/1/me",
    extensions: dict[str, Any] | None = None,
    disconnect: bool = False,
) -> list[dict[str, Any]]:
    size = max(1, -(-len(body) // chunks))
    pieces = [body[i : i + size] for i in range(0, len(body), size)] or [b""]
    incoming: list[dict[str, Any]] = [
        {"type": "http.request", "body": p, "more_body": i < len(pieces) - 1}
        for i, p in enumerate(pieces)
    ]
    if disconnect:
        incoming = incoming[:1]
        incoming[0]["more_body"] = True
    incoming.append({"type": "http.disconnect"})
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return incoming.pop(0) if incoming else {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope: dict[str, Any] = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers],
        "extensions": extensions or {},
    }
    asyncio.run(app(scope, receive, send))
    return sent


def test_asgi_json_client_gets_json_and_app_gets_xml_accept() -> None:
    app = FakeApp()
    result = Result(call_asgi(UcwaGatewayMiddleware(app), headers=[("Accept", PRECISE_JSON)]))
    assert result.status == 200
    assert result.headers["content-type"] == f"{PRECISE_JSON}; charset=utf-8"
    assert result.headers["content-length"] == str(len(result.body))
    assert result.headers["vary"] == "Accept"
    assert result.body == MEETING_JSON
    assert app.header("accept") == PRECISE_XML


def test_asgi_request_body_is_translated_for_the_app() -> None:
    app = FakeApp(body=b"", content_type=None, status=204)
    headers = [
        ("Content-Type", "application/json"),
        ("Accept", "application/json"),
        ("Transfer-Encoding", "chunked"),
        ("Host", "x"),
    ]
    middleware = UcwaGatewayMiddleware(app, plain_json=True)  # the generic type is UCWA here
    result = Result(call_asgi(middleware, "POST", headers, INPUT_JSON, chunks=5))
    assert result.status == 204
    assert app.header("content-type") == "application/xml"
    assert app.header("accept") == "application/xml"
    assert app.header("transfer-encoding") is None
    assert app.header("content-length") == str(len(app.body))
    assert app.header("host") == "x"
    assert app.body == json_to_xml(INPUT_JSON)
    same(app.body, INPUT_XML)
    # the buffered body is given once, then the server's receive takes over
    assert app.messages[0]["more_body"] is False


def test_asgi_xml_client_passes_through_untouched() -> None:
    app = FakeApp(chunks=3)
    headers = [("Accept", PRECISE_XML), ("Content-Type", PRECISE_XML)]
    result = Result(call_asgi(UcwaGatewayMiddleware(app), "PUT", headers, INPUT_XML, chunks=4))
    assert result.body == MEETING_XML and result.body_messages == 3  # streamed as sent
    assert app.body == INPUT_XML and len(app.messages) == 4
    assert app.header("accept") == PRECISE_XML


def test_asgi_non_ucwa_response_streams_through() -> None:
    app = FakeApp(body=PNG, content_type="image/png", chunks=4)
    result = Result(call_asgi(UcwaGatewayMiddleware(app), headers=[("Accept", "application/json")]))
    assert result.body == PNG and result.body_messages == 4
    assert result.headers == {"content-type": "image/png", "content-length": str(len(PNG))}


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_asgi_every_kind_with_app_form_json(kind: str) -> None:
    """A JSON application, an XML client: the other direction."""
    app = FakeApp(body=xml_to_json(xml_doc(kind)), content_type="application/json", chunks=3)
    middleware = UcwaGatewayMiddleware(app, app_form="json", plain_json=True)
    headers = [("Accept", "application/xml"), ("Content-Type", PRECISE_XML)]
    result = Result(call_asgi(middleware, "POST", headers, INPUT_XML))
    assert result.headers["content-type"] == "application/xml"
    same(result.body, xml_doc(kind))
    assert app.header("content-type") == PRECISE_JSON and app.header("accept") == "application/json"
    assert app.body == INPUT_JSON


def test_asgi_malformed_request_is_a_400_in_the_client_form() -> None:
    app = FakeApp()
    headers = [("Content-Type", "application/json"), ("Accept", "application/json")]
    result = Result(call_asgi(UcwaGatewayMiddleware(app, plain_json=True), "POST", headers, BROKEN_JSON))
    assert app.calls == 0
    assert result.status == 400
    assert result.headers["content-type"] == "application/json; charset=utf-8"
    reason = result.reason()
    assert reason.get("code") == "BadRequest"
    assert "(at line 2, column" in str(reason.get("message"))
    # an XML client talking to a JSON application gets XML
    result = Result(
        call_asgi(
            UcwaGatewayMiddleware(app, app_form="json"),
            "POST",
            [("Content-Type", PRECISE_XML)],
            BROKEN_XML,
        )
    )
    assert result.status == 400 and result.headers["content-type"].startswith(PRECISE_XML)
    assert "(at line 3, column" in str(result.reason().get("message"))


def test_asgi_malformed_response_is_a_502_sent_whole() -> None:
    app = FakeApp(body=BROKEN_XML, chunks=3)
    messages = call_asgi(UcwaGatewayMiddleware(app), headers=[("Accept", PRECISE_JSON)])
    assert [m["type"] for m in messages] == ["http.response.start", "http.response.body"]
    result = Result(messages)
    assert result.status == 502
    assert result.headers["content-type"] == f"{PRECISE_JSON}; charset=utf-8"
    assert result.headers["content-length"] == str(len(result.body))
    reason = result.reason()
    assert reason.get("code") == "ServiceFailure"
    assert "(at line 3, column" in str(reason.get("message"))


def test_asgi_error_response_of_the_app_is_translated() -> None:
    error = xml_doc("reason")
    app = FakeApp(body=error, status=409)
    result = Result(call_asgi(UcwaGatewayMiddleware(app), headers=[("Accept", "application/json")]))
    assert result.status == 409
    assert result.reason().get("code") == "Conflict"
    same(result.body, error)


def test_asgi_request_too_large() -> None:
    app = FakeApp()
    middleware = UcwaGatewayMiddleware(app, max_body_size=100, plain_json=True)
    headers = [("Content-Type", "application/json"), ("Content-Length", str(len(INPUT_JSON)))]
    result = Result(call_asgi(middleware, "POST", headers, INPUT_JSON))
    assert result.status == 413 and result.reason().get("code") == "EntityTooLarge"
    # without a Content-Length, counted as it comes
    result = Result(
        call_asgi(middleware, "POST", [("Content-Type", "application/json")], INPUT_JSON, chunks=4)
    )
    assert result.status == 413 and app.calls == 0
    # a body that needs no translation is not buffered, so not limited
    headers = [("Content-Type", PRECISE_XML)]
    assert Result(call_asgi(middleware, "POST", headers, INPUT_XML)).status == 200


def test_asgi_response_too_large_or_unfinished() -> None:
    middleware = UcwaGatewayMiddleware(FakeApp(chunks=5), max_body_size=200)
    result = Result(call_asgi(middleware, headers=[("Accept", PRECISE_JSON)]))
    assert result.status == 502 and "larger than 200 bytes" in str(result.reason().get("message"))
    middleware = UcwaGatewayMiddleware(FakeApp(chunks=5, finish=False))
    result = Result(call_asgi(middleware, headers=[("Accept", PRECISE_JSON)]))
    assert result.status == 502 and "ended before" in str(result.reason().get("message"))


def test_asgi_app_exception_while_buffering_sends_nothing() -> None:
    sent: list[dict[str, Any]] = []
    app = FakeApp(raise_after_start=True)
    with pytest.raises(RuntimeError, match="the application broke"):
        sent = call_asgi(UcwaGatewayMiddleware(app), headers=[("Accept", PRECISE_JSON)])
    assert sent == []


def test_asgi_client_disconnect_while_reading() -> None:
    app = FakeApp()
    headers = [("Content-Type", PRECISE_JSON)]
    sent = call_asgi(UcwaGatewayMiddleware(app), "POST", headers, INPUT_JSON, disconnect=True)
    assert sent == [] and app.calls == 0


def test_asgi_batch_round_trip_for_a_json_client() -> None:
    json_request, _ = transcode(BATCH_REQUEST, BATCH_REQUEST_TYPE, PRECISE_JSON)
    app = FakeApp(body=BATCH_RESPONSE, content_type=BATCH_RESPONSE_TYPE)
    headers = [("Content-Type", BATCH_REQUEST_TYPE), ("Accept", "multipart/batching")]
    result = Result(call_asgi(UcwaGatewayMiddleware(app), "POST", headers, json_request))
    # the application sees XML parts ...
    for part in split_batch(app.body, BATCH_REQUEST_TYPE):
        assert part.header("accept") == PRECISE_XML
    assert app.header("accept") == "multipart/batching"
    # ... and the client gets the parts in the form its own parts asked for
    assert result.headers["content-type"] == BATCH_RESPONSE_TYPE
    assert result.headers["content-length"] == str(len(result.body))
    parts = split_batch(result.body, BATCH_RESPONSE_TYPE)
    assert [is_json(p.body) for p in parts] == [True, True]
    # an XML client's batch passes through
    app = FakeApp(body=BATCH_RESPONSE, content_type=BATCH_RESPONSE_TYPE)
    result = Result(call_asgi(UcwaGatewayMiddleware(app), "POST", headers, BATCH_REQUEST))
    assert result.body == BATCH_RESPONSE


def test_asgi_head_and_bodiless_statuses() -> None:
    app = FakeApp(body=b"")
    result = Result(call_asgi(UcwaGatewayMiddleware(app), "HEAD", [("Accept", PRECISE_JSON)]))
    assert result.headers["content-type"] == f"{PRECISE_JSON}; charset=utf-8"
    assert "content-length" not in result.headers
    app = FakeApp(body=b"", status=304)
    result = Result(call_asgi(UcwaGatewayMiddleware(app), headers=[("Accept", PRECISE_JSON)]))
    assert result.status == 304 and result.headers["content-type"].startswith(PRECISE_JSON)


def _deflate_raw(data: bytes) -> bytes:
    encoder = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    return encoder.compress(data) + encoder.flush()


@pytest.mark.parametrize(
    ("coding", "encode", "decode"),
    [
        ("gzip", gzip.compress, gzip.decompress),
        ("x-gzip", gzip.compress, gzip.decompress),
        ("deflate", zlib.compress, zlib.decompress),
        ("Deflate", _deflate_raw, zlib.decompress),  # raw deflate in; zlib format out
    ],
)
def test_asgi_compressed_response_is_translated_and_compressed_again(
    coding: str, encode: Callable[[bytes], bytes], decode: Callable[[bytes], bytes]
) -> None:
    app = FakeApp(body=encode(MEETING_XML), headers=[(b"content-encoding", coding.encode())])
    result = Result(call_asgi(UcwaGatewayMiddleware(app), headers=[("Accept", PRECISE_JSON)]))
    assert result.status == 200
    assert result.headers["content-encoding"] == coding
    assert result.headers["content-length"] == str(len(result.body))
    assert result.headers["content-type"] == f"{PRECISE_JSON}; charset=utf-8"
    assert decode(result.body) == MEETING_JSON


def test_asgi_unknown_or_stacked_coding_passes_through(caplog: pytest.LogCaptureFixture) -> None:
    for value in (b"br", b"gzip, br", b"compress"):
        app = FakeApp(body=b"\x1f\x8b...", headers=[(b"content-encoding", value)])
        with caplog.at_level(logging.WARNING, logger="ucwaformat.gateway"):
            result = Result(
                call_asgi(UcwaGatewayMiddleware(app), headers=[("Accept", PRECISE_JSON)])
            )
        assert result.status == 200 and result.body == b"\x1f\x8b...", value
        assert result.headers["content-encoding"] == value.decode()
        assert "passes untranslated" in caplog.text


def test_asgi_broken_or_huge_compressed_response_is_a_502() -> None:
    broken = gzip.compress(MEETING_XML)[:-20]
    app = FakeApp(body=broken, headers=[(b"content-encoding", b"gzip")])
    result = Result(call_asgi(UcwaGatewayMiddleware(app), headers=[("Accept", PRECISE_JSON)]))
    assert result.status == 502
    assert "does not decode" in str(result.reason().get("message"))
    bomb = gzip.compress(b" " * 200_000 + MEETING_XML)
    app = FakeApp(body=bomb, headers=[(b"content-encoding", b"gzip")])
    middleware = UcwaGatewayMiddleware(app, max_body_size=100_000)
    result = Result(call_asgi(middleware, headers=[("Accept", PRECISE_JSON)]))
    assert result.status == 502 and "once decoded" in str(result.reason().get("message"))


def test_asgi_compressed_request_reaches_the_app_decoded() -> None:
    app = FakeApp(body=b"", content_type=None, status=204)
    headers = [("Content-Type", PRECISE_JSON), ("Content-Encoding", "gzip")]
    middleware = UcwaGatewayMiddleware(app)
    result = Result(call_asgi(middleware, "POST", headers, gzip.compress(INPUT_JSON)))
    assert result.status == 204
    assert app.header("content-encoding") is None
    assert app.header("content-length") == str(len(app.body))
    assert app.body == json_to_xml(INPUT_JSON)
    # a body that does not decode, or decodes past the limit
    result = Result(call_asgi(middleware, "POST", headers, b"\x1f\x8b\x08 not gzip"))
    assert result.status == 400 and "does not decode" in str(result.reason().get("message"))
    bomb = gzip.compress(b" " * 200_000 + INPUT_JSON)
    small = UcwaGatewayMiddleware(app, max_body_size=100_000)
    result = Result(call_asgi(small, "POST", headers, bomb))
    assert result.status == 413
    # a coding the gateway cannot undo: the body goes to the application as it came
    app = FakeApp(body=b"", content_type=None, status=204)
    brotli = [("Content-Type", PRECISE_JSON), ("Content-Encoding", "br")]
    Result(call_asgi(UcwaGatewayMiddleware(app), "POST", brotli, b"opaque"))
    assert app.body == b"opaque" and app.header("content-encoding") == "br"


LOSSY_INPUT = b'{"subject": "s", "color": null}'


def test_asgi_losses_are_logged_reported_and_counted(caplog: pytest.LogCaptureFixture) -> None:
    seen: list[tuple[str, Loss]] = []
    app = FakeApp()
    middleware = UcwaGatewayMiddleware(
        app, on_loss=lambda direction, loss: seen.append((direction, loss)), loss_header="X-UCWA-Losses"
    )
    headers = [("Content-Type", PRECISE_JSON), ("Accept", PRECISE_JSON)]
    with caplog.at_level(logging.INFO, logger="ucwaformat.gateway"):
        result = Result(call_asgi(middleware, "POST", headers, LOSSY_INPUT))
    assert result.status == 200
    expected_response: list[Loss] = []
    xml_to_json(MEETING_XML, report=expected_response)
    assert [d for d, _ in seen] == ["request"] + ["response"] * len(expected_response)
    assert seen[0][1].kind == "null" and [loss for _, loss in seen[1:]] == expected_response
    assert result.headers["x-ucwa-losses"] == str(len(seen))
    assert sum("body:" in r.getMessage() for r in caplog.records) == len(seen)
    # a failing callback is logged, never raised
    broken = UcwaGatewayMiddleware(FakeApp(), on_loss=lambda d, loss: 1 / 0)
    result = Result(call_asgi(broken, headers=[("Accept", PRECISE_JSON)]))
    assert result.status == 200 and "on_loss failed" in caplog.text
    # without losses, no header
    plain = UcwaGatewayMiddleware(FakeApp(), loss_header="X-UCWA-Losses")
    result = Result(call_asgi(plain, headers=[("Accept", PRECISE_XML)]))
    assert "x-ucwa-losses" not in result.headers


def test_asgi_strict_per_direction() -> None:
    headers = [("Content-Type", PRECISE_JSON), ("Accept", PRECISE_JSON)]
    request_only = UcwaGatewayMiddleware(FakeApp(), strict="request")
    assert Result(call_asgi(request_only, "POST", headers, LOSSY_INPUT)).status == 400
    assert Result(call_asgi(request_only, headers=[("Accept", PRECISE_JSON)])).status == 200
    response_only = UcwaGatewayMiddleware(FakeApp(), strict="response")
    assert Result(call_asgi(response_only, headers=[("Accept", PRECISE_JSON)])).status == 502
    with pytest.raises(ValueError, match="strict"):
        UcwaGatewayMiddleware(FakeApp(), strict="both")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="loss_header"):
        UcwaGatewayMiddleware(FakeApp(), loss_header="X Losses")


def test_wsgi_compression_and_losses() -> None:
    seen: list[tuple[str, Loss]] = []
    app = FakeWsgiApp(body=gzip.compress(MEETING_XML))
    app.extra_headers = [("Content-Encoding", "gzip")]
    middleware = UcwaGatewayWSGIMiddleware(
        app, on_loss=lambda d, loss: seen.append((d, loss)), loss_header="X-UCWA-Losses"
    )
    headers = [
        ("Content-Type", PRECISE_JSON),
        ("Content-Encoding", "gzip"),
        ("Accept", PRECISE_JSON),
    ]
    status, response_headers, body, _ = call_wsgi(
        middleware, "POST", headers, gzip.compress(LOSSY_INPUT)
    )
    assert status.startswith("200")
    assert "HTTP_CONTENT_ENCODING" not in app.environ
    assert app.body == json_to_xml(LOSSY_INPUT)
    assert response_headers["content-encoding"] == "gzip"
    assert gzip.decompress(body) == MEETING_JSON
    assert response_headers["x-ucwa-losses"] == str(len(seen)) and seen[0][0] == "request"


def test_asgi_vary_is_merged() -> None:
    app = FakeApp(headers=[(b"vary", b"Origin")])
    result = Result(call_asgi(UcwaGatewayMiddleware(app), headers=[("Accept", PRECISE_JSON)]))
    assert result.headers["vary"] == "Origin, Accept"
    app = FakeApp(headers=[(b"vary", b"accept")])
    result = Result(call_asgi(UcwaGatewayMiddleware(app), headers=[("Accept", PRECISE_JSON)]))
    assert result.headers["vary"] == "accept"


def test_asgi_trailers_follow_a_translated_body() -> None:
    app = FakeApp(trailers=True)
    messages = call_asgi(UcwaGatewayMiddleware(app), headers=[("Accept", PRECISE_JSON)])
    assert messages[0]["trailers"] is True
    assert [m["type"] for m in messages][-1] == "http.response.trailers"


def test_asgi_fallbacks_for_the_response_form() -> None:
    # no Accept preference: the form of the client's request body ...
    app = FakeApp()
    headers = [("Content-Type", PRECISE_JSON), ("Accept", "*/*")]
    result = Result(call_asgi(UcwaGatewayMiddleware(app), "POST", headers, INPUT_JSON))
    assert result.body == MEETING_JSON
    # ... else client_form, else what the application sent
    result = Result(call_asgi(UcwaGatewayMiddleware(FakeApp(), client_form="json")))
    assert result.body == MEETING_JSON
    result = Result(call_asgi(UcwaGatewayMiddleware(FakeApp())))
    assert result.body == MEETING_XML


def test_asgi_other_scopes_and_excluded_paths() -> None:
    app = FakeApp()
    middleware = UcwaGatewayMiddleware(app, exclude_paths=["/WebTicket/"])
    sent: list[dict[str, Any]] = []

    async def lifespan() -> None:
        async def receive() -> dict[str, Any]:
            return {"type": "lifespan.startup"}

        async def send(message: Any) -> None:
            sent.append(message)

        await middleware({"type": "lifespan"}, receive, send)

    asyncio.run(lifespan())
    assert app.messages == [{"type": "lifespan.startup"}]
    token = b'{"access_token": "x", "expires_in": 3600}'
    app = FakeApp(body=token, content_type="application/json")
    middleware = UcwaGatewayMiddleware(app, exclude_paths=["/WebTicket/"])
    path = "/WebTicket/oauthtoken"
    result = Result(call_asgi(middleware, headers=[("Accept", PRECISE_XML)], path=path))
    assert result.body == token and "vary" not in result.headers


def test_asgi_plain_json_is_not_ucwa_unless_asked() -> None:
    # an OAuth token response: plain application/json, not a UCWA document
    token = b'{"access_token": "x", "expires_in": 3600}'
    app = FakeApp(body=token, content_type="application/json")
    result = Result(call_asgi(UcwaGatewayMiddleware(app), headers=[("Accept", PRECISE_XML)]))
    assert result.body == token and result.headers["content-type"] == "application/json"
    assert "vary" not in result.headers
    # a plain JSON request body reaches an XML application as it was sent ...
    app = FakeApp(body=b"", content_type=None, status=204)
    headers = [("Content-Type", "application/json")]
    call_asgi(UcwaGatewayMiddleware(app), "POST", headers, INPUT_JSON)
    assert app.body == INPUT_JSON and app.header("content-type") == "application/json"
    # ... unless plain_json says that the generic type names UCWA documents too
    app = FakeApp(body=b"", content_type=None, status=204)
    call_asgi(UcwaGatewayMiddleware(app, plain_json=True), "POST", headers, INPUT_JSON)
    assert app.body == json_to_xml(INPUT_JSON) and app.header("content-type") == "application/xml"
    app = FakeApp(body=MEETING_JSON, content_type="application/json")
    middleware = UcwaGatewayMiddleware(app, plain_json=True)
    result = Result(call_asgi(middleware, headers=[("Accept", PRECISE_XML)]))
    assert result.headers["content-type"] == "application/xml"
    same(result.body, MEETING_XML)
    # the precise type is UCWA either way
    app = FakeApp(body=MEETING_JSON, content_type=PRECISE_JSON)
    result = Result(call_asgi(UcwaGatewayMiddleware(app), headers=[("Accept", PRECISE_XML)]))
    same(result.body, MEETING_XML)


def test_asgi_hides_unbufferable_extensions() -> None:
    app = FakeApp()
    extensions: dict[str, Any] = {"http.response.pathsend": {}, "http.response.trailers": {}}
    call_asgi(UcwaGatewayMiddleware(app), extensions=extensions)
    assert set(app.scope["extensions"]) == {"http.response.trailers"}


def test_asgi_unexpected_failure_is_logged_not_raised(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def boom(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("bug")

    monkeypatch.setattr(gw._exchange, "_convert", boom)
    with caplog.at_level(logging.ERROR, logger="ucwaformat.gateway"):
        result = Result(
            call_asgi(UcwaGatewayMiddleware(FakeApp()), headers=[("Accept", PRECISE_JSON)])
        )
        assert result.status == 502
        result = Result(
            call_asgi(
                UcwaGatewayMiddleware(FakeApp()),
                "POST",
                [("Content-Type", PRECISE_JSON)],
                INPUT_JSON,
            )
        )
        assert result.status == 500
    assert "bug" in caplog.text


def test_error_media_type_follows_the_client() -> None:
    app = FakeApp()
    for headers, expected in [
        ([("Content-Type", "application/json")], "application/json; charset=utf-8"),
        ([("Content-Type", PRECISE_JSON)], f"{PRECISE_JSON}; charset=utf-8"),
        (
            [("Content-Type", PRECISE_JSON), ("Accept", "application/xml")],
            "application/xml; charset=utf-8",
        ),
        (
            [
                ("Content-Type", "application/json"),
                ("Accept", "application/vnd.microsoft.ucwa+xml"),
            ],
            f"{PRECISE_XML}; charset=utf-8",
        ),
    ]:
        middleware = UcwaGatewayMiddleware(app, plain_json=True)
        result = Result(call_asgi(middleware, "POST", headers, b"{"))
        assert result.status == 400 and result.headers["content-type"] == expected
        result.reason()


def test_middleware_options_are_checked() -> None:
    app = FakeApp()
    with pytest.raises(ValueError, match="app_form"):
        UcwaGatewayMiddleware(app, app_form="yaml")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="client_form"):
        UcwaGatewayWSGIMiddleware(app, client_form="yaml")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="dialect"):
        UcwaGatewayMiddleware(app, dialect="odd")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="max_body_size"):
        UcwaGatewayMiddleware(app, max_body_size=-1)
    with pytest.raises(TypeError, match="max_body_size"):
        UcwaGatewayMiddleware(app, max_body_size=1.5)  # type: ignore[arg-type]


def test_starlette_app_behind_the_middleware() -> None:
    pytest.importorskip("starlette", reason="starlette is in the test extra")
    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    seen: list[bytes] = []

    async def meeting(request: Request) -> Response:
        seen.append(await request.body())
        return Response(MEETING_XML, media_type=PRECISE_XML)

    app = Starlette(
        routes=[Route("/meeting", meeting, methods=["GET", "POST"])],
        middleware=[Middleware(UcwaGatewayMiddleware, app_form="xml")],
    )
    headers = [("Accept", PRECISE_JSON), ("Content-Type", PRECISE_JSON)]
    result = Result(call_asgi(app, "POST", headers, INPUT_JSON, path="/meeting"))
    assert result.status == 200 and result.body == MEETING_JSON
    assert result.headers["content-type"] == PRECISE_JSON
    assert seen == [json_to_xml(INPUT_JSON)]


# --- WSGI middleware --------------------------------------------------------------------------


class FakeWsgiApp:
    """A WSGI application: records the environ and body, answers as told."""

    def __init__(
        self,
        body: bytes = MEETING_XML,
        content_type: str | None = f"{PRECISE_XML}; charset=utf-8",
        status: str = "200 OK",
        chunks: int = 1,
        lazy: bool = False,
        use_write: bool = False,
        fail: bool = False,
    ) -> None:
        self.response = body
        self.content_type = content_type
        self.status = status
        self.chunks = chunks
        self.lazy = lazy
        self.use_write = use_write
        self.fail = fail
        self.environ: dict[str, Any] = {}
        self.body = b""
        self.calls = 0
        self.closed = False
        self.extra_headers: list[tuple[str, str]] = []

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        self.calls += 1
        self.environ = environ
        length = int(environ.get("CONTENT_LENGTH") or 0)
        self.body = environ["wsgi.input"].read(length) if length else b""
        headers = [] if self.content_type is None else [("Content-Type", self.content_type)]
        headers += self.extra_headers
        headers.append(("Content-Length", str(len(self.response))))
        size = max(1, -(-len(self.response) // self.chunks))
        pieces = [self.response[i : i + size] for i in range(0, len(self.response), size)]
        if self.use_write:
            write = start_response(self.status, headers)
            for piece in pieces:
                write(piece)
            return []
        app = self

        class Body:
            def __iter__(self) -> Iterator[bytes]:
                if app.lazy:
                    start_response(app.status, headers)
                for i, piece in enumerate(pieces):
                    if app.fail and i:
                        raise RuntimeError("the application broke")
                    yield piece

            def close(self) -> None:
                app.closed = True

        if not self.lazy:
            start_response(self.status, headers)
        return Body()


def call_wsgi(
    app: Any,
    method: str = "GET",
    headers: Iterable[tuple[str, str]] = (),
    body: bytes = b"",
    *,
    path: str = "/ucwa/v1/applications/1/me",
    length: bool = True,
) -> tuple[str, dict[str, str], bytes, int]:
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method,
        "SCRIPT_NAME": "",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": io.StringIO(),
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    if length:
        environ["CONTENT_LENGTH"] = str(len(body))
    else:
        environ["wsgi.input_terminated"] = True
    for name, value in headers:
        key = name.upper().replace("-", "_")
        environ[key if key in ("CONTENT_TYPE", "CONTENT_LENGTH") else f"HTTP_{key}"] = value
    started: list[tuple[str, list[tuple[str, str]]]] = []

    def start_response(status: str, response_headers: Any, exc_info: Any = None) -> Any:
        started.append((status, list(response_headers)))
        return lambda data: None

    result = app(environ, start_response)
    try:
        items = list(result)
    finally:
        if hasattr(result, "close"):
            result.close()
    assert len(started) == 1
    status, response_headers = started[0]
    names = [k.lower() for k, _ in response_headers]
    assert len(names) == len(set(names)), "a header repeats"
    return status, {k.lower(): v for k, v in response_headers}, b"".join(items), len(items)


def wsgi_reason(headers: dict[str, str], body: bytes) -> ucwaformat.Dto:
    doc = (
        ucwaformat.from_json(body)
        if "json" in headers["content-type"]
        else ucwaformat.from_xml(body)
    )
    assert isinstance(doc, ucwaformat.Dto) and doc.kind == "reason"
    return doc


@pytest.mark.parametrize(("lazy", "use_write"), [(False, False), (True, False), (False, True)])
def test_wsgi_json_client_gets_json(lazy: bool, use_write: bool) -> None:
    app = FakeWsgiApp(chunks=3, lazy=lazy, use_write=use_write)
    status, headers, body, _ = call_wsgi(
        UcwaGatewayWSGIMiddleware(app), headers=[("Accept", PRECISE_JSON)]
    )
    assert status == "200 OK"
    assert headers["content-type"] == f"{PRECISE_JSON}; charset=utf-8"
    assert headers["content-length"] == str(len(body))
    assert body == MEETING_JSON
    assert app.environ["HTTP_ACCEPT"] == PRECISE_XML
    assert app.closed or use_write


def test_wsgi_request_body_is_translated_for_the_app() -> None:
    app = FakeWsgiApp()
    headers = [("Content-Type", PRECISE_JSON), ("Accept", PRECISE_JSON)]
    for length in (True, False):
        status, _, body, _ = call_wsgi(
            UcwaGatewayWSGIMiddleware(app), "POST", headers, INPUT_JSON, length=length
        )
        assert status == "200 OK" and body == MEETING_JSON
        assert app.environ["CONTENT_TYPE"] == PRECISE_XML
        assert app.environ["CONTENT_LENGTH"] == str(len(app.body))
        same(app.body, INPUT_XML)


def test_wsgi_passthrough_streams() -> None:
    app = FakeWsgiApp(body=PNG, content_type="image/png", chunks=4)
    _, headers, body, items = call_wsgi(
        UcwaGatewayWSGIMiddleware(app), headers=[("Accept", PRECISE_JSON)]
    )
    assert body == PNG and items == 4 and app.closed
    assert headers == {"content-type": "image/png", "content-length": str(len(PNG))}
    app = FakeWsgiApp(chunks=2, lazy=True)
    _, _, body, items = call_wsgi(UcwaGatewayWSGIMiddleware(app), headers=[("Accept", "*/*")])
    assert body == MEETING_XML and items == 2


def test_wsgi_errors() -> None:
    app = FakeWsgiApp()
    headers = [("Content-Type", "application/json"), ("Accept", "application/json")]
    status, response_headers, body, _ = call_wsgi(
        UcwaGatewayWSGIMiddleware(app, plain_json=True), "POST", headers, BROKEN_JSON
    )
    assert status == "400 Bad Request" and app.calls == 0
    assert response_headers["content-type"] == "application/json; charset=utf-8"
    assert "(at line 2, column" in str(wsgi_reason(response_headers, body).get("message"))

    app = FakeWsgiApp(body=BROKEN_XML, chunks=2)
    status, response_headers, body, _ = call_wsgi(
        UcwaGatewayWSGIMiddleware(app), headers=[("Accept", PRECISE_JSON)]
    )
    assert status == "502 Bad Gateway" and app.closed
    assert wsgi_reason(response_headers, body).get("code") == "ServiceFailure"

    middleware = UcwaGatewayWSGIMiddleware(FakeWsgiApp(), max_body_size=50, plain_json=True)
    for length in (True, False):
        status, response_headers, body, _ = call_wsgi(
            middleware, "POST", [("Content-Type", "application/json")], INPUT_JSON, length=length
        )
        assert status == "413 Request Entity Too Large"
        assert wsgi_reason(response_headers, body).get("code") == "EntityTooLarge"
    status, _, _, _ = call_wsgi(middleware, headers=[("Accept", PRECISE_JSON)])
    assert status == "502 Bad Gateway"


def test_wsgi_app_exception_closes_and_propagates() -> None:
    app = FakeWsgiApp(chunks=3, fail=True)
    with pytest.raises(RuntimeError, match="the application broke"):
        call_wsgi(UcwaGatewayWSGIMiddleware(app), headers=[("Accept", PRECISE_JSON)])
    assert app.closed


def test_wsgi_batch_and_error_kinds() -> None:
    json_request, _ = transcode(BATCH_REQUEST, BATCH_REQUEST_TYPE, PRECISE_JSON)
    app = FakeWsgiApp(body=BATCH_RESPONSE, content_type=BATCH_RESPONSE_TYPE)
    headers = [("Content-Type", BATCH_REQUEST_TYPE), ("Accept", "multipart/batching")]
    _, response_headers, body, _ = call_wsgi(
        UcwaGatewayWSGIMiddleware(app), "POST", headers, json_request
    )
    assert all(p.header("accept") == PRECISE_XML for p in split_batch(app.body, BATCH_REQUEST_TYPE))
    assert [is_json(p.body) for p in split_batch(body, BATCH_RESPONSE_TYPE)] == [True, True]
    assert response_headers["content-length"] == str(len(body))

    app = FakeWsgiApp(body=xml_doc("reason"), status="409 Conflict")
    status, response_headers, body, _ = call_wsgi(
        UcwaGatewayWSGIMiddleware(app), headers=[("Accept", "application/json")]
    )
    assert (
        status == "409 Conflict" and wsgi_reason(response_headers, body).get("code") == "Conflict"
    )


def test_wsgi_excluded_path() -> None:
    app = FakeWsgiApp()
    middleware = UcwaGatewayWSGIMiddleware(app, exclude_paths="/WebTicket")
    _, _, body, _ = call_wsgi(middleware, headers=[("Accept", PRECISE_JSON)], path="/WebTicket/x")
    assert body == MEETING_XML


def test_asgi_translated_response_has_a_weak_etag_and_conditions_go_back_strong() -> None:
    app = FakeApp(headers=[(b"etag", b'"v1"')])
    middleware = UcwaGatewayMiddleware(app)
    result = Result(call_asgi(middleware, headers=[("Accept", PRECISE_JSON)]))
    assert result.headers["etag"] == 'W/"v1"'  # JSON is another representation
    # the client's conditions reach the application with its own tags
    headers = [
        ("Accept", PRECISE_JSON),
        ("If-None-Match", 'W/"v1", "v0"'),
        ("If-Match", 'W/"v1"'),
    ]
    Result(call_asgi(middleware, headers=headers))
    assert app.header("if-none-match") == '"v1", "v0"'
    assert app.header("if-match") == '"v1"'
    # untranslated: the application's tag as it is; a weak one stays weak
    result = Result(call_asgi(middleware, headers=[("Accept", PRECISE_XML)]))
    assert result.headers["etag"] == '"v1"'
    weak = UcwaGatewayMiddleware(FakeApp(headers=[(b"etag", b'W/"v2"')]))
    assert Result(call_asgi(weak, headers=[("Accept", PRECISE_JSON)])).headers["etag"] == 'W/"v2"'
    # HEAD translated without its body, and a compressed body, alike
    head = UcwaGatewayMiddleware(FakeApp(body=b"", headers=[(b"etag", b'"v3"')]))
    assert Result(call_asgi(head, "HEAD", [("Accept", PRECISE_JSON)])).headers["etag"] == 'W/"v3"'
    gz = FakeApp(
        body=gzip.compress(MEETING_XML),
        headers=[(b"etag", b'"v4"'), (b"content-encoding", b"gzip")],
    )
    result = Result(call_asgi(UcwaGatewayMiddleware(gz), headers=[("Accept", PRECISE_JSON)]))
    assert result.headers["etag"] == 'W/"v4"'


def test_wsgi_conditions_go_back_strong() -> None:
    app = FakeWsgiApp()
    app.extra_headers = [("ETag", '"v1"')]
    status, headers, _, _ = call_wsgi(
        UcwaGatewayWSGIMiddleware(app),
        headers=[("Accept", PRECISE_JSON), ("If-None-Match", 'W/"v1"')],
    )
    assert status.startswith("200") and headers["etag"] == 'W/"v1"'
    assert app.environ["HTTP_IF_NONE_MATCH"] == '"v1"'


def test_limits_reach_the_gateway_conversions() -> None:
    # limits= (ucwaformat.Limits) bounds what the middleware translates, both ways, as for
    # every conversion; a body over them is refused like any bad body (400 / 502).
    from ucwaformat import Limits

    tight = Limits(max_value_size=10)
    app = FakeApp()
    headers = [("Content-Type", PRECISE_JSON), ("Accept", PRECISE_JSON)]
    body = b'{"subject":"' + b"s" * 11 + b'"}'
    assert Result(call_asgi(UcwaGatewayMiddleware(app), "POST", headers, body)).status == 200
    result = Result(call_asgi(UcwaGatewayMiddleware(app, limits=tight), "POST", headers, body))
    assert result.status == 400
    assert "at most 10 are read" in str(result.reason().get("message"))
    # the application's XML response (MEETING_XML's values are longer than 10 characters)
    result = Result(
        call_asgi(UcwaGatewayMiddleware(FakeApp(), limits=tight), headers=[("Accept", PRECISE_JSON)])
    )
    assert result.status == 502
    with pytest.raises(TypeError, match="limits must be a Limits"):
        UcwaGatewayMiddleware(app, limits=10)  # type: ignore[arg-type]
    with pytest.raises(UcwaFormatError, match="at most 10 are read"):
        transcode(body, PRECISE_JSON, PRECISE_XML, limits=tight)
