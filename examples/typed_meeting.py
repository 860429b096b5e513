"""Typed editing of a meeting: read it as a class, change it, send the PUT body back.

    python examples/typed_meeting.py

``ucwaformat.types`` has a class per UCWA resource type and request body, generated from the
bundled schema; ``ucwaformat.typed`` converts between them and the wire forms. What a class
does not know (such as the property a PUT must echo) and how the document was written travel
along, so an unchanged value goes back exactly as it came.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import attrs

from ucwaformat import typed
from ucwaformat.types import AccessLevel, MyAssignedOnlineMeeting, MyOnlineMeetingPut

EXAMPLE = Path(__file__).parent / "myAssignedOnlineMeeting.xml"


def main() -> None:
    meeting = typed.from_xml(EXAMPLE.read_bytes(), MyAssignedOnlineMeeting)
    print(f"read: {meeting.subject!r}, {meeting.access_level!r}, ends {meeting.expiration_time}")
    print(f"  links: {[link.rel for link in meeting.links][:3]} …")

    # The body of the PUT: the meeting's values of the PUT's parameters, and the properties the
    # class does not know (extra), which the server wants echoed.
    assert meeting.expiration_time is not None
    body = attrs.evolve(
        MyOnlineMeetingPut.from_resource(meeting),
        subject="Quarterly sales numbers (moved)",
        access_level=AccessLevel.EVERYONE,
        expiration_time=meeting.expiration_time + timedelta(days=1),
    )
    print("PUT body:")
    print(typed.to_json(body, pretty=True).decode())

    # A cattrs converter for plain JSON-shaped data (here a dict, as a web framework wants).
    converter = typed.make_converter()
    data = converter.unstructure(body)  # what orjson.loads(typed.to_json(body)) gives
    back = converter.structure(data, MyOnlineMeetingPut)
    # JSON dates hold milliseconds: the microseconds of the new time are gone (a sub-ms loss).
    assert back.expiration_time == body.expiration_time.replace(microsecond=48000)
    assert typed.to_json(back) == typed.to_json(body)
    print(f"as data: subject={data['subject']!r} expirationTime={data['expirationTime']!r}")


if __name__ == "__main__":
    main()
