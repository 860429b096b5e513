"""Exact error messages and positions for malformed input (STYLE.md habits 3 and 8).

Every case pins the whole rendered message and the position attributes, so that error quality
cannot rot: a syntax error carries ``line``/``column`` pointing at the offending character, a
structural error a ``$.path`` naming the offending member (README "Errors", FORMAT.md §2-§4).
"""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

import ucwaformat
from ucwaformat import UcwaFormatError

NS = "http://schemas.microsoft.com/rtc/2012/03/ucwa"
ROOT = f'<resource xmlns="{NS}">'


def _raises(func: Any, data: Any, **kwargs: Any) -> UcwaFormatError:
    with pytest.raises(UcwaFormatError) as info:
        func(data, **kwargs)
    # Only our error type, and never a wrapper around another library's exception.
    assert type(info.value) is UcwaFormatError
    return info.value


def _check(
    err: UcwaFormatError,
    text: str,
    *,
    line: int | None = None,
    column: int | None = None,
    path: str | None = None,
) -> None:
    assert str(err) == text
    assert err.line == line
    assert err.column == column
    if path is not None or line is None:
        assert err.path == path
    # The rendered text is the message plus its position.
    assert str(err).startswith(err.msg)
    assert "\n" not in str(err)


# -- XML --------------------------------------------------------------------------------------

# (id, input, expected str(err), line, column, path)
XML_CASES: list[tuple[str, str | bytes, str, int | None, int | None, str | None]] = [
    (
        "unclosed-tag",
        f'{ROOT}\n  <property name="a">x</property>\n',
        "Premature end of data in tag resource line 1 (at line 3, column 1)",
        3,
        1,
        None,
    ),
    (
        "mismatched-tag",
        f'{ROOT}\n  <link rel="a" href="b">\n</resource>',
        "Opening and ending tag mismatch: link line 2 and resource (at line 3, column 12)",
        3,
        12,
        None,
    ),
    (
        "garbage-after-root",
        f'<resource xmlns="{NS}"/>\ngarbage',
        "Extra content at the end of the document (at line 2, column 1)",
        2,
        1,
        None,
    ),
    (
        "second-root",
        f'<resource xmlns="{NS}"/>\n<resource xmlns="{NS}"/>',
        "Extra content at the end of the document (at line 2, column 1)",
        2,
        1,
        None,
    ),
    ("empty-str", "", "Document is empty (at line 1, column 1)", 1, 1, None),
    ("empty-bytes", b"", "Document is empty (at line 1, column 1)", 1, 1, None),
    (
        "text-not-markup",
        "hello",
        "Start tag expected, '<' not found (at line 1, column 1)",
        1,
        1,
        None,
    ),
    (
        # Column 69 is the "f" of the unquoted value.
        "unquoted-attribute",
        f'<resource xmlns="{NS}" rel=foo/>',
        "AttValue: \" or ' expected (at line 1, column 69)",
        1,
        69,
        None,
    ),
    (
        "duplicate-attribute",
        f'<resource xmlns="{NS}" rel="a" rel="b"/>',
        "Attribute rel redefined (at line 1, column 80)",
        1,
        80,
        None,
    ),
    (
        "undeclared-prefix",
        "<u:resource/>",
        "Namespace prefix u on resource is not defined (at line 1, column 12)",
        1,
        12,
        None,
    ),
    (
        "undefined-entity",
        f'{ROOT}\n  <property name="a">&foo;</property>\n</resource>',
        "Entity 'foo' not defined (at line 2, column 27)",
        2,
        27,
        None,
    ),
    (
        # Column 22 is the first byte after <property name="a">.
        "invalid-utf8",
        f'{ROOT}\n  <property name="a">'.encode() + b"\xff\xfe</property>\n</resource>",
        "Invalid bytes in character encoding (at line 2, column 22)",
        2,
        22,
        None,
    ),
    (
        "nul-byte",
        f'{ROOT}\n  <property name="a">'.encode() + b"\x00</property>\n</resource>",
        "NUL byte: XML 1.0 cannot hold U+0000 (at line 2, column 22)",
        2,
        22,
        None,
    ),
    (
        "control-character",
        f'{ROOT}\n  <property name="a">'.encode() + b"\x01</property>\n</resource>",
        "PCDATA invalid Char value 1 (at line 2, column 22)",
        2,
        22,
        None,
    ),
    (
        "lone-surrogate-in-str",
        f'{ROOT}\n  <property name="a">\ud800</property>\n</resource>',
        "the text holds a lone surrogate, which XML cannot carry (at line 2, column 22)",
        2,
        22,
        None,
    ),
    (
        "truncated-in-end-tag",
        f'{ROOT}\n  <property name="a">x</prop',
        "expected '>' (at line 2, column 29)",
        2,
        29,
        None,
    ),
    (
        "truncated-in-text",
        f'{ROOT}\n  <property name="a">x',
        "Premature end of data in tag property (at line 2, column 23)",
        2,
        23,
        None,
    ),
    (
        "misplaced-xml-declaration",
        f'\n<?xml version="1.0"?><resource xmlns="{NS}"/>',
        "XML declaration allowed only at the start of the document (at line 2, column 6)",
        2,
        6,
        None,
    ),
    (
        "doctype",
        f'<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY a "b">]>\n<resource xmlns="{NS}"/>',
        "DOCTYPE is not allowed in UCWA XML (at line 2, column 1)",
        2,
        1,
        None,
    ),
    # An element that lacks something: its line, and the path of the resource that holds it.
    (
        "link-without-href",
        f'{ROOT}\n  <link rel="a"/>\n</resource>',
        "<link> without 'href' (at line 2, $)",
        2,
        None,
        "$",
    ),
    (
        "link-without-rel",
        f'{ROOT}\n  <link href="a"/>\n</resource>',
        "<link> without 'rel' (at line 2, $)",
        2,
        None,
        "$",
    ),
    (
        "input-link-without-href",
        f'<input xmlns="{NS}">\n  <link rel="message"/>\n</input>',
        "<link> without 'href' (at line 2, $)",
        2,
        None,
        "$",
    ),
    (
        "property-without-name",
        f"{ROOT}\n  <property>x</property>\n</resource>",
        "<property> without a name (at line 2, $)",
        2,
        None,
        "$",
    ),
    (
        "propertyList-without-name",
        f"{ROOT}\n  <propertyList><item>x</item></propertyList>\n</resource>",
        "<propertyList> without a name (at line 2, $)",
        2,
        None,
        "$",
    ),
    (
        "embedded-without-rel",
        f'{ROOT}\n  <resource href="/x"/>\n</resource>',
        "embedded <resource> without 'rel' (at line 2, $)",
        2,
        None,
        "$",
    ),
    (
        "nested-embedded-without-rel",
        f'{ROOT}\n  <resource rel="a">\n    <resource href="/x"/>\n  </resource>\n</resource>',
        "embedded <resource> without 'rel' (at line 3, $._embedded.a)",
        3,
        None,
        "$._embedded.a",
    ),
    (
        "wrong-root-no-namespace",
        "<foo/>",
        "unsupported root element <foo> (at $)",
        None,
        None,
        "$",
    ),
    (
        "foreign-namespace-root",
        '<resource xmlns="urn:other"/>',
        "root element <resource> is in the namespace 'urn:other', not UCWA's (at $)",
        None,
        None,
        "$",
    ),
    (
        # D20: a foreign namespace is an error, also in lenient mode.
        "foreign-namespace-child",
        f'{ROOT}\n  <x:y xmlns:x="urn:o"/>\n</resource>',
        "element '{urn:o}y' is in a foreign namespace (at $)",
        None,
        None,
        "$",
    ),
]


@pytest.mark.parametrize(
    ("data", "text", "line", "column", "path"),
    [case[1:] for case in XML_CASES],
    ids=[case[0] for case in XML_CASES],
)
def test_xml_error(
    data: str | bytes, text: str, line: int | None, column: int | None, path: str | None
) -> None:
    err = _raises(ucwaformat.from_xml, data)
    _check(err, text, line=line, column=column, path=path)


def test_xml_errors_are_the_same_for_bytes_and_str() -> None:
    data = f'{ROOT}\n  <link rel="a" href="b">\n</resource>'
    assert str(_raises(ucwaformat.from_xml, data)) == str(
        _raises(ucwaformat.from_xml, data.encode())
    )


def test_xml_column_counts_characters() -> None:
    # Four two-byte characters before the error: the column counts characters, not bytes.
    data = f'{ROOT}<property name="éééé">x</propertyy></resource>'
    for form in (data, data.encode()):
        err = _raises(ucwaformat.from_xml, form)
        assert (err.line, err.column) == (1, 100)
        assert err.msg == "Opening and ending tag mismatch: property line 1 and propertyy"


def test_xml_reader_rejects_non_text() -> None:
    err = _raises(ucwaformat.from_xml, 123)
    _check(err, "Expected bytes or str, not 'int'")
    err = _raises(ucwaformat.from_xml, None)
    _check(err, "Expected bytes or str, not 'NoneType'")


# -- JSON -------------------------------------------------------------------------------------

JSON_CASES: list[tuple[str, str | bytes, str, int | None, int | None, str | None]] = [
    (
        # Column 13 is the comma itself.
        "trailing-comma-object",
        '{\n  "rel": "a",\n}',
        "trailing comma is not allowed (at line 2, column 13)",
        2,
        13,
        None,
    ),
    (
        "trailing-comma-array",
        '{"rel": "a", "x": [1, 2,]}',
        "trailing comma is not allowed (at line 1, column 24)",
        1,
        24,
        None,
    ),
    (
        "truncated-in-string",
        '{\n  "rel": "a",\n  "x": "abc',
        "unexpected end of data (at line 3, column 12)",
        3,
        12,
        None,
    ),
    (
        "truncated-object",
        '{"rel": "a"',
        "unexpected end of data (at line 1, column 12)",
        1,
        12,
        None,
    ),
    (
        "empty",
        "",
        "Input is a zero-length, empty document (at line 1, column 1)",
        1,
        1,
        None,
    ),
    ("whitespace-only", "   ", "input data is empty (at line 1, column 1)", 1, 1, None),
    (
        "garbage-after-document",
        '{"rel": "a"} x',
        "unexpected content after document (at line 1, column 14)",
        1,
        14,
        None,
    ),
    (
        "two-documents",
        '{"rel": "a"}\n{"rel": "b"}',
        "unexpected content after document (at line 2, column 1)",
        2,
        1,
        None,
    ),
    (
        "single-quoted-key",
        "{'rel': 'a'}",
        "unexpected character, expected a string key (at line 1, column 2)",
        1,
        2,
        None,
    ),
    (
        "column-counts-characters",
        '{"éééé": 1,,}',
        "unexpected character, expected a string key (at line 1, column 12)",
        1,
        12,
        None,
    ),
    (
        "invalid-escape",
        '{"rel": "a", "x": "\\q"}',
        "invalid escaped sequence in string (at line 1, column 20)",
        1,
        20,
        None,
    ),
    (
        "lone-surrogate-escape",
        '{"rel": "a", "x": "\\ud800"}',
        "no low surrogate in string (at line 1, column 20)",
        1,
        20,
        None,
    ),
    (
        "nul-byte-in-string",
        b'{"rel": "a", "x": "\x00"}',
        "unexpected control character in string (at line 1, column 20)",
        1,
        20,
        None,
    ),
    (
        "nul-byte-after-document",
        b'{"rel": "a"}\x00',
        "unexpected content after document (at line 1, column 13)",
        1,
        13,
        None,
    ),
    (
        "raw-newline-in-string",
        '{"rel": "a", "x": "a\nb"}',
        "unexpected control character in string (at line 1, column 21)",
        1,
        21,
        None,
    ),
    # Not an object.
    ("array", "[1, 2]", "a UCWA document is a JSON object, not an array (at $)", None, None, "$"),
    ("number", "42", "a UCWA document is a JSON object, not a number (at $)", None, None, "$"),
    ("string", '"hello"', "a UCWA document is a JSON object, not a string (at $)", None, None, "$"),
    ("null", "null", "a UCWA document is a JSON object, not null (at $)", None, None, "$"),
    # Wrong shapes.
    (
        "links-array",
        '{"rel": "a", "_links": [1]}',
        "'_links' must be an object, not an array (at $._links)",
        None,
        None,
        "$._links",
    ),
    (
        "links-string",
        '{"rel": "a", "_links": "x"}',
        "'_links' must be an object, not a string (at $._links)",
        None,
        None,
        "$._links",
    ),
    (
        "link-without-href",
        '{"rel": "a", "_links": {"contact": {"title": "x"}}}',
        "link has no 'href' (at $._links.contact)",
        None,
        None,
        "$._links.contact",
    ),
    (
        "link-href-number",
        '{"rel": "a", "_links": {"contact": {"href": 5}}}',
        "link has an 'href' that is a number (at $._links.contact)",
        None,
        None,
        "$._links.contact",
    ),
    (
        "link-member-number",
        '{"rel": "a", "_links": {"contact": {"href": "x", "title": 3}}}',
        "link member 'title' must be a string, not a number (at $._links.contact.title)",
        None,
        None,
        "$._links.contact.title",
    ),
    (
        "link-array-holds-string",
        '{"rel": "a", "_links": {"contact": [{"href": "x"}, "y"]}}',
        "a link must be an object, not a string (at $._links.contact[1])",
        None,
        None,
        "$._links.contact[1]",
    ),
    (
        "link-array-holds-array",
        '{"rel": "a", "_links": {"contact": [{"href": "x"}, []]}}',
        "a link must be an object, not an array (at $._links.contact[1])",
        None,
        None,
        "$._links.contact[1]",
    ),
    (
        "nested-link-array-holds-number",
        '{"rel": "a", "_embedded": {"p": {"rel": "b", "_links": {"c": [{"href": "x"}, 1]}}}}',
        "a link must be an object, not a number (at $._embedded.p._links.c[1])",
        None,
        None,
        "$._embedded.p._links.c[1]",
    ),
    (
        "embedded-array",
        '{"rel": "a", "_embedded": [1]}',
        "'_embedded' must be an object, not an array (at $._embedded)",
        None,
        None,
        "$._embedded",
    ),
    (
        "embedded-value-string",
        '{"rel": "a", "_embedded": {"x": "s"}}',
        "a resource must be an object, not a string (at $._embedded.x)",
        None,
        None,
        "$._embedded.x",
    ),
    (
        "embedded-value-null",
        '{"rel": "a", "_embedded": {"x": null}}',
        "a resource must be an object, not null (at $._embedded.x)",
        None,
        None,
        "$._embedded.x",
    ),
    (
        "embedded-array-holds-number",
        '{"rel": "a", "_embedded": {"x": [{}, 3]}}',
        "a resource must be an object, not a number (at $._embedded.x[1])",
        None,
        None,
        "$._embedded.x[1]",
    ),
    (
        "rel-number",
        '{"rel": 5}',
        "'rel' must be a string, not a number (at $.rel)",
        None,
        None,
        "$.rel",
    ),
    (
        "nested-rel-boolean",
        '{"rel": "a", "_embedded": {"p": {"rel": true}}}',
        "'rel' must be a string, not a boolean (at $._embedded.p.rel)",
        None,
        None,
        "$._embedded.p.rel",
    ),
    (
        "self-array",
        '{"rel": "a", "_links": {"self": [{"href": "x"}]}}',
        "'self' must be one link object, not an array (at $._links.self)",
        None,
        None,
        "$._links.self",
    ),
    (
        "self-string",
        '{"rel": "a", "_links": {"self": "x"}}',
        "'self' must be one link object, not a string (at $._links.self)",
        None,
        None,
        "$._links.self",
    ),
    (
        "quoted-member-path",
        '{"rel": "a", "_links": {"my contact": {"title": "x"}}}',
        "link has no 'href' (at $._links[\"my contact\"])",
        None,
        None,
        '$._links["my contact"]',
    ),
]


@pytest.mark.parametrize(
    ("data", "text", "line", "column", "path"),
    [case[1:] for case in JSON_CASES],
    ids=[case[0] for case in JSON_CASES],
)
def test_json_error(
    data: str | bytes, text: str, line: int | None, column: int | None, path: str | None
) -> None:
    err = _raises(ucwaformat.from_json, data)
    _check(err, text, line=line, column=column, path=path)


def test_json_reader_rejects_non_text() -> None:
    err = _raises(ucwaformat.from_json, 123)
    _check(err, "Expected bytes or str, not 'int'")


def test_json_invalid_utf8_points_at_the_bad_byte() -> None:
    # orjson says "str is not valid UTF-8: surrogates not allowed" at line 1, column 1: wrong on
    # both counts (the input is bytes, there is no surrogate, and the bad byte is at column 20).
    # The error must name the encoding problem and point at the byte.
    data = b'{"rel": "a", "x": "\xff"}'
    err = _raises(ucwaformat.from_json, data)
    assert (err.line, err.column) == (1, 20)
    assert "UTF-8" in err.msg
    assert "surrogate" not in err.msg
    assert not err.msg.startswith("str ")
    assert str(err) == f"{err.msg} (at line 1, column 20)"


def test_json_invalid_utf8_on_a_later_line() -> None:
    data = b'{\n  "rel": "a",\n  "x": "ok\xc3"\n}'
    err = _raises(ucwaformat.from_json, data)
    assert (err.line, err.column) == (3, 11)
    assert "UTF-8" in err.msg


def test_json_duplicate_key_strict_has_a_path() -> None:
    # D24: strict mode raises on duplicate keys; the error must say where the key is.
    err = _raises(ucwaformat.from_json, '{"rel": "a", "x": 1, "x": 2}', strict=True)
    _check(err, "duplicate key 'x' in a JSON object (at $.x)", path="$.x")


def test_json_nested_duplicate_key_strict_has_a_path() -> None:
    data = '{"rel": "a", "_embedded": {"p": {"y": 1, "y": 2}}}'
    err = _raises(ucwaformat.from_json, data, strict=True)
    _check(
        err,
        "duplicate key 'y' in a JSON object (at $._embedded.p.y)",
        path="$._embedded.p.y",
    )


def test_json_duplicate_key_lenient_last_wins() -> None:
    report: list[ucwaformat.Loss] = []
    doc = ucwaformat.from_json('{"rel": "a", "x": 1, "x": 2}', report=report)
    assert doc.get("x") == 2
    # ...and is reported, not lost silently (D24)
    assert [(loss.kind, loss.path) for loss in report] == [("duplicate", "$.x")]


@pytest.mark.parametrize(
    ("text", "paths"),
    [
        (
            '{"rel": "a", "x" : 1, "y": {"z": 1, "z" :2}, "x":3, "_links": {"self": {"href": "/a"}}}',
            ["$.x", "$.y.z"],
        ),
        ('{\n "rel": "a",\n "x": "\\":\\"",\n "x": "b"\n}', ["$.x"]),  # a key end in a value
        ('{"rel": "a", "big": 123456789012345678901234567890, "big": 1}', ["$.big"]),
    ],
)
def test_json_every_repeated_key_is_reported_on_every_path(text: str, paths: list[str]) -> None:
    from ucwaformat._stream import stream_json_to_xml

    def duplicates(report: list[ucwaformat.Loss]) -> list[str]:
        return [loss.path for loss in report if loss.kind == "duplicate"]

    report: list[ucwaformat.Loss] = []
    ucwaformat.from_json(text, report=report)
    assert duplicates(report) == paths
    report = []
    ucwaformat.json_to_xml(text, report=report)
    assert duplicates(report) == paths
    report = []
    stream_json_to_xml(io.BytesIO(text.encode()), io.BytesIO(), report=report)
    assert duplicates(report) == paths


def test_json_no_repeated_key_no_report_and_no_second_parse(monkeypatch: pytest.MonkeyPatch) -> None:
    from ucwaformat import _json

    def refuse(data: Any) -> Any:
        raise AssertionError("the exact check ran")

    monkeypatch.setattr(_json, "_read_pairs", refuse)
    report: list[ucwaformat.Loss] = []
    ucwaformat.json_to_xml('{"rel": "a", "x" :1, "y": {"z": "\\"q"}}', report=report)
    assert report == [] or all(loss.kind != "duplicate" for loss in report)


# -- strict mode: the error is the loss, so it must not describe a repair ---------------------

STRICT_CASES: list[tuple[str, Any, str, str]] = [
    (
        "float",
        ucwaformat.from_json,
        '{"rel": "a", "x": 1.5}',
        "$.x",
    ),
    (
        "object-value",
        ucwaformat.from_json,
        '{"rel": "a", "x": {"y": 1}}',
        "$.x",
    ),
    (
        "dotnet-ticks-date",
        ucwaformat.from_json,
        '{"rel": "a", "x": "\\/Date(634250351766060665)\\/"}',
        "$.x",
    ),
    (
        # §11: an unknown root in the UCWA namespace is an error in strict mode.
        "unknown-root-in-ucwa-namespace",
        ucwaformat.from_xml,
        f'<foo xmlns="{NS}"/>',
        "$",
    ),
    (
        "no-namespace",
        ucwaformat.from_xml,
        '<resource rel="a"><property name="x">1</property></resource>',
        "$",
    ),
]


@pytest.mark.parametrize(
    ("func", "data", "path"), [c[1:] for c in STRICT_CASES], ids=[c[0] for c in STRICT_CASES]
)
def test_strict_error_does_not_claim_a_repair(func: Any, data: str, path: str) -> None:
    # With strict=True nothing is kept, skipped or read leniently: the message says what is
    # wrong, not what the lenient mode would have done ("…; kept as a string").
    err = _raises(func, data, strict=True)
    assert err.path == path
    for phrase in ("kept as", "skipped", "read as", "read with"):
        assert phrase not in err.msg, err.msg


# -- untyped values going to XML (D1, D13) ------------------------------------------------------


def test_json_to_xml_reports_integers_and_booleans_the_schema_does_not_type() -> None:
    # conversation types participantCount (integer) and readLocally (boolean); the rest is not
    # typed so, and XML text under those names reads back as a string.
    data = (
        '{"rel": "conversation", "_links": {"self": {"href": "/c"}}, "participantCount": 3,'
        ' "readLocally": true, "unknownCount": 7, "subject": false, "flags": ["a", true],'
        ' "_embedded": {"localParticipant":'
        ' {"rel": "localParticipant", "name": "me", "level": 2}}}'
    )
    report: list[ucwaformat.Loss] = []
    xml = ucwaformat.json_to_xml(data, report=report)
    assert [(loss.kind, loss.path) for loss in report] == [
        ("untyped", "$.unknownCount"),
        ("untyped", "$.subject"),
        ("untyped", "$.flags"),
        ("untyped", "$._embedded.localParticipant.level"),
    ]
    assert report[0].message == (
        "the schema does not type 'unknownCount' as integer here (7); "
        "written as text, which reads back from XML as a string"
    )
    # What the report says happens, happens: the XML reads back with strings there.
    back = json.loads(ucwaformat.xml_to_json(xml))
    assert (back["participantCount"], back["readLocally"]) == (3, True)
    assert (back["unknownCount"], back["subject"], back["flags"]) == ("7", "false", ["a", "true"])
    assert back["_embedded"]["localParticipant"]["level"] == "2"
    # Reading JSON alone loses nothing, so from_json says nothing.
    quiet: list[ucwaformat.Loss] = []
    ucwaformat.from_json(data, report=quiet)
    assert quiet == []
    err = _raises(ucwaformat.json_to_xml, data, strict=True)
    _check(
        err,
        "the schema does not type 'unknownCount' as integer here (7) (at $.unknownCount)",
        path="$.unknownCount",
    )


def test_json_to_xml_types_input_bodies_by_the_request_table() -> None:
    report: list[ucwaformat.Loss] = []
    # A body sent to myOnlineMeetings: the request table types its own fields.
    ucwaformat.json_to_xml(
        '{"subject": "s", "attendees": ["sip:a@b"], "guess": 1}',
        rel="myOnlineMeetings",
        kind="input",
        report=report,
    )
    assert [(loss.kind, loss.path) for loss in report] == [("untyped", "$.guess")]
