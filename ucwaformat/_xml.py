"""The hardened XML reader (lxml) and the XML writer (a string builder) for resources and inputs.

FORMAT.md §2, §3, §5–§7 are the spec. The reader types text with the schema and settles the
cardinality of links and embedded resources as it reads (D1–D4); the writer needs no schema.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Final, Literal, Protocol, cast

from lxml import etree

from . import _xmltext as xmltext
from ._dates import Timestamp, format_iso
from ._errors import DEFAULT_LIMITS, Recorder, UcwaFormatError, member_path, path_of
from ._media import Dialect, check_dialect
from ._model import (
    Event,
    Events,
    Input,
    InputParts,
    Link,
    LinkEntry,
    Resource,
    ResourceParts,
    Scalar,
    Sender,
    Value,
)
from ._schema import CONVERTED, PropertyType, Schema
from ._values import xml_bool, xml_datetime, xml_int
from ._xmltext import plain_attr, plain_text, xml_name

__all__ = ["NS", "parse_xml_bytes"]

NS: Final = "http://schemas.microsoft.com/rtc/2012/03/ucwa"
XSI: Final = "http://www.w3.org/2001/XMLSchema-instance"
_XSI_NIL: Final = f"{{{XSI}}}nil"

UnknownPolicy = Literal["single", "collection"]

# Element kinds by tag. Readers match namespace + local name, never a prefix (§2); UCWA names
# without a namespace are accepted leniently and reported (D20).
_KINDS: Final[dict[str, str]] = {}
for _name in ("resource", "input", "link", "property", "propertyList", "item"):
    _KINDS[f"{{{NS}}}{_name}"] = _name
_PROPERTY_TAGS: Final = frozenset((f"{{{NS}}}property", "property"))
_BARE: Final = frozenset(("resource", "input", "link", "property", "propertyList", "item"))

# What lxml appends to libxml2's message: the position.
_LINE_COL_SUFFIX: Final = re.compile(r",? line \d+, column \d+$")
# What libxml2 appends to some messages: a line, sometimes the error's own (see syntax_error).
_LINE_SUFFIX: Final = re.compile(r" line (\d+)$")

#: Resources nested deeper than this are refused by default (``Limits.max_depth``); libxml2
#: itself stops at 256 elements.
MAX_DEPTH: Final = DEFAULT_LIMITS.max_depth
#: libxml2's own bound on one text node or attribute value, in bytes (huge trees are never
#: allowed); a lower ``Limits.max_value_size`` is checked by :func:`check_value_sizes`.
PARSER_VALUE_BOUND: Final = 10_000_000

_THREAD: Final = threading.local()


def _parser() -> etree.XMLParser:
    # lxml parsers must not be shared between threads; one per thread, built once.
    parser: etree.XMLParser | None = getattr(_THREAD, "parser", None)
    if parser is None:
        parser = etree.XMLParser(
            # UCWA is always UTF-8 (§1). Forcing it also means no declared encoding (UTF-7,
            # UTF-16) can hide a DOCTYPE from the byte check in parse_xml_bytes.
            encoding="utf-8",
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            dtd_validation=False,
            remove_comments=True,
            remove_pis=True,
            huge_tree=False,
            collect_ids=False,
        )
        _THREAD.parser = parser
    return parser


def line_of(el: etree._Element) -> int | None:
    """The line an element starts on (lxml's stubs leave ``sourceline`` untyped)."""
    return cast("int | None", el.sourceline)


#: The most attributes an element may have by default (``Limits.max_attributes``). lxml reads
#: attribute values in time quadratic in their number (each value is looked up by name), so
#: one element with 100,000 attributes would take a minute; UCWA elements have a handful.
MAX_ATTRIBUTES: Final = DEFAULT_LIMITS.max_attributes


def attributes(el: etree._Element, limit: int = MAX_ATTRIBUTES) -> list[tuple[str, str]]:
    """An element's attributes in document order; more than ``limit`` is an error."""
    if len(el.attrib) > limit:
        raise UcwaFormatError(
            f"<{etree.QName(el).localname}> has {len(el.attrib)} attributes; "
            f"at most {limit} are read",
            line=line_of(el),
        )
    # Parsed from bytes, lxml gives str names and values; the stubs say str | bytes.
    return el.items()  # type: ignore[return-value]


def split_attributes(
    items: list[tuple[str, str]],
) -> tuple[str | None, str | None, list[tuple[str, str]]]:
    """An element's attributes as (rel, href, the others in document order)."""
    rel = href = None
    extra: list[tuple[str, str]] = []
    for key, val in items:
        if key == "rel":
            rel = val
        elif key == "href":
            href = val
        else:
            extra.append((key, val))
    return rel, href, extra


def _position(text: bytes, offset: int) -> tuple[int, int]:
    line = text.count(b"\n", 0, offset) + 1
    column = offset - (text.rfind(b"\n", 0, offset) + 1) + 1
    return line, column


_BOMS: Final = (
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\xfe\xff", "utf-16-be"),
    (b"\xff\xfe", "utf-16-le"),
)
_BOM_STARTS: Final = frozenset(bom[:1] for bom, _ in _BOMS)


def _utf8(raw: bytes) -> bytes:
    # A document that announces UTF-16/32 with a byte-order mark is transcoded, so that the
    # parser (which reads UTF-8 only) and the DOCTYPE check see the same characters.
    for bom, codec in _BOMS:
        if raw.startswith(bom):
            body = raw[len(bom) :]
            try:
                return body.decode(codec).encode("utf-8")
            except UnicodeDecodeError as exc:
                # The position in characters, as the text before the bad bytes reads.
                before = body[: exc.start].decode(codec)
                line = before.count("\n") + 1
                column = len(before) - (before.rfind("\n") + 1) + 1
                raise UcwaFormatError(
                    f"invalid {codec.upper()} text: {exc.reason}", line=line, column=column
                ) from None
    return raw


def parse_xml_bytes(data: bytes | str) -> etree._Element:
    """Parse with the hardened parser; every failure becomes a positioned UcwaFormatError."""
    return parse_raw(xml_bytes(data))


def xml_bytes(data: bytes | str) -> bytes:
    """The UTF-8 bytes the parser will read, checked for what it must never see (NUL, DOCTYPE)."""
    if type(data) is bytes and data[:1] not in _BOM_STARTS:  # the common case: one test
        raw = data
    elif isinstance(data, str):
        try:
            raw = data.encode("utf-8")
        except UnicodeEncodeError as exc:
            line, column = _position(data[: exc.start].encode("utf-8", "replace"), exc.start)
            raise UcwaFormatError(
                "the text holds a lone surrogate, which XML cannot carry", line=line, column=column
            ) from None
    elif isinstance(data, (bytes, bytearray, memoryview)):
        raw = _utf8(bytes(data))
    else:
        raise UcwaFormatError(f"Expected bytes or str, not {type(data).__name__!r}")
    nul = raw.find(b"\x00")
    if nul >= 0:
        line, column = _position(raw, nul)
        raise UcwaFormatError("NUL byte: XML 1.0 cannot hold U+0000", line=line, column=column)
    # UCWA never uses a DOCTYPE; refusing any blocks entity expansion and external entities.
    # (rfind: CPython searches backwards about twice as fast for needles like these.)
    if raw.rfind(b"<!DOCTYPE") >= 0:
        line, column = _position(raw, raw.find(b"<!DOCTYPE"))
        raise UcwaFormatError("DOCTYPE is not allowed in UCWA XML", line=line, column=column)
    return raw


def syntax_error(exc: Exception, log: Any) -> UcwaFormatError:
    """libxml2's verdict on a document as every XML path reports it (``log``: the parser's own
    error log, for what the exception leaves out).

    ``iterparse`` reports "no element found" at 0:0 when the cause (an undefined entity, an
    empty document) is only in its log, and lxml raises a ValueError without a position for
    a few inputs (an undefined prefix met while building an element) whose cause the log has.
    libxml2 words some errors apart in its tree and push parsers ("Couldn't find end of Start
    Tag resource line 2" and "... resource"): a line it appends that is the error's own line
    says nothing the position does not, and is dropped (one that is not, as in "Premature end
    of data in tag link line 2" at line 3, is kept).
    """
    if isinstance(exc, etree.XMLSyntaxError) and exc.position != (0, 0):
        line, column = exc.position
        msg = exc.msg or str(exc)
    else:
        first = next((entry for entry in log if entry.level >= _ERROR), None)
        if first is not None:
            msg, line, column = first.message, first.line, first.column
        elif isinstance(exc, etree.XMLSyntaxError):
            msg, line, column = "Document is empty", 1, 1
        else:
            return UcwaFormatError(f"invalid XML: {exc}")
    msg = _LINE_COL_SUFFIX.sub("", msg)
    own = _LINE_SUFFIX.search(msg)
    if own is not None and int(own[1]) == line:
        msg = msg[: own.start()]
    return UcwaFormatError(msg or "invalid XML", line=line, column=column)


_ERROR: Final = etree.ErrorLevels.ERROR


def parse_raw(raw: bytes) -> etree._Element:
    """Parse what :func:`xml_bytes` returned."""
    try:
        root = etree.fromstring(raw, _parser())
    except etree.XMLSyntaxError as exc:
        raise syntax_error(exc, _parser().error_log) from None
    except (ValueError, MemoryError) as exc:  # lxml raises ValueError for a few input kinds
        raise syntax_error(exc, _parser().error_log) from None
    if root is None:
        raise UcwaFormatError("Document is empty", line=1, column=1)
    return root


def check_value_sizes(el: etree._Element, limit: int, size: int | None = None) -> None:
    """Refuse a text or attribute value of more than ``limit`` characters in ``el`` (read from
    ``size`` bytes, if known). The parser refuses what is beyond its own bound; below it, the
    tree is walked once, and only when the document is larger than the limit (so, rarely)."""
    if limit >= PARSER_VALUE_BOUND or (size is not None and size <= limit):
        return
    for node in el.iter():
        for value in (node.text, node.tail, *node.values()):
            if value is not None and len(value) > limit:
                raise UcwaFormatError(
                    f"a value of {len(value)} characters; at most {limit} are read",
                    line=line_of(node),
                )


class Sink(Protocol):
    """What the reader hands what it reads to: :class:`ModelSink` builds the model's documents,
    ``_sinks.JsonSink`` the JSON objects (XML → JSON without the model).

    The reader calls these in document order, a resource's ``head`` (its properties, type and
    links) before its embedded resources, and ``resource`` when those are read; a resource
    without embedded resources is one call, ``leaf`` (``head``'s arguments).
    """

    def many(self, items: list[Any]) -> Any: ...

    def date(self, ticks: int, offset: int | None, path: str, name: str | None) -> Any: ...

    def save(self) -> Any: ...

    def restore(self, saved: Any) -> None: ...

    def head(
        self,
        rtype: str | None,
        pos: int | None,
        props: dict[str, Any],
        href: str | None,
        extra: tuple[tuple[str, str], ...],
        links: list[tuple[str, Any]],
        path: str,
    ) -> Any: ...

    def resource(self, head: Any, embedded: list[tuple[str, Any]]) -> Any: ...

    def leaf(
        self,
        rtype: str | None,
        pos: int | None,
        props: dict[str, Any],
        href: str | None,
        extra: tuple[tuple[str, str], ...],
        links: list[tuple[str, Any]],
        path: str,
    ) -> Any: ...

    def input(
        self,
        props: dict[str, Any],
        links: list[tuple[str, Any]],
        embedded: list[tuple[str, Any]],
    ) -> Any: ...

    def event(
        self,
        etype: str,
        link: dict[str, str],
        embedded: tuple[str, Any] | None,
        in_link: Link | None,
        status: str | None,
        reason: Any,
        extra: tuple[tuple[str, Any], ...],
    ) -> Any: ...

    def sender(
        self, rel: str, href: str, events: list[Any], attrs: tuple[tuple[str, str], ...]
    ) -> Any: ...

    def events(
        self,
        href: str | None,
        links: list[tuple[str, Any]],
        senders: list[Any],
        attrs: tuple[tuple[str, str], ...],
    ) -> Any: ...


class ModelSink:
    """The sink that builds the model: :class:`Resource`, :class:`Input`, :class:`Events`."""

    __slots__ = ()

    def many(self, items: list[Any]) -> tuple[Any, ...]:
        return tuple(items)

    def date(self, ticks: int, offset: int | None, path: str, name: str | None) -> Timestamp:
        return Timestamp(ticks, offset)

    def save(self) -> None:
        return None

    def restore(self, saved: None) -> None:
        return None

    def head(
        self,
        rtype: str | None,
        pos: int | None,
        props: dict[str, Any],
        href: str | None,
        extra: tuple[tuple[str, str], ...],
        links: list[tuple[str, Any]],
        path: str,
    ) -> tuple[Any, ...]:
        return rtype, pos, tuple(props.items()), href, extra, _model_links(links)

    def resource(self, head: tuple[Any, ...], embedded: list[tuple[str, Any]]) -> Resource:
        rtype, pos, props, href, extra, links = head
        return Resource(rtype, href, props, links, tuple(embedded), extra, pos)

    def leaf(
        self,
        rtype: str | None,
        pos: int | None,
        props: dict[str, Any],
        href: str | None,
        extra: tuple[tuple[str, str], ...],
        links: list[tuple[str, Any]],
        path: str,
    ) -> Resource:
        return self.resource(self.head(rtype, pos, props, href, extra, links, path), [])

    def input(
        self,
        props: dict[str, Any],
        links: list[tuple[str, Any]],
        embedded: list[tuple[str, Any]],
    ) -> Input:
        return Input(tuple(props.items()), _model_links(links), tuple(embedded))

    def event(
        self,
        etype: str,
        link: dict[str, str],
        embedded: tuple[str, Any] | None,
        in_link: Link | None,
        status: str | None,
        reason: Any,
        extra: tuple[tuple[str, Any], ...],
    ) -> Event:
        rest = tuple((k, v) for k, v in link.items() if k != "rel" and k != "href")
        event_link = Link(link["rel"], link["href"], rest)
        return Event(etype, event_link, embedded, in_link, status, reason, extra)

    def sender(
        self, rel: str, href: str, events: list[Any], attrs: tuple[tuple[str, str], ...]
    ) -> Sender:
        return Sender(rel, href, tuple(events), attrs)

    def events(
        self,
        href: str | None,
        links: list[tuple[str, Any]],
        senders: list[Any],
        attrs: tuple[tuple[str, str], ...],
    ) -> Events:
        return Events(href, _model_links(links), tuple(senders), attrs)


def _model_link(rel: str, record: dict[str, str]) -> Link:
    attrs = tuple((k, v) for k, v in record.items() if k != "href") if len(record) > 1 else ()
    return Link(rel, record["href"], attrs)


def _model_links(entries: list[tuple[str, Any]]) -> tuple[tuple[str, LinkEntry], ...]:
    """The reader's link records (href first, then the other attributes) as model links."""
    out: list[tuple[str, LinkEntry]] = []
    for rel, entry in entries:
        if isinstance(entry, tuple):
            out.append((rel, tuple(_model_link(rel, record) for record in entry)))
        else:
            out.append((rel, _model_link(rel, entry)))
    return tuple(out)


MODEL: Final = ModelSink()

_RESOURCE: Final = f"{{{NS}}}resource"
_PROPERTY: Final = f"{{{NS}}}property"
_PLIST: Final = f"{{{NS}}}propertyList"
_LINK: Final = f"{{{NS}}}link"
_ITEM: Final = f"{{{NS}}}item"
# Attribute names as bytes: lxml looks them up without encoding a str first.
_NAME: Final = b"name"
_KIND_NUMBERS: Final = {"property": 1, "link": 2, "resource": 3, "propertyList": 4}
_NO_NAMES: Final[dict[str, PropertyType | None]] = {}
_REL: Final = b"rel"


def scan_flags(raw: bytes, max_attributes: int = MAX_ATTRIBUTES) -> tuple[bool, bool]:
    """(the document may hold ``xsi:nil``, an element may have too many attributes), from the
    bytes the parser read: each ``False`` spares the reader one lookup per element."""
    # xsi:nil needs a prefix bound to XSI, declared as xmlns:… (names have no character
    # references). Every attribute has a "=": fewer in the whole text, no element has too
    # many. (rfind: CPython searches backwards about twice as fast as `in` here.)
    nil = raw.rfind(b"xmlns:") >= 0 and raw.rfind(b":nil") >= 0
    many = len(raw) > max_attributes and raw.count(b"=") > max_attributes
    return nil, many


class _Retype(Exception):
    """A type mark changed the type after properties were typed: read the element again."""

    def __init__(self, rtype: str) -> None:
        super().__init__(rtype)
        self.rtype = rtype


class _Reader:
    """The one reader of resources and inputs: walks each element once, types what it reads
    with the schema, reports what it cannot carry, and hands the result to its sink."""

    __slots__ = ("docs", "input_target", "many", "nil", "rec", "schema", "sink", "unknown")

    def __init__(
        self,
        schema: Schema,
        rec: Recorder,
        unknown: UnknownPolicy,
        input_target: str | None,
        sink: Sink = MODEL,
        *,
        nil: bool = True,
        many: bool = True,
    ) -> None:
        self.schema = schema
        self.rec = rec
        self.unknown = unknown
        self.docs = False
        self.input_target = input_target
        self.sink = sink
        # False promises that no element has an xsi:nil attribute, or more attributes than
        # the limit on attributes (see scan_flags): the checks are skipped.
        self.nil = nil
        self.many = many

    # -- element classification ------------------------------------------------------------

    def kind(self, el: etree._Element, path: str) -> str | None:
        tag = el.tag
        if not isinstance(tag, str):  # comments and PIs are removed by the parser; entities too
            return None
        kind = _KINDS.get(tag)
        if kind is not None:
            return kind
        if tag in _BARE:
            self.rec.loss("namespace", path, f"element <{tag}> has no namespace; read as UCWA")
            return tag
        return "?" + tag

    # -- values -----------------------------------------------------------------------------

    def text_of(self, el: etree._Element, path: str, name: str | None = None) -> str | None:
        """The text of a property or item (``name``, if given, is appended to ``path``)."""
        if el.get(_XSI_NIL) in ("true", "1"):
            return None
        if len(el):
            where = path if name is None else member_path(path, name)
            self.rec.loss("mixed-content", where, "element content inside a value; kept its text")
            return "".join(cast("Iterator[str]", el.itertext()))
        text = el.text
        return "" if text is None else text

    def typed(self, text: str, pt: PropertyType | None, path: str, name: str | None) -> Value:
        """Type the text as the schema says; paths are only built when something is reported."""
        if pt is None:
            return text
        kind = pt.type
        if kind == "integer":
            number = xml_int(text)
            if number is not None:
                return number
        elif kind == "boolean":
            value = xml_bool(text)
            if value is not None:
                return value
        elif kind == "datetime":
            found = xml_datetime(text, self.rec.strict)
            if found is not None:
                ticks, offset, zoned = found
                if not zoned:
                    where = path if name is None else member_path(path, name)
                    self.rec.loss("zone", where, f"date {text!r} has no zone; read as UTC")
                return self.sink.date(ticks, offset, path, name)  # type: ignore[no-any-return]
        else:
            return text
        where = path if name is None else member_path(path, name)
        self.rec.loss("type", where, f"{text!r} is not a valid {kind}; kept as a string")
        return text

    def value(
        self, el: etree._Element, kind: str, pt: PropertyType | None, path: str, name: str
    ) -> Value:
        if kind == "property":
            if pt is not None and pt.array:
                self.rec.loss(
                    "type",
                    member_path(path, name),
                    "a single <property> where the schema has a list",
                )
            text = self.text_of(el, path, name)
            return None if text is None else self.typed(text, pt, path, name)
        ppath = member_path(path, name)
        items: list[Scalar] = []
        for i, item in enumerate(el):
            ipath = f"{ppath}[{i}]"
            ikind = self.kind(item, ipath)
            if ikind is None:
                continue
            if ikind != "item":
                self.unknown_child(item, ikind, ppath)
                continue
            text = self.text_of(item, ipath)
            items.append(None if text is None else cast(Scalar, self.typed(text, pt, ipath, None)))
        self.stray_text(el, ppath)
        return tuple(items)

    def strings(self, el: etree._Element) -> list[str] | None:
        """The items of a ``<propertyList>`` of strings, or None if it has anything else to
        report or type (:meth:`value` then reads it)."""
        text = el.text
        if text and not text.isspace():
            return None
        out: list[str] = []
        nil = self.nil
        for item in el:
            tail = item.tail
            if item.tag != _ITEM or (tail and not tail.isspace()) or len(item):
                return None
            if nil and item.get(_XSI_NIL) is not None:
                return None
            text = item.text
            out.append("" if text is None else text)
        return out

    def stray_text(self, el: etree._Element, path: str, children: bool = True) -> None:
        # Whitespace between elements is insignificant; anything else is dropped and reported.
        text = el.text
        if text and not text.isspace():
            self.rec.loss("text", path, f"text {text.strip()[:40]!r} directly inside an element")
        if children:
            for child in el:
                tail = child.tail
                if tail and not tail.isspace():  # (checked here: one call fewer per child)
                    self.stray_tail(child, path)

    def stray_tail(self, child: etree._Element, path: str) -> None:
        tail = child.tail
        if tail and not tail.isspace():
            self.rec.loss("text", path, f"text {tail.strip()[:40]!r} between elements")

    def unknown_child(self, el: etree._Element, kind: str, path: str) -> None:
        name = kind[1:] if kind.startswith("?") else kind
        self.rec.loss("element", path, f"unexpected element <{etree.QName(el).localname}>; skipped")
        if kind.startswith("?") and etree.QName(el).namespace not in (None, NS):
            raise UcwaFormatError(f"element {name!r} is in a foreign namespace", path=path)

    # -- resources --------------------------------------------------------------------------

    def walk(
        self,
        el: etree._Element,
        path: str,
        rtype: str | None,
        role: str | None,
        depth: int,
        infer_from: str | bool | None = False,
        href: str | None = None,
        extra: tuple[tuple[str, str], ...] = (),
        typer: Callable[[str], PropertyType | None] | None = None,
        root_rel: str | None = None,
        root: bool = False,
    ) -> Any:
        """Read ``<resource>`` (or ``<input>``, given its ``typer``) in one pass over its
        children; what the sink makes of it.

        The type is the ``<property name="rel">`` if there is one (the docs dialect's mark,
        §5), else ``rtype``; with ``infer_from`` (the parent's type, for an embedded resource of
        the server dialect) it is inferred from the schema (§5, D4) unless the element is a stub.
        A repeated property name keeps its first place and its last value (D24), as in JSON.

        Properties are typed as they are read, with the type known so far. A mark that changes
        the type after some were typed reads the element again, typed as the last mark says;
        in strict mode the losses of a pass wait until its type is settled.
        """
        if depth > self.rec.limits.max_depth:
            raise UcwaFormatError(
                f"resources nested deeper than {self.rec.limits.max_depth}", path=path
            )
        is_input = typer is not None
        sink = self.sink
        if not len(el):
            # A stub, or an empty resource: nothing to type, and nothing to wait for.
            inferred = not is_input and not root and infer_from is not False and not self.docs
            props: dict[str, Any] = {}
            links: dict[str, list[Any]] = {}
            children: dict[str, list[etree._Element]] = {}
            mark: str | None = None
            type_position: int | None = None
            text = el.text
            if text and not text.isspace():
                self.stray_text(el, path, children=False)
        else:
            if not is_input and not root and infer_from is not False and not self.docs:
                # Server dialect: the type is not in the document (§5, D4).
                parent = infer_from if isinstance(infer_from, str) else None
                rtype = self.schema.embedded_type(parent, role or "") or role
                inferred = True
            else:
                inferred = False
            rec = self.rec
            strict = rec.strict
            if strict:
                # A loss must not raise before the type is settled: it waits, and the first one
                # is raised once it is (or before an error met later in the pass).
                self.rec = Recorder(False, [], rec.limits)
            losses = self.rec.losses
            if losses is not None:
                # (What the sink did in a pass that is read again: its losses, if anybody hears.)
                before = len(losses)
                saved = sink.save()
            settled = False
            # (False: no element can have more attributes than the limit, see scan_flags.)
            max_attributes = rec.limits.max_attributes if self.many else -1
            pairs = max_attributes < 0 or max_attributes >= 2  # a link's rel and href pass
            nil = self.nil
            while True:
                if not is_input:
                    typing = self.schema.typing(rtype, role, plain=True)
                    exact = typing.exact  # the names typed so far (the quicker subscript)
                    typer_ = typing.__getitem__
                else:
                    exact = _NO_NAMES
                    typer_ = typer  # type: ignore[assignment]
                links = {}
                props = {}
                children = {}
                mark = None  # the type mark's text as it is
                type_position = None
                others = 0  # children that make no property: links, resources, marks, others
                try:
                    for child in el:
                        tail = child.tail
                        if tail and not tail.isspace():
                            self.stray_tail(child, path)
                        tag = child.tag
                        # (One comparison of the tag per child: 1 property, 2 link,
                        # 3 resource, 4 propertyList.)
                        if tag == _PROPERTY:
                            name = child.get(_NAME)
                            if (
                                name is not None
                                and name != "rel"
                                and not len(child)
                                and not (nil and child.get(_XSI_NIL) is not None)
                            ):
                                try:
                                    pt = exact[name]
                                except KeyError:
                                    pt = typer_(name)
                                # The common cases first: a text-only property that stays text,
                                # or is typed (the general case below gives them the same value).
                                text = child.text
                                if text is None:
                                    text = ""
                                if pt is None:
                                    props[name] = text
                                    continue
                                if not pt.array:
                                    props[name] = self.typed(text, pt, path, name)
                                    continue
                            k = 1
                        elif tag == _LINK:
                            k = 2
                        elif tag == _RESOURCE:
                            k = 3
                        elif tag == _PLIST:
                            k = 4
                        else:
                            # A UCWA name without its namespace, or an unknown element.
                            kind = self.kind(child, path)
                            k = 0 if kind is None else _KIND_NUMBERS.get(kind, 0)
                            if not k:
                                others += 1
                                if kind is not None:
                                    self.unknown_child(child, kind, path)
                                continue
                        if k == 2:  # (first: a resource has many links)
                            others += 1
                            # (Parsed from bytes, lxml gives str pairs; its stubs say str | bytes.)
                            attrs: list[tuple[str, str]] = child.items()  # type: ignore[assignment]
                            if len(attrs) == 2 and pairs:
                                (key, rel), (hkey, href_) = attrs
                                if key == "rel" and hkey == "href":
                                    link = {"href": href_}  # the common case
                                else:
                                    rel, link = self.link_record(attrs, child, path)
                            else:
                                if 0 <= max_attributes < len(attrs):
                                    attributes(child, max_attributes)  # refused
                                rel, link = self.link_record(attrs, child, path)
                            group = links.get(rel)
                            if group is None:
                                links[rel] = [link]
                            else:
                                group.append(link)
                            text = child.text
                            if len(child) or (text and not text.isspace()):
                                self.rec.loss(
                                    "mixed-content",
                                    member_path(path, "_links"),
                                    "content inside <link>; dropped",
                                )
                        elif k == 1 or k == 4:
                            name = child.get(_NAME)
                            if name is None:
                                kind = "property" if k == 1 else "propertyList"
                                raise UcwaFormatError(
                                    f"<{kind}> without a name", line=line_of(child), path=path
                                )
                            if name == "rel" and k == 1 and not is_input:
                                # The docs dialect's type mark (§5): never an ordinary property.
                                others += 1
                                if type_position is not None:
                                    self.rec.loss(
                                        "duplicate",
                                        member_path(path, "rel"),
                                        "property 'rel' appears more than once; the last one types"
                                        " the resource",
                                    )
                                mark = child.text or ""
                                if len(child) or (nil and child.get(_XSI_NIL) is not None):
                                    marked = self.text_of(child, path, "rel")
                                else:
                                    marked = mark  # the common case: text only
                                type_position = len(props)
                                new = mark if marked is None else marked
                                if new != rtype and not settled:
                                    if props:
                                        raise _Retype(self.last_mark(el) or "")
                                    rtype = new
                                    typing = self.schema.typing(rtype, role, plain=True)
                                    exact = typing.exact
                                    typer_ = typing.__getitem__
                                continue
                            try:
                                pt = exact[name]
                            except KeyError:
                                pt = typer_(name)
                            if (
                                k == 1
                                and not len(child)
                                and not (nil and child.get(_XSI_NIL) is not None)
                            ):
                                text = child.text  # the common case: a text-only <property>
                                if text is None:
                                    text = ""
                                if pt is None:
                                    props[name] = text
                                    continue
                                if pt.array:
                                    self.rec.loss(
                                        "type",
                                        member_path(path, name),
                                        "a single <property> where the schema has a list",
                                    )
                                props[name] = self.typed(text, pt, path, name)
                                continue
                            if k == 4 and (pt is None or pt.type not in CONVERTED):
                                items = self.strings(child)  # the common case of a list
                                if items is not None:
                                    props[name] = sink.many(items)
                                    continue
                            kind = "property" if k == 1 else "propertyList"
                            props[name] = self.value(child, kind, pt, path, name)
                        else:  # k == 3: a resource
                            others += 1
                            role_ = child.get(_REL)
                            if role_ is None:
                                raise UcwaFormatError(
                                    "embedded <resource> without 'rel'", line=line_of(child), path=path
                                )
                            group_ = children.get(role_)
                            if group_ is None:
                                children[role_] = [child]
                            else:
                                group_.append(child)
                    text = el.text
                    if text and not text.isspace():
                        self.stray_text(el, path, children=False)
                    # Every property child made one key: fewer mean a name repeated.
                    if len(props) != len(el) - others:
                        self.duplicates(el, path, is_input)
                    break
                except _Retype as retype:
                    if losses is not None:
                        del losses[before:]
                        sink.restore(saved)
                    rtype = retype.rtype
                    settled = True
                except UcwaFormatError:
                    if strict:
                        self.settle(rec)
                    raise
            if strict:
                self.settle(rec)
        ttype = rtype
        if root:
            # The docs dialect marks every typed resource with <property name="rel"> (§5); its
            # embedded resources without one are stubs or typeless, never schema-typed (D4).
            self.docs = mark is not None
            if mark is not None and root_rel is not None and mark != root_rel:
                self.rec.loss(
                    "rel-conflict", "$.rel", f"rel attribute {root_rel!r} but property rel {mark!r}"
                )
            rtype = ttype
            shown = root_rel if mark is None else mark  # (a hint types, but is not written)
        elif inferred and mark is None and not (props or links or children):
            rtype = shown = None  # a stub stays typeless
        else:
            rtype = shown = ttype
        # For schema lookups a typeless embedded resource falls back to its role (§7.2 step 2).
        effective = rtype or role
        link_entries: list[tuple[str, Any]] = []
        if links:
            table = self.schema.link_table(effective)
            for rel, group in links.items():
                if len(group) > 1:
                    link_entries.append((rel, sink.many(group)))
                    continue
                coll = table.get(rel)
                if coll is None and rel != "self":  # (a self link is one: see self_link)
                    coll = self.guess(
                        member_path(member_path(path, "_links"), rel), "link", rel, effective
                    )
                link_entries.append((rel, sink.many(group) if coll else group[0]))
        if typer is not None:  # an input
            embedded = self.embedded_all(children, path, effective, depth) if children else []
            return sink.input(props, link_entries, embedded)
        if "self" in links:
            href, extra, link_entries = self.self_link(href, extra, link_entries, path)
        if children:
            head = sink.head(shown, type_position, props, href, extra, link_entries, path)
            return sink.resource(head, self.embedded_all(children, path, effective, depth))
        return sink.leaf(shown, type_position, props, href, extra, link_entries, path)

    def settle(self, rec: Recorder) -> None:
        """The type is settled: the losses that waited are reported (strict: the first raises)."""
        pending = self.rec.losses
        self.rec = rec
        if rec.strict and pending:
            for loss in pending:
                rec.loss(loss.kind, loss.path, loss.message)

    def link_record(
        self, attrs: list[tuple[str, str]], el: etree._Element, path: str
    ) -> tuple[str, dict[str, str]]:
        """A ``<link>``'s rel and record: its href, then its other attributes in order (the
        JSON form of a link, which the model sink makes a :class:`Link` of)."""
        rel, href, others = split_attributes(attrs)
        if rel is None or href is None:
            missing = "rel" if rel is None else "href"
            raise UcwaFormatError(f"<link> without {missing!r}", line=line_of(el), path=path)
        record = {"href": href}
        record.update(others)
        return rel, record

    def last_mark(self, el: etree._Element) -> str | None:
        """The type the last ``<property name="rel">`` of ``el`` gives (its text; a nil or
        mixed one as the pass reads it, without reporting: the pass itself does), or None if
        it has none."""
        found = None
        rec, self.rec = self.rec, Recorder(False, None)
        try:
            for child in el:
                kind = _KINDS.get(child.tag) if isinstance(child.tag, str) else None
                if kind is None and child.tag in _BARE:
                    kind = child.tag
                if kind == "property" and child.get("name") == "rel":
                    marked = self.text_of(child, "$", "rel")
                    found = (child.text or "") if marked is None else marked
        finally:
            self.rec = rec
        return found

    def embedded_all(
        self,
        children: dict[str, list[etree._Element]],
        path: str,
        effective: str | None,
        depth: int,
    ) -> list[tuple[str, Any]]:
        embedded: list[tuple[str, Any]] = []
        for role, els in children.items():
            epath = member_path(member_path(path, "_embedded"), role)
            coll = True if len(els) > 1 else self.schema.embedded_collection(effective, role)
            if coll is None:
                coll = self.guess(epath, "embedded resource", role, effective)
            if coll:
                group: list[Any] = []  # (a loop: no comprehension frame)
                for i, c in enumerate(els):
                    group.append(self.embedded(c, f"{epath}[{i}]", effective, role, depth + 1))
                embedded.append((role, self.sink.many(group)))
            else:
                embedded.append((role, self.embedded(els[0], epath, effective, role, depth + 1)))
        return embedded

    def duplicates(self, el: etree._Element, path: str, is_input: bool) -> None:
        """Report each repeat of a property name (the reader keeps the last value, D24)."""
        seen: set[str] = set()
        for child in el:
            tag = child.tag
            kind = _KINDS.get(tag) if isinstance(tag, str) else None
            if kind is None and tag in _BARE:
                kind = tag
            if kind != "property" and kind != "propertyList":
                continue
            name = child.get("name")
            if name is None or (name == "rel" and kind == "property" and not is_input):
                continue
            if name in seen:
                self.rec.loss(
                    "duplicate",
                    member_path(path, name),
                    f"property {name!r} appears more than once; the last one is kept",
                )
            seen.add(name)

    def guess(self, path: str, what: str, rel: str, rtype: str | None) -> bool:
        where = f"in {rtype!r}" if rtype else "here"
        self.rec.loss(
            "cardinality",
            path,
            f"the schema does not say whether {what} {rel!r} {where} is a collection; "
            f"written as {'an array' if self.unknown == 'collection' else 'a single object'}",
        )
        return self.unknown == "collection"

    def embedded(
        self, el: etree._Element, path: str, parent_type: str | None, role: str, depth: int
    ) -> Any:
        """An embedded ``<resource>``, typed from its parent's type and its role."""
        # (Parsed from bytes, lxml gives str pairs; its stubs say str | bytes.)
        attrs: list[tuple[str, str]] = el.items()  # type: ignore[assignment]
        if self.many and len(attrs) > self.rec.limits.max_attributes:
            attributes(el, self.rec.limits.max_attributes)  # refused
        if len(attrs) == 2 and attrs[0][0] == "rel" and attrs[1][0] == "href":
            href: str | None = attrs[1][1]  # the common case
            extra: tuple[tuple[str, str], ...] = ()
        else:
            _rel, href, others = split_attributes(attrs)
            extra = tuple(others)
        # (Positional: the quickest call, once per embedded resource.)
        return self.walk(el, path, None, role, depth, parent_type or True, href, extra)

    def self_link(
        self,
        href: str | None,
        extra: tuple[tuple[str, str], ...],
        links: list[tuple[str, Any]],
        path: str,
    ) -> tuple[str | None, tuple[tuple[str, str], ...], list[tuple[str, Any]]]:
        """A resource's self link from its ``href`` and a ``<link rel="self">``, which UCWA never
        writes (§3): the attribute wins a conflict; a lone element becomes the self link. Both
        are reported, since XML written back has the attribute instead."""
        found = next(entry for rel, entry in links if rel == "self")
        where = member_path(member_path(path, "_links"), "self")
        group = isinstance(found, (tuple, list))
        record = found[-1] if group else found
        link_href = record["href"]
        link_attrs = tuple((k, v) for k, v in record.items() if k != "href")
        if href is None:
            self.rec.loss("element", where, '<link rel="self"> read as the resource\'s href')
            # An attribute both have is the resource's: written back, it could not be twice.
            names = {key for key, _value in extra}
            for key, value in link_attrs:
                if key in names:
                    self.rec.loss(
                        "rel-conflict",
                        where,
                        f'<link rel="self" {key}={value!r}> beside the resource\'s {key!r};'
                        " the resource's won",
                    )
                else:
                    extra = (*extra, (key, value))
            href = link_href
        elif group or link_href != href or link_attrs:
            self.rec.loss(
                "rel-conflict",
                where,
                f'<link rel="self" href={link_href!r}> beside href={href!r}; the attribute won',
            )
        else:
            self.rec.loss("element", where, '<link rel="self"> repeats the href; dropped')
        return href, extra, [(rel, entry) for rel, entry in links if rel != "self"]

    def root(self, el: etree._Element, hint: str | None) -> Any:
        kind = self.kind(el, "$")
        if kind == "resource":
            attrs = attributes(el, self.rec.limits.max_attributes)
            if len(attrs) == 2 and attrs[0][0] == "rel" and attrs[1][0] == "href":
                rel: str | None = attrs[0][1]  # the common case
                href: str | None = attrs[1][1]
                extra: tuple[tuple[str, str], ...] = ()
            else:
                rel, href, others = split_attributes(attrs)
                extra = tuple(others)
            return self.walk(
                el, "$", rel or hint, None, 0, href=href, extra=extra, root_rel=rel, root=True
            )
        if kind == "input":
            if el.attrib:
                names = ", ".join(k for k, _v in attributes(el, self.rec.limits.max_attributes))
                self.rec.loss("element", "$", f"attributes on <input> ({names}); dropped")
            target = self.input_target or hint
            schema = self.schema

            def typer(name: str) -> PropertyType | None:
                return (
                    schema.request_type(target, "POST", name)
                    or schema.request_type(target, "PUT", name)
                    or schema.fallback_type(name)
                )

            return self.walk(el, "$", target, None, 0, typer=typer)
        # read_root dispatches every other root (and foreign namespaces) before this point.
        raise UcwaFormatError(f"unsupported root element <{etree.QName(el).localname}>", path="$")


# -- writer -----------------------------------------------------------------------------------

_XML_NS: Final = "http://www.w3.org/XML/1998/namespace"
_XMLNS_NS: Final = "http://www.w3.org/2000/xmlns/"


class _Writer:
    __slots__ = (
        "bools",
        "default_offset",
        "docs",
        "marked",
        "names",
        "out",
        "plain",
        "pretty",
        "rec",
    )

    def __init__(
        self, dialect: Dialect, pretty: bool, rec: Recorder, default_offset: int | None
    ) -> None:
        check_dialect(dialect)
        self.docs = dialect == "docs"
        self.bools = ("True", "False") if self.docs else ("true", "false")
        self.pretty = pretty
        self.rec = rec
        self.default_offset = default_offset
        self.out: list[str] = ['<?xml version="1.0" encoding="utf-8"?>']
        self.marked = False  # the document carries the docs dialect's type marks
        #: Every string handed over is known to need no escaping (its JSON text said so:
        #: ``_xmltext.plain_json``), so none is looked at. Names are still checked.
        self.plain = False
        #: Property names found plain (``plain_attr``) in this document, which repeats its few.
        self.names: set[str] = set()

    def text(self, s: str, path: str) -> str:
        return s if self.plain or plain_text(s) else xmltext.text(s, path)

    def attr(self, s: str, path: str, *parts: str | int) -> str:
        # The path is built only when there is something to escape or refuse.
        return s if self.plain or plain_attr(s) else xmltext.attr(s, path_of(path, *parts))

    def attrs(self, pairs: tuple[tuple[str, str], ...], path: str, *where: str | int) -> str:
        if not pairs:
            return ""
        path = path_of(path, *where)
        if len(pairs) > MAX_ATTRIBUTES - 2:  # beside rel and href: what the readers take back
            raise UcwaFormatError(
                f"{len(pairs)} attributes for one element; at most {MAX_ATTRIBUTES - 2} are "
                "written beside rel and href",
                path=path,
            )
        parts = []
        declared: dict[str, str] = {}
        for key, val in pairs:
            apath = member_path(path, key)
            name = key
            if key.startswith("{"):
                # A namespaced attribute read from XML (Clark notation, D14): written back with
                # a prefix declared on this element; xml:* needs no declaration.
                ns, _, local = key[1:].partition("}")
                xml_name(local, apath, "attribute")
                if not ns or ns == _XMLNS_NS:
                    # No prefix can be bound to no namespace, nor to the xmlns one (Namespaces
                    # in XML §3): such a key has no XML form.
                    raise UcwaFormatError(f"{key!r} cannot be an XML attribute name", path=apath)
                if ns == _XML_NS:
                    name = f"xml:{local}"
                else:
                    prefix = declared.get(ns)
                    if prefix is None:
                        prefix = declared[ns] = f"ns{len(declared)}"
                        parts.append(f' xmlns:{prefix}="{self.attr(ns, apath)}"')
                    name = f"{prefix}:{local}"
            else:
                xml_name(key, apath, "attribute")
            parts.append(f' {name}="{self.attr(val, apath)}"')
        return "".join(parts)

    def plain_name(self, name: str) -> bool:
        """Whether the property name goes into ``name="…"`` as it is (remembered if so)."""
        if plain_attr(name):
            self.names.add(name)
            return True
        return False

    def nl(self, depth: int) -> str:
        return "\n" + "  " * depth if self.pretty else ""

    def scalar(
        self, value: str | int | bool | Timestamp, path: str, name: str | None = None
    ) -> str:
        """A value's XML text; ``path`` (+ ``name``, made into one path only if needed) says
        where it is."""
        if isinstance(value, str):
            return self.text(value, path)
        if value is True:
            return self.bools[0]
        if value is False:
            return self.bools[1]
        if isinstance(value, int):
            return str(value)
        text = format_iso(value, default_offset=self.default_offset)
        if value.offset is not None and text[-1] == "Z":
            # At the ends of the range a display offset would leave years 1-9999 (§8.3).
            self.rec.loss(
                "offset",
                path if name is None else member_path(path, name),
                "the display offset would put the date outside years 1-9999; written in UTC",
            )
        return text

    def properties(
        self,
        props: Sequence[tuple[str, Value]],
        rtype: str | None,
        type_position: int | None,
        path: str,
        depth: int,
    ) -> None:
        out = self.out
        ind = self.nl(depth)
        pos = (type_position or 0) if (self.docs and rtype is not None) else -1
        plain = self.plain
        names = self.names
        for i, (name, value) in enumerate(props):
            if i == pos:
                out.append(f'{ind}<property name="rel">{self.text(rtype or "", path)}</property>')
            if isinstance(value, str):
                if plain or (plain_text(value) and (name in names or self.plain_name(name))):
                    # The common case first; a path is only built when a check fails.
                    if value:
                        out.append(f'{ind}<property name="{name}">{value}</property>')
                    else:
                        out.append(f'{ind}<property name="{name}"/>')
                    continue
            elif isinstance(value, (int, Timestamp)) and (
                plain or name in names or self.plain_name(name)
            ):
                # Integers, booleans and dates: never empty, nothing to escape.
                text = self.scalar(value, path, name)
                out.append(f'{ind}<property name="{name}">{text}</property>')
                continue
            ppath = member_path(path, name)
            qname = self.attr(name, ppath)
            if isinstance(value, tuple):
                if not value:
                    out.append(f'{ind}<propertyList name="{qname}"/>')
                    continue
                out.append(f'{ind}<propertyList name="{qname}">')
                iind = self.nl(depth + 1)
                for j, item in enumerate(value):
                    if item is None:
                        self.rec.loss("null", f"{ppath}[{j}]", "null has no XML form; left out")
                        continue
                    if type(item) is str and (plain or plain_text(item)):
                        text = item  # the common case, without a path
                    else:
                        text = self.scalar(item, f"{ppath}[{j}]")
                    out.append(f"{iind}<item>{text}</item>" if text else f"{iind}<item/>")
                out.append(f"{ind}</propertyList>")
            elif value is None:
                self.rec.loss("null", ppath, "null has no XML form; left out")
            else:
                text = self.scalar(value, ppath)
                if text:
                    out.append(f'{ind}<property name="{qname}">{text}</property>')
                else:
                    out.append(f'{ind}<property name="{qname}"/>')
        if pos >= len(props):
            out.append(f'{ind}<property name="rel">{self.text(rtype or "", path)}</property>')

    def links(self, links: Sequence[tuple[str, LinkEntry]], path: str, depth: int) -> None:
        out = self.out
        ind = self.nl(depth)
        for rel, entry in links:
            if not isinstance(entry, tuple):
                out.append(
                    f'{ind}<link rel="{self.attr(rel, path, "_links", rel)}"'
                    f' href="{self.attr(entry.href, path, "_links", rel)}"'
                    f"{self.attrs(entry.attributes, path, '_links', rel)}/>"
                )
                continue
            if not entry:
                self.rec.loss(
                    "empty-collection",
                    path_of(path, "_links", rel),
                    "empty link array has no XML form",
                )
            for i, link in enumerate(entry):
                out.append(
                    f'{ind}<link rel="{self.attr(rel, path, "_links", rel)}"'
                    f' href="{self.attr(link.href, path, "_links", rel, i)}"'
                    f"{self.attrs(link.attributes, path, '_links', rel, i)}/>"
                )

    def embedded(
        self,
        embedded: Sequence[tuple[str, Any]],
        path: str,
        depth: int,
        child: Callable[[Any, str, str, int], None],
    ) -> None:
        """Each embedded resource in order: ``child(entry, role, path, depth)`` writes it (the
        model walk: :meth:`resource`) or places what was written of it (the JSON reader's XML
        sink); an empty array writes nothing, which is reported here."""
        for role, entry in embedded:
            epath = member_path(member_path(path, "_embedded"), role)
            if isinstance(entry, tuple):
                if not entry:
                    self.rec.loss("empty-collection", epath, "empty resource array has no XML form")
                for i, res in enumerate(entry):
                    child(res, role, f"{epath}[{i}]", depth)
            else:
                child(entry, role, epath, depth)

    def root_type(self, rtype: str | None) -> None:
        """The root resource's type: whether the document carries the docs dialect's type marks
        (known before any embedded resource is written)."""
        self.marked = self.docs and rtype is not None

    def resource(self, res: Resource, role: str | None, path: str, depth: int) -> None:
        """A model resource (``role`` None: the root) and, through :meth:`element`, everything
        it embeds."""
        parts = (
            res.type,
            res.href,
            res.properties,
            res.links,
            res.embedded,
            res.self_attributes,
            res.type_position,
        )
        self.element(parts, role, path, depth, self.resource)

    def element(
        self,
        parts: ResourceParts,
        role: str | None,
        path: str,
        depth: int,
        child: Callable[[Any, str, str, int], None],
    ) -> None:
        """One ``<resource>`` from its parts, whoever holds them (a model resource, or what the
        JSON reader read); its embedded resources go through ``child`` (see :meth:`embedded`).
        (The parts come as one tuple, as the JSON reader hands them on: cheaper than a call
        that spreads them.)"""
        rtype, href, props, links, embedded, self_attrs, type_position = parts
        out = self.out
        head = ["<resource"]
        rel = rtype if role is None else role
        if role is None and self.docs and href is None:
            # A root without a self link is a request body; the docs write those as a bare
            # <resource xmlns=…> with only the property rel (D17).
            rel = None
        if rel is not None:
            head.append(f' rel="{self.attr(rel, path) if role else self.attr(rel, path, "rel")}"')
        if href is not None:
            head.append(f' href="{self.attr(href, path, "_links", "self")}"')
        if self_attrs:
            head.append(self.attrs(self_attrs, path, "_links", "self"))
        if role is None:
            head.append(f' xmlns="{NS}"')
        ind = self.nl(depth)
        has_type = self.docs and rtype is not None
        if role is None:
            self.root_type(rtype)
        elif rtype is None and not self.marked and _writes_children(props, links, embedded):
            # Without the docs dialect's marks a reader infers a type for it (§5, D4).
            self.rec.loss(
                "rel",
                member_path(path, "rel"),
                f"typeless resource of role {role!r} reads back with the schema's type or its role",
            )
        if (
            role is not None
            and rtype is not None
            and not self.docs
            and (rtype != role or not _writes_children(props, links, embedded))
        ):
            # The server dialect has no place for an embedded type (§5): readers take it
            # from the schema, and a stub without content reads back typeless (D4).
            self.rec.loss(
                "rel",
                member_path(path, "rel"),
                f"type {rtype!r} of role {role!r} is not written in the server dialect",
            )
        if not (props or links or embedded or has_type):
            out.append(ind + "".join(head) + "/>")
            return
        out.append(ind + "".join(head) + ">")
        self.links(links, path, depth + 1)
        self.properties(props, rtype, type_position, path, depth + 1)
        self.embedded(embedded, path, depth + 1, child)
        out.append(ind + "</resource>")

    def input(self, doc: Input) -> None:
        """A model input and, through :meth:`input_element`, everything it embeds."""
        self.input_element((doc.properties, doc.links, doc.embedded), self.resource)

    def input_element(self, parts: InputParts, child: Callable[[Any, str, str, int], None]) -> None:
        """The ``<input>`` root from its parts (see :meth:`element`)."""
        props, links, embedded = parts
        out = self.out
        if not (props or links or embedded):
            out.append(f'{self.nl(0)}<input xmlns="{NS}"/>')
            return
        out.append(f'{self.nl(0)}<input xmlns="{NS}">')
        self.links(links, "$", 1)
        self.properties(props, None, None, "$", 1)
        self.embedded(embedded, "$", 1, child)
        out.append(self.nl(0) + "</input>")

    def document(self) -> bytes:
        """The XML text written (with the declaration; pretty: a final newline), as UTF-8."""
        if self.pretty:
            self.out.append("\n")
        return "".join(self.out).encode("utf-8")


def _writes_children(
    props: Sequence[tuple[str, Value]],
    links: Sequence[tuple[str, LinkEntry]],
    embedded: Sequence[tuple[str, Any]],
) -> bool:
    """Whether ``<resource>`` gets child elements (nulls and empty arrays write none)."""
    return (
        any(value is not None for _, value in props)
        or any(entry != () for _, entry in links)
        or any(entry != () for _, entry in embedded)
    )
