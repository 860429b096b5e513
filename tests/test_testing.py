"""ucwaformat.testing: semantic comparison, canonical forms, builders and Hypothesis strategies.

The comparison helpers are checked difference kind by difference kind (each reported once, at its
``$.path``), against every twin pair of the reference corpus (FORMAT.md §15, with the
``DOC_EXAMPLE`` preset), and against the ``ucwaformat diff`` command they share their code with.
The strategies are checked against the round trips they promise.
"""

from __future__ import annotations

import enum
import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import attrs
import pytest
from data_paths import DATA
from hypothesis import HealthCheck, Phase, find, given, settings
from hypothesis import strategies as st

import ucwaformat
from ucwaformat import Events, Input, Link, Resource, Schema, Timestamp, UcwaFormatError
from ucwaformat.cli import main
from ucwaformat.testing import (
    DOC_EXAMPLE,
    IGNORE_ETAGS,
    IGNORE_HREFS,
    IGNORE_TIMESTAMPS,
    MISSING,
    Comparison,
    Difference,
    assert_equivalent,
    canonical_json,
    canonical_xml,
    diff,
    event,
    event_page,
    explain_equality,
    input_,
    link,
    load_document,
    normalize_doc_text,
    request,
    resource,
    sender,
)
from ucwaformat.testing import strategies as ucwa_st

CORPUS = DATA / "corpus"
MANIFEST: dict[str, Any] = json.loads((CORPUS / "manifest.json").read_text(encoding="utf-8"))
PAIRS = [pair for pair in MANIFEST["pairs"] if pair["both_parse"]]
MEETING_XML = CORPUS / "myAssignedOnlineMeeting/get-xml-response.xml"

PROPERTY = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])

T0 = datetime(2016, 9, 26, 23, 20, 23, 48000, tzinfo=UTC)


def meeting(**changes: Any) -> Resource:
    """A meeting built with the helpers; ``changes`` replace or (as None) drop properties."""
    props: dict[str, Any] = {
        "subject": "Sales review",
        "participantCount": 3,
        "expirationTime": T0,
        "attendees": ["sip:jane@contoso.com", "sip:john@contoso.com"],
        "etag": "1001",
    }
    for name, value in changes.items():
        if value is None:
            del props[name]
        else:
            props[name] = value
    return resource(
        "myOnlineMeeting",
        props,
        href="/ucwa/v1/m/1",
        links={"onlineMeetingExtensions": "/ucwa/v1/m/1/ext", "contact": ["/p/1", "/p/2"]},
        embedded={
            "participant": [
                resource("participant", href="/p/1", name="Jane"),
                resource("participant", href="/p/2", name="John"),
            ]
        },
    )


def paths(differences: list[Difference]) -> list[str]:
    return [d.path for d in differences]


# --------------------------------------------------------------------------------------------
# Builders
# --------------------------------------------------------------------------------------------


class Access(enum.Enum):
    LOCKED = "Locked"


def test_resource_builder_makes_the_model() -> None:
    doc = resource(
        "myOnlineMeeting",
        {"weird name": "x"},
        href="/m/1",
        subject="Sales",
        participantCount=3,
        anonymous=False,
        accessLevel=Access.LOCKED,
        expirationTime=T0,
        attendees=["a", "b"],
        note=None,
        links={
            "onlineMeetingExtensions": "/m/1/ext",
            "contact": [link("contact", "/p/1", title="J")],
        },
        embedded={"participant": [resource("participant", href="/p/1")], "organizer": resource()},
        self_attributes={"revision": "2"},
    )
    assert doc == Resource(
        "myOnlineMeeting",
        "/m/1",
        (
            ("weird name", "x"),
            ("subject", "Sales"),
            ("participantCount", 3),
            ("anonymous", False),
            ("accessLevel", "Locked"),
            ("expirationTime", Timestamp(14749320230480000)),
            ("attendees", ("a", "b")),
            ("note", None),
        ),
        (
            ("onlineMeetingExtensions", Link("onlineMeetingExtensions", "/m/1/ext")),
            ("contact", (Link("contact", "/p/1", (("title", "J"),)),)),
        ),
        (
            ("participant", (Resource("participant", "/p/1"),)),
            ("organizer", Resource()),
        ),
        (("revision", "2"),),
    )
    # A one-item list is a collection: a JSON array.
    assert b'"contact":[{"href":"/p/1","title":"J"}]' in ucwaformat.to_json(doc)


def test_resource_builder_self_link_and_offsets() -> None:
    local = datetime(2016, 9, 26, 16, 20, 23, tzinfo=timezone(timedelta(hours=-7)))
    doc = resource("x", links={"self": link("self", "/x", revision="3")}, when=local)
    assert (doc.href, doc.self_attributes) == ("/x", (("revision", "3"),))
    assert doc.get("when") == Timestamp.from_datetime(local)
    assert ucwaformat.to_xml(doc).endswith(
        b'<property name="when">2016-09-26T16:20:23.0000000-07:00</property></resource>'
    )


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: resource("x", when=datetime(2016, 1, 1)), ValueError, "'when'.*naive"),
        (lambda: resource("x", n=1.5), TypeError, "'n': a float"),
        (lambda: resource("x", n=object()), TypeError, "'n': 'object'"),
        (lambda: resource("x", {"a": 1}, a=2), TypeError, "'a' given twice"),
        (lambda: resource("x", href="/a", links={"self": "/b"}), TypeError, "not both"),
        (lambda: resource("x", links={"self": ["/b"]}), TypeError, "one link"),
        (lambda: resource("x", links={"a": link("b", "/b")}), ValueError, "under rel 'a'"),
        (lambda: resource("x", links={"a": 3}), TypeError, "an href, a Link or a list"),
        (lambda: resource("x", links={"a": [3]}), TypeError, "an href or a Link"),
        (lambda: resource("x", embedded={"a": "/b"}), TypeError, "a Resource or a list"),
        (lambda: resource("x", embedded={"a": ["/b"]}), TypeError, "expected a Resource"),
        (lambda: link("a", "/a", title=3), TypeError, "'title' must be a str"),
        (lambda: input_(links={"self": "/a"}), TypeError, "no self link"),
    ],
)
def test_builders_refuse_what_the_model_cannot_hold(call: Any, error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        call()


def test_input_builder() -> None:
    body = input_(
        subject="Sales review",
        expirationTime=T0,
        links={"message": "data:text/plain,Hi"},
    )
    assert request is input_
    assert body == Input(
        (("subject", "Sales review"), ("expirationTime", Timestamp(14749320230480000))),
        (("message", Link("message", "data:text/plain,Hi")),),
    )
    assert ucwaformat.from_json(ucwaformat.to_json(body)) == body
    assert ucwaformat.from_xml(ucwaformat.to_xml(body), rel="myOnlineMeeting") == body


def test_event_page_builders() -> None:
    conversation = resource("conversation", href="/c/1", state="Connected")
    page = event_page(
        sender(
            "communication",
            "/com",
            event("added", "conversation", "/c/1", embedded=conversation),
            event("updated", "me", "/me", status="Success", in_=link("conversation", "/c/1")),
            title="x",
        ),
        href="/events?ack=1",
        links={"next": "/events?ack=2"},
    )
    first, second = page.senders[0].events
    assert first.embedded == ("conversation", conversation)
    assert (second.status, second.in_link) == ("Success", Link("conversation", "/c/1"))
    assert page.senders[0].attributes == (("title", "x"),)
    assert ucwaformat.from_json(ucwaformat.to_json(page)) == page
    assert ucwaformat.from_xml(ucwaformat.to_xml(page)) == page
    # An empty page stays a page in JSON.
    empty = event_page(href="/events?ack=3")
    assert isinstance(ucwaformat.from_json(ucwaformat.to_json(empty)), Events)


# --------------------------------------------------------------------------------------------
# diff and assert_equivalent: every kind of difference at its path
# --------------------------------------------------------------------------------------------


def test_equal_across_forms_and_dialects() -> None:
    doc = meeting()
    assert diff(doc, doc) == []
    for form in (
        ucwaformat.to_json(doc),
        ucwaformat.to_xml(doc),
        ucwaformat.to_xml(doc, dialect="docs"),
    ):
        assert diff(doc, form) == []
        assert_equivalent(form, doc)
        assert_equivalent(form.decode(), doc)


def test_path_arguments_are_read_as_files(tmp_path: Path) -> None:
    xml = tmp_path / "m.xml"
    xml.write_bytes(ucwaformat.to_xml(meeting()))
    assert diff(xml, meeting()) == []
    assert load_document(xml) == ucwaformat.from_xml(xml.read_bytes())
    (tmp_path / "bad.json").write_bytes(b'{"rel": ')
    with pytest.raises(UcwaFormatError) as info:
        load_document(tmp_path / "bad.json")
    assert any("bad.json" in note for note in info.value.__notes__)


@pytest.mark.parametrize(
    ("right", "expected"),
    [
        pytest.param(
            meeting(subject=None),
            Difference("$.subject", "Sales review", MISSING, "extra"),
            id="missing-property",
        ),
        pytest.param(
            meeting(participantCount="3"),
            Difference("$.participantCount", 3, "3", "type"),
            id="wrong-type",
        ),
        pytest.param(
            meeting(expirationTime="soon"),
            Difference("$.expirationTime", "/Date(1474932023048)/", "soon", "type"),
            id="date-against-string",
        ),
        pytest.param(
            meeting(attendees="sip:jane@contoso.com"),
            Difference(
                "$.attendees",
                ["sip:jane@contoso.com", "sip:john@contoso.com"],
                "sip:jane@contoso.com",
                "type",
            ),
            id="array-against-string",
        ),
        pytest.param(
            meeting(expirationTime=T0 + timedelta(seconds=2)),
            Difference(
                "$.expirationTime", "/Date(1474932023048)/", "/Date(1474932025048)/", "value"
            ),
            id="timestamp-outside-tolerance",
        ),
    ],
)
def test_each_property_difference_is_reported_at_its_path(
    right: Resource, expected: Difference
) -> None:
    assert diff(meeting(), right, tolerance=timedelta(seconds=1)) == [expected]
    with pytest.raises(AssertionError) as info:
        assert_equivalent(ucwaformat.to_xml(meeting()), ucwaformat.to_json(right), tolerance=1000)
    assert str(info.value).splitlines()[1:] == [str(expected)]


def test_array_against_object() -> None:
    one = attrs.evolve(
        meeting(), embedded=(("participant", resource("participant", href="/p/1", name="Jane")),)
    )
    (difference,) = diff(meeting(), one)
    assert difference.path == "$._embedded.participant"
    assert difference.kind == "shape"
    assert isinstance(difference.left, list) and isinstance(difference.right, dict)
    assert str(difference).startswith('$._embedded.participant: [{"rel":"participant"')


def test_extra_link_and_changed_href() -> None:
    right = attrs.evolve(
        meeting(),
        links=(
            ("onlineMeetingExtensions", Link("onlineMeetingExtensions", "/ucwa/v1/m/1/ext2")),
            ("contact", (Link("contact", "/p/1"), Link("contact", "/p/2"))),
            ("organizer", Link("organizer", "/p/9")),
        ),
    )
    assert diff(meeting(), right) == [
        Difference(
            "$._links.onlineMeetingExtensions.href",
            "/ucwa/v1/m/1/ext",
            "/ucwa/v1/m/1/ext2",
            "value",
        ),
        Difference("$._links.organizer", MISSING, {"href": "/p/9"}, "missing"),
    ]
    assert diff(right, meeting())[1] == Difference(
        "$._links.organizer", {"href": "/p/9"}, MISSING, "extra"
    )
    three = attrs.evolve(
        meeting(), links=(("contact", tuple(Link("contact", f"/p/{i}") for i in (1, 2, 3))),)
    )
    assert [(d.path, d.kind) for d in diff(meeting(), three)] == [
        ("$._links.onlineMeetingExtensions", "extra"),
        ("$._links.contact", "shape"),  # two links against three
    ]


def test_assert_equivalent_lists_every_difference() -> None:
    right = meeting(subject="Yearly review", participantCount=4, etag=None)
    right = attrs.evolve(right, href="/ucwa/v1/m/2")
    with pytest.raises(AssertionError) as info:
        assert_equivalent(ucwaformat.to_xml(meeting()), ucwaformat.to_json(right))
    assert str(info.value) == "\n".join(
        [
            "the documents are not equivalent: 4 differences (left = a, right = b)",
            '$.subject: "Sales review" != "Yearly review"',
            "$.participantCount: 3 != 4",
            '$.etag: "1001" != (missing)',
            '$._links.self.href: "/ucwa/v1/m/1" != "/ucwa/v1/m/2"',
        ]
    )
    assert_equivalent(
        meeting(), right, ignore=("$.subject", "$.participantCount", *IGNORE_ETAGS, *IGNORE_HREFS)
    )
    with pytest.raises(AssertionError, match="1 difference "):
        assert_equivalent(meeting(), meeting(subject="x"))


def test_timestamps_compare_as_instants() -> None:
    local = T0.astimezone(timezone(timedelta(hours=-7)))
    # The same instant: displayed in another offset, in either form, to the millisecond.
    assert diff(meeting(), meeting(expirationTime=local)) == []
    assert diff(ucwaformat.to_xml(meeting(expirationTime=local)), meeting()) == []
    with_offset = ucwaformat.to_json(meeting(expirationTime=local), date_offset=True)
    assert b"/Date(1474932023048-0700)" in with_offset
    assert diff(with_offset, ucwaformat.to_xml(meeting())) == []
    # Sub-millisecond digits are below JSON's precision.
    finer = meeting(expirationTime=Timestamp(14749320230485629, -420))
    assert diff(finer, meeting()) == []


@pytest.mark.parametrize(
    "tolerance", [timedelta(seconds=1), 1000, timedelta(microseconds=1_000_999)]
)
def test_tolerance(tolerance: timedelta | int) -> None:
    assert (
        diff(meeting(), meeting(expirationTime=T0 + timedelta(seconds=1)), tolerance=tolerance)
        == []
    )
    assert (
        diff(meeting(), meeting(expirationTime=T0 - timedelta(seconds=1)), tolerance=tolerance)
        == []
    )
    late = meeting(expirationTime=T0 + timedelta(milliseconds=1001))
    assert paths(diff(meeting(), late, tolerance=tolerance)) == ["$.expirationTime"]


def test_bad_options() -> None:
    with pytest.raises(ValueError, match="negative"):
        diff(meeting(), meeting(), tolerance=timedelta(seconds=-1))
    with pytest.raises(ValueError, match="negative"):
        Comparison(tolerance=-1)
    with pytest.raises(TypeError, match="timedelta or milliseconds"):
        diff(meeting(), meeting(), tolerance=1.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="single 'str'"):
        diff(meeting(), meeting(), ignore="$..href")
    with pytest.raises(TypeError, match="must be bytes, str or a UCWA document"):
        diff(meeting(), 3)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="preset must be a Comparison"):
        diff(meeting(), meeting(), preset={"values": False})  # type: ignore[arg-type]
    with pytest.raises(UcwaFormatError) as info:
        assert_equivalent(meeting(), b"<resource")
    assert "(while reading b)" in info.value.__notes__


def test_ready_made_ignore_patterns() -> None:
    moved = meeting(expirationTime=T0 + timedelta(days=1), etag="1002")
    moved = attrs.evolve(
        moved,
        href="/elsewhere",
        links=(
            ("onlineMeetingExtensions", Link("onlineMeetingExtensions", "/x")),
            ("contact", (Link("contact", "/y"), Link("contact", "/z"))),
        ),
        embedded=(
            (
                "participant",
                (
                    resource("participant", href="/q/1", name="Jane"),
                    resource("participant", href="/q/2", name="John"),
                ),
            ),
        ),
    )
    assert paths(diff(meeting(), moved)) == [
        "$.expirationTime",
        "$.etag",
        "$._links.self.href",
        "$._links.onlineMeetingExtensions.href",
        "$._links.contact[0].href",
        "$._links.contact[1].href",
        "$._embedded.participant[0]._links.self.href",
        "$._embedded.participant[1]._links.self.href",
    ]
    assert paths(diff(meeting(), moved, ignore=IGNORE_HREFS)) == ["$.expirationTime", "$.etag"]
    assert diff(meeting(), moved, ignore=IGNORE_HREFS + IGNORE_ETAGS + IGNORE_TIMESTAMPS) == []
    # A ::date pattern matches timestamps only, on either side, present or missing.
    assert paths(diff(meeting(), meeting(expirationTime="soon"), ignore=IGNORE_TIMESTAMPS)) == []
    assert diff(meeting(), meeting(expirationTime=None), ignore=IGNORE_TIMESTAMPS) == []
    assert paths(diff(meeting(), meeting(subject="x"), ignore=IGNORE_TIMESTAMPS)) == ["$.subject"]
    assert paths(diff(meeting(), meeting(subject="x"), ignore=["$.subject::number"])) == [
        "$.subject"
    ]


def test_values_false_compares_structure_and_types() -> None:
    other = meeting(subject="x", participantCount=9, attendees=["only one"], etag="2")
    other = attrs.evolve(other, href="/other")
    assert diff(meeting(), other, values=False) == []
    # Timestamps: not compared without a tolerance, compared with one.
    late = meeting(expirationTime=T0 + timedelta(hours=1))
    assert diff(meeting(), late, values=False) == []
    assert paths(diff(meeting(), late, values=False, tolerance=timedelta(seconds=1))) == [
        "$.expirationTime"
    ]
    # Types, names and the number of links and resources still count.
    assert [
        (d.path, d.kind) for d in diff(meeting(), meeting(participantCount="9"), values=False)
    ] == [("$.participantCount", "type")]
    assert [(d.path, d.kind) for d in diff(meeting(), meeting(attendees=[1]), values=False)] == [
        ("$.attendees", "type")
    ]
    assert diff(meeting(), meeting(attendees=[]), values=False) == []
    assert paths(diff(meeting(), meeting(subject=None), values=False)) == ["$.subject"]
    fewer = attrs.evolve(meeting(), links=(("contact", (Link("contact", "/p/1"),)),))
    assert paths(diff(meeting(), fewer, values=False)) == [
        "$._links.onlineMeetingExtensions",
        "$._links.contact",
    ]


def test_normalize_and_input_links() -> None:
    spaced = input_(to="sip : john@contoso.com", subject="Skype for Business")
    squashed = input_(to="sip:john@contoso.com", subject="SkypeforBusiness")
    assert paths(diff(spaced, squashed)) == ["$.to", "$.subject"]
    assert diff(spaced, squashed, normalize=normalize_doc_text) == []
    with_links = input_(to="sip:x", links={"message": "data:text/plain,Hi"})
    assert paths(diff(with_links, input_(to="sip:x"))) == ["$._links"]
    assert diff(with_links, input_(to="sip:x"), input_links=False) == []
    # Only request bodies: a resource's links always count.
    assert paths(diff(meeting(), attrs.evolve(meeting(), links=()), input_links=False)) == [
        "$._links.onlineMeetingExtensions",
        "$._links.contact",
    ]


def test_presets_and_keyword_options_add_up() -> None:
    strict = Comparison(ignore=IGNORE_ETAGS, tolerance=timedelta(milliseconds=10))
    other = meeting(etag="2", expirationTime=T0 + timedelta(milliseconds=500), subject="x")
    assert paths(strict.diff(meeting(), other)) == ["$.subject", "$.expirationTime"]
    assert paths(diff(meeting(), other, preset=strict, tolerance=1000)) == ["$.subject"]
    # A smaller tolerance does not tighten a preset.
    assert paths(diff(meeting(), other, preset=strict, tolerance=0)) == [
        "$.subject",
        "$.expirationTime",
    ]
    assert diff(meeting(), other, preset=strict, tolerance=1000, ignore=["$.subject"]) == []
    # values=False: the preset's tolerance still applies to timestamps.
    assert paths(diff(meeting(), other, preset=strict, values=False)) == ["$.expirationTime"]
    with pytest.raises(AssertionError, match=r"\$\.subject"):
        strict.assert_equivalent(meeting(), meeting(subject="x"))
    relaxed = attrs.evolve(DOC_EXAMPLE, values=True)
    assert relaxed.values and relaxed.normalize is normalize_doc_text


def test_the_command_prints_the_same_differences(
    capsysbinary: pytest.CaptureFixture[bytes], tmp_path: Path
) -> None:
    left, right = tmp_path / "left.xml", tmp_path / "right.json"
    left.write_bytes(ucwaformat.to_xml(meeting()))
    right.write_bytes(ucwaformat.to_json(meeting(subject="x", participantCount="3")))
    assert main(["diff", str(left), str(right)]) == 1
    printed = capsysbinary.readouterr().out.decode().splitlines()
    assert printed == [str(d) for d in diff(left, right)]
    assert main(["diff", str(left), str(right), "--ignore", "*::number"]) == 1
    assert capsysbinary.readouterr().out.decode().splitlines() == [
        '$.subject: "Sales review" != "x"'
    ]


# --------------------------------------------------------------------------------------------
# The reference corpus: every twin pair is equivalent under DOC_EXAMPLE (FORMAT.md §15)
# --------------------------------------------------------------------------------------------


def _rel(pair: dict[str, Any]) -> str | None:
    """A request body is read with the rel of the resource it is sent to (FORMAT.md §9)."""
    return pair["resource"] if pair["direction"] == "request" else None


@pytest.mark.parametrize("pair", PAIRS, ids=[pair["json"] for pair in PAIRS])
def test_corpus_twins_are_equivalent_as_doc_examples(pair: dict[str, Any]) -> None:
    xml, js = CORPUS / pair["xml"], CORPUS / pair["json"]
    assert_equivalent(xml, js, preset=DOC_EXAMPLE, rel=_rel(pair))
    assert_equivalent(js, xml, preset=DOC_EXAMPLE, rel=_rel(pair))


def test_corpus_pairs_are_all_there() -> None:
    assert len(PAIRS) == 124


def test_doc_example_preset_still_catches_real_differences() -> None:
    pair = next(p for p in PAIRS if p["json"] == "myAssignedOnlineMeeting/get-json-response.json")
    xml = (CORPUS / pair["xml"]).read_bytes()
    twin = json.loads((CORPUS / pair["json"]).read_bytes())
    # Without the preset the twins differ, as §15 Q10 says (values at random).
    assert paths(diff(xml, json.dumps(twin))) == [
        "$.accessLevel",
        "$.entryExitAnnouncement",
        "$.expirationTime",
    ]
    changed = dict(twin, attendees="sip:johndoe@contoso.com", conferenceId=12983487)
    del changed["subject"]
    changed["expirationTime"] = "/Date(1474932025030)/"  # 2 s later: beyond Q10's 1 s
    changed["_links"] = dict(twin["_links"], extra={"href": "/x"})
    assert [(d.path, d.kind) for d in DOC_EXAMPLE.diff(xml, json.dumps(changed))] == [
        ("$.attendees", "type"),
        ("$.conferenceId", "type"),
        ("$.expirationTime", "value"),
        ("$.subject", "extra"),
        ("$._links.extra", "missing"),
    ]


def test_doc_example_with_values_for_twins_that_agree() -> None:
    # location/post: the twins differ only in Q3's stripped spaces ("Bythebeach...").
    pair = next(p for p in PAIRS if p["json"] == "location/post-json-request.json")
    xml, js = CORPUS / pair["xml"], CORPUS / pair["json"]
    assert paths(diff(xml, js, rel=_rel(pair))) == ["$.location"]
    attrs.evolve(DOC_EXAMPLE, values=True).assert_equivalent(xml, js, rel=_rel(pair))


# --------------------------------------------------------------------------------------------
# Canonical forms
# --------------------------------------------------------------------------------------------


def test_canonical_json_is_sorted_and_stable() -> None:
    doc = resource("x", b=True, a=[1, 2], when=T0, links={"self": "/x", "c": ["/c"]})
    assert canonical_json(doc) == (
        b'{\n  "_links": {\n    "c": [\n      {\n        "href": "/c"\n      }\n    ],\n'
        b'    "self": {\n      "href": "/x"\n    }\n  },\n  "a": [\n    1,\n    2\n  ],\n'
        b'  "b": true,\n  "rel": "x",\n  "when": "/Date(1474932023048)/"\n}\n'
    )


def test_canonical_xml_is_c14n_of_the_server_dialect() -> None:
    doc = resource(
        "x",
        z="1",
        a=True,
        when=Timestamp(14749320230485629, -420),
        links={"self": link("self", "/x", revision="2"), "c": ["/c"]},
    )
    assert canonical_xml(doc) == (
        b'<resource xmlns="http://schemas.microsoft.com/rtc/2012/03/ucwa" href="/x" rel="x"'
        b' revision="2">\n'
        b'  <link href="/c" rel="c"></link>\n'
        b'  <property name="a">true</property>\n'
        b'  <property name="when">2016-09-26T23:20:23.0485629Z</property>\n'
        b'  <property name="z">1</property>\n'
        b"</resource>\n"
    )


CORPUS_XML = sorted(
    entry["file"]
    for entry in MANIFEST["files"]
    if entry["body_kind"] == "xml" and entry["parses"] is True and "_concepts" not in entry["file"]
)


@pytest.mark.parametrize("path", CORPUS_XML)
def test_canonical_forms_agree_across_forms(path: str) -> None:
    xml = (CORPUS / path).read_bytes()
    try:
        as_json = ucwaformat.xml_to_json(xml)
    except UcwaFormatError:
        pytest.skip("not translatable")
    assert canonical_json(xml) == canonical_json(as_json)
    assert canonical_json(canonical_json(xml)) == canonical_json(xml)  # a fixed point
    docs = ucwaformat.to_xml(ucwaformat.from_xml(xml), dialect="docs")
    assert canonical_xml(docs) == canonical_xml(xml)
    assert canonical_xml(canonical_xml(xml)) == canonical_xml(xml)


# --------------------------------------------------------------------------------------------
# The == explanation (what the pytest plugin shows)
# --------------------------------------------------------------------------------------------


def test_explain_equality() -> None:
    assert explain_equality(1, 2) is None
    lines = explain_equality(meeting(), meeting(subject="x"))
    assert lines == [
        "Resource('myOnlineMeeting', href='/ucwa/v1/m/1') == Resource('myOnlineMeeting', href='/ucwa/v1/m/1')",
        "ucwaformat: 1 semantic difference (left != right):",
        '$.subject: "Sales review" != "x"',
    ]
    form = explain_equality(meeting(), meeting(expirationTime=Timestamp(14749320230480001)))
    assert form is not None and form[1].startswith("ucwaformat: no semantic difference")
    assert form[2:] == [
        "Resource.properties['expirationTime'].ticks: 14749320230480000 != 14749320230480001"
    ]
    text = explain_equality(meeting(), ucwaformat.to_json(meeting(subject="x")))
    assert text is not None and "use ucwaformat.testing.assert_equivalent" in text[1]
    assert text[2:] == ["as documents: 1 semantic difference", '$.subject: "Sales review" != "x"']
    junk = explain_equality(b"<resource", meeting())
    assert junk is not None and junk[2].startswith("(the text is not a UCWA document")


# --------------------------------------------------------------------------------------------
# Optional Hypothesis
# --------------------------------------------------------------------------------------------


def _python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)


def test_importing_ucwaformat_testing_does_not_import_hypothesis() -> None:
    result = _python(
        "import sys, ucwaformat.testing, ucwaformat.testing.plugin\n"
        "assert 'hypothesis' not in sys.modules, sorted(sys.modules)\n"
    )
    assert result.returncode == 0, result.stderr


def test_strategies_say_when_hypothesis_is_missing() -> None:
    result = _python(
        "import sys\n"
        "sys.modules['hypothesis'] = None  # as if not installed\n"
        "import ucwaformat.testing\n"
        "try:\n"
        "    import ucwaformat.testing.strategies\n"
        "except ImportError as exc:\n"
        "    print(exc)\n"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        "ucwaformat.testing.strategies needs Hypothesis, which is not installed; install it "
        "with: python -m pip install hypothesis"
    )


# --------------------------------------------------------------------------------------------
# Strategies: the round trips they promise
# --------------------------------------------------------------------------------------------


def exact(a: Any, b: Any) -> None:
    """Equal as models and as JSON values (model equality takes True for 1)."""
    assert a == b
    assert diff(a, b) == []


def xml_round_trips(doc: Any, rel: str | None = None) -> None:
    for dialect in ("server", "docs"):
        exact(ucwaformat.from_xml(ucwaformat.to_xml(doc, dialect=dialect), rel=rel), doc)


def json_round_trips(doc: Any, rel: str | None = None) -> None:
    exact(ucwaformat.from_json(ucwaformat.to_json(doc), rel=rel), doc)


@PROPERTY
@given(ucwa_st.resources("myOnlineMeeting"))
def test_schema_shaped_meetings_round_trip_in_both_forms(doc: Resource) -> None:
    xml_round_trips(doc)
    json_round_trips(doc)
    exact(ucwaformat.from_json(ucwaformat.xml_to_json(ucwaformat.to_xml(doc))), doc)
    assert_equivalent(ucwaformat.to_xml(doc), ucwaformat.to_json(doc))


@PROPERTY
@given(ucwa_st.resources("myOnlineMeeting"))
def test_schema_shaped_meetings_follow_the_schema(doc: Resource) -> None:
    schema = Schema.bundled()
    assert doc.type == "myOnlineMeeting"
    for name, value in doc.properties:
        ptype = schema.property_type("myOnlineMeeting", name)
        kind = None if ptype is None else ptype.type
        items = value if isinstance(value, tuple) else (value,)
        if ptype is not None:
            assert isinstance(value, tuple) == ptype.array
        for item in items:
            if kind == "datetime":
                assert isinstance(item, Timestamp) and item.offset is None and not item.sub_ms
            elif kind == "integer":
                assert type(item) is int
            elif kind == "boolean":
                assert type(item) is bool
            else:
                assert isinstance(item, str)
    # myOnlineMeeting's embedded onlineMeetingExtension is a collection of that type (D3/D4).
    for role, entry in doc.embedded:
        if role == "onlineMeetingExtension":
            assert isinstance(entry, tuple) and entry
            assert all(r.type in ("onlineMeetingExtension", None) for r in entry)


def test_schema_shaped_meetings_have_nested_resources() -> None:
    def nested(doc: Resource) -> bool:
        return any(child.embedded for _role, child in doc.iter_embedded())

    deep = find(
        ucwa_st.resources("myOnlineMeeting", max_depth=2),
        nested,
        settings=settings(database=None, phases=[Phase.generate]),
    )
    assert deep.type == "myOnlineMeeting"
    with pytest.raises(ValueError, match="no resource type 'myOnlineMeetng'"):
        ucwa_st.resources("myOnlineMeetng")


@PROPERTY
@given(ucwa_st.documents())
def test_documents_round_trip_in_both_forms(doc: Any) -> None:
    xml_round_trips(doc)
    json_round_trips(doc)
    assert canonical_json(ucwaformat.to_xml(doc)) == canonical_json(ucwaformat.to_json(doc))
    assert canonical_xml(ucwaformat.to_xml(doc)) == canonical_xml(ucwaformat.to_json(doc))


@PROPERTY
@given(ucwa_st.inputs("myOnlineMeeting"))
def test_inputs_round_trip_with_their_rel(doc: Input) -> None:
    xml_round_trips(doc, rel="myOnlineMeeting")
    json_round_trips(doc, rel="myOnlineMeeting")


@PROPERTY
@given(
    st.one_of(
        ucwa_st.resources(form="xml"), ucwa_st.inputs(form="xml"), ucwa_st.event_pages(form="xml")
    )
)
def test_xml_form_documents_round_trip_through_xml(doc: Any) -> None:
    xml_round_trips(doc)


@PROPERTY
@given(
    st.one_of(
        ucwa_st.resources(form="json"),
        ucwa_st.inputs(form="json"),
        ucwa_st.event_pages(form="json"),
    )
)
def test_json_form_documents_round_trip_through_json(doc: Any) -> None:
    json_round_trips(doc)


@PROPERTY
@given(ucwa_st.xml_text(), ucwa_st.timestamps(), ucwa_st.timestamps(form="xml"))
def test_text_and_timestamps(text: str, both: Timestamp, xml_only: Timestamp) -> None:
    ucwaformat.to_xml(resource("x", t=text))  # never an illegal character
    assert both.offset is None and not both.sub_ms
    assert (
        ucwaformat.from_xml(ucwaformat.to_xml(resource("x", {"expirationTime": xml_only}))).get(
            "expirationTime"
        )
        == xml_only
    )


def test_bad_form() -> None:
    with pytest.raises(ValueError, match="form must be one of"):
        ucwa_st.resources(form="yaml")  # type: ignore[arg-type]
