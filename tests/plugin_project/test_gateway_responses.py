"""A gateway's tests, as a project using ucwaformat would write them (all pass).

The gateway fetches XML from Skype for Business and serves JSON to its clients under its own
URLs. ``data/meeting-response.xml`` is a response captured from the server, ``data/meeting.json``
the JSON the clients are promised.
"""

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings

import ucwaformat
from ucwaformat.testing import (
    IGNORE_ETAGS,
    IGNORE_HREFS,
    assert_equivalent,
    canonical_json,
    diff,
    input_,
    resource,
)
from ucwaformat.testing import strategies as ucwa_st


def serve(upstream_xml: bytes) -> bytes:
    """The gateway under test: the server's XML as the JSON its clients get."""
    return ucwaformat.xml_to_json(upstream_xml)


def test_captured_response_matches_the_fixture(ucwa_load):
    captured = ucwa_load("data/meeting-response.xml")
    expected = ucwa_load("data/meeting.json")
    assert_equivalent(captured, expected, ignore=IGNORE_HREFS, tolerance=timedelta(seconds=1))


def test_served_json_means_what_the_server_sent(ucwa_load):
    upstream = ucwaformat.to_xml(ucwa_load("data/meeting-response.xml"))
    assert_equivalent(serve(upstream), upstream)
    assert canonical_json(serve(upstream)) == canonical_json(upstream)


def test_differences_as_data(ucwa_load):
    captured = ucwa_load("data/meeting-response.xml")
    expected = ucwa_load("data/meeting.json")
    paths = [d.path for d in diff(captured, expected, ignore=IGNORE_HREFS + IGNORE_ETAGS)]
    assert paths == ["$.expirationTime"]  # 48 ms apart: the fixture was rounded


def test_loaded_documents_compare_with_built_ones(ucwa_load):
    meeting = ucwa_load("data/meeting-response.xml")
    assert meeting.get("conferenceId") == "12983487"  # a string: the schema says so
    [(role, extension)] = meeting.iter_embedded()
    assert role == "onlineMeetingExtension"
    assert extension == resource(
        "onlineMeetingExtension", href=extension.href, id="917823", type="RoamedParticipantData"
    )
    body = input_(subject="Sales review", expirationTime=datetime(2016, 9, 27, tzinfo=UTC))
    assert ucwaformat.from_json(ucwaformat.to_json(body)) == body


@settings(max_examples=25, deadline=None)
@given(ucwa_st.resources("myAssignedOnlineMeeting"))
def test_gateway_keeps_every_meeting(meeting):
    assert_equivalent(serve(ucwaformat.to_xml(meeting)), meeting)
