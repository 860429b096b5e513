"""Streaming conversion (``ucwaformat._stream``) gives what the tree path gives.

For every input the streamed output is compared with ``xml_to_json``/``json_to_xml`` of the same
bytes: equal bytes (and so parse-equal), the same losses in any order, and on bad input a
``UcwaFormatError`` like the tree path's (the same message and position where one error is
possible). JSON → XML runs with and without ``ijson`` when it is installed.
"""

from __future__ import annotations

import copy
import io
import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from data_paths import CORPUS
from differential import BASE, EDITS, EVENT_CASES, WRITES

import ucwaformat
from ucwaformat import Loss, UcwaFormatError, _json, _stream
from ucwaformat._stream import stream_json_to_xml, stream_xml_to_json

NS = "http://schemas.microsoft.com/rtc/2012/03/ucwa"
MANIFEST: dict[str, Any] = json.loads((CORPUS / "manifest.json").read_text(encoding="utf-8"))


def _corpus(body_kind: str) -> list[str]:
    return sorted(
        entry["file"]
        for entry in MANIFEST["files"]
        if entry["body_kind"] == body_kind and entry["parses"]
    )


XML_FILES = _corpus("xml")
JSON_FILES = _corpus("json")


class Unseekable(io.RawIOBase):
    """A pipe-like source: read in small pieces, cannot seek."""

    def __init__(self, data: bytes, piece: int = 7777) -> None:
        self.data = data
        self.pos = 0
        self.piece = piece

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def readinto(self, buf: Any) -> int:
        chunk = self.data[self.pos : self.pos + min(len(buf), self.piece)]
        buf[: len(chunk)] = chunk
        self.pos += len(chunk)
        return len(chunk)


def _tree(func: Callable[..., bytes], data: bytes, **options: Any) -> tuple[Any, list[Loss]]:
    report: list[Loss] = []
    try:
        return func(data, report=report, **options), report
    except UcwaFormatError as exc:
        return exc, report


def _streamed(
    func: Callable[..., None], data: bytes, seekable: bool = True, **options: Any
) -> tuple[Any, list[Loss]]:
    report: list[Loss] = []
    src: Any = io.BytesIO(data) if seekable else io.BufferedReader(Unseekable(data))
    dst = io.BytesIO()
    try:
        func(src, dst, report=report, **options)
    except UcwaFormatError as exc:
        assert dst.getvalue() == b"", "nothing is written when the conversion fails"
        return exc, report
    return dst.getvalue(), report


def _same(tree: tuple[Any, list[Loss]], streamed: tuple[Any, list[Loss]]) -> None:
    (want, want_losses), (got, got_losses) = tree, streamed
    if isinstance(want, UcwaFormatError):
        assert type(got) is UcwaFormatError, got[:300] if isinstance(got, bytes) else got
        return
    assert isinstance(got, bytes), got
    assert got == want
    assert sorted(map(str, got_losses)) == sorted(map(str, want_losses))


def check_x2j(data: bytes, seekable: bool = True, **options: Any) -> bytes:
    tree = _tree(ucwaformat.xml_to_json, data, **options)
    streamed = _streamed(stream_xml_to_json, data, seekable, **options)
    _same(tree, streamed)
    if isinstance(tree[0], bytes):
        assert json.loads(streamed[0]) == json.loads(tree[0])
    return streamed[0]  # type: ignore[no-any-return]


def check_j2x(data: bytes, seekable: bool = True, **options: Any) -> Any:
    tree = _tree(ucwaformat.json_to_xml, data, **options)
    streamed = _streamed(stream_json_to_xml, data, seekable, **options)
    _same(tree, streamed)
    return streamed[0]


@pytest.fixture(params=["ijson", "whole"] if _stream.ijson_available() else ["whole"])
def json_reading(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """JSON → XML with ijson (when installed) and with the JSON loaded whole."""
    if request.param == "whole":
        monkeypatch.setattr(_stream, "_ijson", lambda: None)
    return str(request.param)


# -- the corpus ---------------------------------------------------------------------------------


@pytest.mark.parametrize("pretty", [False, True])
@pytest.mark.parametrize("path", XML_FILES)
def test_corpus_xml(path: str, pretty: bool) -> None:
    check_x2j((CORPUS / path).read_bytes(), pretty=pretty)


def test_corpus_has_resources_and_an_event_page() -> None:
    roots = {(CORPUS / p).read_bytes().lstrip()[:60].split(b" ")[0] for p in XML_FILES}
    assert b"<resource" in roots
    assert any(b"<events" in (CORPUS / p).read_bytes() for p in XML_FILES)


@pytest.mark.parametrize("options", [{}, {"pretty": True, "dialect": "docs"}])
@pytest.mark.parametrize("path", JSON_FILES)
def test_corpus_json(path: str, options: dict[str, Any], json_reading: str) -> None:
    check_j2x((CORPUS / path).read_bytes(), **options)


# -- large generated documents -----------------------------------------------------------------


def _contact(i: int) -> str:
    return (
        f'<resource rel="contact" href="/people/u{i}">'
        f'<link rel="contactPresence" href="/people/u{i}/presence"/>'
        f'<link rel="contactPhoto" href="/people/u{i}/photo" title="Photo &amp; more"/>'
        f'<property name="name">User {i} &lt;Ünïcode&gt;</property>'
        f'<property name="etag">{1000000 + i}</property>'
        f'<propertyList name="emailAddresses"><item>u{i}@contoso.com</item></propertyList>'
        f'<resource rel="contactPresence" href="/people/u{i}/presence">'
        '<property name="availability">Online</property>'
        f'<property name="lastActive">2016-09-26T23:20:23.{i % 10000:04d}123-07:00</property>'
        "</resource></resource>"
    )


def big_xml(n: int, *, interleaved: bool = True, pretty_source: bool = False) -> bytes:
    """A ``search`` result: ``n`` contacts, and (interleaved) other roles between them."""
    nl = "\n  " if pretty_source else ""
    parts = [
        '<?xml version="1.0" encoding="utf-8"?>',
        f'<resource rel="search" href="/search?q=a&amp;b" xmlns="{NS}">',
        '<link rel="next" href="/search?page=2"/>',
        '<property name="moreResultsAvailable">true</property>',
    ]
    for i in range(n):
        parts.append(nl + _contact(i))
        if interleaved and i % 7 == 3:
            parts.append(
                f'{nl}<resource rel="distributionGroup" href="/groups/g{i}">'
                f'<property name="name">Group {i}</property></resource>'
            )
        if interleaved and i % 11 == 5:
            parts.append(
                f'{nl}<resource rel="widget" href="/w/{i}"><property name="n">{i}</property></resource>'
            )
    if interleaved:
        parts.append(
            f'{nl}<resource rel="lonely" href="/lonely"><property name="x">1</property></resource>'
        )
        parts.append(f'{nl}<resource rel="stub"/>')
    parts.append("\n</resource>" if pretty_source else "</resource>")
    return "".join(parts).encode("utf-8")


BIG = 1000


@pytest.fixture(scope="module")
def big() -> bytes:
    return big_xml(BIG)


@pytest.fixture(autouse=True)
def small_spool(monkeypatch: pytest.MonkeyPatch) -> None:
    """Spools move to a file past 64 KiB, so that documents of a test's size take that way too."""
    monkeypatch.setattr(_stream, "SPOOL_MEMORY", 1 << 16)


def test_many_embedded_resources_several_interleaved_roles(big: bytes) -> None:
    out = check_x2j(big)
    doc = json.loads(out)
    embedded = doc["_embedded"]
    assert list(embedded) == ["contact", "distributionGroup", "widget", "lonely", "stub"]
    assert len(embedded["contact"]) == BIG
    assert isinstance(embedded["lonely"], dict)  # a single unknown role: one object (guessed)
    assert embedded["contact"][BIG - 1]["_embedded"]["contactPresence"]["lastActive"].startswith(
        "/Date("
    )


def test_many_embedded_resources_pretty_and_options(big: bytes) -> None:
    check_x2j(big, pretty=True)
    check_x2j(big, escape_solidus=False, date_offset=True)
    check_x2j(big, unknown_cardinality="collection")


def test_not_interleaved_and_a_pretty_source() -> None:
    check_x2j(big_xml(300, interleaved=False, pretty_source=True), pretty=True)


def test_unseekable_source(big: bytes) -> None:
    check_x2j(big, seekable=False)


def test_big_json_to_xml(big: bytes, json_reading: str) -> None:
    data = ucwaformat.xml_to_json(big)
    check_j2x(data)
    check_j2x(data, pretty=True, dialect="docs")
    check_j2x(data, seekable=False)
    xml = check_j2x(ucwaformat.xml_to_json(big, pretty=True), dialect="docs")
    assert isinstance(xml, bytes)
    assert xml.count(b'<resource rel="contact"') == BIG


def _events_xml(senders: int, events: int) -> bytes:
    parts = [
        f'<events href="/events?ack=1" xmlns="{NS}">',
        '<link rel="next" href="/events?ack=2"/>',
    ]
    for s in range(senders):
        parts.append(f'\n<sender rel="conversation" href="/conv/{s}">')
        for e in range(events):
            if e % 2:
                parts.append(f'<updated rel="conversation" href="/conv/{s}"/>')
            else:
                parts.append(
                    f'<added rel="participant" href="/conv/{s}/p/{e}">'
                    f'<resource rel="participant" href="/conv/{s}/p/{e}">'
                    '<property name="anonymous">false</property>'
                    '<property name="name">P &amp; Q</property></resource></added>'
                )
        parts.append("</sender>")
    parts.append("\n</events>")
    return "".join(parts).encode("utf-8")


@pytest.mark.parametrize("pretty", [False, True])
def test_event_page(pretty: bool) -> None:
    out = check_x2j(_events_xml(300, 6), pretty=pretty)
    assert len(json.loads(out)["sender"]) == 300


def test_event_page_json_to_xml(json_reading: str) -> None:
    data = ucwaformat.xml_to_json(_events_xml(200, 5))
    check_j2x(data)
    check_j2x(data, pretty=True, dialect="docs")


@pytest.mark.parametrize(
    "data",
    [
        f'<events xmlns="{NS}"/>',
        f'<events xmlns="{NS}"><link rel="next" href="/n"/></events>',
        '<events><sender rel="people" href="/p"><added rel="contact" href="/c"/></sender></events>',
        f'<events xmlns="{NS}"><sender rel="a" href="/a"/>junk<sender rel="b" href="/b"/></events>',
        f'<events xmlns="{NS}"><resource rel="x"/><sender rel="a" href="/a"/></events>',
    ],
)
def test_small_event_pages(data: str) -> None:
    check_x2j(data.encode("utf-8"))


# -- JSON → XML: each item through the tree path's XML sink -------------------------------------

# The XML sink's own cases (test_xml_sink): losses and errors of the reader and of the writer,
# in the root and in the streamed items (embedded resources, senders), every write option.


def _check_j2x_everyhow(data: bytes) -> None:
    for strict in (False, True):
        for write in WRITES:
            check_j2x(data, strict=strict, **write)


@pytest.mark.parametrize("edit", sorted(EDITS))
def test_edited_documents_json_to_xml(edit: str, json_reading: str) -> None:
    doc = copy.deepcopy(BASE)
    EDITS[edit](doc)
    _check_j2x_everyhow(json.dumps(doc, ensure_ascii=False).encode("utf-8", "surrogatepass"))


@pytest.mark.parametrize("case", sorted(EVENT_CASES))
def test_event_cases_json_to_xml(case: str, json_reading: str) -> None:
    _check_j2x_everyhow(json.dumps(EVENT_CASES[case]).encode())


def test_items_do_not_go_through_the_model(
    big: bytes, json_reading: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The items are read into the XML sink, as the tree path reads them: the model holds the
    root's head only (one resource however many items; no sender, no event)."""
    made: list[object] = []

    def counted(*args: Any) -> object:
        made.append(args)
        return real(*args)

    def refused(*args: Any) -> object:
        raise AssertionError("an item went through the model")

    real = _json.Resource
    monkeypatch.setattr(_json, "Resource", counted)
    monkeypatch.setattr(_json, "Sender", refused)
    monkeypatch.setattr(_json, "Event", refused)
    stream_json_to_xml(io.BytesIO(ucwaformat.xml_to_json(big)), io.BytesIO())
    assert len(made) == 1
    made.clear()
    page = ucwaformat.xml_to_json(_events_xml(20, 3))
    stream_json_to_xml(io.BytesIO(page), io.BytesIO())
    assert made == []


# -- what depends on the whole root --------------------------------------------------------------


def _docs(rel_first: bool) -> bytes:
    rel = '<property name="rel">myGroups</property>'
    items = (
        '<resource rel="defaultGroup" href="/g/d"><property name="name">D</property>'
        '<property name="rel">group</property></resource>'
        '<resource rel="group" href="/g/1"><property name="name">One</property></resource>'
        '<resource rel="group" href="/g/2"/>'
    )
    body = (rel + items) if rel_first else (items + rel)
    return f'<resource rel="myGroups" href="/g" xmlns="{NS}">{body}</resource>'.encode()


@pytest.mark.parametrize("seekable", [True, False])
@pytest.mark.parametrize("rel_first", [True, False])
def test_docs_dialect_type_before_or_after_the_embedded(rel_first: bool, seekable: bool) -> None:
    # A <property name="rel"> of the root decides how its embedded resources are read (§5):
    # after them, the input is read a second time.
    check_x2j(_docs(rel_first), seekable=seekable)
    check_x2j(_docs(rel_first), seekable=seekable, strict=False, pretty=True)


def test_root_type_from_rel_hint() -> None:
    data = (
        f'<resource xmlns="{NS}"><resource rel="group" href="/g/1"/>'
        '<resource rel="defaultGroup" href="/g/d"><property name="name">D</property></resource>'
        "</resource>"
    ).encode()
    check_x2j(data, rel="myGroups")
    check_x2j(data)


@pytest.mark.parametrize("strict", [False, True])
def test_single_role_loss_path(strict: bool) -> None:
    # The first item of a role is converted before its cardinality is known; its losses (and
    # errors) carry the path the tree path gives: no [0] for a single resource.
    data = (
        f'<resource rel="myGroups" href="/g" xmlns="{NS}">'
        '<resource rel="defaultGroup" href="/g/d"><foo/><property name="name">D</property>'
        "</resource></resource>"
    ).encode()
    tree = _tree(ucwaformat.xml_to_json, data, strict=strict)
    streamed = _streamed(stream_xml_to_json, data, strict=strict)
    _same(tree, streamed)
    if strict:
        assert str(streamed[0]) == str(tree[0])
        assert streamed[0].path == "$._embedded.defaultGroup"
    else:
        assert [loss.path for loss in streamed[1]] == ["$._embedded.defaultGroup"]


def test_strict_cardinality_guess_is_an_error() -> None:
    data = f'<resource rel="search" xmlns="{NS}"><resource rel="lonely"/></resource>'.encode()
    tree = _tree(ucwaformat.xml_to_json, data, strict=True)
    streamed = _streamed(stream_xml_to_json, data, strict=True)
    _same(tree, streamed)
    assert str(streamed[0]) == str(tree[0])


def test_stray_text_namespace_and_unknown_elements() -> None:
    data = (
        f'<resource rel="search" xmlns="{NS}">text<resource rel="contact" href="/c/1"/>tail'
        '<resource xmlns="" rel="contact" href="/c/2"/><foo/>'
        '<property name="moreResultsAvailable">yes</property></resource>'
    ).encode()
    check_x2j(data)


@pytest.mark.parametrize("options", [{}, {"pretty": True}])
def test_other_kinds_use_the_tree_path(options: dict[str, Any]) -> None:
    for data in (
        f'<input xmlns="{NS}"><property name="a">1</property><resource rel="x"/></input>',
        '<reason xmlns="http://schemas.microsoft.com/rtc/2012/03/ucwa"><code>BadRequest</code></reason>',
        f'<resource xmlns="{NS}" rel="x"/>',
    ):
        check_x2j(data.encode(), **options)


def test_utf16_document() -> None:
    data = f'<resource rel="search" xmlns="{NS}"><resource rel="contact"/></resource>'
    check_x2j(data.encode("utf-16"))


def test_dates_escaped_across_the_whole_document() -> None:
    # The tree path escapes every "/Date(" of a document that has a date; so does the stream.
    data = (
        f'<resource rel="search" xmlns="{NS}">'
        '<resource rel="contact" href="/c/0"><property name="note">/Date(1)/</property></resource>'
        '<resource rel="contact" href="/c/1"><resource rel="contactPresence" href="/p">'
        '<property name="lastActive">2016-09-26T23:20:23Z</property></resource></resource>'
        "</resource>"
    ).encode()
    out = check_x2j(data)
    assert b'"\\/Date(1)\\/"' in out
    # A date first, the text that looks like one only in the root's own properties (written
    # last); and either without the other: escaped only when both are there.
    date = (
        '<resource rel="contact" href="/c/1"><resource rel="contactPresence" href="/p">'
        '<property name="lastActive">2016-09-26T23:20:23Z</property></resource></resource>'
    )
    plain = '<property name="note">/Date(2)/</property>'
    for body, escaped in ((date + plain, True), (date, False), (plain, False)):
        data = f'<resource rel="search" xmlns="{NS}">{body}</resource>'.encode()
        out = check_x2j(data)
        assert (b'"\\/Date(2)\\/"' in out) is (escaped and plain in body)
        assert check_x2j(data, pretty=True, escape_solidus=False).count(b"\\/") == 0


def test_a_role_after_another_keeps_its_dates_and_big_integers() -> None:
    # An item of a new role is read after the other role's batch is written: that batch's dump
    # must not forget the new item's date fragments (its dates would go unescaped, and the
    # fallback writer of integers beyond 64 bits would not find their text).
    data = (
        f'<resource rel="conversations" href="/c" xmlns="{NS}">'
        '<resource rel="x" href="/x"><link rel="y" href="/y" title="/Date("/></resource>'
        '<resource rel="conversation" href="/c/1">'
        '<property name="participantCount">123456789012345678901234567890</property>'
        '<property name="created">2017-05-02T22:55:17.3787856Z</property></resource>'
        "</resource>"
    ).encode()
    out = check_x2j(data)
    assert b'"title":"\\/Date("' in out and b"123456789012345678901234567890" in out
    events = (
        f'<events href="/e" xmlns="{NS}"><link rel="next" href="/e?a=1" title="/Date("/>'
        '<sender rel="conversation" href="/c/1"><updated rel="conversation" href="/c/1">'
        '<resource rel="conversation" href="/c/1">'
        '<property name="created">2017-05-02T22:55:17.3787856Z</property></resource>'
        "</updated></sender></events>"
    ).encode()
    check_x2j(events)


# -- errors -------------------------------------------------------------------------------------


def _error(data: bytes, **options: Any) -> UcwaFormatError:
    tree = _tree(ucwaformat.xml_to_json, data, **options)
    streamed = _streamed(stream_xml_to_json, data, **options)
    _same(tree, streamed)
    assert isinstance(streamed[0], UcwaFormatError)
    return streamed[0]


def _errors_agree(data: bytes, **options: Any) -> None:
    tree = _tree(ucwaformat.xml_to_json, data, **options)[0]
    got = _error(data, **options)
    assert isinstance(tree, UcwaFormatError)
    assert (got.line, got.column, got.path) == (tree.line, tree.column, tree.path)


@pytest.mark.parametrize("cut", [0, 1, 60, 200, 1000, 10_000, 70_000, -200, -11, -1])
def test_truncated(big: bytes, cut: int) -> None:
    data = big[: max(0, len(big) + cut) if cut < 0 else cut]
    _errors_agree(data)


@pytest.mark.parametrize(
    "data",
    [
        "<!DOCTYPE resource>\n<resource/>",
        '<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        f'<resource xmlns="{NS}" rel="x"><property name="a">&x;</property></resource>',
        f'<resource xmlns="{NS}" rel="x"><property name="a">&x;</property></resource>',
        f'<resource xmlns="{NS}" rel="x">\x00</resource>',
        "",
        "   ",
        f'<resource xmlns="{NS}"><link rel="a"/></resource>',
        f'<resource xmlns="{NS}"><resource href="/no-rel"/></resource>',
        f'<resource xmlns="{NS}" rel="search"><resource rel="contact"><x:y xmlns:x="urn:x"/></resource></resource>',
        f'<resource xmlns="{NS}" rel="search"><resource rel="contact"><property>v</property></resource></resource>',
        f'<events xmlns="{NS}"><sender rel="a"/></events>',
        '<resource xmlns="urn:other"/>',
        f'<resource xmlns="{NS}"/><extra/>',
    ],
)
def test_bad_documents(data: str) -> None:
    _errors_agree(data.encode("utf-8"))


@pytest.mark.parametrize("where", [65536 - 4, 65536, 200_000])
def test_doctype_and_nul_far_into_the_document(big: bytes, where: int) -> None:
    # The byte scan runs chunk by chunk; a DOCTYPE cut between two chunks is still found.
    for bad in (b"<!DOCTYPE x>", b"\x00"):
        _errors_agree(big[:where] + bad + big[where:])
        _errors_agree(big[:where] + b"\n\n" + bad + big[where:])


def test_bad_embedded_deep_in_a_big_document(big: bytes) -> None:
    at = big.index(b'<resource rel="contact" href="/people/u800"')
    bad = big[:at] + b'<resource href="/no-rel"/>' + big[at:]
    assert "without 'rel'" in str(_error(bad))
    bad = big[:at] + b"<property>v</property>" + big[at:]
    _error(bad)


def test_strict_errors(big: bytes) -> None:
    _error(big, strict=True)  # sub-millisecond digits: the first loss is an error


def test_option_errors() -> None:
    with pytest.raises(ValueError, match="unknown_cardinality"):
        stream_xml_to_json(io.BytesIO(b"<x/>"), io.BytesIO(), unknown_cardinality="x")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="kind"):
        stream_json_to_xml(io.BytesIO(b"{}"), io.BytesIO(), kind="x")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="dialect must be 'server' or 'docs', not 'y'") as info:
        stream_json_to_xml(io.BytesIO(b'{"rel": "x"}'), io.BytesIO(), dialect="y")  # type: ignore[arg-type]
    assert not isinstance(info.value, UcwaFormatError)  # an option, not the input, is wrong


# -- JSON -> XML errors and the cases ijson cannot read exactly ----------------------------------


def _json_cases() -> Iterator[bytes]:
    yield b""
    yield b'{"rel": "search", "_embedded": {"contact": [{"name": "a"}, '
    yield b'{"rel": "search", "_embedded": {"contact": [{"name": "a"}]}} trailing'
    yield b'{"rel": "search", "_embedded": {"contact": [{"n": 12345678901234567890123}]}}'
    yield b'{"rel": "search", "_embedded": {"contact": [{"n": 1e19, "m": 1.5}]}}'
    yield b'{"rel": "search", "_embedded": {"contact": [{"n": "\\ud800"}]}}'
    yield b'{"rel": "search", "_embedded": {"contact": [{"n": "\\ud83d\\ude00"}]}}'
    yield b'{"rel": "search", "_embedded": {"contact": [{"n": "a", "n": "b"}]}}'
    yield b'{"_embedded": {"contact": [{"n": "a"}]}, "rel": "search"}'
    yield b'{"_embedded": {"contact": {"n": "a"}}, "_embedded": {"contact": [{"n": "b"}]}}'
    yield b'{"_embedded": {"contact": [{"n": "a"}], "contact": []}, "rel": "x"}'
    yield b'{"_embedded": {"contact": []}, "rel": "search"}'
    yield b'{"_embedded": {}, "rel": "search"}'
    yield b'{"_embedded": [], "rel": "search"}'
    yield b'{"_embedded": {"c": [1]}, "rel": "search"}'
    yield b'{"_embedded": {"c": [{"rel": 1}]}}'
    yield b'{"_embedded": {"c": {}}, "sender": []}'
    yield b'{"sender": [{"rel": "a", "href": "/a", "events": []}], "_links": {"next": {"href": "/n"}}}'
    yield b'{"sender": [{"rel": "a"}]}'
    yield b'{"sender": {}}'
    yield b'{"sender": [], "extra": 1}'
    yield b'\xef\xbb\xbf{"rel": "x", "_embedded": {"c": [{"a": "\xc3\xa9"}]}}'
    yield b'{"rel": "x", "_embedded": {"c": [{"a": "\xff"}]}}'
    yield b"[1, 2]"
    yield b'{"code": "BadRequest", "message": "no"}'
    yield b'{"a": 1, "_links": {"x": {"href": "/x"}}}'
    yield b'{"rel": "x", "_embedded": {"c": [{"a": ' + b"[" * 1100 + b"]" * 1100 + b"}]}}"


@pytest.mark.parametrize("strict", [False, True])
@pytest.mark.parametrize("data", list(_json_cases()))
def test_json_edge_cases(data: bytes, strict: bool, json_reading: str) -> None:
    check_j2x(data, strict=strict)
    check_j2x(data, strict=strict, seekable=False)


def test_json_kind_option(json_reading: str) -> None:
    data = b'{"_embedded": {"c": [{"a": "1"}]}, "name": "x"}'
    for kind in ("resource", "input", "events"):
        check_j2x(data, kind=kind)
    check_j2x(b'{"sender": [{"rel": "a", "href": "/a", "events": []}]}', kind="resource")


# -- the streaming really streams ---------------------------------------------------------------


def test_xml_is_read_once(big: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    rewinds: list[int] = []
    monkeypatch.setattr(_stream._Input, "rewind", lambda self: rewinds.append(1))
    stream_xml_to_json(io.BytesIO(big), io.BytesIO())
    stream_xml_to_json(io.BytesIO(_events_xml(50, 3)), io.BytesIO())
    assert rewinds == []


def test_items_leave_the_tree(big: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    # Each embedded resource is removed from the root once converted: the root the parser ends
    # with holds the root's own properties and links only.
    seen: list[int] = []
    finish = _stream._XmlToJson.finish_resource

    def spy(self: Any, root: Any, dst: Any) -> None:
        seen.append(len(root))
        finish(self, root, dst)

    monkeypatch.setattr(_stream._XmlToJson, "finish_resource", spy)
    stream_xml_to_json(io.BytesIO(big), io.BytesIO())
    assert seen == [2]


@pytest.mark.skipif(not _stream.ijson_available(), reason="ijson is not installed")
def test_ijson_reads_incrementally(big: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    def whole(*args: Any) -> None:
        raise AssertionError("the JSON was loaded whole")

    monkeypatch.setattr(_stream, "_run_object", whole)
    for data in (
        ucwaformat.xml_to_json(big),
        ucwaformat.xml_to_json(big, pretty=True),
        ucwaformat.xml_to_json(_events_xml(50, 3)),
        (CORPUS / "myContacts" / "get-json-response.json").read_bytes(),
    ):
        check_j2x(data)
        check_j2x(data, seekable=False, strict=True)


@pytest.mark.parametrize(
    "prefix",
    [b"\xef\xbb\xbf", b'<?xml version="1.0" encoding="iso-8859-1"?>\n', b"<!-- c --><?pi x?>\n"],
)
def test_byte_order_mark_declaration_comments(prefix: bytes) -> None:
    body = f'<resource rel="search" xmlns="{NS}"><resource rel="contact" href="/c"/><!-- x --></resource>'
    check_x2j(prefix + body.encode("utf-8"))
    check_x2j(prefix + big_xml(50).split(b"?>", 1)[1])


@pytest.mark.parametrize("char", [b"\x0c", b"\x0b", b"\x01", b"\x1f"], ids=repr)
@pytest.mark.parametrize(
    "where",
    [
        b'{"rel":"search",#"_embedded":{"contact":[{"name":"a"}]}}',
        b'{"rel":"search","_embedded":{"contact":[{#"name":"a"}]}}',
        b'{"rel":"search","_embedded":{"contact":[{"name":"a#"}]}}',
        b'{"rel":"search","_embedded":{"contact":[{"name":"a"}#]}}',
    ],
)
def test_control_characters_get_the_tree_verdict(
    char: bytes, where: bytes, json_reading: str
) -> None:
    # yajl (ijson) takes a form feed or a vertical tab for a blank where orjson refuses it: the
    # command's verdict on a file depended on the file's size.
    error = check_j2x(where.replace(b"#", char))
    assert isinstance(error, UcwaFormatError) and error.line == 1 and error.column is not None


@pytest.mark.parametrize(
    "template",
    [
        b'{"rel":"contact","emailAddresses":#}',
        b'{"rel":"search","_embedded":{"contact":[{"x":#}]}}',
        b'{"rel":"search","_embedded":{"contact":#}}',
    ],
)
def test_deep_nesting_costs_memory_linear_in_its_depth(template: bytes, json_reading: str) -> None:
    # ijson's prefixed events spelled out the whole path at every level: memory in the square
    # of the depth (32 kB of brackets took 641 MB). Basic events cost the same at any depth,
    # and the verdict is orjson's, as on the tree path.
    import tracemalloc

    data = template.replace(b"#", b"[" * 16000 + b"]" * 16000)
    tracemalloc.start()
    try:
        error = check_j2x(data)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert isinstance(error, UcwaFormatError) and error.msg == "depth limit exceeded"
    assert peak < 4 * len(data) + (4 << 20), peak


# -- losses handed to a sink instead of a list ---------------------------------------------------


class Sink:
    """A report that is not a list: anything with ``append`` (the command prints each)."""

    def __init__(self) -> None:
        self.got: list[Loss] = []

    def append(self, loss: Loss) -> None:
        self.got.append(loss)


def _to_sink(func: Callable[..., None], data: bytes, **options: Any) -> tuple[Any, list[Loss]]:
    sink = Sink()
    dst = io.BytesIO()
    try:
        func(io.BytesIO(data), dst, report=sink, **options)
    except UcwaFormatError as exc:
        return exc, sink.got
    return dst.getvalue(), sink.got


@pytest.fixture
def few_in_memory(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Losses move to the file three at a time; returns the length of the losses left in
    memory after each item."""
    monkeypatch.setattr(_stream, "LOSS_MEMORY", 3)
    kept: list[int] = []
    settle = _stream._Losses.settle

    def spy(self: Any) -> None:
        settle(self)
        kept.append(len(self.recent))

    monkeypatch.setattr(_stream._Losses, "settle", spy)
    return kept


def test_a_sink_gets_what_a_list_gets_in_the_same_order(
    big: bytes, few_in_memory: list[int]
) -> None:
    listed = _streamed(stream_xml_to_json, big)
    assert len(listed[1]) > 2 * BIG  # (a sub-ms loss per contact, and more)
    few_in_memory.clear()
    sunk = _to_sink(stream_xml_to_json, big)
    assert sunk == listed
    # Never more than a batch (and one item's losses) waits in memory.
    assert len(few_in_memory) > BIG and max(few_in_memory) < 3 + 3


def test_a_sink_gets_what_a_list_gets_json_to_xml(
    big: bytes, few_in_memory: list[int], json_reading: str
) -> None:
    # A null property in each contact: a loss each (no XML form, D11).
    data = ucwaformat.xml_to_json(big).replace(b'"rel":"contact",', b'"rel":"contact","x":null,')
    listed = _streamed(stream_json_to_xml, data)
    assert len(listed[1]) >= BIG
    few_in_memory.clear()
    assert _to_sink(stream_json_to_xml, data) == listed
    assert len(few_in_memory) > BIG and max(few_in_memory) < 3 + 3


@pytest.mark.parametrize("seekable", [True, False])
def test_a_sink_gets_nothing_twice_when_the_input_is_read_again(
    few_in_memory: list[int], seekable: bool
) -> None:
    # The type comes after the embedded resources: the first reading's losses are dropped.
    items = "".join(
        f'<resource rel="group" href="/g/{i}"><foo/><property name="name">G</property></resource>'
        for i in range(20)
    )
    data = (
        f'<resource rel="myGroups" href="/g" xmlns="{NS}">{items}'
        '<property name="rel">myGroups</property></resource>'
    ).encode()
    tree = _tree(ucwaformat.xml_to_json, data)
    assert len(tree[1]) == 20
    sink = Sink()
    src: Any = io.BytesIO(data) if seekable else io.BufferedReader(Unseekable(data, 100))
    dst = io.BytesIO()
    stream_xml_to_json(src, dst, report=sink)
    assert (dst.getvalue(), sorted(map(str, sink.got))) == (tree[0], sorted(map(str, tree[1])))


def test_a_sink_gets_nothing_on_bad_input(big: bytes, few_in_memory: list[int]) -> None:
    bad = big[: len(big) - 2000]  # losses all the way to the cut
    got, losses = _to_sink(stream_xml_to_json, bad)
    assert isinstance(got, UcwaFormatError) and losses == []
    data = ucwaformat.xml_to_json(big)
    got, losses = _to_sink(stream_json_to_xml, data[: len(data) - 2000])
    assert isinstance(got, UcwaFormatError) and losses == []


@pytest.mark.parametrize("seekable", [True, False])
def test_xsi_nil_declared_far_into_the_document(big: bytes, seekable: bool) -> None:
    # The reader looks for xsi:nil only once the bytes read so far could hold one (an
    # "xmlns:" and a ":nil"): a nil property deep in the document is still read as null.
    nil = (
        b'<property xmlns:i="http://www.w3.org/2001/XMLSchema-instance" name="company"'
        b' i:nil="true"/>'
    )
    at = big.index(b'<resource rel="contact"', len(big) * 3 // 4)
    at = big.index(b"<property", at)
    data = big[:at] + nil + big[at:]
    out = json.loads(check_x2j(data, seekable=seekable))
    assert sum(c.get("company", "") is None for c in out["_embedded"]["contact"]) == 1
