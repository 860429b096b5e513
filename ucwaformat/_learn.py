"""Learning a schema overlay from JSON bodies (``ucwaformat learn``).

The JSON form carries what the XML form leaves to the schema: a value's type (a number, a
boolean, a ``/Date()/`` date) and a relation's cardinality (an array, even of one). A
:class:`Learner` reads documents and gathers, per resource type, what each property, link and
embedded role was seen as; :meth:`Learner.overlay` writes that down in the overlay format that
:meth:`Schema.with_overlay` applies (``docs/overlays.md``). Evidence that disagrees (a property
seen as a number in one body and as a string in another) is kept as the wider type and
reported, never settled silently.

Only JSON says these things, so XML bodies are skipped (and counted). Request bodies (inputs)
carry no type of their own and are skipped too; event pages are read for the resources their
events embed.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, Final

import attrs

from ._api import from_json
from ._dates import Timestamp
from ._errors import UcwaFormatError
from ._media import detect_form
from ._model import Document, Events, Input, Resource, Value
from ._schema import Schema

__all__ = ["Learner", "Source", "sources"]

#: The most distinct values of one enumeration kept (a property is no enumeration beyond it).
MAX_VALUES: Final = 64
#: The schema types whose values are strings on the wire and that a string does not contradict.
_TEXT_TYPES: Final = frozenset(("string", "enum", "timespan", "external"))


def _kind(value: str | int | bool | Timestamp) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, Timestamp):
        return "datetime"
    return "string"


@attrs.define
class _Seen:
    """Where a fact was first seen in each of its forms (for the report of a conflict)."""

    first: dict[str, str] = attrs.Factory(dict)

    def add(self, form: str, where: str) -> None:
        self.first.setdefault(form, where)

    def forms(self) -> list[str]:
        return list(self.first)


@attrs.define
class _Property:
    kinds: _Seen = attrs.Factory(_Seen)  # scalar kinds of the values (items of a list)
    shapes: _Seen = attrs.Factory(_Seen)  # "list" / "single"
    values: Counter[str] = attrs.Factory(Counter)


@attrs.define
class _Type:
    documents: int = 0
    properties: dict[str, _Property] = attrs.Factory(dict)
    links: dict[str, _Seen] = attrs.Factory(dict)  # rel -> "collection" / "single"
    embedded: dict[str, _Seen] = attrs.Factory(dict)
    embedded_types: dict[str, Counter[str]] = attrs.Factory(dict)


class Learner:
    """Gathers evidence from documents read from JSON; :meth:`overlay` writes it down."""

    def __init__(self, schema: Schema | None = None) -> None:
        self.schema = schema or Schema.bundled()
        self.types: dict[str, _Type] = {}
        #: How many documents were read, and skipped by kind (``xml``, ``input``, ``other``).
        self.read = 0
        self.skipped: Counter[str] = Counter()
        #: What the evidence disagreed on, one line each (filled by :meth:`overlay`).
        self.conflicts: list[str] = []

    # -- reading --------------------------------------------------------------------------------

    def add_json(self, data: bytes | str, where: str) -> None:
        """One JSON body (``where`` names it in reports); raises UcwaFormatError if it is bad."""
        if detect_form(data) == "xml":
            self.skipped["xml"] += 1
            return
        self.add(from_json(data, schema=self.schema), where)

    def add(self, doc: Document, where: str) -> None:
        """One document read from JSON."""
        if isinstance(doc, Resource):
            self.read += 1
            self._resource(doc, None, None, where)
        elif isinstance(doc, Events):
            self.read += 1
            for sender in doc.senders:
                for event in sender.events:
                    if event.embedded is not None:
                        role, res = event.embedded
                        self._resource(res, None, role, where)
        elif isinstance(doc, Input):
            self.skipped["input"] += 1
        else:
            self.skipped["other"] += 1

    def _type_of(self, res: Resource, parent: str | None, role: str | None) -> str | None:
        # As the JSON reader looks a resource's type up (``_json._Reader.resource``).
        if res.type is not None:
            return res.type
        if role is None:
            return None
        return self.schema.embedded_type(parent, role) or role

    def _resource(self, res: Resource, parent: str | None, role: str | None, where: str) -> None:
        rtype = self._type_of(res, parent, role)
        facts = None
        if rtype is not None:
            facts = self.types.get(rtype)
            if facts is None:
                facts = self.types[rtype] = _Type()
            facts.documents += 1
            for name, value in res.properties:
                self._property(facts, name, value, where)
            for rel, link in res.links:
                form = "collection" if isinstance(link, tuple) else "single"
                facts.links.setdefault(rel, _Seen()).add(form, where)
        for erole, entry in res.embedded:
            many = isinstance(entry, tuple)
            items = entry if isinstance(entry, tuple) else (entry,)
            if facts is not None:
                facts.embedded.setdefault(erole, _Seen()).add(
                    "collection" if many else "single", where
                )
                types = facts.embedded_types.setdefault(erole, Counter())
                types.update(item.type for item in items if item.type is not None)
            for item in items:
                self._resource(item, rtype, erole, where)

    def _property(self, facts: _Type, name: str, value: Value, where: str) -> None:
        if value is None:
            return  # a null says nothing of the type
        prop = facts.properties.get(name)
        if prop is None:
            prop = facts.properties[name] = _Property()
        items = value if isinstance(value, tuple) else (value,)
        prop.shapes.add("list" if isinstance(value, tuple) else "single", where)
        for item in items:
            if item is None:
                continue
            prop.kinds.add(_kind(item), where)
            if isinstance(item, str) and len(prop.values) < MAX_VALUES:
                prop.values[item] += 1

    # -- writing --------------------------------------------------------------------------------

    def overlay(self) -> dict[str, Any]:
        """The overlay of what was seen (the ``docs/overlays.md`` format); fills ``conflicts``."""
        self.conflicts = []
        resources: dict[str, Any] = {}
        for rtype in sorted(self.types):
            facts = self.types[rtype]
            entry: dict[str, Any] = {}
            props = {
                name: spec
                for name in sorted(facts.properties)
                if (spec := self._property_spec(rtype, name, facts.properties[name])) is not None
            }
            if props:
                entry["properties"] = props
            links = {
                rel: self._cardinality(rtype, "link", rel, seen)
                for rel, seen in sorted(facts.links.items())
                if rel != "self"
            }
            if links:
                entry["links"] = links
            embedded: dict[str, Any] = {}
            for role, seen in sorted(facts.embedded.items()):
                role_spec: dict[str, Any] = {}
                types = facts.embedded_types.get(role)
                if types:
                    (best, _), *others = types.most_common()
                    role_spec["type"] = best
                    if others:
                        shown = ", ".join(sorted(types))
                        self.conflicts.append(
                            f"{rtype}: embedded {role!r} seen holding {shown}; written as {best!r}, the most common"
                        )
                cardinality = self._cardinality(rtype, "embedded", role, seen)
                role_spec["collection"] = cardinality == "collection"
                embedded[role] = role_spec
            if embedded:
                entry["embedded"] = embedded
            resources[rtype] = entry
        return {
            "overlay": 1,
            "note": f"learned by ucwaformat learn from {self.read} JSON documents",
            "resources": resources,
        }

    def _cardinality(self, rtype: str, what: str, rel: str, seen: _Seen) -> str:
        forms = seen.forms()
        if len(forms) == 1:
            return forms[0]
        self.conflicts.append(
            f"{rtype}: {what} {rel!r} seen as a collection ({seen.first['collection']}) and as a "
            f"single one ({seen.first['single']}); written as a collection"
        )
        return "collection"

    def _property_spec(self, rtype: str, name: str, prop: _Property) -> Any:
        base = self.schema.property_type(rtype, name)
        kinds = prop.kinds.forms()
        if not kinds:
            # Only empty lists: a list, of what the schema says or of strings.
            item = base.type if base is not None else "string"
            return f"list[{item}]"
        kind = kinds[0]
        if len(kinds) > 1:
            kind = "string"  # the one type wider than any two of integer, boolean, datetime
            seen = " and ".join(f"{k} ({prop.kinds.first[k]})" for k in kinds)
            self.conflicts.append(f"{rtype}.{name}: seen as {seen}; written as string")
        many = "list" in prop.shapes.forms()
        if many and len(prop.shapes.forms()) > 1:
            self.conflicts.append(
                f"{rtype}.{name}: seen as a list ({prop.shapes.first['list']}) and as a single "
                f"value ({prop.shapes.first['single']}); written as a list"
            )
        if kind == "string" and base is not None and base.type in _TEXT_TYPES:
            kind = base.type  # an enum, a timespan or external content is a string on the wire
        if kind == "enum":
            values = sorted(prop.values)
            spec: dict[str, Any] = {"type": "enum"}
            if many:
                spec["list"] = True
            spec["values"] = values
            return spec
        return f"list[{kind}]" if many else kind


# -- inputs ---------------------------------------------------------------------------------------


@attrs.frozen
class Source:
    """One body found in an input: where it is (``FILE``, ``FILE:LINE``, ``FILE entry 3
    response``) and its bytes; ``error`` instead when the input could not be read."""

    where: str
    data: bytes = b""
    error: str | None = None
    #: For a line of JSON lines: the file, and the lines before it (an error's position then
    #: counts in the file, as ``convert --lines`` gives it).
    label: str | None = None
    line_offset: int = 0


#: The files a directory walk picks for ``learn``.
LEARN_PICK: Final = frozenset({".json", ".jsonl", ".ndjson", ".http", ".har"})


def _lines(label: str, data: bytes) -> Iterator[Source]:
    for lineno, line in enumerate(data.splitlines(), 1):
        if line.strip():
            yield Source(f"{label}:{lineno}", line, label=label, line_offset=lineno - 1)


def _http(label: str, data: bytes) -> Iterator[Source]:
    from ._jobs import message_body

    try:
        found = message_body(data)
    except UcwaFormatError as err:
        yield Source(label, error=f"{label}: {err}")
        return
    if found is not None:
        ctype, body = found
        yield from _typed_body(label, ctype, body)


def _typed_body(label: str, ctype: str, body: bytes) -> Iterator[Source]:
    """A body with its Content-Type: a UCWA body, or each UCWA part of a batch (XML ones are
    skipped and counted by the learner)."""
    from ._har import documents_of

    try:
        found = documents_of(label, ctype, body)
    except UcwaFormatError as err:
        yield Source(label, error=str(err))
        return
    for where, document in found:
        yield Source(where, document)


def _har(label: str, data: bytes) -> Iterator[Source]:
    from ._har import har_bodies

    try:
        for where, media_type, body in har_bodies(data):
            yield from _typed_body(f"{label} {where}", media_type, body)
    except UcwaFormatError as err:
        yield Source(label, error=f"{label}: {err}")


def bodies_of(label: str, data: bytes) -> Iterator[Source]:
    """The JSON bodies in one input file, by its name and then its content: a HAR file, JSON
    lines, a raw HTTP message (its body, a batch part by part), or one JSON document."""
    suffix = Path(label).suffix.lower()
    head = data.lstrip(b" \t\r\n\xef\xbb\xbf")[:16]
    if suffix == ".har":
        yield from _har(label, data)
    elif suffix in (".jsonl", ".ndjson"):
        yield from _lines(label, data)
    elif suffix == ".http" or head.startswith(b"HTTP/") or _request_line(head):
        yield from _http(label, data)
    else:
        yield Source(label, data)


def _request_line(head: bytes) -> bool:
    method, _, rest = head.partition(b" ")
    return bool(method) and method.isalpha() and method.isupper() and bool(rest)


def sources(names: Iterable[str]) -> Iterator[Source]:
    """Every body in the named files and directories (walked for :data:`LEARN_PICK`)."""
    from ._jobs import expand_inputs

    inputs, errors = expand_inputs(list(names), LEARN_PICK)
    for error in errors:
        yield Source("", error=error)
    for item in inputs:
        try:
            data = item.path.read_bytes() if item.path is not None else sys.stdin.buffer.read()
        except OSError as exc:
            yield Source(item.label, error=f"{item.label}: {exc.strerror or exc}")
            continue
        yield from bodies_of(item.label, data)


def write_overlay(overlay: dict[str, Any]) -> bytes:
    """An overlay as a person reads it: one entry a line (a property, a link, a role), the
    sections around them indented by two spaces, a final newline."""
    return (_dump(overlay, 0) + "\n").encode("utf-8")


#: Objects this deep (the overlay, ``resources``, a type, its sections) get a line per member.
_OPEN_DEPTH: Final = 3


def _dump(value: Any, depth: int) -> str:
    if not isinstance(value, dict) or depth > _OPEN_DEPTH or not value:
        return json.dumps(value, ensure_ascii=False)
    pad = "  " * (depth + 1)
    members = ",\n".join(
        f"{pad}{json.dumps(key, ensure_ascii=False)}: {_dump(item, depth + 1)}"
        for key, item in value.items()
    )
    return "{\n" + members + "\n" + "  " * depth + "}"

