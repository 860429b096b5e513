"""XML → JSON without the model: the fast path of ``xml_to_json`` for resources and event pages.

It makes the JSON object that ``read_xml`` + ``write_json`` make, for documents that read without
a loss or an error. At the first sign of anything else (a missing namespace, stray text, a value
that does not parse as its type, a relation the schema does not know, ...) it gives up with
:class:`Bail` and the model path, which reports and raises as FORMAT.md says, runs on the same
parsed tree. Only the writer's own losses (``sub-ms``, ``offset``) happen here; they are kept
and reported at the end, where the model path reports them: after everything the reader saw.
``tests/test_direct.py`` holds the two paths to the same bytes and the same losses.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import orjson
from lxml import etree

from ._dates import TICKS_PER_MS
from ._errors import Recorder, path_of
from ._events import EVENT_TYPES
from ._jsondates import OFFSET_LOSS, SUB_MS_LOSS, escape_dates, escaped_date, ms_date_text
from ._kinds import json_kind
from ._schema import TYPE_MARK, PropertyType, Schema
from ._values import xml_bool, xml_datetime, xml_int
from ._xml import MAX_ATTRIBUTES, MAX_DEPTH, NS, XSI, attributes, split_attributes

__all__ = ["Bail", "direct_json"]

_RESOURCE: Final = f"{{{NS}}}resource"
_PROPERTY: Final = f"{{{NS}}}property"
_PLIST: Final = f"{{{NS}}}propertyList"
_ITEM: Final = f"{{{NS}}}item"
_LINK: Final = f"{{{NS}}}link"
_SENDER: Final = f"{{{NS}}}sender"
_EVENTS: Final = f"{{{NS}}}events"
_NIL: Final = f"{{{XSI}}}nil"
# Attribute names as bytes: lxml looks them up without encoding a str first (~20 ns a call).
_NAME: Final = b"name"
_REL: Final = b"rel"
_EVENT_TAGS: Final = {f"{{{NS}}}{name}": name for name in EVENT_TYPES}


class Bail(Exception):
    """The document needs the model path (it has something to report, or is unusual)."""


#: Where a resource is, made into a ``$.path`` only when a loss is reported: the path itself,
#: or (the parent's path, then member names and indices to append), as :func:`path_of` takes.
Path = str | tuple[Any, ...]


def _render(path: Path) -> str:
    if isinstance(path, str):
        return path
    return path_of(_render(path[0]), *path[1:])


_NOTHING: Final[Mapping[str, bool]] = {}

_ROOT: Final = 2
_MARK: Final = 1
_NO_MARK: Final = 0


class _Direct:
    __slots__ = (
        "date_offset",
        "dates",
        "docs",
        "escape",
        "later",
        "many",
        "nil",
        "rel",
        "report",
        "schema",
        "strict",
    )

    def __init__(
        self,
        schema: Schema,
        strict: bool,
        date_offset: bool,
        escape: bool,
        nil: bool,
        report: bool,
        many: bool,
    ) -> None:
        self.schema = schema
        # The document may have an element with more than MAX_ATTRIBUTES attributes: such an
        # element goes to the model path, which refuses it (lxml reads many attributes in
        # quadratic time). Small documents cannot, and skip the check.
        self.many = many
        self.report = report  # somebody listens to losses
        self.nil = nil  # the document may hold xsi:nil attributes
        self.strict = strict
        self.date_offset = date_offset
        self.escape = escape  # dates as "\/Date(ms)\/", as servers write them
        self.dates = False  # a date was written (escaped)
        self.docs = False  # the docs dialect: types come from <property name="rel">
        self.rel: str | None = None  # the root's rel attribute
        # The writer's losses, reported at the end: (kind, resource path, name, index, message).
        self.later: list[tuple[str, Path, str, int | None, str]] = []

    # -- values -------------------------------------------------------------------------------

    def scalar(
        self, text: str, pt: PropertyType, path: Path, name: str, index: int | None = None
    ) -> Any:
        """Typed text as the JSON writer writes it; Bail where the reader would report.

        ``path``, ``name`` and ``index`` say where the value is (a path is only made if needed).
        """
        kind = pt.type
        if kind == "integer":
            number = xml_int(text)
            if number is None:
                raise Bail
            return number
        if kind == "boolean":
            value = xml_bool(text)
            if value is None:
                raise Bail
            return value
        if kind != "datetime":
            return text
        found = xml_datetime(text, self.strict)
        if found is None or not found[2]:
            raise Bail  # not a date, or no zone: the model path reports it
        ticks, offset, _zoned = found
        if self.report:
            if ticks % TICKS_PER_MS:
                self.later.append(("sub-ms", path, name, index, SUB_MS_LOSS))
            if offset is not None and not self.date_offset:
                self.later.append(("offset", path, name, index, OFFSET_LOSS))
        text = ms_date_text(ticks, offset if self.date_offset else None)
        if self.escape:
            self.dates = True
            return escaped_date(text)
        return text

    def items(
        self, el: etree._Element, pt: PropertyType | None, path: Path, name: str
    ) -> list[Any]:
        """A ``<propertyList>``'s items."""
        text = el.text
        if text and not text.isspace():
            raise Bail
        out: list[Any] = []
        nil = self.nil
        plain = pt is None or pt.type == "string"
        for item in el:
            tail = item.tail
            if item.tag != _ITEM or (tail and not tail.isspace()) or len(item):
                raise Bail
            if nil and item.get(_NIL) is not None:
                raise Bail
            text = item.text
            if text is None:
                text = ""
            if plain:
                out.append(text)
            else:
                out.append(self.scalar(text, pt, path, name, len(out)))  # type: ignore[arg-type]
        return out

    # -- resources ----------------------------------------------------------------------------

    def body(
        self,
        el: etree._Element,
        out: dict[str, Any],
        path: Path,
        rtype: str | None,
        role: str | None,
        depth: int,
        mark: int,
    ) -> dict[str, Any]:
        """The children of ``<resource>`` into ``out``: the model path's properties, links and
        embedded resources in the JSON writer's order.

        ``mark`` says what a ``<property name="rel">`` (the docs dialect's type mark, §5) may
        do here: ``_ROOT`` (it makes the document docs dialect), ``_MARK`` (types a docs-dialect
        embedded resource) or ``_NO_MARK`` (server-dialect embedded resources: give way).
        """
        if depth > MAX_DEPTH:
            raise Bail
        text = el.text
        if text and not text.isspace():
            raise Bail
        schema = self.schema
        nil = self.nil
        size = len(out)
        typing = schema.typing(rtype, role, plain=True)
        typed = typing.exact  # the names typed so far (the quicker subscript; see _Typing)
        links: dict[str, list[dict[str, str]]] = {}
        embedded: dict[str, list[etree._Element]] = {}
        others = 0  # links and embedded resources: children that make no key of their own
        for child in el:
            tail = child.tail
            if tail and not tail.isspace():
                raise Bail
            tag = child.tag
            if tag == _PROPERTY:
                name = child.get(_NAME)
                if name is None or len(child) or (nil and child.get(_NIL) is not None):
                    raise Bail
                text = child.text
                if text is None:
                    text = ""
                try:
                    pt = typed[name]
                except KeyError:
                    pt = typing[name]
                if pt is None:
                    out[name] = text  # the common case: a string (duplicates: see below)
                elif pt is TYPE_MARK:
                    marked = self.mark(out, text, rtype, mark)
                    mark = _NO_MARK  # a second one gives way
                    if marked != rtype:
                        rtype = marked
                        typing = schema.typing(rtype, role, plain=True)
                        typed = typing.exact
                elif pt.array:
                    raise Bail
                else:
                    out[name] = self.scalar(text, pt, path, name)
            elif tag == _LINK:
                if len(child):
                    raise Bail
                others += 1
                if self.many and len(child.attrib) > MAX_ATTRIBUTES:
                    raise Bail
                attrs: list[tuple[str, str]] = child.items()  # type: ignore[assignment]
                if len(attrs) == 2:
                    (k1, rel), (k2, href) = attrs
                    if k1 != "rel":
                        k1, rel, k2, href = k2, href, k1, rel
                    if k1 != "rel" or k2 != "href":
                        raise Bail
                    link = {"href": href}
                else:
                    rel, link = _link_attrs(attrs)
                if rel == "self":
                    raise Bail
                text = child.text
                if text and not text.isspace():
                    raise Bail
                group = links.get(rel)
                if group is None:
                    links[rel] = [link]
                else:
                    group.append(link)
            elif tag == _PLIST:
                name = child.get(_NAME)
                if name is None or name == "rel":
                    raise Bail
                out[name] = self.items(child, typing[name], path, name)
            elif tag == _RESOURCE:
                role_ = child.get(_REL)
                if role_ is None:
                    raise Bail
                others += 1
                group_ = embedded.get(role_)
                if group_ is None:
                    embedded[role_] = [child]
                else:
                    group_.append(child)
            else:
                raise Bail
        # Every property child made one key (the type mark too): fewer keys mean a name
        # repeated, which the model path reports. (Cheaper than a check per property.)
        if len(out) != size + len(el) - others:
            raise Bail
        if "_links" in out or "_embedded" in out:
            raise Bail  # properties the JSON writer refuses; the model path says so
        effective = rtype or role
        if self.many and len(el.attrib) > MAX_ATTRIBUTES:
            raise Bail
        attrs = el.items()  # type: ignore[assignment]  # (str, str) pairs: parsed from bytes
        if len(attrs) == 2 and attrs[0][0] == "rel" and attrs[1][0] == "href":
            self_link: dict[str, str] | None = {"href": attrs[1][1]}  # the common case
        else:
            self_link = _self_link(attrs)
        if self_link is not None or links:
            links_out: dict[str, Any] = {}
            if self_link is not None:
                links_out["self"] = self_link
            facts = schema.resource(effective)
            known = facts.links if facts is not None else _NOTHING  # Schema.link_collection
            for rel, group in links.items():
                if len(group) > 1:
                    links_out[rel] = group
                    continue
                coll = known.get(rel)
                if coll is None:
                    raise Bail  # a guess, which the model path reports
                links_out[rel] = group if coll else group[0]
            out["_links"] = links_out
        if embedded:
            embedded_out: dict[str, Any] = {}
            for role_, els in embedded.items():
                if len(els) > 1:
                    coll = True
                else:
                    coll = schema.embedded_collection(effective, role_)
                    if coll is None:
                        raise Bail
                if coll:
                    group__: list[dict[str, Any]] = []  # (a loop: no comprehension frame)
                    for i, c in enumerate(els):
                        group__.append(
                            self.embedded(
                                c, (path, "_embedded", role_, i), effective, role_, depth + 1
                            )
                        )
                    embedded_out[role_] = group__
                else:
                    embedded_out[role_] = self.embedded(
                        els[0], (path, "_embedded", role_), effective, role_, depth + 1
                    )
            out["_embedded"] = embedded_out
        return out

    def mark(self, out: dict[str, Any], text: str, rtype: str | None, mark: int) -> str:
        """A ``<property name="rel">``: where the model path puts the type, and the type that
        types the properties after it. Gives way where the model would report, or where the
        properties before it were typed as something else."""
        if mark == _NO_MARK:
            raise Bail
        if mark == _ROOT:
            if self.rel is not None and self.rel != text:
                raise Bail  # rel-conflict
            self.docs = True
        if out and text != rtype:
            raise Bail
        out["rel"] = text
        return text

    def embedded(
        self, el: etree._Element, path: Path, parent: str | None, role: str, depth: int
    ) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.docs:
            # Typed by its own <property name="rel"> if it has one; never inferred (D4).
            return self.body(el, out, path, None, role, depth, _MARK)
        if len(el):
            # The server dialect leaves the type out (§5, D4); stubs stay typeless.
            rtype = self.schema.embedded_type(parent, role) or role
            out["rel"] = rtype
            return self.body(el, out, path, rtype, role, depth, _NO_MARK)
        return self.body(el, out, path, None, role, depth, _NO_MARK)

    def root(self, el: etree._Element, hint: str | None) -> dict[str, Any]:
        rel = self.rel = el.get("rel")
        out = self.body(el, {}, "$", rel or hint, None, 0, _ROOT)
        if rel is not None and not self.docs:
            # The server dialect: the type is the rel attribute, first in JSON.
            out = {"rel": rel, **out}
        return out

    # -- event pages --------------------------------------------------------------------------

    def events(self, root: etree._Element) -> dict[str, Any]:
        self_link = _self_link(attributes(root), keep_rel=True)
        text = root.text
        if text and not text.isspace():
            raise Bail
        links: dict[str, list[dict[str, str]]] = {}
        senders: list[dict[str, Any]] = []
        for child in root:
            tail = child.tail
            if tail and not tail.isspace():
                raise Bail
            tag = child.tag
            if tag == _SENDER:
                senders.append(self.sender(child, len(senders)))
            elif tag == _LINK:
                rel, link = _link_attrs(attributes(child))
                if rel == "self":
                    raise Bail
                links.setdefault(rel, []).append(link)
            else:
                raise Bail
        out: dict[str, Any] = {}
        if self_link is not None or links:
            links_out: dict[str, Any] = {}
            if self_link is not None:
                links_out["self"] = self_link
            for rel, group in links.items():
                links_out[rel] = group if len(group) > 1 else group[0]
            out["_links"] = links_out
        if senders:
            out["sender"] = senders
        return out

    def sender(self, el: etree._Element, index: int) -> dict[str, Any]:
        rel = el.get("rel")
        href = el.get("href")
        if rel is None or href is None:
            raise Bail
        out: dict[str, Any] = {"rel": rel, "href": href}
        if len(el.attrib) > 2:
            for key, val in attributes(el):
                if key != "rel" and key != "href":
                    out[key] = val
        text = el.text
        if text and not text.isspace():
            raise Bail
        events: list[dict[str, Any]] = []
        for child in el:
            tail = child.tail
            if tail and not tail.isspace():
                raise Bail
            etype = _EVENT_TAGS.get(child.tag)
            if etype is None:
                raise Bail
            if self.many and len(child.attrib) > MAX_ATTRIBUTES:
                raise Bail
            attrs: list[tuple[str, str]] = child.items()  # type: ignore[assignment]
            if len(attrs) == 2:
                (k1, v1), (k2, v2) = attrs
                if k1 == "rel" and k2 == "href":
                    link = {"rel": v1, "href": v2}
                elif k1 == "href" and k2 == "rel":
                    link = {"rel": v2, "href": v1}
                else:
                    raise Bail
            else:
                link = _event_link(attrs)
            event: dict[str, Any] = {"link": link}
            text = child.text
            if text and not text.isspace():
                raise Bail  # the model path ignores it silently; keep it that way there
            if len(child):
                res = None
                for res_el in child:
                    rtail = res_el.tail
                    if (
                        res is not None
                        or res_el.tag != _RESOURCE
                        or (rtail and not rtail.isspace())
                    ):
                        raise Bail
                    role = res_el.get("rel")
                    if role is None:
                        raise Bail
                    res = {
                        role: self.embedded(
                            res_el,
                            ("$", "sender", index, "events", len(events), "_embedded", role),
                            None,
                            role,
                            1,
                        )
                    }
                event["_embedded"] = res
            event["type"] = etype
            events.append(event)
        out["events"] = events
        return out


def _self_link(items: list[tuple[str, str]], keep_rel: bool = False) -> dict[str, str] | None:
    """The JSON ``self`` link of an element with these attributes: its href, then its other
    attributes in order.

    A resource's ``rel`` attribute is its type or role, not part of the link (``keep_rel`` is
    for ``<events>``, whose attributes other than href all go to the link, D14).
    """
    href: str | None = None
    extra: list[tuple[str, str]] = []
    for key, val in items:
        if key == "href":
            href = val
        elif keep_rel or key != "rel":
            extra.append((key, val))
    if href is None:
        return dict(extra) if extra else None
    link = {"href": href}
    if extra:
        link.update(extra)
    return link


def _event_link(attrs: list[tuple[str, str]]) -> dict[str, str]:
    """An event element's JSON ``link``: rel, href, then its other attributes in order."""
    rel, link = _link_attrs(attrs)
    if "status" in link:
        raise Bail  # a provisional event member (§10.3), which the model path reports
    return {"rel": rel, **link}


def _link_attrs(attrs: list[tuple[str, str]]) -> tuple[str, dict[str, str]]:
    """A ``<link>`` with other than exactly rel and href: its rel and JSON object."""
    rel, href, extra = split_attributes(attrs)
    if rel is None or href is None:
        raise Bail
    link = {"href": href}
    link.update(extra)
    return rel, link


def direct_json(
    root: etree._Element,
    *,
    rel: str | None,
    schema: Schema,
    rec: Recorder,
    pretty: bool,
    escape_solidus: bool,
    date_offset: bool,
    nil: bool = True,
    many_attributes: bool = True,
) -> bytes | None:
    """The JSON of a resource or event page, as ``write_json(read_xml(...))`` makes it; or None.

    None means the document is not one this path handles, or it needs reporting, or orjson
    cannot write it (integers beyond 64 bits): the caller runs the model path on the same tree,
    and nothing has been reported yet. ``nil=False`` promises that no element has an
    ``xsi:nil`` attribute (the document's text has no ``:nil``): one lookup less per property.
    """
    tag = root.tag
    direct = _Direct(
        schema,
        rec.strict,
        date_offset,
        escape_solidus,
        nil,
        rec.strict or rec.losses is not None,
        many_attributes,
    )
    try:
        if tag == _RESOURCE:
            obj = direct.root(root, rel)
            kind = "resource"
        elif tag == _EVENTS:
            obj = direct.events(root)
            kind = "events"
        else:
            return None
        if json_kind(obj) != kind:
            return None  # its JSON shows another kind, which the model path reports
        out = orjson.dumps(obj, option=orjson.OPT_INDENT_2 if pretty else 0)
    except (Bail, orjson.JSONEncodeError):
        return None
    # (rfind: CPython's backward search is about twice as fast for these needles as `in`.)
    if direct.dates and (out.rfind(b'"/Date(') >= 0 or out.rfind(b')/"') >= 0):
        # Text that only looks like a date: the model path's writer escapes it too, since it
        # rewrites the whole output once a document has a date (_json.dump).
        out = escape_dates(out)
    for kind, path, name, index, message in direct.later:
        where = (
            path_of(_render(path), name) if index is None else path_of(_render(path), name, index)
        )
        rec.loss(kind, where, message)
    return out
