"""Documents drawn with a schema made for them: :func:`ucwaformat.testing.strategies.schema_documents`.

:func:`schema_documents` draws a :class:`SchemaDocument`: a document plus the :class:`Schema`
that lets the XML reader recover what XML does not carry (value types, cardinality, FORMAT.md
§7.2, D2/D3), and the ``rel=`` hint to read it with. Names, kinds and cardinalities are drawn
once per document (a *vocabulary*) so that every resource agrees with the schema: where the
strategies of :mod:`ucwaformat.testing.strategies` follow the bundled schema, these exercise
the mapping's rules on names and types no schema lists.

``mode="json"`` draws what JSON can carry exactly: timestamps in whole milliseconds, an offset
only with ``json_offset=True`` (or an ISO string, D25), ``None`` properties and empty
collections when asked. ``mode="xml"`` draws what XML can carry exactly for ``dialect``: any
tick, an ISO display offset, no ``None``, no empty ``_links``/``_embedded`` collections, and
embedded types that the dialect can express (§5, D4).
"""

from __future__ import annotations

import re
from typing import Any, Final, Literal

import attrs
from hypothesis import strategies as st

from .._dates import MAX_TICKS, MIN_TICKS, Timestamp, format_iso, is_ms_date
from .._media import Dialect
from .._model import Input, Link, Resource
from .._schema import Schema
from .._xmltext import _ILLEGAL

__all__ = ["HINT", "SchemaDocument", "schema_documents"]

Mode = Literal["json", "xml"]

#: The ``rel=`` hint for typeless roots and inputs: the schema keys their cardinalities on it.
HINT = "hintType"

_DAY = 864_000_000_000
# Leave room for a ±14:00 display offset at both ends of the .NET range (§8.3).
_TICK_MIN = MIN_TICKS + 2 * _DAY
_TICK_MAX = MAX_TICKS - 2 * _DAY
_MS_MIN = _TICK_MIN // 10_000 + 1
_MS_MAX = _TICK_MAX // 10_000

_RESERVED = frozenset(("rel", "_links", "_embedded"))

# -- text -----------------------------------------------------------------------------------------


#: Characters XML 1.0 can hold (TAB, LF, CR and everything from U+0020 except surrogates and
#: U+FFFE/U+FFFF), drawn directly: the ones XML refuses are left out of the alphabet rather
#: than filtered away after the draw (which discarded ~40 % of draws and tripped hypothesis'
#: health checks). Which they are is the XML writer's rule (``_xmltext``); they all lie in the
#: Basic Multilingual Plane, and the UTF-8 codec already leaves out the surrogates.
XML_CHARS: Final = st.characters(
    codec="utf-8",
    exclude_characters="".join(
        c for c in map(chr, range(0x10000)) if _ILLEGAL.match(c) and not 0xD800 <= ord(c) <= 0xDFFF
    ),
)

#: Text that trips writers and readers up (markup, CR, blanks, non-ASCII, number- and
#: date-like strings); both strategy modules draw it.
AWKWARD_TEXT: Final = (
    "",
    " ",
    " Home",
    "trailing ",
    "\t",
    "\n",
    "\r\n",
    "a\rb",
    "line1\nline2",
    "&<>\"'",
    "&amp;",
    "<![CDATA[x]]>",
    "]]>",
    "Ünïcödé",
    "日本語",
    "😀",
    "\xa0nbsp",
    "sip:jane@contoso.com",
    "tel:+14255551234",
    "12983487",
    "007",
    "-1",
    "True",
    "0",
    "2016-09-26T16:20:23.0485629-07:00",
    "please pass me in a PUT request",
    "data:text/plain,Hello+World",
    "x=1&y=2",
    "  ",
    "\r",
    "sip:user@contoso.com",
    "/ucwa/v1/applications/192",
)


def xml_text(max_size: int = 12) -> st.SearchStrategy[str]:
    """Any text XML 1.0 can hold, with a bias towards the awkward cases (§2)."""
    return st.one_of(st.sampled_from(AWKWARD_TEXT), st.text(XML_CHARS, max_size=max_size))


def _value_text(mode: Mode) -> st.SearchStrategy[str]:
    # A JSON string of the /Date()/ form reads back as a timestamp whatever the name (D25).
    return xml_text().filter(lambda s: not is_ms_date(s))


#: Property names: common UCWA ones, some differing only in case (both strategy modules draw them).
KNOWN_NAMES: Final = (
    "subject",
    "description",
    "accessLevel",
    "conferenceId",
    "etag",
    "participantCount",
    "expirationTime",
    "anonymous",
    "attendees",
    "leaders",
    "number",
    "type",
    "Uri",
    "uri",
    "id",
    "joinUrl",
    "availability",
    "tcpPort",
    "created",
    "audioMuted",
    "PARTICIPANTCOUNT",
    "organizerUri",
    "x-custom",
    "AbCdEf0123",
    "duration",
)


def _names() -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(KNOWN_NAMES), xml_text(8)).filter(lambda s: s not in _RESERVED)


_ATTR_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]*\Z")


def _attr_names(mode: Mode) -> st.SearchStrategy[str]:
    known = st.sampled_from(["title", "revision", "x-extra", "data-id", "_u", "a.b"])
    xml = st.from_regex(r"[A-Za-z_][A-Za-z0-9_.\-]{0,8}", fullmatch=True)
    # Attributes: "rel"/"href" are the link itself; "xml…" names are reserved by XML.
    drawn = st.one_of(known, xml, xml_text(6)) if mode == "json" else st.one_of(known, xml)
    return drawn.filter(lambda s: s not in ("rel", "href") and not s.lower().startswith("xml"))


_TYPES = ["participant", "contact", "onlineMeeting", "conversation", "phone", "from", "t"]


def _type_names() -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(_TYPES), st.text(XML_CHARS, min_size=1, max_size=8))


# -- vocabulary ---------------------------------------------------------------------------------

#: Scalar kinds a property can have; a ``list[...]`` kind is a propertyList of that kind.
SCALAR_KINDS = ("string", "integer", "boolean", "datetime")


@attrs.frozen
class Vocabulary:
    """One document's names: property name → kind, rel → is collection, role → is collection."""

    properties: dict[str, str]
    rels: dict[str, bool]
    roles: dict[str, bool]


def _unique_ci(names: list[str]) -> list[str]:
    # D22 types by a case-insensitive match too: names equal but for case would share a type.
    seen: set[str] = set()
    out: list[str] = []
    for name in names:
        if name.lower() not in seen:
            seen.add(name.lower())
            out.append(name)
    return out


@st.composite
def vocabularies(draw: st.DrawFn, mode: Mode) -> Vocabulary:
    names = _unique_ci(draw(st.lists(_names(), max_size=8)))
    kinds = list(SCALAR_KINDS) + [f"list[{k}]" for k in SCALAR_KINDS]
    if mode == "json":
        kinds.append("list[mixed]")
    props = {name: draw(st.sampled_from(kinds)) for name in names}
    rel_names = draw(
        st.lists(
            st.one_of(st.sampled_from(["contact", "from", "next", "l"]), xml_text(6)),
            max_size=4,
            unique=True,
        )
    )
    rels = {r: draw(st.booleans()) for r in rel_names if r != "self"}
    role_names = draw(
        st.lists(
            st.one_of(st.sampled_from(_TYPES), st.text(XML_CHARS, min_size=1, max_size=6)),
            min_size=1,
            max_size=3,
            unique=True,
        )
    )
    roles = {r: draw(st.booleans()) for r in role_names}
    return Vocabulary(props, rels, roles)


# -- values ---------------------------------------------------------------------------------------


def _offsets() -> st.SearchStrategy[int]:
    return st.one_of(st.sampled_from([0, -420, -480, 60, 330, 840, -840]), st.integers(-840, 840))


@st.composite
def timestamps(draw: st.DrawFn, mode: Mode, iso_ok: bool = False) -> Timestamp:
    if mode == "xml":
        ticks = draw(st.integers(_TICK_MIN, _TICK_MAX))
        offset = draw(st.none() | _offsets())
        return Timestamp(ticks, offset)
    form = draw(st.sampled_from(["ms", "ms-offset", "iso"] if iso_ok else ["ms", "ms-offset"]))
    if form == "iso":
        # An ISO string in JSON for a datetime property: echoed verbatim (D25, §14.1).
        ticks = draw(st.integers(_TICK_MIN, _TICK_MAX))
        offset = draw(st.none() | _offsets())
        return Timestamp(ticks, offset, False, format_iso(Timestamp(ticks, offset)))
    ms = draw(st.integers(_MS_MIN, _MS_MAX))
    if form == "ms":
        return Timestamp(ms * 10_000)
    return Timestamp(ms * 10_000, draw(_offsets()), True)


def _scalar(kind: str, mode: Mode, iso_ok: bool, big: bool = False) -> st.SearchStrategy[Any]:
    if kind == "string":
        return _value_text(mode)
    if kind == "integer":
        # XML integers are of any size (§7.2); JSON ones stay within 64 bits here, larger ones
        # have their own test.
        bound = 10**30 if big else 2**63 - 1
        return st.one_of(st.integers(-bound, bound), st.sampled_from([0, -1, 1, 7]))
    if kind == "boolean":
        return st.booleans()
    if kind == "datetime":
        return timestamps(mode, iso_ok)
    assert kind == "mixed"
    return st.one_of(*(_scalar(k, mode, False, big) for k in SCALAR_KINDS))


def _value(
    kind: str, mode: Mode, nulls: bool, null_items: bool, big: bool
) -> st.SearchStrategy[Any]:
    if kind.startswith("list["):
        inner = _scalar(kind[5:-1], mode, False, big)
        if null_items:
            inner = st.one_of(inner, st.none())
        return st.lists(inner, max_size=3).map(tuple)
    scalar = _scalar(kind, mode, True, big)
    return st.one_of(scalar, st.none()) if nulls else scalar


# -- documents ------------------------------------------------------------------------------------


@attrs.frozen
class SchemaDocument:
    """A generated document, the schema to read its XML with, and the ``rel=`` hint."""

    doc: Resource | Input
    schema: Schema
    hint: str


@attrs.frozen
class _Opts:
    mode: Mode
    dialect: Dialect | None
    nulls: bool
    null_items: bool
    empties: bool
    big_ints: bool
    vocab: Vocabulary
    max_depth: int


@st.composite
def _links(draw: st.DrawFn, o: _Opts) -> tuple[tuple[str, Any], ...]:
    rels = (
        draw(st.lists(st.sampled_from(sorted(o.vocab.rels)), unique=True, max_size=3))
        if o.vocab.rels
        else []
    )
    out: list[tuple[str, Any]] = []
    for rel in rels:

        def link(rel: str = rel) -> st.SearchStrategy[Link]:
            attr_pairs = st.lists(
                st.tuples(_attr_names(o.mode), xml_text(8)),
                max_size=2,
                unique_by=lambda kv: kv[0],
            ).map(tuple)
            return st.builds(Link, st.just(rel), xml_text(16), attr_pairs)

        if o.vocab.rels[rel]:
            low = 0 if o.empties else 1
            out.append((rel, tuple(draw(st.lists(link(), min_size=low, max_size=3)))))
        else:
            out.append((rel, draw(link())))
    return tuple(out)


@st.composite
def _properties(draw: st.DrawFn, o: _Opts) -> tuple[tuple[str, Any], ...]:
    names = (
        draw(st.lists(st.sampled_from(sorted(o.vocab.properties)), unique=True, max_size=5))
        if o.vocab.properties
        else []
    )
    return tuple(
        (n, draw(_value(o.vocab.properties[n], o.mode, o.nulls, o.null_items, o.big_ints)))
        for n in names
    )


def _has_content(res: Resource) -> bool:
    return bool(res.properties or res.links or res.embedded)


@st.composite
def _embedded(draw: st.DrawFn, o: _Opts, depth: int) -> tuple[tuple[str, Any], ...]:
    if depth >= o.max_depth or not o.vocab.roles:
        return ()
    roles = draw(st.lists(st.sampled_from(sorted(o.vocab.roles)), unique=True, max_size=2))
    out: list[tuple[str, Any]] = []
    for role in roles:
        if o.vocab.roles[role]:
            low = 0 if o.empties else 1
            items = draw(st.lists(_resource(o, depth + 1), min_size=low, max_size=2))
            out.append((role, tuple(items)))
        else:
            out.append((role, draw(_resource(o, depth + 1))))
    return tuple(out)


@st.composite
def _resource(draw: st.DrawFn, o: _Opts, depth: int) -> Resource:
    stub = depth > 0 and draw(st.booleans())
    if stub:
        props: tuple[tuple[str, Any], ...] = ()
        links: tuple[tuple[str, Any], ...] = ()
        embedded: tuple[tuple[str, Any], ...] = ()
    else:
        props = draw(_properties(o))
        links = draw(_links(o))
        embedded = draw(_embedded(o, depth))
    rtype = draw(st.none() | _type_names())
    href = draw(st.none() | xml_text(16))
    self_attrs: tuple[tuple[str, str], ...] = ()
    if href is not None or o.mode == "xml":
        # JSON: extra members of _links.self need a self href to sit beside.
        self_attrs = draw(
            st.lists(
                st.tuples(_attr_names(o.mode), xml_text(8)), max_size=2, unique_by=lambda kv: kv[0]
            ).map(tuple)
        )
    position = None
    if rtype is not None and draw(st.booleans()):
        position = draw(st.integers(0, len(props)))
    return Resource(rtype, href, props, links, embedded, self_attrs, position)


def _retype(res: Resource, role: str | None, o: _Opts, docs_mode: bool) -> Resource:
    """Make embedded types expressible in the dialect (§5, D4); recursive."""
    embedded: list[tuple[str, Any]] = []
    for r, entry in res.embedded:
        if isinstance(entry, tuple):
            embedded.append((r, tuple(_retype(e, r, o, docs_mode) for e in entry)))
        else:
            embedded.append((r, _retype(entry, r, o, docs_mode)))
    res = attrs.evolve(res, embedded=tuple(embedded))
    if role is None or o.mode != "xml" or o.dialect is None:
        return res
    content = _has_content(res)
    if o.dialect == "server":
        # No property rel: a resource with content reads back as its role, a stub typeless.
        return attrs.evolve(res, type=role if content else None)
    if res.type is None and content and not docs_mode:
        # Without a typed root the reader cannot tell the docs dialect from the server one and
        # infers role types for typeless resources with content.
        return attrs.evolve(res, type=role)
    return res


def _schema_for(doc: Resource | Input, vocab: Vocabulary) -> Schema:
    schema = Schema.empty()
    for name, kind in vocab.properties.items():
        array = kind.startswith("list[")
        base = kind[5:-1] if array else kind
        if base in ("integer", "boolean", "datetime"):
            schema = schema.with_property(None, name, base, array=array)

    def visit(res: Resource | Input, key: str) -> None:
        nonlocal schema
        links = {rel: vocab.rels[rel] for rel, _ in res.links}
        embedded = {role: (vocab.roles[role], None) for role, _ in res.embedded}
        if links or embedded:
            schema = schema.with_resource(key, links=links, embedded=embedded)
        for role, entry in res.embedded:
            for child in entry if isinstance(entry, tuple) else (entry,):
                # The XML reader looks cardinalities up under the type, else the role.
                visit(child, child.type or role)

    root_key = doc.type if isinstance(doc, Resource) and doc.type else HINT
    visit(doc, root_key)
    return schema


@st.composite
def schema_documents(
    draw: st.DrawFn,
    *,
    mode: Mode = "json",
    dialect: Dialect | None = None,
    nulls: bool = False,
    null_items: bool = False,
    empties: bool = False,
    big_ints: bool | None = None,
    kinds: tuple[str, ...] = ("resource", "input"),
    max_depth: int = 3,
) -> SchemaDocument:
    """A document and the schema that types exactly its integer/boolean/datetime properties.

    ``nulls``: ``None`` property values; ``null_items``: ``None`` inside lists; ``empties``:
    empty ``_links``/``_embedded`` collections; ``big_ints``: integers beyond 64 bits (default:
    in XML mode only). ``dialect=None`` with ``mode="xml"`` leaves
    embedded types as drawn (for tests of what the writer reports, not of round trips).
    """
    vocab = draw(vocabularies(mode))
    big = mode == "xml" if big_ints is None else big_ints
    o = _Opts(mode, dialect, nulls, null_items, empties, big, vocab, max_depth)
    kind = draw(st.sampled_from(kinds))
    if kind == "input":
        doc: Resource | Input = Input(draw(_properties(o)), draw(_links(o)), draw(_embedded(o, 0)))
        root = Resource(None, None, doc.properties, doc.links, doc.embedded)
        root = _retype(root, None, o, docs_mode=False)
        doc = Input(root.properties, root.links, root.embedded)
    else:
        res = draw(_resource(o, 0))
        doc = _retype(res, None, o, docs_mode=res.type is not None)
    return SchemaDocument(doc, _schema_for(doc, vocab), HINT)
