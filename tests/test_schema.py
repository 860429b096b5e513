"""The bundled schema: generation, lookups (FORMAT.md §7.2, D2-D4, D22) and overrides."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from data_paths import ROOT

from ucwaformat._errors import UcwaFormatError
from ucwaformat._schema import PropertyType, ResourceFacts, Schema

FACTS = ROOT / "tests" / "data" / "schema-facts.json"
BUNDLED = ROOT / "ucwaformat" / "schema" / "ucwa.json"

STRING = PropertyType("string")
INTEGER = PropertyType("integer")
BOOLEAN = PropertyType("boolean")
DATETIME = PropertyType("datetime")


def _load_script() -> ModuleType:
    # scripts/ is not a package: load the file itself, in-process.
    path = ROOT / "scripts" / "build_schema.py"
    spec = importlib.util.spec_from_file_location("build_schema", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("build_schema", module)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def script() -> ModuleType:
    return _load_script()


@pytest.fixture(scope="module")
def schema() -> Schema:
    return Schema.bundled()


# -- the generated file ---------------------------------------------------------------------------


def test_bundled_file_is_up_to_date(script: ModuleType) -> None:
    expected = script.generate(FACTS)
    assert BUNDLED.read_text(encoding="utf-8") == expected, (
        "ucwaformat/schema/ucwa.json is stale: run python scripts/build_schema.py"
    )


def test_check_mode(script: ModuleType, tmp_path: Path) -> None:
    assert script.main(["--check", str(FACTS)]) == 0
    facts = json.loads(FACTS.read_text(encoding="utf-8"))
    facts["roles"]["someNewRole"] = ["participant"]
    changed = tmp_path / "facts.json"
    changed.write_text(json.dumps(facts), encoding="utf-8")
    assert script.main(["--check", str(changed)]) == 1


def test_generation_is_deterministic(script: ModuleType) -> None:
    facts = json.loads(FACTS.read_text(encoding="utf-8"))
    text = script.render(script.build(facts))
    # Reordering the input changes nothing.
    shuffled = {k: facts[k] for k in reversed(list(facts))}
    shuffled["resources"] = {k: facts["resources"][k] for k in reversed(list(facts["resources"]))}
    assert script.render(script.build(shuffled)) == text
    assert json.loads(text) == script.build(facts)


def test_generated_content(script: ModuleType) -> None:
    data = json.loads(BUNDLED.read_text(encoding="utf-8"))
    assert set(data) == {
        "enumerations",
        "generated_by",
        "property_names",
        "resources",
        "roles",
        "source",
    }
    assert data["source"]["license"] == "CC BY 4.0"
    assert data["source"]["repository"] == "OfficeDev/skype-docs"
    assert "Microsoft" in data["source"]["copyright"]
    token = data["resources"]["mediaRelayAccessToken"]["properties"]
    # `uri` has no type evidence (dropped: stays a string), `Uri` is observed as a string.
    assert "uri" not in token
    assert token["Uri"] == ["string", False, None]
    facts = json.loads(FACTS.read_text(encoding="utf-8"))
    assert len(data["resources"]) == len(facts["resources"])
    for rfacts in data["resources"].values():
        for kind, array, enum in rfacts.get("properties", {}).values():
            assert kind in script.TYPES and isinstance(array, bool)
            assert (enum is not None) == (kind == "enum")
        for params in rfacts.get("requests", {}).values():
            assert all(p[0] in script.TYPES for p in params.values())
    # `duration` has two wire types across resources: no name-based fallback for it.
    assert "duration" not in data["property_names"]


def test_roles_must_have_one_type(script: ModuleType) -> None:
    with pytest.raises(SystemExit):
        script.build({"resources": {}, "roles": {"from": ["participant", "contact"]}})


def test_coverage(script: ModuleType, schema: Schema) -> None:
    reported = script.coverage(json.loads(BUNDLED.read_text(encoding="utf-8")))
    coverage = schema.coverage()
    print("\nschema coverage:", coverage)
    print("script coverage:", reported)
    assert set(coverage) == {
        "resource_types",
        "typed_properties",
        "collection_links",
        "single_links",
        "embedded_roles",
        "roles",
        "enumerations",
    }
    assert all(value > 0 for value in coverage.values())
    assert coverage == {key: reported[key] for key in coverage}
    assert coverage["resource_types"] == len(schema.resource_types)


# -- loading --------------------------------------------------------------------------------------


def test_bundled_is_cached(schema: Schema) -> None:
    assert Schema.bundled() is Schema.bundled() is schema


def test_resource(schema: Schema) -> None:
    facts = schema.resource("participant")
    assert isinstance(facts, ResourceFacts)
    assert facts.properties["anonymous"] == BOOLEAN
    assert facts.links["contact"] is False
    assert schema.resource(None) is None
    assert schema.resource("noSuchType") is None
    assert "participant" in schema.resource_types
    assert isinstance(schema.resource_types, frozenset)


def test_from_dict_and_empty() -> None:
    for empty in (Schema.empty(), Schema.from_dict({}), Schema.from_dict({"resources": {}})):
        assert empty.resource_types == frozenset()
        assert empty.property_type("participant", "anonymous") is None
        assert empty.link_collection("myContacts", "contact") is None
        assert set(empty.coverage().values()) == {0}
    partial = Schema.from_dict({"property_names": {"n": ["integer", False]}})
    assert partial.property_type(None, "n") == INTEGER
    assert partial.fallback_type("N") == INTEGER


@pytest.mark.parametrize(
    "data",
    [
        {"resources": []},
        {"resources": {"t": {"properties": {"p": ["float", False, None]}}}},
        {"resources": {"t": {"properties": {"p": "list[nope]"}}}},
        {"resources": {"t": {"embedded": {"r": [True]}}}},
        {"property_names": {"p": 5}},
        {"roles": {"r": 5}},
        {"enumerations": {"E": "AB"}},
    ],
)
def test_from_dict_rejects_bad_shapes(data: dict[str, Any]) -> None:
    with pytest.raises(UcwaFormatError):
        Schema.from_dict(data)


# -- typing lookups (§7.2, D22) -------------------------------------------------------------------


def test_known_types(schema: Schema) -> None:
    assert schema.property_type("myOnlineMeeting", "expirationTime") == DATETIME
    assert schema.property_type("participant", "anonymous") == BOOLEAN
    # Digits, but a string: never inferred as a number (§7.1).
    assert schema.property_type("myOnlineMeeting", "conferenceId") == STRING
    assert schema.property_type("myOnlineMeeting", "etag") == STRING
    assert schema.property_type(None, "etag") == STRING
    assert schema.property_type("conversation", "participantCount") == INTEGER
    assert schema.property_type("myOnlineMeeting", "attendees") == PropertyType("string", True)
    access = schema.property_type("myOnlineMeeting", "accessLevel")
    assert access == PropertyType("enum", False, "AccessLevel")
    members = schema.enum_members("AccessLevel")
    assert members is not None and "Invited" in members
    assert schema.enum_members("NoSuchEnum") is None


def test_some_resource_declares_participant_count_integer(schema: Schema) -> None:
    typed = [
        t
        for t in schema.resource_types
        if (f := schema.resource(t)) is not None and f.properties.get("participantCount") == INTEGER
    ]
    assert typed


def test_lookup_order_steps(schema: Schema) -> None:
    # Step 1: the resource's own facts.
    assert schema.property_type("mediaRelayAccessToken", "duration") == INTEGER
    # `duration` has no single type by name, so step 3 gives nothing.
    assert schema.property_type(None, "duration") is None
    assert schema.fallback_type("duration") is None
    # Step 2: the type is unknown, the role is a known type.
    assert schema.property_type("noSuchType", "duration", role="mediaRelayAccessToken") == INTEGER
    assert schema.property_type(None, "duration", role="mediaRelayAccessToken") == INTEGER
    # Step 2 only applies when the type is unknown: a known type without the name goes to step 3.
    assert schema.property_type("participant", "duration", role="mediaRelayAccessToken") is None
    # Step 3: by name alone.
    assert schema.property_type("participant", "etag") == STRING
    assert schema.property_type("noSuchType", "participantCount", role="noSuchRole") == INTEGER
    # Step 4: nothing known -> None (keep it a string).
    assert schema.property_type("participant", "noSuchProperty") is None
    assert schema.property_type(None, "noSuchProperty", role="participant") is None
    assert schema.fallback_type("noSuchProperty") is None


def test_step_one_wins_over_step_three() -> None:
    schema = (
        Schema.empty()
        .with_property(None, "foo", "integer")
        .with_property("t", "foo", "boolean")
        .with_property("r", "foo", "datetime")
    )
    assert schema.property_type("t", "foo") == BOOLEAN
    assert schema.property_type("t", "foo", role="r") == BOOLEAN
    assert schema.property_type("x", "foo", role="r") == DATETIME
    assert schema.property_type("x", "foo") == INTEGER


def test_case_insensitive_step(schema: Schema) -> None:
    assert schema.property_type("conversation", "PARTICIPANTCOUNT") == INTEGER
    assert schema.property_type("participant", "Anonymous") == BOOLEAN
    assert schema.fallback_type("ETAG") == STRING
    assert schema.property_type("mediaRelayAccessToken", "URI") == STRING
    assert schema.request_type("myOnlineMeeting", "PUT", "EXPIRATIONTIME") == DATETIME

    custom = Schema.from_dict(
        {
            "resources": {
                "t": {
                    "properties": {
                        "Foo": ["integer", False, None],
                        "abc": ["integer", False, None],
                        "ABC": ["boolean", False, None],
                    }
                },
                "r": {"properties": {"bar": ["datetime", False, None]}},
            },
            "property_names": {"foo": ["boolean", False], "BAR": ["integer", False]},
        }
    )
    # Exact at a later step loses to case-insensitive at an earlier one (D22: per step).
    assert custom.property_type("t", "foo") == INTEGER
    assert custom.property_type(None, "foo") == BOOLEAN
    assert custom.property_type("x", "BAR", role="r") == DATETIME
    assert custom.property_type("x", "BAR") == INTEGER
    # Exact first within a step.
    assert custom.property_type("t", "abc") == INTEGER
    assert custom.property_type("t", "ABC") == BOOLEAN
    # Names differing only in case with different types are ambiguous: no case-insensitive match.
    assert custom.property_type("t", "Abc") is None


# -- cardinality and roles (D2-D4) ----------------------------------------------------------------


def test_link_cardinality(schema: Schema) -> None:
    assert schema.link_collection("myContacts", "contact") is True
    assert schema.link_collection("participant", "contact") is False
    assert schema.link_collection("participant", "self") is False
    # Unknown cardinality in the facts is left out: None.
    assert schema.link_collection("application", "me") is None
    assert schema.link_collection("participant", "noSuchRel") is None
    assert schema.link_collection(None, "contact") is None
    assert schema.link_collection("noSuchType", "contact") is None


def test_embedded_cardinality(schema: Schema) -> None:
    assert schema.embedded_collection("myContacts", "contact") is True
    assert schema.embedded_collection("application", "me") is False
    assert schema.embedded_collection("audioVideoInvitation", "from") is False
    assert schema.embedded_collection("myGroups", "group") is True
    assert schema.embedded_collection("myContacts", "noSuchRole") is None
    assert schema.embedded_collection(None, "contact") is None
    # Unknown in `embedded`: falls back to the links table of the same type.
    custom = Schema.from_dict(
        {"resources": {"t": {"embedded": {"r": [None, "x"]}, "links": {"r": True, "s": False}}}}
    )
    assert custom.embedded_collection("t", "r") is True
    assert custom.embedded_collection("t", "s") is False
    assert custom.embedded_type("t", "r") == "x"


def test_embedded_and_role_types(schema: Schema) -> None:
    assert schema.embedded_type("audioVideoInvitation", "from") == "participant"
    assert schema.embedded_type("messagingInvitation", "acceptedByParticipant") == "participant"
    assert schema.embedded_type(None, "from") == "participant"
    assert schema.embedded_type("noSuchType", "from") == "participant"
    assert schema.role_type("from") == "participant"
    assert schema.role_type("organizer") == "contact"
    # No type in the facts and no role entry: the caller uses the role itself.
    assert schema.embedded_type("groupContacts", "contact") is None
    assert schema.embedded_type("myContacts", "contact") == "contact"
    assert schema.role_type("contact") is None


def test_request_types(schema: Schema) -> None:
    assert schema.request_type("myOnlineMeeting", "PUT", "expirationTime") == DATETIME
    assert schema.request_type("myOnlineMeeting", "PUT", "accessLevel") == PropertyType(
        "enum", False, "AccessLevel"
    )
    assert schema.request_type("myOnlineMeeting", "PUT", "noSuchParam") is None
    assert schema.request_type("myOnlineMeeting", "POST", "subject") is None
    assert schema.request_type("noSuchType", "PUT", "subject") is None
    assert schema.request_type(None, "PUT", "subject") is None


# -- overrides ------------------------------------------------------------------------------------


def test_overrides_return_new_schemas(schema: Schema) -> None:
    before = schema.coverage()
    s1 = schema.with_property("participant", "anonymous", "string")
    s2 = s1.with_property(None, "brandNew", "list[integer]")
    s3 = s2.with_collection("participant", "contact")
    s4 = s3.with_role("from", "contact")
    s5 = s4.with_resource("newType", properties={"n": "integer"}, links={"l": True})
    assert len({id(s) for s in (schema, s1, s2, s3, s4, s5)}) == 6

    assert s5.property_type("participant", "anonymous") == STRING
    assert s5.property_type("anyType", "brandNew") == PropertyType("integer", True)
    assert s5.link_collection("participant", "contact") is True
    assert s5.embedded_collection("participant", "contact") is True
    assert s5.role_type("from") == "contact"
    assert s5.property_type("newType", "n") == INTEGER
    assert s5.link_collection("newType", "l") is True
    assert "newType" in s5.resource_types
    # Existing facts of an extended type are kept.
    assert s5.property_type("participant", "inLobby") == BOOLEAN
    assert s5.link_collection("participant", "admit") is False

    # The bundled schema is untouched.
    assert Schema.bundled() is schema
    assert schema.coverage() == before
    assert schema.property_type("participant", "anonymous") == BOOLEAN
    assert schema.fallback_type("brandNew") is None
    assert schema.link_collection("participant", "contact") is False
    # (False from the links table: the bundled facts have no embedded `contact` on participant.)
    assert schema.embedded_collection("participant", "contact") is False
    assert schema.role_type("from") == "participant"
    assert "newType" not in schema.resource_types
    facts = schema.resource("participant")
    assert facts is not None and facts.properties["anonymous"] == BOOLEAN
    assert "contact" not in facts.embedded


def test_with_collection_variants(schema: Schema) -> None:
    only_embedded = schema.with_collection("participant", "contact", embedded=True)
    assert only_embedded.embedded_collection("participant", "contact") is True
    assert only_embedded.link_collection("participant", "contact") is False
    only_link = schema.with_collection("myContacts", "contact", False, embedded=False)
    assert only_link.link_collection("myContacts", "contact") is False
    assert only_link.embedded_collection("myContacts", "contact") is True
    both = schema.with_collection("myContacts", "contact", False)
    assert both.link_collection("myContacts", "contact") is False
    assert both.embedded_collection("myContacts", "contact") is False
    # The embedded type is kept when only the cardinality changes.
    assert both.embedded_type("myContacts", "contact") == "contact"


def test_with_resource_merges(schema: Schema) -> None:
    merged = schema.with_resource(
        "participant",
        properties={"anonymous": PropertyType("string"), "extra": "list[boolean]"},
        embedded={"me": (False, "me")},
    )
    assert merged.property_type("participant", "anonymous") == STRING
    assert merged.property_type("participant", "EXTRA") == PropertyType("boolean", True)
    assert merged.property_type("participant", "inLobby") == BOOLEAN
    assert merged.embedded_type("participant", "me") == "me"
    assert merged.link_collection("participant", "me") is False


def test_with_property_types() -> None:
    base = Schema.empty()
    assert base.with_property(None, "a", "integer", array=True).fallback_type("a") == PropertyType(
        "integer", True
    )
    given = PropertyType("enum", False, "AccessLevel")
    assert base.with_property("t", "a", given).property_type("t", "a") is given
    for name in ("string", "integer", "boolean", "datetime", "timespan", "enum", "external"):
        assert base.with_property("t", "a", name).property_type("t", "a") == PropertyType(name)
        listed = base.with_property("t", "a", f"list[{name}]").property_type("t", "a")
        assert listed == PropertyType(name, True)


@pytest.mark.parametrize(
    "bad", ["float", "unknown", "binary", "Integer", "list[]", "list[int]", ""]
)
def test_invalid_type_names(schema: Schema, bad: str) -> None:
    with pytest.raises(UcwaFormatError):
        schema.with_property("participant", "anonymous", bad)
    with pytest.raises(UcwaFormatError):
        schema.with_resource("participant", properties={"anonymous": bad})
    assert schema.property_type("participant", "anonymous") == BOOLEAN


def test_the_bundled_file_is_read_beside_the_code_or_through_the_package_resources(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A file beside the module in any ordinary install; the package resources machinery (its
    # imports cost the command's start) only where there is none, as in a zip file.
    from ucwaformat import _schema

    beside = _schema._bundled_bytes()
    assert beside == (ROOT / "ucwaformat" / "schema" / "ucwa.json").read_bytes()
    monkeypatch.setattr(_schema, "__file__", str(ROOT / "nowhere" / "_schema.py"))
    assert _schema._bundled_bytes() == beside
