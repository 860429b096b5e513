"""A pytest test using the ucwaformat plugin (active wherever the package is installed).

    python -m pytest examples/test_meeting.py

``ucwa_load`` reads a document file in either form (a relative path is taken from this file's
directory); a failed ``==`` between documents is explained as ``$.path: left != right``.
``assert_equivalent`` compares two documents by what they mean, whatever their forms.
"""

from __future__ import annotations

from datetime import timedelta

import ucwaformat
from ucwaformat.testing import assert_equivalent
from ucwaformat.testing.plugin import DocumentLoader


def test_the_json_translation_means_what_the_xml_says(ucwa_load: DocumentLoader) -> None:
    meeting = ucwa_load("myAssignedOnlineMeeting.xml")  # -> ucwaformat.Resource
    assert meeting.type == "myAssignedOnlineMeeting"
    assert meeting.get("subject") == "Quarterly sales numbers"
    translated = ucwaformat.to_json(meeting)
    # JSON's /Date(ms)/ keeps neither the offset nor the 100 ns ticks of the XML date: compare
    # instants to the millisecond.
    assert_equivalent(meeting, translated, tolerance=timedelta(milliseconds=1))


def test_a_subject_change_is_explained(ucwa_load: DocumentLoader) -> None:
    meeting = ucwa_load("myAssignedOnlineMeeting.xml")
    moved = ucwaformat.from_json(ucwaformat.to_json(meeting).replace(b"Quarterly", b"Yearly"))
    assert moved.get("subject") == "Yearly sales numbers"
    assert moved != meeting  # with `assert moved == meeting` the plugin would print:
    #   $.subject: "Yearly sales numbers" != "Quarterly sales numbers"
