"""The typed layer with a ``cattrs.preconf.orjson`` converter: plain JSON-shaped dicts.

``typed.make_converter()`` (or ``typed.register_json_hooks`` on a converter of one's own)
unstructures a typed object to what ``orjson.loads(typed.to_json(obj))`` gives, and structures
such a dict back to the object, for every resource body of the corpus whose type has a class.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import attrs
import orjson
import pytest
from cattrs.preconf.orjson import OrjsonConverter
from cattrs.preconf.orjson import make_converter as stock_converter
from data_paths import CORPUS, ROOT

import ucwaformat
from ucwaformat import Resource, Timestamp, UcwaFormatError, typed
from ucwaformat.types import (
    RESOURCE_CLASSES,
    AccessLevel,
    MyAssignedOnlineMeeting,
    MyOnlineMeetingPut,
    MyOnlineMeetings,
    TypedResource,
)

MANIFEST: dict[str, Any] = json.loads((CORPUS / "manifest.json").read_text(encoding="utf-8"))
MEETING_JSON = ROOT / "examples" / "myAssignedOnlineMeeting.json"
CONVERTER = typed.make_converter()


def _json_resources() -> list[str]:
    """The corpus's JSON bodies that are resources of a type with a class."""
    found = []
    for entry in MANIFEST["files"]:
        if entry["parses"] is not True or entry["body_kind"] != "json":
            continue
        try:
            doc = ucwaformat.from_json((CORPUS / entry["file"]).read_bytes())
        except UcwaFormatError:
            continue
        if isinstance(doc, Resource) and doc.type in RESOURCE_CLASSES:
            found.append(entry["file"])
    return sorted(found)


JSON_RESOURCES = _json_resources()


def test_the_corpus_has_json_resources() -> None:
    assert len(JSON_RESOURCES) > 40


def _plain(value: Any) -> bool:
    """Only what JSON holds: dicts with string keys, lists, strings, numbers, booleans, null."""
    if isinstance(value, dict):
        return all(isinstance(k, str) and _plain(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_plain(v) for v in value)
    return value is None or isinstance(value, str | int | float | bool)


@pytest.mark.parametrize("path", JSON_RESOURCES)
def test_corpus_round_trip_through_the_converter(path: str) -> None:
    data = (CORPUS / path).read_bytes()
    rtype = ucwaformat.from_json(data).type
    assert isinstance(rtype, str)
    cls = RESOURCE_CLASSES[rtype]
    obj = typed.from_json(data, cls)

    plain = CONVERTER.unstructure(obj)
    assert _plain(plain)
    assert plain == orjson.loads(typed.to_json(obj))
    assert plain == orjson.loads(typed.to_json(obj, escape_solidus=False))

    back = CONVERTER.structure(plain, cls)
    assert back == obj and back.wire == obj.wire
    assert typed.to_json(back) == typed.to_json(obj)
    # The dict a JSON parser gives for the file itself reads as the bytes do.
    assert CONVERTER.structure(json.loads(data), cls) == obj


def test_meeting_round_trip() -> None:
    """The example meeting: JSON bytes → dict → typed → dict → typed → JSON bytes."""
    data = MEETING_JSON.read_bytes()
    loaded = json.loads(data)
    meeting = CONVERTER.structure(loaded, MyAssignedOnlineMeeting)
    assert isinstance(meeting, MyAssignedOnlineMeeting)
    assert meeting.access_level is AccessLevel.INVITED
    assert isinstance(meeting.expiration_time, datetime)

    plain = CONVERTER.unstructure(meeting)
    assert plain == json.loads(typed.to_json(meeting))
    assert plain["rel"] == "myAssignedOnlineMeeting"
    assert plain["expirationTime"] == loaded["expirationTime"]  # "/Date(ms)/", as read
    assert CONVERTER.structure(plain, MyAssignedOnlineMeeting) == meeting
    assert orjson.loads(CONVERTER.dumps(meeting)) == plain
    assert typed.to_json(CONVERTER.loads(CONVERTER.dumps(meeting), MyAssignedOnlineMeeting)) == (
        typed.to_json(meeting)
    )


def test_an_edited_meeting_unstructures_its_changes() -> None:
    meeting = typed.from_json(MEETING_JSON.read_bytes(), MyAssignedOnlineMeeting)
    when = datetime(2027, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)
    body = MyOnlineMeetingPut.from_resource(meeting)
    body = attrs.evolve(body, subject="Moved", expiration_time=when)
    plain = CONVERTER.unstructure(body)
    assert plain["subject"] == "Moved"
    assert plain["expirationTime"] == f"/Date({int(when.timestamp() * 1000)})/"
    assert "rel" not in plain  # a request body
    assert CONVERTER.structure(plain, MyOnlineMeetingPut) == body


def test_collections_and_nested_types() -> None:
    data = (CORPUS / "myOnlineMeetings" / "get-json-response.json").read_bytes()
    meetings = typed.from_json(data, MyOnlineMeetings)
    assert any(isinstance(item, TypedResource) for _role, item in meetings.embedded)
    plain = CONVERTER.unstructure([meetings, meetings])
    assert plain == [orjson.loads(typed.to_json(meetings))] * 2
    assert CONVERTER.structure(plain, list[MyOnlineMeetings]) == [meetings, meetings]


def test_hooks_on_a_converter_of_ones_own() -> None:
    mine: OrjsonConverter = stock_converter()
    typed.register_json_hooks(mine)
    body = MyOnlineMeetingPut(subject="Mine", access_level=AccessLevel.EVERYONE)
    assert mine.unstructure(body) == {"accessLevel": "Everyone", "subject": "Mine"}
    assert mine.structure({"subject": "Mine", "accessLevel": "Everyone"}, MyOnlineMeetingPut) == (
        body
    )
    # Other types keep the converter's own rules (orjson writes a datetime itself).
    when = datetime(2027, 1, 1, tzinfo=UTC)
    assert mine.unstructure({"when": when})["when"] is when


def test_wrong_values_raise_with_their_path() -> None:
    with pytest.raises(UcwaFormatError, match=r"expected a string, not the integer 3 \(at \$\.subject\)"):
        CONVERTER.structure({"rel": "myAssignedOnlineMeeting", "subject": 3}, MyAssignedOnlineMeeting)
    with pytest.raises(UcwaFormatError, match=r"a UCWA document is a JSON object, not an array"):
        CONVERTER.structure([], MyAssignedOnlineMeeting)


def test_strict_makes_a_loss_an_error() -> None:
    sub_ms = Timestamp.from_datetime(datetime(2027, 1, 1, 0, 0, 0, 123456, tzinfo=UTC))
    body = MyOnlineMeetingPut(expiration_time=sub_ms.to_datetime())
    assert "expirationTime" in CONVERTER.unstructure(body)
    with pytest.raises(UcwaFormatError, match="digits below the millisecond"):
        typed.make_converter(strict=True).unstructure(body)


def test_typed_structure_reads_a_dict_as_json() -> None:
    data = json.loads(MEETING_JSON.read_bytes())
    meeting = typed.structure(data, MyAssignedOnlineMeeting)
    assert meeting == typed.from_json(MEETING_JSON.read_bytes(), MyAssignedOnlineMeeting)
    assert typed.structure({"subject": "s"}, MyOnlineMeetingPut) == MyOnlineMeetingPut(subject="s")
    with pytest.raises(UcwaFormatError, match=r"expected a string, not the integer 3 \(at \$\.subject\)"):
        typed.structure({"subject": 3}, MyOnlineMeetingPut)
