"""The typed layer (ucwaformat.types, generated; ucwaformat.typed, the cattrs converter).

The backbone: for every resource document of the corpus, bytes → typed object → bytes gives
exactly what bytes → document → bytes gives, in both forms, and the typed object unstructures
to the same document. Then the rules one at a time: open enumerations, unknown properties,
absent properties, wrong value types, dates, request bodies, the generated module itself.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from types import ModuleType
from typing import Any

import attrs
import pytest
from data_paths import ROOT

import ucwaformat
from ucwaformat import Input, Link, Resource, Schema, Timestamp, UcwaFormatError, typed
from ucwaformat.types import (
    MAX_UNKNOWN_MEMBERS,
    REQUEST_CLASSES,
    RESOURCE_CLASSES,
    AccessLevel,
    AddMessagingPost,
    Conversation,
    Links,
    MyAssignedOnlineMeeting,
    MyAssignedOnlineMeetingPut,
    MyOnlineMeeting,
    MyOnlineMeetingPut,
    MyOnlineMeetings,
    OnlineMeetingExtension,
    OpenEnum,
    TypedInput,
    TypedResource,
)

CORPUS = ROOT / "tests" / "data" / "corpus"
MANIFEST: dict[str, Any] = json.loads((CORPUS / "manifest.json").read_text(encoding="utf-8"))
EXAMPLE = ROOT / "examples" / "myAssignedOnlineMeeting.xml"
NS = "http://schemas.microsoft.com/rtc/2012/03/ucwa"
#: The property a GET of myOnlineMeeting carries under a random name, to be echoed by a PUT.
ECHO = "please pass me in a PUT request"


# -- corpus -------------------------------------------------------------------------------------


def _read(path: str, **options: Any) -> ucwaformat.Document:
    data = (CORPUS / path).read_bytes()
    if path.endswith(".json"):
        return ucwaformat.from_json(data, **options)
    return ucwaformat.from_xml(data, **options)


def _dialect(data: bytes) -> ucwaformat._xml.Dialect:
    return "docs" if b'<property name="rel">' in data else "server"


def _resource_bodies() -> list[str]:
    """Every JSON/XML body of the corpus that is a resource of a type the schema knows."""
    found = []
    for entry in MANIFEST["files"]:
        if entry["parses"] is not True or entry["body_kind"] not in ("json", "xml"):
            continue
        try:
            doc = _read(entry["file"])
        except UcwaFormatError:
            continue  # not a document the library reads (test_corpus.py says which)
        if isinstance(doc, Resource) and doc.type in RESOURCE_CLASSES:
            found.append(entry["file"])
    return sorted(found)


def _request_bodies() -> list[str]:
    """Every JSON/XML request body of the corpus sent to an operation the schema describes."""
    return sorted(
        entry["file"]
        for entry in MANIFEST["files"]
        if entry["direction"] == "request"
        and entry["parses"] is True
        and entry["body_kind"] in ("json", "xml")
        and (entry["resource"], (entry["operation"] or "").upper()) in REQUEST_CLASSES
    )


RESOURCE_BODIES = _resource_bodies()
REQUEST_BODIES = _request_bodies()
GET_RESPONSES = sorted(
    p.relative_to(CORPUS).as_posix()
    for p in CORPUS.glob("*/get-*-response.*")
    if p.suffix != ".txt"
)
assert RESOURCE_BODIES and REQUEST_BODIES and GET_RESPONSES


def test_every_get_example_type_is_covered() -> None:
    """Each resource type with a GET example (the document's own type) is in the round trips."""
    types = set()
    for path in GET_RESPONSES:
        doc = _read(path)
        if isinstance(doc, Resource) and doc.type is not None:
            types.add(doc.type)
            assert path in RESOURCE_BODIES
    assert types <= set(RESOURCE_CLASSES)
    assert len(types) >= 70


@pytest.mark.parametrize("path", RESOURCE_BODIES)
def test_corpus_resource_round_trip(path: str) -> None:
    data = (CORPUS / path).read_bytes()
    doc = _read(path)
    assert isinstance(doc, Resource) and doc.type is not None
    cls = RESOURCE_CLASSES[doc.type]
    if path.endswith(".json"):
        obj = typed.from_json(data, cls)
        assert typed.to_json(obj) == ucwaformat.to_json(doc)
    else:
        obj = typed.from_xml(data, cls)
        dialect = _dialect(data)
        assert typed.to_xml(obj, dialect=dialect) == ucwaformat.to_xml(doc, dialect=dialect)
    back = typed.unstructure(obj)
    assert back == doc
    assert back.type_position == doc.type_position
    _assert_model_values(back)
    # Every property the class knows went to its field: extra holds only unknown names.
    known = {f.metadata["ucwa"] for f in attrs.fields(cls) if "ucwa" in f.metadata}
    assert not known & {name for name, _value in obj.extra}


@pytest.mark.parametrize("path", REQUEST_BODIES)
def test_corpus_request_round_trip(path: str) -> None:
    entry = next(e for e in MANIFEST["files"] if e["file"] == path)
    doc = _read(path, rel=entry["resource"])
    data = (CORPUS / path).read_bytes()
    if isinstance(doc, Resource):
        # A PUT body in the resource form ({"rel": …}): its resource class writes it.
        assert doc.type is not None
        obj: TypedResource | TypedInput = typed.structure(doc, RESOURCE_CLASSES[doc.type])
    else:
        obj = typed.structure(doc, REQUEST_CLASSES[entry["resource"], entry["operation"].upper()])
    if path.endswith(".json"):
        assert typed.to_json(obj) == ucwaformat.to_json(doc)
    else:
        dialect = _dialect(data)
        assert typed.to_xml(obj, dialect=dialect) == ucwaformat.to_xml(doc, dialect=dialect)
    assert typed.unstructure(obj) == doc


def _assert_model_values(doc: Resource | Input) -> None:
    """Unstructuring yields model types only: no enum member, datetime or list leaks out."""
    for _name, value in doc.properties:
        for item in value if isinstance(value, tuple) else (value,):
            assert type(item) in (str, int, bool, Timestamp, type(None)), (_name, item)
    for link in doc.iter_links():
        assert type(link) is Link and type(link.href) is str
    for _role, entry in doc.embedded:
        for res in entry if isinstance(entry, tuple) else (entry,):
            assert type(res) is Resource
            _assert_model_values(res)


# -- the README example -------------------------------------------------------------------------


def test_readme_example() -> None:
    meeting = typed.from_xml(EXAMPLE.read_bytes(), MyAssignedOnlineMeeting)
    assert str(meeting.expiration_time) == "2016-09-26 16:20:23.048562-07:00"
    assert meeting.subject == "Quarterly sales numbers"
    assert meeting.attendees == ("sip:johndoe@contoso.com", "sip:janedoe@contoso.com")
    assert meeting.access_level is AccessLevel.LOCKED
    extension = meeting.embedded.online_meeting_extension[0]
    assert isinstance(extension, OnlineMeetingExtension) and extension.id == "917823"
    link = meeting.links.online_meeting_extensions
    assert link is not None and link.href.endswith("/943/onlineMeetingExtensions")

    body = attrs.evolve(
        MyAssignedOnlineMeetingPut.from_resource(meeting), subject="Quarterly sales review"
    )
    sent = json.loads(typed.to_json(body))
    assert sent["subject"] == "Quarterly sales review"
    assert sent["accessLevel"] == "Locked"
    assert sent["expirationTime"] == "/Date(1474932023048)/"
    assert "conferenceId" not in sent  # not a PUT parameter
    # In XML the unchanged date keeps its 100 ns digit and its offset.
    assert b"2016-09-26T16:20:23.0485629-07:00" in typed.to_xml(body)


def test_build_a_put_body() -> None:
    assert typed.to_json(MyOnlineMeetingPut(subject="Budget")) == b'{"subject":"Budget"}'
    assert (
        typed.to_xml(MyOnlineMeetingPut(subject="Budget", access_level=AccessLevel.INVITED))
        == (
            f'<?xml version="1.0" encoding="utf-8"?><input xmlns="{NS}">'
            '<property name="accessLevel">Invited</property>'
            '<property name="subject">Budget</property></input>'
        ).encode()
    )


# -- open enumerations --------------------------------------------------------------------------


def test_unknown_enum_member() -> None:
    member = AccessLevel("Brand new")
    assert isinstance(member, AccessLevel) and isinstance(member, str)
    assert member.value == "Brand new" and str(member) == "Brand new"
    assert not member.is_known and AccessLevel.LOCKED.is_known
    assert AccessLevel("Brand new") is member  # cached
    assert AccessLevel("Locked") is AccessLevel.LOCKED
    with pytest.raises(ValueError):
        AccessLevel(3)  # type: ignore[arg-type]


@pytest.mark.parametrize("form", ["json", "xml"])
def test_unknown_enum_member_round_trips(form: str) -> None:
    meeting = MyOnlineMeeting(href="/m/1", access_level=AccessLevel("Brand new"), subject="x")
    data = typed.to_json(meeting) if form == "json" else typed.to_xml(meeting)
    assert b"Brand new" in data
    again = (
        typed.from_json(data, MyOnlineMeeting)
        if form == "json"
        else typed.from_xml(data, MyOnlineMeeting)
    )
    assert again == meeting
    assert again.access_level == "Brand new" and not again.access_level.is_known


def test_unknown_members_are_cached_up_to_a_bound() -> None:
    class Color(OpenEnum):
        RED = "Red"

    values = [f"c{i}" for i in range(MAX_UNKNOWN_MEMBERS + 10)]
    members = [Color(v) for v in values]
    assert [m.value for m in members] == values
    assert all(isinstance(m, Color) and not m.is_known for m in members)
    assert Color(values[0]) is members[0]  # within the bound: one member per value
    assert Color(values[-1]) is not members[-1]  # beyond it: equal, but not kept
    assert Color(values[-1]) == members[-1]
    assert len(Color._value2member_map_) == 1 + MAX_UNKNOWN_MEMBERS


# -- unknown and absent properties --------------------------------------------------------------


MEETING_JSON = (
    b'{"rel":"myOnlineMeeting","accessLevel":"Everyone","x8Rq3Zz":"' + ECHO.encode() + b'",'
    b'"subject":"Budget","expirationTime":"\\/Date(1474932023030)\\/",'
    b'"_links":{"self":{"href":"/m/1"}}}'
)


def test_unknown_property_is_kept_in_place_and_echoed() -> None:
    meeting = typed.from_json(MEETING_JSON, MyOnlineMeeting)
    assert meeting.extra == (("x8Rq3Zz", ECHO),)
    assert typed.to_json(meeting) == MEETING_JSON
    xml = typed.to_xml(meeting)
    assert typed.to_xml(typed.from_xml(xml, MyOnlineMeeting)) == xml
    body = MyOnlineMeetingPut.from_resource(meeting)
    assert body.extra == (("x8Rq3Zz", ECHO),)
    assert json.loads(typed.to_json(body))["x8Rq3Zz"] == ECHO


def test_absent_properties_are_none_and_left_out() -> None:
    conversation = typed.from_json(b'{"rel":"conversation"}', Conversation)
    assert conversation.participant_count is None and conversation.subject is None
    assert conversation.extra == ()
    assert typed.to_json(conversation) == b'{"rel":"conversation"}'
    assert typed.unstructure(MyOnlineMeetingPut()) == Input()
    assert typed.unstructure(Conversation()) == Resource("conversation")


def test_json_null_is_kept() -> None:
    data = b'{"rel":"conversation","subject":null,"participantCount":2}'
    conversation = typed.from_json(data, Conversation)
    assert conversation.subject is None and conversation.participant_count == 2
    assert typed.to_json(conversation) == data
    # A new object has no record of the null: an unset field is left out.
    assert typed.to_json(attrs.evolve(conversation, wire=None)) == (
        b'{"rel":"conversation","participantCount":2}'
    )


def test_repeated_property() -> None:
    # The last one wins and the repeat is reported (D24), as in JSON: the reader keeps one.
    data = (
        f'<resource xmlns="{NS}" rel="conversation" href="/c/1">'
        '<property name="subject">a</property><property name="subject">b</property></resource>'
    ).encode()
    report: list[ucwaformat.Loss] = []
    conversation = typed.from_xml(data, Conversation, report=report)
    assert conversation.subject == "b" and conversation.extra == ()
    assert [(loss.kind, loss.path) for loss in report] == [("duplicate", "$.subject")]
    assert typed.to_xml(conversation) == ucwaformat.to_xml(ucwaformat.from_xml(data))


def test_changed_and_added_fields() -> None:
    meeting = typed.from_json(MEETING_JSON, MyOnlineMeeting)
    changed = attrs.evolve(meeting, subject="Plans", access_level=None, description="New")
    out = json.loads(typed.to_json(changed))
    # The document's order for what it had, then the new fields.
    assert list(out) == ["rel", "x8Rq3Zz", "subject", "expirationTime", "description", "_links"]
    assert out["subject"] == "Plans" and out["description"] == "New"


# -- wrong value types --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "cls", "message"),
    [
        (
            b'{"rel":"conversation","participantCount":"abc"}',
            Conversation,
            "expected an integer, not the string 'abc' (at $.participantCount)",
        ),
        (
            b'{"rel":"myOnlineMeeting","attendees":["sip:a@b.c",3]}',
            MyOnlineMeeting,
            "expected a string, not the integer 3 (at $.attendees[1])",
        ),
        (
            b'{"rel":"myOnlineMeeting","attendees":"sip:a@b.c"}',
            MyOnlineMeeting,
            "expected a list, not the string 'sip:a@b.c' (at $.attendees)",
        ),
        (
            b'{"rel":"myOnlineMeeting","expirationTime":"soon"}',
            MyOnlineMeeting,
            "expected a date, not the string 'soon' (at $.expirationTime)",
        ),
        (
            b'{"rel":"myOnlineMeeting","accessLevel":true}',
            MyOnlineMeeting,
            "expected a string, not the boolean true (at $.accessLevel)",
        ),
        (
            b'{"rel":"myOnlineMeetings","_embedded":{"myOnlineMeeting":'
            b'[{"rel":"myOnlineMeeting","subject":7}]}}',
            MyOnlineMeetings,
            "expected a string, not the integer 7 (at $._embedded.myOnlineMeeting[0].subject)",
        ),
        (
            b'{"rel":"myOnlineMeeting","subject":"x"}',
            MyOnlineMeetingPut,
            "expected a request body (input), not a resource; read it as MyOnlineMeeting (at $)",
        ),
    ],
)
def test_wrong_value_type(data: bytes, cls: type[Any], message: str) -> None:
    with pytest.raises(UcwaFormatError) as info:
        typed.from_json(data, cls)
    assert str(info.value) == message


def test_wrong_value_type_in_xml() -> None:
    # The XML reader keeps a value that is not an integer as text (a "type" loss) …
    data = (
        f'<resource xmlns="{NS}" rel="conversation" href="/c/1">'
        '<property name="participantCount">many</property></resource>'
    )
    with pytest.raises(UcwaFormatError) as info:
        typed.from_xml(data, Conversation)
    # … which the typed layer refuses, with where it is.
    assert info.value.path == "$.participantCount"


def test_wrong_document_kind() -> None:
    events = b'{"_links":{"self":{"href":"/e"},"next":{"href":"/e2"}},"sender":[]}'
    with pytest.raises(UcwaFormatError, match=r"expected a resource, not an event page \(at \$\)"):
        typed.structure(ucwaformat.from_json(events), Conversation)
    with pytest.raises(TypeError, match=r"a class from ucwaformat\.types"):
        typed.structure(Resource("conversation"), Resource)  # type: ignore[type-var]


def test_wrong_type_when_writing() -> None:
    bad = Conversation(participant_count="3")  # type: ignore[arg-type]
    with pytest.raises(UcwaFormatError, match=r"expected an integer.*\(at \$\.participantCount\)"):
        typed.to_json(bad)
    naive = MyOnlineMeeting(expiration_time=datetime(2016, 9, 26, 16, 20))
    with pytest.raises(UcwaFormatError, match=r"naive datetime .*\(at \$\.expirationTime\)"):
        typed.to_json(naive)


# -- dates --------------------------------------------------------------------------------------


def test_unchanged_date_is_written_as_read() -> None:
    meeting = typed.from_xml(EXAMPLE.read_bytes(), MyAssignedOnlineMeeting)
    assert meeting.expiration_time is not None
    assert meeting.expiration_time.utcoffset() == timedelta(hours=-7)
    # An equal datetime (even a new object) keeps the 7th digit and the offset.
    same = attrs.evolve(meeting, expiration_time=meeting.expiration_time.replace())
    assert b"16:20:23.0485629-07:00" in typed.to_xml(same)


def test_changed_date_is_written_from_the_datetime() -> None:
    meeting = typed.from_xml(EXAMPLE.read_bytes(), MyAssignedOnlineMeeting)
    assert meeting.expiration_time is not None
    later = attrs.evolve(meeting, expiration_time=meeting.expiration_time + timedelta(hours=1))
    assert b"17:20:23.0485620-07:00" in typed.to_xml(later)
    # The same instant in another zone is a change too: the zone is written.
    utc = attrs.evolve(meeting, expiration_time=meeting.expiration_time.astimezone(UTC))
    assert b"2016-09-26T23:20:23.0485620Z" in typed.to_xml(utc)
    plus_one = timezone(timedelta(hours=1))
    moved = attrs.evolve(meeting, expiration_time=meeting.expiration_time.astimezone(plus_one))
    assert b"2016-09-27T00:20:23.0485620+01:00" in typed.to_xml(moved)


def test_json_dates_keep_their_form() -> None:
    data = (
        b'{"rel":"myOnlineMeeting","expirationTime":"\\/Date(1474932023030+0200)\\/",'
        b'"_links":{"self":{"href":"/m/1"}}}'
    )
    meeting = typed.from_json(data, MyOnlineMeeting)
    assert meeting.expiration_time == datetime(2016, 9, 26, 23, 20, 23, 30000, tzinfo=UTC)
    assert meeting.expiration_time.utcoffset() == timedelta(hours=2)
    assert typed.to_json(meeting) == data


# -- links, embedded resources, equality --------------------------------------------------------


def test_link_accessors_follow_the_schema_whatever_the_document_holds() -> None:
    doc = ucwaformat.from_json(
        b'{"rel":"myOnlineMeeting","_links":{"self":{"href":"/m"},'
        b'"onlineMeetingExtensions":[{"href":"/x1"},{"href":"/x2"}],"news":{"href":"/n"}}}'
    )
    meeting = typed.structure(doc, MyOnlineMeeting)
    extensions = meeting.links.online_meeting_extensions
    assert extensions is not None and extensions.href == "/x1"  # the schema says: single
    assert [link.href for link in meeting.links.all("onlineMeetingExtensions")] == ["/x1", "/x2"]
    assert meeting.links.get("news") == Link("news", "/n") and "news" in meeting.links
    assert [link.href for link in meeting.links] == ["/x1", "/x2", "/n"]
    assert typed.unstructure(meeting) == doc  # the array stays an array


def test_embedded_resources_are_typed_where_the_schema_knows() -> None:
    doc = ucwaformat.from_json(
        b'{"rel":"myOnlineMeetings","_links":{"self":{"href":"/ms"}},"_embedded":{'
        b'"myOnlineMeeting":[{"rel":"myOnlineMeeting","subject":"a"}],'
        b'"gadget":{"rel":"gadget","size":"3"}}}'
    )
    meetings = typed.structure(doc, MyOnlineMeetings)
    (first,) = meetings.embedded.my_online_meeting
    assert isinstance(first, MyOnlineMeeting) and first.subject == "a"
    assert meetings.embedded.get("gadget") == Resource("gadget", properties=(("size", "3"),))
    assert typed.unstructure(meetings) == doc


def test_equality_ignores_how_it_was_written() -> None:
    from_xml = typed.from_xml(EXAMPLE.read_bytes(), MyAssignedOnlineMeeting)
    again = typed.from_xml(EXAMPLE.read_bytes(), MyAssignedOnlineMeeting)
    assert from_xml == again and hash(from_xml) == hash(again)
    assert attrs.evolve(from_xml, wire=None) == from_xml
    assert attrs.evolve(from_xml, subject="other") != from_xml
    assert "subject='Quarterly sales numbers'" in repr(from_xml)
    assert "wire" not in repr(from_xml) and "None" not in repr(from_xml)


def test_external_parameters_are_data_links() -> None:
    body = AddMessagingPost(message="data:text/plain,Hi", operation_id="op1")
    assert typed.to_json(body) == (
        b'{"operationId":"op1","_links":{"message":{"href":"data:text/plain,Hi"}}}'
    )
    again = typed.from_json(typed.to_json(body), AddMessagingPost)
    assert again == body and again.links == Links()
    xml = typed.to_xml(body)
    assert typed.to_xml(typed.from_xml(xml, AddMessagingPost)) == xml


# -- the generated module -----------------------------------------------------------------------


def test_every_schema_type_request_and_enumeration_has_a_class() -> None:
    schema = Schema.bundled()
    assert set(RESOURCE_CLASSES) == set(schema.resource_types)
    import ucwaformat.types as types

    for rtype, cls in RESOURCE_CLASSES.items():
        assert rtype == cls.RESOURCE_TYPE and f"``{rtype}``" in (cls.__doc__ or "")
        facts = schema.resource(rtype)
        assert facts is not None
        wire_names = [f.metadata["ucwa"] for f in attrs.fields(cls) if "ucwa" in f.metadata]
        expected = [n for n, t in facts.properties.items() if t.type != "external"]
        assert wire_names == expected  # the schema's order
        for verb, params in facts.requests.items():
            request = REQUEST_CLASSES[rtype, verb]
            assert verb == request.VERB
            assert [f.metadata["ucwa"] for f in attrs.fields(request) if "ucwa" in f.metadata] == (
                list(params)
            )
    for name, members in json.loads(
        (ROOT / "ucwaformat" / "schema" / "ucwa.json").read_text(encoding="utf-8")
    )["enumerations"].items():
        enum_cls = getattr(types, name[0].upper() + name[1:])
        assert [m.value for m in enum_cls] == members


def _build_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "build_types", ROOT / "scripts" / "build_types.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_generated_module_is_up_to_date(capsys: pytest.CaptureFixture[str]) -> None:
    assert _build_script().main(["--check"]) == 0, "run python scripts/build_types.py"


def test_check_fails_when_stale(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    schema = json.loads((ROOT / "ucwaformat" / "schema" / "ucwa.json").read_text(encoding="utf-8"))
    schema["resources"]["conversation"]["properties"]["brandNew"] = ["string", False, None]
    changed = tmp_path / "ucwa.json"
    changed.write_text(json.dumps(schema), encoding="utf-8")
    assert _build_script().main([str(changed), "--check"]) == 1
    assert "out of date" in capsys.readouterr().err


def test_importing_the_classes_does_not_import_cattrs() -> None:
    code = "import sys, ucwaformat.types; assert 'cattrs' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)
