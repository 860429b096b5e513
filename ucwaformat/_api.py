"""The public functions; the one place where options are validated and defaults applied."""

from __future__ import annotations

import gc
from typing import Literal

from ._errors import DEFAULT_LIMITS, Limits, Loss, Recorder
from ._kinds import json_xml, read_json, read_xml, write_json, write_xml, xml_json
from ._media import Dialect, check_dialect
from ._model import Document
from ._schema import Schema
from ._sinks import JsonSink
from ._xml import UnknownPolicy, _Reader, check_value_sizes, parse_raw, scan_flags, xml_bytes

__all__ = ["from_json", "from_xml", "json_to_xml", "to_json", "to_xml", "xml_to_json"]

Kind = Literal["resource", "input", "events", "reason", "optionsMetadata", "operationsQueued"]


KINDS = ("resource", "input", "events", "reason", "optionsMetadata", "operationsQueued")


#: Inputs at least this large are converted with the cyclic garbage collector paused.
GC_PAUSE_BYTES = 1 << 16


def _pause_gc(data: object) -> bool:
    """Pause the cyclic garbage collector for a large input; True if it was paused.

    A bulk conversion allocates hundreds of thousands of small acyclic objects; the collector's
    full passes over them cost a third to a half of the time (benchmarks/README.md) and could
    free nothing. Reference counting frees them as usual. (A plain function, not a context
    manager: per-call latency on small documents counts too.)
    """
    if isinstance(data, (bytes, str)) and len(data) >= GC_PAUSE_BYTES and gc.isenabled():
        gc.disable()
        return True
    return False


def _check_unknown(unknown_cardinality: str) -> None:
    if unknown_cardinality not in ("single", "collection"):
        raise ValueError(
            f"unknown_cardinality must be 'single' or 'collection', not {unknown_cardinality!r}"
        )


def _limits(limits: Limits | None) -> Limits:
    if limits is None:
        return DEFAULT_LIMITS
    if not isinstance(limits, Limits):
        raise TypeError(f"limits must be a Limits, not {type(limits).__name__!r}")
    return limits


def _schema(schema: Schema | None) -> Schema:
    if schema is None:
        return Schema.bundled()
    if not isinstance(schema, Schema):
        raise TypeError(f"schema must be a Schema, not {type(schema).__name__!r}")
    return schema


def from_xml(
    data: bytes | str,
    /,
    *,
    rel: str | None = None,
    schema: Schema | None = None,
    strict: bool = False,
    report: list[Loss] | None = None,
    unknown_cardinality: UnknownPolicy = "single",
    limits: Limits | None = None,
) -> Document:
    """Read a UCWA XML document.

    ``rel`` names the root's type when the XML lacks it (or, for ``<input>``, the rel of the
    link the body is sent to), for typing. ``unknown_cardinality`` says how a lone link or
    embedded resource of a relation the schema does not know is read. ``limits`` bound what
    is read of a hostile document (:class:`Limits`; safe defaults).
    """
    _check_unknown(unknown_cardinality)
    return read_xml(
        data,
        rel=rel,
        schema=_schema(schema),
        rec=Recorder(strict, report, _limits(limits)),
        unknown=unknown_cardinality,
    )


def from_json(
    data: bytes | str,
    /,
    *,
    rel: str | None = None,
    schema: Schema | None = None,
    strict: bool = False,
    report: list[Loss] | None = None,
    kind: Kind | None = None,
    limits: Limits | None = None,
) -> Document:
    """Read a UCWA JSON document.

    ``kind`` overrides the detection of FORMAT.md D16 (an object without ``rel``, ``self`` or
    ``_embedded`` is an input), e.g. for typeless operation results.
    """
    _check_kind(kind)
    rec = Recorder(strict, report, _limits(limits))
    return read_json(data, rel=rel, schema=_schema(schema), rec=rec, kind=kind)


def _check_kind(kind: str | None) -> None:
    if kind not in (None, *KINDS):
        raise ValueError(f"kind must be one of {', '.join(KINDS)}, not {kind!r}")


def to_xml(
    doc: Document,
    /,
    *,
    dialect: Dialect = "server",
    pretty: bool = False,
    strict: bool = False,
    report: list[Loss] | None = None,
    default_offset: int | None = None,
) -> bytes:
    """Write a document as UCWA XML (``dialect="server"`` or ``"docs"``).

    ``default_offset`` (minutes) displays timestamps that carry no offset in that zone instead
    of ``Z`` (the docs use -420, ``-07:00``).
    """
    return write_xml(
        doc,
        dialect=dialect,
        pretty=pretty,
        rec=Recorder(strict, report),
        default_offset=default_offset,
    )


def to_json(
    doc: Document,
    /,
    *,
    pretty: bool = False,
    strict: bool = False,
    report: list[Loss] | None = None,
    escape_solidus: bool = True,
    date_offset: bool = False,
) -> bytes:
    """Write a document as UCWA JSON.

    Dates are ``"\\/Date(ms)\\/"`` with escaped solidi as servers write them
    (``escape_solidus=False`` for plain ``/``); ``date_offset=True`` also writes the display
    offset of timestamps read from ISO text.
    """
    return write_json(
        doc,
        pretty=pretty,
        rec=Recorder(strict, report),
        escape_solidus=escape_solidus,
        date_offset=date_offset,
    )


def xml_to_json(
    data: bytes | str,
    /,
    *,
    rel: str | None = None,
    schema: Schema | None = None,
    strict: bool = False,
    report: list[Loss] | None = None,
    unknown_cardinality: UnknownPolicy = "single",
    pretty: bool = False,
    escape_solidus: bool = True,
    date_offset: bool = False,
    limits: Limits | None = None,
) -> bytes:
    """UCWA XML → UCWA JSON; ``report`` collects what the translation could not carry."""
    _check_unknown(unknown_cardinality)
    schema = _schema(schema)
    rec = Recorder(strict, report, _limits(limits))
    paused = _pause_gc(data)
    try:
        raw = xml_bytes(data)
        root = parse_raw(raw)
        check_value_sizes(root, rec.limits.max_value_size, len(raw))
        nil, many = scan_flags(raw, rec.limits.max_attributes)
        sink = JsonSink(date_offset, rec, escape_solidus)
        reader = _Reader(schema, rec, unknown_cardinality, rel, sink, nil=nil, many=many)
        return xml_json(
            root,
            reader,
            sink,
            rel=rel,
            pretty=pretty,
            escape_solidus=escape_solidus,
            date_offset=date_offset,
        )
    finally:
        if paused:
            gc.enable()


def json_to_xml(
    data: bytes | str,
    /,
    *,
    rel: str | None = None,
    schema: Schema | None = None,
    strict: bool = False,
    report: list[Loss] | None = None,
    kind: Kind | None = None,
    dialect: Dialect = "server",
    pretty: bool = False,
    default_offset: int | None = None,
    limits: Limits | None = None,
) -> bytes:
    """UCWA JSON → UCWA XML; ``report`` collects what the translation could not carry."""
    _check_kind(kind)
    check_dialect(dialect)  # (the caller's option: refused before the document is read)
    paused = _pause_gc(data)
    try:
        # Read for XML: integers and booleans the schema does not type are reported (D1).
        return json_xml(
            data,
            rel=rel,
            schema=_schema(schema),
            rec=Recorder(strict, report, _limits(limits)),
            kind=kind,
            dialect=dialect,
            pretty=pretty,
            default_offset=default_offset,
        )
    finally:
        if paused:
            gc.enable()
