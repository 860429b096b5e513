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
from typing import Any, Final, cast

from lxml import etree

from ._dates import format_ms_date, iso_has_zone, parse_iso
from ._errors import Recorder, UcwaFormatError
from ._events import EVENT_TYPES
from ._json import OFFSET_LOSS, SUB_MS_LOSS
from ._schema import PropertyType, Schema
from ._xml import _BOOLS, _INT, MAX_DEPTH, NS, XSI, UnknownPolicy, member_path

__all__ = ["Bail", "direct_object"]

_RESOURCE: Final = f"{{{NS}}}resource"
_PROPERTY: Final = f"{{{NS}}}property"
_PLIST: Final = f"{{{NS}}}propertyList"
_ITEM: Final = f"{{{NS}}}item"
_LINK: Final = f"{{{NS}}}link"
_SENDER: Final = f"{{{NS}}}sender"
_EVENTS: Final = f"{{{NS}}}events"
_NIL: Final = f"{{{XSI}}}nil"
_EVENT_TAGS: Final = {f"{{{NS}}}{name}": name for name in EVENT_TYPES}


class Bail(Exception):
    """The document needs the model path (it has something to report, or is unusual)."""


class _Direct:
    __slots__ = ("date_offset", "dates", "docs", "later", "schema", "strict")

    def __init__(self, schema: Schema, strict: bool, date_offset: bool) -> None:
        self.schema = schema
        self.strict = strict
        self.date_offset = date_offset
        self.dates = False  # a /Date()/ was written (for the \/ escaping)
        self.docs = False  # the docs dialect: types come from <property name="rel">
        self.later: list[tuple[str, str, str]] = []  # the writer's losses, reported at the end

    # -- values -------------------------------------------------------------------------------

    def scalar(self, text: str, pt: PropertyType, path: str) -> Any:
        """Typed text as the JSON writer writes it; Bail where the reader would report."""
        kind = pt.type
        if kind == "integer":
            if _INT.fullmatch(text):
                return int(text)
            raise Bail
        if kind == "boolean":
            value = _BOOLS.get(text.lower())
            if value is None:
                raise Bail
            return value
        if kind != "datetime":
            return text
        try:
            ts = parse_iso(text, strict=self.strict)
        except UcwaFormatError:
            raise Bail from None
        if not iso_has_zone(text):
            raise Bail
        if ts.sub_ms:
            self.later.append(("sub-ms", path, SUB_MS_LOSS))
        if ts.offset is not None and not self.date_offset:
            self.later.append(("offset", path, OFFSET_LOSS))
        self.dates = True
        return format_ms_date(ts, offset=True if self.date_offset else None)

    def items(self, el: etree._Element, pt: PropertyType | None, path: str) -> list[Any]:
        """A ``<propertyList>``'s items."""
        text = el.text
        if text and not text.isspace():
            raise Bail
        out: list[Any] = []
        for item in el:
            tail = item.tail
            if item.tag != _ITEM or (tail and not tail.isspace()) or len(item):
                raise Bail
            if item.get(_NIL) is not None:
                raise Bail
            text = item.text
            if text is None:
                text = ""
            if pt is None or pt.type == "string":
                out.append(text)
            else:
                out.append(self.scalar(text, pt, f"{path}[{len(out)}]"))
        return out

    # -- resources ----------------------------------------------------------------------------

    def body(
        self,
        el: etree._Element,
        out: dict[str, Any],
        path: str,
        rtype: str | None,
        role: str | None,
        depth: int,
        self_link: dict[str, str] | None,
    ) -> dict[str, Any]:
        """The children of ``<resource>`` into ``out``, the model path's properties, links and
        embedded resources in the JSON writer's order."""
        if depth > MAX_DEPTH:
            raise Bail
        text = el.text
        if text and not text.isspace():
            raise Bail
        schema = self.schema
        typing: Mapping[str, PropertyType | None] = schema.typing(rtype, role)
        links: dict[str, list[dict[str, str]]] = {}
        embedded: dict[str, list[etree._Element]] = {}
        for child in el:
            tail = child.tail
            if tail and not tail.isspace():
                raise Bail
            tag = child.tag
            if tag == _PROPERTY:
                name = child.get("name")
                if name is None or name in out:
                    raise Bail
                if len(child) or child.get(_NIL) is not None:
                    raise Bail
                text = child.text
                if text is None:
                    text = ""
                if name == "rel":
                    # The docs dialect's type mark (§5), where the model path puts it.
                    if not self.docs:
                        raise Bail
                    out["rel"] = text
                    continue
                pt = typing[name]
                if pt is None:
                    out[name] = text
                elif pt.array:
                    raise Bail
                elif pt.type == "string":
                    out[name] = text
                else:
                    out[name] = self.scalar(text, pt, member_path(path, name))
            elif tag == _LINK:
                rel = child.get("rel")
                href = child.get("href")
                if rel is None or href is None or rel == "self" or len(child):
                    raise Bail
                text = child.text
                if text and not text.isspace():
                    raise Bail
                if len(child.attrib) > 2:
                    link = {"href": href}
                    for key, val in child.items():
                        if key != "rel" and key != "href":
                            link[key] = val  # type: ignore[index,assignment]
                else:
                    link = {"href": href}
                group = links.get(rel)
                if group is None:
                    links[rel] = [link]
                else:
                    group.append(link)
            elif tag == _PLIST:
                name = child.get("name")
                if name is None or name in out or name == "rel":
                    raise Bail
                pt = typing[name]
                out[name] = self.items(child, pt, member_path(path, name))
            elif tag == _RESOURCE:
                role_ = child.get("rel")
                if role_ is None:
                    raise Bail
                group_ = embedded.get(role_)
                if group_ is None:
                    embedded[role_] = [child]
                else:
                    group_.append(child)
            else:
                raise Bail
        if "_links" in out or "_embedded" in out:
            raise Bail  # properties the JSON writer refuses; the model path says so
        effective = rtype or role
        if self_link is not None or links:
            links_out: dict[str, Any] = {}
            if self_link is not None:
                links_out["self"] = self_link
            for rel, group in links.items():
                if len(group) > 1:
                    links_out[rel] = group
                    continue
                coll = schema.link_collection(effective, rel)
                if coll is None:
                    raise Bail  # a guess, which the model path reports
                links_out[rel] = group if coll else group[0]
            out["_links"] = links_out
        if embedded:
            embedded_out: dict[str, Any] = {}
            for role_, els in embedded.items():
                epath = member_path(member_path(path, "_embedded"), role_)
                if len(els) > 1:
                    coll = True
                else:
                    coll = schema.embedded_collection(effective, role_)
                    if coll is None:
                        raise Bail
                if coll:
                    embedded_out[role_] = [
                        self.embedded(c, f"{epath}[{i}]", effective, role_, depth + 1)
                        for i, c in enumerate(els)
                    ]
                else:
                    embedded_out[role_] = self.embedded(els[0], epath, effective, role_, depth + 1)
            out["_embedded"] = embedded_out
        return out

    def embedded(
        self, el: etree._Element, path: str, parent: str | None, role: str, depth: int
    ) -> dict[str, Any]:
        self_link = _self_link(el)
        out: dict[str, Any] = {}
        if self.docs:
            rtype = _prop_rel(el)
        elif len(el):
            # The server dialect leaves the type out (§5, D4); stubs stay typeless.
            rtype = self.schema.embedded_type(parent, role) or role
            out["rel"] = rtype
        else:
            rtype = None
        return self.body(el, out, path, rtype, role, depth, self_link)

    def root(self, el: etree._Element, hint: str | None) -> dict[str, Any]:
        rel = el.get("rel")
        self_link = _self_link(el)
        prop_rel = _prop_rel(el)
        self.docs = prop_rel is not None
        out: dict[str, Any] = {}
        if prop_rel is not None:
            if rel is not None and rel != prop_rel:
                raise Bail  # rel-conflict
            rtype: str | None = prop_rel
        else:
            if rel is not None:
                out["rel"] = rel
            rtype = rel or hint
        return self.body(el, out, "$", rtype, None, 0, self_link)

    # -- event pages --------------------------------------------------------------------------

    def events(self, root: etree._Element) -> dict[str, Any]:
        self_link = _self_link(root, keep_rel=True)
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
                senders.append(self.sender(child, f"$.sender[{len(senders)}]"))
            elif tag == _LINK:
                attrs = _attrs(child)
                rel = attrs.pop("rel", None)
                href = attrs.pop("href", None)
                if rel is None or href is None or rel == "self":
                    raise Bail
                link = {"href": href}
                link.update(attrs)
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

    def sender(self, el: etree._Element, path: str) -> dict[str, Any]:
        rel = el.get("rel")
        href = el.get("href")
        if rel is None or href is None:
            raise Bail
        out: dict[str, Any] = {"rel": rel, "href": href}
        if len(el.attrib) > 2:
            for key, val in el.items():
                if key != "rel" and key != "href":
                    out[key] = val  # type: ignore[index]
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
            attrs = _attrs(child)
            rel_ = attrs.pop("rel", None)
            href_ = attrs.pop("href", None)
            if rel_ is None or href_ is None or "status" in attrs:
                raise Bail
            link = {"rel": rel_, "href": href_}
            if attrs:
                link.update(attrs)
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
                            res_el, f"{path}.events[{len(events)}]._embedded.{role}", None, role, 1
                        )
                    }
                event["_embedded"] = res
            event["type"] = etype
            events.append(event)
        out["events"] = events
        return out


def _attrs(el: etree._Element) -> dict[str, str]:
    # Parsed from bytes, lxml gives str names and values; the stubs say str | bytes.
    return cast("dict[str, str]", dict(el.attrib))


def _self_link(el: etree._Element, keep_rel: bool = False) -> dict[str, str] | None:
    """The JSON ``self`` link of an element: its href, then its other attributes in order.

    A resource's ``rel`` attribute is its type or role, not part of the link (``keep_rel`` is
    for ``<events>``, whose attributes other than href all go to the link, D14).
    """
    href: str | None = None
    extra: list[tuple[str, str]] = []
    for key, val in el.items():
        if key == "href":
            href = val  # type: ignore[assignment]
        elif keep_rel or key != "rel":
            extra.append((key, val))  # type: ignore[arg-type]
    if href is None:
        return dict(extra) if extra else None
    link = {"href": href}
    if extra:
        link.update(extra)
    return link


def _prop_rel(el: etree._Element) -> str | None:
    """The docs dialect's ``<property name="rel">`` of this element, if it has one."""
    for child in el:
        if child.tag == _PROPERTY and child.get("name") == "rel":
            return child.text or ""
    return None


def direct_object(
    root: etree._Element,
    *,
    rel: str | None,
    schema: Schema,
    rec: Recorder,
    unknown: UnknownPolicy,
    date_offset: bool,
) -> tuple[dict[str, Any], bool] | None:
    """The JSON object of a resource or event page, and whether it holds dates; or None.

    None means the document is not one this path handles, or it needs reporting: the caller
    runs the model path on the same tree. The writer's losses are sent to ``rec`` here.
    """
    del unknown  # a relation the schema does not know always goes to the model path
    tag = root.tag
    direct = _Direct(schema, rec.strict, date_offset)
    try:
        if tag == _RESOURCE:
            obj = direct.root(root, rel)
        elif tag == _EVENTS:
            obj = direct.events(root)
        else:
            return None
    except Bail:
        return None
    for kind, path, message in direct.later:
        rec.loss(kind, path, message)
    return obj, direct.dates
