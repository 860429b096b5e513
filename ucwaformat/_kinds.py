"""Document kinds: how each wire form shows a document's kind, and which reader and writer a
kind has. One table per direction, keyed by kind; a new kind is an entry in each.

The readers and writers of one kind (``_xml``/``_json`` for resources and inputs, ``_events``,
``_dto``) know nothing of the other kinds; every path (the model path, the streaming converter)
reads and writes whole documents through the functions here.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, Final, Literal, TypeVar

import orjson
from lxml import etree

from . import _dto, _events, _json, _xml
from ._errors import Recorder, UcwaFormatError
from ._media import Dialect
from ._model import Document, Dto, Events, Input, Resource
from ._schema import Schema
from ._sinks import JsonSink
from ._xmlsink import XmlSink
from ._xmltext import plain_json

__all__ = [
    "json_kind",
    "json_object",
    "json_xml",
    "read_json",
    "read_xml",
    "read_xml_root",
    "read_xml_with",
    "report_kind",
    "request_kind",
    "write_json",
    "write_xml",
    "write_xml_into",
    "xml_json",
]

# -- XML -> model ---------------------------------------------------------------------------

#: A reader of one kind of root: what the reader's sink makes of it (a DTO is always a model).
_XmlRead = Callable[[etree._Element, "_xml._Reader", str | None], Any]


def _read_events_xml(root: etree._Element, reader: _xml._Reader, rel: str | None) -> Any:
    if etree.QName(root).namespace is None:
        reader.rec.loss("namespace", "$", "element <events> has no namespace; read as UCWA")
    return _events.read_events_xml(root, reader)


#: The readers of the XML root elements UCWA defines (by local name; namespaces checked first).
_XML_READERS: Final[dict[str, _XmlRead]] = {
    "resource": lambda root, reader, rel: reader.root(root, rel),
    "input": lambda root, reader, rel: reader.root(root, rel),
    "events": _read_events_xml,
    **{
        name: (lambda root, reader, rel: _dto.read_dto_xml(root, reader.rec))
        for name in _dto.DTO_KINDS
    },
}


#: The namespaced root elements read through the sink → their kinds.
_UCWA_ROOTS: Final = {f"{{{_xml.NS}}}{kind}": kind for kind in ("resource", "input", "events")}


def read_xml_root(root: etree._Element, reader: _xml._Reader, rel: str | None) -> Any:
    """The document of any kind under a parsed root element, as the reader's sink makes it (the
    model's :class:`Document` by default; the streaming reader uses it too)."""
    if not isinstance(root.tag, str):
        raise UcwaFormatError("the document has no root element", line=1, column=1)
    qname = etree.QName(root)
    ns, name = qname.namespace, qname.localname
    if ns not in (None, _xml.NS):
        raise UcwaFormatError(
            f"root element <{name}> is in the namespace {ns!r}, not UCWA's", path="$"
        )
    read = _XML_READERS.get(name)
    if read is not None:
        return read(root, reader, rel)
    if ns == _xml.NS:
        # An unknown root in the UCWA namespace gets the generic DTO mapping (strict: an error).
        return _dto.read_dto_xml(root, reader.rec)
    raise UcwaFormatError(f"unsupported root element <{name}>", path="$")


def read_xml(
    data: bytes | str,
    *,
    rel: str | None,
    schema: Schema,
    rec: Recorder,
    unknown: _xml.UnknownPolicy = "single",
) -> Document:
    """XML bytes or text → a document of any kind (the root element decides)."""
    doc: Document = read_xml_with(data, rel=rel, schema=schema, rec=rec, unknown=unknown)
    return doc


def read_xml_with(
    data: bytes | str,
    *,
    rel: str | None,
    schema: Schema,
    rec: Recorder,
    unknown: _xml.UnknownPolicy = "single",
    resource_sink: _xml.Sink | None = None,
) -> Any:
    """:func:`read_xml`, with ``resource_sink`` reading a ``<resource>`` root (in the UCWA
    namespace) in place of the model's sink: what that sink makes of it (the typed layer's
    objects). Any other root is read into the model."""
    raw = _xml.xml_bytes(data)
    nil, many = _xml.scan_flags(raw, rec.limits.max_attributes)
    root = _xml.parse_raw(raw)
    _xml.check_value_sizes(root, rec.limits.max_value_size, len(raw))
    kind = _UCWA_ROOTS.get(root.tag)
    sink: _xml.Sink = _xml.MODEL
    if resource_sink is not None and kind == "resource":
        sink = resource_sink
    reader = _xml._Reader(schema, rec, unknown, rel, sink, nil=nil, many=many)
    if kind is not None:
        return _XML_READERS[kind](root, reader, rel)  # the common case: a namespaced root
    return read_xml_root(root, reader, rel)


def xml_json(
    root: etree._Element,
    reader: _xml._Reader,
    sink: JsonSink,
    *,
    rel: str | None,
    pretty: bool,
    escape_solidus: bool,
    date_offset: bool,
) -> bytes:
    """A parsed XML document → JSON bytes, through ``reader`` with ``sink`` (no model): what
    ``write_json(read_xml_root(...))`` gives, losses and errors in the same order."""
    kind = _UCWA_ROOTS.get(root.tag)
    if kind is not None:
        obj = _XML_READERS[kind](root, reader, rel)  # the common case: a namespaced root
    else:
        obj = read_xml_root(root, reader, rel)
        kind = etree.QName(root).localname
    if isinstance(obj, dict):
        sink.flush(reader.rec)
        report_kind(obj, kind, reader.rec)
        return sink.dump(obj, pretty)
    # The kinds read without the sink (DTOs) are written from their model.
    return write_json(
        obj, pretty=pretty, rec=reader.rec, escape_solidus=escape_solidus, date_offset=date_offset
    )


# -- JSON -> model --------------------------------------------------------------------------


def json_kind(obj: dict[str, Any]) -> str:
    """The kind of a JSON document's object, as FORMAT.md D16 detects it."""
    if "rel" in obj and "sender" not in obj and "code" not in obj:
        return "resource"  # the common case: no event page, no DTO has a rel (D16)
    if _events.is_events_json(obj):
        return "events"
    return _dto.dto_kind_of_json(obj) or _json.resource_or_input(obj)


#: The members that make a JSON object an error, an event page or another DTO (D16), quoted.
_OTHER_KIND_KEYS: Final = tuple(
    f'"{key}"'.encode()
    for key in ("code", "sender", "next", "resume", "resync", "metadata", "operations")
)


def request_kind(data: bytes | str) -> Literal["input"] | None:
    """The kind to read a request's JSON body as, where detection (D16) would get it wrong.

    A request carries an input or a resource, never an error, an event page or another DTO;
    JSON has no root element, so an ``<input>`` holding only ``code`` and ``message`` comes
    back from JSON as an error. In a request the kind can be kept: such a body is read as the
    input its XML root said. None: detection is right (or the body does not parse, which the
    reader reports)."""
    text = data if isinstance(data, bytes) else data.encode("utf-8", "surrogatepass")
    if not any(key in text for key in _OTHER_KIND_KEYS):
        return None  # the common case, without parsing: no member another kind is told by
    try:
        obj = orjson.loads(text.removeprefix(b"\xef\xbb\xbf"))
    except orjson.JSONDecodeError:
        return None
    if not isinstance(obj, dict) or json_kind(obj) in ("resource", "input"):
        return None
    return "input"


#: A reader of one kind of JSON object: what the reader's sink makes of it (the model's
#: Document by default; resources, inputs and event pages as the XML sink writes them).
_JsonRead = Callable[[dict[str, Any], "_json._Reader", str | None, str], Any]

#: The readers of each kind's JSON object.
_JSON_READERS: Final[dict[str, _JsonRead]] = {
    "resource": lambda obj, reader, rel, kind: reader.resource(obj, "$", None, None, 0, rel),
    "input": lambda obj, reader, rel, kind: reader.input(obj, rel),
    "events": lambda obj, reader, rel, kind: _events.read_events_json(obj, reader),
    **{
        name: (lambda obj, reader, rel, kind: _dto.read_dto_json(obj, kind, reader.rec))
        for name in _dto.DTO_KINDS
    },
}


def read_json_object(
    obj: Any,
    *,
    rel: str | None,
    schema: Schema,
    rec: Recorder,
    kind: str | None,
    again: bool = False,
    for_xml: bool = False,
) -> Document:
    """A parsed JSON document → a document of its kind (``kind`` overrides the detection)."""
    if not isinstance(obj, dict):
        raise UcwaFormatError(
            f"a UCWA document is a JSON object, not {_json._json_type(obj)}", path="$"
        )
    reader = _json._Reader(schema, rec, again, for_xml)
    if kind is None:
        kind = json_kind(obj)
    read = _JSON_READERS.get(kind)
    if read is None:
        raise UcwaFormatError(f"unknown document kind {kind!r}")
    doc: Document = read(obj, reader, rel, kind)
    return doc


def read_json(
    data: bytes | str,
    *,
    rel: str | None,
    schema: Schema,
    rec: Recorder,
    kind: str | None = None,
    for_xml: bool = False,
) -> Document:
    """JSON bytes or text → a document of any kind (detected as FORMAT.md D16 says).

    ``for_xml``: the document will be written as XML; values XML cannot type are reported.
    """
    obj = _json.load_json(data, strict=rec.strict, rec=rec)
    mark = len(rec.losses) if rec.losses is not None else 0
    try:
        return read_json_object(obj, rel=rel, schema=schema, rec=rec, kind=kind, for_xml=for_xml)
    except _json.BigInt:
        # Integers are of any size (§7.2); the stdlib parser keeps them exact.
        if rec.losses is not None:
            del rec.losses[mark:]
        text = data.decode("utf-8-sig") if isinstance(data, (bytes, bytearray)) else data
        return read_json_object(
            json.loads(text),
            rel=rel,
            schema=schema,
            rec=rec,
            kind=kind,
            again=True,
            for_xml=for_xml,
        )


# -- JSON -> XML, without the model ------------------------------------------------------------


def json_xml(
    data: bytes | str,
    *,
    rel: str | None,
    schema: Schema,
    rec: Recorder,
    kind: str | None,
    dialect: Dialect,
    pretty: bool,
    default_offset: int | None,
) -> bytes:
    """JSON bytes or text → XML bytes: what ``write_xml(read_json(..., for_xml=True))`` gives,
    losses and errors in the same order. Resources, inputs and event pages go from the JSON
    reader to the XML sink (no model); DTOs are read into the model and written from it."""
    obj = _json.load_json(data, strict=rec.strict, rec=rec)
    mark = len(rec.losses) if rec.losses is not None else 0
    write = (dialect, pretty, default_offset, plain_json(data))
    try:
        return _json_xml_object(obj, rel, schema, rec, kind, False, write)
    except _json.BigInt:
        # As read_json: integers are of any size (§7.2); the stdlib parser keeps them exact.
        if rec.losses is not None:
            del rec.losses[mark:]
        text = data.decode("utf-8-sig") if isinstance(data, (bytes, bytearray)) else data
        return _json_xml_object(json.loads(text), rel, schema, rec, kind, True, write)


def _json_xml_object(
    obj: Any,
    rel: str | None,
    schema: Schema,
    rec: Recorder,
    kind: str | None,
    again: bool,
    write: tuple[Dialect, bool, int | None, bool],
) -> bytes:
    dialect, pretty, default_offset, plain = write
    if isinstance(obj, dict):
        read_as = json_kind(obj) if kind is None else kind
        if read_as == "resource" or read_as == "input" or read_as == "events":
            sink = XmlSink(dialect, pretty, rec, default_offset, plain, read_as == "events")
            reader = _json._Reader(schema, rec, again, True, sink)
            if read_as == "resource":
                sink.root_type(obj.get("rel"))
            return sink.document(_JSON_READERS[read_as](obj, reader, rel, read_as), rec)
    doc = read_json_object(
        obj, rel=rel, schema=schema, rec=rec, kind=kind, again=again, for_xml=True
    )
    return write_xml(
        doc,
        dialect=dialect,
        pretty=pretty,
        rec=Recorder(rec.strict, rec.losses),
        default_offset=default_offset,
    )


W = TypeVar("W")


def _writer_of(table: dict[type, W], doc: object) -> W:
    """The entry of ``doc``'s class (or of the nearest model class it derives from)."""
    write = table.get(type(doc))
    if write is None:
        for cls in type(doc).__mro__:
            if cls in table:
                return table[cls]
        raise UcwaFormatError(f"Expected a UCWA document, not {type(doc).__name__!r}")
    return write


# -- model -> XML ---------------------------------------------------------------------------


def _write_dto_xml(doc: Dto, writer: _xml._Writer) -> None:
    dto = _dto.DtoXmlWriter(writer.text, writer.attr, writer.attrs, writer.bools, writer.pretty)
    writer.out.append(writer.nl(0) + _dto.write_dto_xml(doc, dto, False))


#: The XML writer of each document class.
_XML_WRITERS: Final[dict[type, Callable[[Any, _xml._Writer], None]]] = {
    Resource: lambda doc, writer: writer.resource(doc, None, "$", 0),
    Input: lambda doc, writer: writer.input(doc),
    Events: _events.write_events_xml,
    Dto: _write_dto_xml,
}


def write_xml_into(doc: Document, writer: _xml._Writer) -> None:
    """Write a document of any kind into ``writer``'s output."""
    _writer_of(_XML_WRITERS, doc)(doc, writer)


def write_xml(
    doc: Document,
    *,
    dialect: Dialect,
    pretty: bool,
    rec: Recorder,
    default_offset: int | None = None,
) -> bytes:
    """A document of any kind → XML bytes in the given dialect."""
    writer = _xml._Writer(dialect, pretty, rec, default_offset)
    write_xml_into(doc, writer)
    return writer.document()


# -- model -> JSON --------------------------------------------------------------------------

#: The JSON writer of each document class: the JSON object, before serialisation.
_JSON_WRITERS: Final[dict[type, Callable[[Any, _json._Writer, bool], dict[str, Any]]]] = {
    Resource: lambda doc, writer, empty: writer.resource(doc, "$"),
    Input: lambda doc, writer, empty: writer.input(doc),
    Events: lambda doc, writer, empty: _events.write_events_json(doc, writer, empty),
    Dto: lambda doc, writer, empty: _dto.write_dto_json(doc),
}


def json_object(
    doc: Document, writer: _json._Writer, empty_sender_list: bool = False
) -> dict[str, Any]:
    """A document of any kind → its JSON object; a kind that the JSON does not show is reported.

    JSON has no root element: its kind is detected (D16), so an ``<input>`` holding only
    ``code`` and ``message`` reads back as an error, an event page without senders or page
    links as a resource. The document is written as it is, and the change is a ``kind`` loss.
    """
    obj = _writer_of(_JSON_WRITERS, doc)(doc, writer, empty_sender_list)
    if not (isinstance(doc, Dto) and doc.kind not in _dto.DTO_KINDS):  # generic: reported
        report_kind(obj, kind_of(doc), writer.rec)
    return obj


def report_kind(obj: dict[str, Any], kind: str, rec: Recorder) -> None:
    """A ``kind`` loss if the JSON object of a ``kind`` document reads back as another kind."""
    shown = json_kind(obj)
    if shown != kind:
        rec.loss("kind", "$", f"its JSON reads back as a {shown!r} document, not {kind!r}")


def kind_of(doc: Document) -> str:
    """The kind of a document: ``resource``, ``input``, ``events`` or its DTO kind."""
    if isinstance(doc, Dto):
        return doc.kind
    return _writer_of(_KIND_NAMES, doc)


_KIND_NAMES: Final[dict[type, str]] = {Resource: "resource", Input: "input", Events: "events"}


def write_json(
    doc: Document,
    *,
    pretty: bool,
    rec: Recorder,
    escape_solidus: bool = True,
    date_offset: bool = False,
    empty_sender_list: bool = False,
) -> bytes:
    """A document → JSON bytes; dates as ``"\\/Date(ms)\\/"`` like the server writes them (D8)."""
    writer = _json._Writer(rec, date_offset)
    obj = json_object(doc, writer, empty_sender_list)
    return _json.dump(obj, pretty=pretty, escape=escape_solidus and writer.dates)
