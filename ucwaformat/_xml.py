"""The hardened XML reader (lxml) and the XML writer (a string builder) for resources and inputs.

FORMAT.md §2, §3, §5–§7 are the spec. The reader types text with the schema and settles the
cardinality of links and embedded resources as it reads (D1–D4); the writer needs no schema.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from typing import Any, Final, Literal, cast

from lxml import etree

from . import _xmltext as xmltext
from ._dates import Timestamp, format_iso
from ._errors import Recorder, UcwaFormatError, member_path, path_of
from ._media import Dialect, check_dialect
from ._model import (
    Document,
    Input,
    Link,
    LinkEntry,
    Resource,
    ResourceEntry,
    Scalar,
    Value,
)
from ._schema import PropertyType, Schema
from ._values import xml_bool, xml_datetime, xml_int
from ._xmltext import ATTR_SPECIAL, TEXT_SPECIAL, xml_name

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

#: Resources nested deeper than this are refused; libxml2 itself stops at 256 elements.
MAX_DEPTH: Final = 200

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


#: The most attributes an element may have. lxml reads attribute values in time quadratic in
#: their number (each value is looked up by name), so one element with 100,000 attributes
#: would take a minute; UCWA elements have a handful.
MAX_ATTRIBUTES: Final = 1000


def attributes(el: etree._Element) -> list[tuple[str, str]]:
    """An element's attributes in document order; more than :data:`MAX_ATTRIBUTES` is an error."""
    if len(el.attrib) > MAX_ATTRIBUTES:
        raise UcwaFormatError(
            f"<{etree.QName(el).localname}> has {len(el.attrib)} attributes; "
            f"at most {MAX_ATTRIBUTES} are read",
            line=line_of(el),
        )
    # Parsed from bytes, lxml gives str names and values; the stubs say str | bytes.
    return cast("list[tuple[str, str]]", el.items())


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


class _Reader:
    __slots__ = ("docs", "input_target", "rec", "schema", "unknown")

    def __init__(
        self, schema: Schema, rec: Recorder, unknown: UnknownPolicy, input_target: str | None
    ) -> None:
        self.schema = schema
        self.rec = rec
        self.unknown = unknown
        self.docs = False
        self.input_target = input_target

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
                return Timestamp(ticks, offset)
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

    def stray_text(self, el: etree._Element, path: str, children: bool = True) -> None:
        # Whitespace between elements is insignificant; anything else is dropped and reported.
        text = el.text
        if text and not text.isspace():
            self.rec.loss("text", path, f"text {text.strip()[:40]!r} directly inside an element")
        if children:
            for child in el:
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

    def body(
        self,
        el: etree._Element,
        path: str,
        rtype: str | None,
        role: str | None,
        depth: int,
        *,
        allow_type: bool = True,
        infer_from: str | bool | None = False,
        typer: Callable[[str], PropertyType | None] | None = None,
    ) -> tuple[
        str | None,
        int | None,
        tuple[tuple[str, Value], ...],
        tuple[tuple[str, LinkEntry], ...],
        tuple[tuple[str, ResourceEntry], ...],
    ]:
        """Read the children of ``<resource>``/``<input>`` in one pass.

        Returns (type, the position of ``<property name="rel">``, properties, links, embedded).
        The type is the property rel if there is one, else ``rtype``; with ``infer_from`` (the
        parent's type, for an embedded resource of the server dialect) it is inferred from the
        schema (§5, D4) unless the element is a stub.
        """
        if depth > MAX_DEPTH:
            raise UcwaFormatError(f"resources nested deeper than {MAX_DEPTH}", path=path)
        links: dict[str, list[Link]] = {}
        prop_els: list[tuple[str, str, etree._Element]] = []
        children: dict[str, list[etree._Element]] = {}
        prop_type: str | None = None
        type_position: int | None = None
        kinds = _KINDS
        for child in el:
            tail = child.tail
            if tail and not tail.isspace():
                self.stray_tail(child, path)
            kind = kinds.get(child.tag)
            if kind is None:
                kind = self.kind(child, path)
                if kind is None:
                    continue
            if kind == "property" or kind == "propertyList":
                name = child.get("name")
                if name is None:
                    raise UcwaFormatError(
                        f"<{kind}> without a name", line=line_of(child), path=path
                    )
                if name == "rel" and kind == "property" and allow_type:
                    # The docs dialect's type artifact (§5): never an ordinary property.
                    if type_position is not None:
                        self.rec.loss(
                            "duplicate",
                            member_path(path, "rel"),
                            "property 'rel' appears more than once; the last one types the resource",
                        )
                    prop_type = self.text_of(child, path, "rel")
                    type_position = len(prop_els)
                    continue
                prop_els.append((name, kind, child))
            elif kind == "link":
                rel = child.get("rel")
                href = child.get("href")
                if rel is None or href is None:
                    missing = "rel" if rel is None else "href"
                    raise UcwaFormatError(
                        f"<link> without {missing!r}", line=line_of(child), path=path
                    )
                extra = (
                    tuple((k, v) for k, v in attributes(child) if k != "rel" and k != "href")
                    if len(child.attrib) > 2
                    else ()
                )
                group = links.get(rel)
                if group is None:
                    links[rel] = [Link(rel, href, extra)]
                else:
                    group.append(Link(rel, href, extra))
                if len(child) or (child.text and not child.text.isspace()):
                    self.rec.loss(
                        "mixed-content",
                        member_path(path, "_links"),
                        "content inside <link>; dropped",
                    )
            elif kind == "resource":
                role_ = child.get("rel")
                if role_ is None:
                    raise UcwaFormatError(
                        "embedded <resource> without 'rel'", line=line_of(child), path=path
                    )
                children.setdefault(role_, []).append(child)
            else:
                self.unknown_child(child, kind, path)
        text = el.text
        if text and not text.isspace():
            self.stray_text(el, path, children=False)

        if prop_type is not None:
            rtype = prop_type
        elif infer_from is not False and not self.docs and (prop_els or links or children):
            # Server dialect: the type is not in the document (§5, D4). Stubs stay typeless.
            parent = infer_from if isinstance(infer_from, str) else None
            rtype = self.schema.embedded_type(parent, role or "") or role
        if typer is None:
            typer = self.typer(rtype, role)
        # For schema lookups a typeless embedded resource falls back to its role (§7.2 step 2).
        effective = rtype or role
        props: list[tuple[str, Value]] = []
        if prop_els:
            seen: set[str] = set()
            value = self.value
            typed = self.typed
            append = props.append
            for name, kind, child in prop_els:
                if name in seen:
                    self.rec.loss(
                        "duplicate",
                        member_path(path, name),
                        f"property {name!r} appears more than once",
                    )
                seen.add(name)
                pt = typer(name)
                if (
                    kind == "property"
                    and (pt is None or not pt.array)
                    and not len(child)
                    and child.get(_XSI_NIL) is None
                ):
                    # The common case, inlined: a text-only <property>.
                    text = child.text or ""
                    append((name, text if pt is None else typed(text, pt, path, name)))
                else:
                    append((name, value(child, kind, pt, path, name)))

        link_entries: list[tuple[str, LinkEntry]] = []
        for rel, group in links.items():
            if len(group) > 1:
                link_entries.append((rel, tuple(group)))
                continue
            coll = self.schema.link_collection(effective, rel)
            if coll is None:
                coll = self.guess(
                    member_path(member_path(path, "_links"), rel), "link", rel, effective
                )
            link_entries.append((rel, tuple(group) if coll else group[0]))

        embedded: list[tuple[str, ResourceEntry]] = []
        for role_, els in children.items():
            epath = member_path(member_path(path, "_embedded"), role_)
            coll = True if len(els) > 1 else self.schema.embedded_collection(effective, role_)
            if coll is None:
                coll = self.guess(epath, "embedded resource", role_, effective)
            if coll:
                embedded.append(
                    (
                        role_,
                        tuple(
                            self.embedded(c, f"{epath}[{i}]", effective, role_, depth + 1)
                            for i, c in enumerate(els)
                        ),
                    )
                )
            else:
                embedded.append((role_, self.embedded(els[0], epath, effective, role_, depth + 1)))
        return rtype, type_position, tuple(props), tuple(link_entries), tuple(embedded)

    def guess(self, path: str, what: str, rel: str, rtype: str | None) -> bool:
        where = f"in {rtype!r}" if rtype else "here"
        self.rec.loss(
            "cardinality",
            path,
            f"the schema does not say whether {what} {rel!r} {where} is a collection; "
            f"written as {'an array' if self.unknown == 'collection' else 'a single object'}",
        )
        return self.unknown == "collection"

    def typer(self, rtype: str | None, role: str | None) -> Callable[[str], PropertyType | None]:
        """The property typing function of a resource type (§7.2), memoised by the schema."""
        return self.schema.typing(rtype, role).__getitem__

    def resource_attrs(
        self, el: etree._Element
    ) -> tuple[str | None, str | None, tuple[tuple[str, str], ...]]:
        rel, href, extra = split_attributes(attributes(el))
        return rel, href, tuple(extra)

    def embedded(
        self, el: etree._Element, path: str, parent_type: str | None, role: str, depth: int
    ) -> Resource:
        _rel, href, extra = self.resource_attrs(el)
        rtype, pos, props, links, embedded = self.body(
            el, path, None, role, depth, infer_from=parent_type if parent_type else True
        )
        href, extra, links = self.self_link(href, extra, links, path)
        return Resource(rtype, href, props, links, embedded, extra, pos)

    def self_link(
        self,
        href: str | None,
        extra: tuple[tuple[str, str], ...],
        links: tuple[tuple[str, LinkEntry], ...],
        path: str,
    ) -> tuple[str | None, tuple[tuple[str, str], ...], tuple[tuple[str, LinkEntry], ...]]:
        """A resource's self link from its ``href`` and a ``<link rel="self">``, which UCWA never
        writes (§3): the attribute wins a conflict; a lone element becomes the self link. Both
        are reported, since XML written back has the attribute instead."""
        found = next((entry for rel, entry in links if rel == "self"), None)
        if found is None:
            return href, extra, links
        where = member_path(member_path(path, "_links"), "self")
        link = found[-1] if isinstance(found, tuple) else found
        if href is None:
            self.rec.loss("element", where, '<link rel="self"> read as the resource\'s href')
            href, extra = link.href, (*extra, *link.attributes)
        elif isinstance(found, tuple) or link.href != href or link.attributes:
            self.rec.loss(
                "rel-conflict",
                where,
                f'<link rel="self" href={link.href!r}> beside href={href!r}; the attribute won',
            )
        else:
            self.rec.loss("element", where, '<link rel="self"> repeats the href; dropped')
        return href, extra, tuple((rel, entry) for rel, entry in links if rel != "self")

    def prop_rel(self, el: etree._Element) -> str | None:
        """The docs dialect's ``<property name="rel">`` of this element, if it has one (the
        last of several, as for any repeated property, D24; ``body`` reports the repeat)."""
        found = None
        for child in el:
            if child.get("name") == "rel" and child.tag in _PROPERTY_TAGS:
                found = child.text or ""
        return found

    def root(self, el: etree._Element, hint: str | None) -> Document:
        kind = self.kind(el, "$")
        if kind == "resource":
            rel, href, extra = self.resource_attrs(el)
            # The docs dialect marks every typed resource with <property name="rel"> (§5); its
            # embedded resources without one are stubs or typeless, never schema-typed (D4).
            prop_rel = self.prop_rel(el)
            self.docs = prop_rel is not None
            rtype = prop_rel if prop_rel is not None else (rel or hint)
            _type, pos, props, links, embedded = self.body(el, "$", rtype, None, 0)
            href, extra, links = self.self_link(href, extra, links, "$")
            if prop_rel is not None and rel is not None and prop_rel != rel:
                self.rec.loss(
                    "rel-conflict", "$.rel", f"rel attribute {rel!r} but property rel {prop_rel!r}"
                )
            rtype = prop_rel if prop_rel is not None else rel
            return Resource(rtype, href, props, links, embedded, extra, pos)
        if kind == "input":
            if el.attrib:
                names = ", ".join(k for k, _v in attributes(el))
                self.rec.loss("element", "$", f"attributes on <input> ({names}); dropped")
            target = self.input_target or hint
            schema = self.schema

            def typer(name: str) -> PropertyType | None:
                return (
                    schema.request_type(target, "POST", name)
                    or schema.request_type(target, "PUT", name)
                    or schema.fallback_type(name)
                )

            _t, _pos, props, links, embedded = self.body(
                el, "$", target, None, 0, allow_type=False, typer=typer
            )
            return Input(props, links, embedded)
        # read_root dispatches every other root (and foreign namespaces) before this point.
        raise UcwaFormatError(f"unsupported root element <{etree.QName(el).localname}>", path="$")


# -- writer -----------------------------------------------------------------------------------

_XML_NS: Final = "http://www.w3.org/XML/1998/namespace"
_XMLNS_NS: Final = "http://www.w3.org/2000/xmlns/"


class _Writer:
    __slots__ = ("bools", "default_offset", "docs", "marked", "out", "pretty", "rec")

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

    def text(self, s: str, path: str) -> str:
        return s if TEXT_SPECIAL.search(s) is None else xmltext.text(s, path)

    def attr(self, s: str, path: str, *parts: str | int) -> str:
        # The path is built only when there is something to escape or refuse.
        return s if ATTR_SPECIAL.search(s) is None else xmltext.attr(s, path_of(path, *parts))

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
        props: tuple[tuple[str, Value], ...],
        rtype: str | None,
        type_position: int | None,
        path: str,
        depth: int,
    ) -> None:
        out = self.out
        ind = self.nl(depth)
        pos = (type_position or 0) if (self.docs and rtype is not None) else -1
        for i, (name, value) in enumerate(props):
            if i == pos:
                out.append(f'{ind}<property name="rel">{self.text(rtype or "", path)}</property>')
            if isinstance(value, str):
                if TEXT_SPECIAL.search(value) is None and ATTR_SPECIAL.search(name) is None:
                    # The common case first; a path is only built when a check fails.
                    if value:
                        out.append(f'{ind}<property name="{name}">{value}</property>')
                    else:
                        out.append(f'{ind}<property name="{name}"/>')
                    continue
            elif isinstance(value, (int, Timestamp)) and ATTR_SPECIAL.search(name) is None:
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

    def links(self, links: tuple[tuple[str, LinkEntry], ...], path: str, depth: int) -> None:
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
        self, embedded: tuple[tuple[str, ResourceEntry], ...], path: str, depth: int
    ) -> None:
        for role, entry in embedded:
            epath = member_path(member_path(path, "_embedded"), role)
            if isinstance(entry, tuple):
                if not entry:
                    self.rec.loss("empty-collection", epath, "empty resource array has no XML form")
                for i, res in enumerate(entry):
                    self.resource(res, role, f"{epath}[{i}]", depth)
            else:
                self.resource(entry, role, epath, depth)

    def resource(self, res: Resource, role: str | None, path: str, depth: int) -> None:
        out = self.out
        head = ["<resource"]
        rel = res.type if role is None else role
        if role is None and self.docs and res.href is None:
            # A root without a self link is a request body; the docs write those as a bare
            # <resource xmlns=…> with only the property rel (D17).
            rel = None
        if rel is not None:
            head.append(f' rel="{self.attr(rel, path) if role else self.attr(rel, path, "rel")}"')
        if res.href is not None:
            head.append(f' href="{self.attr(res.href, path, "_links", "self")}"')
        if res.self_attributes:
            head.append(self.attrs(res.self_attributes, path, "_links", "self"))
        if role is None:
            head.append(f' xmlns="{NS}"')
        ind = self.nl(depth)
        has_type = self.docs and res.type is not None
        if role is None:
            self.marked = self.docs and res.type is not None
        elif res.type is None and not self.marked and _writes_children(res):
            # Without the docs dialect's marks a reader infers a type for it (§5, D4).
            self.rec.loss(
                "rel",
                member_path(path, "rel"),
                f"typeless resource of role {role!r} reads back with the schema's type or its role",
            )
        if (
            role is not None
            and res.type is not None
            and not self.docs
            and (res.type != role or not _writes_children(res))
        ):
            # The server dialect has no place for an embedded type (§5): readers take it
            # from the schema, and a stub without content reads back typeless (D4).
            self.rec.loss(
                "rel",
                member_path(path, "rel"),
                f"type {res.type!r} of role {role!r} is not written in the server dialect",
            )
        if not (res.properties or res.links or res.embedded or has_type):
            out.append(ind + "".join(head) + "/>")
            return
        out.append(ind + "".join(head) + ">")
        self.links(res.links, path, depth + 1)
        self.properties(res.properties, res.type, res.type_position, path, depth + 1)
        self.embedded(res.embedded, path, depth + 1)
        out.append(ind + "</resource>")

    def input(self, doc: Input) -> None:
        out = self.out
        if not (doc.properties or doc.links or doc.embedded):
            out.append(f'{self.nl(0)}<input xmlns="{NS}"/>')
            return
        out.append(f'{self.nl(0)}<input xmlns="{NS}">')
        self.links(doc.links, "$", 1)
        self.properties(doc.properties, None, None, "$", 1)
        self.embedded(doc.embedded, "$", 1)
        out.append(self.nl(0) + "</input>")


def _writes_children(res: Resource) -> bool:
    """Whether ``<resource>`` gets child elements (nulls and empty arrays write none)."""
    return (
        any(value is not None for _, value in res.properties)
        or any(entry != () for _, entry in res.links)
        or any(entry != () for _, entry in res.embedded)
    )
