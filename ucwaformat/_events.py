"""Event-channel pages (FORMAT.md §10): ``<events>`` ⇄ ``{"_links": …, "sender": […]}``.

The event type is the XML element name; the JSON ``link`` is flattened into its attributes. The
members XML does not document (``in``, ``status``, ``reason``) use the provisional forms of §10.3
and every use is reported; unknown members pass through, never dropped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, Final

from lxml import etree

from . import _json, _xml
from ._dto import DtoXmlWriter, read_reason_json, read_reason_xml, write_dto_json, write_reason_xml
from ._errors import UcwaFormatError, member_path
from ._model import Attributes, Dto, Event, EventParts, Events, Link, PageLinks, Sender
from ._xmltext import xml_name

__all__ = [
    "EVENT_TYPES",
    "is_events_json",
    "read_events_json",
    "read_events_xml",
    "write_events_json",
    "write_events_xml",
]

NS: Final = _xml.NS
EVENT_TYPES: Final = frozenset(("added", "updated", "deleted", "started", "completed"))
#: Event-element attributes that are event members, not link attributes (§10.3 entry_attributes).
ENTRY_ATTRIBUTES: Final = frozenset(("status",))
_PAGE_LINKS: Final = frozenset(("next", "resume", "resync"))
_SENDER: Final = f"{{{NS}}}sender"
_RESOURCE: Final = f"{{{NS}}}resource"
_NOT_AN_ELEMENT: Final = object()
_EVENT_TAGS: Final = {f"{{{NS}}}{name}": name for name in EVENT_TYPES}


def is_events_json(obj: dict[str, Any]) -> bool:
    """FORMAT.md D16/D27: ``sender``, or a ``next``/``resume``/``resync`` link without ``rel``."""
    if "sender" in obj:
        return True
    links = obj.get("_links")
    return "rel" not in obj and isinstance(links, dict) and not _PAGE_LINKS.isdisjoint(links)


def _local(el: etree._Element) -> tuple[str | None, str]:
    q = etree.QName(el)
    return q.namespace, q.localname


# -- XML -> model ------------------------------------------------------------------------------


def _attributes(el: etree._Element, reader: _xml._Reader) -> list[tuple[str, str]]:
    return _xml.attributes(el, reader.rec.limits.max_attributes)


def read_events_xml(root: etree._Element, reader: _xml._Reader) -> Any:
    """``<events>`` → what the reader's sink makes of it (:class:`Events` for the model)."""
    sink = reader.sink
    href: str | None = None
    self_attrs: list[tuple[str, str]] = []
    for key, val in _attributes(root, reader):
        if key == "href":
            href = val
        else:
            self_attrs.append((key, val))  # D14
    links: dict[str, list[Any]] = {}
    senders: list[Any] = []
    for child in root:
        tag = child.tag
        if tag == _SENDER:
            senders.append(_sender_xml(child, f"$.sender[{len(senders)}]", reader))
            continue
        if not isinstance(tag, str):
            continue
        ns, name = _local(child)
        if ns not in (NS, None):
            raise UcwaFormatError(f"element <{name}> is in a foreign namespace", path="$")
        if name == "link":
            rel, record = reader.link_record(_attributes(child, reader), child, "$._links")
            links.setdefault(rel, []).append(record)
        elif name == "sender":
            senders.append(_sender_xml(child, f"$.sender[{len(senders)}]", reader))
        else:
            reader.unknown_child(child, "?" + name, "$")
    reader.stray_text(root, "$")
    entries: list[tuple[str, Any]] = [
        (rel, sink.many(group) if len(group) > 1 else group[0]) for rel, group in links.items()
    ]
    return sink.events(href, entries, senders, tuple(self_attrs))


def _sender_xml(el: etree._Element, path: str, reader: _xml._Reader) -> Any:
    rel, href, attrs = _xml.split_attributes(_attributes(el, reader))
    if rel is None or href is None:
        raise UcwaFormatError("<sender> without rel or href", line=_xml.line_of(el), path=path)
    events: list[Any] = []
    prefix = f"{path}.events["
    for child in el:
        event = _event_xml(child, f"{prefix}{len(events)}]", reader)
        if event is not _NOT_AN_ELEMENT:
            events.append(event)
    reader.stray_text(el, path)
    return reader.sink.sender(rel, href, events, tuple(attrs))


def _event_xml(el: etree._Element, path: str, reader: _xml._Reader) -> Any:
    rec = reader.rec
    tag = el.tag
    etype = _EVENT_TAGS.get(tag)  # the common case: one lookup
    if etype is None:
        if not isinstance(tag, str):
            return _NOT_AN_ELEMENT
        ns, etype = _local(el)
        if ns not in (NS, None):
            raise UcwaFormatError(f"event element <{etype}> is in a foreign namespace", path=path)
        if etype not in EVENT_TYPES:
            rec.loss("event", f"{path}.type", f"unknown event type {etype!r}; carried through")
    # (Parsed from bytes, lxml gives str pairs; its stubs say str | bytes.)
    # (Parsed from bytes, lxml gives str pairs; its stubs say str | bytes.)
    attrs: list[tuple[str, str]] = (
        _attributes(el, reader) if reader.many else el.items()  # type: ignore[assignment]
    )
    if len(attrs) == 2 and attrs[0][0] == "rel" and attrs[1][0] == "href":
        rel: str | None = attrs[0][1]  # the common case
        href: str | None = attrs[1][1]
        status = None
        link_attrs: list[tuple[str, str]] = []
    else:
        rel, href, status, link_attrs = _event_attrs(attrs, path, reader)
    if rel is None or href is None:
        raise UcwaFormatError(
            f"<{etype}> event without rel or href", line=_xml.line_of(el), path=path
        )
    embedded: tuple[str, Any] | None = None
    in_link: Link | None = None
    reason = None
    extra: list[tuple[str, str | Attributes]] = []
    for child in el:
        ctag = child.tag
        if ctag == _RESOURCE:
            cns: str | None = NS  # the common case
            name = "resource"
        elif not isinstance(ctag, str):
            continue
        else:
            cns, name = _local(child)
        if name == "resource" and cns in (NS, None):
            role = child.get("rel")
            if role is None:
                raise UcwaFormatError("embedded <resource> without 'rel'", path=f"{path}._embedded")
            if embedded is not None:
                raise UcwaFormatError(
                    "an event embeds one resource at most", path=f"{path}._embedded"
                )
            # An event has no parent resource type: the role's type comes from `roles` (§14.1).
            embedded = (
                role,
                reader.embedded(child, member_path(f"{path}._embedded", role), None, role, 1),
            )
        elif name == "in" and cns in (NS, None):
            irel, ihref, iattrs = _xml.split_attributes(_attributes(child, reader))
            if irel is None or ihref is None:
                raise UcwaFormatError("<in> without rel or href", path=f"{path}.in")
            in_link = Link(irel, ihref, tuple(iattrs))
            rec.loss(
                "event",
                f"{path}.in",
                "'in' has no documented XML form; read from the provisional <in> element",
            )
        elif name == "reason" and cns in (NS, None):
            reason = read_reason_xml(child, f"{path}.reason", rec)
            rec.loss(
                "event",
                f"{path}.reason",
                "'reason' has no documented XML form; read from the provisional <reason> element",
            )
        else:
            rec.loss(
                "event", member_path(path, name), f"undocumented event member <{name}>; carried through"
            )
            if len(child):
                extra.append((name, "".join(str(t) for t in child.itertext())))
            elif child.attrib:
                extra.append((name, tuple(_attributes(child, reader))))
            else:
                extra.append((name, child.text or ""))
    return reader.sink.event(
        etype,
        event_link(rel, href, link_attrs),
        embedded,
        in_link,
        status,
        reason,
        tuple(extra) if extra else (),
    )


def _event_attrs(
    attrs: list[tuple[str, str]], path: str, reader: _xml._Reader
) -> tuple[str | None, str | None, str | None, list[tuple[str, str]]]:
    """An event element's attributes: (rel, href, the provisional status, the link's others)."""
    rel, href, others = _xml.split_attributes(attrs)
    status = None
    link_attrs: list[tuple[str, str]] = []
    for key, val in others:
        if key in ENTRY_ATTRIBUTES:
            status = val
            reader.rec.loss(
                "event",
                f"{path}.status",
                "'status' has no documented XML form; read from the provisional attribute",
            )
        else:
            link_attrs.append((key, val))
    return rel, href, status, link_attrs


# -- JSON -> model -----------------------------------------------------------------------------


def read_events_json(obj: dict[str, Any], reader: _json._Reader) -> Any:
    """``{"_links": …, "sender": […]}`` → what the reader's sink makes of it (:class:`Events`
    for the model; each event and sender is handed to the sink as it is read)."""
    page: PageLinks = (None, (), ())
    senders: list[Any] = []
    sender_member = False
    for key, val in obj.items():
        if key == "_links":
            page = reader.links(val, "$._links", True)
        elif key == "sender":
            sender_member = True
            if not isinstance(val, list):
                raise UcwaFormatError(
                    f"'sender' must be an array, not {_json._json_type(val)}", path="$.sender"
                )
            senders.extend(_sender_json(s, f"$.sender[{i}]", reader) for i, s in enumerate(val))
        else:
            raise UcwaFormatError(
                f"unexpected member {key!r} in an event page", path=member_path("$", key)
            )
    return reader.sink.events(page, senders, sender_member and not senders)


def _string(obj: dict[str, Any], key: str, path: str) -> str:
    val = obj.get(key)
    if not isinstance(val, str):
        what = "is missing" if val is None else f"must be a string, not {_json._json_type(val)}"
        raise UcwaFormatError(f"{key!r} {what}", path=path)
    return val


def _sender_json(obj: Any, path: str, reader: _json._Reader) -> Any:
    if not isinstance(obj, dict):
        raise UcwaFormatError(f"a sender must be an object, not {_json._json_type(obj)}", path=path)
    rel = _string(obj, "rel", path)
    href = _string(obj, "href", path)
    events: list[Any] = []
    attrs: list[tuple[str, str]] = []
    for key, val in obj.items():
        if key in ("rel", "href"):
            continue
        if key == "events":
            if not isinstance(val, list):
                raise UcwaFormatError("'events' must be an array", path=f"{path}.events")
            events.extend(_event_json(e, f"{path}.events[{i}]", reader) for i, e in enumerate(val))
        elif isinstance(val, str):
            attrs.append((key, val))
        else:
            raise UcwaFormatError(f"unexpected sender member {key!r}", path=member_path(path, key))
    return reader.sink.sender(rel, href, events, tuple(attrs), path)


def _link_json(obj: Any, path: str) -> Link:
    if not isinstance(obj, dict):
        raise UcwaFormatError(f"must be a link object, not {_json._json_type(obj)}", path=path)
    rel = _string(obj, "rel", path)
    href = _string(obj, "href", path)
    extra = []
    for key, val in obj.items():
        if key in ("rel", "href"):
            continue
        if not isinstance(val, str):
            raise UcwaFormatError(f"link member {key!r} must be a string", path=member_path(path, key))
        extra.append((key, val))
    return Link(rel, href, tuple(extra))


def _event_json(obj: Any, path: str, reader: _json._Reader) -> Any:
    rec = reader.rec
    if not isinstance(obj, dict):
        raise UcwaFormatError(f"an event must be an object, not {_json._json_type(obj)}", path=path)
    etype = _string(obj, "type", f"{path}.type")
    if etype not in EVENT_TYPES:
        xml_name(etype, f"{path}.type")
        rec.loss("event", f"{path}.type", f"unknown event type {etype!r}; carried through")
    if "link" not in obj:
        raise UcwaFormatError("an event needs a 'link'", path=path)
    link = _link_json(obj["link"], f"{path}.link")
    embedded: tuple[str, Any] | None = None
    in_link = None
    status = None
    reason = None
    extra: list[tuple[str, str | int | bool | Attributes]] = []
    for key, val in obj.items():
        kpath = member_path(path, key)
        if key in ("type", "link"):
            continue
        if key == "_embedded":
            if not isinstance(val, dict) or len(val) != 1:
                raise UcwaFormatError(
                    "an event's '_embedded' must be an object with one member", path=kpath
                )
            ((role, res),) = val.items()
            if isinstance(res, list):
                raise UcwaFormatError(
                    "an event embeds one object, never an array", path=member_path(kpath, role)
                )
            embedded = (role, reader.resource(res, member_path(kpath, role), None, role, 1))
        elif key == "in":
            in_link = _link_json(val, kpath)
        elif key == "status":
            if not isinstance(val, str):
                raise UcwaFormatError("'status' must be a string", path=kpath)
            status = val
        elif key == "reason":
            reason = read_reason_json(val, kpath, rec)
        elif isinstance(val, (str, int)) and not isinstance(val, float):
            rec.loss("event", kpath, f"undocumented event member {key!r}; carried through")
            extra.append((key, val))
        elif isinstance(val, dict) and all(isinstance(v, str) for v in val.values()):
            rec.loss("event", kpath, f"undocumented event member {key!r}; carried through")
            extra.append((key, tuple(val.items())))
        else:
            raise UcwaFormatError(f"event member {key!r} has no XML form", path=kpath)
    return reader.sink.event((etype, link, embedded, in_link, status, reason, tuple(extra)), path)


# -- model -> JSON -----------------------------------------------------------------------------


def write_events_json(
    doc: Events, writer: _json._Writer, empty_sender_list: bool = False
) -> dict[str, Any]:
    """:class:`Events` → the JSON object (no ``sender`` member on a page without senders, D27)."""
    senders = [_sender_out(s, f"$.sender[{i}]", writer) for i, s in enumerate(doc.senders)]
    links = writer.links(doc.links, doc.href, doc.self_attributes)
    return events_obj(links, senders, bool(doc.sender_member or empty_sender_list))


def events_obj(links: dict[str, Any] | None, senders: list[Any], sender_member: bool) -> dict[str, Any]:
    """An event page's JSON object from its ``_links`` and its senders' objects."""
    out: dict[str, Any] = {}
    if links is not None:
        out["_links"] = links
    if senders or sender_member:
        out["sender"] = senders
    return out


def _sender_out(sender: Sender, path: str, writer: _json._Writer) -> dict[str, Any]:
    events = [_event_out(e, f"{path}.events[{i}]", writer) for i, e in enumerate(sender.events)]
    return sender_obj(sender.rel, sender.href, sender.attributes, events)


def sender_obj(
    rel: str, href: str, attrs: tuple[tuple[str, str], ...], events: list[Any]
) -> dict[str, Any]:
    """A sender's JSON object: rel, href, its other attributes, then its events' objects."""
    out: dict[str, Any] = {"rel": rel, "href": href}
    if attrs:
        out.update(attrs)
    out["events"] = events
    return out


def event_link(rel: str, href: str, attrs: Iterable[tuple[str, str]]) -> dict[str, str]:
    """An event's ``link`` (or ``in``) as JSON writes it: rel, href, then its other members."""
    out = {"rel": rel, "href": href}
    if attrs:
        out.update(attrs)
    return out


def _link_out(link: Link) -> dict[str, str]:
    return event_link(link.rel, link.href, link.attributes)


def _event_out(event: Event, path: str, writer: _json._Writer) -> dict[str, Any]:
    embedded = None
    if event.embedded is not None:
        role, res = event.embedded
        embedded = (role, writer.resource(res, member_path(f"{path}._embedded", role)))
    return event_obj(
        event.type, _link_out(event.link), embedded, event.in_link, event.status, event.reason, event.extra
    )


def event_obj(
    etype: str,
    link: dict[str, str],
    embedded: tuple[str, dict[str, Any]] | None,
    in_link: Link | None,
    status: str | None,
    reason: Dto | None,
    extra: tuple[tuple[str, Any], ...],
) -> dict[str, Any]:
    """An event's JSON object, its embedded resource's object given: the link flattened, the
    provisional members, the unknown ones, ``_embedded``, then ``type`` (§10)."""
    out: dict[str, Any] = {"link": link}
    if in_link is not None:
        out["in"] = _link_out(in_link)
    if status is not None:
        out["status"] = status
    if reason is not None:
        out["reason"] = write_dto_json(reason)
    for key, val in extra:
        out[key] = dict(val) if isinstance(val, tuple) else val
    if embedded is not None:
        out["_embedded"] = {embedded[0]: embedded[1]}
    out["type"] = etype
    return out


# -- model -> XML ------------------------------------------------------------------------------


def write_events_xml(doc: Events, writer: _xml._Writer) -> None:
    """:class:`Events` → ``<events>`` appended to the writer's output."""
    dto = DtoXmlWriter(writer.text, writer.attr, writer.attrs, writer.bools, writer.pretty)

    def event(ev: Event, path: str) -> None:
        _event_xml_out(ev, path, writer, dto)

    def sender(s: Sender, path: str) -> None:
        sender_element(writer, s.rel, s.href, s.attributes, s.events, path, event)

    events_element(writer, (doc.href, doc.self_attributes, doc.links), doc.senders, sender)


def _event_xml_out(event: Event, path: str, writer: _xml._Writer, dto: DtoXmlWriter) -> None:
    """A model event (and, through the writer, the resource it embeds)."""
    parts = (event.type, event.link, event.embedded, event.in_link, event.status, event.reason)
    event_element(writer, (*parts, event.extra), path, writer.resource, dto)


def events_element(
    writer: _xml._Writer,
    page: PageLinks,
    senders: Sequence[Any],
    child: Callable[[Any, str], None],
) -> None:
    """``<events>`` from its parts, whoever holds them (a model page, or what the JSON reader
    read); each sender goes through ``child(sender, path)``, which writes or places it."""
    href, self_attrs, links = page
    out = writer.out
    head = "<events"
    if href is not None:
        head += f' href="{writer.attr(href, "$")}"'
    head += writer.attrs(self_attrs, "$") + f' xmlns="{NS}"'
    if not (links or senders):
        out.append(f"{writer.nl(0)}{head}/>")
        return
    out.append(f"{writer.nl(0)}{head}>")
    writer.links(links, "$", 1)
    for i, sender in enumerate(senders):
        child(sender, f"$.sender[{i}]")
    writer.out.append(writer.nl(0) + "</events>")


def sender_element(
    writer: _xml._Writer,
    rel: str,
    href: str,
    attrs: tuple[tuple[str, str], ...],
    events: Sequence[Any],
    path: str,
    child: Callable[[Any, str], None],
) -> None:
    """One ``<sender>`` from its parts; each event goes through ``child(event, path)``."""
    out = writer.out
    head = (
        f'<sender rel="{writer.attr(rel, path)}" href="{writer.attr(href, path)}"'
        f"{writer.attrs(attrs, path)}"
    )
    ind = writer.nl(1)
    if not events:
        out.append(f"{ind}{head}/>")
        return
    out.append(f"{ind}{head}>")
    for j, event in enumerate(events):
        child(event, f"{path}.events[{j}]")
    writer.out.append(f"{ind}</sender>")


def event_element(
    writer: _xml._Writer,
    parts: EventParts,
    path: str,
    child: Callable[[Any, str, str, int], None],
    dto: DtoXmlWriter | None = None,
) -> None:
    """One event's element from its parts; its embedded resource goes through
    ``child(resource, role, path, depth)`` (see ``_xml._Writer.embedded``). ``dto``: the
    writer of its ``reason`` (made here if it has one and none is given)."""
    etype, link, embedded, in_link, status, reason, extra = parts
    out = writer.out
    if etype not in EVENT_TYPES:
        writer.rec.loss(
            "event", f"{path}.type", f"unknown event type {etype!r}; written as an element"
        )
    xml_name(etype, f"{path}.type")
    attrs: list[tuple[str, str]] = [*link.attributes]
    if status is not None:
        writer.rec.loss(
            "event",
            f"{path}.status",
            "'status' has no documented XML form; written as the provisional attribute",
        )
        attrs.append(("status", status))
    children: list[str] = []
    for key, val in extra:
        kpath = member_path(path, key)
        writer.rec.loss("event", kpath, f"undocumented event member {key!r}; written provisionally")
        if isinstance(val, tuple):
            # The member's name becomes an element name: checked, never spliced in as it is.
            name = xml_name(key, kpath)
            children.append(f"{writer.nl(3)}<{name}{writer.attrs(val, kpath)}/>")
        elif isinstance(val, bool):
            attrs.append((key, "true" if val else "false"))
        else:
            attrs.append((key, str(val)))
    head = (
        f'<{etype} rel="{writer.attr(link.rel, path)}" href="{writer.attr(link.href, path)}"'
        f"{writer.attrs(tuple(attrs), path)}"
    )
    ind = writer.nl(2)
    if not (in_link or reason or children or embedded):
        out.append(f"{ind}{head}/>")
        return
    out.append(f"{ind}{head}>")
    if in_link is not None:
        writer.rec.loss(
            "event",
            f"{path}.in",
            "'in' has no documented XML form; written as the provisional <in> element",
        )
        out.append(
            f'{writer.nl(3)}<in rel="{writer.attr(in_link.rel, path)}"'
            f' href="{writer.attr(in_link.href, path)}"'
            f"{writer.attrs(in_link.attributes, path)}/>"
        )
    if reason is not None:
        writer.rec.loss(
            "event",
            f"{path}.reason",
            "'reason' has no documented XML form; written as the provisional <reason> element",
        )
        if dto is None:
            dto = DtoXmlWriter(writer.text, writer.attr, writer.attrs, writer.bools, writer.pretty)
        out.append(write_reason_xml(reason, dto, 3, f"{path}.reason"))
    out.extend(children)
    if embedded is not None:
        role, res = embedded
        child(res, role, member_path(f"{path}._embedded", role), 3)
    writer.out.append(f"{ind}</{etype}>")
