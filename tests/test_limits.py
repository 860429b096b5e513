"""The limits on a hostile input (``ucwaformat.Limits``; docs/hostile-input.md): each is an
option with a safe default, refused with a UcwaFormatError that has a position, alike on the
tree path, the model path and the streaming path, and on the command's ``--max-*`` flags."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import ucwaformat
from ucwaformat import Limits, UcwaFormatError
from ucwaformat._stream import stream_json_to_xml, stream_xml_to_json
from ucwaformat.cli import main

NS = "http://schemas.microsoft.com/rtc/2012/03/ucwa"

Call = Callable[..., Any]


def _stream_x(data: bytes, **kwargs: Any) -> bytes:
    out = io.BytesIO()
    stream_xml_to_json(io.BytesIO(data), out, **kwargs)
    return out.getvalue()


def _stream_j(data: bytes, **kwargs: Any) -> bytes:
    out = io.BytesIO()
    stream_json_to_xml(io.BytesIO(data), out, **kwargs)
    return out.getvalue()


XML_PATHS: dict[str, Call] = {
    "xml_to_json": ucwaformat.xml_to_json,
    "from_xml": ucwaformat.from_xml,
    "stream": _stream_x,
}
JSON_PATHS: dict[str, Call] = {
    "json_to_xml": ucwaformat.json_to_xml,
    "from_json": ucwaformat.from_json,
    "stream": _stream_j,
}


def _errors(paths: dict[str, Call], data: bytes, limits: Limits | None) -> list[UcwaFormatError]:
    """The error of every path (they must all fail, with one message and position)."""
    errors = []
    for name, call in paths.items():
        with pytest.raises(UcwaFormatError) as info:
            call(data, limits=limits)
        assert type(info.value) is UcwaFormatError, name
        errors.append(info.value)
    assert len({str(e) for e in errors}) == 1, [str(e) for e in errors]
    for error in errors:
        assert error.line is not None or error.path is not None, error
    return errors


def _all_pass(paths: dict[str, Call], data: bytes, limits: Limits | None) -> None:
    for call in paths.values():
        call(data, limits=limits)


# -- the option itself ---------------------------------------------------------------------------


def test_defaults() -> None:
    assert Limits() == Limits(max_depth=200, max_attributes=1000, max_value_size=10_000_000)


@pytest.mark.parametrize("field", ["max_depth", "max_attributes", "max_value_size"])
def test_limits_are_validated(field: str) -> None:
    with pytest.raises(ValueError, match=f"{field} must be at least 1, not 0"):
        Limits(**{field: 0})
    with pytest.raises(TypeError, match=f"{field} must be an int, not 'str'"):
        Limits(**{field: "3"})
    with pytest.raises(TypeError, match=f"{field} must be an int, not 'bool'"):
        Limits(**{field: True})


@pytest.mark.parametrize("call", [*XML_PATHS.values(), *JSON_PATHS.values()])
def test_limits_must_be_limits(call: Call) -> None:
    with pytest.raises(TypeError, match="limits must be a Limits, not 'dict'"):
        call(b"{}", limits={"max_depth": 3})


# -- nesting depth -----------------------------------------------------------------------------


def _nested_xml(depth: int) -> bytes:
    # `depth` resources below the root, each embedded in the one before.
    opens = "".join(f'<resource rel="r{i}" href="/r/{i}"><property name="p">v</property>' for i in range(depth))
    return f'<resource xmlns="{NS}" rel="root" href="/">{opens}{"</resource>" * depth}</resource>'.encode()


def _nested_json(depth: int) -> bytes:
    obj: dict[str, Any] = {"rel": f"r{depth - 1}", "p": "v"}
    for i in range(depth - 2, -1, -1):
        obj = {"rel": f"r{i}", "p": "v", "_embedded": {f"r{i + 1}": obj}}
    return json.dumps({"rel": "root", "_embedded": {"r0": obj}}).encode()


@pytest.mark.parametrize(("paths", "make"), [(XML_PATHS, _nested_xml), (JSON_PATHS, _nested_json)], ids=["xml", "json"])
def test_max_depth(paths: dict[str, Call], make: Callable[[int], bytes]) -> None:
    _all_pass(paths, make(5), Limits(max_depth=5))
    (error, *_) = _errors(paths, make(6), Limits(max_depth=5))
    assert error.msg == "resources nested deeper than 5"
    assert error.path is not None and error.path.startswith("$._embedded.r0")
    # The default: 200.
    _all_pass(paths, make(200), None)
    (error, *_) = _errors(paths, make(201), None)
    assert error.msg == "resources nested deeper than 200"


# -- attributes per element ----------------------------------------------------------------------


def _attrs(n: int) -> str:
    return " ".join(f'a{i}="v"' for i in range(n))


ATTRIBUTE_CASES = {
    # where: (document with `n` extra attributes, how many the element has in all)
    "root": (lambda n: f'<resource xmlns="{NS}" rel="a" href="/h" {_attrs(n)}/>', 2),
    "link": (lambda n: f'<resource xmlns="{NS}" rel="a" href="/h"><link rel="x" href="/y" {_attrs(n)}/></resource>', 2),
    "embedded": (lambda n: f'<resource xmlns="{NS}" rel="a" href="/h"><resource rel="contact" href="/c" {_attrs(n)}/></resource>', 2),
    "sender": (lambda n: f'<events xmlns="{NS}" href="/e"><sender rel="c" href="/c" {_attrs(n)}/></events>', 2),
    "event": (lambda n: f'<events xmlns="{NS}" href="/e"><sender rel="c" href="/c"><added rel="m" href="/m" {_attrs(n)}/></sender></events>', 2),
}


@pytest.mark.parametrize("where", sorted(ATTRIBUTE_CASES))
def test_max_attributes(where: str) -> None:
    make, fixed = ATTRIBUTE_CASES[where]
    _all_pass(XML_PATHS, make(4 - fixed).encode(), Limits(max_attributes=4))
    (error, *_) = _errors(XML_PATHS, make(5 - fixed).encode(), Limits(max_attributes=4))
    assert error.msg.endswith("has 5 attributes; at most 4 are read"), error
    assert error.line == 1


@pytest.mark.parametrize(
    "child", ['<link rel="x" href="/y"/>', '<resource rel="contact" href="/c"/>'], ids=["link", "embedded"]
)
def test_max_attributes_one(child: str) -> None:
    # The smallest limit refuses even the plain rel and href the readers take a quick way for.
    data = f'<resource xmlns="{NS}" href="/h">{child}</resource>'.encode()
    _all_pass(XML_PATHS, data, Limits(max_attributes=2))
    (error, *_) = _errors(XML_PATHS, data, Limits(max_attributes=1))
    assert error.msg.endswith("has 2 attributes; at most 1 are read"), error


# -- size of one value -------------------------------------------------------------------------


VALUE_CASES_XML = {
    "property": lambda v: f'<resource xmlns="{NS}" rel="a" href="/h"><property name="p">{v}</property></resource>',
    "list-item": lambda v: f'<resource xmlns="{NS}" rel="a" href="/h"><propertyList name="p"><item>{v}</item></propertyList></resource>',
    "href": lambda v: f'<resource xmlns="{NS}" rel="a" href="/h"><link rel="x" href="{v}"/></resource>',
    "embedded": lambda v: f'<resource xmlns="{NS}" rel="a" href="/h"><resource rel="contact" href="/c"><property name="name">{v}</property></resource></resource>',
    "sender": lambda v: f'<events xmlns="{NS}" href="/e"><sender rel="c" href="{v}"/></events>',
}
VALUE_CASES_JSON = {
    "property": lambda v: {"rel": "a", "p": v},
    "key": lambda v: {"rel": "a", v: "x"},
    "list-item": lambda v: {"rel": "a", "p": ["x", v]},
    "href": lambda v: {"rel": "a", "_links": {"x": {"href": v}}},
    "embedded": lambda v: {"rel": "a", "_embedded": {"contact": [{"rel": "contact", "name": v}]}},
    "sender": lambda v: {"_links": {"self": {"href": "/e"}}, "sender": [{"rel": "c", "href": v, "events": []}]},
}


@pytest.mark.parametrize("where", sorted(VALUE_CASES_XML))
def test_max_value_size_xml(where: str) -> None:
    make = VALUE_CASES_XML[where]
    limits = Limits(max_value_size=40)
    _all_pass(XML_PATHS, make("v" * 40).encode(), limits)
    (error, *_) = _errors(XML_PATHS, make("v" * 41).encode(), limits)
    assert error.msg == "a value of 41 characters; at most 40 are read"
    assert error.line == 1


@pytest.mark.parametrize("where", sorted(VALUE_CASES_JSON))
def test_max_value_size_json(where: str) -> None:
    make = VALUE_CASES_JSON[where]
    limits = Limits(max_value_size=40)
    _all_pass(JSON_PATHS, json.dumps(make("v" * 40)).encode(), limits)
    (error, *_) = _errors(JSON_PATHS, json.dumps(make("v" * 41)).encode(), limits)
    assert error.msg in (
        "a value of 41 characters; at most 40 are read",
        "a key of 41 characters; at most 40 are read",
    )
    assert error.path is not None and error.path.startswith("$")


def test_max_value_size_counts_characters() -> None:
    # 40 characters of 4 bytes each: 160 bytes, but 40 characters.
    data = json.dumps({"rel": "a", "p": "\U0001f600" * 40}, ensure_ascii=False).encode()
    _all_pass(JSON_PATHS, data, Limits(max_value_size=40))


def test_the_default_value_size_is_the_xml_parsers_own() -> None:
    # 10,000,000: beyond it libxml2 refuses a text node itself, and JSON is held to the same.
    big = "v" * 10_000_001
    xml = VALUE_CASES_XML["property"](big).encode()
    (error, *_) = _errors({"xml_to_json": ucwaformat.xml_to_json}, xml, None)
    assert error.line == 1 and "Text node too long" in error.msg
    data = json.dumps({"rel": "a", "p": big}).encode()
    (error, *_) = _errors(JSON_PATHS, data, None)
    assert str(error) == "a value of 10000001 characters; at most 10000000 are read (at $.p)"
    ucwaformat.json_to_xml(json.dumps({"rel": "a", "p": big[1:]}))


# -- the command -------------------------------------------------------------------------------


@pytest.mark.parametrize("stream", [False, True], ids=["tree", "streamed"])
@pytest.mark.parametrize(
    ("flag", "value", "data", "message"),
    [
        ("--max-depth", "5", _nested_xml(6), "resources nested deeper than 5"),
        ("--max-depth", "5", _nested_json(6), "resources nested deeper than 5"),
        ("--max-attributes", "4", ATTRIBUTE_CASES["link"][0](3).encode(), "at most 4 are read"),
        ("--max-value-size", "40", VALUE_CASES_XML["property"]("v" * 41).encode(), "at most 40 are read"),
        ("--max-value-size", "40", json.dumps(VALUE_CASES_JSON["property"]("v" * 41)).encode(), "at most 40 are read"),
    ],
    ids=["depth-xml", "depth-json", "attributes", "value-xml", "value-json"],
)
def test_command_flags(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    flag: str,
    value: str,
    data: bytes,
    message: str,
    stream: bool,
) -> None:
    doc = tmp_path / "doc"
    doc.write_bytes(data)
    extra = ["--stream-above", "1"] if stream else []
    out = tmp_path / "out"
    assert main(["convert", str(doc), "-o", str(out), *extra]) == 0
    assert main(["convert", str(doc), "-o", str(out), flag, value, *extra]) == 1
    err = capsys.readouterr().err
    assert f"{doc}:" in err and message in err, err


@pytest.mark.parametrize("flag", ["--max-depth", "--max-attributes", "--max-value-size"])
def test_command_flags_are_validated(capsys: pytest.CaptureFixture[str], flag: str) -> None:
    assert main(["convert", flag, "0"]) == 2
    assert "must be at least 1, not 0" in capsys.readouterr().err


def test_batch_parts_and_http_messages_take_the_limits(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A multipart/batching body is converted part by part; each part is bounded as a document
    # is (they were converted with the default limits whatever the caller said).
    from test_batch import CT, response_part

    from ucwaformat import convert_batch

    body = (
        f'<resource xmlns="{NS}" rel="me" href="/me"><property name="name">{"v" * 41}'
        "</property></resource>"
    ).encode()
    batch = (
        b"--B\r\n"
        + response_part(b"application/vnd.microsoft.com.ucwa+xml", body).replace(b"\n", b"\r\n")
        + b"\r\n--B--\r\n"
    )
    convert_batch(batch, CT, to="json")  # the defaults take it
    with pytest.raises(UcwaFormatError, match="at most 40 are read") as info:
        convert_batch(batch, CT, to="json", limits=Limits(max_value_size=40))
    assert str(info.value).startswith("part 1:")
    # The command's --http: a response whose body is that batch.
    message = tmp_path / "response.http"
    message.write_bytes(
        b"HTTP/1.1 200 OK\r\nContent-Type: " + CT.encode() + b"\r\n"
        b"Content-Length: " + str(len(batch)).encode() + b"\r\n\r\n" + batch
    )
    out = tmp_path / "out"
    assert main(["convert", "--http", str(message), "-o", str(out)]) == 0
    assert main(["convert", "--http", str(message), "-o", str(out), "--max-value-size", "40"]) == 1
    assert "at most 40 are read" in capsys.readouterr().err
