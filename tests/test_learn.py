"""Values the schema does not know: reported on their way to XML, and learned from JSON."""

from __future__ import annotations

import json

import pytest
from data_paths import DATA

import ucwaformat
from ucwaformat import Loss, UcwaFormatError

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


def test_the_application_example_comes_back_equal_or_reports_the_change() -> None:
    data = APPLICATION.read_bytes()
    back, report = _round_trip(data)
    changed = _changed(json.loads(data), back)
    assert changed == ["$.expires"]
    assert back["expires"] == "2016-05-12T10:04:18.4210000Z"
    assert ("untyped", "$.expires") in [(loss.kind, loss.path) for loss in report]
    with pytest.raises(UcwaFormatError, match="'expires' as datetime"):
        ucwaformat.json_to_xml(data, strict=True)


@pytest.mark.parametrize(
    "text", ["2016-05-12T10:04:18.4210000Z", "2016-05-12T10:04:18Z", "2016-05-12T12:04:18+02:00"]
)
def test_an_iso_date_under_an_untyped_name_comes_back_equal(text: str) -> None:
    # JSON has no ISO date type: an ISO string under a name the schema does not type as
    # datetime is a string, written to XML as the same text and read back as the same string.
    # Nothing changes, so nothing is reported (a loss is a change, D25).
    data = json.dumps({"rel": "application", "expires": text}).encode()
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
