"""multipart/batching envelopes (FORMAT.md §1, §12, Q9): the corpus samples and small inline cases."""

from __future__ import annotations

import contextlib
import json
import re
import time

import pytest
from data_paths import CORPUS
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

import ucwaformat
from ucwaformat import Loss, UcwaFormatError, json_to_xml
from ucwaformat._batch import (
    convert_batch,
    convert_media_type,
    is_ucwa_media_type,
    split_batch,
)

MANIFEST = {
    entry["file"]: entry for entry in json.loads((CORPUS / "manifest.json").read_bytes())["files"]
}

XML_SAMPLES = ["batch/post-xml-request.mime", "batch/post-xml-response.mime"]
DAMAGED = [
    "batch/post-json-request.mime",
    "batch/post-json-response.mime",
    "_concepts/BatchingRequests/01-multipart.mime",
    "_concepts/GroupingRequestsInABatch/01-multipart.mime",
]
CAPTURE = "_concepts/BatchingRequests/02-multipart.mime"  # `?` for BOMs, `{ ... }` placeholders


def test_corpus_has_every_envelope() -> None:
    found = {str(p.relative_to(CORPUS)) for p in CORPUS.rglob("*.mime")}
    assert found == {*XML_SAMPLES, *DAMAGED, CAPTURE}


# --- helpers ----------------------------------------------------------------------------------


def envelope(name: str) -> tuple[bytes, str]:
    """The corpus envelope and its Content-Type (boundary from the first `--` line if missing)."""
    data = (CORPUS / name).read_bytes()
    content_type: str = MANIFEST[name]["content_type"]
    if "boundary" not in content_type.lower():
        first = next(line for line in data.splitlines() if line.startswith(b"--"))
        content_type = f"multipart/batching;boundary={first[2:].rstrip().decode()}"
    return data, content_type


def crlf(data: bytes) -> bytes:
    return data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


UCWA_TYPE = rb"application/(?:vnd\.microsoft(?:\.com)?\.ucwa\+)?(?:xml|json)"


def normalise(data: bytes, content_type: str) -> bytes:
    """The envelope with UCWA bodies, UCWA Content-Type/Accept values and Content-Length blanked."""
    for part in split_batch(data, content_type):
        kind = is_ucwa_media_type(part.header("Content-Type") or "")
        if kind is not None and part.body.strip():
            data = data.replace(part.body, b"<BODY>", 1)
    data = re.sub(rb"(?im)^((?:content-type|accept)[ \t]*:[ \t]*)" + UCWA_TYPE, rb"\1<UCWA>", data)
    return re.sub(rb"(?im)^(content-length[ \t]*:[ \t]*)[0-9]+", rb"\1<N>", data)


def c14n(xml: bytes) -> bytes:
    """Canonical XML, whitespace-only text between elements ignored."""
    parser = etree.XMLParser(remove_blank_text=True, resolve_entities=False, no_network=True)
    return etree.tostring(etree.fromstring(xml, parser), method="c14n")


def framing_is_crlf(data: bytes, content_type: str) -> bool:
    """Every line end outside the bodies is CRLF."""
    for part in split_batch(data, content_type):
        if part.body:
            data = data.replace(part.body, b"", 1)
    return b"\n" not in data.replace(b"\r\n", b"")


def envelope_of(*parts: bytes, boundary: bytes = b"B", eol: bytes = b"\r\n") -> bytes:
    """A small envelope; the parts are written with LF and get ``eol``."""
    out = b""
    for part in parts:
        out += b"--" + boundary + b"\n" + part + b"\n"
    return (out + b"--" + boundary + b"--\n").replace(b"\n", eol)


CT = "multipart/batching;boundary=B"
XML_BODY = (
    b'<?xml version="1.0" encoding="utf-8"?><resource rel="me" href="/ucwa/v1/me" '
    b'xmlns="http://schemas.microsoft.com/rtc/2012/03/ucwa"><property name="name">Dana</property>'
    b"</resource>"
)
JSON_BODY = b'{"rel":"me","name":"Dana","_links":{"self":{"href":"/ucwa/v1/me"}}}'


def response_part(content_type: bytes, body: bytes, extra: bytes = b"") -> bytes:
    return (
        b"Content-Type: application/http; msgtype=response\n\nHTTP/1.1 200 OK\n"
        + extra
        + b"Content-Type: "
        + content_type
        + b"\n\n"
        + body
    )


# --- the corpus samples -----------------------------------------------------------------------


@pytest.mark.parametrize("name", XML_SAMPLES)
def test_xml_sample_round_trips_through_json(name: str) -> None:
    data, content_type = envelope(name)
    as_json = convert_batch(data, content_type, to="json")
    back = convert_batch(as_json, content_type, to="xml")
    expected = crlf(data)
    # Framing kept byte for byte (CRLF written), apart from bodies, their types and lengths.
    assert framing_is_crlf(as_json, content_type)
    assert normalise(as_json, content_type) == normalise(expected, content_type)
    assert normalise(back, content_type) == normalise(expected, content_type)
    # Only the lengths differ after the round trip (the docs' part Content-Length is wrong).
    assert re.sub(rb"Content-Length: [0-9]+", b"", back) == re.sub(
        rb"Content-Length: [0-9]+", b"", expected
    )
    before, middle, after = (split_batch(d, content_type) for d in (expected, as_json, back))
    assert len(before) == len(middle) == len(after) == 2
    for old, mid, new in zip(before, middle, after, strict=True):
        assert mid.start_line == old.start_line
        for header, value in mid.headers:
            if header in ("Content-Type", "Accept"):
                assert value == "application/vnd.microsoft.com.ucwa+json" + (
                    "; charset=utf-8" if "charset" in value else ""
                )
        assert [h for h, _ in mid.headers] == [h for h, _ in old.headers]
        assert new.headers == old.headers
        if old.body:
            assert isinstance(json.loads(mid.body), dict)
            assert c14n(new.body) == c14n(old.body)
        else:
            assert mid.body == new.body == b""


def test_xml_response_parts_match_the_part_files() -> None:
    data, content_type = envelope("batch/post-xml-response.mime")
    parts = split_batch(data, content_type)
    assert [p.number for p in parts] == [1, 2]
    for part in parts:
        expected = (CORPUS / f"batch/post-xml-response.part{part.number}.xml").read_bytes()
        assert part.body == expected.rstrip(b"\n")
        assert c14n(part.body) == c14n(expected)
        assert part.start_line == "HTTP/1.1 200 OK"
        assert part.part_headers == (("Content-Type", "application/http; msgtype=response"),)
        assert part.header("content-type") == MANIFEST[
            f"batch/post-xml-response.part{part.number}.xml"
        ]["content_type"].replace(";", "; ").replace(";  ", "; ")


def test_xml_response_json_bodies_carry_the_parts() -> None:
    data, content_type = envelope("batch/post-xml-response.mime")
    parts = split_batch(convert_batch(data, content_type, to="json"), content_type)
    rels = [json.loads(p.body)["rel"] for p in parts]
    assert rels == ["policies", "phones"]
    phones = json.loads(parts[1].body)["_embedded"]["phone"]
    assert [p["type"] for p in phones] == ["work", "mobile", "home", "other"]
    assert phones[0]["includeInContactCard"] is True


@pytest.mark.parametrize("name", DAMAGED)
@pytest.mark.parametrize("to", ["xml", "json"])
def test_damaged_envelopes_keep_their_framing(name: str, to: str) -> None:
    data, content_type = envelope(name)
    out = convert_batch(data, content_type, to=to)  # type: ignore[arg-type]
    assert framing_is_crlf(out, content_type)
    assert normalise(out, content_type) == normalise(crlf(data), content_type)
    before, after = split_batch(data, content_type), split_batch(out, content_type)
    assert [p.start_line for p in after] == [p.start_line for p in before]
    for old, new in zip(before, after, strict=True):
        assert [h for h in new.part_headers if h[0] != "Content-Length"] == [
            h for h in old.part_headers if h[0] != "Content-Length"
        ]
        assert [h for h, _ in new.headers] == [h for h, _ in old.headers]
        for (header, old_value), (_, new_value) in zip(old.headers, new.headers, strict=True):
            if is_ucwa_media_type(old_value) and header.lower() in ("content-type", "accept"):
                assert new_value == convert_media_type(old_value, to)  # type: ignore[arg-type]
                assert is_ucwa_media_type(new_value) == to
            elif header.lower() != "content-length":
                assert new_value == old_value
    # Converting again to the same form changes nothing.
    assert convert_batch(out, content_type, to=to) == out  # type: ignore[arg-type]


def test_damaged_json_request_keeps_mangled_start_lines_and_spaced_colons() -> None:
    data, content_type = envelope("batch/post-json-request.mime")
    out = convert_batch(data, content_type, to="xml")
    assert b"\r\nGET/ucwa/v1/applications/11540713861/policiesHTTP/1.1\r\n" in out
    assert b"\r\nAccept : application/vnd.microsoft.com.ucwa+xml\r\n" in out
    assert b"\r\nContent-Type : application/vnd.microsoft.com.ucwa+xml\r\n" in out
    assert b"\r\nContent-Type : application/http;msgtype=request\r\n" in out
    assert b"\r\nHost : fe1.contoso.com\r\n" in out
    assert out.endswith(b"\r\n--EA370946--\r\n")


def test_damaged_json_response_bodies_match_the_part_files() -> None:
    data, content_type = envelope("batch/post-json-response.mime")
    parts = split_batch(data, content_type)
    assert [p.start_line for p in parts] == ["HTTP/1.1200OK", "HTTP/1.1200OK"]
    out = split_batch(convert_batch(data, content_type, to="xml"), content_type)
    for part, converted in zip(parts, out, strict=True):
        expected = (CORPUS / f"batch/post-json-response.part{part.number}.json").read_bytes()
        assert json.loads(part.body) == json.loads(expected)
        assert (
            converted.header("Content-Type")
            == "application/vnd.microsoft.com.ucwa+xml;charset=utf-8"
        )
        assert c14n(converted.body) == c14n(json_to_xml(expected))


def test_bodiless_request_without_blank_line() -> None:
    data, content_type = envelope("_concepts/BatchingRequests/01-multipart.mime")
    out = convert_batch(data, content_type, to="xml")
    boundary = b"--77f2569d-c005-442b-b856-782305305e5f"
    assert out == crlf(data).replace(b"Accept: application/json", b"Accept: application/xml")
    # The headers end with the delimiter's line break: there is no blank line, and none is added.
    assert b"Accept: application/xml\r\n\r\n" + boundary + b"\r\n" in out
    assert [p.body for p in split_batch(out, content_type)] == [b"", b""]
    assert out.endswith(boundary + b"--\r\n")


def test_preamble_and_missing_closing_delimiter() -> None:
    data, content_type = envelope("_concepts/GroupingRequestsInABatch/01-multipart.mime")
    assert "boundary=77f2569d" in content_type
    parts = split_batch(data, content_type)
    assert [p.start_line.split()[1].rsplit("/", 1)[1] for p in parts] == ["contacts", "me"]
    out = convert_batch(data, content_type, to="xml")
    assert out.startswith(b"...\r\n\r\n--77f2569d\r\n")
    assert out.endswith(b"Accept: application/xml\r\n\r\n\r\n--77f2569d\r\n")  # not repaired
    assert out == crlf(data).replace(b"Accept: application/json", b"Accept: application/xml")


def test_end_of_input_closes_a_part() -> None:
    data = (
        b"--B\nContent-Type: application/http\n\nHTTP/1.1 200 OK\nContent-Type: application/xml\n\n"
    )
    out = convert_batch(data + XML_BODY + b"\n", CT, to="json")
    assert out.startswith(crlf(data).replace(b"application/xml", b"application/json"))
    assert out.endswith(b"}\r\n")
    assert json.loads(split_batch(out, CT)[0].body)["name"] == "Dana"
    assert convert_batch(data + XML_BODY, CT, to="json").endswith(b"}")


def capture() -> tuple[bytes, str]:
    """The real capture with its `?` lines turned back into the BOMs they stand for."""
    data, content_type = envelope(CAPTURE)
    assert data.count(b"\n?\n") == 2
    return data.replace(b"\n?\n", b"\n\xef\xbb\xbf"), content_type


def test_capture_with_placeholders_raises_with_the_part_number() -> None:
    data, content_type = envelope(CAPTURE)
    with pytest.raises(UcwaFormatError, match=r"^part 1: ") as info:
        convert_batch(data, content_type, to="xml")  # the `?` line
    assert (info.value.line, info.value.column) == (1, 1)
    with pytest.raises(UcwaFormatError, match=r"^part 1: ") as info:
        convert_batch(capture()[0], content_type, to="xml")  # the `{ ... }` placeholder
    assert info.value.line == 30
    assert info.value.column is not None
    assert "(at line 30, column" in str(info.value)


def test_capture_framing_survives_and_boms_are_dropped() -> None:
    data, content_type = capture()
    fixed = data.replace(b"{ ... }", b'{"href":"/x"}')
    out = convert_batch(fixed, content_type, to="xml")
    parts = split_batch(out, content_type)
    assert [p.header("Content-Type") for p in parts] == ["application/xml; charset=utf-8"] * 2
    for part in parts:
        assert part.body.startswith(b'<?xml version="1.0" encoding="utf-8"?><resource')
    assert b"\xef\xbb\xbf" not in out
    assert normalise(out, content_type) == normalise(crlf(fixed), content_type)
    # Already JSON: bodies are kept as they are (BOM and LF line ends included).
    same = convert_batch(fixed, content_type, to="json")
    bodies = [p.body for p in split_batch(fixed, content_type)]
    assert [p.body for p in split_batch(same, content_type)] == bodies
    assert all(body.startswith(b"\xef\xbb\xbf{\n") for body in bodies)
    assert framing_is_crlf(same, content_type)
    assert normalise(same, content_type) == normalise(crlf(fixed), content_type)


# --- inline envelopes -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content_type",
    [
        "multipart/batching;boundary=EA370946",
        'multipart/batching;boundary="EA370946"',
        'multipart/batching; boundary="EA370946"',
        "Multipart/Batching; charset=x; BOUNDARY = EA370946 ",
        'multipart/batching; boundary="EA\\370946"',
    ],
)
def test_quoted_and_unquoted_boundaries(content_type: str) -> None:
    data = envelope_of(response_part(b"application/xml", XML_BODY), boundary=b"EA370946")
    out = convert_batch(data, content_type, to="json")
    assert out.startswith(b"--EA370946\r\n") and out.endswith(b"\r\n--EA370946--\r\n")
    assert json.loads(split_batch(out, content_type)[0].body)["rel"] == "me"


def test_boundary_with_quoted_special_characters() -> None:
    content_type = 'multipart/batching; boundary="a b;c=d"'
    data = envelope_of(response_part(b"application/xml", XML_BODY), boundary=b"a b;c=d")
    assert len(split_batch(data, content_type)) == 1
    # A line that only starts like the boundary is not a delimiter.
    with pytest.raises(UcwaFormatError, match="no boundary line '--a'"):
        convert_batch(data, "multipart/batching; boundary=a", to="json")


def test_lf_input_is_written_with_crlf() -> None:
    lf = envelope_of(
        response_part(b"application/vnd.microsoft.com.ucwa+xml", XML_BODY, b"X-A: 1\n"),
        b"Content-Type: application/http; msgtype=request\n\nGET /x HTTP/1.1\nAccept: application/xml\n",
        eol=b"\n",
    )
    out = convert_batch(b"preamble\n" + lf + b"epilogue\nline\n", CT, to="json")
    assert b"\n" not in out.replace(b"\r\n", b"")
    converted = split_batch(out, CT)[0].body
    assert out == (
        b"preamble\r\n--B\r\nContent-Type: application/http; msgtype=response\r\n\r\n"
        b"HTTP/1.1 200 OK\r\nX-A: 1\r\nContent-Type: application/vnd.microsoft.com.ucwa+json\r\n"
        b"\r\n" + converted + b"\r\n--B\r\nContent-Type: application/http; msgtype=request\r\n"
        b"\r\nGET /x HTTP/1.1\r\nAccept: application/json\r\n\r\n--B--\r\nepilogue\r\nline\r\n"
    )


def test_crlf_envelope_without_ucwa_changes_is_identical() -> None:
    data = envelope_of(
        response_part(b"application/json; charset=utf-8", JSON_BODY, b"Content-Length: 3\n"),
        b"Content-Type: application/http; msgtype=request\nContent-Length: 7\n\n"
        b"DELETE /x HTTP/1.1\nHost: h\n",
    )
    assert convert_batch(data, CT, to="json") == data


SDP = b"v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=session\r\nc=IN IP4 127.0.0.1\nm=audio 0 RTP/AVP 0\r\n\r\n"
IMAGE = bytes(range(256)) + b"\r\n--\n--C\r\n\n\r\xff\xd8\xff\xe0"


@pytest.mark.parametrize(
    ("content_type", "body"),
    [(b"application/sdp", SDP), (b"image/jpeg", IMAGE), (b"text/plain", b"hello\n\n world\r")],
)
@pytest.mark.parametrize("to", ["json", "xml"])
def test_non_ucwa_bodies_pass_through(content_type: bytes, body: bytes, to: str) -> None:
    part = response_part(content_type, b"@@BODY@@", b"Content-Length: 12345\n")
    data = envelope_of(part, response_part(b"application/xml", XML_BODY)).replace(b"@@BODY@@", body)
    out = convert_batch(data, CT, to=to)  # type: ignore[arg-type]
    first = split_batch(out, CT)[0]
    assert first.body == body
    assert first.header("Content-Length") == "12345"  # body unchanged: length not touched
    assert first.header("Content-Type") == content_type.decode()
    assert out.split(b"\r\n--B\r\n")[0] == data.split(b"\r\n--B\r\n")[0]


def test_content_length_is_recomputed() -> None:
    part = (
        b"Content-Type: application/http; msgtype=response\nContent-Length: 1\n\n"
        b"HTTP/1.1 200 OK\nContent-Length: 999\nContent-Type: application/xml\n\n" + XML_BODY
    )
    out = convert_batch(envelope_of(part), CT, to="json")
    parsed = split_batch(out, CT)[0]
    assert parsed.header("Content-Length") == str(len(parsed.body))
    message = out.split(b"Content-Length: 1", 1)[1].split(b"\r\n\r\n", 1)[1].split(b"\r\n--B--")[0]
    assert parsed.part_headers[1] == ("Content-Length", str(len(message)))
    assert message.startswith(b"HTTP/1.1 200 OK\r\n") and message.endswith(parsed.body)


ACCEPT = b"application/json, text/plain;q=0.5 , application/vnd.microsoft.com.ucwa+json;q=0.9"
ACCEPT_XML = b"application/xml, text/plain;q=0.5 , application/vnd.microsoft.com.ucwa+xml;q=0.9"


def accept_parts(msgtype: bytes, start: bytes) -> bytes:
    return envelope_of(
        b"Content-Type: application/http; msgtype=" + msgtype + b"\n\n" + start + b"\n"
        b"Accept: " + ACCEPT + b"\nContent-Type: application/json\n\n"
    )


def test_accept_is_rewritten_in_requests() -> None:
    out = convert_batch(accept_parts(b"request", b"GET /x HTTP/1.1"), CT, to="xml")
    assert b"\r\nAccept: " + ACCEPT_XML + b"\r\nContent-Type: application/xml\r\n" in out
    # Without msgtype, a start line that is not a status line makes a request.
    data = accept_parts(b"request", b"GET /x HTTP/1.1").replace(b"; msgtype=request", b"")
    assert b"Accept: " + ACCEPT_XML in convert_batch(data, CT, to="xml")


def test_accept_is_kept_in_responses_and_when_asked() -> None:
    out = convert_batch(accept_parts(b"response", b"HTTP/1.1 204 No Content"), CT, to="xml")
    assert b"\r\nAccept: " + ACCEPT + b"\r\nContent-Type: application/xml\r\n" in out
    request = accept_parts(b"request", b"GET /x HTTP/1.1")
    out = convert_batch(request, CT, to="xml", rewrite_accept=False)
    assert b"\r\nAccept: " + ACCEPT + b"\r\nContent-Type: application/xml\r\n" in out


def test_folded_header_is_read_and_rewritten() -> None:
    part = response_part(b"\n application/xml;\n\tcharset=utf-8", XML_BODY)
    parsed = split_batch(envelope_of(part), CT)[0]
    assert parsed.header("Content-Type") == "application/xml; charset=utf-8"
    out = convert_batch(envelope_of(part), CT, to="json")
    assert b"\r\nContent-Type: application/json; charset=utf-8\r\n\r\n{" in out


def test_bom_is_stripped_before_converting() -> None:
    out = convert_batch(
        envelope_of(response_part(b"application/json", b"\xef\xbb\xbf" + JSON_BODY)), CT, to="xml"
    )
    body = split_batch(out, CT)[0].body
    assert body.startswith(b"<?xml") and c14n(body) == c14n(XML_BODY)


def test_misspelled_type_is_rewritten_and_body_kept() -> None:
    data = envelope_of(response_part(b"application/vnd.microsoft.ucwa+xml", XML_BODY))
    out = convert_batch(data, CT, to="xml")
    assert out == data.replace(b"vnd.microsoft.ucwa", b"vnd.microsoft.com.ucwa")


def test_options_reach_the_converters() -> None:
    body = b'{"rel":"me","name":null,"_embedded":{"phone":{"rel":"phone","number":"1"}}}'
    data = envelope_of(
        response_part(b"application/json", b"{}"), response_part(b"application/json", body)
    )
    report: list[Loss] = []
    out = convert_batch(data, CT, to="xml", report=report, dialect="docs", pretty=True)
    converted = split_batch(out, CT)[1].body
    assert b'<property name="rel">phone</property>' in converted  # docs dialect
    assert b"\n" in converted  # pretty
    assert report and all(loss.path.startswith("part 2: $") for loss in report)
    assert any(loss.kind == "null" for loss in report)
    with pytest.raises(UcwaFormatError, match=r"^part 2: ") as info:
        convert_batch(data, CT, to="xml", strict=True)
    assert info.value.path is not None and info.value.path.startswith("$")


@pytest.mark.parametrize(
    ("content_type", "to", "expected"),
    [
        (
            "application/vnd.microsoft.com.ucwa+xml",
            "json",
            "application/vnd.microsoft.com.ucwa+json",
        ),
        (
            "application/vnd.microsoft.com.ucwa+json",
            "xml",
            "application/vnd.microsoft.com.ucwa+xml",
        ),
        ("application/vnd.microsoft.com.ucwa+xml", "xml", "application/vnd.microsoft.com.ucwa+xml"),
        ("application/vnd.microsoft.ucwa+xml", "json", "application/vnd.microsoft.com.ucwa+json"),
        ("application/vnd.microsoft.ucwa+xml", "xml", "application/vnd.microsoft.com.ucwa+xml"),
        ("application/xml", "json", "application/json"),
        ("application/json", "xml", "application/xml"),
        ("application/json", "json", "application/json"),
        (
            "application/vnd.microsoft.com.ucwa+json;charset=utf-8",
            "xml",
            "application/vnd.microsoft.com.ucwa+xml;charset=utf-8",
        ),
        (
            "application/vnd.microsoft.com.ucwa+xml; charset=utf-8",
            "json",
            "application/vnd.microsoft.com.ucwa+json; charset=utf-8",
        ),
        ("application/json; charset=UTF-8", "xml", "application/xml; charset=UTF-8"),
        (' Application/XML ; charset="utf-8"', "json", ' application/json ; charset="utf-8"'),
        ("APPLICATION/JSON", "json", "APPLICATION/JSON"),
        ("application/sdp", "json", "application/sdp"),
        ("text/xml", "json", "text/xml"),
        ("multipart/batching; boundary=x", "xml", "multipart/batching; boundary=x"),
    ],
)
def test_media_type_switching(content_type: str, to: str, expected: str) -> None:
    assert convert_media_type(content_type, to) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("content_type", "expected"),
    [
        ("application/vnd.microsoft.com.ucwa+xml", "xml"),
        ("application/vnd.microsoft.com.ucwa+json; charset=utf-8", "json"),
        ("application/vnd.microsoft.ucwa+xml", "xml"),
        ("application/xml", "xml"),
        ("APPLICATION/JSON;charset=utf-8", "json"),
        (" application/json ", "json"),
        ("application/vnd.microsoft.ucwa+json", None),
        ("application/sdp", None),
        ("text/xml", None),
        ("application/http; msgtype=request", None),
        ("multipart/batching; boundary=x", None),
        ("image/png", None),
        ("", None),
    ],
)
def test_is_ucwa_media_type(content_type: str, expected: str | None) -> None:
    assert is_ucwa_media_type(content_type) == expected


def test_bad_target_form() -> None:
    with pytest.raises(ValueError, match="to must be"):
        convert_media_type("application/xml", "yaml")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="to must be"):
        convert_batch(b"--B--", CT, to="yaml")  # type: ignore[arg-type]


# --- errors -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content_type",
    [
        "multipart/batching",
        "multipart/batching; charset=utf-8",
        "multipart/batching; boundary=",
        'multipart/batching; boundary=""',
        "application/json; boundary=B",
    ],
)
def test_missing_boundary(content_type: str) -> None:
    with pytest.raises(UcwaFormatError, match=r"boundary|multipart"):
        convert_batch(
            envelope_of(response_part(b"application/xml", XML_BODY)), content_type, to="json"
        )


@pytest.mark.parametrize("data", [b"", b"no delimiters here\n", b"x--B\n", b"--Bx\n", b" --B\n"])
def test_body_without_boundary_line(data: bytes) -> None:
    with pytest.raises(UcwaFormatError, match="no boundary line"):
        convert_batch(data, CT, to="json")


@pytest.mark.parametrize(
    ("part", "message", "line"),
    [
        # The part starts on line 9 of the envelope, after a good part 1.
        (b"Content-Type: application/http\nGET /x HTTP/1.1\nHost: h", "malformed header line", 10),
        (b"Content-Type: application/http\nX-Only: 1", "no blank line after the part headers", 10),
        (b"Content-Type: application/http\n\n", "no HTTP message", 11),
        (b"Content-Type: application/http\n\n\n\n", "no HTTP message", 13),
        (b"Content Type: application/http\n\nGET /x HTTP/1.1", "malformed header line", 9),
        (
            b'\n\nHTTP/1.1 200 OK\nContent-Type: application/json\n{"a": 1}',
            "malformed header line",
            13,
        ),
        (
            b"Content-Type: application/http\n\n GET /x HTTP/1.1\n Host: h",
            "malformed header line",
            12,
        ),
    ],
)
def test_malformed_part(part: bytes, message: str, line: int) -> None:
    good = response_part(b"application/xml", XML_BODY)
    with pytest.raises(UcwaFormatError, match=rf"^part 2: {message}") as info:
        convert_batch(envelope_of(good, part), CT, to="json")
    assert info.value.line == line
    with pytest.raises(UcwaFormatError, match=rf"^part 2: {message}"):
        split_batch(envelope_of(good, part), CT)


@pytest.mark.parametrize(
    ("content_type", "body", "position"),
    [
        (b"application/json", b'{\n  "rel": "me",\n  "x": { ... }\n}', (3, 9)),
        (b"application/xml", b'<?xml version="1.0"?>\n<resource xmlns="x"><property', (2, 1)),
        (b"application/vnd.microsoft.com.ucwa+xml", b"<a>\n  <b>\n</a>", (3, 3)),
    ],
)
def test_bad_inner_body_names_the_part(
    content_type: bytes, body: bytes, position: tuple[int, int]
) -> None:
    good = response_part(b"application/sdp", SDP)
    data = envelope_of(good, response_part(content_type, body))
    to = "xml" if b"json" in content_type else "json"
    with pytest.raises(UcwaFormatError, match=r"^part 2: ") as info:
        convert_batch(data, CT, to=to)  # type: ignore[arg-type]
    assert info.value.line == position[0]
    assert info.value.column is not None
    assert str(info.value).endswith(f"(at line {info.value.line}, column {info.value.column})")


def test_bad_inner_document_names_the_part_and_path() -> None:
    data = envelope_of(response_part(b"application/json", b"[1, 2]"))
    with pytest.raises(UcwaFormatError, match=r"^part 1: .*\(at \$\)$") as info:
        convert_batch(data, CT, to="xml")
    assert info.value.path == "$"


@pytest.mark.parametrize(
    "data",
    [
        b"--B" * 200_000,
        b"\n--B" * 100_000 + b"x",
        b"--B\n" + b"Content-Type: a\n" + b" x\n" * 200_000 + b"\n",
        b"--B\n" + b"X-H: " + b" " * 500_000 + b"\n",
        b"--B\nContent-Type: application/http\n\n" + b"\n" * 300_000,
        b"\n" * 300_000 + b"--B\n",
        b"--B\n\n" + b"GET / HTTP/1.1\n" + b"A: b\n" * 100_000 + b"\n--B--",
        b"--B\r" * 200_000,
    ],
)
def test_hostile_input_is_linear(data: bytes) -> None:
    start = time.perf_counter()
    with contextlib.suppress(UcwaFormatError):
        convert_batch(data, CT, to="json")
    assert time.perf_counter() - start < 2.0


CHUNKS = [
    b"--B",
    b"--B--",
    b"\r\n",
    b"\n",
    b"\r",
    b" ",
    b"Content-Type: application/http; msgtype=request",
    b"Content-Type : application/xml",
    b"Content-Type: application/json",
    b"Content-Type: image/png",
    b"Accept: application/json",
    b"Content-Length: 5",
    b"GET /x HTTP/1.1",
    b"HTTP/1.1 200 OK",
    b"\xef\xbb\xbf",
    JSON_BODY,
    XML_BODY,
    b"{",
    b"<",
]


@given(st.lists(st.one_of(st.sampled_from(CHUNKS), st.binary(max_size=8)), max_size=40))
@settings(deadline=None)
def test_any_input_converts_or_raises_the_library_error(chunks: list[bytes]) -> None:
    data = b"".join(chunks)
    for to in ("json", "xml"):
        try:
            out = convert_batch(data, CT, to=to)  # type: ignore[arg-type]
        except UcwaFormatError:
            continue
        assert framing_is_crlf(out, CT)
        assert len(split_batch(out, CT)) == len(split_batch(data, CT))
        assert convert_batch(out, CT, to=to) == out  # type: ignore[arg-type]


@given(
    st.lists(
        st.tuples(
            st.sampled_from([b"request", b"response"]),
            st.sampled_from([b"text/plain", b"application/sdp", b"image/png", b"application/http"]),
            st.binary(max_size=40).filter(lambda b: b"--B" not in b),
        ),
        min_size=1,
        max_size=5,
    )
)
def test_crlf_envelopes_without_ucwa_parts_are_kept_exactly(
    parts: list[tuple[bytes, bytes, bytes]],
) -> None:
    data = b""
    for msgtype, content_type, body in parts:
        start = b"GET /x HTTP/1.1" if msgtype == b"request" else b"HTTP/1.1 200 OK"
        data += (
            b"--B\r\nContent-Type: application/http; msgtype="
            + msgtype
            + b"\r\n\r\n"
            + start
            + b"\r\nContent-Type: "
            + content_type
            + b"\r\nContent-Length: 1\r\n\r\n"
            + body
            + b"\r\n"
        )
    data += b"--B--\r\n"
    for to in ("json", "xml"):
        assert convert_batch(data, CT, to=to) == data  # type: ignore[arg-type]
    assert [p.body for p in split_batch(data, CT)] == [body for _, _, body in parts]


def test_leading_blank_lines_before_a_body_are_skipped() -> None:
    data = envelope_of(response_part(b"application/xml", b"\xef\xbb\xbf\n\n" + XML_BODY))
    body = split_batch(convert_batch(data, CT, to="json"), CT)[0].body
    assert json.loads(body)["name"] == "Dana"
    bad = envelope_of(response_part(b"application/json", b"\n\n  {\n  x"))
    with pytest.raises(UcwaFormatError, match=r"^part 1: ") as info:
        convert_batch(bad, CT, to="xml")
    assert (info.value.line, info.value.column) == (4, 3)  # positions in the body as sent
    bad = envelope_of(response_part(b"application/json", b"\n\n  x"))
    with pytest.raises(UcwaFormatError, match=r"^part 1: ") as info:
        convert_batch(bad, CT, to="xml")
    assert (info.value.line, info.value.column) == (3, 3)


@pytest.mark.parametrize(
    "body",
    [
        b'{"code":"NotFound","subcode":"None","message":"gone"}',
        (CORPUS / "applicationSharer/event-added-json-event.json").read_bytes(),
    ],
    ids=["error", "event"],
)
def test_any_ucwa_body_kind_converts(body: bytes) -> None:
    data = envelope_of(response_part(b"application/json", body))
    as_xml = convert_batch(data, CT, to="xml")
    back = split_batch(convert_batch(as_xml, CT, to="json"), CT)[0].body
    assert split_batch(as_xml, CT)[0].body.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    assert json.loads(back) == json.loads(body)


def test_a_bad_dialect_is_the_same_error_on_every_path() -> None:
    # An option is the caller's mistake, not the document's: ValueError (never UcwaFormatError)
    # from to_xml, json_to_xml and convert_batch alike, with one message (_media.check_dialect).
    doc = ucwaformat.from_json(b'{"rel": "x"}')
    calls = [
        lambda: ucwaformat.to_xml(doc, dialect="y"),  # type: ignore[arg-type]
        lambda: ucwaformat.json_to_xml(b'{"rel": "x"}', dialect="y"),  # type: ignore[arg-type]
        lambda: convert_batch(JSON_BODY, CT, to="xml", dialect="y"),  # type: ignore[arg-type]
    ]
    for call in calls:
        with pytest.raises(ValueError) as info:
            call()
        assert type(info.value) is ValueError
        assert str(info.value) == "dialect must be 'server' or 'docs', not 'y'"
