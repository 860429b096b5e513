"""The JSON reader and writer (orjson) for resources and inputs (FORMAT.md §4, §8.1, §13).

Per-call options (``strict``, the loss report) make these plain functions rather than cattrs
hooks: cattrs hooks carry no per-call state. The typed layer uses cattrs on top of the model.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import Any, Final, NoReturn, Protocol, TypeAlias

import orjson

from ._dates import TICKS_PER_MS, Timestamp, is_ms_date, ms_date_repair, parse_iso, parse_ms_date
from ._errors import DEFAULT_LIMITS, Recorder, UcwaFormatError, member_path, path_of
from ._jsondates import (
    OFFSET_LOSS,
    SUB_MS_LOSS,
    escape_dates,
    escaped_date,
    fragment_written,
    ms_date_text,
    plain_written,
)
from ._model import (
    Event,
    EventParts,
    Events,
    Input,
    InputParts,
    Link,
    LinkEntry,
    PageLinks,
    Resource,
    ResourceEntry,
    ResourceParts,
    Scalar,
    Sender,
    Value,
)
from ._schema import PropertyType, Schema
from ._values import max_int_digits

__all__ = ["dump", "load_json"]

#: Resources nested deeper than this are refused by default (``Limits.max_depth``; orjson
#: itself stops at 1024 levels).
MAX_DEPTH: Final = DEFAULT_LIMITS.max_depth
#: The members of a resource's JSON object that are not properties.
RESERVED: Final = frozenset(("rel", "_links", "_embedded"))


def load_json(data: bytes | str, *, strict: bool, rec: Recorder | None = None) -> Any:
    """Parse JSON text; every failure becomes a UcwaFormatError with line and column.

    A key repeated in an object is an error in strict mode; otherwise the last one wins, and
    each repeat is a ``duplicate`` loss for ``rec`` if it listens (D24).
    """
    if isinstance(data, (bytearray, memoryview)):
        data = bytes(data)
    elif not isinstance(data, (bytes, str)):
        raise UcwaFormatError(f"Expected bytes or str, not {type(data).__name__!r}")
    # A UTF-8 BOM is not JSON, but it is common in captures (FORMAT.md §12); XML allows it too.
    if isinstance(data, bytes) and data[:3] == b"\xef\xbb\xbf":
        data = data[3:]
    elif isinstance(data, str) and data[:1] == "\ufeff":
        data = data[1:]
    try:
        obj = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        if isinstance(data, bytes) and "UTF-8" in exc.msg:
            _raise_bad_utf8(data)
        if "infinity" in exc.msg:
            # An integer of 309 digits or more, which orjson reads as a double (§7.2: integers
            # are of any size); the stdlib parser keeps it exact, up to max_int_digits().
            obj = _load_big(data, exc)
        else:
            raise UcwaFormatError(exc.msg, line=exc.lineno, column=exc.colno) from None
    limit = (rec.limits if rec is not None else DEFAULT_LIMITS).max_value_size
    if len(data) > limit:  # (only a text larger than the limit can hold a value larger)
        check_value_sizes(obj, "$", limit)
    if strict or (rec is not None and rec.hears and _may_repeat(data, obj)):
        try:
            for path, key in _duplicates(_read_pairs(data), "$"):
                where = member_path(path, key)
                if strict:
                    raise UcwaFormatError(f"duplicate key {key!r} in a JSON object", path=where)
                rec.loss(  # type: ignore[union-attr]
                    "duplicate", where, f"key {key!r} appears more than once; the last one is kept"
                )
        except RecursionError:
            raise UcwaFormatError(
                "JSON nested too deeply to check for duplicate keys", line=1, column=1
            ) from None
    return obj


def check_value_sizes(obj: Any, path: str, limit: int) -> None:
    """Refuse a string (a value or a key) of more than ``limit`` characters in parsed JSON."""
    stack = [(obj, path)]
    while stack:
        value, where = stack.pop()
        if type(value) is dict:
            for key, member in value.items():
                if len(key) > limit:
                    raise UcwaFormatError(
                        f"a key of {len(key)} characters; at most {limit} are read", path=where
                    )
                if type(member) is str:
                    if len(member) > limit:
                        _too_long(member, member_path(where, key), limit)
                elif type(member) is dict or type(member) is list:
                    stack.append((member, member_path(where, key)))
        elif type(value) is list:
            for index, item in enumerate(value):
                if type(item) is str:
                    if len(item) > limit:
                        _too_long(item, f"{where}[{index}]", limit)
                elif type(item) is dict or type(item) is list:
                    stack.append((item, f"{where}[{index}]"))
        elif type(value) is str and len(value) > limit:
            _too_long(value, where, limit)


def _too_long(value: str, path: str, limit: int) -> NoReturn:
    raise UcwaFormatError(f"a value of {len(value)} characters; at most {limit} are read", path=path)


#: The end of a key: a string's closing quote, blanks, a colon. In a string a quote is escaped,
#: so a text has at least as many of these as its objects have keys.
_KEY_END: Final = re.compile(rb'"[ \t\r\n]*:')
#: A key end with blanks before its colon, which few writers make (orjson makes none).
_SPACED_KEY_END: Final = re.compile(rb'"[ \t\r\n]+:')


def _may_repeat(data: bytes | str, obj: Any) -> bool:
    """Whether the text may hold a key twice: it has more key ends than the parsed object
    written again (which has one per key it kept). False means surely not."""
    try:
        again = orjson.dumps(obj)
    except orjson.JSONEncodeError:
        return True  # (integers beyond 64 bits): the exact check decides
    text = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    if _SPACED_KEY_END.search(text) is None:
        ends = text.count(b'":')  # (a count in C, several times quicker than the pattern)
    else:
        ends = len(_KEY_END.findall(text))
    return ends > again.count(b'":')


# An integer token of 309 digits or more (orjson reads it as an infinite double). Inside a
# string the same run is harmless to blank out: the string stays a string of the same length.
_BIG_INT: Final = re.compile(r"(?<![0-9.eE+\-])-?[0-9]{309,}(?![0-9.eE])")


def _load_big(data: bytes | str, exc: orjson.JSONDecodeError) -> Any:
    """JSON with integers orjson cannot hold: checked by orjson with each one blanked out (the
    same length, so positions hold), then read exactly by the stdlib parser."""
    text = data.decode("utf-8") if isinstance(data, bytes) else data
    masked = _BIG_INT.sub(lambda m: "0" + " " * (len(m[0]) - 1), text)
    try:
        orjson.loads(masked)
    except orjson.JSONDecodeError as again:
        if isinstance(data, bytes) and "UTF-8" in again.msg:
            _raise_bad_utf8(data)
        raise UcwaFormatError(again.msg, line=again.lineno, column=again.colno) from None
    try:
        return json.loads(text)
    except ValueError:
        # Python's own guard against quadratic conversion (the int string limit).
        limit = max_int_digits()
        found = re.search(f"[0-9]{{{limit + 1},}}", text)
        at = found.start() if found is not None else 0
        line = text.count("\n", 0, at) + 1
        column = at - (text.rfind("\n", 0, at) + 1) + 1
        raise UcwaFormatError(
            f"a number of more than {limit} digits", line=line, column=column
        ) from None
    except RecursionError:
        raise UcwaFormatError(
            "JSON nested too deeply to read its long integers", line=1, column=1
        ) from None


def _raise_bad_utf8(data: bytes) -> None:
    # orjson reports invalid UTF-8 at 1:1 and speaks of surrogates; say where the bad byte is.
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        bad = data[exc.start : exc.end].hex(" ")
        raise UcwaFormatError(f"invalid UTF-8 (bytes {bad})", line=line, column=column) from None


class BigInt(Exception):
    """orjson read an integer beyond 64 bits as a float: read the text again with json."""


class _Pairs(dict[str, Any]):
    """A JSON object that remembers the keys it saw more than once (each repeat, in order)."""

    dups: tuple[str, ...] = ()


def _read_pairs(data: bytes | str) -> Any:
    # orjson keeps the last of duplicate keys silently; the slower stdlib parser sees them (D24).
    def hook(pairs: list[tuple[str, Any]]) -> _Pairs:
        obj = _Pairs(pairs)
        if len(obj) != len(pairs):
            seen: set[str] = set()
            dups: list[str] = []
            for key, _ in pairs:
                if key in seen:
                    dups.append(key)
                seen.add(key)
            obj.dups = tuple(dups)
        return obj

    return json.loads(data, object_pairs_hook=hook)


def _duplicates(value: Any, path: str) -> Iterator[tuple[str, str]]:
    """(the object's path, the key) of each repeated key, depth first in document order."""
    if isinstance(value, _Pairs):
        for key in value.dups:
            yield path, key
        for key, item in value.items():
            yield from _duplicates(item, member_path(path, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _duplicates(item, f"{path}[{i}]")


def resource_or_input(obj: dict[str, Any]) -> str:
    """A JSON object that is neither an event page nor a DTO: a resource or an input (D16)."""
    if "rel" in obj or "_embedded" in obj:
        return "resource"
    links = obj.get("_links")
    if isinstance(links, dict) and "self" in links:
        return "resource"
    return "input"


class Sink(Protocol):
    """What the JSON reader hands a resource or an input to once it has read it (its embedded
    resources first, as this sink made them): :class:`ModelSink` builds the model, the XML sink
    (``_xmlsink``) writes the XML text."""

    def resource(self, parts: ResourceParts, path: str, role: str | None, depth: int) -> Any: ...

    def input(self, parts: InputParts) -> Any: ...

    def event(self, parts: EventParts, path: str) -> Any: ...

    def sender(
        self, rel: str, href: str, events: list[Any], attrs: tuple[tuple[str, str], ...], path: str
    ) -> Any: ...

    def events(self, page: PageLinks, senders: list[Any], empty_sender: bool) -> Any: ...


class ModelSink:
    """Builds the model (:class:`Resource`, :class:`Input`, an event page's :class:`Event`,
    :class:`Sender` and :class:`Events`) of what the JSON reader read."""

    __slots__ = ()

    def resource(self, parts: ResourceParts, path: str, role: str | None, depth: int) -> Resource:
        rtype, href, props, links, embedded, self_attrs, position = parts
        return Resource(rtype, href, tuple(props), links, embedded, self_attrs, position)

    def input(self, parts: InputParts) -> Input:
        props, links, embedded = parts
        return Input(tuple(props), links, embedded)

    def event(self, parts: EventParts, path: str) -> Event:
        return Event(*parts)

    def sender(
        self, rel: str, href: str, events: list[Any], attrs: tuple[tuple[str, str], ...], path: str
    ) -> Sender:
        return Sender(rel, href, tuple(events), attrs)

    def events(self, page: PageLinks, senders: list[Any], empty_sender: bool) -> Events:
        href, self_attrs, links = page
        return Events(href, links, tuple(senders), self_attrs, empty_sender)


#: The model sink: it keeps no state, so every reader can share one.
MODEL: Final = ModelSink()


class _Reader:
    __slots__ = ("for_xml", "rec", "reparsed", "schema", "sink")

    def __init__(
        self,
        schema: Schema,
        rec: Recorder,
        reparsed: bool = False,
        for_xml: bool = False,
        sink: Sink = MODEL,
    ) -> None:
        self.schema = schema
        self.rec = rec
        self.reparsed = reparsed  # the text was read again by json, so floats are floats
        self.for_xml = for_xml  # the document is read to be written as XML (see untyped())
        #: What each resource and input read becomes (the model by default).
        self.sink = sink

    def untyped(self, pt: PropertyType | None, name: str, value: Any, path: str) -> None:
        """JSON → XML: an integer, boolean or ``/Date()/`` date under a name the schema does not
        type so is written as text, which XML readers take back as a string (D1, D13): say so,
        once per property."""
        want = None if pt is None else pt.type
        for item in value if type(value) is list else (value,):
            kind = type(item)
            if kind is bool and want != "boolean":
                what, value_text, written = "boolean", "true" if item else "false", "as text"
            elif kind is int and want != "integer":
                what, value_text, written = "integer", str(item), "as text"
            elif kind is str and want != "datetime" and "/Date(" in item and is_ms_date(item):
                what, value_text, written = "datetime", item, "as an ISO date"
            else:
                continue
            self.rec.loss(
                "untyped",
                member_path(path, name),
                f"the schema does not type {name!r} as {what} here ({value_text}); "
                f"written {written}, which reads back from XML as a string",
            )
            return

    def scalar(self, value: Any, path: str, pt: PropertyType | None) -> Scalar:
        if isinstance(value, str):
            if "/Date(" in value and is_ms_date(value):
                try:
                    ts = parse_ms_date(value, strict=self.rec.strict)
                    repair = ms_date_repair(value)
                    if repair is not None:
                        self.rec.loss("date", path, f"{value!r}: {repair}")
                    return ts
                except UcwaFormatError as exc:
                    # Out of range (e.g. .NET ticks): strict raises, lenient keeps the string.
                    self.rec.loss("date", path, f"{exc.msg}; kept as a string")
                return value
            if pt is not None and pt.type == "datetime":
                # ISO strings are dates only where the schema says so (D25), kept as written.
                try:
                    ts = parse_iso(value, strict=self.rec.strict)
                except UcwaFormatError:
                    self.rec.loss("type", path, f"{value!r} is not a valid date; kept as a string")
                    return value
                return Timestamp(ts.ticks, ts.offset, False, value)
            return value
        if value is None or isinstance(value, (bool, int)):
            return value
        if isinstance(value, float):
            if value.is_integer() and abs(value) >= 2**63 and not self.reparsed:
                raise BigInt
            self.rec.loss("float", path, f"number {value!r} is not an integer; kept as text")
            return repr(value)
        raise UcwaFormatError(f"expected a scalar, not {_json_type(value)}", path=path)

    def value(self, value: Any, path: str, pt: PropertyType | None) -> Value | type[_Skip]:
        if isinstance(value, list):
            items: list[Scalar] = []
            for i, item in enumerate(value):
                ipath = f"{path}[{i}]"
                if item is None or isinstance(item, (list, dict)):
                    self.rec.loss(
                        "value", ipath, f"{_json_type(item)} item in a property array skipped"
                    )
                    continue
                items.append(self.scalar(item, ipath, pt))
            return tuple(items)
        if isinstance(value, dict):
            self.rec.loss("value", path, "an object is not a property value; skipped")
            return _Skip
        return self.scalar(value, path, pt)

    def link(self, rel: str, obj: Any, path: str, *parts: str | int) -> Link:
        """``obj`` at ``path`` + ``parts`` (made into one path only if something is reported)."""
        if not isinstance(obj, dict):
            raise UcwaFormatError(
                f"a link must be an object, not {_json_type(obj)}", path=path_of(path, *parts)
            )
        href = obj.get("href")
        if not isinstance(href, str):
            what = "has no 'href'" if href is None else f"has an 'href' that is {_json_type(href)}"
            raise UcwaFormatError(f"link {what}", path=path_of(path, *parts))
        if len(obj) == 1:
            return Link(rel, href)  # the common case
        extra: list[tuple[str, str]] = []
        for key, val in obj.items():
            if key == "href":
                continue
            if not isinstance(val, str):
                raise UcwaFormatError(
                    f"link member {key!r} must be a string, not {_json_type(val)}",
                    path=path_of(path, *parts, key),
                )
            if key == "rel":
                # The _links key is the rel (§13 row 9); a differing member cannot be kept.
                if val != rel:
                    self.rec.loss(
                        "rel-conflict",
                        path_of(path, *parts, key),
                        f"rel {val!r} dropped; the key {rel!r} wins",
                    )
                continue
            extra.append((key, val))
        return Link(rel, href, tuple(extra))

    def links(
        self, obj: Any, path: str, allow_self: bool
    ) -> tuple[str | None, tuple[tuple[str, str], ...], tuple[tuple[str, LinkEntry], ...]]:
        if not isinstance(obj, dict):
            raise UcwaFormatError(f"'_links' must be an object, not {_json_type(obj)}", path=path)
        href: str | None = None
        self_attrs: tuple[tuple[str, str], ...] = ()
        entries: list[tuple[str, LinkEntry]] = []
        for rel, val in obj.items():
            if rel == "self" and allow_self:
                if not isinstance(val, dict):
                    raise UcwaFormatError(
                        f"'self' must be one link object, not {_json_type(val)}",
                        path=member_path(path, rel),
                    )
                if "href" not in val and val:
                    # Attributes of an XML <resource> without href land here (D14).
                    self_link = self.link(rel, {"href": "", **val}, path, rel)
                    self_attrs = self_link.attributes
                else:
                    self_link = self.link(rel, val, path, rel)
                    href, self_attrs = self_link.href, self_link.attributes
            elif isinstance(val, list):
                entries.append(
                    (rel, tuple(self.link(rel, item, path, rel, i) for i, item in enumerate(val)))
                )
            else:
                entries.append((rel, self.link(rel, val, path, rel)))
        return href, self_attrs, tuple(entries)

    def embedded(
        self, obj: Any, path: str, parent: str | None, depth: int
    ) -> tuple[tuple[str, Any], ...]:
        """Each role's resource or tuple of resources, as the sink made them."""
        if not isinstance(obj, dict):
            raise UcwaFormatError(
                f"'_embedded' must be an object, not {_json_type(obj)}", path=path
            )
        entries: list[tuple[str, Any]] = []
        for role, val in obj.items():
            rpath = member_path(path, role)
            if isinstance(val, list):
                entries.append(
                    (
                        role,
                        tuple(
                            self.resource(item, f"{rpath}[{i}]", parent, role, depth + 1)
                            for i, item in enumerate(val)
                        ),
                    )
                )
            else:
                entries.append((role, self.resource(val, rpath, parent, role, depth + 1)))
        return tuple(entries)

    def resource(
        self,
        obj: Any,
        path: str,
        parent: str | None,
        role: str | None,
        depth: int,
        hint: str | None = None,
    ) -> Any:
        """The resource ``obj`` (the root, or embedded as ``role``), as the sink makes it."""
        if not isinstance(obj, dict):
            raise UcwaFormatError(f"a resource must be an object, not {_json_type(obj)}", path=path)
        if depth > self.rec.limits.max_depth:
            raise UcwaFormatError(
                f"resources nested deeper than {self.rec.limits.max_depth}", path=path
            )
        rtype = obj.get("rel")
        if rtype is not None and not isinstance(rtype, str):
            raise UcwaFormatError(
                f"'rel' must be a string, not {_json_type(rtype)}", path=member_path(path, "rel")
            )
        schema = self.schema
        lookup = rtype or hint
        if lookup is None and role is not None:
            lookup = schema.embedded_type(parent, role) or role
        href: str | None = None
        self_attrs: tuple[tuple[str, str], ...] = ()
        links: tuple[tuple[str, LinkEntry], ...] = ()
        embedded: tuple[tuple[str, Any], ...] = ()
        props: list[tuple[str, Value]] = []
        position: int | None = None
        exact = None  # the type's converted properties (Schema.typing, plain), at the first string
        for key, val in obj.items():
            if key == "rel":
                position = len(props)
            elif key == "_links":
                href, self_attrs, links = self.links(val, f"{path}._links", True)
            elif key == "_embedded":
                embedded = self.embedded(val, f"{path}._embedded", lookup, depth)
            else:
                tv = type(val)
                pt = None
                if tv is str:
                    if exact is None:
                        plain = schema.typing(lookup, role, plain=True)
                        exact = plain.exact
                    try:
                        pt = exact[key]
                    except KeyError:
                        pt = plain[key]
                    if "/Date(" not in val and (pt is None or pt.type != "datetime"):
                        props.append((key, val))  # the common case: nothing to type
                        continue
                    if self.for_xml:
                        self.untyped(pt, key, val, path)
                elif tv is int or tv is bool:
                    if self.for_xml:
                        self.untyped(schema.typing(lookup, role)[key], key, val, path)
                    props.append((key, val))
                    continue
                ppath = member_path(path, key)
                if tv is list and self.for_xml:
                    self.untyped(schema.typing(lookup, role)[key], key, val, path)
                value = self.value(val, ppath, pt)
                if value is not _Skip:
                    props.append((key, value))  # type: ignore[arg-type]
        return self.sink.resource(
            (rtype, href, props, links, embedded, self_attrs, position), path, role, depth
        )

    def input(self, obj: dict[str, Any], target: str | None) -> Any:
        """The input ``obj`` (a request body sent to ``target``), as the sink makes it."""
        schema = self.schema
        links: tuple[tuple[str, LinkEntry], ...] = ()
        embedded: tuple[tuple[str, Any], ...] = ()
        props: list[tuple[str, Value]] = []
        for key, val in obj.items():
            if key == "_links":
                _h, _a, links = self.links(val, "$._links", False)
            elif key == "_embedded":
                embedded = self.embedded(val, "$._embedded", target, 0)
            else:
                ppath = member_path("$", key)
                pt = None
                typed = isinstance(val, str)
                if typed or (self.for_xml and isinstance(val, (int, list))):
                    # As the XML reader types <input> (request bodies have their own table).
                    pt = (
                        schema.request_type(target, "POST", key)
                        or schema.request_type(target, "PUT", key)
                        or schema.fallback_type(key)
                    )
                    if self.for_xml:
                        self.untyped(pt, key, val, "$")
                value = self.value(val, ppath, pt)
                if value is not _Skip:
                    props.append((key, value))  # type: ignore[arg-type]
        return self.sink.input((props, links, embedded))


class _Skip:
    """Marks a property value that was skipped (and reported)."""


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


# -- writer -----------------------------------------------------------------------------------


#: What a JSON writer does with a property name JSON cannot hold, instead of raising: the
#: error, the resource's properties and its path.
Refused: TypeAlias = Callable[[UcwaFormatError, dict[str, Any], str], None]


class _Writer:
    """Model values and parts of documents → JSON values and objects: the one home of how a
    resource looks in JSON. The model's documents come through :meth:`resource` and
    :meth:`input`; the XML reader's JSON sink (``_sinks``) hands over the parts as it reads."""

    __slots__ = ("date_offset", "dates", "fragments", "rec", "refused")

    def __init__(
        self,
        rec: Recorder,
        date_offset: bool,
        refused: Refused | None = None,
        fragments: dict[int, str] | None = None,
    ) -> None:
        self.rec = rec
        self.date_offset = date_offset
        self.dates = False
        self.refused = refused
        #: Dates as ready-made escaped fragments, registered here by ``id`` → their text (see
        #: :func:`dump`); None: dates as ``/Date(…)/`` text.
        self.fragments = fragments

    def scalar(self, value: Scalar, path: str) -> Any:
        if isinstance(value, Timestamp):
            if value.json_iso is not None:
                return value.json_iso
            return self.date(value.ticks, value.offset, path, None, value.json_offset)
        return value

    def date(
        self,
        ticks: int,
        offset: int | None,
        path: str,
        name: str | None,
        json_offset: bool = False,
    ) -> Any:
        """``/Date(ms)/`` for an instant (the offset too if it came from such a date, or with
        ``date_offset``); what it cannot carry is reported at ``path`` (+ ``name``). With
        :attr:`fragments`, the escaped fragment of that text."""
        keep = json_offset or self.date_offset
        if self.rec.hears:
            if ticks % TICKS_PER_MS:
                where = path if name is None else member_path(path, name)
                self.rec.loss("sub-ms", where, SUB_MS_LOSS)
            if offset is not None and not keep:
                where = path if name is None else member_path(path, name)
                self.rec.loss("offset", where, OFFSET_LOSS)
        self.dates = True
        text = ms_date_text(ticks, offset if keep else None)
        fragments = self.fragments
        if fragments is None:
            return text
        fragment = escaped_date(text)
        fragments[id(fragment)] = text
        return fragment

    def value(self, value: Value, path: str) -> Any:
        """A property's value: a scalar, or a list of them (a propertyList, a JSON array)."""
        if isinstance(value, tuple):
            return [self.scalar(item, f"{path}[{i}]") for i, item in enumerate(value)]
        return self.scalar(value, path)

    def props(self, out: dict[str, Any], props: tuple[tuple[str, Value], ...], path: str) -> None:
        for name, value in props:
            tv = type(value)
            if (tv is str or tv is int or tv is bool) and name not in out and name not in RESERVED:
                out[name] = value  # the common case; a path is only built when needed
                continue
            ppath = member_path(path, name)
            if name in RESERVED:
                raise _reserved(name, ppath)
            if name in out:
                self.rec.loss(
                    "duplicate", ppath, f"property {name!r} repeats; the last one is kept"
                )
            out[name] = self.value(value, ppath)

    def head(
        self,
        rtype: str | None,
        pos: int | None,
        props: dict[str, Any],
        href: str | None,
        self_attrs: tuple[tuple[str, str], ...],
        links: list[tuple[str, Any]],
        path: str,
    ) -> dict[str, Any]:
        """A resource's JSON object but ``_embedded``: its type as ``rel`` where it was read (the
        docs dialect's ``<property name="rel">`` has a place among the properties, §5; else
        first), its properties (JSON values, names unique, as a reader makes them; the dict is
        reused) and ``_links`` (the relations' JSON).

        A property JSON cannot hold (``rel``, ``_links``, ``_embedded``) is an error, or, with
        ``refused`` set, handed to it (the XML reader's JSON sink reports it at the end)."""
        if "rel" in props or "_links" in props or "_embedded" in props:
            for name in props:  # the first in order, as props() meets them
                if name in RESERVED:
                    error = _reserved(name, member_path(path, name))
                    if self.refused is None:
                        raise error
                    self.refused(error, props, path)
                    return {}
        if rtype is None:
            out = props
        elif not pos:
            out = {"rel": rtype}
            out.update(props)
        elif pos >= len(props):
            out = props
            out["rel"] = rtype
        else:
            items = list(props.items())
            out = dict(items[:pos])
            out["rel"] = rtype
            out.update(items[pos:])
        if href is not None or links or self_attrs:
            out["_links"] = links_obj(href, self_attrs, links)
        return out

    def links(
        self,
        links: tuple[tuple[str, LinkEntry], ...],
        href: str | None,
        self_attrs: tuple[tuple[str, str], ...],
    ) -> dict[str, Any] | None:
        return links_obj(href, self_attrs, self.link_entries(links))

    def link_entries(self, links: tuple[tuple[str, LinkEntry], ...]) -> list[tuple[str, Any]]:
        entries: list[tuple[str, Any]] = []
        for rel, entry in links:
            if isinstance(entry, tuple):
                entries.append((rel, [link_obj(rel, link.href, link.attributes) for link in entry]))
            else:
                entries.append((rel, link_obj(rel, entry.href, entry.attributes)))
        return entries

    def embedded(
        self, embedded: tuple[tuple[str, ResourceEntry], ...], path: str
    ) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for role, entry in embedded:
            epath = member_path(member_path(path, "_embedded"), role)
            if isinstance(entry, tuple):
                out[role] = [self.resource(r, f"{epath}[{i}]") for i, r in enumerate(entry)]
            else:
                out[role] = self.resource(entry, epath)
        return out

    def resource(self, res: Resource, path: str) -> dict[str, Any]:
        props: dict[str, Any] = {}
        self.props(props, res.properties, path)
        links = self.link_entries(res.links)
        out = self.head(
            res.type, res.type_position, props, res.href, res.self_attributes, links, path
        )
        if res.embedded:
            out["_embedded"] = self.embedded(res.embedded, path)
        return out

    def input(self, doc: Input) -> dict[str, Any]:
        out: dict[str, Any] = {}
        self.props(out, doc.properties, "$")
        links = self.links(doc.links, None, ())
        if links is not None:
            out["_links"] = links
        if doc.embedded:
            out["_embedded"] = self.embedded(doc.embedded, "$")
        return out


def _reserved(name: str, path: str) -> UcwaFormatError:
    """The error of a property JSON cannot hold (its name is a member of the resource)."""
    return UcwaFormatError(f"a property cannot be called {name!r} in JSON", path=path)


def link_obj(rel: str, href: str | None, attrs: tuple[tuple[str, str], ...]) -> dict[str, str]:
    """A link's JSON object: ``href`` first, then its other members in order (its ``rel`` is
    the key it is written under, not a member)."""
    obj = {} if href is None else {"href": href}
    if attrs:
        obj.update(attrs)
    return obj


def links_obj(
    href: str | None, self_attrs: tuple[tuple[str, str], ...], entries: list[tuple[str, Any]]
) -> dict[str, Any] | None:
    """``_links``: the self link (a resource's ``href`` and attributes), then each relation's
    link or array of links; None when there is nothing to write."""
    if not self_attrs and not entries:
        return None if href is None else {"self": {"href": href}}  # the common case: a stub
    out: dict[str, Any] = {}
    if self_attrs:
        # A self link without href cannot come from either reader; keep what there is.
        out["self"] = link_obj("self", href, self_attrs)
    elif href is not None:
        out["self"] = {"href": href}  # the common case (link_obj's, without a call)
    out.update(entries)
    return out


def dump(
    obj: Any, *, pretty: bool, escape: bool, fragments: dict[int, str] | None = None
) -> bytes:
    """orjson.dumps with the server's ``\\/`` in dates and a fallback for integers beyond 64 bits.

    ``escape``: the object holds dates as ``/Date(…)/`` text, and every such delimiter in the
    output is rewritten. ``fragments``: it holds them as ready-made escaped fragments
    (:func:`escaped_date`), by ``id`` → their text; only text that looks like a date is then
    rewritten, which is what ``escape`` gives.
    """
    option = orjson.OPT_INDENT_2 if pretty else 0
    try:
        out = orjson.dumps(obj, option=option)
    except orjson.JSONEncodeError as exc:
        if "surrogates" in str(exc):
            raise UcwaFormatError(
                "a lone surrogate cannot be written as UTF-8", path=_surrogate_path(obj, "$")
            ) from None
        # Integers are of any size in UCWA XML (§7.2); orjson stops at 64 bits, json does not.
        used: list[str] = []

        def text_of(value: Any) -> str:
            used.append(fragments[id(value)])  # type: ignore[index]
            return used[-1]

        out = json.dumps(
            obj,
            ensure_ascii=False,
            indent=2 if pretty else None,
            separators=None if pretty else (",", ":"),
            default=None if not fragments else text_of,
        ).encode("utf-8")
        return escape_dates(out) if escape or used else out
    if fragments:
        # Rewritten only if a date fragment is in the output (a fragment of a value the reader
        # dropped afterwards, a repeated property's first, does not count).
        if fragment_written(out) and plain_written(out):
            return escape_dates(out)
        return out
    return escape_dates(out) if escape else out


def _surrogate_path(value: Any, path: str) -> str:
    """Where the first string holding a lone surrogate is (for the error message)."""
    if isinstance(value, str):
        return path if any("\ud800" <= c <= "\udfff" for c in value) else ""
    if isinstance(value, dict):
        for key, item in value.items():
            found = _surrogate_path(key, path) or _surrogate_path(item, member_path(path, key))
            if found:
                return found
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found = _surrogate_path(item, f"{path}[{i}]")
            if found:
                return found
    return ""
