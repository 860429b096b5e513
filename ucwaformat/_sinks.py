"""The JSON sink of the XML reader: XML → JSON objects without the model.

The reader (``_xml._Reader``, with ``_events`` for event pages) walks the document once and
hands each part to its sink; :class:`_xml.ModelSink` builds the model, :class:`JsonSink` builds
the JSON object through the JSON writer's own functions (``_json``, ``_events``), so that
``xml_to_json`` and ``to_json(from_xml(...))`` agree by construction.

The writer's losses (``sub-ms``, ``offset``) and errors (a property JSON cannot hold) are kept
and given to the caller's recorder by :meth:`JsonSink.flush`: after everything the reader saw,
where writing a model would report them.
"""

from __future__ import annotations

from typing import Any, Final

from . import _events
from ._errors import Loss, Recorder, UcwaFormatError, member_path
from ._json import RESERVED, _Writer, dump, links_obj

__all__ = ["JsonSink"]


#: The writer's recorder when nobody hears of losses.
_NOBODY: Final = Recorder(False, None)


class JsonSink:
    """Builds the JSON objects (dicts and lists, ready for orjson) of what the reader reads."""

    __slots__ = ("date", "escape", "failed", "fragments", "head", "later", "leaf", "quoted", "writer")

    def __init__(
        self, date_offset: bool, rec: Recorder, escape: bool, fragments: bool = True
    ) -> None:
        #: Dates as the server's escaped ``"\/Date(…)\/"`` (``escape``), written as orjson
        #: fragments (their text by id, for the fallback writer of integers beyond 64 bits: see
        #: ``_json.dump``); without ``fragments`` (a streamed output, escaped as it is written)
        #: dates are plain text.
        self.escape = escape
        self.quoted = escape and fragments
        self.fragments: dict[int, str] = {}
        self.later: list[Loss] = []
        self.failed: tuple[UcwaFormatError, int] | None = None
        # The writer's losses wait for flush() if anybody hears of them.
        self.writer = _Writer(
            Recorder(False, self.later) if rec.hears else _NOBODY,
            date_offset,
            self.fail,
            self.fragments if self.quoted else None,
        )
        #: A resource's object but ``_embedded``: the JSON writer's own (``_Writer.head``).
        self.head = self.writer.head
        #: A resource without embedded resources: its head is all of it.
        self.leaf = self.writer.head
        #: A date's JSON value: the JSON writer's own (``_Writer.date``), a fragment if quoted.
        self.date = self.writer.date

    def flush(self, rec: Recorder) -> None:
        """Report the writer's losses to ``rec``, and raise the writer's error if it had one."""
        later, failed = self.later, self.failed
        if failed is not None:
            del later[failed[1] :]
        for loss in later:
            rec.loss(loss.kind, loss.path, loss.message)
        later.clear()
        self.failed = None
        if failed is not None:
            raise failed[0]

    # -- resources --------------------------------------------------------------------------

    def many(self, items: list[Any]) -> list[Any]:
        return items

    def dump(self, obj: Any, pretty: bool) -> bytes:
        """The JSON text of what the reader made (:func:`_json.dump`, with this sink's dates)."""
        if self.quoted:
            return dump(obj, pretty=pretty, escape=False, fragments=self.fragments)
        return dump(obj, pretty=pretty, escape=self.escape and self.writer.dates)

    def save(self) -> tuple[int, bool]:
        return len(self.later), self.writer.dates

    def restore(self, saved: tuple[int, bool]) -> None:
        del self.later[saved[0] :]
        self.writer.dates = saved[1]

    def fail(self, exc: UcwaFormatError, props: dict[str, Any], path: str) -> None:
        """The writer refused a property name: the dates of the properties after it were
        written as the reader typed them, and their losses are dropped (writing the model
        stops at the name)."""
        if self.failed is not None:
            return
        names = list(props)
        bad = next(i for i, name in enumerate(names) if name in RESERVED)
        after = {member_path(path, name) for name in names[bad + 1 :]}
        self.later[:] = [
            loss
            for loss in self.later
            if not any(loss.path == p or loss.path.startswith(p + "[") for p in after)
        ]
        self.failed = (exc, len(self.later))

    def resource(self, head: dict[str, Any], embedded: list[tuple[str, Any]]) -> dict[str, Any]:
        if embedded:
            head["_embedded"] = dict(embedded)
        return head

    def input(
        self,
        props: dict[str, Any],
        links: list[tuple[str, Any]],
        embedded: list[tuple[str, Any]],
    ) -> dict[str, Any]:
        out = self.head(None, None, props, None, (), links, "$")
        return self.resource(out, embedded)

    # -- event pages ------------------------------------------------------------------------

    #: An event's JSON object: the JSON writer's own (``_events.event_obj``).
    event = staticmethod(_events.event_obj)

    def sender(
        self, rel: str, href: str, events: list[Any], attrs: tuple[tuple[str, str], ...]
    ) -> dict[str, Any]:
        return _events.sender_obj(rel, href, attrs, events)

    def events(
        self,
        href: str | None,
        links: list[tuple[str, Any]],
        senders: list[Any],
        attrs: tuple[tuple[str, str], ...],
    ) -> dict[str, Any]:
        return _events.events_obj(links_obj(href, attrs, links), senders, False)
