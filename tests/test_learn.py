"""Values the schema does not know: reported on their way to XML, and learned from JSON."""

from __future__ import annotations

import json
from pathlib import Path

import orjson
import pytest
from data_paths import DATA
from test_corpus import (
    IGNORED_ROOT_HREFS,
    PAIRS,
    _reading_options,
    corpus_bytes,
    structure_diffs,
)

import ucwaformat
from ucwaformat import Loss, Schema, UcwaFormatError
from ucwaformat._learn import Learner, write_overlay
from ucwaformat.cli import main

APPLICATION = DATA / "captures" / "application.json"


def _round_trip(data: bytes, **options: object) -> tuple[dict[str, object], list[Loss]]:
    """JSON → XML → JSON, with every loss of both steps."""
    report: list[Loss] = []
    xml = ucwaformat.json_to_xml(data, report=report, **options)  # type: ignore[arg-type]
    back = json.loads(ucwaformat.xml_to_json(xml, report=report, **options))  # type: ignore[arg-type]
    return back, report


def _changed(left: object, right: object, path: str = "$") -> list[str]:
    """The paths where two parsed JSON values differ."""
    if isinstance(left, dict) and isinstance(right, dict):
        out: list[str] = []
        for key in sorted(left.keys() | right.keys()):
            out += _changed(left.get(key), right.get(key), f"{path}.{key}")
        return out
    if isinstance(left, list) and isinstance(right, list) and len(left) == len(right):
        return [p for i, (a, b) in enumerate(zip(left, right, strict=True)) for p in _changed(a, b, f"{path}[{i}]")]
    return [] if left == right else [path]


def pages_only() -> Schema:
    """The bundled schema without its server supplement's application entries: what the
    reference pages alone say (no ``application.expires``)."""
    from importlib import resources

    raw = orjson.loads(resources.files("ucwaformat").joinpath("schema/ucwa.json").read_bytes())
    props = raw["resources"]["application"]["properties"]
    del props["expires"], props["etag"]
    return Schema.from_dict(raw)


def test_the_application_example_comes_back_equal_or_reports_the_change() -> None:
    data = APPLICATION.read_bytes()
    # With the bundled schema (its server supplement types application.expires): equal.
    back, report = _round_trip(data)
    assert _changed(json.loads(data), back) == []
    assert [loss.kind for loss in report] == []
    # With what the reference pages alone say: the change is reported, at $.expires.
    schema = pages_only()
    back, report = _round_trip(data, schema=schema)
    assert _changed(json.loads(data), back) == ["$.expires"]
    assert back["expires"] == "2016-05-12T10:04:18.4210000Z"
    assert [(loss.kind, loss.path) for loss in report] == [("untyped", "$.expires")]
    with pytest.raises(UcwaFormatError, match="'expires' as datetime"):
        ucwaformat.json_to_xml(data, strict=True, schema=schema)


@pytest.mark.parametrize(
    "text", ["2016-05-12T10:04:18.4210000Z", "2016-05-12T10:04:18Z", "2016-05-12T12:04:18+02:00"]
)
def test_an_iso_date_under_an_untyped_name_comes_back_equal(text: str) -> None:
    # JSON has no ISO date type: an ISO string under a name the schema does not type as
    # datetime is a string, written to XML as the same text and read back as the same string.
    # Nothing changes, so nothing is reported (a loss is a change, D25).
    data = json.dumps({"rel": "application", "leaseEnds": text}).encode()
    back, report = _round_trip(data)
    assert back == json.loads(data)
    assert report == []


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (b'{"code":"Gone","message":"m"}', "input"),  # an <input> that reads back as an error
        (b'{"_links":{"self":{"href":"/e"}},"sender":[]}', None),  # events without senders
        (b'{"sender":[]}', None),
        (b'{"a":"b"}', "resource"),
    ],
    ids=["input-as-reason", "events-as-resource", "events-as-input", "resource-as-input"],
)
def test_a_kind_change_json_to_xml_to_json_is_reported(data: bytes, kind: str | None) -> None:
    report: list[Loss] = []
    xml = ucwaformat.json_to_xml(data, kind=kind, report=report)  # type: ignore[arg-type]
    again = ucwaformat.xml_to_json(xml, report=report)
    # Read back as JSON is read (the kind detected), the document is another kind: reported.
    assert ucwaformat.from_json(again) != ucwaformat.from_json(data, kind=kind)  # type: ignore[arg-type]
    assert [(loss.kind, loss.path) for loss in report] == [("kind", "$")]


# -- learning ----------------------------------------------------------------------------------

DATE = "/Date(1463047458421)/"


def _learned(*bodies: bytes, schema: Schema | None = None) -> tuple[dict[str, object], Learner]:
    learner = Learner(schema)
    for i, body in enumerate(bodies):
        learner.add_json(body, f"body{i}")
    return learner.overlay(), learner


def test_an_overlay_learned_from_the_application_json_brings_its_date_back() -> None:
    data = APPLICATION.read_bytes()
    base = pages_only()
    overlay, learner = _learned(data, schema=base)
    assert learner.conflicts == []
    app = overlay["resources"]["application"]  # type: ignore[index]
    assert app["properties"]["expires"] == "datetime"
    assert app["properties"]["etag"] == "string"
    assert app["embedded"]["me"] == {"type": "me", "collection": False}
    xml = ucwaformat.json_to_xml(data, schema=base)
    assert json.loads(ucwaformat.xml_to_json(xml, schema=base))["expires"] != DATE
    schema = base.with_overlay(overlay)  # type: ignore[arg-type]
    report: list[Loss] = []
    xml = ucwaformat.json_to_xml(data, schema=schema, report=report)
    assert report == []
    back = json.loads(ucwaformat.xml_to_json(xml, schema=schema))
    assert back["expires"] == DATE
    assert back == json.loads(data)
    # What learn writes reads back as the same overlay.
    assert json.loads(write_overlay(overlay)) == overlay


def test_learn_and_convert_from_the_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The capture's date under a name no schema types (the bundled one types expires).
    body = APPLICATION.read_bytes().replace(b'"expires"', b'"leaseEnds"')
    (tmp_path / "app.json").write_bytes(body)
    overlay = tmp_path / "overlay.json"
    assert main(["learn", str(tmp_path / "app.json"), "-o", str(overlay)]) == 0
    err = capsys.readouterr().err
    assert "1 documents, 5 resource types" in err
    (tmp_path / "app.xml").write_bytes(ucwaformat.json_to_xml(body))
    assert main(["convert", str(tmp_path / "app.xml")]) == 0
    assert json.loads(capsys.readouterr().out)["leaseEnds"] == "2016-05-12T10:04:18.4210000Z"
    assert main(["convert", str(tmp_path / "app.xml"), "--schema", str(overlay)]) == 0
    assert json.loads(capsys.readouterr().out)["leaseEnds"] == DATE
    text = overlay.read_text()
    assert '\n        "leaseEnds": "datetime",\n' in text  # one entry a line
    assert '"me": {"type": "me", "collection": false}' in text


def _diffs(pair: dict[str, object], schema: Schema | None) -> list[str]:
    xml, twin = corpus_bytes(pair["xml"]), json.loads(corpus_bytes(pair["json"]))  # type: ignore[arg-type]
    got = json.loads(ucwaformat.xml_to_json(xml, schema=schema, **_reading_options(pair)))  # type: ignore[arg-type]
    return list(
        structure_diffs(
            got,
            twin,
            "$",
            request=pair["direction"] == "request",
            ignore_href=pair["json"] in IGNORED_ROOT_HREFS,
        )
    )


def _learn_twins(schema: Schema) -> Schema:
    learner = Learner(schema)
    for pair in PAIRS:
        learner.add_json(corpus_bytes(pair["json"]), pair["json"])
    assert learner.read >= 90 and learner.conflicts == []
    return schema.with_overlay(learner.overlay())


def test_an_overlay_learned_from_the_json_twins_is_at_least_as_exact() -> None:
    bundled = Schema.bundled()
    learned = _learn_twins(bundled)
    assert len(PAIRS) >= 120
    worse = [
        (pair["xml"], after)
        for pair in PAIRS
        if len(after := _diffs(pair, learned)) > len(_diffs(pair, bundled))
    ]
    assert worse == []


def _without(rtype: str) -> Schema:
    from importlib import resources

    raw = orjson.loads(resources.files("ucwaformat").joinpath("schema/ucwa.json").read_bytes())
    assert rtype in raw["resources"]
    del raw["resources"][rtype]
    return Schema.from_dict(raw)


@pytest.mark.parametrize(
    "rtype", ["distributionGroup", "audioVideoInvitation", "search", "myOnlineMeeting", "myContacts"]
)
def test_a_resource_type_removed_from_the_schema_is_learned_back(rtype: str) -> None:
    stripped = _without(rtype)
    learned = _learn_twins(stripped)
    before = {pair["xml"]: len(_diffs(pair, stripped)) for pair in PAIRS}
    after = {pair["xml"]: len(_diffs(pair, learned)) for pair in PAIRS}
    assert all(after[name] <= before[name] for name in before)
    assert sum(before.values()) > 0  # without the type, XML -> JSON misses its twin ...
    assert sum(after.values()) == 0  # ... and with what learn found, it matches again


def test_conflicting_evidence_is_kept_as_the_wider_type_and_reported() -> None:
    overlay, learner = _learned(
        b'{"rel":"thing","n":1,"flag":true,"when":"\\/Date(0)\\/","tags":["a"],"e":null,'
        b'"_links":{"self":{"href":"/t"},"items":[{"href":"/i"}],"up":{"href":"/u"}},'
        b'"_embedded":{"part":{"rel":"piece"},"more":[{"rel":"piece"}]}}',
        b'{"rel":"thing","n":"one","flag":false,"when":"soon","tags":"b","empty":[],'
        b'"_links":{"self":{"href":"/t"},"items":{"href":"/i"},"up":{"href":"/u"}},'
        b'"_embedded":{"part":[{"rel":"chunk"},{"rel":"chunk"}],"more":[]}}',
    )
    thing = overlay["resources"]["thing"]  # type: ignore[index]
    assert thing["properties"] == {
        "empty": "list[string]",
        "flag": "boolean",
        "n": "string",
        "tags": "list[string]",
        "when": "string",
    }
    assert thing["links"] == {"items": "collection", "up": "single"}
    assert thing["embedded"] == {
        "more": {"type": "piece", "collection": True},
        "part": {"type": "chunk", "collection": True},
    }
    assert learner.conflicts == [
        "thing.n: seen as integer (body0) and string (body1); written as string",
        "thing.tags: seen as a list (body0) and as a single value (body1); written as a list",
        "thing.when: seen as datetime (body0) and string (body1); written as string",
        "thing: link 'items' seen as a collection (body0) and as a single one (body1); "
        "written as a collection",
        "thing: embedded 'part' seen holding chunk, piece; written as 'chunk', the most common",
        "thing: embedded 'part' seen as a collection (body1) and as a single one (body0); "
        "written as a collection",
    ]
    assert set(overlay["resources"]) == {"thing", "piece", "chunk"}  # type: ignore[arg-type]


def test_enumeration_values_seen_join_the_enumeration() -> None:
    schema = Schema.bundled()
    avail = schema.property_type("presence", "availability")
    assert avail is not None and avail.type == "enum" and avail.enum is not None
    overlay, _ = _learned(
        b'{"rel":"presence","availability":"Online","_links":{"self":{"href":"/p"}}}',
        b'{"rel":"presence","availability":"Lurking","_links":{"self":{"href":"/p"}}}',
    )
    spec = overlay["resources"]["presence"]["properties"]["availability"]  # type: ignore[index]
    assert spec == {"type": "enum", "values": ["Lurking", "Online"]}
    members = schema.with_overlay(overlay).enum_members(avail.enum)  # type: ignore[arg-type]
    assert members is not None and "Lurking" in members and "Online" in members


def test_events_inputs_and_xml_are_read_for_what_they_say() -> None:
    event_page = (
        b'{"_links":{"self":{"href":"/e"},"next":{"href":"/e?n"}},"sender":[{"rel":"me",'
        b'"href":"/me","events":[{"link":{"rel":"presence","href":"/p"},"type":"updated",'
        b'"_embedded":{"presence":{"rel":"presence","availability":"Away","lastActive":"\\/Date(5)\\/",'
        b'"_links":{"self":{"href":"/p"}}}}}]}]}'
    )
    overlay, learner = _learned(event_page, b'{"subject":"s"}')
    learner.add_json(b"<resource/>", "x.xml")
    assert (learner.read, dict(learner.skipped)) == (1, {"input": 1, "xml": 1})
    props = overlay["resources"]["presence"]["properties"]  # type: ignore[index]
    assert props["lastActive"] == "datetime"


def test_learn_reads_directories_json_lines_and_http_messages(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    body = APPLICATION.read_bytes()
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "bodies.jsonl").write_bytes(
        b'{"rel":"thing","n":1}\n\n{"rel":"thing","n":2,"_links":{"self":{"href":"/t"}}}\n{"rel":\n'
    )
    (tmp_path / "in" / "app.http").write_bytes(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/vnd.microsoft.com.ucwa+json\r\n\r\n" + body
    )
    (tmp_path / "in" / "page.xml").write_bytes(b"<resource/>")  # not walked: XML says no types
    (tmp_path / "in" / "bad.json").write_bytes(b'{"rel": ')
    out = tmp_path / "overlay.json"
    assert main(["learn", str(tmp_path / "in"), "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert "bad.json:1:" in err and "3 documents, 6 resource types" in err
    assert f"{tmp_path / 'in' / 'bodies.jsonl'}:4:8: " in err  # a bad line, where it is
    overlay = json.loads(out.read_text())
    assert overlay["resources"]["thing"]["properties"] == {"n": "integer"}
    assert overlay["resources"]["application"]["properties"]["expires"] == "datetime"


def test_the_readme_walk_through_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import re
    import shlex
    import shutil

    from data_paths import ROOT

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## When the schema does not know", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.S)
    assert block is not None
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    monkeypatch.chdir(tmp_path)
    statuses = []
    for line in block[1].splitlines():
        argv = shlex.split(line, comments=True)
        assert argv[0] == "ucwaformat"
        statuses.append(main(argv[1:]))
        outputs = capsys.readouterr()
        if argv[1] == "convert" and "--report" in argv:
            assert len(outputs.err.splitlines()) == 4
        if argv[1] == "diff" and "--schema" not in argv:
            assert len(outputs.out.splitlines()) == 3
        if argv[1] == "convert" and "--schema" in argv:
            example = tmp_path / "examples" / "application.json"
            assert json.loads(outputs.out) == json.loads(example.read_bytes())
    assert statuses == [0, 1, 0, 0, 0]


def test_a_request_body_keeps_the_input_kind_its_xml_said(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # An <input> of only error members: its JSON reads back as an error anywhere (reported),
    # but a request never carries an error, so in a request it is read back as the input.
    xml = (
        b'<input xmlns="http://schemas.microsoft.com/rtc/2012/03/ucwa">'
        b'<property name="code">Gone</property><property name="message">m</property></input>'
    )
    head = b"POST /ucwa/v1/x HTTP/1.1\r\nContent-Type: application/vnd.microsoft.com.ucwa+xml\r\n\r\n"
    (tmp_path / "req.http").write_bytes(head + xml)
    assert main(["convert", "--http", str(tmp_path / "req.http"), "--report"]) == 0
    captured = capsys.readouterr()
    assert "[kind]" in captured.err
    (tmp_path / "req2.http").write_bytes(captured.out.encode())
    assert main(["convert", "--http", str(tmp_path / "req2.http"), "--report"]) == 0
    back = capsys.readouterr()
    assert back.err == ""
    body = back.out.encode().split(b"\r\n\r\n", 1)[1]
    assert ucwaformat.from_xml(body) == ucwaformat.from_xml(xml)
    # A response's JSON is read as detected: the same body is an error there.
    response = captured.out.encode().replace(b"POST /ucwa/v1/x HTTP/1.1", b"HTTP/1.1 400 Bad Request")
    (tmp_path / "resp.http").write_bytes(response)
    assert main(["convert", "--http", str(tmp_path / "resp.http")]) == 0
    assert b"<reason" in capsys.readouterr().out.encode()
    # And in a HAR file's request.
    jbody = ucwaformat.xml_to_json(xml).decode()
    har = {"log": {"entries": [{"request": {"method": "POST", "url": "/x", "headers": [], "postData": {"mimeType": "application/vnd.microsoft.com.ucwa+json", "text": jbody}}, "response": {"status": 400, "headers": [], "content": {"mimeType": "application/vnd.microsoft.com.ucwa+json", "text": jbody}}}]}}
    (tmp_path / "x.har").write_text(json.dumps(har))
    assert main(["convert", str(tmp_path / "x.har")]) == 0
    entry = json.loads(capsys.readouterr().out)["log"]["entries"][0]
    assert entry["request"]["postData"]["text"].find("<input") >= 0
    assert entry["response"]["content"]["text"].find("<reason") >= 0


def test_batch_request_parts_and_gateway_requests_keep_the_input_kind() -> None:
    from test_gateway import PRECISE_JSON, PRECISE_XML, FakeApp, call_asgi

    from ucwaformat._kinds import request_kind
    from ucwaformat.gateway import UcwaGatewayMiddleware

    body = b'{"code":"Gone","message":"m"}'
    assert request_kind(body) == "input" and request_kind(body.decode()) == "input"
    assert request_kind(b'{"subject":"s"}') is None
    assert request_kind(b'{"rel":"x","code":"c"}') is None
    assert request_kind(b"{not json") is None
    part = (
        b"--b\r\nContent-Type: application/http; msgtype=request\r\n\r\n"
        b"POST /x HTTP/1.1\r\nContent-Type: " + PRECISE_JSON.encode() + b"\r\n\r\n" + body
    )
    envelope = part + b"\r\n" + part.replace(b"msgtype=request", b"msgtype=response").replace(
        b"POST /x HTTP/1.1", b"HTTP/1.1 400 Bad Request"
    ) + b"\r\n--b--\r\n"
    out = ucwaformat.convert_batch(envelope, "multipart/batching; boundary=b", to="xml")
    assert out.count(b"<input") == 1 and out.count(b"<reason") == 1
    app = FakeApp()
    call_asgi(
        UcwaGatewayMiddleware(app),
        "POST",
        [("Content-Type", PRECISE_JSON), ("Accept", PRECISE_JSON)],
        body,
    )
    assert app.header("content-type").startswith(PRECISE_XML)
    assert b"<input" in app.body and b"<reason" not in app.body
