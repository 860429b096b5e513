"""Hypothesis strategies that generate valid UCWA documents, for property-based tests.

Every strategy draws model documents (:class:`~ucwaformat.Resource`, :class:`~ucwaformat.Input`,
:class:`~ucwaformat.Events`) that translate without error and come back unchanged, so that a
round trip can be asserted exactly::

    from hypothesis import given
    import ucwaformat
    from ucwaformat.testing import strategies as ucwa_st

    @given(ucwa_st.resources("myOnlineMeeting"))
    def test_round_trip(doc):
        assert ucwaformat.from_xml(ucwaformat.to_xml(doc)) == doc
        assert ucwaformat.from_json(ucwaformat.to_json(doc)) == doc

What "unchanged" covers is chosen with ``form``:

- ``"both"`` (the default): documents that both forms carry exactly, so that
  ``from_xml(to_xml(doc, dialect=d), schema=s) == doc`` for either dialect,
  ``from_json(to_json(doc), schema=s) == doc``, and therefore XML → JSON → XML too. Timestamps
  are whole milliseconds in UTC, integers fit in 64 bits, there are no ``null`` values and no
  empty link or resource collections.
- ``"xml"``: what XML carries exactly (``from_xml(to_xml(doc)) == doc``): timestamps to the
  100 ns tick with a display offset, integers of any size, self attributes without a self link.
- ``"json"``: what JSON carries exactly (``from_json(to_json(doc)) == doc``): ``null`` values,
  empty collections, ``/Date(ms±hhmm)/`` offsets, ISO date strings under datetime properties
  (D25), one-item collections the schema does not know.

Values follow the schema the documents are read back with (``schema=``, the bundled one by
default), exactly as the readers apply it (FORMAT.md §7.2, D2-D4, D22): a property the schema
types as an integer, boolean or datetime gets such values (lists for ``list[...]`` types), an enum
mostly its members, any other name a string; a relation the schema calls a collection is a tuple,
a single one a single item, and one it does not know a single item or a tuple of two or more (what
the XML reader reads back without a guess going wrong). An embedded resource with content has the
type the XML reader infers for its role; a stub (no properties, links or embedded resources) has
none. ``resources("myOnlineMeeting")`` draws mostly the properties, links and embedded roles the
schema lists for that type (plus a few unknown ones, which pass through as strings), nested
resources shaped by their own types.

Text is anything XML 1.0 can hold, biased towards awkward cases (markup characters, CR, leading
and trailing spaces, non-ASCII, strings that look like numbers or dates). A string property never
looks like ``/Date(…)/`` (JSON would read it back as a timestamp, D25).

Request bodies read back with the ``rel=`` they were drawn for (``inputs("myOnlineMeeting")``:
``from_xml(data, rel="myOnlineMeeting")``), which types their members (§9).

Model equality is attrs equality, under which ``True == 1``; to tell those apart compare with
:func:`ucwaformat.testing.diff`, which compares JSON types.

:func:`schema_documents` draws documents of made-up types together with a schema written for
them (a :class:`SchemaDocument`: the document, the schema, the ``rel=`` hint), to exercise the
mapping's rules on names and types no schema lists.

Hypothesis is an optional dependency of ucwaformat: only this module needs it.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable
from typing import Any, Final, Literal, TypeAlias

try:
    from hypothesis import strategies as st
except ImportError as exc:  # pragma: no cover - exercised in a subprocess
    raise ImportError(
        "ucwaformat.testing.strategies needs Hypothesis, which is not installed; install it "
        "with: python -m pip install hypothesis"
    ) from exc

from .._dates import MAX_TICKS, MIN_TICKS, TICKS_PER_MS, Timestamp, format_iso, is_ms_date
from .._events import EVENT_TYPES
from .._model import (
    Document,
    Event,
    Events,
    Input,
    Link,
    LinkEntry,
    Resource,
    ResourceEntry,
    Sender,
    Value,
)
from .._schema import PropertyType, Schema
from ._vocabulary import (
    AWKWARD_TEXT,
    KNOWN_NAMES,
    XML_CHARS,
    SchemaDocument,
    schema_documents,
)

__all__ = [
    "Form",
    "SchemaDocument",
    "documents",
    "event_pages",
    "events",
    "hrefs",
    "inputs",
    "links",
    "property_names",
    "property_values",
    "resources",
    "schema_documents",
    "senders",
    "timestamps",
    "xml_text",
]

#: Which forms a generated document must survive unchanged: both, or only XML or only JSON.
Form: TypeAlias = Literal["both", "xml", "json"]

_FORMS: Final = ("both", "xml", "json")
_DAY: Final = 86_400 * 10_000_000
# Room for a ±14:00 display offset at both ends of the .NET range (FORMAT.md §8.3).
_TICK_MIN: Final = MIN_TICKS + 2 * _DAY
_TICK_MAX: Final = MAX_TICKS - 2 * _DAY
_INT64: Final = 2**63 - 1

# -- text -----------------------------------------------------------------------------------------


@functools.cache
def xml_text(*, min_size: int = 0, max_size: int = 16) -> st.SearchStrategy[str]:
    """Text XML 1.0 can hold (TAB, LF, CR and everything from U+0020 except surrogates and
    U+FFFE/U+FFFF), biased towards awkward cases."""
    awkward = [s for s in AWKWARD_TEXT if min_size <= len(s) <= max_size]
    drawn = st.text(XML_CHARS, min_size=min_size, max_size=max_size)
    return st.one_of(st.sampled_from(awkward), drawn) if awkward else drawn


@functools.cache
def _strings() -> st.SearchStrategy[str]:
    # A JSON string of the /Date()/ form reads back as a timestamp whatever its name (D25).
    return xml_text().filter(lambda s: not is_ms_date(s))


#: Names no generated property has: they are the JSON form's own members (§4.1).
_RESERVED: Final = frozenset(("rel", "_links", "_embedded"))
#: Members that would make a JSON object read as an event page or a DTO (D16).
_ROOT_RESERVED: Final = frozenset(("sender",))
_INPUT_RESERVED: Final = frozenset(("sender", "code", "metadata", "operations"))
#: Link rels that make a rel-less JSON object an event page (D16, D27).
_PAGE_RELS: Final = ("next", "resume", "resync")


@functools.cache
def property_names() -> st.SearchStrategy[str]:
    """Property names: common UCWA ones (some differing only in case) and arbitrary text."""
    return st.one_of(st.sampled_from(KNOWN_NAMES), xml_text(max_size=10)).filter(
        lambda s: s not in _RESERVED
    )


@functools.cache
def _rels() -> st.SearchStrategy[str]:
    known = st.sampled_from(("contact", "participant", "from", "conversation", "l", "a b", "é"))
    return st.one_of(known, xml_text(min_size=1, max_size=8)).filter(lambda s: s != "self")


_ATTR_NAME: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]*\Z")


@functools.cache
def _attribute_names(exclude: tuple[str, ...] = ()) -> st.SearchStrategy[str]:
    # XML attribute names; rel and href are the link itself, xml… names are reserved by XML.
    taken = frozenset(("rel", "href", *exclude))
    known = st.sampled_from(("title", "revision", "x-extra", "data-id", "_u", "a.b"))
    drawn = st.from_regex(r"[A-Za-z_][A-Za-z0-9_.\-]{0,8}", fullmatch=True)
    return st.one_of(known, drawn).filter(
        lambda s: s not in taken and not s.lower().startswith("xml")
    )


@functools.cache
def _attributes(
    exclude: tuple[str, ...] = (), max_size: int = 2
) -> st.SearchStrategy[tuple[tuple[str, str], ...]]:
    pairs = st.lists(
        st.tuples(_attribute_names(exclude), xml_text(max_size=8)),
        max_size=max_size,
        unique_by=lambda kv: kv[0],
    )
    return pairs.map(tuple)


@functools.cache
def hrefs() -> st.SearchStrategy[str]:
    """Link targets: UCWA-like paths, ``data:`` URIs and arbitrary text."""
    paths = st.integers(1, 999).map(lambda n: f"/ucwa/oauth/v1/applications/{n}/people/{n * 7}")
    data = st.sampled_from(
        ("data:text/plain,Hello+World", "data:application/sdp;base64,dj0wDQpvPS0=")
    )
    return st.one_of(paths, data, xml_text(max_size=24))


# -- values ---------------------------------------------------------------------------------------


def _check_form(form: str) -> None:
    if form not in _FORMS:
        raise ValueError(f"form must be one of {', '.join(_FORMS)}, not {form!r}")


@functools.cache
def _offsets() -> st.SearchStrategy[int]:
    return st.one_of(st.sampled_from((0, -420, -480, 60, 330, 840, -840)), st.integers(-840, 840))


@st.composite
def _timestamp(draw: st.DrawFn, form: str, iso: bool) -> Timestamp:
    if form == "xml":
        ticks = draw(st.integers(_TICK_MIN, _TICK_MAX))
        return Timestamp(ticks, draw(st.none() | _offsets()))
    ms = draw(st.integers(_TICK_MIN // TICKS_PER_MS + 1, _TICK_MAX // TICKS_PER_MS))
    if form == "both":
        return Timestamp(ms * TICKS_PER_MS)
    kind = draw(st.sampled_from(("utc", "offset", "iso") if iso else ("utc", "offset")))
    if kind == "utc":
        return Timestamp(ms * TICKS_PER_MS)
    if kind == "offset":
        return Timestamp(ms * TICKS_PER_MS, draw(_offsets()), True)
    # D25: an ISO string under a datetime property is a timestamp echoed as written.
    ticks = draw(st.integers(_TICK_MIN, _TICK_MAX))
    plain = Timestamp(ticks, draw(st.none() | _offsets()))
    return Timestamp(plain.ticks, plain.offset, False, format_iso(plain))


def timestamps(*, form: Form = "both") -> st.SearchStrategy[Timestamp]:
    """Timestamps the ``form`` carries exactly: whole milliseconds in UTC (``"both"``), ticks
    with a display offset (``"xml"``), milliseconds with or without a ``/Date(ms±hhmm)/``
    offset (``"json"``)."""
    _check_form(form)
    return _timestamp(form, False)


@functools.cache
def _scalar(
    kind: str | None, enum: str | None, form: str, schema: Schema, iso: bool
) -> st.SearchStrategy[Any]:
    if kind == "integer":
        bound = 10**30 if form == "xml" else _INT64
        return st.one_of(st.sampled_from((0, 1, -1, 7)), st.integers(-bound, bound))
    if kind == "boolean":
        return st.booleans()
    if kind == "datetime":
        return _timestamp(form, iso)
    if kind == "enum" and enum is not None:
        members = schema.enum_members(enum)
        if members:
            # Unknown members pass through too (D23).
            return st.one_of(st.sampled_from(members), _strings())
    return _strings()


def property_values(
    ptype: PropertyType | None,
    *,
    form: Form = "both",
    schema: Schema | None = None,
) -> st.SearchStrategy[Value]:
    """Values of a property declared ``ptype`` (``None``: undeclared, so a string or a list of
    strings), as the readers type them back; ``schema`` gives the members of an enum."""
    _check_form(form)
    return _value(ptype, form, schema or Schema.bundled())


@functools.cache
def _value(ptype: PropertyType | None, form: str, schema: Schema) -> st.SearchStrategy[Any]:
    if ptype is None:
        strings = _strings()
        value: st.SearchStrategy[Any] = st.one_of(strings, st.lists(strings, max_size=3).map(tuple))
    elif ptype.array:
        item = _scalar(ptype.type, ptype.enum, form, schema, False)
        value = st.lists(item, max_size=3).map(tuple)
    else:
        value = _scalar(ptype.type, ptype.enum, form, schema, True)
    return st.one_of(value, st.none()) if form == "json" else value


# -- links ----------------------------------------------------------------------------------------


@functools.cache
def _link(rel: str, attribute_exclude: tuple[str, ...] = ()) -> st.SearchStrategy[Link]:
    return st.builds(Link, st.just(rel), hrefs(), _attributes(attribute_exclude))


def links(rel: str | None = None) -> st.SearchStrategy[Link]:
    """One link, under ``rel`` or a drawn rel, with an href and sometimes other attributes."""
    if rel is not None:
        return _link(rel)
    return _rels().flatmap(_link)


@functools.cache
def _entry(
    item: st.SearchStrategy[Any],
    collection: bool | None,
    form: str,
    max_items: int = 3,
) -> st.SearchStrategy[Any]:
    """:func:`_one_entry` for an item strategy that lives as long as the module (a link's),
    built once per argument set: a strategy made inside a draw is validated at every draw."""
    return _one_entry(item, collection, form, max_items)


def _one_entry(
    item: st.SearchStrategy[Any],
    collection: bool | None,
    form: str,
    max_items: int = 3,
) -> st.SearchStrategy[Any]:
    """One relation: a single item, or a tuple (a collection) as the schema says; when it does
    not know, XML reads a lone item as single and several as a tuple."""
    if collection is False:
        return item
    if collection is True:
        low = 0 if form == "json" else 1
        return st.lists(item, min_size=low, max_size=max_items).map(tuple)
    low = 0 if form == "json" else 2
    return _one_or_many(item, st.lists(item, min_size=low, max_size=max_items).map(tuple))


@st.composite
def _one_or_many(
    draw: st.DrawFn, item: st.SearchStrategy[Any], many: st.SearchStrategy[tuple[Any, ...]]
) -> Any:
    return draw(many) if draw(st.booleans()) else draw(item)


# -- resources ------------------------------------------------------------------------------------

#: One embedded resource in four is a stub (no properties, links or embedded resources).
_QUARTER: Final = st.integers(0, 3).map(lambda n: n == 0)


@functools.cache
def _maybe_href() -> st.SearchStrategy[str | None]:
    return st.none() | hrefs()



class _Context:
    """The options of one draw, shared down the tree."""

    __slots__ = (
        "form",
        "max_depth",
        "max_embedded",
        "max_links",
        "max_properties",
        "memo",
        "schema",
    )

    def __init__(
        self,
        schema: Schema,
        form: str,
        max_depth: int,
        max_properties: int,
        max_links: int,
        max_embedded: int,
    ) -> None:
        self.schema = schema
        self.form = form
        self.max_depth = max_depth
        self.max_properties = max_properties
        self.max_links = max_links
        self.max_embedded = max_embedded
        #: Strategies built for this context, by what they draw (see :meth:`once`).
        self.memo: dict[tuple[Any, ...], st.SearchStrategy[Any]] = {}

    def once(
        self, key: tuple[Any, ...], build: Callable[[], st.SearchStrategy[Any]]
    ) -> st.SearchStrategy[Any]:
        """The strategy for ``key``, built on first use: a strategy made inside a draw is
        validated anew at every draw, which made deep documents slow to generate."""
        strategy = self.memo.get(key)
        if strategy is None:
            strategy = self.memo[key] = build()
        return strategy


@functools.cache
def _names_for(
    known: tuple[str, ...], general: st.SearchStrategy[str], exclude: frozenset[str] = frozenset()
) -> st.SearchStrategy[str]:
    """Names to draw (built once per argument set: building and validating strategies in a draw
    is what made generation slow)."""
    if exclude:
        return _names_for(known, general).filter(lambda s: s not in exclude)
    listed = sorted(known)
    if not listed:
        return general
    # Mostly the names the schema lists for the type, now and then another one.
    return st.one_of(st.sampled_from(listed), st.sampled_from(listed), general)


@functools.cache
def _name_lists(
    known: tuple[str, ...],
    general: st.SearchStrategy[str],
    exclude: frozenset[str],
    max_size: int,
) -> st.SearchStrategy[list[str]]:
    return st.lists(_names_for(known, general, exclude), max_size=max_size, unique=True)


@st.composite
def _properties(
    draw: st.DrawFn,
    ctx: _Context,
    known: Iterable[str],
    ptype: Callable[[str], PropertyType | None],
    exclude: frozenset[str],
) -> tuple[tuple[str, Value], ...]:
    names = draw(_name_lists(tuple(known), property_names(), exclude, ctx.max_properties))
    return tuple((name, draw(_value(ptype(name), ctx.form, ctx.schema))) for name in names)


@st.composite
def _links(
    draw: st.DrawFn,
    ctx: _Context,
    known: Iterable[str],
    collection: Callable[[str], bool | None],
    exclude: frozenset[str],
) -> tuple[tuple[str, LinkEntry], ...]:
    known_rels = tuple(r for r in known if r != "self")
    rels = draw(_name_lists(known_rels, _rels(), exclude, ctx.max_links))
    return tuple((rel, draw(_entry(_link(rel), collection(rel), ctx.form))) for rel in rels)


@functools.cache
def _roles() -> st.SearchStrategy[str]:
    known = st.sampled_from(("participant", "contact", "from", "phone", "onlineMeeting", "x y"))
    return st.one_of(known, xml_text(min_size=1, max_size=8))


@st.composite
def _resource(
    draw: st.DrawFn,
    ctx: _Context,
    rtype: str | None,
    role: str | None,
    depth: int,
    root: bool,
) -> Resource:
    """A resource whose type the reader knows as ``rtype`` (for an embedded one: the type it
    infers for ``role``, which the resource then has unless it is a stub)."""
    schema = ctx.schema
    facts = schema.resource(rtype) or (schema.resource(role) if role is not None else None)
    stub = not root and draw(_QUARTER)
    props: tuple[tuple[str, Value], ...] = ()
    link_entries: tuple[tuple[str, LinkEntry], ...] = ()
    embedded: tuple[tuple[str, ResourceEntry], ...] = ()
    if not stub:
        props = draw(
            ctx.once(
                ("properties", rtype, role, root),
                lambda: _properties(
                    ctx,
                    facts.properties if facts is not None else (),
                    lambda name: schema.property_type(rtype, name, role=role),
                    _RESERVED | _ROOT_RESERVED if root else _RESERVED,
                ),
            )
        )
        link_entries = draw(
            ctx.once(
                ("links", rtype, role),
                lambda: _links(
                    ctx,
                    facts.links if facts is not None else (),
                    lambda rel: schema.link_collection(rtype, rel),
                    frozenset(),
                ),
            )
        )
        if depth < ctx.max_depth:
            embedded = draw(
                ctx.once(
                    ("embedded", rtype, role, depth),
                    lambda: _embedded(ctx, rtype, facts.embedded if facts else (), depth),
                )
            )
    href = draw(_maybe_href())
    # JSON keeps other self members beside an href only (_links.self needs one).
    self_attrs = draw(_attributes()) if href is not None or ctx.form == "xml" else ()
    # The XML reader gives an embedded resource with content the type of its role and leaves
    # a stub typeless (§5, D4); a root keeps its type.
    typed = root or bool(props or link_entries or embedded)
    return Resource(rtype if typed else None, href, props, link_entries, embedded, self_attrs)


@st.composite
def _embedded(
    draw: st.DrawFn, ctx: _Context, parent: str | None, known: Iterable[str], depth: int
) -> tuple[tuple[str, ResourceEntry], ...]:
    schema = ctx.schema
    roles = draw(_name_lists(tuple(known), _roles(), frozenset(), ctx.max_embedded))
    out: list[tuple[str, ResourceEntry]] = []
    for role in roles:
        # The type the XML reader gives an embedded resource with content (§5, D4).
        child_type = schema.embedded_type(parent, role) or role
        collection = schema.embedded_collection(parent, role)

        def build(
            child_type: str = child_type, role: str = role, collection: bool | None = collection
        ) -> st.SearchStrategy[Any]:
            child = _resource(ctx, child_type, role, depth + 1, False)
            return _one_entry(child, collection, ctx.form, 2)

        out.append((role, draw(ctx.once(("child", child_type, role, depth + 1, collection), build))))
    return tuple(out)


def _types(schema: Schema) -> st.SearchStrategy[str]:
    known = sorted(schema.resource_types)
    drawn = xml_text(min_size=1, max_size=10)
    return st.one_of(st.sampled_from(known), drawn) if known else drawn


def resources(
    rtype: str | None = None,
    *,
    schema: Schema | None = None,
    form: Form = "both",
    max_depth: int = 2,
    max_properties: int = 6,
    max_links: int = 4,
    max_embedded: int = 2,
) -> st.SearchStrategy[Resource]:
    """Resources with properties, links and nested embedded resources (down to ``max_depth``).

    ``rtype`` fixes the root's type and shapes the document by the schema's facts for it:
    mostly its properties (with their types), links and embedded roles (with their
    cardinalities and types), recursively. Without it the root's type is drawn (a type of the
    schema or any text) and shaped the same way. ``schema`` (the bundled one by default) is the
    one the documents are read back with. A type the schema does not know raises
    :class:`ValueError` (pass a schema that has it).
    """
    _check_form(form)
    use = schema or Schema.bundled()
    if rtype is not None and use.resource(rtype) is None:
        raise ValueError(f"the schema has no resource type {rtype!r}")
    ctx = _Context(use, form, max_depth, max_properties, max_links, max_embedded)
    if rtype is not None:
        return _resource(ctx, rtype, None, 0, True)
    return _types(use).flatmap(lambda t: ctx.once(("root", t), lambda: _resource(ctx, t, None, 0, True)))


@st.composite
def _input(draw: st.DrawFn, ctx: _Context, target: str | None, verbs: tuple[str, ...]) -> Input:
    schema = ctx.schema
    facts = schema.resource(target)
    known: set[str] = set()
    if facts is not None:
        for verb in verbs:
            known.update(facts.requests.get(verb, {}))

    def ptype(name: str) -> PropertyType | None:
        # As the XML reader types a request body sent to `target` (§9).
        return (
            schema.request_type(target, "POST", name)
            or schema.request_type(target, "PUT", name)
            or schema.fallback_type(name)
        )

    props = draw(_properties(ctx, known, ptype, _RESERVED | _INPUT_RESERVED))
    link_entries = draw(
        _links(
            ctx,
            (),
            lambda rel: schema.link_collection(target, rel),
            frozenset(_PAGE_RELS),
        )
    )
    return Input(props, link_entries)


def inputs(
    rel: str | None = None,
    *,
    schema: Schema | None = None,
    form: Form = "both",
    verb: str | None = None,
) -> st.SearchStrategy[Input]:
    """Request bodies: properties typed as a body sent to a resource of type ``rel`` is (its
    POST and PUT parameters, or only those of ``verb``, then names the schema knows), and links
    (``data:`` hrefs among them). Read them back with ``rel=rel``. They have no embedded resources (JSON would read
    such a body as a resource, D16), and no member that would make JSON read them as an event
    page or an error (``sender``, ``code``, ``metadata``, ``operations``; ``next``, ``resume``,
    ``resync`` links)."""
    _check_form(form)
    use = schema or Schema.bundled()
    if rel is not None and use.resource(rel) is None:
        raise ValueError(f"the schema has no resource type {rel!r}")
    verbs = ("POST", "PUT") if verb is None else (verb.upper(),)
    return _input(_Context(use, form, 0, 6, 3, 0), rel, verbs)


# -- events ---------------------------------------------------------------------------------------


@st.composite
def _event(draw: st.DrawFn, ctx: _Context) -> Event:
    etype = draw(st.sampled_from(sorted(EVENT_TYPES)))
    rel = draw(_rels())
    # "status" is the provisional form of the status member (§10.3), not a link attribute.
    link = draw(_link(rel, ("status",)))
    embedded = None
    if draw(st.booleans()):
        role = draw(st.one_of(st.just(rel), _roles()))
        # An event has no parent type: the reader types the resource by its role (§14.1).
        child_type = ctx.schema.role_type(role) or role
        embedded = (role, draw(_resource(ctx, child_type, role, 1, False)))
    in_link = draw(st.none() | _rels().flatmap(_link))
    status = draw(st.none() | xml_text(max_size=10))
    return Event(etype, link, embedded, in_link, status)


def events(*, schema: Schema | None = None, form: Form = "both") -> st.SearchStrategy[Event]:
    """Single events: a documented type, a link, and sometimes an embedded resource, an ``in``
    link and a ``status`` (their provisional XML forms, §10.3, come back unchanged)."""
    _check_form(form)
    return _event(_Context(schema or Schema.bundled(), form, 2, 4, 2, 1))


@st.composite
def _sender(draw: st.DrawFn, ctx: _Context) -> Sender:
    rel = draw(st.one_of(st.sampled_from(("communication", "people", "me")), _rels()))
    href = draw(hrefs())
    evs = tuple(draw(st.lists(_event(ctx), max_size=3)))
    return Sender(rel, href, evs, draw(_attributes(("events",))))


def senders(*, schema: Schema | None = None, form: Form = "both") -> st.SearchStrategy[Sender]:
    """The senders of an event page: a rel, an href, attributes and their events."""
    _check_form(form)
    return _sender(_Context(schema or Schema.bundled(), form, 2, 4, 2, 1))


@st.composite
def _page(draw: st.DrawFn, ctx: _Context, max_senders: int) -> Events:
    rels = draw(st.lists(st.sampled_from(_PAGE_RELS), unique=True))
    page_links = tuple((rel, draw(_entry(_link(rel), None, ctx.form, 2))) for rel in rels)
    href = draw(_maybe_href())
    self_attrs = draw(_attributes()) if href is not None or ctx.form == "xml" else ()
    senders = tuple(draw(st.lists(_sender(ctx), max_size=max_senders)))
    if ctx.form == "both" and not senders and not page_links:
        # XML → JSON writes an empty page without "sender" (D27); only a page link then tells
        # JSON that it is a page (D16).
        rel = draw(st.sampled_from(_PAGE_RELS))
        page_links = ((rel, draw(_link(rel))),)
    # An empty page keeps its "sender": [] in JSON, so that it reads back as a page (D27).
    return Events(href, page_links, senders, self_attrs, sender_member=not senders)


def event_pages(
    *, schema: Schema | None = None, form: Form = "both", max_senders: int = 3
) -> st.SearchStrategy[Events]:
    """Event-channel pages: a self link, ``next``/``resume``/``resync`` links, and senders with
    their events (see :func:`events`). With ``form="both"`` a page without senders has a page
    link: XML → JSON writes an empty page without ``"sender"`` (D27), so nothing else would tell
    JSON that it is a page."""
    _check_form(form)
    return _page(_Context(schema or Schema.bundled(), form, 2, 4, 2, 1), max_senders)


def documents(*, schema: Schema | None = None, form: Form = "both") -> st.SearchStrategy[Document]:
    """Any document: a resource (:func:`resources`), a request body read without ``rel=``
    (:func:`inputs`) or an event page (:func:`event_pages`)."""
    return st.one_of(
        resources(schema=schema, form=form),
        inputs(schema=schema, form=form),
        event_pages(schema=schema, form=form),
    )
