"""``typed.from_xml`` types a ``<resource>`` root as the reader reads it (its own sink, no model);
``typed.structure(ucwaformat.from_xml(...))`` types the model. Both must give the same object,
field by field and with the same ``wire`` (which equality leaves out), down to every embedded
resource, the same losses in the same order and the same errors with the same positions: for
every XML document of the corpus, generated resources, hostile variants, and byte-mutated copies.
"""

from __future__ import annotations

import random
from typing import Any

import attrs
import pytest
from data_paths import CORPUS
from differential import mutated  # byte-mutated copies of corpus documents
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ucwaformat
from ucwaformat import Loss, Resource, UcwaFormatError, typed
from ucwaformat.testing import strategies as ust
from ucwaformat.types import (
    RESOURCE_CLASSES,
    AccessLevel,
    Conversation,
    MyAssignedOnlineMeeting,
    MyOnlineMeeting,
    TypedResource,
)

XML_FILES = sorted(CORPUS.rglob("*.xml"))
NS = "http://schemas.microsoft.com/rtc/2012/03/ucwa"


def _shape(obj: object) -> Any:
    """Everything a typed object holds, ``wire`` too, recursively: what the paths must agree on."""
    if isinstance(obj, TypedResource):
        return (
            type(obj).__name__,
            tuple((f.name, _shape(getattr(obj, f.name))) for f in attrs.fields(type(obj))),
        )
    if attrs.has(type(obj)):  # Wire, Links, Embedded, the model's classes
        return (
            type(obj).__name__,
            tuple((f.name, _shape(getattr(obj, f.name))) for f in attrs.fields(type(obj))),
        )
    if isinstance(obj, tuple):
        return tuple(_shape(item) for item in obj)
    if isinstance(obj, frozenset):
        return ("frozenset", tuple(sorted(obj)))
    return (type(obj).__name__, obj)


def _outcome(run: Any) -> tuple[str, Any, tuple[str, ...]]:
    report: list[Loss] = []
    try:
        obj = run(report)
    except UcwaFormatError as exc:
        assert type(exc) is UcwaFormatError
        assert exc.line is not None or exc.path is not None, f"no position: {exc}"
        return "error", (exc.msg, exc.line, exc.column, exc.path), tuple(map(str, report))
    return "ok", _shape(obj), tuple(map(str, report))


def assert_agree(data: bytes | str, cls: type[TypedResource], strict: bool = False) -> None:
    sink = _outcome(lambda r: typed.from_xml(data, cls, strict=strict, report=r))
    model = _outcome(
        lambda r: typed.structure(
            ucwaformat.from_xml(data, rel=cls.RESOURCE_TYPE, strict=strict, report=r), cls
        )
    )
    assert sink[0] == model[0], f"sink: {sink[0]} {sink[1]}, model: {model[0]} {model[1]}"
    assert sink[1] == model[1], "the typed sink and the model made different objects or errors"
    assert sink[2] == model[2], "the typed sink and the model reported different losses"


def _class_of(data: bytes) -> type[TypedResource]:
    """The class of the document's type, or one of another type (which it is then read as)."""
    try:
        doc = ucwaformat.from_xml(data)
    except UcwaFormatError:
        return MyOnlineMeeting
    rtype = doc.type if isinstance(doc, Resource) else None
    return RESOURCE_CLASSES.get(rtype or "", MyOnlineMeeting)


@pytest.mark.parametrize("strict", [False, True], ids=["lenient", "strict"])
def test_corpus(strict: bool) -> None:
    assert len(XML_FILES) > 50
    for path in XML_FILES:
        data = path.read_bytes()
        for cls in (_class_of(data), Conversation):
            try:
                assert_agree(data, cls, strict)
            except AssertionError as exc:
                raise AssertionError(
                    f"{path.relative_to(CORPUS)} as {cls.__name__}: {exc}"
                ) from exc


def _doc(body: str, rel: str = "myAssignedOnlineMeeting", href: str = "/m/1") -> str:
    return f'<resource rel="{rel}" href="{href}" xmlns="{NS}" {XSI}>{body}</resource>'


XSI = 'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'
EXTENSION = (
    '<resource rel="onlineMeetingExtension" href="/m/1/x">'
    '<property name="id">1</property><property name="type">RoamedParticipantData</property>'
    "</resource>"
)

HOSTILE = {
    "plain": '<property name="subject">s</property><property name="conferenceId">12</property>',
    "not an integer": '<property name="conferenceId">abc</property>',
    "not a date": '<property name="expirationTime">yesterday</property>',
    "a date without a zone": '<property name="expirationTime">2016-09-26T16:20:23</property>',
    "a list for a string": '<propertyList name="subject"><item>a</item></propertyList>',
    "a string for a list": '<property name="attendees">sip:a</property>',
    "a nil value": '<property name="subject" xsi:nil="true"/><property name="joinUrl">u</property>',
    "a nil item": '<propertyList name="leaders"><item xsi:nil="true"/></propertyList>',
    "repeated names": '<property name="subject">a</property><property name="x">1</property>'
    '<property name="subject">b</property>',
    "unknown properties": '<property name="x">1</property><property name="subject">s</property>'
    '<property name="y">2</property>',
    "an unknown enumeration member": '<property name="accessLevel">Galactic</property>',
    "links": '<link rel="onlineMeetingExtensions" href="/e"/><link rel="x" href="/1"/>'
    '<link rel="x" href="/2" title="t"/>',
    "a self link": '<link rel="self" href="/m/1"/>',
    "embedded": EXTENSION,
    "embedded twice": EXTENSION + EXTENSION,
    "an embedded error": EXTENSION.replace(">1<", ">one<"),
    "an embedded stub": '<resource rel="onlineMeetingExtension" href="/m/1/x"/>',
    "an unknown embedded type holding a known one": '<resource rel="somethingElse" href="/s">'
    '<property name="a">1</property><resource rel="contact" href="/c">'
    '<property name="name">n</property></resource></resource>',
    "docs dialect": '<property name="rel">myAssignedOnlineMeeting</property>'
    '<property name="subject">s</property>'
    '<resource rel="onlineMeetingExtension" href="/m/1/x"><property name="id">1</property>'
    "</resource>",
    "a type mark after properties": '<property name="subject">s</property>'
    '<property name="rel">myOnlineMeeting</property><property name="conferenceId">x</property>',
    "text between elements": 'stray<property name="subject">s</property>tail',
    "an unknown element": '<foo/><property name="subject">s</property>',
}


@pytest.mark.parametrize("strict", [False, True], ids=["lenient", "strict"])
@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile(name: str, strict: bool) -> None:
    body = HOSTILE[name]
    for cls in (MyAssignedOnlineMeeting, MyOnlineMeeting, Conversation):
        assert_agree(_doc(body), cls, strict)
        assert_agree(_doc(body, rel="myOnlineMeeting"), cls, strict)


@pytest.mark.parametrize(
    "data",
    [
        f'<input xmlns="{NS}"><property name="subject">s</property></input>',
        f'<events xmlns="{NS}" href="/e"><link rel="next" href="/n"/></events>',
        f'<reason xmlns="{NS}"><code>BadRequest</code></reason>',
        '<resource rel="myOnlineMeeting" href="/m"><property name="subject">s</property></resource>',
        f'<resource xmlns="{NS}"><property name="subject">s</property></resource>',
        "<not xml",
        "",
    ],
    ids=["input", "events", "reason", "no namespace", "no rel", "not xml", "empty"],
)
def test_other_roots(data: str) -> None:
    """Roots that are not a UCWA ``<resource>`` go through the model: the same errors."""
    assert_agree(data, MyOnlineMeeting)
    assert_agree(data.encode(), MyOnlineMeeting, strict=True)


def test_mutated_corpus() -> None:
    for data in mutated(XML_FILES, 20, 300):
        assert_agree(data, _class_of(data))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(doc=ust.resources(form="xml"), strict=st.booleans(), pick=st.randoms())
def test_generated(doc: Resource, strict: bool, pick: random.Random) -> None:
    data = ucwaformat.to_xml(doc, dialect=pick.choice(["server", "docs"]))
    cls = RESOURCE_CLASSES.get(doc.type or "") or pick.choice(list(RESOURCE_CLASSES.values()))
    assert_agree(data, cls, strict)


def test_an_enumeration_takes_only_a_string() -> None:
    """The quick lookup of a known member does not take a str subclass for its text: nothing is
    coerced (a model built by hand may hold one)."""
    doc = Resource(
        type="myOnlineMeeting", href="/m", properties=(("accessLevel", AccessLevel.LOCKED),)
    )
    with pytest.raises(UcwaFormatError, match="expected a string") as info:
        typed.structure(doc, MyOnlineMeeting)
    assert info.value.path == "$.accessLevel"
    plain = Resource(type="myOnlineMeeting", href="/m", properties=(("accessLevel", "Locked"),))
    assert typed.structure(plain, MyOnlineMeeting).access_level is AccessLevel.LOCKED
