"""Checking a document against the schema: wrong value types are errors, unknown names notes.

The document is read as the converters read it (XML values are typed by the schema on reading;
a value that does not parse as its type stays a string) and the model is walked with the same
schema lookups the readers use, so what ``check`` calls wrong is what a translation would carry
as an untyped string. The schema knows what Microsoft's reference pages document and no more
(FORMAT.md D23): an unknown resource type or property is a note, never an error.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Final, Literal

import attrs

from ._api import from_json, from_xml
from ._dates import Timestamp
from ._errors import Loss, member_path
from ._media import detect_form
from ._model import Document, Dto, Events, Input, Resource, Scalar, Value
from ._schema import PropertyType, Schema

__all__ = ["Finding", "Severity", "check"]

Severity = Literal["note", "error"]

#: The Python type each schema type reads into, and how a message names one and several.
_PY_TYPES: Final[dict[str, tuple[type, str, str]]] = {
    "string": (str, "a string", "strings"),
    "enum": (str, "a string", "strings"),
    "timespan": (str, "a string", "strings"),
    "external": (str, "a string", "strings"),
    "integer": (int, "an integer", "integers"),
    "boolean": (bool, "a boolean", "booleans"),
    "datetime": (Timestamp, "a date", "dates"),
}


@attrs.frozen
class Finding:
    """One finding of :func:`check`: ``severity`` ``note`` or ``error``, at ``path``."""

    severity: Severity
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.severity}: {self.path}: {self.message}"


def _describe(value: Value) -> str:
    """How a message names a value found: ``the string '5'``, ``the integer 5``, ``a list``."""
    if isinstance(value, tuple):
        return f"a list of {len(value)}"
    if isinstance(value, bool):
        return f"the boolean {'true' if value else 'false'}"
    if isinstance(value, int):
        return f"the integer {value}"
    if isinstance(value, Timestamp):
        return "a date"
    return f"the string {value!r}"


class _Checker:
    __slots__ = ("found", "schema")

    def __init__(self, schema: Schema) -> None:
        self.schema = schema
        self.found: list[Finding] = []

    def note(self, path: str, message: str) -> None:
        self.found.append(Finding("note", path, message))

    def error(self, path: str, message: str) -> None:
        self.found.append(Finding("error", path, message))

    # -- values ---------------------------------------------------------------------------------

    def value(self, value: Value, ptype: PropertyType, path: str) -> None:
        if value is None:  # JSON null: "no value", of any type
            return
        names = _PY_TYPES.get(ptype.type)
        if ptype.array:
            if not isinstance(value, tuple):
                what = f"a list of {names[2]}" if names else "a list"
                self.error(path, f"expected {what}, not {_describe(value)}")
                return
            for i, item in enumerate(value):
                self.scalar(item, ptype, f"{path}[{i}]")
        elif isinstance(value, tuple):
            what = names[1] if names else "a single value"
            self.error(path, f"expected {what}, not {_describe(value)}")
        else:
            self.scalar(value, ptype, path)

    def scalar(self, value: Scalar, ptype: PropertyType, path: str) -> None:
        if value is None:
            return
        expected = _PY_TYPES.get(ptype.type)
        if expected is None:
            return
        pytype, name, _plural = expected
        # bool is an int in Python; an integer property holding true is still wrong.
        wrong = not isinstance(value, pytype) or (pytype is int and isinstance(value, bool))
        if wrong:
            self.error(path, f"expected {name}, not {_describe(value)}")
            return
        if ptype.type == "enum" and ptype.enum is not None and isinstance(value, str):
            members = self.schema.enum_members(ptype.enum)
            if members is not None and value not in members:
                hint = next((m for m in members if m.lower() == value.lower()), None)
                more = f"; did you mean {hint!r}?" if hint else f" ({', '.join(members)})"
                self.error(path, f"{value!r} is not a member of {ptype.enum}{more}")

    # -- documents ------------------------------------------------------------------------------

    def resource(self, res: Resource, parent: str | None, role: str | None, path: str) -> None:
        schema = self.schema
        rtype = res.type
        if rtype is None and role is not None:
            rtype = schema.embedded_type(parent, role)
        facts = schema.resource(rtype)
        if rtype is None:
            if res.properties:
                where = "the root" if role is None else f"role {role!r}"
                self.note(path, f"the type of {where} is not known; only names typed alone checked")
        elif facts is None:
            self.note(path, f"unknown resource type {rtype!r}")
        for name, value in res.properties:
            ppath = member_path(path, name)
            if facts is not None and name not in facts.properties:
                self.note(ppath, f"{rtype!r} has no property {name!r}")
            ptype = schema.property_type(rtype, name, role=role)
            if ptype is not None:
                self.value(value, ptype, ppath)
        self.embedded(res.embedded, rtype, path)

    def embedded(
        self,
        embedded: tuple[tuple[str, Resource | tuple[Resource, ...]], ...],
        parent: str | None,
        path: str,
    ) -> None:
        for role, entry in embedded:
            epath = member_path(member_path(path, "_embedded"), role)
            if isinstance(entry, tuple):
                for i, res in enumerate(entry):
                    self.resource(res, parent, role, f"{epath}[{i}]")
            else:
                self.resource(entry, parent, role, epath)

    def input(self, doc: Input, rel: str | None) -> None:
        schema = self.schema
        facts = schema.resource(rel)
        if rel is None:
            if doc.properties:
                self.note("$", "a request body; pass rel (--rel) to check its parameters")
        elif facts is None:
            self.note("$", f"unknown resource type {rel!r}")
        elif not facts.requests:
            self.note("$", f"{rel!r} has no documented request parameters")
        requests = facts.requests if facts is not None else {}
        for name, value in doc.properties:
            ppath = member_path("$", name)
            if requests and not any(name in params for params in requests.values()):
                self.note(ppath, f"a request to {rel!r} has no parameter {name!r}")
            # The first verb that knows the parameter (exact, then any case: D22), else by name.
            ptype = next(
                (t for verb in requests if (t := schema.request_type(rel, verb, name)) is not None),
                None,
            )
            if ptype is None:
                ptype = schema.fallback_type(name)
            if ptype is not None:
                self.value(value, ptype, ppath)
        self.embedded(doc.embedded, rel, "$")

    def events(self, doc: Events) -> None:
        for i, sender in enumerate(doc.senders):
            for j, event in enumerate(sender.events):
                if event.embedded is not None:
                    role, res = event.embedded
                    path = member_path(f"$.sender[{i}].events[{j}]._embedded", role)
                    # No parent type: embedded_type falls back to the schema's roles.
                    self.resource(res, None, role, path)


def _losses(losses: list[Loss], checked: set[str]) -> Iterator[Finding]:
    for loss in losses:
        if loss.kind == "type":
            # The walk names the same problem with the type it expected; keep the reader's
            # message only where the walk did not reach (e.g. an XML list item).
            if loss.path not in checked:
                yield Finding("error", loss.path, loss.message)
        else:
            yield Finding("note", loss.path, f"{loss.message} [{loss.kind}]")


def check(
    data: bytes | str | Document,
    /,
    *,
    rel: str | None = None,
    schema: Schema | None = None,
) -> list[Finding]:
    """Check one document against the schema (the bundled one by default).

    Errors: a value of the wrong type (a string where an integer belongs, a single value where
    a list does) or outside its enumeration. Notes: an unknown resource type, property or
    request parameter, and what reading repaired or guessed (the losses of ``report=``).
    ``data`` is XML or JSON text (detected from the first non-blank character) or a document
    already read; ``rel`` names the root's type, or for a request body the resource it is sent
    to. Raises :class:`UcwaFormatError` when the text is not a UCWA document.
    """
    schema = Schema.bundled() if schema is None else schema
    losses: list[Loss] = []
    if isinstance(data, bytes | str):
        if detect_form(data) == "xml":
            doc = from_xml(data, rel=rel, schema=schema, report=losses)
        else:
            doc = from_json(data, rel=rel, schema=schema, report=losses)
    elif isinstance(data, Resource | Input | Events | Dto):
        doc = data
    else:
        raise TypeError(f"Expected bytes, str or a UCWA document, not {type(data).__name__!r}")
    checker = _Checker(schema)
    if isinstance(doc, Resource):
        if rel is not None and doc.type is None:
            doc = attrs.evolve(doc, type=rel)
        checker.resource(doc, None, None, "$")
    elif isinstance(doc, Input):
        checker.input(doc, rel)
    elif isinstance(doc, Events):
        checker.events(doc)
    # Dto documents (errors, OPTIONS metadata, queued operations) have no schema to check.
    found = checker.found
    checked = {f.path for f in found if f.severity == "error"}
    # A reader may report one repair more than once (per element); say it once.
    return list(dict.fromkeys([*_losses(losses, checked), *found]))
