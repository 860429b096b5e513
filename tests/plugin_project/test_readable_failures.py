"""Comparisons that fail on purpose, to show what the ucwaformat plugin prints.

``data/meeting-served.json`` is what a buggy gateway served for ``data/meeting-response.xml``:
the subject renamed, the leaders as a string, the expiry an hour late, the extension gone.
"""

from datetime import timedelta

import ucwaformat
from ucwaformat.testing import IGNORE_HREFS, assert_equivalent, resource


def test_served_meeting_matches_the_capture(ucwa_load):
    captured = ucwa_load("data/meeting-response.xml")
    served = ucwa_load("data/meeting-served.json")
    assert_equivalent(captured, served, ignore=IGNORE_HREFS, tolerance=timedelta(seconds=1))


def test_served_meeting_equals_the_capture(ucwa_load):
    assert ucwa_load("data/meeting-response.xml") == ucwa_load("data/meeting-served.json")


def test_built_contacts_are_equal():
    left = resource("contact", href="/people/1", name="Jane", emailAddresses=["jane@contoso.com"])
    right = resource("contact", href="/people/2", name="Jane", emailAddresses="jane@contoso.com")
    assert left == right


def test_translation_keeps_the_model(ucwa_load):
    captured = ucwa_load("data/meeting-response.xml")
    assert ucwaformat.from_json(ucwaformat.to_json(captured)) == captured
