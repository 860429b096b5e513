"""Test tooling for code that produces or consumes UCWA documents.

Compare documents by what they mean, whatever their forms::

    from datetime import timedelta
    from ucwaformat.testing import IGNORE_HREFS, assert_equivalent

    assert_equivalent(captured_xml, expected_json, ignore=IGNORE_HREFS,
                      tolerance=timedelta(seconds=1))

- :func:`assert_equivalent` and :func:`diff` compare two documents in any forms (XML or JSON
  bytes/str, a parsed document, a path) after translation; ``ucwaformat diff`` runs the same code.
  :class:`Comparison` bundles options; :data:`DOC_EXAMPLE` is the preset for Microsoft's reference
  examples (FORMAT.md §15).
- :func:`canonical_json` and :func:`canonical_xml` give stable bytes for snapshot tests.
- :func:`resource`, :func:`link`, :func:`input_` (:func:`request`), :func:`event`, :func:`sender`
  and :func:`event_page` build documents in a few lines.
- :func:`load_document` reads a file in either form; the pytest plugin
  (:mod:`ucwaformat.testing.plugin`) offers it as the ``ucwa_load`` fixture and explains failed
  ``==`` comparisons of documents.
- :mod:`ucwaformat.testing.strategies` has Hypothesis strategies (Hypothesis is needed only there;
  importing this module does not import it).
"""

from __future__ import annotations

import enum
import json
import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Final, TypeAlias, TypeVar, cast

import attrs
from lxml import etree

from .._api import to_xml
from .._dates import Timestamp
from .._diff import (
    MISSING,
    VALUE_TYPES,
    Difference,
    DifferenceKind,
    read_document,
    shape_of,
    utc_dates,
)
from .._diff import diff as _diff
from .._model import (
    Document,
    Dto,
    Event,
    Events,
    Input,
    Link,
    LinkEntry,
    Resource,
    ResourceEntry,
    Scalar,
    Sender,
    Value,
)
from .._schema import Schema
from ._hypothesis import register as register_type_strategies

__all__ = [
    "DOC_EXAMPLE",
    "IGNORE_ETAGS",
    "IGNORE_HREFS",
    "IGNORE_TIMESTAMPS",
    "MISSING",
    "VALUE_TYPES",
    "Comparison",
    "Difference",
    "DifferenceKind",
    "DocumentSource",
    "LinkInput",
    "PropertyInput",
    "Tolerance",
    "assert_equivalent",
    "canonical_json",
    "canonical_xml",
    "diff",
    "event",
    "event_page",
    "explain_equality",
    "format_differences",
    "input_",
    "link",
    "load_document",
    "normalize_doc_text",
    "register_type_strategies",
    "request",
    "resource",
    "sender",
]

#: What the comparison functions accept: XML or JSON text (bytes or str; the form is detected
#: from the first non-blank character), a document already read, or a path to a file.
DocumentSource: TypeAlias = "bytes | str | Document | os.PathLike[str]"

#: A timestamp tolerance: a :class:`~datetime.timedelta` or a number of milliseconds.
Tolerance: TypeAlias = "timedelta | int"

# -- comparing ------------------------------------------------------------------------------------

#: Every ``href``: self links, links, senders and event links.
IGNORE_HREFS: Final = ("$..href",)
#: Every ``etag`` property (it changes with every write of a resource).
IGNORE_ETAGS: Final = ("$..etag",)
#: Every timestamp, whatever its property is called (a value of type ``date`` on either side).
IGNORE_TIMESTAMPS: Final = ("*::date",)

_COLON: Final = re.compile(r"\s*:\s*")
_SPACE: Final = re.compile(r"\s+")


def normalize_doc_text(text: str) -> str:
    """Text as FORMAT.md §15 says to compare the reference examples' twins: spaces around
    colons dropped (Q2: ``sip : x`` is ``sip:x``), then all whitespace (Q3: ``Skype for
    Business`` is ``SkypeforBusiness``)."""
    return _SPACE.sub("", _COLON.sub(":", text))


def _tolerance_ms(tolerance: Tolerance | None) -> int | None:
    if tolerance is None:
        return None
    if isinstance(tolerance, timedelta):
        if tolerance < timedelta(0):
            raise ValueError(f"tolerance must not be negative, not {tolerance}")
        # Whole milliseconds, rounded down: the precision of the JSON form.
        return tolerance // timedelta(milliseconds=1)
    if isinstance(tolerance, bool) or not isinstance(tolerance, int):
        raise TypeError(
            f"tolerance must be a timedelta or milliseconds (int), not {type(tolerance).__name__!r}"
        )
    if tolerance < 0:
        raise ValueError(f"tolerance must not be negative, not {tolerance}")
    return tolerance


def _ignore_tuple(ignore: Iterable[str]) -> tuple[str, ...]:
    if isinstance(ignore, str):
        raise TypeError("ignore must be an iterable of patterns, not a single 'str'")
    return tuple(ignore)


@attrs.frozen
class Comparison:
    """How two documents are compared: a set of options to pass around or keep as a preset.

    - ``ignore``: path patterns to skip, each with everything under it (``$..href``,
      ``$._links.*``, ``$.items[*].id``; ``*`` any run of characters, ``?`` one, ``..`` any
      depth; a ``::TYPE`` suffix restricts a pattern to values of one type: ``*::date``). See
      :data:`IGNORE_HREFS`, :data:`IGNORE_ETAGS`, :data:`IGNORE_TIMESTAMPS`.
    - ``tolerance``: how far apart two timestamps may be (a ``timedelta`` or milliseconds;
      compared to the millisecond). ``None`` means exactly.
    - ``values``: ``False`` compares structure and types only: member names, the length of
      link and resource arrays, the JSON type of every value (a timestamp is a type of its
      own), the item types of property arrays. Timestamps are still compared when a
      ``tolerance`` is given.
    - ``normalize``: a function both strings go through before they are compared.
    - ``input_links``: ``False`` skips the ``_links`` of request bodies.

    ``Comparison(...).assert_equivalent(a, b)`` and ``.diff(a, b)`` use it;
    ``attrs.evolve(preset, values=True)`` derives another.
    """

    ignore: tuple[str, ...] = attrs.field(default=(), converter=_ignore_tuple)
    tolerance: timedelta | int | None = None
    values: bool = True
    normalize: Callable[[str], str] | None = None
    input_links: bool = True

    def __attrs_post_init__(self) -> None:
        _tolerance_ms(self.tolerance)  # checks it

    def diff(
        self,
        a: DocumentSource,
        b: DocumentSource,
        /,
        *,
        rel: str | None = None,
        schema: Schema | None = None,
    ) -> list[Difference]:
        """The differences between ``a`` and ``b`` under these options (see :func:`diff`)."""
        return _diff(
            _read(a, rel, schema, "a"),
            _read(b, rel, schema, "b"),
            ignore=self.ignore,
            tolerance_ms=_tolerance_ms(self.tolerance),
            values=self.values,
            normalize=self.normalize,
            input_links=self.input_links,
        )

    def assert_equivalent(
        self,
        a: DocumentSource,
        b: DocumentSource,
        /,
        *,
        rel: str | None = None,
        schema: Schema | None = None,
    ) -> None:
        """Raise :class:`AssertionError` listing every difference (see :func:`assert_equivalent`)."""
        __tracebackhide__ = True  # pytest: show the caller's line, not this one
        differences = self.diff(a, b, rel=rel, schema=schema)
        if differences:
            raise AssertionError(format_differences(differences))


#: The preset for Microsoft's reference examples (FORMAT.md §15), whose JSON and XML twins differ
#: at random in their values (Q10): structure and types only (``values=False``), timestamps
#: within 1 s (Q10), the XML twins' missing request ``_links`` (Q7) and ``search2``'s self
#: ``revision`` (Q7) skipped. ``normalize`` holds the Q2/Q3 text normalisation for comparisons
#: that switch values back on (``attrs.evolve(DOC_EXAMPLE, values=True)``) for twins that agree.
#: Request bodies are compared with ``rel=`` set to the resource they are sent to (§9).
DOC_EXAMPLE: Final = Comparison(
    ignore=("$.._links.self.revision",),
    tolerance=timedelta(seconds=1),
    values=False,
    normalize=normalize_doc_text,
    input_links=False,
)


def _merge(
    preset: Comparison | None,
    ignore: Iterable[str],
    tolerance: Tolerance | None,
    values: bool,
    normalize: Callable[[str], str] | None,
    input_links: bool,
) -> Comparison:
    """The keyword options on top of a preset; each one only relaxes the comparison."""
    ignore = _ignore_tuple(ignore)
    if preset is None:
        return Comparison(ignore, tolerance, values, normalize, input_links)
    if not isinstance(preset, Comparison):
        raise TypeError(f"preset must be a Comparison, not {type(preset).__name__!r}")
    merged_tolerance = preset.tolerance
    if tolerance is not None:
        mine, theirs = _tolerance_ms(tolerance), _tolerance_ms(preset.tolerance)
        if theirs is None or (mine is not None and mine > theirs):
            merged_tolerance = tolerance
    return Comparison(
        preset.ignore + ignore,
        merged_tolerance,
        preset.values and values,
        normalize if normalize is not None else preset.normalize,
        preset.input_links and input_links,
    )


def _read(doc: DocumentSource, rel: str | None, schema: Schema | None, which: str) -> Document:
    if isinstance(doc, os.PathLike):
        return load_document(doc, rel=rel, schema=schema)
    try:
        return read_document(doc, rel=rel, schema=schema, which=which)
    except ValueError as exc:
        exc.add_note(f"(while reading {which})")
        raise


def diff(
    a: DocumentSource,
    b: DocumentSource,
    /,
    *,
    preset: Comparison | None = None,
    ignore: Iterable[str] = (),
    tolerance: Tolerance | None = None,
    values: bool = True,
    normalize: Callable[[str], str] | None = None,
    input_links: bool = True,
    rel: str | None = None,
    schema: Schema | None = None,
) -> list[Difference]:
    """The differences between two documents in any forms, as data; empty when they mean the same.

    ``a`` and ``b`` are XML or JSON text (bytes or str), documents already read, or paths
    (``os.PathLike``) of files. Both are translated to the JSON shape and compared member by
    member: property order, XML dialect, whitespace and escaping do not count, and timestamps
    compare as instants to the millisecond. Each :class:`Difference` has a ``path``
    (``$._embedded.participant[1].name``), the ``left`` and ``right`` values (JSON values, or
    :data:`MISSING`) and a ``kind``: ``missing`` (only in ``b``), ``extra`` (only in ``a``),
    ``type``, ``value`` or ``shape`` (an array against an object, arrays of different lengths);
    ``str()`` renders it ``$.path: left != right``.

    The options are those of :class:`Comparison`; with a ``preset`` they add to it, each one
    relaxing it further (patterns are added, the larger tolerance wins, ``values=False`` and
    ``input_links=False`` win, ``normalize`` replaces). ``rel`` and ``schema`` are passed to
    the readers: ``rel`` names the root's type when XML lacks it, or for a request body the
    resource it is sent to (which types its members). The ``ucwaformat diff`` command runs the
    same code.
    """
    comparison = _merge(preset, ignore, tolerance, values, normalize, input_links)
    return comparison.diff(a, b, rel=rel, schema=schema)


def format_differences(differences: Sequence[Difference]) -> str:
    """The message :func:`assert_equivalent` raises: a count, then one line per difference."""
    count = len(differences)
    noun = "difference" if count == 1 else "differences"
    lines = [f"the documents are not equivalent: {count} {noun} (left = a, right = b)"]
    lines.extend(str(d) for d in differences)
    return "\n".join(lines)


def assert_equivalent(
    a: DocumentSource,
    b: DocumentSource,
    /,
    *,
    preset: Comparison | None = None,
    ignore: Iterable[str] = (),
    tolerance: Tolerance | None = None,
    values: bool = True,
    normalize: Callable[[str], str] | None = None,
    input_links: bool = True,
    rel: str | None = None,
    schema: Schema | None = None,
) -> None:
    """Pass when ``a`` and ``b`` mean the same thing after translation; otherwise raise
    :class:`AssertionError` listing every difference, one ``$.path: left != right`` per line.

    Arguments as for :func:`diff`, e.g. ``ignore=IGNORE_HREFS + IGNORE_ETAGS``,
    ``tolerance=timedelta(seconds=1)``, ``preset=DOC_EXAMPLE``. A text that is not a UCWA
    document raises :class:`~ucwaformat.UcwaFormatError`, not an assertion error.
    """
    __tracebackhide__ = True  # pytest: show the caller's line, not this one
    differences = diff(
        a,
        b,
        preset=preset,
        ignore=ignore,
        tolerance=tolerance,
        values=values,
        normalize=normalize,
        input_links=input_links,
        rel=rel,
        schema=schema,
    )
    if differences:
        raise AssertionError(format_differences(differences))


# -- loading and canonical forms ------------------------------------------------------------------

_T = TypeVar("_T")


def load_document(
    path: str | os.PathLike[str],
    /,
    *,
    rel: str | None = None,
    schema: Schema | None = None,
) -> Document:
    """The document in the file at ``path``, XML or JSON (told apart by the content, not the
    name). ``rel`` and ``schema`` are passed to the reader. A bad document raises
    :class:`~ucwaformat.UcwaFormatError` with a note naming the file."""
    data = Path(path).read_bytes()
    try:
        return read_document(data, rel=rel, schema=schema, which=os.fspath(path))
    except ValueError as exc:
        exc.add_note(f"(while reading {os.fspath(path)})")
        raise


def canonical_json(
    doc: DocumentSource, /, *, rel: str | None = None, schema: Schema | None = None
) -> bytes:
    """Stable JSON bytes for snapshot tests: keys sorted, two-space indents, UTF-8, a final newline,
    every timestamp as ``/Date(ms)/`` in UTC (no offset, no escaped solidus).

    Two documents :func:`diff` finds no difference between (with no options) have the same
    canonical JSON. ``doc`` is any form :func:`diff` accepts.
    """
    shape = shape_of(_read(doc, rel, schema, "doc"))
    text = json.dumps(shape, ensure_ascii=False, indent=2, sort_keys=True)
    return (text + "\n").encode("utf-8")


def _sorted_resource(res: Resource) -> Resource:
    return attrs.evolve(
        res,
        properties=_sorted_pairs(res.properties),
        links=_sorted_pairs(res.links),
        embedded=_sorted_embedded(res.embedded),
        type_position=None,
    )


def _sorted_pairs(pairs: tuple[tuple[str, _T], ...]) -> tuple[tuple[str, _T], ...]:
    return tuple(sorted(pairs, key=lambda pair: pair[0]))


def _sorted_embedded(
    embedded: tuple[tuple[str, ResourceEntry], ...],
) -> tuple[tuple[str, ResourceEntry], ...]:
    out: list[tuple[str, ResourceEntry]] = []
    for role, entry in sorted(embedded, key=lambda pair: pair[0]):
        if isinstance(entry, tuple):
            out.append((role, tuple(_sorted_resource(r) for r in entry)))
        else:
            out.append((role, _sorted_resource(entry)))
    return tuple(out)


def _sorted_event(ev: Event) -> Event:
    if ev.embedded is None:
        return ev
    return attrs.evolve(ev, embedded=(ev.embedded[0], _sorted_resource(ev.embedded[1])))


def canonical_xml(
    doc: DocumentSource, /, *, rel: str | None = None, schema: Schema | None = None
) -> bytes:
    """Stable XML bytes for snapshot tests: the server dialect, indented, in canonical form
    (C14N: attributes sorted, no XML declaration), with a final newline.

    Properties, links and embedded roles are sorted by name (the order of items within a
    collection or a property list is kept), timestamps are written in UTC with all 7 fraction
    digits. Documents that mean the same have the same canonical XML, except where XML cannot
    tell them apart anyway (a value's type, a one-item collection). ``doc`` is any form
    :func:`diff` accepts.
    """
    document = utc_dates(_read(doc, rel, schema, "doc"))
    if isinstance(document, Resource):
        document = _sorted_resource(document)
    elif isinstance(document, Input):
        document = Input(
            _sorted_pairs(document.properties),
            _sorted_pairs(document.links),
            _sorted_embedded(document.embedded),
        )
    elif isinstance(document, Events):
        document = attrs.evolve(
            document,
            links=_sorted_pairs(document.links),
            senders=tuple(
                attrs.evolve(s, events=tuple(_sorted_event(e) for e in s.events))
                for s in document.senders
            ),
        )
    xml = to_xml(document, pretty=True)
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    root = etree.fromstring(xml, parser)
    return etree.tostring(root, method="c14n") + b"\n"


# -- builders -------------------------------------------------------------------------------------

#: A property value a builder accepts: a model value, a :class:`~datetime.datetime` (aware), an
#: :class:`~enum.Enum` member (its value), or a list/tuple of those (a property list).
PropertyInput: TypeAlias = (
    "str | int | bool | Timestamp | datetime | enum.Enum | Sequence[ScalarInput] | None"
)
ScalarInput: TypeAlias = "str | int | bool | Timestamp | datetime | enum.Enum | None"
#: A link a builder accepts: an href, a :class:`~ucwaformat.Link`, or a list of them (a
#: collection: a JSON array).
LinkInput: TypeAlias = "str | Link | Sequence[str | Link]"


def _scalar(name: str, value: object) -> Scalar:
    if isinstance(value, enum.Enum):
        value = value.value
    if value is None or isinstance(value, str | int | Timestamp):
        return value
    if isinstance(value, datetime):
        if value.utcoffset() is None:
            raise ValueError(
                f"property {name!r}: the datetime {value.isoformat()} is naive; give it a "
                "timezone (datetime.UTC for Z)"
            )
        return Timestamp.from_datetime(value)
    if isinstance(value, float):
        raise TypeError(f"property {name!r}: a float has no UCWA form; use an int or a str")
    raise TypeError(f"property {name!r}: {type(value).__name__!r} is not a UCWA property value")


def _value(name: str, value: object) -> Value:
    if isinstance(value, list | tuple):
        return tuple(_scalar(name, item) for item in value)
    return _scalar(name, value)


def _properties(
    positional: Mapping[str, object] | None, keywords: Mapping[str, object]
) -> tuple[tuple[str, Value], ...]:
    merged = dict(positional or {})
    for name, value in keywords.items():
        if name in merged:
            raise TypeError(f"property {name!r} given twice")
        merged[name] = value
    return tuple((name, _value(name, value)) for name, value in merged.items())


def _attributes(what: str, attributes: Mapping[str, object] | None) -> tuple[tuple[str, str], ...]:
    out = []
    for key, value in (attributes or {}).items():
        if not isinstance(value, str):
            raise TypeError(f"{what} attribute {key!r} must be a str, not {type(value).__name__!r}")
        out.append((key, value))
    return tuple(out)


def link(rel: str, href: str, /, **attributes: str) -> Link:
    """A :class:`~ucwaformat.Link`; ``attributes`` are its other members in order (``title``,
    ``revision``, …): ``link("contact", "/people/1", title="Jane")``."""
    return Link(rel, href, _attributes("link", attributes))


def _one_link(rel: str, item: str | Link) -> Link:
    if isinstance(item, Link):
        if item.rel != rel:
            raise ValueError(f"link {item!r} is under rel {rel!r}")
        return item
    if isinstance(item, str):
        return Link(rel, item)
    raise TypeError(f"link {rel!r}: expected an href or a Link, not {type(item).__name__!r}")


def _links(
    links: Mapping[str, LinkInput] | None,
) -> tuple[Link | None, tuple[tuple[str, LinkEntry], ...]]:
    """(the self link if given, the other links)."""
    self_link = None
    out: list[tuple[str, LinkEntry]] = []
    for rel, entry in (links or {}).items():
        if isinstance(entry, str | Link):
            one = _one_link(rel, entry)
            if rel == "self":
                self_link = one
            else:
                out.append((rel, one))
        elif rel == "self":
            raise TypeError("the self link is one link, not a list")
        elif isinstance(entry, list | tuple):
            out.append((rel, tuple(_one_link(rel, item) for item in entry)))
        else:
            raise TypeError(
                f"link {rel!r}: expected an href, a Link or a list, not {type(entry).__name__!r}"
            )
    return self_link, tuple(out)


def _embedded(
    embedded: Mapping[str, Resource | Sequence[Resource]] | None,
) -> tuple[tuple[str, ResourceEntry], ...]:
    out: list[tuple[str, ResourceEntry]] = []
    for role, entry in (embedded or {}).items():
        if not isinstance(entry, Resource | list | tuple):
            raise TypeError(
                f"embedded {role!r}: expected a Resource or a list, not {type(entry).__name__!r}"
            )
        items = (entry,) if isinstance(entry, Resource) else tuple(entry)
        for item in items:
            if not isinstance(item, Resource):
                raise TypeError(
                    f"embedded {role!r}: expected a Resource, not {type(item).__name__!r}"
                )
        out.append((role, entry if isinstance(entry, Resource) else items))
    return tuple(out)


def resource(
    rtype: str | None = None,
    properties: Mapping[str, PropertyInput] | None = None,
    /,
    *,
    href: str | None = None,
    links: Mapping[str, LinkInput] | None = None,
    embedded: Mapping[str, Resource | Sequence[Resource]] | None = None,
    self_attributes: Mapping[str, str] | None = None,
    **props: PropertyInput,
) -> Resource:
    """A :class:`~ucwaformat.Resource` in one call::

        resource(
            "myOnlineMeeting",
            href="/ucwa/v1/applications/1/onlineMeetings/myOnlineMeetings/M1",
            subject="Sales review",
            participantCount=3,
            expirationTime=datetime(2016, 9, 27, tzinfo=UTC),
            attendees=["sip:jane@contoso.com"],
            links={"onlineMeetingExtensions": "/m/1/ext", "contact": ["/p/1", "/p/2"]},
            embedded={"participant": [resource("participant", href="/p/1", name="Jane")]},
        )

    Keyword arguments are properties in order (a ``datetime`` becomes a
    :class:`~ucwaformat.Timestamp`, an enum member its value, a list or tuple a property list);
    names that are not identifiers, or are one of this function's own keywords, go in the
    ``properties`` mapping. ``links`` maps each rel to an href, a :func:`link`, or a list of them
    (a collection: a JSON array even of one); ``"self"`` there is the same as ``href`` (with its
    attributes as ``self_attributes``). ``embedded`` maps each role to a resource, or a list (a
    collection).
    """
    self_link, link_entries = _links(links)
    attributes = _attributes("self", self_attributes)
    if self_link is not None:
        if href is not None:
            raise TypeError("give the self link as href= or as links['self'], not both")
        href = self_link.href
        attributes = self_link.attributes + attributes
    return Resource(
        rtype,
        href,
        _properties(properties, props),
        link_entries,
        _embedded(embedded),
        attributes,
    )


def input_(
    properties: Mapping[str, PropertyInput] | None = None,
    /,
    *,
    links: Mapping[str, LinkInput] | None = None,
    embedded: Mapping[str, Resource | Sequence[Resource]] | None = None,
    **props: PropertyInput,
) -> Input:
    """A request body (:class:`~ucwaformat.Input`), with properties, links and embedded
    resources given as for :func:`resource`: ``input_(subject="Sales review",
    links={"message": "data:text/plain,Hello"})``. A request body has no self link."""
    self_link, link_entries = _links(links)
    if self_link is not None:
        raise TypeError("a request body has no self link")
    return Input(_properties(properties, props), link_entries, _embedded(embedded))


#: Another name for :func:`input_`.
request = input_


def event(
    type: str,
    rel: str,
    href: str,
    /,
    *,
    embedded: Resource | None = None,
    role: str | None = None,
    in_: Link | None = None,
    status: str | None = None,
    reason: Dto | None = None,
    link_attributes: Mapping[str, str] | None = None,
    extra: Mapping[str, str | int | bool | Mapping[str, str]] | None = None,
) -> Event:
    """One event: ``event("updated", "myOnlineMeeting", "/m/1", embedded=resource(...))``.

    ``type`` is ``added``, ``updated``, ``deleted``, ``started`` or ``completed``; ``rel`` and
    ``href`` are its link (``link_attributes`` the link's other members). ``embedded`` is the
    resource the event carries, under ``role`` (by default ``rel``). ``in_`` (a :func:`link`),
    ``status``, ``reason`` and ``extra`` are the optional members of FORMAT.md §10.
    """
    extras: list[tuple[str, str | int | bool | tuple[tuple[str, str], ...]]] = []
    for key, value in (extra or {}).items():
        if isinstance(value, Mapping):
            extras.append((key, _attributes("event member", value)))
        else:
            extras.append((key, value))
    return Event(
        type,
        Link(rel, href, _attributes("link", link_attributes)),
        None if embedded is None else (role or rel, embedded),
        in_,
        status,
        reason,
        tuple(extras),
    )


def sender(rel: str, href: str, /, *events: Event, **attributes: str) -> Sender:
    """A sender of events on a page: ``sender("communication", "/c", event(...), event(...))``;
    ``attributes`` are its other members (strings)."""
    return Sender(rel, href, events, _attributes("sender", attributes))


def event_page(
    *senders: Sender,
    href: str | None = None,
    links: Mapping[str, LinkInput] | None = None,
    self_attributes: Mapping[str, str] | None = None,
) -> Events:
    """An event-channel page (:class:`~ucwaformat.Events`)::

        event_page(
            sender("communication", "/c", event("added", "conversation", "/c/1")),
            href="/events?ack=1",
            links={"next": "/events?ack=2"},
        )

    ``links`` holds ``next``/``resume``/``resync`` as for :func:`resource`. A page without
    senders is written to JSON with an empty ``"sender"`` array, so that it reads back as a page.
    """
    self_link, link_entries = _links(links)
    attributes = _attributes("self", self_attributes)
    if self_link is not None:
        if href is not None:
            raise TypeError("give the self link as href= or as links['self'], not both")
        href, attributes = self_link.href, self_link.attributes + attributes
    return Events(href, link_entries, senders, attributes, sender_member=not senders)


# -- explaining == (the pytest plugin) ------------------------------------------------------------

_DOCUMENT_TYPES: Final = (Resource, Input, Events, Dto)
_MAX_FORM_LINES: Final = 20


def _clip(text: str | None, width: int = 32) -> str:
    if text is None or len(text) <= width:
        return repr(text)
    return repr("…" + text[1 - width :])


def _short(value: object) -> str:
    if isinstance(value, Resource):
        return f"Resource({value.type!r}, href={_clip(value.href)})"
    if isinstance(value, Events):
        return f"Events(href={_clip(value.href)}, {len(value.senders)} senders)"
    if isinstance(value, Input | Dto):
        return type(value).__name__ + "(…)"
    text = repr(value)
    return text if len(text) <= 60 else text[:59] + "…"


def _form_differences(left: object, right: object, path: str, out: list[str]) -> None:
    """Where two model values that are not equal differ, in model terms (fields, indexes)."""
    if len(out) >= _MAX_FORM_LINES or left == right:
        return
    cls = type(left)
    if cls is type(right) and attrs.has(cls):
        for field in attrs.fields(cls):
            if field.eq:
                _form_differences(
                    getattr(left, field.name),
                    getattr(right, field.name),
                    f"{path}.{field.name}",
                    out,
                )
        return
    if isinstance(left, tuple) and isinstance(right, tuple) and len(left) == len(right):
        for i, (a, b) in enumerate(zip(left, right, strict=True)):
            if (
                isinstance(a, tuple)
                and isinstance(b, tuple)
                and len(a) == len(b) == 2
                and isinstance(a[0], str)
                and a[0] == b[0]
            ):
                # A (name, value) pair of properties, links or embedded: name the member.
                _form_differences(a[1], b[1], f"{path}[{a[0]!r}]", out)
            else:
                _form_differences(a, b, f"{path}[{i}]", out)
        return
    out.append(f"{path}: {left!r} != {right!r}")


def explain_equality(left: object, right: object, *, full: bool = False) -> list[str] | None:
    """Lines that explain why ``left == right`` failed when a side is a UCWA document (what the
    pytest plugin shows): the semantic differences as ``$.path: left != right``, or, when the two
    mean the same, where their forms differ. ``None`` when neither side is a document. Long
    values are clipped unless ``full``."""
    width = None if full else 80
    lhs_doc, rhs_doc = isinstance(left, _DOCUMENT_TYPES), isinstance(right, _DOCUMENT_TYPES)
    if not (lhs_doc or rhs_doc):
        return None
    head = f"{_short(left)} == {_short(right)}"
    if not (lhs_doc and rhs_doc):
        other = right if lhs_doc else left
        lines = [
            head,
            f"a UCWA document never equals a {type(other).__name__!r}; to compare with text, "
            "use ucwaformat.testing.assert_equivalent",
        ]
        if isinstance(other, bytes | str):
            try:
                differences = diff(cast(DocumentSource, left), cast(DocumentSource, right))
            except ValueError as exc:
                lines.append(f"(the text is not a UCWA document: {exc})")
                return lines
            count = len(differences)
            lines.append(
                f"as documents: {count} semantic difference{'s' * (count != 1)}"
                if differences
                else "as documents they mean the same thing"
            )
            lines.extend(d.render(width) for d in differences)
        return lines
    assert isinstance(left, _DOCUMENT_TYPES) and isinstance(right, _DOCUMENT_TYPES)
    try:
        differences = diff(left, right)
    except Exception as exc:  # never hide the assertion behind an error of the explanation
        return [head, f"(ucwaformat could not compare them: {exc})"]
    if differences:
        count = len(differences)
        lines = [
            head,
            f"ucwaformat: {count} semantic difference{'s' * (count != 1)} (left != right):",
        ]
        lines.extend(d.render(width) for d in differences)
        return lines
    lines = [
        head,
        "ucwaformat: no semantic difference (they translate to the same JSON); "
        "they differ in form (property order, timestamp offsets or sub-millisecond digits, "
        "the type position, an XML-only detail):",
    ]
    form: list[str] = []
    _form_differences(left, right, type(left).__name__, form)
    lines.extend(form)
    return lines
