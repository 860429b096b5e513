"""Hostile and broken input: every case ends in UcwaFormatError, never another exception.

FORMAT.md §2 (no DOCTYPE, no entities, characters XML cannot hold), D28, §8.1/§14.1 (.NET ticks
in /Date()/), README "Errors" (nesting limits, no lxml/orjson exception reaches a caller). Each
case is small or is refused early, so each returns in well under a second.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from data_paths import CORPUS
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ucwaformat
import ucwaformat.testing
from ucwaformat import Input, Link, Resource, UcwaFormatError

NS = "http://schemas.microsoft.com/rtc/2012/03/ucwa"
DATA = CORPUS / "myAssignedOnlineMeeting"
XML_DOC = DATA / "get-xml-response.xml"
JSON_DOC = DATA / "get-json-response.json"


def _fails(func: Any, data: Any, **kwargs: Any) -> UcwaFormatError:
    with pytest.raises(UcwaFormatError) as info:
        func(data, **kwargs)
    assert type(info.value) is UcwaFormatError
    return info.value


# -- DTDs and entities (§2: any DOCTYPE is refused) --------------------------------------------

BILLION_LAUGHS = (
    '<?xml version="1.0"?>\n'
    "<!DOCTYPE lolz [\n"
    ' <!ENTITY lol "lol">\n'
    ' <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">\n'
    ' <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">\n'
    ' <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">\n'
    ' <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">\n'
    ' <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">\n'
    ' <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">\n'
    ' <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">\n'
    ' <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">\n'
    ' <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">\n'
    "]>\n"
    f'<resource xmlns="{NS}" rel="x"><property name="a">&lol9;</property></resource>'
)
XXE = (
    '<?xml version="1.0"?>\n'
    '<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
    f'<resource xmlns="{NS}" rel="x"><property name="a">&xxe;</property></resource>'
)
PARAMETER_ENTITIES = (
    '<?xml version="1.0"?>\n'
    '<!DOCTYPE r [\n <!ENTITY % p SYSTEM "file:///etc/passwd">\n %p;\n'
    " <!ENTITY % q \"<!ENTITY e 'x'>\">\n %q;\n]>\n"
    f'<resource xmlns="{NS}" rel="x"><property name="a">&e;</property></resource>'
)
EXTERNAL_DTD = (
    '<?xml version="1.0"?>\n'
    '<!DOCTYPE resource SYSTEM "http://127.0.0.1:9/evil.dtd">\n'
    f'<resource xmlns="{NS}" rel="x"/>'
)
DOCTYPES = {
    "billion-laughs": BILLION_LAUGHS,
    "xxe-file": XXE,
    "parameter-entities": PARAMETER_ENTITIES,
    "external-dtd": EXTERNAL_DTD,
    "doctype-alone": "<!DOCTYPE resource>",
    "doctype-before-root": f'<!DOCTYPE resource>\n<resource xmlns="{NS}"/>',
}


def _encodings(text: str) -> list[tuple[str, bytes | str]]:
    # A DOCTYPE must be refused whatever the document's encoding: a check on the UTF-8 bytes
    # alone misses UTF-16 and UTF-32 documents, which libxml2 decodes by their BOM.
    declared = text.replace('<?xml version="1.0"?>', "")
    return [
        ("str", text),
        ("utf-8", text.encode("utf-8")),
        ("utf-16", ('<?xml version="1.0" encoding="utf-16"?>' + declared).encode("utf-16")),
        ("utf-16-le", ('<?xml version="1.0" encoding="utf-16"?>' + declared).encode("utf-16-le")),
        ("utf-32", ('<?xml version="1.0" encoding="utf-32"?>' + declared).encode("utf-32")),
    ]


ENCODINGS = ["str", "utf-8", "utf-16", "utf-16-le", "utf-32"]


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_doctype_is_refused(encoding: str) -> None:
    for name, text in DOCTYPES.items():
        data = dict(_encodings(text))[encoding]
        for strict in (False, True):
            try:
                ucwaformat.from_xml(data, strict=strict)
            except UcwaFormatError as err:
                if encoding in ("str", "utf-8"):
                    assert "DOCTYPE" in err.msg, (name, str(err))
                # UCWA is always UTF-8 (§1): refusing another encoding outright is fine too.
            else:
                pytest.fail(f"{name} in {encoding} was read")


def test_xxe_never_reads_the_file() -> None:
    for _enc, data in _encodings(XXE):
        try:
            doc = ucwaformat.from_xml(data)
        except UcwaFormatError:
            continue
        # Not refused (a failure of test_doctype_is_refused): at least nothing was expanded.
        assert "root:" not in repr(doc)


def test_xml_to_json_refuses_doctype() -> None:
    _fails(ucwaformat.xml_to_json, BILLION_LAUGHS)


# -- nesting --------------------------------------------------------------------------------------


def test_deeply_nested_resources() -> None:
    data = f'<resource xmlns="{NS}">' + '<resource rel="a">' * 10_000 + "</resource>" * 10_001
    _fails(ucwaformat.from_xml, data)


def test_deeply_nested_unclosed_resources() -> None:
    _fails(ucwaformat.from_xml, f'<resource xmlns="{NS}">' + '<resource rel="a">' * 10_000)


def test_nested_resources_past_the_library_limit() -> None:
    # README: nesting deeper than 200 resources is refused in both forms (below libxml2's 256).
    data = f'<resource xmlns="{NS}">' + '<resource rel="a">' * 230 + "</resource>" * 231
    err = _fails(ucwaformat.from_xml, data)
    assert err.path is not None and err.path.startswith("$._embedded.a._embedded.a")


def test_deeply_nested_arbitrary_elements() -> None:
    data = f'<resource xmlns="{NS}">' + "<x>" * 10_000 + "</x>" * 10_000 + "</resource>"
    _fails(ucwaformat.from_xml, data)


def test_deeply_nested_elements_inside_a_property() -> None:
    data = f'<resource xmlns="{NS}"><property name="a">' + "<b>" * 10_000 + "</b>" * 10_000
    _fails(ucwaformat.from_xml, data + "</property></resource>")


def test_deeply_nested_json_arrays() -> None:
    _fails(ucwaformat.from_json, "[" * 100_000 + "]" * 100_000)
    _fails(ucwaformat.from_json, '{"rel":"a","x":' + "[" * 100_000 + "]" * 100_000 + "}")


def test_deeply_nested_json_embedded() -> None:
    data = '{"rel":"a",' + '"_embedded":{"x":{' * 100_000 + "}}" * 100_000 + "}"
    _fails(ucwaformat.from_json, data)
    _fails(ucwaformat.from_json, data, strict=True)


def test_json_embedded_past_the_library_limit() -> None:
    data = '{"rel":"a",' + '"_embedded":{"x":{' * 230 + "}}" * 230 + "}"
    for strict in (False, True):
        err = _fails(ucwaformat.from_json, data, strict=strict)
        assert err.path is not None and err.path.startswith("$._embedded.x._embedded.x")


@pytest.mark.parametrize("depth", [300, 990, 1000, 1020])
def test_json_nesting_below_the_parser_limit_in_strict_mode(depth: int) -> None:
    # orjson accepts up to 1024 levels; strict mode's duplicate-key pass must not hit Python's
    # recursion limit on what orjson accepted (a RecursionError escaped here).
    arrays = '{"rel":"a","x":' + "[" * depth + "]" * depth + "}"
    objects = '{"rel":"a","x":' + '{"a":' * depth + "1" + "}" * depth + "}"
    for data in (arrays, objects):
        _fails(ucwaformat.from_json, data, strict=True)


# -- bad bytes --------------------------------------------------------------------------------

XML_BAD_BYTES = {
    "invalid-utf8": f'<resource xmlns="{NS}"><property name="a">'.encode()
    + b"\xc3\x28</property></resource>",
    "overlong-utf8": f'<resource xmlns="{NS}"><property name="a">'.encode()
    + b"\xc0\xaf</property></resource>",
    "utf8-surrogate": f'<resource xmlns="{NS}"><property name="a">'.encode()
    + b"\xed\xa0\x80</property></resource>",
    "nul-in-text": f'<resource xmlns="{NS}"><property name="a">'.encode()
    + b"a\x00b</property></resource>",
    "nul-in-attribute": f'<resource xmlns="{NS}" rel="a\x00"/>'.encode(),
    "nul-before-root": b"\x00" + f'<resource xmlns="{NS}"/>'.encode(),
    "char-ref-nul": f'<resource xmlns="{NS}"><property name="a">&#0;</property></resource>',
    "char-ref-ffff": f'<resource xmlns="{NS}"><property name="a">&#xFFFF;</property></resource>',
    "control-char": f'<resource xmlns="{NS}"><property name="a">\x01</property></resource>',
    "lone-surrogate-str": f'<resource xmlns="{NS}"><property name="a">\udc00</property></resource>',
}


@pytest.mark.parametrize("data", list(XML_BAD_BYTES.values()), ids=list(XML_BAD_BYTES))
def test_xml_bad_characters(data: bytes | str) -> None:
    err = _fails(ucwaformat.from_xml, data)
    assert err.line is not None


JSON_BAD_BYTES = {
    "invalid-utf8": b'{"rel":"a","x":"\xc3\x28"}',
    "overlong-utf8": b'{"rel":"a","x":"\xc0\xaf"}',
    "utf8-surrogate": b'{"rel":"a","x":"\xed\xa0\x80"}',
    "invalid-utf8-in-key": b'{"rel":"a","\xff":"x"}',
    "nul-in-string": b'{"rel":"a","x":"a\x00b"}',
    "nul-outside-string": b'{"rel":"a",\x00"x":1}',
    "nul-alone": b"\x00",
    "lone-surrogate-escape": b'{"rel":"a","x":"\\udc00"}',
    "lone-surrogate-str": '{"rel":"a","x":"\ud800"}',
    "utf-16": '{"rel":"a"}'.encode("utf-16"),
}


@pytest.mark.parametrize("data", list(JSON_BAD_BYTES.values()), ids=list(JSON_BAD_BYTES))
def test_json_bad_characters(data: bytes | str) -> None:
    err = _fails(ucwaformat.from_json, data)
    assert err.line is not None


# -- truncation ---------------------------------------------------------------------------------


def _cuts(data: bytes) -> list[int]:
    return list(range(0, len(data), 37))


@pytest.mark.parametrize(
    ("path", "read"),
    [(XML_DOC, ucwaformat.from_xml), (JSON_DOC, ucwaformat.from_json)],
    ids=["xml", "json"],
)
def test_truncated_corpus_document(path: Path, read: Any) -> None:
    data = path.read_bytes()
    cuts = _cuts(data)
    assert len(cuts) > 40
    for cut in cuts:
        prefix = data[:cut]
        try:
            read(prefix)
        except UcwaFormatError as err:
            # A syntax error: where the text stops making sense, never past its end.
            assert err.line is not None, (cut, err)
            assert err.line <= prefix.count(b"\n") + 1, (cut, err)
        # Any other exception fails the test; a successful parse of a prefix that happens to be
        # a complete document is fine.


# -- wrong roots and shapes ------------------------------------------------------------------

STRUCTURE_XML = {
    "unknown-root": "<foo/>",
    "unknown-root-in-ucwa-namespace-strict": f'<foo xmlns="{NS}"/>',
    "foreign-namespace": '<resource xmlns="urn:evil"><property name="a">x</property></resource>',
    "prefixed-foreign-namespace": '<e:resource xmlns:e="http://example.com/ucwa"/>',
    "ucwa-namespace-prefix-on-wrong-element": f'<u:input xmlns:u="{NS}"><u:x xmlns:u="urn:o"/></u:input>',
    "two-roots": f'<resource xmlns="{NS}"/><resource xmlns="{NS}"/>',
    "comment-only": "<!-- nothing -->",
    "pi-only": "<?xml version='1.0'?>",
}


@pytest.mark.parametrize("data", list(STRUCTURE_XML.values()), ids=list(STRUCTURE_XML))
def test_xml_wrong_structure(data: str) -> None:
    _fails(ucwaformat.from_xml, data, strict=True)


def test_unknown_root_outside_the_namespace_is_refused_even_leniently() -> None:
    _fails(ucwaformat.from_xml, "<foo/>")
    _fails(ucwaformat.from_xml, '<resource xmlns="urn:evil"/>')


STRUCTURE_JSON = {
    "array": "[]",
    "number": "1",
    "string": '"x"',
    "true": "true",
    "null": "null",
    "links-array": '{"rel":"a","_links":[]}',
    "links-string": '{"rel":"a","_links":"x"}',
    "links-number": '{"rel":"a","_links":1}',
    "links-null": '{"rel":"a","_links":null}',
    "link-string": '{"rel":"a","_links":{"x":"y"}}',
    "link-number": '{"rel":"a","_links":{"x":1}}',
    "link-null": '{"rel":"a","_links":{"x":null}}',
    "link-array-of-arrays": '{"rel":"a","_links":{"x":[[{"href":"y"}]]}}',
    "link-href-object": '{"rel":"a","_links":{"x":{"href":{}}}}',
    "link-member-object": '{"rel":"a","_links":{"x":{"href":"y","title":{}}}}',
    "self-array": '{"rel":"a","_links":{"self":[{"href":"y"}]}}',
    "self-no-href": '{"rel":"a","_links":{"self":{}}}',
    "embedded-array": '{"rel":"a","_embedded":[]}',
    "embedded-string": '{"rel":"a","_embedded":"x"}',
    "embedded-value-string": '{"rel":"a","_embedded":{"x":"y"}}',
    "embedded-value-number": '{"rel":"a","_embedded":{"x":1}}',
    "embedded-array-of-strings": '{"rel":"a","_embedded":{"x":["y"]}}',
    "embedded-array-of-arrays": '{"rel":"a","_embedded":{"x":[[]]}}',
    "rel-number": '{"rel":1}',
    "rel-object": '{"rel":{}}',
    "rel-array": '{"rel":["a"]}',
}


@pytest.mark.parametrize("data", list(STRUCTURE_JSON.values()), ids=list(STRUCTURE_JSON))
def test_json_wrong_structure(data: str) -> None:
    for strict in (False, True):
        err = _fails(ucwaformat.from_json, data, strict=strict)
        assert err.path is not None


# -- characters XML 1.0 cannot hold, on the way to XML (D28) ------------------------------------

ILLEGAL = [
    *(chr(c) for c in range(0x00, 0x09)),
    "\x0b",
    "\x0c",
    *(chr(c) for c in range(0x0E, 0x20)),
    "\ufffe",
    "\uffff",
]


def _ids(chars: list[str]) -> list[str]:
    return [f"U+{ord(c):04X}" for c in chars]


def _json(obj: Any) -> str:
    return json.dumps(obj)  # escapes every control character as \\uXXXX


@pytest.mark.parametrize("char", ILLEGAL, ids=_ids(ILLEGAL))
def test_illegal_character_in_value(char: str) -> None:
    data = _json({"rel": "a", "x": f"a{char}b"})
    err = _fails(ucwaformat.json_to_xml, data)
    assert err.path == "$.x"
    assert f"U+{ord(char):04X}" in err.msg


@pytest.mark.parametrize("char", ILLEGAL, ids=_ids(ILLEGAL))
def test_illegal_character_in_list_item(char: str) -> None:
    err = _fails(ucwaformat.json_to_xml, _json({"rel": "a", "x": ["ok", char]}))
    assert err.path == "$.x[1]"


@pytest.mark.parametrize("char", ILLEGAL, ids=_ids(ILLEGAL))
def test_illegal_character_in_property_name(char: str) -> None:
    name = f"k{char}"
    err = _fails(ucwaformat.json_to_xml, _json({"rel": "a", name: 1}))
    escaped = name.replace("\\", "\\\\").replace('"', '\\"')
    assert err.path == f'$["{escaped}"]'


@pytest.mark.parametrize("char", ILLEGAL, ids=_ids(ILLEGAL))
def test_illegal_character_in_link_href(char: str) -> None:
    data = _json({"rel": "a", "_links": {"contact": {"href": f"/x{char}"}}})
    err = _fails(ucwaformat.json_to_xml, data)
    assert err.path == "$._links.contact"


@pytest.mark.parametrize("char", ["\x01", "\ufffe"], ids=["U+0001", "U+FFFE"])
def test_illegal_character_in_embedded_value(char: str) -> None:
    data = _json({"rel": "a", "_embedded": {"p": [{"rel": "p", "y": char}]}})
    err = _fails(ucwaformat.json_to_xml, data)
    assert err.path == "$._embedded.p[0].y"


def test_illegal_character_in_input_value() -> None:
    err = _fails(ucwaformat.json_to_xml, _json({"x": "\x02"}), kind="input")
    assert err.path == "$.x"


def test_illegal_character_in_second_link_of_a_collection() -> None:
    # The path names the offending link, not only its rel.
    data = _json({"rel": "a", "_links": {"contact": [{"href": "/ok"}, {"href": "/x\x01"}]}})
    err = _fails(ucwaformat.json_to_xml, data)
    assert err.path == "$._links.contact[1]"


def test_illegal_character_in_self_href() -> None:
    data = _json({"rel": "a", "_links": {"self": {"href": "/x\x01"}}})
    err = _fails(ucwaformat.json_to_xml, data)
    assert err.path == "$._links.self"


def test_illegal_character_in_type() -> None:
    err = _fails(ucwaformat.json_to_xml, _json({"rel": "a\x01"}))
    assert err.path == "$.rel"


def test_illegal_character_in_link_title() -> None:
    data = _json({"rel": "a", "_links": {"contact": {"href": "/x", "title": "\x01"}}})
    err = _fails(ucwaformat.json_to_xml, data)
    assert err.path == "$._links.contact.title"


def test_lone_surrogate_in_json_text() -> None:
    # orjson refuses it while reading: a syntax error with a position.
    err = _fails(ucwaformat.json_to_xml, '{"rel":"a","x":"\\ud800"}')
    assert (err.line, err.column) == (1, 17)


@pytest.mark.parametrize("char", ["\ud800", "\udfff"], ids=["U+D800", "U+DFFF"])
def test_lone_surrogate_in_model_to_xml(char: str) -> None:
    err = _fails(ucwaformat.to_xml, Resource("a", properties=(("x", char),)))
    assert err.path == "$.x"
    err = _fails(ucwaformat.to_xml, Resource("a", links=(("l", Link("l", "/" + char)),)))
    assert err.path == "$._links.l"


@pytest.mark.parametrize("char", ["\ud800", "\udfff"], ids=["U+D800", "U+DFFF"])
def test_lone_surrogate_in_model_to_json(char: str) -> None:
    # UTF-8 cannot hold a lone surrogate either: our error with a path, not UnicodeEncodeError.
    err = _fails(ucwaformat.to_json, Resource("a", properties=(("x", char),)))
    assert err.path == "$.x"
    _fails(ucwaformat.to_json, Input(properties=((f"k{char}", "v"),)))


# -- .NET ticks in a /Date()/ (§8.1, §14.1) --------------------------------------------------

DOTNET = '{"rel":"a","x":"\\/Date(634250351766060665)\\/"}'


def test_dotnet_ticks_strict() -> None:
    err = _fails(ucwaformat.from_json, DOTNET, strict=True)
    assert err.path == "$.x"
    assert "634250351766060665" in err.msg
    assert "kept" not in err.msg  # strict keeps nothing
    _fails(ucwaformat.json_to_xml, DOTNET, strict=True)


def test_dotnet_ticks_lenient_is_kept_and_reported() -> None:
    report: list[ucwaformat.Loss] = []
    doc = ucwaformat.from_json(DOTNET, report=report)
    assert isinstance(doc, Resource)
    assert doc.get("x") == "/Date(634250351766060665)/"
    assert [(loss.kind, loss.path) for loss in report] == [("date", "$.x")]


def test_dotnet_ticks_lenient_for_a_datetime_property() -> None:
    report: list[ucwaformat.Loss] = []
    data = '{"rel":"myOnlineMeeting","expirationTime":"\\/Date(634250351766060665)\\/"}'
    doc = ucwaformat.from_json(data, report=report)
    assert doc.get("expirationTime") == "/Date(634250351766060665)/"  # type: ignore[union-attr]
    assert [(loss.kind, loss.path) for loss in report] == [("date", "$.expirationTime")]


# -- writers never produce what their reader refuses ---------------------------------------------


def test_xmlns_self_member_does_not_produce_broken_xml() -> None:
    # An extra self member becomes an attribute of <resource> (D14); "xmlns" would redeclare the
    # namespace and write a document with two xmlns attributes.
    data = '{"rel":"a","_links":{"self":{"href":"/h","xmlns":"urn:x"}}}'
    try:
        xml = ucwaformat.json_to_xml(data)
    except UcwaFormatError:
        return
    ucwaformat.from_xml(xml)


def test_xmlns_link_member_does_not_move_the_link_out_of_the_namespace() -> None:
    data = '{"rel":"a","_links":{"l":{"href":"/h","xmlns":"urn:x"}}}'
    try:
        xml = ucwaformat.json_to_xml(data)
    except UcwaFormatError:
        return
    ucwaformat.from_xml(xml)


# -- fuzz oracle: our error, or a document that round-trips --------------------------------------

_KINDS = {"Resource": "resource", "Input": "input", "Events": "events"}


def _json_kind(doc: Any) -> str | None:
    name = type(doc).__name__
    if name == "Dto":
        return str(doc.kind)
    return _KINDS.get(name)


def _typeless_with_content(doc: Any) -> bool:
    """Whether an embedded resource has content but no type (its type is invented on re-read:
    test_properties.test_typeless_embedded_resource_is_not_typed_silently)."""
    for _role, entry in getattr(doc, "embedded", ()):
        for child in entry if isinstance(entry, tuple) else (entry,):
            if child.type is None and (child.properties or child.links or child.embedded):
                return True
            if _typeless_with_content(child):
                return True
    return False


def _xml_oracle(data: bytes | str) -> None:
    try:
        doc = ucwaformat.from_xml(data)
    except UcwaFormatError:
        return
    for dialect in ("docs", "server"):
        losses: list[ucwaformat.Loss] = []
        out = ucwaformat.to_xml(doc, dialect=dialect, report=losses)  # type: ignore[arg-type]
        back = ucwaformat.from_xml(out)
        if losses or _typeless_with_content(doc):
            continue  # reported losses are documented (D11, §5)
        assert back == doc, out


def _json_oracle(data: bytes | str) -> None:
    try:
        doc = ucwaformat.from_json(data)
    except UcwaFormatError:
        return
    losses: list[ucwaformat.Loss] = []
    out = ucwaformat.to_json(doc, report=losses)
    back = ucwaformat.from_json(out, kind=_json_kind(doc))  # type: ignore[arg-type]
    if not losses:
        assert back == doc, out


XML_TOKENS = [
    f'<resource xmlns="{NS}">',
    f'<resource xmlns="{NS}" rel="a" href="/a">',
    "</resource>",
    '<resource rel="p">',
    '<resource rel="p" href="/p"/>',
    '<resource rel="q" x="1">',
    f'<input xmlns="{NS}">',
    "</input>",
    '<link rel="l" href="/l"/>',
    '<link rel="l" href="/m" title="t"/>',
    '<link rel="l"/>',
    '<property name="a">',
    '<property name="rel">',
    '<property name="expirationTime">',
    '<property name="participantCount">',
    '<property name="anonymous">',
    "</property>",
    '<property name="e"/>',
    '<propertyList name="l">',
    "</propertyList>",
    "<item>",
    "</item>",
    "<item/>",
    "<x>",
    "</x>",
    "text",
    " ",
    "\n",
    "\r\n",
    "&amp;",
    "&#13;",
    "&#x1F600;",
    "&lt;",
    "<![CDATA[c]]>",
    "<!-- c -->",
    "<?pi x?>",
    "True",
    "false",
    "12",
    "-7",
    "é",
    "2016-09-26T16:20:23.0485629-07:00",
    "2016-09-26T16:20:23Z",
    "2016-09-26",
    '"',
    "'",
    ">",
    "<",
    "&",
    "/",
    '="',
    " rel=",
    '<events xmlns="' + NS + '">',
    "</events>",
]

JSON_KEYS = [
    "rel",
    "_links",
    "_embedded",
    "self",
    "href",
    "title",
    "x",
    "y",
    "expirationTime",
    "participantCount",
    "anonymous",
    "sender",
    "code",
    "next",
    "events",
    "type",
    "link",
]
JSON_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**64 - 1),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=12),
    st.sampled_from(
        [
            "/Date(1474932023030)/",
            "/Date(-1+0200)/",
            "/Date(634250351766060665)/",
            "2016-09-27T00:00:00.000Z",
            "2016-09-27",
            "/x",
            "data:text/plain,hi",
        ]
    ),
)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.sampled_from(JSON_KEYS) | st.text(max_size=4), children, max_size=5),
    ),
    max_leaves=25,
)

# Well-formed UCWA-like trees: most parse, so the oracle exercises reader → writer → reader.
_XSI = "http://www.w3.org/2001/XMLSchema-instance"
_TEXTS = st.one_of(
    st.sampled_from(
        [
            "",
            " ",
            "x",
            " Home",
            "12",
            "-3",
            "True",
            "false",
            "1",
            "&amp;&lt;&gt;",
            "&#13;",
            "a\r\nb",
            "&#x9;",
            "<![CDATA[<c>]]>",
            "2016-09-26T16:20:23.0485629-07:00",
            "2016-09-26T16:20:23Z",
            "2016-09-26T16:20:23",
            "not a date",
            "/Date(0)/",
            "é😀",
            "<!-- c -->",
        ]
    ),
    st.text(
        st.characters(codec="utf-8").filter(
            lambda c: c not in "<&" and (c >= " " or c in "\t\n\r") and c not in "\ufffe\uffff"
        ),
        max_size=8,
    ),
)
_NAMES = st.sampled_from(
    ["a", "b", "rel", "expirationTime", "participantCount", "anonymous", "attendees", "x y", ""]
)
_RELS = st.sampled_from(["l", "contact", "from", "participant", "p", "next", "self", ""])


def _attr(name: str, value: str) -> str:
    return f' {name}="{value}"'


def _xml_attrs(extra: list[str]) -> st.SearchStrategy[str]:
    return st.lists(st.sampled_from(extra), max_size=2, unique=True).map("".join)


_LEAVES = st.one_of(
    st.builds(
        lambda rel, href, extra: f"<link{rel}{href}{extra}/>",
        st.tuples(_RELS, st.integers(0, 15)).map(
            lambda t: "" if t[1] == 15 else _attr("rel", t[0])
        ),
        st.sampled_from([' href="/h"', ' href=""', ' href="data:text/plain,x"'] * 5 + [""]),
        _xml_attrs([' title="t"', ' revision="2"', ' foo="&amp;"']),
    ),
    st.builds(
        lambda name, text, nil: f"<property{name}{nil}>{text}</property>",
        _NAMES.map(lambda n: _attr("name", n)),
        _TEXTS,
        st.sampled_from(["", "", f' xmlns:i="{_XSI}" i:nil="true"']),
    ),
    _NAMES.map(lambda n: f'<property name="{n}"/>'),
    st.builds(
        lambda name, items: f'<propertyList name="{name}">{items}</propertyList>',
        _NAMES,
        st.lists(_TEXTS.map(lambda t: f"<item>{t}</item>" if t else "<item/>"), max_size=3).map(
            "".join
        ),
    ),
    _TEXTS,
    st.just("<x>y</x>"),
)


def _resource_el(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.builds(
        lambda rel, href, extra, body: f"<resource{rel}{href}{extra}>{body}</resource>",
        st.tuples(_RELS, st.integers(0, 15)).map(
            lambda t: "" if t[1] == 15 else _attr("rel", t[0])
        ),
        st.sampled_from([' href="/r"', ""]),
        _xml_attrs([' foo="1"', ' revision="3"']),
        st.lists(children, max_size=4).map("".join),
    )


_BODIES = st.recursive(_LEAVES, _resource_el, max_leaves=12)


@st.composite
def ucwa_xml(draw: st.DrawFn) -> str:
    root = draw(st.sampled_from(["resource", "input"]))
    attrs = draw(st.sampled_from(["", ' rel="participant"', ' rel="a" href="/a"', ' href="/a"']))
    if root == "input":
        attrs = ""
    body = "".join(draw(st.lists(_BODIES, max_size=5)))
    text = f'<{root} xmlns="{NS}"{attrs}>{body}</{root}>'
    if draw(st.integers(0, 4)) == 4:
        # Occasionally break it: cut or splice one character.
        i = draw(st.integers(0, len(text) - 1))
        text = text[:i] + draw(st.sampled_from(["", "<", "&", '"', ">"])) + text[i + 1 :]
    return text


_JSON_NAME = st.sampled_from(
    ["a", "b", "expirationTime", "participantCount", "anonymous", "x y", "", "title"]
)
_JSON_LINK = st.dictionaries(
    st.sampled_from(["href", "title", "revision", "rel"]),
    st.one_of(st.sampled_from(["/h", "", "x"]), st.text(max_size=4)),
    max_size=3,
).map(lambda d: {"href": "/h", **d})
_JSON_SCALAR = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**63), 2**63 - 1),
    st.text(max_size=6),
    st.sampled_from(["/Date(1474932023030)/", "/Date(-1+0200)/", "2016-09-27T00:00:00.000Z", "7"]),
)


def _json_resource(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    def build(rel: Any, props: dict[str, Any], links: dict[str, Any], emb: dict[str, Any]) -> Any:
        obj = dict(props)
        if rel is not None:
            obj["rel"] = rel
        if links:
            obj["_links"] = links
        if emb:
            obj["_embedded"] = emb
        return obj

    return st.builds(
        build,
        st.one_of(st.none(), st.sampled_from(["participant", "a", "from"])),
        st.dictionaries(
            _JSON_NAME, st.one_of(_JSON_SCALAR, st.lists(_JSON_SCALAR, max_size=3)), max_size=3
        ),
        st.dictionaries(
            st.sampled_from(["self", "l", "contact", "from"]),
            st.one_of(_JSON_LINK, st.lists(_JSON_LINK, max_size=2)),
            max_size=3,
        ),
        st.dictionaries(
            st.sampled_from(["from", "participant", "p"]),
            st.one_of(children, st.lists(children, max_size=2)),
            max_size=2,
        ),
    )


_JSON_RESOURCES = st.recursive(st.just({}), _json_resource, max_leaves=8)

FUZZ = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(st.binary(max_size=200))
def test_fuzz_xml_bytes(data: bytes) -> None:
    _xml_oracle(data)


@FUZZ
@given(st.text(max_size=200))
def test_fuzz_xml_text(data: str) -> None:
    _xml_oracle(data)


@FUZZ
@given(st.lists(st.sampled_from(XML_TOKENS), max_size=30))
def test_fuzz_xml_tokens(tokens: list[str]) -> None:
    _xml_oracle(f'<resource xmlns="{NS}">' + "".join(tokens) + "</resource>")
    _xml_oracle("".join(tokens))


@FUZZ
@given(st.binary(max_size=200))
def test_fuzz_json_bytes(data: bytes) -> None:
    _json_oracle(data)


@FUZZ
@given(st.text(max_size=200))
def test_fuzz_json_text(data: str) -> None:
    _json_oracle(data)


@FUZZ
@given(st.dictionaries(st.sampled_from(JSON_KEYS), JSON_VALUES, max_size=6))
def test_fuzz_json_structures(obj: dict[str, Any]) -> None:
    _json_oracle(json.dumps(obj))
    _json_oracle(json.dumps(obj, ensure_ascii=False).encode("utf-8", "surrogatepass"))


@FUZZ
@given(ucwa_xml())
def test_fuzz_xml_grammar(data: str) -> None:
    _xml_oracle(data)
    _xml_oracle(data.encode("utf-8"))


@FUZZ
@given(_JSON_RESOURCES)
def test_fuzz_json_grammar(obj: Any) -> None:
    _json_oracle(json.dumps(obj))


# -- names written as XML names (markup injection) ----------------------------------------------
#
# A JSON key that becomes an XML element or attribute name is checked by one function
# (ucwaformat._xmltext.xml_name) on every writer: a key carrying markup is refused with its
# $.path, never spliced into the XML.

INJECTION = 'in rel="a" href="/a"/><property name="injected">pwned</property><x'
BAD_NAMES = [INJECTION, ")n", "a b", "a:b", "1a", "-a", "", "a>b", 'a"b', "a/", "\u00b7a"]


def _event_page(event: dict[str, Any]) -> dict[str, Any]:
    return {
        "_links": {"self": {"href": "/e"}, "next": {"href": "/n"}},
        "sender": [{"rel": "conversation", "href": "/c", "events": [event]}],
    }


def _member_event(key: str, value: Any) -> dict[str, Any]:
    return {"link": {"rel": "message", "href": "/m"}, "type": "added", key: value}


def _j2x_everywhere(data: bytes) -> list[Any]:
    """What the tree and the streaming JSON → XML paths make of ``data``: bytes or the error."""
    from ucwaformat._stream import stream_json_to_xml

    results: list[Any] = []
    try:
        results.append(ucwaformat.json_to_xml(data))
    except UcwaFormatError as exc:
        results.append(exc)
    dst = io.BytesIO()
    try:
        stream_json_to_xml(io.BytesIO(data), dst)
        results.append(dst.getvalue())
    except UcwaFormatError as exc:
        assert dst.getvalue() == b""
        results.append(exc)
    return results


@pytest.mark.parametrize("name", BAD_NAMES, ids=repr)
@pytest.mark.parametrize("value", [{"href": "/x"}, "text", True], ids=["object", "string", "bool"])
def test_event_member_names_are_checked_on_every_path(name: str, value: Any) -> None:
    data = json.dumps(_event_page(_member_event(name, value))).encode()
    for result in _j2x_everywhere(data):
        assert isinstance(result, UcwaFormatError), result
        assert "cannot be an XML" in result.msg
        assert result.path is not None
        assert result.path.startswith("$.sender[0].events[0]")


def test_the_injection_of_the_report_is_refused_with_its_path() -> None:
    data = json.dumps(_event_page(_member_event(INJECTION, {"href": "/x"}))).encode()
    error = _fails(ucwaformat.json_to_xml, data)
    assert error.msg == f"{INJECTION!r} cannot be an XML element name"
    quoted = INJECTION.replace('"', '\\"')
    assert error.path == f'$.sender[0].events[0]["{quoted}"]'


@pytest.mark.parametrize("name", BAD_NAMES, ids=repr)
def test_event_type_names_are_checked(name: str) -> None:
    data = json.dumps(_event_page({"link": {"rel": "m", "href": "/m"}, "type": name})).encode()
    for result in _j2x_everywhere(data):
        assert isinstance(result, UcwaFormatError), result
        assert result.path == "$.sender[0].events[0].type"


@pytest.mark.parametrize("name", BAD_NAMES, ids=repr)
def test_dto_field_names_are_checked(name: str) -> None:
    doc = ucwaformat.Dto("reason", (("code", "Gone"), (name, "x")))
    error = _fails(ucwaformat.to_xml, doc)
    assert "cannot be an XML element name" in error.msg
    assert error.path is not None and error.path != "$"


@pytest.mark.parametrize("name", BAD_NAMES, ids=repr)
def test_dto_root_names_are_checked(name: str) -> None:
    _fails(ucwaformat.to_xml, ucwaformat.Dto(name, (("code", "Gone"),)))


@pytest.mark.parametrize("name", [*BAD_NAMES, "xmlns"], ids=repr)
@pytest.mark.parametrize("where", ["self", "link"])
def test_link_attribute_names_are_checked(name: str, where: str) -> None:
    link = {"href": "/h", name: "v"}
    data = json.dumps({"rel": "a", "_links": {"self" if where == "self" else "l": link}}).encode()
    for result in _j2x_everywhere(data):
        assert isinstance(result, UcwaFormatError), result
        assert "cannot be an XML attribute name" in result.msg


@pytest.mark.parametrize(
    "name", ["a", "my-elem", "a.b", "_x", "caf\u00e9", "\u00e9t\u00e9", "a\u00b7b"]
)
def test_legal_names_are_written_and_read_back(name: str) -> None:
    data = json.dumps(_event_page(_member_event(name, {"href": "/x"}))).encode()
    results = _j2x_everywhere(data)
    assert results[0] == results[1]
    xml = results[0]
    assert isinstance(xml, bytes)
    from lxml import etree

    event = etree.fromstring(xml)[1][0]
    assert [etree.QName(child).localname for child in event] == [name]


@given(st.text(max_size=12).filter(lambda s: ":" not in s))
@settings(suppress_health_check=[HealthCheck.filter_too_much])
def test_xml_name_agrees_with_the_parser(name: str) -> None:
    # A name is legal exactly when libxml2 reads `<name/>` back as an element of that name.
    from lxml import etree

    from ucwaformat._xmltext import is_xml_name

    try:
        root = etree.fromstring(f"<{name}/>".encode("utf-8", "surrogatepass"))
        parsed = root.tag == name
    except (etree.XMLSyntaxError, ValueError):
        parsed = False
    assert is_xml_name(name) == parsed


def _parses_as_element(name: str) -> bool:
    from lxml import etree

    try:
        return etree.fromstring(f"<{name}/>".encode("utf-8", "surrogatepass")).tag == name
    except (etree.XMLSyntaxError, ValueError):
        return False


def test_xml_name_agrees_with_the_parser_on_every_ascii_name_of_two_characters() -> None:
    # ASCII names take a quicker pattern than the others: it accepts no name the parser refuses,
    # and refuses none it accepts (those would reach the whole rule, which must say the same).
    from ucwaformat._xmltext import is_xml_name, xml_name

    ascii = [chr(c) for c in range(128)]
    names = ascii + [a + b for a in ascii for b in ascii]
    wrong = [n for n in names if is_xml_name(n) != _parses_as_element(n)]
    assert wrong == []
    legal = [n for n in names if is_xml_name(n)]
    assert len(legal) == 53 + 53 * 65  # [A-Z_a-z] then [A-Z_a-z.0-9-]
    assert [xml_name(n, "$") for n in legal] == legal


def test_xml_name_agrees_with_the_parser_across_unicode() -> None:
    # Non-ASCII characters first and second in a name, every one below U+0800 (where the
    # combining marks and the Latin ranges' edges are) and a spread of the others.
    from ucwaformat._xmltext import is_xml_name

    chars = [*map(chr, range(0x80, 0x800)), *map(chr, range(0x800, 0x110000, 97))]
    names = chars + ["a" + c for c in chars]
    wrong = [n for n in names if is_xml_name(n) != _parses_as_element(n)]
    assert wrong == []
    assert sum(map(is_xml_name, names)) > len(chars)  # plenty of them are names


@given(st.text(max_size=20))
@settings()
def test_no_event_member_key_adds_an_element(key: str) -> None:
    # Whatever the key, the result is our error or XML whose event has exactly one child.
    from lxml import etree

    data = json.dumps(_event_page(_member_event(key, {"href": "/x"}))).encode()
    for result in _j2x_everywhere(data):
        if isinstance(result, UcwaFormatError):
            continue
        event = etree.fromstring(result)[1][0]
        assert len(event) == 1


# -- integers of any size, within Python's limit (issue: foreign exceptions) ----------------------


def _meeting_xml(count: str) -> bytes:
    return (
        f'<resource xmlns="{NS}" rel="myOnlineMeeting" href="/m">'
        f'<property name="participantCount">{count}</property></resource>'
    ).encode()


@pytest.mark.parametrize("digits", [309, 4300])
def test_long_integers_go_both_ways(digits: int) -> None:
    # orjson reads an integer of 309 digits or more as an infinite double and refused the JSON
    # ucwaformat itself wrote; the stdlib parser reads it exactly.
    xml = _meeting_xml("9" * digits)
    jsn = ucwaformat.xml_to_json(xml)
    assert json.loads(jsn)["participantCount"] == int("9" * digits)
    assert ucwaformat.json_to_xml(jsn) == ucwaformat.to_xml(ucwaformat.from_xml(xml))
    assert ucwaformat.testing.diff(xml, jsn) == []


def test_an_integer_beyond_the_limit_is_a_string_from_xml() -> None:
    # int() refuses more than 4,300 digits (a ValueError reached the caller): the text is kept
    # and reported as any other text that is not an integer; strict refuses it with its path.
    xml = _meeting_xml("9" * 5000)
    report: list[ucwaformat.Loss] = []
    out = json.loads(ucwaformat.xml_to_json(xml, report=report))
    assert out["participantCount"] == "9" * 5000
    assert [(loss.kind, loss.path) for loss in report] == [("type", "$.participantCount")]
    assert _fails(ucwaformat.xml_to_json, xml, strict=True).path == "$.participantCount"
    assert ucwaformat.from_xml(xml).get("participantCount") == "9" * 5000  # type: ignore[union-attr]


def test_a_json_number_beyond_the_limit_is_our_error_everywhere() -> None:
    from ucwaformat._check import check
    from ucwaformat._stream import stream_json_to_xml

    data = b'{"rel":"myOnlineMeeting","participantCount":' + b"9" * 5000 + b"}"
    for call in (
        lambda: ucwaformat.json_to_xml(data),
        lambda: ucwaformat.from_json(data),
        lambda: stream_json_to_xml(io.BytesIO(data), io.BytesIO()),
        lambda: check(data),
        lambda: ucwaformat.testing.diff(data, data),
    ):
        with pytest.raises(UcwaFormatError) as info:
            call()
        assert type(info.value) is UcwaFormatError
        assert info.value.msg == "a number of more than 4300 digits"
        assert (info.value.line, info.value.column) == (1, 45)


# -- attributes per element (issue: quadratic time) -----------------------------------------------
#
# lxml reads attribute values in time quadratic in their number: 100,000 attributes on one
# element took a minute. Readers refuse an element with more than MAX_ATTRIBUTES, on every path.


def _many(n: int) -> str:
    return " ".join(f'a{i}="v"' for i in range(n))


MANY_ATTRIBUTES = {
    "resource": f'<resource xmlns="{NS}" rel="a" href="/h" {_many(1000)}/>',
    "link": f'<resource xmlns="{NS}" rel="a" href="/h"><link rel="x" href="/y" {_many(1000)}/></resource>',
    "embedded": f'<resource xmlns="{NS}" rel="a"><resource rel="contact" href="/c" {_many(1000)}/></resource>',
    "event": f'<events xmlns="{NS}" href="/e"><sender rel="c" href="/c"><added rel="m" href="/m" {_many(1000)}/></sender></events>',
    "sender": f'<events xmlns="{NS}" href="/e"><sender rel="c" href="/c" {_many(1000)}/></events>',
    "events": f'<events xmlns="{NS}" href="/e" {_many(1000)}/>',
    "input": f'<input xmlns="{NS}" {_many(1001)}/>',
}


@pytest.mark.parametrize("name", sorted(MANY_ATTRIBUTES))
def test_too_many_attributes_are_refused_on_every_path(name: str) -> None:
    from ucwaformat._stream import stream_xml_to_json
    from ucwaformat._xml import MAX_ATTRIBUTES

    data = MANY_ATTRIBUTES[name].encode()
    errors = [
        _fails(ucwaformat.xml_to_json, data),
        _fails(ucwaformat.from_xml, data),
        _fails(lambda d: stream_xml_to_json(io.BytesIO(d), io.BytesIO()), data),
    ]
    for error in errors:
        assert error.msg.endswith(f"attributes; at most {MAX_ATTRIBUTES} are read"), error
        assert error.line == 1
    assert len({str(e) for e in errors}) == 1


def test_a_thousand_attributes_in_all_are_fine() -> None:
    # The limit is per element: many elements with a few attributes each are ordinary.
    links = "".join(f'<link rel="l{i}" href="/l/{i}" title="t"/>' for i in range(2000))
    doc = ucwaformat.from_xml(f'<resource xmlns="{NS}" rel="a">{links}</resource>')
    assert len(doc.links) == 2000  # type: ignore[union-attr]


def test_writers_do_not_write_what_readers_refuse() -> None:
    link = {"href": "/y", **{f"a{i}": "v" for i in range(999)}}
    error = _fails(ucwaformat.json_to_xml, json.dumps({"rel": "a", "_links": {"x": link}}))
    assert error.path == "$._links.x"


# -- every error has a position (issue: positions) ------------------------------------------------

_U16 = b"\xff\xfe" + (
    f'<resource xmlns="{NS}" rel="search">\n<property name="a">x</property></resource>'
).encode("utf-16-le")


@pytest.mark.parametrize(
    ("data", "message", "line", "column"),
    [
        (_U16[:-1], "invalid UTF-16-LE text: truncated data", 2, 42),
        (_U16[:60] + b"\x00\xdc" + _U16[60:], "invalid UTF-16-LE text: illegal encoding", 1, 30),
        (
            f'<resource xmlns="{NS}" rel="s"><resource rel="c" href="/c"><a:b/></resource></resource>'.encode(),
            "Namespace prefix a on b is not defined",
            1,
            105,
        ),
    ],
    ids=["utf16-truncated", "utf16-lone-surrogate", "undefined-prefix-in-embedded"],
)
def test_errors_have_the_same_position_on_every_path(
    data: bytes, message: str, line: int, column: int
) -> None:
    from ucwaformat._stream import stream_xml_to_json

    for call in (
        ucwaformat.xml_to_json,
        ucwaformat.from_xml,
        lambda d: stream_xml_to_json(io.BytesIO(d), io.BytesIO()),
    ):
        error = _fails(call, data)
        assert (error.msg, error.line, error.column) == (message, line, column)


_BIG = "9" * 400
_J = '{"rel":"x","a":' + _BIG + ',"b":#}'


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (_J.replace("#", "NaN"), "unexpected character, expected a JSON value"),
        (_J.replace("#", "1e999"), "number is infinity when parsed as double"),
        (_J.replace("#", '"\\ud800"'), "no low surrogate in string"),
        (_J.replace("#", "tru"), "invalid literal, expected 'true'"),
        (_J.replace("#", "[" * 5000 + "]" * 5000), "depth limit exceeded"),
    ],
    ids=["nan", "float-inf", "lone-surrogate", "bad-literal", "deep"],
)
def test_a_long_integer_does_not_turn_off_the_other_checks(text: str, message: str) -> None:
    # Beside an integer orjson cannot hold, the whole text was once read by the stdlib parser
    # alone: NaN, 1e999 and lone surrogates were accepted, and a RecursionError escaped.
    from ucwaformat._stream import stream_json_to_xml

    for call in (
        ucwaformat.json_to_xml,
        lambda t: stream_json_to_xml(io.BytesIO(t.encode()), io.BytesIO()),
    ):
        error = _fails(call, text)
        assert error.msg == message and error.line == 1 and error.column is not None


def test_a_long_integer_keeps_the_strict_duplicate_check() -> None:
    error = _fails(ucwaformat.from_json, f'{{"a":{_BIG},"a":1}}', strict=True)
    assert error.msg == "duplicate key 'a' in a JSON object"


def test_the_integer_limit_is_the_processs() -> None:
    # sys.set_int_max_str_digits: a lower limit is honoured, never a ValueError.
    import sys

    old = sys.get_int_max_str_digits()
    sys.set_int_max_str_digits(1000)
    try:
        report: list[ucwaformat.Loss] = []
        out = json.loads(ucwaformat.xml_to_json(_meeting_xml("9" * 2000), report=report))
        assert out["participantCount"] == "9" * 2000
        assert [loss.kind for loss in report] == ["type"]
        error = _fails(ucwaformat.from_json, '{"rel":"x","n":' + "9" * 2000 + "}")
        assert (error.msg, error.line, error.column) == ("a number of more than 1000 digits", 1, 16)
    finally:
        sys.set_int_max_str_digits(old)


@pytest.mark.parametrize("key", ["{}a", "{http://www.w3.org/2000/xmlns/}a"])
def test_namespaced_attribute_keys_that_have_no_xml_form_are_refused(key: str) -> None:
    # A self member in Clark notation (D14) with no namespace, or the xmlns one, once made
    # XML that does not parse (xmlns:ns0="").
    data = json.dumps({"rel": "a", "_links": {"self": {"href": "/h", key: "v"}}})
    error = _fails(ucwaformat.json_to_xml, data)
    assert error.msg == f"{key!r} cannot be an XML attribute name"
