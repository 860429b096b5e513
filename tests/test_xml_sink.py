"""The JSON reader's two sinks: JSON → XML without the model against the model path.

``json_to_xml`` reads resources, inputs and event pages with the XML sink (``ucwaformat._xmlsink``), which
writes each ``<resource>`` as the reader finishes it; the model path reads with the model sink
(``_kinds.read_json(..., for_xml=True)``) and writes the model (``to_xml``). Whatever the input,
the two must agree on everything a caller sees: the bytes, the losses (kind, path, message, in
order) and the error (message, line, column, path), lenient and strict, in both dialects, pretty
or not. And ``json_to_xml`` must not build the model for a resource, an input or an event
page.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from data_paths import CORPUS
from differential import BASE, EDITS, EVENT_CASES, WRITES, Outcome, builds_none, outcome
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ucwaformat
from ucwaformat import Loss, Schema, UcwaFormatError, _json, _kinds
from ucwaformat import _xmltext as xmltext
from ucwaformat._errors import Recorder
from ucwaformat.testing import strategies as ust

JSON_FILES = sorted(p for p in CORPUS.rglob("*.json") if p.name != "manifest.json")
EXAMPLE = CORPUS.parent.parent.parent / "examples" / "myAssignedOnlineMeeting.json"


def _model(data: bytes | str, *, strict: bool, report: list[Loss], **options: Any) -> bytes:
    """The model path: read for XML into the model, then write the model."""
    read = {k: options.pop(k) for k in ("rel", "kind") if k in options}
    doc = _kinds.read_json(
        data,
        rel=read.get("rel"),
        schema=options.pop("schema", None) or Schema.bundled(),
        rec=Recorder(strict, report),
        kind=read.get("kind"),
        for_xml=True,
    )
    return ucwaformat.to_xml(doc, strict=strict, report=report, **options)


def assert_same(data: bytes | str, **options: Any) -> Outcome:
    """Both paths, lenient and strict, every write option: the same outcome. Returns the
    lenient one with ``options`` alone."""
    for strict in (False, True):
        for write in WRITES:
            both = {**write, **options}
            sink = outcome(ucwaformat.json_to_xml, data, strict, **both)
            model = outcome(_model, data, strict, **both)
            assert sink == model, f"strict={strict} {write}"
    return outcome(ucwaformat.json_to_xml, data, False, **options)


def builds_no_model(
    data: bytes | str, models: tuple[str, ...] = ("Resource", "Input"), **options: Any
) -> bool:
    """Whether ``json_to_xml`` converts ``data`` without building any of the model classes
    ``models`` (by default a resource or an input)."""
    return builds_none(ucwaformat.json_to_xml, data, _json, models, **options)


# -- the corpus ---------------------------------------------------------------------------------


def test_the_corpus_has_json_bodies() -> None:
    assert len(JSON_FILES) > 50


@pytest.mark.parametrize("path", JSON_FILES, ids=lambda p: str(p.relative_to(CORPUS)))
def test_corpus_body(path: Any) -> None:
    assert_same(path.read_bytes())


def test_no_resource_or_input_builds_the_model() -> None:
    taken = 0
    for path in JSON_FILES:
        data = path.read_bytes()
        try:
            doc = ucwaformat.from_json(data)
        except UcwaFormatError:
            continue
        if isinstance(doc, (ucwaformat.Resource, ucwaformat.Input)):
            assert builds_no_model(data), path
            taken += 1
    assert taken >= 30  # of the corpus as stored today


def test_the_quick_start_example() -> None:
    data = EXAMPLE.read_bytes()
    assert builds_no_model(data)
    kind, out, report = assert_same(data)
    assert kind == "ok"
    assert out.startswith(b'<?xml version="1.0" encoding="utf-8"?><resource rel="myAssigned')
    assert [loss.kind for loss in report] == []


# -- every edge of the mapping ------------------------------------------------------------------

# (The document and its edits are differential's BASE and EDITS: test_stream runs them too.)


@pytest.mark.parametrize("edit", sorted(EDITS))
def test_edited_document(edit: str) -> None:
    doc = copy.deepcopy(BASE)
    EDITS[edit](doc)
    data = json.dumps(doc, ensure_ascii=False).encode("utf-8", "surrogatepass")
    assert_same(data)
    assert_same(data, rel="conversation")
    assert builds_no_model(data)


@pytest.mark.parametrize("edit", sorted(EDITS))
def test_edited_input(edit: str) -> None:
    doc = copy.deepcopy(BASE)
    EDITS[edit](doc)
    doc.pop("rel", None)
    doc["_links"].pop("self", None) if isinstance(doc.get("_links"), dict) else None
    data = json.dumps(doc, ensure_ascii=False).encode("utf-8", "surrogatepass")
    assert_same(data, kind="input")
    assert_same(data, kind="input", rel="startMessaging")
    assert builds_no_model(data, kind="input")


def test_the_edits_reach_the_writer() -> None:
    """The edits make the writer report and raise, not only the reader (else they test less)."""
    kinds: set[str] = set()
    errors = 0
    for edit in EDITS.values():
        doc = copy.deepcopy(BASE)
        edit(doc)
        data = json.dumps(doc, ensure_ascii=False).encode("utf-8", "surrogatepass")
        seen = outcome(ucwaformat.json_to_xml, data, False)
        kinds.update(loss.kind for loss in seen[-1])
        errors += seen[0] == "error"
    assert {"null", "empty-collection", "rel", "offset", "untyped", "float"} <= kinds
    assert errors >= 8


def test_a_bad_dialect_is_refused_before_reading() -> None:
    """A dialect is the caller's option: a ``ValueError`` whatever the document (the model path
    read the document first, and raised its error if it had one)."""
    for data in (b"{", b'{"rel": 3}', json.dumps(BASE).encode()):
        with pytest.raises(ValueError, match="dialect must be 'server' or 'docs', not 'nope'"):
            ucwaformat.json_to_xml(data, dialect="nope")  # type: ignore[arg-type]


def test_other_kinds_go_through_the_model() -> None:
    assert_same(b'{"code": "BadRequest", "message": "m"}')


# -- generated documents --------------------------------------------------------------------


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(doc=st.one_of(ust.resources(), ust.documents(), ust.event_pages()), pretty=st.booleans())
def test_generated_documents(doc: Any, pretty: bool) -> None:
    try:
        data = ucwaformat.to_json(doc, pretty=pretty)
    except UcwaFormatError:
        return  # a model the JSON writer refuses; not this module's concern
    assert_same(data)
    assert builds_no_event_model(data)


# -- the plain-strings shortcut -----------------------------------------------------------------

_ANY_CHAR = st.characters(blacklist_categories=())  # surrogates and non-characters too


@given(st.text(_ANY_CHAR, max_size=40))
def test_plain_text_and_attr_are_the_expressions(s: str) -> None:
    assert xmltext.plain_text(s) == (xmltext.TEXT_SPECIAL.search(s) is None)
    assert xmltext.plain_attr(s) == (xmltext.ATTR_SPECIAL.search(s) is None)


def _strings_of(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for key, item in value.items() for s in (key, *_strings_of(item))]
    if isinstance(value, list):
        return [s for item in value for s in _strings_of(item)]
    return []


_JSON_VALUES = st.recursive(
    st.text(_ANY_CHAR, max_size=12) | st.integers() | st.none(),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.text(_ANY_CHAR, max_size=8), inner, max_size=3)
    ),
    max_leaves=12,
)


@given(value=_JSON_VALUES, ascii_only=st.booleans(), solidus=st.booleans())
def test_plain_json_holds_only_plain_strings(value: Any, ascii_only: bool, solidus: bool) -> None:
    """When plain_json says a JSON text is plain, no key or string in it needs escaping."""
    text = json.dumps(value, ensure_ascii=ascii_only)
    if solidus:
        text = text.replace("/", "\\/")  # as UCWA servers write it
    for data in (text, text.encode("utf-8", "surrogatepass")):
        if xmltext.plain_json(data):
            for s in _strings_of(json.loads(text)):
                assert xmltext.plain_text(s) and xmltext.plain_attr(s), s


@pytest.mark.parametrize(
    ("text", "plain"),
    [
        (EXAMPLE.read_bytes(), True),  # \/ and \u0027 escapes only
        (b'{"a": "b"}', True),
        (b'{"a": "b\\u003c"}', False),  # an escaped <
        (b'{"a": "b\\\\/"}', False),  # a backslash, then a solidus
        (b'{"a": "b\\"c"}', False),  # a quote
        (b'{"a": "b&c"}', False),
        (b'{"a": "\xef\xbf\xbe"}', False),  # U+FFFE
        ('{"a": "\u00e9"}', False),  # a str, not ASCII: not looked at
        ('{"a": "b\\/"}', True),
    ],
)
def test_plain_json_examples(text: bytes | str, plain: bool) -> None:
    assert xmltext.plain_json(text) is plain


def test_a_plain_document_writes_as_an_escaped_one() -> None:
    """The same strings, once in a plain text and once with an escape that makes the text not
    plain: the same XML (the shortcut skips only checks that would find nothing)."""
    plain = json.dumps(BASE).encode()
    assert xmltext.plain_json(plain)
    escaped = plain.replace(b'"Connected"', b'"Co\\u006enected"')
    assert not xmltext.plain_json(escaped)
    assert ucwaformat.json_to_xml(plain) == ucwaformat.json_to_xml(escaped)


# -- event pages --------------------------------------------------------------------------------
#
# An event page goes from the JSON reader to the same sink: each event, then its sender, then
# the page, written by ``_events``'s own functions (the model walk's), the resource an event
# embeds by the resource sink.

FUZZ = CORPUS.parent / "fuzz"
EVENT_FILES = sorted(
    [p for p in JSON_FILES if p.name.startswith("event-")]
    + [*(CORPUS / "_concepts" / "EventChannelDetails").glob("*.json")]
    + [p for p in FUZZ.glob("*.json") if b"sender" in p.read_bytes()]
)


def builds_no_event_model(data: bytes | str) -> bool:
    """Whether ``json_to_xml`` converts ``data`` without building a model event page, sender,
    event, resource or input."""
    return builds_no_model(data, ("Events", "Sender", "Event", "Resource", "Input"))


def test_the_event_files_are_there() -> None:
    assert len(EVENT_FILES) > 60
    assert any(p.parent.name == "EventChannelDetails" for p in EVENT_FILES)
    assert any(p.parent == FUZZ for p in EVENT_FILES)


@pytest.mark.parametrize("path", EVENT_FILES, ids=lambda p: str(p.relative_to(CORPUS.parent)))
def test_event_file(path: Any) -> None:
    data = path.read_bytes()
    assert_same(data)
    assert builds_no_event_model(data)


def test_the_event_pages_are_read_as_event_pages() -> None:
    pages = 0
    for path in EVENT_FILES:
        try:
            doc = ucwaformat.from_json(path.read_bytes())
        except UcwaFormatError:
            continue
        pages += isinstance(doc, ucwaformat.Events)
    assert pages >= 60


@pytest.mark.parametrize("case", sorted(EVENT_CASES))
def test_event_page(case: str) -> None:
    data = json.dumps(EVENT_CASES[case])
    outcome = assert_same(data)
    assert builds_no_event_model(data)
    errors = case.startswith("bad") or case in ("no link", "embedded array")
    assert outcome[0] == ("error" if errors else "ok")


def test_the_event_cases_reach_the_writer() -> None:
    """The cases hold writer losses and writer errors, after reader losses."""
    report: list[Loss] = []
    ucwaformat.json_to_xml(json.dumps(EVENT_CASES["provisional members"]), report=report)
    assert {loss.kind for loss in report} >= {"event"}
    assert len(report) >= 8
    out = ucwaformat.json_to_xml(json.dumps(EVENT_CASES["embedded, nested"]), pretty=True)
    assert b'\n      <resource rel="conversation" href="/c/1">' in out
    assert b'\n        <resource rel="participant" href="/p">' in out
    report = []
    with pytest.raises(UcwaFormatError) as info:
        ucwaformat.json_to_xml(json.dumps(EVENT_CASES["bad control character"]), report=report)
    assert info.value.path is not None and info.value.path.startswith("$.sender[0].events[1]")
    assert [loss.path for loss in report][-1] == "$.sender[0].events[0].status"
