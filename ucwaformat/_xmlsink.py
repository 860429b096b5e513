"""The XML sink of the JSON reader: JSON → XML text without the model.

The JSON reader (``_json._Reader``) reads a resource's members, then hands its parts to its
sink, its embedded resources already made by the same sink; :class:`_json.ModelSink` builds the
model, :class:`XmlSink` writes the ``<resource>`` (or ``<input>``) through the XML writer's own
functions (``_xml._Writer.element``: escaping, names, dates, dialect, pretty-printing), so that
``json_to_xml`` and ``to_xml(from_json(...))`` agree by construction. An event page's events
and senders go the same way, through ``_events``'s own writers (``event_element``,
``sender_element``, ``events_element``).

A resource is written once it is read, so before its parent; each resource's text is kept apart
(a list of fragments) and placed into its parent's where the writer puts it. The writer's
losses and errors are kept with the text they belong to, in the writer's order, and given to the
caller's recorder by :meth:`XmlSink.document`: after everything the reader saw, where writing a
model would report them.
"""

from __future__ import annotations

from typing import Any, Final, TypeAlias

from ._errors import Recorder, UcwaFormatError
from ._events import event_element, events_element, sender_element
from ._media import Dialect
from ._model import EventParts, InputParts, PageLinks, ResourceParts
from ._xml import _Writer

__all__ = ["XmlSink"]

#: What the sink makes of a resource: its XML text, as fragments (a list: the reader tells an
#: embedded array, a tuple, from one resource by its type). The writer's losses and error for
#: it wait in :attr:`XmlSink.pending`, by the list's ``id``.
Piece: TypeAlias = list[str]

#: The writer's recorder when nobody hears of losses (its errors are still kept).
_NOBODY: Final = Recorder(False, None)


class XmlSink:
    """Writes the XML of each resource and input the JSON reader reads (see the module)."""

    __slots__ = ("base", "later", "pending", "top", "writer")

    def __init__(
        self,
        dialect: Dialect,
        pretty: bool,
        rec: Recorder,
        default_offset: int | None,
        plain: bool = False,
        events: bool = False,
    ) -> None:
        """``plain``: no string the reader hands over needs escaping (``_xmltext.plain_json``
        said so of the JSON text), so the writer looks at none. ``events``: the document is an
        event page, whose resources all sit in an event, two levels below where the reader
        counts them (``<events>``, ``<sender>``, then the event's element)."""
        #: What is added to the reader's depth of a resource to write it.
        self.base = 2 if events else 0
        #: The writer's losses and error while it writes one resource.
        self.later: list[Any] = []
        #: The losses and error (a :class:`UcwaFormatError`, last) of a resource written but not
        #: yet placed in its parent, in the writer's order, by its piece's ``id``.
        self.pending: dict[int, list[Any]] = {}
        self.writer = _Writer(
            dialect, pretty, Recorder(False, self.later) if rec.hears else _NOBODY, default_offset
        )
        self.writer.plain = plain
        #: The document's text: the declaration, then the root.
        self.top = self.writer.out

    def root_type(self, rtype: Any) -> None:
        """The root's ``rel`` as read (checked by the reader), before any embedded resource is
        written: it decides whether the docs dialect's type marks are written."""
        self.writer.root_type(rtype)

    def _written(self, piece: Piece) -> Piece:
        later = self.later
        if later:
            self.pending[id(piece)] = later[:]
            later.clear()
        return piece

    def place(self, piece: Piece, role: str, path: str, depth: int) -> None:
        """An embedded resource's text (written when it was read) in its parent's, and its
        losses after the parent's own so far (``_Writer.embedded`` calls it in order)."""
        self.put(piece, path)

    def put(self, piece: Piece, path: str) -> None:
        """A part's text (a resource's, an event's, a sender's) in its parent's, its losses
        after the parent's own so far."""
        self.writer.out.extend(piece)
        if self.pending:
            events = self.pending.pop(id(piece), None)
            if events is not None:
                self.later.extend(events)

    def resource(self, parts: ResourceParts, path: str, role: str | None, depth: int) -> Piece:
        writer = self.writer
        frags: list[str] = self.top if role is None else []
        writer.out = frags
        try:
            writer.element(parts, role, path, depth + self.base, self.place)
        except UcwaFormatError as exc:
            self.later.append(exc)  # raised by document(), unless the reader fails first
        return self._written(frags)

    def input(self, parts: InputParts) -> Piece:
        writer = self.writer
        writer.out = self.top
        try:
            writer.input_element(parts, self.place)
        except UcwaFormatError as exc:
            self.later.append(exc)
        return self._written(self.top)

    def event(self, parts: EventParts, path: str) -> Piece:
        """An event page's event, its embedded resource already written (``_events``'s
        writer: the model walk's own function)."""
        writer = self.writer
        frags: list[str] = []
        writer.out = frags
        try:
            event_element(writer, parts, path, self.place)
        except UcwaFormatError as exc:
            self.later.append(exc)
        return self._written(frags)

    def sender(
        self, rel: str, href: str, events: list[Any], attrs: tuple[tuple[str, str], ...], path: str
    ) -> Piece:
        """A sender, its events already written."""
        writer = self.writer
        frags: list[str] = []
        writer.out = frags
        try:
            sender_element(writer, rel, href, attrs, events, path, self.put)
        except UcwaFormatError as exc:
            self.later.append(exc)
        return self._written(frags)

    def events(self, page: PageLinks, senders: list[Any], empty_sender: bool) -> Piece:
        """The ``<events>`` root, its senders already written."""
        writer = self.writer
        writer.out = self.top
        try:
            events_element(writer, page, senders, self.put)
        except UcwaFormatError as exc:
            self.later.append(exc)
        return self._written(self.top)

    def deliver(self, piece: Piece, rec: Recorder) -> None:
        """Give the writer's losses of ``piece``, a part no parent placed (the root, or an item
        the streaming converter writes on its own), to ``rec`` in the order writing the model
        gives them, and raise its error if it had one."""
        events = self.pending.pop(id(piece), None)
        if events is not None:
            for event in events:
                if isinstance(event, UcwaFormatError):
                    raise event
                rec.loss(event.kind, event.path, event.message)

    def document(self, root: Piece, rec: Recorder) -> bytes:
        """The XML bytes of the document whose root is ``root``, once the writer's losses are
        given to ``rec`` (and its error raised) in the order writing the model gives them."""
        self.deliver(root, rec)
        writer = self.writer
        writer.out = root
        return writer.document()
