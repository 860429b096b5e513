"""Captured traffic as raw HTTP messages (``--http``, ``learn``): chunked transfer coding and
gzip/deflate content codings are decoded, not refused."""

from __future__ import annotations

import gzip
import json
import zlib
from pathlib import Path
from typing import Any

import pytest
from data_paths import DATA
from test_batch import envelope

import ucwaformat

APPLICATION = (DATA / "captures" / "application.json").read_bytes()
JSON_TYPE = b"application/vnd.microsoft.com.ucwa+json"
XML_TYPE = b"application/vnd.microsoft.com.ucwa+xml"




def chunked(body: bytes, size: int = 100, eol: bytes = b"\r\n", trailer: bytes = b"") -> bytes:
    out = b""
    for i in range(0, len(body), size):
        piece = body[i : i + size]
        ext = b";name=value" if i == 0 else b""
        out += f"{len(piece):x}".encode() + ext + eol + piece + eol
    return out + b"0" + eol + trailer + eol


def message(headers: list[bytes], body: bytes, eol: bytes = b"\r\n") -> bytes:
    return eol.join([b"HTTP/1.1 200 OK", *headers, b"", body])


def split(data: bytes) -> tuple[dict[str, str], bytes]:
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")[1:]
    return {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines)}, body


def test_a_chunked_body_is_joined_and_goes_out_with_a_content_length(cli: Any, tmp_path: Path) -> None:
    for eol in (b"\r\n", b"\n"):
        data = message(
            [b"Content-Type: " + JSON_TYPE, b"Transfer-Encoding: chunked", b"Date: today"],
            chunked(APPLICATION, eol=eol, trailer=b"X-Trailer: 1" + eol),
            eol=b"\r\n",
        )
        path = tmp_path / "chunked.http"
        path.write_bytes(data)
        status, out, err = cli("convert", "--http", path)
        assert (status, err) == (0, "")
        headers, body = split(out)
        assert body == ucwaformat.json_to_xml(APPLICATION)
        assert headers == {
            "content-type": XML_TYPE.decode(),
            "content-length": str(len(body)),
            "date": "today",
        }
        assert list(headers) == ["content-type", "content-length", "date"]  # where TE was


@pytest.mark.parametrize("name", ["gzip", "x-gzip", "deflate", "raw-deflate"])
def test_a_compressed_body_is_decoded_and_compressed_again(
    cli: Any, tmp_path: Path, name: str
) -> None:
    xml = ucwaformat.json_to_xml(APPLICATION)
    if name in ("gzip", "x-gzip"):
        packed = gzip.compress(xml)
    elif name == "deflate":
        packed = zlib.compress(xml)
    else:
        squeeze = zlib.compressobj(wbits=-zlib.MAX_WBITS)
        packed = squeeze.compress(xml) + squeeze.flush()
    coding = b"deflate" if name == "raw-deflate" else name.encode()
    data = message(
        [
            b"Content-Type: " + XML_TYPE,
            b"Content-Encoding: " + coding,
            b"Content-Length: " + str(len(packed)).encode(),
        ],
        packed,
    )
    (tmp_path / "packed.http").write_bytes(data)
    status, out, err = cli("convert", "--http", tmp_path / "packed.http")
    assert (status, err) == (0, "")
    headers, body = split(out)
    assert headers["content-encoding"] == coding.decode()
    assert headers["content-length"] == str(len(body))
    unpacked = gzip.decompress(body) if name in ("gzip", "x-gzip") else zlib.decompress(body)
    assert unpacked == ucwaformat.xml_to_json(xml)


def test_chunked_and_gzip_together_and_a_chunked_batch(cli: Any, tmp_path: Path) -> None:
    data = message(
        [b"Content-Type: " + JSON_TYPE, b"Content-Encoding: gzip", b"Transfer-Encoding: chunked"],
        chunked(gzip.compress(APPLICATION), size=64),
    )
    (tmp_path / "both.http").write_bytes(data)
    status, out, err = cli("convert", "--http", tmp_path / "both.http")
    assert (status, err) == (0, "")
    headers, body = split(out)
    assert "transfer-encoding" not in headers and headers["content-length"] == str(len(body))
    assert gzip.decompress(body) == ucwaformat.json_to_xml(APPLICATION)

    batch, ctype = envelope("batch/post-xml-response.mime")
    data = message(
        [b"Content-Type: " + ctype.encode(), b"Transfer-Encoding: chunked"], chunked(batch, 50)
    )
    (tmp_path / "batch.http").write_bytes(data)
    status, out, err = cli("convert", "--http", tmp_path / "batch.http")
    assert (status, err) == (0, "")
    _, body = split(out)
    assert body == ucwaformat.convert_batch(batch, ctype, to="json")


@pytest.mark.parametrize(
    ("headers", "body", "message_text"),
    [
        ([b"Transfer-Encoding: chunked"], b"zz\r\n{}\r\n0\r\n\r\n", "chunked body: bad chunk size 'zz'"),
        ([b"Transfer-Encoding: chunked"], b"10\r\n{}\r\n", "chunked body: a chunk ends early"),
        ([b"Transfer-Encoding: chunked"], b"2\r\n{}\r\n", "chunked body: no last chunk (0)"),
        ([b"Transfer-Encoding: gzip, chunked"], b"", "cannot convert a body with transfer-encoding 'gzip, chunked'"),
        ([b"Content-Encoding: br"], b"{}", "cannot convert a body with content-encoding 'br'"),
        ([b"Content-Encoding: gzip"], b"\x1f\x8bnot gzip", "the gzip body does not decode"),
    ],
)
def test_what_does_not_decode_is_an_error(
    cli: Any, tmp_path: Path, headers: list[bytes], body: bytes, message_text: str
) -> None:
    path = tmp_path / "bad.http"
    path.write_bytes(message([b"Content-Type: " + JSON_TYPE, *headers], body or b"{}"))
    status, out, err = cli("convert", "--http", path)
    assert status == 1 and out == b"" and message_text in err and err.startswith(str(path))


def test_a_bad_document_in_a_decoded_body_says_so(cli: Any, tmp_path: Path) -> None:
    path = tmp_path / "bad.http"
    path.write_bytes(message([b"Content-Type: " + JSON_TYPE, b"Content-Encoding: gzip"], gzip.compress(b'{"rel": ')))
    status, _, err = cli("convert", "--http", path)
    assert status == 1 and f"{path}: decoded body: " in err


def test_learn_reads_a_chunked_gzip_message(cli: Any, tmp_path: Path) -> None:
    data = message(
        [b"Content-Type: " + JSON_TYPE, b"Content-Encoding: gzip", b"Transfer-Encoding: chunked"],
        chunked(gzip.compress(APPLICATION), size=64),
    )
    (tmp_path / "app.http").write_bytes(data)
    status, out, err = cli("learn", tmp_path / "app.http")
    assert status == 0, err
    overlay = json.loads(out)
    assert overlay["resources"]["application"]["properties"]["expires"] == "datetime"


# -- the form of a file, by its content ---------------------------------------------------------

UTF16 = DATA / "captures" / "meeting-utf16.xml"
UTF8 = DATA.parent.parent / "examples" / "myAssignedOnlineMeeting.xml"
TWIN = DATA.parent.parent / "examples" / "myAssignedOnlineMeeting.json"


def test_a_utf16_xml_file_goes_through_convert_check_and_diff(cli: Any, tmp_path: Path) -> None:
    data = UTF16.read_bytes()
    assert data[:2] == b"\xff\xfe" and data.decode("utf-16").lstrip().startswith("<?xml")
    status, out, err = cli("convert", UTF16)
    assert (status, err) == (0, "")
    assert out == cli("convert", UTF8)[1]
    status, out, err = cli("convert", UTF16, "--to", "xml")
    assert (status, err) == (0, "") and out == cli("convert", UTF8, "--to", "xml")[1]
    status, out, err = cli("check", UTF16)
    assert err == "" and status == cli("check", UTF8)[0]
    assert out.replace(str(UTF16).encode(), b"F") == cli("check", UTF8)[1].replace(str(UTF8).encode(), b"F")
    assert cli("diff", UTF16, UTF8) == (0, b"", "")
    status, out, err = cli("diff", UTF16, TWIN)
    assert (status, out, err) == cli("diff", UTF8, TWIN) and status == 1
    # Big endian too, and from stdin.
    be = tmp_path / "be.xml"
    be.write_bytes(b"\xfe\xff" + data[2:].decode("utf-16-le").encode("utf-16-be"))
    assert cli("convert", be)[:2] == (0, cli("convert", UTF8)[1])
    assert cli("convert", "-", stdin=data)[:2] == (0, cli("convert", UTF8)[1])


@pytest.mark.parametrize(
    ("data", "form"),
    [
        (b"\xff\xfe<\x00r\x00", "xml"),
        (b"\xfe\xff\x00<\x00r", "xml"),
        (b" \x00\n\x00<\x00", "xml"),
        (b"\xef\xbb\xbf \r\n<r/>", "xml"),
        (b"\n\t <r/>", "xml"),
        (b'{"a": "<"}', "json"),
        (b"\xff\xfe{\x00", "json"),
        (b"", "json"),
    ],
)
def test_the_form_is_detected_by_content(data: bytes, form: str) -> None:
    from ucwaformat._media import detect_form

    assert detect_form(data) == form
