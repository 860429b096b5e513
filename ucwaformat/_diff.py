"""Semantic comparison of two UCWA documents, whatever their forms.

Both documents are brought to the JSON shape (``to_json`` of the model, parsed back) and the two
JSON values are walked side by side. An XML document and its JSON translation therefore compare
equal when they mean the same thing: property order, XML dialect, whitespace, escaping,
sub-millisecond date digits (which the JSON form cannot carry) and the offset a timestamp is
displayed with do not count; timestamps compare as instants. The same code serves the
``ucwaformat diff`` command and :mod:`ucwaformat.testing`.
"""

from __future__ import annotations

import enum
import json
import re
from collections.abc import Callable, Iterable
from typing import Final, Literal, TypeAlias

import attrs
import orjson

from ._api import from_json, from_xml, to_json
from ._dates import Timestamp
from ._errors import member_path
from ._media import detect_form
from ._model import (
    Document,
    Dto,
    Event,
    Events,
    Input,
    Resource,
    ResourceEntry,
    Scalar,
    Sender,
    Value,
)
from ._schema import Schema

__all__ = [
    "MISSING",
    "VALUE_TYPES",
    "Difference",
    "DifferenceKind",
    "JsonValue",
    "detect_form",
    "diff",
    "read_document",
    "shape_of",
    "utc_dates",
]

#: A parsed JSON value, as ``orjson.loads`` returns it.
JsonValue: TypeAlias = "bool | int | float | str | list[JsonValue] | dict[str, JsonValue] | None"

#: What kind of difference: ``missing`` (only in the right document), ``extra`` (only in the
#: left one), ``type`` (e.g. a string against a number), ``value`` (same type, other value),
#: ``shape`` (an array against an object, or arrays of different lengths).
DifferenceKind: TypeAlias = Literal["missing", "extra", "type", "value", "shape"]


class _Missing(enum.Enum):
    MISSING = "MISSING"

    def __repr__(self) -> str:
        return "MISSING"


#: The side of a :class:`Difference` that has no member at that path.
MISSING: Final = _Missing.MISSING

#: One side of a difference: a JSON value, or :data:`MISSING`.
Side: TypeAlias = "JsonValue | Literal[_Missing.MISSING]"

_SHOW_MAX: Final = 80
_DATE: Final = re.compile(r"/Date\((-?\d+)(?:[+-]\d{4})?\)/\Z")

#: The value types a pattern can be restricted to with a ``::TYPE`` suffix (``*::date``): the
#: JSON types, ``date`` for a timestamp (a ``/Date(ms)/`` string) and ``string`` for other strings.
VALUE_TYPES: Final = frozenset(("null", "boolean", "number", "string", "date", "array", "object"))


def _show(value: Side, width: int | None = _SHOW_MAX) -> str:
    if value is MISSING:
        return "(missing)"
    text = orjson.dumps(value).decode()
    if width is None or len(text) <= width:
        return text
    return text[: width - 1] + "…"


@attrs.frozen
class Difference:
    """One difference at ``path`` (``$._embedded.contact[2].name``), rendered
    ``$.path: left != right`` with both sides as JSON text (``(missing)`` for an absent one)."""

    path: str
    left: Side
    right: Side
    kind: DifferenceKind

    def __str__(self) -> str:
        return self.render()

    def render(self, width: int | None = _SHOW_MAX) -> str:
        """``$.path: left != right``, each side clipped to ``width`` characters (None: whole)."""
        return f"{self.path}: {_show(self.left, width)} != {_show(self.right, width)}"


def read_document(
    doc: bytes | str | Document, *, rel: str | None, schema: Schema | None, which: str
) -> Document:
    """``doc`` read from XML or JSON text (the form detected), or as it is if already read."""
    if isinstance(doc, bytes | str):
        if detect_form(doc) == "xml":
            return from_xml(doc, rel=rel, schema=schema)
        return from_json(doc, rel=rel, schema=schema)
    if not isinstance(doc, Resource | Input | Events | Dto):
        raise TypeError(
            f"{which} must be bytes, str or a UCWA document, not {type(doc).__name__!r}"
        )
    return doc


def _utc_scalar(value: Scalar) -> Scalar:
    if isinstance(value, Timestamp) and (
        value.offset is not None or value.json_offset or value.json_iso is not None
    ):
        return Timestamp(value.ticks)
    return value


def _utc(value: Value) -> Value:
    if isinstance(value, tuple):
        return tuple(_utc_scalar(item) for item in value)
    return _utc_scalar(value)


def _utc_entry(entry: ResourceEntry) -> ResourceEntry:
    if isinstance(entry, tuple):
        return tuple(_utc_resource(item) for item in entry)
    return _utc_resource(entry)


def _utc_resource(res: Resource) -> Resource:
    return attrs.evolve(
        res,
        properties=tuple((name, _utc(value)) for name, value in res.properties),
        embedded=tuple((role, _utc_entry(entry)) for role, entry in res.embedded),
    )


def _utc_event(event: Event) -> Event:
    if event.embedded is None:
        return event
    role, res = event.embedded
    return attrs.evolve(event, embedded=(role, _utc_resource(res)))


def utc_dates(doc: Document) -> Document:
    """``doc`` with every timestamp in UTC and in the plain ``/Date(ms)/`` form: the display
    offset, the JSON offset flag and an ISO spelling (D25) dropped, the instant kept to the tick."""
    if isinstance(doc, Resource):
        return _utc_resource(doc)
    if isinstance(doc, Input):
        return Input(
            tuple((name, _utc(value)) for name, value in doc.properties),
            doc.links,
            tuple((role, _utc_entry(entry)) for role, entry in doc.embedded),
        )
    if isinstance(doc, Events):
        senders = tuple(
            Sender(s.rel, s.href, tuple(_utc_event(e) for e in s.events), s.attributes)
            for s in doc.senders
        )
        return attrs.evolve(doc, senders=senders)
    return doc


def shape_of(doc: Document) -> JsonValue:
    """The JSON value of ``doc`` with :func:`utc_dates` applied (and an event page's
    ``"sender"`` member always written): what :func:`diff` compares.

    Parsed with :mod:`json`, not orjson, so that integers beyond 64 bits (XML has them) stay
    exact instead of becoming floats.
    """
    doc = utc_dates(doc)
    if isinstance(doc, Events) and not doc.sender_member:
        # An empty page is an empty page, with or without JSON's "sender": [] (D27).
        doc = attrs.evolve(doc, sender_member=True)
    shape: JsonValue = json.loads(to_json(doc))
    return shape


@attrs.frozen
class _Pattern:
    regex: re.Pattern[str]
    only: str | None  # the ::TYPE suffix

    def matches(self, path: str, left: Side, right: Side) -> bool:
        if self.regex.fullmatch(path) is None:
            return False
        return self.only is None or self.only in (_side_category(left), _side_category(right))


def _compile(pattern: str) -> _Pattern:
    """A path pattern as a regex: ``*`` any run of characters, ``?`` one character, ``..`` any
    depth (``$..href`` matches ``$.href`` and ``$._links.self.href``); the rest is literal, so
    ``[0]`` and ``[*]`` read as written. A ``::TYPE`` suffix (one of :data:`VALUE_TYPES`)
    restricts the pattern to paths where either side holds a value of that type: ``*::date``
    is every timestamp."""
    only = None
    head, sep, tail = pattern.rpartition("::")
    if sep and tail in VALUE_TYPES:
        pattern, only = head, tail
    out: list[str] = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("..", i):
            i += 2
            # Before a quoted member (``$..["a b"]``) any prefix will do; before a name, the
            # name must start a member (``.href``, not ``myhref``).
            out.append(".*" if pattern.startswith("[", i) else r"\.(?:.*\.)?")
            continue
        ch = pattern[i]
        out.append(".*" if ch == "*" else "." if ch == "?" else re.escape(ch))
        i += 1
    return _Pattern(re.compile("".join(out), re.DOTALL), only)


def _category(value: JsonValue) -> str:
    # bool before int: True == 1 in Python, but not in JSON.
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "date" if _DATE.match(value) else "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _side_category(value: Side) -> str | None:
    return None if value is MISSING else _category(value)


def _scalars(items: list[JsonValue]) -> bool:
    return not any(isinstance(item, list | dict) for item in items)


def _date_ms(text: str) -> int:
    match = _DATE.match(text)
    assert match is not None
    return int(match[1])


class _Walker:
    __slots__ = ("ignore", "normalize", "out", "tolerance", "values")

    def __init__(
        self,
        ignore: list[_Pattern],
        tolerance: int | None,
        values: bool,
        normalize: Callable[[str], str] | None,
    ) -> None:
        self.ignore = ignore
        self.tolerance = tolerance
        self.values = values
        self.normalize = normalize
        self.out: list[Difference] = []

    def ignored(self, path: str, left: Side, right: Side) -> bool:
        return any(p.matches(path, left, right) for p in self.ignore)

    def walk(self, left: JsonValue, right: JsonValue, path: str) -> None:
        if self.ignore and self.ignored(path, left, right):
            return
        lcat, rcat = _category(left), _category(right)
        if lcat != rcat:
            kind: DifferenceKind = "shape" if {lcat, rcat} == {"array", "object"} else "type"
            self.out.append(Difference(path, left, right, kind))
        elif isinstance(left, dict) and isinstance(right, dict):
            for key, value in left.items():
                sub = member_path(path, key)
                if key in right:
                    self.walk(value, right[key], sub)
                elif not (self.ignore and self.ignored(sub, value, MISSING)):
                    self.out.append(Difference(sub, value, MISSING, "extra"))
            for key, value in right.items():
                if key not in left:
                    sub = member_path(path, key)
                    if not (self.ignore and self.ignored(sub, MISSING, value)):
                        self.out.append(Difference(sub, MISSING, value, "missing"))
        elif isinstance(left, list) and isinstance(right, list):
            if not self.values and _scalars(left) and _scalars(right):
                # A property array without values: only the types of its items count.
                if left and right and {_category(v) for v in left} != {_category(v) for v in right}:
                    self.out.append(Difference(path, left, right, "type"))
                return
            if len(left) != len(right):
                self.out.append(Difference(path, left, right, "shape"))
            for i, (a, b) in enumerate(zip(left, right, strict=False)):
                self.walk(a, b, f"{path}[{i}]")
        elif lcat == "date":
            # Timestamps compare as instants, within the tolerance; without values, only when
            # a tolerance is given.
            if self.values or self.tolerance is not None:
                assert isinstance(left, str) and isinstance(right, str)
                if abs(_date_ms(left) - _date_ms(right)) > (self.tolerance or 0):
                    self.out.append(Difference(path, left, right, "value"))
        elif self.values and left != right:
            norm = self.normalize
            if not (
                norm is not None
                and isinstance(left, str)
                and isinstance(right, str)
                and norm(left) == norm(right)
            ):
                self.out.append(Difference(path, left, right, "value"))


def diff(
    a: bytes | str | Document,
    b: bytes | str | Document,
    /,
    *,
    ignore: Iterable[str] = (),
    tolerance_ms: int | None = None,
    values: bool = True,
    normalize: Callable[[str], str] | None = None,
    input_links: bool = True,
    rel: str | None = None,
    schema: Schema | None = None,
) -> list[Difference]:
    """The differences between two documents in any forms; empty when they mean the same.

    ``a`` and ``b`` are XML or JSON text (the form is detected from the first non-blank
    character) or documents already read. Both are compared in the JSON shape, so an XML
    document equals its JSON translation; timestamps compare as instants to the millisecond
    (the JSON form's precision), whatever offset they are displayed with.

    ``ignore`` holds path patterns (``*`` any run of characters, ``?`` one, ``..`` any depth:
    ``$..href``, ``$._links.*``, ``$.items[*].id``; a ``::TYPE`` suffix such as ``*::date``
    matches only where a side holds a value of that type, see :data:`VALUE_TYPES`); a matching
    path is skipped with everything under it. ``tolerance_ms`` lets two timestamps differ by
    that many milliseconds. ``values=False`` compares structure and types only: the member
    names, the length of link and resource arrays, the JSON type of every value (a timestamp
    is a type of its own) and, for a property array, the set of its item types; timestamps are
    then still compared when ``tolerance_ms`` is given. ``normalize`` maps both strings before
    they are compared. ``input_links=False`` skips the ``_links`` of a request body.
    ``rel`` and ``schema`` are passed to the readers (``rel`` types an XML request body).
    Differences come in document order, the left document's members first.

    Raises :class:`UcwaFormatError` when either text is not a UCWA document.
    """
    if isinstance(ignore, str):
        raise TypeError("ignore must be an iterable of patterns, not a single 'str'")
    patterns = []
    for pattern in ignore:
        if not isinstance(pattern, str):
            raise TypeError(f"ignore patterns must be str, not {type(pattern).__name__!r}")
        patterns.append(_compile(pattern))
    if tolerance_ms is not None:
        if isinstance(tolerance_ms, bool) or not isinstance(tolerance_ms, int):
            raise TypeError(f"tolerance_ms must be an int, not {type(tolerance_ms).__name__!r}")
        if tolerance_ms < 0:
            raise ValueError(f"tolerance_ms must not be negative, not {tolerance_ms}")
    left = read_document(a, rel=rel, schema=schema, which="a")
    right = read_document(b, rel=rel, schema=schema, which="b")
    if not input_links and (isinstance(left, Input) or isinstance(right, Input)):
        patterns.append(_compile("$._links"))
    walker = _Walker(patterns, tolerance_ms, values, normalize)
    walker.walk(shape_of(left), shape_of(right), "$")
    return walker.out
