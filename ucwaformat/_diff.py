"""Semantic comparison of two UCWA documents, whatever their forms.

Both documents are brought to the JSON shape (``to_json`` of the model, parsed back) and the two
JSON values are walked side by side. An XML document and its JSON translation therefore compare
equal when they mean the same thing: property order, XML dialect, whitespace, escaping and
sub-millisecond date digits (which the JSON form cannot carry) do not count.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable
from typing import Final, Literal, TypeAlias

import attrs
import orjson

from ._api import from_json, from_xml, to_json
from ._model import Document, Dto, Events, Input, Resource
from ._schema import Schema
from ._xml import member_path

__all__ = ["MISSING", "Difference", "DifferenceKind", "JsonValue", "detect_form", "diff"]

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


def _show(value: Side) -> str:
    if value is MISSING:
        return "(missing)"
    text = orjson.dumps(value).decode()
    if len(text) <= _SHOW_MAX:
        return text
    return text[: _SHOW_MAX - 1] + "…"


@attrs.frozen
class Difference:
    """One difference at ``path`` (``$._embedded.contact[2].name``), rendered
    ``$.path: left != right`` with both sides as JSON text (``(missing)`` for an absent one)."""

    path: str
    left: Side
    right: Side
    kind: DifferenceKind

    def __str__(self) -> str:
        return f"{self.path}: {_show(self.left)} != {_show(self.right)}"


def detect_form(data: bytes | str) -> Literal["json", "xml"]:
    """``"xml"`` when the first non-blank character (after a BOM) is ``<``, else ``"json"``."""
    if isinstance(data, bytes):
        return "xml" if data.lstrip(b" \t\r\n\xef\xbb\xbf")[:1] == b"<" else "json"
    return "xml" if data.lstrip(" \t\r\n\ufeff")[:1] == "<" else "json"


def _shape(
    doc: bytes | str | Document, rel: str | None, schema: Schema | None, which: str
) -> JsonValue:
    if isinstance(doc, bytes | str):
        if detect_form(doc) == "xml":
            doc = from_xml(doc, rel=rel, schema=schema)
        else:
            doc = from_json(doc, rel=rel, schema=schema)
    elif not isinstance(doc, Resource | Input | Events | Dto):
        raise TypeError(
            f"{which} must be bytes, str or a UCWA document, not {type(doc).__name__!r}"
        )
    shape: JsonValue = orjson.loads(to_json(doc))
    return shape


def _compile(pattern: str) -> re.Pattern[str]:
    """A path pattern as a regex: ``*`` any run of characters, ``?`` one character, ``..`` any
    depth (``$..href`` matches ``$.href`` and ``$._links.self.href``); the rest is literal, so
    ``[0]`` and ``[*]`` read as written."""
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
    return re.compile("".join(out), re.DOTALL)


def _category(value: JsonValue) -> str:
    # bool before int: True == 1 in Python, but not in JSON.
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


class _Walker:
    __slots__ = ("ignore", "out", "tolerance")

    def __init__(self, ignore: list[re.Pattern[str]], tolerance: int) -> None:
        self.ignore = ignore
        self.tolerance = tolerance
        self.out: list[Difference] = []

    def ignored(self, path: str) -> bool:
        return any(p.fullmatch(path) for p in self.ignore)

    def close_dates(self, left: str, right: str) -> bool:
        if not self.tolerance:
            return False
        a, b = _DATE.match(left), _DATE.match(right)
        return a is not None and b is not None and abs(int(a[1]) - int(b[1])) <= self.tolerance

    def walk(self, left: JsonValue, right: JsonValue, path: str) -> None:
        if self.ignore and self.ignored(path):
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
                elif not (self.ignore and self.ignored(sub)):
                    self.out.append(Difference(sub, value, MISSING, "extra"))
            for key, value in right.items():
                if key not in left:
                    sub = member_path(path, key)
                    if not (self.ignore and self.ignored(sub)):
                        self.out.append(Difference(sub, MISSING, value, "missing"))
        elif isinstance(left, list) and isinstance(right, list):
            if len(left) != len(right):
                self.out.append(Difference(path, left, right, "shape"))
            for i, (a, b) in enumerate(zip(left, right, strict=False)):
                self.walk(a, b, f"{path}[{i}]")
        elif left != right and not (
            isinstance(left, str) and isinstance(right, str) and self.close_dates(left, right)
        ):
            self.out.append(Difference(path, left, right, "value"))


def diff(
    a: bytes | str | Document,
    b: bytes | str | Document,
    /,
    *,
    ignore: Iterable[str] = (),
    tolerance_ms: int = 0,
    rel: str | None = None,
    schema: Schema | None = None,
) -> list[Difference]:
    """The differences between two documents in any forms; empty when they mean the same.

    ``a`` and ``b`` are XML or JSON text (the form is detected from the first non-blank
    character) or documents already read. Both are compared in the JSON shape, so an XML
    document equals its JSON translation. ``ignore`` holds path patterns (``*`` any run of
    characters, ``?`` one, ``..`` any depth: ``$..href``, ``$._links.*``, ``$.items[*].id``);
    a matching path is skipped with everything under it. ``tolerance_ms`` lets two
    ``/Date(ms)/`` values differ by that many milliseconds. ``rel`` and ``schema`` are passed
    to the readers (``rel`` types an XML request body). Differences come in document order,
    the left document's members first.

    Raises :class:`UcwaFormatError` when either text is not a UCWA document.
    """
    if isinstance(ignore, str):
        raise TypeError("ignore must be an iterable of patterns, not a single 'str'")
    patterns = []
    for pattern in ignore:
        if not isinstance(pattern, str):
            raise TypeError(f"ignore patterns must be str, not {type(pattern).__name__!r}")
        patterns.append(_compile(pattern))
    if isinstance(tolerance_ms, bool) or not isinstance(tolerance_ms, int):
        raise TypeError(f"tolerance_ms must be an int, not {type(tolerance_ms).__name__!r}")
    if tolerance_ms < 0:
        raise ValueError(f"tolerance_ms must not be negative, not {tolerance_ms}")
    walker = _Walker(patterns, tolerance_ms)
    walker.walk(_shape(a, rel, schema, "a"), _shape(b, rel, schema, "b"), "$")
    return walker.out
