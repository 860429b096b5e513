"""Events, DTO documents and data URIs (FORMAT.md §9–§11), driven by the corpus samples."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from data_paths import CORPUS

import ucwaformat as u
from ucwaformat import Bag, Dto, DtoObject, Event, Events, Link, Loss, Resource, UcwaFormatError

EVENT_SAMPLES = sorted(CORPUS.glob("*/event-*-json-event.json"))
DTO_PAIRS = [
    (
        "_concepts/ErrorsAndInformationalMessages/01-json.json",
        "_concepts/ErrorsAndInformationalMessages/02-xml.xml",
    ),
    ("applications/options-json-response.json", "applications/options-xml-response.xml"),
    ("anonApplications/options-json-response.json", "anonApplications/options-xml-response.xml"),
    ("makeMeAvailable2/post-json-response.json", "makeMeAvailable2/post-xml-response.xml"),
]


def _ids(paths: list[Path]) -> list[str]:
    return [str(p.relative_to(CORPUS)) for p in paths]


def test_event_samples_found() -> None:
    assert len(EVENT_SAMPLES) == 80


@pytest.mark.parametrize("path", EVENT_SAMPLES, ids=_ids(EVENT_SAMPLES))
def test_event_sample_survives_json_xml_json(path: Path) -> None:
    data = path.read_bytes()
    doc = u.from_json(data)
    assert isinstance(doc, Events)
    xml = u.to_xml(doc)
    again = u.from_xml(xml)
    assert again == doc
    assert json.loads(u.to_json(again)) == json.loads(data)


def test_event_channel_pair_both_ways() -> None:
    jdata = (CORPUS / "_concepts/EventChannelDetails/01-json.json").read_bytes()
    xdata = (CORPUS / "_concepts/EventChannelDetails/02-xml.xml").read_bytes()
    from_x = u.from_xml(xdata)
    from_j = u.from_json(jdata)
    assert isinstance(from_x, Events) and isinstance(from_j, Events)
    # The XML twin is the server dialect: the embedded communication resource gets its type from
    # the schema (roles/role), which is what the JSON twin says.
    assert from_x == from_j
    assert json.loads(u.xml_to_json(xdata)) == json.loads(jdata)
    assert u.from_xml(u.json_to_xml(jdata)) == from_x
    sender = from_x.senders[1]
    assert [e.type for e in sender.events] == ["updated", "added", "added", "added"]
    assert [e.link.rel for e in sender.events] == ["me", "presence", "note", "location"]
    role, res = from_x.senders[0].events[0].embedded or ("", Resource())
    assert (role, res.type, res.get("etag")) == ("communication", "communication", "2943169141")
    assert dict(from_x.links)["next"] == Link(
        "next", "/ucwa/oauth/v1/applications/102/events?ack=2"
    )


def test_undocumented_event_members_use_provisional_forms_and_are_reported() -> None:
    page = {
        "_links": {"self": {"href": "/e?ack=1"}, "next": {"href": "/e?ack=2"}},
        "sender": [
            {
                "rel": "communication",
                "href": "/c",
                "events": [
                    {
                        "link": {"rel": "messaging", "href": "/c/m", "title": "m"},
                        "in": {"rel": "conversation", "href": "/c/1"},
                        "status": "Failure",
                        "reason": {"code": "Forbidden", "subcode": None, "message": "no"},
                        "priority": "High",
                        "type": "completed",
                    }
                ],
            }
        ],
    }
    losses: list[Loss] = []
    xml = u.json_to_xml(json.dumps(page), report=losses)
    assert (
        b'<completed rel="messaging" href="/c/m" title="m" status="Failure" priority="High">' in xml
    )
    assert b'<in rel="conversation" href="/c/1"/>' in xml
    assert b'<subcode xsi:nil="true"/>' in xml
    assert {loss.path for loss in losses} >= {
        "$.sender[0].events[0].in",
        "$.sender[0].events[0].status",
        "$.sender[0].events[0].reason",
        "$.sender[0].events[0].priority",
    }
    back = json.loads(u.xml_to_json(xml))
    event = back["sender"][0]["events"][0]
    assert event["in"] == {"rel": "conversation", "href": "/c/1"}
    assert event["status"] == "Failure"
    assert event["reason"] == {"code": "Forbidden", "subcode": None, "message": "no"}
    # An unknown scalar member goes to XML as an attribute and comes back inside the link (§10.3).
    assert event["link"] == {"rel": "messaging", "href": "/c/m", "title": "m", "priority": "High"}
    with pytest.raises(UcwaFormatError, match=r"undocumented event member .priority."):
        u.json_to_xml(json.dumps(page), strict=True)


def test_event_page_without_senders() -> None:
    page = b'{"_links":{"self":{"href":"/e?ack=3"},"resync":{"href":"/e?ack=1"}}}'
    doc = u.from_json(page)
    assert isinstance(doc, Events) and doc.senders == ()
    assert u.to_xml(doc).endswith(b'<link rel="resync" href="/e?ack=1"/></events>')
    assert json.loads(u.to_json(u.from_xml(u.to_xml(doc)))) == json.loads(page)
    empty = b'{"_links":{"self":{"href":"/e"},"next":{"href":"/e2"}},"sender":[]}'
    assert json.loads(u.to_json(u.from_json(empty))) == json.loads(empty)


@pytest.mark.parametrize(("jpath", "xpath"), DTO_PAIRS, ids=[j for j, _ in DTO_PAIRS])
def test_dto_pairs_both_ways(jpath: str, xpath: str) -> None:
    jdata = (CORPUS / jpath).read_bytes()
    xdata = (CORPUS / xpath).read_bytes()
    assert json.loads(u.xml_to_json(xdata)) == json.loads(jdata)
    from_x = u.from_xml(xdata)
    assert isinstance(from_x, Dto)
    # XML -> XML keeps the empty bags; JSON -> XML (docs dialect) restores them like the docs.
    assert u.from_xml(u.to_xml(from_x)) == from_x
    assert u.from_xml(u.json_to_xml(jdata, dialect="docs")) == from_x


def test_operations_queued_null_item() -> None:
    xdata = (CORPUS / "makeMeAvailable2/post-xml-response.xml").read_bytes()
    doc = u.from_xml(xdata)
    assert doc == Dto("operationsQueued", (("operations", (None,)),))
    xml = u.to_xml(doc)
    assert b'<operations><operation xsi:nil="true"/></operations>' in xml
    assert b"<operationsQueued xmlns:xsd=" in xml and b'xmlns="' not in xml


def test_empty_wrappers_and_nulls() -> None:
    assert u.from_json(b'{"operations":[]}') == Dto("operationsQueued", (("operations", ()),))
    assert b"<operations/>" in u.json_to_xml(b'{"operations":[]}')
    assert json.loads(u.xml_to_json(u.json_to_xml(b'{"operations":[]}'))) == {"operations": []}
    meta = b'{"metadata":[{"httpMethod":"GET","parameters":[]}]}'
    assert json.loads(u.xml_to_json(u.json_to_xml(meta))) == json.loads(meta)
    err = b'{"code":"BadRequest","subcode":null,"message":null}'
    xml = u.json_to_xml(err)
    assert b'<subcode xsi:nil="true"/><message xsi:nil="true"/>' in xml
    assert json.loads(u.xml_to_json(xml)) == json.loads(err)


def test_error_bags_and_link() -> None:
    err = {
        "code": "Conflict",
        "message": "busy",
        "link": {"href": "/help", "title": "Help"},
        "parameters": {"retryAfter": "30", "count": 2},
    }
    doc = u.from_json(json.dumps(err))
    assert doc == Dto(
        "reason",
        (
            ("code", "Conflict"),
            ("message", "busy"),
            ("link", Link("link", "/help", (("title", "Help"),))),
            ("parameters", Bag((("retryAfter", "30"), ("count", 2)))),
        ),
    )
    xml = u.to_xml(doc)
    assert b'<link href="/help" title="Help"/>' in xml
    assert b'<parameters><property name="retryAfter">30</property>' in xml
    back = json.loads(u.xml_to_json(xml))
    assert back == {**err, "parameters": {"retryAfter": "30", "count": "2"}}
    docs = u.json_to_xml(b'{"code":"NotFound"}', dialect="docs")
    assert docs.endswith(b"<code>NotFound</code><debugInfo/><parameters/></reason>")


def test_unknown_dto_root_generic_mapping_is_reported() -> None:
    ns = "http://schemas.microsoft.com/rtc/2012/03/ucwa"
    data = f'<thing xmlns="{ns}"><a>1</a><b><c>x</c><c>y</c></b></thing>'.encode()
    losses: list[Loss] = []
    doc = u.from_xml(data, report=losses)
    assert doc == Dto("thing", (("a", "1"), ("b", DtoObject((("c", ("x", "y")),)))))
    assert [loss.kind for loss in losses] == ["dto"]
    with pytest.raises(UcwaFormatError, match="unknown document <thing>"):
        u.from_xml(data, strict=True)


def test_data_uri_links_pass_through_both_ways() -> None:
    ns = "http://schemas.microsoft.com/rtc/2012/03/ucwa"
    xml = (
        f'<input xmlns="{ns}"><link rel="message" href="data:text/plain,Hello+World"/>'
        '<property name="operationId">1</property></input>'
    ).encode()
    js = json.loads(u.xml_to_json(xml))
    assert js == {
        "operationId": "1",
        "_links": {"message": {"href": "data:text/plain,Hello+World"}},
    }
    assert u.json_to_xml(json.dumps(js)) == b'<?xml version="1.0" encoding="utf-8"?>' + xml
    href = js["_links"]["message"]["href"]
    assert u.decode_data_uri(href) == ("text/plain", b"Hello+World")


@pytest.mark.parametrize(
    ("href", "expected"),
    [
        (
            "data:text/html;charset=utf-8,%3cspan%3eHi%3c/span%3e",
            ("text/html;charset=utf-8", b"<span>Hi</span>"),
        ),
        ("data:application/sdp;base64,dj0wDQo=", ("application/sdp", b"v=0\r\n")),
        ("data:,A%20B", ("text/plain;charset=US-ASCII", b"A B")),
        ("data:;charset=utf-8,%C3%A9", ("text/plain;charset=utf-8", "é".encode())),
    ],
)
def test_decode_data_uri(href: str, expected: tuple[str, bytes]) -> None:
    assert u.decode_data_uri(href) == expected
    media, data = expected
    assert u.decode_data_uri(u.make_data_uri(media, data)) == expected
    assert u.decode_data_uri(u.make_data_uri(media, data, base64_encode=False)) == expected


@pytest.mark.parametrize(
    ("href", "message"),
    [
        ("http://x/y", "not a data URI: 'http://x/y'"),
        ("data:text/plain", "a data URI needs a ',' before its data"),
        ("data:text/plain;base64,@@@", "invalid base64 in a data URI"),
    ],
)
def test_decode_data_uri_errors(href: str, message: str) -> None:
    with pytest.raises(UcwaFormatError) as info:
        u.decode_data_uri(href)
    assert str(info.value).startswith(message)


def test_event_with_embedded_and_reason_from_xml() -> None:
    ns = "http://schemas.microsoft.com/rtc/2012/03/ucwa"
    xml = (
        f'<events href="/e?ack=1" xmlns="{ns}"><sender rel="conversation" href="/c/1">'
        '<completed rel="addParticipant" href="/c/1/ap" status="Failure">'
        "<reason><code>Gone</code><subcode>CallTerminated</subcode></reason>"
        "</completed>"
        '<added rel="localParticipant" href="/c/1/p/1"><resource rel="localParticipant" href="/c/1/p/1">'
        '<property name="name">Ann</property><property name="anonymous">false</property></resource></added>'
        "</sender></events>"
    ).encode()
    doc = u.from_xml(xml)
    assert isinstance(doc, Events)
    failed, added = doc.senders[0].events
    assert failed == Event(
        "completed",
        Link("addParticipant", "/c/1/ap"),
        status="Failure",
        reason=Dto("reason", (("code", "Gone"), ("subcode", "CallTerminated"))),
    )
    assert added.embedded is not None
    role, res = added.embedded
    # An event's embedded resource has no parent type: the role's type comes from `roles`.
    assert (role, res.type, res.get("anonymous")) == ("localParticipant", "participant", False)
    assert u.from_xml(u.to_xml(doc)) == doc


# -- one spelling of $.path on every reader and writer ----------------------------------------


def test_an_odd_event_member_has_one_path_from_either_form() -> None:
    xml = (
        '<events xmlns="http://schemas.microsoft.com/rtc/2012/03/ucwa" href="/e">'
        '<sender rel="conversation" href="/c"><added rel="message" href="/m">'
        '<my-elem a="b"/></added></sender></events>'
    )
    jsn = (
        '{"_links":{"self":{"href":"/e"}},"sender":[{"rel":"conversation","href":"/c",'
        '"events":[{"link":{"rel":"message","href":"/m"},"type":"added","my-elem":{"a":"b"}}]}]}'
    )
    paths = []
    for read, data in ((u.from_xml, xml), (u.from_json, jsn)):
        report: list[Loss] = []
        read(data, report=report)
        paths.append([loss.path for loss in report])
    assert paths[0] == paths[1] == ['$.sender[0].events[0]["my-elem"]']


def test_dto_keys_are_quoted_in_paths() -> None:
    with pytest.raises(UcwaFormatError) as info:
        u.to_xml(Dto("reason", (("code", "Gone"), ("a b", "x"))))
    assert info.value.path == '$["a b"]'
    report: list[Loss] = []
    u.from_json(b'{"code":"Gone","x y":{"k":1.5}}', kind="reason", report=report)
    assert [(loss.kind, loss.path) for loss in report] == [("float", '$["x y"].k')]


@pytest.mark.parametrize(
    ("body", "href", "kind"),
    [
        ('href="/a"><link rel="self" href="/b"/>', "/a", "rel-conflict"),
        ('><link rel="self" href="/b"/>', "/b", "element"),
        ('href="/a"><link rel="self" href="/a"/>', "/a", "element"),
    ],
)
def test_a_self_link_element_never_replaces_the_href_silently(
    body: str, href: str, kind: str
) -> None:
    # UCWA never writes <link rel="self"> (the href attribute is the self link); one that
    # disagreed with the href replaced it in JSON without a word.
    xml = f'<resource xmlns="http://schemas.microsoft.com/rtc/2012/03/ucwa" rel="me" {body}</resource>'
    report: list[Loss] = []
    out = json.loads(u.xml_to_json(xml, report=report))
    assert out["_links"] == {"self": {"href": href}}
    assert [(loss.kind, loss.path) for loss in report] == [(kind, "$._links.self")]
    doc = u.from_xml(xml)
    assert isinstance(doc, Resource) and doc.href == href and doc.links == ()


def test_a_self_link_attribute_the_resource_has_too_is_not_written_twice() -> None:
    # A lone <link rel="self"> becomes the resource's href and attributes; one attribute both
    # had was kept twice and written twice (XML that does not parse). Found by the fuzz test.
    ns = "http://schemas.microsoft.com/rtc/2012/03/ucwa"
    xml = (
        f'<resource xmlns="{ns}"><resource rel="l" foo="1">'
        '<link rel="self" href="/h" foo="&amp;" bar="2"/></resource></resource>'
    )
    report: list[Loss] = []
    doc = u.from_xml(xml, report=report)
    assert [(loss.kind, loss.path) for loss in report if loss.path.endswith("self")] == [
        ("element", "$._embedded.l._links.self"),
        ("rel-conflict", "$._embedded.l._links.self"),
    ]
    back = u.to_xml(doc)
    again = u.from_xml(back)
    assert isinstance(again, Resource)
    (_role, inner), = again.embedded
    assert isinstance(inner, Resource)
    assert inner.href == "/h" and inner.self_attributes == (("foo", "1"), ("bar", "2"))
    out = json.loads(u.xml_to_json(xml))
    assert out["_embedded"]["l"]["_links"]["self"] == {"href": "/h", "foo": "1", "bar": "2"}


def test_a_repeated_type_mark_is_reported_and_the_last_one_types_everything() -> None:
    # Two <property name="rel"> once typed the root by the first and its children by the last,
    # silently (a cardinality could flip). Now the last one wins everywhere (D24), reported.
    import io

    from ucwaformat._stream import stream_xml_to_json

    ns = "http://schemas.microsoft.com/rtc/2012/03/ucwa"
    xml = (
        f'<resource xmlns="{ns}" href="/m"><property name="rel">myOnlineMeeting</property>'
        '<property name="rel">contact</property>'
        '<resource rel="onlineMeetingExtension" href="/e"><property name="a">1</property>'
        "</resource></resource>"
    ).encode()
    report: list[Loss] = []
    out = json.loads(u.xml_to_json(xml, report=report))
    assert out["rel"] == "contact"
    assert ("duplicate", "$.rel") in [(loss.kind, loss.path) for loss in report]
    streamed: list[Loss] = []
    dst = io.BytesIO()
    stream_xml_to_json(io.BytesIO(xml), dst, report=streamed)
    assert json.loads(dst.getvalue()) == out
    assert sorted(map(str, streamed)) == sorted(map(str, report))


NS_UCWA = "http://schemas.microsoft.com/rtc/2012/03/ucwa"


@pytest.mark.parametrize(
    ("xml", "kind", "shown"),
    [
        (
            f'<input xmlns="{NS_UCWA}"><property name="code">Gone</property>'
            '<property name="message">m</property></input>',
            "input",
            "reason",
        ),
        (f'<events xmlns="{NS_UCWA}" href="/e"/>', "events", "resource"),
        (
            f'<resource xmlns="{NS_UCWA}"><property name="a">b</property></resource>',
            "resource",
            "input",
        ),
        (
            f'<resource xmlns="{NS_UCWA}" rel="x"><property name="sender">b</property></resource>',
            "resource",
            "events",
        ),
    ],
    ids=["input-as-reason", "events-as-resource", "resource-as-input", "resource-as-events"],
)
def test_a_kind_the_json_does_not_show_is_reported(xml: str, kind: str, shown: str) -> None:
    # JSON has no root element; its kind is detected (D16). A document whose JSON would read
    # back as another kind once changed kind silently on its way XML -> JSON -> XML.
    import io

    from ucwaformat._stream import stream_xml_to_json

    report: list[Loss] = []
    data = u.xml_to_json(xml, report=report)
    expected = [("kind", "$", f"its JSON reads back as a {shown!r} document, not {kind!r}")]
    assert [(loss.kind, loss.path, loss.message) for loss in report] == expected
    streamed: list[Loss] = []
    dst = io.BytesIO()
    stream_xml_to_json(io.BytesIO(xml.encode()), dst, report=streamed)
    assert dst.getvalue() == data and streamed == report
    with pytest.raises(UcwaFormatError):
        u.xml_to_json(xml, strict=True)
    # With the kind named, the JSON reads back as what it was.
    assert u.to_xml(u.from_json(data, kind=kind)) == u.to_xml(u.from_xml(xml))  # type: ignore[arg-type]
