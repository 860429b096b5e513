"""The strategies in users' test suites: hypothesis' default health checks, and ``st.from_type``.

The suite's own profile (``conftest.py``) suppresses ``too_slow`` for its heavy property tests;
here the settings name every health check, as a user's suite that keeps the defaults does.
"""

from __future__ import annotations

import importlib.metadata
import os
import subprocess
import sys
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ucwaformat
from ucwaformat import Event, Events, Input, Link, Resource, Sender, Timestamp, typed
from ucwaformat._xmltext import check_chars
from ucwaformat.testing import diff
from ucwaformat.testing import strategies as ucwa_st
from ucwaformat.types import REQUEST_CLASSES, RESOURCE_CLASSES, MyOnlineMeeting, MyOnlineMeetingPut

#: Hypothesis' defaults: no health check suppressed (the suite's profile suppresses too_slow)
#: and the default deadline, from which too_slow takes its limit (1 s of drawing for the first
#: examples; with deadline=None it would allow 30 s).
DEFAULT_CHECKS = settings(
    max_examples=30, suppress_health_check=(), deadline=timedelta(milliseconds=200), database=None
)


def _round_trips(doc: Any, rel: str | None = None) -> None:
    for dialect in ("server", "docs"):
        back = ucwaformat.from_xml(ucwaformat.to_xml(doc, dialect=dialect), rel=rel)
        assert back == doc and diff(back, doc) == []
    back = ucwaformat.from_json(ucwaformat.to_json(doc), rel=rel)
    assert back == doc and diff(back, doc) == []


def test_the_defaults_are_on() -> None:
    assert DEFAULT_CHECKS.suppress_health_check == ()
    assert HealthCheck.too_slow not in DEFAULT_CHECKS.suppress_health_check


# The bodies stay light: the deadline is for the test, the health check for the drawing.


@DEFAULT_CHECKS
@given(ucwa_st.resources("myOnlineMeeting"))
def test_meetings_pass_the_default_health_checks(doc: Resource) -> None:
    assert doc.type == "myOnlineMeeting"


@DEFAULT_CHECKS
@given(ucwa_st.documents())
def test_documents_pass_the_default_health_checks(doc: ucwaformat.Document) -> None:
    assert isinstance(doc, Resource | Input | Events)


@DEFAULT_CHECKS
@given(ucwa_st.xml_text(max_size=40))
def test_text_is_drawn_from_what_xml_holds(text: str) -> None:
    assert check_chars(text, "$") == text


def test_text_is_not_filtered_after_the_draw() -> None:
    """The alphabet leaves out what XML refuses: no draw is thrown away for a character."""
    shown = repr(ucwa_st.xml_text(max_size=40))
    assert "filter" not in shown, shown


# -- st.from_type -------------------------------------------------------------------------------

MODEL = [Resource, Input, Events, Event, Sender, Link, Timestamp]


@pytest.mark.parametrize("cls", MODEL, ids=[c.__name__ for c in MODEL])
def test_from_type_draws_model_classes(cls: type) -> None:
    @settings(DEFAULT_CHECKS, max_examples=10, deadline=None)
    @given(st.from_type(cls))
    def check(value: Any) -> None:
        assert isinstance(value, cls)
        if isinstance(value, Resource | Events):
            _round_trips(value)

    check()


TYPED = sorted([*RESOURCE_CLASSES.values(), *REQUEST_CLASSES.values()], key=lambda c: c.__name__)


@settings(DEFAULT_CHECKS, deadline=None)  # the body writes and reads 4 times
@given(st.data())
def test_from_type_draws_typed_classes(data: st.DataObject) -> None:
    """Any class of ucwaformat.types: an object of it, which writes and reads back equal."""
    cls = data.draw(st.sampled_from(TYPED))
    obj = data.draw(st.from_type(cls))
    assert type(obj) is cls
    assert typed.from_json(typed.to_json(obj), cls) == obj
    assert typed.from_xml(typed.to_xml(obj), cls) == obj


@settings(max_examples=10, deadline=None)
@given(st.from_type(MyOnlineMeeting), st.from_type(MyOnlineMeetingPut))
def test_from_type_in_given(meeting: MyOnlineMeeting, body: MyOnlineMeetingPut) -> None:
    assert meeting.RESOURCE_TYPE == "myOnlineMeeting"
    converter = typed.make_converter()
    assert converter.structure(converter.unstructure(meeting), MyOnlineMeeting) == meeting
    assert converter.structure(converter.unstructure(body), MyOnlineMeetingPut) == body


def test_the_hypothesis_entry_point_registers_without_importing_the_strategies() -> None:
    """Installed, the package registers its types when Hypothesis is imported; the strategies
    module loads only when a strategy is first resolved."""
    points = importlib.metadata.entry_points(group="hypothesis")
    assert any(p.value == "ucwaformat.testing._hypothesis:register" for p in points), (
        "the hypothesis entry point is not installed: pip install -e ."
    )
    code = (
        "import sys\n"
        "from hypothesis import strategies as st\n"
        "from ucwaformat import Resource\n"
        "from ucwaformat.types import Contact\n"
        "before = 'ucwaformat.testing.strategies' in sys.modules\n"
        "print(before, type(st.from_type(Contact).example()).__name__,\n"
        "      type(st.from_type(Resource).example()).__name__)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert done.stdout.split() == ["False", "Contact", "Resource"]


def test_registering_by_hand_where_entry_points_are_off() -> None:
    code = (
        "from hypothesis import strategies as st\n"
        "from hypothesis.strategies._internal.types import _global_type_lookup\n"
        "from ucwaformat.types import MyOnlineMeetingPut\n"
        # (Not by drawing: Hypothesis's own attrs inference may happen to build one.)
        "if MyOnlineMeetingPut not in _global_type_lookup:\n"
        "    print('unregistered', MyOnlineMeetingPut.__name__)\n"
        "from ucwaformat.testing import register_type_strategies\n"
        "register_type_strategies()\n"
        "print(type(st.from_type(MyOnlineMeetingPut).example()).__name__)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
        env={**os.environ, "HYPOTHESIS_NO_PLUGINS": "1"},
    )
    lines = done.stdout.split("\n")
    assert lines[0].startswith("unregistered ")
    assert lines[1] == "MyOnlineMeetingPut"
