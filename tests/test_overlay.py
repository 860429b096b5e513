"""Schema overlays: ``Schema.with_overlay`` and ``--schema FILE`` on convert, check and diff."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from data_paths import DATA

import ucwaformat
from ucwaformat import Schema, UcwaFormatError

#: The capture, with its date under a name no schema types (the bundled schema's server
#: supplement types the capture's own ``expires``).
CAPTURE = (DATA / "captures" / "application.json").read_bytes()
BODY = CAPTURE.replace(b'"expires"', b'"leaseEnds"')
OVERLAY = DATA / "overlays" / "application.json"
DATE = "/Date(1463047458421)/"


@pytest.fixture
def app_file(tmp_path: Path) -> Path:
    path = tmp_path / "application.json"
    path.write_bytes(BODY)
    return path




def test_an_overlay_from_a_path_or_a_mapping_types_what_it_names() -> None:
    bundled = Schema.bundled()
    assert bundled.property_type("application", "leaseEnds") is None
    for overlay in (OVERLAY, str(OVERLAY), json.loads(OVERLAY.read_text())):
        schema = bundled.with_overlay(overlay)
        assert schema.property_type("application", "leaseEnds") == ucwaformat.PropertyType(
            "datetime"
        )
        # What the overlay does not say is kept, and the bundled schema is not changed.
        assert schema.property_type("application", "culture") == bundled.property_type(
            "application", "culture"
        )
        assert schema.embedded_type("application", "me") == "me"
        assert bundled.property_type("application", "leaseEnds") is None


def test_an_overlay_sets_cardinalities_roles_names_and_enumerations() -> None:
    bundled = Schema.bundled()
    enum = bundled.property_type("me", "availability") or bundled.property_type(
        "presence", "availability"
    )
    schema = bundled.with_overlay(
        {
            "resources": {
                "newType": {
                    "properties": {
                        "count": "integer",
                        "when": "list[datetime]",
                        "mood": {"type": "enum", "values": ["Happy", "Sad", "Happy"]},
                    },
                    "links": {"items": "collection", "parent": "single"},
                    "embedded": {"thing": {"type": "contact", "collection": True}, "one": "me"},
                },
                "presence": {"properties": {"availability": {"values": ["Brb"]}}},
            },
            "properties": {"seenAnywhere": "boolean"},
            "roles": {"buddy": "contact"},
            "enumerations": {"newList": ["A", "B"]},
        }
    )
    assert schema.property_type("newType", "count") == ucwaformat.PropertyType("integer")
    assert schema.property_type("newType", "when") == ucwaformat.PropertyType("datetime", True)
    mood = schema.property_type("newType", "mood")
    assert mood is not None and mood.type == "enum" and mood.enum is not None
    assert schema.enum_members(mood.enum) == ("Happy", "Sad")
    assert schema.link_collection("newType", "items") is True
    assert schema.link_collection("newType", "parent") is False
    assert schema.embedded_collection("newType", "thing") is True
    assert schema.embedded_type("newType", "thing") == "contact"
    assert schema.embedded_type("newType", "one") == "me"
    assert schema.embedded_collection("newType", "one") is None
    assert schema.property_type("anyType", "seenAnywhere") == ucwaformat.PropertyType("boolean")
    assert schema.role_type("buddy") == "contact"
    assert schema.enum_members("newList") == ("A", "B")
    # Values for an enumeration the bundled schema names join that one list.
    avail = schema.property_type("presence", "availability")
    assert avail is not None and avail.enum is not None
    if enum is not None and enum.enum is not None:
        assert avail.enum == enum.enum
        base = bundled.enum_members(enum.enum) or ()
        assert schema.enum_members(avail.enum) == (*base, "Brb")


@pytest.mark.parametrize(
    ("overlay", "message"),
    [
        ([], "an overlay is an object, not list (at $)"),
        ({"resource": {}}, "unknown overlay section 'resource' (at $)"),
        (
            {"resources": {"a": {"properties": {"p": "float"}}}},
            "unknown schema type 'float' (expected one of boolean, datetime, enum, external, "
            "integer, string, timespan, or list[…]) (at $.resources.a.properties.p)",
        ),
        (
            {"resources": {"a": {"links": {"l": "many"}}}},
            "a link is 'collection' or 'single', not 'many' (at $.resources.a.links.l)",
        ),
        (
            {"resources": {"a": {"properties": {"p": {"type": "string", "values": ["x"]}}}}},
            "'values' belong to an enum type (at $.resources.a.properties.p)",
        ),
        ({"roles": {"r": 3}}, "a role names a resource type (at $.roles.r)"),
        ({"resources": {"a": {"prop": {}}}}, "unknown member 'prop' (at $.resources.a)"),
    ],
)
def test_a_bad_overlay_says_where(overlay: Any, message: str) -> None:
    with pytest.raises(UcwaFormatError) as info:
        Schema.bundled().with_overlay(overlay)
    assert str(info.value) == message


def test_a_bad_overlay_file_names_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"resources": {"a": {"links": {"l": 1}}}}')
    with pytest.raises(UcwaFormatError, match=r"bad\.json: a link is"):
        Schema.bundled().with_overlay(bad)
    bad.write_text('{"resources": ')
    with pytest.raises(UcwaFormatError, match=r"bad\.json: .*\(at line 1, column"):
        Schema.bundled().with_overlay(bad)


def test_convert_with_schema_brings_the_date_back(cli: Any, tmp_path: Path, app_file: Path) -> None:
    status, xml, err = cli("convert", app_file, "--report")
    assert status == 0 and "[untyped]" in err and "$.leaseEnds" in err
    (tmp_path / "app.xml").write_bytes(xml)
    status, out, _ = cli("convert", tmp_path / "app.xml")
    assert json.loads(out)["leaseEnds"] == "2016-05-12T10:04:18.4210000Z"
    status, out, err = cli("convert", tmp_path / "app.xml", "--schema", OVERLAY)
    assert status == 0 and json.loads(out)["leaseEnds"] == DATE
    status, xml_again, err = cli("convert", app_file, "--schema", OVERLAY, "--report")
    assert status == 0 and err == "" and xml_again == xml
    # The overlays apply in order: a later one wins.
    later = tmp_path / "later.json"
    later.write_text('{"resources": {"application": {"properties": {"leaseEnds": "string"}}}}')
    status, out, _ = cli("convert", tmp_path / "app.xml", "--schema", OVERLAY, "--schema", later)
    assert json.loads(out)["leaseEnds"] == "2016-05-12T10:04:18.4210000Z"
    # And through worker processes.
    status, out, _ = cli("convert", tmp_path / "app.xml", "--schema", OVERLAY, "-j", "2")
    assert json.loads(out)["leaseEnds"] == DATE
    # And streamed (a large file), both ways.
    status, out, _ = cli("convert", tmp_path / "app.xml", "--schema", OVERLAY, "--stream-above", "1")
    assert status == 0 and json.loads(out)["leaseEnds"] == DATE
    status, out, err = cli("convert", app_file, "--schema", OVERLAY, "--stream-above", "1", "--report")
    assert (status, err) == (0, "") and out.rstrip(b"\n") == xml.rstrip(b"\n")


def test_check_and_diff_with_schema(cli: Any, tmp_path: Path, app_file: Path) -> None:
    (tmp_path / "app.xml").write_bytes(ucwaformat.json_to_xml(app_file.read_bytes()))
    status, out, _ = cli("diff", app_file, tmp_path / "app.xml")
    assert status == 1 and b"$.leaseEnds" in out
    status, out, _ = cli("diff", app_file, tmp_path / "app.xml", "--schema", OVERLAY)
    assert (status, out) == (0, b"")
    status, out, _ = cli("check", app_file)
    assert b"'leaseEnds'" in out
    strict = tmp_path / "strict.json"
    strict.write_text('{"resources": {"application": {"properties": {"etag": "integer"}}}}')
    status, out, _ = cli("check", app_file, "--schema", OVERLAY, "--schema", strict)
    assert status == 1 and b"etag" in out and b"'leaseEnds'" not in out


def test_a_bad_schema_file_is_a_usage_error(cli: Any, tmp_path: Path, app_file: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"resources": []}')
    for command in ("convert", "check"):
        status, _, err = cli(command, app_file, "--schema", bad)
        assert status == 2 and "bad.json: expected an object, not list (at $.resources)" in err
    status, _, err = cli("diff", app_file, app_file, "--schema", tmp_path / "none.json")
    assert status == 2 and "none.json" in err


def test_a_batch_and_an_http_message_use_the_schema(cli: Any, tmp_path: Path, app_file: Path) -> None:
    xml = ucwaformat.json_to_xml(BODY)
    message = (
        b"HTTP/1.1 200 OK\r\nContent-Type: application/vnd.microsoft.com.ucwa+xml\r\n"
        b"Content-Length: " + str(len(xml)).encode() + b"\r\n\r\n" + xml
    )
    (tmp_path / "app.http").write_bytes(message)
    status, out, _ = cli("convert", "--http", tmp_path / "app.http", "--schema", OVERLAY)
    assert status == 0 and DATE.replace("/", "\\/").encode() in out
    schema = Schema.bundled().with_overlay(OVERLAY)
    envelope = (
        b"--b\r\nContent-Type: application/http; msgtype=response\r\n\r\n"
        b"HTTP/1.1 200 OK\r\nContent-Type: application/vnd.microsoft.com.ucwa+xml\r\n\r\n"
        + xml
        + b"\r\n--b--\r\n"
    )
    out = ucwaformat.convert_batch(envelope, "multipart/batching; boundary=b", to="json", schema=schema)
    assert DATE.replace("/", "\\/").encode() in out


def test_the_gateway_middlewares_take_a_schema(app_file: Path) -> None:
    from test_gateway import PRECISE_JSON, PRECISE_XML, FakeApp, Result, call_asgi

    from ucwaformat.gateway import UcwaGatewayMiddleware, UcwaGatewayWSGIMiddleware

    xml = ucwaformat.json_to_xml(BODY)
    app = FakeApp(body=xml, content_type=PRECISE_XML)
    plain = Result(call_asgi(UcwaGatewayMiddleware(app), headers=[("Accept", PRECISE_JSON)]))
    assert json.loads(plain.body)["leaseEnds"] == "2016-05-12T10:04:18.4210000Z"
    schema = Schema.bundled().with_overlay(OVERLAY)
    middleware = UcwaGatewayMiddleware(app, schema=schema)
    typed = Result(call_asgi(middleware, headers=[("Accept", PRECISE_JSON)]))
    assert json.loads(typed.body)["leaseEnds"] == DATE
    with pytest.raises(TypeError, match="schema must be a Schema"):
        UcwaGatewayWSGIMiddleware(app, schema=str(OVERLAY))  # type: ignore[arg-type]


# -- the server supplement of the bundled schema ---------------------------------------------


def _build_script() -> Any:
    import importlib.util

    from data_paths import ROOT

    spec = importlib.util.spec_from_file_location("build_schema", ROOT / "scripts" / "build_schema.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_bundled_schema_has_the_server_supplement() -> None:
    schema = Schema.bundled()
    assert schema.property_type("application", "expires") == ucwaformat.PropertyType("datetime")
    assert schema.property_type("application", "etag") == ucwaformat.PropertyType("string")
    supplement = json.loads((DATA / "schema-supplement.json").read_text())
    for rtype, sections in supplement["resources"].items():
        for section in sections.values():
            for name, entry in section.items():
                assert entry["sources"], (rtype, name)
    # The capture converts JSON -> XML -> JSON unchanged with the bundled schema.
    report: list[ucwaformat.Loss] = []
    xml = ucwaformat.json_to_xml(CAPTURE, report=report)
    assert json.loads(ucwaformat.xml_to_json(xml, report=report)) == json.loads(CAPTURE)
    assert report == []


def test_the_supplement_adds_facts_and_never_contradicts_the_pages() -> None:
    script = _build_script()
    facts = {"resources": {"a": {"properties": {"n": {"type": "integer", "array": False}}}}}
    source = {"sources": ["a capture"]}
    added = script.supplement(
        facts, {"resources": {"a": {"properties": {"m": {"type": "datetime", **source}}}}}
    )
    assert script.build(added)["resources"]["a"]["properties"] == {
        "m": ["datetime", False, None],
        "n": ["integer", False, None],
    }
    assert "m" not in facts["resources"]["a"]["properties"]  # a copy
    with pytest.raises(SystemExit, match="contradicts the reference pages' 'integer'"):
        script.supplement(
            facts, {"resources": {"a": {"properties": {"n": {"type": "string", **source}}}}}
        )
    with pytest.raises(SystemExit, match="names no sources"):
        script.supplement(facts, {"resources": {"a": {"properties": {"m": {"type": "string"}}}}})
