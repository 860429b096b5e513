"""The neutral document model: frozen attrs value classes that both formats read into and write from.

The shape follows the JSON form, the richer of the two: a relation of ``_links``/``_embedded``
holds either one item or a tuple of items (a JSON array, even of length one). XML cannot say
which, so the XML reader settles it with the schema when it reads (FORMAT.md D2/D3) and the
writers never need a schema.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, TypeAlias

import attrs

from ._dates import Timestamp

__all__ = [
    "Bag",
    "Document",
    "Dto",
    "DtoObject",
    "DtoValue",
    "Event",
    "Events",
    "Input",
    "Link",
    "LinkEntry",
    "Resource",
    "ResourceEntry",
    "Scalar",
    "Sender",
    "Value",
]

#: A property value: ``None`` only comes from JSON ``null`` (the XML resource dialect has none).
Scalar: TypeAlias = str | int | bool | Timestamp | None
#: A ``propertyList`` / JSON array of scalars is a tuple.
Value: TypeAlias = Scalar | tuple[Scalar, ...]
#: Ordered ``(name, value)`` pairs; names are case-sensitive and never rewritten (D13).
Properties: TypeAlias = tuple[tuple[str, Value], ...]
#: Extra attributes in document order, as ``(name, value)`` pairs.
Attributes: TypeAlias = tuple[tuple[str, str], ...]


@attrs.frozen(slots=True)
class Link:
    """A link: ``<link rel href …/>`` or a member of ``_links``.

    ``attributes`` holds every other attribute or member (``title``, ``revision``, unknown ones)
    in order; they are carried through unchanged.
    """

    rel: str
    href: str
    attributes: Attributes = ()


#: One ``_links`` relation: a single link, or a tuple when it is a collection (a JSON array).
LinkEntry: TypeAlias = Link | tuple[Link, ...]


@attrs.frozen(slots=True)
class Resource:
    """A UCWA resource: ``<resource>`` or a JSON object with ``rel``/``_links``/``_embedded``.

    ``type`` is the resource type (the JSON ``"rel"``; the XML root's ``rel``; the docs dialect's
    ``<property name="rel">``). An embedded resource's role is its key in the parent's
    ``embedded``. ``href`` is the self link; ``self_attributes`` are the other members of
    ``_links.self`` (e.g. ``revision``) and other attributes of ``<resource>`` (D14).
    ``type_position`` says how many properties preceded the type in the source (the place of
    ``<property name="rel">`` in the docs dialect); it does not take part in equality.
    """

    type: str | None = None
    href: str | None = None
    properties: Properties = ()
    links: tuple[tuple[str, LinkEntry], ...] = ()
    embedded: tuple[tuple[str, Resource | tuple[Resource, ...]], ...] = ()
    self_attributes: Attributes = ()
    type_position: int | None = attrs.field(default=None, eq=False)

    def get(self, name: str, default: Value = None) -> Value:
        """The value of the property ``name`` (the last one if it repeats), else ``default``."""
        found = default
        for key, value in self.properties:
            if key == name:
                found = value
        return found

    def iter_links(self) -> Iterator[Link]:
        """Every link (not the self link), collections flattened, in order."""
        return _iter_flat(self.links)

    def iter_embedded(self) -> Iterator[tuple[str, Resource]]:
        """Every embedded resource with its role, collections flattened, in order."""
        for role, entry in self.embedded:
            if isinstance(entry, tuple):
                for item in entry:
                    yield role, item
            else:
                yield role, entry


#: One ``_embedded`` role: a single resource, or a tuple when it is a collection.
ResourceEntry: TypeAlias = Resource | tuple[Resource, ...]


@attrs.frozen(slots=True)
class Input:
    """A request body: ``<input>`` or a JSON object without ``"rel"`` (FORMAT.md §9).

    ExternalResource parameters (a message, an SDP offer) are links with ``data:`` hrefs.
    """

    properties: Properties = ()
    links: tuple[tuple[str, LinkEntry], ...] = ()
    embedded: tuple[tuple[str, ResourceEntry], ...] = ()

    def get(self, name: str, default: Value = None) -> Value:
        """The value of the property ``name`` (the last one if it repeats), else ``default``."""
        found = default
        for key, value in self.properties:
            if key == name:
                found = value
        return found

    def iter_links(self) -> Iterator[Link]:
        """Every link, collections flattened, in order."""
        return _iter_flat(self.links)


def _iter_flat(links: tuple[tuple[str, LinkEntry], ...]) -> Iterator[Link]:
    for _rel, entry in links:
        if isinstance(entry, tuple):
            yield from entry
        else:
            yield entry


@attrs.frozen(slots=True)
class Bag:
    """A DTO "property bag" (``parameters``, ``debugInfo`` of an error): ``{k: v}`` in JSON,
    ``<property name="k">v</property>`` children in XML (FORMAT.md §11)."""

    properties: Properties = ()


@attrs.frozen(slots=True)
class DtoObject:
    """An object inside a DTO document: one XML child element per field, in order."""

    fields: tuple[tuple[str, DtoValue], ...] = ()

    def get(self, name: str, default: DtoValue = None) -> DtoValue:
        """The value of the field ``name``, else ``default``."""
        for key, value in self.fields:
            if key == name:
                return value
        return default


#: A DTO field value: ``None`` is JSON ``null`` / ``xsi:nil="true"``; a tuple is an array
#: (a wrapper element holding one element per item in XML).
DtoValue: TypeAlias = "str | int | bool | Link | Bag | DtoObject | tuple[DtoValue, ...] | None"


@attrs.frozen(slots=True)
class Dto:
    """A DTO document (XmlSerializer style, FORMAT.md §11): an error ``reason``,
    ``optionsMetadata``, ``operationsQueued``, or (read leniently) another root.

    ``kind`` is the XML root's local name; ``fields`` are its members in order.
    """

    kind: str
    fields: tuple[tuple[str, DtoValue], ...] = ()

    def get(self, name: str, default: DtoValue = None) -> DtoValue:
        """The value of the field ``name``, else ``default``."""
        for key, value in self.fields:
            if key == name:
                return value
        return default


#: An unknown event member kept as it was: a scalar (an attribute in XML) or an object of
#: scalars (an empty child element with attributes in XML), FORMAT.md §10.3.
Extra: TypeAlias = tuple[tuple[str, "str | int | bool | Attributes"], ...]


@attrs.frozen(slots=True)
class Event:
    """One event: its type (``added``, ``updated``, … = the XML element name), the target link,
    and the optional members of FORMAT.md §10: the embedded resource with its role, ``in``,
    ``status``, ``reason`` (an error DTO) and unknown members (``extra``)."""

    type: str
    link: Link
    embedded: tuple[str, Resource] | None = None
    in_link: Link | None = None
    status: str | None = None
    reason: Dto | None = None
    extra: Extra = ()


#: An event's parts as a reader hands them to its sink, in :class:`Event`'s order (type, link,
#: the embedded ``(role, resource)`` as the sink made it, ``in``, status, reason, extra).
EventParts: TypeAlias = tuple[
    str, Link, "tuple[str, Any] | None", "Link | None", "str | None", "Dto | None", Extra
]

#: A resource's parts as the JSON reader hands them to its sink, in :class:`Resource`'s order
#: (type, ``href``, properties as read, links, the embedded ``(role, resource)`` pairs as the
#: sink made them, the self link's other attributes, the type's position among the properties).
ResourceParts: TypeAlias = tuple[
    "str | None",
    "str | None",
    "Sequence[tuple[str, Value]]",
    "tuple[tuple[str, LinkEntry], ...]",
    "tuple[tuple[str, Any], ...]",
    Attributes,
    "int | None",
]

#: An input's parts as the JSON reader hands them to its sink: properties, links, embedded.
InputParts: TypeAlias = tuple[
    "Sequence[tuple[str, Value]]",
    "tuple[tuple[str, LinkEntry], ...]",
    "tuple[tuple[str, Any], ...]",
]

#: An event page's links as a reader hands them to its sink: the self link's ``href`` and other
#: attributes, then the page links (``next``, ``resume``, ``resync``).
PageLinks: TypeAlias = tuple["str | None", Attributes, tuple[tuple[str, LinkEntry], ...]]


@attrs.frozen(slots=True)
class Sender:
    """A sender of events, in page order (senders may repeat)."""

    rel: str
    href: str
    events: tuple[Event, ...] = ()
    attributes: Attributes = ()


@attrs.frozen(slots=True)
class Events:
    """An event-channel page (``<events>`` / ``{"_links": …, "sender": […]}``).

    ``links`` holds ``next``/``resume``/``resync``; ``href`` and ``self_attributes`` the self link.
    ``sender_member`` records whether JSON had a ``"sender"`` member with no senders (D27).
    """

    href: str | None = None
    links: tuple[tuple[str, LinkEntry], ...] = ()
    senders: tuple[Sender, ...] = ()
    self_attributes: Attributes = ()
    sender_member: bool = attrs.field(default=False, eq=False)


#: Every document kind the library reads and writes.
Document: TypeAlias = Resource | Input | Events | Dto
