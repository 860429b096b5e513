"""The callers of the core keep its behaviour when they take its shortcuts (the paused garbage
collector, the fast path for string fields)."""

from __future__ import annotations

import gc
from pathlib import Path

import attrs
import pytest

import ucwaformat
from ucwaformat import typed, types

EXAMPLES = Path(__file__).parent.parent / "examples"
MEETING_XML = (EXAMPLES / "myAssignedOnlineMeeting.xml").read_bytes()


def _padded(xml: bytes, size: int) -> bytes:
    """The meeting with a long string property: large enough for the collector to be paused."""
    filler = b'<property name="subject">' + b"x" * size + b"</property>"
    return xml.replace(b'<property name="subject">', filler + b'<property name="x-subject">', 1)


def test_typed_from_xml_on_a_large_document_leaves_the_collector_on() -> None:
    big = _padded(MEETING_XML, ucwaformat._api.GC_PAUSE_BYTES)
    assert len(big) >= ucwaformat._api.GC_PAUSE_BYTES
    meeting = typed.from_xml(big, types.MyAssignedOnlineMeeting)
    assert gc.isenabled()
    assert meeting.subject == "x" * ucwaformat._api.GC_PAUSE_BYTES
    with pytest.raises(ucwaformat.UcwaFormatError):
        typed.from_xml(big[:-20], types.MyAssignedOnlineMeeting)
    assert gc.isenabled()
    assert meeting == typed.structure(ucwaformat.from_xml(big), types.MyAssignedOnlineMeeting)
    again = typed.from_json(ucwaformat.xml_to_json(big), types.MyAssignedOnlineMeeting)
    assert gc.isenabled() and again.subject == meeting.subject


def test_a_repeated_string_property_goes_to_the_field_as_the_last_one() -> None:
    # The fast path for string fields keeps D24: the last of a repeated name is the field's.
    doc = ucwaformat.from_xml(MEETING_XML)
    props = (("subject", "first"), *doc.properties)
    meeting = typed.structure(attrs.evolve(doc, properties=props), types.MyAssignedOnlineMeeting)
    assert meeting.subject == "Quarterly sales numbers"
    assert meeting.extra == (("subject", "first"),)


def test_an_enum_value_the_schema_does_not_list_is_kept() -> None:
    xml = MEETING_XML.replace(b">Locked<", b">SomeoneNew<", 1)
    assert xml != MEETING_XML
    meeting = typed.from_xml(xml, types.MyAssignedOnlineMeeting)
    assert b">SomeoneNew<" in typed.to_xml(meeting)
